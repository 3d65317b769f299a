// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-mem: memory_op (every XENMEM_ number Xen 4.17 knows, and
 * unknown ones), mmu_update, mmuext_op (every MMUEXT_),
 * update_va_mapping, update_va_mapping_otherdomain and multicall from
 * dom0, with valid and invalid arguments, against the results Xen 4.17
 * gives (conform.h; docs/conformance.md). Values that depend on the
 * machine (page counts, the highest frame) are checked as "> 0" only.
 * Nothing here takes memory from or gives memory to the domain.
 */
#include "conform.h"
#include "lib/mm.h"
#include <lamina/memory.h>
#include <lamina/mm.h>

#define NCALL(nr, a, b, c)	hypercall3(nr, (uint64_t)(a), (uint64_t)(b), (uint64_t)(c))
#define MEM(cmd, arg)		NCALL(__HYPERVISOR_memory_op, cmd, arg, 0)

static uint8_t page[4096] __attribute__((aligned(4096)));
static uint8_t page2[4096] __attribute__((aligned(4096)));
static uint64_t frames[16];
static struct e820_entry map[64];

/* Whether the first n entries of map have { addr, size, type }. */
static int has_entry(unsigned int n, uint64_t addr, uint64_t size, uint32_t type)
{
	unsigned int i;

	for (i = 0; i < n && i < 64; i++)
		if (map[i].addr == addr && map[i].size == size && map[i].type == type)
			return 1;
	return 0;
}

static long mmu(uint64_t ptr, uint64_t val, uint16_t fd)
{
	return mmu_update_fd(ptr, val, fd);
}

static long ext(unsigned int cmd, uint64_t arg1, uint64_t arg2, uint16_t fd)
{
	return mmuext_fd(cmd, arg1, arg2, fd);
}

/*
 * Validation that meets an L1 entry mapping a page table writable: Xen's
 * get_page_from_l1e answers -EBUSY and each level passes that up, to a
 * pin, a new base or an upper entry's update alike; a frame whose own
 * type conflicts is -EINVAL (docs/conformance.md, mmu_update row).
 */
static void writable_table_rows(void)
{
	uint64_t pt = table_page(0);
	uint64_t l1 = table_page((pt << 12) | PTE_DATA), l2 = table_page((l1 << 12) | PTE_DATA);
	uint64_t l3 = table_page((l2 << 12) | PTE_DATA), l4 = table_page((l3 << 12) | PTE_DATA);
	uint64_t l1b = table_page((pt << 12) | PTE_DATA), l2b = table_page((l1b << 12) | PTE_DATA);

	ROW("pin_l1 of an L1 table", ext(MMUEXT_PIN_L1_TABLE, pt, 0, DOMID_SELF), 0);
	ROW("pin_l1 mapping a page table writable", ext(MMUEXT_PIN_L1_TABLE, l1, 0, DOMID_SELF),
	    -EBUSY);
	ROW("pin_l2 over such an L1", ext(MMUEXT_PIN_L2_TABLE, l2, 0, DOMID_SELF), -EBUSY);
	ROW("pin_l3 over such an L1", ext(MMUEXT_PIN_L3_TABLE, l3, 0, DOMID_SELF), -EBUSY);
	ROW("pin_l4 over such an L1", ext(MMUEXT_PIN_L4_TABLE, l4, 0, DOMID_SELF), -EBUSY);
	ROW("new_baseptr over such an L1", ext(MMUEXT_NEW_BASEPTR, l4, 0, DOMID_SELF), -EBUSY);
	ROW("pin_l2 of a pinned L1", ext(MMUEXT_PIN_L2_TABLE, pt, 0, DOMID_SELF), -EINVAL);
	ROW("pin_l1 of a pinned L1", ext(MMUEXT_PIN_L1_TABLE, pt, 0, DOMID_SELF), -EINVAL);
	ROW("mmu_update the L1 entry read-only", mmu(l1 << 12, (pt << 12) | PTE_P | PTE_US | PTE_A,
						      DOMID_SELF), 0);
	ROW("pin_l4 once the entry is read-only", ext(MMUEXT_PIN_L4_TABLE, l4, 0, DOMID_SELF), 0);
	ROW("mmu_update L2 entry to such an L1", mmu((l2 << 12) + 8, (l1b << 12) | PTE_DATA,
						      DOMID_SELF), -EBUSY);
	ROW("mmu_update L3 entry to an L2 over one", mmu((l3 << 12) + 8, (l2b << 12) | PTE_DATA,
							 DOMID_SELF), -EBUSY);
	ROW("mmu_update L1 entry making it writable", mmu(l1 << 12, (pt << 12) | PTE_DATA,
							  DOMID_SELF), -EBUSY);
	ROW("pin_l2 of an L1 in a pinned tree", ext(MMUEXT_PIN_L2_TABLE, l1, 0, DOMID_SELF),
	    -EINVAL);
	ROW("unpin the tree", ext(MMUEXT_UNPIN_TABLE, l4, 0, DOMID_SELF), 0);
	ROW("unpin the L1", ext(MMUEXT_UNPIN_TABLE, pt, 0, DOMID_SELF), 0);
}

int test_main(struct start_info *si)
{
	struct xen_memory_reservation r;
	struct xen_machphys_mfn_list ml;
	struct xen_memory_map mm;
	struct xen_memory_exchange ex;
	struct multicall_entry mc[3];
	uint64_t mfn, l1e, pte, vcpumask = 1;
	domid_t self = DOMID_SELF, none = 999;
	unsigned int cmd, n, i;
	char name[64];

	mm_init(si);
	conform_begin();
	mfn = va_to_mfn((uint64_t)page);
	l1e = l1e_maddr((uint64_t)page);
	pte = *(volatile uint64_t *)(mfn_to_va(l1e >> 12) + (l1e & 0xfff));

	/* memory_op: reservations, without taking or giving a frame */
	memset(&r, 0, sizeof(r));
	r.domid = DOMID_SELF;
	r.extent_start = (uint64_t)frames;
	ROW("memory_op increase_reservation 0 extents",
	    MEM(XENMEM_increase_reservation, &r), 0);
	ROW("memory_op decrease_reservation 0 extents",
	    MEM(XENMEM_decrease_reservation, &r), 0);
	ROW("memory_op populate_physmap 0 extents", MEM(XENMEM_populate_physmap, &r), 0);
	ROW("memory_op increase_reservation bad pointer",
	    MEM(XENMEM_increase_reservation, BADPTR), 0);
	ROW("memory_op decrease_reservation bad pointer",
	    MEM(XENMEM_decrease_reservation, BADPTR), 0);
	ROW("memory_op populate_physmap bad pointer", MEM(XENMEM_populate_physmap, BADPTR), 0);
	r.nr_extents = 1;
	r.extent_start = (uint64_t)BADPTR;
	ROW("memory_op increase_reservation bad extent list",
	    MEM(XENMEM_increase_reservation, &r), 0);
	ROW("memory_op decrease_reservation bad extent list",
	    MEM(XENMEM_decrease_reservation, &r), 0);
	ROW("memory_op populate_physmap bad extent list",
	    MEM(XENMEM_populate_physmap, &r), 0);
	r.extent_start = (uint64_t)frames;
	frames[0] = ~0ULL >> 12;
	ROW("memory_op decrease_reservation frame not ours",
	    MEM(XENMEM_decrease_reservation, &r), 0);
	r.domid = 999;
	ROW("memory_op increase_reservation no such domain",
	    MEM(XENMEM_increase_reservation, &r), 0);
	ROW("memory_op populate_physmap no such domain", MEM(XENMEM_populate_physmap, &r), 0);
	r.domid = DOMID_SELF;
	r.extent_order = 63;
	ROW("memory_op increase_reservation order 63",
	    MEM(XENMEM_increase_reservation, &r), 0);
	ROW("memory_op populate_physmap order 63", MEM(XENMEM_populate_physmap, &r), 0);

	/* memory_op: queries */
	ROW("memory_op maximum_ram_page > 0", MEM(XENMEM_maximum_ram_page, 0) > 0, 1);
	ROW("memory_op current_reservation self > 0",
	    MEM(XENMEM_current_reservation, &self) > 0, 1);
	ROW("memory_op maximum_reservation self > 0",
	    MEM(XENMEM_maximum_reservation, &self) > 0, 1);
	ROW("memory_op maximum_reservation of dom0 built without a max: limit",
	    MEM(XENMEM_maximum_reservation, &self), 0xffffffffL);
	ROW("memory_op maximum_gpfn self", MEM(14, &self), 0);
	ROW("memory_op current_reservation no such domain",
	    MEM(XENMEM_current_reservation, &none), -ESRCH);
	ROW("memory_op maximum_reservation no such domain",
	    MEM(XENMEM_maximum_reservation, &none), -ESRCH);
	ROW("memory_op maximum_gpfn no such domain", MEM(14, &none), -ESRCH);
	ROW("memory_op current_reservation bad pointer",
	    MEM(XENMEM_current_reservation, BADPTR), -EFAULT);
	ROW("memory_op maximum_gpfn bad pointer", MEM(14, BADPTR), -EFAULT);
	memset(&ml, 0, sizeof(ml));
	ml.extent_start = (uint64_t)frames;
	ROW("memory_op machphys_mfn_list 0 extents", MEM(XENMEM_machphys_mfn_list, &ml), 0);
	ml.max_extents = 16;
	ROW("memory_op machphys_mfn_list 16 extents", MEM(XENMEM_machphys_mfn_list, &ml), 0);
	ROW("memory_op machphys_mfn_list bad pointer", MEM(XENMEM_machphys_mfn_list, BADPTR), -EFAULT);
	ml.extent_start = (uint64_t)BADPTR;
	ROW("memory_op machphys_mfn_list bad extent list",
	    MEM(XENMEM_machphys_mfn_list, &ml), -EFAULT);
	ml.extent_start = (uint64_t)frames;
	ROW("memory_op machphys_compat_mfn_list", MEM(25, &ml), -EOPNOTSUPP);
	ROW("memory_op machphys_mapping", MEM(XENMEM_machphys_mapping, page), 0);
	ROW("memory_op machphys_mapping bad pointer", MEM(XENMEM_machphys_mapping, BADPTR), -EFAULT);
	mm.nr_entries = 64;
	mm.buffer = (uint64_t)map;
	ROW("memory_op memory_map", MEM(XENMEM_memory_map, &mm), -ENOSYS);
	ROW("memory_op memory_map bad pointer", MEM(XENMEM_memory_map, BADPTR), -EFAULT);
	mm.nr_entries = 64;
	mm.buffer = (uint64_t)BADPTR;
	ROW("memory_op memory_map bad buffer", MEM(XENMEM_memory_map, &mm), -ENOSYS);
	mm.nr_entries = 64;
	mm.buffer = (uint64_t)map;
	ROW("memory_op machine_memory_map", MEM(XENMEM_machine_memory_map, &mm), 0);
	n = mm.nr_entries;
	for (i = 0; i < n && i < 64; i++)	/* to compare the maps by eye (the HyperTransport window) */
		printf("machine map %u: %#llx +%#llx type %u\n", i, (unsigned long long)map[i].addr,
		       (unsigned long long)map[i].size, map[i].type);
	/*
	 * Xen 4.17 reports the MMIO dom0 may not map, and the IO-APIC's page,
	 * as reserved entries in the machine map's holes (QEMU's map has
	 * holes at both): Linux keeps them out of its PCI windows.
	 */
	ROW("memory_op machine_memory_map: the IO-APIC page reserved",
	    has_entry(n, 0xfec00000ULL, 0x1000, 2), 1);
	ROW("memory_op machine_memory_map: the MSI range reserved",
	    has_entry(n, 0xfee00000ULL, 0x100000, 2), 1);
	mm.buffer = 0;
	mm.nr_entries = 0;
	ROW("memory_op machine_memory_map count (no buffer)", MEM(XENMEM_machine_memory_map, &mm), 0);
	ROW("memory_op machine_memory_map count: the entries written", mm.nr_entries, n);
	mm.buffer = (uint64_t)map;
	mm.nr_entries = n;
	ROW("memory_op machine_memory_map, room for the entries only",
	    MEM(XENMEM_machine_memory_map, &mm), -EINVAL);
	mm.nr_entries = n + 1;
	ROW("memory_op machine_memory_map, room for one more", MEM(XENMEM_machine_memory_map, &mm), 0);
	mm.nr_entries = 0;
	ROW("memory_op machine_memory_map 0 entries", MEM(XENMEM_machine_memory_map, &mm), -EINVAL);
	ROW("memory_op machine_memory_map bad pointer",
	    MEM(XENMEM_machine_memory_map, BADPTR), -EFAULT);

	/* memory_op: exchange with nothing to exchange */
	memset(&ex, 0, sizeof(ex));
	ex.in.domid = ex.out.domid = DOMID_SELF;
	ROW("memory_op exchange 0 extents", MEM(XENMEM_exchange, &ex), 0);
	ROW("memory_op exchange bad pointer", MEM(XENMEM_exchange, BADPTR), -EFAULT);
	ex.in.nr_extents = 1;
	ex.out.nr_extents = 2;
	ex.in.extent_start = ex.out.extent_start = (uint64_t)frames;
	ROW("memory_op exchange unbalanced", MEM(XENMEM_exchange, &ex), -EINVAL);
	ex.out.nr_extents = 1;
	ex.in.domid = 999;
	ROW("memory_op exchange other domain", MEM(XENMEM_exchange, &ex), -EINVAL);
	ex.in.domid = 999;
	ex.out.domid = 999;
	ROW("memory_op exchange no such domain", MEM(XENMEM_exchange, &ex), -ESRCH);
	ex.in.domid = ex.out.domid = DOMID_SELF;
	ex.nr_exchanged = 1;
	ROW("memory_op exchange all exchanged already", MEM(XENMEM_exchange, &ex), 0);
	ex.nr_exchanged = 2;
	ROW("memory_op exchange more exchanged than given", MEM(XENMEM_exchange, &ex), -EINVAL);
	ROW("memory_op exchange, start extent 1", MEM((1 << 6) | XENMEM_exchange, &ex), -EINVAL);

	/* memory_op: the HVM, paging, sharing and toolstack commands */
	memset(page2, 0, sizeof(page2));
	ROW("memory_op add_to_physmap zeroed", MEM(7, page2), -EACCES);
	ROW("memory_op add_to_physmap bad pointer", MEM(7, BADPTR), -EFAULT);
	ROW("memory_op add_to_physmap, start extent 0x10000",
	    MEM((0x10000 << 6) | 7, page2), -EDOM);
	page2[4] = 4;		/* space: gmfn_foreign */
	ROW("memory_op add_to_physmap gmfn_foreign", MEM(7, page2), -ENOSYS);
	page2[4] = 0;
	page2[0] = 0xe7;	/* domid 999 */
	page2[1] = 0x03;
	ROW("memory_op add_to_physmap no such domain", MEM(7, page2), -ESRCH);
	ROW("memory_op remove_from_physmap no such domain", MEM(15, page2), -ESRCH);
	page2[0] = page2[1] = 0;
	ROW("memory_op current_reservation, start extent 1",
	    MEM((1 << 6) | XENMEM_current_reservation, &self), -EINVAL);
	ROW("memory_op set_memory_map zeroed", MEM(13, page2), 0);
	ROW("memory_op remove_from_physmap zeroed", MEM(15, page2), -EACCES);
	ROW("memory_op set_pod_target zeroed", MEM(16, page2), -EINVAL);
	ROW("memory_op get_pod_target zeroed", MEM(17, page2), -EINVAL);
	ROW("memory_op get_sharing_freed_pages", MEM(18, 0), 0);
	ROW("memory_op get_sharing_shared_pages", MEM(19, 0), 0);
	ROW("memory_op paging_op zeroed", MEM(20, page2), -ENOSYS);
	ROW("memory_op access_op zeroed", MEM(21, page2), -EPERM);
	ROW("memory_op sharing_op zeroed", MEM(22, page2), -ENOSYS);
	ROW("memory_op add_to_physmap_batch zeroed", MEM(23, page2), -EACCES);
	ROW("memory_op claim_pages zeroed", MEM(24, page2), 0);
	ROW("memory_op get_vnumainfo zeroed", MEM(26, page2), -EOPNOTSUPP);
	ROW("memory_op reserved_device_memory_map zeroed", MEM(27, page2), 0);
	ROW("memory_op acquire_resource zeroed", MEM(28, page2), -EPERM);
	for (cmd = 29; cmd <= 33; cmd++) {
		snprintf(name, sizeof(name), "memory_op %u", cmd);
		ROW(name, MEM(cmd, page2), -ENOSYS);
	}
	ROW("memory_op 8", MEM(8, page2), -ENOSYS);
	ROW("memory_op 63", MEM(63, page2), -ENOSYS);
	ROW("memory_op maximum_ram_page, start extent 1",
	    MEM((1 << 6) | XENMEM_maximum_ram_page, 0), -EINVAL);
	ROW("memory_op machphys_mapping, start extent 1",
	    MEM((1 << 6) | XENMEM_machphys_mapping, page), -ENOSYS);

	/* mmu_update */
	ROW("mmu_update 0 requests", hypercall5(__HYPERVISOR_mmu_update, (uint64_t)page, 0, 0,
						 DOMID_SELF, 0), 0);
	ROW("mmu_update bad list", hypercall5(__HYPERVISOR_mmu_update, (uint64_t)BADPTR, 1, 0,
					      DOMID_SELF, 0), -EFAULT);
	ROW("mmu_update same PTE", mmu(l1e, pte, DOMID_SELF), 0);
	ROW("mmu_update same PTE preserve_ad", mmu(l1e | MMU_PT_UPDATE_PRESERVE_AD, pte,
						   DOMID_SELF), 0);
	ROW("mmu_update same PTE no_translate", mmu(l1e | MMU_PT_UPDATE_NO_TRANSLATE, pte,
						   DOMID_SELF), 0);
	ROW("mmu_update not a page table", mmu(mfn << 12, 0, DOMID_SELF), 0);
	ROW("mmu_update bad frame", mmu((~0ULL >> 12) << 12, 0, DOMID_SELF), -EINVAL);
	ROW("mmu_update frame beyond RAM", mmu(0xfee00000ULL, 0, DOMID_SELF), -EINVAL);
	ROW("mmu_update machphys_update own frame",
	    mmu((mfn << 12) | MMU_MACHPHYS_UPDATE, ((uint64_t)page - GUEST_VIRT_BASE) >> 12,
		DOMID_SELF), 0);
	ROW("mmu_update machphys_update bad frame",
	    mmu(((~0ULL >> 12) << 12) | MMU_MACHPHYS_UPDATE, 0, DOMID_SELF), -EINVAL);
	/* dom_io holds the first MiB: its M2P entries (the same value back). */
	ROW("mmu_update machphys_update of an I/O frame under DOMID_IO",
	    mmu((0xb8ULL << 12) | MMU_MACHPHYS_UPDATE,
		((uint64_t *)MACH2PHYS_VIRT_START)[0xb8], DOMID_IO), 0);
	ROW("mmu_update machphys_update of own frame under DOMID_IO",
	    mmu((mfn << 12) | MMU_MACHPHYS_UPDATE, 0, DOMID_IO), -EINVAL);
	ROW("mmu_update no such foreigndom", mmu(l1e, pte, 999), -ESRCH);
	ROW("mmu_update foreigndom own id", mmu(l1e, pte, 0), -ESRCH);
	ROW("mmu_update same PTE, bad done pointer",
	    hypercall5(__HYPERVISOR_mmu_update, (uint64_t)&(struct mmu_update){ l1e, pte }, 1,
		       (uint64_t)BADPTR, DOMID_SELF, 0), 0);
	ROW("mmuext_op tlb_flush_local, bad done pointer",
	    hypercall5(__HYPERVISOR_mmuext_op,
		       (uint64_t)&(struct mmuext_op){ MMUEXT_TLB_FLUSH_LOCAL, 0, { 0 }, { 0 } }, 1,
		       (uint64_t)BADPTR, DOMID_SELF, 0), 0);
	ROW("mmuext_op foreigndom own id", ext(MMUEXT_TLB_FLUSH_LOCAL, 0, 0, 0), -ESRCH);

	/* mmuext_op */
	ROW("mmuext_op 0 ops", hypercall5(__HYPERVISOR_mmuext_op, (uint64_t)page, 0, 0,
					  DOMID_SELF, 0), 0);
	ROW("mmuext_op bad list", hypercall5(__HYPERVISOR_mmuext_op, (uint64_t)BADPTR, 1, 0,
					     DOMID_SELF, 0), -EFAULT);
	ROW("mmuext_op pin_l1 writable page", ext(MMUEXT_PIN_L1_TABLE, mfn, 0, DOMID_SELF), -EINVAL);
	ROW("mmuext_op pin_l2 writable page", ext(MMUEXT_PIN_L2_TABLE, mfn, 0, DOMID_SELF), -EINVAL);
	ROW("mmuext_op pin_l3 writable page", ext(MMUEXT_PIN_L3_TABLE, mfn, 0, DOMID_SELF), -EINVAL);
	ROW("mmuext_op pin_l4 writable page", ext(MMUEXT_PIN_L4_TABLE, mfn, 0, DOMID_SELF), -EINVAL);
	ROW("mmuext_op pin_l4 bad frame",
	    ext(MMUEXT_PIN_L4_TABLE, ~0ULL >> 12, 0, DOMID_SELF), -EINVAL);
	ROW("mmuext_op unpin not pinned", ext(MMUEXT_UNPIN_TABLE, mfn, 0, DOMID_SELF), -EINVAL);
	ROW("mmuext_op new_baseptr writable page", ext(MMUEXT_NEW_BASEPTR, mfn, 0, DOMID_SELF), -EINVAL);
	ROW("mmuext_op tlb_flush_local", ext(MMUEXT_TLB_FLUSH_LOCAL, 0, 0, DOMID_SELF), 0);
	ROW("mmuext_op invlpg_local", ext(MMUEXT_INVLPG_LOCAL, (uint64_t)page, 0, DOMID_SELF), 0);
	ROW("mmuext_op invlpg_local non-canonical",
	    ext(MMUEXT_INVLPG_LOCAL, (uint64_t)NCPTR, 0, DOMID_SELF), 0);
	ROW("mmuext_op invlpg_all non-canonical",
	    ext(MMUEXT_INVLPG_ALL, (uint64_t)NCPTR, 0, DOMID_SELF), 0);
	ROW("mmuext_op tlb_flush_multi", ext(MMUEXT_TLB_FLUSH_MULTI, 0, (uint64_t)&vcpumask,
					     DOMID_SELF), 0);
	ROW("mmuext_op tlb_flush_multi bad mask",
	    ext(MMUEXT_TLB_FLUSH_MULTI, 0, (uint64_t)BADPTR, DOMID_SELF), -EINVAL);
	ROW("mmuext_op invlpg_multi bad mask",
	    ext(MMUEXT_INVLPG_MULTI, (uint64_t)page, (uint64_t)BADPTR, DOMID_SELF), -EINVAL);
	ROW("mmuext_op invlpg_multi", ext(MMUEXT_INVLPG_MULTI, (uint64_t)page,
					  (uint64_t)&vcpumask, DOMID_SELF), 0);
	ROW("mmuext_op tlb_flush_all", ext(MMUEXT_TLB_FLUSH_ALL, 0, 0, DOMID_SELF), 0);
	ROW("mmuext_op invlpg_all", ext(MMUEXT_INVLPG_ALL, (uint64_t)page, 0, DOMID_SELF), 0);
	ROW("mmuext_op flush_cache", ext(MMUEXT_FLUSH_CACHE, 0, 0, DOMID_SELF), 0);
	ROW("mmuext_op flush_cache_global", ext(MMUEXT_FLUSH_CACHE_GLOBAL, 0, 0, DOMID_SELF), 0);
	ROW("mmuext_op set_ldt none", ext(MMUEXT_SET_LDT, 0, 0, DOMID_SELF), 0);
	ROW("mmuext_op set_ldt misaligned", ext(MMUEXT_SET_LDT, (uint64_t)page + 8, 1,
						DOMID_SELF), -EINVAL);
	ROW("mmuext_op set_ldt 8193 entries", ext(MMUEXT_SET_LDT, (uint64_t)page, 8193,
						  DOMID_SELF), -EINVAL);
	ROW("mmuext_op set_ldt hypervisor address",
	    ext(MMUEXT_SET_LDT, 0xffff800000000000ULL, 1, DOMID_SELF), -EINVAL);
	ROW("mmuext_op set_ldt none again", ext(MMUEXT_SET_LDT, 0, 0, DOMID_SELF), 0);
	ROW("mmuext_op new_user_baseptr 0", ext(MMUEXT_NEW_USER_BASEPTR, 0, 0, DOMID_SELF), 0);
	ROW("mmuext_op new_user_baseptr writable page",
	    ext(MMUEXT_NEW_USER_BASEPTR, mfn, 0, DOMID_SELF), -EINVAL);
	ROW("mmuext_op clear_page", ext(MMUEXT_CLEAR_PAGE, va_to_mfn((uint64_t)page2), 0,
					DOMID_SELF), 0);
	ROW("mmuext_op clear_page bad frame", ext(MMUEXT_CLEAR_PAGE, ~0ULL >> 12, 0,
						  DOMID_SELF), -EINVAL);
	ROW("mmuext_op copy_page", ext(MMUEXT_COPY_PAGE, va_to_mfn((uint64_t)page2), mfn,
				       DOMID_SELF), 0);
	ROW("mmuext_op copy_page bad source", ext(MMUEXT_COPY_PAGE, va_to_mfn((uint64_t)page2),
						  ~0ULL >> 12, DOMID_SELF), -EINVAL);
	ROW("mmuext_op 14", ext(14, 0, 0, DOMID_SELF), -ENOSYS);
	ROW("mmuext_op mark_super", ext(19, mfn, 0, DOMID_SELF), -EOPNOTSUPP);
	ROW("mmuext_op unmark_super", ext(20, mfn, 0, DOMID_SELF), -EOPNOTSUPP);
	ROW("mmuext_op 21", ext(21, 0, 0, DOMID_SELF), -ENOSYS);
	ROW("mmuext_op 99", ext(99, 0, 0, DOMID_SELF), -ENOSYS);
	ROW("mmuext_op no such foreigndom", ext(MMUEXT_TLB_FLUSH_LOCAL, 0, 0, 999), -ESRCH);

	/* update_va_mapping */
	ROW("update_va_mapping same PTE", NCALL(__HYPERVISOR_update_va_mapping,
						 page, pte, UVMF_INVLPG), 0);
	ROW("update_va_mapping same PTE flush all",
	    NCALL(__HYPERVISOR_update_va_mapping, page, pte, UVMF_TLB_FLUSH | UVMF_ALL), 0);
	ROW("update_va_mapping same PTE mask",
	    NCALL(__HYPERVISOR_update_va_mapping, page, pte, UVMF_INVLPG | (uint64_t)&vcpumask), 0);
	ROW("update_va_mapping same PTE bad mask",
	    NCALL(__HYPERVISOR_update_va_mapping, page, pte,
		  UVMF_INVLPG | 0xffff800000001000ULL), -EFAULT);
	ROW("update_va_mapping same PTE flush all, bad mask",
	    NCALL(__HYPERVISOR_update_va_mapping, page, pte,
		  UVMF_TLB_FLUSH | 0xffff800000001000ULL), -EFAULT);
	ROW("update_va_mapping same PTE flush type 3, bad mask",
	    NCALL(__HYPERVISOR_update_va_mapping, page, pte, 3 | 0xffff800000001000ULL), 0);
	ROW("update_va_mapping flush type 3",
	    NCALL(__HYPERVISOR_update_va_mapping, page, pte, 3), 0);
	ROW("update_va_mapping non-canonical",
	    NCALL(__HYPERVISOR_update_va_mapping, NCPTR, 0, 0), -EINVAL);
	ROW("update_va_mapping hypervisor address",
	    NCALL(__HYPERVISOR_update_va_mapping, 0xffff800000000000ULL, 0, 0), -EINVAL);
	ROW("update_va_mapping bad frame",
	    NCALL(__HYPERVISOR_update_va_mapping, page,
		  ((~0ULL >> 24) << 12) | PTE_P | PTE_RW, UVMF_INVLPG), -EINVAL);
	ROW("update_va_mapping reserved bit",
	    NCALL(__HYPERVISOR_update_va_mapping, page, pte | (1ULL << 51), UVMF_INVLPG), -EPERM);
	ROW("update_va_mapping_otherdomain self",
	    hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, (uint64_t)page, pte,
		       UVMF_INVLPG, DOMID_SELF, 0), 0);
	ROW("update_va_mapping_otherdomain dom0",
	    hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, (uint64_t)page, pte,
		       UVMF_INVLPG, 0, 0), -ESRCH);
	ROW("update_va_mapping_otherdomain no such domain",
	    hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, (uint64_t)page, pte,
		       UVMF_INVLPG, 999, 0), -ESRCH);

	/*
	 * The bits the hypervisor adds to an L1 entry it takes (Xen 4.17's
	 * adjust_guest_l1e), read back: a user entry made global, a kernel
	 * one (no US asked) made user with bit 52 (_PAGE_GUEST_KERNEL), a G
	 * asked on a kernel entry kept. Lamina stored no G until 7 Dec.
	 */
	ROW("update_va_mapping user entry", NCALL(__HYPERVISOR_update_va_mapping, page,
						   (pte & PTE_ADDR) | PTE_DATA, UVMF_INVLPG), 0);
	ROW("its entry read back: US and G, no bit 52",
	    l1e_of((uint64_t)page) & (PTE_US | PTE_G | PTE_GUEST_KERNEL), PTE_US | PTE_G);
	ROW("update_va_mapping kernel entry",
	    NCALL(__HYPERVISOR_update_va_mapping, page, (pte & PTE_ADDR) | (PTE_DATA & ~PTE_US),
		  UVMF_INVLPG), 0);
	ROW("its entry read back: US and bit 52, no G",
	    l1e_of((uint64_t)page) & (PTE_US | PTE_G | PTE_GUEST_KERNEL),
	    PTE_US | PTE_GUEST_KERNEL);
	ROW("update_va_mapping kernel entry asking G",
	    NCALL(__HYPERVISOR_update_va_mapping, page,
		  (pte & PTE_ADDR) | (PTE_DATA & ~PTE_US) | PTE_G, UVMF_INVLPG), 0);
	ROW("its entry read back: US, bit 52 and G",
	    l1e_of((uint64_t)page) & (PTE_US | PTE_G | PTE_GUEST_KERNEL),
	    PTE_US | PTE_G | PTE_GUEST_KERNEL);
	ROW("update_va_mapping back to the first PTE",
	    NCALL(__HYPERVISOR_update_va_mapping, page, pte, UVMF_INVLPG), 0);

	/* multicall */
	ROW("multicall 0 entries", NCALL(__HYPERVISOR_multicall, mc, 0, 0), 0);
	ROW("multicall bad list", NCALL(__HYPERVISOR_multicall, BADPTR, 1, 0), -EFAULT);
	memset(mc, 0, sizeof(mc));
	mc[0].op = __HYPERVISOR_xen_version;
	mc[1].op = 99;
	mc[2].op = __HYPERVISOR_multicall;
	mc[2].args[0] = (uint64_t)mc;
	mc[2].args[1] = 1;
	ROW("multicall 3 entries", NCALL(__HYPERVISOR_multicall, mc, 3, 0), 0);
	ROW("multicall entry xen_version", mc[0].result, 0x40011);
	ROW("multicall entry 99", mc[1].result, -ENOSYS);
	ROW("multicall entry nested multicall", mc[2].result, -EINVAL);
	mc[0].op = __HYPERVISOR_update_va_mapping;
	mc[0].args[0] = (uint64_t)page;
	mc[0].args[1] = pte;
	mc[0].args[2] = UVMF_INVLPG;
	ROW("multicall update_va_mapping", NCALL(__HYPERVISOR_multicall, mc, 1, 0), 0);
	ROW("multicall entry update_va_mapping", mc[0].result, 0);
	mc[0].op = 1ULL << 32 | __HYPERVISOR_xen_version;
	ROW("multicall op above 32 bits", NCALL(__HYPERVISOR_multicall, mc, 1, 0), 0);
	ROW("multicall entry op above 32 bits", mc[0].result, -ENOSYS);

	writable_table_rows();
	return conform_end("memory hypercall");
}
