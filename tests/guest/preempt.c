// SPDX-License-Identifier: GPL-2.0-only
/*
 * preempt: long page-table work gives the CPU back. A tree of 514 tables
 * (one L4, one L3, 256 L2s, 256 L1s: about 262 000 entries) is pinned, and
 * installed under a live L4 by one mmu_update, each with a timer due in
 * 0.5 ms: the timer's event must arrive at the call's own syscall, which
 * the guest then executes again until the work is done (docs/abi-core.md
 * §2.1). The same inside a multicall, for a pin and for a long mmu_update
 * list. A tree with one bad entry at its very end is refused after being
 * preempted, and leaves nothing held. Lamina only: a pin the guest
 * abandons halfway (its event handler skips the syscall) leaves the guest
 * free to use those frames otherwise (as another type: refused), to pin
 * the tree again, and to exit
 * with the work still half done; the frame audit at exit must stay clean.
 * Lamina only, with a peer domain: it pins the same tree and powers off;
 * releasing its memory goes a piece at a time between guest runs, so the
 * destruction takes several steps, while dom0 waits on a timer.
 * @hvargs: dom0_mem=64M
 * @domus: self:peer:role=peer
 * @expect-log: d1 destroyed: 4096 frames freed, 0 still .* \(([2-9]|[1-9][0-9]+) steps: .*page tables ([2-9]|[1-9][0-9]+),
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/pt_tree.h"
#include <lamina/callback.h>

#define TRIES		20

static struct start_info *si;
static struct pt_tree tree;
static uint64_t spare;	/* a machine frame */
static evtchn_port_t timer_port, dom_exc_port;
static uint64_t probe_va;	/* where frame_is_free maps a frame for a moment */
static struct mmu_update req[20000];


/*
 * Our event callback: the library's, plus one trick. When the interrupted
 * rip is abandon_rip, the syscall there is skipped instead of executed
 * again, so the call returns its own number (rax as the continuation left
 * it): a guest walking away from half-done work.
 */
volatile uint64_t abandon_rip;
void preempt_event_entry(void);
asm(".text\n"
    ".globl preempt_event_entry\n"
    "preempt_event_entry:\n"	/* rcx, r11, rip, cs, rflags, rsp, ss */
    "	lock incq upcalls(%rip)\n"
    "	push %rax\n"
    "	mov 24(%rsp), %rax\n"
    "	mov %rax, last_upcall_rip(%rip)\n"
    "	cmp abandon_rip(%rip), %rax\n"
    "	jne 1f\n"
    "	addq $2, 24(%rsp)\n"
    "	movq $0, abandon_rip(%rip)\n"
    "1:	mov shared(%rip), %rax\n"
    "	movb $0, (%rax)\n"
    "	movq $0, 8(%rax)\n"
    "	pop %rax\n"
    "	pop %rcx\n"
    "	pop %r11\n"
    "	jmp guest_iret\n");

/* One call with a timer due 0.5 ms in; *hit: its event came inside it. */
static long timed(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, bool abandon,
		  bool *hit)
{
	struct vcpu_set_singleshot_timer t = { 0, 0, 0 };
	long rc;

	port_test_and_clear(timer_port);
	last_upcall_rip = 0;
	t.timeout_abs_ns = pvclock_ns() + 500000;
	if (hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, &t))
		return -9999;
	abandon_rip = abandon ? (uint64_t)timed_syscall_insn : 0;
	shared->vcpu_info[0].evtchn_upcall_mask = 0;
	rc = timed_syscall(nr, a0, a1, a2, a3);
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	abandon_rip = 0;
	*hit = last_upcall_rip == (uint64_t)timed_syscall_insn;
	return rc;
}

static long mmuext_on(unsigned int cmd, uint64_t mfn, bool abandon, bool *hit)
{
	static struct mmuext_op op;
	static uint32_t done;

	op = (struct mmuext_op){ cmd, 0, { mfn }, { 0 } };
	return timed(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, (uint64_t)&done, DOMID_SELF,
		     abandon, hit);
}

/* The tree, a zeroed spare table after it, and the page frame_is_free maps through. */
static int build_tree(void)
{
	if (pt_tree_build(si, &tree))
		return TEST_FAIL;
	spare = pt_tree_frame(si, PT_TREE_TABLES);
	probe_va = scratch_page();
	return pt_tree_fill(&tree, spare, 0, 0);
}

/* A frame that was part of the tree can be mapped writable again. */
static int frame_is_free(uint64_t mfn, const char *what)
{
	uint64_t va = probe_va;

	CHECK(update_va_mapping(va, (mfn << 12) | PTE_DATA, UVMF_INVLPG) == 0,
	      "%s cannot be mapped writable", what);
	CHECK(update_va_mapping(va, (va_to_mfn(va) << 12) | PTE_DATA, UVMF_INVLPG) == 0,
	      "restoring the scratch mapping failed");
	return TEST_PASS;
}

static int pin_preempted(void)
{
	unsigned int tries, hits = 0;
	bool hit;
	long rc;

	for (tries = 0; tries < TRIES && !hits; tries++) {
		rc = mmuext_on(MMUEXT_PIN_L4_TABLE, tree.l4, false, &hit);
		CHECK(rc == 0, "pinning the big tree gave %ld", rc);
		hits += hit;
		CHECK(mmuext1(MMUEXT_UNPIN_TABLE, tree.l4) == 0, "unpinning the big tree failed");
	}
	CHECK(hits, "no event arrived inside the pin in %u tries", tries);
	/* Released at once or on the release list: both are free to use now. */
	if (frame_is_free(tree.l4, "the unpinned L4") ||
	    frame_is_free(tree.l2[PT_TREE_L2S - 1], "an L2") ||
	    frame_is_free(tree.l1[PT_TREE_L1S - 1], "an L1"))
		return TEST_FAIL;
	printf("pin of %u tables preempted (try %u), then unpinned and reused\n",
	       PT_TREE_TABLES, tries);
	return TEST_PASS;
}

/* mmu_update of one L4 entry that brings the whole tree below it. */
static int install_preempted(void)
{
	uint64_t slot = (va_to_mfn(si->pt_base) << 12) + 1 * 8;	/* L4 slot 1: unused */
	static struct mmu_update u;
	static uint32_t done;
	unsigned int tries, hits = 0;
	bool hit;
	long rc;

	CHECK(((const uint64_t *)si->pt_base)[1] == 0, "L4 slot 1 is in use");
	for (tries = 0; tries < TRIES && !hits; tries++) {
		u = (struct mmu_update){ slot, (tree.l3 << 12) | PT_TREE_UPPER };
		done = 0;
		rc = timed(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, (uint64_t)&done, DOMID_SELF,
			   false, &hit);
		CHECK(rc == 0 && done == 1, "installing the tree gave %ld, done %u", rc, done);
		hits += hit;
		CHECK(*(volatile uint64_t *)(0x8000000000ULL + 0x1234) == 0,
		      "the tree does not map the data page");
		CHECK(mmu_update1(slot, 0) == 0, "removing the tree failed");
	}
	CHECK(hits, "no event arrived inside the mmu_update in %u tries", tries);
	printf("an L4 entry over the tree: validated in pieces (try %u)\n", tries);
	return TEST_PASS;
}

static int multicall_preempted(void)
{
	static struct multicall_entry mc[3];
	static struct mmuext_op op;
	static uint32_t done;
	uint64_t page = scratch_page(), mfn = va_to_mfn(page);
	unsigned int i, tries, hits = 0;
	bool hit;
	long rc;

	for (i = 0; i < ARRAY_SIZE(req); i++)
		req[i] = (struct mmu_update){ l1e_maddr(page),
					      (mfn << 12) | PTE_P | PTE_US | PTE_A | (i & 1 ? PTE_RW : 0) };
	for (tries = 0; tries < TRIES && !hits; tries++) {
		op = (struct mmuext_op){ MMUEXT_PIN_L4_TABLE, 0, { tree.l4 }, { 0 } };
		done = 0;
		mc[0] = (struct multicall_entry){ __HYPERVISOR_mmuext_op, -1,
						  { (uint64_t)&op, 1, 0, DOMID_SELF } };
		mc[1] = (struct multicall_entry){ __HYPERVISOR_mmu_update, -1,
						  { (uint64_t)req, ARRAY_SIZE(req), (uint64_t)&done,
						    DOMID_SELF } };
		mc[2] = (struct multicall_entry){ __HYPERVISOR_xen_version, -1, { XENVER_version } };
		rc = timed(__HYPERVISOR_multicall, (uint64_t)mc, 3, 0, 0, false, &hit);
		CHECK(rc == 0 && mc[0].result == 0 && mc[1].result == 0 && mc[2].result > 0 &&
		      done == ARRAY_SIZE(req), "multicall gave %ld: results %ld %ld %ld, done %u",
		      rc, (long)mc[0].result, (long)mc[1].result, (long)mc[2].result, done);
		hits += hit;
		CHECK(mmuext1(MMUEXT_UNPIN_TABLE, tree.l4) == 0, "unpinning the big tree failed");
	}
	CHECK(hits, "no event arrived inside the multicall in %u tries", tries);
	printf("a pin and a long list inside one multicall: preempted (try %u)\n", tries);
	return TEST_PASS;
}

/* The last entry of the last L2 maps a writable frame as an L1. */
static int bad_tree_refused(void)
{
	uint64_t bad = (va_to_mfn(scratch_page()) << 12) | PT_TREE_UPPER;
	uint64_t slot = (tree.l2[PT_TREE_L2S - 1] << 12) + 511 * 8, good;
	unsigned int tries, hits = 0;
	bool hit;
	long rc;

	good = pt_tree_entry(&tree, 2, PT_TREE_L2S - 1, 511);
	CHECK(mmu_update1(slot, bad) == 0, "writing the bad entry failed");
	for (tries = 0; tries < TRIES && !hits; tries++) {
		rc = mmuext_on(MMUEXT_PIN_L4_TABLE, tree.l4, false, &hit);
		CHECK(rc == -EINVAL, "pinning a tree with a bad last entry gave %ld", rc);
		hits += hit;
	}
	CHECK(hits, "no event arrived inside the refused pin in %u tries", tries);
	if (frame_is_free(tree.l4, "the refused L4") ||
	    frame_is_free(tree.l2[0], "a refused tree's L2") ||
	    frame_is_free(tree.l1[0], "a refused tree's L1"))
		return TEST_FAIL;
	CHECK(mmu_update1(slot, good) == 0, "restoring the last entry failed");
	printf("a tree bad at its last entry: preempted, then refused, nothing held\n");
	return TEST_PASS;
}

/* Lamina: the guest walks away from a pin halfway, more than once. */
static int abandoned(void)
{
	unsigned int tries;
	bool hit = false;
	long rc = 0;

	for (tries = 0; tries < TRIES && !hit; tries++) {
		rc = mmuext_on(MMUEXT_PIN_L4_TABLE, tree.l4, true, &hit);
		if (!hit)
			CHECK(rc == 0 && mmuext1(MMUEXT_UNPIN_TABLE, tree.l4) == 0,
			      "pin/unpin failed");
	}
	CHECK(hit && rc == __HYPERVISOR_mmuext_op, "could not abandon a pin: %ld", rc);
	CHECK(mmuext1(MMUEXT_UNPIN_TABLE, tree.l4) == -EINVAL, "a half-done pin can be unpinned");
	CHECK(update_va_mapping(scratch_page(), (tree.l4 << 12) | PTE_DATA, UVMF_INVLPG) == -EBUSY,
	      "the L4 of a half-done pin can be mapped writable");
	CHECK(mmuext1(MMUEXT_PIN_L3_TABLE, tree.l4) == -EINVAL,
	      "the L4 of a half-done pin can be pinned as an L3");
	/* The continuation that holds results back, called by hand. */
	CHECK(hypercall1(__HYPERVISOR_release_continue, 12345) == 12345,
	      "release_continue did not give its argument back");
	/* Another tree first: the half-done one is dropped, its frames free. */
	CHECK(mmuext1(MMUEXT_PIN_L2_TABLE, spare) == 0, "pinning another table failed");
	CHECK(mmuext1(MMUEXT_UNPIN_TABLE, spare) == 0, "unpinning it failed");
	if (frame_is_free(tree.l4, "the abandoned L4") ||
	    frame_is_free(tree.l2[1], "an abandoned L2"))
		return TEST_FAIL;
	/* Whole again, then half-done once more, and left so for the exit audit. */
	CHECK(mmuext1(MMUEXT_PIN_L4_TABLE, tree.l4) == 0, "pinning after abandoning failed");
	CHECK(mmuext1(MMUEXT_UNPIN_TABLE, tree.l4) == 0, "unpinning after abandoning failed");
	for (hit = false, tries = 0; tries < TRIES && !hit; tries++) {
		rc = mmuext_on(MMUEXT_PIN_L4_TABLE, tree.l4, true, &hit);
		if (!hit)
			CHECK(rc == 0 && mmuext1(MMUEXT_UNPIN_TABLE, tree.l4) == 0,
			      "pin/unpin failed");
	}
	CHECK(hit, "could not abandon a pin the second time");
	printf("abandoned pins: frames usable, tree pinned again, exit with one half done\n");
	return TEST_PASS;
}

/* The peer: the same tree, pinned, left behind when it powers off. */
static int peer(void)
{
	if (build_tree())
		return TEST_FAIL;
	CHECK(mmuext1(MMUEXT_PIN_L4_TABLE, tree.l4) == 0, "peer: pinning the tree failed");
	printf("peer: tree pinned, powering off\n");
	return TEST_PASS;
}

/* dom0 waits for the peer's end, then for its memory to be released. */
static int peer_gone(void)
{
	uint64_t until;

	wait_for_port(dom_exc_port);
	until = pvclock_ns() + 300000000ULL;
	while (pvclock_ns() < until) {
		struct vcpu_set_singleshot_timer t = { pvclock_ns() + 10000000ULL, 0, 0 };

		CHECK(hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, &t) == 0,
		      "arming the timer failed");
		wait_for_port(timer_port);
	}
	printf("the peer powered off; dom0 ran on while it was destroyed\n");
	return TEST_PASS;
}

int test_main(struct start_info *start)
{
	struct callback_register cb = { CALLBACKTYPE_event, CALLBACKF_mask_events, 0,
					(uint64_t)preempt_event_entry };
	struct evtchn_bind_virq bv = { VIRQ_TIMER, 0, 0 };

	si = start;
	mm_init(si);
	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, &cb) == 0,
	      "registering our event callback failed");
	CHECK(evtchn_op(EVTCHNOP_bind_virq, &bv) == 0, "binding VIRQ_TIMER failed");
	timer_port = bv.port;
	if (!(si->flags & SIF_INITDOMAIN))
		return peer();
	if (on_lamina()) {
		bv = (struct evtchn_bind_virq){ VIRQ_DOM_EXC, 0, 0 };
		CHECK(evtchn_op(EVTCHNOP_bind_virq, &bv) == 0, "binding VIRQ_DOM_EXC failed");
		dom_exc_port = bv.port;
	}
	if (build_tree() || pin_preempted() || install_preempted() || multicall_preempted() ||
	    bad_tree_refused())
		return TEST_FAIL;
	if (on_lamina() && (peer_gone() || abandoned()))
		return TEST_FAIL;
	return TEST_PASS;
}
