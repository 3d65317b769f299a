// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-transfer: GNTTABOP_transfer from an unprivileged domain (the
 * peer) and to it, against Xen 4.17's gnttab_transfer. dom0 maps a page
 * of the peer (its grant ref 3) as a mailbox; the two meet at numbered
 * steps there.
 *  - The peer gives a page it granted to dom0 while dom0 maps it:
 *    GNTST_bad_page, the page stays the peer's and dom0's mapping shows
 *    what the peer writes next. Once dom0 unmaps it, the same transfer
 *    moves it (still granted): dom0's entry completed with its MFN, the
 *    M2P set, the bytes kept; dom0 mapping the peer's stale ref to it
 *    gets GNTST_bad_page.
 *  - Frames the peer may not give, each GNTST_bad_page and kept by its
 *    owner: dom0's, another domain's (one dom0 made), frame 0, beyond
 *    RAM, the local APIC's, its own L1 and L4 tables, a pinned L1, a GDT
 *    page, its shared_info, its grant frames (mapped and not), the
 *    mailbox. A page that was a pinned L1 and a GDT page, once released,
 *    moves, and dom0 maps it writable.
 *  - To DOMID_SELF or no domain (GNTST_bad_domain), to itself (moves),
 *    past dom0's table, into an entry for another domain, to a domain
 *    that set no entry (GNTST_general_error): the page is gone, freed.
 *  - dom0 gives the peer pages: into a permit entry, one accepting
 *    another domain, one with GTF_transfer_committed already set, refs
 *    past the table (each GNTST_general_error, the page freed, the entry
 *    as it was); a batch with a bad frame in the middle (0, statuses
 *    okay, bad_page, okay); a batch running into an unmapped page
 *    (-EFAULT, the first element done); the peer at its max_mem
 *    (refused and freed, then moves once max_mem is raised).
 *  - A race: the peer flips each of its entries between accepting dom0,
 *    nothing, accepting another domain and permitting dom0 while dom0
 *    transfers a page into it. A page moves only into an entry caught
 *    accepting (committed and completed, frame its MFN); a refused one is
 *    freed, the entry never committed.
 *  - dom0's table as version 2 takes a page from the peer (full_page's
 *    frame); past its end is refused.
 *  - The peer destroyed while dom0 still maps its mailbox (dying):
 *    GNTST_general_error; once gone, GNTST_bad_domain.
 * Throughout, both domains' reservations move as Xen's do and each
 * refused page that left its owner shows in physinfo's free pages, one
 * each. Lamina's frame audit runs as each domain ends.
 * @domus: self:peer:role=peer
 * @timeout-smp: 180
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/physinfo.h"
#include "lib/domctl.h"
#include <lamina/grant_table.h>
#include <lamina/memory.h>
#include <lamina/domctl.h>
#include <lamina/physdev.h>

#define REF_BOX		3	/* the peer's mailbox page, mapped by dom0 */
#define ROUNDS		40	/* race rounds: a page of dom0's each */
#define NO_DOMAIN	1000
#define ACCEPT		GTF_accept_transfer
#define DONE		(GTF_accept_transfer | GTF_transfer_committed | GTF_transfer_completed)
#define MARK(ref)	(0x30000u + (ref))	/* pseudo-physical frame an entry asks for */

struct box {
	volatile uint32_t peer_at, dom0_at;	/* the step each has reached */
	volatile uint32_t failed;
	volatile uint32_t race_at;		/* rounds the peer started flipping */
	volatile uint32_t race_done;		/* rounds dom0 finished */
	uint32_t peer_id, other_id;
	uint64_t peer_mfn[16], dom0_mfn[16];
	uint64_t race_mfn[ROUNDS];
	int16_t race_st[ROUNDS];
	uint32_t race_ok;
	char why[200];
};

static struct box *box;
static bool is_peer;
static struct start_info *start;

static long gnttab(unsigned int cmd, void *arg, unsigned int count)
{
	return hypercall3(__HYPERVISOR_grant_table_op, cmd, arg, count);
}

static void yield(void)
{
	hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
}

static int16_t xfer(uint64_t mfn, domid_t to, grant_ref_t ref)
{
	struct gnttab_transfer t = { .mfn = mfn, .domid = to, .ref = ref, .status = 99 };
	long rc = gnttab(GNTTABOP_transfer, &t, 1);

	return rc ? (int16_t)-100 : t.status;
}

static long reservation(void)
{
	domid_t self = DOMID_SELF;

	return hypercall2(__HYPERVISOR_memory_op, XENMEM_current_reservation, (uint64_t)&self);
}

/* A page of ours holding text, unmapped: nothing but its allocation holds it. */
static uint64_t give_page(const char *text)
{
	uint64_t va = scratch_page(), mfn = va_to_mfn(va);

	strlcpy((char *)va, text, 64);
	return update_va_mapping(va, 0, UVMF_INVLPG) ? 0 : mfn;
}

/* Maps mfn at va (a scratch page's address, its own page given away). */
static bool map_at(uint64_t va, uint64_t mfn)
{
	return update_va_mapping(va, (mfn << 12) | PTE_DATA, UVMF_INVLPG) == 0;
}

static uint64_t *m2p(uint64_t mfn)
{
	return &((uint64_t *)MACH2PHYS_VIRT_START)[mfn];
}

/* Our table: n frames; the first mapped, the frames' MFNs in frames[]. */
static void *table_init(unsigned int n, uint64_t *frames)
{
	struct gnttab_setup_table st = { DOMID_SELF, 0, n, 99, { 0 }, (uint64_t)frames };
	uint64_t va = scratch_page();

	if (gnttab(GNTTABOP_setup_table, &st, 1) || st.status || !map_at(va, frames[0]))
		return NULL;
	return (void *)va;
}

static void set_v1(struct grant_entry_v1 *e, uint16_t flags, domid_t domid, uint32_t frame)
{
	e->domid = domid;
	e->frame = frame;
	__atomic_store_n(&e->flags, flags, __ATOMIC_RELEASE);
}

/*
 * Step n: says we are there and waits for the other side. False when the
 * peer failed (dom0 then reports box->why) or did not come.
 */
static bool meet(uint32_t n)
{
	volatile uint32_t *mine = is_peer ? &box->peer_at : &box->dom0_at;
	volatile uint32_t *theirs = is_peer ? &box->dom0_at : &box->peer_at;
	unsigned int tries = 0;

	__atomic_store_n(mine, n, __ATOMIC_RELEASE);
	while (__atomic_load_n(theirs, __ATOMIC_ACQUIRE) < n) {
		if (!is_peer && !peer_wait_more(&tries, 1000))
			return false;
		yield();
	}
	return !box->failed;
}

/* ------------------------------------------------------------ the peer */

static void __attribute__((noreturn, format(printf, 1, 2))) peer_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(box->why, sizeof(box->why), fmt, ap);
	va_end(ap);
	printf("peer: %s\n", box->why);
	box->failed = 1;
	__atomic_store_n(&box->peer_at, 1000, __ATOMIC_RELEASE);
	for (;;)
		yield();
}

#define P_CHECK(cond, ...)	do { if (!(cond)) peer_fail(__VA_ARGS__); } while (0)
#define P_MEET(n)		do { if (!meet(n)) peer_fail("dom0 failed before step %d", n); } while (0)

static struct grant_entry_v1 *ptable;

/* Step 3..7: a granted page, first while dom0 maps it, then not. */
static void peer_granted_page(void)
{
	uint64_t va = scratch_page(), g = va_to_mfn(va), f = give_page("peer page F");
	long res;
	int16_t st;

	strlcpy((char *)va, "peer page G", 64);
	set_v1(&ptable[20], GTF_permit_access, 0, (uint32_t)g);
	box->peer_mfn[0] = g;
	box->peer_mfn[4] = f;
	P_MEET(3);
	P_MEET(4);	/* dom0 maps G through the grant, F by its frame (privileged) */
	P_CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping G");
	st = xfer(g, 0, 10);
	P_CHECK(st == GNTST_bad_page, "G, mapped by dom0, gave %d", st);
	st = xfer(f, 0, 15);
	P_CHECK(st == GNTST_bad_page, "F, mapped by dom0 by its frame, gave %d", st);
	P_CHECK(map_at(va, g), "G is not ours after the refused transfer");
	strlcpy((char *)va, "still the peer's", 64);
	P_MEET(5);
	P_MEET(6);	/* dom0 unmapped it */
	res = reservation();
	P_CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping G again");
	st = xfer(g, 0, 10);
	P_CHECK(st == GNTST_okay, "G, granted but unmapped, gave %d", st);
	st = xfer(f, 0, 15);
	P_CHECK(st == GNTST_okay, "F, unmapped by dom0, gave %d", st);
	P_CHECK(reservation() == res - 2, "reservation %ld after G and F went, was %ld",
		reservation(), res);
	P_CHECK(!map_at(va, g), "G is still ours after it went to dom0");
	P_MEET(7);
}

/* A page holding zeros, read-only for a moment, then not mapped at all: its MFN. */
static uint64_t table_like_page(void)
{
	uint64_t mfn = table_page(0);

	if (update_va_mapping(mfn_to_va(mfn), 0, UVMF_INVLPG))
		peer_fail("unmapping a page to type failed");
	return mfn;
}

/*
 * Pages the hypervisor writes: our vcpu_info, our FIFO control block and
 * our PIRQ EOI map, their mappings gone; upcalls masked (we
 * poll). Before step 1: what they cost the hypervisor is spent by then.
 */
static uint64_t held[3];

static void peer_hold_pages(void)
{
	uint64_t vi = scratch_page(), fc = scratch_page(), eoi = scratch_page();
	struct vcpu_register_vcpu_info rvi = { va_to_mfn(vi), 0, 0 };
	struct evtchn_init_control ic = { .control_gfn = va_to_mfn(fc) };
	struct physdev_pirq_eoi_gmfn pe = { va_to_mfn(eoi) };
	long rc;

	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	P_CHECK(hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, &rvi) == 0,
		"register_vcpu_info");
	P_CHECK(evtchn_op(EVTCHNOP_init_control, &ic) == 0, "init_control");
	/* A domU's EOI map is registered as on Xen 4.17 (docs/conformance.md, physdev_op). */
	rc = hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_pirq_eoi_gmfn_v2, &pe);
	P_CHECK(rc == 0, "pirq_eoi_gmfn_v2 gave %ld", rc);
	P_CHECK(update_va_mapping(vi, 0, UVMF_INVLPG) == 0 &&
		update_va_mapping(fc, 0, UVMF_INVLPG) == 0 &&
		update_va_mapping(eoi, 0, UVMF_INVLPG) == 0, "unmapping them");
	held[0] = rvi.mfn;
	held[1] = ic.control_gfn;
	held[2] = rc == 0 ? pe.gmfn : 0;
}

/* Step 8..9: frames we may not give, all into dom0's ref 11. */
static void peer_not_ours(const uint64_t *gframes, uint64_t gva)
{
	uint64_t pinned = table_like_page(), gdt = table_like_page(), none = 0;
	const struct {
		uint64_t mfn;
		const char *what;
	} bad[] = {
		{ box->dom0_mfn[0], "dom0's page" },
		{ box->dom0_mfn[1], "the other domain's page" },
		{ 0, "frame 0" },
		{ 0x80000, "a frame past RAM (2 GiB)" },
		{ 0xfee00, "the local APIC's frame" },
		{ l1e_maddr(gva) >> 12, "our L1 table" },
		{ va_to_mfn(start->pt_base), "our L4 table" },
		{ pinned, "a pinned L1 table" },
		{ gdt, "our GDT page" },
		{ start->shared_info >> 12, "our shared_info" },
		{ gframes[0], "our grant frame 0 (mapped)" },
		{ gframes[1], "our grant frame 1 (not mapped)" },
		{ va_to_mfn((uint64_t)box), "the mailbox (mapped by dom0)" },
		{ held[0], "our vcpu_info page" },
		{ held[1], "our FIFO event control block" },
	};
	unsigned int i;
	long res;
	int16_t st;

	P_CHECK(mmuext1(MMUEXT_PIN_L1_TABLE, pinned) == 0, "pinning an L1 table");
	P_CHECK(hypercall2(__HYPERVISOR_set_gdt, (uint64_t)&gdt, 16) == 0, "set_gdt");
	res = reservation();
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		st = xfer(bad[i].mfn, 0, 11);
		P_CHECK(st == GNTST_bad_page, "%s (%#llx) gave %d", bad[i].what,
			(unsigned long long)bad[i].mfn, st);
	}
	if (held[2]) {
		st = xfer(held[2], 0, 11);
		P_CHECK(st == GNTST_bad_page, "our PIRQ EOI map gave %d", st);
	}
	P_CHECK(reservation() == res, "reservation %ld after refused frames, was %ld",
		reservation(), res);
	/* Released, the same two frames move: they are plain pages again. */
	P_CHECK(mmuext1(MMUEXT_UNPIN_TABLE, pinned) == 0, "unpinning");
	P_CHECK(hypercall2(__HYPERVISOR_set_gdt, (uint64_t)&none, 0) == 0, "set_gdt to none");
	st = xfer(pinned, 0, 12);
	P_CHECK(st == GNTST_okay, "a page that was a pinned L1 gave %d", st);
	st = xfer(gdt, 0, 13);
	P_CHECK(st == GNTST_okay, "a page that was our GDT gave %d", st);
	P_CHECK(reservation() == res - 2, "reservation %ld after 2 went, was %ld", reservation(),
		res);
	box->peer_mfn[1] = pinned;
	box->peer_mfn[2] = gdt;
	P_MEET(9);
}

/* Step 10..11: to where a page cannot arrive, and to ourselves. */
static void peer_bad_destinations(void)
{
	static const struct {
		domid_t to;
		grant_ref_t ref;
		int16_t want;
		const char *what;
	} dest[] = {
		{ DOMID_SELF, 30, GNTST_bad_domain, "DOMID_SELF" },
		{ NO_DOMAIN, 10, GNTST_bad_domain, "no such domain" },
		{ DOMID_IO, 10, GNTST_bad_domain, "DOMID_IO" },
		{ DOMID_XEN, 10, GNTST_bad_domain, "DOMID_XEN" },
		{ 0, 600, GNTST_general_error, "past dom0's table" },
		{ 0, 14, GNTST_general_error, "dom0's entry for domain 7" },
	};
	uint64_t mfn, self;
	unsigned int i;
	long res = reservation();
	int16_t st;

	for (i = 0; i < ARRAY_SIZE(dest); i++) {
		P_CHECK((mfn = give_page("lost")), "a page to lose");
		st = xfer(mfn, dest[i].to, dest[i].ref);
		P_CHECK(st == dest[i].want, "to %s gave %d, not %d", dest[i].what, st,
			dest[i].want);
	}
	P_CHECK((mfn = give_page("lost")), "a page to lose");
	st = xfer(mfn, (domid_t)box->other_id, 0);
	P_CHECK(st == GNTST_general_error, "to a domain without entries gave %d", st);
	P_CHECK(reservation() == res - 7, "reservation %ld after 7 lost, was %ld", reservation(),
		res);
	{
		struct gnttab_transfer twice[2] = {
			{ .mfn = give_page("H"), .domid = 0, .ref = 16, .status = 99 },
			{ .domid = 0, .ref = 17, .status = 99 },
		};
		long rc;

		twice[1].mfn = twice[0].mfn;
		rc = gnttab(GNTTABOP_transfer, twice, 2);
		P_CHECK(rc == 0 && twice[0].status == GNTST_okay &&
			twice[1].status == GNTST_bad_page, "H twice in a batch: %ld, %d %d", rc,
			twice[0].status, twice[1].status);
		box->peer_mfn[5] = twice[0].mfn;
	}
	set_v1(&ptable[30], ACCEPT, (domid_t)box->peer_id, MARK(30));
	P_CHECK((self = give_page("to ourselves")), "a page to keep");
	st = xfer(self, (domid_t)box->peer_id, 30);
	P_CHECK(st == GNTST_okay, "to ourselves gave %d", st);
	P_CHECK(ptable[30].flags == DONE && ptable[30].frame == self && *m2p(self) == MARK(30),
		"our entry 30 after it: %#x %#x, M2P %#llx", ptable[30].flags, ptable[30].frame,
		(unsigned long long)*m2p(self));
	P_CHECK(reservation() == res - 8, "reservation %ld after H and a page to ourselves",
		reservation());
	P_MEET(11);
}

/* Step 12..14: what dom0 gives us. */
static void peer_receive(uint64_t va)
{
	static const grant_ref_t got[] = { 40, 44, 46, 47, 48 };
	long res = reservation();
	unsigned int i;
	char text[16];

	for (i = 40; i <= 48; i++)
		set_v1(&ptable[i], ACCEPT, 0, MARK(i));
	set_v1(&ptable[41], GTF_permit_access, 0, MARK(41));
	set_v1(&ptable[42], ACCEPT, 7, MARK(42));
	set_v1(&ptable[43], ACCEPT | GTF_transfer_committed, 0, MARK(43));
	P_MEET(12);
	P_MEET(13);
	P_CHECK(ptable[41].flags == GTF_permit_access && ptable[42].flags == ACCEPT &&
		ptable[43].flags == (ACCEPT | GTF_transfer_committed) && ptable[45].flags == ACCEPT,
		"refused entries changed: %#x %#x %#x %#x", ptable[41].flags, ptable[42].flags,
		ptable[43].flags, ptable[45].flags);
	for (i = 41; i <= 45; i += i == 43 ? 2 : 1)
		P_CHECK(ptable[i].frame == MARK(i), "refused entry %u's frame %#x", i,
			ptable[i].frame);
	for (i = 0; i < ARRAY_SIZE(got); i++) {
		grant_ref_t r = got[i];
		uint64_t mfn = box->dom0_mfn[i];

		P_CHECK(ptable[r].flags == DONE && ptable[r].frame == mfn && *m2p(mfn) == MARK(r),
			"entry %u: %#x, frame %#x (sent %#llx), M2P %#llx", r, ptable[r].flags,
			ptable[r].frame, (unsigned long long)mfn, (unsigned long long)*m2p(mfn));
		snprintf(text, sizeof(text), "to %u", r);
		P_CHECK(map_at(va, mfn) && !strcmp((char *)va, text),
			"the page for entry %u is not ours or lost its bytes", r);
	}
	P_CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping");
	P_CHECK(reservation() == res + 5, "reservation %ld after 5 arrived, was %ld",
		reservation(), res);
	P_MEET(14);
}

/* Step 15..16: flip entries while dom0 transfers into them. */
static void peer_race(uint64_t va)
{
	const uint32_t states[4] = { ACCEPT, 0, ACCEPT | 7u << 16, GTF_permit_access };
	uint32_t seed = 12345, ok = 0;
	long res = reservation();
	unsigned int r, k;

	for (r = 0; r < ROUNDS; r++)
		set_v1(&ptable[60 + r], ACCEPT, 0, MARK(60 + r));
	P_MEET(15);
	for (r = 0; r < ROUNDS; r++) {
		uint32_t *hdr = (uint32_t *)&ptable[60 + r];

		__atomic_store_n(&box->race_at, r + 1, __ATOMIC_RELEASE);
		for (k = 0; __atomic_load_n(&box->race_done, __ATOMIC_ACQUIRE) <= r; k = (k + 1) % 4) {
			uint32_t cur = states[k];

			if (!__atomic_compare_exchange_n(hdr, &cur, states[(k + 1) % 4], false,
							 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				P_CHECK(cur == (ACCEPT | GTF_transfer_committed) || cur == DONE,
					"round %u: entry became %#x under us", r, cur);
				while (__atomic_load_n(&box->race_done, __ATOMIC_ACQUIRE) <= r)
					yield();
				break;
			}
			seed = seed * 1103515245 + 12345;
			if (!(seed >> 26))
				yield();
		}
	}
	for (r = 0; r < ROUNDS; r++) {
		uint32_t hdr = *(uint32_t *)&ptable[60 + r], frame = ptable[60 + r].frame;
		uint64_t mfn = box->race_mfn[r];
		char text[16];

		if (box->race_st[r] == GNTST_okay) {
			snprintf(text, sizeof(text), "race %u", r);
			P_CHECK(hdr == DONE && frame == mfn && *m2p(mfn) == MARK(60 + r) &&
				map_at(va, mfn) && !strcmp((char *)va, text),
				"round %u moved the page but entry %#x frame %#x", r, hdr, frame);
			ok++;
		} else {
			P_CHECK(box->race_st[r] == GNTST_general_error &&
				!(hdr & GTF_transfer_committed) && frame == MARK(60 + r),
				"round %u: status %d, entry %#x, frame %#x", r, box->race_st[r], hdr,
				frame);
		}
	}
	update_va_mapping(va, 0, UVMF_INVLPG);
	P_CHECK(reservation() == res + ok, "reservation %ld after %u arrived, was %ld",
		reservation(), ok, res);
	box->race_ok = ok;
	P_MEET(16);
}

static int peer(void)
{
	uint64_t gframes[2] = { 0, 0 }, va;
	struct box *b = (struct box *)scratch_page();
	int16_t st;

	is_peer = true;
	ptable = table_init(2, gframes);
	if (!ptable)
		return fail("peer: no grant table");
	box = b;
	peer_hold_pages();
	set_v1(&ptable[REF_BOX], GTF_permit_access, 0, (uint32_t)va_to_mfn((uint64_t)b));
	P_MEET(1);
	P_MEET(2);
	peer_granted_page();
	P_MEET(8);
	va = scratch_page();
	peer_not_ours(gframes, va);
	P_MEET(10);
	peer_bad_destinations();
	peer_receive(va);
	peer_race(va);
	P_MEET(17);	/* dom0's table is v2 now */
	{
		uint64_t a = give_page("into v2"), b2 = give_page("past v2");
		long res = reservation();

		st = xfer(a, 0, 20);
		P_CHECK(st == GNTST_okay, "into dom0's v2 entry gave %d", st);
		st = xfer(b2, 0, 300);
		P_CHECK(st == GNTST_general_error, "past dom0's v2 table gave %d", st);
		P_CHECK(reservation() == res - 2, "reservation %ld, was %ld", reservation(), res);
		box->peer_mfn[3] = a;
	}
	set_v1(&ptable[49], ACCEPT, 0, MARK(49));
	P_MEET(18);
	P_MEET(19);	/* dom0 destroys us now */
	for (;;)
		yield();
}

/* ------------------------------------------------------------ dom0 */

static struct grant_entry_v1 *dtable;
static domid_t pd;

/* Domain dom's tot_pages, or -1 when it is not there. */
static long tot_pages(domid_t dom)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	if (domctl_call(&op, DOMCTL_getdomaininfo, dom) || op.domain != dom)
		return -1;
	return (long)op.u.getdomaininfo.tot_pages;
}

static long set_max_pages(domid_t dom, uint64_t pages)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	op.u.max_mem.max_memkb = pages * 4;
	return domctl_call(&op, DOMCTL_max_mem, dom);
}

/* A domain that never runs, with one page: its id, the page's MFN in *mfn. */
static long other_domain(uint64_t *mfn)
{
	struct xen_memory_reservation r = { (uint64_t)mfn, 1, 0, 0, 0, { 0 } };
	uint64_t frame = 0;
	struct gnttab_setup_table st = { 0, 0, 1, 99, { 0 }, (uint64_t)&frame };
	static const char handle[16];
	domid_t id;
	long rc;

	if ((rc = domctl_create(&id, handle)))
		return rc;
	r.domid = id;
	*mfn = 0;
	if ((rc = set_max_pages(id, 4)) ||
	    (rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_populate_physmap, &r)) != 1)
		return rc < 0 ? rc : -ENOMEM;
	/* Its table now, as a toolstack would (Lamina makes one at first use). */
	st.dom = id;
	if (gnttab(GNTTABOP_setup_table, &st, 1) || st.status)
		return -EIO;
	return id;
}

static int16_t map_ref(domid_t dom, grant_ref_t ref, uint64_t va, grant_handle_t *h)
{
	struct gnttab_map_grant_ref op = { va, GNTMAP_host_map, ref, dom, 99, ~0U, 0 };

	if (update_va_mapping(va, 0, UVMF_INVLPG) || gnttab(GNTTABOP_map_grant_ref, &op, 1))
		return (int16_t)-100;
	*h = op.handle;
	return op.status;
}

static int16_t unmap_ref(uint64_t va, grant_handle_t h)
{
	struct gnttab_unmap_grant_ref op = { va, 0, h, 99, 0 };

	return gnttab(GNTTABOP_unmap_grant_ref, &op, 1) ? (int16_t)-100 : op.status;
}

#define D_MEET(n)	CHECK(meet(n), "at step %d: %s", n, box->failed ? box->why : "the peer is not there")

/* Steps 2..9: the peer gives us pages. */
static int dom0_takes(void)
{
	uint64_t gva = scratch_page(), va = scratch_page(), fva = scratch_page(), g;
	long res = reservation(), fr;
	grant_handle_t h;
	int16_t st;
	unsigned int i;

	for (i = 10; i <= 17; i++)
		set_v1(&dtable[i], ACCEPT, pd, MARK(i));
	set_v1(&dtable[14], ACCEPT, 7, MARK(14));
	CHECK((box->dom0_mfn[0] = give_page("dom0's page")), "a page of ours");
	res = reservation();
	fr = (long)physinfo_free_pages();
	D_MEET(2);
	D_MEET(3);
	CHECK((st = map_ref(pd, 20, gva, &h)) == GNTST_okay, "mapping the peer's G gave %d", st);
	/* Not present first: mmu_update flushes no TLB, its old translation would stay. */
	CHECK(update_va_mapping(fva, 0, UVMF_INVLPG) == 0 &&
	      mmu_update_fd(l1e_maddr(fva), (box->peer_mfn[4] << 12) | PTE_DATA, pd) == 0,
	      "mapping the peer's F by its frame");
	D_MEET(4);
	D_MEET(5);
	CHECK(!strcmp((char *)gva, "still the peer's"), "our mapping of G reads '%.20s'",
	      (char *)gva);
	CHECK(dtable[10].flags == ACCEPT && dtable[10].frame == MARK(10),
	      "entry 10 after a refused transfer: %#x %#x", dtable[10].flags, dtable[10].frame);
	CHECK((st = unmap_ref(gva, h)) == GNTST_okay, "unmapping G gave %d", st);
	CHECK(!strcmp((char *)fva, "peer page F") && update_va_mapping(fva, 0, UVMF_INVLPG) == 0,
	      "our mapping of F: '%.20s'", (char *)fva);
	CHECK(dtable[15].flags == ACCEPT, "entry 15 after a refused transfer: %#x",
	      dtable[15].flags);
	D_MEET(6);
	D_MEET(7);
	g = box->peer_mfn[0];
	CHECK(dtable[10].flags == DONE && dtable[10].frame == g && *m2p(g) == MARK(10),
	      "entry 10: %#x, frame %#x (G %#llx), M2P %#llx", dtable[10].flags, dtable[10].frame,
	      (unsigned long long)g, (unsigned long long)*m2p(g));
	CHECK(dtable[15].flags == DONE && dtable[15].frame == box->peer_mfn[4],
	      "entry 15: %#x %#x", dtable[15].flags, dtable[15].frame);
	CHECK(reservation() == res + 2, "our reservation %ld, was %ld", reservation(), res);
	CHECK(map_at(va, g) && !strcmp((char *)va, "still the peer's"),
	      "G is not ours or lost its bytes");
	CHECK((st = map_ref(pd, 20, gva, &h)) == GNTST_bad_page,
	      "mapping the peer's ref to G, ours now, gave %d", st);
	CHECK((long)physinfo_free_pages() == fr, "free pages %ld, were %ld",
	      (long)physinfo_free_pages(), fr);
	D_MEET(8);
	D_MEET(9);
	CHECK(dtable[11].flags == ACCEPT, "entry 11 after refused frames: %#x", dtable[11].flags);
	CHECK(map_at(va, box->dom0_mfn[0]) && !strcmp((char *)va, "dom0's page"),
	      "our page left us");
	for (i = 12; i <= 13; i++) {
		uint64_t mfn = box->peer_mfn[i - 11];

		CHECK(dtable[i].flags == DONE && dtable[i].frame == mfn, "entry %u: %#x %#x", i,
		      dtable[i].flags, dtable[i].frame);
		CHECK(map_at(va, mfn), "the page of entry %u: not writable", i);
		*(volatile uint64_t *)va = 1;
	}
	update_va_mapping(va, 0, UVMF_INVLPG);
	CHECK(reservation() == res + 4, "our reservation %ld, was %ld", reservation(), res);
	CHECK((long)physinfo_free_pages() == fr, "free pages %ld, were %ld",
	      (long)physinfo_free_pages(), fr);
	return TEST_PASS;
}

/* Steps 12..13: we give the peer pages. */
static int dom0_gives(void)
{
	static const grant_ref_t refused[] = { 41, 42, 43, 512, 1024, 0xffffffffu };
	struct gnttab_transfer batch[3], *two;
	uint64_t mfn, page, next;
	long res, fr, t;
	unsigned int i;
	int16_t st;
	long rc;

	res = reservation();
	fr = (long)physinfo_free_pages();
	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		CHECK((mfn = give_page("lost")), "a page");
		st = xfer(mfn, pd, refused[i]);
		CHECK(st == GNTST_general_error, "into the peer's ref %u: %d", refused[i], st);
	}
	CHECK((box->dom0_mfn[0] = give_page("to 40")), "a page");
	CHECK((st = xfer(box->dom0_mfn[0], pd, 40)) == GNTST_okay, "into ref 40: %d", st);

	memset(batch, 0, sizeof(batch));
	batch[0] = (struct gnttab_transfer){ .mfn = give_page("to 44"), .domid = pd, .ref = 44 };
	batch[1] = (struct gnttab_transfer){ .mfn = va_to_mfn(start->pt_base), .domid = pd,
					     .ref = 45 };
	batch[2] = (struct gnttab_transfer){ .mfn = give_page("to 46"), .domid = pd, .ref = 46 };
	for (i = 0; i < 3; i++)
		batch[i].status = 99;
	rc = gnttab(GNTTABOP_transfer, batch, 3);
	CHECK(rc == 0 && batch[0].status == GNTST_okay && batch[1].status == GNTST_bad_page &&
	      batch[2].status == GNTST_okay, "a batch with our L4 in the middle: %ld, %d %d %d",
	      rc, batch[0].status, batch[1].status, batch[2].status);
	box->dom0_mfn[1] = batch[0].mfn;
	box->dom0_mfn[2] = batch[2].mfn;

	/* Two elements, the second on a page that is not mapped. */
	page = scratch_page();
	next = scratch_page();
	CHECK(next == page + 4096 && update_va_mapping(next, 0, UVMF_INVLPG) == 0,
	      "an unmapped page after a mapped one");
	two = (struct gnttab_transfer *)(next - sizeof(*two));
	*two = (struct gnttab_transfer){ .mfn = give_page("to 47"), .domid = pd, .ref = 47,
					 .status = 99 };
	rc = gnttab(GNTTABOP_transfer, two, 2);
	CHECK(rc == -EFAULT && two->status == GNTST_okay,
	      "a batch running into an unmapped page: %ld, first %d", rc, two->status);
	box->dom0_mfn[3] = two->mfn;
	/* A count past 2^20 (Lamina refused those, Xen only a negative int): the same. */
	*two = (struct gnttab_transfer){ .mfn = 0x80000, .domid = pd, .ref = 45, .status = 99 };
	rc = gnttab(GNTTABOP_transfer, two, 0x100001);
	CHECK(rc == -EFAULT && two->status == GNTST_bad_page,
	      "a batch of 2^20 + 1 running into an unmapped page: %ld, first %d", rc, two->status);

	/* The peer at its max_mem: refused, the page freed. */
	t = tot_pages(pd);
	CHECK(t > 0 && set_max_pages(pd, (uint64_t)t) == 0, "max_mem of the peer (%ld pages)", t);
	CHECK((mfn = give_page("lost")), "a page");
	CHECK((st = xfer(mfn, pd, 48)) == GNTST_general_error, "to the peer at max_mem: %d", st);
	CHECK(tot_pages(pd) == t, "the peer's tot_pages %ld, was %ld", tot_pages(pd), t);
	CHECK(set_max_pages(pd, (uint64_t)t + 1024) == 0, "raising it again");
	CHECK((box->dom0_mfn[4] = give_page("to 48")), "a page");
	CHECK((st = xfer(box->dom0_mfn[4], pd, 48)) == GNTST_okay, "into ref 48 then: %d", st);
	CHECK(tot_pages(pd) == t + 1, "the peer's tot_pages %ld, was %ld", tot_pages(pd), t);

	CHECK((long)physinfo_free_pages() == fr + 7, "free pages %ld, were %ld before 7 refused",
	      (long)physinfo_free_pages(), fr);
	CHECK(reservation() == res - 12, "our reservation %ld, was %ld before 12 given",
	      reservation(), res);
	return TEST_PASS;
}

/* Steps 15..16: transfers into entries the peer flips meanwhile. */
static int dom0_race(void)
{
	long res = reservation(), fr = (long)physinfo_free_pages();
	unsigned int r, ok = 0;
	char text[16];

	D_MEET(15);
	for (r = 0; r < ROUNDS; r++) {
		uint64_t va = scratch_page(), mfn = va_to_mfn(va);

		snprintf(text, sizeof(text), "race %u", r);
		strlcpy((char *)va, text, 16);
		CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping");
		box->race_mfn[r] = mfn;
		while (__atomic_load_n(&box->race_at, __ATOMIC_ACQUIRE) <= r)
			yield();	/* the peer flips this round's entry now */
		box->race_st[r] = xfer(mfn, pd, 60 + r);
		CHECK(box->race_st[r] == GNTST_okay || box->race_st[r] == GNTST_general_error,
		      "round %u gave %d", r, box->race_st[r]);
		ok += box->race_st[r] == GNTST_okay;
		__atomic_store_n(&box->race_done, r + 1, __ATOMIC_RELEASE);
	}
	D_MEET(16);
	printf("dom0: %u of %u pages arrived in entries the peer flipped\n", ok, ROUNDS);
	CHECK(box->race_ok == ok, "the peer counted %u", box->race_ok);
	CHECK(reservation() == res - ROUNDS, "our reservation %ld, was %ld", reservation(), res);
	CHECK((long)physinfo_free_pages() == fr + (long)(ROUNDS - ok), "free pages %ld, were %ld",
	      (long)physinfo_free_pages(), fr);
	return TEST_PASS;
}

/* Steps 17..18: our table as v2 receives. */
static int dom0_v2(void)
{
	struct gnttab_set_version sv = { 2 };
	union grant_entry_v2 *t2 = (union grant_entry_v2 *)dtable;
	long res = reservation(), fr;
	long rc;

	CHECK((rc = gnttab(GNTTABOP_set_version, &sv, 1)) == 0, "set_version 2: %ld", rc);
	fr = (long)physinfo_free_pages();	/* after v2's status frame */
	t2[20].full_page.frame = MARK(20);
	t2[20].hdr.domid = pd;
	__atomic_store_n(&t2[20].hdr.flags, ACCEPT, __ATOMIC_RELEASE);
	D_MEET(17);
	D_MEET(18);
	CHECK(t2[20].hdr.flags == DONE && t2[20].full_page.frame == box->peer_mfn[3] &&
	      *m2p(box->peer_mfn[3]) == MARK(20), "v2 entry 20: %#x, frame %#llx (sent %#llx)",
	      t2[20].hdr.flags, (unsigned long long)t2[20].full_page.frame,
	      (unsigned long long)box->peer_mfn[3]);
	CHECK(reservation() == res + 1, "our reservation %ld, was %ld", reservation(), res);
	CHECK((long)physinfo_free_pages() == fr + 1, "free pages %ld, were %ld",
	      (long)physinfo_free_pages(), fr);
	return TEST_PASS;
}

/* Step 19 on: the peer dying (we map its mailbox), then gone. */
static int dom0_peer_ends(uint64_t box_va, grant_handle_t box_h)
{
	struct domctl op;
	unsigned int tries = 0;
	uint64_t mfn;
	long fr, rc;
	int16_t st;

	memset(&op, 0, sizeof(op));
	CHECK((rc = domctl_call(&op, DOMCTL_destroydomain, pd)) == 0, "destroying the peer: %ld", rc);
	CHECK(tot_pages(pd) >= 0, "the peer is gone while we map its page");
	CHECK((mfn = give_page("to the dying")), "a page");
	fr = (long)physinfo_free_pages();
	CHECK((st = xfer(mfn, pd, 49)) == GNTST_general_error, "to the dying peer: %d", st);
	CHECK((long)physinfo_free_pages() == fr + 1, "free pages %ld, were %ld",
	      (long)physinfo_free_pages(), fr);
	CHECK((st = unmap_ref(box_va, box_h)) == GNTST_okay, "unmapping the mailbox: %d", st);
	peer_unmap_console();
	while (tot_pages(pd) >= 0 && peer_wait_more(&tries, 1000))
		yield();
	CHECK(tot_pages(pd) < 0, "the peer is still there");
	CHECK((mfn = give_page("to nobody")), "a page");
	CHECK((st = xfer(mfn, pd, 49)) == GNTST_bad_domain, "to the peer gone: %d", st);
	return TEST_PASS;
}

static int dom0(struct start_info *si)
{
	uint64_t frames[1] = { 0 }, box_va = scratch_page(), other_mfn = 0;
	int id = peer_start(si, "role=peer", 16);
	unsigned int tries = 0;
	grant_handle_t box_h = 0;
	struct domctl op;
	long other, res0 = reservation(), t, peer_t0;
	struct sysctl pi;
	int16_t st;

	CHECK(id > 0, "the peer could not be started (%d)", id);
	pd = (domid_t)id;
	CHECK((dtable = table_init(1, frames)), "no grant table");
	t = tot_pages(pd);
	CHECK(t > 0 && set_max_pages(pd, (uint64_t)t + 1024) == 0, "raising the peer's max_mem");
	peer_t0 = t;
	/* On two CPUs or more, each on its own: the race below runs in parallel. */
	if (physinfo(&pi) == 0 && pi.u.physinfo.nr_cpus > 1)
		CHECK(domctl_pin_vcpu0(0, 0) == 0 && domctl_pin_vcpu0(pd, 1) == 0, "pinning to CPUs 0 and 1");
	/* Ours too: dom0 starts without a limit (UINT_MAX pages), as on Xen; a known one here. */
	t = tot_pages(0);
	CHECK(t > 0 && set_max_pages(0, (uint64_t)t + 1024) == 0, "raising our max_mem");
	while ((st = map_ref(pd, REF_BOX, box_va, &box_h)) != GNTST_okay &&
	       peer_wait_more(&tries, 1000))
		yield();
	CHECK(st == GNTST_okay, "mapping the peer's mailbox gave %d", st);
	box = (struct box *)box_va;
	box->peer_id = pd;
	other = other_domain(&other_mfn);
	CHECK(other > 0, "a second domain: %ld", other);
	box->other_id = (uint32_t)other;
	box->dom0_mfn[1] = other_mfn;
	D_MEET(1);
	if (dom0_takes() != TEST_PASS)
		return TEST_FAIL;
	{
		long fr = (long)physinfo_free_pages();

		D_MEET(10);
		D_MEET(11);
		CHECK(dtable[14].flags == ACCEPT, "entry 14 for domain 7 changed: %#x",
		      dtable[14].flags);
		CHECK(dtable[16].flags == DONE && dtable[16].frame == box->peer_mfn[5] &&
		      dtable[17].flags == ACCEPT, "H twice: entries %#x %#x, frame %#x",
		      dtable[16].flags, dtable[17].flags, dtable[16].frame);
		CHECK((long)physinfo_free_pages() == fr + 7, "free pages %ld, were %ld before 7 lost",
		      (long)physinfo_free_pages(), fr);
	}
	D_MEET(12);
	if (dom0_gives() != TEST_PASS)
		return TEST_FAIL;
	D_MEET(13);
	D_MEET(14);
	if (dom0_race() != TEST_PASS || dom0_v2() != TEST_PASS)
		return TEST_FAIL;
	memset(&op, 0, sizeof(op));
	CHECK(domctl_call(&op, DOMCTL_destroydomain, (domid_t)other) == 0, "destroying d%ld", other);
	/* The peer: G, F, two once-typed pages, 7 lost, H, 2 into v2 gone; 5 and the race's came. */
	t = tot_pages(pd);
	CHECK(t == peer_t0 - 9 + (long)box->race_ok, "the peer's tot_pages %ld, was %ld", t,
	      peer_t0);
	D_MEET(19);
	if (dom0_peer_ends(box_va, box_h) != TEST_PASS)
		return TEST_FAIL;
	/* Ours: 5 came, 12 given, 40 raced, 1 came into v2, 2 to the dying and the gone. */
	printf("dom0: reservation %ld, was %ld at the start\n", reservation(), res0);
	CHECK(reservation() == res0 - 48 && tot_pages(0) == reservation(),
	      "our reservation %ld (tot_pages %ld), was %ld", reservation(), tot_pages(0), res0);
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	start = si;
	return peer_or_dom0(si, peer, dom0);
}
