// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hypervisor's own memory: the frame allocator's view of RAM, its page
 * tables, and the machine-to-phys table.
 *
 * idle_l4 is the hypervisor's L4 and the template for slots 256-271 of
 * every guest L4: those slots point at the same L3 pages, so anything the
 * hypervisor maps later appears in every address space at once. Only
 * slot 256 (the M2P) is user-accessible, read-only; the rest is
 * supervisor-only, and with SMEP/SMAP the hypervisor neither executes nor
 * silently touches guest (user) pages.
 */
#include <hv/lib.h>
#include <hv/hypervisor.h>
#include <hv/page_alloc.h>
#include <hv/mm.h>
#include <hv/domain.h>
#include <asm/pv.h>
#include <asm/page.h>
#include <asm/irq.h>
#include <asm/x86.h>
#include <hv/flushtlb.h>
#include <hv/smp.h>
#include <hv/spinlock.h>
#include <hv/time.h>
#include <lamina/xen_x86_64.h>

#define MAX_FRAMES	(64ULL << 18)	/* 64 GiB of machine memory */
#define BOOT_MAPPED	(1ULL << 30)	/* the boot tables map the first GiB */
#define MSR_APIC_BASE	0x1B

pte_t idle_l4[512] __aligned(4096);
static mfn_t lapic_mfn;		/* the local APIC's registers, which we drive */
uint64_t max_ram_mfn;
struct frame_pool machine_frames;
static uint64_t frame_bitmap[MAX_FRAMES / 64];
static uint64_t frame_dirty[MAX_FRAMES / 64];
uint64_t *m2p;			/* RW view of the M2P (direct map) */

extern char _image_start[], _end[];

/*
 * A frame a domain gave up may still be reachable through a translation
 * some CPU cached before its last mapping went: free_frame stamps it
 * (hv/flushtlb.h), and it is handed out again (to us or to any domain)
 * only after every CPU that may still hold such a translation, one that
 * has loaded CR3 no later than the stamp, has flushed, here if need be.
 * Frames only we used carry no stamp. The newest stamp of several frames
 * (count) decides for all (take_frames reads a run's on its own pass).
 */
static uint64_t frames_stamp(const mfn_t *list, uint64_t count)
{
	uint64_t i, when = 0, t;

	for (i = 0; frame_table && i < count; i++) {
		t = tlbflush_frame_time(&frame_table[list[i]].tlbflush_stamp);
		if (t > when)
			when = t;
	}
	return when;
}

/* Frames now used by the hypervisor: owner DOMID_XEN, one reference. */
static void claim(mfn_t mfn, uint64_t count)
{
	uint64_t i;

	for (i = 0; frame_table && i < count; i++) {
		frame_table[mfn + i].owner = DOMID_XEN;
		frame_table[mfn + i].count = 1;
	}
}

static void zero_frame(mfn_t mfn)
{
	memset(mfn_to_virt(mfn), 0, PAGE_SIZE);
}

/*
 * Frames just allocated: claimed as claim() does, and every one not known
 * zero zeroed, after the TLBs that may still hold a stale translation of
 * one were flushed (no stale translation may write it afterwards), so no
 * frame reaches anyone with another's old contents. Frames an idle CPU
 * scrubbed since they were freed are handed out as they are. One pass
 * over the frame table (stamps read, the claim written), then the dirty
 * frames zeroed: dirty has their bits when the allocation took them
 * (frame_pool_alloc_below, at most TAKE_CHUNK frames), else they
 * are taken TAKE_CHUNK frames at a time (until session 32: the stamps,
 * the dirty bit under the pool's lock, the claim, a pass each, the lock
 * taken per frame).
 */
#define TAKE_CHUNK	FRAME_POOL_DIRTY_MAX

static void take_frames(mfn_t mfn, uint64_t count, const uint64_t *dirty)
{
	uint64_t when = 0, t, done, n, w, bits, chunk[TAKE_CHUNK / 64];
	struct page_info *pg = frame_table ? &frame_table[mfn] : NULL;
	struct page_info *end = frame_table ? &frame_table[mfn + count] : NULL;
	/* Read after every stamp: each was set before its frame was freed into the pool. */
	uint64_t clock = __atomic_load_n(&tlbflush_clock, __ATOMIC_ACQUIRE);

	/* Claimed before the zeroing: no domain may map a DOMID_XEN frame. */
	for (; pg < end; pg++) {
		t = tlbflush_stamp_time(__atomic_load_n(&pg->tlbflush_stamp, __ATOMIC_ACQUIRE), clock);
		if (t > when)
			when = t;
		pg->owner = DOMID_XEN;
		pg->count = 1;
	}
	flush_tlb_since(when);
	for (done = 0; done < count; done += n) {
		const uint64_t *d = dirty;	/* given only for count <= TAKE_CHUNK */

		n = MIN(count - done, TAKE_CHUNK);
		if (!d) {
			if (!frame_pool_take_dirty(&machine_frames, mfn + done, n, chunk))
				continue;
			d = chunk;
		}
		for (w = 0; w < DIV_ROUND_UP(n, 64); w++)
			for (bits = d[w]; bits; bits &= bits - 1)
				zero_frame(mfn + done + w * 64 + __builtin_ctzll(bits));
	}
}

/*
 * An idle CPU's share of the scrubbing (issue 17; Xen also zeroes freed
 * memory in idle time): a batch of free dirty frames is zeroed ahead of
 * the allocation that would otherwise zero them. The batch is taken out
 * of the pool and zeroed without the heap lock and with interrupts on,
 * so neither another CPU's allocation nor this CPU's interrupts wait for
 * it. A frame freed since the last flush may still be reachable through
 * a stale translation (see frames_stamp): the TLBs are flushed first.
 *
 * A CPU zeroes one batch, then at most one a SCRUB_GAP_NS later (a timer
 * wakes it): an idle CPU that kept running would take QEMU's -icount
 * time from the others (its vCPUs run in turn, each for a slice computed
 * before the others set their timers: dom0's ticks came up to 458 ms late
 * in console-flood while CPU 1 zeroed all boot RAM in one go).
 */
#define SCRUB_BATCH	32
#define SCRUB_GAP_NS	1000000ULL

static struct {
	uint64_t next;		/* no batch before (now_ns) */
	struct timer wake;
	bool zeroing;		/* a batch is out of the pool */
} scrub_cpu[MAX_CPUS];

static void scrub_wake(void *unused)
{
	(void)unused;		/* the interrupt ended the idle CPU's hlt */
}

bool scrub_free_frames(void)
{
	unsigned int i, n, cpu = smp_processor_id();
	mfn_t batch[SCRUB_BATCH];
	uint64_t now;

	if (!__atomic_load_n(&machine_frames.nr_dirty, __ATOMIC_RELAXED))
		return false;
	now = now_ns();
	if (now < scrub_cpu[cpu].next) {
		if (!scrub_cpu[cpu].wake.fn)
			timer_init(&scrub_cpu[cpu].wake, scrub_wake, NULL);	/* on this CPU */
		set_timer(&scrub_cpu[cpu].wake, scrub_cpu[cpu].next);
		return false;
	}
	n = frame_pool_claim_dirty(&machine_frames, batch, SCRUB_BATCH);
	if (!n)
		return false;
	flush_tlb_since(frames_stamp(batch, n));
	scrub_cpu[cpu].zeroing = true;
	asm volatile("sti" ::: "memory");
	for (i = 0; i < n; i++)
		zero_frame(batch[i]);
	asm volatile("cli" ::: "memory");
	scrub_cpu[cpu].zeroing = false;
	frame_pool_release_zeroed(&machine_frames, batch, n);
	scrub_cpu[cpu].next = now_ns() + SCRUB_GAP_NS;
	return true;
}

/*
 * Frames a dying domain's destroy has just freed (issue 17): those of list
 * still free and dirty are zeroed now, on the destroy's time (its
 * continuation, or the reaper in idle time), so a create that follows at
 * once is handed clean frames instead of zeroing them itself. Xen marks a
 * dying domain's frames for scrubbing and zeroes them in idle time or
 * when they are allocated; Lamina's idle CPUs zero only a batch a
 * millisecond (above). The frames go through the pool as the idle
 * scrubber's do (claimed, the TLBs flushed if one may still reach them,
 * zeroed, released clean), so none is handed out unzeroed; one another
 * CPU allocated meanwhile is left to its allocation. Interrupts stay as
 * the caller has them. How many were zeroed; list is overwritten.
 */
unsigned int scrub_freed_frames(mfn_t *list, unsigned int n)
{
	unsigned int i, cpu = smp_processor_id();

	n = frame_pool_claim_listed(&machine_frames, list, n);
	if (!n)
		return 0;
	/*
	 * From the claim on, before the flush: an interrupt's allocation
	 * does not wait for us. Callers run with interrupts off (a
	 * hypercall's destroy continuation, the reaper in schedule()), so
	 * none comes before the zeroing ends; the flag says so whatever
	 * the caller (until session 34 it was set after the flush).
	 */
	scrub_cpu[cpu].zeroing = true;
	flush_tlb_since(frames_stamp(list, n));
	for (i = 0; i < n; i++)
		zero_frame(list[i]);
	scrub_cpu[cpu].zeroing = false;
	frame_pool_release_zeroed(&machine_frames, list, n);
	return n;
}

bool scrub_zeroing_here(void)
{
	return scrub_cpu[smp_processor_id()].zeroing;
}

/*
 * How many releases of frames idle CPUs are zeroing an allocation that
 * finds nothing may wait for, one at a time (frame_pool_alloc_below): none
 * while this CPU's own batch is out (an interrupt that allocates), which
 * would wait for itself.
 */
static unsigned int scrub_waits(void)
{
	return scrub_cpu[smp_processor_id()].zeroing ? 0 : 2 * MAX_CPUS;
}

mfn_t alloc_frame(void)
{
	uint64_t dirty;
	mfn_t mfn = frame_pool_alloc_dirty(&machine_frames, &dirty, scrub_waits());

	if (mfn != INVALID_MFN)
		take_frames(mfn, 1, &dirty);
	return mfn;
}

mfn_t alloc_frames_contig(uint64_t count)
{
	return alloc_frames_below(count, 1, ~0ULL);
}

mfn_t alloc_frames_aligned(uint64_t count, uint64_t align)
{
	return alloc_frames_below(count, align, ~0ULL);
}

/*
 * The first free run of count frames aligned to align that ends at or
 * below frame `limit` (~0: anywhere), zeroed; INVALID_MFN if there is
 * none once the frames idle CPUs are zeroing are back.
 */
mfn_t alloc_frames_below(uint64_t count, uint64_t align, uint64_t limit)
{
	uint64_t dirty[TAKE_CHUNK / 64];
	bool small = count <= TAKE_CHUNK;
	mfn_t mfn = frame_pool_alloc_below(&machine_frames, count, align, limit,
					   small ? dirty : NULL, scrub_waits());

	if (mfn != INVALID_MFN)
		take_frames(mfn, count, small ? dirty : NULL);
	return mfn;
}

void free_frame(mfn_t mfn)
{
	struct page_info *pg = &frame_table[mfn];

	BUG_ON(pg->type_count || (pg->count & PGC_count_mask) > 1 || pg->linear);
	/* Guests may still hold a cached translation: see frames_stamp. */
	pg->tlbflush_stamp = pg->owner == DOMID_XEN ? 0 : tlbflush_stamp_new();
	pg->owner = DOMID_INVALID;
	__atomic_store_n(&pg->count, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&pg->type_info, 0, __ATOMIC_RELEASE);	/* PGT_none, no flags */
	BUG_ON(frame_pool_free(&machine_frames, mfn));
}

void free_frames(mfn_t first, uint64_t count)
{
	while (count--)
		free_frame(first++);
}

void *frame_va(mfn_t mfn)
{
	return mfn_to_virt(mfn);
}

/*
 * A validated guest L4 gets the hypervisor's slots but the M2P's: the
 * read-only M2P is put in an L4 when it becomes a kernel base, and taken
 * out of one that becomes a user base under VMASST_TYPE_m2p_strict
 * (mm_m2p_slot), so guest user mode does not read machine frame numbers,
 * as Xen 4.17 (init_xen_l4_slots, fill_ro_mpt, zap_ro_mpt;
 * guest/attack-m2p-strict).
 */
void pt_fill_hypervisor_slots(uint64_t *l4)
{
	mm_copy_hypervisor_slots(l4);
	l4[L4_SLOT_M2P] = 0;
}

void mm_m2p_slot(mfn_t l4, bool present)
{
	((pte_t *)frame_va(l4))[L4_SLOT_M2P] = present ? idle_l4[L4_SLOT_M2P] : 0;
}

/*
 * The frame table, after the allocator: free RAM is DOMID_INVALID, RAM the
 * allocator holds back (image, modules) is DOMID_XEN, everything else
 * (the first MiB, holes, firmware ranges) is DOMID_IO, which only a
 * privileged domain may map.
 */
static void frame_table_init(void)
{
	uint64_t pages = DIV_ROUND_UP(max_ram_mfn * sizeof(struct page_info), PAGE_SIZE);
	mfn_t base = frame_pool_alloc_contig(&machine_frames, pages, 1);
	uint64_t mfn;
	unsigned int i;

	if (base == INVALID_MFN)
		panic("mm: no memory for the frame table");
	frame_table = mfn_to_virt(base);
	frame_table_size = max_ram_mfn;
	for (mfn = 0; mfn < max_ram_mfn; mfn++) {
		frame_table[mfn] = (struct page_info){ .owner = DOMID_IO };
	}
	for (i = 0; i < boot_info.nr_regions; i++) {
		const struct mem_region *r = &boot_info.regions[i];

		if (r->type != 1)
			continue;
		for (mfn = DIV_ROUND_UP(r->start, PAGE_SIZE);
		     mfn < (r->start + r->size) >> PAGE_SHIFT && mfn < max_ram_mfn; mfn++) {
			bool free = frame_pool_is_free(&machine_frames, mfn);

			frame_table[mfn].owner = free ? DOMID_INVALID : DOMID_XEN;
			frame_table[mfn].count = free ? 0 : 1;
		}
	}
	for (mfn = 0; mfn < 256; mfn++)
		frame_table[mfn] = (struct page_info){ .owner = DOMID_IO };
	claim(base, pages);
}

/*
 * Before the direct map exists, page-table pages come from the first GiB,
 * which the boot tables map at HV_IMAGE_BASE.
 */
static pte_t *early_table(mfn_t *mfn_out)
{
	mfn_t mfn = frame_pool_alloc(&machine_frames);
	pte_t *t;

	if (mfn == INVALID_MFN || (mfn << PAGE_SHIFT) >= BOOT_MAPPED)
		panic("mm: no low memory for page tables");
	t = (pte_t *)(HV_IMAGE_BASE + (mfn << PAGE_SHIFT));
	memset(t, 0, PAGE_SIZE);
	*mfn_out = mfn;
	return t;
}

static pte_t *early_next(pte_t *table, unsigned int idx, uint64_t flags)
{
	mfn_t mfn;

	if (!(table[idx] & _PAGE_PRESENT)) {
		pte_t *t = early_table(&mfn);

		table[idx] = mk_pte(mfn, flags);
		return t;
	}
	return (pte_t *)(HV_IMAGE_BASE + (table[idx] & PTE_ADDR_MASK));
}

/* Maps [pa, pa + len) at va with 2 MiB pages; everything 2 MiB aligned. */
static void map_2m(uint64_t va, paddr_t pa, uint64_t len, uint64_t flags)
{
	uint64_t off;

	for (off = 0; off < len; off += 2ULL << 20) {
		pte_t *l3 = early_next(idle_l4, L4_INDEX(va + off), _PAGE_PRESENT | _PAGE_RW);
		pte_t *l2 = early_next(l3, L3_INDEX(va + off), _PAGE_PRESENT | _PAGE_RW);

		l2[L2_INDEX(va + off)] = (pa + off) | flags | _PAGE_PSE | _PAGE_PRESENT;
	}
}

static void pool_init(void)
{
	uint64_t top = 0;
	unsigned int i;

	for (i = 0; i < boot_info.nr_regions; i++) {
		const struct mem_region *r = &boot_info.regions[i];

		if (r->type == 1)
			top = MAX(top, r->start + r->size);
	}
	max_ram_mfn = MIN(top >> PAGE_SHIFT, MAX_FRAMES);
	if (top >> PAGE_SHIFT > MAX_FRAMES)
		pr_warn("mm: only the first %llu GiB of RAM are used\n",
			(unsigned long long)(MAX_FRAMES >> 18));
	frame_pool_init(&machine_frames, frame_bitmap, max_ram_mfn);
	/* Nothing says RAM is zero at boot: every frame starts dirty. */
	frame_pool_track_dirty(&machine_frames, frame_dirty);
	for (i = 0; i < boot_info.nr_regions; i++) {
		const struct mem_region *r = &boot_info.regions[i];

		if (r->type == 1)
			frame_pool_add(&machine_frames, DIV_ROUND_UP(r->start, PAGE_SIZE),
				       ALIGN_DOWN(r->start + r->size, PAGE_SIZE) / PAGE_SIZE -
				       DIV_ROUND_UP(r->start, PAGE_SIZE));
	}
	/* Not ours to hand out: the first MiB, the image, the modules. */
	frame_pool_reserve(&machine_frames, 0, 256);
	frame_pool_reserve(&machine_frames, (uint64_t)(_image_start - HV_IMAGE_BASE) >> PAGE_SHIFT,
			   DIV_ROUND_UP((uint64_t)(_end - _image_start), PAGE_SIZE));
	for (i = 0; i < boot_info.nr_modules; i++) {
		const struct boot_module *m = &boot_info.modules[i];

		frame_pool_reserve(&machine_frames, m->start >> PAGE_SHIFT,
				   DIV_ROUND_UP(m->start + m->size, PAGE_SIZE) - (m->start >> PAGE_SHIFT));
	}
}

/* The highest address the direct map must cover: RAM and ACPI tables. */
static uint64_t directmap_top(void)
{
	uint64_t top = 0;
	unsigned int i;

	for (i = 0; i < boot_info.nr_regions; i++) {
		const struct mem_region *r = &boot_info.regions[i];

		if (r->type == 1 || r->type == 3 || r->type == 4)
			top = MAX(top, r->start + r->size);
	}
	return MIN(ALIGN_UP(top, 2ULL << 20), HV_DIRECTMAP_SIZE);
}

/* The M2P: one u64 per machine frame, ~0 = not a guest frame. */
static void m2p_init(void)
{
	uint64_t pages = DIV_ROUND_UP(max_ram_mfn * 8, PAGE_SIZE);
	mfn_t base = alloc_frames_contig(pages);
	uint64_t i;
	pte_t *l3, *l2, *l1 = NULL;
	mfn_t mfn;

	if (base == INVALID_MFN)
		panic("mm: no memory for the machine-to-phys table");
	m2p = mfn_to_virt(base);
	memset(m2p, 0xff, pages * PAGE_SIZE);

	l3 = mfn_to_virt(alloc_frame());
	idle_l4[L4_SLOT_M2P] = virt_to_maddr(l3) | _PAGE_PRESENT | _PAGE_USER;
	for (i = 0; i < pages; i++) {
		uint64_t va = HV_M2P_BASE + i * PAGE_SIZE;

		if (!(l3[L3_INDEX(va)] & _PAGE_PRESENT)) {
			mfn = alloc_frame();
			l3[L3_INDEX(va)] = mk_pte(mfn, _PAGE_PRESENT | _PAGE_USER);
		}
		l2 = mfn_to_virt(pte_mfn(l3[L3_INDEX(va)]));
		if (!(l2[L2_INDEX(va)] & _PAGE_PRESENT)) {
			mfn = alloc_frame();
			l2[L2_INDEX(va)] = mk_pte(mfn, _PAGE_PRESENT | _PAGE_USER);
		}
		l1 = mfn_to_virt(pte_mfn(l2[L2_INDEX(va)]));
		l1[L1_INDEX(va)] = mk_pte(base + i, _PAGE_PRESENT | _PAGE_USER | _PAGE_NX);
	}
}

/*
 * The MSI address range (0xfee00000-0xfeefffff, the local APICs' window):
 * Xen 4.17 takes it out of dom0's iomem permissions whole
 * (dom0_setup_permissions, "MSI range").
 */
#define MSI_FIRST_MFN		0xfee00
#define MSI_LAST_MFN		0xfeeff

/*
 * MMIO frames the hypervisor itself drives: no domain maps them, not even
 * a privileged one through DOMID_IO (as Xen takes them out of dom0's iomem
 * permissions): the local APIC and the MSI range around it.
 */
bool mm_frame_is_hypervisor_mmio(mfn_t mfn)
{
	return mfn == lapic_mfn || (mfn >= MSI_FIRST_MFN && mfn <= MSI_LAST_MFN);
}

/*
 * MMIO frames a privileged domain may read but not write: the IO-APIC, as
 * Xen keeps it in its read-only MMIO ranges (a writable mapping is made
 * read-only). We route no interrupts through it yet, and find it at the
 * address every PC firmware gives it (0xfec00000): there is no ACPI MADT
 * parser to move it.
 */
#define IOAPIC_DEFAULT_MFN	0xfec00
bool mm_frame_is_readonly_mmio(mfn_t mfn)
{
	return mfn == IOAPIC_DEFAULT_MFN || msix_frame_is_table(mfn);	/* irq.c, msi.c */
}

/*
 * AMD's HyperTransport window, which Xen 4.17 keeps from dom0 on an AMD
 * or Hygon host (dom0_setup_permissions): the 12 GiB below 2^40, or below
 * 2^paddr_bits from family 0x17 on. Its [first, last] frames; false on
 * other vendors. QEMU's TCG `-cpu max` is such a CPU (frame 0xfd00000).
 */
static bool ht_window(uint64_t *first, uint64_t *last)
{
	uint32_t a, b, c, d, family, model, step;
	uint64_t top;

	if (host_vendor != VENDOR_AMD)
		return false;
	cpuid(1, 0, &a, &b, &c, &d);
	cpuid_signature(a, &family, &model, &step);
	top = 1ULL << ((family < 0x17 ? 40 : paddr_bits) - PAGE_SHIFT);
	*first = top - (3ULL << (32 - PAGE_SHIFT));
	*last = top - 1;
	return true;
}

/*
 * What machine_memory_map reports as reserved where the boot map has a
 * hole, as Xen 4.17 reports the frames outside dom0's iomem permissions
 * and each IO-APIC's page: [first, last] frame ranges in address order,
 * the IO-APIC, the MSI range (with the local APIC at its usual place),
 * the local APIC if it was moved out of it, and AMD's HyperTransport
 * window. Returns how many (at most MM_DOM0_RESERVED_MMIO).
 */
unsigned int mm_dom0_reserved_mmio(uint64_t range[MM_DOM0_RESERVED_MMIO][2])
{
	unsigned int n = 0, i;
	uint64_t t0, t1;

	range[n][0] = range[n][1] = IOAPIC_DEFAULT_MFN;
	n++;
	range[n][0] = MSI_FIRST_MFN;
	range[n][1] = MSI_LAST_MFN;
	n++;
	if (lapic_mfn < MSI_FIRST_MFN || lapic_mfn > MSI_LAST_MFN) {
		range[n][0] = range[n][1] = lapic_mfn;
		for (i = n++; i > 0 && range[i][0] < range[i - 1][0]; i--) {
			t0 = range[i][0];
			t1 = range[i][1];
			range[i][0] = range[i - 1][0];
			range[i][1] = range[i - 1][1];
			range[i - 1][0] = t0;
			range[i - 1][1] = t1;
		}
	}
	if (ht_window(&t0, &t1) && t0 > range[n - 1][1]) {	/* above 4 GiB: last */
		range[n][0] = t0;
		range[n++][1] = t1;
	}
	return n;
}

/*
 * dom0's MMIO frames, as Xen 4.17's dom0_setup_permissions gives them:
 * every frame below the physical address width but the local APIC, the
 * MSI range, AMD's HyperTransport window and the boot map's unusable
 * ranges above the first MiB. The IO-APIC stays, mapped read-only
 * (mm_frame_is_readonly_mmio). Xen also takes a HPET the ACPI tables mark
 * page-protected, or maps it read-only: Lamina does not use the HPET, so
 * dom0 keeps it (docs/conformance.md). A range the list cannot take (more
 * than IOMEM_RANGES pieces) is reported: its frames stay dom0's.
 */
void mm_dom0_iomem_init(struct domain *d)
{
	uint64_t first, last;
	int rc;
	unsigned int i;

	rc = io_caps_change(d, IO_MEM, true, 0, (1ULL << (paddr_bits - PAGE_SHIFT)) - 1);
	rc |= io_caps_change(d, IO_MEM, false, lapic_mfn, lapic_mfn);
	rc |= io_caps_change(d, IO_MEM, false, MSI_FIRST_MFN, MSI_LAST_MFN);
	if (ht_window(&first, &last))
		rc |= io_caps_change(d, IO_MEM, false, first, last);
	for (i = 0; i < boot_info.nr_regions; i++) {
		const struct mem_region *r = &boot_info.regions[i];

		if (r->type != E820_UNUSABLE || !r->size)
			continue;
		first = MAX(r->start >> PAGE_SHIFT, 0x100);
		last = (r->start + r->size - 1) >> PAGE_SHIFT;
		if (first <= last)
			rc |= io_caps_change(d, IO_MEM, false, first, last);
	}
	if (rc)
		pr_warn("mm: d%u's MMIO list is full: frames Xen keeps from dom0 stay mappable\n",
			d->domid);
}

/*
 * The physical address width (CPUID 0x80000008 EAX[7:0]; 36 without the
 * leaf, as Xen) and the guest-physical width getdomaininfo reports
 * (EAX[23:16], else the physical width, at most 52: Xen 4.17's
 * hap_paddr_bits, 36 without the leaf).
 */
static unsigned int mm_paddr_bits(unsigned int *guest_bits)
{
	uint32_t a, b, c, d, g;

	*guest_bits = 36;
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000008)
		return 36;
	cpuid(0x80000008, 0, &a, &b, &c, &d);
	g = (a >> 16) & 0xff ? (a >> 16) & 0xff : a & 0xff;
	*guest_bits = g < 52 ? g : 52;
	a &= 0xff;
	return a >= 32 && a <= 52 ? a : 36;
}

void mm_copy_hypervisor_slots(pte_t *l4)
{
	unsigned int i;

	for (i = HYPERVISOR_L4_FIRST; i <= HYPERVISOR_L4_LAST; i++)
		l4[i] = idle_l4[i];
}

/*
 * Once every boot-time domain is built, the boot modules (kernels and
 * initrds, copied into the domains' own frames by domain_build) go back
 * to the pool, dirty, as Xen 4.17 frees them after building dom0
 * (discard_initial_images). Until then they were held back for good:
 * with two copies of Debian's 62 MiB kernel ELF and dom0's initramfs
 * that was about 150 MiB of a 1 GiB machine. A frame is given back only
 * if it still is the hypervisor's as frame_table_init left it (one
 * reference) and lies above the first MiB and outside the image; a page
 * two modules share goes once. How many frames were freed.
 */
uint64_t mm_free_boot_modules(void)
{
	mfn_t img_first = (uint64_t)(_image_start - HV_IMAGE_BASE) >> PAGE_SHIFT;
	mfn_t img_end = DIV_ROUND_UP((uint64_t)(_end - HV_IMAGE_BASE), PAGE_SIZE);
	uint64_t freed = 0;
	unsigned int i;

	for (i = 0; i < boot_info.nr_modules; i++) {
		const struct boot_module *m = &boot_info.modules[i];
		mfn_t mfn = m->start >> PAGE_SHIFT;
		mfn_t end = DIV_ROUND_UP(m->start + m->size, PAGE_SIZE);

		for (; mfn < end && mfn < max_ram_mfn; mfn++) {
			const struct page_info *pg = &frame_table[mfn];

			if (mfn < 256 || (mfn >= img_first && mfn < img_end) ||
			    pg->owner != DOMID_XEN || pg->count != 1 || pg->type_info ||
			    frame_pool_is_free(&machine_frames, mfn))
				continue;
			free_frame(mfn);
			freed++;
		}
	}
	return freed;
}

void mm_init(void)
{
	uint64_t img_start = ALIGN_DOWN((uint64_t)_image_start - HV_IMAGE_BASE, 2ULL << 20);
	uint64_t img_end = ALIGN_UP((uint64_t)_end - HV_IMAGE_BASE, 2ULL << 20);
	uint64_t top;

	pool_init();
	lapic_mfn = (rdmsr(MSR_APIC_BASE) & PTE_ADDR_MASK) >> PAGE_SHIFT;
	paddr_bits = mm_paddr_bits(&gpaddr_bits);
	if (img_end > BOOT_MAPPED)
		panic("mm: the hypervisor image must lie in the first GiB");
	top = directmap_top();
	memset(idle_l4, 0, sizeof(idle_l4));
	map_2m(HV_IMAGE_BASE + img_start, img_start, img_end - img_start, _PAGE_RW);
	map_2m(HV_DIRECTMAP_BASE, 0, top, _PAGE_RW | _PAGE_NX);
	write_cr3(virt_to_maddr(idle_l4));
	/* From here on the boot tables and the identity map are gone. */
	frame_table_init();
	m2p_init();
	pr_info("mm: %llu MiB RAM, %llu MiB free, direct map up to %#llx\n",
		(unsigned long long)(max_ram_mfn >> 8),
		(unsigned long long)(frame_pool_nr_free(&machine_frames) >> 8),
		(unsigned long long)top);
}
