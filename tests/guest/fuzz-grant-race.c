// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz-grant-race: grants across domains and grant table v2, fuzzed by
 * the vCPUs of two domains at once.
 *
 * fuzz-race covers grants of a domain to itself in a v1 table. Here dom0
 * builds an unprivileged domU (grant version 2 allowed) of as many vCPUs
 * as dom0 uses (one a CPU, at least two, at most 4), and the vCPUs of
 * both run rounds together. Each domain has a pool of POOL frames of its
 * own (unmapped from the start-of-day region, reached through windows)
 * and each vCPU owns GREFS entries of its domain's table, which it
 * rewrites at random: granted to the other domain (mostly) or its own,
 * read-only or writable, in the round's layout: v1, or in v2 full_page,
 * sub_page (a range of 8-byte words) or transitive (through a ref of
 * either domain); now and then revoked (flags 0) under whoever maps it.
 * Odd rounds run in v2, even ones in v1; all vCPUs meet half-way through
 * a round's steps too (on one CPU, the other domain's entries are
 * written by then). Meanwhile every vCPU, at random:
 *
 *   maps a ref of the other domain (or its own) at one of its grant
 *   windows, read-only or writable, reads or writes through it, and
 *   unmaps it again; or maps and unmaps one hot ref 4-15 times running;
 *   GNTTABOP_copy between a ref of either domain and a pool frame, or
 *   between two refs; maps a pool frame of its own at a window (read or
 *   written through); the round's other version asked for mid-round
 *   (GNTTABOP_set_version: -EBUSY while an entry is in use, else the
 *   switch, which clears the entries); get_status_frames with the status
 *   frame mapped read-only at its status window (kept until its next
 *   turn: a v2 -> v1 switch is refused meanwhile), query_size (dom0 also
 *   of the domU), get_version, setup_table of 1 or 2 frames; and
 *   decrease_reservation of a pool frame, granted and maybe mapped by
 *   the other domain, or increase_reservation to fill its slot.
 *
 * Every word written into a pool frame is even (not present as a page
 * table entry), so a pool frame pins at any level unless something
 * holds a writable mapping of it. What must hold whatever the
 * interleaving:
 *
 *  1. every answer is 0 or one of the errors (grant statuses) Xen 4.17
 *     can give that call for the arguments drawn (a set for each call,
 *     G_MAP, G_COPY, E_SET_VERSION ... below; a wrong one fails the test
 *     with the call, its arguments and the answer), an unmap of a map
 *     made is GNTST_okay,
 *     a status word holds only GTF_reading/GTF_writing, set_version's
 *     `version` the one in force, and never a switch while the caller
 *     holds a map of an entry of its own table (half of the mid-round
 *     tries map one first), query_size's count within its maximum,
 *     setup_table's first frame the one mapped at the start;
 *  2. no vCPU takes a fault (a window is used only after its map
 *     succeeded);
 *  3. at each round's end, all vCPUs of both domains at a barrier kept
 *     in a page of the domU that dom0 maps through reserved entry
 *     SYNC_REF: the frames each maps writable through a grant are
 *     listed there, and each of the granter's pool frames among them
 *     must refuse a pin at every level;
 *  4. after both sides unmapped: each domain's probe entry (granted at
 *     the round's start) maps in the other; then every entry can be
 *     revoked, none with GTF_reading/GTF_writing still set (v1: in its
 *     flags, v2: in its status word), and then no ref of either domain
 *     maps any more; every pool frame pins as an L1 (no writable mapping
 *     left anywhere) and is clearable; the next round's set_version
 *     goes through (nothing in use);
 *  5. every call returns: no 30 s pass without an answer to a vCPU of
 *     either domain while one waits (a barrier, the entries' lock) or,
 *     with a spare vCPU, at all (lib/fuzz.h's watchdog); else the test
 *     fails, naming what each vCPU of both domains was doing (the call
 *     it did not come back from, with its arguments; docs/testing.md).
 *
 * The frame audits run when the domains end ("mm audit dN" on Lamina's
 * debug build; the runner fails a test whose audit failed). The first
 * bad answer or failed check on either side stops both sides' steps.
 * `seed=` (the domU's is seed + 1000), `rounds=` and `stats=1` (maps
 * and copies by GNTST_* answer) on the command line.
 * @hvargs: dom0_max_vcpus=4
 * @initrd: self
 * @cmdline: seed=1 rounds=8
 * @expect-log: mm audit d0: ok
 * @timeout-smp: 300
 */
#define PEER_SMP_VCPUS	4
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/gnt_self.h"
#include "lib/fuzz.h"
#include "lib/grant_end.h"
#include "lib/peer_smp.h"

#define NV_MAX		4	/* vCPUs a domain at most */
#define POOL		12	/* frames of a domain's pool */
#define HOT		3	/* of which the first HOT drawn half the time */
#define WINDOWS		2	/* windows onto own pool frames, a vCPU */
#define GWINDOWS	2	/* grant windows a vCPU */
#define GREFS		4	/* entries a vCPU owns */
#define GREF_BASE	64	/* vCPU i's: GREF_BASE + i * GREFS ... */
#define PROBE_REF	60	/* granted to the other domain at each round's start */
#define SYNC_REF	4	/* reserved: the domU's sync page, mapped by dom0 */
#define V1_REFS		512	/* entries of frame 0 in v1 */
#define V2_REFS		256	/* and in v2 */
#define STEPS		120	/* actions a vCPU a round */
#define STACK_SIZE	8192
#define SYNC_MAGIC	0x6e7973746e6766ULL
#define STALL_LEN	400		/* a domain's report of its vCPUs */

/*
 * Where a vCPU is, for the watchdog (lib/fuzz.h's, the grant call named
 * before it is made) and its report: kept in the sync page, so that
 * either domain can say what the other's vCPUs are doing when none of
 * them can.
 */
struct xdoing {
	struct fuzz_where w;		/* round, step, action, wait, call */
	struct gnttab_copy copy;	/* the copy it is in (flags 0: none) */
	uint16_t mdom[GWINDOWS], mref[GWINDOWS];	/* its grant maps (DOMID_INVALID: none) */
};

/* A side's account of a stall, once it gave one. */
struct xstall {
	uint32_t said;			/* 1: being written, 2: written */
	char text[STALL_LEN];		/* what each of its vCPUs was doing */
};

/* The domU's page both domains meet in. side 0: dom0, 1: the domU. */
struct xsync {
	uint64_t magic;
	uint32_t count, gen;		/* the barrier */
	uint32_t stop;			/* a side failed: no more steps or checks */
	uint32_t stalled;		/* a wait gave up: nobody waits any more (frun.stalled) */
	struct xstall st[2];
	struct xdoing at[2][NV_MAX];
	uint64_t wmfn[2][NV_MAX][GWINDOWS];	/* frames mapped writable by grant */
};
_Static_assert(sizeof(struct xsync) <= 4096, "the sync page");

struct vcpu_state {
	struct fuzz_vcpu f;		/* generator, tally, the run */
	uint64_t win[WINDOWS], gwin[GWINDOWS], swin;
	grant_handle_t gh[GWINDOWS];
	bool gmapped[GWINDOWS], smapped;
	domid_t gdom[GWINDOWS];		/* whose entry gwin[i] maps */
	uint64_t frames[2];
	unsigned long maps_other, copies_ok;
	volatile bool finished;
	struct xdoing *at;		/* where it is, in the sync page */
};

static uint8_t stacks[NV_MAX][STACK_SIZE] __attribute__((aligned(16)));
static struct vcpu_state vs[NV_MAX];
static volatile uint64_t pool[POOL];	/* mfns; 0: given back, not yet replaced */
static struct grant_entry_v1 *gt1;	/* the table's frame 0, in either layout */
static union grant_entry_v2 *gt2;
static uint64_t gt_mfn, probe_mfn;
static volatile unsigned int ver = 1;	/* the table's version, under elock */
static volatile int elock;		/* entries written, version switched */
static struct xsync *xs;
static grant_handle_t sync_h;
static unsigned int nv, rounds, side, v2_rounds;
static domid_t me_dom, other;
static unsigned long seed;
static char why[VERDICT_LEN];
static unsigned long copy_st[14], map_st[14];	/* `stats=1`: answers by -GNTST_* */
static bool want_stats;
static struct fuzz_stat stats[40];	/* `stats=1`: by call, besides map_st/copy_st */
static struct fuzz_run frun = { .table = stats, .nstats = ARRAY_SIZE(stats),
				.name = "fuzz-grant-race" };	/* stop: &xs->stop, set in run() */

/* ------------------------------------------------------------ answers */

/*
 * The answers each call may give besides 0 on Xen 4.17 for what this
 * guest passes (xen/common/grant_table.c unless said otherwise; the
 * domains named are both alive throughout, refs below 80 < the 256 or
 * 512 entries of one frame, no XSM policy refuses):
 *
 * G_MAP, map_grant_ref (either domain's entry, v1 or v2, transitive
 *   ones included): general_error (map_grant_ref and _set_status_v1/v2:
 *   not granted to us, revoked, read-only for a writable map, a
 *   transitive entry, which only a copy may use), bad_page
 *   (get_paged_frame: a frame given back or never ours), no_space
 *   (get_maptrack_handle could not grow the maptrack).
 * G_COPY, GNTTABOP_copy: general_error (acquire_grant_for_copy as
 *   above, a transitive chain that loops or ends badly;
 *   gnttab_copy_buf: outside a sub_page grant's range), bad_page
 *   (get_paged_frame for a ref's frame or our gmfn), bad_domain
 *   (acquire_grant_for_copy, the branch for an entry pinned already:
 *   the pinned frame's owner is not the granter, as when the entry was
 *   transitive when pinned, the frame the other domain's, and has been
 *   rewritten since; Xen 4.17 gave it at seed=5, a ref-to-ref copy of
 *   one entry of the domU's), bad_gntref (acquire_grant_for_copy reads
 *   a transitive entry's trans_domid and gref after its type, so an
 *   entry rewritten in between as full_page or sub_page is read as a
 *   transitive one naming dom0 (the word after the header is 0 or
 *   page_off) and a frame number for a ref, beyond dom0's table; the
 *   inner acquire_grant_for_copy answers bad_gntref; Xen 4.17 gave it
 *   at seed=12, a copy to the domU's ref 64). The offsets and lengths
 *   stay inside a page, so no bad_copy_arg.
 * E_SET_VERSION, set_version to the other version: -EBUSY (an entry of
 *   ours in use), -EAGAIN (a v2 op of another vCPU in flight,
 *   nr_v2_ops). 1 and 2 both allowed, frames below 2^32: no -EINVAL,
 *   -ENOSYS, -ERANGE.
 * G_STATUS, get_status_frames' status: general_error (v1 has no status
 *   frame: nr_frames > nr_status_frames).
 * G_SETUP, setup_table's status: general_error (gnttab_grow_table could
 *   not grow the table to 2 frames).
 * query_size and get_version of ourselves or (dom0) of the domU, and
 *   every call's own answer (setup_table, copy, query_size ...): 0 only.
 * E_MAP, update_va_mapping of one of our pool frames (xen/arch/x86/mm.c,
 *   get_page_from_l1e): -EBUSY (a frame given back; writable: one typed
 *   as a table), -EPERM (mfn 0 of an empty slot, I/O space to a domU).
 * E_PIN, a pin of a pool frame, which holds even words only: -EINVAL
 *   (_get_page_type: the frame typed writable, i.e. mapped writable).
 */
#define G_MAP		(GS(GNTST_general_error) | GS(GNTST_bad_page) | GS(GNTST_no_space))
#define G_COPY		(GS(GNTST_general_error) | GS(GNTST_bad_page) | GS(GNTST_bad_domain) | \
			 GS(GNTST_bad_gntref))
#define E_SET_VERSION	(FZ(EBUSY) | FZ(EAGAIN))
#define G_STATUS	GS(GNTST_general_error)
#define G_SETUP		GS(GNTST_general_error)
#define E_MAP		(FZ(EBUSY) | FZ(EPERM))
#define E_PIN		FZ(EINVAL)

static bool stopped(void)
{
	return __atomic_load_n(frun.stop, __ATOMIC_ACQUIRE);
}

/* ------------------------------------------------------------ helpers */

static uint64_t pick(struct vcpu_state *v)
{
	return pool[fuzz_below(&v->f, fuzz_below(&v->f, 2) ? HOT : POOL)];
}

/* A word to write into a pool frame: even, so never a present entry. */
static uint64_t even(struct vcpu_state *v)
{
	return fuzz_rnd(&v->f) & ~1ULL;
}

/* A ref of domain d's vCPUs; half the time the first two of one. */
static grant_ref_t gref_any(struct vcpu_state *v)
{
	return GREF_BASE + fuzz_below(&v->f, nv) * GREFS +
	       fuzz_below(&v->f, fuzz_below(&v->f, 2) ? 2 : GREFS);
}

static domid_t dom_any(struct vcpu_state *v)
{
	return fuzz_below(&v->f, 4) ? other : me_dom;
}

/* ------------------------------------------------------------ the watchdog */

/*
 * A wait of the rounds (a barrier, the entries' lock) gives up once no
 * vCPU of either domain has had an answer for FUZZ_STALL_NS (lib/fuzz.h's
 * watchdog, watching both sides' places in the sync page): then a vCPU
 * has not come back from a call, and the others would wait for it
 * forever. The first to give up marks the run stalled (xs->stalled), so
 * that no wait waits any more, and ends it here (frun.end): each domain
 * writes what each of its vCPUs was doing into the sync page (with its
 * grant maps and the copies it is in) and prints its entries and maps;
 * the first vCPU of dom0 there ends the test with a FAIL naming the
 * calls (any vCPU: dom0's first may be the one stuck).
 */
static volatile uint32_t stall_ending;	/* a vCPU of ours ends the test */

/* Side s's vCPU i, as it says in the sync page: its wait, or its round, step and call. */
static size_t stall_vcpu(char *buf, size_t n, unsigned int s, unsigned int i)
{
	size_t k = i ? (size_t)snprintf(buf, n, "; ") : 0;

	return k + (size_t)fuzz_where_text(buf + k, n - k, &xs->at[s][i].w, i,
					   s == side ? vs[i].f.last : NULL,
					   s == side ? vs[i].f.t.calls : 0);
}

/* Side s's vCPUs, into buf (STALL_LEN). */
static void stall_vcpus(char *buf, unsigned int s)
{
	unsigned int i;
	size_t n = 0;

	for (i = 0; i < nv && n < STALL_LEN; i++)
		n += stall_vcpu(buf + n, STALL_LEN - n, s, i);
	buf[STALL_LEN - 1] = 0;
}

/* Our side's account, into xs->st[side] (once a side), and printed. */
static void stall_report(void)
{
	struct xstall *x = &xs->st[side];
	uint32_t none = 0;

	if (!__atomic_compare_exchange_n(&x->said, &none, 1, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return;
	stall_vcpus(x->text, side);
	__atomic_store_n(&x->said, 2, __ATOMIC_RELEASE);
	printf("fuzz-grant-race: d%u stalled: %s\n", me_dom, x->text);
}

/* Our entries and grant maps, for the log. */
static void stall_dump(void)
{
	const struct xdoing *a;
	unsigned int r, i, w;

	for (r = GREF_BASE; r < GREF_BASE + nv * GREFS; r++)
		if (ver == 1)
			printf("fuzz-grant-race: d%u v1 ref %u: flags %#x, d%u, frame %#x\n", me_dom,
			       r, gt1[r].flags, gt1[r].domid, gt1[r].frame);
		else
			printf("fuzz-grant-race: d%u v2 ref %u: flags %#x, d%u, then %#x %#lx\n",
			       me_dom, r, gt2[r].hdr.flags, gt2[r].hdr.domid,
			       ((volatile uint32_t *)&gt2[r])[1], (unsigned long)gt2[r].full_page.frame);
	for (i = 0; i < nv; i++)
		for (w = 0, a = &xs->at[side][i]; w < GWINDOWS; w++)
			if (a->mdom[w] != DOMID_INVALID)
				printf("fuzz-grant-race: d%u vCPU %u maps d%u's ref %u (window %u)\n",
				       me_dom, i, a->mdom[w], a->mref[w], w);
}

/*
 * A wait gave up (or saw another give up): our account given, and the
 * first of us here waits (a while) for the other side's. dom0's ends the
 * test; the domU's prints dom0's vCPUs if dom0 gave none (all busy).
 */
static void __attribute__((noreturn)) stall_end(struct fuzz_vcpu *f)
{
	uint64_t end = pvclock_ns() + frun.stall_ns / 3;
	static char them[STALL_LEN];
	bool told;

	(void)f;
	stall_report();
	if (!__atomic_exchange_n(&stall_ending, 1, __ATOMIC_ACQ_REL)) {
		stall_dump();
		while (!(told = __atomic_load_n(&xs->st[!side].said, __ATOMIC_ACQUIRE) == 2) &&
		       pvclock_ns() < end)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		if (told)
			memcpy(them, xs->st[!side].text, STALL_LEN);
		else
			stall_vcpus(them, !side);
		if (side == 0) {
			printf("FAIL seed=%lu: no answer for %llu s, a wait gave up (barrier count %u, "
			       "generation %u), a call did not return: d0: %s; d%u%s: %s\n", seed,
			       (unsigned long long)(frun.stall_ns / 1000000000ULL), xs->count, xs->gen,
			       xs->st[0].text, other,
			       told ? "" : " (all its vCPUs busy, as they said last)", them);
			shutdown(SHUTDOWN_poweroff);
		}
		if (!told)
			printf("fuzz-grant-race: d0 is stuck, all its vCPUs busy, as they said last: "
			       "%s\n", them);
	}
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

static void lock(struct vcpu_state *v)
{
	uint64_t start = 0;

	while (__atomic_exchange_n(&elock, 1, __ATOMIC_ACQUIRE))
		fuzz_wait_turn(&v->f, &start, "waits for the entries' lock");
	v->f.at->waiting[0] = 0;
}

static void unlock(void)
{
	__atomic_store_n(&elock, 0, __ATOMIC_RELEASE);
}

static long set_version(uint32_t want, uint32_t *now)
{
	struct gnttab_set_version sv = { want };
	long rc = gnttab(GNTTABOP_set_version, &sv, 1);

	*now = sv.version;
	return rc;
}

static long gmap(domid_t d, grant_ref_t ref, uint64_t va, bool ro, grant_handle_t *h)
{
	struct gnttab_map_grant_ref op = { va, GNTMAP_host_map | (ro ? GNTMAP_readonly : 0),
					   ref, d, 99, ~0U, 0 };

	if (gnttab(GNTTABOP_map_grant_ref, &op, 1))
		return -100;
	*h = op.handle;
	return op.status;
}

/*
 * All vCPUs of both domains meet (lib/fuzz.h's barrier on the sync
 * page's count and gen). A wait that gave up ends in stall_end.
 */
static void xbar(struct vcpu_state *v)
{
	fuzz_barrier(&v->f, &xs->count, &xs->gen, 2 * nv);
}

/*
 * Entry ref of our table granted (in the version in force) to domain to
 * for frame mfn, of kind 0-3: full page writable or read-only, and in v2
 * sub_page or transitive; flags last. The caller holds elock.
 */
static void write_entry(struct vcpu_state *v, grant_ref_t ref, domid_t to, uint64_t mfn,
			unsigned int kind)
{
	uint16_t ro = kind == 1 ? GTF_readonly : 0;
	unsigned int off, len;

	if (ver == 1) {
		__atomic_store_n(&gt1[ref].flags, 0, __ATOMIC_RELEASE);
		gt1[ref].domid = to;
		gt1[ref].frame = (uint32_t)mfn;
		__atomic_store_n(&gt1[ref].flags, GTF_permit_access | (kind & 1 ? GTF_readonly : 0),
				 __ATOMIC_RELEASE);
		return;
	}
	__atomic_store_n(&gt2[ref].hdr.flags, 0, __ATOMIC_RELEASE);
	gt2[ref].hdr.domid = to;
	if (kind == 3) {
		gt2[ref].transitive.trans_domid = dom_any(v);
		gt2[ref].transitive.pad0 = 0;
		gt2[ref].transitive.gref = gref_any(v);
		__atomic_store_n(&gt2[ref].hdr.flags, GTF_transitive, __ATOMIC_RELEASE);
	} else if (kind == 2) {
		off = fuzz_below(&v->f, 64) * 8;
		len = (1 + fuzz_below(&v->f, (4096 - off) / 8)) * 8;
		gt2[ref].sub_page.page_off = (uint16_t)off;
		gt2[ref].sub_page.length = (uint16_t)len;
		gt2[ref].sub_page.frame = mfn;
		__atomic_store_n(&gt2[ref].hdr.flags,
				 GTF_permit_access | GTF_sub_page | (fuzz_below(&v->f, 2) ? GTF_readonly : 0),
				 __ATOMIC_RELEASE);
	} else {
		gt2[ref].full_page.pad0 = 0;
		gt2[ref].full_page.frame = mfn;
		__atomic_store_n(&gt2[ref].hdr.flags, GTF_permit_access | ro, __ATOMIC_RELEASE);
	}
}

/* ------------------------------------------------------------ actions */

/* One of the vCPU's own entries rewritten, or revoked, whoever maps it. */
static void act_entry(struct vcpu_state *v, unsigned int me)
{
	grant_ref_t ref = GREF_BASE + me * GREFS + fuzz_below(&v->f, GREFS);

	lock(v);
	if (!fuzz_below(&v->f, 5)) {
		if (ver == 1)
			__atomic_store_n(&gt1[ref].flags, 0, __ATOMIC_RELEASE);
		else
			__atomic_store_n(&gt2[ref].hdr.flags, 0, __ATOMIC_RELEASE);
	} else {
		write_entry(v, ref, fuzz_below(&v->f, 4) ? other : me_dom, pick(v),
			    fuzz_below(&v->f, ver == 1 ? 2 : 4));
	}
	unlock();
}

/* The owner's burst: one hot entry granted and revoked 8-24 times running. */
static void act_entry_burst(struct vcpu_state *v, unsigned int me)
{
	grant_ref_t ref = GREF_BASE + me * GREFS + fuzz_below(&v->f, 2);
	unsigned int n = 8 + fuzz_below(&v->f, 17), i;

	for (i = 0; i < n; i++) {
		lock(v);
		if (i & 1)
			write_entry(v, ref, other, pick(v), fuzz_below(&v->f, 2));
		else if (ver == 1)
			__atomic_store_n(&gt1[ref].flags, 0, __ATOMIC_RELEASE);
		else
			__atomic_store_n(&gt2[ref].hdr.flags, 0, __ATOMIC_RELEASE);
		unlock();
	}
}

static void unmap_gwin(struct vcpu_state *v, unsigned int i)
{
	/* a map made: unmap_common's only answer is okay */
	fuzz_answer(&v->f, "unmap_grant of a map made", gnt_unmap(v->gwin[i], 0, v->gh[i]), 0,
		    "d%u's ref, handle %u", v->gdom[i], v->gh[i]);
	v->gmapped[i] = false;
	v->at->mdom[i] = DOMID_INVALID;
}

/* Window i takes ref of d, read or written through; false if refused. */
static bool map_gwin(struct vcpu_state *v, unsigned int i, domid_t d, grant_ref_t ref, bool ro)
{
	long st;

	snprintf(v->f.at->call, sizeof(v->f.at->call), "map_grant_ref of d%u's ref %u, %s", d, ref,
		 ro ? "read-only" : "writable");
	st = fuzz_answer(&v->f, "map_grant", gmap(d, ref, v->gwin[i], ro, &v->gh[i]), G_MAP,
			 "d%u's ref %u, %s, v%u", d, ref, ro ? "read-only" : "writable", ver);

	if (st <= 0 && st >= GNTST_no_space)
		__atomic_add_fetch(&map_st[-st], 1, __ATOMIC_RELAXED);
	if (st)
		return false;
	v->gmapped[i] = true;
	v->gdom[i] = d;
	v->at->mdom[i] = d;
	v->at->mref[i] = (uint16_t)ref;
	v->maps_other += d == other;
	if (ro)
		(void)*(volatile uint64_t *)v->gwin[i];
	else
		((volatile uint64_t *)v->gwin[i])[fuzz_below(&v->f, 512)] = even(v);
	return true;
}

static void act_map(struct vcpu_state *v)
{
	unsigned int i = fuzz_below(&v->f, GWINDOWS);

	if (v->gmapped[i])
		unmap_gwin(v, i);
	else
		map_gwin(v, i, dom_any(v), gref_any(v), fuzz_below(&v->f, 2));
}

/* One hot ref of the other domain mapped and unmapped 4-15 times running. */
static void act_map_burst(struct vcpu_state *v)
{
	grant_ref_t ref = GREF_BASE + fuzz_below(&v->f, nv) * GREFS + fuzz_below(&v->f, 2);
	unsigned int n = 4 + fuzz_below(&v->f, 12), i;
	bool ro = fuzz_below(&v->f, 2);

	if (v->gmapped[0])
		unmap_gwin(v, 0);
	for (i = 0; i < n; i++)
		if (map_gwin(v, 0, other, ref, ro))
			unmap_gwin(v, 0);
}

static void act_copy(struct vcpu_state *v)
{
	struct gnttab_copy c;
	struct gnttab_copy_ptr g = { { .ref = gref_any(v) }, dom_any(v),
				     (uint16_t)(fuzz_below(&v->f, 64) * 8), 0 };
	struct gnttab_copy_ptr f = { { .gmfn = pick(v) }, DOMID_SELF,
				     (uint16_t)(fuzz_below(&v->f, 64) * 8), 0 };
	unsigned int how = fuzz_below(&v->f, 4);
	long rc;

	if (how == 3) {		/* ref to ref */
		f.u.ref = gref_any(v);
		f.domid = dom_any(v);
	}
	memset(&c, 0, sizeof(c));
	c.source = how & 1 ? g : f;
	c.dest = how & 1 ? f : g;
	c.flags = how == 3 ? GNTCOPY_source_gref | GNTCOPY_dest_gref :
		  how & 1 ? GNTCOPY_source_gref : GNTCOPY_dest_gref;
	c.len = (uint16_t)(8 * (1 + fuzz_below(&v->f, 12)));
	snprintf(v->f.at->call, sizeof(v->f.at->call),
		 "GNTTABOP_copy flags %#x, %u:%#lx+%u to %u:%#lx+%u, len %u", c.flags,
		 c.source.domid, (unsigned long)c.source.u.gmfn, c.source.offset, c.dest.domid,
		 (unsigned long)c.dest.u.gmfn, c.dest.offset, c.len);
	/* the call answers 0 (gnttab_copy: -EFAULT only for a buffer it cannot read) */
	v->at->copy = c;
	rc = gnttab(GNTTABOP_copy, &c, 1);
	v->at->copy.flags = 0;
	if (fuzz_answer(&v->f, "grant copy (the call)", rc, 0, "one op"))
		return;
	v->copies_ok += !fuzz_answer(&v->f, "grant copy", c.status, G_COPY,
				     "flags %#x, %u:%#lx+%u to %u:%#lx+%u, len %u", c.flags,
				     c.source.domid, (unsigned long)c.source.u.gmfn, c.source.offset,
				     c.dest.domid, (unsigned long)c.dest.u.gmfn, c.dest.offset, c.len);
	if (c.status <= 0 && c.status >= GNTST_no_space)
		__atomic_add_fetch(&copy_st[-c.status], 1, __ATOMIC_RELAXED);
}

/* A window onto one of our pool frames (or emptied); read or written through if mapped. */
static void act_window(struct vcpu_state *v)
{
	uint64_t va = v->win[fuzz_below(&v->f, WINDOWS)], mfn = pick(v);

	if (fuzz_window(&v->f, va, mfn, fuzz_below(&v->f, 3), E_MAP))
		((volatile uint64_t *)va)[fuzz_below(&v->f, 512)] = even(v);
}

/* Status words of our entries: only GTF_reading and GTF_writing. */
static void check_status_words(struct vcpu_state *v)
{
	const volatile grant_status_t *s = (const volatile grant_status_t *)v->swin;
	unsigned int r;

	for (r = GNTTAB_NR_RESERVED_ENTRIES; r < V2_REFS; r++)
		if (s[r] & ~(GTF_reading | GTF_writing))
			fuzz_fail(&v->f, "a status word", s[r], "ref %u", r);
}

/* The status frame mapped read-only at the vCPU's status window, or unmapped again. */
static void act_status(struct vcpu_state *v)
{
	struct gnttab_get_status_frames gs = { 1, DOMID_SELF, 99, (uint64_t)&v->frames[0] };

	if (v->smapped) {
		/* a non-present entry: mod_l1_entry has no error for it */
		fuzz_answer(&v->f, "status window emptied", update_va_mapping(v->swin, 0, UVMF_INVLPG),
			    0, "va %#lx", (unsigned long)v->swin);
		v->smapped = false;
		return;
	}
	lock(v);		/* the version stays while the frame is looked up and mapped */
	/* the call 0 (count 1, DOMID_SELF); a status frame of ours maps read-only */
	if (!fuzz_answer(&v->f, "get_status_frames", gnttab(GNTTABOP_get_status_frames, &gs, 1), 0,
			 "1 frame, v%u", ver) &&
	    !fuzz_answer(&v->f, "get_status_frames status", gs.status, G_STATUS, "1 frame, v%u", ver) &&
	    !fuzz_answer(&v->f, "status frame mapped",
			 update_va_mapping(v->swin, pte_ro(v->frames[0]), UVMF_INVLPG), 0,
			 "mfn %#lx", (unsigned long)v->frames[0])) {
		v->smapped = true;
		if (ver != 2)
			fuzz_fail(&v->f, "get_status_frames answered in v1", 0, "1 frame");
	}
	unlock();
	if (v->smapped)
		check_status_words(v);
}

/*
 * The other version asked for mid-round: -EBUSY while anything is in
 * use. Half the time the vCPU first maps its first entry, granted to its
 * own domain, at its last grant window: while it holds a map of an entry
 * of its domain, nobody else can unmap that, so the switch must be
 * refused.
 */
static void act_version(struct vcpu_state *v, unsigned int me)
{
	unsigned int w = GWINDOWS - 1, i;
	bool held = false;
	uint32_t want, now;
	long rc;

	lock(v);
	if (fuzz_below(&v->f, 2) && !v->gmapped[w]) {
		write_entry(v, GREF_BASE + me * GREFS, me_dom, pick(v), 0);
		map_gwin(v, w, me_dom, GREF_BASE + me * GREFS, fuzz_below(&v->f, 2));
	}
	for (i = 0; i < GWINDOWS; i++)
		held |= v->gmapped[i] && v->gdom[i] == me_dom;
	want = 3 - ver;
	rc = fuzz_answer(&v->f, "set_version mid-round", set_version(want, &now), E_SET_VERSION,
			 "v%u to v%u%s", ver, want, held ? ", an entry held" : "");
	if (now != (rc ? ver : want))
		fuzz_fail(&v->f, "set_version's version", now, "v%u to v%u, answered %ld", ver, want,
			  rc);
	if (held && !rc)
		fuzz_fail(&v->f, "set_version switched while this vCPU mapped an entry of the table",
			  want, "v%u to v%u", ver, want);
	if (!rc) {		/* the switch cleared the probe: granted again */
		ver = want;
		write_entry(v, PROBE_REF, other, probe_mfn, 1);
	}
	unlock();
}

static void act_query(struct vcpu_state *v)
{
	struct gnttab_query_size q = { fuzz_below(&v->f, 2) && !side ? other : DOMID_SELF, 0, 0, 0, 0, 0 };
	struct gnttab_get_version gv = { DOMID_SELF, 0, 0 };

	/* 0 and okay only: both domains alive, dom0 may query the domU (XSM_TARGET) */
	if (fuzz_below(&v->f, 2)) {
		if (!fuzz_answer(&v->f, "get_version", gnttab(GNTTABOP_get_version, &gv, 1), 0,
				 "DOMID_SELF") &&
		    gv.version != 1 && gv.version != 2)
			fuzz_fail(&v->f, "get_version's version", gv.version, "DOMID_SELF");
		return;
	}
	if (fuzz_answer(&v->f, "query_size", gnttab(GNTTABOP_query_size, &q, 1), 0, "d%u", q.dom) ||
	    fuzz_answer(&v->f, "query_size status", q.status, 0, "d%u", q.dom))
		return;
	if (q.nr_frames < 1 || q.nr_frames > q.max_nr_frames)
		fuzz_fail(&v->f, "query_size's count", q.nr_frames, "d%u, max %u", q.dom,
			  q.max_nr_frames);
}

static void act_setup(struct vcpu_state *v)
{
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1 + fuzz_below(&v->f, 2), 99, { 0 },
					 (uint64_t)v->frames };

	if (fuzz_answer(&v->f, "setup_table", gnttab(GNTTABOP_setup_table, &st, 1), 0, "%u frames",
			st.nr_frames) ||
	    fuzz_answer(&v->f, "setup_table status", st.status, G_SETUP, "%u frames", st.nr_frames))
		return;
	if (v->frames[0] != gt_mfn)
		fuzz_fail(&v->f, "setup_table's frame 0 moved", (long)v->frames[0], "%u frames",
			  st.nr_frames);
}

/* A pool frame given back, granted or mapped by the other domain or not. */
static void act_decrease(struct vcpu_state *v)
{
	unsigned int i = fuzz_below(&v->f, POOL);
	uint64_t mfn;

	if (i >= HOT && fuzz_take(&pool[i], &mfn) && fuzz_give_back(&v->f, mfn) != 1)
		fuzz_put_back(&pool[i], mfn);
}

static void act_increase(struct vcpu_state *v)
{
	fuzz_fill(&v->f, &pool[fuzz_below(&v->f, POOL)]);
}

/* One action, drawn by its share of 100 (below[]), named for the watchdog. */
static void step(struct vcpu_state *v, unsigned int me)
{
	static const unsigned int below[] = { 18, 38, 52, 60, 66, 70, 73, 75, 78, 82, 92, 100 };
	static const char *const name[] = {
		"an entry rewritten", "a map or unmap", "a copy", "a window", "the status frame",
		"query_size or get_version", "setup_table", "set_version", "decrease_reservation",
		"increase_reservation", "a map burst", "an entry burst",
	};
	unsigned int r = fuzz_below(&v->f, 100), a = 0;

	while (r >= below[a])
		a++;
	fuzz_doing(&v->f, name[a]);
	switch (a) {
	case 0: act_entry(v, me); break;
	case 1: act_map(v); break;
	case 2: act_copy(v); break;
	case 3: act_window(v); break;
	case 4: act_status(v); break;
	case 5: act_query(v); break;
	case 6: act_setup(v); break;
	case 7: act_version(v, me); break;
	case 8: act_decrease(v); break;
	case 9: act_increase(v); break;
	case 10: act_map_burst(v); break;
	default: act_entry_burst(v, me); break;
	}
}

/* ------------------------------------------------------------ quiescent points */

static bool in_pool(uint64_t mfn)
{
	unsigned int i;

	for (i = 0; i < POOL; i++)
		if (mfn && pool[i] == mfn)
			return true;
	return false;
}


/* A vCPU's grant windows mapped writable, listed for the granter. */
static void publish_writable(struct vcpu_state *v, unsigned int me)
{
	unsigned int i;
	uint64_t e;

	for (i = 0; i < GWINDOWS; i++) {
		e = v->gmapped[i] ? l1e_of(v->gwin[i]) : 0;
		xs->wmfn[side][me][i] = (e & (PTE_P | PTE_RW)) == (PTE_P | PTE_RW) ?
					(e & PTE_ADDR) >> 12 : 0;
	}
}

/* Invariant 3: our pool frames the other side maps writable refuse a pin. */
static const char *check_writable(void)
{
	unsigned int i, w, lvl;
	uint64_t mfn;

	for (i = 0; i < nv; i++)
		for (w = 0; w < GWINDOWS; w++) {
			mfn = xs->wmfn[!side][i][w];
			if (!in_pool(mfn))
				continue;
			lvl = fuzz_pins_now(&vs[0].f, mfn, E_PIN, true);
			BODY_CHECK(!lvl, "d%u's frame %#lx, mapped writable by vCPU %u of d%u, "
				   "pinned as an L%u", me_dom, (unsigned long)mfn, i, other, lvl);
		}
	return NULL;
}

/* A vCPU's part of the round's end: windows emptied, grant maps undone. */
static void drop_own(struct vcpu_state *v)
{
	unsigned int i;
	long rc;

	for (i = 0; i < WINDOWS; i++)
		if ((rc = update_va_mapping(v->win[i], 0, UVMF_INVLPG)))
			fuzz_fail(&v->f, "emptying a window", rc, "va %#lx", (unsigned long)v->win[i]);
	for (i = 0; i < GWINDOWS; i++)
		if (v->gmapped[i])
			unmap_gwin(v, i);
	if (v->smapped && (rc = update_va_mapping(v->swin, 0, UVMF_INVLPG)))
		fuzz_fail(&v->f, "emptying the status window", rc, "va %#lx",
			  (unsigned long)v->swin);
	v->smapped = false;
}

/* Invariant 4: the other domain's probe maps while granted. */
static const char *check_probe(void)
{
	struct vcpu_state *v = &vs[0];
	long st = gmap(other, PROBE_REF, v->gwin[0], true, &v->gh[0]);

	BODY_CHECK(st == 0, "d%u: d%u's probe ref %u, granted, did not map (%ld)", me_dom, other,
		   PROBE_REF, st);
	st = gnt_unmap(v->gwin[0], 0, v->gh[0]);
	BODY_CHECK(st == 0, "unmapping the probe gave %ld", st);
	return NULL;
}

/* Invariant 4: every entry of ours revoked, none in use; pool frames free. */
static const char *revoke_all(void)
{
	struct gnttab_get_version gv = { DOMID_SELF, 0, 0 };
	struct gnttab_get_status_frames gs = { 1, DOMID_SELF, 99, (uint64_t)&vs[0].frames[0] };
	const volatile grant_status_t *s = (const volatile grant_status_t *)vs[0].swin;
	unsigned int r, i;
	long rc;

	BODY_CHECK(gnttab(GNTTABOP_get_version, &gv, 1) == 0 && gv.version == ver,
		   "d%u: get_version %u, the guest's %u", me_dom, gv.version, ver);
	if (ver == 1) {
		for (r = GNTTAB_NR_RESERVED_ENTRIES; r < V1_REFS; r++)
			BODY_CHECK(grant_end_access(&gt1[r]), "d%u: v1 ref %u, both sides done, "
				   "still in use (flags %#x)", me_dom, r, gt1[r].flags);
	} else {
		BODY_CHECK(gnttab(GNTTABOP_get_status_frames, &gs, 1) == 0 && gs.status == 0 &&
			   update_va_mapping(vs[0].swin, pte_ro(vs[0].frames[0]), UVMF_INVLPG) == 0,
			   "d%u: its status frame could not be mapped", me_dom);
		for (r = GNTTAB_NR_RESERVED_ENTRIES; r < V2_REFS; r++) {
			__atomic_store_n(&gt2[r].hdr.flags, 0, __ATOMIC_RELEASE);
			BODY_CHECK(!s[r], "d%u: v2 ref %u, both sides done, status %#x", me_dom, r,
				   s[r]);
		}
		BODY_CHECK(update_va_mapping(vs[0].swin, 0, UVMF_INVLPG) == 0,
			   "emptying the status window failed");
	}
	for (i = 0; i < POOL; i++) {
		if (!pool[i])
			continue;
		rc = mmuext1(MMUEXT_PIN_L1_TABLE, pool[i]);
		BODY_CHECK(rc == 0, "d%u: pool frame %#lx, all unmapped, refused a pin (%ld)",
			   me_dom, (unsigned long)pool[i], rc);
		rc = mmuext1(MMUEXT_UNPIN_TABLE, pool[i]);
		BODY_CHECK(rc == 0, "unpinning it gave %ld", rc);
		rc = mmuext1(MMUEXT_CLEAR_PAGE, pool[i]);
		BODY_CHECK(rc == 0, "d%u: pool frame %#lx not clearable (%ld)", me_dom,
			   (unsigned long)pool[i], rc);
	}
	return NULL;
}

/* Invariant 4: no ref of either domain maps once both revoked them all. */
static const char *check_revoked(void)
{
	struct vcpu_state *v = &vs[0];
	unsigned int k, r;
	domid_t d;
	long st;

	for (k = 0; k < 2; k++)
		for (r = GREF_BASE - 4; r < GREF_BASE + nv * GREFS; r++) {
			d = k ? other : me_dom;
			st = gmap(d, r, v->gwin[0], true, &v->gh[0]);
			if (st == 0)
				gnt_unmap(v->gwin[0], 0, v->gh[0]);
			BODY_CHECK(st != 0, "d%u: ref %u of d%u, revoked, still maps", me_dom, r, d);
			BODY_CHECK(st < 0 && st >= GNTST_no_space, "a map of a revoked ref gave %ld",
				   st);
		}
	return NULL;
}

/* vCPU 0 at a round's start: the round's version, and the probe granted. */
static const char *round_start(unsigned int r)
{
	uint32_t want = r & 1 ? 2 : 1, now;
	long rc = set_version(want, &now);

	BODY_CHECK(rc == 0 && now == want, "d%u: set_version(%u) at round %u's start gave %ld "
		   "(version %u)", me_dom, want, r, rc, now);
	ver = want;
	v2_rounds += want == 2;
	write_entry(&vs[0], PROBE_REF, other, probe_mfn, 1);
	return NULL;
}

static const char *vcpu_rounds(unsigned int me)
{
	struct vcpu_state *v = &vs[me];
	const char *fail = NULL;
	unsigned int r, s;

#define QUIET(check)	do { fuzz_doing(&v->f, #check);						\
			     if (me == 0 && !fail && !stopped() && (fail = (check)))		\
				     __atomic_store_n(frun.stop, 1, __ATOMIC_RELEASE); } while (0)
	for (r = 0; r < rounds; r++) {
		v->f.at->round = r;
		v->f.at->step = 0;
		QUIET(round_start(r));
		xbar(v);
		for (s = 0; s < STEPS / 2 && !stopped(); s++, v->f.at->step++)
			step(v, me);
		xbar(v);		/* on one CPU: the other domain's entries are there now */
		for (s = STEPS / 2; s < STEPS && !stopped(); s++, v->f.at->step++)
			step(v, me);
		publish_writable(v, me);
		xbar(v);
		QUIET(check_writable());
		xbar(v);
		fuzz_doing(&v->f, "drop_own");
		drop_own(v);
		xbar(v);
		QUIET(check_probe());
		xbar(v);
		QUIET(revoke_all());
		xbar(v);
		QUIET(check_revoked());
		xbar(v);
	}
	if (me == 0) {		/* v1 again, failed or not: the verdict is written in v1 */
		uint32_t now;
		long rc = set_version(1, &now);

		if ((rc || now != 1) && !fail) {
			snprintf(why, sizeof(why), "d%u: set_version(1) at the end gave %ld", me_dom,
				 rc);
			fail = why;
		}
		ver = now;
	}
#undef QUIET
	return fail;
}

static void vcpu_entry(unsigned long id)
{
	fuzz_vcpu_started(&vs[id].f);
	vcpu_rounds((unsigned int)id);
	__atomic_store_n(&vs[id].finished, true, __ATOMIC_RELEASE);
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

/* ------------------------------------------------------------ setup */

static uint64_t empty_page(void)
{
	uint64_t va = scratch_page();

	return update_va_mapping(va, 0, UVMF_INVLPG) ? 0 : va;
}

/* The table, the pool, the probe frame and the windows (emptied). */
static const char *setup(struct start_info *si, unsigned int cpus)
{
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)&gt_mfn };
	uint64_t va = scratch_page();
	unsigned int i, w;

	fuzz_args(&frun, si, cpus, NV_MAX, 8);
	nv = frun.nv;
	seed = frun.seed;
	rounds = frun.rounds;
	want_stats = frun.want_stats;
	BODY_CHECK(gnt_self_dom_init(si) == 0, "no domain id of our own");
	me_dom = gnt_self_dom;
	BODY_CHECK(gnttab(GNTTABOP_setup_table, &st, 1) == 0 && st.status == 0 &&
		   update_va_mapping(va, pte_rw(gt_mfn), UVMF_INVLPG) == 0, "no grant table");
	gt1 = (struct grant_entry_v1 *)va;
	gt2 = (union grant_entry_v2 *)va;
	probe_mfn = va_to_mfn(scratch_page());
	for (i = 0; i < POOL; i++) {
		va = scratch_page();
		pool[i] = va_to_mfn(va);
		BODY_CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping a pool page failed");
	}
	for (i = 0; i < nv; i++) {
		fuzz_vcpu_init(&vs[i].f, &frun, seed, i);
		for (w = 0; w < WINDOWS; w++)
			BODY_CHECK((vs[i].win[w] = empty_page()), "emptying a window failed");
		for (w = 0; w < GWINDOWS; w++)
			BODY_CHECK((vs[i].gwin[w] = empty_page()), "emptying a window failed");
		BODY_CHECK((vs[i].swin = empty_page()), "emptying a window failed");
	}
	return NULL;
}

/* Both sides: the other vCPUs started (dom0 pins them), then the rounds. */
static const char *run(struct start_info *si, unsigned int cpus, bool pin)
{
	unsigned long calls = 0, zero = 0, maps = 0, copies = 0;
	const char *fail, *err;
	unsigned int i, w;

	frun.stop = &xs->stop;
	frun.stalled = &xs->stalled;
	frun.end = stall_end;
	frun.w0 = &xs->at[0][0].w;	/* both sides' vCPUs: an answer of either is progress */
	frun.wstride = sizeof(struct xdoing);
	frun.nw = 2 * NV_MAX;
	for (i = 0; i < nv; i++) {
		vs[i].at = &xs->at[side][i];
		vs[i].f.at = &vs[i].at->w;
		for (w = 0; w < GWINDOWS; w++)
			vs[i].at->mdom[w] = DOMID_INVALID;
	}
	if ((fail = fuzz_start_vcpus(si, &vs[0].f, sizeof(vs[0]), nv, cpus, pin, vcpu_entry,
				     &stacks[0][0], STACK_SIZE, why, sizeof(why))))
		return fail;
	fuzz_watch_on(si, &frun);
	fail = vcpu_rounds(0);
	for (i = 1; i < nv; i++)	/* out of the last barrier before dom0 unmaps its page */
		while (!__atomic_load_n(&vs[i].finished, __ATOMIC_ACQUIRE))
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	fuzz_watch_off(&frun);		/* it reads the sync page */
	for (i = 0; i < nv; i++) {
		maps += vs[i].maps_other;
		copies += vs[i].copies_ok;
	}
	if ((err = fuzz_verdicts(&vs[0].f, sizeof(vs[0]), nv, me_dom, seed, &calls, &zero, why,
				 sizeof(why))))
		return err;
	if (fail)
		return fail;
	for (i = 0; want_stats && i < ARRAY_SIZE(copy_st); i++)
		printf("fuzz-grant-race: d%u GNTST %d: %lu maps, %lu copies\n", me_dom, -(int)i,
		       map_st[i], copy_st[i]);
	if (frun.stats)
		fuzz_stats_print("fuzz-grant-race", stats, ARRAY_SIZE(stats));
	printf("fuzz-grant-race: d%u seed=%lu, %u vCPUs, %u rounds (%u in v2) of %u steps: "
	       "%lu calls (%lu answered 0), %lu maps of d%u's grants, %lu copies done, %s\n",
	       me_dom, seed, nv, rounds, v2_rounds, STEPS, calls, zero, maps, other, copies,
	       stopped() ? "stopped by the other domain's failure" : "invariants held");
	return NULL;
}

/* The domU: its sync page granted to dom0 (SYNC_REF), the rounds, then its verdict. */
static int peer_main(struct start_info *si)
{
	unsigned int cpus = (unsigned int)cmdline_number((const char *)si->cmd_line, "cpus=", 1);
	const char *fail = setup(si, cpus);
	struct verdict vd;
	uint64_t page;

	if (!fail) {
		page = scratch_page();
		xs = (struct xsync *)page;
		xs->magic = SYNC_MAGIC;
		other = 0;
		side = 1;
		gt1[SYNC_REF].domid = 0;
		gt1[SYNC_REF].frame = (uint32_t)va_to_mfn(page);
		__atomic_store_n(&gt1[SYNC_REF].flags, GTF_permit_access, __ATOMIC_RELEASE);
		fail = run(si, cpus, false);
	}
	verdict_offer_frame0(&vd);
	if (ver == 2) {		/* stuck in v2 (the end's switch failed): a v2 entry */
		gt2[VERDICT_REF].hdr.domid = 0;
		gt2[VERDICT_REF].full_page.frame = va_to_mfn((uint64_t)vd.page);
		__atomic_store_n(&gt2[VERDICT_REF].hdr.flags, GTF_permit_access, __ATOMIC_RELEASE);
	}
	verdict_send(&vd, fail);
}

/* dom0: maps the domU's sync page, waiting (up to 60 s) until it is granted. */
static const char *map_sync(void)
{
	uint64_t va = empty_page(), end = pvclock_ns() + 60000000000ULL;
	long st;

	BODY_CHECK(va, "no window for the sync page");
	while ((st = gmap(other, SYNC_REF, va, false, &sync_h)) && pvclock_ns() < end)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	BODY_CHECK(st == 0, "the domU's sync page did not map (%ld)", st);
	xs = (struct xsync *)va;
	BODY_CHECK(xs->magic == SYNC_MAGIC, "the domU's sync page has no magic");
	return NULL;
}

int test_main(struct start_info *si)
{
	char cmdline[120];
	struct sysctl pi;
	const char *err;
	int id;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		return peer_main(si);
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	err = setup(si, pi.u.physinfo.nr_cpus);
	CHECK(!err, "%s", err);
	peer_max_vcpus = PEER_SMP_VCPUS;
	peer_grant_version = 2;
	snprintf(cmdline, sizeof(cmdline), "role=peer cpus=%u %s", pi.u.physinfo.nr_cpus,
		 fuzz_peer_args(si, 8));
	id = peer_build(si, 4096, cmdline, PEER_SMP_MIB);
	CHECK(id > 0, "the peer could not be built (%d)", id);
	other = (domid_t)id;
	CHECK(peer_smp_pin(other, pi.u.physinfo.nr_cpus), "pinning the peer's vCPUs failed");
	err = map_sync();
	if (!err)
		err = run(si, pi.u.physinfo.nr_cpus, pi.u.physinfo.nr_cpus > 1);
	if (xs && xs->magic == SYNC_MAGIC)
		gnt_unmap((uint64_t)xs, 0, sync_h);
	if (peer_smp_await_offer(other)) {
		peer_console_flush();
		CHECK(0, "the peer ended before it offered its verdict%s%s", err ? "; dom0: " : "",
		      err ? err : "");
	}
	CHECK(verdict_result(other) == TEST_PASS, "the peer's rounds failed");
	CHECK(!err, "%s", err);
	return peer_wait_destroy(other);
}
