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
 * memmove inline, for a path that copies a page per element of a batch
 * (GNTTABOP_copy): a forward copy, quadwords first, when dst does not
 * start inside src's bytes (memcpy's way), else backwards byte by byte.
 */
static inline __attribute__((always_inline)) void *
memmove_inline(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n) {
		size_t q = n / 8, b = n % 8;

		asm volatile("rep movsq; mov %3, %%rcx; rep movsb"
			     : "+D"(d), "+S"(s), "+c"(q), "+r"(b) :: "memory");
		return dst;
	}
	while (n--)
		d[n] = s[n];
	return dst;
}

#endif
