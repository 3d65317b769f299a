// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-exchange-race: XENMEM_exchange of a frame while the domain's
 * other vCPU does something else with the same frame, at once. vCPUs 0
 * and 1 (pinned to CPUs 0 and 1 at --smp 2) wait on a shared flag; for
 * round t a frame F of dom0's that nothing maps (pfn BASE + t), vCPU 0
 * exchanges [F] for a new frame at that pfn, a few pauses late ((t / 3)
 * % 16), and vCPU 1 in turn:
 *   - gives F back (decrease_reservation);
 *   - exchanges [F] itself;
 *   - maps F (update_va_mapping, writable), and writes it.
 * One of the two wins F each time: the exchange (0, a new frame not F)
 * and a decrease of 0 extents, a second exchange -EINVAL, a map refused;
 * or the other call (1 extent, 0, 0) and the exchange -EINVAL. Two
 * exchanges may also both be -EINVAL, each having seen the other's
 * reference (Xen's steal_page and Lamina's take one before they look):
 * F is then still the domain's, and vCPU 0 maps it to show it. Both
 * winning is a frame freed twice (a hypervisor panic: the class of
 * XSA-212), or one handed out while still mapped. At the end the domain's reservation must be its first
 * less the frames given back (exchange keeps the count), and the exit
 * audit must find every frame's references right. Xen 4.17's answers are
 * the same (its steal_page, under a reference of its own).
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/physinfo.h"
#include <lamina/memory.h>

#define BASE		2048		/* pfns nothing maps: above the boot region */
#define ROUNDS		600
#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static const uint64_t *p2m;
static uint64_t map_va;
static volatile long rc_of[2][ROUNDS];
static uint64_t out_of[2][ROUNDS];

static long exchange(uint64_t in, uint64_t *out)
{
	struct xen_memory_exchange x;
	uint64_t list = in;

	memset(&x, 0, sizeof(x));
	x.in.extent_start = (uint64_t)&list;
	x.in.nr_extents = 1;
	x.in.domid = DOMID_SELF;
	x.out.extent_start = (uint64_t)out;
	x.out.nr_extents = 1;
	x.out.domid = DOMID_SELF;
	return hypercall2(__HYPERVISOR_memory_op, XENMEM_exchange, &x);
}

static void race(unsigned int me, unsigned int t)
{
	uint64_t f = p2m[BASE + t];
	unsigned int i;

	out_of[me][t] = BASE + t;
	if (me == 0) {
		for (i = 0; i < (t / 3) % 16; i++)
			asm volatile("pause");
		rc_of[0][t] = exchange(f, &out_of[0][t]);
		return;
	}
	switch (t % 3) {
	case 0:
		rc_of[1][t] = give_back_frame(f);
		break;
	case 1:
		rc_of[1][t] = exchange(f, &out_of[1][t]);
		break;
	default:
		rc_of[1][t] = update_va_mapping(map_va, (f << 12) | PTE_DATA, UVMF_INVLPG);
		if (!rc_of[1][t])
			*(volatile uint64_t *)map_va = t;
		break;
	}
}

static struct smp_rounds rounds = { race, 0, ROUNDS, false, 0, 0, false };

int test_main(struct start_info *si)
{
	unsigned int t, won[2][3] = { { 0 } };
	long before, after, given = 0, rc;
	unsigned int neither = 0;
	struct sysctl pi;

	mm_init(si);
	CHECK(si->nr_pages >= BASE + ROUNDS, "dom0 has %lu pages", si->nr_pages);
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	p2m = (const uint64_t *)si->mfn_list;
	map_va = scratch_page();
	before = current_reservation();
	rc = smp_rounds_run(si, &rounds, stack1, sizeof(stack1), pi.u.physinfo.nr_cpus < 2);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	update_va_mapping(map_va, 0, UVMF_INVLPG);

	for (t = 0; t < ROUNDS; t++) {
		long a = rc_of[0][t], b = rc_of[1][t];
		uint64_t f = p2m[BASE + t];
		bool other_won;

		CHECK(a == 0 || a == -EINVAL, "round %u: the exchange gave %ld", t, a);
		switch (t % 3) {
		case 0:
			CHECK(b == 0 || b == 1, "round %u: decrease gave %ld", t, b);
			other_won = b == 1;
			given += b;
			break;
		case 1:
			CHECK(b == 0 || b == -EINVAL, "round %u: vCPU 1's exchange gave %ld", t, b);
			other_won = b == 0;
			if (other_won)
				CHECK(out_of[1][t] != f, "round %u: vCPU 1 got F back", t);
			break;
		default:
			CHECK(b == 0 || b == -EBUSY || b == -EPERM || b == -EINVAL,
			      "round %u: the map gave %ld", t, b);
			other_won = b == 0;
			break;
		}
		if (a && !other_won && t % 3 == 1) {	/* neither exchange: F still ours */
			rc = update_va_mapping(map_va, (f << 12) | PTE_DATA, UVMF_INVLPG);
			CHECK(rc == 0, "round %u: both exchanges failed and F is not ours (%ld)", t,
			      rc);
			update_va_mapping(map_va, 0, UVMF_INVLPG);
			neither++;
			continue;
		}
		CHECK(!a != other_won, "round %u (kind %u): the exchange gave %ld, the other call %ld",
		      t, t % 3, a, b);
		if (!a)
			CHECK(out_of[0][t] != f, "round %u: the exchange gave F back", t);
		won[other_won][t % 3]++;
	}
	after = current_reservation();
	printf("attack-exchange-race: %u rounds; exchange first %u/%u/%u, the other call first "
	       "%u/%u/%u (decrease/exchange/map), neither exchange %u; reservation %ld -> %ld\n",
	       ROUNDS, won[0][0], won[0][1], won[0][2], won[1][0], won[1][1], won[1][2], neither,
	       before, after);
	CHECK(after == before - given, "reservation %ld, %ld given back from %ld", after, given,
	      before);
	return TEST_PASS;
}
