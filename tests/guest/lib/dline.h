/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The differential guests' output (conform-fuzz-diff, conform-args-diff;
 * tests/run/conform-diff compares it): one line per call, built with
 * put() (what was called, then its answer) and printed by end() as
 * "D <index> <text>". DLINE_MAX, defined before the include, bounds a
 * line; text past it is cut, the same on every hypervisor.
 */
#ifndef GUEST_DLINE_H
#define GUEST_DLINE_H

#include "guest.h"

#ifndef DLINE_MAX
#error "define DLINE_MAX (a line's bytes) before including dline.h"
#endif

static unsigned int idx;		/* the next line's index */
static char line[DLINE_MAX];
static size_t len;

/* Text onto the call's line. */
static void put(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static void put(const char *fmt, ...)
{
	va_list ap;

	if (len >= sizeof(line) - 1)
		return;
	va_start(ap, fmt);
	len += vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	va_end(ap);
}

/* The line out, numbered, and the next one started. */
static __attribute__((unused)) void end(void)
{
	printf("D %u %s\n", idx++, line);
	len = 0;
	line[0] = 0;
}

/* The line started so far dropped, nothing printed (the call not made). */
static __attribute__((unused)) void drop(void)
{
	len = 0;
	line[0] = 0;
}

#endif
