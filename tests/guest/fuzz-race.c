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
 *  1. every answer is 0 or one of the errors (grant statuses) Xen 4.17
 *     can give that call for the arguments drawn: a set for each call
 *     (E_TABLE, E_MAP, G_MAP ... below, each error with the Xen function
 *     that returns it), so no positive value, no internal code such as
 *     -ERESTART and no error of another call; a wrong one fails the test
 *     with the call, its arguments and the answer; the reservation calls
 *     answer 0 or 1 extents;
 *  2. no vCPU takes a fault: a window is read or written through only
 *     after its mapping succeeded, and only its own vCPU changes it, so
 *     any trap is the hypervisor's (the library fails the test);
 *  3. at each round's end, all vCPUs at a barrier, vCPU 0 looks at every
 *     window's and grant window's L1 entry: a frame mapped writable must
 *     refuse a pin at every level (one taken would make a table of a
 *     frame the guest can write);
 *  4. then each vCPU drops what it holds (windows, grant maps, its user
 *     base pointer, its GDT) and vCPU 0 unpins every pool frame: each
 *     must then be clearable and mappable writable (no type left);
 *  5. every call returns: no 30 s pass without an answer to any vCPU
 *     while one waits at a barrier (or, with a spare vCPU, at all;
 *     lib/fuzz.h's watchdog), else the test fails naming the vCPUs that
 *     did not come and what each was doing (`hang=` stops one on
 *     purpose, docs/testing.md).
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
	struct fuzz_vcpu f;		/* generator, tally, the run */
	uint64_t win[WINDOWS], gwin[GWINDOWS];
	grant_handle_t gh[GWINDOWS];
	int gref_of[GWINDOWS];		/* the ref mapped at gwin[i], or -1 */
	struct mmu_update mu[MC_MAX];
	struct mmuext_op mx[MC_MAX];
	struct multicall_entry mc[MC_MAX];
	uint64_t gdt_frame[1];
};

static uint8_t stacks[NV_MAX][STACK_SIZE] __attribute__((aligned(16)));
static struct vcpu_state vs[NV_MAX];
static volatile uint64_t pool[POOL];	/* mfns; 0: given back, not yet replaced */
static volatile uint64_t ghosts[GHOSTS];	/* frames given back this round */
static unsigned int nghosts;
static struct grant_entry_v1 *gt;
static unsigned int nv, rounds;
static volatile uint32_t stop;
static volatile unsigned int bar_count, bar_gen;
static unsigned long seed;

/* ------------------------------------------------------------ answers */

/*
 * The answers each call may give besides 0 on Xen 4.17 for what this
 * guest passes (xen/arch/x86/mm.c unless said otherwise):
 *
 * E_TABLE, a frame made a page table (pin, new_user_baseptr, an L2-L4
 *   entry written by mmu_update) or a writable mapping taken (an L1
 *   entry written by mmu_update), where validation may walk any pool
 *   frame as a table (a pool frame holds
 *   entries naming pool frames, 0 for an empty slot, and words
 *   update_descriptor wrote): -EINVAL from get_page_from_gfn (not ours),
 *   _get_page_type (typed otherwise, already pinned) and
 *   get_page_from_l1e (a flag l1_disallow_mask refuses); -EBUSY from
 *   get_page_from_l1e's could_not_pin (a frame not ours any more, or a
 *   writable mapping of a typed one); -EPERM from get_page_from_l1e
 *   (I/O space the domain may not map: mfn 0, a random word);
 *   -EACCES from get_page_from_l1e (cache attributes on a Xen page).
 *   -EINTR/-ERESTART become continuations, never answers.
 *   mod_l3_entry/mod_l4_entry's -EFAULT and the -EBUSY of mod_l1/l2_entry
 *   for a failed UPDATE_ENTRY cannot come: update_intpte (pv/mm.h) always
 *   succeeds for a PV guest.
 * E_MAP, update_va_mapping of a window onto a pool frame (pte_ro/pte_rw,
 *   cacheable): -EBUSY and -EPERM from get_page_from_l1e as above; the
 *   window's own L1 is always there, so no -EINVAL.
 * E_FRAME, unpin, clear_page, copy_page, set_gdt of a frame,
 *   update_descriptor: -EINVAL only (do_mmuext_op's MMUEXT_UNPIN_TABLE,
 *   _CLEAR_PAGE, _COPY_PAGE; pv/descriptor-tables.c's pv_set_gdt and
 *   do_update_descriptor: a frame not ours or not typed as asked).
 * G_MAP, map_grant_ref of our own v1 entry (grant_table.c): general_error
 *   (entry not granted to us, or read-only for a writable map),
 *   bad_page (get_paged_frame: the frame not ours any more, or 0),
 *   no_space (get_maptrack_handle could not grow the maptrack).
 * G_COPY, GNTTABOP_copy: general_error (acquire_grant_for_copy and
 *   gnttab_copy_claim_buf as above), bad_page (get_paged_frame).
 */
#define E_TABLE		(FZ(EINVAL) | FZ(EBUSY) | FZ(EPERM) | FZ(EACCES))
#define E_MAP		(FZ(EBUSY) | FZ(EPERM))
#define E_FRAME		FZ(EINVAL)
#define G_MAP		(GS(GNTST_general_error) | GS(GNTST_bad_page) | GS(GNTST_no_space))
#define G_COPY		(GS(GNTST_general_error) | GS(GNTST_bad_page))

/* `stats=1`: calls and zero answers by action, printed at the end. */
static struct fuzz_stat stats[32];
static struct fuzz_run run = { .stop = &stop, .table = stats, .nstats = ARRAY_SIZE(stats),
				.name = "fuzz-race" };

/* ------------------------------------------------------------ helpers */

/*
 * A pool frame, or 0 when the slot drawn is empty: half the time one of
 * the first HOT, so that the vCPUs' calls meet on the same frames often.
 */
static uint64_t pick(struct vcpu_state *v)
{
	return pool[fuzz_below(&v->f, fuzz_below(&v->f, 2) ? HOT : POOL)];
}

/* An entry naming a pool frame: absent, read-only or writable, or zero. */
static uint64_t pick_entry(struct vcpu_state *v)
{
	static const uint64_t flags[] = { 0, PTE_P | PTE_A, PTE_P | PTE_US | PTE_A,
					  PTE_P | PTE_RW | PTE_US | PTE_A, PTE_DATA };
	uint64_t mfn = pick(v);

	if (!fuzz_below(&v->f, 8))
		return 0;
	return (mfn << 12) | flags[fuzz_below(&v->f, ARRAY_SIZE(flags))];
}

static long mmuext_n(struct mmuext_op *op, unsigned int n)
{
	return hypercall5(__HYPERVISOR_mmuext_op, (uint64_t)op, n, 0, DOMID_SELF, 0);
}

static long hc_set_gdt(uint64_t *frames, unsigned long entries)
{
	return hypercall2(__HYPERVISOR_set_gdt, (uint64_t)frames, entries);
}

static const char *barrier(struct vcpu_state *v)
{
	return fuzz_barrier(&v->f, &bar_count, &bar_gen, nv);
}

/* ------------------------------------------------------------ actions */

static void act_pin(struct vcpu_state *v)
{
	uint64_t mfn = pick(v);
	unsigned int lvl = fuzz_below(&v->f, 4);

	fuzz_answer(&v->f, "pin", mmuext1(MMUEXT_PIN_L1_TABLE + lvl, mfn), E_TABLE,
		    "L%u, mfn %#lx", lvl + 1, (unsigned long)mfn);
}

static void act_unpin(struct vcpu_state *v)
{
	uint64_t mfn = pick(v);

	fuzz_answer(&v->f, "unpin", mmuext1(MMUEXT_UNPIN_TABLE, mfn), E_FRAME, "mfn %#lx",
		    (unsigned long)mfn);
}

static void act_entry(struct vcpu_state *v)
{
	uint64_t ptr = (pick(v) << 12) | (fuzz_below(&v->f, SLOTS) * 8), val = pick_entry(v);

	fuzz_answer(&v->f, "mmu_update", mmu_update1(ptr, val), E_TABLE, "ptr %#lx, val %#lx",
		    (unsigned long)ptr, (unsigned long)val);
}

/* A window onto a pool frame (or emptied); read or written through if mapped. */
static void act_window(struct vcpu_state *v)
{
	uint64_t va = v->win[fuzz_below(&v->f, WINDOWS)], mfn = pick(v);

	if (fuzz_window(&v->f, va, mfn, fuzz_below(&v->f, 3), E_MAP))
		((volatile uint64_t *)va)[fuzz_below(&v->f, SLOTS)] = pick_entry(v);
}

static void act_clear_copy(struct vcpu_state *v)
{
	struct mmuext_op op = { MMUEXT_COPY_PAGE, 0, { pick(v) }, { pick(v) } };

	uint64_t mfn;

	if (fuzz_below(&v->f, 2)) {
		mfn = pick(v);
		fuzz_answer(&v->f, "clear_page", mmuext1(MMUEXT_CLEAR_PAGE, mfn), E_FRAME, "mfn %#lx",
			    (unsigned long)mfn);
		return;
	}
	fuzz_answer(&v->f, "copy_page", mmuext_n(&op, 1), E_FRAME, "mfn %#lx to mfn %#lx",
		    (unsigned long)op.arg2.src_mfn, (unsigned long)op.arg1.mfn);
}

static void act_baseptr(struct vcpu_state *v)
{
	uint64_t mfn = fuzz_below(&v->f, 3) ? pick(v) : 0;

	fuzz_answer(&v->f, "new_user_baseptr", mmuext1(MMUEXT_NEW_USER_BASEPTR, mfn), E_TABLE,
		    "mfn %#lx", (unsigned long)mfn);
}

/* set_gdt of a pool frame (E_FRAME), or of none: always 0 (pv_set_gdt of 0 frames). */
static void act_gdt(struct vcpu_state *v)
{
	unsigned long n;

	if (fuzz_below(&v->f, 3)) {
		v->gdt_frame[0] = pick(v);
		n = 1 + fuzz_below(&v->f, 512);
		fuzz_answer(&v->f, "set_gdt", hc_set_gdt(v->gdt_frame, n), E_FRAME,
			    "mfn %#lx, %lu entries", (unsigned long)v->gdt_frame[0], n);
	} else {
		fuzz_answer(&v->f, "set_gdt 0", hc_set_gdt(NULL, 0), 0, "none");
	}
}

static void act_descriptor(struct vcpu_state *v)
{
	uint64_t ma = (pick(v) << 12) | (fuzz_below(&v->f, 512) * 8);
	uint64_t d = fuzz_below(&v->f, 2) ? 0 : fuzz_rnd(&v->f);

	fuzz_answer(&v->f, "update_descriptor", hypercall2(__HYPERVISOR_update_descriptor, ma, d),
		    E_FRAME, "ma %#lx, %#lx", (unsigned long)ma, (unsigned long)d);
}

/* Any vCPU's grant ref: maps and copies also take the others'. */
static grant_ref_t gref_any(struct vcpu_state *v)
{
	return GREF_BASE + fuzz_below(&v->f, nv) * GREFS + fuzz_below(&v->f, GREFS);
}

/*
 * The vCPU's own grant entries: one rewritten unless its own window maps
 * it. Another vCPU may map it at that moment, or hold it mapped (its
 * in-use flags cleared under it): the hypervisor must cope either way.
 */
static void act_grant_entry(struct vcpu_state *v, unsigned int me)
{
	grant_ref_t ref = GREF_BASE + me * GREFS + fuzz_below(&v->f, GREFS);
	unsigned int i;

	for (i = 0; i < GWINDOWS; i++)
		if (v->gref_of[i] == (int)ref)
			return;
	__atomic_store_n(&gt[ref].flags, 0, __ATOMIC_RELEASE);
	gt[ref].domid = gnt_self_dom;
	gt[ref].frame = (uint32_t)pick(v);
	__atomic_store_n(&gt[ref].flags, GTF_permit_access | (fuzz_below(&v->f, 2) ? GTF_readonly : 0),
			 __ATOMIC_RELEASE);
}

static void act_grant_map(struct vcpu_state *v, unsigned int me)
{
	unsigned int i = fuzz_below(&v->f, GWINDOWS);
	grant_ref_t ref = gref_any(v);
	bool ro = fuzz_below(&v->f, 2);
	long st;

	if (v->gref_of[i] >= 0) {	/* a map made: unmap_common's only answer is okay */
		if (!fuzz_answer(&v->f, "unmap_grant of a map made",
				 gnt_unmap(v->gwin[i], 0, v->gh[i]), 0, "ref %d, handle %u",
				 v->gref_of[i], v->gh[i]))
			v->gref_of[i] = -1;
		return;
	}
	st = fuzz_answer(&v->f, "map_grant",
			 gnt_map(ref, v->gwin[i], GNTMAP_host_map | (ro ? GNTMAP_readonly : 0),
				 &v->gh[i]), G_MAP, "ref %u, %s", ref, ro ? "read-only" : "writable");
	if (st)
		return;
	v->gref_of[i] = (int)ref;
	if (ro)
		(void)*(volatile uint64_t *)v->gwin[i];
	else
		((volatile uint64_t *)v->gwin[i])[fuzz_below(&v->f, SLOTS)] = pick_entry(v);
}

static void act_grant_copy(struct vcpu_state *v, unsigned int me)
{
	struct gnttab_copy c;
	struct gnttab_copy_ptr g = { { .ref = gref_any(v) },
				     gnt_self_dom, (uint16_t)(fuzz_below(&v->f, 64) * 8), 0 };
	struct gnttab_copy_ptr f = { { .gmfn = pick(v) }, DOMID_SELF,
				     (uint16_t)(fuzz_below(&v->f, 64) * 8), 0 };
	bool to_frame = fuzz_below(&v->f, 2);

	memset(&c, 0, sizeof(c));
	c.source = to_frame ? g : f;
	c.dest = to_frame ? f : g;
	c.flags = to_frame ? GNTCOPY_source_gref : GNTCOPY_dest_gref;
	c.len = (uint16_t)(8 * (1 + fuzz_below(&v->f, 8)));
	/* the call answers 0 (gnttab_copy: -EFAULT only for a buffer it cannot read) */
	if (fuzz_answer(&v->f, "grant copy (the call)", gnttab(GNTTABOP_copy, &c, 1), 0, "one op"))
		return;
	fuzz_answer(&v->f, "grant copy", c.status, G_COPY, "%s ref %u, mfn %#lx, offsets %u/%u, len %u",
		    to_frame ? "from" : "to", g.u.ref, (unsigned long)f.u.gmfn, c.source.offset,
		    c.dest.offset, c.len);
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
	unsigned int i = fuzz_below(&v->f, POOL), g;
	uint64_t mfn;

	if (!fuzz_take(&pool[i], &mfn))
		return;
	g = __atomic_fetch_add(&nghosts, 1, __ATOMIC_ACQ_REL);
	if (g < GHOSTS)
		ghosts[g] = mfn;
	if (g >= GHOSTS || fuzz_give_back(&v->f, mfn) != 1)
		fuzz_put_back(&pool[i], mfn);
}

static void act_increase(struct vcpu_state *v)
{
	fuzz_fill(&v->f, &pool[fuzz_below(&v->f, POOL)]);
}

/* Two to four page-table calls in one multicall. */
static void act_multicall(struct vcpu_state *v)
{
	unsigned int n = 2 + fuzz_below(&v->f, MC_MAX - 1), i;
	struct multicall_entry *e;
	fuzz_set ok[MC_MAX];
	uint64_t a[MC_MAX], b[MC_MAX];	/* for the message: cmd and mfn, ptr and val, va and val */

	memset(v->mc, 0, sizeof(v->mc));
	for (i = 0; i < n; i++) {
		e = &v->mc[i];
		switch (fuzz_below(&v->f, 3)) {
		case 0:
			v->mx[i].cmd = fuzz_below(&v->f, 3) ? MMUEXT_PIN_L1_TABLE + fuzz_below(&v->f, 4) :
				       fuzz_below(&v->f, 2) ? MMUEXT_UNPIN_TABLE : MMUEXT_CLEAR_PAGE;
			v->mx[i].arg1.mfn = pick(v);
			e->op = __HYPERVISOR_mmuext_op;
			e->args[0] = (uint64_t)&v->mx[i];
			ok[i] = v->mx[i].cmd <= MMUEXT_PIN_L4_TABLE ? E_TABLE : E_FRAME;
			a[i] = v->mx[i].cmd;
			b[i] = v->mx[i].arg1.mfn;
			break;
		case 1:
			v->mu[i].ptr = (pick(v) << 12) | (fuzz_below(&v->f, SLOTS) * 8);
			v->mu[i].val = pick_entry(v);
			e->op = __HYPERVISOR_mmu_update;
			e->args[0] = (uint64_t)&v->mu[i];
			ok[i] = E_TABLE;
			a[i] = v->mu[i].ptr;
			b[i] = v->mu[i].val;
			break;
		default:
			e->op = __HYPERVISOR_update_va_mapping;
			e->args[0] = v->win[fuzz_below(&v->f, WINDOWS)];
			e->args[1] = fuzz_below(&v->f, 2) ? pte_ro(pick(v)) : 0;
			e->args[2] = UVMF_INVLPG;
			ok[i] = E_MAP;
			a[i] = e->args[0];
			b[i] = e->args[1];
			continue;
		}
		e->args[1] = 1;
		e->args[2] = 0;
		e->args[3] = DOMID_SELF;
	}
	/* the multicall itself answers 0 (multicall.c: -EFAULT only for an unreadable list) */
	if (fuzz_answer(&v->f, "multicall", hypercall2(__HYPERVISOR_multicall, v->mc, n), 0,
			"%u entries", n))
		return;
	for (i = 0; i < n; i++)
		fuzz_answer(&v->f, "multicall entry", (long)v->mc[i].result, ok[i],
			    "%u of %u: hypercall %lu (%#lx, %#lx)", i, n, (unsigned long)v->mc[i].op,
			    (unsigned long)a[i], (unsigned long)b[i]);
}

/*
 * One frame hit again and again, as the attack guests do: a type taken
 * and dropped many times running (clears, copies into it, pins undone)
 * makes the short windows of another vCPU's walk far likelier to meet it.
 */
static void act_burst(struct vcpu_state *v)
{
	unsigned int n = 8 + fuzz_below(&v->f, 25), lvl = fuzz_below(&v->f, 4), i;
	unsigned int how = fuzz_below(&v->f, 3);
	struct mmuext_op op = { MMUEXT_COPY_PAGE, 0, { pick(v) }, { pick(v) } };
	uint64_t mfn = pick(v);

	for (i = 0; i < n; i++) {
		if (how == 0) {
			fuzz_answer(&v->f, "clear_page (burst)", mmuext1(MMUEXT_CLEAR_PAGE, mfn), E_FRAME,
				    "mfn %#lx", (unsigned long)mfn);
		} else if (how == 1) {
			fuzz_answer(&v->f, "copy_page (burst)", mmuext_n(&op, 1), E_FRAME,
				    "mfn %#lx to mfn %#lx", (unsigned long)op.arg2.src_mfn,
				    (unsigned long)op.arg1.mfn);
		} else if (!fuzz_answer(&v->f, "pin (burst)", mmuext1(MMUEXT_PIN_L1_TABLE + lvl, mfn),
					E_TABLE, "L%u, mfn %#lx", lvl + 1, (unsigned long)mfn)) {
			/* -EINVAL: another vCPU unpinned it meanwhile */
			fuzz_answer(&v->f, "unpin (burst)", mmuext1(MMUEXT_UNPIN_TABLE, mfn), E_FRAME,
				    "mfn %#lx", (unsigned long)mfn);
		}
	}
}

/* One action, drawn by its share of 108 (below[]), named for the watchdog. */
static void step(struct vcpu_state *v, unsigned int me)
{
	static const unsigned int below[] = { 14, 24, 40, 52, 60, 63, 66, 69, 75, 83, 87, 89, 92,
					      100, 108 };
	static const char *const name[] = {
		"pin", "unpin", "mmu_update", "a window", "clear or copy", "new_user_baseptr",
		"set_gdt", "update_descriptor", "a grant entry", "a grant map", "a grant copy",
		"decrease_reservation", "increase_reservation", "a multicall", "a burst",
	};
	unsigned int r = fuzz_below(&v->f, 108), a = 0;

	while (r >= below[a])
		a++;
	fuzz_doing(&v->f, name[a]);
	switch (a) {
	case 0: act_pin(v); break;
	case 1: act_unpin(v); break;
	case 2: act_entry(v); break;
	case 3: act_window(v); break;
	case 4: act_clear_copy(v); break;
	case 5: act_baseptr(v); break;
	case 6: act_gdt(v); break;
	case 7: act_descriptor(v); break;
	case 8: act_grant_entry(v, me); break;
	case 9: act_grant_map(v, me); break;
	case 10: act_grant_copy(v, me); break;
	case 11: act_decrease(v); break;
	case 12: act_increase(v); break;
	case 13: act_multicall(v); break;
	default: act_burst(v); break;
	}
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


/* The level (1-4) at which mfn took a pin now (kept), or 0 when every level refused. */
static unsigned int pins_now(uint64_t mfn)
{
	return fuzz_pins_now(&vs[0].f, mfn, E_TABLE, false);
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
			fuzz_fail(&v->f, "emptying a window", rc, "va %#lx", (unsigned long)v->win[i]);
	for (i = 0; i < GWINDOWS; i++)
		if (v->gref_of[i] >= 0) {
			if ((rc = gnt_unmap(v->gwin[i], 0, v->gh[i])))
				fuzz_fail(&v->f, "unmapping a grant at the end", rc, "ref %d",
					  v->gref_of[i]);
			v->gref_of[i] = -1;
		}
	for (i = 0; i < GREFS; i++)
		__atomic_store_n(&gt[GREF_BASE + me * GREFS + i].flags, 0, __ATOMIC_RELEASE);
	if ((rc = mmuext1(MMUEXT_NEW_USER_BASEPTR, 0)))
		fuzz_fail(&v->f, "user base pointer 0", rc, "none");
	if ((rc = hc_set_gdt(NULL, 0)))
		fuzz_fail(&v->f, "set_gdt 0 at the end", rc, "none");
}

/* Invariant 4, vCPU 0's part: every pool frame unpinned, then untyped. */
static const char *drop_pool(void)
{
	uint64_t va = vs[0].win[0];
	unsigned int i;
	long rc;

	for (i = 0; i < POOL; i++)
		if (pool[i])
			fuzz_answer(&vs[0].f, "unpin at the end", mmuext1(MMUEXT_UNPIN_TABLE, pool[i]),
				    E_FRAME, "mfn %#lx", (unsigned long)pool[i]);
	for (i = 0; i < nghosts && i < GHOSTS; i++)
		fuzz_answer(&vs[0].f, "unpin of one given back", mmuext1(MMUEXT_UNPIN_TABLE, ghosts[i]),
			    E_FRAME, "mfn %#lx", (unsigned long)ghosts[i]);
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

/* The rounds of vCPU me: NULL, or why they failed (a check's, or a stall's: the barrier's). */
static const char *vcpu_rounds(unsigned int me)
{
	struct vcpu_state *v = &vs[me];
	const char *fail = NULL, *err;
	unsigned int r, s;

#define MEET()	do { if ((err = barrier(v))) return fail ? fail : err; } while (0)
	for (r = 0; r < rounds; r++) {
		v->f.at->round = r;
		v->f.at->step = 0;
		fuzz_doing(&v->f, "the round's start");
		MEET();
		for (s = 0; s < STEPS && !stop; s++, v->f.at->step++)
			step(v, me);
		MEET();
		fuzz_doing(&v->f, "check_writable");
		if (me == 0 && !fail && (fail = check_writable()))
			stop = 1;
		MEET();
		fuzz_doing(&v->f, "drop_own");
		drop_own(v, me);
		MEET();
		fuzz_doing(&v->f, "drop_pool");
		if (me == 0 && !fail && (fail = drop_pool()))
			stop = 1;
	}
	MEET();
#undef MEET
	return fail;
}

static void vcpu_entry(unsigned long id)
{
	fuzz_vcpu_started(&vs[id].f);
	vcpu_rounds((unsigned int)id);
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

/* ------------------------------------------------------------ setup */

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
		fuzz_vcpu_init(&vs[i].f, &run, seed, i);
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
	unsigned int cpus = fuzz_cpus(si);
	const char *fail;

	fuzz_args(&run, si, cpus, NV_MAX, 12);
	nv = run.nv;
	seed = run.seed;
	rounds = run.rounds;
	if ((fail = setup(si)))
		return fail;
	if ((fail = fuzz_start_vcpus(si, &vs[0].f, sizeof(vs[0]), nv, cpus,
				     !one && (si->flags & SIF_INITDOMAIN), vcpu_entry, &stacks[0][0],
				     STACK_SIZE, why, sizeof(why))))
		return fail;
	fuzz_watch_on(si, &run);
	fail = vcpu_rounds(0);
	fuzz_watch_off(&run);
	return fuzz_report(&run, &vs[0].f, sizeof(vs[0]), gnt_self_dom, STEPS, fail, why, sizeof(why));
}

int test_main(struct start_info *si)
{
	peer_smp_args = fuzz_peer_args(si, 12);
	/*
	 * The peer offers its verdict after its rounds, and dom0 waits for the
	 * offer or the peer's end: a peer whose vCPU 0 is stuck in a call ends
	 * itself after the watchdog's report (lib/fuzz.h, fuzz_end_guest), and
	 * dom0 then fails the test with the peer's log.
	 */
	return verdict_test_smp_after(si, body);
}
