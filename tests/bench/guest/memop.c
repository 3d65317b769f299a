// SPDX-License-Identifier: GPL-2.0-only
/*
 * memop: what populate_physmap costs per frame (issue 17, session 32),
 * as a toolstack's domain build calls it (2 MiB extents) and as a balloon
 * driver does (4 KiB extents), and what giving the frames back costs.
 * Each round populates EXT_FRAMES frames of dom0's own at pfns above its
 * memory, in one call, as one order-9 extent or 512 order-0 extents, and
 * gives them back by decrease_reservation. Both populates take the lowest
 * free frames (the 2 MiB extent the lowest free aligned run; the order-0
 * extents ask for frames below 256 MiB, XENMEMF_address_bits(28), which
 * takes Lamina's first-fit route, alloc_frames_below(1, 1, limit), instead of
 * alloc_frame's cursor, whose frames are boot RAM an idle CPU may or may
 * not have scrubbed yet, depending on the binary's timing), so each
 * round gets the frames the round before gave back. A frame given back
 * is dirty (free_frame) and the next populate zeroes it: every round
 * zeroes its 512 frames, under -icount 512 counted `rep stosq` iterations
 * a frame, the same before and after any change to the allocator.
 * Then the same populates of frames known zero, as a toolstack's domain
 * build mostly gets them (idle CPUs zero freed frames ahead, and a
 * destroy zeroes its domain's): dom0 blocks on a one-shot timer for 5 s
 * (under -icount sleep=off that is instructions of the idle CPU's
 * scrubbing, a batch of 32 frames a millisecond: all free RAM of this
 * 512 MiB machine), then before each round for 50 ms (the 512 frames the
 * round before gave back, 16 batches). A frame found dirty still is zeroed,
 * so a scrubber that fell behind shows as a jump of ~520 a frame.
 * Output, the median/min/max instructions (cycles) per frame over the
 * rounds:
 *   BENCH populate_order9         ...   one 2 MiB extent
 *   BENCH populate_order0         ...   512 extents of one frame, below 256 MiB
 *   BENCH decrease_order0         ...   their 512 frames given back
 *   BENCH populate_order9_clean   ...   one 2 MiB extent, scrubbed frames
 *   BENCH populate_order0_clean   ...   512 extents, scrubbed frames
 */
#include "../../guest/lib/guest.h"
#include "../../guest/lib/mm.h"
#include "../../guest/lib/bench.h"
#include "../../guest/lib/events.h"
#include <lamina/memory.h>

#define ROUNDS		16
#define EXT_FRAMES	512
#define FIRST_PFN	0x100000ULL	/* 4 GiB: above any dom0 memory here */

static uint64_t samples[5][ROUNDS];
static evtchn_port_t timer_port;

/* Blocks for ms of the guest's time: the idle CPU scrubs meanwhile. */
static void idle_ms(uint64_t ms)
{
	hypercall1(__HYPERVISOR_set_timer_op, pvclock_ns() + ms * 1000000ULL);
	wait_for_port(timer_port);
}
static uint64_t list[EXT_FRAMES], got[EXT_FRAMES];

#define LOW_BITS	28		/* XENMEMF_address_bits: below 256 MiB */

static long memop(unsigned int cmd, uint64_t *frames, uint64_t n, unsigned int order)
{
	struct xen_memory_reservation r = {
		.extent_start = (uint64_t)frames, .nr_extents = n,
		.extent_order = order, .domid = DOMID_SELF,
		.mem_flags = cmd == XENMEM_populate_physmap && !order ? LOW_BITS : 0,
	};

	return hypercall2(__HYPERVISOR_memory_op, cmd, &r);
}

/* The frames just populated at list[] (n extents of order), given back. */
static int give_back(unsigned int n, unsigned int order, uint64_t *sample)
{
	uint64_t t0, i, k = 0;

	for (i = 0; i < n; i++)
		for (uint64_t j = 0; j < (1ULL << order); j++)
			got[k++] = list[i] + j;
	t0 = tsc();
	CHECK(memop(XENMEM_decrease_reservation, got, k, 0) == (long)k,
	      "decrease_reservation failed");
	if (sample)
		*sample = tsc() - t0;
	return 0;
}

static int populate(unsigned int order, uint64_t *sample)
{
	unsigned int n = EXT_FRAMES >> order, i;
	uint64_t t0;
	long rc;

	for (i = 0; i < n; i++)
		list[i] = FIRST_PFN + ((uint64_t)i << order);
	t0 = tsc();
	rc = memop(XENMEM_populate_physmap, list, n, order);
	*sample = tsc() - t0;
	CHECK(rc == (long)n, "populate_physmap order %u gave %ld of %u", order, rc, n);
	/* list[] now holds the MFNs given; as M2P says, they are ours. */
	return 0;
}

int test_main(struct start_info *si)
{
	unsigned int round;
	uint64_t warm;

	mm_init(si);
	/* warm up both routes, then the rounds */
	if (populate(9, &warm) || give_back(1, 9, NULL) ||
	    populate(0, &warm) || give_back(EXT_FRAMES, 0, NULL))
		return TEST_FAIL;
	for (round = 0; round < ROUNDS; round++)
		if (populate(9, &samples[0][round]) || give_back(1, 9, NULL))
			return TEST_FAIL;
	for (round = 0; round < ROUNDS; round++)
		if (populate(0, &samples[1][round]) ||
		    give_back(EXT_FRAMES, 0, &samples[2][round]))
			return TEST_FAIL;
	CHECK(events_init(si) == 0 && (timer_port = oneshot_timer_port()),
	      "no one-shot timer");
	idle_ms(5000);
	for (round = 0; round < ROUNDS; round++) {
		idle_ms(50);
		if (populate(9, &samples[3][round]) || give_back(1, 9, NULL))
			return TEST_FAIL;
	}
	for (round = 0; round < ROUNDS; round++) {
		idle_ms(50);
		if (populate(0, &samples[4][round]) || give_back(EXT_FRAMES, 0, NULL))
			return TEST_FAIL;
	}
	bench_report("populate_order9", samples[0], ROUNDS, EXT_FRAMES);
	bench_report("populate_order0", samples[1], ROUNDS, EXT_FRAMES);
	bench_report("decrease_order0", samples[2], ROUNDS, EXT_FRAMES);
	bench_report("populate_order9_clean", samples[3], ROUNDS, EXT_FRAMES);
	bench_report("populate_order0_clean", samples[4], ROUNDS, EXT_FRAMES);
	return TEST_PASS;
}
