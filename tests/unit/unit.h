/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tiny host unit-test harness. Each test is a function; RUN() prints
 * "PASS unit/<suite>/<test>" or "FAIL unit/<suite>/<test>: <first failed
 * check>" so the top-level summary counts it.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <string.h>

static const char *unit_suite = "?";
static char unit_failure[256];

#define EXPECT(cond)							\
	do {								\
		if (!(cond) && !unit_failure[0])			\
			snprintf(unit_failure, sizeof(unit_failure),	\
				 "%s:%d: %s", __FILE__, __LINE__, #cond);	\
	} while (0)

#define EXPECT_EQ(a, b)							\
	do {								\
		long long _a = (long long)(a), _b = (long long)(b);	\
		if (_a != _b && !unit_failure[0])			\
			snprintf(unit_failure, sizeof(unit_failure),	\
				 "%s:%d: %s == %lld, expected %lld",	\
				 __FILE__, __LINE__, #a, _a, _b);	\
	} while (0)

#define RUN(fn)								\
	do {								\
		unit_failure[0] = '\0';					\
		fn();							\
		if (unit_failure[0])					\
			printf("FAIL unit/%s/%s: %s\n", unit_suite, #fn, unit_failure); \
		else							\
			printf("PASS unit/%s/%s\n", unit_suite, #fn);	\
	} while (0)

#endif
