// SPDX-License-Identifier: GPL-2.0-only
/*
 * smp-tlb-remote: update_va_mapping with UVMF_INVLPG | UVMF_ALL reaches a
 * vCPU running on the other CPU, also right after that CPU was idle.
 * dom0's vCPUs 0 and 1 (pinned to CPUs 0 and 1 when there are two)
 * share one address space. Each round vCPU 1 first sleeps 1 ms in
 * SCHEDOP_poll (its CPU goes idle: the hypervisor's own tables loaded,
 * which lets TLB flushes skip that CPU until it loads a guest's again,
 * hv/flushtlb.h tlb_clean_cpus), then reads page X (its translation
 * now cached) and spins; vCPU 0 moves X from frame A to frame B (or back)
 * with a flush of all the domain's vCPUs, and vCPU 1 reads X again: it
 * must see the new frame's tag. A CPU left in the skip set after it ran
 * a guest again (the bit not taken back in arch_switch_from_idle) keeps
 * the old translation: FAIL on every round with two CPUs (checked with
 * such a build, 6 Dec). With one CPU the vCPUs take turns.
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/physinfo.h"
#include "lib/smp.h"

#define ROUNDS		200
#define TAG_A		0x1111aaaa2222aaaaULL
#define TAG_B		0x3333bbbb4444bbbbULL
#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile bool started, one_cpu;
static volatile unsigned int ready, moved, checked;	/* 1 + the round */
static volatile unsigned int stale;			/* rounds vCPU 1 read the old frame */
static volatile uint64_t *x;

/* Waits until *p is at least want: spinning, or yielding when the vCPUs take turns. */
static void wait_round(volatile unsigned int *p, unsigned int want)
{
	while (*p < want)
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

static void nap(void)
{
	struct sched_poll p = { 0, 0, 0, pvclock_ns() + 1000000 };

	HYPERVISOR_sched_op(SCHEDOP_poll, &p);
}

static void __attribute__((noreturn, used)) vcpu1(unsigned long id)
{
	unsigned int r;

	(void)id;
	started = true;
	for (r = 0; r < ROUNDS; r++) {
		nap();
		if (*x != (r % 2 ? TAG_B : TAG_A))
			stale++;	/* not even the frame it maps now */
		ready = r + 1;
		wait_round(&moved, r + 1);
		if (*x != (r % 2 ? TAG_A : TAG_B))
			stale++;
		checked = r + 1;
	}
	for (;;)
		nap();
}

int test_main(struct start_info *si)
{
	uint64_t a, b, mfn_a, mfn_b;
	struct sysctl pi;
	unsigned int r;
	long rc;

	if (vcpu_op(VCPUOP_is_up, 1, NULL) == -ENOENT)
		return skip("one vCPU only (dom0_max_vcpus=2 not honoured)");
	mm_init(si);
	CHECK(events_init(si) == 0, "events_init failed");
	a = scratch_page();
	b = scratch_page();
	x = (volatile uint64_t *)scratch_page();
	*(uint64_t *)a = TAG_A;
	*(uint64_t *)b = TAG_B;
	mfn_a = va_to_mfn(a);
	mfn_b = va_to_mfn(b);
	CHECK(update_va_mapping((uint64_t)x, pte_rw(mfn_a), UVMF_INVLPG) == 0, "mapping X failed");
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	one_cpu = pi.u.physinfo.nr_cpus < 2;
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started, one_cpu);
	CHECK(rc == 0, "starting and pinning vCPU 1: %ld", rc);
	for (r = 0; r < ROUNDS; r++) {
		wait_round(&ready, r + 1);
		rc = update_va_mapping((uint64_t)x, pte_rw(r % 2 ? mfn_a : mfn_b),
				       UVMF_INVLPG | UVMF_ALL);
		CHECK(rc == 0, "round %u: moving X failed: %ld", r, rc);
		moved = r + 1;
		wait_round(&checked, r + 1);
	}
	CHECK(stale == 0, "vCPU 1 read X's old frame in %u of %u rounds (a flush did not reach "
	      "its CPU)", stale, ROUNDS);
	printf("%u rounds: vCPU 1 saw X move each time, %s\n", ROUNDS,
	       one_cpu ? "the vCPUs taking turns on one CPU" : "on the other CPU");
	CHECK(vcpu_op(VCPUOP_down, 1, NULL) == 0, "down of vCPU 1 failed");
	return TEST_PASS;
}
