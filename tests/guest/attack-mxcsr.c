// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-mxcsr: dom0 builds a peer (lib/peer.c) whose vCPU context says
 * VGCF_i387_valid with MXCSR = 0xffffffff (every reserved bit set) and a
 * non-default FCW, then unpauses it. Restoring such an image raises #GP
 * (FXRSTOR/XRSTOR, SDM Vol. 1 10.2.3): Lamina copied it unchecked and
 * crashed in load_vcpu when the peer was first switched in.
 *
 * Xen 4.17 takes the context (0) and, when its XRSTOR faults, resets the
 * image: every component to its initial state (FCW 0x37f) and MXCSR
 * masked with the CPU's MXCSR_MASK; on a CPU without XSAVE its FXRSTOR
 * fault zeroes the whole image (FCW 0, MXCSR 0). The peer reads its FCW,
 * MXCSR and MXCSR_MASK, then asks its CPU whether it enforces reserved
 * MXCSR bits (ldmxcsr 0xffffffff: #GP on hardware; QEMU's TCG takes it,
 * and there neither restore faults, so the image stays as given), and
 * says whether they are what Xen gives; dom0 survives, gets the verdict,
 * and destroys the peer. The crash itself needs a CPU that enforces the
 * bits (hardware, or KVM).
 * @initrd: self
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/traps.h"
#include <lamina/domctl.h>

#define PEER_MIB	16
#define BAD_MXCSR	0xffffffffU
#define ODD_FCW		0x027f		/* 53-bit precision: not the initial 0x37f */

static void bad_fpu(struct vcpu_guest_context *c)
{
	uint16_t fcw = ODD_FCW;
	uint32_t mxcsr = BAD_MXCSR;

	c->flags |= VGCF_i387_valid;
	memset(c->fpu_ctxt, 0, sizeof(c->fpu_ctxt));
	memcpy(c->fpu_ctxt, &fcw, sizeof(fcw));
	memcpy(c->fpu_ctxt + 24, &mxcsr, sizeof(mxcsr));
}

static bool cpu_has_xsave(void)
{
	uint32_t a = 1, b, c = 0, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return c & (1U << 26);
}

/* The peer: its FPU state as the hypervisor restored it, read first thing. */
static void __attribute__((noreturn)) peer(struct start_info *si)
{
	static uint8_t fx[512] __attribute__((aligned(16)));
	static char why[VERDICT_LEN];
	uint32_t mxcsr, mask, want_mxcsr;
	uint16_t fcw, want_fcw;
	uint32_t bad = BAD_MXCSR;
	unsigned int before;
	struct verdict v;
	bool enforced;

	asm volatile("stmxcsr %0; fnstcw %1; fxsave64 %2" : "=m"(mxcsr), "=m"(fcw), "=m"(fx));
	memcpy(&mask, fx + 28, sizeof(mask));
	if (!mask)
		mask = 0xffbf;		/* SDM Vol. 1 11.6.6: no MXCSR_MASK means 0xffbf */
	if (traps_install(true)) {
		printf("peer: set_trap_table failed\n");
		shutdown(SHUTDOWN_crash);
	}
	before = traps_taken;
	EXPECT_TRAP("ldmxcsr %0", : : "m"(bad) : "memory");
	enforced = traps_taken != before;
	want_mxcsr = !enforced ? BAD_MXCSR : cpu_has_xsave() ? BAD_MXCSR & mask : 0;
	want_fcw = !enforced ? ODD_FCW : cpu_has_xsave() ? 0x37f : 0;
	verdict_offer_frame0(&v);
	printf("peer: MXCSR %#x (mask %#x), FCW %#x; the CPU %s reserved MXCSR bits\n", mxcsr,
	       mask, fcw, enforced ? "enforces" : "ignores");
	if (mxcsr != want_mxcsr || fcw != want_fcw) {
		snprintf(why, sizeof(why), "MXCSR %#x FCW %#x, Xen gives MXCSR %#x FCW %#x",
			 mxcsr, fcw, want_mxcsr, want_fcw);
		verdict_send(&v, why);
	}
	(void)si;
	verdict_send(&v, NULL);
}

int test_main(struct start_info *si)
{
	int id;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer(si);
	peer_context_hook = bad_fpu;
	id = peer_build(si, 4096, "role=peer", PEER_MIB);
	CHECK(id > 0, "the peer with MXCSR %#x could not be built (%d)", BAD_MXCSR, id);
	if (verdict_result((domid_t)id))
		return TEST_FAIL;
	CHECK(peer_wait_destroy((domid_t)id) == TEST_PASS, "the peer's end");
	return TEST_PASS;
}
