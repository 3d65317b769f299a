// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of hypervisor/lib/vsnprintf.c, compiled here as lm_vsnprintf
 * and lm_snprintf (build.mk renames them) and compared with the C library.
 */
#include "../../unit.h"
#include <stdarg.h>
#include <stdint.h>

int lm_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int lm_snprintf(char *buf, size_t size, const char *fmt, ...);

#define SAME(...)							\
	do {								\
		char a[128], b[128];					\
		int na = lm_snprintf(a, sizeof(a), __VA_ARGS__);	\
		int nb = snprintf(b, sizeof(b), __VA_ARGS__);		\
		if ((na != nb || strcmp(a, b)) && !unit_failure[0])	\
			snprintf(unit_failure, sizeof(unit_failure),	\
				 "%s: got \"%s\" (%d), libc \"%s\" (%d)", #__VA_ARGS__, a, na, b, nb); \
	} while (0)

static void integers(void)
{
	SAME("%d %i %u", 0, -1, 4000000000u);
	SAME("%d", -2147483647 - 1);
	SAME("%ld %lu", -9223372036854775807L - 1, 18446744073709551615UL);
	SAME("%lld %llx", -5LL, 0xdeadbeefcafeULL);
	SAME("%zu", (size_t)12345);
	SAME("%x %X %#x %#lx", 255u, 255u, 255u, 0xffff82UL);
	SAME("[%5d] [%-5d] [%05d] [%016lx]", 42, 42, 42, 0x1234UL);
	SAME("[%05d] [%-05d]", -42, -42);
	SAME("[%#06x]", 0x2au);
	SAME("%*d|%-*d", 6, 7, 6, 7);
}

static void strings_and_chars(void)
{
	SAME("%s|%10s|%-10s|", "abc", "abc", "abc");
	SAME("%.2s|%.*s|", "abcdef", 3, "abcdef");
	SAME("%c%c%c", 'x', 'y', 'z');
	SAME("100%%");
	SAME("%p", (void *)0x1234);
}

static void truncation(void)
{
	char buf[8];
	int n = lm_snprintf(buf, sizeof(buf), "%s", "0123456789");

	EXPECT_EQ(n, 10);
	EXPECT(!strcmp(buf, "0123456"));
	n = lm_snprintf(buf, 1, "abc");
	EXPECT_EQ(n, 3);
	EXPECT_EQ(buf[0], 0);
	n = lm_snprintf(NULL, 0, "%d", 12345);
	EXPECT_EQ(n, 5);
}

static void null_string(void)
{
	char buf[16];

	lm_snprintf(buf, sizeof(buf), "%s", (char *)NULL);
	EXPECT(!strcmp(buf, "(null)"));
}

UNIT_MAIN("vsnprintf", UNIT_TEST(integers), UNIT_TEST(strings_and_chars), UNIT_TEST(truncation),
	  UNIT_TEST(null_string))
