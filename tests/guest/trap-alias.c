// SPDX-License-Identifier: GPL-2.0-only
/*
 * trap-alias: set_trap_table's list has no length, only a zero entry at
 * its end. One page of 256 entries (none zero) mapped 131 072 times, one
 * after the other (one L1 of 512 aliases, one L2 naming it 256 times),
 * is a list of 33.5 million entries that ends by running into unmapped
 * memory (-EFAULT). The call must not hold the CPU all that time: with a
 * timer due 0.5 ms in and events unmasked, the timer's event must arrive
 * at the call's own syscall, which the guest then executes again until
 * the list is done (docs/abi-core.md §2.1, §2.3; Xen 4.17 checks for
 * preemption after every entry). Before the fix, Lamina ran the whole list
 * in one go (about 9 s) and no event arrived inside it. Trap handling
 * still works afterwards.
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/events.h"
#include <lamina/callback.h>

#define ALIAS_VA	0xffffffc000000000ULL	/* L4 slot 511, L3 slot 256: empty */
#define NR_L2E		256			/* 256 x 512 pages = 512 MiB */
#define UPPER		(PTE_P | PTE_RW | PTE_US | PTE_A)
#define TRIES		2

static struct start_info *si;
static evtchn_port_t timer_port;

/* The hypercall under test at a known address (as in preempt.c). */
long alias_syscall(uint64_t nr, uint64_t a0);
extern char alias_syscall_insn[];
asm(".text\n"
    ".globl alias_syscall\n"
    "alias_syscall:\n"
    "	mov %rdi, %rax\n"
    "	mov %rsi, %rdi\n"
    ".globl alias_syscall_insn\n"
    "alias_syscall_insn:\n"
    "	syscall\n"
    "	ret\n");

/* A handler the aliased entries name; never reached. */
static void alias_handler(void)
{
}

/* Frames nothing maps: the domain's last pfns. */
static uint64_t frame(unsigned int i)
{
	return ((const uint64_t *)si->mfn_list)[si->nr_pages - 1 - i];
}

static int fill(uint64_t table, unsigned int n, uint64_t val)
{
	static struct mmu_update u[512];
	unsigned int i;
	uint32_t done = 0;

	for (i = 0; i < 512; i++)
		u[i] = (struct mmu_update){ (table << 12) + i * 8, i < n ? val : 0 };
	CHECK(hypercall5(__HYPERVISOR_mmu_update, (uint64_t)u, 512, (uint64_t)&done, DOMID_SELF,
			 0) == 0 && done == 512, "writing table %#lx failed", (unsigned long)table);
	return TEST_PASS;
}

/* The 512 MiB list at ALIAS_VA: one data page seen through every alias. */
static int build_alias(void)
{
	struct trap_info *page = (struct trap_info *)scratch_page();
	uint64_t l1 = frame(0), l2 = frame(1), l3e = table_maddr(ALIAS_VA, 3);
	const struct trap_info *last;
	unsigned int i;

	for (i = 0; i < 256; i++)
		page[i] = (struct trap_info){ 0xF0, 0, FLAT_KERNEL_CS, 0, (uint64_t)alias_handler };
	if (fill(l1, 512, (va_to_mfn((uint64_t)page) << 12) | PTE_P | PTE_US | PTE_A) ||
	    fill(l2, NR_L2E, (l1 << 12) | UPPER))
		return TEST_FAIL;
	CHECK(*(const uint64_t *)(mfn_to_va(l3e >> 12) + (l3e & 4095)) == 0,
	      "L3 slot for %#llx is not empty", (unsigned long long)ALIAS_VA);
	CHECK(mmu_update1(l3e, (l2 << 12) | UPPER) == 0, "installing the aliases failed");
	last = (const struct trap_info *)(ALIAS_VA + NR_L2E * (2ULL << 20)) - 1;
	CHECK(last->address == (uint64_t)alias_handler, "the last alias reads %#lx",
	      (unsigned long)last->address);
	return TEST_PASS;
}

/* The whole list, with a timer due 0.5 ms in; true when its event came inside. */
static int run_list(bool *hit)
{
	struct vcpu_set_singleshot_timer t = { 0, 0, 0 };
	uint64_t t0;
	long rc;

	port_test_and_clear(timer_port);
	last_upcall_rip = 0;
	t0 = pvclock_ns();
	t.timeout_abs_ns = t0 + 500000;
	CHECK(hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, &t) == 0,
	      "setting a timer failed");
	shared->vcpu_info[0].evtchn_upcall_mask = 0;
	rc = alias_syscall(__HYPERVISOR_set_trap_table, ALIAS_VA);
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	*hit = last_upcall_rip == (uint64_t)alias_syscall_insn;
	CHECK(rc == -EFAULT, "the aliased list gave %ld, expected -EFAULT", rc);
	printf("33.5 M entries in %lu ms, %s\n", (unsigned long)((pvclock_ns() - t0) / 1000000),
	       *hit ? "preempted" : "not preempted");
	return TEST_PASS;
}

int test_main(struct start_info *start)
{
	struct evtchn_bind_virq bv = { VIRQ_TIMER, 0, 0 };
	unsigned int tries;
	bool hit = false;

	si = start;
	mm_init(si);
	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	CHECK(evtchn_op(EVTCHNOP_bind_virq, &bv) == 0, "binding VIRQ_TIMER failed");
	timer_port = bv.port;
	if (build_alias())
		return TEST_FAIL;
	for (tries = 0; tries < TRIES && !hit; tries++)
		if (run_list(&hit))
			return TEST_FAIL;
	CHECK(hit, "no event arrived inside set_trap_table in %u tries", tries);
	/* The trap table still works: a fresh one, and a #UD reaching it. */
	CHECK(traps_install(true) == 0, "set_trap_table failed afterwards");
	traps_taken = 0;
	EXPECT_TRAP("ud2", : : : "memory");
	CHECK(traps_taken == 1 && last_trap.vector == 6, "ud2 after the long list: %u traps",
	      traps_taken);
	return TEST_PASS;
}
