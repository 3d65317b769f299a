// SPDX-License-Identifier: GPL-2.0-only
/*
 * Timers: one queue per CPU, sorted by deadline; the CPU's one-shot timer
 * is always programmed for the head. Expired timers run from the timer
 * interrupt with interrupts off. Guarded by the queue lock (lock_order.h).
 */
#include <hv/lib.h>
#include <hv/time.h>
#include <hv/spinlock.h>

struct timer_queue {
	spinlock_t lock;
	struct timer *head;
	uint64_t programmed;	/* what the CPU's timer is set for (0: off) */
};

static struct timer_queue queue0 = { .lock = SPINLOCK_INIT_LEVEL(LOCK_LEVEL_TQ) };	/* CPU 0's */

void timer_init(struct timer *t, void (*fn)(void *), void *data)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->data = data;
}

/*
 * Programs the CPU's timer for the head when that changed: most timer
 * changes (a timer behind the head, a stop of an idle one) leave it alone,
 * and a timer write is a costly device access.
 */
static void program_head(struct timer_queue *q)
{
	uint64_t deadline = q->head ? q->head->deadline : 0;

	if (deadline == q->programmed)
		return;
	q->programmed = deadline;
	arch_timer_program(deadline);
}

static void unlink(struct timer_queue *q, struct timer *t)
{
	struct timer **pp;

	for (pp = &q->head; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->active = false;
	t->next = NULL;
}

void set_timer(struct timer *t, uint64_t deadline)
{
	struct timer_queue *q = &queue0;
	struct timer **pp;

	spin_lock(&q->lock);
	if (t->active)
		unlink(q, t);
	t->deadline = deadline;
	for (pp = &q->head; *pp && (*pp)->deadline <= deadline; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	t->active = true;
	program_head(q);
	spin_unlock(&q->lock);
}

void stop_timer(struct timer *t)
{
	struct timer_queue *q = &queue0;

	spin_lock(&q->lock);
	if (t->active)
		unlink(q, t);
	program_head(q);
	spin_unlock(&q->lock);
}

void timer_interrupt(void)
{
	struct timer_queue *q = &queue0;
	uint64_t now = now_ns();

	spin_lock(&q->lock);
	q->programmed = 0;	/* the one-shot is spent (it may fire early) */
	while (q->head && q->head->deadline <= now) {
		struct timer *t = q->head;

		unlink(q, t);
		spin_unlock(&q->lock);
		t->fn(t->data);		/* may set timers again */
		spin_lock(&q->lock);
		now = now_ns();
	}
	program_head(q);
	spin_unlock(&q->lock);
}

/* Debug key 't': the CPU's timer queue. */
void timer_dump(void)
{
	struct timer_queue *q = &queue0;
	uint64_t now = now_ns();
	struct timer *t;

	printk(LOG_ERR, "timers at %llu ns:\n", (unsigned long long)now);
	for (t = q->head; t; t = t->next)
		printk(LOG_ERR, "  in %lld us: %p(%p)\n",
		       (long long)(t->deadline - now) / 1000, (void *)t->fn, t->data);
}
