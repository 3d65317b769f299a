// SPDX-License-Identifier: GPL-2.0-only
/*
 * The contended take of every lock (hv/spinlock.h), then debug builds'
 * lock checks (hv/spinlock.h): owner, order, interrupt
 * state. Each CPU keeps how many locks of each level it holds; a lock
 * may be taken only above the highest (or at it, by spin_lock_nested).
 * A breach panics naming the lock and both levels, so a test run that
 * ends clean took every lock in order.
 */
#include <hv/lib.h>
#include <hv/spinlock.h>

/*
 * Turns of the spin (a pause and a look at the calls other CPUs make of
 * this one) before a waiter sets LOCK_STARVING: past them it has waited
 * for one long hold or been passed over many times. Low enough that the
 * unit tests' greedy contender (unit/spinlock/bounded_wait) takes the
 * lock a few hundred times at most while another CPU waits, against
 * thousands with plain test-and-set; high enough that under TCG, where a
 * turn is slow and holds are long, contended guests rarely set it (256
 * made attack-pirq-race at --smp 2 about 1.3 s slower than test-and-set
 * run beside it; 1024 and 4096 as fast, docs/security.md).
 */
#define SPIN_STARVE_SPINS	1024
/*
 * Turns a waiter sees the lock free with LOCK_STARVING up before it takes
 * it anyway, clearing the flag: a starving waiter that is running takes a
 * free lock within a turn or two, so by then it is not running (a host
 * that descheduled its vCPU), or is this CPU, interrupted while it
 * waited. Cleared, the flag costs nobody anything more; the waiter sets
 * it again as soon as it runs and finds the lock held.
 */
#define SPIN_DEFER_SPINS	64

#ifdef UNIT_HOST_CPU
unsigned long spin_starve_sets, spin_defer_takes;	/* what the tests exercised */
#define spin_count(c)	__atomic_add_fetch(&(c), 1, __ATOMIC_RELAXED)
#else
#define spin_count(c)	do { } while (0)
#endif

/*
 * The fast path's compare-exchange failed: spin reading the word (a
 * load, so waiters do not bounce the line), and try again when the
 * holder half is 0. Every change of the word is a compare-exchange of it
 * whole, but the release, a store to the holder half (x86 orders both:
 * the store is atomic, and an exchange sees it or does not); so a taker
 * that read "free, nobody starving" cannot take after the flag went up.
 * A take stores the holder alone, so it clears the flag: the waiter's
 * own, or one left by a starving waiter that is not running (after
 * SPIN_DEFER_SPINS), or, when two have waited long, the other's, which
 * sets it again at once.
 */
void spin_lock_slow(lock_word_t *w, uint16_t holder)
{
	unsigned int spins = 0, deferred = 0;
	uint32_t old;

	for (;;) {
		old = __atomic_load_n(&w->word, __ATOMIC_RELAXED);
		if (old & LOCK_HOLDER) {
			deferred = 0;
			if (spins >= SPIN_STARVE_SPINS && !(old & LOCK_STARVING) &&
			    __atomic_compare_exchange_n(&w->word, &old, old | LOCK_STARVING, false,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
				spin_count(spin_starve_sets);
		} else if (!(old & LOCK_STARVING) || spins >= SPIN_STARVE_SPINS ||
			   ++deferred > SPIN_DEFER_SPINS) {
			if (__atomic_compare_exchange_n(&w->word, &old, holder, false,
							__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
				if ((old & LOCK_STARVING) && spins < SPIN_STARVE_SPINS)
					spin_count(spin_defer_takes);
				return;
			}
		}
		spins++;
		spin_relax();
	}
}

#ifdef CONFIG_DEBUG

#ifdef UNIT_HOST_CPU		/* host unit tests: each thread says which CPU it is */
__thread unsigned int unit_cpu;
#define spin_debug_cpu()	unit_cpu
#else
#include <asm/percpu.h>
#define spin_debug_cpu()	(this_cpu()->cpu_id)
#endif

#define DEBUG_CPUS	256	/* CPUs above it get the owner and interrupt checks only */

static struct {
	uint8_t held[LOCK_LEVELS];	/* locks of each level this CPU holds */
	uint8_t top;			/* the highest level held, 0: none */
} cpu_locks[DEBUG_CPUS];

static bool irqs_on(void)
{
	uint64_t flags;

	asm volatile("pushfq; popq %0" : "=r"(flags));
	return flags & 0x200;
}

void spin_debug_lock(spinlock_t *l, bool nested)
{
	unsigned int cpu = spin_debug_cpu(), top;
	uint8_t want = irqs_on() ? 1 : 2, was = 0;

	if (l->owner == cpu + 1)
		panic("lock %p (level %u) taken again by CPU %u, which holds it", (void *)l,
		      l->level, cpu);
	if (!__atomic_compare_exchange_n(&l->irqs, &was, want, false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED) && was != want)
		panic("lock %p (level %u) taken with interrupts %s, before with them %s",
		      (void *)l, l->level, want == 1 ? "on" : "off", want == 1 ? "off" : "on");
	if (!l->level || l->level >= LOCK_LEVELS || cpu >= DEBUG_CPUS)
		return;
	top = cpu_locks[cpu].top;
	if (top > l->level || (top == l->level && !nested))
		panic("lock order: lock %p of level %u taken by CPU %u holding level %u "
		      "(hv/lock_order.h)", (void *)l, l->level, cpu, top);
}

void spin_debug_locked(spinlock_t *l)
{
	unsigned int cpu = spin_debug_cpu();

	l->owner = (uint16_t)(cpu + 1);
	if (!l->level || l->level >= LOCK_LEVELS || cpu >= DEBUG_CPUS)
		return;
	cpu_locks[cpu].held[l->level]++;
	cpu_locks[cpu].top = l->level;
}

void spin_debug_unlock(spinlock_t *l)
{
	unsigned int cpu = spin_debug_cpu(), lv;

	if (l->owner != cpu + 1)
		panic("lock %p (level %u) released by CPU %u, held by %d", (void *)l, l->level,
		      cpu, (int)l->owner - 1);
	l->owner = 0;
	if (!l->level || l->level >= LOCK_LEVELS || cpu >= DEBUG_CPUS)
		return;
	BUG_ON(!cpu_locks[cpu].held[l->level]);
	cpu_locks[cpu].held[l->level]--;
	for (lv = cpu_locks[cpu].top; lv && !cpu_locks[cpu].held[lv]; lv--)
		;
	cpu_locks[cpu].top = (uint8_t)lv;
}

bool spin_is_mine(const spinlock_t *l)
{
	return spin_is_locked(l) && l->owner == spin_debug_cpu() + 1;
}

bool spin_debug_holds_none(void)
{
	return spin_debug_cpu() >= DEBUG_CPUS || !cpu_locks[spin_debug_cpu()].top;
}

#endif
