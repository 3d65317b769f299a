/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test-guest framework. A test defines
 *
 *	int test_main(struct start_info *si);
 *
 * returning TEST_PASS or TEST_FAIL (after fail() explained why), or one of
 * the others; the framework prints exactly one result line (PASS, FAIL
 * <why>, ERROR <why>, SKIP <why>) and powers the domain off. The runner
 * reads options from "@key: value" lines in the test's first comment:
 * @cmdline (module string), @hvargs, @expect (poweroff, reboot, crash),
 * @xen (skip <why> when a test cannot run on Xen 4.17).
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>
#include <lamina/types.h>
#include <lamina/errno.h>
#include <lamina/hypercall.h>
#include <lamina/start_info.h>
#include <lamina/shared_info.h>
#include <lamina/version.h>
#include <lamina/sched.h>
#include <lamina/console.h>
#include <lamina/xen_x86_64.h>
#include <hv/string.h>

enum test_result { TEST_PASS, TEST_FAIL, TEST_ERROR, TEST_SKIP };

int test_main(struct start_info *si);

void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
/* Records a failure (the first reason is reported) and returns TEST_FAIL. */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int skip(const char *why);
void __attribute__((noreturn)) shutdown(unsigned int reason);
/* True on Lamina, false on Xen (for the few documented differences). */
bool on_lamina(void);
/* s holds w somewhere. */
bool strstr_simple(const char *s, const char *w);
/* The decimal after the first `key` (e.g. "seed=") in cmdline, or dflt. */
unsigned long cmdline_number(const char *cmdline, const char *key, unsigned long dflt);

/* Checks a condition; on failure records file:line and the message. */
#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			printf("check failed at %s:%d: ", __FILE__, __LINE__); \
			return fail(__VA_ARGS__);			\
		}							\
	} while (0)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Hypercalls by `syscall` from guest kernel mode (docs/abi-core.md §2.1):
 * rax = number, rdi rsi rdx r10 r8 = arguments; rcx and r11 are lost.
 */
static inline long hypercall5(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3,
			      uint64_t a4, uint64_t a5)
{
	register uint64_t r10 asm("r10") = a4;
	register uint64_t r8 asm("r8") = a5;
	long ret;

	asm volatile("syscall"
		     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
		     : "a"(nr)
		     : "rcx", "r11", "memory");
	return ret;
}

#define hypercall0(nr)			hypercall5(nr, 0, 0, 0, 0, 0)
#define hypercall1(nr, a)		hypercall5(nr, (uint64_t)(a), 0, 0, 0, 0)
#define hypercall2(nr, a, b)		hypercall5(nr, (uint64_t)(a), (uint64_t)(b), 0, 0, 0)
#define hypercall3(nr, a, b, c)		hypercall5(nr, (uint64_t)(a), (uint64_t)(b), (uint64_t)(c), 0, 0)

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_xen_version, cmd, arg);
}

static inline long HYPERVISOR_console_io(int cmd, int count, const void *buf)
{
	return hypercall3(__HYPERVISOR_console_io, cmd, count, buf);
}

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_sched_op, cmd, arg);
}

#endif
