// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-validate-hold: the paths that validate a whole page-table tree
 * outside mmu_update and mmuext_op give the CPU back as those do, or
 * refuse. The tree is lib/pt_tree.h's (514 tables, about 262 000 entries,
 * in the domain's last pfns), unpinned; each timed row arms a one-shot
 * timer 0.5 ms ahead, and the timer's event must arrive at the
 * instruction that started the work (the work stopped part way and the
 * instruction runs again), within TRIES tries, as on Xen 4.17:
 *
 *   - update_va_mapping through an L4 that holds itself at slot 2 (a
 *     linear entry, read-only), at an address whose last level is that
 *     L4: its entry 1 would be written as an L4 entry, the tree below
 *     validated by this call, which is never done in pieces. Xen 4.17
 *     writes only an L1's entries here: -EINVAL. Until 5 Dec Lamina
 *     wrote it (0), validating the tree in one go.
 *   - mov to %cr3 (emulated) of a new L4, a copy of the running one with
 *     the tree at slot 1: validated in pieces, the mov run again until
 *     done (Xen's X86EMUL_RETRY). Until 5 Dec in one go (no event
 *     arrived inside it in TRIES tries).
 *   - VCPUOP_initialise of vCPU 1 (left down) with the tree's L4 as its
 *     base: in pieces, each a continuation (Xen's -ERESTART from
 *     arch_set_info_guest). Until 5 Dec in one go; a tree made invalid
 *     at its last entry let a guest make that call again and again.
 *     Made once: a call that fails releases the tree at its end, and a
 *     release too long for one go continues the call, which an event
 *     then interrupts at its syscall whether or not the validation
 *     stopped.
 *   - VCPUOP_initialise of vCPU 2 with two more such trees, one as its
 *     kernel L4 and one as its user L4 (ctrlreg[1]), neither validated
 *     before: each needs more than one run of the call, and the call must
 *     end (0). Xen 4.17 keeps the validated kernel L4 across the restart
 *     (old_guest_table); until 5 Dec Lamina let it go when the user L4
 *     stopped, validated it again at the next run, which dropped the user
 *     L4's partial walk, and restarted for ever.
 *
 * Time is counted in instructions (@qemu: -icount), so the timer falls
 * due half a million instructions after it is armed, never before the
 * work begins however loaded the host. dom0 with three vCPUs (vCPUs 1 and 2
 * never started) runs the rows, then an unprivileged domU of three does
 * (lib/peer_smp.h); the same on Lamina and Xen 4.17.
 * @qemu: -icount shift=0,sleep=off
 * @timeout: 240
 * @timeout-smp: 300
 * @hvargs: dom0_mem=64M dom0_max_vcpus=3
 * @initrd: self
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/pt_tree.h"
#define PEER_SMP_VCPUS	3
#include "lib/peer_smp.h"

#define TRIES		20
#define LEAD_NS		500000ULL
#define SELF_SLOT	2
#define TREE_SLOT	1	/* 0x8000000000 on: unused by the guest */

static struct start_info *si;
static struct pt_tree tree;
static evtchn_port_t timer_port;
static uint64_t live_l4;	/* the running L4's frame */

/* mov %rdi, %cr3 at a known address (mov_cr3_insn). */
void mov_cr3(uint64_t val);
extern char mov_cr3_insn[];
asm(".text\n"
    ".globl mov_cr3\n"
    "mov_cr3:\n"
    ".globl mov_cr3_insn\n"
    "mov_cr3_insn:\n"
    "	mov %rdi, %cr3\n"
    "	ret\n");

/* Events unmasked, a timer LEAD_NS ahead; the caller runs its work then calls timer_end. */
static int timer_begin(void)
{
	struct vcpu_set_singleshot_timer t = { 0, 0, 0 };

	port_test_and_clear(timer_port);
	last_upcall_rip = 0;
	t.timeout_abs_ns = pvclock_ns() + LEAD_NS;
	CHECK(hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, &t) == 0,
	      "arming the timer failed");
	shared->vcpu_info[0].evtchn_upcall_mask = 0;
	return TEST_PASS;
}

/* Events masked again; true: the timer's event interrupted the instruction at `at`. */
static bool timer_end(const void *at)
{
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	return last_upcall_rip == (uint64_t)at;
}

/* The address whose L1 entry is entry `slot` of an L4 holding itself at SELF_SLOT. */
static uint64_t self_va(unsigned int slot)
{
	return ((uint64_t)SELF_SLOT << 39) | ((uint64_t)SELF_SLOT << 30) |
	       ((uint64_t)SELF_SLOT << 21) | ((uint64_t)slot << 12);
}

static int uva_on_l4_refused(void)
{
	uint64_t self = (live_l4 << 12) + SELF_SLOT * 8, tree_slot = (live_l4 << 12) + TREE_SLOT * 8;
	long rc;

	CHECK(((const uint64_t *)si->pt_base)[SELF_SLOT] == 0 &&
	      ((const uint64_t *)si->pt_base)[TREE_SLOT] == 0, "L4 slots 1 and 2 are in use");
	CHECK(mmu_update1(self, (live_l4 << 12) | PTE_P | PTE_US | PTE_A) == 0,
	      "the L4's read-only entry to itself was refused");
	rc = update_va_mapping(self_va(TREE_SLOT), (tree.l3 << 12) | PT_TREE_UPPER, 0);
	if (rc == 0)
		(void)mmu_update1(tree_slot, 0);
	CHECK(mmu_update1(self, 0) == 0, "removing the L4's entry to itself failed");
	CHECK(rc == -EINVAL, "update_va_mapping wrote an L4 entry through a linear map: %ld", rc);
	CHECK(((const uint64_t *)si->pt_base)[TREE_SLOT] == 0, "L4 slot 1 was written");
	printf("update_va_mapping on an L4 entry through the L4's own slot: -EINVAL\n");
	return TEST_PASS;
}

/* A new L4: the running one's entries outside the hypervisor's slots, the tree at TREE_SLOT. */
static int new_l4(uint64_t l4)
{
	static struct mmu_update u[512];
	const uint64_t *live = (const uint64_t *)si->pt_base;
	uint32_t done = 0;
	unsigned int i;

	for (i = 0; i < 512; i++) {
		uint64_t e = i >= 256 && i < 272 ? 0 : live[i];

		if (i == TREE_SLOT)
			e = (tree.l3 << 12) | PT_TREE_UPPER;
		u[i] = (struct mmu_update){ (l4 << 12) + i * 8, e };
	}
	CHECK(hypercall5(__HYPERVISOR_mmu_update, (uint64_t)u, 512, (uint64_t)&done, DOMID_SELF,
			 0) == 0 && done == 512, "writing the new L4 failed");
	return TEST_PASS;
}

static int mov_cr3_preempted(void)
{
	uint64_t l4 = pt_tree_frame(si, PT_TREE_TABLES);
	unsigned int tries, hits = 0;

	if (new_l4(l4))
		return TEST_FAIL;
	for (tries = 0; tries < TRIES && !hits; tries++) {
		if (timer_begin())
			return TEST_FAIL;
		mov_cr3(l4 << 12);
		hits += timer_end(mov_cr3_insn);
		CHECK(*(volatile uint64_t *)(((uint64_t)TREE_SLOT << 39) + 0x1234) == 0,
		      "the new L4 does not map the tree's data page");
		CHECK(mmuext1(MMUEXT_NEW_BASEPTR, live_l4) == 0, "going back to the old L4 failed");
	}
	CHECK(hits, "no event arrived inside the mov to %%cr3 in %u tries", tries);
	printf("mov to %%cr3 over the tree: validated in pieces (try %u)\n", tries);
	return TEST_PASS;
}

/* A context in kernel mode on the flat selectors, its kernel L4 at frame l4. */
static void kernel_context(struct vcpu_guest_context *ctx, uint64_t l4)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->flags = VGCF_in_kernel;
	ctx->user_regs.cs = FLAT_KERNEL_CS;
	ctx->user_regs.ss = FLAT_KERNEL_SS;
	ctx->kernel_ss = FLAT_KERNEL_SS;
	ctx->ctrlreg[3] = l4 << 12;
}

static int initialise_preempted(void)
{
	static struct vcpu_guest_context ctx;
	bool hit;
	long rc;

	kernel_context(&ctx, tree.l4);
	if (timer_begin())
		return TEST_FAIL;
	rc = timed_syscall(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, (uint64_t)&ctx, 0);
	hit = timer_end(timed_syscall_insn);
	CHECK(rc == 0, "VCPUOP_initialise over the tree gave %ld", rc);
	CHECK(hit, "no event arrived inside VCPUOP_initialise");
	CHECK(update_va_mapping(scratch_page(), (tree.l4 << 12) | PTE_DATA, UVMF_INVLPG) == -EBUSY,
	      "vCPU 1's L4 can be mapped writable");
	printf("VCPUOP_initialise over the tree: validated in pieces\n");
	return TEST_PASS;
}

/*
 * Past the first tree and the frame mov_cr3_preempted takes: two trees
 * more, validated by this call only.
 */
static int initialise_two_trees(void)
{
	static struct vcpu_guest_context ctx;
	static struct pt_tree kernel, user;
	long rc;

	CHECK(pt_tree_build_at(si, &kernel, PT_TREE_TABLES + 1) == TEST_PASS,
	      "building the kernel tree failed");
	CHECK(pt_tree_build_at(si, &user, 2 * PT_TREE_TABLES + 1) == TEST_PASS,
	      "building the user tree failed");
	kernel_context(&ctx, kernel.l4);
	ctx.ctrlreg[1] = user.l4 << 12;
	rc = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 2, (uint64_t)&ctx);
	CHECK(rc == 0, "VCPUOP_initialise over two trees gave %ld", rc);
	CHECK(update_va_mapping(scratch_page(), (user.l4 << 12) | PTE_DATA, UVMF_INVLPG) == -EBUSY,
	      "vCPU 2's user L4 can be mapped writable");
	printf("VCPUOP_initialise over two trees (kernel and user L4): done\n");
	return TEST_PASS;
}

/* The rows in whichever domain runs them: NULL, or why they failed. */
static const char *body(struct start_info *start, bool one_cpu)
{
	int failed;

	(void)one_cpu;
	si = start;
	timer_port = oneshot_timer_port();
	if (!timer_port)
		return "binding VIRQ_TIMER failed";
	live_l4 = va_to_mfn(si->pt_base);
	if (pt_tree_build(si, &tree))
		return "building the tree failed";
	/* Each row whatever the others gave: they share only the tree. */
	failed = uva_on_l4_refused();
	failed |= mov_cr3_preempted();
	failed |= initialise_preempted();
	failed |= initialise_two_trees();
	return failed ? "a row failed (its line above)" : NULL;
}

int test_main(struct start_info *start)
{
	return verdict_test_smp(start, body);
}
