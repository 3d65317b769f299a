// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of the debug lock checks (hypervisor/common/spinlock.c):
 * every breach the checks promise to catch panics, and the uses the
 * hypervisor makes pass. panic() here returns to the test by longjmp.
 */
#include "../../unit.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <hv/lib.h>
#include <hv/spinlock.h>

extern __thread unsigned int unit_cpu;

static jmp_buf panic_env;
static bool panic_expected;
static char panic_msg[256];

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(panic_msg, sizeof(panic_msg), fmt, ap);
	va_end(ap);
	if (panic_expected)
		longjmp(panic_env, 1);
	printf("FAIL unit/spinlock: unexpected panic: %s\n", panic_msg);
	exit(1);
}

/* 1 if `stmt` panicked (the message in panic_msg), 0 if it returned. */
#define PANICS(stmt)							\
	({								\
		volatile int _p = 1;					\
		panic_msg[0] = '\0';					\
		panic_expected = true;					\
		if (!setjmp(panic_env)) {				\
			stmt;						\
			_p = 0;						\
		}							\
		panic_expected = false;					\
		_p;							\
	})

static spinlock_t evtchn_a = SPINLOCK_INIT_LEVEL(LOCK_LEVEL_EVTCHN);
static spinlock_t evtchn_b = SPINLOCK_INIT_LEVEL(LOCK_LEVEL_EVTCHN);
static spinlock_t rq = SPINLOCK_INIT_LEVEL(LOCK_LEVEL_RQ);
static spinlock_t heap = SPINLOCK_INIT_LEVEL(LOCK_LEVEL_HEAP);
static spinlock_t plain = SPINLOCK_INIT;

/* Down the order is fine; up it, or a second of one class unordered, panics. */
static void order_checked(void)
{
	unit_cpu = 0;
	EXPECT(!PANICS(spin_lock(&evtchn_a)));
	EXPECT(!PANICS(spin_lock(&rq)));
	EXPECT(!PANICS(spin_lock(&heap)));
	spin_unlock(&heap);
	EXPECT(PANICS(spin_lock(&evtchn_b)));		/* below rq, which is held */
	EXPECT(strstr(panic_msg, "lock order") != NULL);
	EXPECT(!spin_is_locked(&evtchn_b));
	spin_unlock(&rq);
	EXPECT(PANICS(spin_lock(&evtchn_b)));		/* same class, not nested */
	EXPECT(!PANICS(spin_lock_nested(&evtchn_b)));	/* as evtchn_lock_pair */
	EXPECT(!PANICS(spin_lock(&rq)));
	spin_unlock(&rq);
	spin_unlock(&evtchn_a);				/* not in reverse: allowed */
	spin_unlock(&evtchn_b);
	EXPECT(!PANICS(spin_lock(&evtchn_a)));		/* nothing held any more */
	spin_unlock(&evtchn_a);
}

/* Another CPU's locks do not count against this one's order. */
static void order_is_per_cpu(void)
{
	unit_cpu = 0;
	spin_lock(&heap);
	unit_cpu = 1;
	EXPECT(!PANICS(spin_lock(&rq)));
	spin_unlock(&rq);
	unit_cpu = 0;
	spin_unlock(&heap);
}

static void owner_checked(void)
{
	unit_cpu = 0;
	spin_lock(&plain);
	EXPECT(spin_is_mine(&plain));
	EXPECT(PANICS(spin_lock(&plain)));		/* would spin on itself */
	EXPECT(strstr(panic_msg, "taken again") != NULL);
	unit_cpu = 1;
	EXPECT(!spin_is_mine(&plain));
	EXPECT(PANICS(spin_unlock(&plain)));		/* not CPU 1's */
	EXPECT(spin_is_locked(&plain));
	unit_cpu = 0;
	EXPECT(!PANICS(spin_unlock(&plain)));
	EXPECT(!spin_is_mine(&plain));
	EXPECT(PANICS(spin_unlock(&plain)));		/* nobody's */
}

/* A process runs with interrupts on: a lock once taken with them off panics. */
static void irq_state_checked(void)
{
	spinlock_t l = SPINLOCK_INIT;

	unit_cpu = 0;
	EXPECT(!PANICS(spin_lock(&l)));
	spin_unlock(&l);
	EXPECT_EQ(l.irqs, 1);
	l.irqs = 2;					/* as if taken with interrupts off */
	EXPECT(PANICS(spin_lock(&l)));
	EXPECT(strstr(panic_msg, "interrupts on") != NULL);
	EXPECT(!spin_is_locked(&l));
}

int main(void)
{
	unit_suite = "spinlock";
	RUN(order_checked);
	RUN(order_is_per_cpu);
	RUN(owner_checked);
	RUN(irq_state_checked);
	return 0;
}
