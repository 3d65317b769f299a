// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-runstate-area: the runstate area and the time area
 * (VCPUOP_register_runstate_memory_area, _vcpu_time_memory_area) are
 * written by the hypervisor at a guest virtual address, through the
 * vCPU's own page tables, at every switch of the vCPU. The guest moves
 * what is mapped there between the switches:
 *   - nothing: the writes fail; once the page is mapped again the areas
 *     are written again (Xen 4.17 keeps an area registered whatever its
 *     writes give: the address is looked up afresh each time);
 *   - the same page read-only: never written (the hypervisor's copies
 *     honour the guest's read-only mappings);
 *   - one of the guest's own L1 page tables, read-only (a guest may map
 *     its tables read-only): never written -- a hypervisor write there
 *     would be an unvalidated page-table entry;
 *   - our GDT page, read-only: never written.
 * A switch is a 1 ms block on a one-shot timer (the vCPU goes to the
 * idle vCPU and back).
 * Then the case every 64-bit PV Linux meets: vCPU 0 is switched out and
 * in while in user mode, on a user page table that does not map the
 * areas (vCPU 1, on the same CPU, runs meanwhile). The writes at those
 * switches fail; Xen 4.17 makes them when the vCPU next enters kernel
 * mode (toggle_guest_mode), so the kernel finds the time it spent
 * runnable in its area at once.
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/smp.h"
#include "lib/user.h"
#include "lib/traps.h"
#include <lamina/vcpu.h>

#define TIME_OFF	2048	/* the time area, in the same page */

struct areas {
	struct vcpu_runstate_info rs;
	uint8_t gap[TIME_OFF - sizeof(struct vcpu_runstate_info)];
	struct vcpu_time_info ti;
};

static evtchn_port_t timer_port;
static uint8_t stack1[8192] __attribute__((aligned(16)));
static volatile bool started, go;

/* User mode: spins until vCPU 1 has run (it sets the first data word), then exits. */
extern const uint8_t spin_prog[], spin_prog_end[];
asm(".pushsection .rodata\n"
    "spin_prog:\n"
    "1:	pause\n"
    "	cmpq $0, 0x401000\n"
    "	je 1b\n"
    USER_PROG_EXIT
    "spin_prog_end:\n"
    ".popsection");

/* vCPU 1, on vCPU 0's CPU: runs once vCPU 0 (in user mode) is switched out. */
static void vcpu1(unsigned long id)
{
	(void)id;
	started = true;
	while (!go)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	*(volatile uint64_t *)user_data_kva = 1;
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

/* vCPU 0 switched out and in while in user mode: the area shows it at the kernel's next look. */
static int user_mode_switch(struct start_info *si, volatile struct areas *a)
{
	uint64_t runnable, entry;
	long rc;

	CHECK(traps_install(true) == 0, "set_trap_table failed");
	CHECK(user_setup(spin_prog, spin_prog_end - spin_prog, 1) == 0, "user mode set-up failed");
	rc = smp_start_vcpu(si, 1, vcpu1, stack1, sizeof(stack1));
	CHECK(rc == 0, "starting vCPU 1 gave %ld", rc);
	while (!started)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	CHECK(smp_pin_vcpu(0, 0) == 0 && smp_pin_vcpu(1, 0) == 0, "pinning both to CPU 0 failed");
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	runnable = a->rs.time[RUNSTATE_runnable];
	entry = a->rs.state_entry_time;
	go = true;
	CHECK(enter_user(USER_BASE, USER_DATA + 4096) == 60, "user mode did not exit");
	CHECK(a->rs.state_entry_time != entry && a->rs.time[RUNSTATE_runnable] > runnable,
	      "back from user mode, switched meanwhile: the area still shows entry %llu, "
	      "%llu ns runnable (as before)", (unsigned long long)a->rs.state_entry_time,
	      (unsigned long long)a->rs.time[RUNSTATE_runnable]);
	return TEST_PASS;
}


static void switch_out_and_in(unsigned int n)
{
	struct vcpu_set_singleshot_timer t = { 0, 0, 0 };

	while (n--) {
		t.timeout_abs_ns = pvclock_ns() + 1000000;
		vcpu_op(VCPUOP_set_singleshot_timer, 0, &t);
		wait_for_port(timer_port);
	}
}

static uint64_t ro(uint64_t mfn)
{
	return (mfn << 12) | PTE_P | PTE_US | PTE_A;
}

/*
 * The areas at va get written again: the runstate area at the next
 * switches, the time area (rewritten when the time record changes: at
 * each switch on Lamina, at Xen's next calibration, within a second or
 * two) within 3 s.
 */
static bool written(volatile struct areas *a)
{
	uint64_t entry = a->rs.state_entry_time, end = pvclock_ns() + 3000000000ULL;

	a->ti.system_time = 0;
	switch_out_and_in(3);
	if (a->rs.state_entry_time == entry)
		return false;
	while (!a->ti.system_time && pvclock_ns() < end)
		switch_out_and_in(10);
	return a->ti.system_time != 0;
}

/* Frame mfn mapped read-only at va over some switches: not a byte of it changes. */
static int untouched(uint64_t va, uint64_t mfn, const char *what)
{
	static uint8_t before[4096];
	long rc = update_va_mapping(va, ro(mfn), UVMF_INVLPG);

	CHECK(rc == 0, "mapping %s read-only at the areas gave %ld", what, rc);
	memcpy(before, (const void *)va, sizeof(before));
	switch_out_and_in(3);
	CHECK(!memcmp(before, (const void *)va, sizeof(before)),
	      "%s, mapped read-only where the areas are, was written", what);
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	uint64_t va, mfn, l1, gdt, none = 0;
	volatile struct areas *a;
	struct vcpu_register_runstate_memory_area rs, ti;

	CHECK(events_init(si) == 0, "events_init failed");
	va = scratch_page();
	mfn = va_to_mfn(va);
	l1 = l1e_maddr(va) >> 12;
	gdt = table_page(0);
	a = (volatile struct areas *)va;
	rs.addr = va;
	ti.addr = va + TIME_OFF;
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	CHECK((timer_port = oneshot_timer_port()), "no timer port");
	CHECK(vcpu_op(VCPUOP_register_runstate_memory_area, 0, &rs) == 0,
	      "register_runstate_memory_area failed");
	CHECK(vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &ti) == 0,
	      "register_vcpu_time_memory_area failed");
	CHECK(a->rs.state == RUNSTATE_running && a->rs.state_entry_time && a->ti.system_time,
	      "the areas were not written when registered");
	CHECK(written(a), "the areas are not written at a switch");

	/* Nothing mapped there for a few switches, then the page again. */
	CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping the areas' page failed");
	switch_out_and_in(3);
	CHECK(update_va_mapping(va, (mfn << 12) | PTE_DATA, UVMF_INVLPG) == 0,
	      "mapping the areas' page again failed");
	CHECK(written(a), "the areas are no longer written after their page was unmapped a while");

	/* Read-only: the page itself, an L1 table of ours, our GDT page. */
	if (untouched(va, mfn, "the areas' own page"))
		return TEST_FAIL;
	if (untouched(va, l1, "an L1 table of ours"))
		return TEST_FAIL;
	CHECK(hypercall2(__HYPERVISOR_set_gdt, (uint64_t)&gdt, 512) == 0, "set_gdt failed");
	if (untouched(va, gdt, "our GDT page"))
		return TEST_FAIL;
	CHECK(hypercall2(__HYPERVISOR_set_gdt, (uint64_t)&none, 0) == 0, "set_gdt none failed");
	CHECK(update_va_mapping(va, (mfn << 12) | PTE_DATA, UVMF_INVLPG) == 0,
	      "mapping the areas' page writable again failed");
	CHECK(written(a), "the areas are no longer written after read-only mappings");
	if (user_mode_switch(si, a))
		return TEST_FAIL;
	rs.addr = 0;
	ti.addr = 0;
	CHECK(vcpu_op(VCPUOP_register_runstate_memory_area, 0, &rs) == 0 &&
	      vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &ti) == 0,
	      "unregistering the areas failed");
	printf("runstate and time areas: written only where mapped writable, kept across gaps\n");
	return TEST_PASS;
}
