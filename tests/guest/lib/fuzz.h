/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the race fuzzers (fuzz-race, fuzz-grant-race, fuzz-evtchn-race)
 * share: the answers Xen gives to their calls, a vCPU's tally of them,
 * `stats=1`'s count by action, the vCPUs' barrier, a vCPU's generator and
 * the filling of an empty pool slot with a new frame.
 */
#ifndef GUEST_FUZZ_H
#define GUEST_FUZZ_H

#include "guest.h"
#include "mm.h"
#include <lamina/grant_table.h>

/* An answer Xen can give to one of these calls: 0 or one of its errors. */
static inline bool fuzz_answer_ok(long rc)
{
	switch (-rc) {
	case 0: case EPERM: case ENOENT: case ESRCH: case E2BIG: case EAGAIN:
	case ENOMEM: case EACCES: case EFAULT: case EBUSY: case EEXIST: case EXDEV:
	case EINVAL: case ENOSPC: case ERANGE: case ENOSYS: case EOPNOTSUPP:
		return true;
	}
	return false;
}

/* A vCPU's calls, those answered 0, and its first bad answer. */
struct fuzz_tally {
	unsigned long calls, zero;
	const char *bad_what;		/* NULL while every answer was good */
	long bad_rc;
	unsigned long bad_call;		/* how many calls it had made before */
};

/* The first bad answer kept: what answered, rc, when. */
static inline void fuzz_bad(struct fuzz_tally *t, const char *what, long rc)
{
	if (!t->bad_what) {
		t->bad_what = what;
		t->bad_rc = rc;
		t->bad_call = t->calls;
	}
}

/*
 * One answer counted: an errno answer (fuzz_answer_ok) or, with gnt, a
 * GNTST_* status. False, and kept if the first, when it is not one.
 */
static inline bool fuzz_count(struct fuzz_tally *t, const char *what, long rc, bool gnt)
{
	bool ok = gnt ? rc <= 0 && rc >= GNTST_no_space : fuzz_answer_ok(rc);

	t->calls++;
	t->zero += !rc;
	if (!ok)
		fuzz_bad(t, what, rc);
	return ok;
}

/* `stats=1`: calls and zero answers by action, a row an action as first met. */
struct fuzz_stat {
	const char *what;
	unsigned long n, zero;
};

static inline void fuzz_stat_count(struct fuzz_stat *tab, unsigned int size, const char *what,
				   long rc)
{
	unsigned int i;

	for (i = 0; i < size; i++) {
		if (!tab[i].what)
			__atomic_compare_exchange_n(&tab[i].what, &(const char *){ NULL }, what,
						    false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		if (tab[i].what == what) {
			__atomic_add_fetch(&tab[i].n, 1, __ATOMIC_RELAXED);
			__atomic_add_fetch(&tab[i].zero, !rc, __ATOMIC_RELAXED);
			return;
		}
	}
}

static inline void fuzz_stats_print(const char *name, const struct fuzz_stat *tab,
				    unsigned int size)
{
	unsigned int i;

	for (i = 0; i < size && tab[i].what; i++)
		printf("%s: %-24s %6lu calls, %6lu answered 0\n", name, tab[i].what, tab[i].n,
		       tab[i].zero);
}

/* All nv vCPUs meet (*count, *gen: the guest's); waits yield, so they may share a CPU. */
static inline void fuzz_barrier(volatile unsigned int *count, volatile unsigned int *gen,
				unsigned int nv)
{
	unsigned int g = *gen;

	if (__atomic_add_fetch(count, 1, __ATOMIC_ACQ_REL) == nv) {
		*count = 0;
		__atomic_store_n(gen, g + 1, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(gen, __ATOMIC_ACQUIRE) == g)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

/* The next number of a vCPU's xorshift generator (state never 0). */
static inline uint64_t fuzz_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* increase_reservation or decrease_reservation of the one frame at *mfn. */
static inline long fuzz_reservation(unsigned int cmd, uint64_t *mfn)
{
	struct xen_memory_reservation r = { (uint64_t)mfn, 1, 0, 0, DOMID_SELF, { 0 } };

	return hypercall2(__HYPERVISOR_memory_op, cmd, &r);
}

/*
 * An empty slot filled with a new frame, cleared first (nobody else can
 * name it yet, so the clear must go through); given back as a spare when
 * another vCPU filled the slot meanwhile. NULL when all went as it must
 * (a refused increase included), else what answered wrong, its answer
 * in *rc.
 */
static inline const char *fuzz_fill_slot(volatile uint64_t *slot, long *rc)
{
	uint64_t mfn = 0, none = 0;

	*rc = fuzz_reservation(XENMEM_increase_reservation, &mfn);
	if (*rc != 1)
		return *rc ? "increase_reservation" : NULL;
	if ((*rc = mmuext1(MMUEXT_CLEAR_PAGE, mfn)))
		return "clear_page of a new frame";
	if (__atomic_compare_exchange_n(slot, &none, mfn, false, __ATOMIC_ACQ_REL,
					__ATOMIC_RELAXED))
		return NULL;
	*rc = fuzz_reservation(XENMEM_decrease_reservation, &mfn);
	return *rc != 1 ? "decrease_reservation of a spare" : NULL;
}

#endif
