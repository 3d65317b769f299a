// SPDX-License-Identifier: GPL-2.0-only
/*
 * smp-tlb-realloc: a frame given back and handed out again is first
 * flushed from the TLB of every CPU that has not loaded CR3 since it was
 * freed, even when the CPU that gave it back flushed its own TLB after
 * (take_frames' flush by the frame's free stamp, hv/flushtlb.h; the
 * retype side is guest/smp-tlb-stamp's).
 *
 * dom0's vCPUs 0 and 1 (pinned to CPUs 0 and 1 when there are two) share
 * one address space. Each round vCPU 0 maps the frame F at pfn BASE
 * writable at X; vCPU 1 writes X (its CPU now caches the translation) and
 * spins without a hypercall. vCPU 0 clears X's entry with no flush,
 * flushes its own TLB, exchanges F for a new frame G (XENMEM_exchange: G
 * is allocated before F is freed), flushes its own TLB again (its time is
 * now past F's free stamp) and exchanges G for another. Lamina hands out the lowest
 * free frame there, so that second exchange gives back F itself in most
 * rounds: then vCPU 1 writes X again, which must fault (F is ours again,
 * zeroed; a write that lands went through a stale translation, and could
 * as well have gone into another domain's frame or a page table). Rounds
 * where another frame comes back only re-arm. Xen 4.17 does not give F
 * back that way: there the rounds only re-arm and the test passes with
 * none counted.
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/tlb_race.h"
#include <lamina/memory.h>

#define BASE		2048		/* a pfn nothing maps: above the boot region */
#define ROUNDS		100

static struct tlb_race t = { .rounds = ROUNDS, .stale_slot = 0, .first_val = 1,
			     .stale_val = 0x5a1e5a1e5a1e5a1eULL };

/* The frame at pfn BASE (*mfn) for a new one of order 0: 0 or the error; *mfn the new. */
static long exchange_one(uint64_t *mfn)
{
	struct xen_memory_exchange e;
	uint64_t in = *mfn, out = BASE;
	long rc;

	memset(&e, 0, sizeof(e));
	e.in.extent_start = (uint64_t)&in;
	e.in.nr_extents = 1;
	e.in.domid = DOMID_SELF;
	e.out.extent_start = (uint64_t)&out;
	e.out.nr_extents = 1;
	e.out.domid = DOMID_SELF;
	rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_exchange, &e);
	if (rc)
		return rc;
	if (e.nr_exchanged != 1)
		return -1;
	*mfn = out;
	return 0;
}

int test_main(struct start_info *si)
{
	uint64_t *p2m = (uint64_t *)si->mfn_list;
	unsigned int r, counted = 0;
	bool reused;
	uint64_t g;
	long rc;

	if ((rc = tlb_race_start(si, &t, BASE)) != TEST_PASS)
		return (int)rc;
	for (r = 0; r < ROUNDS; r++) {
		/* Every vCPU's X: a frame left stale by a round not counted goes. */
		rc = update_va_mapping((uint64_t)t.x, pte_rw(t.f), UVMF_INVLPG | UVMF_ALL);
		CHECK(rc == 0, "round %u: mapping F writable at X: %ld", r, rc);
		tlb_race_armed(&t, r);
		rc = update_va_mapping((uint64_t)t.x, 0, 0);	/* no flush anywhere */
		CHECK(rc == 0, "round %u: clearing X: %ld", r, rc);
		rc = mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);
		CHECK(rc == 0, "round %u: local flush: %ld", r, rc);
		g = t.f;
		rc = exchange_one(&g);		/* F freed, after G was taken */
		CHECK(rc == 0, "round %u: exchanging F: %ld", r, rc);
		CHECK(g != t.f, "round %u: F came back from its own exchange", r);
		rc = mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);	/* this CPU: past F's free */
		CHECK(rc == 0, "round %u: local flush after the exchange: %ld", r, rc);
		rc = exchange_one(&g);		/* G freed; the lowest free frame taken */
		CHECK(rc == 0, "round %u: exchanging G: %ld", r, rc);
		reused = g == t.f;		/* F handed out again: to us */
		counted += reused;
		t.f = g;
		p2m[BASE] = t.f;
		tlb_race_verdict(&t, r, reused);
	}
	CHECK(tlb_race_mapped_ok(&t) == TEST_PASS, "the writes while mapped");
	CHECK(t.landed == 0, "vCPU 1 wrote through X into F handed out again in %u of %u rounds "
	      "(a stale translation: its CPU was not flushed)", t.landed, counted);
	printf("%u rounds, %u with F handed back at once%s, %s\n", ROUNDS, counted,
	       counted ? ": vCPU 1's write faulted each time" : " (nothing to check)",
	       t.one_cpu ? "the vCPUs taking turns on one CPU" : "on the other CPU");
	CHECK(vcpu_op(VCPUOP_down, 1, NULL) == 0, "down of vCPU 1 failed");
	return TEST_PASS;
}
