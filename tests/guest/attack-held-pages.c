// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-held-pages: pages the hypervisor holds for a guest -- a
 * vcpu_info (VCPUOP_register_vcpu_info), a GDT page (set_gdt), an LDT
 * page (MMUEXT_SET_LDT, mapped by its first use), the PIRQ EOI map
 * (PHYSDEVOP_pirq_eoi_gmfn_v2), the FIFO control block and an event
 * array page -- attacked the ways a guest kernel could
 * turn them into something else: its own mappings dropped, then the
 * page pinned as a page table, made a GDT page, mapped writable,
 * exchanged (XENMEM_exchange) and given back (decrease_reservation).
 * While the hypervisor holds a page it must stay that page: never a
 * page table (the hypervisor writes a vcpu_info and a control block
 * without validation), never writable while it holds descriptors, never
 * handed to anyone (populate_physmap), still written by the hypervisor
 * after it was given back, and freed (physinfo's free pages) only when
 * the hypervisor lets it go. Each row expects Xen 4.17's answer (conform.h);
 * Lamina's exit audit must be clean after it all.
 * @hvargs: dom0_max_vcpus=2
 * @expect-log: mm audit d0: ok
 */
#include "conform.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/fifo.h"
#include "lib/physinfo.h"
#include <lamina/memory.h>
#include <lamina/mm.h>
#include <lamina/vcpu.h>
#include <lamina/physdev.h>

#define NR_NEW		64	/* frames asked for while a held page is given back */

static uint64_t ro(uint64_t mfn)
{
	return (mfn << 12) | PTE_P | PTE_US | PTE_A;
}

static uint64_t rw(uint64_t mfn)
{
	return (mfn << 12) | PTE_DATA;
}

static long ext(unsigned int cmd, uint64_t arg1)
{
	return mmuext_fd(cmd, arg1, 0, DOMID_SELF);
}

static long memop_frames(unsigned int cmd, uint64_t *frames, uint64_t n)
{
	struct xen_memory_reservation r = { .extent_start = (uint64_t)frames, .nr_extents = n,
					    .domid = DOMID_SELF };

	return hypercall2(__HYPERVISOR_memory_op, cmd, (uint64_t)&r);
}

static long set_gdt1(uint64_t mfn)
{
	return hypercall2(__HYPERVISOR_set_gdt, (uint64_t)&mfn, 512);
}

static long set_gdt_none(void)
{
	uint64_t none = 0;

	return hypercall2(__HYPERVISOR_set_gdt, (uint64_t)&none, 0);
}

/* XENMEM_exchange of one frame for one: the call's result (nr_exchanged apart). */
static long exchange1(uint64_t mfn, uint64_t *got)
{
	uint64_t in = mfn;
	struct xen_memory_exchange x = {
		.in = { .extent_start = (uint64_t)&in, .nr_extents = 1, .domid = DOMID_SELF },
		.out = { .extent_start = (uint64_t)got, .nr_extents = 1, .domid = DOMID_SELF },
	};

	*got = 0;
	return hypercall2(__HYPERVISOR_memory_op, XENMEM_exchange, (uint64_t)&x);
}

/* NR_NEW frames from the pool, then given back: how many of them were mfn. */
static long handed_out(uint64_t mfn)
{
	static uint64_t got[NR_NEW];
	long n = memop_frames(XENMEM_increase_reservation, got, NR_NEW), same = 0, i;

	for (i = 0; i < n; i++)
		same += got[i] == mfn;
	if (n > 0)
		memop_frames(XENMEM_decrease_reservation, got, (uint64_t)n);
	return n == NR_NEW ? same : -1000 - n;
}

/* A fresh page of ours, not mapped anywhere: its MFN (va keeps the slot). */
static uint64_t unmapped_page(uint64_t *va)
{
	uint64_t mfn;

	*va = scratch_page();
	mfn = va_to_mfn(*va);
	update_va_mapping(*va, 0, UVMF_INVLPG);
	return mfn;
}

/* Pin as an L1, set as a GDT page, both refused; undone if they were not. */
static void not_a_table_rows(const char *what, uint64_t mfn)
{
	char name[96];
	long rc;

	snprintf(name, sizeof(name), "%s: pin it as an L1", what);
	rc = ext(MMUEXT_PIN_L1_TABLE, mfn);
	ROW(name, rc, -EINVAL);
	if (!rc)
		ext(MMUEXT_UNPIN_TABLE, mfn);
	snprintf(name, sizeof(name), "%s: set_gdt on it", what);
	rc = set_gdt1(mfn);
	ROW(name, rc, -EINVAL);
	if (!rc)
		set_gdt_none();
}

static void vcpu_info_rows(void)
{
	uint64_t va, mfn = unmapped_page(&va), got, free0;
	struct vcpu_register_vcpu_info r = { .mfn = mfn, .offset = 64 };
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
	struct evtchn_bind_vcpu bv;
	volatile struct vcpu_info *vi = (volatile struct vcpu_info *)(va + 64);

	ROW("vcpu_info: register vCPU 1's on a page not mapped",
	    hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 1, &r), 0);
	not_a_table_rows("vcpu_info", mfn);
	ROW("vcpu_info: map it read-only", update_va_mapping(va, ro(mfn), UVMF_INVLPG), 0);
	ROW("vcpu_info: map it writable", update_va_mapping(va, rw(mfn), UVMF_INVLPG), 0);
	ROW("vcpu_info: exchange it", exchange1(mfn, &got), -EINVAL);
	ROW("vcpu_info: give it back", memop_frames(XENMEM_decrease_reservation, &mfn, 1), 1);
	ROW("vcpu_info: given back, handed out again", handed_out(mfn), 0);
	not_a_table_rows("vcpu_info given back", mfn);
	/* An event for vCPU 1 lands in the page given back. */
	ROW("vcpu_info: alloc_unbound to ourselves", evtchn_op(EVTCHNOP_alloc_unbound, &au), 0);
	bi.remote_port = au.port;
	ROW("vcpu_info: bind_interdomain to it", evtchn_op(EVTCHNOP_bind_interdomain, &bi), 0);
	bv.port = au.port;
	bv.vcpu = 1;
	ROW("vcpu_info: bind_vcpu the port to vCPU 1", evtchn_op(EVTCHNOP_bind_vcpu, &bv), 0);
	/* Registering marked every selector pending (Xen 4.17's map_vcpu_info): clear them. */
	vi->evtchn_pending_sel = 0;
	vi->evtchn_upcall_pending = 0;
	ROW("vcpu_info: send to vCPU 1's port", evtchn_send(bi.local_port), 0);
	ROW("vcpu_info: the page given back still written (upcall_pending)",
	    vi->evtchn_upcall_pending, 1);
	ROW("vcpu_info: the page given back still written (pending_sel)",
	    vi->evtchn_pending_sel != 0, 1);
	free0 = settled_free_pages();
	ROW("vcpu_info: drop our mapping", update_va_mapping(va, 0, UVMF_INVLPG), 0);
	ROW("vcpu_info: not freed while it is vCPU 1's", (long)(settled_free_pages() - free0), 0);
	ROW("vcpu_info: given back and unmapped, handed out again", handed_out(mfn), 0);
	/* Still ours while vCPU 1 holds it: it may be mapped again (Xen too). */
	ROW("vcpu_info: given back, mapped again", update_va_mapping(va, ro(mfn), UVMF_INVLPG), 0);
	ROW("vcpu_info: given back, mapped again, reads vCPU 1's", vi->evtchn_upcall_pending, 1);
	ROW("vcpu_info: drop that mapping", update_va_mapping(va, 0, UVMF_INVLPG), 0);
	not_a_table_rows("vcpu_info given back and unmapped", mfn);
}

static void gdt_rows(void)
{
	uint64_t va, mfn = unmapped_page(&va), va2 = scratch_page(), got, free0;

	ROW("GDT: map it read-only", update_va_mapping(va, ro(mfn), UVMF_INVLPG), 0);
	ROW("GDT: set_gdt on it", set_gdt1(mfn), 0);
	ROW("GDT: map it writable", update_va_mapping(va2, rw(mfn), UVMF_INVLPG), -EBUSY);
	ROW("GDT: pin it as an L1", ext(MMUEXT_PIN_L1_TABLE, mfn), -EINVAL);
	ROW("GDT: exchange it", exchange1(mfn, &got), -EINVAL);
	ROW("GDT: give it back", memop_frames(XENMEM_decrease_reservation, &mfn, 1), 1);
	ROW("GDT: given back, handed out again", handed_out(mfn), 0);
	ROW("GDT: given back, map it writable", update_va_mapping(va2, rw(mfn), UVMF_INVLPG),
	    -EBUSY);
	ROW("GDT: drop our mapping", update_va_mapping(va, 0, UVMF_INVLPG), 0);
	free0 = settled_free_pages();
	ROW("GDT: given back, unmapped, still the GDT: not freed",
	    (long)(settled_free_pages() - free0), 0);
	ROW("GDT: given back, unmapped, handed out again", handed_out(mfn), 0);
	ROW("GDT: set_gdt to none", set_gdt_none(), 0);
	ROW("GDT: freed once no GDT holds it", (long)(settled_free_pages() - free0), 1);
	ROW("GDT: freed, map it", update_va_mapping(va, ro(mfn), UVMF_INVLPG), -EBUSY);
	ROW("GDT: freed, set_gdt on it", set_gdt1(mfn), -EINVAL);
}

/* A DPL 3 writable data segment (flat 4 GiB). */
#define LDT_DATA3	0x00cff3000000ffffULL
#define LDT_SEL		0x0f	/* entry 1, LDT, RPL 3 */

static long set_ldt(uint64_t va, unsigned int ents)
{
	return mmuext_fd(MMUEXT_SET_LDT, va, ents, DOMID_SELF);
}

static long load_fs(uint16_t sel)
{
	uint16_t now;

	asm volatile("mov %1, %%fs\n\tmov %%fs, %0" : "=r"(now) : "r"(sel) : "memory");
	return now;
}

static void ldt_rows(void)
{
	uint64_t va = scratch_page(), mfn = va_to_mfn(va), va2 = scratch_page(), got;
	long rc;

	((uint64_t *)va)[1] = LDT_DATA3;
	ROW("LDT: map it read-only", update_va_mapping(va, ro(mfn), UVMF_INVLPG), 0);
	ROW("LDT: set_ldt on it", set_ldt(va, 512), 0);
	ROW("LDT: load %fs from it (maps the page)", load_fs(LDT_SEL), LDT_SEL);
	ROW("LDT: map it writable", update_va_mapping(va2, rw(mfn), UVMF_INVLPG), -EBUSY);
	ROW("LDT: pin it as an L1", ext(MMUEXT_PIN_L1_TABLE, mfn), -EINVAL);
	ROW("LDT: exchange it", exchange1(mfn, &got), -EINVAL);
	ROW("LDT: drop our mapping while in use", update_va_mapping(va, 0, UVMF_INVLPG), 0);
	rc = update_va_mapping(va2, rw(mfn), UVMF_INVLPG);
	ROW("LDT: map it writable once our mapping went", rc, -EBUSY);
	if (!rc)
		update_va_mapping(va2, 0, UVMF_INVLPG);
	ROW("LDT: map it read-only again", update_va_mapping(va, ro(mfn), UVMF_INVLPG), 0);
	ROW("LDT: give it back", memop_frames(XENMEM_decrease_reservation, &mfn, 1), 1);
	ROW("LDT: given back, handed out again", handed_out(mfn), 0);
	ROW("LDT: given back, map it writable", update_va_mapping(va2, rw(mfn), UVMF_INVLPG),
	    -EBUSY);
	ROW("LDT: %fs back to null", load_fs(0), 0);
	ROW("LDT: set_ldt to none", set_ldt(0, 0), 0);
	ROW("LDT: drop our mapping", update_va_mapping(va, 0, UVMF_INVLPG), 0);
	ROW("LDT: freed, map it", update_va_mapping(va, ro(mfn), UVMF_INVLPG), -EBUSY);
}

static long eoi_map(uint64_t mfn)
{
	struct physdev_pirq_eoi_gmfn pe = { mfn };

	return hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_pirq_eoi_gmfn_v2, &pe);
}

/* The PIRQ EOI map: once a domain, held for good. */
static void eoi_map_rows(void)
{
	uint64_t va, mfn = unmapped_page(&va), va2, other = unmapped_page(&va2), got;

	ROW("EOI map: register it on a page not mapped", eoi_map(mfn), 0);
	ROW("EOI map: register another", eoi_map(other), -EBUSY);
	ROW("EOI map: the same again", eoi_map(mfn), -EBUSY);
	not_a_table_rows("EOI map", mfn);
	ROW("EOI map: map it writable", update_va_mapping(va, rw(mfn), UVMF_INVLPG), 0);
	ROW("EOI map: exchange it", exchange1(mfn, &got), -EINVAL);
	ROW("EOI map: give it back", memop_frames(XENMEM_decrease_reservation, &mfn, 1), 1);
	ROW("EOI map: given back, handed out again", handed_out(mfn), 0);
	ROW("EOI map: drop our mapping", update_va_mapping(va, 0, UVMF_INVLPG), 0);
	not_a_table_rows("EOI map given back and unmapped", mfn);
	ROW("EOI map: given back and unmapped, handed out again", handed_out(mfn), 0);
}

static void fifo_rows(void)
{
	struct fifo f;
	struct evtchn_bind_ipi bi = { 0, 0 };
	struct evtchn_reset rs = { DOMID_SELF };
	uint64_t cva, ava, cb, arr, got, free0;
	volatile event_word_t *w;

	ROW("FIFO: init_control", fifo_init(&f, 0, NULL), 0);
	ROW("FIFO: expand_array", fifo_expand(&f), 0);
	cb = f.cb_mfn;
	arr = f.page_mfn[0];
	cva = (uint64_t)f.cb;
	ava = (uint64_t)f.page[0];
	ROW("FIFO: drop our mapping of the control block", update_va_mapping(cva, 0, UVMF_INVLPG),
	    0);
	ROW("FIFO: drop our mapping of the array page", update_va_mapping(ava, 0, UVMF_INVLPG), 0);
	not_a_table_rows("FIFO control block", cb);
	not_a_table_rows("FIFO array page", arr);
	ROW("FIFO: map the control block again", update_va_mapping(cva, rw(cb), UVMF_INVLPG), 0);
	ROW("FIFO: map the array page again", update_va_mapping(ava, rw(arr), UVMF_INVLPG), 0);
	ROW("FIFO: exchange the control block", exchange1(cb, &got), -EINVAL);
	ROW("FIFO: exchange the array page", exchange1(arr, &got), -EINVAL);
	ROW("FIFO: give the control block back", memop_frames(XENMEM_decrease_reservation, &cb, 1),
	    1);
	ROW("FIFO: give the array page back", memop_frames(XENMEM_decrease_reservation, &arr, 1), 1);
	ROW("FIFO: given back, control block handed out again", handed_out(cb), 0);
	ROW("FIFO: given back, array page handed out again", handed_out(arr), 0);
	/* An event through the pages given back: linked on vCPU 0's queue. */
	ROW("FIFO: bind_ipi", evtchn_op(EVTCHNOP_bind_ipi, &bi), 0);
	w = fifo_word(&f, bi.port);
	*w = 0;
	ROW("FIFO: send", evtchn_send(bi.port), 0);
	ROW("FIFO: the array page given back still written (PENDING|LINKED)",
	    *w & (FIFO_PENDING | FIFO_LINKED), FIFO_PENDING | FIFO_LINKED);
	ROW("FIFO: the control block given back still written (READY)", f.cb->ready != 0, 1);
	ROW("FIFO: drop our mapping of the control block (given back)",
	    update_va_mapping(cva, 0, UVMF_INVLPG), 0);
	ROW("FIFO: drop our mapping of the array page (given back)",
	    update_va_mapping(ava, 0, UVMF_INVLPG), 0);
	not_a_table_rows("FIFO control block given back", cb);
	free0 = settled_free_pages();
	ROW("FIFO: reset: back to 2-level", evtchn_op(EVTCHNOP_reset, &rs), 0);
	ROW("FIFO: both pages freed by the reset", (long)(settled_free_pages() - free0) >= 2, 1);
	ROW("FIFO: freed, map the control block", update_va_mapping(cva, ro(cb), UVMF_INVLPG),
	    -EBUSY);
}

/* One page as both vCPUs' control blocks and as the event array. */
static void fifo_shared_rows(void)
{
	uint64_t va = scratch_page(), mfn = va_to_mfn(va);
	struct evtchn_init_control ic0 = { .control_gfn = mfn, .offset = 0, .vcpu = 0 };
	struct evtchn_init_control ic1 = { .control_gfn = mfn, .offset = 0, .vcpu = 1 };
	struct evtchn_expand_array ea = { mfn };
	struct evtchn_bind_ipi bi = { 0, 0 };
	struct evtchn_reset rs = { DOMID_SELF };

	ROW("FIFO shared: vCPU 0's control block", evtchn_op(EVTCHNOP_init_control, &ic0), 0);
	ROW("FIFO shared: vCPU 1's on the same bytes", evtchn_op(EVTCHNOP_init_control, &ic1), 0);
	ROW("FIFO shared: the same page as the event array",
	    evtchn_op(EVTCHNOP_expand_array, &ea), 0);
	ROW("FIFO shared: bind_ipi", evtchn_op(EVTCHNOP_bind_ipi, &bi), 0);
	ROW("FIFO shared: send", evtchn_send(bi.port), 0);
	ROW("FIFO shared: pin the page as an L1", ext(MMUEXT_PIN_L1_TABLE, mfn), -EINVAL);
	ROW("FIFO shared: reset", evtchn_op(EVTCHNOP_reset, &rs), 0);
	ROW("FIFO shared: the page is ours again (pin as an L1 once unmapped)",
	    update_va_mapping(va, 0, UVMF_INVLPG) == 0 && ext(MMUEXT_PIN_L1_TABLE, mfn) == 0 &&
	    ext(MMUEXT_UNPIN_TABLE, mfn) == 0, 1);
}

int test_main(struct start_info *si)
{
	CHECK(events_init(si) == 0, "events_init failed");
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	conform_begin();
	vcpu_info_rows();
	gdt_rows();
	ldt_rows();
	eoi_map_rows();
	fifo_rows();
	fifo_shared_rows();
	return conform_end("held-page");
}
