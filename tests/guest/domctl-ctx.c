// SPDX-License-Identifier: GPL-2.0-only
/*
 * domctl-ctx: setvcpucontext after the first, as a toolstack's save and
 * restore use it, on Lamina and Xen 4.17. dom0 builds a peer (lib/peer.c)
 * and lets it run; then, with the peer paused:
 *   - getvcpucontext and setvcpucontext of that same context: 0 (Xen
 *     allows a second time when the tables stay), and once unpaused the
 *     peer goes on as if nothing happened and gives its verdict;
 *   - the same context with another L4, another GDT size, a user L4 or an
 *     LDT: -EOPNOTSUPP; with a bad vm_assist bit: -EINVAL.
 * After the peer powered off: setvcpucontext with a NULL context (Xen's
 * vcpu_reset) is 0, the vCPU is down and has no context (-ENODATA), and
 * the first context can be given again (0). Destroying it then leaves
 * the frame audit clean on Lamina (the references let go and taken again
 * add up).
 * @initrd: self
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/domctl.h"
#include <lamina/domctl.h>

#define PEER_MIB	16

static struct vcpu_guest_context first, now, changed;

static void keep_first(struct vcpu_guest_context *c)
{
	first = *c;
}

static void __attribute__((noreturn)) peer(struct start_info *si)
{
	struct verdict v;

	verdict_offer_frame0(&v);
	(void)si;
	printf("peer: still here after dom0 set my context again\n");
	verdict_send(&v, NULL);
}

/* Paused: the same context again is 0; moving any table is -EOPNOTSUPP. */
static int second_contexts(domid_t id)
{
	struct domctl op;
	unsigned int i;
	long rc;

	for (i = 0; i < 50; i++)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);	/* let it run */
	CHECK((rc = domctl_call(&op, DOMCTL_pausedomain, id)) == 0, "pausing the peer: %ld", rc);
	CHECK((rc = domctl_vcpu0_context(DOMCTL_getvcpucontext, id, &now)) == 0, "getvcpucontext: %ld", rc);
	CHECK(now.ctrlreg[3] == first.ctrlreg[3], "its L4 %#lx, built with %#lx",
	      (unsigned long)now.ctrlreg[3], (unsigned long)first.ctrlreg[3]);
	/*
	 * CR0 and CR4 as the peer would read them (Xen's pv.ctrlreg[]): paging
	 * and protection on, and CR4's PAE, MCE, OSFXSR and OSXMMEXCPT.
	 */
	CHECK((now.ctrlreg[0] & 0x80000001) == 0x80000001 && (now.ctrlreg[4] & 0x660) == 0x660,
	      "its CR0 %#lx and CR4 %#lx", (unsigned long)now.ctrlreg[0],
	      (unsigned long)now.ctrlreg[4]);
	printf("getvcpucontext: CR0 %#lx, CR4 %#lx\n", (unsigned long)now.ctrlreg[0],
	       (unsigned long)now.ctrlreg[4]);
	changed = now;
	changed.ctrlreg[3] += 0x1000;
	CHECK((rc = domctl_vcpu0_context(DOMCTL_setvcpucontext, id, &changed)) == -EOPNOTSUPP,
	      "another L4 gave %ld", rc);
	changed = now;
	changed.gdt_ents = 16;
	changed.gdt_frames[0] = now.ctrlreg[3] >> 12;
	CHECK((rc = domctl_vcpu0_context(DOMCTL_setvcpucontext, id, &changed)) == -EOPNOTSUPP,
	      "another GDT gave %ld", rc);
	changed = now;
	changed.ctrlreg[1] = now.ctrlreg[3];
	CHECK((rc = domctl_vcpu0_context(DOMCTL_setvcpucontext, id, &changed)) == -EOPNOTSUPP,
	      "a user L4 gave %ld", rc);
	changed = now;
	changed.ldt_ents = 1;
	changed.ldt_base = 0xffffffff80000000ULL;
	CHECK((rc = domctl_vcpu0_context(DOMCTL_setvcpucontext, id, &changed)) == -EOPNOTSUPP,
	      "an LDT gave %ld", rc);
	changed = now;
	changed.vm_assist = 1ULL << 40;
	CHECK((rc = domctl_vcpu0_context(DOMCTL_setvcpucontext, id, &changed)) == -EINVAL,
	      "vm_assist bit 40 gave %ld", rc);
	CHECK((rc = domctl_vcpu0_context(DOMCTL_setvcpucontext, id, &now)) == 0,
	      "its own context again gave %ld", rc);
	CHECK((rc = domctl_call(&op, DOMCTL_unpausedomain, id)) == 0, "unpausing it: %ld", rc);
	return TEST_PASS;
}

/* Shut down: vcpu_reset, no context, the first context again, destroyed. */
static int reset_and_end(domid_t id)
{
	struct domctl op;
	long rc = peer_wait_shutdown(id, &op);

	CHECK(rc == 0 && op.domain == id && (op.u.getdomaininfo.flags & DOMINF_shutdown),
	      "the peer did not shut down: %ld", rc);
	CHECK((rc = domctl_vcpu0_context(DOMCTL_setvcpucontext, id, NULL)) == 0, "vcpu_reset gave %ld", rc);
	CHECK((rc = domctl_call(&op, DOMCTL_getdomaininfo, id)) == 0 &&
	      op.u.getdomaininfo.nr_online_vcpus == 0,
	      "after vcpu_reset: %ld, %u vCPUs online", rc, op.u.getdomaininfo.nr_online_vcpus);
	CHECK((rc = domctl_vcpu0_context(DOMCTL_getvcpucontext, id, &now)) == -ENODATA,
	      "getvcpucontext after vcpu_reset gave %ld", rc);
	first.flags &= ~VGCF_online;		/* given, but left down */
	CHECK((rc = domctl_vcpu0_context(DOMCTL_setvcpucontext, id, &first)) == 0,
	      "the first context after vcpu_reset gave %ld", rc);
	CHECK((rc = domctl_call(&op, DOMCTL_destroydomain, id)) == 0, "destroying it: %ld", rc);
	peer_unmap_console();
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	int id, rc;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer(si);
	peer_context_hook = keep_first;
	id = peer_build(si, 4096, "role=peer", PEER_MIB);
	CHECK(id > 0, "the peer could not be built (%d)", id);
	CHECK(second_contexts((domid_t)id) == TEST_PASS, "setting its context again");
	rc = verdict_result((domid_t)id);
	if (rc != TEST_PASS)
		return rc;
	CHECK(reset_and_end((domid_t)id) == TEST_PASS, "vcpu_reset and the end");
	return TEST_PASS;
}
