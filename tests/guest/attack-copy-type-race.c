// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-copy-type-race: grant copies into a frame while the domain's
 * other vCPU makes that frame an L1 table and back (5 Dec attacker's
 * review of the copy's inline frame references: the writable type's
 * fast path in a copy against a type change on another CPU).
 *
 * P, a page mapped read-only (a table to be), is the target; S holds
 * entries that would map our own L4 writable, which no L1 validation
 * takes. Each round vCPU 1 zeroes P's first 64 bytes by a copy from a
 * zero page, pins P as an L1, reads it while pinned (its first 8 entries
 * must still be 0) and unpins it; meanwhile vCPU 0 copies S's first 64
 * bytes into P again and again, by GMFN in even rounds and through a
 * grant of P to ourselves (ref 5) in odd ones. A copy must give 0 (P was
 * no table) or GNTST_general_error (it was), the zeroing the same, a
 * pin 0 or an error (S's bytes in P); a pinned P must never hold S's
 * bytes: the copy's writable type and the pin's L1 type exclude each
 * other. How many pins and copies went through is printed; at least one
 * pin must. With one CPU the vCPUs take turns; the rows still run.
 * @hvargs: dom0_max_vcpus=2
 * @expect-log: mm audit d0: ok
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/physinfo.h"
#include "lib/gnt_self.h"
#include <lamina/grant_table.h>

#define ROUNDS		600
#define CALLS_MAX	200		/* vCPU 0's copies in one round at most */
#define LEN		64
#define STACK_SIZE	8192
#define REF		5

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static struct grant_entry_v1 *table;
static uint64_t p_va, p_mfn, s_mfn, zero_mfn;
static volatile bool round_over;
static volatile long bad0[ROUNDS], bad1[ROUNDS], dirty[ROUNDS];
static unsigned long copied, refused, pinned, pin_refused;

static long copy_into_p(uint64_t from_mfn, bool by_ref)
{
	struct gnttab_copy c = { .len = LEN, .status = 99 };

	c.source.u.gmfn = from_mfn;
	c.source.domid = DOMID_SELF;
	c.dest.domid = DOMID_SELF;
	if (by_ref) {
		c.dest.u.ref = REF;
		c.flags = GNTCOPY_dest_gref;
	} else {
		c.dest.u.gmfn = p_mfn;
	}
	return gnttab(GNTTABOP_copy, &c, 1) ? -100 : c.status;
}

static void race(unsigned int me, unsigned int t)
{
	const volatile uint64_t *p = (const volatile uint64_t *)p_va;
	unsigned int i;
	long rc;

	if (me == 1) {
		for (i = 0; i < (t * 7) % 48; i++)
			asm volatile("pause");
		rc = copy_into_p(zero_mfn, false);
		if (rc && rc != GNTST_general_error)
			bad1[t] = rc;
		rc = mmuext_fd(MMUEXT_PIN_L1_TABLE, p_mfn, 0, DOMID_SELF);
		if (!rc) {
			pinned++;
			for (i = 0; i < LEN / 8; i++)
				if (p[i])
					dirty[t] = (long)p[i];
			rc = mmuext_fd(MMUEXT_UNPIN_TABLE, p_mfn, 0, DOMID_SELF);
			if (rc)
				bad1[t] = 1000 + rc;
		} else {
			pin_refused++;
		}
		round_over = true;
		return;
	}
	round_over = false;
	for (i = 0; i < CALLS_MAX; i++) {
		bool last = round_over;

		rc = copy_into_p(s_mfn, t & 1);
		if (!rc)
			copied++;
		else if (rc == GNTST_general_error)
			refused++;
		else
			bad0[t] = rc;
		if (last)
			break;
	}
}

static struct smp_rounds rounds = { race, 1, ROUNDS, false, 0, 0, false };

int test_main(struct start_info *si)
{
	uint64_t s_va, *s, l4_mfn;
	struct sysctl pi;
	unsigned int t, i;
	long rc;

	mm_init(si);
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	table = gnt_self_table();
	CHECK(table, "our grant table");
	p_mfn = table_page(0);
	p_va = mfn_to_va(p_mfn);
	s_va = scratch_page();
	s_mfn = va_to_mfn(s_va);
	zero_mfn = va_to_mfn(scratch_page());
	l4_mfn = va_to_mfn(si->pt_base);
	s = (uint64_t *)s_va;
	for (i = 0; i < LEN / 8; i++)
		s[i] = pte_rw(l4_mfn);
	gnt_self_grant(table, REF, p_va, false);
	rc = smp_rounds_run(si, &rounds, stack1, sizeof(stack1), pi.u.physinfo.nr_cpus < 2);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	for (t = 1; t < ROUNDS; t++) {
		CHECK(!dirty[t], "round %u: P pinned as an L1 held %#lx (a copy got in)", t,
		      (unsigned long)dirty[t]);
		CHECK(!bad0[t], "round %u: a copy of S into P gave %ld", t, bad0[t]);
		CHECK(!bad1[t], "round %u: zeroing, pinning or unpinning P gave %ld", t, bad1[t]);
	}
	printf("pins: %lu made, %lu refused; copies into P: %lu made, %lu refused\n", pinned,
	       pin_refused, copied, refused);
	CHECK(pinned, "no pin of P went through");
	CHECK(table[REF].flags == GTF_permit_access, "ref %u left with flags %#x", REF,
	      table[REF].flags);
	CHECK(copy_into_p(s_mfn, false) == 0, "P not writable by a copy at the end");
	table[REF].flags = 0;
	return TEST_PASS;
}
