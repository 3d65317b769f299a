// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz-state: a hypercall fuzzer that builds state before it abuses it.
 *
 * Uniformly random hypercalls almost never get past the first argument
 * check; the holes are found by building valid objects and then calling
 * with something slightly wrong about them. So dom0 and an unprivileged
 * peer each keep a pool of their own frames and a handful of "window"
 * pages, and every step is one action on those objects, with its
 * arguments drawn mostly valid and sometimes mutated (an index off by
 * one, a frame repeated, a frame given back, the other domain's frame, a
 * hypervisor frame, a count at a boundary, one buffer for two arguments):
 *
 *   page tables  pool frames zeroed, mapped read-only, pinned at a level,
 *                filled by mmu_update, hooked into L4 slots 1-3, unpinned;
 *   memory       decrease/increase reservation and XENMEM_exchange of pool
 *                frames (after unmapping them with or without a flush);
 *   grants       entries of our own table (v1, or v2 once set_version(2)
 *                succeeds) naming shared-pool frames and wrong ones, the
 *                other side's refs mapped, unmapped, copied, swapped;
 *   events       unbound, interdomain, VIRQ and IPI ports, sent and closed;
 *   foreign      dom0 maps the peer's frames (mmu_update with foreigndom,
 *                update_va_mapping_otherdomain); the peer tries the same;
 *   misc         mmuext clear/copy page, flushes, M2P updates, multicalls;
 *   reuse        issue 16 A.2's shape: touch pages, unmap them unflushed,
 *                give them back, make the hypervisor allocate for itself.
 *
 * After every step the guest checks what it can see for itself:
 *
 *  1. every mapping it holds (a walk from its L4, and from every table it
 *     pinned) reaches a frame it owns (M2P and p2m agree), a frame the
 *     other domain published as grantable, its shared_info, grant or
 *     status frames, or (dom0) an I/O frame; failing all those, one the
 *     hypervisor itself answers is ours (or, for dom0, the peer's) when
 *     asked by a no-op M2P update, since frames reach a domain in ways
 *     a guest cannot follow; never the LAPIC, nor the IOAPIC writable; no
 *     table frame writable through a writable path; no superpages (an
 *     L4 met one level down is Xen's linear page table, not walked);
 *  2. an address in the hypervisor's range (outside the read-only M2P)
 *     cannot be read;
 *  3. a frame it gave back still holds the marker it left in it for as
 *     long as any translation (a PTE, or a stale TLB entry after an
 *     unflushed unmap) still reaches it: the hypervisor must not hand the
 *     frame to anyone before that translation is gone.
 *
 * The hypervisor's own frame audit ("mm audit dN") runs when each domain
 * ends and the runner fails the test if it says FAILED. The peer reports
 * its verdict to dom0 through a mailbox page it grants (ref 7, a reserved
 * ref so switching the grant version stays possible), and dom0 prints the
 * one result line. Everything comes from one xorshift generator seeded by
 * `seed=` (the peer's from dom0's), so a failure replays with the same
 * `seed=` and `calls=` (hypercalls per domain); the two domains interleave
 * as the scheduler lets them, so a replay starts the same way but may
 * drift once the other side's state is met at other moments. `trace=1`
 * prints every fuzzing hypercall (and, being slower, drifts more). `off=`
 * leaves actions (by name, see actions[]) or named mutations out, to get
 * past a known bug: exchange-dup (an input frame twice), noflush
 * (unmapping without a flush), lapic, ioapic (dom0 mapping them; a
 * writable IOAPIC mapping is made read-only, as on Xen 4.17).
 * `make fuzz` runs long ones, seed after seed.
 * @cmdline: seed=1 calls=15000
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/traps.h"
#include <lamina/grant_table.h>
#include <lamina/memory.h>

#define NPOOL		24	/* frames for tables and reservations */
#define NSHARE		6	/* frames granted to the other side */
#define NWIN		10	/* VAs whose PTEs the fuzzer rewrites */
#define NGNT		16	/* grant-table frames we map */
#define NPUB		200	/* frames a side may grant or let dom0 map */
#define NHANDLES	32
#define REF_MAILBOX	7
#define REF_SHARE	16	/* refs 16.. grant the shared pool */
#define MARK		0x6d61726b65645f00ULL	/* "marked_" ^ frame */
#define NO_MFN		(~0ULL)
#define PEER_WAIT_NS	60000000000ULL

/*
 * The peer's page: dom0 maps it through ref 7. It stays below SCRIBBLE,
 * where a side writes forged PTEs into the pages it maps of the other.
 */
#define SCRIBBLE	3584
struct mailbox {
	volatile uint32_t go, done;		/* done: 1 ok, 2 failed */
	volatile uint64_t seed, calls;
	volatile uint32_t peer_id;		/* the peer's domain id, from dom0 */
	volatile uint64_t progress[2];		/* hypercalls so far, per side */
	/*
	 * Every frame a side ever let the other reach (pool, shared pool,
	 * shared_info, grant frames, mailbox, console): [0] dom0's, [1] the
	 * peer's. A ring: npub counts every frame ever written; the live pool
	 * is written again every so often. What the other side got while a
	 * frame was published it remembers itself (reached_add()).
	 */
	volatile uint64_t pub[2][NPUB];
	volatile uint32_t npub[2];
	volatile uint32_t port[2];		/* an unbound port for the other */
	char off[64];				/* actions left out, as dom0's off= */
	volatile uint32_t trace;
	char why[300];
};

struct pool_page {
	uint64_t va, pfn, mfn;		/* mfn NO_MFN while given back */
	uint64_t old_mfn;		/* the frame last given back */
	int pinned;			/* level we believe it is pinned at, or 0 */
};

struct win {
	uint64_t va;
	uint64_t last_mfn;		/* the frame it last mapped */
};

struct handle {
	uint64_t addr, bus;
	grant_handle_t h;
	bool used;
};

/* The v2 grant entry layout (docs/abi-devices.md §1), for when v2 is on. */
struct fz_grant_v2 {
	uint16_t flags;
	domid_t domid;
	uint32_t pad0;
	uint64_t frame;
};

static struct start_info *si;
static uint64_t *p2m;
static int me;			/* 0 dom0, 1 the peer */
static domid_t other, self_id;	/* the other side's domain id, and ours */
static struct mailbox *box;
static struct pool_page pool[NPOOL + NSHARE];	/* the last NSHARE: shared pool */
static struct win win[NWIN];
static struct handle handles[NHANDLES];
static uint64_t gnt_va[NGNT], gnt_mfn[NGNT];
static uint64_t status_mfn[NGNT];	/* v2's status frames */
static unsigned int status_frames;
static unsigned int gnt_frames, gnt_version = 1;
static uint64_t shinfo_mfn, l4_mfn, peek_va;
static uint64_t state, calls, max_calls, step;
static const char *action = "setup";
static char why[200];
static long last_rc;
static bool on_lamina_cached;
static bool trace;		/* trace=1: every fuzzing hypercall on the console */
static const char *off_list = "";	/* off=: actions and mutations left out */

/* ------------------------------------------------------------ basics */

static uint64_t rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static uint64_t pick(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int percent)
{
	return pick(100) < percent;
}

static bool in_list(const char *list, const char *name);

/* A named mutation, unless off= leaves it out (to get past a known bug). */
static bool mutation(const char *name, unsigned int percent)
{
	return !in_list(off_list, name) && pick(100) < percent;
}

/* A hypercall made by a fuzzing action (counted; checks are not). */
static long hc(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	calls++;
	last_rc = hypercall5(nr, a1, a2, a3, a4, 0);
	if (trace)
		printf("fuzz: %lu: %s: hypercall %lu(%#lx, %#lx, %#lx, %#lx) = %ld\n",
		       (unsigned long)step, action, (unsigned long)nr, (unsigned long)a1,
		       (unsigned long)a2, (unsigned long)a3, (unsigned long)a4, last_rc);
	return last_rc;
}

static long gnttab(unsigned int cmd, void *arg, unsigned int count)
{
	return hc(__HYPERVISOR_grant_table_op, cmd, (uint64_t)arg, count, 0);
}

/* Reads a qword, false if that faults. */
static bool probe_read(uint64_t addr, uint64_t *val)
{
	uint64_t v = 0;
	uint32_t ok;

	asm volatile("movl $0, %1\n"
		     "1: movq (%2), %0\n"
		     "movl $1, %1\n"
		     "2:\n"
		     ".pushsection .fixup, \"a\"\n.balign 8\n.quad 1b, 2b\n.popsection"
		     : "=&r"(v), "=&r"(ok) : "r"(addr) : "memory");
	*val = v;
	return ok;
}

/*
 * The start-of-day region's L1 tables, found once at setup while they are
 * intact: the fuzzer rewrites the M2P and gives frames back, so later
 * walks through lib/mm.c's M2P lookups could fault. Nothing here ever
 * replaces these tables.
 */
#define REGION_L1S	8
static const volatile uint64_t *region_l1[REGION_L1S];
static uint64_t region_l1_mfn[REGION_L1S];

static void find_region_l1s(void)
{
	unsigned int k;

	for (k = 0; k < REGION_L1S; k++) {
		uint64_t va = GUEST_VIRT_BASE + ((uint64_t)k << 21), v, ma;

		if (!probe_read(va, &v))
			break;		/* past the region */
		ma = l1e_maddr(va);
		region_l1_mfn[k] = ma >> 12;
		region_l1[k] = (const volatile uint64_t *)mfn_to_va(ma >> 12);
	}
}

/* Machine address of a region VA's PTE, 0 outside the region. */
static uint64_t pte_maddr(uint64_t va)
{
	uint64_t k = (va - GUEST_VIRT_BASE) >> 21;

	if (k >= REGION_L1S || !region_l1[k])
		return 0;
	return (region_l1_mfn[k] << 12) + ((va >> 12) & 511) * 8;
}

static uint64_t pte_of(uint64_t va)
{
	uint64_t k = (va - GUEST_VIRT_BASE) >> 21;

	if (k >= REGION_L1S || !region_l1[k])
		return 0;
	return region_l1[k][(va >> 12) & 511];
}

static bool is_own(uint64_t mfn)
{
	uint64_t pfn;

	if (mfn >= (1ULL << 36) ||
	    !probe_read(MACH2PHYS_VIRT_START + mfn * 8, &pfn))
		return false;
	return pfn < si->nr_pages && p2m[pfn] == mfn;
}

static bool published_by_other(uint64_t mfn)
{
	unsigned int i, n = box->npub[!me];

	for (i = 0; i < n && i < NPUB; i++)
		if (box->pub[!me][i] == mfn)
			return true;
	return false;
}

/* Frames of the other side we mapped while it published them. */
#define NREACHED	1024
static uint64_t reached[NREACHED];
static unsigned int nreached;

static void freed_forget(uint64_t mfn);

/* Also forgets it as one of ours given back: it is the other's now. */
static void reached_add(uint64_t mfn)
{
	unsigned int i;

	if (trace)
		printf("fuzz: reached %#lx\n", (unsigned long)mfn);
	freed_forget(mfn);
	for (i = 0; i < nreached && i < NREACHED; i++)
		if (reached[i] == mfn)
			return;
	reached[nreached++ % NREACHED] = mfn;
}

static bool was_reached(uint64_t mfn)
{
	unsigned int i;

	for (i = 0; i < nreached && i < NREACHED; i++)
		if (reached[i] == mfn)
			return true;
	return published_by_other(mfn);
}

static bool is_special(uint64_t mfn)
{
	unsigned int i;

	for (i = 0; i < gnt_frames; i++)
		if (gnt_mfn[i] == mfn)
			return true;
	for (i = 0; i < status_frames; i++)
		if (status_mfn[i] == mfn)
			return true;
	return mfn == shinfo_mfn;
}

/*
 * dom0 may map I/O frames (Xen shares the first MiB and non-RAM ranges
 * with dom0 through DOMID_IO), but not RAM it does not own, nor the
 * interrupt controllers the hypervisor drives.
 */
#define MAX_E820	64
static struct e820_entry e820[MAX_E820];
static unsigned int ne820;

static void read_machine_memory_map(void)
{
	struct xen_memory_map mm = { MAX_E820, 0, (uint64_t)e820 };

	if (!hypercall2(__HYPERVISOR_memory_op, XENMEM_machine_memory_map, &mm))
		ne820 = mm.nr_entries < MAX_E820 ? mm.nr_entries : MAX_E820;
}

static bool hypervisor_driven(uint64_t mfn)
{
	return mfn == 0xFEE00 || mfn == 0xFEC00 || mfn == 0xFED00;
}

static bool dom0_io_frame(uint64_t mfn)
{
	unsigned int i;

	if (me || hypervisor_driven(mfn))
		return false;
	if (mfn < 0x100)
		return true;
	for (i = 0; i < ne820; i++)
		if (e820[i].type == 1 && mfn >= e820[i].addr >> 12 &&
		    mfn < (e820[i].addr + e820[i].size) >> 12)
			return false;
	return ne820 > 0;
}

/*
 * Frames we gave back, newest last: still reachable through a PTE or a
 * stale TLB entry of ours, each must keep the marker we left in it.
 */
#define NFREED		512
static struct { uint64_t mfn; bool marked; } freed[NFREED];
static unsigned int nfreed;

static int freed_index(uint64_t mfn)
{
	unsigned int i;

	for (i = 0; i < nfreed && i < NFREED; i++)
		if (freed[i].mfn == mfn)
			return (int)i;
	return -1;
}

static void freed_add(uint64_t mfn, bool marked)
{
	int i = freed_index(mfn);

	if (i < 0)
		i = (int)(nfreed++ % NFREED);
	freed[i].mfn = mfn;
	freed[i].marked = marked;
}

/* A frame we hold again (the hypervisor may hand one back): not freed. */
static void freed_forget(uint64_t mfn)
{
	int i = freed_index(mfn);

	if (i >= 0) {
		freed[i].mfn = NO_MFN;
		freed[i].marked = false;
	}
}

/*
 * We (or, through a grant, the other side) may still write a frame we gave
 * back while anything holds it (Xen counts it as ours until then): after
 * such a write it has no marker to check.
 */
static void freed_written(uint64_t mfn)
{
	int i = freed_index(mfn);

	if (i >= 0)
		freed[i].marked = false;
}

static bool freed_marked(uint64_t mfn)
{
	int i = freed_index(mfn);

	return mfn != NO_MFN && i >= 0 && freed[i].marked;
}

/*
 * The hypervisor's own answer to "is this frame the caller's?": an M2P
 * update of it, writing back the value it has, is allowed only then. Used
 * before reporting a frame as not ours: frames can reach us in ways the
 * guest does not follow (Xen gives dom0 some outside its p2m), and what
 * the hypervisor validated as ours must at least agree with its answer.
 */
static bool hypervisor_says_owner(uint64_t mfn, domid_t dom)
{
	struct mmu_update u = { (mfn << 12) | MMU_MACHPHYS_UPDATE, ~0ULL };

	if (mfn >= (1ULL << 36))
		return false;
	probe_read(MACH2PHYS_VIRT_START + mfn * 8, &u.val);
	return hypercall5(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, dom, 0) == 0;
}

static bool hypervisor_says_ours(uint64_t mfn)
{
	return hypervisor_says_owner(mfn, DOMID_SELF);
}

/* Ours, or given back while something of ours still holds it (Xen's rule too). */
static bool still_ours(uint64_t mfn)
{
	return is_own(mfn) || is_special(mfn) || freed_index(mfn) >= 0;
}

/* ------------------------------------------------------------ invariants */

static bool violated;

static int violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int violation(const char *fmt, ...)
{
	va_list ap;

	if (violated)
		return -1;	/* the first one is the one to replay */
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	violated = true;
	return -1;
}

/* A page of a table we can read: its region VA if mapped there, else a peek. */
static const uint64_t *table_view(uint64_t mfn)
{
	uint64_t va = 0, v;

	if (mfn < (1ULL << 36) && probe_read(MACH2PHYS_VIRT_START + mfn * 8, &va))
		va = GUEST_VIRT_BASE + (va << 12);	/* mfn_to_va(), but no fault */
	if (va - GUEST_VIRT_BASE < ((uint64_t)si->nr_pages << 12) && probe_read(va, &v) &&
	    (pte_of(va) & (PTE_ADDR | PTE_P)) == ((mfn << 12) | PTE_P))
		return (const uint64_t *)va;
	if (update_va_mapping(peek_va, (mfn << 12) | PTE_P | PTE_US | PTE_A, UVMF_INVLPG))
		return NULL;
	return (const uint64_t *)peek_va;
}

/* The tables we found: frame, level, and the VA its entry 0 maps (or NO_MFN). */
/*
 * The tables we found: frame, level, the VA its entry 0 maps (or NO_MFN),
 * and whether the path to it was writable all the way (a read-only entry
 * above makes everything below read-only, as the MMU combines them). A
 * table reached both ways is listed twice.
 */
#define MAX_TABLES	512
static struct { uint64_t mfn, va; int level; bool rw; } tables[MAX_TABLES];
static unsigned int ntables;

static bool seen_table(uint64_t mfn, int level, bool rw)
{
	unsigned int i;

	for (i = 0; i < ntables; i++)
		if (tables[i].mfn == mfn && tables[i].level == level && tables[i].rw == rw)
			return true;
	return false;
}

/*
 * An L4 of ours (the one we run on, or a pool page pinned as one). Xen 4.17
 * lets an entry reference a table of its own level (linear page tables,
 * pv-linear-pt): such an L4 met one level down is walked as its own root,
 * not as an L3 whose slots 256-271 would be the hypervisor's.
 */
#define HV_SLOT		262	/* a hypervisor L4 slot every L4 shares (direct map) */
static uint64_t hv_slot;

static bool known_l4(uint64_t mfn)
{
	unsigned int i;

	if (mfn == l4_mfn)
		return true;
	for (i = 0; i < NPOOL; i++)
		if (pool[i].mfn == mfn && pool[i].pinned == 4)
			return true;
	return false;
}

static bool is_table(uint64_t mfn)
{
	unsigned int i;

	for (i = 0; i < ntables; i++)
		if (tables[i].mfn == mfn)
			return true;
	return false;
}

static uint64_t canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16);
}

/* Adds a table frame (level 1-4) and, above L1, the tables it references. */
static uint64_t parent_table;	/* for the report: the table that referenced it */
static int walk_root = -1;	/* for the report: -1 our L4, else the pinned pool page */

static int add_table(uint64_t mfn, int level, uint64_t va, bool rw)
{
	static uint64_t copies[5][512];		/* the boot stack is one page */
	uint64_t *entries = copies[level];
	const uint64_t *t;
	unsigned int i;

	if (seen_table(mfn, level, rw) || (level < 4 && known_l4(mfn)))
		return 0;
	if (!is_own(mfn) && freed_index(mfn) < 0 && !hypervisor_says_ours(mfn)) {
		uint64_t m2p = ~0ULL;

		probe_read(MACH2PHYS_VIRT_START + mfn * 8, &m2p);
		return violation("an L%d table in use is frame %#lx, not ours (M2P %#lx, p2m "
				 "there %#lx; referenced by %#lx, under %s %d)", level,
				 (unsigned long)mfn, (unsigned long)m2p,
				 (unsigned long)(m2p < si->nr_pages ? p2m[m2p] : ~0ULL),
				 (unsigned long)parent_table, walk_root < 0 ? "our L4" : "pool page",
				 walk_root < 0 ? 4 : walk_root);
	}
	if (ntables == MAX_TABLES)
		return 0;
	tables[ntables].mfn = mfn;
	tables[ntables].va = va;
	tables[ntables].rw = rw;
	tables[ntables++].level = level;
	if (level == 1)
		return 0;
	t = table_view(mfn);
	if (!t)
		return violation("cannot map our L%d table %#lx read-only", level,
				 (unsigned long)mfn);
	memcpy(entries, t, sizeof(copies[0]));	/* the peek page is reused below */
	if (level == 4)
		hv_slot = entries[HV_SLOT];
	else if ((hv_slot & PTE_P) && entries[HV_SLOT] == hv_slot)
		return 0;	/* an L4 (it has the hypervisor's slots) met linearly */
	for (i = 0; i < 512; i++) {
		uint64_t sub = va == NO_MFN ? NO_MFN :
			       canonical(va + ((uint64_t)i << (12 + 9 * (level - 1))));

		if (level == 4 && i >= 256 && i < 272)
			continue;		/* the hypervisor's slots */
		if (!(entries[i] & PTE_P))
			continue;
		if (entries[i] & PTE_PSE)
			return violation("L%d %#lx entry %u is a superpage (%#lx)", level,
					 (unsigned long)mfn, i, (unsigned long)entries[i]);
		parent_table = mfn;
		if (add_table((entries[i] & PTE_ADDR) >> 12, level - 1, sub,
			      rw && (entries[i] & PTE_RW)))
			return -1;
	}
	return 0;
}

/* Invariant 3 for one VA: what it reaches of a frame we gave back is our marker. */
static int check_marker(uint64_t va, uint64_t last_mfn, bool mapped)
{
	static const unsigned int offs[] = { 0, 1024, 2048, SCRIBBLE - 8 };
	unsigned int i;
	uint64_t v;

	if (!mapped) {			/* a region VA: look at its PTE */
		uint64_t pte = pte_of(va);

		mapped = pte & PTE_P;
		if (mapped)
			last_mfn = (pte & PTE_ADDR) >> 12;	/* what it maps now */
	}
	if (mapped && (is_own(last_mfn) || is_special(last_mfn) || was_reached(last_mfn)))
		return 0;		/* the other side's (or ours) again, legitimately */
	if (!freed_marked(last_mfn))
		return 0;
	/*
	 * Mapped, and the hypervisor calls it ours: it came back to us in a way
	 * we did not follow (Lamina never releases a mapped frame), or on Xen
	 * it is still ours while mapped, where only our own writes change it.
	 */
	if (mapped && hypervisor_says_ours(last_mfn))
		return 0;
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		if (!probe_read(va + offs[i], &v))
			return 0;	/* no translation left: fine */
		/* A stale entry may still show an older frame of ours: any marker will do. */
		if (v != (MARK ^ last_mfn) && !((v ^ MARK) < (1ULL << 36) && freed_marked(v ^ MARK)))
			return violation("frame %#lx, given back, was reused while %#lx still "
					 "reaches it (%s; reads %#lx at +%u)", (unsigned long)last_mfn,
					 (unsigned long)va, mapped ? "mapped" : "stale TLB",
					 (unsigned long)v, offs[i]);
	}
	return 0;
}

static int check_leaf(uint64_t l1, unsigned int i, uint64_t e, uint64_t va, bool rw)
{
	uint64_t mfn = (e & PTE_ADDR) >> 12, m2p = ~0ULL;

	if (is_own(mfn)) {
		if (rw && (e & PTE_RW) && is_table(mfn))
			return violation("L1 %#lx entry %u maps our table %#lx writable",
					 (unsigned long)l1, i, (unsigned long)mfn);
		return 0;
	}
	if (is_special(mfn) || was_reached(mfn) || dom0_io_frame(mfn))
		return 0;
	/* Xen 4.17 lets dom0 read the IOAPIC and HPET (mmio_ro_ranges), never the LAPIC */
	if (hypervisor_driven(mfn) && (mfn == 0xFEE00 || (rw && (e & PTE_RW))))
		return violation("L1 %#lx entry %u (%#lx) maps frame %#lx, an interrupt "
				 "controller the hypervisor drives", (unsigned long)l1, i,
				 (unsigned long)e, (unsigned long)mfn);
	if (hypervisor_driven(mfn) && !me)
		return 0;
	if (freed_index(mfn) >= 0)	/* ours while we map it, if it kept the marker */
		return va == NO_MFN ? 0 : check_marker(va, mfn, true);
	if (hypervisor_says_ours(mfn))
		return 0;
	if (!me && hypervisor_says_owner(mfn, other))
		return 0;	/* dom0 may map any frame of the peer's */
	probe_read(MACH2PHYS_VIRT_START + mfn * 8, &m2p);
	return violation("L1 %#lx entry %u (%#lx) maps frame %#lx, which is not ours "
			 "(M2P %#lx)", (unsigned long)l1, i, (unsigned long)e, (unsigned long)mfn,
			 (unsigned long)m2p);
}

/*
 * A pool page we believe pinned, checked: one that maps writable is no
 * table (some call we could not follow unpinned it), so its contents are
 * plain data and not to be walked.
 */
static bool still_typed(struct pool_page *p)
{
	if (!is_own(p->mfn)) {
		if (trace)
			printf("fuzz: pool frame %#lx is not ours\n", (unsigned long)p->mfn);
		return false;
	}
	if (update_va_mapping(peek_va, (p->mfn << 12) | PTE_DATA, UVMF_INVLPG))
		return true;
	update_va_mapping(peek_va, 0, UVMF_INVLPG);
	p->pinned = 0;
	return false;
}

/* Invariant 1: walks every table reachable from our L4 and from pinned ones. */
static int check_mappings(void)
{
	static uint64_t entries[512];
	unsigned int i, j;

	ntables = 0;
	walk_root = -1;
	if (add_table(l4_mfn, 4, 0, true))
		return -1;
	for (i = 0; i < NPOOL; i++) {
		parent_table = NO_MFN;
		walk_root = (int)i;
		if (pool[i].pinned && pool[i].mfn != NO_MFN && still_typed(&pool[i]) &&
		    add_table(pool[i].mfn, pool[i].pinned, NO_MFN, true))
			return -1;
	}
	for (i = 0; i < ntables; i++) {
		const uint64_t *t;
		uint64_t base = tables[i].va;

		if (tables[i].level != 1)
			continue;
		t = table_view(tables[i].mfn);
		if (!t)
			return violation("cannot map our L1 %#lx", (unsigned long)tables[i].mfn);
		memcpy(entries, t, sizeof(entries));
		for (j = 0; j < 512; j++)
			if ((entries[j] & PTE_P) &&
			    check_leaf(tables[i].mfn, j, entries[j],
				       base == NO_MFN ? NO_MFN : base + j * 4096ULL, tables[i].rw))
				return -1;
	}
	return 0;
}

/* Invariant 2: the hypervisor's range, outside the read-only M2P. */
static int check_hypervisor_range(void)
{
	static const uint64_t fixed[] = {
		0xFFFF830000000000ULL + 0x200000,	/* a direct map's 2 MiB */
		0xFFFF82D040200000ULL,			/* Xen's text */
		0xFFFF810000000000ULL,			/* a linear-map slot */
	};
	uint64_t span = HYPERVISOR_VIRT_END - MACH2PHYS_VIRT_END, v;
	uint64_t addr = MACH2PHYS_VIRT_END + (pick(span) & ~7ULL);

	if (chance(50))
		addr = fixed[pick(ARRAY_SIZE(fixed))];
	if (probe_read(addr, &v))
		return violation("hypervisor address %#lx is readable (%#lx)",
				 (unsigned long)addr, (unsigned long)v);
	return 0;
}

static int check_markers(void)
{
	unsigned int i;

	for (i = 0; i < NPOOL; i++)
		if (check_marker(pool[i].va, pool[i].mfn == NO_MFN ? pool[i].old_mfn : NO_MFN, false))
			return -1;
	for (i = 0; i < NWIN; i++)
		if (check_marker(win[i].va, win[i].last_mfn, false))
			return -1;
	return 0;
}

static int check_all(void)
{
	if (violated || check_hypervisor_range() || check_markers() || check_mappings())
		return -1;
	return 0;
}

/* ------------------------------------------------------------ picking */

static struct pool_page *any_pool(void)
{
	return &pool[pick(NPOOL)];
}

static struct pool_page *live_pool(void)
{
	unsigned int i, start = pick(NPOOL);

	for (i = 0; i < NPOOL; i++)
		if (pool[(start + i) % NPOOL].mfn != NO_MFN)
			return &pool[(start + i) % NPOOL];
	return NULL;
}

static uint64_t other_frame(void)
{
	unsigned int n = box->npub[!me];

	return n ? box->pub[!me][pick(n < NPUB ? n : NPUB)] : 0x200;
}

/* Low frames that are not ours: the hypervisor's, free ones, or none. */
static uint64_t foreign_frame(void)
{
	uint64_t f = chance(50) ? 0x200 : pick(0x10000);

	return is_own(f) || is_special(f) ? 1ULL << 30 : f;
}

/* A frame number: mostly one we may use, sometimes one we may not. */
static uint64_t pick_frame(void)
{
	struct pool_page *p = any_pool();
	unsigned int r = pick(100);

	if (r < 30)
		return p->mfn != NO_MFN ? p->mfn : p->old_mfn;
	if (r < 42)
		return pool[NPOOL + pick(NSHARE)].mfn;
	if (r < 50)
		return p->old_mfn != NO_MFN ? p->old_mfn : p->mfn;	/* given back */
	if (r < 65)
		return other_frame();
	if (r < 70)
		return shinfo_mfn;
	if (r < 75)
		return gnt_frames ? gnt_mfn[pick(gnt_frames)] : l4_mfn;
	if (r < 80)
		return va_to_mfn(si->pt_base + pick(si->nr_pt_frames) * 4096);	/* boot tables */
	if (r < 85)
		return (p->mfn != NO_MFN ? p->mfn : 0x1000) + (chance(50) ? 1 : -1);
	if (r < 90)
		return p2m[pick(si->nr_pages)];		/* any of ours, even the kernel */
	switch (pick(5)) {
	case 0: return 0x200;			/* the hypervisor image */
	case 1: return 0;
	case 2: return pick(0x10000);
	case 3:					/* LAPIC, IOAPIC */
		if (chance(50) ? mutation("lapic", 100) : false)
			return 0xFEE00;
		return mutation("ioapic", 100) ? 0xFEC00 : 0x200;
	default: return rnd() & 0xFFFFFFFFFULL;
	}
}

static uint64_t pick_flags(void)
{
	static const uint64_t f[] = {
		PTE_P | PTE_US | PTE_A, PTE_DATA, PTE_P | PTE_RW, 0, PTE_DATA | PTE_PSE,
		PTE_P | PTE_US | (1ULL << 63), PTE_DATA | (1ULL << 52),
	};

	return f[chance(70) ? pick(3) : pick(ARRAY_SIZE(f))];
}

static unsigned int gnt_capacity(void)
{
	return gnt_frames * (gnt_version == 2 ? 256 : 512);
}

static grant_ref_t pick_ref(void)
{
	static const grant_ref_t edge[] = { 0, REF_MAILBOX, 255, 256, 511, 512, 513, 1023, 1024 };
	unsigned int r = pick(100);

	if (r < 60)
		return REF_SHARE + pick(NSHARE + 2);
	if (r < 85)
		return edge[pick(ARRAY_SIZE(edge))];
	if (r < 95)
		return pick(2048);
	return (grant_ref_t)rnd();
}

static domid_t pick_dom(void)
{
	switch (chance(75) ? 0 : pick(5)) {
	case 0: return other;
	case 1: return DOMID_SELF;
	case 2: return me ? 0 : 1;
	case 3: return (domid_t)pick(8);
	default: return (domid_t)rnd();
	}
}

/* No flush leaves a stale translation behind (mutation "noflush"). */
static uint64_t pick_flush(void)
{
	static const uint64_t f[] = { UVMF_INVLPG, UVMF_TLB_FLUSH, UVMF_INVLPG | UVMF_ALL };

	if (mutation("noflush", 25))
		return UVMF_NONE;
	return f[pick(ARRAY_SIZE(f))];
}

/* ------------------------------------------------------------ page tables */

static void set_region(struct pool_page *p, bool rw)
{
	uint64_t flags = rw ? PTE_DATA : PTE_P | PTE_US | PTE_A;

	hypercall3(__HYPERVISOR_update_va_mapping, p->va, (p->mfn << 12) | flags, UVMF_INVLPG);
}

/* What a successful mmuext op did to a pool frame's pin. */
static void note_mmuext(const struct mmuext_op *op)
{
	unsigned int i;

	for (i = 0; i < NPOOL; i++) {
		if (pool[i].mfn != op->arg1.mfn || pool[i].mfn == NO_MFN)
			continue;
		if (op->cmd <= MMUEXT_PIN_L4_TABLE)
			pool[i].pinned = op->cmd - MMUEXT_PIN_L1_TABLE + 1;
		else if (op->cmd == MMUEXT_UNPIN_TABLE)
			pool[i].pinned = 0;
	}
}

static void act_pin(void)
{
	struct pool_page *p = live_pool();
	unsigned int level = 1 + pick(4);
	struct mmuext_op op = { MMUEXT_PIN_L1_TABLE + level - 1, 0, { 0 }, { 0 } };

	action = "pin";
	if (!p)
		return;
	if (chance(60) && !p->pinned && (pte_of(p->va) & PTE_RW))
		memset((void *)p->va, 0, 4096);
	if (chance(90))
		set_region(p, false);
	op.arg1.mfn = chance(90) ? p->mfn : pick_frame();
	if (!hc(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF))
		note_mmuext(&op);
}

static void act_unpin(void)
{
	struct pool_page *p = live_pool();
	struct mmuext_op op = { MMUEXT_UNPIN_TABLE, 0, { 0 }, { 0 } };

	action = "unpin";
	if (!p)
		return;
	op.arg1.mfn = chance(85) ? p->mfn : pick_frame();
	if (!hc(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF))
		note_mmuext(&op);
	if (!p->pinned && chance(70))
		set_region(p, true);		/* fails while still a table: fine */
}

/* One entry of a pool frame (a table or not), or of our L4's slots 1-3. */
static void act_pt_entry(void)
{
	static const unsigned int edge[] = { 0, 1, 255, 256, 271, 272, 511 };
	struct pool_page *p = live_pool(), *q = any_pool();
	struct mmu_update u[3];
	unsigned int idx = chance(50) ? edge[pick(ARRAY_SIZE(edge))] : pick(512), n = 1, i;
	uint64_t frame = chance(60) && q->mfn != NO_MFN ? q->mfn : pick_frame();
	domid_t fd = DOMID_SELF;

	action = "mmu_update";
	if (!p)
		return;
	u[0].ptr = (p->mfn << 12) + idx * 8;
	if (chance(15))
		u[0].ptr = (l4_mfn << 12) + (1 + pick(3)) * 8;	/* hook a tree */
	else if (chance(5))
		u[0].ptr += 2 + pick(3);	/* PRESERVE_AD, NO_TRANSLATE, half an entry */
	u[0].val = (frame << 12) | (chance(50) ? PTE_P | PTE_RW | PTE_US | PTE_A : pick_flags());
	if (chance(10))
		u[0].val = 0;
	if (chance(10)) {
		n = 2 + pick(2);				/* repeats, aliases */
		for (i = 1; i < n; i++)
			u[i] = chance(50) ? u[0] : (struct mmu_update){ u[0].ptr + 8, u[0].val };
	}
	if (!me && chance(15))
		fd = other;
	else if (chance(5))
		fd = pick_dom();
	hc(__HYPERVISOR_mmu_update, (uint64_t)u, n, 0, fd);
	for (i = 0; i < n; i++)
		freed_written(u[i].ptr >> 12);
}

/*
 * MMU_MACHPHYS_UPDATE of frames that may not be ours (the other side's,
 * one we gave back, the hypervisor's): whatever it answers, what it
 * changed of ours is put back at once. Asserted only for Lamina's image
 * at 2 MiB: frames migrate between domains faster than the guest can
 * tell, and a given-back frame stays ours while anything holds it.
 */
static void act_machphys(void)
{
	struct pool_page *p = any_pool();
	uint64_t frame, was = ~0ULL;
	struct mmu_update u;

	action = "machphys_update";
	switch (pick(4)) {
	case 0: frame = other_frame(); break;
	case 1: frame = p->old_mfn != NO_MFN ? p->old_mfn : foreign_frame(); break;
	case 2: frame = foreign_frame(); break;
	default: frame = p->mfn != NO_MFN ? p->mfn : foreign_frame();
	}
	if (frame >= (1ULL << 36))
		return;
	probe_read(MACH2PHYS_VIRT_START + frame * 8, &was);
	u = (struct mmu_update){ (frame << 12) | MMU_MACHPHYS_UPDATE, chance(50) ? p->pfn : rnd() };
	if (hc(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, DOMID_SELF))
		return;
	if (frame == 0x200 && on_lamina_cached)
		violation("MMU_MACHPHYS_UPDATE rewrote the M2P entry of frame 0x200, "
			  "the hypervisor's image");
	u.val = was;
	hypercall5(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, DOMID_SELF, 0);
}

/* A window VA remapped: own frames, tables, others' frames, nothing. */
static void act_map_window(void)
{
	struct win *w = &win[pick(NWIN)];
	uint64_t frame = pick_frame(), val = (frame << 12) | pick_flags();

	action = "update_va_mapping";
	if (chance(20))
		val = 0;
	if (!hc(__HYPERVISOR_update_va_mapping, w->va, val, pick_flush(), 0) && (val & PTE_P))
		w->last_mfn = frame;
}

/* dom0 maps the peer's frames; the peer tries to map dom0's. */
static void act_foreign(void)
{
	struct win *w = &win[pick(NWIN)];
	uint64_t frame = chance(70) ? other_frame() : pick_frame();
	uint64_t val = (frame << 12) | (chance(50) ? PTE_DATA : pick_flags());

	action = "foreign map";
	if (chance(50)) {
		struct mmu_update u = { pte_maddr(w->va), val };

		if (hc(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, chance(85) ? other : pick_dom()))
			return;
	} else if (hc(__HYPERVISOR_update_va_mapping_otherdomain, w->va, val, pick_flush(),
		      chance(85) ? other : pick_dom())) {
		return;
	}
	w->last_mfn = frame;
	if ((val & PTE_P) && published_by_other(frame))
		reached_add(frame);
}

/* ------------------------------------------------------------ memory */

/* Fills a pool page with its marker, if we can write it; true if we did. */
static bool mark(struct pool_page *p)
{
	uint64_t *v = (uint64_t *)p->va, pte = pte_of(p->va);
	unsigned int i;

	if ((pte & (PTE_P | PTE_RW)) != (PTE_P | PTE_RW) || ((pte & PTE_ADDR) >> 12) != p->mfn)
		return false;
	for (i = 0; i < 512; i++)
		v[i] = MARK ^ p->mfn;
	return true;
}

static bool named_in_grant(uint64_t mfn);

static void given_back(struct pool_page *p, bool marked)
{
	freed_add(p->mfn, marked && !named_in_grant(p->mfn));
	p->old_mfn = p->mfn;
	p->mfn = NO_MFN;
	p->pinned = 0;
	p2m[p->pfn] = NO_MFN;
}

/* For the extra entries of a reservation list: never a frame we live on. */
static uint64_t pick_loose_frame(void)
{
	struct pool_page *p = any_pool();

	switch (pick(4)) {
	case 0: return p->mfn != NO_MFN ? p->mfn : p->old_mfn;
	case 1: return p->old_mfn != NO_MFN ? p->old_mfn : foreign_frame();
	case 2: return other_frame();
	default: return foreign_frame();
	}
}

/* A frame the hypervisor took back: a pool page's, or one of a mutation's. */
static void took_back(uint64_t mfn, struct pool_page *p, bool marked)
{
	unsigned int i;

	for (i = 0; i < NPOOL; i++)
		if (pool[i].mfn == mfn && pool[i].mfn != NO_MFN) {
			given_back(&pool[i], &pool[i] == p && marked);
			return;
		}
	freed_add(mfn, false);
}

static void act_decrease(void)
{
	struct pool_page *p = live_pool();
	uint64_t list[3];
	struct xen_memory_reservation r = { (uint64_t)list, 1, 0, 0, DOMID_SELF, { 0 } };
	unsigned int j;
	bool marked;
	long rc;

	action = "decrease_reservation";
	if (!p || p->pinned > 1)
		return;		/* keep trees simple to give back: L1s only */
	marked = mark(p);
	if (chance(85))		/* unmapped first, maybe without a flush */
		hypercall3(__HYPERVISOR_update_va_mapping, p->va, 0,
			   mutation("noflush", 50) ? UVMF_NONE : UVMF_INVLPG);
	list[0] = p->mfn;
	if (chance(15)) {
		r.nr_extents = 2 + pick(2);
		list[1] = chance(50) ? p->mfn : pick_loose_frame();
		list[2] = pick_loose_frame();
	}
	if (chance(3)) {	/* a large extent of frames that are not ours */
		list[0] = chance(50) ? other_frame() : foreign_frame();
		r.nr_extents = 1;
		r.extent_order = 1 + pick(9);
	}
	rc = hc(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, (uint64_t)&r, 0, 0);
	for (j = 0; rc > 0 && j < rc && j < r.nr_extents; j++)
		took_back(list[j], p, marked);
	if (p->mfn != NO_MFN && !(pte_of(p->va) & PTE_P))
		set_region(p, !p->pinned);	/* still ours: map it again */
}

static void publish_frame(uint64_t mfn);

/* Gives a new frame to a pool page that gave its own back. */
static bool refill(struct pool_page *p, uint64_t mfn)
{
	struct mmu_update u = { (mfn << 12) | MMU_MACHPHYS_UPDATE, p->pfn };

	if (hypercall5(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, DOMID_SELF, 0))
		return false;
	freed_forget(mfn);
	p->mfn = mfn;
	p2m[p->pfn] = mfn;
	p->pinned = 0;
	publish_frame(mfn);
	set_region(p, true);
	return true;
}

static void drop_frame(uint64_t mfn);

static void act_increase(void)
{
	unsigned int i, start = pick(NPOOL);
	struct pool_page *p = NULL;
	uint64_t list[2] = { 0, 0 };
	struct xen_memory_reservation r = { (uint64_t)list, 1, 0, 0, DOMID_SELF, { 0 } };
	long rc;

	action = "increase_reservation";
	for (i = 0; i < NPOOL && !p; i++)
		if (pool[(start + i) % NPOOL].mfn == NO_MFN)
			p = &pool[(start + i) % NPOOL];
	if (!p)
		return;
	if (chance(10))
		r.nr_extents = pick(3);
	if (chance(5))
		r.extent_order = 1 + pick(3);
	if (chance(5))
		r.mem_flags = 20 + pick(12);		/* address bits */
	if (chance(3))
		r.domid = pick_dom();
	rc = hc(__HYPERVISOR_memory_op, XENMEM_increase_reservation, (uint64_t)&r, 0, 0);
	if (trace)
		printf("fuzz: increase %lu order %u dom %u gave %ld: %#lx %#lx\n",
		       (unsigned long)r.nr_extents, r.extent_order, r.domid, rc,
		       (unsigned long)list[0], (unsigned long)list[1]);
	if (r.domid == self_id)
		r.domid = DOMID_SELF;		/* our own id: the same, frames for us */
	if (rc >= 1 && r.domid == other && r.extent_order == 0)
		for (i = 0; i < (unsigned int)rc && i < 2; i++)
			reached_add(list[i]);	/* dom0 gave the peer frames: may map them */
	if (rc >= 1 && r.extent_order == 0 && r.domid == DOMID_SELF)
		refill(p, list[0]);
	if (rc >= 1 && r.extent_order && r.domid == DOMID_SELF) {	/* not for the pool */
		struct xen_memory_reservation d = r;

		d.nr_extents = rc;
		if (hypercall2(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, &d) != rc && trace)
			printf("fuzz: could not drop the extents\n");
		return;
	}
	if (rc >= 2 && r.extent_order == 0 && r.domid == DOMID_SELF)
		drop_frame(list[1]);		/* the extra one goes back */
}

/* Frames we do not keep: straight back to the hypervisor. */
static void drop_frame(uint64_t mfn)
{
	struct xen_memory_reservation d = { (uint64_t)&mfn, 1, 0, 0, DOMID_SELF, { 0 } };

	if (hypercall2(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, &d) == 1)
		freed_add(mfn, false);
	else if (trace)
		printf("fuzz: could not drop frame %#lx\n", (unsigned long)mfn);
}

/* One input frame of an exchange went, `got` came: the pool page's own, or a mutation's. */
static void exchanged(struct pool_page *p, uint64_t gave, uint64_t got, bool marked)
{
	if (p && p->mfn == gave) {
		given_back(p, marked);
		refill(p, got);
		return;
	}
	took_back(gave, NULL, false);
	drop_frame(got);
}

static long grant_frames(unsigned int want);

/*
 * The exploit shape of issue 16 A.2 as one action: touch a page, unmap it
 * without a flush, give its frame back, then make the hypervisor allocate
 * for itself (a bigger grant table, its active entries, an event bucket).
 * If it hands out the frame before flushing, our stale translation shows
 * its data instead of our marker (checked right after).
 */
static void act_reuse(void)
{
	unsigned int first = pick(NPOOL - 3), n = 1 + pick(4), i;
	uint64_t list[4], frames[NGNT], v;
	struct xen_memory_reservation r = { (uint64_t)list, 0, 0, 0, DOMID_SELF, { 0 } };
	struct gnttab_setup_table st = { DOMID_SELF, 0, 0, 0, { 0 }, (uint64_t)frames };
	struct evtchn_alloc_unbound au = { DOMID_SELF, 0, 0 };
	bool marked[4];
	long rc;

	action = "reuse";
	if (!mutation("noflush", 100))
		return;
	for (i = 0; i < n; i++) {	/* neighbours: the hypervisor may want them together */
		struct pool_page *p = &pool[first + i];

		if (p->mfn == NO_MFN || p->pinned || (i && p->mfn != list[i - 1] + 1))
			break;
		marked[i] = mark(p);
		if (!marked[i] || !probe_read(p->va, &v))
			break;		/* its translation is in the TLB now */
		list[i] = p->mfn;
	}
	if (!(n = i))
		return;
	for (i = 0; i < n; i++)
		hc(__HYPERVISOR_update_va_mapping, pool[first + i].va, 0, UVMF_NONE, 0);
	r.nr_extents = n;
	rc = hc(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, (uint64_t)&r, 0, 0);
	for (i = 0; i < n; i++) {
		if ((long)i < rc)
			given_back(&pool[first + i], marked[i]);
		else
			set_region(&pool[first + i], true);
	}
	st.nr_frames = gnt_frames < NGNT ? gnt_frames + 1 : gnt_frames;
	if (!gnttab(GNTTABOP_setup_table, &st, 1) && !st.status)
		grant_frames(st.nr_frames);
	hc(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, (uint64_t)&au, 0, 0);
}

static void act_exchange(void)
{
	struct pool_page *in[2];
	uint64_t ilist[3], olist[3], gave[3];
	struct xen_memory_exchange x;
	unsigned int n = 1 + pick(2), i;
	const uint64_t *outl;
	bool marked[2];

	action = "exchange";
	for (i = 0; i < n; i++) {
		in[i] = live_pool();
		if (!in[i] || in[i]->pinned)
			return;
	}
	if (n == 2 && in[0] == in[1] && (chance(50) || !mutation("exchange-dup", 100)))
		n = 1;
	for (i = 0; i < n; i++) {
		marked[i] = in[i] != in[0] || !i ? mark(in[i]) : marked[0];
		hypercall3(__HYPERVISOR_update_va_mapping, in[i]->va, 0,
			   mutation("noflush", 50) ? UVMF_NONE : UVMF_INVLPG);
		ilist[i] = in[i]->mfn;
		olist[i] = in[i]->pfn;
	}
	memset(&x, 0, sizeof(x));
	x.in = (struct xen_memory_reservation){ (uint64_t)ilist, n, 0, 0, DOMID_SELF, { 0 } };
	x.out = (struct xen_memory_reservation){ (uint64_t)olist, n, 0, 0, DOMID_SELF, { 0 } };
	if (mutation("exchange-dup", 15)) {		/* one input frame twice */
		ilist[n] = ilist[0];
		olist[n] = olist[0];
		x.in.nr_extents = x.out.nr_extents = n + 1;
	} else if (chance(15)) {
		i = pick(n);
		ilist[i] = pick_loose_frame();
		if (n == 2 && ilist[0] == ilist[1] && !mutation("exchange-dup", 100))
			ilist[i] = foreign_frame();
	} else if (chance(5)) {
		x.out.extent_order = 1;
	} else if (chance(5)) {
		x.out.extent_start = (uint64_t)ilist;		/* one list for both */
	}
	if (trace)
		printf("fuzz: exchange in %lu: %#lx %#lx %#lx, out %lu (order %u) at %s\n",
		       (unsigned long)x.in.nr_extents, (unsigned long)ilist[0],
		       (unsigned long)ilist[1], (unsigned long)ilist[2],
		       (unsigned long)x.out.nr_extents, x.out.extent_order,
		       x.out.extent_start == (uint64_t)ilist ? "the in list" : "its own list");
	memcpy(gave, ilist, sizeof(gave));	/* the out list may be the in list */
	hc(__HYPERVISOR_memory_op, XENMEM_exchange, (uint64_t)&x, 0, 0);
	outl = (const uint64_t *)x.out.extent_start;
	if (trace)
		printf("fuzz: exchanged %lu: %#lx %#lx\n", (unsigned long)x.nr_exchanged,
		       (unsigned long)outl[0], (unsigned long)outl[1]);
	/* Xen commits chunk by chunk: nr_exchanged counts even when rc < 0. */
	for (i = 0; i < x.nr_exchanged && i < x.in.nr_extents && i < 3; i++)
		if (x.out.extent_order == 0)
			exchanged(i < n ? in[i] : NULL, gave[i], outl[i], i < n && marked[i]);
	for (i = 0; i < n; i++)
		if (in[i]->mfn != NO_MFN)
			set_region(in[i], true);
}

/* ------------------------------------------------------------ grants */

static void publish_frame(uint64_t mfn)
{
	unsigned int i, n;

	if (!box || mfn == NO_MFN)
		return;		/* dom0, before it has mapped the mailbox */
	n = box->npub[me];
	for (i = 0; i < n && i < NPUB; i++)
		if (box->pub[me][i] == mfn)
			return;
	box->pub[me][n % NPUB] = mfn;
	__atomic_store_n(&box->npub[me], n + 1, __ATOMIC_RELEASE);
}

static void publish(void)
{
	unsigned int i;

	if (!box)
		return;		/* dom0, before it has mapped the mailbox */
	for (i = 0; i < NPOOL + NSHARE; i++)
		publish_frame(pool[i].mfn);
	publish_frame(shinfo_mfn);
	if (si->console.domU.mfn && me)
		publish_frame(si->console.domU.mfn);
	if (me)
		publish_frame(va_to_mfn((uint64_t)box));
	for (i = 0; i < gnt_frames; i++)
		publish_frame(gnt_mfn[i]);
	for (i = 0; i < status_frames; i++)
		publish_frame(status_mfn[i]);
}

/* Maps our table's frames (after setup_table or a version switch). */
static long grant_frames(unsigned int want)
{
	uint64_t frames[NGNT];
	struct gnttab_setup_table st = { DOMID_SELF, 0, want, 0, { 0 }, (uint64_t)frames };
	unsigned int i;
	long rc;

	rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, &st, 1);
	if (rc || st.status)
		return rc ? rc : st.status;
	for (i = 0; i < want; i++)
		if (update_va_mapping(gnt_va[i], (frames[i] << 12) | PTE_DATA, UVMF_INVLPG))
			return -EFAULT;
	memcpy(gnt_mfn, frames, want * sizeof(frames[0]));
	gnt_frames = want;
	for (i = 0; i < want; i++)
		freed_forget(frames[i]);	/* one we gave back may come back so */
	status_frames = 0;
	if (gnt_version == 2) {		/* v2 keeps the in-use bits in frames of their own */
		struct gnttab_get_status_frames gs = { (want * 256 * 2 + 4095) / 4096, DOMID_SELF,
						       0, (uint64_t)status_mfn };

		if (!hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_get_status_frames, &gs, 1) &&
		    !gs.status)
			status_frames = gs.nr_frames;
		for (i = 0; i < status_frames; i++)
			freed_forget(status_mfn[i]);
	}
	publish();
	return 0;
}

static void grant_write(grant_ref_t ref, domid_t dom, uint64_t frame, uint16_t flags)
{
	if (ref >= gnt_capacity())
		return;
	if (gnt_version == 2) {
		struct fz_grant_v2 *e = (struct fz_grant_v2 *)gnt_va[ref / 256] + ref % 256;

		e->domid = dom;
		e->frame = frame;
		__atomic_store_n(&e->flags, flags, __ATOMIC_RELEASE);
	} else {
		struct grant_entry_v1 *e = (struct grant_entry_v1 *)gnt_va[ref / 512] + ref % 512;

		e->domid = dom;
		e->frame = (uint32_t)frame;
		__atomic_store_n(&e->flags, flags, __ATOMIC_RELEASE);
	}
}

/*
 * A frame for a grant entry: one we published (our pool's may be tables
 * by now), or one we may not grant: given back, the other side's, the
 * hypervisor's. Never an unpublished one of ours, which would be legal.
 */
static uint64_t pick_grant_frame(void)
{
	struct pool_page *p = any_pool();

	switch (chance(60) ? 0 : pick(6)) {
	case 0: return pool[NPOOL + pick(NSHARE)].mfn;
	case 1: return p->mfn != NO_MFN ? p->mfn : p->old_mfn;
	case 2: return p->old_mfn != NO_MFN ? p->old_mfn : foreign_frame();
	case 3: return other_frame();
	case 4: return chance(50) ? shinfo_mfn : gnt_mfn[pick(gnt_frames)];
	default: return foreign_frame();
	}
}

/* The frame our own entry `ref` names (NO_MFN past the table). */
static uint64_t grant_frame_of(grant_ref_t ref)
{
	if (ref >= gnt_capacity())
		return NO_MFN;
	if (gnt_version == 2)
		return ((struct fz_grant_v2 *)gnt_va[ref / 256] + ref % 256)->frame;
	return ((struct grant_entry_v1 *)gnt_va[ref / 512] + ref % 512)->frame;
}

static bool named_in_grant(uint64_t mfn)
{
	unsigned int r;

	for (r = 0; r < gnt_capacity(); r++)
		if (grant_frame_of(r) == mfn)
			return true;
	return false;
}

static void act_grant_entry(void)
{
	grant_ref_t ref = chance(70) ? REF_SHARE + pick(NSHARE) : pick_ref();
	uint64_t frame = pick_grant_frame();
	uint16_t flags = GTF_permit_access | (chance(30) ? GTF_readonly : 0);

	action = "grant entry";
	if (ref == REF_MAILBOX && me)
		return;
	if (chance(10))
		flags = (uint16_t)rnd() & ~(GTF_reading | GTF_writing);
	if (chance(10))
		flags = 0;		/* ended, as a granter would */
	if (is_own(frame) || hypervisor_says_ours(frame))
		publish_frame(frame);	/* ours to grant, maybe fallen out of the ring */
	grant_write(ref, chance(85) ? other : pick_dom(), frame, flags);
	freed_written(frame);	/* the other side may write it through the grant */
	calls++;		/* a step, not a hypercall: count it anyway */
}

static void act_setup_table(void)
{
	uint64_t frames[NGNT + 1];
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1 + pick(gnt_frames + 1), 0, { 0 },
					 (uint64_t)frames };

	action = "setup_table";
	if (chance(10))
		st.nr_frames = chance(50) ? 0 : 1000;
	if (chance(5))
		st.dom = pick_dom();
	if (chance(5))
		st.frame_list = MACH2PHYS_VIRT_START;
	if (!gnttab(GNTTABOP_setup_table, &st, 1) && !st.status && st.nr_frames <= NGNT &&
	    st.nr_frames > gnt_frames && st.frame_list == (uint64_t)frames)
		grant_frames(st.nr_frames);
}

static void act_set_version(void)
{
	struct gnttab_set_version sv = { chance(80) ? 1 + pick(2) : pick(4) };
	uint32_t want = sv.version;

	action = "set_version";
	if (!gnttab(GNTTABOP_set_version, &sv, 1) && (want == 1 || want == 2) && want != gnt_version) {
		gnt_version = want;
		if (gnt_frames < 2)
			gnt_frames = 2;
		grant_frames(gnt_frames);	/* the frames may have moved */
	}
}

static struct handle *free_handle(void)
{
	unsigned int i;

	for (i = 0; i < NHANDLES; i++)
		if (!handles[i].used)
			return &handles[i];
	return NULL;
}

static void act_map_grant(void)
{
	static const uint32_t fl[] = {
		GNTMAP_host_map, GNTMAP_host_map | GNTMAP_readonly, GNTMAP_device_map,
		GNTMAP_host_map | GNTMAP_device_map, GNTMAP_host_map | GNTMAP_contains_pte,
		GNTMAP_device_map | GNTMAP_readonly, GNTMAP_host_map | GNTMAP_application_map,
	};
	struct win *w = &win[pick(NWIN)];
	struct gnttab_map_grant_ref op = { w->va, fl[pick(ARRAY_SIZE(fl))], pick_ref(), pick_dom(),
					   0, 0, 0 };
	struct handle *h = free_handle();

	action = "map_grant_ref";
	if (!h)
		return;
	if (op.flags & GNTMAP_contains_pte)
		op.host_addr = pte_maddr(w->va);
	if (chance(5))
		op.host_addr = chance(50) ? w->va + 1 : pool[pick(NPOOL)].va;
	if (gnttab(GNTTABOP_map_grant_ref, &op, 1) || op.status)
		return;
	*h = (struct handle){ op.host_addr, op.dev_bus_addr, op.handle, true };
	if (op.dom == other ? !published_by_other(op.dev_bus_addr >> 12) :
	    !published_by_other(op.dev_bus_addr >> 12) && !is_own(op.dev_bus_addr >> 12) &&
	    !is_special(op.dev_bus_addr >> 12))
		violation("map_grant_ref of d%u's ref %u gave frame %#lx, which it never offered",
			  op.dom, op.ref, (unsigned long)(op.dev_bus_addr >> 12));
	else if (published_by_other(op.dev_bus_addr >> 12))
		reached_add(op.dev_bus_addr >> 12);
	if (op.flags & GNTMAP_host_map)
		w->last_mfn = op.dev_bus_addr >> 12;
	/* Scribble forged PTEs into what we got writable, past the mailbox. */
	if ((op.flags & (GNTMAP_host_map | GNTMAP_readonly | GNTMAP_contains_pte)) ==
	    GNTMAP_host_map && chance(50) && (pte_of(w->va) & PTE_RW))
		((volatile uint64_t *)w->va)[SCRIBBLE / 8 + pick((4096 - SCRIBBLE) / 8)] =
			(0x200ULL << 12) | PTE_DATA;
}

static void act_unmap_grant(void)
{
	struct handle *h = &handles[pick(NHANDLES)];
	struct gnttab_unmap_grant_ref op = { h->addr, h->bus, h->h, 0, 0 };

	action = "unmap_grant_ref";
	if (!h->used && chance(80))
		return;
	if (chance(15))
		op.handle += chance(50) ? 1 : -1;
	if (chance(10))
		op.host_addr = win[pick(NWIN)].va;
	if (chance(10))
		op.dev_bus_addr = 0;
	if (!gnttab(GNTTABOP_unmap_grant_ref, &op, 1) && !op.status && op.handle == h->h)
		h->used = false;
}

static void copy_ptr(struct gnttab_copy_ptr *c, uint16_t *flags, uint16_t flag, bool dest)
{
	if (chance(50)) {
		*flags |= flag;
		c->u.ref = pick_ref();
		c->domid = pick_dom();
	} else {
		/* our own frame: as a destination only pool ones, never the kernel */
		c->u.gmfn = dest ? (chance(80) ? pool[pick(NPOOL + NSHARE)].mfn : pick_frame())
				 : pick_frame();
		if (dest && c->u.gmfn == va_to_mfn((uint64_t)box))
			c->u.gmfn = pool[NPOOL].mfn;
		c->domid = chance(90) ? DOMID_SELF : pick_dom();
	}
}

static void act_copy(void)
{
	static const uint16_t offs[] = { 0, 1, 2048, 4000, 4095, 4096 };
	struct gnttab_copy c[3];
	unsigned int n = 1 + pick(3), i;

	action = "copy";
	for (i = 0; i < n; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		copy_ptr(&c[i].source, &c[i].flags, GNTCOPY_source_gref, false);
		copy_ptr(&c[i].dest, &c[i].flags, GNTCOPY_dest_gref, true);
		c[i].source.offset = chance(50) ? pick(4096) : offs[pick(ARRAY_SIZE(offs))];
		c[i].dest.offset = chance(50) ? pick(4096) : offs[pick(ARRAY_SIZE(offs))];
		c[i].len = chance(50) ? pick(97) : (uint16_t)(4096 - c[i].dest.offset + pick(3));
		if (c[i].dest.offset < SCRIBBLE && (c[i].flags & GNTCOPY_dest_gref) &&
		    c[i].dest.u.ref == REF_MAILBOX)
			c[i].dest.offset = SCRIBBLE;	/* the mailbox itself stays intact */
	}
	if (chance(5))
		c[1] = c[0];
	for (i = 0; i < n; i++)
		freed_written(c[i].flags & GNTCOPY_dest_gref ? grant_frame_of(c[i].dest.u.ref) :
			      c[i].dest.u.gmfn);
	if (gnttab(GNTTABOP_copy, c, n))
		return;
	for (i = 0; i < n; i++)
		if (c[i].status == GNTST_okay && !(c[i].flags & GNTCOPY_source_gref) &&
		    !still_ours(c[i].source.u.gmfn) && !hypervisor_says_ours(c[i].source.u.gmfn))
			violation("GNTTABOP_copy read frame %#lx, which is not ours",
				  (unsigned long)c[i].source.u.gmfn);
}

static void act_swap(void)
{
	struct gnttab_swap_grant_ref s = { pick_ref(), pick_ref(), 0 };

	action = "swap_grant_ref";
	if (me && (s.ref_a == REF_MAILBOX || s.ref_b == REF_MAILBOX))
		return;
	if (chance(20))
		s.ref_b = s.ref_a + (chance(50) ? 1 : -1);
	gnttab(GNTTABOP_swap_grant_ref, &s, 1);
}

/* ------------------------------------------------------------ events */

static void act_event(void)
{
	union {
		struct evtchn_alloc_unbound au;
		struct evtchn_bind_interdomain bi;
		struct evtchn_bind_virq bv;
		struct evtchn_bind_ipi ipi;
		struct evtchn_close cl;
		struct evtchn_send s;
		struct evtchn_unmask um;
		struct evtchn_status st;
		struct evtchn_bind_vcpu bc;
	} u;
	static const unsigned int cmds[] = {
		EVTCHNOP_alloc_unbound, EVTCHNOP_bind_interdomain, EVTCHNOP_bind_virq,
		EVTCHNOP_bind_ipi, EVTCHNOP_close, EVTCHNOP_send, EVTCHNOP_unmask,
		EVTCHNOP_status, EVTCHNOP_bind_vcpu,
	};
	unsigned int cmd = cmds[pick(ARRAY_SIZE(cmds))];
	evtchn_port_t port = chance(80) ? pick(64) : (evtchn_port_t)rnd();

	action = "event_channel_op";
	memset(&u, 0, sizeof(u));
	switch (cmd) {
	case EVTCHNOP_alloc_unbound:
		u.au = (struct evtchn_alloc_unbound){ chance(90) ? DOMID_SELF : pick_dom(), pick_dom(), 0 };
		break;
	case EVTCHNOP_bind_interdomain:
		u.bi = (struct evtchn_bind_interdomain){ pick_dom(), 0,
			chance(60) ? box->port[!me] : port, 0 };
		break;
	case EVTCHNOP_bind_virq:
		u.bv = (struct evtchn_bind_virq){ pick(25), chance(80) ? 0 : pick(3), 0 };
		break;
	case EVTCHNOP_bind_ipi:
		u.ipi.vcpu = chance(80) ? 0 : pick(3);
		break;
	case EVTCHNOP_status:
		u.st.dom = chance(80) ? DOMID_SELF : pick_dom();
		u.st.port = port;
		break;
	case EVTCHNOP_bind_vcpu:
		u.bc = (struct evtchn_bind_vcpu){ port, pick(3) };
		break;
	default:	/* close, send, unmask: one port */
		u.s.port = port;
		if (cmd == EVTCHNOP_close && port == box->port[me])
			return;		/* the port we offered stays for the other */
	}
	hc(__HYPERVISOR_event_channel_op, cmd, (uint64_t)&u, 0, 0);
}

/* ------------------------------------------------------------ misc */

/* A page copy succeeded: the source must be ours, by our count or the hypervisor's. */
static void check_copied_page(uint64_t src)
{
	if (!still_ours(src) && !hypervisor_says_ours(src))
		violation("MMUEXT_COPY_PAGE copied from frame %#lx, which is not ours",
			  (unsigned long)src);
}

static void act_mmuext_misc(void)
{
	struct mmuext_op op[2];
	unsigned int n = 1, i, done = 0;
	long rc;

	action = "mmuext_op";
	memset(op, 0, sizeof(op));
	switch (pick(5)) {
	case 0:		/* clear a frame: of ours, only pool ones */
		op[0].cmd = MMUEXT_CLEAR_PAGE;
		op[0].arg1.mfn = pick_frame();
		if (chance(70) || is_own(op[0].arg1.mfn) || is_special(op[0].arg1.mfn))
			op[0].arg1.mfn = any_pool()->mfn;
		break;
	case 1:
		op[0].cmd = MMUEXT_COPY_PAGE;
		op[0].arg1.mfn = any_pool()->mfn;
		op[0].arg2.src_mfn = pick_frame();
		break;
	case 2:
		op[0].cmd = MMUEXT_INVLPG_LOCAL;
		op[0].arg1.linear_addr = win[pick(NWIN)].va;
		break;
	case 3:
		op[0].cmd = MMUEXT_TLB_FLUSH_LOCAL;
		break;
	default:	/* pin then unpin in one batch, the same frame twice */
		op[0].cmd = MMUEXT_PIN_L1_TABLE + pick(4);
		op[0].arg1.mfn = pick_frame();
		op[1].cmd = MMUEXT_UNPIN_TABLE;
		op[1].arg1.mfn = chance(50) ? op[0].arg1.mfn : pick_frame();
		n = 2;
	}
	for (i = 0; i < n; i++)
		if (op[i].cmd == MMUEXT_COPY_PAGE && op[i].arg1.mfn == NO_MFN)
			return;
	if (op[0].cmd == MMUEXT_CLEAR_PAGE || op[0].cmd == MMUEXT_COPY_PAGE)
		freed_written(op[0].arg1.mfn);
	rc = hc(__HYPERVISOR_mmuext_op, (uint64_t)op, n, (uint64_t)&done, DOMID_SELF);
	for (i = 0; i < done && i < n; i++)
		note_mmuext(&op[i]);
	if (!rc && op[0].cmd == MMUEXT_COPY_PAGE)
		check_copied_page(op[0].arg2.src_mfn);
}

/* A batch of the simple calls above, some sharing one argument buffer. */
static void act_multicall(void)
{
	static struct multicall_entry mc[4];
	static struct mmuext_op op;
	static struct mmu_update u;
	static struct gnttab_map_grant_ref map;
	unsigned int n = 2 + pick(3), i;
	struct win *w = &win[pick(NWIN)];
	uint64_t frame = pick_frame();

	action = "multicall";
	op = (struct mmuext_op){ MMUEXT_PIN_L1_TABLE + pick(4), 0, { pick_frame() }, { 0 } };
	u = (struct mmu_update){ (any_pool()->mfn << 12) + pick(512) * 8, (frame << 12) | pick_flags() };
	map = (struct gnttab_map_grant_ref){ w->va, GNTMAP_host_map, pick_ref(), pick_dom(), 0, 0, 0 };
	if (u.ptr >> 12 == NO_MFN >> 12)
		u.ptr = pte_maddr(w->va);
	for (i = 0; i < n; i++) {
		memset(&mc[i], 0, sizeof(mc[i]));
		switch (pick(5)) {
		case 0:
			mc[i].op = __HYPERVISOR_update_va_mapping;
			mc[i].args[0] = w->va;
			mc[i].args[1] = (frame << 12) | pick_flags();
			mc[i].args[2] = pick_flush();
			break;
		case 1:
			mc[i].op = __HYPERVISOR_mmuext_op;
			mc[i].args[0] = (uint64_t)&op;
			mc[i].args[1] = 1;
			mc[i].args[3] = DOMID_SELF;
			op.cmd = chance(50) ? MMUEXT_UNPIN_TABLE : op.cmd;
			break;
		case 2:
			mc[i].op = __HYPERVISOR_mmu_update;
			mc[i].args[0] = (uint64_t)&u;
			mc[i].args[1] = 1;
			mc[i].args[3] = DOMID_SELF;
			break;
		case 3:
			mc[i].op = __HYPERVISOR_grant_table_op;
			mc[i].args[0] = GNTTABOP_map_grant_ref;
			mc[i].args[1] = (uint64_t)&map;
			mc[i].args[2] = 1;
			break;
		default:
			mc[i].op = __HYPERVISOR_event_channel_op;
			mc[i].args[0] = EVTCHNOP_send;
			mc[i].args[1] = (uint64_t)&box->port[pick(2)];
		}
	}
	freed_written(u.ptr >> 12);
	if (hc(__HYPERVISOR_multicall, (uint64_t)mc, n, 0, 0))
		return;
	for (i = 0; i < n; i++) {
		if (mc[i].op == __HYPERVISOR_update_va_mapping && !mc[i].result &&
		    (mc[i].args[1] & PTE_P))
			w->last_mfn = frame;
		if (mc[i].op == __HYPERVISOR_mmuext_op && !mc[i].result)
			note_mmuext(&op);
	}
	/* A mapping made in the batch stays (its handle unknown to us), as a leak would. */
}

/* ------------------------------------------------------------ the loop */

/* The actions, by weight; `off=name,name` on the command line drops some. */
static struct {
	void (*fn)(void);
	const char *name;
	unsigned int weight;
} actions[] = {
	{ act_pin, "pin", 8 }, { act_unpin, "unpin", 6 }, { act_pt_entry, "mmu_update", 14 },
	{ act_map_window, "update_va_mapping", 10 }, { act_foreign, "foreign", 5 },
	{ act_decrease, "decrease", 6 }, { act_increase, "increase", 6 },
	{ act_exchange, "exchange", 4 }, { act_grant_entry, "grant_entry", 8 },
	{ act_setup_table, "setup_table", 2 }, { act_set_version, "set_version", 2 },
	{ act_map_grant, "map_grant", 8 }, { act_unmap_grant, "unmap_grant", 6 },
	{ act_copy, "copy", 6 }, { act_swap, "swap", 3 }, { act_event, "event", 6 },
	{ act_mmuext_misc, "mmuext", 4 }, { act_multicall, "multicall", 4 },
	{ act_machphys, "machphys", 2 }, { act_reuse, "reuse", 2 },
};

static bool in_list(const char *list, const char *name)
{
	const char *p;
	size_t n = strlen(name);

	for (p = list; *p && *p != ' '; p++)
		if ((p == list || p[-1] == ',') && !strncmp(p, name, n) &&
		    (p[n] == ',' || p[n] == ' ' || !p[n]))
			return true;
	return false;
}

static void actions_off(const char *list)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(actions); i++)
		if (in_list(list, actions[i].name))
			actions[i].weight = 0;
	off_list = list;
}

static void one_step(void)
{
	unsigned int total = 0, i, r;

	for (i = 0; i < ARRAY_SIZE(actions); i++)
		total += actions[i].weight;
	if (!total)
		return;
	r = pick(total);
	for (i = 0; r >= actions[i].weight; i++)
		r -= actions[i].weight;
	actions[i].fn();
}

/* Runs until max_calls hypercalls or the first broken invariant. */
static bool fuzz(uint64_t seed)
{
	uint64_t report = max_calls / 5 > 1000 ? max_calls / 5 : 1000, next = report;

	state = seed * 0x9E3779B97F4A7C15ULL + (me ? 0xD1B54A32D192ED03ULL : 0);
	if (!state)
		state = 1;
	while (calls < max_calls) {
		step++;
		one_step();
		if (check_all()) {
			printf("fuzz: %s: step %lu (%s, after %lu calls) broke an invariant: %s\n",
			       me ? "peer" : "dom0", (unsigned long)step, action,
			       (unsigned long)calls, why);
			return false;
		}
		box->progress[me] = calls;
		if (calls >= next) {
			printf("fuzz: %s: %lu calls, %lu steps\n", me ? "peer" : "dom0",
			       (unsigned long)calls, (unsigned long)step);
			next += report;
		}
		if (chance(2))
			hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
		if (step % 64 == 0)
			publish();	/* keeps the live pool in the ring */
	}
	return true;
}

/* ------------------------------------------------------------ setup */

/* The text after `key` in the command line ("" if absent). */
static const char *strstr_arg(const char *cmdline, const char *key)
{
	const char *p = cmdline;
	size_t n = strlen(key);

	for (; *p; p++)
		if ((p == cmdline || p[-1] == ' ') && !strncmp(p, key, n))
			return p + n;
	return p;
}

static uint64_t arg(const char *cmdline, const char *key, uint64_t dflt)
{
	const char *p = strstr_arg(cmdline, key);
	uint64_t v = 0;

	if (!*p)
		return dflt;
	for (; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (*p - '0');
	return v;
}

static int setup(struct start_info *start)
{
	unsigned int i;

	si = start;
	if (events_init(si) || traps_install(false))
		return -1;
	find_region_l1s();
	on_lamina_cached = on_lamina();
	p2m = (uint64_t *)si->mfn_list;
	l4_mfn = va_to_mfn(si->pt_base);
	shinfo_mfn = si->shared_info >> 12;
	if (si->flags & SIF_INITDOMAIN)
		read_machine_memory_map();
	peek_va = scratch_page();
	for (i = 0; i < NGNT; i++)
		gnt_va[i] = scratch_page();
	for (i = 0; i < NWIN; i++) {
		win[i].va = scratch_page();
		win[i].last_mfn = va_to_mfn(win[i].va);
	}
	for (i = 0; i < NPOOL + NSHARE; i++) {
		pool[i].va = scratch_page();
		pool[i].pfn = (pool[i].va - GUEST_VIRT_BASE) >> 12;
		pool[i].mfn = va_to_mfn(pool[i].va);
		pool[i].old_mfn = NO_MFN;
	}
	return 0;
}

static void grant_shared_pool(void)
{
	unsigned int i;

	for (i = 0; i < NSHARE; i++)
		grant_write(REF_SHARE + i, other, pool[NPOOL + i].mfn, GTF_permit_access);
}

static uint64_t now_ns(void)
{
	return pvclock_ns();
}

static void __attribute__((noreturn)) peer(struct start_info *start)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, 0, 0 };
	uint64_t t0;
	bool ok;

	me = 1;
	other = 0;
	if (setup(start)) {
		printf("peer: setup failed\n");
		shutdown(SHUTDOWN_crash);
	}
	box = (struct mailbox *)scratch_page();
	if (grant_frames(1)) {
		printf("peer: no grant table\n");
		shutdown(SHUTDOWN_crash);
	}
	hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, &au);
	box->port[1] = au.port;
	grant_shared_pool();
	grant_write(REF_MAILBOX, 0, va_to_mfn((uint64_t)box), GTF_permit_access);
	for (t0 = now_ns(); !box->go; )
		if (now_ns() - t0 > PEER_WAIT_NS) {
			printf("peer: dom0 never said go\n");
			shutdown(SHUTDOWN_poweroff);
		} else {
			hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
		}
	max_calls = box->calls;
	self_id = (domid_t)box->peer_id;
	trace = box->trace;
	actions_off(box->off);
	ok = fuzz(box->seed);
	if (!ok)
		snprintf(box->why, sizeof(box->why), "step %lu (%s, after %lu calls): %s",
			 (unsigned long)step, action, (unsigned long)calls, why);
	__atomic_store_n(&box->done, ok ? 1 : 2, __ATOMIC_RELEASE);
	printf("peer: %s after %lu calls\n", ok ? "done" : "FAILED", (unsigned long)calls);
	shutdown(SHUTDOWN_poweroff);
}

/* Maps the peer's mailbox (its ref 7), which it grants once it is up. */
static long map_mailbox(void)
{
	struct gnttab_map_grant_ref op;
	uint64_t va = scratch_page(), t0 = now_ns();

	do {
		op = (struct gnttab_map_grant_ref){ va, GNTMAP_host_map, REF_MAILBOX, other, 0, 0, 0 };
		if (!hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, &op, 1) &&
		    op.status == GNTST_okay) {
			box = (struct mailbox *)va;
			while (!__atomic_load_n(&box->npub[1], __ATOMIC_ACQUIRE))
				hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
			return 0;
		}
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	} while (now_ns() - t0 < PEER_WAIT_NS);
	return op.status;
}

/* Waits for the peer's verdict; a peer that stops moving is a failure too. */
static int wait_for_peer(void)
{
	uint64_t t0 = now_ns(), seen = box->progress[1];

	while (!__atomic_load_n(&box->done, __ATOMIC_ACQUIRE)) {
		if (box->progress[1] != seen) {
			seen = box->progress[1];
			t0 = now_ns();
		}
		CHECK(now_ns() - t0 < PEER_WAIT_NS, "the peer stopped after %lu calls (seed=%lu)",
		      (unsigned long)seen, (unsigned long)box->seed);
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	}
	CHECK(box->done == 1, "peer (seed=%lu calls=%lu): %s", (unsigned long)box->seed,
	      (unsigned long)box->calls, box->why);
	return TEST_PASS;
}

int test_main(struct start_info *start)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, 0, 0 };
	uint64_t seed = arg(start->cmd_line, "seed=", 1);
	const char *off;
	int peer_id;
	long rc;

	if (!(start->flags & SIF_INITDOMAIN))
		peer(start);
	max_calls = arg(start->cmd_line, "calls=", 3000);
	trace = arg(start->cmd_line, "trace=", 0);
	printf("fuzz: seed=%lu calls=%lu (per domain)\n", (unsigned long)seed,
	       (unsigned long)max_calls);
	CHECK(setup(start) == 0, "setup failed");
	peer_id = peer_start(start, "role=peer", 16);
	CHECK(peer_id > 0, "the peer domain could not be started (%d)", peer_id);
	other = (domid_t)peer_id;
	CHECK(grant_frames(1) == 0, "no grant table");
	rc = map_mailbox();
	CHECK(rc == 0, "mapping the peer's mailbox (its ref %u) gave %ld", REF_MAILBOX, rc);
	publish();
	au.remote_dom = other;
	hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, &au);
	box->port[0] = au.port;
	grant_shared_pool();
	box->seed = seed;
	box->calls = max_calls;
	box->peer_id = other;
	box->trace = trace;
	off = strstr_arg(start->cmd_line, "off=");
	strlcpy(box->off, off, sizeof(box->off));
	actions_off(box->off);
	__atomic_store_n(&box->go, 1, __ATOMIC_RELEASE);

	if (!fuzz(seed))
		return fail("dom0 step %lu (%s): %s (replay: seed=%lu calls=%lu)",
			    (unsigned long)step, action, why, (unsigned long)seed,
			    (unsigned long)max_calls);
	printf("fuzz: dom0 done after %lu calls, %lu steps; waiting for the peer\n",
	       (unsigned long)calls, (unsigned long)step);
	if (wait_for_peer() != TEST_PASS)
		return TEST_FAIL;
	printf("fuzz: seed=%lu: both domains done, every invariant held\n", (unsigned long)seed);
	return TEST_PASS;
}
