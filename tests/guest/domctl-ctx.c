// SPDX-License-Identifier: GPL-2.0-only
/*
 * domctl-ctx: setvcpucontext after the first, as a toolstack's save and
 * restore use it, on Lamina and Xen 4.17. dom0 builds a peer (lib/peer.c)
 * and lets it run; then, with the peer paused:
 *   - getvcpucontext and setvcpucontext of that same context: 0 (Xen
 *     allows a second time when the tables stay), and once unpaused the
 *     peer goes on as if nothing happened and gives its verdict;
 *   - the same context with another L4, another GDT size, a user L4 or an
 *     LDT: -EOPNOTSUPP; with a bad vm_assist bit: -EINVAL;
 *   - with a DR7 set_debugreg would refuse (an I/O breakpoint without
 *     CR4.DE in ctrlreg[4], DR7.GD): 0, DR7 left 0x400 and the rest
 *     taken (Xen ignores set_debugreg's errors there); with DE: taken.
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

#define CR4_DE		(1ULL << 3)
#define DR7_IO0		(0x400 | 1 | (2 << 16))		/* L0, an I/O breakpoint */
#define DR7_GD_W0	(0x400 | 1 | (1 << 13) | (1 << 16))	/* L0 on writes, and GD */
#define BP_ADDR		0x8000ULL

/* The peer's context with ctrlreg[4] and DR0/DR7 as given: 0; its CR4, DR0, DR7 then. */
static int debugregs_row(domid_t id, uint64_t cr4, uint64_t dr7, uint64_t want_dr7)
{
	long rc;

	changed = now;
	changed.ctrlreg[4] = cr4;
	changed.debugreg[0] = BP_ADDR;
	changed.debugreg[7] = dr7;
	rc = domctl_vcpu0_context(DOMCTL_setvcpucontext, id, &changed);
	CHECK(rc == 0, "CR4 %#lx, DR7 %#lx gave %ld", (unsigned long)cr4, (unsigned long)dr7, rc);
	memset(&changed, 0, sizeof(changed));
	CHECK((rc = domctl_vcpu0_context(DOMCTL_getvcpucontext, id, &changed)) == 0,
	      "getvcpucontext: %ld", rc);
	printf("setvcpucontext CR4 %#lx DR7 %#lx: 0; then CR4 %#lx, DR0 %#lx, DR7 %#lx\n",
	       (unsigned long)cr4, (unsigned long)dr7, (unsigned long)changed.ctrlreg[4],
	       (unsigned long)changed.debugreg[0], (unsigned long)changed.debugreg[7]);
	CHECK(changed.ctrlreg[4] == cr4 && changed.debugreg[0] == BP_ADDR &&
	      changed.debugreg[7] == want_dr7, "after CR4 %#lx, DR7 %#lx: CR4 %#lx, DR0 %#lx, DR7 %#lx",
	      (unsigned long)cr4, (unsigned long)dr7, (unsigned long)changed.ctrlreg[4],
	      (unsigned long)changed.debugreg[0], (unsigned long)changed.debugreg[7]);
	return TEST_PASS;
}

/*
 * Paused: a DR7 set_debugreg refuses (an I/O breakpoint without the
 * context's CR4.DE, DR7.GD) does not fail the context (Xen 4.17 ignores
 * set_debugreg's errors there): DR7 keeps its reset value, the rest is
 * taken; with DE in ctrlreg[4] the I/O breakpoint is taken. Then its own
 * context again.
 */
static int debugregs(domid_t id)
{
	uint64_t cr4 = now.ctrlreg[4] & ~CR4_DE;
	long rc;

	if (debugregs_row(id, cr4, DR7_IO0, 0x400) || debugregs_row(id, cr4, DR7_GD_W0, 0x400) ||
	    debugregs_row(id, cr4 | CR4_DE, DR7_IO0, DR7_IO0))
		return TEST_FAIL;
	CHECK((rc = domctl_vcpu0_context(DOMCTL_setvcpucontext, id, &now)) == 0,
	      "its own context after the debug registers gave %ld", rc);
	return TEST_PASS;
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
	if (debugregs(id))
		return TEST_FAIL;
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
