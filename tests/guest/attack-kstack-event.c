// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-kstack-event: an event, not a trap, delivered from guest user
 * mode while the kernel stack (stack_switch) is at a hypervisor address.
 * User mode spins with events unmasked; a one-shot timer's event must go
 * to the event callback on the kernel stack, whose frame cannot be
 * written there: the domain is crashed, as Xen 4.17's create_bounce_frame
 * crashes it (its range check), never the hypervisor, and nothing is
 * written into the hypervisor's range. (`badstack` has a trap and an
 * unmapped stack, `failsafe-badstack` the failsafe callback.)
 * @expect: crash
 * @expect-log: cannot write an exception frame at 0xffff830000000f
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/traps.h"
#include "lib/user.h"

int test_main(struct start_info *si)
{
	struct vcpu_set_singleshot_timer t = { 0, 0, 0 };

	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	CHECK(oneshot_timer_port() != 0, "no timer port");
	CHECK(user_setup(user_spin_prog, user_spin_prog_end - user_spin_prog, 1) == 0,
	      "user_setup failed");
	CHECK(hypercall2(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS, 0xffff830000001000ULL) == 0,
	      "stack_switch failed");
	t.timeout_abs_ns = pvclock_ns() + 5000000;
	CHECK(hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, &t) == 0,
	      "set_singleshot_timer failed");
	printf("user mode spins; the timer's event finds the kernel stack at a hypervisor "
	       "address: the domain must be crashed\n");
	enter_user(USER_BASE, USER_DATA + 4096);
	return fail("came back from user mode");
}
