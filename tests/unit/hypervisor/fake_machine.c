// SPDX-License-Identifier: GPL-2.0-only
/* The fake machine of fake_machine.h: the stand-ins the real sources link against. */
#include "fake_machine.h"
#include <hv/flushtlb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <hv/lib.h>
#include <hv/hypervisor.h>
#include <hv/page_alloc.h>
#include <hv/preempt.h>
#include <hv/guest_access.h>
#include <hv/sched.h>
#include <hv/event.h>
#include <hv/grant_table.h>
#include <asm/page.h>
#include <asm/desc.h>
#include <asm/percpu.h>

unsigned int fake_flushes, fake_invlpgs, fake_wakes;
void (*fake_on_domain_lookup)(void);
bool fake_preempt;
unsigned int fake_preempt_in;
void (*fake_on_preempt_check)(void);

struct hv_options hv_opts;
struct boot_info boot_info;
struct frame_pool machine_frames;
uint64_t *m2p;

static struct page_info frames[FAKE_FRAMES];
static uint64_t m2p_table[FAKE_FRAMES];
static uint64_t pool_bitmap[FAKE_FRAMES / 64];
static struct domain domains[FAKE_DOMAINS];
static bool domain_live[FAKE_DOMAINS];
static uint64_t fake_cr3, fake_clock_ns;

/* The direct map: FAKE_FRAMES pages of zeroed host memory at FAKE_DIRECTMAP. */
static void map_memory(void)
{
	void *want = (void *)FAKE_DIRECTMAP, *p;

	munmap(want, FAKE_FRAMES * PAGE_SIZE);
	p = mmap(want, FAKE_FRAMES * PAGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != want) {
		printf("FAIL unit/fake_machine: no memory at %#lx for the direct map\n",
		       FAKE_DIRECTMAP);
		exit(1);
	}
}

void fake_machine_reset(void)
{
	mfn_t mfn;

	map_memory();
	for (mfn = 0; mfn < FAKE_DOMAINS; mfn++)	/* a reference a test leaked */
		BUG_ON(domain_live[mfn] && domains[mfn].refcnt);
	memset(domains, 0, sizeof(domains));
	memset(domain_live, 0, sizeof(domain_live));
	frame_table = frames;
	frame_table_size = FAKE_FRAMES;
	m2p = m2p_table;
	for (mfn = 0; mfn < FAKE_FRAMES; mfn++) {
		frames[mfn] = (struct page_info){
			.owner = mfn < FAKE_IO_FRAMES ? DOMID_IO : DOMID_INVALID };
		m2p_table[mfn] = INVALID_M2P;
	}
	frame_pool_init(&machine_frames, pool_bitmap, FAKE_FRAMES);
	frame_pool_add(&machine_frames, FAKE_IO_FRAMES, FAKE_FRAMES - FAKE_IO_FRAMES);
	tlbflush_clock = 0;
	memset(fake_tlbflush_time, 0, sizeof(fake_tlbflush_time));
	for (mfn = 0; mfn < MAX_CPUS; mfn++)
		tlbflush_time_of[mfn] = &fake_tlbflush_time[mfn];
	fake_online = 1;	/* CPU 0 only, unless a test starts more */
	fake_flushed_cpus = 0;
	pt_release_lists = 0;
	hv_opts = (struct hv_options){ 0 };
	hv_opts.pv_linear_pt = true;
	hv_opts.evtchn_fifo_max_ports = EVTCHN_FIFO_MAX_PORTS;
	fake_flushes = fake_invlpgs = fake_wakes = 0;
	fake_on_domain_lookup = NULL;
	fake_preempt = false;
	fake_preempt_in = 0;
	fake_on_preempt_check = NULL;
}

static struct vcpu fake_vcpus[FAKE_DOMAINS];
static struct vcpu *fake_vcpu_ptrs[FAKE_DOMAINS];

struct domain *fake_domain(domid_t domid, bool privileged)
{
	unsigned int i;
	struct domain *d;
	mfn_t si;

	for (i = 0; i < FAKE_DOMAINS && domain_live[i]; i++)
		;
	BUG_ON(i == FAKE_DOMAINS);
	d = &domains[i];
	domain_live[i] = true;
	d->domid = domid;
	d->is_privileged = privileged;
	d->max_evtchn_port = ~0U;		/* as domain_alloc: no createdomain bound */
	d->max_grant_frames = hv_opts.gnttab_max_frames;	/* as domain_alloc: the options' */
	d->max_maptrack_frames = hv_opts.gnttab_max_maptrack;
	d->max_grant_version = hv_opts.gnttab_max_version;
	spin_lock_init(&d->evtchn_lock, LOCK_LEVEL_EVTCHN);	/* as domain_alloc */
	spin_lock_init(&d->grant_lock, LOCK_LEVEL_GRANT);
	snprintf(d->name, sizeof(d->name), "d%u", domid);
	si = alloc_frame();
	BUG_ON(si == INVALID_MFN);
	frame_share_with(si, d);
	d->shared_info = frame_va(si);
	d->shared_info_mfn = si;
	memset(&fake_vcpus[i], 0, sizeof(fake_vcpus[i]));
	fake_vcpu_ptrs[i] = &fake_vcpus[i];
	d->vcpu = &fake_vcpu_ptrs[i];
	d->max_vcpus = 1;
	d->vcpu[0]->domain = d;
	d->vcpu[0]->vcpu_info = &d->shared_info->vcpu_info[0];
	return d;
}


mfn_t fake_give_frame(struct domain *d)
{
	mfn_t mfn = alloc_frame();

	BUG_ON(mfn == INVALID_MFN);
	frames[mfn].owner = d->domid;
	m2p_table[mfn] = d->nr_pages++;
	return mfn;
}

/* No dom0 here: a global VIRQ goes nowhere (event_channel.c's handlers). */
struct domain *dom0;

struct domain *domain_by_id(domid_t id)
{
	unsigned int i;

	for (i = 0; i < FAKE_DOMAINS; i++)
		if (domain_live[i] && domains[i].domid == id)
			return &domains[i];
	return NULL;
}

/* As domain.c's, without the list lock: the host tests run one thread at a time there. */
struct domain *get_domain_by_id(domid_t id)
{
	struct domain *d = domain_by_id(id);
	void (*meanwhile)(void) = fake_on_domain_lookup;

	if (d)
		get_domain(d);
	if (d && meanwhile) {
		fake_on_domain_lookup = NULL;
		meanwhile();
	}
	return d;
}

void get_domain(struct domain *d)
{
	__atomic_add_fetch(&d->refcnt, 1, __ATOMIC_ACQUIRE);
}

void put_domain(struct domain *d)
{
	BUG_ON(!__atomic_fetch_sub(&d->refcnt, 1, __ATOMIC_RELEASE));
}

unsigned int domain_count(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < FAKE_DOMAINS; i++)
		n += domain_live[i];
	return n;
}

struct domain *domain_by_index(unsigned int i)
{
	unsigned int j;

	for (j = 0; j < FAKE_DOMAINS; j++)
		if (domain_live[j] && !i--)
			return &domains[j];
	return NULL;
}

struct domain *get_domain_at_or_after(domid_t id)
{
	struct domain *best = NULL;
	unsigned int j;

	for (j = 0; j < FAKE_DOMAINS; j++)
		if (domain_live[j] && domains[j].domid >= id && (!best || domains[j].domid < best->domid))
			best = &domains[j];
	if (best)
		get_domain(best);
	return best;
}

/* ------------------------------------------------ the frame allocator (mm.c) */

mfn_t alloc_frames_aligned(uint64_t count, uint64_t align)
{
	mfn_t mfn = frame_pool_alloc_contig(&machine_frames, count, align);
	uint64_t i;

	if (mfn == INVALID_MFN)
		return mfn;
	memset(mfn_to_virt(mfn), 0, count * PAGE_SIZE);
	for (i = 0; i < count; i++)
		frames[mfn + i] = (struct page_info){ .owner = DOMID_XEN, .count = 1 };
	return mfn;
}

mfn_t alloc_frames_contig(uint64_t count)
{
	return alloc_frames_aligned(count, 1);
}

mfn_t alloc_frame(void)
{
	return alloc_frames_aligned(1, 1);
}

/* As mm.c's: a frame still typed or referenced is our bug. */
void free_frame(mfn_t mfn)
{
	struct page_info *pg = &frames[mfn];

	BUG_ON(mfn >= FAKE_FRAMES || pg->type_count || (pg->count & PGC_count_mask) > 1 || pg->linear);
	*pg = (struct page_info){ .owner = DOMID_INVALID,
				  .tlbflush_stamp = pg->owner == DOMID_XEN ? 0 : tlbflush_stamp_new() };
	BUG_ON(frame_pool_free(&machine_frames, mfn));
}

void free_frames(mfn_t first, uint64_t count)
{
	while (count--)
		free_frame(first++);
}

void *frame_va(mfn_t mfn)
{
	BUG_ON(mfn >= FAKE_FRAMES);
	return mfn_to_virt(mfn);
}

/* The hypervisor's L4 slots: a marker the tests recognise. */
void pt_fill_hypervisor_slots(uint64_t *l4)
{
	unsigned int i;

	for (i = L4_SLOT_HV_FIRST; i <= L4_SLOT_HV_LAST; i++)
		l4[i] = 0xFEE0000000000000ULL | i;
}

bool mm_frame_is_hypervisor_mmio(mfn_t mfn)
{
	return false;
}

bool mm_frame_is_readonly_mmio(mfn_t mfn)
{
	return false;
}

/* No MMIO lists on the fake machine: a privileged domain holds every frame, a domU none. */
bool io_caps_cover(struct domain *d, enum io_caps k, uint64_t first, uint64_t last)
{
	return d->is_privileged;
}

bool domain_has_io_caps(const struct domain *d)
{
	return false;
}

uint64_t fake_read_cr3(void)
{
	return fake_cr3;
}

/*
 * A CR3 load on the fake CPU unit_cpu, as asm/x86.h's write_cr3: the flush
 * clock read before, recorded as the CPU's flush time after.
 */
extern __thread unsigned int unit_cpu;

void (*fake_on_flush)(void);

void fake_write_cr3(uint64_t v)
{
	uint64_t t = __atomic_load_n(&tlbflush_clock, __ATOMIC_ACQUIRE);

	fake_cr3 = v;
	fake_flushes++;
	__atomic_store_n(&fake_tlbflush_time[unit_cpu], t, __ATOMIC_RELEASE);
	if (fake_on_flush)
		fake_on_flush();
}

/* descriptors.c's CPU side: no GDT or LDT is ever loaded here. */
struct percpu cpu0_percpu;

void gdt_load_vcpu(const struct vcpu *v)
{
}

void ldt_load_vcpu(const struct vcpu *v)
{
}

void ldt_map_frame(unsigned int page, mfn_t mfn)
{
}

/* mm_audit.c's walks of what a test may not link (the real ones win). */
__attribute__((weak)) void grant_for_each_pin(const struct domain *d,
					       void (*fn)(mfn_t, bool, void *), void *arg)
{
}

__attribute__((weak)) void evtchn_fifo_for_each_frame(const struct domain *d,
						       void (*fn)(mfn_t, bool, void *), void *arg)
{
}

/* One CPU: no other to hold still while mm_audit counts. */
cpumask_t smp_hold_others(void)
{
	return 0;
}

void smp_release_others(void)
{
}

/* No physical IRQs here: no pirq EOI map. */
mfn_t irq_eoi_map_frame(void)
{
	return INVALID_MFN;
}

/*
 * The flush helper (hv/flushtlb.h). This CPU's flush is a counted CR3
 * load; another online CPU's (an IPI answered) sets its flush time as its
 * load would and is noted in fake_flushed_cpus. flush_tlb_since as
 * arch/x86/flushtlb.c's, with the real filter.
 */
uint64_t tlbflush_clock;
uint64_t *tlbflush_time_of[MAX_CPUS];
uint64_t fake_tlbflush_time[MAX_CPUS];
cpumask_t fake_online, fake_flushed_cpus;

void flush_tlb_local(void)
{
	fake_write_cr3(fake_read_cr3());
}

void flush_tlb_mask(cpumask_t mask)
{
	cpumask_t me = 1ULL << unit_cpu, others = mask & fake_online & ~me;
	unsigned int cpu;

	fake_flushed_cpus |= mask & (fake_online | me);
	for (cpu = 0; cpu < MAX_CPUS; cpu++)
		if (others & (1ULL << cpu))
			__atomic_store_n(&fake_tlbflush_time[cpu],
					 __atomic_load_n(&tlbflush_clock, __ATOMIC_ACQUIRE),
					 __ATOMIC_RELEASE);
	if (mask & me)
		flush_tlb_local();
}

void flush_tlb_since(uint64_t when)
{
	if (when)
		flush_tlb_mask(tlbflush_filter(fake_online | (1ULL << unit_cpu), when));
}

void flush_tlb_all(void)
{
	flush_tlb_local();
}

void flush_tlb_domain(struct domain *d)
{
	flush_tlb_mask(d->dirty_cpumask);
}

void fake_invlpg(uint64_t va)
{
	fake_invlpgs++;
}

/* --------------------------------------------------- guest access, time */

/* Any host pointer of the lower half, except the first pages and the direct map. */
bool guest_range_ok(uint64_t va, uint64_t len)
{
	uint64_t map_end = FAKE_DIRECTMAP + FAKE_FRAMES * PAGE_SIZE;

	return va >= PAGE_SIZE * 2 && va + len >= va && va + len <= (1ULL << 47) &&
	       (va + len <= FAKE_DIRECTMAP || va >= map_end);
}

int copy_from_guest(void *dst, uint64_t src, size_t len)
{
	if (!guest_range_ok(src, len))
		return -EFAULT;
	memcpy(dst, (const void *)(uintptr_t)src, len);
	return 0;
}

int copy_to_guest(uint64_t dst, const void *src, size_t len)
{
	if (!guest_range_ok(dst, len))
		return -EFAULT;
	memcpy((void *)(uintptr_t)dst, src, len);
	return 0;
}

/* Byte by byte, leaving what the real copies leave (returns the bytes not copied). */
size_t copy_from_guest_ll(void *dst, uint64_t src, size_t len)
{
	size_t k;

	for (k = 0; k < len && guest_range_ok(src + k, 1); k++)
		((uint8_t *)dst)[k] = *(const uint8_t *)(uintptr_t)(src + k);
	return len - k;
}

size_t copy_to_guest_ll(uint64_t dst, const void *src, size_t len)
{
	size_t k;

	for (k = 0; k < len && guest_range_ok(dst + k, 1); k++)
		*(uint8_t *)(uintptr_t)(dst + k) = ((const uint8_t *)src)[k];
	return len - k;
}

uint64_t now_ns(void)
{
	return fake_clock_ns += 1000;
}

uint64_t hypercall_preempt_until(void)
{
	return 0;
}

bool hypercall_preempt_now(const struct vcpu *v, uint64_t until)
{
	if (fake_on_preempt_check)
		fake_on_preempt_check();
	if (fake_preempt_in && !--fake_preempt_in)
		return true;
	return fake_preempt;
}

/* No vCPU runs here: the tests look at the handlers' -ERESTART. */
long hypercall_continue(void)
{
	return -ERESTART;
}

void vcpu_wake(struct vcpu *v)
{
	fake_wakes++;
}

/* ---------------------------------------------------------- console, panic */

void vprintk(enum log_level level, const char *fmt, va_list ap)
{
	if (getenv("UNIT_VERBOSE"))
		vfprintf(stderr, fmt, ap);
}

void printk(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL unit/fake_machine: panic: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}
