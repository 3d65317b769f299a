// SPDX-License-Identifier: GPL-2.0-only
/*
 * Part of fuzz-state (the essay is in tests/guest/fuzz-state.c): the
 * model the fuzzer keeps of its own state. The state itself, the random
 * generator and the counted hypercall; what a frame is to us (our own,
 * published by the other side, reached, given back, special) and what
 * the hypervisor says of it.
 */
#include "fuzz.h"

struct start_info *si;
uint64_t *p2m;
int me;			/* 0 dom0, 1 the peer */
domid_t other, self_id;	/* the other side's domain id, and ours */
struct mailbox *box;
struct pool_page pool[NPOOL + NSHARE];	/* the last NSHARE: shared pool */
struct win win[NWIN];
struct handle handles[NHANDLES];
uint64_t gnt_va[NGNT], gnt_mfn[NGNT];
uint64_t status_mfn[NGNT];	/* v2's status frames */
unsigned int status_frames;
unsigned int gnt_frames, gnt_version = 1;
uint64_t shinfo_mfn, l4_mfn, peek_va;
uint64_t state, calls, max_calls, step;
const char *action = "setup";
char why[200];
long last_rc;
bool on_lamina_cached;
bool trace;		/* trace=1: every fuzzing hypercall on the console */
const char *off_list = "";	/* off=: actions and mutations left out */

uint64_t rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

uint64_t pick(uint64_t n)
{
	return n ? rnd() % n : 0;
}

bool chance(unsigned int percent)
{
	return pick(100) < percent;
}

/* A named mutation, unless off= leaves it out (to get past a known bug). */
bool mutation(const char *name, unsigned int percent)
{
	return !in_list(off_list, name) && pick(100) < percent;
}

/* A hypercall made by a fuzzing action (counted; checks are not). */
long hc(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	calls++;
	last_rc = hypercall5(nr, a1, a2, a3, a4, 0);
	if (trace)
		printf("fuzz: %lu: %s: hypercall %lu(%#lx, %#lx, %#lx, %#lx) = %ld\n",
		       (unsigned long)step, action, (unsigned long)nr, (unsigned long)a1,
		       (unsigned long)a2, (unsigned long)a3, (unsigned long)a4, last_rc);
	return last_rc;
}

long gnttab(unsigned int cmd, void *arg, unsigned int count)
{
	return hc(__HYPERVISOR_grant_table_op, cmd, (uint64_t)arg, count, 0);
}

/* Reads a qword, false if that faults. */
bool probe_read(uint64_t addr, uint64_t *val)
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

void find_region_l1s(void)
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
uint64_t pte_maddr(uint64_t va)
{
	uint64_t k = (va - GUEST_VIRT_BASE) >> 21;

	if (k >= REGION_L1S || !region_l1[k])
		return 0;
	return (region_l1_mfn[k] << 12) + ((va >> 12) & 511) * 8;
}

uint64_t pte_of(uint64_t va)
{
	uint64_t k = (va - GUEST_VIRT_BASE) >> 21;

	if (k >= REGION_L1S || !region_l1[k])
		return 0;
	return region_l1[k][(va >> 12) & 511];
}

bool is_own(uint64_t mfn)
{
	uint64_t pfn;

	if (mfn >= (1ULL << 36) ||
	    !probe_read(MACH2PHYS_VIRT_START + mfn * 8, &pfn))
		return false;
	return pfn < si->nr_pages && p2m[pfn] == mfn;
}

bool published_by_other(uint64_t mfn)
{
	unsigned int i, n = box->npub[!me];

	for (i = 0; i < n && i < NPUB; i++)
		if (box->pub[!me][i] == mfn)
			return true;
	return false;
}

/*
 * A frame the other side's grant gave us: one it published, or one that
 * is its own now. A grant entry may name a frame its side did not own
 * when it wrote it (a given-back one, a mutation) and gets back later
 * (increase, exchange), or one the other side wrote there itself: a side
 * may grant its own grant-table frames, and the other then writes the
 * entries past SCRIBBLE (forged PTEs, grant copies). The map then rightly
 * succeeds. dom0 asks the hypervisor (our mapping holds the frame, so the
 * answer stays true); the peer cannot ask about dom0's frames, so it asks
 * dom0, which asks the hypervisor for it (answer_peer()).
 */
bool offered_by_other(uint64_t mfn)
{
	uint64_t seen, t0;
	uint32_t seq;

	if (!me)
		return published_by_other(mfn) || hypervisor_says_owner(mfn, other);
	if (published_by_other(mfn))
		return true;
	seq = box->ask_seq + 1;
	box->ask_mfn = mfn;
	__atomic_store_n(&box->ask_seq, seq, __ATOMIC_RELEASE);
	seen = box->progress[0];
	for (t0 = pvclock_ns(); __atomic_load_n(&box->answer_seq, __ATOMIC_ACQUIRE) != seq; ) {
		if (box->progress[0] != seen) {
			seen = box->progress[0];
			t0 = pvclock_ns();
		}
		if (pvclock_ns() - t0 > PEER_WAIT_NS)
			return false;	/* dom0 stopped: "never offered" */
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	}
	if (trace || box->answer)
		printf("fuzz: peer: frame %#lx, not published: dom0 says %s\n",
		       (unsigned long)mfn, box->answer ? "it is dom0's" : "not dom0's");
	return box->answer || published_by_other(mfn);
}

/* dom0: answers the peer's question, if it asked one (offered_by_other). */
void answer_peer(void)
{
	uint32_t seq;

	if (!box || me)
		return;
	seq = __atomic_load_n(&box->ask_seq, __ATOMIC_ACQUIRE);
	if (seq == box->answer_seq)
		return;
	box->answer = hypervisor_says_ours(box->ask_mfn) || is_special(box->ask_mfn);
	__atomic_store_n(&box->answer_seq, seq, __ATOMIC_RELEASE);
}

/* Frames of the other side we mapped while it published them. */
#define NREACHED	1024
static uint64_t reached[NREACHED];
static unsigned int nreached;

/* Also forgets it as one of ours given back: it is the other's now. */
void reached_add(uint64_t mfn)
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

bool was_reached(uint64_t mfn)
{
	unsigned int i;

	for (i = 0; i < nreached && i < NREACHED; i++)
		if (reached[i] == mfn)
			return true;
	return published_by_other(mfn);
}

bool is_special(uint64_t mfn)
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

void read_machine_memory_map(void)
{
	struct xen_memory_map mm = { MAX_E820, 0, (uint64_t)e820 };

	if (!hypercall2(__HYPERVISOR_memory_op, XENMEM_machine_memory_map, &mm))
		ne820 = mm.nr_entries < MAX_E820 ? mm.nr_entries : MAX_E820;
}

bool hypervisor_driven(uint64_t mfn)
{
	return mfn == 0xFEE00 || mfn == 0xFEC00 || mfn == 0xFED00;
}

bool dom0_io_frame(uint64_t mfn)
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

int freed_index(uint64_t mfn)
{
	unsigned int i;

	for (i = 0; i < nfreed && i < NFREED; i++)
		if (freed[i].mfn == mfn)
			return (int)i;
	return -1;
}

void freed_add(uint64_t mfn, bool marked)
{
	int i = freed_index(mfn);

	if (i < 0)
		i = (int)(nfreed++ % NFREED);
	freed[i].mfn = mfn;
	freed[i].marked = marked;
}

/* A frame we hold again (the hypervisor may hand one back): not freed. */
void freed_forget(uint64_t mfn)
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
void freed_written(uint64_t mfn)
{
	int i = freed_index(mfn);

	if (i >= 0)
		freed[i].marked = false;
}

bool freed_marked(uint64_t mfn)
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
bool hypervisor_says_owner(uint64_t mfn, domid_t dom)
{
	struct mmu_update u = { (mfn << 12) | MMU_MACHPHYS_UPDATE, ~0ULL };

	if (mfn >= (1ULL << 36))
		return false;
	probe_read(MACH2PHYS_VIRT_START + mfn * 8, &u.val);
	return hypercall5(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, dom, 0) == 0;
}

bool hypervisor_says_ours(uint64_t mfn)
{
	return hypervisor_says_owner(mfn, DOMID_SELF);
}

/* Ours, or given back while something of ours still holds it (Xen's rule too). */
bool still_ours(uint64_t mfn)
{
	return is_own(mfn) || is_special(mfn) || freed_index(mfn) >= 0;
}
