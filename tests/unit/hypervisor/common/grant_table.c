// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of hypervisor/common/grant_table.c and grant_map.c on the
 * fake machine: a granter's entries mapped, unmapped and copied by
 * another domain through hc_grant_table_op, with the GTF_reading and
 * GTF_writing bits, the frame references they hold and the end of a
 * granter read back, and the real frame audit (grant pins included)
 * after each step. Host mappings (arch/x86/grant_pte.c, the mapper's
 * page tables) are stand-ins that count.
 */
#include "../../unit.h"
#include "../fake_machine.h"
#include <hv/lib.h>
#include <hv/hypercall.h>
#include <hv/hypervisor.h>
#include <hv/grant_table.h>
#include <hv/page_alloc.h>
#include <lamina/grant_table.h>
#include "../../../../hypervisor/common/grant_internal.h"
#include <pthread.h>

#define HOST_VA		0x7f0000001000ULL	/* where the mapper asks for a host mapping */

static unsigned int host_maps;
static unsigned int flushes;		/* gnttab_flush_tlb calls */
static bool hold_owed = true;		/* an unmap owes a flush: its uses are held for it */

bool gnttab_host_addr_ok(struct domain *d, uint64_t addr, bool is_pte)
{
	return addr != 0;
}

int gnttab_create_host_mapping(struct domain *ld, struct domain *rd, uint64_t addr, mfn_t mfn,
			       uint32_t flags)
{
	host_maps++;
	return 0;
}

int gnttab_destroy_host_mapping(struct domain *d, uint64_t addr, mfn_t mfn, uint32_t flags,
				bool *flush)
{
	host_maps--;
	*flush = hold_owed;
	return 0;
}

int gnttab_replace_host_mapping(struct domain *d, uint64_t addr, uint64_t new_addr, mfn_t mfn,
				uint32_t flags, bool *flush)
{
	host_maps--;
	*flush = hold_owed;
	return 0;
}

void gnttab_flush_tlb(struct domain *dom)
{
	flushes++;
}

static struct domain *d, *e, *f;	/* d grants, e maps, f is a third party */
static mfn_t page;			/* the frame d grants */

static long gnttab(struct domain *dom, unsigned int cmd, void *arg, uint32_t count)
{
	struct hc_args a = { .arg = { cmd, fake_va(arg), count } };

	return hc_grant_table_op(dom->vcpu[0], &a);
}

static struct grant_entry_v1 *entry(grant_ref_t ref)
{
	return (struct grant_entry_v1 *)frame_va(d->grant->frames[0]) + ref;
}

static void grant(grant_ref_t ref, domid_t to, mfn_t mfn, uint16_t flags)
{
	entry(ref)->domid = to;
	entry(ref)->frame = mfn;
	entry(ref)->flags = flags;
}

static void fresh(void)
{
	uint64_t frame;
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1,
					 .frame_list = fake_va(&frame) };

	fake_machine_reset();
	hv_opts.gnttab_max_frames = 4;
	hv_opts.gnttab_max_maptrack = 4;
	hv_opts.gnttab_max_version = 2;
	host_maps = 0;
	d = fake_domain(1, false);
	e = fake_domain(2, false);
	f = fake_domain(3, false);
	page = fake_give_frame(d);
	EXPECT_EQ(gnttab(d, GNTTABOP_setup_table, &st, 1), 0);
	EXPECT_EQ(st.status, GNTST_okay);
	EXPECT_EQ(frame, d->grant->frames[0]);
	grant(8, e->domid, page, GTF_permit_access);
	grant(9, e->domid, page, GTF_permit_access | GTF_readonly);
}

static bool books_close(void)
{
	return mm_audit(d) && mm_audit(e);
}

static struct gnttab_map_grant_ref map(domid_t dom, grant_ref_t ref, uint32_t flags)
{
	struct gnttab_map_grant_ref m = { .dom = dom, .ref = ref, .flags = flags,
					  .host_addr = (flags & GNTMAP_host_map) ? HOST_VA : 0 };

	EXPECT_EQ(gnttab(e, GNTTABOP_map_grant_ref, &m, 1), 0);
	return m;
}

static int16_t unmap(grant_handle_t h, uint64_t host_addr, uint64_t bus)
{
	struct gnttab_unmap_grant_ref u = { .handle = h, .host_addr = host_addr,
					    .dev_bus_addr = bus };

	EXPECT_EQ(gnttab(e, GNTTABOP_unmap_grant_ref, &u, 1), 0);
	return u.status;
}

/* Maps mark the entry in use and pin the frame; the last unmap undoes both. */
static void map_marks_unmap_clears(void)
{
	struct gnttab_map_grant_ref rw, ro;
	uint64_t bus;

	fresh();
	bus = page << PAGE_SHIFT;
	rw = map(d->domid, 8, GNTMAP_device_map);
	EXPECT_EQ(rw.status, GNTST_okay);
	EXPECT_EQ(rw.dev_bus_addr, bus);
	EXPECT_EQ(entry(8)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	EXPECT_EQ(frame_table[page].count, 2);
	EXPECT_EQ(frame_table[page].type, PGT_writable);
	EXPECT(books_close());
	ro = map(d->domid, 8, GNTMAP_device_map | GNTMAP_readonly);
	EXPECT_EQ(ro.status, GNTST_okay);
	EXPECT(ro.handle != rw.handle);
	EXPECT_EQ(frame_table[page].count, 2);			/* one pin for all uses */
	EXPECT(books_close());

	EXPECT_EQ(unmap(rw.handle, 0, bus), GNTST_okay);
	EXPECT_EQ(entry(8)->flags, GTF_permit_access | GTF_reading);
	EXPECT_EQ(frame_table[page].type_count, 0);
	EXPECT(books_close());
	EXPECT_EQ(unmap(ro.handle, 0, bus), GNTST_okay);
	EXPECT_EQ(entry(8)->flags, GTF_permit_access);	/* the granter may end access */
	EXPECT_EQ(frame_table[page].count, 1);
	EXPECT_EQ(unmap(ro.handle, 0, bus), GNTST_bad_handle);
	EXPECT_EQ(d->grant->nr_pinned, 0);
	EXPECT_EQ(e->grant->nr_maps, 0);
	EXPECT(books_close());
}

/* A host and device mapping at once: two uses, each unmapped on its own. */
static void host_and_device_uses(void)
{
	struct gnttab_map_grant_ref m;
	uint64_t bus;

	fresh();
	bus = page << PAGE_SHIFT;
	m = map(d->domid, 9, GNTMAP_host_map | GNTMAP_device_map | GNTMAP_readonly);
	EXPECT_EQ(m.status, GNTST_okay);
	EXPECT_EQ(host_maps, 1);
	EXPECT_EQ(entry(9)->flags, GTF_permit_access | GTF_readonly | GTF_reading);
	EXPECT_EQ(unmap(m.handle, HOST_VA, 0), GNTST_okay);
	EXPECT_EQ(host_maps, 0);
	EXPECT_EQ(entry(9)->flags & GTF_reading, GTF_reading);	/* the device use stays */
	EXPECT_EQ(unmap(m.handle, HOST_VA, bus + PAGE_SIZE), GNTST_bad_dev_addr);
	EXPECT_EQ(unmap(m.handle, 0, bus), GNTST_okay);
	EXPECT_EQ(entry(9)->flags, GTF_permit_access | GTF_readonly);
	EXPECT_EQ(unmap(m.handle, 0, bus), GNTST_bad_handle);
	EXPECT(books_close());
}

/* What a map is refused for, and that a refusal leaves no bit and no reference. */
static void map_refusals(void)
{
	mfn_t table, theirs;

	fresh();
	table = fake_give_frame(d);
	theirs = fake_give_frame(f);
	grant(10, f->domid, page, GTF_permit_access);			/* to f, not e */
	grant(11, e->domid, theirs, GTF_permit_access);			/* not d's frame */
	grant(12, e->domid, table, GTF_permit_access);			/* a page table */
	grant(13, e->domid, page, GTF_permit_access | GTF_sub_page);	/* copy only */
	EXPECT_EQ(pt_pin(d, table, 1), 0);

	EXPECT_EQ(map(d->domid, 9, GNTMAP_device_map).status, GNTST_general_error);
	EXPECT_EQ(entry(9)->flags, GTF_permit_access | GTF_readonly);
	EXPECT_EQ(map(d->domid, 10, GNTMAP_device_map).status, GNTST_general_error);
	EXPECT_EQ(entry(10)->flags, GTF_permit_access);
	EXPECT_EQ(map(d->domid, 11, GNTMAP_device_map).status, GNTST_bad_page);
	EXPECT_EQ(entry(11)->flags, GTF_permit_access);
	EXPECT_EQ(map(d->domid, 12, GNTMAP_device_map).status, GNTST_general_error);
	EXPECT_EQ(entry(12)->flags, GTF_permit_access);
	EXPECT_EQ(map(d->domid, 12, GNTMAP_device_map | GNTMAP_readonly).status, GNTST_okay);
	EXPECT_EQ(map(d->domid, 13, GNTMAP_device_map).status, GNTST_general_error);
	EXPECT_EQ(map(d->domid, d->grant->nr_entries, GNTMAP_device_map).status,
		  GNTST_bad_gntref);
	EXPECT_EQ(map(DOMID_SELF, 8, GNTMAP_device_map).status, GNTST_bad_domain);
	EXPECT_EQ(map(77, 8, GNTMAP_device_map).status, GNTST_bad_domain);
	EXPECT_EQ(map(d->domid, 8, 0).status, GNTST_bad_gntref);
	EXPECT_EQ(map(d->domid, 7, GNTMAP_device_map).status, GNTST_general_error);	/* invalid */
	EXPECT_EQ(frame_table[page].count, 1);
	EXPECT_EQ(frame_table[theirs].count, 1);
	EXPECT(books_close());
	EXPECT(mm_audit(f));
}

/*
 * Revocation: the granter takes the entry back. Before any use the next
 * map fails; while in use the granter sees GTF_reading and must wait;
 * once the last use goes it can.
 */
static void revocation(void)
{
	struct gnttab_map_grant_ref m;
	uint16_t expect = GTF_permit_access;

	fresh();
	entry(8)->flags = GTF_invalid;				/* ended before use */
	EXPECT_EQ(map(d->domid, 8, GNTMAP_device_map).status, GNTST_general_error);
	EXPECT_EQ(entry(8)->flags, GTF_invalid);

	grant(8, e->domid, page, GTF_permit_access);
	m = map(d->domid, 8, GNTMAP_device_map);
	EXPECT_EQ(m.status, GNTST_okay);
	/* The granter's gnttab_end_foreign_access: cmpxchg flags 0 only if idle. */
	EXPECT(!__atomic_compare_exchange_n(&entry(8)->flags, &expect, GTF_invalid, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	EXPECT_EQ(unmap(m.handle, 0, page << PAGE_SHIFT), GNTST_okay);
	expect = GTF_permit_access;
	EXPECT(__atomic_compare_exchange_n(&entry(8)->flags, &expect, GTF_invalid, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	EXPECT(books_close());
}

/* The granter dies with its frame mapped: frame and table live until the unmap. */
static void granter_dies_while_mapped(void)
{
	struct gnttab_map_grant_ref m;
	uint64_t free_before;

	fresh();
	m = map(d->domid, 8, GNTMAP_device_map);
	EXPECT_EQ(m.status, GNTST_okay);
	d->dying = true;
	grant_table_destroy(d);
	EXPECT(d->grant != NULL);				/* an entry is pinned */
	EXPECT(!put_alloc_ref(page));				/* e still holds it */
	EXPECT_EQ(frame_table[page].owner, d->domid);
	free_before = machine_frames.nr_free;
	EXPECT_EQ(unmap(m.handle, 0, page << PAGE_SHIFT), GNTST_okay);
	EXPECT(d->grant == NULL);				/* freed with the last pin */
	EXPECT_EQ(frame_table[page].owner, DOMID_INVALID);	/* and the frame */
	EXPECT(machine_frames.nr_free > free_before + 1);
	EXPECT_EQ(d->nr_held, 0);
	EXPECT(mm_audit(e));
}

static int16_t copy(struct gnttab_copy *c)
{
	EXPECT_EQ(gnttab(e, GNTTABOP_copy, c, 1), 0);
	return c->status;
}

/* Copies pin and unpin inside the call, within the page and the grant. */
static void copies(void)
{
	mfn_t mine;
	struct gnttab_copy c;
	uint8_t *src, *dst;

	fresh();
	mine = fake_give_frame(e);
	src = frame_va(page);
	dst = frame_va(mine);
	memcpy(src + 100, "granted", 8);
	c = (struct gnttab_copy){ .source = { .u.ref = 8, .domid = d->domid, .offset = 100 },
				  .dest = { .u.gmfn = mine, .domid = DOMID_SELF, .offset = 200 },
				  .len = 8, .flags = GNTCOPY_source_gref };
	EXPECT_EQ(copy(&c), GNTST_okay);
	EXPECT(!memcmp(dst + 200, "granted", 8));
	EXPECT_EQ(entry(8)->flags, GTF_permit_access);		/* nothing left set */
	EXPECT_EQ(frame_table[page].count, 1);

	/* Into the grant: only a writable one. */
	memcpy(dst, "back", 5);
	c = (struct gnttab_copy){ .source = { .u.gmfn = mine, .domid = DOMID_SELF },
				  .dest = { .u.ref = 9, .domid = d->domid, .offset = 8 },
				  .len = 5, .flags = GNTCOPY_dest_gref };
	EXPECT_EQ(copy(&c), GNTST_general_error);
	EXPECT_EQ(entry(9)->flags, GTF_permit_access | GTF_readonly);
	c.dest.u.ref = 8;
	EXPECT_EQ(copy(&c), GNTST_okay);
	EXPECT(!memcmp(src + 8, "back", 5));
	EXPECT_EQ(entry(8)->flags, GTF_permit_access);
	EXPECT_EQ(frame_table[page].type_count, 0);

	/* Past the page, another's plain frame, a bad argument list. */
	c.dest.offset = PAGE_SIZE - 2;
	EXPECT_EQ(copy(&c), GNTST_bad_copy_arg);
	c = (struct gnttab_copy){ .source = { .u.gmfn = page, .domid = DOMID_SELF },
				  .dest = { .u.gmfn = mine, .domid = DOMID_SELF }, .len = 8 };
	EXPECT_EQ(copy(&c), GNTST_bad_page);
	c.source.domid = d->domid;
	EXPECT_EQ(copy(&c), GNTST_permission_denied);
	EXPECT_EQ(gnttab(e, GNTTABOP_copy, (void *)FAKE_BAD_VA, 1), -EFAULT);
	EXPECT(books_close());
}

/* Version 2: the in-use bits move to the status word; sub-page grants bound copies. */
static void v2_status_and_sub_page(void)
{
	struct gnttab_set_version sv = { .version = 2 };
	union grant_entry_v2 *e2;
	grant_status_t *status;
	struct gnttab_map_grant_ref m;
	struct gnttab_copy c;
	mfn_t mine;

	fresh();
	mine = fake_give_frame(e);
	entry(8)->flags = 0;
	entry(9)->flags = 0;
	EXPECT_EQ(gnttab(d, GNTTABOP_set_version, &sv, 1), 0);
	EXPECT_EQ(d->grant->version, 2);
	e2 = (union grant_entry_v2 *)frame_va(d->grant->frames[0]) + 8;
	status = (grant_status_t *)frame_va(d->grant->status[0]) + 8;
	e2->hdr.domid = e->domid;
	e2->full_page.frame = page;
	e2->hdr.flags = GTF_permit_access;
	m = map(d->domid, 8, GNTMAP_device_map);
	EXPECT_EQ(m.status, GNTST_okay);
	EXPECT_EQ(*status, GTF_reading | GTF_writing);
	EXPECT_EQ(e2->hdr.flags, GTF_permit_access);		/* the entry is the granter's */
	EXPECT(books_close());
	EXPECT_EQ(unmap(m.handle, 0, page << PAGE_SHIFT), GNTST_okay);
	EXPECT_EQ(*status, 0);

	e2->sub_page.page_off = 64;
	e2->sub_page.length = 32;
	e2->hdr.flags = GTF_permit_access | GTF_sub_page;
	EXPECT_EQ(map(d->domid, 8, GNTMAP_device_map).status, GNTST_general_error);
	EXPECT_EQ(*status, 0);
	c = (struct gnttab_copy){ .source = { .u.ref = 8, .domid = d->domid, .offset = 64 },
				  .dest = { .u.gmfn = mine, .domid = DOMID_SELF },
				  .len = 32, .flags = GNTCOPY_source_gref };
	EXPECT_EQ(copy(&c), GNTST_okay);
	c.source.offset = 65;
	EXPECT_EQ(copy(&c), GNTST_general_error);		/* one byte past the grant */
	c.source.offset = 32;
	EXPECT_EQ(copy(&c), GNTST_general_error);
	EXPECT_EQ(*status, 0);
	EXPECT(books_close());
}

/* A batch answers each element on its own. */
static void batch_statuses(void)
{
	struct gnttab_map_grant_ref m[3] = {
		{ .dom = 1, .ref = 8, .flags = GNTMAP_device_map | GNTMAP_readonly },
		{ .dom = 1, .ref = 9, .flags = GNTMAP_device_map },
		{ .dom = 1, .ref = 9, .flags = GNTMAP_device_map | GNTMAP_readonly },
	};
	struct gnttab_unmap_grant_ref u[2];

	fresh();
	EXPECT_EQ(gnttab(e, GNTTABOP_map_grant_ref, m, 3), 0);
	EXPECT_EQ(m[0].status, GNTST_okay);
	EXPECT_EQ(m[1].status, GNTST_general_error);
	EXPECT_EQ(m[2].status, GNTST_okay);
	EXPECT_EQ(e->grant->nr_maps, 2);
	EXPECT(books_close());
	u[0] = (struct gnttab_unmap_grant_ref){ .handle = m[0].handle, .dev_bus_addr = m[0].dev_bus_addr };
	u[1] = (struct gnttab_unmap_grant_ref){ .handle = m[2].handle, .dev_bus_addr = m[2].dev_bus_addr };
	EXPECT_EQ(gnttab(e, GNTTABOP_unmap_grant_ref, u, 2), 0);
	EXPECT_EQ(u[0].status, GNTST_okay);
	EXPECT_EQ(u[1].status, GNTST_okay);
	EXPECT_EQ(entry(8)->flags, GTF_permit_access);
	EXPECT_EQ(entry(9)->flags, GTF_permit_access | GTF_readonly);
	EXPECT(books_close());
}

/*
 * A batch looks for preemption before every element but the first (as
 * Xen's hypercall_preempt_check): told yes each time, each call does one
 * element and continues from the next (args and count advanced), and the
 * results are those of one call.
 */
static void batch_preempted_each_element(void)
{
	struct gnttab_map_grant_ref m[3] = {
		{ .dom = 1, .ref = 8, .flags = GNTMAP_device_map | GNTMAP_readonly },
		{ .dom = 1, .ref = 9, .flags = GNTMAP_device_map },
		{ .dom = 1, .ref = 9, .flags = GNTMAP_device_map | GNTMAP_readonly },
	};
	struct hc_args a = { .arg = { GNTTABOP_map_grant_ref, fake_va(m), 3 } };
	unsigned int calls = 0;
	long rc;

	fresh();
	m[1].status = m[2].status = 0x777;
	fake_preempt = true;
	do {
		rc = hc_grant_table_op(e->vcpu[0], &a);
		calls++;
		if (calls == 1) {
			EXPECT_EQ(rc, -ERESTART);
			EXPECT_EQ(a.arg[1], fake_va(&m[1]));
			EXPECT_EQ(a.arg[2], 2);
			EXPECT_EQ(m[0].status, GNTST_okay);
			EXPECT_EQ(m[1].status, 0x777);		/* not reached */
		}
	} while (rc == -ERESTART && calls < 10);
	fake_preempt = false;
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(calls, 3);
	EXPECT_EQ(m[1].status, GNTST_general_error);
	EXPECT_EQ(m[2].status, GNTST_okay);
	EXPECT(e->grant && e->grant->nr_maps == 2);
	EXPECT(books_close());
}

/*
 * Unmaps that owe a flush hold their uses until one flush every
 * UNMAP_HOLD elements and at the batch's end; a failing element between
 * them changes nothing; a handle whose uses are all held is gone for the
 * elements after it. Those that owe none let go at once.
 */
static void unmap_batch_holds(void)
{
	struct gnttab_unmap_grant_ref u[41];
	struct gnttab_map_grant_ref m;
	uint64_t bus;
	unsigned int i;

	fresh();
	for (i = 0; i < 41; i++) {
		m = map(d->domid, 8, GNTMAP_host_map);
		EXPECT_EQ(m.status, GNTST_okay);
		u[i] = (struct gnttab_unmap_grant_ref){ .handle = i == 5 ? 0xffff : m.handle,
							.host_addr = HOST_VA };
	}
	flushes = 0;
	EXPECT_EQ(gnttab(e, GNTTABOP_unmap_grant_ref, u, 41), 0);
	for (i = 0; i < 41; i++)
		EXPECT_EQ(u[i].status, i == 5 ? GNTST_bad_handle : GNTST_okay);
	EXPECT_EQ(flushes, 2);			/* after 32 held uses, and at the end */
	EXPECT_EQ(e->grant->nr_maps, 1);	/* the mapping behind element 5 */
	EXPECT_EQ(entry(8)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	EXPECT(books_close());

	fresh();
	bus = page << PAGE_SHIFT;
	m = map(d->domid, 9, GNTMAP_host_map | GNTMAP_device_map | GNTMAP_readonly);
	for (i = 0; i < 4; i++)
		u[i] = (struct gnttab_unmap_grant_ref){ .handle = m.handle,
							.host_addr = i < 2 ? HOST_VA : 0,
							.dev_bus_addr = i < 2 ? 0 : bus };
	flushes = 0;
	EXPECT_EQ(gnttab(e, GNTTABOP_unmap_grant_ref, u, 4), 0);
	EXPECT_EQ(u[0].status, GNTST_okay);
	EXPECT_EQ(u[1].status, GNTST_okay);	/* the device use is still there */
	EXPECT_EQ(u[2].status, GNTST_okay);
	EXPECT_EQ(u[3].status, GNTST_bad_handle);
	EXPECT_EQ(flushes, 1);
	EXPECT_EQ(e->grant->nr_maps, 0);
	EXPECT_EQ(entry(9)->flags, GTF_permit_access | GTF_readonly);
	EXPECT(books_close());

	/*
	 * Preempted after 32 elements, 31 of them held (element 3 fails): let
	 * go before the continuation returns, the rest by the continuation.
	 */
	fresh();
	for (i = 0; i < 40; i++) {
		m = map(d->domid, 8, GNTMAP_host_map);
		u[i] = (struct gnttab_unmap_grant_ref){ .handle = i == 3 ? 0xffff : m.handle,
							.host_addr = HOST_VA };
	}
	flushes = 0;
	fake_preempt_in = 32;		/* the check before element 32 */
	EXPECT_EQ(gnttab(e, GNTTABOP_unmap_grant_ref, u, 40), -ERESTART);
	EXPECT_EQ(fake_preempt_in, 0);
	EXPECT_EQ(flushes, 1);
	EXPECT_EQ(e->grant->nr_maps, 9);
	EXPECT(books_close());
	EXPECT_EQ(gnttab(e, GNTTABOP_unmap_grant_ref, u + 32, 8), 0);
	EXPECT_EQ(flushes, 2);
	EXPECT_EQ(e->grant->nr_maps, 1);
	EXPECT(books_close());

	fresh();
	hold_owed = false;
	m = map(d->domid, 8, GNTMAP_host_map);
	flushes = 0;
	EXPECT_EQ(unmap(m.handle, HOST_VA, 0), GNTST_okay);
	EXPECT_EQ(flushes, 0);
	EXPECT_EQ(entry(8)->flags, GTF_permit_access);
	EXPECT_EQ(e->grant->nr_maps, 0);
	EXPECT(books_close());
	hold_owed = true;
}

/* ------------------------------------------------ locks across CPUs */

extern __thread unsigned int unit_cpu;

static void *unmap_as_cpu1(void *arg)
{
	struct gnttab_unmap_grant_ref *u = arg;

	unit_cpu = 1;
	EXPECT_EQ(gnttab(e, GNTTABOP_unmap_grant_ref, u, 1), 0);
	return NULL;
}

/*
 * e (d2) unmaps a grant of d's (d1): it finds the granter under its own
 * lock and only tries d's, lower. While another CPU holds d's it lets
 * its own go (that CPU could want it: no deadlock), waits for d's, takes
 * its own again and finds the handle again.
 */
static void unmap_waits_for_a_lower_granter(void)
{
	struct gnttab_map_grant_ref m;
	struct gnttab_unmap_grant_ref u;
	unsigned long before;
	pthread_t t;

	fresh();
	m = map(d->domid, 8, GNTMAP_device_map);
	EXPECT_EQ(m.status, GNTST_okay);
	u = (struct gnttab_unmap_grant_ref){ .handle = m.handle, .dev_bus_addr = page << PAGE_SHIFT,
					     .status = 99 };
	before = grant_lock_retries;
	unit_cpu = 2;
	spin_lock(&d->grant_lock);
	EXPECT_EQ(pthread_create(&t, NULL, unmap_as_cpu1, &u), 0);
	while (__atomic_load_n(&grant_lock_retries, __ATOMIC_ACQUIRE) == before)
		;	/* CPU 1 tried d's lock and let e's go: it waits for d's now */
	EXPECT(!spin_is_locked(&e->grant_lock));
	EXPECT_EQ(u.status, 99);
	EXPECT_EQ(entry(8)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	spin_unlock(&d->grant_lock);
	pthread_join(t, NULL);
	unit_cpu = 0;
	EXPECT_EQ(grant_lock_retries, before + 1);
	EXPECT_EQ(u.status, GNTST_okay);
	EXPECT_EQ(entry(8)->flags, GTF_permit_access);
	EXPECT_EQ(e->grant->nr_maps, 0);
	EXPECT(books_close());
}

/* f's (d3) table in v2, its entry 8 passing on d's entry 10 to e. */
static void transitive_via_f(void)
{
	uint64_t frame;
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1,
					 .frame_list = fake_va(&frame) };
	struct gnttab_set_version sv = { .version = 2 };
	union grant_entry_v2 *t;

	EXPECT_EQ(gnttab(f, GNTTABOP_setup_table, &st, 1), 0);
	EXPECT_EQ(gnttab(f, GNTTABOP_set_version, &sv, 1), 0);
	t = (union grant_entry_v2 *)frame_va(f->grant->frames[0]) + 8;
	t->transitive.trans_domid = d->domid;
	t->transitive.gref = 10;
	t->hdr.domid = e->domid;
	t->hdr.flags = GTF_transitive;
	grant(10, f->domid, page, GTF_permit_access);
}

static void *copy_as_cpu1(void *arg)
{
	unit_cpu = 1;
	copy(arg);
	return NULL;
}

/*
 * e copies out of f's transitive entry (d3), which passes on d's (d1):
 * the copy learns of d's table from f's entry, holding f's, and only
 * tries it. While another CPU holds d's the copy undoes its pin, lets
 * f's go and runs again taking d's, then f's, in order.
 */
static void transitive_copy_runs_again(void)
{
	struct gnttab_copy c;
	unsigned long before;
	mfn_t mine;
	pthread_t t;

	fresh();
	transitive_via_f();
	mine = fake_give_frame(e);
	memcpy((uint8_t *)frame_va(page) + 16, "passed on", 10);
	c = (struct gnttab_copy){ .source = { .u.ref = 8, .domid = f->domid, .offset = 16 },
				  .dest = { .u.gmfn = mine, .domid = DOMID_SELF },
				  .len = 10, .flags = GNTCOPY_source_gref, .status = 99 };
	before = grant_lock_retries;
	EXPECT_EQ(copy(&c), GNTST_okay);
	EXPECT_EQ(grant_lock_retries, before);		/* uncontended: the try took d's */
	EXPECT(!memcmp(frame_va(mine), "passed on", 10));
	memset(frame_va(mine), 0, 16);
	c.status = 99;
	unit_cpu = 2;
	spin_lock(&d->grant_lock);
	EXPECT_EQ(pthread_create(&t, NULL, copy_as_cpu1, &c), 0);
	while (__atomic_load_n(&grant_lock_retries, __ATOMIC_ACQUIRE) == before)
		;
	EXPECT_EQ(c.status, 99);
	spin_unlock(&d->grant_lock);
	pthread_join(t, NULL);
	unit_cpu = 0;
	EXPECT_EQ(c.status, GNTST_okay);
	EXPECT(!memcmp(frame_va(mine), "passed on", 10));
	EXPECT_EQ(entry(10)->flags, GTF_permit_access);
	EXPECT_EQ(d->grant->nr_pinned, 0);
	EXPECT_EQ(f->grant->nr_pinned, 0);
	EXPECT_EQ(frame_table[page].count, 1);
	EXPECT(books_close() && mm_audit(f));
}

/*
 * A copy batch keeps the granters it named, and their locks, for the
 * elements after naming the same ones (struct copy_batch): across more
 * than COPY_HOLD elements, another granter, one that does not exist, a
 * failing element and one entry on both sides, each element answers as
 * alone, and no lock, reference or pin is left when the call returns,
 * also when every call is preempted after one element.
 */
#define KEEP_N	40
static void copy_batch_elements(struct gnttab_copy *c, mfn_t mine, grant_ref_t fref)
{
	unsigned int i;

	for (i = 0; i < KEEP_N; i++)
		c[i] = (struct gnttab_copy){
			.source = { .u.ref = 8, .domid = d->domid },
			.dest = { .u.gmfn = mine, .domid = DOMID_SELF, .offset = i * 8 },
			.len = 8, .flags = GNTCOPY_source_gref, .status = 99 };
	c[5].source.domid = f->domid;
	c[5].source.u.ref = fref;
	c[6].source.domid = 77;				/* no such domain */
	c[7] = (struct gnttab_copy){ .source = { .u.gmfn = mine, .domid = DOMID_SELF },
				     .dest = { .u.ref = 9, .domid = d->domid },	/* read-only */
				     .len = 8, .flags = GNTCOPY_dest_gref, .status = 99 };
	c[30].dest = (struct gnttab_copy_ptr){ .u.ref = 8, .domid = d->domid, .offset = 64 };
	c[30].flags |= GNTCOPY_dest_gref;		/* d's entry 8 on both sides */
}

static bool copy_batch_let_go(uint32_t dref, uint32_t fref)
{
	return !spin_is_locked(&d->grant_lock) && !spin_is_locked(&e->grant_lock) &&
	       !spin_is_locked(&f->grant_lock) && d->refcnt == dref && f->refcnt == fref &&
	       d->grant->nr_pinned == 0 && f->grant->nr_pinned == 0;
}

static void copy_batch_results(const struct gnttab_copy *c, mfn_t mine)
{
	const uint8_t *dst = frame_va(mine);
	unsigned int i;

	for (i = 0; i < KEEP_N; i++) {
		int16_t want = i == 6 ? GNTST_bad_domain : i == 7 ? GNTST_general_error : GNTST_okay;

		EXPECT_EQ(c[i].status, want);
		if (want == GNTST_okay && i != 30)
			EXPECT(!memcmp(dst + i * 8, i == 5 ? "from f!" : "granted", 8));
	}
	EXPECT(!memcmp((uint8_t *)frame_va(page) + 64, "granted", 8));
	EXPECT_EQ(entry(8)->flags, GTF_permit_access);
	EXPECT_EQ(entry(9)->flags, GTF_permit_access | GTF_readonly);
	EXPECT_EQ(frame_table[page].count, 1);
	EXPECT_EQ(frame_table[page].type_count, 0);
}

static void copy_batch_keeps_granters(void)
{
	uint64_t frame;
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1,
					 .frame_list = fake_va(&frame) };
	static struct gnttab_copy c[KEEP_N];
	struct hc_args a;
	struct grant_entry_v1 *fe;
	uint32_t dref, fref;
	unsigned int calls = 0;
	mfn_t mine, fpage;
	long rc;

	fresh();
	mine = fake_give_frame(e);
	fpage = fake_give_frame(f);
	EXPECT_EQ(gnttab(f, GNTTABOP_setup_table, &st, 1), 0);
	fe = (struct grant_entry_v1 *)frame_va(f->grant->frames[0]) + 12;
	fe->domid = e->domid;
	fe->frame = fpage;
	fe->flags = GTF_permit_access;
	memcpy(frame_va(page), "granted", 8);
	memcpy(frame_va(fpage), "from f!", 8);
	dref = d->refcnt;
	fref = f->refcnt;

	copy_batch_elements(c, mine, 12);
	EXPECT_EQ(gnttab(e, GNTTABOP_copy, c, KEEP_N), 0);
	copy_batch_results(c, mine);
	EXPECT(copy_batch_let_go(dref, fref));
	EXPECT_EQ(fe->flags, GTF_permit_access);

	memset(frame_va(mine), 0, PAGE_SIZE);
	copy_batch_elements(c, mine, 12);
	a = (struct hc_args){ .arg = { GNTTABOP_copy, fake_va(c), KEEP_N } };
	fake_preempt = true;
	do {
		rc = hc_grant_table_op(e->vcpu[0], &a);
		calls++;
		EXPECT(copy_batch_let_go(dref, fref));	/* nothing kept across the continuation */
	} while (rc == -ERESTART && calls < KEEP_N + 5);
	fake_preempt = false;
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(calls, KEEP_N);
	copy_batch_results(c, mine);
	EXPECT(books_close() && mm_audit(f));
}

/*
 * How long a copy batch keeps a granter's lock: every COPY_HOLD elements
 * at most, the lock is free while the batch reads the next element (at
 * its preemption check, before each element but the first), whatever the
 * elements: all copying, or the first copying and the rest refused
 * before any lock (offset and length past the page). Until 6 Dec the
 * COPY_HOLD-th element let the locks go and took them again at once
 * (no turn for another CPU spinning on a test-and-set lock), and a
 * refused element did not count: d's lock held for the whole batch.
 */
#define HOLD_N	(4 * COPY_HOLD)
static unsigned int hold_run, hold_longest;

static void hold_look(void)
{
	hold_run = spin_is_locked(&d->grant_lock) ? hold_run + 1 : 0;
	if (hold_run > hold_longest)
		hold_longest = hold_run;
}

static void copy_batch_lets_others_in(void)
{
	static struct gnttab_copy c[HOLD_N];
	unsigned int refused, i;
	mfn_t mine;

	for (refused = 0; refused < 2; refused++) {
		fresh();
		mine = fake_give_frame(e);
		memcpy(frame_va(page), "granted", 8);
		for (i = 0; i < HOLD_N; i++)
			c[i] = (struct gnttab_copy){
				.source = { .u.ref = 8, .domid = d->domid },
				.dest = { .u.gmfn = mine, .domid = DOMID_SELF,
					  .offset = refused && i ? PAGE_SIZE - 4 : (i % 64) * 8 },
				.len = 8, .flags = GNTCOPY_source_gref, .status = 99 };
		hold_run = hold_longest = 0;
		fake_on_preempt_check = hold_look;
		EXPECT_EQ(gnttab(e, GNTTABOP_copy, c, HOLD_N), 0);
		fake_on_preempt_check = NULL;
		for (i = 0; i < HOLD_N; i++)
			EXPECT_EQ(c[i].status, refused && i ? GNTST_bad_copy_arg : GNTST_okay);
		EXPECT(hold_longest < COPY_HOLD);
		if (hold_longest >= COPY_HOLD)
			printf("  %s: d's lock held at %u element reads in a row\n",
			       refused ? "one copy, then refused ones" : "copies", hold_longest);
		EXPECT(!spin_is_locked(&d->grant_lock) && d->grant->nr_pinned == 0);
		EXPECT(books_close());
	}
}

#define RACE_ROUNDS	20000
static int race_errors;
static unsigned int race_ready;

/* Each racer starts once all three are up, so their rounds overlap. */
static void race_start(void)
{
	__atomic_add_fetch(&race_ready, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&race_ready, __ATOMIC_ACQUIRE) < 3)
		;
}

static void race_error(void)
{
	__atomic_add_fetch(&race_errors, 1, __ATOMIC_RELAXED);
}

/* CPU 1: e maps and unmaps d's entry 8 (e's lock and d's, lower, in order). */
static void *race_mapper(void *arg)
{
	struct gnttab_unmap_grant_ref u;
	struct gnttab_map_grant_ref m;
	unsigned int i;

	unit_cpu = 1;
	race_start();
	for (i = 0; i < RACE_ROUNDS; i++) {
		m = (struct gnttab_map_grant_ref){ .dom = d->domid, .ref = 8,
			.flags = GNTMAP_device_map | (i & 1 ? GNTMAP_readonly : 0) };
		if (gnttab(e, GNTTABOP_map_grant_ref, &m, 1) || m.status != GNTST_okay) {
			race_error();
			continue;
		}
		u = (struct gnttab_unmap_grant_ref){ .handle = m.handle,
						     .dev_bus_addr = page << PAGE_SHIFT };
		if (gnttab(e, GNTTABOP_unmap_grant_ref, &u, 1) || u.status != GNTST_okay)
			race_error();
	}
	return NULL;
}

/* CPUs 2 and 3: f copies out of and into d's entry 10 (d's lock only). */
static void *race_copier(void *arg)
{
	unsigned int me = (unsigned int)(uintptr_t)arg & 1, i;
	mfn_t mine = (mfn_t)(uintptr_t)arg >> 8;
	struct gnttab_copy c;

	unit_cpu = 2 + me;
	race_start();
	for (i = 0; i < RACE_ROUNDS; i++) {
		bool in = i & 1;

		c = (struct gnttab_copy){ .len = 8,
					  .flags = in ? GNTCOPY_dest_gref : GNTCOPY_source_gref };
		if (in) {
			c.source = (struct gnttab_copy_ptr){ .u.gmfn = mine, .domid = DOMID_SELF };
			c.dest = (struct gnttab_copy_ptr){ .u.ref = 10, .domid = d->domid,
							   .offset = 64 + 8 * me };
		} else {
			c.source = (struct gnttab_copy_ptr){ .u.ref = 10, .domid = d->domid };
			c.dest = (struct gnttab_copy_ptr){ .u.gmfn = mine, .domid = DOMID_SELF,
							   .offset = 8 * me };
		}
		if (gnttab(f, GNTTABOP_copy, &c, 1) || c.status != GNTST_okay)
			race_error();
	}
	return NULL;
}

/*
 * Three CPUs on one granter's table: one maps and unmaps d's entry 8
 * (its unmaps try d's lock against the order, and take both again when
 * a copier holds it), two copy through d's entry 10. Every op succeeds
 * and the books close; without the tables' locks the active entries'
 * counts and the in-use bits would not.
 */
static void grant_ops_race_across_cpus(void)
{
	pthread_t t[3];
	mfn_t mine[2];
	unsigned int i;

	fresh();
	grant(10, f->domid, page, GTF_permit_access);
	mine[0] = fake_give_frame(f);
	mine[1] = fake_give_frame(f);
	race_errors = 0;
	race_ready = 0;
	EXPECT_EQ(pthread_create(&t[0], NULL, race_mapper, NULL), 0);
	for (i = 0; i < 2; i++)
		EXPECT_EQ(pthread_create(&t[1 + i], NULL, race_copier,
					 (void *)(uintptr_t)((mine[i] << 8) | i)), 0);
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	unit_cpu = 0;
	EXPECT_EQ(race_errors, 0);
	EXPECT_EQ(entry(8)->flags, GTF_permit_access);
	EXPECT_EQ(entry(10)->flags, GTF_permit_access);
	EXPECT_EQ(d->grant->nr_pinned, 0);
	EXPECT_EQ(e->grant->nr_maps, 0);
	EXPECT_EQ(frame_table[page].count, 1);
	EXPECT(books_close());
}

int main(void)
{
	unit_suite = "grant_table";
	RUN(map_marks_unmap_clears);
	RUN(host_and_device_uses);
	RUN(map_refusals);
	RUN(revocation);
	RUN(granter_dies_while_mapped);
	RUN(copies);
	RUN(v2_status_and_sub_page);
	RUN(batch_statuses);
	RUN(batch_preempted_each_element);
	RUN(unmap_batch_holds);
	RUN(unmap_waits_for_a_lower_granter);
	RUN(transitive_copy_runs_again);
	RUN(copy_batch_keeps_granters);
	RUN(copy_batch_lets_others_in);
	RUN(grant_ops_race_across_cpus);
	return 0;
}
