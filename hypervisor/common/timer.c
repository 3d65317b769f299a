// SPDX-License-Identifier: GPL-2.0-only
/*
 * Timers: one queue per CPU, sorted by deadline; each CPU's one-shot timer
 * is always programmed for its queue's head. A timer belongs to the CPU
 * that initialised it (t->cpu) until migrate_timer moves it, and fires
 * there: the timer of a vCPU is to fire on the CPU the vCPU runs on, as
 * Xen's do. Expired timers run from the timer interrupt with interrupts
 * off. Guarded by the queue lock (lock_order.h); t->cpu changes only with
 * its queue's lock held (and the new one's).
 *
 * Setting another CPU's timer to become its queue's head leaves the
 * programming to that CPU: an IPI (smp_send_timer_program, after the lock
 * is dropped, not waited for) makes it program its timer for its head.
 * Not waiting matters: the caller may hold locks another CPU spins on
 * with interrupts off.
 */
#include <hv/lib.h>
#include <hv/smp.h>
#include <hv/time.h>
#include <hv/spinlock.h>

#ifdef UNIT_HOST_CPU
unsigned int unit_timer_cpu;		/* host unit tests: the CPU the test plays */
#define timer_cpu()	unit_timer_cpu
#else
#include <asm/percpu.h>
#define timer_cpu()	(this_cpu()->cpu_id)
#endif

struct timer_queue {
	spinlock_t lock;
	struct timer *head;
	uint64_t programmed;	/* what the CPU's timer is set for (0: off) */
	struct timer *running;	/* whose function the CPU runs now (kill_timer) */
} __attribute__((aligned(64)));	/* a cache line each; indexed by a shift */

static struct timer_queue queues[MAX_CPUS] = {
	[0 ... MAX_CPUS - 1] = { .lock = SPINLOCK_INIT_LEVEL(LOCK_LEVEL_TQ) },
};

void timer_init(struct timer *t, void (*fn)(void *), void *data)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->data = data;
	t->cpu = timer_cpu();
}

/* Locks the queue of t's CPU (t->cpu re-checked under the lock). */
static inline __attribute__((always_inline)) struct timer_queue *
timer_lock(const struct timer *t)
{
	for (;;) {
		unsigned int cpu = __atomic_load_n(&t->cpu, __ATOMIC_RELAXED);
		struct timer_queue *q = &queues[cpu];

		asm("" : "+r"(q));	/* kept, not recomputed from cpu at each use */
		spin_lock(&q->lock);
		if (likely(cpu == t->cpu))
			return q;
		spin_unlock(&q->lock);
	}
}

/*
 * Notes that the CPU's timer must be programmed for the head when that
 * changed: most timer changes (a timer behind the head, a stop of an idle
 * one) leave it alone, and a timer write is a costly device access. Only
 * on the queue's own CPU, which then writes the device after dropping the
 * lock (program_local_at: another CPU may want the lock meanwhile, and only
 * this CPU, interrupts off, writes its programmed deadline); for another
 * CPU's queue, true when that CPU must do it (its head changed).
 */
static inline bool program_head_at(struct timer_queue *q, bool *local)
{
	uint64_t deadline = q->head ? q->head->deadline : 0;

	if (deadline == q->programmed)
		return false;
	if (q != &queues[timer_cpu()])
		return true;
	q->programmed = deadline;
	*local = true;
	return false;
}

/* After the queue lock is dropped: the write program_head_at asked for, if any. */
static inline void program_local_at(struct timer_queue *q, bool local)
{
	if (local)
		arch_timer_program(__atomic_load_n(&q->programmed, __ATOMIC_RELAXED));
}

static void program_remote(unsigned int cpu);

/*
 * After the queue lock is dropped: this CPU's write, or the other CPU's
 * IPI (program_head_at asks for one at most). Last in its caller, so no
 * value lives across the call.
 */
static inline void program_after_unlock(struct timer_queue *q, unsigned int cpu, bool local,
					bool remote)
{
	if (local)
		program_local_at(q, true);
	else if (unlikely(remote))
		program_remote(cpu);
}

/* IPI_TIMER_VECTOR from program_remote: this CPU's queue head changed. */
void timer_program_here(void)
{
	struct timer_queue *q = &queues[timer_cpu()];

	bool local = false;

	spin_lock(&q->lock);
	program_head_at(q, &local);
	spin_unlock(&q->lock);
	program_local_at(q, local);
}

static void program_remote(unsigned int cpu)
{
	smp_send_timer_program(cpu);
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

static void insert(struct timer_queue *q, struct timer *t, uint64_t deadline)
{
	struct timer **pp;

	t->deadline = deadline;
	for (pp = &q->head; *pp && (*pp)->deadline <= deadline; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	t->active = true;
}

void set_timer(struct timer *t, uint64_t deadline)
{
	struct timer_queue *q = timer_lock(t);
	unsigned int cpu = t->cpu;
	bool remote, local = false;

	if (t->active)
		unlink(q, t);
	insert(q, t, deadline);
	remote = program_head_at(q, &local);
	spin_unlock(&q->lock);
	program_after_unlock(q, cpu, local, remote);
}

void stop_timer(struct timer *t)
{
	struct timer_queue *q = timer_lock(t);
	unsigned int cpu = t->cpu;
	bool remote, local = false;

	if (t->active)
		unlink(q, t);
	remote = program_head_at(q, &local);
	spin_unlock(&q->lock);
	program_after_unlock(q, cpu, local, remote);
}

/*
 * stop_timer, and then until no CPU runs t's function (nor set t again
 * from it): for a timer whose memory goes next, a vCPU's or a domain's,
 * as Xen's kill_timer. The expired timer is off its queue while its
 * function runs, so stop_timer alone would let the memory go under it.
 * Never from t's own function.
 */
void kill_timer(struct timer *t)
{
	unsigned int cpu;

	do {
		stop_timer(t);
		for (cpu = 0; cpu < MAX_CPUS; cpu++)
			while (__atomic_load_n(&queues[cpu].running, __ATOMIC_ACQUIRE) == t)
				spin_relax();
	} while (__atomic_load_n(&t->active, __ATOMIC_ACQUIRE));
}

/*
 * t fires on `cpu` from now on, at the same deadline if it is set. The two
 * queues' locks are taken lower CPU first. For a vCPU's timers when the
 * vCPU moves to another CPU (Xen's migrate_timer).
 */
void migrate_timer(struct timer *t, unsigned int cpu)
{
	for (;;) {
		unsigned int old = __atomic_load_n(&t->cpu, __ATOMIC_RELAXED);
		struct timer_queue *from = &queues[old], *to = &queues[cpu];
		bool remote_from, remote_to, local_from = false, local_to = false;

		if (old == cpu)
			return;
		spin_lock(old < cpu ? &from->lock : &to->lock);
		spin_lock_nested(old < cpu ? &to->lock : &from->lock);
		if (t->cpu != old) {		/* moved meanwhile: again */
			spin_unlock(&from->lock);
			spin_unlock(&to->lock);
			continue;
		}
		if (t->active) {
			uint64_t deadline = t->deadline;

			unlink(from, t);
			insert(to, t, deadline);
		}
		__atomic_store_n(&t->cpu, cpu, __ATOMIC_RELAXED);
		remote_from = program_head_at(from, &local_from);
		remote_to = program_head_at(to, &local_to);
		spin_unlock(old < cpu ? &to->lock : &from->lock);
		spin_unlock(old < cpu ? &from->lock : &to->lock);
		program_local_at(from, local_from);
		program_local_at(to, local_to);
		if (remote_from)
			program_remote(old);
		if (remote_to)
			program_remote(cpu);
		return;
	}
}

void timer_interrupt(void)
{
	struct timer_queue *q = &queues[timer_cpu()];
	uint64_t now = now_ns();
	bool local = false;

	spin_lock(&q->lock);
	q->programmed = 0;	/* the one-shot is spent (it may fire early) */
	arch_timer_spent();
	while (q->head && q->head->deadline <= now) {
		struct timer *t = q->head;

		unlink(q, t);
		__atomic_store_n(&q->running, t, __ATOMIC_RELAXED);
		spin_unlock(&q->lock);
		t->fn(t->data);		/* may set timers again */
		spin_lock(&q->lock);
		__atomic_store_n(&q->running, NULL, __ATOMIC_RELEASE);
		now = now_ns();
	}
	program_head_at(q, &local);
	spin_unlock(&q->lock);
	program_local_at(q, local);
}

bool timer_due_here(uint64_t now)
{
	uint64_t at = __atomic_load_n(&queues[timer_cpu()].programmed, __ATOMIC_RELAXED);

	return at && at <= now;
}

/* Debug key 't': the CPU's timer queue. */
void timer_dump(void)
{
	struct timer_queue *q = &queues[timer_cpu()];
	uint64_t now = now_ns();
	struct timer *t;

	printk(LOG_ERR, "CPU%u timers at %llu ns:\n", timer_cpu(), (unsigned long long)now);
	for (t = q->head; t; t = t->next)
		printk(LOG_ERR, "  in %lld us: %p(%p)\n",
		       (long long)(t->deadline - now) / 1000, (void *)t->fn, t->data);
}
