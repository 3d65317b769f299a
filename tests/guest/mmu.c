// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmu: the page-table rules of direct paging (docs/abi-core.md §5). Every
 * forbidden update gets an error and the guest goes on; allowed ones take
 * effect: remapping, pinning, a new address space to switch to and back,
 * batches, multicalls.
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include <lamina/memory.h>

#define M2P	((const uint64_t *)MACH2PHYS_VIRT_START)

static struct start_info *si;
static bool lamina;

/*
 * Lamina's error codes are checked exactly; on Xen 4.17 only that the
 * update was refused (Xen answers some of these with other codes: a
 * hypervisor frame mapped RW by dom0 gives -EBUSY there, for instance).
 */
#define CHECK_ERR(rc, code, what)					\
	CHECK(lamina ? (rc) == (code) : (rc) < 0, what " gave %ld, expected %d", (long)(rc), code)
/* The same code on both: a page-table frame mapped writable is -EBUSY in Xen 4.17 too. */
#define CHECK_BOTH(rc, code, what)					\
	CHECK((rc) == (code), what " gave %ld, expected %d", (long)(rc), code)

static uint64_t hypervisor_mfn(void)
{
	/* Slot 256 of our L4 is the hypervisor's: its L3 is a hypervisor frame. */
	return (((const uint64_t *)si->pt_base)[256] & PTE_ADDR) >> 12;
}

static int forbidden_mappings(uint64_t va)
{
	uint64_t l4_mfn = va_to_mfn(si->pt_base);
	long rc;

	rc = update_va_mapping(va, (hypervisor_mfn() << 12) | PTE_DATA, UVMF_INVLPG);
	CHECK_BOTH(rc, -EBUSY, "mapping a hypervisor frame RW");
	rc = update_va_mapping(va, (hypervisor_mfn() << 12) | PTE_P | PTE_US, UVMF_INVLPG);
	CHECK_BOTH(rc, -EBUSY, "mapping a hypervisor frame RO");
	rc = update_va_mapping(va, (l4_mfn << 12) | PTE_DATA, UVMF_INVLPG);
	CHECK_BOTH(rc, -EBUSY, "mapping the pinned L4 writable");
	rc = mmu_update1(l1e_maddr(si->pt_base), (l4_mfn << 12) | PTE_DATA);
	CHECK_BOTH(rc, -EBUSY, "making the L4's own mapping writable");
	rc = mmu_update1((l4_mfn << 12) + 256 * 8, 0);
	CHECK_ERR(rc, -EINVAL, "writing hypervisor L4 slot 256");
	rc = mmu_update1((l4_mfn << 12) + 271 * 8, (va_to_mfn(va) << 12) | PTE_P);
	CHECK_ERR(rc, -EINVAL, "writing hypervisor L4 slot 271");
	rc = mmu_update1(table_maddr(va, 2) + 8 * 300, (va_to_mfn(va) << 12) | PTE_P | PTE_PSE);
	CHECK_ERR(rc, -EINVAL, "a superpage L2 entry");
	/* The address's low 3 bits are the command (Xen 4.17's): 4 is none. */
	rc = mmu_update1(l1e_maddr(va) + 4, 0);
	CHECK_BOTH(rc, -ENOSYS, "an entry address + 4 (command 4)");
	rc = hypercall5(__HYPERVISOR_mmu_update, 0x1000, 1, 0, DOMID_SELF, 0);
	CHECK_ERR(rc, -EFAULT, "an unmapped request list");
	/* The page is still mapped as before after all that. */
	*(volatile uint64_t *)va = 42;
	CHECK(*(volatile uint64_t *)va == 42, "scratch page lost");
	return TEST_PASS;
}

/* A table that maps itself writable can never be validated. */
static int self_mapping_table(void)
{
	uint64_t s = scratch_page(), mfn = va_to_mfn(s);
	long rc;

	CHECK(update_va_mapping(s, (mfn << 12) | PTE_P | PTE_US | PTE_A, UVMF_INVLPG) == 0,
	      "remapping a scratch page read-only failed");
	CHECK(mmu_update1(mfn << 12, (mfn << 12) | PTE_DATA) == 0,
	      "plain write into an unpinned page failed");
	rc = mmuext1(MMUEXT_PIN_L1_TABLE, mfn);
	CHECK_BOTH(rc, -EBUSY, "pinning an L1 that maps itself writable");
	CHECK(mmu_update1(mfn << 12, 0) == 0, "clearing the entry failed");
	CHECK(update_va_mapping(s, (mfn << 12) | PTE_DATA, UVMF_INVLPG) == 0,
	      "mapping it writable again failed");
	return TEST_PASS;
}

static int pin_rules(void)
{
	uint64_t t = scratch_page(), mfn = va_to_mfn(t);
	long rc;

	CHECK(update_va_mapping(t, (mfn << 12) | PTE_P | PTE_US | PTE_A, UVMF_INVLPG) == 0,
	      "read-only remap failed");
	CHECK(mmuext1(MMUEXT_PIN_L1_TABLE, mfn) == 0, "pinning an empty L1 failed");
	rc = mmuext1(MMUEXT_PIN_L1_TABLE, mfn);
	CHECK_ERR(rc, -EINVAL, "double pin");
	rc = mmuext1(MMUEXT_PIN_L2_TABLE, mfn);
	CHECK_ERR(rc, -EINVAL, "pinning an L1 as L2");
	rc = update_va_mapping(t, (mfn << 12) | PTE_DATA, UVMF_INVLPG);
	CHECK_BOTH(rc, -EBUSY, "mapping a pinned L1 writable");
	CHECK(mmuext1(MMUEXT_UNPIN_TABLE, mfn) == 0, "unpin failed");
	rc = mmuext1(MMUEXT_UNPIN_TABLE, mfn);
	CHECK_ERR(rc, -EINVAL, "unpinning an unpinned table");
	CHECK(update_va_mapping(t, (mfn << 12) | PTE_DATA, UVMF_INVLPG) == 0,
	      "mapping the unpinned page writable failed");
	rc = mmuext1(MMUEXT_PIN_L1_TABLE, mfn);
	CHECK_ERR(rc, -EINVAL, "pinning a writable-mapped page");
	return TEST_PASS;
}

/* A second L4 sharing the kernel's L3: switch to it, unpin it, come back. */
static int new_address_space(void)
{
	uint64_t y = scratch_page(), ymfn = va_to_mfn(y);
	uint64_t old = va_to_mfn(si->pt_base);
	unsigned int i, filled;
	long rc;

	((uint64_t *)y)[511] = ((const uint64_t *)si->pt_base)[511];
	CHECK(update_va_mapping(y, (ymfn << 12) | PTE_P | PTE_US | PTE_A, UVMF_INVLPG) == 0,
	      "read-only remap of the new L4 failed");
	CHECK(mmuext1(MMUEXT_PIN_L4_TABLE, ymfn) == 0, "pinning the new L4 failed");
	/* (Xen fills slot 256, the M2P, only once the L4 becomes a base.) */
	for (i = 257, filled = 0; i <= 271; i++)
		filled += ((const uint64_t *)y)[i] != 0;
	CHECK(filled, "hypervisor slots not filled in the new L4");
	CHECK(mmuext1(MMUEXT_NEW_BASEPTR, ymfn) == 0, "switching to the new L4 failed");
	printf("running on the new address space\n");
	CHECK(mmuext1(MMUEXT_UNPIN_TABLE, ymfn) == 0, "unpinning the current base failed");
	rc = update_va_mapping(y, (ymfn << 12) | PTE_DATA, UVMF_INVLPG);
	CHECK_BOTH(rc, -EBUSY, "the current base became writable");
	CHECK(mmuext1(MMUEXT_NEW_BASEPTR, old) == 0, "switching back failed");
	CHECK(update_va_mapping(y, (ymfn << 12) | PTE_DATA, UVMF_INVLPG) == 0,
	      "the old base is still a page table after release");
	return TEST_PASS;
}

/* Processing stops at the bad entry; done counts the good ones before it. */
static int batch_with_bad_entry(void)
{
	uint64_t a = scratch_page(), b = scratch_page();
	struct mmu_update req[3] = {
		{ l1e_maddr(a), (va_to_mfn(a) << 12) | PTE_P | PTE_US | PTE_A },
		{ l1e_maddr(b), (hypervisor_mfn() << 12) | PTE_DATA },
		{ l1e_maddr(b), (va_to_mfn(b) << 12) | PTE_P | PTE_US | PTE_A },
	};
	uint32_t done = 99;
	long rc;

	rc = hypercall5(__HYPERVISOR_mmu_update, (uint64_t)req, 3, (uint64_t)&done, DOMID_SELF, 0);
	CHECK_BOTH(rc, -EBUSY, "batch");
	CHECK(done == 1, "done = %u, expected 1", done);
	CHECK(mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0) == 0, "flush failed");
	/* a is read-only now, b still writable: b's third entry never ran. */
	*(volatile uint64_t *)b = 7;
	CHECK(update_va_mapping(a, (va_to_mfn(a) << 12) | PTE_DATA, UVMF_INVLPG) == 0,
	      "restoring a failed");
	return TEST_PASS;
}

/*
 * A list that runs from a mapped page into an unmapped one: the entries
 * before the hole are applied, the first one in it fails with -EFAULT
 * and done counts the ones applied (each entry is copied in on its turn).
 */
static int batch_into_hole(void)
{
	uint64_t a = scratch_page(), b = scratch_page(), c = scratch_page();
	uint64_t ro = (va_to_mfn(c) << 12) | PTE_P | PTE_US | PTE_A;
	struct mmu_update *req = (struct mmu_update *)(a + 4096 - sizeof(*req));
	uint32_t done = 99;
	long rc;

	CHECK(b == a + 4096, "scratch pages not adjacent");
	req[0] = (struct mmu_update){ l1e_maddr(c), ro };
	req[1] = (struct mmu_update){ l1e_maddr(c), ro };
	CHECK(update_va_mapping(b, 0, UVMF_INVLPG) == 0, "unmapping b failed");
	rc = hypercall5(__HYPERVISOR_mmu_update, (uint64_t)req, 2, (uint64_t)&done, DOMID_SELF, 0);
	CHECK(update_va_mapping(b, (va_to_mfn(b) << 12) | PTE_DATA, UVMF_INVLPG) == 0,
	      "remapping b failed");
	CHECK(rc == -EFAULT, "a list into an unmapped page gave %ld, expected -EFAULT", rc);
	CHECK(done == 1, "done = %u, expected 1", done);
	CHECK(mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0) == 0, "flush failed");
	CHECK(update_va_mapping(c, (va_to_mfn(c) << 12) | PTE_DATA, UVMF_INVLPG) == 0,
	      "restoring c failed");
	return TEST_PASS;
}

/*
 * A long batch (far more than a millisecond of work): it must complete,
 * whether or not the hypervisor splits it into continuations, with done
 * counting every entry.
 */
static int long_batch(void)
{
	static struct mmu_update req[20000];
	uint64_t a = scratch_page(), ptr = l1e_maddr(a), mfn = va_to_mfn(a);
	uint32_t done = 0;
	unsigned int i;
	long rc;

	for (i = 0; i < ARRAY_SIZE(req); i++) {
		req[i].ptr = ptr;
		req[i].val = (mfn << 12) | PTE_P | PTE_US | PTE_A | ((i & 1) ? PTE_RW : 0);
	}
	rc = hypercall5(__HYPERVISOR_mmu_update, (uint64_t)req, ARRAY_SIZE(req), (uint64_t)&done,
			DOMID_SELF, 0);
	CHECK(rc == 0, "a batch of %u entries gave %ld", (unsigned int)ARRAY_SIZE(req), rc);
	CHECK(done == ARRAY_SIZE(req), "done = %u after %u entries", done,
	      (unsigned int)ARRAY_SIZE(req));
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);
	*(volatile uint64_t *)a = 5;		/* the last entry left it writable */
	return TEST_PASS;
}

static int multicall_batch(void)
{
	struct multicall_entry mc[4];
	uint64_t p[3];
	unsigned int i;
	long rc;

	for (i = 0; i < 3; i++) {
		p[i] = scratch_page();
		mc[i].op = __HYPERVISOR_update_va_mapping;
		mc[i].args[0] = p[i];
		mc[i].args[1] = (va_to_mfn(p[i]) << 12) | PTE_P | PTE_US | PTE_A;
		mc[i].args[2] = UVMF_INVLPG;
		mc[i].result = 99;
	}
	mc[1].args[1] = (hypervisor_mfn() << 12) | PTE_DATA;	/* fails alone */
	mc[3].op = __HYPERVISOR_multicall;			/* nesting refused */
	mc[3].args[0] = (uint64_t)mc;
	mc[3].args[1] = 1;
	mc[3].result = 99;
	rc = hypercall2(__HYPERVISOR_multicall, mc, 4);
	CHECK(rc == 0, "multicall gave %ld", rc);
	CHECK(mc[0].result == 0 && mc[2].result == 0, "good entries gave %ld, %ld",
	      (long)mc[0].result, (long)mc[2].result);
	CHECK_BOTH(mc[1].result, -EBUSY, "bad multicall entry");
	CHECK(mc[3].result < 0, "nested multicall gave %ld", (long)mc[3].result);
	return TEST_PASS;
}

static long reserve(unsigned int cmd, uint64_t *frames, unsigned int n)
{
	struct xen_memory_reservation r = { (uint64_t)frames, n, 0, 0, DOMID_SELF, { 0 } };

	return hypercall2(__HYPERVISOR_memory_op, cmd, &r);
}

static long exchange(uint64_t *in, unsigned int nin, uint64_t *out, unsigned int out_order,
		     uint64_t *done)
{
	struct xen_memory_exchange x = {
		{ (uint64_t)in, nin, 0, 0, DOMID_SELF, { 0 } },
		{ (uint64_t)out, 1, out_order, 32, DOMID_SELF, { 0 } },
		0,		/* as Linux does: untouched on early refusals */
	};
	long rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_exchange, &x);

	*done = x.nr_exchanged;
	return rc;
}

/* Two unmapped pages for one contiguous pair below 4 GiB; a mapped one refused. */
static int exchange_ops(uint64_t mapped)
{
	uint64_t *p2m = (uint64_t *)si->mfn_list;
	uint64_t n = si->nr_pages, in[2] = { p2m[n - 3], p2m[n - 2] }, out, done;
	uint64_t bad[2] = { va_to_mfn(mapped), p2m[n - 4] };
	long rc;

	out = n - 3;
	rc = exchange(bad, 2, &out, 1, &done);
	CHECK(rc < 0 && done == 0, "exchanging a mapped frame gave %ld, %lu done", rc,
	      (unsigned long)done);
	(void)*(volatile uint64_t *)mapped;	/* still ours, still mapped */
	out = n - 3;
	rc = exchange(in, 2, &out, 1, &done);
	CHECK(rc == 0 && done == 2, "exchange gave %ld, %lu done", rc, (unsigned long)done);
	CHECK(!(out & 1) && out < (1ULL << 20), "new extent at %#lx: not aligned or above 4 GiB",
	      (unsigned long)out);
	CHECK(M2P[out] == n - 3 && M2P[out + 1] == n - 2, "M2P of the new extent");
	p2m[n - 3] = out;
	p2m[n - 2] = out + 1;
	return TEST_PASS;
}

static int memory_ops(void)
{
	uint64_t last_pfn = si->nr_pages - 1, frame, t = scratch_page(), u = scratch_page();
	uint64_t *p2m = (uint64_t *)si->mfn_list;
	domid_t self = DOMID_SELF;
	struct xen_machphys_mapping mp;
	long rc;

	rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_current_reservation, &self);
	CHECK(rc == (long)si->nr_pages, "current_reservation %ld", rc);
	rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_maximum_reservation, &self);
	CHECK(rc >= (long)si->nr_pages, "maximum_reservation %ld", rc);
	CHECK(hypercall2(__HYPERVISOR_memory_op, XENMEM_machphys_mapping, &mp) == 0 &&
	      mp.v_start == MACH2PHYS_VIRT_START && mp.max_mfn > 0, "machphys_mapping");

	/*
	 * A frame still in use (a pinned L1, mapped) is given back, as on Xen:
	 * it stays ours, and in current_reservation, until its last reference.
	 */
	frame = va_to_mfn(u);
	CHECK(update_va_mapping(u, (frame << 12) | PTE_P | PTE_US | PTE_A, UVMF_INVLPG) == 0 &&
	      mmuext1(MMUEXT_PIN_L1_TABLE, frame) == 0, "pinning a scratch L1 failed");
	CHECK(reserve(XENMEM_decrease_reservation, &frame, 1) == 1,
	      "a pinned, mapped page table was not given back");
	rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_current_reservation, &self);
	CHECK(rc == (long)si->nr_pages, "current_reservation with a frame given back, held: %ld", rc);
	CHECK(mmuext1(MMUEXT_UNPIN_TABLE, frame) == 0, "unpinning the frame given back failed");
	CHECK(*(volatile uint64_t *)u == 0, "the frame given back changed while mapped");
	CHECK(update_va_mapping(u, 0, UVMF_INVLPG) == 0, "dropping its last mapping failed");
	CHECK(mmuext1(MMUEXT_PIN_L1_TABLE, frame) == -EINVAL, "a freed frame could be pinned");
	/* The last page of the domain is not mapped: it can go and come back. */
	frame = p2m[last_pfn];
	CHECK(reserve(XENMEM_decrease_reservation, &frame, 1) == 1, "releasing a free page failed");
	rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_current_reservation, &self);
	CHECK(rc == (long)si->nr_pages - 2, "current_reservation after release: %ld", rc);
	frame = last_pfn;
	CHECK(reserve(XENMEM_populate_physmap, &frame, 1) == 1, "populate_physmap failed");
	CHECK(M2P[frame] == last_pfn, "M2P of the new frame is %#lx", (unsigned long)M2P[frame]);
	p2m[last_pfn] = frame;
	return exchange_ops(t);
}

int test_main(struct start_info *start)
{
	si = start;
	lamina = on_lamina();
	mm_init(si);
	CHECK(hypercall2(__HYPERVISOR_vm_assist, VMASST_CMD_enable,
			 VMASST_TYPE_writable_pagetables) == 0, "vm_assist failed");
	CHECK(hypercall2(__HYPERVISOR_vm_assist, VMASST_CMD_enable, 17) == -EINVAL,
	      "vm_assist of an unknown type accepted");
	if (forbidden_mappings(scratch_page()) || self_mapping_table() || pin_rules() ||
	    new_address_space() || batch_with_bad_entry() || batch_into_hole() || long_batch() || multicall_batch() ||
	    memory_ops())
		return TEST_FAIL;
	printf("mmu: forbidden updates refused, pins, base switches and batches work\n");
	return TEST_PASS;
}
