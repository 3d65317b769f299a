// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz-hypercalls: many hypercalls with random numbers, sub-commands and
 * arguments: small integers, page-aligned and odd guest addresses (mapped
 * and not), hypervisor addresses, non-canonical values, frame numbers of
 * our own and of the hypervisor, and argument buffers filled with random
 * bytes. The guest's own state may suffer (it can unmap itself or break
 * its own tables); the hypervisor must not: the run ends with this guest
 * powering off or being crashed, never with a hypervisor crash, and the
 * frame audit at the end must come out clean.
 * @expect: any
 * @xen: skip a random walk through Xen's ABI would only test Xen
 */
#include "lib/guest.h"
#include "lib/mm.h"

#define CALLS	20000

static uint64_t seed = 0x243F6A8885A308D3ULL;

static uint64_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static uint8_t buf[2][4096] __attribute__((aligned(4096)));
static struct start_info *si;

static uint64_t pick_arg(void)
{
	const uint64_t *p2m = (const uint64_t *)si->mfn_list;

	switch (rnd() % 12) {
	case 0: return rnd() % 16;
	case 1: return rnd() % 4096;
	case 2: return (uint64_t)buf[rnd() & 1];			/* our buffer */
	case 3: return (uint64_t)buf[rnd() & 1] + (rnd() % 4096);	/* inside it */
	case 4: return 0xFFFF800000000000ULL + (rnd() % (1ULL << 43));	/* hypervisor */
	case 5: return 0x0000800000000000ULL + (rnd() % (1ULL << 40));	/* non-canonical */
	case 6: return rnd() & 0x00007FFFFFFFF000ULL;			/* unmapped user */
	case 7: return p2m[rnd() % si->nr_pages];			/* our frame */
	case 8: return (p2m[rnd() % si->nr_pages] << 12) | (rnd() & 0xFFF);	/* machine addr */
	case 9: return rnd() % 0x100000;				/* any frame */
	case 10: return DOMID_SELF;
	default: return rnd();
	}
}

/*
 * Phase 1 leaves out what would most likely wreck this guest itself
 * (its own page tables, descriptors, callbacks, breakpoints, console
 * garbage, shutdown); phase 2 allows everything but iret and shutdown,
 * and usually ends with the guest crashed by its own hand.
 */
static bool phase1_skips(uint64_t nr)
{
	switch (nr) {
	case __HYPERVISOR_mmu_update: case __HYPERVISOR_set_gdt:
	case __HYPERVISOR_set_callbacks: case __HYPERVISOR_set_debugreg:
	case __HYPERVISOR_update_descriptor: case __HYPERVISOR_multicall:
	case __HYPERVISOR_update_va_mapping: case __HYPERVISOR_console_io:
	case __HYPERVISOR_update_va_mapping_otherdomain: case __HYPERVISOR_mmuext_op:
	case __HYPERVISOR_nmi_op: case __HYPERVISOR_callback_op: case __HYPERVISOR_vcpu_op:
		return true;
	}
	return false;
}

static void fuzz(unsigned int calls, bool all)
{
	unsigned int i, j;

	for (i = 0; i < calls; i++) {
		uint64_t nr = rnd() % 50, a[5];

		if (nr == __HYPERVISOR_iret || nr == __HYPERVISOR_sched_op ||
		    nr == __HYPERVISOR_sched_op_compat ||	/* its block and shutdown too */
		    nr == __HYPERVISOR_set_trap_table || (!all && phase1_skips(nr)))
			continue;
		for (j = 0; j < sizeof(buf); j++)
			((uint8_t *)buf)[j] = (uint8_t)rnd();
		for (j = 0; j < 5; j++)
			a[j] = pick_arg();
		hypercall5(nr, a[0], a[1], a[2], a[3], a[4]);
	}
}

int test_main(struct start_info *start)
{
	const char *p = start->cmd_line;

	si = start;
	while (*p && strncmp(p, "seed=", 5))		/* seed=<n> picks another walk */
		p++;
	if (*p)
		for (p += 5, seed = 0; *p >= '0' && *p <= '9'; p++)
			seed = seed * 10 + (*p - '0') + 1;
	fuzz(CALLS, false);
	printf("fuzz: phase 1, %u calls, done\n", CALLS);
	fuzz(CALLS, true);
	printf("fuzz: phase 2, %u calls, done and still alive\n", CALLS);
	return TEST_PASS;
}
