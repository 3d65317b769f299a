// SPDX-License-Identifier: GPL-2.0-only
/*
 * suspend-resume: SHUTDOWN_suspend and XEN_DOMCTL_resumedomain, against
 * Xen 4.17's answers (conform.h). dom0 builds two peers at run time
 * (this guest again: lib/peer.c, "@initrd: self").
 *
 * Peer 1 sets up its grant table, grants dom0 a page, offers a port, arms
 * a one-shot timer 3 ms away and suspends (SCHEDOP_shutdown). dom0 sees
 * shutdown code 2 in getdomaininfo and VIRQ_DOM_EXC, finds the peer's
 * vCPU stopped, tries what must change nothing (resumedomain of dom0,
 * remote_shutdown suspend and poweroff of the suspended peer), sets the
 * vCPU's rax to 1 as libxc's xc_domain_resume does for a cancelled
 * suspend, and resumes it. The peer's hypercall returns 1; its timer
 * armed before comes, a new one too; once an event from dom0 on its port
 * says dom0 has seen it running, it suspends again through
 * sched_op_compat, which dom0 resumes without touching rax (0 comes
 * back); it tries resumedomain of dom0 and of itself (-EPERM) and of
 * DOMID_SELF (-ESRCH, no domain has that id). Then an event each way on
 * its port and a grant copy of its page, written after the resumes;
 * before its event it sets SCHEDOP_shutdown_code crash, and dom0 resumes
 * it while it runs (0: it runs on, the code forgotten, as Xen's
 * domain_resume). It powers off: poweroff means every check of the peer
 * held and the code went, a crash that one failed (its console says
 * which) or the code stayed.
 *
 * Peer 2 has two vCPUs: vCPU 1 spins (yielding) while vCPU 0 blocks.
 * dom0 suspends it with remote_shutdown, sees code 2 and VIRQ_DOM_EXC,
 * both vCPUs still online, neither running nor gaining CPU time over
 * 100 ms; resumed, vCPU 1 gains time again; suspended again, destroyed
 * while suspended, and then resumedomain of its id is -ESRCH.
 *
 * With "case=3" (a domU of `vmctl create`, tests/linux/dom0/run) it
 * suspends at once, and if resumed prints what its call returned and
 * powers off. With "case=4" it does so twice: resumed the first time, it
 * lets 3 s pass (for the resuming toolstack's XS_RESUME, which follows
 * resumedomain, as libxl's) before it suspends again.
 * @initrd: self
 * @timeout: 240
 */
#include "conform.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/domctl.h"
#include "lib/smp.h"

#define PEER_MIB	16
#define GREF		3
#define TIMER_NS	3000000ULL
#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));

static long sched(unsigned int cmd, unsigned int reason)
{
	struct sched_shutdown s = { reason };

	return hypercall2(__HYPERVISOR_sched_op, cmd, (uint64_t)&s);
}

static long resume(domid_t id)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	return domctl_call(&op, DOMCTL_resumedomain, id);
}

static long remote_shutdown(domid_t id, unsigned int reason)
{
	struct sched_remote_shutdown rs = { .domain_id = id, .reason = reason };

	return hypercall2(__HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, (uint64_t)&rs);
}

/* Is p pending within 5 s (cleared then)? */
static bool port_soon(evtchn_port_t p)
{
	uint64_t end = pvclock_ns() + 5000000000ULL;

	while (!port_test_and_clear(p)) {
		if (pvclock_ns() > end)
			return false;
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	}
	return true;
}

static long singleshot_in(uint64_t ns)
{
	struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = pvclock_ns() + ns };

	return hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, (uint64_t)&t);
}

static char why[VERDICT_LEN];

static int peer_case1(void)
{
	uint64_t frame = 0, t0 = scratch_page();
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)&frame };
	struct evtchn_alloc_unbound au = { DOMID_SELF, 0, 0 };
	struct grant_entry_v1 *table = (struct grant_entry_v1 *)t0;
	char *page = (char *)scratch_page();
	evtchn_port_t tp;
	long rc;

	PEER_CHECK(!verdict_gnttab(GNTTABOP_setup_table, &st, 1) && !st.status &&
		   !update_va_mapping(t0, (frame << 12) | PTE_DATA, UVMF_INVLPG),
		   "no grant table");
	snprintf(page, VERDICT_LEN, "before");
	table[GREF].frame = (uint32_t)va_to_mfn((uint64_t)page);
	table[GREF].domid = 0;
	__atomic_store_n(&table[GREF].flags, GTF_permit_access, __ATOMIC_RELEASE);
	PEER_CHECK(!evtchn_op(EVTCHNOP_alloc_unbound, &au) && au.port == 1, "no port 1");
	tp = oneshot_timer_port();
	PEER_CHECK(tp && !singleshot_in(TIMER_NS), "no one-shot timer");

	rc = sched(SCHEDOP_shutdown, SHUTDOWN_suspend);
	PEER_CHECK(rc == 1, "the suspend returned %ld, not the toolstack's 1", rc);
	PEER_CHECK(port_soon(tp), "the timer armed before the suspend never came");
	PEER_CHECK(!singleshot_in(TIMER_NS) && port_soon(tp), "no timer after the resume");
	/* dom0 has read the resumed domain's flags: at --smp 2 it may not have before */
	PEER_CHECK(port_soon(au.port), "dom0's event after the resume never came");

	rc = hypercall2(__HYPERVISOR_sched_op_compat, SCHEDOP_shutdown, SHUTDOWN_suspend);
	PEER_CHECK(rc == 0, "the compat suspend returned %ld, not its own 0", rc);
	rc = resume(0);
	PEER_CHECK(rc == -EPERM, "a domU's resumedomain of dom0 gave %ld", rc);
	rc = resume(DOMID_SELF);
	PEER_CHECK(rc == -ESRCH, "a domU's resumedomain of DOMID_SELF gave %ld", rc);
	rc = evtchn_own_domid();
	PEER_CHECK(rc > 0, "no own id (%ld)", rc);
	rc = resume((domid_t)rc);
	PEER_CHECK(rc == -EPERM, "a domU's resumedomain of itself gave %ld", rc);

	snprintf(page, VERDICT_LEN, "after");
	PEER_CHECK(port_soon(au.port), "dom0's second event never came");
	/* dom0's resume of the running domain, after this event, forgets it. */
	PEER_CHECK(!sched(SCHEDOP_shutdown_code, SHUTDOWN_crash), "shutdown_code failed");
	PEER_CHECK(!evtchn_send(au.port), "send failed");
	PEER_CHECK(port_soon(au.port), "dom0's third event never came");
	PEER_CHECK(!singleshot_in(TIMER_NS) && port_soon(tp), "no timer at the end");
	return 0;
}

static void __attribute__((noreturn)) spin(unsigned long id)
{
	for (;;)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
}

static void __attribute__((noreturn)) peer(struct start_info *si)
{
	const char *c;

	for (c = (const char *)si->cmd_line; *c && strncmp(c, "case=", 5); c++)
		;
	if (*c && c[5] == '1') {
		if (peer_case1()) {
			printf("peer: %s\n", why);
			sched(SCHEDOP_shutdown, SHUTDOWN_crash);
		}
		sched(SCHEDOP_shutdown, SHUTDOWN_poweroff);
	}
	if (*c && (c[5] == '3' || c[5] == '4')) {
		/* A domU of `vmctl create` (tests/linux/dom0/run, vmctl-suspend). */
		printf("suspending\n");
		evtchn_send(si->console.domU.evtchn);	/* consoled reads the ring now */
		printf("resumed: %ld\n", sched(SCHEDOP_shutdown, SHUTDOWN_suspend));
		evtchn_send(si->console.domU.evtchn);
		if (c[5] == '4') {
			uint64_t end = pvclock_ns() + 3000000000ULL;

			while (pvclock_ns() < end)
				hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
			printf("suspending again\n");
			evtchn_send(si->console.domU.evtchn);
			printf("resumed again: %ld\n", sched(SCHEDOP_shutdown, SHUTDOWN_suspend));
			evtchn_send(si->console.domU.evtchn);
		}
		sched(SCHEDOP_shutdown, SHUTDOWN_poweroff);
	}
	if (*c && c[5] == '2' && smp_start_vcpu(si, 1, spin, stack1, STACK_SIZE))
		printf("peer: vCPU 1 did not start\n");
	for (;;)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_block, 0);
}

/* getdomaininfo's flags of id, -1 if it is not listed. */
static long flags_of(domid_t id)
{
	struct domctl_getdomaininfo i;

	return domctl_info_of(id, &i) ? -1 : (long)i.flags;
}

static void dom0_case1(domid_t id, evtchn_port_t dom_exc)
{
	static struct vcpu_guest_context ctx;
	struct domctl_getdomaininfo info;
	char *buf = (char *)scratch_page();
	evtchn_port_t local;
	unsigned int tries;

	ROW("peer 1 suspends: shutdown code", peer_shutdown_code(id), SHUTDOWN_suspend);
	ROW("peer 1 suspends: VIRQ_DOM_EXC", port_soon(dom_exc), 1);
	ROW("getvcpucontext of the suspended vCPU", domctl_vcpu0_context(DOMCTL_getvcpucontext,
									    id, &ctx), 0);
	ROW("its rax: the hypercall's 0", ctx.user_regs.rax, 0);
	domctl_info_of(id, &info);
	ROW("flags: shut down only (not paused, running or blocked)", info.flags & 0xffff,
	    DOMINF_shutdown);
	ROW("online vCPUs", info.nr_online_vcpus, 1);
	ROW("resumedomain of dom0", resume(0), -EINVAL);
	ROW("resumedomain of DOMID_SELF", resume(DOMID_SELF), -ESRCH);
	ROW("remote_shutdown suspend of the suspended peer", remote_shutdown(id, SHUTDOWN_suspend), 0);
	ROW("remote_shutdown poweroff of the suspended peer", remote_shutdown(id, SHUTDOWN_poweroff),
	    0);
	ROW("the shutdown code stays", peer_shutdown_code(id), SHUTDOWN_suspend);
	ROW("no VIRQ_DOM_EXC for those", port_test_and_clear(dom_exc), 0);
	ctx.user_regs.rax = 1;
	ROW("setvcpucontext rax 1", domctl_vcpu0_context(DOMCTL_setvcpucontext, id, &ctx), 0);
	ROW("resumedomain", resume(id), 0);
	ROW("resumed: not shut down", flags_of(id) & DOMINF_shutdown, 0);
	ROW("bind to the peer's port", peer_bind(id, 1, &local), 0);
	ROW("event to the resumed peer (it suspends again after it)", evtchn_send(local), 0);

	ROW("peer 1 suspends again (compat): shutdown code", peer_shutdown_code(id), SHUTDOWN_suspend);
	ROW("again: VIRQ_DOM_EXC", port_soon(dom_exc), 1);
	ROW("resumedomain, rax untouched", resume(id), 0);

	ROW("event to the peer", evtchn_send(local), 0);
	ROW("the peer's event after the resumes", port_soon(local), 1);
	ROW("resumedomain of the running peer (its shutdown code set)", resume(id), 0);
	ROW("running: not shut down", flags_of(id) & DOMINF_shutdown, 0);
	ROW("grant copy of its page", verdict_copy(id, GREF, buf), 0);
	ROW("the page written after the resumes", strcmp(buf, "after"), 0);
	ROW("event to the peer again", evtchn_send(local), 0);
	/* A crash (3): a check of the peer failed, or the shutdown code stayed. */
	ROW("peer 1's checks held: it powered off", peer_shutdown_code(id), SHUTDOWN_poweroff);
	ROW("VIRQ_DOM_EXC for the poweroff", port_soon(dom_exc), 1);
	peer_console_flush();
	ROW("destroy peer 1", domctl_destroy(id), 0);
	peer_unmap_console();
	for (tries = 0; flags_of(id) != -1 && peer_wait_more(&tries, 10000);)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	port_test_and_clear(dom_exc);
}

/* getvcpuinfo of id's vCPU vcpu (zeroed if the call fails). */
static struct domctl_getvcpuinfo vcpu_info_of(domid_t id, unsigned int vcpu)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	op.u.getvcpuinfo.vcpu = vcpu;
	if (domctl_call(&op, DOMCTL_getvcpuinfo, id))
		memset(&op.u.getvcpuinfo, 0, sizeof(op.u.getvcpuinfo));
	return op.u.getvcpuinfo;
}

/* vCPU 1's CPU time over 100 ms of dom0's yielding, in ns. */
static uint64_t vcpu1_gain(domid_t id)
{
	uint64_t t0 = vcpu_info_of(id, 1).cpu_time, end = pvclock_ns() + 100000000ULL;

	while (pvclock_ns() < end)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	return vcpu_info_of(id, 1).cpu_time - t0;
}

static void dom0_case2(domid_t id, evtchn_port_t dom_exc)
{
	struct domctl_getdomaininfo info;
	unsigned int tries;

	for (tries = 0; !vcpu_info_of(id, 1).online && peer_wait_more(&tries, 1000);)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	ROW("peer 2's vCPU 1 up", vcpu_info_of(id, 1).online, 1);
	ROW("vCPU 1 runs: CPU time over 100 ms", vcpu1_gain(id) > 0, 1);
	ROW("remote_shutdown suspend of the running peer 2", remote_shutdown(id, SHUTDOWN_suspend),
	    0);
	ROW("peer 2: shutdown code", peer_shutdown_code(id), SHUTDOWN_suspend);
	ROW("peer 2: VIRQ_DOM_EXC", port_soon(dom_exc), 1);
	domctl_info_of(id, &info);
	ROW("peer 2: online vCPUs", info.nr_online_vcpus, 2);
	/* Paused without waiting: off its CPU a moment later. */
	for (tries = 0; vcpu_info_of(id, 1).running && peer_wait_more(&tries, 1000);)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	ROW("vCPU 1 not running", vcpu_info_of(id, 1).running, 0);
	ROW("vCPU 0 not running", vcpu_info_of(id, 0).running, 0);
	ROW("vCPU 1 suspended: no CPU time over 100 ms", vcpu1_gain(id), 0);
	ROW("resumedomain of peer 2", resume(id), 0);
	ROW("vCPU 1 resumed: CPU time over 100 ms", vcpu1_gain(id) > 0, 1);
	ROW("remote_shutdown suspend of peer 2 again", remote_shutdown(id, SHUTDOWN_suspend), 0);
	ROW("peer 2 again: shutdown code", peer_shutdown_code(id), SHUTDOWN_suspend);
	ROW("peer 2 again: VIRQ_DOM_EXC", port_soon(dom_exc), 1);
	ROW("destroy the suspended peer 2", domctl_destroy(id), 0);
	peer_unmap_console();
	for (tries = 0; flags_of(id) != -1 && peer_wait_more(&tries, 10000);)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	ROW("peer 2 gone", flags_of(id), -1);
	ROW("resumedomain of the destroyed peer 2", resume(id), -ESRCH);
}

int test_main(struct start_info *si)
{
	struct evtchn_bind_virq bv = { VIRQ_DOM_EXC, 0, 0 };
	int id;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer(si);
	conform_begin();
	CHECK(evtchn_op(EVTCHNOP_bind_virq, &bv) == 0, "bind_virq VIRQ_DOM_EXC failed");
	id = peer_build(si, 4096, "case=1", PEER_MIB);
	CHECK(id > 0, "peer 1 could not be built (%d)", id);
	dom0_case1((domid_t)id, bv.port);
	peer_max_vcpus = 2;
	id = peer_build(si, 4096, "case=2", PEER_MIB);
	CHECK(id > 0, "peer 2 could not be built (%d)", id);
	dom0_case2((domid_t)id, bv.port);
	return conform_end("suspend-resume");
}
