// SPDX-License-Identifier: GPL-2.0-only
/*
 * event-nocallback: an event made deliverable to a vCPU that registered
 * no event callback. Xen 4.17 bounces the upcall to the callback's
 * address; its bounce-frame code refuses a handler address of 0 and
 * crashes the domain (asm_domain_crash_synchronous), so a guest that
 * unmasks events before it registers a callback is crashed, not left
 * running with the event never delivered. Lamina must do the same.
 *
 * The guest maps shared_info, binds an IPI port and sends on it with
 * events masked (nothing may happen then), then clears its upcall mask
 * and makes a hypercall: the return to the guest finds the event
 * deliverable and has no callback. Coming back from it is a FAIL.
 * @expect: crash
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"

int test_main(struct start_info *si)
{
	struct evtchn_bind_ipi bi = { 0, 0 };
	uint64_t va;

	mm_init(si);
	va = scratch_page();
	CHECK(update_va_mapping(va, si->shared_info | PTE_DATA, UVMF_INVLPG) == 0,
	      "mapping shared_info failed");
	shared = (struct shared_info *)va;
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	CHECK(evtchn_op(EVTCHNOP_bind_ipi, &bi) == 0, "bind_ipi failed");
	port_mask(bi.port, false);
	CHECK(evtchn_send(bi.port) == 0, "send failed");
	CHECK(shared->vcpu_info[0].evtchn_upcall_pending, "the send left no upcall pending");
	/* Masked: a hypercall returns as usual. */
	CHECK(hypercall2(__HYPERVISOR_xen_version, 0, 0) > 0, "xen_version failed");
	printf("events unmasked with no event callback: the domain must be crashed\n");
	shared->vcpu_info[0].evtchn_upcall_mask = 0;
	hypercall2(__HYPERVISOR_xen_version, 0, 0);
	return fail("an event was deliverable with no callback and the domain ran on");
}
