// SPDX-License-Identifier: GPL-2.0-only
/*
 * destroy-hold: how long one DOMCTL_destroydomain holds the caller. dom0
 * makes a domain of PEER_MIB MiB (createdomain, max_vcpus, max_mem,
 * populate_physmap in 2 MiB extents: never built or run) and destroys it,
 * timing the call with pvclock: its continuations included, for they are
 * one call to the caller, and to dom0's Linux, whose privcmd does not
 * reschedule inside it (Debian's 6.1, PREEMPT_DYNAMIC voluntary): the
 * toolstack's task keeps dom0's vCPU from the first step to the last.
 * Lamina's destroy zeroes the frames it frees, but for `destroy_zero_ms`
 * of zeroing at most (here 2 ms; 1000 by default), leaving the rest
 * dirty for the idle scrubber or their next allocation: physinfo's
 * scrub_pages right after the call has grown by at least half the
 * peer's frames, and the call took at most HOLD_NS. Under -icount
 * (instructions, so the host's load does not count; debug build): with
 * no bound (destroy_zero_ms=1000) the call zeroed all 128 MiB and took
 * 38.1 ms, HOLD_NS fails; with 0 (nothing zeroed) 18.5 ms, the rest of
 * the destroy (the frame table's walk, each frame's references, the
 * audit); with 2 ms, 20.7 ms. Xen 4.17 zeroes nothing in the destroy
 * (scrub_pages is not checked there).
 * @qemu: -icount shift=0,sleep=off
 * @hvargs: destroy_zero_ms=2
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include <lamina/memory.h>
#include "lib/physinfo.h"
#include <lamina/domctl.h>
#include <lamina/sysctl.h>

#define PEER_MIB	128
#define HOLD_NS		26000000ULL

static long domctl(struct domctl *op, uint32_t cmd, domid_t dom)
{
	op->cmd = cmd;
	op->interface_version = DOMCTL_INTERFACE_VERSION;
	op->domain = dom;
	return hypercall1(__HYPERVISOR_domctl, op);
}

static uint64_t extents[PEER_MIB / 2];

int test_main(struct start_info *si)
{
	struct xen_memory_reservation r = { (uint64_t)extents, PEER_MIB / 2, 9, 0, 0, { 0 } };
	struct domctl op = { .domain = 0 };
	struct sysctl pi;
	uint64_t dirty, t0, took;
	domid_t id;
	long rc;

	CHECK(events_init(si) == 0, "events_init failed");
	op.u.createdomain.max_vcpus = 1;
	op.u.createdomain.max_evtchn_port = 1023;
	op.u.createdomain.max_grant_frames = -1;
	op.u.createdomain.max_maptrack_frames = -1;
	op.u.createdomain.grant_opts = 1;
	CHECK((rc = domctl(&op, DOMCTL_createdomain, 0)) == 0, "createdomain: %ld", rc);
	id = op.domain;
	op.u.max_vcpus.max = 1;
	CHECK((rc = domctl(&op, DOMCTL_max_vcpus, id)) == 0, "max_vcpus: %ld", rc);
	op.u.max_mem.max_memkb = PEER_MIB * 1024;
	CHECK((rc = domctl(&op, DOMCTL_max_mem, id)) == 0, "max_mem: %ld", rc);
	for (rc = 0; rc < PEER_MIB / 2; rc++)
		extents[rc] = (uint64_t)rc << 9;
	r.domid = id;
	rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_populate_physmap, &r);
	CHECK(rc == PEER_MIB / 2, "populate_physmap for d%u: %ld of %u extents", id, rc,
	      PEER_MIB / 2);
	CHECK(physinfo(&pi) == 0, "physinfo");
	dirty = pi.u.physinfo.scrub_pages;
	t0 = pvclock_ns();
	rc = domctl(&op, DOMCTL_destroydomain, id);
	took = pvclock_ns() - t0;
	CHECK(rc == 0, "destroying it: %ld", rc);
	CHECK(physinfo(&pi) == 0, "physinfo");
	printf("destroy of %u MiB: %lu us in the call; frames freed not zeroed %lu before, "
	       "%lu after\n", PEER_MIB, (unsigned long)(took / 1000), (unsigned long)dirty,
	       (unsigned long)pi.u.physinfo.scrub_pages);
	CHECK(took <= HOLD_NS, "the destroy held its caller %lu us (at most %llu)",
	      (unsigned long)(took / 1000), HOLD_NS / 1000);
	if (on_lamina())
		CHECK(pi.u.physinfo.scrub_pages >= dirty + PEER_MIB * 256 / 2,
		      "the destroy zeroed past its bound: %lu frames not zeroed before, %lu after",
		      (unsigned long)dirty, (unsigned long)pi.u.physinfo.scrub_pages);
	return TEST_PASS;
}
