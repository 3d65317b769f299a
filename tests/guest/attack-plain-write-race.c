// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-plain-write-race: mmu_update writing into a plain page (no page
 * table: MMU_NORMAL_PT_UPDATE on a frame of the caller's that is not
 * validated is a plain 8-byte store) while the domain's other vCPU gives
 * that page back. vCPUs 0 and 1 (pinned to CPUs 0 and 1 at --smp 2); for
 * round t a frame F nothing maps (pfn BASE + t): vCPU 0 writes F's entry
 * (t % 512) by mmu_update again and again until it is refused, vCPU 1
 * gives F back (decrease_reservation) after a few pauses ((t / 8) % 64).
 * The store must be made under a count reference of its own, as Xen's
 * mmu_update takes one (get_page_from_gfn) before it types the page
 * writable: with only the writable type taken, the give-back's last
 * reference could go between the type and the store, freeing a frame
 * with a type held (a BUG_ON in the hypervisor) or letting the store land
 * in a freed frame. Every write answers 0 or -EINVAL (not the caller's
 * page: Xen's answer too), every give-back 1 extent, the reservation
 * drops by the rounds, and the exit audit finds every reference right.
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/physinfo.h"
#include <lamina/memory.h>

#define BASE		2048		/* pfns nothing maps: above the boot region */
#define ROUNDS		1500
#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static const uint64_t *p2m;
static volatile long give_rc[ROUNDS], bad_rc[ROUNDS];
static volatile unsigned int writes[ROUNDS];
static volatile bool given;

static void race(unsigned int me, unsigned int t)
{
	uint64_t f = p2m[BASE + t], ptr = (f << 12) + (t % 512) * 8;
	unsigned int i, n = 0;
	long rc;

	if (me == 1) {
		for (i = 0; i < (t / 8) % 64; i++)
			asm volatile("pause");
		give_rc[t] = give_back_frame(f);
		given = true;
		return;
	}
	given = false;
	for (;;) {
		bool last = given;	/* one more write once the give-back returned */

		rc = mmu_update1(ptr, 0x5a5a000000000000ULL | t);
		if (rc) {
			if (rc != -EINVAL)
				bad_rc[t] = rc;
			break;
		}
		n++;
		if (last)
			break;
	}
	writes[t] = n;
}

static struct smp_rounds rounds = { race, 0, ROUNDS, false, 0, 0, false };

int test_main(struct start_info *si)
{
	unsigned long total = 0;
	long before, after;
	struct sysctl pi;
	unsigned int t;
	long rc;

	mm_init(si);
	CHECK(si->nr_pages >= BASE + ROUNDS, "dom0 has %lu pages", si->nr_pages);
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	p2m = (const uint64_t *)si->mfn_list;
	before = current_reservation();
	rc = smp_rounds_run(si, &rounds, stack1, sizeof(stack1), pi.u.physinfo.nr_cpus < 2);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	for (t = 0; t < ROUNDS; t++) {
		CHECK(give_rc[t] == 1, "round %u: the give-back gave %ld", t, give_rc[t]);
		CHECK(!bad_rc[t], "round %u: a write gave %ld", t, bad_rc[t]);
		total += writes[t];
	}
	after = current_reservation();
	printf("attack-plain-write-race: %u rounds, %lu writes before the page went; "
	       "reservation %ld -> %ld\n", ROUNDS, total, before, after);
	CHECK(after == before - ROUNDS, "reservation %ld -> %ld after %u give-backs", before,
	      after, ROUNDS);
	return TEST_PASS;
}
