// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-scrub: no frame comes back to a guest with the contents it had
 * when it was given up (issue 17: frames are zeroed when freed, by idle
 * CPUs, or at allocation when still dirty). From the unprivileged peer,
 * three ways round, each in cycles of NFRAMES frames:
 *
 *   1. decrease_reservation, then populate_physmap at the same pfns;
 *   2. decrease_reservation, then increase_reservation;
 *   3. exchange (order 0 for order 0, 64 frames a call);
 *   4. decrease_reservation, then populate_physmap of one 2 MiB extent
 *      (order 9: the first fit from the pool's low mark, the extent's
 *      dirty bits read a word at a time under the allocation's lock,
 *      session 32).
 *
 * Each cycle fills every frame it holds with a secret (its MFN mixed in),
 * unmaps it (flushing that translation), gives the frames back, gets as
 * many again and reads every word of each new frame: all must be zero.
 * Lamina hands out frames next-fit, so a method runs until it got back
 * NFRAMES frames the peer had given up before (the allocator wraps round
 * all free RAM; at most MAX_CYCLES cycles).
 *
 * The peer dies with secrets in NFRAMES frames; dom0 then gives back and
 * populates NFRAMES frames of its own until it has been handed as many
 * frames as the machine has, and finds every one zero.
 *
 * Xen 4.17 does not scrub what a live domain gives back (only a dying
 * domain's memory; Linux's balloon driver zeroes pages itself first): on
 * Xen the peer and dom0 report how many frames came with old contents
 * and pass.
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/physinfo.h"
#include <lamina/memory.h>

#define NFRAMES		512
#define FIRST_PFN	1024	/* above the start-of-day mappings (as attack-stale-tlb) */
#define MAX_CYCLES	320	/* 640 MiB given up and taken again a method */
#define SECRET		0x5ec2e75ec2e70000ULL
#define MAX_MFN		(1ULL << 20)	/* 4 GiB of RAM tracked */
#define EXCHANGE_AT_ONCE	64	/* Lamina's limit of output extents a call */

enum method { VIA_POPULATE, VIA_INCREASE, VIA_EXCHANGE, VIA_ORDER9, METHODS };
static const char *const method_name[METHODS] = {
	"decrease+populate", "decrease+increase", "exchange", "decrease+populate order 9"
};

static uint64_t held[NFRAMES], list[NFRAMES];
static uint64_t given_up[MAX_MFN / 64];	/* MFNs the peer gave back once */
static uint64_t window;			/* where a frame is mapped to be read or written */
static unsigned int leaked;		/* frames that came back not zero (Xen only) */
static char why[VERDICT_LEN];

static long memop(unsigned int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_memory_op, cmd, arg);
}

static long map(uint64_t mfn)
{
	return update_va_mapping(window, (mfn << 12) | PTE_DATA, UVMF_INVLPG);
}

/* Every held frame filled with its secret, then unmapped. */
static int fill_held(void)
{
	volatile uint64_t *p = (volatile uint64_t *)window;
	unsigned int i, w;

	for (i = 0; i < NFRAMES; i++) {
		PEER_CHECK(map(held[i]) == 0, "mapping frame %#lx failed", (unsigned long)held[i]);
		for (w = 0; w < 512; w++)
			p[w] = SECRET ^ held[i];
		if (held[i] < MAX_MFN)
			given_up[held[i] / 64] |= 1ULL << (held[i] % 64);
	}
	PEER_CHECK(update_va_mapping(window, 0, UVMF_INVLPG) == 0, "unmapping failed");
	return 0;
}

/*
 * list[] (new MFNs) read word by word, then held; counts in *reused (if
 * not NULL) those that were frames the peer gave up before.
 */
static int check_new(const char *what, unsigned int *reused)
{
	volatile uint64_t *p = (volatile uint64_t *)window;
	unsigned int i, w;

	for (i = 0; i < NFRAMES; i++) {
		uint64_t mfn = list[i];

		PEER_CHECK(map(mfn) == 0, "%s: mapping new frame %#lx failed", what,
			   (unsigned long)mfn);
		if (reused && mfn < MAX_MFN && (given_up[mfn / 64] >> (mfn % 64) & 1))
			(*reused)++;
		for (w = 0; w < 512; w++) {
			uint64_t v = p[w];

			if (!v)
				continue;
			PEER_CHECK(!on_lamina(), "%s: new frame %#lx word %u reads %#lx%s",
				   what, (unsigned long)mfn, w, (unsigned long)v,
				   (v & ~0xfffffULL) == SECRET ? " (a secret we wrote)" : "");
			leaked++;
			break;
		}
		held[i] = mfn;
	}
	PEER_CHECK(update_va_mapping(window, 0, UVMF_INVLPG) == 0, "unmapping failed");
	return 0;
}

/* The held frames given back and as many taken again, into list[]. */
static int trade(enum method m)
{
	struct xen_memory_reservation r = { .extent_start = (uint64_t)held, .nr_extents = NFRAMES,
					    .domid = DOMID_SELF };
	struct xen_memory_exchange x;
	unsigned int i;
	long rc;

	for (i = 0; i < NFRAMES; i++)
		list[i] = FIRST_PFN + i;
	for (i = 0; m == VIA_EXCHANGE && i < NFRAMES; i += EXCHANGE_AT_ONCE) {
		memset(&x, 0, sizeof(x));
		x.in = r;
		x.in.extent_start = (uint64_t)&held[i];
		x.in.nr_extents = EXCHANGE_AT_ONCE;
		x.out = x.in;
		x.out.extent_start = (uint64_t)&list[i];
		rc = memop(XENMEM_exchange, &x);
		PEER_CHECK(rc == 0 && x.nr_exchanged == EXCHANGE_AT_ONCE,
			   "exchange gave %ld (%lu done)", rc, (unsigned long)x.nr_exchanged);
	}
	if (m == VIA_EXCHANGE)
		return 0;
	rc = memop(XENMEM_decrease_reservation, &r);
	PEER_CHECK(rc == NFRAMES, "%s: decrease_reservation gave %ld", method_name[m], rc);
	r.extent_start = (uint64_t)list;
	if (m == VIA_ORDER9) {	/* FIRST_PFN is 2 MiB aligned; NFRAMES is one extent */
		r.nr_extents = 1;
		r.extent_order = 9;
		rc = memop(XENMEM_populate_physmap, &r);
		PEER_CHECK(rc == 1, "%s: populate_physmap gave %ld", method_name[m], rc);
		PEER_CHECK(!(list[0] & 511), "%s: extent at %#lx, not 2 MiB aligned", method_name[m],
			   (unsigned long)list[0]);
		for (i = 1; i < NFRAMES; i++)
			list[i] = list[0] + i;
		return 0;
	}
	rc = memop(m == VIA_POPULATE ? XENMEM_populate_physmap : XENMEM_increase_reservation, &r);
	PEER_CHECK(rc == NFRAMES, "%s: got %ld frames back", method_name[m], rc);
	return 0;
}

static int attack(struct start_info *si)
{
	const uint64_t *p2m = (const uint64_t *)si->mfn_list;
	unsigned int i, cycles, reused;
	enum method m;

	PEER_CHECK(si->nr_pages >= FIRST_PFN + NFRAMES, "only %lu pages",
		   (unsigned long)si->nr_pages);
	window = scratch_page();
	for (i = 0; i < NFRAMES; i++)
		held[i] = p2m[FIRST_PFN + i];
	for (m = 0; m < METHODS; m++) {
		for (cycles = reused = 0; cycles < MAX_CYCLES && reused < NFRAMES; cycles++)
			if (fill_held() || trade(m) || check_new(method_name[m], &reused))
				return -1;
		printf("peer: %s: %u cycles of %u frames, %u came back after we gave them up\n",
		       method_name[m], cycles, NFRAMES, reused);
		PEER_CHECK(reused >= NFRAMES, "%s: only %u frames given up came back in %u cycles",
			   method_name[m], reused, cycles);
	}
	if (leaked)
		printf("peer: %u new frames still held what we wrote before giving them up "
		       "(Xen 4.17 does not scrub a live domain's memory)\n", leaked);
	return fill_held();	/* secrets in the frames it dies with */
}

/*
 * dom0, once the peer is gone: NFRAMES of its own frames given back and
 * populated again until it has been handed as many frames as the machine
 * has (Lamina's next-fit allocator has then wrapped past the peer's
 * frames); every one must read zero.
 */
static int after_death(struct start_info *si)
{
	const uint64_t *p2m = (const uint64_t *)si->mfn_list;
	uint64_t cycles, max;
	struct sysctl op;
	unsigned int i;

	PEER_CHECK(physinfo(&op) == 0, "physinfo failed");
	max = op.u.physinfo.total_pages / NFRAMES + 8;
	window = scratch_page();
	for (i = 0; i < NFRAMES; i++)
		held[i] = p2m[FIRST_PFN + i];
	for (cycles = 0; cycles < max; cycles++)
		if (trade(VIA_POPULATE) || check_new("dom0 after the peer's death", NULL))
			return -1;
	printf("dom0: %lu cycles of %u frames after the peer's death, %u not zero\n",
	       (unsigned long)cycles, NFRAMES, leaked);
	return 0;
}

static void __attribute__((noreturn)) peer(struct start_info *si)
{
	struct verdict v;

	verdict_offer_frame0(&v);
	verdict_send(&v, attack(si) ? why : NULL);
}

int test_main(struct start_info *si)
{
	int rc;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer(si);
	rc = verdict_await_peer(si);
	if (rc != TEST_PASS)
		return rc;
	CHECK(after_death(si) == 0, "%s", why);
	return TEST_PASS;
}
