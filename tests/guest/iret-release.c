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
#include "lib/pt_tree.h"

#define TRIES		20

static struct start_info *si;
static struct pt_tree tree;
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

	op = (struct mmuext_op){ MMUEXT_UNPIN_TABLE, 0, { tree.l4 }, { 0 } };
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
	if (pt_tree_build(si, &tree))
		return TEST_FAIL;
	for (tries = 0; tries < TRIES && hits < 3; tries++) {
		CHECK(mmuext1(MMUEXT_PIN_L4_TABLE, tree.l4) == 0, "pinning the big tree failed");
		rc = timed_unpin(&hit);
		CHECK(rc == 0, "unpinning the big tree gave %ld", rc);
		hits += hit;
	}
	/* Lamina's release list always takes longer than the timer here. */
	CHECK(hits || !on_lamina(), "no event arrived inside the unpin in %u tries", tries);
	CHECK(mmuext1(MMUEXT_PIN_L4_TABLE, tree.l4) == 0,
	      "pinning the tree after the unpins failed");
	printf("iret-release: %u events inside a %u-table unpin returned onto its syscall\n",
	       hits, PT_TREE_TABLES);
	return TEST_PASS;
}
