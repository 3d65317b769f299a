// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-segload-race: the data selectors a vCPU holds (%ds, %es, %fs,
 * %gs) are reloaded by the hypervisor whenever the vCPU is switched in;
 * another vCPU of the domain may make their descriptor not present at
 * that moment, between the hypervisor's check and its load. That load's
 * fault must be the hypervisor's to recover from (Xen 4.17 loads null, or
 * calls the failsafe callback), never a crash.
 *   vCPU 0 holds 0x1b (a GDT data descriptor) in all four and sleeps
 *   ROUNDS times in SCHEDOP_poll for 20 us, so that its pCPU idles and
 *   switches it back in each time; after each sleep it loads 0x1b again
 *   where it finds null (a fault there is its own: skipped);
 *   vCPU 1 flips 0x18 between present and not present meanwhile,
 *   yielding after each flip (with one pCPU, vCPU 0 runs in between).
 * The window is a few instructions wide and opens only with two pCPUs;
 * the test asserts that the domain lives through it and prints how many
 * switches found a selector gone. Xen 4.17 and Lamina call the failsafe
 * callback when a switch-in finds one they cannot load (registered here:
 * it counts and returns; docs/abi-core.md §3.7, tests/guest/failsafe).
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/events.h"
#include "lib/smp.h"
#include "lib/segbase.h"

#define STACK_SIZE	8192
#define ROUNDS		20000
#define SEL		0x1b

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static uint64_t gdt_mfn;
static volatile bool stop, started;
static volatile unsigned long flips;
volatile unsigned long failsafe_calls;

/* Xen's failsafe frame: rcx, r11, ds, es, fs, gs, then rip..ss. */
void failsafe_stub(void);
asm(".text\n"
    "failsafe_stub:\n\t"
    "lock incq failsafe_calls(%rip)\n\t"
    "pop %rcx\n\t"
    "pop %r11\n\t"
    "add $32, %rsp\n\t"
    "jmp guest_iret");

static void vcpu1(unsigned long id)
{
	(void)id;
	started = true;
	while (!stop) {
		hypercall2(__HYPERVISOR_update_descriptor, (gdt_mfn << 12) + 3 * 8,
			   flips & 1 ? 0x00cff3000000ffffULL : 0x00cf73000000ffffULL);
		flips++;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);	/* one pCPU: vCPU 0's turn */
	}
	hypercall2(__HYPERVISOR_update_descriptor, (gdt_mfn << 12) + 3 * 8, 0x00cff3000000ffffULL);
	flips = ~0UL;
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

static unsigned int reload(void)
{
	uint16_t ds, es, fs, gs;
	unsigned int gone = 0;

	asm volatile("mov %%ds, %0; mov %%es, %1; mov %%fs, %2; mov %%gs, %3"
		     : "=r"(ds), "=r"(es), "=r"(fs), "=r"(gs));
	if (ds != SEL) {
		gone++;
		EXPECT_TRAP("mov %0, %%ds", : : "r"(SEL));
	}
	if (es != SEL) {
		gone++;
		EXPECT_TRAP("mov %0, %%es", : : "r"(SEL));
	}
	if (fs != SEL) {
		gone++;
		EXPECT_TRAP("mov %0, %%fs", : : "r"(SEL));
	}
	if (gs != SEL) {
		gone++;
		EXPECT_TRAP("mov %0, %%gs", : : "r"(SEL));
	}
	return gone;
}

int test_main(struct start_info *si)
{
	static const uint64_t gdt[16] = { [3] = 0x00cff3000000ffffULL };
	struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };
	struct callback_register fs_cb = { CALLBACKTYPE_failsafe, CALLBACKF_mask_events, 0,
					   (uint64_t)failsafe_stub };
	unsigned long gone = 0, i;
	long rc;

	CHECK(events_init(si) == 0, "events_init failed");	/* mm_init too */
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	rc = gdt_load_page(gdt, &gdt_mfn);
	CHECK(rc == 0, "loading the GDT page gave %ld", rc);
	CHECK(evtchn_op(EVTCHNOP_alloc_unbound, &au) == 0, "alloc_unbound failed");
	CHECK(hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, &fs_cb) == 0,
	      "registering the failsafe callback failed");
	asm volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%fs; mov %0, %%gs" : : "r"(SEL));
	rc = smp_start_vcpu(si, 1, vcpu1, stack1, sizeof(stack1));
	CHECK(rc == 0, "starting vCPU 1 gave %ld", rc);
	while (!started)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	for (i = 0; i < ROUNDS; i++) {
		evtchn_port_t p = au.port;
		struct sched_poll poll = { (uint64_t)&p, 1, 0, pvclock_ns() + 20000 };

		rc = HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
		CHECK(rc == 0, "round %lu: poll gave %ld", i, rc);
		gone += reload();
	}
	stop = true;
	while (flips != ~0UL)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	asm volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%fs; mov %0, %%gs" : : "r"(0));
	printf("attack-segload-race: %u sleeps against a flipping 0x18: %lu selectors found null "
	       "after, %lu failsafe callbacks\n", ROUNDS, gone, failsafe_calls);
	return TEST_PASS;
}
