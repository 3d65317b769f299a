// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-fuzz-diff: a seeded random walk of stateful hypercalls from
 * dom0 on its own objects, printed for comparison with Xen 4.17.
 *
 * The guest keeps a pool of NPOOL frames of its own (each with a VA of
 * its own, where it starts mapped writable), NWIN window VAs, its grant
 * table's first frame and its first NPORT event ports. From `seed=` one
 * xorshift generator (lib/fuzz.h) picks `calls=` actions, each one or a
 * few hypercalls on those objects with arguments mostly valid, sometimes
 * wrong (another level, a slot Xen keeps for itself, a frame of another
 * type, a batch with a bad request in its middle, an offset past the
 * page, a version the table is not at):
 *
 *   mmu     pin/unpin a pool frame at L1-L4, write entries of unpinned
 *           and pinned pool frames (empty, read-only, writable or a link
 *           to a pool frame, to itself, to a frame no guest owns), M2P
 *           updates, batches (success count printed), clear/copy page;
 *   va      update_va_mapping of pool and window VAs to pool frames;
 *   memory  decrease_reservation of a pool frame then populate_physmap
 *           at its pfn, XENMEM_exchange of one;
 *   grant   entries of our own table written (guest side), map onto a
 *           window, unmap, unmap_and_replace, swap, copy between refs
 *           and pool frames, setup, query_size, set/get version,
 *           get_status_frames; with `pte=1` also maps and unmaps by PTE
 *           address into pool frames;
 *   event   alloc_unbound and bind_interdomain to ourselves, virq, ipi,
 *           close, send, unmask, status, bind_vcpu, reset;
 *   wide=1  also multicalls of 1-6 of these, NEW_USER_BASEPTR, SET_LDT
 *           and LDT selector loads, update_descriptor, populate/
 *           decrease/exchange at order 1-2, and former L1s at upper
 *           levels (the default walk is unchanged without it).
 *
 * Each call prints one line "D <index> <call> <args> = <answer> [field=v]"
 * naming objects by pool index, window or port number, never an MFN, an
 * address or a handle; the answer and the outputs that are the same on
 * both hypervisors by the ABI (rc, GNTST status, a port, a done count).
 * The guest never reads or writes pool frames itself, and never replaces
 * a window that holds a grant mapping (Xen 4.17 injects #GP for such an
 * implicit unmap), so every sequence ends. Choices depend on answers only
 * through printed ones: a run's lines agree with Xen's up to the first
 * difference. tests/run/conform-diff --guest conform-fuzz-diff --seed N
 * compares a seed with its golden file (Xen 4.17's), and
 * tests/run/conform-fuzz-explore runs seeds on both and shows the first
 * difference of each; `dump=K` stops before call K and prints the pool
 * (docs/testing.md).
 * @cmdline: seed=1
 * @timeout: 240
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/fuzz.h"
#define DLINE_MAX	200
#include "lib/dline.h"
#include "lib/gnt_self.h"
#include "lib/traps.h"
#include <lamina/memory.h>
#include <lamina/mm.h>
#include <lamina/event_channel.h>
#include <lamina/grant_table.h>

#define NPOOL		16
#define NWIN		4
#define NPORT		24
#define NREF		16		/* refs 0 .. NREF - 1, and a few far ones */
#define DEF_CALLS	2000

#define EVTOP(cmd, arg)	hypercall2(__HYPERVISOR_event_channel_op, (cmd), (uint64_t)(arg))

struct pool_page {
	uint64_t va, pfn, mfn;
};

static struct pool_page pool[NPOOL];
/*
 * What may name pool frames, so that a frame is given back only when
 * nothing does (else a later allocation may hand it back to us on one
 * hypervisor and not the other): refs[p] the pool frames p's contents
 * may name (bit q), va_ref[p] and win_ref[w] the frame a pool VA or a
 * window maps (-1 none), gref_pool[r] the frame entry r names (-1 none).
 */
static uint32_t refs[NPOOL];
/*
 * Pool frames an L4 pin may have filled slots 256-271 of with the
 * hypervisor's own entries (bit p), until a clear: never named by a new
 * entry, copied from, or below a table pinned at L2-L4, so that no
 * hypervisor's own values are ever read as the guest's.
 */
static uint32_t tainted;
/*
 * Pool frames that may have been validated as an L1 (bit p): Xen 4.17
 * adds the global bit to their user entries there (adjust_guest_l1e),
 * Lamina does not (docs/conformance.md), and an upper table refuses that
 * bit. So such a frame is never read as an L2-L4 (pin_ok), nor named by
 * a new entry, until a clear.
 */
static uint32_t l1seen;
/*
 * Pool frames that may be typed as a table now (a pin was tried on them
 * or above them, or an entry naming them went into such a frame): an
 * entry written into one validates the frame it names, and so those
 * below it may become L1s (l1seen). Left only by a clear.
 */
static uint32_t maybe_table;
/*
 * `wide=1`: the families below the grant and event ones too (multicall,
 * SET_LDT with LDT loads, descriptors written, NEW_USER_BASEPTR, memory
 * ops of order 1-2), and frames that were L1s allowed at upper levels
 * (both hypervisors store the global bit in user L1 entries now).
 * user_base: the pool frame set as the user L4 (-1 none); ldt_p the pool
 * VA set as the LDT's base (-1 none); ldt_typed the frames an LDT load
 * may have typed as descriptor pages (never given back).
 */
static bool wide;
static int user_base = -1, ldt_p = -1;
static uint32_t ldt_typed;
static int va_ref[NPOOL], win_ref[NWIN], gref_pool[NREF];
static uint64_t win_va[NWIN];
/*
 * `pte=1`: grant maps by PTE address (GNTMAP_contains_pte) into a slot
 * of a pool frame, which must be an L1; up to NPTE kept for unmapping.
 */
#define NPTE	4
static struct {
	bool used;
	unsigned int p, slot;
	grant_handle_t handle;
} ptes[NPTE];

/*
 * Does p hold a grant PTE made by a map that is not undone? Then nothing
 * but its unmap may take that entry away: an entry written over it, p
 * unpinned or given back all drop it "implicitly", which Xen 4.17 and
 * Lamina answer alike but leave the frame's references in different
 * states (docs/conformance.md, Open differences).
 */
static bool pte_busy(unsigned int p)
{
	unsigned int i;

	for (i = 0; i < NPTE; i++)
		if (ptes[i].used && ptes[i].p == p)
			return true;
	return false;
}
static bool win_grant[NWIN];		/* a grant mapped there: only unmap touches it */
static grant_handle_t win_handle[NWIN];
static uint8_t *gtab;			/* our grant table's frame 0, writable */
static unsigned int gver = 1;		/* the version set_version last answered */
static uint64_t hyp_mfn, code_mfn;
static struct fuzz_vcpu fz;

static unsigned int below(unsigned int n)
{
	return fuzz_below(&fz, n);
}

static bool chance(unsigned int pct)
{
	return below(100) < pct;
}

/* ---- page tables ---------------------------------------------------- */

static uint32_t reach(unsigned int p);

/* An entry's value by kind, for a table at pool p; its text into what. */
static uint64_t entry_value(unsigned int p, char *what, size_t size)
{
	unsigned int q = below(NPOOL), k = below(10);
	uint64_t v;

	/* every kind names q, p or no pool frame: both may be named now */
	if ((tainted >> q | tainted >> p | (wide ? 0 : l1seen >> q)) & 1) {
		snprintf(what, size, "empty");
		return 0;
	}
	refs[p] |= 1u << q | 1u << p;
	if (maybe_table >> p & 1) {
		uint32_t below_q = 1u << q | reach(q);

		maybe_table |= below_q;
		l1seen |= below_q;
	}

	switch (k) {
	case 0:
		snprintf(what, size, "empty");
		return 0;
	case 1:
		snprintf(what, size, "ro p%u", q);
		return pte_ro(pool[q].mfn);
	case 2:
		snprintf(what, size, "rw p%u", q);
		return pte_rw(pool[q].mfn);
	case 3:
		snprintf(what, size, "link p%u", q);
		return (pool[q].mfn << 12) | PTE_P | PTE_RW | PTE_US | PTE_A;
	case 4:
		snprintf(what, size, "self-ro");
		return pte_ro(pool[p].mfn);
	case 5:
		snprintf(what, size, "self-rw");
		return pte_rw(pool[p].mfn);
	case 6:
		snprintf(what, size, "hyp");
		return pte_ro(hyp_mfn);
	case 7:
		snprintf(what, size, "code-ro");
		return pte_ro(code_mfn);
	case 8:
		snprintf(what, size, "pse p%u", q);
		return pte_rw(pool[q].mfn) | PTE_PSE;
	default:
		v = pte_ro(pool[q].mfn) | (1ULL << (52 + below(11)));
		snprintf(what, size, "ro p%u hibit%u", q, (unsigned int)(__builtin_ctzll(v >> 52) + 52));
		return v;
	}
}

static const unsigned int slots[] = { 0, 1, 2, 255, 256, 272, 511 };

/* The pool frames p's contents may reach, through tables below tables. */
static uint32_t reach(unsigned int p)
{
	uint32_t r = refs[p], prev = 0;
	unsigned int i;

	while (r != prev) {
		prev = r;
		for (i = 0; i < NPOOL; i++)
			if (r >> i & 1)
				r |= refs[i];
	}
	return r;
}

/* The pool frames the frames of set name, one table level down. */
static uint32_t down(uint32_t set)
{
	uint32_t r = 0;
	unsigned int i;

	for (i = 0; i < NPOOL; i++)
		if (set >> i & 1)
			r |= refs[i];
	return r;
}

/*
 * A pin of p at level lvl (0-3) that cannot read a hypervisor's own
 * values: no L4-filled frame below it (nor p, but as an L4), and no
 * frame l1seen where the pin reads it as an L2-L4 (p and the levels
 * below it but the last).
 */
static bool pin_ok(unsigned int p, unsigned int lvl)
{
	uint32_t s = 1u << p;
	unsigned int d;

	if (lvl == 3 ? reach(p) & tainted & ~(1u << p) : (tainted >> p & 1) || (lvl && reach(p) & tainted))
		return false;
	for (d = 0; d < lvl && !wide; d++, s = down(s))
		if (s & l1seen)
			return false;
	return true;
}

/* A pin of p at lvl was tried: the frames it may have read as an L1. */
static void pin_tried(unsigned int p, unsigned int lvl)
{
	uint32_t s = 1u << p;
	unsigned int d;

	maybe_table |= 1u << p | reach(p);
	for (d = 0; d < lvl; d++)
		s = down(s);
	l1seen |= s;
	if (lvl == 3)
		tainted |= 1u << p;
}

/* p cleared now (after an L4 pin failed or was undone): its answer on the line. */
static void untaint(unsigned int p)
{
	long rc = mmuext1(MMUEXT_CLEAR_PAGE, pool[p].mfn);

	put(" clear=%ld", rc);
	if (!rc) {
		tainted &= ~(1u << p);
		l1seen &= ~(1u << p);
		maybe_table &= ~(1u << p);
		refs[p] = 0;
	}
}

static void act_pin(void)
{
	unsigned int p = below(NPOOL), lvl = below(4);
	long rc;

	if (!pin_ok(p, lvl))
		return;
	rc = mmuext1(MMUEXT_PIN_L1_TABLE + lvl, pool[p].mfn);
	put("pin p%u L%u = %ld", p, lvl + 1, rc);
	pin_tried(p, lvl);
	if (lvl == 3 && rc)
		untaint(p);
	end();
}

static void act_unpin(void)
{
	unsigned int p = below(NPOOL);
	long rc;

	if (pte_busy(p))
		return;
	rc = mmuext1(MMUEXT_UNPIN_TABLE, pool[p].mfn);

	put("unpin p%u = %ld", p, rc);
	if (!rc && (tainted >> p & 1))
		untaint(p);
	end();
}

static void act_entry(void)
{
	static const char *const how[] = { "normal", "m2p", "preserve_ad", "notrans" };
	unsigned int p = below(NPOOL), slot = slots[below(ARRAY_SIZE(slots))];
	unsigned int cmd = chance(85) ? 0 : below(4);
	char what[40];
	uint64_t v, ptr;

	if (pte_busy(p))
		return;
	if (cmd == MMU_MACHPHYS_UPDATE) {
		unsigned int q = below(NPOOL);

		put("m2p p%u -> pfn of p%u", p, q);
		put(" = %ld", mmu_update1((pool[p].mfn << 12) | MMU_MACHPHYS_UPDATE, pool[q].pfn));
		end();
		return;
	}
	v = entry_value(p, what, sizeof(what));
	ptr = (pool[p].mfn << 12) + slot * 8 + cmd;
	put("entry p%u[%u] %s %s", p, slot, how[cmd], what);
	put(" = %ld", mmu_update1(ptr, v));
	end();
}

/* Three or four requests, one of them wrong: rc and how many were done. */
static void act_mmu_batch(void)
{
	struct mmu_update u[4];
	unsigned int n = 3 + below(2), bad = below(n), i, p;
	unsigned int done = 0xdead;
	char what[40];
	long rc;

	put("mmu batch");
	for (i = 0; i < n; i++) {
		p = below(NPOOL);
		if (pte_busy(p)) {
			drop();	/* nothing called */
			return;
		}
		if (i == bad) {
			bool nosys = chance(50);

			/* a command past the four (-ENOSYS) or a frame no guest owns */
			u[i].ptr = (pool[p].mfn << 12) + 8 * below(512) + (nosys ? 5 : 0);
			u[i].val = pte_rw(hyp_mfn);
			put(" p%u[%u]:%s", p, (unsigned int)((u[i].ptr & 4095) / 8),
			    nosys ? "cmd5" : "hyp-rw");
			continue;
		}
		u[i].val = entry_value(p, what, sizeof(what));
		u[i].ptr = (pool[p].mfn << 12) + 8 * slots[below(ARRAY_SIZE(slots))];
		put(" p%u[%u]:%s", p, (unsigned int)((u[i].ptr & 4095) / 8), what);
	}
	rc = hypercall5(__HYPERVISOR_mmu_update, (uint64_t)u, n, (uint64_t)&done, DOMID_SELF, 0);
	put(" = %ld done=%u", rc, done);
	end();
}

static void act_mmuext_batch(void)
{
	static const char *const names[] = { "pin1", "pin2", "pin3", "pin4", "unpin", "clear",
					     "copy", "invlpg", "flush", "bad" };
	struct mmuext_op op[4];
	unsigned int n = 2 + below(3), i, k, p, pidx[4];
	unsigned int done = 0xdead;
	long rc;

	memset(op, 0, sizeof(op));
	put("mmuext batch");
	for (i = 0; i < n; i++) {
		p = below(NPOOL);
		k = below(ARRAY_SIZE(names));
		if ((k < 4 && !pin_ok(p, k)) || (k == 6 && (tainted >> (p + 1) % NPOOL & 1)) ||
		    (k == 4 && pte_busy(p)))
			k = 8;		/* would read a hypervisor's values: a flush */
		if (k < 4)
			pin_tried(p, k);
		pidx[i] = p;
		put(" %s:p%u", names[k], p);
		op[i].arg1.mfn = pool[p].mfn;
		switch (k) {
		case 0: case 1: case 2: case 3:
			op[i].cmd = MMUEXT_PIN_L1_TABLE + k;
			break;
		case 4:
			op[i].cmd = MMUEXT_UNPIN_TABLE;
			break;
		case 5:
			op[i].cmd = MMUEXT_CLEAR_PAGE;
			break;
		case 6:
			op[i].cmd = MMUEXT_COPY_PAGE;
			op[i].arg2.src_mfn = pool[(p + 1) % NPOOL].mfn;
			break;
		case 7:
			op[i].cmd = MMUEXT_INVLPG_LOCAL;
			op[i].arg1.linear_addr = pool[p].va;
			break;
		case 8:
			op[i].cmd = MMUEXT_TLB_FLUSH_LOCAL;
			break;
		default:
			op[i].cmd = 14;		/* no such command */
			break;
		}
	}
	rc = hypercall5(__HYPERVISOR_mmuext_op, (uint64_t)op, n, (uint64_t)&done, DOMID_SELF, 0);
	put(" = %ld done=%u", rc, done);
	end();
	/* a clear or copy may have run whatever the answer: their pages' names kept as may-name */
	for (i = 0; i < n; i++) {
		unsigned int src = (pidx[i] + 1) % NPOOL;

		if (op[i].cmd == MMUEXT_COPY_PAGE) {
			refs[pidx[i]] |= refs[src];
			l1seen |= (l1seen >> src & 1) << pidx[i];
		}
		if (op[i].cmd == MMUEXT_CLEAR_PAGE && i < done) {
			tainted &= ~(1u << pidx[i]);
			l1seen &= ~(1u << pidx[i]);
			maybe_table &= ~(1u << pidx[i]);
		}
	}
}

static void act_clear_copy(void)
{
	unsigned int p = below(NPOOL), q = below(NPOOL);

	long rc;

	if (chance(50)) {
		rc = mmuext1(MMUEXT_CLEAR_PAGE, pool[p].mfn);
		put("clear p%u = %ld", p, rc);
		if (!rc) {
			refs[p] = 0;
			tainted &= ~(1u << p);
			l1seen &= ~(1u << p);
			maybe_table &= ~(1u << p);
		}
	} else {
		if (tainted >> q & 1)
			return;
		rc = mmuext_fd(MMUEXT_COPY_PAGE, pool[p].mfn, pool[q].mfn, DOMID_SELF);
		put("copy p%u <- p%u = %ld", p, q, rc);
		if (!rc) {
			refs[p] = refs[q];
			l1seen = (l1seen & ~(1u << p)) | (l1seen >> q & 1) << p;
		}
	}
	end();
}

/* ---- VAs ------------------------------------------------------------ */

static void act_uvm(void)
{
	static const uint64_t flags[] = { UVMF_INVLPG, UVMF_TLB_FLUSH, UVMF_NONE,
					  UVMF_INVLPG | UVMF_ALL };
	unsigned int q = below(NPOOL), k = below(4), f = below(4), w;
	bool on_win = chance(50);
	uint64_t va, val;
	char where[8];
	long rc;

	if (on_win) {
		w = below(NWIN);
		if (win_grant[w])
			return;
		va = win_va[w];
		snprintf(where, sizeof(where), "w%u", w);
	} else {
		w = below(NPOOL);
		va = pool[w].va;
		snprintf(where, sizeof(where), "p%u", w);
	}
	val = k == 0 ? 0 : k == 1 ? pte_ro(pool[q].mfn) : k == 2 ? pte_rw(pool[q].mfn) :
	      pte_rw(hyp_mfn);
	rc = update_va_mapping(va, val, flags[f]);
	put("uvm %s %s p%u f%u = %ld", where,
	      k == 0 ? "empty" : k == 1 ? "ro" : k == 2 ? "rw" : "hyp", q, f, rc);
	end();
	if (!rc)
		*(on_win ? &win_ref[w] : &va_ref[w]) = k == 0 ? -1 : (int)q;
}

/* ---- memory --------------------------------------------------------- */

/* Pool frame p named by another's contents or a grant entry (a VA mapping is no name). */
static bool named(unsigned int p)
{
	unsigned int i;

	if (pte_busy(p) || user_base == (int)p || (ldt_typed >> p & 1))
		return true;
	for (i = 0; i < NPOOL; i++)
		if (i != p && (refs[i] >> p & 1))
			return true;
	for (i = 0; i < NREF; i++)
		if (gref_pool[i] == (int)p)
			return true;
	return false;
}

/*
 * p's frame replaced by new: what mapped the old one maps a frame no
 * pool slot names (-2), the new one cleared (its answer printed).
 */
static void replaced(unsigned int p, uint64_t mfn)
{
	unsigned int i;

	long rc = mmuext1(MMUEXT_CLEAR_PAGE, mfn);

	pool[p].mfn = mfn;
	refs[p] = 0;
	if (!rc) {
		tainted &= ~(1u << p);
		l1seen &= ~(1u << p);
		maybe_table &= ~(1u << p);
	}
	for (i = 0; i < NPOOL; i++)
		if (va_ref[i] == (int)p)
			va_ref[i] = -2;
	for (i = 0; i < NWIN; i++)
		if (win_ref[i] == (int)p)
			win_ref[i] = -2;
	put(" clear=%ld", rc);
}

/*
 * A new frame at p's pfn first, then the old one given back, so that no
 * allocation can hand the old one back to us; only for a frame that no
 * content or grant names (a later allocation could give it back on one
 * hypervisor and not on the other). VA mappings of it may stay.
 */
static void act_replace(void)
{
	unsigned int p = below(NPOOL);
	uint64_t old = pool[p].mfn, frame = pool[p].pfn;
	struct xen_memory_reservation r = { (uint64_t)&frame, 1, 0, 0, DOMID_SELF, { 0 } };
	long rc;

	if (named(p))
		return;
	rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_populate_physmap, &r);
	put("populate p%u = %ld", p, rc);
	if (rc == 1)
		replaced(p, frame);
	end();
	if (rc != 1)
		return;
	put("decrease old p%u = %ld", p, fuzz_reservation(XENMEM_decrease_reservation, &old));
	end();
}

static void act_exchange(void)
{
	unsigned int p = below(NPOOL);
	uint64_t in = pool[p].mfn, out = pool[p].pfn;
	struct xen_memory_exchange x = {
		{ (uint64_t)&in, 1, 0, 0, DOMID_SELF, { 0 } },
		{ (uint64_t)&out, 1, 0, 0, DOMID_SELF, { 0 } }, 0
	};
	long rc;

	if (named(p))
		return;
	rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_exchange, &x);
	put("exchange p%u = %ld nr_exchanged=%lu", p, rc, (unsigned long)x.nr_exchanged);
	if (!rc && x.nr_exchanged == 1)
		replaced(p, out);
	end();
}

/* ---- grants --------------------------------------------------------- */

static grant_ref_t pick_ref(void)
{
	static const grant_ref_t far[] = { 255, 256, 511, 512, 4096 };

	return chance(90) ? below(NREF) : far[below(ARRAY_SIZE(far))];
}

/* Entry ref of our table (guest side), when it lies in frame 0 at this version. */
static void act_grant_write(void)
{
	grant_ref_t ref = GNTTAB_NR_RESERVED_ENTRIES + below(NREF - GNTTAB_NR_RESERVED_ENTRIES);
	unsigned int q = below(NPOOL), k = below(4);
	uint16_t flags = k == 0 ? GTF_invalid : k == 1 ? GTF_permit_access :
			 k == 2 ? GTF_permit_access | GTF_readonly : GTF_accept_transfer;

	put("gnt_write v%u ref %u p%u flags %#x", gver, ref, q, flags);
	if (gver == 2) {
		union grant_entry_v2 *e = (union grant_entry_v2 *)gtab + ref;

		e->hdr.domid = gnt_self_dom;
		e->full_page.frame = pool[q].mfn;
		__atomic_store_n(&e->hdr.flags, flags, __ATOMIC_RELEASE);
	} else {
		struct grant_entry_v1 *e = (struct grant_entry_v1 *)gtab + ref;

		e->domid = gnt_self_dom;
		e->frame = (uint32_t)pool[q].mfn;
		__atomic_store_n(&e->flags, flags, __ATOMIC_RELEASE);
	}
	gref_pool[ref] = (int)q;
	put(" = 0");
	end();
}

/*
 * The table read in another layout: past the reserved entries (which
 * the hypervisor converts) its bytes would be other entries cut up, so
 * they are emptied, here in the guest.
 */
static void version_changed(unsigned int v)
{
	size_t first = GNTTAB_NR_RESERVED_ENTRIES * (v == 2 ? 16 : 8);
	unsigned int r;

	gver = v;
	memset(gtab + first, 0, 4096 - first);
	for (r = GNTTAB_NR_RESERVED_ENTRIES; r < NREF; r++)
		gref_pool[r] = -1;
}

static domid_t pick_dom(const char **name)
{
	unsigned int k = below(10);

	*name = k < 8 ? "self" : k == 8 ? "DOMID_SELF" : "d7";
	return k < 8 ? gnt_self_dom : k == 8 ? DOMID_SELF : 7;
}

static void act_grant_map(void)
{
	unsigned int w = below(NWIN);
	bool ro = chance(40);
	const char *dn;
	struct gnttab_map_grant_ref op = {
		win_va[w], GNTMAP_host_map | (ro ? GNTMAP_readonly : 0), pick_ref(),
		pick_dom(&dn), 99, ~0U, 0
	};
	long rc;

	if (win_grant[w])
		return;
	rc = gnttab(GNTTABOP_map_grant_ref, &op, 1);
	put("gnt_map ref %u %s w%u%s = %ld status=%d", op.ref, dn, w, ro ? " ro" : "", rc,
	      op.status);
	end();
	if (!rc && op.status == GNTST_okay) {
		win_grant[w] = true;
		win_handle[w] = op.handle;
		win_ref[w] = op.ref < NREF ? gref_pool[op.ref] : -2;
	}
}

static void act_grant_unmap(void)
{
	unsigned int w = below(NWIN), a = chance(80) ? w : below(NWIN);
	struct gnttab_unmap_grant_ref op = { win_va[a], 0, win_handle[w], 99, 0 };
	long rc;

	if (!win_grant[w] && chance(80))
		return;
	if (!win_grant[w])
		op.handle = 0xffffffffu;	/* no such handle on either */
	else if (win_handle[w] == 0xffffffffu)
		return;
	rc = gnttab(GNTTABOP_unmap_grant_ref, &op, 1);
	put("gnt_unmap w%u at w%u%s = %ld status=%d", w, a,
	      op.handle == 0xffffffffu ? " nohandle" : "",
	      rc, op.status);
	end();
	/*
	 * Unmapped through another window (its PTE named the same frame):
	 * w keeps a grant PTE with no grant behind it, never to be touched.
	 */
	if (!rc && op.status == GNTST_okay) {
		if (a == w)
			win_grant[w] = false;
		else
			win_handle[w] = 0xffffffffu;
		win_ref[a] = -1;
	}
}

/*
 * unmap_and_replace: w's grant mapping replaced by what window b (no
 * grant there) maps, b emptied; or by nothing (new_addr 0); sometimes
 * with the handle at another window's address.
 */
static void act_grant_replace(void)
{
	unsigned int w = below(NWIN), a = chance(80) ? w : below(NWIN), b = below(NWIN);
	bool none = chance(30) || b == w || win_grant[b];
	struct gnttab_unmap_and_replace op = { win_va[a], none ? 0 : win_va[b], win_handle[w],
					       99, 0 };
	long rc;

	if (!win_grant[w] || win_handle[w] == 0xffffffffu || (a != w && win_grant[a]))
		return;
	rc = gnttab(GNTTABOP_unmap_and_replace, &op, 1);
	put("gnt_unmap_and_replace w%u at w%u", w, a);
	if (!none)
		put(" by w%u", b);
	put(" = %ld status=%d", rc, op.status);
	end();
	if (rc || op.status != GNTST_okay)
		return;
	if (a == w)
		win_grant[w] = false;
	else
		win_handle[w] = 0xffffffffu;	/* as for an unmap through another window */
	win_ref[a] = none ? -1 : win_ref[b];
	if (!none)
		win_ref[b] = -1;
}

static void act_grant_map_pte(void)
{
	unsigned int p = below(NPOOL), slot = slots[below(ARRAY_SIZE(slots))], i;
	bool ro = chance(40);
	const char *dn;
	struct gnttab_map_grant_ref op = {
		(pool[p].mfn << 12) + slot * 8,
		GNTMAP_host_map | GNTMAP_contains_pte | (ro ? GNTMAP_readonly : 0), pick_ref(),
		pick_dom(&dn), 99, ~0U, 0
	};
	long rc;

	for (i = 0; i < NPTE && ptes[i].used; i++)
		;
	if (i == NPTE || (tainted >> p & 1))
		return;
	rc = gnttab(GNTTABOP_map_grant_ref, &op, 1);
	put("gnt_map_pte ref %u %s p%u[%u]%s = %ld status=%d", op.ref, dn, p, slot,
	    ro ? " ro" : "", rc, op.status);
	end();
	/* the entry is the hypervisor's now: p's contents name the frame, as an L1's */
	l1seen |= 1u << p;
	if (op.ref < NREF && gref_pool[op.ref] >= 0)
		refs[p] |= 1u << gref_pool[op.ref];
	else
		refs[p] |= ~0u;
	if (!rc && op.status == GNTST_okay) {
		ptes[i].used = true;
		ptes[i].p = p;
		ptes[i].slot = slot;
		ptes[i].handle = op.handle;
	}
}

static void act_grant_unmap_pte(void)
{
	unsigned int i = below(NPTE), slot;
	struct gnttab_unmap_grant_ref op = { 0, 0, 0, 99, 0 };
	long rc;

	if (!ptes[i].used)
		return;
	slot = chance(80) ? ptes[i].slot : slots[below(ARRAY_SIZE(slots))];
	op.host_addr = (pool[ptes[i].p].mfn << 12) + slot * 8;
	op.handle = ptes[i].handle;
	rc = gnttab(GNTTABOP_unmap_grant_ref, &op, 1);
	put("gnt_unmap_pte p%u[%u] at [%u] = %ld status=%d", ptes[i].p, ptes[i].slot, slot, rc,
	    op.status);
	end();
	if (!rc && op.status == GNTST_okay)
		ptes[i].used = false;
}

/*
 * swap_grant_ref of two of our first NREF entries (reserved ones too;
 * not far ones: what they would name afterwards is not followed).
 */
static void act_grant_swap(void)
{
	struct gnttab_swap_grant_ref op = { below(NREF), below(NREF), 99 };
	long rc = gnttab(GNTTABOP_swap_grant_ref, &op, 1);
	int t;

	put("gnt_swap ref %u ref %u = %ld status=%d", op.ref_a, op.ref_b, rc, op.status);
	end();
	if (rc || op.status != GNTST_okay)
		return;
	t = gref_pool[op.ref_a];
	gref_pool[op.ref_a] = gref_pool[op.ref_b];
	gref_pool[op.ref_b] = t;
}

/*
 * One side of a copy, its pool frame into *q (-1: none known). Offsets
 * and lengths are whole entries, so what a copy moves is entries as
 * they were written, never a frame number cut in two.
 */
static void copy_end(struct gnttab_copy_ptr *e, bool *gref, int *pq, char *what, size_t size)
{
	*gref = chance(50);
	e->offset = 8 * below(chance(90) ? 512 : 530);
	e->pad = 0;
	*pq = -1;
	if (*gref) {
		const char *dn;

		e->u.ref = pick_ref();
		if (e->u.ref < NREF)
			*pq = gref_pool[e->u.ref];
		e->domid = pick_dom(&dn);
		snprintf(what, size, "ref %u %s +%u", e->u.ref, dn, e->offset);
	} else {
		unsigned int q = below(NPOOL);

		e->u.gmfn = pool[q].mfn;
		*pq = (int)q;
		e->domid = chance(90) ? DOMID_SELF : gnt_self_dom;
		snprintf(what, size, "p%u %s +%u", q, e->domid == DOMID_SELF ? "DOMID_SELF" : "self",
			 e->offset);
	}
}

static void act_grant_copy(void)
{
	struct gnttab_copy op;
	char src[48], dst[48];
	bool sg, dg;
	int sq, dq;
	long rc;

	memset(&op, 0, sizeof(op));
	copy_end(&op.source, &sg, &sq, src, sizeof(src));
	copy_end(&op.dest, &dg, &dq, dst, sizeof(dst));
	if (sq >= 0 && (tainted >> sq & 1))
		return;
	op.len = 8 * (chance(80) ? below(65) : below(600));
	op.flags = (sg ? GNTCOPY_source_gref : 0) | (dg ? GNTCOPY_dest_gref : 0);
	op.status = 99;
	rc = gnttab(GNTTABOP_copy, &op, 1);
	put("gnt_copy %s -> %s len %u = %ld status=%d", src, dst, op.len, rc, op.status);
	end();
	if (dq >= 0) {
		refs[dq] |= sq >= 0 ? refs[sq] : ~0u;
		l1seen |= (sq < 0 || (l1seen >> sq & 1)) << dq;
	}
}

static void act_grant_table(void)
{
	unsigned int k = below(5);
	long rc;

	if (k == 0) {
		struct gnttab_query_size q = { DOMID_SELF, 0, 0, 0, 99, 0 };

		rc = gnttab(GNTTABOP_query_size, &q, 1);
		put("gnt_query_size = %ld status=%d nr_frames=%u", rc, q.status, q.nr_frames);
	} else if (k == 1) {
		struct gnttab_set_version s = { 1 + below(2) };
		unsigned int want = s.version;

		if (chance(5))
			s.version = want = 3;
		rc = gnttab(GNTTABOP_set_version, &s, 1);
		put("gnt_set_version %u = %ld version=%u", want, rc, s.version);
		if (!rc && s.version != gver)
			version_changed(s.version);
	} else if (k == 2) {
		struct gnttab_get_version g = { DOMID_SELF, 0, 0 };

		rc = gnttab(GNTTABOP_get_version, &g, 1);
		put("gnt_get_version = %ld version=%u", rc, g.version);
	} else if (k == 3) {
		uint64_t frames[4];
		struct gnttab_setup_table s = { DOMID_SELF, 0, 1 + below(4), 99, { 0 },
						(uint64_t)frames };

		rc = gnttab(GNTTABOP_setup_table, &s, 1);
		put("gnt_setup_table %u = %ld status=%d", s.nr_frames, rc, s.status);
	} else {
		uint64_t frames[2];
		struct gnttab_get_status_frames s = { 1 + below(2), DOMID_SELF, 99,
						      (uint64_t)frames };

		rc = gnttab(GNTTABOP_get_status_frames, &s, 1);
		put("gnt_get_status_frames %u = %ld status=%d", s.nr_frames, rc, s.status);
	}
	end();
}

/* ---- events --------------------------------------------------------- */

static evtchn_port_t pick_port(void)
{
	return chance(95) ? below(NPORT) : 4096 + below(2);
}

static void act_evtchn_bind(void)
{
	unsigned int k = below(4);
	long rc;

	if (k == 0) {
		struct evtchn_alloc_unbound a = { DOMID_SELF, chance(85) ? DOMID_SELF : 0, 0 };

		rc = EVTOP(EVTCHNOP_alloc_unbound, &a);
		put("ev_alloc_unbound %s = %ld", a.remote_dom == DOMID_SELF ? "DOMID_SELF" : "d0",
		      rc);
		if (!rc)
			put(" port=%u", a.port);
	} else if (k == 1) {
		struct evtchn_bind_interdomain b = { chance(85) ? DOMID_SELF : 0, 0, pick_port(), 0 };

		rc = EVTOP(EVTCHNOP_bind_interdomain, &b);
		put("ev_bind_interdomain %s %u = %ld",
		      b.remote_dom == DOMID_SELF ? "DOMID_SELF" : "d0", b.remote_port, rc);
		if (!rc)
			put(" port=%u", b.local_port);
	} else if (k == 2) {
		static const uint32_t virqs[] = { 0, 1, 2, 3, 5, 7, 24 };
		struct evtchn_bind_virq b = { virqs[below(ARRAY_SIZE(virqs))], chance(90) ? 0 : 1, 0 };

		rc = EVTOP(EVTCHNOP_bind_virq, &b);
		put("ev_bind_virq %u vcpu %u = %ld", b.virq, b.vcpu, rc);
		if (!rc)
			put(" port=%u", b.port);
	} else {
		struct evtchn_bind_ipi b = { chance(90) ? 0 : 1, 0 };

		rc = EVTOP(EVTCHNOP_bind_ipi, &b);
		put("ev_bind_ipi vcpu %u = %ld", b.vcpu, rc);
		if (!rc)
			put(" port=%u", b.port);
	}
	end();
}

static void act_evtchn_port(void)
{
	static const char *const names[] = { "close", "send", "unmask", "bind_vcpu" };
	static const unsigned int cmds[] = { EVTCHNOP_close, EVTCHNOP_send, EVTCHNOP_unmask,
					     EVTCHNOP_bind_vcpu };
	struct evtchn_bind_vcpu a = { pick_port(), 0 };
	unsigned int k = below(4);

	if (k == 3)
		a.vcpu = chance(85) ? 0 : 1;
	put("ev_%s %u", names[k], a.port);
	if (k == 3)
		put(" vcpu %u", a.vcpu);
	put(" = %ld", EVTOP(cmds[k], &a));
	end();
}

static void act_evtchn_status(void)
{
	struct evtchn_status s;
	long rc;

	memset(&s, 0, sizeof(s));
	s.dom = DOMID_SELF;
	s.port = pick_port();
	rc = EVTOP(EVTCHNOP_status, &s);
	put("ev_status %u = %ld", s.port, rc);
	if (!rc) {
		put(" status=%u vcpu=%u", s.status, s.vcpu);
		if (s.status == EVTCHNSTAT_unbound)
			put(" dom=%u", s.u.unbound.dom);
		else if (s.status == EVTCHNSTAT_interdomain)
			put(" dom=%u port=%u", s.u.interdomain.dom, s.u.interdomain.port);
		else if (s.status == EVTCHNSTAT_virq)
			put(" virq=%u", s.u.virq);
	}
	end();
}

static void act_evtchn_reset(void)
{
	struct evtchn_reset r = { DOMID_SELF };

	if (!chance(10))
		return;
	put("ev_reset");
	put(" = %ld", EVTOP(EVTCHNOP_reset, &r));
	end();
}

/* ---- wide=1: user L4, LDT, memory orders, multicall ------------------ */

/* MMUEXT_NEW_USER_BASEPTR of a pool frame (read as an L4, as a pin) or 0. */
static long new_user_base(int p)
{
	return mmuext1(MMUEXT_NEW_USER_BASEPTR, p < 0 ? 0 : pool[p].mfn);
}

static void act_user_base(void)
{
	int p = chance(25) ? -1 : (int)below(NPOOL);
	long rc;

	if (p >= 0 && !pin_ok((unsigned int)p, 3))
		return;
	rc = new_user_base(p);
	if (p < 0)
		put("user_base none = %ld", rc);
	else
		put("user_base p%d = %ld", p, rc);
	if (!rc)
		user_base = p;
	if (p >= 0) {
		pin_tried((unsigned int)p, 3);
		if (rc)
			untaint((unsigned int)p);
	}
	end();
}

static const uint32_t ldt_ents[] = { 0, 1, 2, 16, 512, 513, 8192, 8193 };

static long set_ldt(uint64_t base, uint32_t ents)
{
	struct mmuext_op op = { MMUEXT_SET_LDT, 0, { base }, { 0 } };

	op.arg2.nr_ents = ents;
	return hypercall5(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF, 0);
}

/* SET_LDT at a pool VA (sometimes +8, or a hypervisor address), 0-8193 entries. */
static void act_set_ldt(void)
{
	unsigned int p = below(NPOOL), k = below(10);
	uint32_t ents = ldt_ents[below(ARRAY_SIZE(ldt_ents))];
	uint64_t base = k == 8 ? pool[p].va + 8 : k == 9 ? 0xffff800000000000ULL : pool[p].va;
	long rc = set_ldt(base, ents);

	put("set_ldt p%u%s ents %u = %ld", p, k == 8 ? "+8" : k == 9 ? " hyp" : "", ents, rc);
	end();
	if (!rc)
		ldt_p = ents && k < 8 ? (int)p : -1;
}

/*
 * A selector of the LDT loaded into %es (then 0 again): the page at the
 * LDT's base is mapped and typed on that use. Only when the frame there
 * is a pool frame whose contents name no frame (never written with an
 * entry, or only with descriptors), so that its check reads the same
 * bytes on both; sometimes a data descriptor written at the index and
 * the base VA remapped read-only to it first (their answers printed);
 * the traps taken and the last one's vector and
 * error code printed.
 */
static void act_ldt_load(void)
{
	static const unsigned int index[] = { 0, 1, 2, 5, 511 };
	unsigned int i = index[below(ARRAY_SIZE(index))];
	uint16_t sel = (uint16_t)(i << 3 | 7);
	int f;

	if (ldt_p < 0)
		return;
	f = va_ref[ldt_p];
	if (f < 0 || refs[f] || (tainted >> f & 1))
		return;
	put("ldt_load p%d index %u", f, i);
	if (chance(50))
		put(" desc=%ld", hypercall2(__HYPERVISOR_update_descriptor,
					    (pool[f].mfn << 12) + i * 8, 0x00cff3000000fffeULL));
	if (chance(50))
		put(" ro=%ld", update_va_mapping(pool[ldt_p].va, pte_ro(pool[f].mfn), UVMF_INVLPG));
	traps_taken = 0;
	last_trap.vector = 99;
	last_trap.error = 0;
	EXPECT_TRAP("mov %0, %%es", : : "r"(sel) : "memory");
	asm volatile("mov %0, %%es" : : "r"(0));
	ldt_typed |= 1u << f;
	put(" = traps=%u", traps_taken);
	if (traps_taken)
		put(" vector=%lu error=%#lx", (unsigned long)last_trap.vector,
		    (unsigned long)last_trap.error);
	end();
}

/*
 * update_descriptor into a pool frame: descriptors whose bit 0 (a limit
 * bit) is clear, so that read as a table entry each is not present and
 * names no frame.
 */
static void act_descriptor(void)
{
	static const uint64_t descs[] = {
		0, 0x00cff3000000fffeULL, 0x00affb000000fffeULL, 0x00af9b000000fffeULL,
		0x00cf93000000fffeULL, 0x0000ec0000100000ULL, 0x0000730000000000ULL,
	};
	unsigned int p = below(NPOOL), slot = slots[below(ARRAY_SIZE(slots))];
	unsigned int k = below(ARRAY_SIZE(descs));
	bool odd = chance(10);
	uint64_t ma = (pool[p].mfn << 12) + slot * 8 + (odd ? 4 : 0);

	if (pte_busy(p))
		return;
	put("descriptor p%u[%u]%s kind %u = %ld", p, slot, odd ? "+4" : "", k,
	    hypercall2(__HYPERVISOR_update_descriptor, ma, descs[k]));
	end();
}

/*
 * populate_physmap of one extent of order 1 or 2, then all of it given
 * back: in one decrease of that order, frame by frame, or in a decrease
 * whose second extent is a frame no guest owns (done count 1).
 */
static void act_populate_order(void)
{
	unsigned int order = 1 + below(2), n = 1u << order, k = below(3), i;
	uint64_t frame = pool[below(NPOOL)].pfn & ~(uint64_t)(n - 1), list[4];
	struct xen_memory_reservation r = { (uint64_t)&frame, 1, order, 0, DOMID_SELF, { 0 } };
	long rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_populate_physmap, &r);

	put("populate order %u = %ld", order, rc);
	end();
	if (rc != 1)
		return;
	if (k == 0) {
		r.extent_start = (uint64_t)&frame;
	} else if (k == 1) {
		for (i = 0; i < n; i++)
			list[i] = frame + i;
		r.extent_start = (uint64_t)list;
		r.nr_extents = n;
		r.extent_order = 0;
	} else {
		list[0] = frame;
		list[1] = hyp_mfn;
		r.extent_start = (uint64_t)list;
		r.nr_extents = 2;
	}
	rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, &r);
	put("decrease %s = %ld", k == 0 ? "whole" : k == 1 ? "by frame" : "then hyp", rc);
	end();
}

/*
 * XENMEM_exchange of 2 or 4 pool frames (order 0) for one extent of
 * order 1 or 2, their pool VAs emptied first (sometimes): each slot
 * then holds one of the new frames.
 */
static void act_exchange_order(void)
{
	unsigned int order = 1 + below(2), n = 1u << order, i, j, ps[4];
	uint64_t in[4], out;
	struct xen_memory_exchange x;
	bool unmap = chance(70);
	long rc;

	for (i = 0; i < n; i++) {
		ps[i] = below(NPOOL);
		for (j = 0; j < i; j++)
			if (ps[j] == ps[i])
				return;
		if (named(ps[i]))
			return;
		in[i] = pool[ps[i]].mfn;
	}
	out = pool[ps[0]].pfn;
	memset(&x, 0, sizeof(x));
	x.in = (struct xen_memory_reservation){ (uint64_t)in, n, 0, 0, DOMID_SELF, { 0 } };
	x.out = (struct xen_memory_reservation){ (uint64_t)&out, 1, order, 0, DOMID_SELF, { 0 } };
	put("exchange order %u", order);
	for (i = 0; i < n; i++) {
		put(" p%u", ps[i]);
		if (unmap) {
			long u = update_va_mapping(pool[ps[i]].va, 0, UVMF_INVLPG);

			put(u ? ":unmap=%ld" : "", u);
			if (!u)
				va_ref[ps[i]] = -1;
		}
	}
	rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_exchange, &x);
	put(" = %ld nr_exchanged=%lu", rc, (unsigned long)x.nr_exchanged);
	if (!rc && x.nr_exchanged == n)
		for (i = 0; i < n; i++)
			replaced(ps[i], out + i);
	end();
}

/*
 * A multicall of 1-6 entries, each a call of the walk's own: its
 * effects on the model taken as if it had run (pins, entries) or from
 * its result afterwards. One line per entry with its result, then the
 * multicall's.
 */
#define NMC	6
static void act_multicall(void)
{
	static struct multicall_entry mc[NMC];
	static struct mmuext_op ops[NMC];
	static struct mmu_update mu[NMC];
	static struct evtchn_status st[NMC];
	static const char *const evn[] = { "send", "unmask", "close" };
	static const unsigned int evc[] = { EVTCHNOP_send, EVTCHNOP_unmask, EVTCHNOP_close };
	char what[NMC][64], val[40];
	unsigned int n = 1 + below(NMC), i, kind[NMC], pp[NMC], qq[NMC];
	long rc;

	memset(mc, 0, sizeof(mc));
	memset(ops, 0, sizeof(ops));
	for (i = 0; i < n; i++) {
		unsigned int k = below(10), p = below(NPOOL), q = below(NPOOL), lvl = below(4);

		pp[i] = p;
		qq[i] = q;
		if ((k == 0 && !pin_ok(p, lvl)) || ((k == 1 || k == 2 || k == 7) && pte_busy(p)) ||
		    (k == 8 && !pin_ok(p, 3)))
			k = 5;
		kind[i] = k;
		switch (k) {
		case 0:
			ops[i].cmd = MMUEXT_PIN_L1_TABLE + lvl;
			ops[i].arg1.mfn = pool[p].mfn;
			pin_tried(p, lvl);
			snprintf(what[i], sizeof(what[i]), "pin p%u L%u", p, lvl + 1);
			break;
		case 1:
			ops[i].cmd = MMUEXT_UNPIN_TABLE;
			ops[i].arg1.mfn = pool[p].mfn;
			snprintf(what[i], sizeof(what[i]), "unpin p%u", p);
			break;
		case 2: {
			unsigned int slot = slots[below(ARRAY_SIZE(slots))];

			mu[i].val = entry_value(p, val, sizeof(val));
			mu[i].ptr = (pool[p].mfn << 12) + slot * 8;
			snprintf(what[i], sizeof(what[i]), "entry p%u[%u] %s", p, slot, val);
			mc[i].op = __HYPERVISOR_mmu_update;
			mc[i].args[0] = (uint64_t)&mu[i];
			mc[i].args[1] = 1;
			mc[i].args[3] = DOMID_SELF;
			break;
		}
		case 3: {
			unsigned int v = below(3);

			mc[i].op = __HYPERVISOR_update_va_mapping;
			mc[i].args[0] = pool[p].va;
			mc[i].args[1] = v == 0 ? 0 : v == 1 ? pte_ro(pool[q].mfn) : pte_rw(pool[q].mfn);
			mc[i].args[2] = UVMF_INVLPG;
			qq[i] = v == 0 ? ~0u : q;
			snprintf(what[i], sizeof(what[i]), "uvm p%u %s p%u", p,
				 v == 0 ? "empty" : v == 1 ? "ro" : "rw", q);
			break;
		}
		case 4: {
			unsigned int e = below(4);

			memset(&st[i], 0, sizeof(st[i]));
			st[i].dom = DOMID_SELF;
			st[i].port = pick_port();
			mc[i].op = __HYPERVISOR_event_channel_op;
			mc[i].args[0] = e == 3 ? EVTCHNOP_status : evc[e];
			mc[i].args[1] = (uint64_t)&st[i];
			snprintf(what[i], sizeof(what[i]), "ev_%s %u", e == 3 ? "status" : evn[e],
				 st[i].port);
			break;
		}
		case 5:
			ops[i].cmd = MMUEXT_TLB_FLUSH_LOCAL;
			snprintf(what[i], sizeof(what[i]), "flush");
			break;
		case 6:
			mc[i].op = chance(50) ? 99 : __HYPERVISOR_multicall;
			mc[i].args[0] = (uint64_t)&mc[0];
			mc[i].args[1] = 1;
			snprintf(what[i], sizeof(what[i]), "%s",
				 mc[i].op == 99 ? "op 99" : "nested multicall");
			break;
		case 7:
			ops[i].cmd = MMUEXT_CLEAR_PAGE;
			ops[i].arg1.mfn = pool[p].mfn;
			snprintf(what[i], sizeof(what[i]), "clear p%u", p);
			break;
		case 8:
			ops[i].cmd = MMUEXT_NEW_USER_BASEPTR;
			ops[i].arg1.mfn = chance(30) ? 0 : pool[p].mfn;
			if (ops[i].arg1.mfn)
				pin_tried(p, 3);
			if (ops[i].arg1.mfn)
				snprintf(what[i], sizeof(what[i]), "user_base p%u", p);
			else
				snprintf(what[i], sizeof(what[i]), "user_base none");
			break;
		default: {
			uint32_t ents = ldt_ents[below(4)];

			ops[i].cmd = MMUEXT_SET_LDT;
			ops[i].arg1.linear_addr = pool[p].va;
			ops[i].arg2.nr_ents = ents;
			qq[i] = ents;
			snprintf(what[i], sizeof(what[i]), "set_ldt p%u ents %u", p, ents);
			break;
		}
		}
		if (k == 0 || k == 1 || k == 5 || k >= 7) {
			mc[i].op = __HYPERVISOR_mmuext_op;
			mc[i].args[0] = (uint64_t)&ops[i];
			mc[i].args[1] = 1;
			mc[i].args[3] = DOMID_SELF;
		}
		mc[i].result = 0x5a5a;
	}
	rc = hypercall2(__HYPERVISOR_multicall, (uint64_t)mc, n);
	for (i = 0; i < n; i++) {
		long r = (long)mc[i].result;
		unsigned int p = pp[i];

		put("mc %u/%u %s = %ld", i, n, what[i], r);
		if (kind[i] == 4 && mc[i].args[0] == EVTCHNOP_status && !r)
			put(" status=%u", st[i].status);
		end();
		if (r)
			continue;
		switch (kind[i]) {
		case 1:
			break;
		case 3:
			va_ref[p] = qq[i] == ~0u ? -1 : (int)qq[i];
			break;
		case 7:
			refs[p] = 0;
			tainted &= ~(1u << p);
			l1seen &= ~(1u << p);
			maybe_table &= ~(1u << p);
			break;
		case 8:
			user_base = ops[i].arg1.mfn ? (int)p : -1;
			break;
		case 9:
			ldt_p = qq[i] ? (int)p : -1;
			break;
		}
	}
	put("multicall %u = %ld", n, rc);
	end();
}

/* ---- the walk ------------------------------------------------------- */

/* A frame in pool terms: "p3", "hyp", "code", or "other". */
static void frame_name(uint64_t mfn, char *out, size_t size)
{
	unsigned int i;

	for (i = 0; i < NPOOL; i++)
		if (pool[i].mfn == mfn) {
			snprintf(out, size, "p%u", i);
			return;
		}
	snprintf(out, size, "%s", mfn == hyp_mfn ? "hyp" : mfn == code_mfn ? "code" : "other");
}

/*
 * `dump=K`: before call K, each pool frame's non-empty entries (flags,
 * and the frame in pool terms), read through a read-only window at peek,
 * then whether each takes an L1 pin (undone); the walk stops there (the
 * window's own mapping and the pins change the state).
 */
static void dump_pool(uint64_t peek)
{
	unsigned int p, i;
	char name[8];

	for (p = 0; p < NPOOL; p++) {
		if (update_va_mapping(peek, pte_ro(pool[p].mfn), UVMF_INVLPG)) {
			printf("dump p%u: cannot map it\n", p);
			continue;
		}
		for (i = 0; i < 512; i++) {
			uint64_t e = ((volatile uint64_t *)peek)[i];

			if (!e)
				continue;
			frame_name((e & PTE_ADDR) >> 12, name, sizeof(name));
			printf("dump p%u[%u] %s flags %#lx\n", p, i, name,
			       (unsigned long)(e & ~PTE_ADDR));
		}
	}
	update_va_mapping(peek, 0, UVMF_INVLPG);
	/* and whether each takes an L1 pin now (undone) */
	for (p = 0; p < NPOOL; p++) {
		long rc = mmuext1(MMUEXT_PIN_L1_TABLE, pool[p].mfn);

		printf("dump p%u pin L1 = %ld\n", p, rc);
		if (!rc)
			mmuext1(MMUEXT_UNPIN_TABLE, pool[p].mfn);
	}
}

static struct {
	void (*act)(void);
	unsigned int weight;
} actions[] = {
	{ act_pin, 8 }, { act_unpin, 6 }, { act_entry, 14 }, { act_mmu_batch, 4 },
	{ act_mmuext_batch, 4 }, { act_clear_copy, 3 }, { act_uvm, 8 }, { act_replace, 2 },
	{ act_exchange, 2 }, { act_grant_write, 6 }, { act_grant_map, 6 }, { act_grant_unmap, 6 },
	{ act_grant_copy, 6 }, { act_grant_table, 4 }, { act_grant_replace, 3 },
	{ act_grant_swap, 2 }, { act_evtchn_bind, 6 },
	{ act_evtchn_port, 7 }, { act_evtchn_status, 4 }, { act_evtchn_reset, 1 },
	{ act_grant_map_pte, 0 }, { act_grant_unmap_pte, 0 },	/* pte=1: 5 and 4 */
	{ act_multicall, 0 }, { act_user_base, 0 }, { act_set_ldt, 0 }, { act_ldt_load, 0 },
	{ act_descriptor, 0 }, { act_populate_order, 0 }, { act_exchange_order, 0 },
	/* wide=1: 6, 3, 3, 3, 3, 2, 2 */
};
#define WIDE_FIRST	22	/* the index of act_multicall */

static void step(void)
{
	unsigned int total = 0, i, r;

	for (i = 0; i < ARRAY_SIZE(actions); i++)
		total += actions[i].weight;
	r = below(total);
	for (i = 0; r >= actions[i].weight; i++)
		r -= actions[i].weight;
	actions[i].act();
}

int test_main(struct start_info *si)
{
	static struct fuzz_run run = { .name = "conform-fuzz-diff" };
	unsigned long calls, dump;
	uint64_t peek;
	unsigned int i;

	mm_init(si);
	fuzz_args(&run, si, 1, 2, 0);
	calls = cmdline_number((const char *)si->cmd_line, "calls=", DEF_CALLS);
	dump = cmdline_number((const char *)si->cmd_line, "dump=", ~0UL);
	if (cmdline_number((const char *)si->cmd_line, "pte=", 0)) {
		actions[ARRAY_SIZE(actions) - 2].weight = 5;
		actions[ARRAY_SIZE(actions) - 1].weight = 4;
	}
	if (cmdline_number((const char *)si->cmd_line, "wide=", 0)) {
		static const unsigned int w[] = { 6, 3, 3, 3, 3, 2, 2 };

		wide = true;
		for (i = 0; i < ARRAY_SIZE(w); i++)
			actions[WIDE_FIRST + i].weight = w[i];
		if (traps_install(true))
			return fail("cannot install a trap table");
	}
	fuzz_vcpu_init(&fz, &run, run.seed, 0);
	if (gnt_self_dom_init(si))
		return fail("no own domain id");
	gtab = (uint8_t *)gnt_self_table();
	if (!gtab)
		return fail("cannot set up and map our grant table");
	hyp_mfn = hypervisor_l3_mfn(si);
	code_mfn = va_to_mfn((uint64_t)test_main & ~4095ULL);
	for (i = 0; i < NWIN; i++)
		win_va[i] = scratch_page();
	peek = scratch_page();
	update_va_mapping(peek, 0, UVMF_INVLPG);
	for (i = 0; i < NPOOL; i++) {
		pool[i].va = scratch_page();
		pool[i].pfn = (pool[i].va - GUEST_VIRT_BASE) >> 12;
		pool[i].mfn = va_to_mfn(pool[i].va);
		va_ref[i] = (int)i;
	}
	for (i = 0; i < NWIN; i++)
		win_ref[i] = -2;	/* its own frame, no pool frame */
	for (i = 0; i < NREF; i++)
		gref_pool[i] = -1;
	printf("conform-fuzz-diff seed=%lu calls=%lu begins\n", run.seed, calls);
	while (idx < calls && idx < dump)
		step();
	if (idx == dump)
		dump_pool(peek);
	printf("conform-fuzz-diff made %u calls\n", idx);
	return TEST_PASS;
}
