/* SPDX-License-Identifier: GPL-2.0-only */
/* The string functions of lib/string.c, with the C library's prototypes. */
#ifndef HV_STRING_H
#define HV_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
size_t strlcpy(char *dst, const char *src, size_t size);

/*
 * memcpy inline: quadwords first, then the odd bytes, so a page is 512
 * string iterations, not 4096 (what an emulator, and -icount, pays per
 * iteration). The odd-byte count is an in/out operand of its own, so the
 * compiler cannot give it the quotient's register when a constant length
 * makes the two equal (9, 18, ...).
 */
static inline __attribute__((always_inline)) void *
memcpy_inline(void *dst, const void *src, size_t n)
{
	void *d = dst;
	size_t q = n / 8, b = n % 8;

	asm volatile("rep movsq; mov %3, %%rcx; rep movsb"
		     : "+D"(d), "+S"(src), "+c"(q), "+r"(b) :: "memory");
	return dst;
}

/*
 * memmove inline: forward (memcpy_inline) when dst does not start inside
 * src's bytes, else backwards byte by byte.
 */
static inline __attribute__((always_inline)) void *
memmove_inline(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy_inline(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

#endif
