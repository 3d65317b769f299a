// SPDX-License-Identifier: GPL-2.0-only
/*
 * nmi-reset: a vCPU reset (setvcpucontext with no context, Xen's
 * vcpu_reset) forgets an NMI the vCPU never returned from: Xen 4.17's
 * arch_vcpu_reset clears async_exception_mask, so the next NMI comes in
 * at once. dom0 builds a peer (lib/peer.c), which sends itself a virtual
 * NMI (VCPUOP_send_nmi) and stays in the handler, never making the iret
 * hypercall that would unmask the next one, after saying so in a page
 * it grants dom0. dom0 pauses the peer, resets its vCPU 0, gives it its
 * first context again but starting at after_reset (the peer is this same
 * image: its addresses are ours) and unpauses it. The peer, in a fresh
 * context with its memory as it was, installs its trap table and event
 * callback again and sends itself another NMI: taken before the call
 * returns (a vCPU still masked would take it only after an iret), and a
 * third one after that handler's iret. Its verdict is the result.
 * @initrd: self
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/peer.h"
#include "lib/domctl.h"
#include "lib/peer_verdict.h"
#include "lib/wait.h"
#include <lamina/callback.h>
#include <lamina/domctl.h>
#include <lamina/vcpu.h>

#define PEER_MIB	16
#define STACK_SIZE	8192
#define MASKED		"masked"


/* The peer's, at the same addresses in dom0's copy of the image. */
static uint8_t reset_stack[STACK_SIZE] __attribute__((aligned(16)));
static struct grant_entry_v1 *table;
static char *page;
static volatile unsigned long nmis;
static volatile bool stay;			/* the first NMI's handler never returns */
static struct vcpu_guest_context first;		/* dom0: the peer's context as built */

static bool nmi_hook(struct trap_frame *f)
{
	if (f->vector != 2)
		return false;
	nmis++;
	if (stay) {
		memcpy(page, MASKED, sizeof(MASKED));
		for (;;)
			hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	}
	return true;
}

static long send_self_nmi(void)
{
	return hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_send_nmi, 0, NULL);
}

/* The peer after dom0's reset: a new context on reset_stack. */
static void __attribute__((noreturn)) after_reset(void)
{
	struct callback_register cb = { CALLBACKTYPE_event, CALLBACKF_mask_events, 0,
					(uint64_t)event_entry };
	static char why[VERDICT_LEN];
	static struct verdict v;
	unsigned long before = nmis, taken;
	long rc;

	if (traps_install(true) || hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, &cb))
		shutdown(SHUTDOWN_crash);
	stay = false;
	rc = send_self_nmi();
	taken = nmis - before;
	if (rc || taken != 1)
		snprintf(why, sizeof(why), "after the reset send_nmi gave %ld and %lu NMIs came "
			 "before it returned, want 0 and 1", rc, taken);
	rc = send_self_nmi();
	taken = nmis - before;
	if (!why[0] && (rc || taken != 2))
		snprintf(why, sizeof(why), "the NMI after that handler's iret: send_nmi %ld, %lu "
			 "NMIs in all, want 0 and 2", rc, taken);
	printf("peer: %lu NMIs after the reset (1 before it, never returned from)\n", taken);
	if (verdict_offer(&v, table, page)) {
		printf("peer: no port\n");
		shutdown(SHUTDOWN_crash);
	}
	verdict_send(&v, why[0] ? why : NULL);
}

/* The peer: grants dom0 a page, then takes an NMI and stays in its handler. */
static void __attribute__((noreturn)) peer(void)
{
	uint64_t frame = 0, t0 = scratch_page();
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)&frame };

	page = (char *)scratch_page();
	if (verdict_gnttab(GNTTABOP_setup_table, &st, 1) || st.status ||
	    update_va_mapping(t0, (frame << 12) | PTE_DATA, UVMF_INVLPG) ||
	    traps_install(true)) {
		printf("peer: no grant table or trap table\n");
		shutdown(SHUTDOWN_crash);
	}
	table = (struct grant_entry_v1 *)t0;
	table[VERDICT_REF].frame = (uint32_t)va_to_mfn((uint64_t)page);
	table[VERDICT_REF].domid = 0;
	__atomic_store_n(&table[VERDICT_REF].flags, GTF_permit_access, __ATOMIC_RELEASE);
	trap_hook = nmi_hook;
	stay = true;
	send_self_nmi();
	printf("peer: the NMI did not come\n");
	shutdown(SHUTDOWN_crash);
	for (;;)
		;
}

static void keep_first(struct vcpu_guest_context *c)
{
	first = *c;
}

/* dom0: waits until the peer's granted page says it is in its NMI handler. */
static bool wait_masked(domid_t id)
{
	char *buf = (char *)scratch_page();
	struct gnttab_copy c;
	uint64_t start = wait_tsc();

	do {
		memset(&c, 0, sizeof(c));
		c.source.u.ref = VERDICT_REF;
		c.source.domid = id;
		c.dest.u.gmfn = va_to_mfn((uint64_t)buf);
		c.dest.domid = DOMID_SELF;
		c.len = sizeof(MASKED);
		c.flags = GNTCOPY_source_gref;
		if (!verdict_gnttab(GNTTABOP_copy, &c, 1) && !c.status && !strcmp(buf, MASKED))
			return true;
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	} while (wait_time_left(start));
	return false;
}

int test_main(struct start_info *si)
{
	struct vcpu_guest_context ctx;
	long rc;
	int id;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer();
	peer_context_hook = keep_first;
	id = peer_build(si, 4096, "role=peer", PEER_MIB);
	CHECK(id > 0, "the peer could not be built (%d)", id);
	CHECK(wait_masked((domid_t)id), "the peer never said it was in its NMI handler");
	CHECK((rc = domctl_vcpu0_context(DOMCTL_pausedomain, (domid_t)id, NULL)) == 0,
	      "pausing the peer: %ld", rc);
	CHECK((rc = domctl_vcpu0_context(DOMCTL_setvcpucontext, (domid_t)id, NULL)) == 0,
	      "vcpu_reset gave %ld", rc);
	ctx = first;
	ctx.user_regs.rip = (uint64_t)after_reset;
	ctx.user_regs.rsp = (uint64_t)reset_stack + STACK_SIZE - 8;	/* as after a call */
	ctx.kernel_sp = (uint64_t)reset_stack + STACK_SIZE;
	ctx.flags |= VGCF_online;
	CHECK((rc = domctl_vcpu0_context(DOMCTL_setvcpucontext, (domid_t)id, &ctx)) == 0,
	      "its context after the reset gave %ld", rc);
	CHECK((rc = domctl_vcpu0_context(DOMCTL_unpausedomain, (domid_t)id, NULL)) == 0,
	      "unpausing the peer: %ld", rc);
	if (verdict_result((domid_t)id))
		return TEST_FAIL;
	CHECK(peer_wait_destroy((domid_t)id) == TEST_PASS, "the peer's end");
	return TEST_PASS;
}
