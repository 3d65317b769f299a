// SPDX-License-Identifier: GPL-2.0-only
/* String and memory functions for the hypervisor and the test guests. */
#include <stdint.h>
#include <hv/string.h>

/* Quadwords first, then the odd bytes (memcpy_inline, hv/string.h). */
void *memcpy(void *dst, const void *src, size_t n)
{
	return memcpy_inline(dst, src, n);
}

void *memmove(void *dst, const void *src, size_t n)
{
	return memmove_inline(dst, src, n);
}

void *memset(void *dst, int c, size_t n)
{
	void *ret = dst;
	uint64_t v = 0x0101010101010101ULL * (uint8_t)c;
	size_t q = n / 8, b = n % 8;

	asm volatile("rep stosq; mov %3, %%rcx; rep stosb"
		     : "+D"(dst), "+c"(q), "+a"(v), "+r"(b) :: "memory");
	return ret;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return p - s;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (; *s; s++)
		if (*s == (char)c)
			return (char *)s;
	return c ? NULL : (char *)s;
}

/* Copies at most size - 1 bytes and always terminates (when size > 0). */
size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
