// SPDX-License-Identifier: GPL-2.0-only
/* Host tests of hypervisor/common/timer.c, with a fake clock and CPU timer. */
#include "../../unit.h"
#include <stdarg.h>
#include <hv/time.h>
#include <hv/printk.h>
#include <hv/smp.h>

static uint64_t fake_now;
static uint64_t hw_deadline;		/* what the fake CPU timer is set for */
static unsigned int hw_writes;

uint64_t now_ns(void)
{
	return fake_now;
}

extern unsigned int unit_timer_cpu;	/* common/timer.c: the CPU the test plays */
static uint64_t hw_deadline1;		/* CPU 1's */
static cpumask_t called;		/* CPUs smp_send_timer_program was aimed at */

void arch_timer_program(uint64_t deadline)
{
	if (unit_timer_cpu == 1) {
		hw_deadline1 = deadline;
		return;
	}
	hw_deadline = deadline;
	hw_writes++;
}

void arch_timer_spent(void)
{
}

/* The IPI: its handler runs at once, as the CPU it is aimed at. */
void smp_send_timer_program(unsigned int cpu)
{
	unsigned int me = unit_timer_cpu;

	called |= 1ULL << cpu;
	if (cpu != me) {
		unit_timer_cpu = cpu;
		timer_program_here();
	}
	unit_timer_cpu = me;
}

void printk(enum log_level level, const char *fmt, ...)
{
}

static char fired[16];

static void record(void *data)
{
	size_t n = strlen(fired);

	if (n + 1 < sizeof(fired)) {
		fired[n] = *(const char *)data;
		fired[n + 1] = '\0';
	}
}

static struct timer a, b, c;

/* Each test starts with an empty queue and a disarmed CPU timer. */
static void fresh(void)
{
	stop_timer(&a);
	stop_timer(&b);
	stop_timer(&c);
	timer_init(&a, record, "a");
	timer_init(&b, record, "b");
	timer_init(&c, record, "c");
	fake_now = 0;
	fired[0] = '\0';
	hw_writes = 0;
}

static void head_is_programmed(void)
{
	fresh();
	set_timer(&b, 200);
	EXPECT_EQ(hw_deadline, 200);
	set_timer(&a, 100);		/* new head */
	EXPECT_EQ(hw_deadline, 100);
	set_timer(&a, 300);		/* moved behind b */
	EXPECT_EQ(hw_deadline, 200);
	stop_timer(&b);
	EXPECT_EQ(hw_deadline, 300);
	stop_timer(&a);
	EXPECT_EQ(hw_deadline, 0);	/* empty queue: off */
}

/* Changes that leave the head alone leave the device alone too. */
static void no_needless_writes(void)
{
	fresh();
	set_timer(&a, 100);
	EXPECT_EQ(hw_writes, 1);
	set_timer(&b, 200);		/* behind the head */
	set_timer(&c, 100);		/* same deadline as the head */
	stop_timer(&c);
	stop_timer(&c);			/* not queued */
	set_timer(&b, 250);
	EXPECT_EQ(hw_writes, 1);
	EXPECT_EQ(hw_deadline, 100);
}

static void interrupt_runs_due_in_order(void)
{
	fresh();
	set_timer(&c, 300);
	set_timer(&b, 150);
	set_timer(&a, 100);
	fake_now = 160;
	timer_interrupt();
	EXPECT(!strcmp(fired, "ab"));
	EXPECT(!a.active && !b.active && c.active);
	EXPECT_EQ(hw_deadline, 300);
}

/* The one-shot is spent once it fired: the same deadline is set again. */
static void rearmed_after_interrupt(void)
{
	fresh();
	set_timer(&a, 100);
	fake_now = 90;			/* fired early (rounded APIC ticks) */
	hw_deadline = 0;
	timer_interrupt();
	EXPECT(!strcmp(fired, ""));
	EXPECT_EQ(hw_deadline, 100);
	fake_now = 100;
	hw_deadline = 0;
	timer_interrupt();
	EXPECT(!strcmp(fired, "a"));
	set_timer(&b, 100);		/* equal to the spent deadline */
	EXPECT_EQ(hw_deadline, 100);
}

/* A timer is its initialising CPU's: another CPU's interrupt leaves it. */
static void timer_stays_on_its_cpu(void)
{
	fresh();
	unit_timer_cpu = 1;
	timer_init(&c, record, "c");
	set_timer(&c, 100);
	EXPECT_EQ(hw_deadline1, 100);
	unit_timer_cpu = 0;
	set_timer(&a, 150);
	EXPECT_EQ(hw_deadline, 150);
	fake_now = 200;
	timer_interrupt();		/* CPU 0's */
	EXPECT(!strcmp(fired, "a"));
	EXPECT(c.active);
	unit_timer_cpu = 1;
	timer_interrupt();
	EXPECT(!strcmp(fired, "ac"));
	EXPECT(!c.active);
	unit_timer_cpu = 0;
}

/* CPU 0 sets CPU 1's timer as its new head: CPU 1 programs it, by IPI. */
static void remote_head_by_ipi(void)
{
	fresh();
	unit_timer_cpu = 1;
	timer_init(&c, record, "c");
	unit_timer_cpu = 0;
	called = 0;
	set_timer(&c, 300);
	EXPECT_EQ(called, 2);
	EXPECT_EQ(hw_deadline1, 300);
	EXPECT_EQ(hw_writes, 0);	/* CPU 0's own timer untouched */
	called = 0;
	stop_timer(&c);
	EXPECT_EQ(called, 2);
	EXPECT_EQ(hw_deadline1, 0);
}

/* migrate_timer: a set timer moves with its deadline; both CPUs reprogram. */
static void migrate_moves_the_deadline(void)
{
	fresh();
	set_timer(&a, 100);
	set_timer(&b, 200);
	EXPECT_EQ(hw_deadline, 100);
	called = 0;
	migrate_timer(&a, 1);
	EXPECT_EQ(a.cpu, 1);
	EXPECT(a.active && a.deadline == 100);
	EXPECT_EQ(hw_deadline, 200);	/* CPU 0: b is its head now */
	EXPECT_EQ(called, 2);
	EXPECT_EQ(hw_deadline1, 100);
	fake_now = 250;
	timer_interrupt();		/* CPU 0: only b */
	EXPECT(!strcmp(fired, "b"));
	unit_timer_cpu = 1;
	timer_interrupt();
	EXPECT(!strcmp(fired, "ba"));
	migrate_timer(&a, 0);		/* back, not set: nothing to program */
	unit_timer_cpu = 0;
	EXPECT_EQ(a.cpu, 0);
	EXPECT(!a.active);
}

UNIT_MAIN("timer", UNIT_TEST(head_is_programmed), UNIT_TEST(no_needless_writes),
	  UNIT_TEST(interrupt_runs_due_in_order), UNIT_TEST(rearmed_after_interrupt),
	  UNIT_TEST(timer_stays_on_its_cpu), UNIT_TEST(remote_head_by_ipi),
	  UNIT_TEST(migrate_moves_the_deadline))
