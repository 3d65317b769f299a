// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz-race: the vCPUs of one domain fuzz the page-type and grant code
 * on one small pool of frames at the same time.
 *
 * fuzz-state runs one vCPU a domain, so a race between two vCPUs of the
 * same domain (session 37's pin against MMUEXT_CLEAR_PAGE, see
 * attack-pin-type-race) is never tried there. Here 2-4 vCPUs (one a
 * CPU, at most 4) share POOL frames, unmapped from the start-of-day
 * region so they can become tables, and each loops over random actions
 * with a generator of its own:
 *
 *   pin at L1-L4, unpin; mmu_update writing an entry of a pool frame
 *   that names a pool frame (absent, read-only or writable); its window
 *   pages mapped onto pool frames (update_va_mapping), read or written
 *   through; MMUEXT_CLEAR_PAGE and COPY_PAGE; NEW_USER_BASEPTR; set_gdt
 *   and update_descriptor on pool frames; grants of pool frames to the
 *   domain itself (each vCPU writes refs of its own, maps and copies
 *   any vCPU's, whose entry its owner may rewrite meanwhile), mapped at
 *   its grant windows, unmapped and copied to or from pool frames;
 *   decrease_reservation of a pool frame (it leaves the pool) and
 *   increase_reservation to fill an empty slot; multicalls of two to
 *   four of the page-table calls;
 *   bursts, one frame cleared, copied into, or pinned and unpinned 8-32
 *   times running. Half the frames drawn are among the first HOT.
 *
 * The bursts and hot frames are what makes the short windows meet: on
 * the hypervisor before db80d5fe (the walk's child type race) this
 * guest without them passed 6 of 6 runs at --smp 2, with them it
 * panicked the hypervisor in 2 of 9 there (0 of 4 at --smp 3, 0 of 3
 * at 4): a fuzzer, not a proof (docs/testing.md, fuzz-race).
 *
 * Races make the answers nondeterministic, so none is checked against a
 * model; what must hold whatever the interleaving is checked:
 *
 *  1. every answer is 0 or an error Xen gives for these calls (fuzz_answer_ok:
 *     no positive value, no internal code such as -ERESTART or
 *     -(EPT_ENTRY + x)); grant statuses are GNTST_* codes; the
 *     reservation calls answer 0 or 1 extents;
 *  2. no vCPU takes a fault: a window is read or written through only
 *     after its mapping succeeded, and only its own vCPU changes it, so
 *     any trap is the hypervisor's (the library fails the test);
 *  3. at each round's end, all vCPUs at a barrier, vCPU 0 looks at every
 *     window's and grant window's L1 entry: a frame mapped writable must
 *     refuse a pin at every level (one taken would make a table of a
 *     frame the guest can write);
 *  4. then each vCPU drops what it holds (windows, grant maps, its user
 *     base pointer, its GDT) and vCPU 0 unpins every pool frame: each
 *     must then be clearable and mappable writable (no type left).
 *
 * The hypervisor's frame audit runs when the domain ends ("mm audit dN"
 * on Lamina's debug build; the runner fails a test whose audit failed).
 * dom0 runs the rounds, then an unprivileged domU of four vCPUs (as many
 * used as there are CPUs, at least two) runs them on its own frames:
 * that is the attacker that matters. Seeds: `seed=` on the command line
 * (the peer's is seed + 1000), `rounds=` rounds of STEPS actions a vCPU.
 * Grant table v2 and grants across domains: fuzz-grant-race.
 * @hvargs: dom0_max_vcpus=4
 * @initrd: self
 * @cmdline: seed=1 rounds=12
 * @expect-log: mm audit d0: ok
 * @timeout-smp: 300
 */
#define PEER_SMP_VCPUS	4
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/gnt_self.h"
#include "lib/fuzz.h"
#include "lib/peer_smp.h"

#define NV_MAX		4	/* vCPUs at most */
#define POOL		24	/* frames shared by the vCPUs */
#define HOT		4	/* of which the first HOT drawn half the time */
#define WINDOWS		3	/* update_va_mapping windows a vCPU */
#define GWINDOWS	2	/* grant windows a vCPU */
#define GREFS		4	/* grant refs a vCPU */
#define GREF_BASE	64	/* vCPU i's refs: GREF_BASE + i * GREFS ... */
#define SLOTS		4	/* entries written: 0 .. SLOTS - 1 */
#define STEPS		150	/* actions a vCPU a round */
#define MC_MAX		4	/* multicall entries */
#define GHOSTS		64	/* frames given back a round at most */
#define STACK_SIZE	8192

struct vcpu_state {
	uint64_t rng;
	uint64_t win[WINDOWS], gwin[GWINDOWS];
	grant_handle_t gh[GWINDOWS];
	int gref_of[GWINDOWS];		/* the ref mapped at gwin[i], or -1 */
	struct mmu_update mu[MC_MAX];
	struct mmuext_op mx[MC_MAX];
	struct multicall_entry mc[MC_MAX];
	uint64_t gdt_frame[1];
	struct fuzz_tally t;
	volatile bool started;
};

static uint8_t stacks[NV_MAX][STACK_SIZE] __attribute__((aligned(16)));
static struct vcpu_state vs[NV_MAX];
static volatile uint64_t pool[POOL];	/* mfns; 0: given back, not yet replaced */
static volatile uint64_t ghosts[GHOSTS];	/* frames given back this round */
static unsigned int nghosts;
static struct grant_entry_v1 *gt;
static unsigned int nv, rounds;
static bool one_cpu;
static volatile bool stop;
static volatile unsigned int bar_count, bar_gen;
static unsigned long seed;

/* ------------------------------------------------------------ checks */

static void bad(struct vcpu_state *v, const char *what, long rc)
{
	fuzz_bad(&v->t, what, rc);
	stop = true;
}

/* `stats=1`: calls and zero answers by action, printed at the end. */
static struct fuzz_stat stats[32];
static bool want_stats;

static long answer(struct vcpu_state *v, const char *what, long rc)
{
	if (want_stats)
		fuzz_stat_count(stats, ARRAY_SIZE(stats), what, rc);
	if (!fuzz_count(&v->t, what, rc, false))
		stop = true;
	return rc;
}

/* A grant status: GNTST_okay down to GNTST_no_space; -100 the call failed. */
static long gnt_answer(struct vcpu_state *v, const char *what, long st)
{
	if (want_stats)
		fuzz_stat_count(stats, ARRAY_SIZE(stats), what, st);
	if (!fuzz_count(&v->t, what, st, true))
		stop = true;
	return st;
}

/* ------------------------------------------------------------ helpers */

static uint64_t rnd(struct vcpu_state *v)
{
	return fuzz_next(&v->rng);
}

static unsigned int below(struct vcpu_state *v, unsigned int n)
{
	return (unsigned int)(rnd(v) % n);
}

/*
 * A pool frame, or 0 when the slot drawn is empty: half the time one of
 * the first HOT, so that the vCPUs' calls meet on the same frames often.
 */
static uint64_t pick(struct vcpu_state *v)
{
	return pool[below(v, below(v, 2) ? HOT : POOL)];
}

/* An entry naming a pool frame: absent, read-only or writable, or zero. */
static uint64_t pick_entry(struct vcpu_state *v)
{
	static const uint64_t flags[] = { 0, PTE_P | PTE_A, PTE_P | PTE_US | PTE_A,
					  PTE_P | PTE_RW | PTE_US | PTE_A, PTE_DATA };
	uint64_t mfn = pick(v);

	if (!below(v, 8))
		return 0;
	return (mfn << 12) | flags[below(v, ARRAY_SIZE(flags))];
}

static long hc_set_gdt(uint64_t *frames, unsigned long entries)
{
	return hypercall2(__HYPERVISOR_set_gdt, (uint64_t)frames, entries);
}

static void barrier(void)
{
	fuzz_barrier(&bar_count, &bar_gen, nv);
}

/* ------------------------------------------------------------ actions */

static void act_pin(struct vcpu_state *v)
{
	answer(v, "pin", mmuext1(MMUEXT_PIN_L1_TABLE + below(v, 4), pick(v)));
}

static void act_unpin(struct vcpu_state *v)
{
	answer(v, "unpin", mmuext1(MMUEXT_UNPIN_TABLE, pick(v)));
}

static void act_entry(struct vcpu_state *v)
{
	uint64_t ptr = (pick(v) << 12) | (below(v, SLOTS) * 8);

	answer(v, "mmu_update", mmu_update1(ptr, pick_entry(v)));
}

/* A window onto a pool frame (or emptied); read or written through if mapped. */
static void act_window(struct vcpu_state *v)
{
	uint64_t va = v->win[below(v, WINDOWS)], mfn = pick(v), val;
	unsigned int how = below(v, 3);

	val = how == 0 ? 0 : how == 1 ? pte_ro(mfn) : pte_rw(mfn);
	if (answer(v, "update_va_mapping", update_va_mapping(va, val, UVMF_INVLPG)) || !how)
		return;
	if (how == 1)
		(void)*(volatile uint64_t *)va;
	else
		((volatile uint64_t *)va)[below(v, SLOTS)] = pick_entry(v);
}

static void act_clear_copy(struct vcpu_state *v)
{
	struct mmuext_op op = { MMUEXT_COPY_PAGE, 0, { pick(v) }, { pick(v) } };

	if (below(v, 2)) {
		answer(v, "clear_page", mmuext1(MMUEXT_CLEAR_PAGE, pick(v)));
		return;
	}
	answer(v, "copy_page", hypercall5(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0,
					  DOMID_SELF, 0));
}

static void act_baseptr(struct vcpu_state *v)
{
	answer(v, "new_user_baseptr",
	       mmuext1(MMUEXT_NEW_USER_BASEPTR, below(v, 3) ? pick(v) : 0));
}

static void act_gdt(struct vcpu_state *v)
{
	if (below(v, 3)) {
		v->gdt_frame[0] = pick(v);
		answer(v, "set_gdt", hc_set_gdt(v->gdt_frame, 1 + below(v, 512)));
	} else {
		answer(v, "set_gdt 0", hc_set_gdt(NULL, 0));
	}
}

static void act_descriptor(struct vcpu_state *v)
{
	uint64_t ma = (pick(v) << 12) | (below(v, 512) * 8);
	uint64_t d = below(v, 2) ? 0 : rnd(v);

	answer(v, "update_descriptor", hypercall2(__HYPERVISOR_update_descriptor, ma, d));
}

/* Any vCPU's grant ref: maps and copies also take the others'. */
static grant_ref_t gref_any(struct vcpu_state *v)
{
	return GREF_BASE + below(v, nv) * GREFS + below(v, GREFS);
}

/*
 * The vCPU's own grant entries: one rewritten unless its own window maps
 * it. Another vCPU may map it at that moment, or hold it mapped (its
 * in-use flags cleared under it): the hypervisor must cope either way.
 */
static void act_grant_entry(struct vcpu_state *v, unsigned int me)
{
	grant_ref_t ref = GREF_BASE + me * GREFS + below(v, GREFS);
	unsigned int i;

	for (i = 0; i < GWINDOWS; i++)
		if (v->gref_of[i] == (int)ref)
			return;
	__atomic_store_n(&gt[ref].flags, 0, __ATOMIC_RELEASE);
	gt[ref].domid = gnt_self_dom;
	gt[ref].frame = (uint32_t)pick(v);
	__atomic_store_n(&gt[ref].flags, GTF_permit_access | (below(v, 2) ? GTF_readonly : 0),
			 __ATOMIC_RELEASE);
}

static void act_grant_map(struct vcpu_state *v, unsigned int me)
{
	unsigned int i = below(v, GWINDOWS);
	grant_ref_t ref = gref_any(v);
	bool ro = below(v, 2);
	long st;

	if (v->gref_of[i] >= 0) {
		st = gnt_answer(v, "unmap_grant", gnt_unmap(v->gwin[i], 0, v->gh[i]));
		if (!st)
			v->gref_of[i] = -1;
		else
			bad(v, "unmap_grant of a map made", st);
		return;
	}
	st = gnt_answer(v, "map_grant",
			gnt_map(ref, v->gwin[i], GNTMAP_host_map | (ro ? GNTMAP_readonly : 0),
				&v->gh[i]));
	if (st)
		return;
	v->gref_of[i] = (int)ref;
	if (ro)
		(void)*(volatile uint64_t *)v->gwin[i];
	else
		((volatile uint64_t *)v->gwin[i])[below(v, SLOTS)] = pick_entry(v);
}

static void act_grant_copy(struct vcpu_state *v, unsigned int me)
{
	struct gnttab_copy c;
	struct gnttab_copy_ptr g = { { .ref = gref_any(v) },
				     gnt_self_dom, (uint16_t)(below(v, 64) * 8), 0 };
	struct gnttab_copy_ptr f = { { .gmfn = pick(v) }, DOMID_SELF,
				     (uint16_t)(below(v, 64) * 8), 0 };
	bool to_frame = below(v, 2);

	memset(&c, 0, sizeof(c));
	c.source = to_frame ? g : f;
	c.dest = to_frame ? f : g;
	c.flags = to_frame ? GNTCOPY_source_gref : GNTCOPY_dest_gref;
	c.len = (uint16_t)(8 * (1 + below(v, 8)));
	if (gnttab(GNTTABOP_copy, &c, 1)) {
		gnt_answer(v, "grant copy (the call)", -100);
		return;
	}
	gnt_answer(v, "grant copy", c.status);
}

/*
 * A pool frame given back: its slot empty until an increase fills it. On
 * Xen 4.17 as here a frame given back stays pinned (guest_remove_page
 * drops only the allocation reference) and still the domain's while
 * anything holds it, so it is kept in ghosts[] for the round's end to
 * unpin, else the tables it holds keep pool frames typed.
 */
static void act_decrease(struct vcpu_state *v)
{
	unsigned int i = below(v, POOL);
	uint64_t mfn = pool[i], none = 0;
	unsigned int g;
	long rc;

	if (!mfn || !__atomic_compare_exchange_n(&pool[i], &mfn, 0, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED))
		return;
	g = __atomic_fetch_add(&nghosts, 1, __ATOMIC_ACQ_REL);
	rc = 0;
	if (g < GHOSTS) {
		ghosts[g] = mfn;
		rc = fuzz_reservation(XENMEM_decrease_reservation, &mfn);
		v->t.calls++;
		if (rc != 1 && rc != 0)
			bad(v, "decrease_reservation", rc);
	}
	if (rc != 1)		/* still ours: back in its slot unless one filled it */
		__atomic_compare_exchange_n(&pool[i], &none, mfn, false, __ATOMIC_ACQ_REL,
					    __ATOMIC_RELAXED);
}

static void act_increase(struct vcpu_state *v)
{
	unsigned int i = below(v, POOL);
	const char *what;
	long rc;

	if (pool[i])
		return;
	v->t.calls++;
	if ((what = fuzz_fill_slot(&pool[i], &rc)))
		bad(v, what, rc);
}

/* Two to four page-table calls in one multicall. */
static void act_multicall(struct vcpu_state *v)
{
	unsigned int n = 2 + below(v, MC_MAX - 1), i;
	struct multicall_entry *e;
	long rc;

	memset(v->mc, 0, sizeof(v->mc));
	for (i = 0; i < n; i++) {
		e = &v->mc[i];
		switch (below(v, 3)) {
		case 0:
			v->mx[i].cmd = below(v, 3) ? MMUEXT_PIN_L1_TABLE + below(v, 4) :
				       below(v, 2) ? MMUEXT_UNPIN_TABLE : MMUEXT_CLEAR_PAGE;
			v->mx[i].arg1.mfn = pick(v);
			e->op = __HYPERVISOR_mmuext_op;
			e->args[0] = (uint64_t)&v->mx[i];
			break;
		case 1:
			v->mu[i].ptr = (pick(v) << 12) | (below(v, SLOTS) * 8);
			v->mu[i].val = pick_entry(v);
			e->op = __HYPERVISOR_mmu_update;
			e->args[0] = (uint64_t)&v->mu[i];
			break;
		default:
			e->op = __HYPERVISOR_update_va_mapping;
			e->args[0] = v->win[below(v, WINDOWS)];
			e->args[1] = below(v, 2) ? pte_ro(pick(v)) : 0;
			e->args[2] = UVMF_INVLPG;
			continue;
		}
		e->args[1] = 1;
		e->args[2] = 0;
		e->args[3] = DOMID_SELF;
	}
	rc = hypercall2(__HYPERVISOR_multicall, v->mc, n);
	v->t.calls++;
	if (rc)
		bad(v, "multicall", rc);
	for (i = 0; i < n; i++)
		answer(v, "multicall entry", v->mc[i].result);
}

/*
 * One frame hit again and again, as the attack guests do: a type taken
 * and dropped many times running (clears, copies into it, pins undone)
 * makes the short windows of another vCPU's walk far likelier to meet it.
 */
static void act_burst(struct vcpu_state *v)
{
	unsigned int n = 8 + below(v, 25), lvl = below(v, 4), how = below(v, 3), i;
	struct mmuext_op op = { MMUEXT_COPY_PAGE, 0, { pick(v) }, { pick(v) } };
	uint64_t mfn = pick(v);

	for (i = 0; i < n; i++) {
		if (how == 0) {
			answer(v, "clear_page (burst)", mmuext1(MMUEXT_CLEAR_PAGE, mfn));
		} else if (how == 1) {
			answer(v, "copy_page (burst)", hypercall5(__HYPERVISOR_mmuext_op,
								  (uint64_t)&op, 1, 0, DOMID_SELF, 0));
		} else if (!answer(v, "pin (burst)", mmuext1(MMUEXT_PIN_L1_TABLE + lvl, mfn))) {
			answer(v, "unpin (burst)", mmuext1(MMUEXT_UNPIN_TABLE, mfn));
		}
	}
}

static void step(struct vcpu_state *v, unsigned int me)
{
	unsigned int r = below(v, 108);

	if (r >= 100)
		act_burst(v);
	else if (r < 14)
		act_pin(v);
	else if (r < 24)
		act_unpin(v);
	else if (r < 40)
		act_entry(v);
	else if (r < 52)
		act_window(v);
	else if (r < 60)
		act_clear_copy(v);
	else if (r < 63)
		act_baseptr(v);
	else if (r < 66)
		act_gdt(v);
	else if (r < 69)
		act_descriptor(v);
	else if (r < 75)
		act_grant_entry(v, me);
	else if (r < 83)
		act_grant_map(v, me);
	else if (r < 87)
		act_grant_copy(v, me);
	else if (r < 89)
		act_decrease(v);
	else if (r < 92)
		act_increase(v);
	else
		act_multicall(v);
}

/* ------------------------------------------------------------ quiescent points */

static char why[VERDICT_LEN];

/* The pool's frame, or one given back this round: ours to pin and unpin. */
static bool ours(uint64_t mfn)
{
	unsigned int i;

	for (i = 0; i < POOL; i++)
		if (pool[i] == mfn)
			return true;
	for (i = 0; i < nghosts && i < GHOSTS; i++)
		if (ghosts[i] == mfn)
			return true;
	return false;
}

/* The level (1-4) at which mfn took a pin now, or 0 when every level refused. */
static unsigned int pins_now(uint64_t mfn)
{
	unsigned int lvl;
	long rc;

	for (lvl = 0; lvl < 4; lvl++) {
		rc = mmuext1(MMUEXT_PIN_L1_TABLE + lvl, mfn);
		answer(&vs[0], "pin (quiescent)", rc);
		if (!rc)
			return lvl + 1;
	}
	return 0;
}

/* Invariant 3 for the windows: a frame one maps writable refuses a pin at every level. */
static const char *check_windows(void)
{
	unsigned int i, w, lvl;
	uint64_t e, va;

	for (i = 0; i < nv; i++)
		for (w = 0; w < WINDOWS + GWINDOWS; w++) {
			va = w < WINDOWS ? vs[i].win[w] : vs[i].gwin[w - WINDOWS];
			e = l1e_of(va);
			if ((e & (PTE_P | PTE_RW)) != (PTE_P | PTE_RW))
				continue;
			lvl = pins_now((e & PTE_ADDR) >> 12);
			if (lvl)
				mmuext1(MMUEXT_UNPIN_TABLE, (e & PTE_ADDR) >> 12);
			BODY_CHECK(!lvl, "vCPU %u's window %u maps %#lx writable, yet it pinned as an L%u",
				   i, w, (unsigned long)(e >> 12), lvl);
		}
	return NULL;
}

/*
 * Invariant 3 for the pool's own entries: where pool frame p has a
 * writable entry naming x, x is pinned as a table if it will be (x stays
 * pinned; drop_pool unpins it), and then p must refuse a pin as an L1:
 * an untyped p fails validation on that entry, so a pin going through
 * finds p an L1 already, one that maps a table writable.
 */
static const char *check_pool_entries(void)
{
	uint64_t va = vs[0].win[0], p, x, e;
	unsigned int i, k;
	long rc;

	for (i = 0; i < POOL; i++) {
		if (!(p = pool[i]) || update_va_mapping(va, pte_ro(p), UVMF_INVLPG))
			continue;
		for (k = 0; k < 512; k++) {
			e = ((volatile uint64_t *)va)[k];
			x = (e & PTE_ADDR) >> 12;
			if ((e & (PTE_P | PTE_RW)) != (PTE_P | PTE_RW) || x == p || !ours(x))
				continue;
			/* x pinned now, or pinned already (unpinned and pinned again) */
			if (!pins_now(x) && (mmuext1(MMUEXT_UNPIN_TABLE, x) || !pins_now(x)))
				continue;
			rc = mmuext1(MMUEXT_PIN_L1_TABLE, p);
			if (rc == 0)
				mmuext1(MMUEXT_UNPIN_TABLE, p);
			BODY_CHECK(rc != 0, "pool frame %#lx is an L1 whose entry %u maps the table "
				   "%#lx writable", (unsigned long)p, k, (unsigned long)x);
		}
	}
	BODY_CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "emptying window 0 failed");
	return NULL;
}

static const char *check_writable(void)
{
	const char *fail = check_windows();

	return fail ? fail : check_pool_entries();
}

/* Invariant 4, a vCPU's part: what it holds dropped, each answer 0. */
static void drop_own(struct vcpu_state *v, unsigned int me)
{
	unsigned int i;
	long rc;

	for (i = 0; i < WINDOWS; i++)
		if ((rc = update_va_mapping(v->win[i], 0, UVMF_INVLPG)))
			bad(v, "emptying a window", rc);
	for (i = 0; i < GWINDOWS; i++)
		if (v->gref_of[i] >= 0) {
			if ((rc = gnt_unmap(v->gwin[i], 0, v->gh[i])))
				bad(v, "unmapping a grant at the end", rc);
			v->gref_of[i] = -1;
		}
	for (i = 0; i < GREFS; i++)
		__atomic_store_n(&gt[GREF_BASE + me * GREFS + i].flags, 0, __ATOMIC_RELEASE);
	if ((rc = mmuext1(MMUEXT_NEW_USER_BASEPTR, 0)))
		bad(v, "user base pointer 0", rc);
	if ((rc = hc_set_gdt(NULL, 0)))
		bad(v, "set_gdt 0 at the end", rc);
}

/* Invariant 4, vCPU 0's part: every pool frame unpinned, then untyped. */
static const char *drop_pool(void)
{
	uint64_t va = vs[0].win[0];
	unsigned int i;
	long rc;

	for (i = 0; i < POOL; i++)
		if (pool[i])
			answer(&vs[0], "unpin at the end", mmuext1(MMUEXT_UNPIN_TABLE, pool[i]));
	for (i = 0; i < nghosts && i < GHOSTS; i++)
		answer(&vs[0], "unpin of one given back", mmuext1(MMUEXT_UNPIN_TABLE, ghosts[i]));
	nghosts = 0;
	for (i = 0; i < POOL; i++) {
		if (!pool[i])
			continue;
		rc = update_va_mapping(va, pte_rw(pool[i]), UVMF_INVLPG);
		BODY_CHECK(rc == 0, "pool frame %#lx, all dropped, not mappable writable (%ld)",
			   (unsigned long)pool[i], rc);
		rc = update_va_mapping(va, 0, UVMF_INVLPG);
		BODY_CHECK(rc == 0, "emptying window 0 gave %ld", rc);
		rc = mmuext1(MMUEXT_CLEAR_PAGE, pool[i]);
		BODY_CHECK(rc == 0, "pool frame %#lx, all dropped, not clearable (%ld)",
			   (unsigned long)pool[i], rc);
	}
	return NULL;
}

static const char *vcpu_rounds(unsigned int me)
{
	struct vcpu_state *v = &vs[me];
	const char *fail = NULL;
	unsigned int r, s;

	for (r = 0; r < rounds; r++) {
		barrier();
		for (s = 0; s < STEPS && !stop; s++)
			step(v, me);
		barrier();
		if (me == 0 && !fail && (fail = check_writable()))
			stop = true;
		barrier();
		drop_own(v, me);
		barrier();
		if (me == 0 && !fail && (fail = drop_pool()))
			stop = true;
	}
	barrier();
	return fail;
}

static void vcpu_entry(unsigned long id)
{
	vs[id].started = true;
	vcpu_rounds((unsigned int)id);
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

/* ------------------------------------------------------------ setup */

static unsigned int cpus_of(struct start_info *si)
{
	struct sysctl pi;

	if (!(si->flags & SIF_INITDOMAIN))
		return (unsigned int)cmdline_number((const char *)si->cmd_line, "cpus=", 1);
	return physinfo(&pi) == 0 ? pi.u.physinfo.nr_cpus : 1;
}

/* The pool, the windows (emptied) and the grant table. */
static const char *setup(struct start_info *si)
{
	unsigned int i, w;
	uint64_t va;

	BODY_CHECK(gnt_self_dom_init(si) == 0, "no domain id of our own");
	gt = gnt_self_table();
	BODY_CHECK(gt, "no grant table");
	for (i = 0; i < POOL; i++) {
		va = scratch_page();
		pool[i] = va_to_mfn(va);
		BODY_CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping a pool page failed");
	}
	for (i = 0; i < nv; i++) {
		vs[i].rng = (seed + 1) * 0x9e3779b97f4a7c15ULL + i * 0x5851f42d4c957f2dULL + 1;
		for (w = 0; w < WINDOWS + GWINDOWS; w++) {
			va = scratch_page();
			BODY_CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "emptying a window failed");
			if (w < WINDOWS)
				vs[i].win[w] = va;
			else
				vs[i].gwin[w - WINDOWS] = va;
		}
		for (w = 0; w < GWINDOWS; w++)
			vs[i].gref_of[w] = -1;
	}
	return NULL;
}

static const char *body(struct start_info *si, bool one)
{
	unsigned int cpus = cpus_of(si), i;
	unsigned long calls = 0, zero = 0;
	const char *fail;
	long rc;

	one_cpu = one;
	nv = cpus < 2 ? 2 : cpus > NV_MAX ? NV_MAX : cpus;
	seed = cmdline_number((const char *)si->cmd_line, "seed=", 1);
	rounds = (unsigned int)cmdline_number((const char *)si->cmd_line, "rounds=", 12);
	want_stats = cmdline_number((const char *)si->cmd_line, "stats=", 0);
	if ((fail = setup(si)))
		return fail;
	for (i = 1; i < nv; i++) {
		rc = smp_start_vcpu(si, i, vcpu_entry, stacks[i], STACK_SIZE);
		BODY_CHECK(rc == 0, "starting vCPU %u gave %ld", i, rc);
		while (!vs[i].started)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		BODY_CHECK(one || !(si->flags & SIF_INITDOMAIN) || smp_pin_vcpu(i, i % cpus) == 0,
			   "pinning vCPU %u failed", i);
	}
	BODY_CHECK(one || !(si->flags & SIF_INITDOMAIN) || smp_pin_vcpu(0, 0) == 0,
		   "pinning vCPU 0 failed");
	fail = vcpu_rounds(0);
	for (i = 0; i < nv; i++) {
		calls += vs[i].t.calls;
		zero += vs[i].t.zero;
		BODY_CHECK(!vs[i].t.bad_what, "seed=%lu vCPU %u call %lu (%s) answered %ld", seed, i,
			   vs[i].t.bad_call, vs[i].t.bad_what, vs[i].t.bad_rc);
	}
	if (fail)
		return fail;
	if (want_stats)
		fuzz_stats_print("fuzz-race", stats, ARRAY_SIZE(stats));
	printf("fuzz-race: seed=%lu, %u vCPUs, %u rounds of %u steps: %lu calls (%lu of the checked answered 0), invariants held\n",
	       seed, nv, rounds, STEPS, calls, zero);
	return NULL;
}

int test_main(struct start_info *si)
{
	static char args[40];

	snprintf(args, sizeof(args), "seed=%lu rounds=%lu",
		 cmdline_number((const char *)si->cmd_line, "seed=", 1) + 1000,
		 cmdline_number((const char *)si->cmd_line, "rounds=", 12));
	peer_smp_args = args;
	return verdict_test_smp(si, body);
}
