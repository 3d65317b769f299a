// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-vcpu-reset-up-race: a domU brings its vCPU 1 up (VCPUOP_up) in
 * a loop while dom0 resets that vCPU (setvcpucontext with no context,
 * Xen's vcpu_reset) again and again. The reset takes the vCPU down, lets
 * go of its page tables and marks it uninitialised; Xen 4.17 does that
 * under the domain lock, which VCPUOP_up takes for its "initialised?"
 * check and its wake, so after the reset returns the vCPU is down and
 * every later up is -EINVAL until a new context is set. Lamina checked
 * and woke without that lock: an up that looked before the reset and
 * woke after its "down" left the vCPU runnable with no L4, and its next
 * run loaded cr3 0 (the hypervisor down).
 *   The peer (lib/peer.c, this image, two vCPUs): vCPU 0 calls
 *   VCPUOP_up(1) for ever; vCPU 1 has no context at first.
 *   dom0, ROUNDS times: vCPU 1 gets a context (the peer's first one,
 *   at a spin loop, not online), then the reset; getvcpuinfo must then
 *   say it is down. At --smp 2 the peer's vCPU 0 runs on the second CPU;
 *   at --smp 1 dom0 yields to it between the context and the reset.
 * A stress: the window is the reset's release of the tables.
 * @initrd: self
 * @timeout: 300
 * @timeout-smp: 300
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/domctl.h"
#include "lib/physinfo.h"
#include "lib/smp.h"
#include <lamina/domctl.h>
#include <lamina/vcpu.h>

#define PEER_MIB	16
#define STACK_SIZE	4096
#define ROUNDS		3000

static uint8_t spin_stack[STACK_SIZE] __attribute__((aligned(16)));
static struct vcpu_guest_context first;		/* dom0: the peer's context as built */

/* The peer's vCPU 1, when up: nothing but a spin. */
static void __attribute__((noreturn)) spin(void)
{
	for (;;)
		asm volatile("pause");
}

/* The peer's vCPU 0: vCPU 1 up, again and again (the answers do not matter). */
static void __attribute__((noreturn)) peer(void)
{
	for (;;)
		vcpu_op(VCPUOP_up, 1, NULL);
}

static void keep_first(struct vcpu_guest_context *c)
{
	first = *c;
}

static long vcpu1_context(domid_t dom, struct vcpu_guest_context *c)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	op.u.vcpucontext.vcpu = 1;
	op.u.vcpucontext.ctxt = (uint64_t)c;
	return domctl_call(&op, DOMCTL_setvcpucontext, dom);
}

/* vCPU 1's online flag, or -1. */
static int vcpu1_online(domid_t dom)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	op.u.getvcpuinfo.vcpu = 1;
	if (domctl_call(&op, DOMCTL_getvcpuinfo, dom))
		return -1;
	return op.u.getvcpuinfo.online;
}

int test_main(struct start_info *si)
{
	struct vcpu_guest_context ctx;
	struct sched_remote_shutdown rs;
	struct sysctl pi;
	unsigned int i, up_before = 0;
	bool two;
	long rc;
	int id, on;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer();
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	two = pi.u.physinfo.nr_cpus >= 2;
	peer_max_vcpus = 2;
	peer_context_hook = keep_first;
	id = peer_build(si, 4096, "role=peer", PEER_MIB);
	CHECK(id > 0, "the peer could not be built (%d)", id);
	CHECK(!two || (smp_pin_dom_vcpu((domid_t)id, 0, 1) == 0 &&
		       smp_pin_dom_vcpu((domid_t)id, 1, 1) == 0),
	      "pinning the peer's vCPUs failed");
	ctx = first;
	ctx.user_regs.rip = (uint64_t)spin;
	ctx.user_regs.rsp = (uint64_t)spin_stack + STACK_SIZE - 8;	/* as after a call */
	ctx.kernel_sp = (uint64_t)spin_stack + STACK_SIZE;
	ctx.flags &= ~VGCF_online;
	for (i = 0; i < ROUNDS; i++) {
		CHECK((rc = vcpu1_context((domid_t)id, &ctx)) == 0,
		      "round %u: vCPU 1's context gave %ld", i, rc);
		if (!two)	/* one CPU: the peer's turn, to bring vCPU 1 up */
			hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
		if (vcpu1_online((domid_t)id) == 1)
			up_before++;
		CHECK((rc = vcpu1_context((domid_t)id, NULL)) == 0,
		      "round %u: vCPU 1's reset gave %ld", i, rc);
		on = vcpu1_online((domid_t)id);
		CHECK(on == 0, "round %u: after its reset vCPU 1 is %s", i,
		      on < 0 ? "unknown (getvcpuinfo failed)" : "up, with no context");
	}
	printf("%u resets, vCPU 1 down after each; the peer had it up before %u of them\n",
	       ROUNDS, up_before);
	/* The peer's vCPU 0 never stops: shut it down, then it goes as any peer. */
	rs.domain_id = (domid_t)id;
	rs.reason = SHUTDOWN_poweroff;
	CHECK((rc = HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &rs)) == 0,
	      "shutting the peer down gave %ld", rc);
	CHECK(peer_wait_destroy((domid_t)id) == TEST_PASS, "the peer's end");
	return TEST_PASS;
}
