/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the race fuzzers (fuzz-race, fuzz-grant-race, fuzz-evtchn-race)
 * share: a vCPU's part (struct fuzz_vcpu: its generator, its tally of
 * answers and first failure) and the fuzzer's (struct fuzz_run: the stop
 * flag, `stats=1`'s table, seed=, rounds=, the vCPU count), the check of
 * one call's answer against that call's own set of Xen errors
 * (fuzz_answer), the vCPUs' start, barrier and verdicts, the watchdog of
 * their waits, the pool slots' frames given back and filled again, a
 * window onto a frame, and a frame's pin probe. Each fuzzer keeps its
 * actions and checks.
 *
 * The watchdog: every wait of the rounds (the start of the vCPUs, a
 * barrier, a fuzzer's own lock) gives up once no vCPU has had an answer
 * for FUZZ_STALL_NS of guest time (pvclock): then a call has not come
 * back (or a vCPU spins without calls), and the others would wait for it
 * until the runner's timeout. The first to give up writes what each vCPU
 * was doing (struct fuzz_where: round, step, the action, the call if the
 * fuzzer names it before making it, the last call answered) and stops
 * every vCPU; vCPU 0 returns that as the rounds' failure, or, when vCPU
 * 0 is the one stuck, the vCPU that gave up ends the guest itself
 * (fuzz_end_guest). With every vCPU of the rounds inside a call no wait
 * is left to see it: a spare vCPU of the domain, where there is one,
 * watches then (fuzz_watch_on). A fuzzer of two domains ends a stall
 * its own way (fuzz_run.end). `hang=B` (with `hangvcpu=V`, 1 unless
 * given, 9 for every vCPU, and `hangdom=1` for the domU's) is the test
 * knob: vCPU V stops for good at its B-th barrier (0: before it
 * starts), in SCHEDOP_poll of no port (docs/testing.md).
 */
#ifndef GUEST_FUZZ_H
#define GUEST_FUZZ_H

#include "guest.h"
#include "mm.h"
#include "smp.h"
#include "physinfo.h"
#include "events.h"
#include <lamina/grant_table.h>

#define FUZZ_STALL_NS	30000000000ULL	/* no answer this long: a stall */
#define FUZZ_REPORT_LEN	200
#define FUZZ_HANG_ALL	9		/* hangvcpu=9: every vCPU stops */
#define FUZZ_WD_NS	1000000000ULL	/* the spare vCPU looks this often */

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

/*
 * Where a vCPU is, for the watchdog: in the vCPU's struct fuzz_vcpu, or
 * where the fuzzer puts it (fuzz-grant-race: in a page both domains see).
 */
struct fuzz_where {
	uint64_t beat;			/* time (ns) of its last answer or wait; 0: not started */
	uint32_t round, step, bars;	/* bars: barriers come to */
	char doing[28];			/* the action or check, if the fuzzer names it */
	char waiting[28];		/* "", or the wait it is in */
	char call[100];			/* the call it makes, if the fuzzer names it */
};

struct fuzz_vcpu;

/* What a fuzzer's vCPUs share: where a failure stops them, the stats table, its arguments. */
struct fuzz_run {
	volatile uint32_t *stop;	/* set on the first failure */
	volatile uint32_t *stalled;	/* a wait gave up: 1, 2 once the report is written */
	uint32_t stalled_own;		/* stalled's unless the fuzzer keeps it elsewhere */
	volatile uint32_t taken;	/* vCPU 0 has the report */
	struct fuzz_vcpu *f0;		/* the vCPUs, each stride bytes on */
	size_t stride;
	const struct fuzz_where *w0;	/* the watched vCPUs' places, each wstride bytes on */
	size_t wstride;
	unsigned int nw;
	/* A stall ended the fuzzer's own way (NULL: vCPU 0's failure or fuzz_end_guest). */
	void (*end)(struct fuzz_vcpu *f) __attribute__((noreturn));
	/* vCPU 0 stuck: the guest ended by another vCPU (NULL: fuzz_end_guest; a test's check). */
	void (*ender)(struct fuzz_run *run) __attribute__((noreturn));
	uint64_t stall_ns;		/* FUZZ_STALL_NS unless set before fuzz_args */
	unsigned long hang_v;		/* `hangvcpu=` (FUZZ_HANG_ALL: every vCPU) */
	unsigned long hang_bar;		/* `hang=` (~0: none) */
	volatile uint32_t wd_state;	/* the spare vCPU: 0 none, 1 on, 2 asked off, 3 off */
	bool dom0;
	char report[FUZZ_REPORT_LEN];	/* the stall, as the failure says it */
	struct fuzz_stat *stats;	/* NULL: no `stats=1` */
	unsigned int nstats;
	struct fuzz_stat *table;	/* stats' table once `stats=1` asks for it */
	const char *name;		/* the fuzzer's, for its last line */
	bool want_stats;		/* `stats=1` */
	unsigned long seed;		/* `seed=`, 1 unless given */
	unsigned int rounds, nv;	/* `rounds=`; vCPUs: one a CPU, 2 .. the most */
};

/*
 * The command line's seed=, rounds= (def_rounds unless given), stats=
 * and the hang= knob (hangvcpu=, hangdom=: 0 dom0, 1 the domU), and nv.
 */
static inline void fuzz_args(struct fuzz_run *run, const struct start_info *si, unsigned int cpus,
			     unsigned int nv_max, unsigned long def_rounds)
{
	const char *cmd = (const char *)si->cmd_line;

	run->seed = cmdline_number(cmd, "seed=", 1);
	run->rounds = (unsigned int)cmdline_number(cmd, "rounds=", def_rounds);
	run->want_stats = cmdline_number(cmd, "stats=", 0);
	run->dom0 = si->flags & SIF_INITDOMAIN;
	run->hang_bar = cmdline_number(cmd, "hang=", ~0UL);
	run->hang_v = cmdline_number(cmd, "hangvcpu=", 1);
	if (!cmdline_number(cmd, "hangdom=", 0) != run->dom0)
		run->hang_bar = ~0UL;		/* the other domain's */
	run->stalled = run->stalled ? run->stalled : &run->stalled_own;
	run->stall_ns = run->stall_ns ? run->stall_ns : FUZZ_STALL_NS;
	run->stats = run->want_stats ? run->table : NULL;
	run->nv = cpus < 2 ? 2 : cpus > nv_max ? nv_max : cpus;
}

/*
 * A vCPU's part: its generator (state never 0), its tally, the fuzzer's
 * run, its index, where it is; started once running (fuzz_vcpu_started).
 * The first member of each fuzzer's per-vCPU state, whose array the
 * helpers below walk by its stride.
 */
struct fuzz_vcpu {
	uint64_t rng;
	struct fuzz_tally t;
	struct fuzz_run *run;
	volatile bool started;
	unsigned int id;
	const char *last;		/* the last call answered */
	struct fuzz_where *at;		/* &own, or where the fuzzer keeps it */
	struct fuzz_where own;
};

/* A vCPU has had an answer (or begins a wait) now. */
static inline void fuzz_beat(struct fuzz_vcpu *f)
{
	__atomic_store_n(&f->at->beat, pvclock_ns(), __ATOMIC_RELAXED);
}

/* What a vCPU does now, for the watchdog: the action, or the call it is about to make. */
static inline void fuzz_doing(struct fuzz_vcpu *f, const char *what)
{
	snprintf(f->at->doing, sizeof(f->at->doing), "%s", what);
	f->at->call[0] = 0;
}

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
	f->last = what;
	fuzz_beat(f);
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
	f->id = i;
	f->at = &f->own;
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

/* The peer domain's command line: seed + 1000, the same rounds, stats= and hang= knob. */
static inline const char *fuzz_peer_args(const struct start_info *si, unsigned long def_rounds)
{
	static char args[100];
	const char *cmd = (const char *)si->cmd_line;
	int n;

	n = snprintf(args, sizeof(args), "seed=%lu rounds=%lu stats=%lu",
		     cmdline_number(cmd, "seed=", 1) + 1000,
		     cmdline_number(cmd, "rounds=", def_rounds), cmdline_number(cmd, "stats=", 0));
	if (cmdline_number(cmd, "hang=", ~0UL) != ~0UL)
		snprintf(args + n, sizeof(args) - (size_t)n, " hang=%lu hangvcpu=%lu hangdom=%lu",
			 cmdline_number(cmd, "hang=", 0), cmdline_number(cmd, "hangvcpu=", 1),
			 cmdline_number(cmd, "hangdom=", 0));
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

/* ------------------------------------------------------------ the watchdog */

/* vCPU i at w (last: its last call answered, of calls; NULL: not known), for a stall's report. */
static inline int fuzz_where_text(char *buf, size_t n, const struct fuzz_where *w, unsigned int i,
				  const char *last, unsigned long calls)
{
	if (!w->beat)
		return snprintf(buf, n, "vCPU %u never started", i);
	if (w->waiting[0])
		return snprintf(buf, n, "vCPU %u %s (round %u, barrier %u)", i, w->waiting, w->round,
				w->bars);
	return snprintf(buf, n, "vCPU %u round %u step %u: %s%s%s%s%s (%lu calls)", i, w->round,
			w->step, w->doing[0] ? w->doing : "?", w->call[0] ? ", " : "", w->call,
			last ? ", last answer " : "", last ? last : "", calls);
}

/*
 * The report of a stall, by the first vCPU to give up: each vCPU's place
 * printed, and into run->report the seed and the vCPUs that did not come
 * (those not in a wait).
 */
static inline void fuzz_stall_report(struct fuzz_run *run)
{
	const struct fuzz_vcpu *f;
	char line[200];
	size_t n;
	unsigned int i;

	n = (size_t)snprintf(run->report, sizeof(run->report), "%s seed=%lu: no answer for %llu s:",
			     run->name, run->seed,
			     (unsigned long long)(run->stall_ns / 1000000000ULL));
	for (i = 0; i < run->nv; i++) {
		f = fuzz_nth(run->f0, run->stride, i);
		fuzz_where_text(line, sizeof(line), f->at, i, f->last, f->t.calls);
		printf("%s: seed=%lu stalled: %s\n", run->name, run->seed, line);
		if (!f->at->waiting[0] && n < sizeof(run->report))
			n += (size_t)snprintf(run->report + n, sizeof(run->report) - n, " %s;", line);
	}
	if (n < sizeof(run->report))
		run->report[n - 1] = 0;		/* the last ';' */
}

/* A stall, vCPU 0 stuck: the vCPU that gave up ends the guest (a domU: dom0 sees it shut down). */
static inline void __attribute__((noreturn)) fuzz_end_guest(struct fuzz_run *run)
{
	if (run->dom0) {
		printf("FAIL %s\n", run->report);
		shutdown(SHUTDOWN_poweroff);
	}
	printf("%s: vCPU 0 did not come back, the domain ends: %s\n", run->name, run->report);
	shutdown(SHUTDOWN_crash);
}

/*
 * A wait gave up, or saw one give up: every vCPU stopped, the report
 * written once. vCPU 0 returns (its rounds fail with run->report); any
 * other returns once vCPU 0 has the report, or ends the guest when
 * vCPU 0 has not come for a third of the bound (10 s of the 30). With
 * run->end, that ends it.
 */
static inline void fuzz_stalled(struct fuzz_vcpu *f)
{
	struct fuzz_run *run = f->run;
	uint32_t none = 0;
	uint64_t t0;

	__atomic_store_n(run->stop, 1, __ATOMIC_RELEASE);
	if (run->end) {
		__atomic_store_n(run->stalled, 1, __ATOMIC_RELEASE);
		run->end(f);
	}
	if (__atomic_compare_exchange_n(run->stalled, &none, 1, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
		fuzz_stall_report(run);
		__atomic_store_n(run->stalled, 2, __ATOMIC_RELEASE);
	}
	while (__atomic_load_n(run->stalled, __ATOMIC_ACQUIRE) != 2)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	if (f->id == 0) {
		__atomic_store_n(&run->taken, 1, __ATOMIC_RELEASE);
		return;
	}
	t0 = pvclock_ns();
	while (!__atomic_load_n(&run->taken, __ATOMIC_ACQUIRE)) {
		if (pvclock_ns() - t0 > run->stall_ns / 3) {
			if (run->ender)
				run->ender(run);
			fuzz_end_guest(run);
		}
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
}

/*
 * No watched vCPU has had an answer for run->stall_ns at now. A beat
 * ahead of now counts as recent: pvclock_ns() reads vCPU 0's time from
 * any vCPU, which need not be monotonic across vCPUs.
 */
static inline bool fuzz_quiet(const struct fuzz_run *run, uint64_t now)
{
	const struct fuzz_where *w;
	unsigned int i;
	uint64_t b;

	for (i = 0; i < run->nw; i++) {
		w = (const struct fuzz_where *)((const char *)run->w0 + i * run->wstride);
		b = __atomic_load_n(&w->beat, __ATOMIC_RELAXED);
		if (b && (int64_t)(now - b) < (int64_t)run->stall_ns)
			return false;
	}
	return true;
}

/*
 * One turn of a wait (what, as the report says it) begun at *start (0:
 * not yet): a yield, true; false once the wait gave up (fuzz_stalled
 * returned: the caller stops).
 */
static inline bool fuzz_wait_turn(struct fuzz_vcpu *f, uint64_t *start, const char *what)
{
	uint64_t now = pvclock_ns();

	if (!*start) {
		snprintf(f->at->waiting, sizeof(f->at->waiting), "%s", what);
		__atomic_store_n(&f->at->beat, now, __ATOMIC_RELAXED);
		*start = now;
	}
	if (__atomic_load_n(f->run->stalled, __ATOMIC_ACQUIRE) || fuzz_quiet(f->run, now)) {
		fuzz_stalled(f);
		return false;
	}
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	return true;
}

/* `hang=`'s vCPU: stopped for good in a call (SCHEDOP_poll of no port, no timeout). */
static inline void __attribute__((noreturn)) fuzz_hang(struct fuzz_vcpu *f)
{
	evtchn_port_t none = 0;
	struct sched_poll p = { (uint64_t)&none, 0, 0, 0 };

	fuzz_doing(f, "hang=");
	snprintf(f->at->call, sizeof(f->at->call), "SCHEDOP_poll, no port");
	if (f->at->bars)
		printf("%s: vCPU %u stops for good at barrier %u (hang=)\n", f->run->name, f->id,
		       f->at->bars);
	else
		printf("%s: vCPU %u stops for good before it starts (hang=)\n", f->run->name, f->id);
	for (;;)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, &p);
}

/* A vCPU's first word: it runs (or, for `hang=0`, stops before it says so). */
static inline void fuzz_vcpu_started(struct fuzz_vcpu *f)
{
	if (f->run->hang_bar == 0 && (f->id == f->run->hang_v || f->run->hang_v == FUZZ_HANG_ALL))
		fuzz_hang(f);
	fuzz_beat(f);
	__atomic_store_n(&f->started, true, __ATOMIC_RELEASE);
}

/*
 * The vCPUs the watchdog reports, from f0 on by stride, and, unless the
 * fuzzer set them, the places it watches: theirs.
 */
static inline void fuzz_watch(struct fuzz_run *run, struct fuzz_vcpu *f0, size_t stride,
			      unsigned int nv)
{
	run->f0 = f0;
	run->stride = stride;
	if (!run->w0) {
		run->w0 = f0->at;
		run->wstride = stride;
		run->nw = nv;
	}
	fuzz_beat(f0);
}

/*
 * The spare vCPU's watch, when the domain has a vCPU beyond the nv that
 * run the rounds (at one to three CPUs: nv is 2-3 of 4): every
 * FUZZ_WD_NS (SCHEDOP_poll of no port with a timeout, events left
 * masked) it looks whether the watched vCPUs have been quiet for the
 * bound, and if so reports as a wait that gave up would (fuzz_stalled,
 * as a vCPU other than 0): the one way to see a stall in which every
 * vCPU of the rounds is inside a call. Off (fuzz_watch_off) before the
 * rounds' end is reported.
 */
static struct fuzz_vcpu fuzz_wd;	/* the spare vCPU's part, for fuzz_stalled */
static uint8_t fuzz_wd_stack[8192] __attribute__((aligned(16)));

static inline void fuzz_wd_entry(unsigned long id)
{
	struct fuzz_run *run = fuzz_wd.run;
	evtchn_port_t none = 0;
	struct sched_poll p = { (uint64_t)&none, 0, 0, 0 };

	while (__atomic_load_n(&run->wd_state, __ATOMIC_ACQUIRE) == 1) {
		p.timeout = pvclock_ns() + FUZZ_WD_NS;
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, &p);
		if (__atomic_load_n(&run->wd_state, __ATOMIC_ACQUIRE) != 1)
			break;
		/*
		 * A wait gave up: it reports, unless it was the other domain's
		 * (run->end: that side's report wants ours too).
		 */
		if (__atomic_load_n(run->stalled, __ATOMIC_ACQUIRE) && !run->end)
			break;
		if (__atomic_load_n(run->stalled, __ATOMIC_ACQUIRE) ||
		    fuzz_quiet(run, pvclock_ns())) {
			fuzz_stalled(&fuzz_wd);
			break;
		}
	}
	__atomic_store_n(&run->wd_state, 3, __ATOMIC_RELEASE);
	vcpu_op(VCPUOP_down, (unsigned int)id, NULL);	/* not SCHEDOP_block: events stay masked */
	for (;;)
		asm volatile("pause");
}

/* The spare vCPU (nv) set watching, once the others run; none when the domain has no vCPU nv. */
static inline void fuzz_watch_on(const struct start_info *si, struct fuzz_run *run)
{
	fuzz_wd.run = run;
	fuzz_wd.id = run->nv;
	fuzz_wd.at = &fuzz_wd.own;
	__atomic_store_n(&run->wd_state, 1, __ATOMIC_RELEASE);
	if (smp_start_vcpu(si, run->nv, fuzz_wd_entry, fuzz_wd_stack, sizeof(fuzz_wd_stack)))
		__atomic_store_n(&run->wd_state, 0, __ATOMIC_RELEASE);
}

/* The spare vCPU's watch ended (waited for: it may be reading the places). */
static inline void fuzz_watch_off(struct fuzz_run *run)
{
	uint32_t on = 1;

	if (!__atomic_compare_exchange_n(&run->wd_state, &on, 2, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return;
	while (__atomic_load_n(&run->wd_state, __ATOMIC_ACQUIRE) != 3)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

/*
 * vCPUs 1 .. nv - 1 started at entry on their stacks (stack_size each),
 * each waited for until it set started (fuzz_vcpu_started; the wait
 * gives up as the watchdog says); with pin, vCPU i pinned to CPU i % cpus
 * and vCPU 0 to CPU 0; the vCPUs watched (fuzz_watch). NULL, or what
 * failed (into why).
 */
static inline const char *fuzz_start_vcpus(const struct start_info *si, struct fuzz_vcpu *f0,
					   size_t stride, unsigned int nv, unsigned int cpus,
					   bool pin, void (*entry)(unsigned long), uint8_t *stacks,
					   size_t stack_size, char *why, size_t size)
{
	struct fuzz_run *run = f0->run;
	uint64_t start = 0;
	unsigned int i;
	long rc;

	fuzz_watch(run, f0, stride, nv);
	for (i = 1; i < nv; i++) {
		rc = smp_start_vcpu(si, i, entry, stacks + i * stack_size, stack_size);
		if (rc) {
			snprintf(why, size, "starting vCPU %u gave %ld", i, rc);
			return why;
		}
		while (!__atomic_load_n(&fuzz_nth(f0, stride, i)->started, __ATOMIC_ACQUIRE))
			if (!fuzz_wait_turn(f0, &start, "waits for vCPUs to start"))
				return run->report;
		if (pin && smp_pin_vcpu(i, i % cpus)) {
			snprintf(why, size, "pinning vCPU %u failed", i);
			return why;
		}
	}
	f0->at->waiting[0] = 0;
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


/*
 * All n vCPUs meet (*count, *gen: the guest's); waits yield, so they may
 * share a CPU. NULL once met; once a wait gave up (the watchdog), the
 * report, at once for every later barrier: the caller stops.
 */
static inline const char *fuzz_barrier(struct fuzz_vcpu *f, volatile unsigned int *count,
				       volatile unsigned int *gen, unsigned int n)
{
	unsigned int g = __atomic_load_n(gen, __ATOMIC_ACQUIRE);
	uint64_t start = 0;

	f->at->bars++;
	if (f->at->bars == f->run->hang_bar &&
	    (f->id == f->run->hang_v || f->run->hang_v == FUZZ_HANG_ALL))
		fuzz_hang(f);
	if (__atomic_load_n(f->run->stalled, __ATOMIC_ACQUIRE)) {
		fuzz_stalled(f);
		return f->run->report;
	}
	if (__atomic_add_fetch(count, 1, __ATOMIC_ACQ_REL) == n) {
		__atomic_store_n(count, 0, __ATOMIC_RELAXED);
		__atomic_store_n(gen, g + 1, __ATOMIC_RELEASE);
		fuzz_beat(f);
		return NULL;
	}
	while (__atomic_load_n(gen, __ATOMIC_ACQUIRE) == g)
		if (!fuzz_wait_turn(f, &start, "waits at a barrier"))
			return f->run->report;
	f->at->waiting[0] = 0;
	fuzz_beat(f);
	return NULL;
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
	f->last = "decrease_reservation";
	fuzz_beat(f);
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
	what = fuzz_fill_slot(slot, &rc);
	f->last = "increase_reservation";
	fuzz_beat(f);
	if (what)
		fuzz_fail(f, what, rc, "an empty slot");
}

#endif
