// SPDX-License-Identifier: GPL-2.0-only
/* Host tests of hypervisor/common/timer.c, with a fake clock and CPU timer. */
#include "../../unit.h"
#include <stdarg.h>
#include <hv/time.h>
#include <hv/printk.h>

static uint64_t fake_now;
static uint64_t hw_deadline;		/* what the fake CPU timer is set for */
static unsigned int hw_writes;

uint64_t now_ns(void)
{
	return fake_now;
}

void arch_timer_program(uint64_t deadline)
{
	hw_deadline = deadline;
	hw_writes++;
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

UNIT_MAIN("timer", UNIT_TEST(head_is_programmed), UNIT_TEST(no_needless_writes),
	  UNIT_TEST(interrupt_runs_due_in_order), UNIT_TEST(rearmed_after_interrupt))
