// SPDX-License-Identifier: GPL-2.0-only
/*
 * pte: what one page-table update costs by each route, for batches of
 * N = 1, 8, 64, 512 entries:
 *   single    - one mmu_update hypercall per entry
 *   batched   - one mmu_update with N entries
 *   multicall - one multicall of N update_va_mapping
 *   trapped   - N direct writes to the read-only mapped L1, each trapped
 *               and emulated (writable page tables)
 * The entries are those of a pinned L1 hooked in at VA_BASE; each round
 * maps every entry to one of two data frames, alternating, so every
 * update both takes and drops a reference. Output, per route and N, the
 * median/min/max cycles per entry over the rounds:
 *   BENCH pte_<route>_<N> <median> <min> <max> <entries>
 */
#include "../../guest/lib/guest.h"
#include "../../guest/lib/mm.h"
#include "../../guest/lib/bench.h"
#include "../../guest/lib/traps.h"

#define VA_BASE		0xffffffff80600000ULL	/* L2 slot 3 of the kernel window */
#define ROUNDS		64
#define MAX_N		512

static uint64_t samples[ROUNDS];
static struct mmu_update req[MAX_N];
static struct multicall_entry mc[MAX_N];
static uint64_t l1_va, l1_mfn, data_mfn[2];

static uint64_t entry(unsigned int round)
{
	return (data_mfn[round & 1] << 12) | PTE_P | PTE_US | PTE_A;
}

static void run_round(unsigned int route, unsigned int n, unsigned int round)
{
	uint64_t val = entry(round);
	volatile uint64_t *l1 = (volatile uint64_t *)l1_va;
	unsigned int i;

	switch (route) {
	case 0:
		for (i = 0; i < n; i++)
			mmu_update1((l1_mfn << 12) + i * 8, val);
		break;
	case 1:
		for (i = 0; i < n; i++) {
			req[i].ptr = (l1_mfn << 12) + i * 8;
			req[i].val = val;
		}
		hypercall5(__HYPERVISOR_mmu_update, (uint64_t)req, n, 0, DOMID_SELF, 0);
		break;
	case 2:
		for (i = 0; i < n; i++) {
			mc[i].op = __HYPERVISOR_update_va_mapping;
			mc[i].args[0] = VA_BASE + i * 4096ULL;
			mc[i].args[1] = val;
			mc[i].args[2] = UVMF_NONE;
		}
		hypercall2(__HYPERVISOR_multicall, mc, n);
		break;
	case 3:
		for (i = 0; i < n; i++)
			l1[i] = val;
		break;
	}
}

int test_main(struct start_info *si)
{
	static const char *const routes[] = { "single", "batched", "multicall", "trapped" };
	static const unsigned int sizes[] = { 1, 8, 64, 512 };
	unsigned int r, s, round;
	uint64_t d0, d1;

	mm_init(si);
	CHECK(hypercall2(__HYPERVISOR_vm_assist, VMASST_CMD_enable,
			 VMASST_TYPE_writable_pagetables) == 0, "vm_assist failed");
	d0 = scratch_page();
	d1 = scratch_page();
	data_mfn[0] = va_to_mfn(d0);
	data_mfn[1] = va_to_mfn(d1);
	l1_va = scratch_page();
	l1_mfn = va_to_mfn(l1_va);
	CHECK(update_va_mapping(l1_va, (l1_mfn << 12) | PTE_P | PTE_US | PTE_A, UVMF_INVLPG) == 0 &&
	      mmuext1(MMUEXT_PIN_L1_TABLE, l1_mfn) == 0, "pinning the bench L1 failed");
	CHECK(mmu_update1(table_maddr(VA_BASE, 2), (l1_mfn << 12) | PTE_DATA) == 0,
	      "hooking the bench L1 into the L2 failed");
	for (r = 0; r < 4; r++) {
		for (s = 0; s < 4; s++) {
			unsigned int n = sizes[s];
			char name[32];

			run_round(r, n, 1);			/* warm up */
			for (round = 0; round < ROUNDS; round++) {
				uint64_t t0 = tsc();

				run_round(r, n, round);
				samples[round] = tsc() - t0;
			}
			snprintf(name, sizeof(name), "pte_%s_%u", routes[r], n);
			bench_report(name, samples, ROUNDS, n);	/* per entry */
		}
	}
	/* Leave no trace: unhook and unpin, so the audit sees a clean domain. */
	CHECK(mmu_update1(table_maddr(VA_BASE, 2), 0) == 0, "unhooking failed");
	CHECK(mmuext1(MMUEXT_UNPIN_TABLE, l1_mfn) == 0, "unpinning failed");
	return TEST_PASS;
}
