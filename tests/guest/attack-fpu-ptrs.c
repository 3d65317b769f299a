// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-fpu-ptrs: the x87 last instruction and operand pointers (FIP,
 * FDP) and opcode (FOP) across a switch between domains (the class of
 * Xen's XSA-52 and XSA-172). AMD CPUs without RSTR_FP_ERR_PTRS save and
 * restore them only while an unmasked x87 exception is pending, so a
 * plain restore keeps the last domain's: the next reads them with
 * fxsave. dom0 loads a double from a known variable at a known address
 * (`fldl x87_secret` at x87_secret_rip) and yields, over and over; the
 * peer, on the same CPU (--smp 1), yields, then reads its own pointers
 * with fxsave64 without running any x87 instruction of its own: FIP and
 * FDP must never be dom0's. Both kernels are the same image at the same
 * addresses, so the peer knows what dom0's would be. QEMU's TCG restores
 * the pointers whatever the vendor, so there the leak cannot show; on an
 * affected AMD host it did before the fix (pv.c fpu_forget_ptrs).
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"

#define ROUNDS	200

static char why[VERDICT_LEN];

static volatile uint64_t x87_secret = 0x400921fb54442d18ULL;	/* pi */
extern const uint8_t x87_secret_rip[];

static void touch_x87(void)
{
	asm volatile(".globl x87_secret_rip\n"
		     "x87_secret_rip: fldl %0\n"
		     "	fstp %%st(0)"
		     : : "m"(x87_secret) : "memory");
}

static void yield(void)
{
	hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
}

static uint8_t area[512] __attribute__((aligned(64)));

/* The peer: ROUNDS yields, each followed by a look at its x87 pointers. */
static const char *peer_body(void)
{
	uint64_t fip = 0, fdp = 0;
	unsigned int i, seen_zero = 0;

	for (i = 0; i < ROUNDS; i++) {
		yield();
		asm volatile("fxsave64 %0" : "=m"(area) : : "memory");
		memcpy(&fip, area + 8, sizeof(fip));
		memcpy(&fdp, area + 16, sizeof(fdp));
		if (!fip && !fdp)
			seen_zero++;
		if (fip == (uint64_t)x87_secret_rip || fdp == (uint64_t)&x87_secret) {
			snprintf(why, sizeof(why), "round %u: the peer's FIP %#lx FDP %#lx are dom0's "
				 "(its fldl at %#lx of %#lx)", i, (unsigned long)fip,
				 (unsigned long)fdp, (unsigned long)x87_secret_rip,
				 (unsigned long)&x87_secret);
			return why;
		}
	}
	printf("peer: %u rounds, FIP/FDP never dom0's (0 in %u; the last %#lx/%#lx)\n", ROUNDS,
	       seen_zero, (unsigned long)fip, (unsigned long)fdp);
	return NULL;
}

int test_main(struct start_info *si)
{
	struct verdict v;
	unsigned int i;
	int peer_id, rc;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN)) {
		const char *bad = peer_body();

		verdict_offer_frame0(&v);
		verdict_send(&v, bad);
	}
	peer_id = peer_start(si, "role=peer", 16);
	CHECK(peer_id > 0, "the peer domain could not be started (%d)", peer_id);
	/* The peer's rounds run between these (one CPU): dom0's x87 use before each. */
	for (i = 0; i < 4 * ROUNDS; i++) {
		touch_x87();
		yield();
	}
	rc = verdict_result((domid_t)peer_id);
	if (rc == TEST_PASS)
		printf("attack-fpu-ptrs: the peer never read dom0's x87 pointers\n");
	return rc;
}
