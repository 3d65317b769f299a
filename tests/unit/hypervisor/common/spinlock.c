// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of the locks (hv/spinlock.h, hypervisor/common/spinlock.c,
 * rspinlock.c): the debug checks (every breach they promise to catch
 * panics, and the uses the hypervisor makes pass; panic() here returns to
 * the test by longjmp), then the lock itself on host threads: mutual
 * exclusion, trylock against a starving waiter, a bounded wait against a
 * greedy contender, a starving waiter that is not running, and one that
 * sets its flag while the lock is held (nested rspinlock take, release).
 */
#define _GNU_SOURCE		/* RUSAGE_THREAD */
#include "../../unit.h"
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <hv/lib.h>
#include <hv/spinlock.h>

extern __thread unsigned int unit_cpu;
extern unsigned long spin_starve_sets, spin_defer_takes;

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

/* Threads each taking the locks many times: nobody is ever in with another. */
#define MX_THREADS	3
#define MX_ROUNDS	200000
static spinlock_t mx_lock = SPINLOCK_INIT_LEVEL(LOCK_LEVEL_EVTCHN);
static rspinlock_t mx_rlock;
static unsigned long mx_count, mx_rcount;
static int mx_inside, mx_rinside, mx_overlaps;

static void *mx_thread(void *arg)
{
	unsigned int i;

	unit_cpu = (unsigned int)(uintptr_t)arg;
	for (i = 0; i < MX_ROUNDS; i++) {
		spin_lock(&mx_lock);
		if (__atomic_fetch_add(&mx_inside, 1, __ATOMIC_RELAXED))
			__atomic_fetch_add(&mx_overlaps, 1, __ATOMIC_RELAXED);
		mx_count++;				/* plain: the lock guards it */
		__atomic_fetch_sub(&mx_inside, 1, __ATOMIC_RELAXED);
		spin_unlock(&mx_lock);

		rspin_lock(&mx_rlock);
		rspin_lock(&mx_rlock);			/* nested: a count */
		if (__atomic_fetch_add(&mx_rinside, 1, __ATOMIC_RELAXED))
			__atomic_fetch_add(&mx_overlaps, 1, __ATOMIC_RELAXED);
		mx_rcount++;
		__atomic_fetch_sub(&mx_rinside, 1, __ATOMIC_RELAXED);
		rspin_unlock(&mx_rlock);
		if (!rspin_is_mine(&mx_rlock))		/* still held once */
			__atomic_fetch_add(&mx_overlaps, 1, __ATOMIC_RELAXED);
		rspin_unlock(&mx_rlock);
	}
	return NULL;
}

static void mutual_exclusion(void)
{
	pthread_t t[MX_THREADS];
	unsigned long i;

	rspin_lock_init(&mx_rlock, LOCK_LEVEL_EVTCHN);
	for (i = 0; i < MX_THREADS; i++)
		pthread_create(&t[i], NULL, mx_thread, (void *)(i + 10));
	for (i = 0; i < MX_THREADS; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(mx_count, (unsigned long)MX_THREADS * MX_ROUNDS);
	EXPECT_EQ(mx_rcount, (unsigned long)MX_THREADS * MX_ROUNDS);
	EXPECT_EQ(mx_overlaps, 0);
	EXPECT_EQ(mx_lock.locked.word, 0);		/* free, nobody starving */
	EXPECT_EQ(mx_rlock.cpu.word, 0);
	unit_cpu = 0;
}

/* A try takes a free lock only; a starving waiter is owed even a free one. */
static void trylock(void)
{
	spinlock_t l = SPINLOCK_INIT;

	unit_cpu = 0;
	EXPECT(spin_trylock_nested(&l));
	EXPECT(spin_is_mine(&l));
	unit_cpu = 1;
	EXPECT(!spin_trylock_nested(&l));		/* held by CPU 0 */
	unit_cpu = 0;
	spin_unlock(&l);
	EXPECT_EQ(l.locked.word, 0);
	l.locked.word = LOCK_STARVING;			/* a waiter that waited long */
	EXPECT(!spin_trylock_nested(&l));
	EXPECT(!spin_is_locked(&l));
	l.locked.word = 0;
	EXPECT(spin_trylock_nested(&l));
	spin_unlock(&l);
}

/*
 * A greedy contender takes the lock again and again (its release and next
 * take a few instructions apart, the line in its cache); a second thread
 * takes it now and then and counts the contender's takes during its wait.
 * A wait during which the waiter's thread was descheduled by the host
 * (an involuntary switch) is not counted: it is not spinning then, and
 * nothing bounds what others do meanwhile. `lock` and `unlock` are the
 * lock under test, or a plain exchange to compare.
 */
#define BW_ROUNDS	200
#define BW_LIMIT	1000	/* plain test-and-set: thousands (docs/security.md) */
#define BW_HOLD		100
/*
 * This machine may itself be a guest: time its host steals from the
 * waiter shows in no count here, so one round in BW_STOLEN may go over.
 */
#define BW_STOLEN	20
struct bw {
	void (*lock)(void *), (*unlock)(void *);
	void *l;
	unsigned long turns;
	bool stop;
};

static void *bw_greedy(void *arg)
{
	struct bw *b = arg;
	volatile unsigned int work;

	unit_cpu = 21;
	while (!__atomic_load_n(&b->stop, __ATOMIC_RELAXED)) {
		b->lock(b->l);
		__atomic_store_n(&b->turns, b->turns + 1, __ATOMIC_RELAXED);
		for (work = 0; work < BW_HOLD; work++)	/* held far longer than let go */
			;
		b->unlock(b->l);
	}
	return NULL;
}

static long thread_preempted(void)
{
	struct rusage r;

	getrusage(RUSAGE_THREAD, &r);
	return r.ru_nivcsw;
}

/*
 * The worst wait over BW_ROUNDS rounds the waiter ran through (up to 8
 * times as many tried on a loaded host); *valid: how many counted, *over:
 * how many of those waited more than BW_LIMIT turns.
 */
static unsigned long bw_worst(struct bw *b, unsigned int *valid, unsigned int *over)
{
	pthread_t g;
	unsigned long worst = 0, t0, t1;
	unsigned int i;
	long p0;

	unit_cpu = 20;
	*valid = *over = 0;
	b->stop = false;
	pthread_create(&g, NULL, bw_greedy, b);
	while (__atomic_load_n(&b->turns, __ATOMIC_RELAXED) < 1000)
		;
	for (i = 0; i < 8 * BW_ROUNDS && *valid < BW_ROUNDS; i++) {
		struct timespec ts = { 0, 20000 };

		nanosleep(&ts, NULL);			/* the contender runs alone */
		p0 = thread_preempted();
		t0 = __atomic_load_n(&b->turns, __ATOMIC_RELAXED);
		b->lock(b->l);
		t1 = __atomic_load_n(&b->turns, __ATOMIC_RELAXED);
		b->unlock(b->l);
		if (thread_preempted() != p0)
			continue;
		++*valid;
		*over += t1 - t0 > BW_LIMIT;
		if (t1 - t0 > worst)
			worst = t1 - t0;
	}
	__atomic_store_n(&b->stop, true, __ATOMIC_RELAXED);
	pthread_join(g, NULL);
	unit_cpu = 0;
	return worst;
}

static void bw_spin_lock(void *l) { spin_lock(l); }
static void bw_spin_unlock(void *l) { spin_unlock(l); }
static void bw_rspin_lock(void *l) { rspin_lock(l); }
static void bw_rspin_unlock(void *l) { rspin_unlock(l); }
static void bw_xchg_lock(void *l)
{
	while (__atomic_exchange_n((uint32_t *)l, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n((uint32_t *)l, __ATOMIC_RELAXED))
			spin_relax();
}
static void bw_xchg_unlock(void *l) { __atomic_store_n((uint32_t *)l, 0, __ATOMIC_RELEASE); }

static void bounded_wait(void)
{
	spinlock_t l = SPINLOCK_INIT;
	rspinlock_t rl;
	uint32_t xl = 0;
	struct bw b = { bw_spin_lock, bw_spin_unlock, &l, 0, false };
	struct bw rb = { bw_rspin_lock, bw_rspin_unlock, &rl, 0, false };
	struct bw xb = { bw_xchg_lock, bw_xchg_unlock, &xl, 0, false };
	unsigned long sets = spin_starve_sets, worst, rworst, xworst;
	unsigned int valid, rvalid, xvalid, over, rover, xover;

	rspin_lock_init(&rl, 0);
	worst = bw_worst(&b, &valid, &over);
	rworst = bw_worst(&rb, &rvalid, &rover);
	xworst = bw_worst(&xb, &xvalid, &xover);
	printf("  unit/spinlock/bounded_wait: worst wait %lu turns (%u of %u rounds over %u), "
	       "rspinlock %lu (%u of %u), plain exchange %lu (%u of %u); "
	       "starving flag set %lu times\n", worst, over, valid, BW_LIMIT, rworst, rover,
	       rvalid, xworst, xover, xvalid, spin_starve_sets - sets);
	EXPECT(valid >= BW_ROUNDS / 8 && rvalid >= BW_ROUNDS / 8);
	EXPECT(over <= valid / BW_STOLEN);
	EXPECT(rover <= rvalid / BW_STOLEN);
	EXPECT_EQ(l.locked.word, 0);
	EXPECT_EQ(rl.cpu.word, 0);
}

/*
 * A waiter set LOCK_STARVING and is not running (its host thread
 * descheduled, or this CPU interrupted it): a free lock is left to it for
 * SPIN_DEFER_SPINS turns, then taken anyway, the flag cleared (the
 * waiter sets it again when it runs).
 */
static void starving_waiter_away(void)
{
	spinlock_t l = SPINLOCK_INIT;
	rspinlock_t rl;
	unsigned long takes = spin_defer_takes;

	unit_cpu = 0;
	l.locked.word = LOCK_STARVING;
	spin_lock(&l);
	EXPECT(spin_is_mine(&l));
	spin_unlock(&l);
	EXPECT_EQ(l.locked.word, 0);
	rspin_lock_init(&rl, 0);
	rl.cpu.word = LOCK_STARVING;
	rspin_lock(&rl);
	EXPECT(rspin_is_mine(&rl));
	rspin_unlock(&rl);
	EXPECT_EQ(rl.cpu.word, 0);
	EXPECT_EQ(spin_defer_takes - takes, 2);
}

/*
 * A waiter sets LOCK_STARVING while the lock is held: the holder's nested
 * take of an rspinlock_t is still a count (never the slow path, which
 * would wait for a lock this CPU holds), and each release frees the
 * holder half only, the waiter's flag kept, for a spinlock_t as well.
 */
static void starving_while_held(void)
{
	spinlock_t l = SPINLOCK_INIT;
	rspinlock_t rl;
	unsigned long takes = spin_defer_takes;

	unit_cpu = 0;
	rspin_lock_init(&rl, 0);
	rspin_lock(&rl);
	__atomic_or_fetch(&rl.cpu.word, LOCK_STARVING, __ATOMIC_RELAXED);
	rspin_lock(&rl);
	EXPECT_EQ(rl.depth, 2);
	EXPECT(rspin_is_mine(&rl));
	rspin_unlock(&rl);
	EXPECT_EQ(rl.cpu.word, LOCK_STARVING | 1);
	rspin_unlock(&rl);
	EXPECT_EQ(rl.cpu.word, LOCK_STARVING);
	unit_cpu = 1;
	EXPECT(!rspin_is_mine(&rl));
	spin_lock(&l);
	__atomic_or_fetch(&l.locked.word, LOCK_STARVING, __ATOMIC_RELAXED);
	spin_unlock(&l);
	EXPECT_EQ(l.locked.word, LOCK_STARVING);
	EXPECT(!spin_trylock_nested(&l));	/* owed to the waiter */
	EXPECT_EQ(spin_defer_takes, takes);
	unit_cpu = 0;
}

int main(void)
{
	unit_suite = "spinlock";
	RUN(order_checked);
	RUN(order_is_per_cpu);
	RUN(owner_checked);
	RUN(irq_state_checked);
	RUN(mutual_exclusion);
	RUN(trylock);
	RUN(bounded_wait);
	RUN(starving_waiter_away);
	RUN(starving_while_held);
	return 0;
}
