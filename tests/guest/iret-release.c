// SPDX-License-Identifier: GPL-2.0-only
/*
 * iret-release: a continuation never moves an iret's target. Unpinning a
 * tree of 514 tables (one L4, one L3, 256 L2s, 256 L1s) releases it a
 * piece at a time: the unpin's syscall becomes release_continue and is
 * executed again until the release is done. A timer due 0.5 ms in makes
 * an event arrive at that syscall; the event callback returns by the iret
 * hypercall while the release is still pending. The iret must land on the
 * syscall, and the release go on from there. (Lamina turned the iret
 * itself into the continuation and stepped its target back two bytes,
 * onto the ud2 placed there, so the guest took #UD.) Xen has no release
 * list; there the unpin just runs (or continues) as Xen's does.
 * @hvargs: dom0_mem=64M
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/traps.h"

#define NR_L2		256
#define NR_L1		256
#define UPPER		(PTE_P | PTE_RW | PTE_US | PTE_A)
#define TRIES		20

static struct start_info *si;
static uint64_t l4, l3, l2[NR_L2], l1[NR_L1], data;	/* machine frames */
static evtchn_port_t timer_port;

/*
 * The unpin, at a known address, with a ud2 in the two bytes before its
 * syscall that only a moved rip can reach.
 */
long guarded_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);
extern char guarded_syscall_insn[];
asm(".text\n"
    ".globl guarded_syscall, guarded_syscall_insn\n"
    "guarded_syscall:\n"
    "	mov %rdi, %rax\n"
    "	mov %rsi, %rdi\n"
    "	mov %rdx, %rsi\n"
    "	mov %rcx, %rdx\n"
    "	mov %r8, %r10\n"
    "	jmp guarded_syscall_insn\n"
    "	ud2\n"
    "guarded_syscall_insn:\n"
    "	syscall\n"
    "	ret\n");

/* One unpin with a timer due 0.5 ms in; *hit: its event came at the syscall. */
static long timed_unpin(bool *hit)
{
	static struct mmuext_op op;
	static uint32_t done;
	struct vcpu_set_singleshot_timer t = { 0, 0, 0 };
	long rc;

	op = (struct mmuext_op){ MMUEXT_UNPIN_TABLE, 0, { l4 }, { 0 } };
	port_test_and_clear(timer_port);
	last_upcall_rip = 0;
	t.timeout_abs_ns = pvclock_ns() + 500000;
	if (hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, &t))
		return -9999;
	shared->vcpu_info[0].evtchn_upcall_mask = 0;
	rc = guarded_syscall(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, (uint64_t)&done,
			     DOMID_SELF);
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	*hit = last_upcall_rip == (uint64_t)guarded_syscall_insn;
	return rc;
}

/* Frames for the tree: the domain's last pfns, which nothing maps. */
static uint64_t frame(unsigned int i)
{
	return ((const uint64_t *)si->mfn_list)[si->nr_pages - 1 - i];
}

static int fill(uint64_t table, uint64_t (*entry)(unsigned int i))
{
	static struct mmu_update u[512];
	unsigned int i;
	uint32_t done = 0;

	for (i = 0; i < 512; i++)
		u[i] = (struct mmu_update){ (table << 12) + i * 8, entry(i) };
	CHECK(hypercall5(__HYPERVISOR_mmu_update, (uint64_t)u, 512, (uint64_t)&done, DOMID_SELF,
			 0) == 0 && done == 512, "writing table %#lx failed", (unsigned long)table);
	return TEST_PASS;
}

static unsigned int cur_l2;
static uint64_t l1_entry(unsigned int i) { (void)i; return (data << 12) | PTE_P | PTE_US | PTE_A; }
static uint64_t l2_entry(unsigned int i) { return (l1[(cur_l2 * 7 + i) % NR_L1] << 12) | UPPER; }
static uint64_t l3_entry(unsigned int i) { return i < NR_L2 ? (l2[i] << 12) | UPPER : 0; }
static uint64_t l4_entry(unsigned int i) { return i == 0 ? (l3 << 12) | UPPER : 0; }

static int build_tree(void)
{
	unsigned int i;

	data = va_to_mfn(scratch_page());
	for (i = 0; i < NR_L1; i++)
		l1[i] = frame(i);
	for (i = 0; i < NR_L2; i++)
		l2[i] = frame(NR_L1 + i);
	l3 = frame(NR_L1 + NR_L2);
	l4 = frame(NR_L1 + NR_L2 + 1);
	for (i = 0; i < NR_L1; i++)
		if (fill(l1[i], l1_entry))
			return TEST_FAIL;
	for (cur_l2 = 0; cur_l2 < NR_L2; cur_l2++)
		if (fill(l2[cur_l2], l2_entry))
			return TEST_FAIL;
	return fill(l3, l3_entry) || fill(l4, l4_entry) ? TEST_FAIL : TEST_PASS;
}

int test_main(struct start_info *start)
{
	struct evtchn_bind_virq bv = { VIRQ_TIMER, 0, 0 };
	unsigned int tries, hits = 0;
	bool hit;
	long rc;

	si = start;
	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(evtchn_op(EVTCHNOP_bind_virq, &bv) == 0, "binding VIRQ_TIMER failed");
	timer_port = bv.port;
	if (build_tree())
		return TEST_FAIL;
	for (tries = 0; tries < TRIES && hits < 3; tries++) {
		CHECK(mmuext1(MMUEXT_PIN_L4_TABLE, l4) == 0, "pinning the big tree failed");
		rc = timed_unpin(&hit);
		CHECK(rc == 0, "unpinning the big tree gave %ld", rc);
		hits += hit;
	}
	/* Lamina's release list always takes longer than the timer here. */
	CHECK(hits || !on_lamina(), "no event arrived inside the unpin in %u tries", tries);
	CHECK(mmuext1(MMUEXT_PIN_L4_TABLE, l4) == 0, "pinning the tree after the unpins failed");
	printf("iret-release: %u events inside a %u-table unpin returned onto its syscall\n",
	       hits, NR_L1 + NR_L2 + 2);
	return TEST_PASS;
}
