// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-copy-unmap-race: hypercalls copying through a guest handle
 * while the domain's other vCPU unmaps the page under it. Each kind of
 * call has its pages A and B, one after the other; each round vCPU 1
 * unmaps that kind's B after a few pauses and maps it back
 * (update_va_mapping with a flush of every CPU), while vCPU 0 makes the
 * call again and again with its argument straddling A's end and B's
 * start:
 *   0 xen_version compile_info (144 bytes out, 64 in A);
 *   1 mmu_update of 2 entries that change nothing (one in A, one in B);
 *   2 grant copy of 2 elements from a domain that does not exist (their
 *     statuses written back);
 *   3 multicall of 2 xen_version entries (one in A, one in B);
 *   4 memory_op current_reservation, its domid in B.
 * Every answer must be the call's own (0, or the reservation) or -EFAULT
 * (the copy met the unmapped page: Xen 4.17's answer too), never anything
 * else, and the hypervisor must take no fault of its own; the copies'
 * exception fixups are what this leans on (docs/security.md,
 * "Continuations and guest handles"). How many calls met the hole is
 * printed, not asserted (it depends on timing). With one CPU the vCPUs
 * take turns; the rows still run.
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/physinfo.h"
#include <lamina/grant_table.h>
#include <lamina/memory.h>
#include <lamina/version.h>

#define ROUNDS		1000
#define KINDS		5
#define CALLS_MAX	400		/* vCPU 0's calls in one round at most */
#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static uint64_t b_va[KINDS], b_mfn[KINDS], noop_mfn;
static long reservation;
static volatile bool remapped;
static volatile long bad_rc[ROUNDS];
static unsigned long ok[KINDS], faulted[KINDS];
static volatile long map_rc;

/* The straddling arguments, written while B is mapped. */
static void set_up_arguments(void)
{
	struct mmu_update *u = (struct mmu_update *)(b_va[1] - sizeof(*u));
	struct gnttab_copy *c = (struct gnttab_copy *)(b_va[2] - sizeof(*c));
	struct multicall_entry *m = (struct multicall_entry *)(b_va[3] - sizeof(*m));
	unsigned int i;

	for (i = 0; i < 2; i++) {
		u[i].ptr = (noop_mfn << 12) | MMU_MACHPHYS_UPDATE;
		u[i].val = ((const uint64_t *)MACH2PHYS_VIRT_START)[noop_mfn];
		memset(&c[i], 0, sizeof(c[i]));
		c[i].source.domid = 0x1234;
		c[i].dest.domid = DOMID_SELF;
		c[i].flags = GNTCOPY_source_gref;
		memset(&m[i], 0, sizeof(m[i]));
		m[i].op = __HYPERVISOR_xen_version;
		m[i].args[0] = XENVER_version;
	}
	*(domid_t *)(b_va[4] + 8) = DOMID_SELF;
}

/* One call of kind k; its answer when the copies succeed goes in *want. */
static long call(unsigned int k, long *want)
{
	*want = 0;
	switch (k) {
	case 0:
		return hypercall2(__HYPERVISOR_xen_version, XENVER_compile_info, b_va[0] - 64);
	case 1:
		return hypercall5(__HYPERVISOR_mmu_update, b_va[1] - sizeof(struct mmu_update), 2, 0,
				  DOMID_SELF, 0);
	case 2:
		return hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_copy,
				  b_va[2] - sizeof(struct gnttab_copy), 2);
	case 3:
		return hypercall3(__HYPERVISOR_multicall, b_va[3] - sizeof(struct multicall_entry),
				  2, 0);
	default:
		*want = reservation;
		return hypercall2(__HYPERVISOR_memory_op, XENMEM_current_reservation, b_va[4] + 8);
	}
}

static void race(unsigned int me, unsigned int t)
{
	unsigned int i, k = t % KINDS;
	long rc, want;

	if (me == 1) {
		for (i = 0; i < (t / KINDS) % 64; i++)
			asm volatile("pause");
		rc = update_va_mapping(b_va[k], 0, UVMF_INVLPG | UVMF_ALL);
		for (i = 0; i < 32; i++)
			asm volatile("pause");
		rc = rc ? rc : update_va_mapping(b_va[k], pte_rw(b_mfn[k]), UVMF_INVLPG | UVMF_ALL);
		if (rc)
			map_rc = rc;
		remapped = true;
		return;
	}
	remapped = false;
	for (i = 0; i < CALLS_MAX; i++) {
		bool last = remapped;

		rc = call(k, &want);
		if (rc == want)
			ok[k]++;
		else if (rc == -EFAULT)
			faulted[k]++;
		else
			bad_rc[t] = rc ? rc : 1;
		if (last)
			break;
	}
}

static struct smp_rounds rounds = { race, 1, ROUNDS, false, 0, 0, false };

int test_main(struct start_info *si)
{
	struct sysctl pi;
	unsigned int t, k;
	long rc;

	mm_init(si);
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	for (k = 0; k < KINDS; k++) {
		uint64_t a_va = scratch_page();

		b_va[k] = scratch_page();	/* consecutive: A, then B */
		CHECK(b_va[k] == a_va + 4096, "scratch pages %#lx and %#lx", (unsigned long)a_va,
		      (unsigned long)b_va[k]);
		b_mfn[k] = va_to_mfn(b_va[k]);
	}
	noop_mfn = va_to_mfn(scratch_page());
	reservation = current_reservation();
	set_up_arguments();
	rc = smp_rounds_run(si, &rounds, stack1, sizeof(stack1), pi.u.physinfo.nr_cpus < 2);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	CHECK(map_rc == 0, "unmapping or mapping B back gave %ld", map_rc);
	for (t = 1; t < ROUNDS; t++)
		CHECK(!bad_rc[t], "round %u (kind %u): a call gave %ld", t, t % KINDS, bad_rc[t]);
	for (k = 0; k < KINDS; k++)
		printf("kind %u: %lu calls answered, %lu met the unmapped page\n", k, ok[k],
		       faulted[k]);
	CHECK(*(volatile domid_t *)(b_va[4] + 8) == DOMID_SELF, "B not mapped back");
	CHECK(current_reservation() == reservation, "reservation %ld -> %ld", reservation,
	      current_reservation());
	return TEST_PASS;
}
