/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tiny host unit-test harness. Each test is a function; RUN() runs it
 * (between unit_setup and unit_teardown, when a suite sets them) and prints
 * "PASS unit/<suite>/<test>" or "FAIL unit/<suite>/<test>: <first failed
 * check>" so the top-level summary counts it.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <string.h>

static const char *unit_suite = "?";
static char unit_failure[256];

/* Around each test when set: a fresh fixture, and checks that end it. */
static void (*unit_setup)(void), (*unit_teardown)(void);

/* Records the check `what` as failed at this line; the first failure counts. */
#define UNIT_FAIL(what)							\
	do {								\
		if (!unit_failure[0])					\
			snprintf(unit_failure, sizeof(unit_failure),	\
				 "%s:%d: %s", __FILE__, __LINE__, what);	\
	} while (0)

#define EXPECT(cond)							\
	do {								\
		if (!(cond))						\
			UNIT_FAIL(#cond);				\
	} while (0)

#define EXPECT_EQ(a, b)							\
	do {								\
		long long _a = (long long)(a), _b = (long long)(b);	\
		if (_a != _b && !unit_failure[0])			\
			snprintf(unit_failure, sizeof(unit_failure),	\
				 "%s:%d: %s == %lld, expected %lld",	\
				 __FILE__, __LINE__, #a, _a, _b);	\
	} while (0)

/* A small deterministic generator (xorshift64), the same sequence each run. */
static inline unsigned long long unit_rnd(void)
{
	static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Runs one test: setup, the test, teardown, and its PASS or FAIL line. */
static inline void unit_run(const char *name, void (*fn)(void))
{
	unit_failure[0] = '\0';
	if (unit_setup)
		unit_setup();
	fn();
	if (unit_teardown)
		unit_teardown();
	if (unit_failure[0])
		printf("FAIL unit/%s/%s: %s\n", unit_suite, name, unit_failure);
	else
		printf("PASS unit/%s/%s\n", unit_suite, name);
}

#define RUN(fn)	unit_run(#fn, fn)

/* A suite's list of tests, for UNIT_MAIN: UNIT_TEST(fn) names one. */
struct unit_test {
	const char *name;
	void (*fn)(void);
};
#define UNIT_TEST(fn)	{ #fn, fn }

/* Runs each test of the list as RUN() does. */
static inline int unit_run_all(const char *suite, const struct unit_test *t, size_t n)
{
	unit_suite = suite;
	for (; n; n--, t++)
		unit_run(t->name, t->fn);
	return 0;
}

/* The main of a suite that only runs its tests: UNIT_MAIN("suite", UNIT_TEST(a), ...) */
#define UNIT_MAIN(suite, ...)						\
	int main(void)							\
	{								\
		static const struct unit_test tests[] = { __VA_ARGS__ };	\
		return unit_run_all(suite, tests, sizeof(tests) / sizeof(tests[0])); \
	}

#endif
