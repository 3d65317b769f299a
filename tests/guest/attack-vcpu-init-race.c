// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-vcpu-init-race: VCPUOP_initialise of one vCPU from two vCPUs at
 * once. A vCPU's first context is set once: the first call takes the
 * references its tables need (the L4's pinned type, GDT frames) and
 * later ones are -EEXIST (Xen 4.17 checks and sets under the domain's
 * lock). If both calls pass the check, both take references and one set
 * is overwritten: references held for ever, the frames never freed.
 *   vCPUs 0 and 1 wait on a shared flag, then both initialise vCPU t
 *   (down, never brought up: no VGCF_online), for t = 2 .. NR_VCPUS - 1.
 * vCPU 0 starts (t - 2) * STEP pauses after vCPU 1, so that over the 30
 * targets the two calls cross (at --smp 2 vCPU 1 won up to a delay of 0
 * to 10 pauses, vCPU 0 from there). Exactly one of the two calls must
 * succeed for each t, the other -EEXIST, and the exit audit must find
 * the references right. Found by reading: Lamina checked and set
 * "initialised" with no lock, so both calls could pass the check; this
 * stress never hit that window before the fix (the hypervisor's window is
 * a few hundred instructions; both QEMU threads must run at once), so it
 * guards the rule rather than proving the hole.
 * @hvargs: dom0_max_vcpus=32
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/physinfo.h"

#define NR_VCPUS	32
#define STEP		3	/* pauses: vCPU 0 starts (t - 2) * STEP later */
#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static uint8_t stack_t[STACK_SIZE] __attribute__((aligned(16)));
static struct vcpu_guest_context ctx[2];
static volatile long rc_of[2][NR_VCPUS];

/* Never run: the targets stay down. */
static void target(unsigned long id)
{
	(void)id;
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

static void fill(struct vcpu_guest_context *c, const struct start_info *si, unsigned int who)
{
	memset(c, 0, sizeof(*c));
	c->flags = VGCF_in_kernel;
	c->user_regs.rip = (uint64_t)target;
	c->user_regs.rdi = who;
	c->user_regs.rsp = (uint64_t)stack_t + STACK_SIZE - 8;
	c->user_regs.cs = FLAT_KERNEL_CS;
	c->user_regs.ss = FLAT_KERNEL_SS;
	c->kernel_ss = FLAT_KERNEL_SS;
	c->kernel_sp = (uint64_t)stack_t + STACK_SIZE;
	c->ctrlreg[3] = va_to_mfn(si->pt_base) << 12;
}

static void race(unsigned int me, unsigned int t)
{
	unsigned int i;

	for (i = 0; me == 0 && i < (t - 2) * STEP; i++)
		asm volatile("pause");
	rc_of[me][t] = vcpu_op(VCPUOP_initialise, t, &ctx[me]);
}

static struct smp_rounds rounds = { race, 2, NR_VCPUS, false, 0, 0, false };

int test_main(struct start_info *si)
{
	unsigned int t, both = 0;
	struct sysctl pi;
	long rc;

	mm_init(si);
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	fill(&ctx[0], si, 0);
	fill(&ctx[1], si, 1);
	rc = smp_rounds_run(si, &rounds, stack1, sizeof(stack1), pi.u.physinfo.nr_cpus < 2);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	for (t = 2; t < NR_VCPUS; t++) {
		long a = rc_of[0][t], b = rc_of[1][t];

		if (!a && !b)
			both++;

		else
			CHECK((!a && b == -EEXIST) || (a == -EEXIST && !b),
			      "vCPU %u: initialise gave %ld and %ld", t, a, b);
		CHECK(vcpu_op(VCPUOP_is_up, t, NULL) == 0, "vCPU %u is up", t);
	}
	printf("attack-vcpu-init-race: %u vCPUs initialised by two calls at once: %u both "
	       "succeeded\n", NR_VCPUS - 2, both);
	CHECK(!both, "both calls initialised the same vCPU %u times of %u", both, NR_VCPUS - 2);
	return TEST_PASS;
}
