/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A test-and-set spinlock that bounds the wait; what each lock guards is
 * commented where it is declared, and the order they nest in is
 * hv/lock_order.h.
 *
 * The lock is one 32-bit word: the holder in the low half (1, or for an
 * rspinlock_t the holder's CPU + 1), and LOCK_STARVING, a flag a waiter
 * sets once it has spun SPIN_STARVE_SPINS times (common/spinlock.c).
 * Taking is one compare-exchange of a word of 0 (free, nobody starving),
 * so the common case is test-and-set: whoever tries first wins, and a
 * waiter whose host thread is not running holds nobody up. While the
 * flag is up, new takers and other waiters leave a free lock to the
 * waiters that have waited long, one of which takes it and clears the
 * flag in one exchange (the others set it again); a waiter that finds
 * the lock free with the flag up for SPIN_DEFER_SPINS turns in a row
 * takes it anyway and clears it (the starving waiter is not running, or
 * is this CPU, interrupted by a handler taking the same lock; it sets
 * the flag again when it runs). So a waiter that is running is passed
 * over for at most SPIN_STARVE_SPINS turns of its own spin; then it
 * competes only with CPUs that have waited as long (with two CPUs: it
 * is next). Only then can it cost others anything, and a starving
 * waiter that is not running costs one SPIN_DEFER_SPINS wait. Release
 * stores 0 to the holder half, keeping the flag.
 *
 * Debug builds (CONFIG_DEBUG) check every lock (common/spinlock.c): the
 * owner CPU is recorded, so taking a lock this CPU holds, or releasing
 * one it does not, is a bug; each lock class has a level (LOCK_LEVEL_*,
 * hv/lock_order.h) and a CPU may take a lock only above every level it
 * holds (spin_lock_nested: a second lock of the class it holds last, the
 * caller having ordered the two); and a lock is always taken with
 * interrupts on or always with them off, never both (an interrupt handler
 * taking it on the CPU that holds it would spin forever). A lock of level
 * 0 (not set) gets the first and last checks only. Release builds keep
 * only the lock word.
 */
#ifndef HV_SPINLOCK_H
#define HV_SPINLOCK_H

#include <hv/types.h>
#include <hv/lock_order.h>

/* The lock word: holder (low half) and LOCK_STARVING. */
typedef union {
	uint32_t word;
	struct {
		uint16_t holder;	/* 0: free */
		uint16_t starving;	/* LOCK_STARVING >> 16 while a waiter waits long */
	};
} lock_word_t;
#define LOCK_HOLDER	0xffffu
#define LOCK_STARVING	0x10000u

typedef struct {
	lock_word_t locked;
#ifdef CONFIG_DEBUG
	uint16_t owner;		/* CPU + 1 holding it, 0: free */
	uint8_t level;		/* LOCK_LEVEL_* */
	uint8_t irqs;		/* taken with interrupts: 1 on, 2 off, 0 not yet */
#endif
} spinlock_t;

#ifdef CONFIG_DEBUG
#define SPINLOCK_INIT_LEVEL(lv)	{ .locked = { 0 }, .level = (lv) }
void spin_debug_lock(spinlock_t *l, bool nested);
void spin_debug_locked(spinlock_t *l);
void spin_debug_unlock(spinlock_t *l);
bool spin_is_mine(const spinlock_t *l);
bool spin_debug_holds_none(void);	/* this CPU holds no lock of a level */
#else
#define SPINLOCK_INIT_LEVEL(lv)	{ { 0 } }
static inline void spin_debug_lock(spinlock_t *l, bool nested) { }
static inline void spin_debug_locked(spinlock_t *l) { }
static inline void spin_debug_unlock(spinlock_t *l) { }
#define spin_is_mine(l)		spin_is_locked(l)
static inline bool spin_debug_holds_none(void) { return true; }
#endif
#define SPINLOCK_INIT		SPINLOCK_INIT_LEVEL(0)

/* A lock in a structure set up at run time: free, of class `level`. */
static inline void spin_lock_init(spinlock_t *l, unsigned int level)
{
	*l = (spinlock_t)SPINLOCK_INIT_LEVEL(level);
}

/*
 * A CPU spinning for a lock (interrupts are off in the hypervisor) answers
 * the calls other CPUs make of it (hv/smp.h, smp_poll_calls): the holder
 * may be waiting for a remote TLB flush from this CPU.
 */
#ifdef UNIT_HOST_CPU
static inline void spin_relax(void)
{
	asm volatile("pause");
}
#else
void smp_poll_calls(void);
/*
 * smp_poll_calls for a spin loop, called from asm: it saves every register
 * it uses, so the compiler sees no call, and a function taking a lock
 * keeps its values in the registers they are in (no callee-saved
 * registers pushed on the fast path for a call made only when the lock is
 * contended). arch/x86/smp.c.
 */
void spin_poll_calls(void) __attribute__((no_caller_saved_registers));

static inline void spin_relax(void)
{
	asm volatile("pause\n\tcall spin_poll_calls" ::: "memory", "cc");
}
#endif

/*
 * The contended take (common/spinlock.c): spins, sets LOCK_STARVING once
 * it has waited long, and stores `holder` when it takes the lock. In the
 * hypervisor it saves every register it uses and is called from asm, as
 * spin_poll_calls is, so a function taking a lock keeps its values where
 * they are on the fast path (no callee-saved registers pushed, no frame
 * for a call made only when the lock is contended).
 */
#ifdef UNIT_HOST_CPU
void spin_lock_slow(lock_word_t *w, uint16_t holder);
#define spin_lock_contended(w, holder)	spin_lock_slow(w, holder)
#else
void spin_lock_slow(lock_word_t *w, uint16_t holder) __attribute__((no_caller_saved_registers));

static inline void spin_lock_contended(lock_word_t *w, uint16_t holder)
{
	asm volatile("call spin_lock_slow" : "+D"(w), "+S"(holder) : : "memory", "cc");
}
#endif

/* One compare-exchange: free and nobody starving (a full barrier on x86). */
static inline bool lock_word_try(lock_word_t *w, uint16_t holder)
{
	uint32_t free = 0;

	return __atomic_compare_exchange_n(&w->word, &free, holder, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

/* The holder half only: a waiter's LOCK_STARVING stays. */
static inline void lock_word_release(lock_word_t *w)
{
	__atomic_store_n(&w->holder, 0, __ATOMIC_RELEASE);
}

static inline void spin_lock_raw(spinlock_t *l)
{
	if (__builtin_expect(!lock_word_try(&l->locked, 1), 0))
		spin_lock_contended(&l->locked, 1);
}

static inline void spin_lock(spinlock_t *l)
{
	spin_debug_lock(l, false);
	spin_lock_raw(l);
	spin_debug_locked(l);
}

/* A second lock of the class this CPU took last, in the caller's order. */
static inline void spin_lock_nested(spinlock_t *l)
{
	spin_debug_lock(l, true);
	spin_lock_raw(l);
	spin_debug_locked(l);
}

/*
 * Takes l if it is free, never waiting, as a spin_lock_nested: so it may
 * be tried against the class's order (a lower domid after a higher one),
 * since a try cannot deadlock. False: another CPU holds it, or a waiter
 * that has waited long is owed it (LOCK_STARVING; the callers then take
 * their locks in order, waiting).
 */
static inline bool spin_trylock_nested(spinlock_t *l)
{
	spin_debug_lock(l, true);
	if (!lock_word_try(&l->locked, 1))
		return false;
	spin_debug_locked(l);
	return true;
}

static inline void spin_unlock(spinlock_t *l)
{
	spin_debug_unlock(l);
	lock_word_release(&l->locked);
}

static inline bool spin_is_locked(const spinlock_t *l)
{
	return __atomic_load_n(&l->locked.holder, __ATOMIC_RELAXED) != 0;
}

/*
 * A lock its holder may take again (common/rspinlock.c): the nested takes
 * only count, and the last release frees it. For state whose code calls
 * itself through other paths (a domain's page-table work, page_type.c).
 * The lock word's holder is the holder's CPU + 1, so one exchange takes
 * it and names the holder, and a contended take waits as a spinlock_t's
 * does (bounded, LOCK_STARVING); debug builds run the spinlock checks
 * (order, owner, interrupts) on `dbg` around the outermost take.
 */
typedef struct {
	lock_word_t cpu;	/* holder: its CPU + 1; 0: free */
	uint32_t depth;		/* takes by the holder not yet released */
#ifdef CONFIG_DEBUG
	spinlock_t dbg;
#endif
} rspinlock_t;

static inline void rspin_lock_init(rspinlock_t *l, unsigned int level)
{
	l->cpu.word = l->depth = 0;
#ifdef CONFIG_DEBUG
	spin_lock_init(&l->dbg, level);
#endif
}

/* The takes themselves, inline for a hot path that knows its CPU + 1. */
static inline void rspin_lock_as(rspinlock_t *l, uint32_t me)
{
	if (__atomic_load_n(&l->cpu.holder, __ATOMIC_RELAXED) == me) {
		l->depth++;
		return;
	}
#ifdef CONFIG_DEBUG
	spin_debug_lock(&l->dbg, false);
#endif
	if (__builtin_expect(!lock_word_try(&l->cpu, (uint16_t)me), 0))
		spin_lock_contended(&l->cpu, (uint16_t)me);
#ifdef CONFIG_DEBUG
	l->dbg.locked.holder = 1;
	spin_debug_locked(&l->dbg);
#endif
	l->depth = 1;
}

static inline void rspin_unlock_as(rspinlock_t *l, uint32_t me)
{
#ifdef CONFIG_DEBUG
	if (l->cpu.holder != me || !l->depth)
		__builtin_trap();	/* not ours: a bug */
#endif
	if (--l->depth)
		return;
#ifdef CONFIG_DEBUG
	spin_debug_unlock(&l->dbg);
	l->dbg.locked.holder = 0;
#endif
	lock_word_release(&l->cpu);
}

void rspin_lock(rspinlock_t *l);
void rspin_unlock(rspinlock_t *l);
bool rspin_is_mine(const rspinlock_t *l);

/* In a helper that needs its caller's lock: held, and (debug) by this CPU. */
#define ASSERT_LOCKED(l)	ASSERT(spin_is_mine(l))

#endif
