// SPDX-License-Identifier: GPL-2.0-only
/*
 * send-nmi: VCPUOP_send_nmi as Xen 4.17 answers it. A virtual NMI goes to
 * trap 2 of the target vCPU's trap table:
 *  1. sent to itself, it is taken on the way out of the call, before the
 *     next instruction;
 *  2. sent again from inside that handler, it waits (the first is not
 *     done until the iret hypercall) and comes right after that iret;
 *  3. sent to vCPU 1, blocked in SCHEDOP_block, it wakes it and is
 *     taken there;
 *  4. an argument other than NULL is -EINVAL, a vCPU that does not exist
 *     -ENOENT.
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/smp.h"
#include "lib/wait.h"

#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile unsigned long nmis0, nmis1, resend, resent_rc = 1;

static bool on_vcpu1(const struct trap_frame *f)
{
	return f->rsp > (uint64_t)stack1 && f->rsp <= (uint64_t)stack1 + STACK_SIZE;
}

static bool nmi_trap(struct trap_frame *f)
{
	if (f->vector != 2)
		return false;
	if (on_vcpu1(f)) {
		nmis1++;
		return true;
	}
	nmis0++;
	if (resend) {
		resend = 0;
		resent_rc = vcpu_op(VCPUOP_send_nmi, 0, NULL);
		/* still masked: nothing may come in before this handler's iret */
		if (nmis0 != 2)
			resent_rc = 100 + nmis0;
	}
	return true;
}

static volatile unsigned long vcpu1_ready;

/* Its own trap table (each vCPU has one: without it the NMI is dropped), then blocks. */
static void vcpu1(unsigned long id)
{
	(void)id;
	traps_install(true);
	vcpu1_ready = 1;
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

int test_main(struct start_info *si)
{
	unsigned long after, i;
	uint64_t sent;
	long rc;

	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	trap_hook = nmi_trap;

	rc = vcpu_op(VCPUOP_send_nmi, 0, NULL);
	after = nmis0;
	CHECK(rc == 0 && after == 1, "send_nmi to itself: %ld, %lu NMIs taken right after", rc,
	      after);

	resend = 1;
	rc = vcpu_op(VCPUOP_send_nmi, 0, NULL);
	after = nmis0;
	CHECK(rc == 0 && resent_rc == 0, "send_nmi: %ld, from the handler: %ld", rc,
	      (long)resent_rc);
	CHECK(after == 3, "%lu NMIs after the second send and its resend, want 3", after);

	rc = smp_start_vcpu(si, 1, vcpu1, stack1, sizeof(stack1));
	CHECK(rc == 0, "starting vCPU 1 gave %ld", rc);
	CHECK(WAIT_UNTIL(vcpu1_ready), "vCPU 1 did not start");
	for (i = 0; i < 20; i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);	/* let it block */
	sent = wait_tsc();
	rc = vcpu_op(VCPUOP_send_nmi, 1, NULL);
	CHECK(rc == 0, "send_nmi to vCPU 1: %ld", rc);
	WAIT_UNTIL(nmis1);
	sent = wait_tsc() - sent;
	CHECK(nmis1 == 1 && nmis0 == 3, "vCPU 1 took %lu NMIs, vCPU 0 %lu", nmis1, nmis0);

	rc = vcpu_op(VCPUOP_send_nmi, 0, &rc);
	CHECK(rc == -EINVAL, "send_nmi with an argument: %ld, want -EINVAL", rc);
	rc = vcpu_op(VCPUOP_send_nmi, 5, NULL);
	CHECK(rc == -ENOENT, "send_nmi to vCPU 5: %ld, want -ENOENT", rc);
	CHECK(nmis0 == 3 && nmis1 == 1, "NMIs after the refused sends: %lu and %lu", nmis0,
	      nmis1);
	printf("send-nmi: vCPU 0 took %lu virtual NMIs, vCPU 1 %lu (%lu TSC cycles after the send)\n",
	       nmis0, nmis1, (unsigned long)sent);
	return TEST_PASS;
}
