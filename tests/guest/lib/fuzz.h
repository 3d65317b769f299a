/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the race fuzzers (fuzz-race, fuzz-grant-race, fuzz-evtchn-race)
 * share: a vCPU's part (struct fuzz_vcpu: its generator, its tally of
 * answers and first failure) and the fuzzer's (struct fuzz_run: the stop
 * flag, `stats=1`'s table, seed=, rounds=, the vCPU count), the check of
 * one call's answer against that call's own set of Xen errors
 * (fuzz_answer), the vCPUs' start, barrier and verdicts, the pool slots'
 * frames given back and filled again, a window onto a frame, and a
 * frame's pin probe. Each fuzzer keeps its actions and checks.
 */
#ifndef GUEST_FUZZ_H
#define GUEST_FUZZ_H

#include "guest.h"
#include "mm.h"
#include "smp.h"
#include "physinfo.h"
#include <lamina/grant_table.h>

/*
 * The answers one call may give besides 0: bit e stands for -e, an errno
 * (FZ(EINVAL)) or, for a grant status, -GNTST_* (GS(GNTST_bad_page)).
 * Each fuzzer gives every call it makes its own set, the errors Xen 4.17
 * can answer that call with for the arguments the fuzzer may pick, each
 * justified there by the Xen function that returns it.
 */
typedef unsigned __int128 fuzz_set;
#define FZ(e)		((fuzz_set)1 << (e))
#define GS(st)		((fuzz_set)1 << -(st))

static inline bool fuzz_in(long rc, fuzz_set ok)
{
	return !rc || (rc < 0 && rc > -128 && ((ok >> -rc) & 1));
}

/* A vCPU's calls, those answered 0, and its first bad answer. */
struct fuzz_tally {
	unsigned long calls, zero;
	const char *bad_what;		/* NULL while every answer was good */
	long bad_rc;
	unsigned long bad_call;		/* how many calls it had made before */
	char bad_args[96];		/* the bad call's arguments */
};

/*
 * `stats=1`: calls, zero answers and the errors seen (bit e: -e) by
 * action, a row an action as first met.
 */
struct fuzz_stat {
	const char *what;
	unsigned long n, zero;
	uint64_t seen[2];
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
			if (rc < 0 && rc > -128)
				__atomic_fetch_or(&tab[i].seen[-rc / 64], 1ULL << (-rc % 64),
						  __ATOMIC_RELAXED);
			return;
		}
	}
}

static inline void fuzz_stats_print(const char *name, const struct fuzz_stat *tab,
				    unsigned int size)
{
	unsigned int i, e;

	for (i = 0; i < size && tab[i].what; i++) {
		printf("%s: %-26s %6lu calls, %6lu answered 0, errors:", name, tab[i].what,
		       tab[i].n, tab[i].zero);
		for (e = 1; e < 128; e++)
			if (tab[i].seen[e / 64] & (1ULL << (e % 64)))
				printf(" -%u", e);
		printf("\n");
	}
}

/* What a fuzzer's vCPUs share: where a failure stops them, the stats table, its arguments. */
struct fuzz_run {
	volatile uint32_t *stop;	/* set on the first failure */
	struct fuzz_stat *stats;	/* NULL: no `stats=1` */
	unsigned int nstats;
	struct fuzz_stat *table;	/* stats' table once `stats=1` asks for it */
	const char *name;		/* the fuzzer's, for its last line */
	bool want_stats;		/* `stats=1` */
	unsigned long seed;		/* `seed=`, 1 unless given */
	unsigned int rounds, nv;	/* `rounds=`; vCPUs: one a CPU, 2 .. the most */
};

/* The command line's seed=, rounds= (def_rounds unless given) and stats=, and nv. */
static inline void fuzz_args(struct fuzz_run *run, const struct start_info *si, unsigned int cpus,
			     unsigned int nv_max, unsigned long def_rounds)
{
	const char *cmd = (const char *)si->cmd_line;

	run->seed = cmdline_number(cmd, "seed=", 1);
	run->rounds = (unsigned int)cmdline_number(cmd, "rounds=", def_rounds);
	run->want_stats = cmdline_number(cmd, "stats=", 0);
	run->stats = run->want_stats ? run->table : NULL;
	run->nv = cpus < 2 ? 2 : cpus > nv_max ? nv_max : cpus;
}

/*
 * A vCPU's part: its generator (state never 0), its tally, the fuzzer's
 * run; set started once running. The first member of each fuzzer's
 * per-vCPU state, whose array the helpers below walk by its stride.
 */
struct fuzz_vcpu {
	uint64_t rng;
	struct fuzz_tally t;
	struct fuzz_run *run;
	volatile bool started;
};

static inline struct fuzz_vcpu *fuzz_nth(struct fuzz_vcpu *f0, size_t stride, unsigned int i)
{
	return (struct fuzz_vcpu *)((char *)f0 + i * stride);
}

/* The first failure kept (what, rc, when, and the arguments), and all stopped. */
static inline void fuzz_failv(struct fuzz_vcpu *f, const char *what, long rc, const char *fmt,
			      va_list ap)
{
	if (!f->t.bad_what) {
		f->t.bad_what = what;
		f->t.bad_rc = rc;
		f->t.bad_call = f->t.calls;
		f->t.bad_args[0] = 0;
		if (fmt)
			vsnprintf(f->t.bad_args, sizeof(f->t.bad_args), fmt, ap);
	}
	__atomic_store_n(f->run->stop, 1, __ATOMIC_RELEASE);
}

static inline __attribute__((format(printf, 4, 5)))
void fuzz_fail(struct fuzz_vcpu *f, const char *what, long rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fuzz_failv(f, what, rc, fmt, ap);
	va_end(ap);
}

/*
 * One call's answer counted and checked: 0 or in ok, else the first
 * failure, with the call's arguments (fmt ...) printed at the end. For
 * an errno answer or, where ok is made of GS() bits, a grant status.
 */
static inline __attribute__((format(printf, 5, 6)))
long fuzz_answer(struct fuzz_vcpu *f, const char *what, long rc, fuzz_set ok, const char *fmt, ...)
{
	va_list ap;

	if (f->run->stats)
		fuzz_stat_count(f->run->stats, f->run->nstats, what, rc);
	f->t.calls++;
	f->t.zero += !rc;
	if (!fuzz_in(rc, ok)) {
		va_start(ap, fmt);
		fuzz_failv(f, what, rc, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* The next number of a vCPU's xorshift generator, and one below n. */
static inline uint64_t fuzz_rnd(struct fuzz_vcpu *f)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return f->rng;
}

static inline unsigned int fuzz_below(struct fuzz_vcpu *f, unsigned int n)
{
	return (unsigned int)(fuzz_rnd(f) % n);
}

/* vCPU i's generator for seed, as every race fuzzer seeds it. */
static inline void fuzz_vcpu_init(struct fuzz_vcpu *f, struct fuzz_run *run, unsigned long seed,
				  unsigned int i)
{
	f->rng = (seed + 1) * 0x9e3779b97f4a7c15ULL + i * 0x5851f42d4c957f2dULL + 1;
	f->run = run;
}

/*
 * The nv vCPUs' tallies summed into *calls and *zero; the first vCPU's
 * failure, as the verdict says it (into why), or NULL.
 */
static inline const char *fuzz_verdicts(struct fuzz_vcpu *f0, size_t stride, unsigned int nv,
					unsigned int dom, unsigned long seed, unsigned long *calls,
					unsigned long *zero, char *why, size_t size)
{
	const struct fuzz_vcpu *f;
	unsigned int i;

	for (i = 0; i < nv; i++) {
		f = fuzz_nth(f0, stride, i);
		*calls += f->t.calls;
		*zero += f->t.zero;
	}
	for (i = 0; i < nv; i++) {
		f = fuzz_nth(f0, stride, i);
		if (f->t.bad_what) {
			snprintf(why, size, "d%u seed=%lu vCPU %u call %lu: %s (%s) answered %ld", dom,
				 seed, i, f->t.bad_call, f->t.bad_what, f->t.bad_args, f->t.bad_rc);
			return why;
		}
	}
	return NULL;
}

/* The CPUs to use: dom0 asks physinfo, a peer takes its `cpus=`. */
static inline unsigned int fuzz_cpus(const struct start_info *si)
{
	struct sysctl pi;

	if (!(si->flags & SIF_INITDOMAIN))
		return (unsigned int)cmdline_number((const char *)si->cmd_line, "cpus=", 1);
	return physinfo(&pi) == 0 ? pi.u.physinfo.nr_cpus : 1;
}

/* The peer domain's command line: seed + 1000, the same rounds and stats=. */
static inline const char *fuzz_peer_args(const struct start_info *si, unsigned long def_rounds)
{
	static char args[60];
	const char *cmd = (const char *)si->cmd_line;

	snprintf(args, sizeof(args), "seed=%lu rounds=%lu stats=%lu",
		 cmdline_number(cmd, "seed=", 1) + 1000, cmdline_number(cmd, "rounds=", def_rounds),
		 cmdline_number(cmd, "stats=", 0));
	return args;
}

/*
 * A fuzzer's end: the first vCPU's failure, else fail (a check's), else
 * its `stats=1` table and its last line; NULL when all held.
 */
static inline const char *fuzz_report(const struct fuzz_run *run, struct fuzz_vcpu *f0,
				      size_t stride, unsigned int dom, unsigned int steps,
				      const char *fail, char *why, size_t size)
{
	unsigned long calls = 0, zero = 0;
	const char *err = fuzz_verdicts(f0, stride, run->nv, dom, run->seed, &calls, &zero, why,
					size);

	if (err || fail)
		return err ? err : fail;
	if (run->stats)
		fuzz_stats_print(run->name, run->stats, run->nstats);
	printf("%s: d%u seed=%lu, %u vCPUs, %u rounds of %u steps: %lu calls (%lu answered 0), "
	       "invariants held\n", run->name, dom, run->seed, run->nv, run->rounds, steps, calls,
	       zero);
	return NULL;
}

/*
 * A window at va onto mfn: emptied (how 0), read-only (1) or writable
 * (2), its answer checked against ok; a read-only one read through. True
 * when the caller is to write through it (writable and mapped).
 */
static inline bool fuzz_window(struct fuzz_vcpu *f, uint64_t va, uint64_t mfn, unsigned int how,
			       fuzz_set ok)
{
	uint64_t val = how == 0 ? 0 : how == 1 ? pte_ro(mfn) : pte_rw(mfn);

	if (fuzz_answer(f, "update_va_mapping", update_va_mapping(va, val, UVMF_INVLPG), ok,
			"va %#lx, val %#lx", (unsigned long)va, (unsigned long)val) || !how)
		return false;
	if (how == 1)
		(void)*(volatile uint64_t *)va;
	return how == 2;
}

/*
 * vCPUs 1 .. nv - 1 started at entry on their stacks (stack_size each),
 * each waited for until it set started; with pin, vCPU i pinned to CPU
 * i % cpus and vCPU 0 to CPU 0. NULL, or what failed (into why).
 */
static inline const char *fuzz_start_vcpus(const struct start_info *si, struct fuzz_vcpu *f0,
					   size_t stride, unsigned int nv, unsigned int cpus,
					   bool pin, void (*entry)(unsigned long), uint8_t *stacks,
					   size_t stack_size, char *why, size_t size)
{
	unsigned int i;
	long rc;

	for (i = 1; i < nv; i++) {
		rc = smp_start_vcpu(si, i, entry, stacks + i * stack_size, stack_size);
		if (rc) {
			snprintf(why, size, "starting vCPU %u gave %ld", i, rc);
			return why;
		}
		while (!fuzz_nth(f0, stride, i)->started)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		if (pin && smp_pin_vcpu(i, i % cpus)) {
			snprintf(why, size, "pinning vCPU %u failed", i);
			return why;
		}
	}
	if (pin && smp_pin_vcpu(0, 0)) {
		snprintf(why, size, "pinning vCPU 0 failed");
		return why;
	}
	return NULL;
}

/*
 * The level (1-4) at which mfn took a pin now, answer checked against
 * ok (and the pin undone with undo), or 0 when every level refused.
 */
static inline unsigned int fuzz_pins_now(struct fuzz_vcpu *f, uint64_t mfn, fuzz_set ok, bool undo)
{
	unsigned int lvl;

	for (lvl = 0; lvl < 4; lvl++)
		if (!fuzz_answer(f, "pin (quiescent)", mmuext1(MMUEXT_PIN_L1_TABLE + lvl, mfn), ok,
				 "L%u, mfn %#lx", lvl + 1, (unsigned long)mfn)) {
			if (undo)
				mmuext1(MMUEXT_UNPIN_TABLE, mfn);
			return lvl + 1;
		}
	return 0;
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

/* Slot *slot emptied if it held *mfn: true when this vCPU took the frame out. */
static inline bool fuzz_take(volatile uint64_t *slot, uint64_t *mfn)
{
	*mfn = *slot;
	return *mfn && __atomic_compare_exchange_n(slot, mfn, 0, false, __ATOMIC_ACQ_REL,
						   __ATOMIC_RELAXED);
}

/* A frame taken out but still ours, back in its slot unless one filled it. */
static inline void fuzz_put_back(volatile uint64_t *slot, uint64_t mfn)
{
	uint64_t none = 0;

	__atomic_compare_exchange_n(slot, &none, mfn, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

/*
 * decrease_reservation of a frame taken out of its slot: 1, or 0 when
 * memory.c's decrease_reservation stops at it (guest_remove_page refused
 * it); anything else fails the test.
 */
static inline long fuzz_give_back(struct fuzz_vcpu *f, uint64_t mfn)
{
	uint64_t m = mfn;
	long rc = fuzz_reservation(XENMEM_decrease_reservation, &m);

	f->t.calls++;
	if (rc != 1 && rc != 0)
		fuzz_fail(f, "decrease_reservation", rc, "mfn %#lx", (unsigned long)mfn);
	return rc;
}

/* An empty slot filled (fuzz_fill_slot); a wrong answer fails the test. */
static inline void fuzz_fill(struct fuzz_vcpu *f, volatile uint64_t *slot)
{
	const char *what;
	long rc;

	if (*slot)
		return;
	f->t.calls++;
	if ((what = fuzz_fill_slot(slot, &rc)))
		fuzz_fail(f, what, rc, "an empty slot");
}

#endif
