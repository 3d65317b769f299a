// SPDX-License-Identifier: GPL-2.0-only
/*
 * failsafe-badstack: the failsafe frame of a vCPU switched in from user
 * mode goes at kernel_sp (stack_switch); when nothing is mapped there the
 * domain is crashed cleanly, never the hypervisor, as Xen 4.17's
 * load_segments does (docs/abi-core.md §3.7). User mode spins forever with
 * %ds holding 0x1b, a GDT descriptor made not present, while vCPUs 1 and
 * 2 yield: the first switch-in of vCPU 0 after it is preempted tries the
 * frame, and nothing else ends the spin (the run times out without it); a
 * switch-in still in kernel mode enters the callback, which loads 0x1b
 * into %ds again.
 * @hvargs: dom0_max_vcpus=3
 * @expect: crash
 * @expect-log: cannot write an exception frame at 0x6fffffffffa8
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/smp.h"
#include "lib/segbase.h"
#include "lib/user.h"
#include "lib/failsafe.h"

#define SEL		0x1b

static uint64_t gdt_mfn;

/*
 * Entered from kernel mode (a switch-in before user mode): %ds is null
 * now; load 0x1b into it again and return. From user mode it is never
 * entered (the frame cannot be written).
 */
void failsafe_c(const uint64_t *f, uint64_t flags)
{
	(void)flags;
	if (f[7] & 3)
		asm volatile("ud2");
	hypercall2(__HYPERVISOR_update_descriptor, (gdt_mfn << 12) + 3 * 8, 0x00cff3000000ffffULL);
	asm volatile("mov %0, %%ds" : : "r"(SEL));
	hypercall2(__HYPERVISOR_update_descriptor, (gdt_mfn << 12) + 3 * 8, 0x00cf73000000ffffULL);
}

int test_main(struct start_info *si)
{
	static const uint64_t gdt[16] = { [3] = 0x00cff3000000ffffULL };
	struct callback_register cb = { CALLBACKTYPE_failsafe, CALLBACKF_mask_events, 0,
					(uint64_t)failsafe_stub };
	long rc;

	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	rc = gdt_load_page(gdt, &gdt_mfn);
	CHECK(rc == 0, "loading the GDT page gave %ld", rc);
	CHECK(hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, &cb) == 0,
	      "registering the failsafe callback failed");
	CHECK(user_setup(user_spin_prog, user_spin_prog_end - user_spin_prog, 1) == 0,
	      "user mode set-up failed");
	rc = spinners_start(si);
	CHECK(rc == 0, "starting vCPUs 1 and 2, all three pinned to CPU 0: %ld", rc);
	CHECK(hypercall2(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS, 0x0000700000000000ULL) == 0,
	      "stack_switch failed");
	asm volatile("mov %0, %%ds" : : "r"(SEL));
	rc = hypercall2(__HYPERVISOR_update_descriptor, (gdt_mfn << 12) + 3 * 8,
			0x00cf73000000ffffULL);
	CHECK(rc == 0, "update_descriptor gave %ld", rc);
	printf("user mode with a stale %%ds and an unmapped kernel stack: the domain must be "
	       "crashed\n");
	enter_user(USER_BASE, USER_DATA + 4096);
	return fail("came back from user mode");
}
