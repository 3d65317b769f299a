// SPDX-License-Identifier: GPL-2.0-only
/*
 * grants: grant tables v1 between two boot-time domains
 * (docs/abi-devices.md §1). The peer grants dom0 a page read-write, one
 * read-only, one to copy into, one to a third domain, and leaves one
 * ref empty. dom0 maps and copies them and tries every wrong way, each
 * with its own GNTST_ code; a batch with one bad entry among good ones
 * reports each entry on its own. The peer then checks what dom0 left in
 * its table (in-use bits while mapped, none after copies), fails to end
 * access to a mapped page, maps a page of dom0's (and another whose PTE
 * it then clears behind the grant's back), and powers off without
 * unmapping anything, holding DEVICE_MAPS device maps of dom0's page
 * too, so many that their release on its destruction takes more than one
 * step. dom0 still owns a working mapping of the dead
 * peer's pages, sees its own grant released, unmaps, and the hypervisor
 * frees the peer's last frames.
 * @domus: self:peer:role=peer
 * @expect-log: d1 destroyed: \d+ frames freed, 2 still mapped by other domains \(\d+ steps: ports \d+, grant mappings ([2-9]|[1-9][0-9]+),(.|\n)*d1: the last of its frames is free
 * @xen: skip dom0 could build the peer (lib/peer.h), but this test needs the hypervisor to destroy a powered-off domU itself, which Xen 4.17 leaves to a toolstack
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer_mailbox.h"
#include <lamina/grant_table.h>
#include "lib/grant_end.h"
#include <lamina/memory.h>
#include <lamina/domctl.h>

#define REF_RW		8	/* peer -> dom0, writable */
#define REF_RO		9	/* peer -> dom0, read-only */
#define REF_COPY	10	/* peer -> dom0, writable, only copied into */
#define REF_NONE	11	/* never granted */
#define REF_OTHER	12	/* granted to d5, who does not exist */
#define REF_FAR		(1U << 20)
#define PEER		1
#define DEVICE_MAPS	60000	/* the peer's device maps of dom0's ref 8 */
#define MAP_BATCH	1000

static struct grant_entry_v1 *table;

static long gnttab(unsigned int cmd, void *arg, unsigned int count)
{
	return hypercall3(__HYPERVISOR_grant_table_op, cmd, arg, count);
}

/* Our table's first frame, mapped writable at a scratch page. */
static struct grant_entry_v1 *table_init(void)
{
	uint64_t frame = 0, va = scratch_page();
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)&frame };

	if (gnttab(GNTTABOP_setup_table, &st, 1) || st.status || !frame)
		return NULL;
	if (update_va_mapping(va, (frame << 12) | PTE_DATA, UVMF_INVLPG))
		return NULL;
	return (struct grant_entry_v1 *)va;
}

static void grant(grant_ref_t ref, domid_t dom, uint64_t va, bool ro)
{
	table[ref].domid = dom;
	table[ref].frame = (uint32_t)va_to_mfn(va);
	asm volatile("" ::: "memory");
	table[ref].flags = GTF_permit_access | (ro ? GTF_readonly : 0);
}

static int16_t map(domid_t dom, grant_ref_t ref, uint64_t addr, uint32_t flags,
		   grant_handle_t *h, uint64_t *bus)
{
	struct gnttab_map_grant_ref op = { addr, flags, ref, dom, 99, ~0U, 0 };
	long rc = gnttab(GNTTABOP_map_grant_ref, &op, 1);

	if (rc)
		return (int16_t)-100;	/* never a status: the call itself failed */
	if (h)
		*h = op.handle;
	if (bus)
		*bus = op.dev_bus_addr;
	return op.status;
}

static int16_t unmap(uint64_t addr, uint64_t bus, grant_handle_t h)
{
	struct gnttab_unmap_grant_ref op = { addr, bus, h, 99, 0 };

	return gnttab(GNTTABOP_unmap_grant_ref, &op, 1) ? (int16_t)-100 : op.status;
}

static struct gnttab_copy copy_op(uint64_t src, domid_t sdom, uint16_t soff, uint64_t dst,
				  domid_t ddom, uint16_t doff, uint16_t len, uint16_t flags)
{
	struct gnttab_copy c = { { { 0 }, sdom, soff, 0 }, { { 0 }, ddom, doff, 0 }, len, flags,
				 99, 0 };

	if (flags & GNTCOPY_source_gref)
		c.source.u.ref = (grant_ref_t)src;
	else
		c.source.u.gmfn = src;
	if (flags & GNTCOPY_dest_gref)
		c.dest.u.ref = (grant_ref_t)dst;
	else
		c.dest.u.gmfn = dst;
	return c;
}

static int16_t copy1(struct gnttab_copy c)
{
	return gnttab(GNTTABOP_copy, &c, 1) ? (int16_t)-100 : c.status;
}

static void put(char *dst, const char *s)
{
	strlcpy(dst, s, 4096 - ((uint64_t)dst & 4095));
}

/* ------------------------------------------------------------ the peer */

static struct mailbox *box;

/* Maps dom0's ref 8 DEVICE_MAPS times for devices only; how many took. */
static unsigned int device_maps(void)
{
	static struct gnttab_map_grant_ref ops[MAP_BATCH];
	unsigned int i, n, done = 0;

	for (n = 0; n < DEVICE_MAPS; n += MAP_BATCH) {
		for (i = 0; i < MAP_BATCH; i++)
			ops[i] = (struct gnttab_map_grant_ref){ 0, GNTMAP_device_map, 8, 0, 99, ~0U, 0 };
		if (gnttab(GNTTABOP_map_grant_ref, ops, MAP_BATCH))
			return done;
		for (i = 0; i < MAP_BATCH; i++)
			done += ops[i].status == GNTST_okay;
	}
	return done;
}

static void __attribute__((noreturn)) peer(void)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, 0, 0 };
	struct gnttab_query_size qs = { 0, 0, 0, 0, 99, 0 };
	uint64_t a = scratch_page(), b = scratch_page(), c = scratch_page(), d = scratch_page();
	uint64_t e = scratch_page(), x = scratch_page();
	grant_handle_t h;
	int16_t st;

	table = table_init();
	if (!table) {
		printf("peer: no grant table\n");
		shutdown(SHUTDOWN_crash);
	}
	box = (struct mailbox *)(a + MAILBOX_OFF);
	put((char *)a, "peer page A");
	put((char *)b, "peer page B, read-only");
	grant(REF_RW, 0, a, false);
	grant(REF_RO, 0, b, true);
	grant(REF_COPY, 0, c, false);
	grant(REF_OTHER, 5, d, false);
	evtchn_op(EVTCHNOP_alloc_unbound, &au);
	printf("peer: granted refs %u-%u, port %u waits for dom0\n", REF_RW, REF_OTHER, au.port);
	wait_for_port(au.port);

	/* dom0 holds A writable and B read-only, and has copied into C. */
	MAILBOX_CHECK(table[REF_RW].flags == (GTF_permit_access | GTF_reading | GTF_writing),
		      "mapped RW entry flags %#x", table[REF_RW].flags);
	MAILBOX_CHECK(table[REF_RO].flags == (GTF_permit_access | GTF_readonly | GTF_reading),
		      "mapped RO entry flags %#x", table[REF_RO].flags);
	MAILBOX_CHECK(table[REF_COPY].flags == GTF_permit_access,
		      "copy left flags %#x behind", table[REF_COPY].flags);
	MAILBOX_CHECK(!strcmp((char *)c + 500, "copied by dom0"), "copy into C did not arrive");
	MAILBOX_CHECK(!grant_end_access(&table[REF_RW]), "ended access to a page dom0 still maps");
	MAILBOX_CHECK(!strcmp((char *)a, "dom0 wrote here"),
		      "dom0's write through its mapping lost");

	/* Unprivileged: no looking at or growing dom0's table. */
	gnttab(GNTTABOP_query_size, &qs, 1);
	MAILBOX_CHECK(qs.status == GNTST_permission_denied, "query_size of d0 gave %d", qs.status);
	{
		struct gnttab_get_version gv = { 0, 0, 0 };
		uint64_t frame = 0;
		struct gnttab_setup_table st = { 0, 0, 1, 99, { 0 }, (uint64_t)&frame };
		long rc = gnttab(GNTTABOP_get_version, &gv, 1);

		MAILBOX_CHECK(rc == -EPERM, "get_version of d0 gave %ld", rc);
		gnttab(GNTTABOP_setup_table, &st, 1);
		MAILBOX_CHECK(st.status == GNTST_permission_denied && !frame,
			      "setup_table of d0 gave %d", st.status);
	}

	/* Map what dom0 granted us: ref 8 writable, ref 9 read-only. */
	st = map(0, 8, e, GNTMAP_host_map, &h, NULL);
	MAILBOX_CHECK(st == GNTST_okay, "mapping d0's ref 8 gave %d", st);
	MAILBOX_CHECK(!strcmp((char *)e, "dom0 page E"), "d0's page reads '%.20s'", (char *)e);
	put((char *)e, "peer was here");
	st = map(0, 9, x, GNTMAP_host_map, &h, NULL);
	MAILBOX_CHECK(st == GNTST_general_error, "writable map of d0's read-only ref gave %d", st);
	/*
	 * Ref 9 read-only at x, its PTE then cleared by update_va_mapping
	 * (an implicit unmap): the unmap by x is refused and the entry stays
	 * in use until we die, as on Xen 4.17 (guest/attack-grant-pte).
	 */
	st = map(0, 9, x, GNTMAP_host_map | GNTMAP_readonly, &h, NULL);
	MAILBOX_CHECK(st == GNTST_okay, "read-only map of d0's ref 9 gave %d", st);
	MAILBOX_CHECK(update_va_mapping(x, 0, UVMF_INVLPG) == 0, "clearing the ref 9 PTE failed");
	st = unmap(x, 0, h);
	MAILBOX_CHECK(st == GNTST_general_error, "unmap of the cleared ref 9 PTE gave %d", st);
	MAILBOX_CHECK(device_maps() == DEVICE_MAPS, "device maps of d0's ref 8 failed");

	if (box->done != 2)
		box->done = 1;
	printf("peer: checks done (%s); powering off with everything mapped\n",
	       box->done == 1 ? "all good" : box->why);
	evtchn_send(au.port);
	shutdown(SHUTDOWN_poweroff);
}

/* ------------------------------------------------------------ dom0 */

static int table_calls(void)
{
	struct xen_memory_exchange x = { { 0 }, { 0 }, 0 };
	uint64_t in, out = 0;
	struct gnttab_query_size qs = { DOMID_SELF, 0, 0, 0, 99, 0 };
	struct gnttab_set_version sv = { 2 };
	struct gnttab_get_version gv = { DOMID_SELF, 0, 0 };
	uint64_t frames[2];
	struct gnttab_setup_table st = { DOMID_SELF, 0, 0, 0, { 0 }, (uint64_t)frames };
	struct xen_memory_reservation r = { (uint64_t)frames, 1, 0, 0, DOMID_SELF, { 0 } };
	long rc;

	CHECK(gnttab(GNTTABOP_query_size, &qs, 1) == 0 && qs.status == 0, "query_size failed");
	CHECK(qs.nr_frames == 1 && qs.max_nr_frames >= 2, "query_size: %u of %u frames",
	      qs.nr_frames, qs.max_nr_frames);
	/* v2 is offered, as by Xen 4.17 (grants-v2 tests it); this test is v1's. */
	rc = gnttab(GNTTABOP_set_version, &sv, 1);
	CHECK(rc == 0 && sv.version == 2, "set_version 2 gave %ld, version %u", rc, sv.version);
	sv.version = 1;
	CHECK(gnttab(GNTTABOP_set_version, &sv, 1) == 0 && sv.version == 1,
	      "set_version 1 refused");
	CHECK(gnttab(GNTTABOP_get_version, &gv, 1) == 0 && gv.version == 1, "get_version");
	st.nr_frames = qs.max_nr_frames + 1;
	gnttab(GNTTABOP_setup_table, &st, 1);
	CHECK(st.status == GNTST_general_error, "setup_table past the maximum gave %d", st.status);
	st.nr_frames = 1;
	st.dom = 77;
	gnttab(GNTTABOP_setup_table, &st, 1);
	CHECK(st.status == GNTST_bad_domain, "setup_table of d77 gave %d", st.status);
	rc = gnttab(42, &st, 1);
	CHECK(rc == -ENOSYS, "an unknown sub-op gave %ld", rc);
	rc = gnttab(GNTTABOP_map_grant_ref, (void *)0x1000, 1);
	CHECK(rc == -EFAULT, "an unreadable batch gave %ld", rc);
	/*
	 * 2^31 - 1 elements from the address space's last page (unmapped): a
	 * count Xen 4.17 takes (it refuses only a negative int), an array
	 * that wraps past the end of the address space: -EFAULT at its first
	 * element. Both look only at where the array starts and fault on the
	 * way (attack-cont), so an array on our stack would have its
	 * elements done, the statuses written over the stack above it.
	 */
	rc = gnttab(GNTTABOP_map_grant_ref, (void *)0xfffffffffffff000ULL, 0x7fffffff);
	CHECK(rc == -EFAULT, "an absurd count gave %ld", rc);
	rc = gnttab(GNTTABOP_map_grant_ref, &st, 0x80000000u);
	CHECK(rc == -EINVAL, "a count negative as an int gave %ld", rc);
	rc = gnttab(GNTTABOP_setup_table, &st, 2);
	CHECK(rc == -EINVAL, "setup_table with count 2 gave %ld", rc);
	/*
	 * The table is the hypervisor's, lent to us. Giving back a frame of
	 * it we have not mapped is "done" and changes nothing, as on Xen 4.17
	 * (guest_remove_page drops only the allocation reference of a page
	 * shared with the guest; it stays the grant table's); exchanging it
	 * away is refused.
	 */
	st.dom = DOMID_SELF;
	st.nr_frames = 2;
	gnttab(GNTTABOP_setup_table, &st, 1);
	CHECK(st.status == 0, "growing the table to 2 frames gave %d", st.status);
	r.extent_start = (uint64_t)&frames[1];
	rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, &r);
	CHECK(rc == 1, "decrease_reservation of our unmapped grant frame gave %ld", rc);
	in = frames[1];
	x.in = (struct xen_memory_reservation){ (uint64_t)&in, 1, 0, 0, DOMID_SELF, { 0 } };
	x.out = (struct xen_memory_reservation){ (uint64_t)&out, 1, 0, 0, DOMID_SELF, { 0 } };
	rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_exchange, &x);
	CHECK(rc == -EINVAL && !x.nr_exchanged, "exchanging a grant frame gave %ld", rc);
	return TEST_PASS;
}

/* Every wrong way to map, each with its own status; nothing is left behind. */
static int bad_maps(uint64_t va)
{
	static const struct {
		domid_t dom;
		grant_ref_t ref;
		uint32_t flags;
		int16_t want;
		const char *what;
	} cases[] = {
		{ PEER, REF_NONE, GNTMAP_host_map, GNTST_general_error, "a ref never granted" },
		{ PEER, REF_OTHER, GNTMAP_host_map, GNTST_general_error, "a ref granted to d5" },
		{ PEER, REF_FAR, GNTMAP_host_map, GNTST_bad_gntref, "a ref out of range" },
		{ PEER, REF_RO, GNTMAP_host_map, GNTST_general_error, "a read-only ref, writable" },
		{ 77, REF_RW, GNTMAP_host_map, GNTST_bad_domain, "a domain that does not exist" },
		{ PEER, REF_RW, 0, GNTST_bad_gntref, "neither host nor device map" },
		{ PEER, 0, GNTMAP_host_map, GNTST_general_error, "reserved ref 0, never granted" },
	};
	unsigned int i;
	int16_t st;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		st = map(cases[i].dom, cases[i].ref, va, cases[i].flags, NULL, NULL);
		CHECK(st == cases[i].want, "mapping %s gave %d, expected %d", cases[i].what, st,
		      cases[i].want);
	}
	st = map(PEER, REF_RW, 0x0000800000000000ULL, GNTMAP_host_map, NULL, NULL);
	CHECK(st == GNTST_general_error, "a non-canonical host address gave %d", st);
	st = map(PEER, REF_RW, 0xffff830000000000ULL, GNTMAP_host_map, NULL, NULL);
	CHECK(st == GNTST_general_error, "a host address in the hypervisor gave %d", st);
	st = map(PEER, REF_RW, l1e_maddr(va) + 4, GNTMAP_host_map | GNTMAP_contains_pte, NULL, NULL);
	CHECK(st == GNTST_general_error, "an unaligned PTE address gave %d", st);
	st = map(PEER, REF_RW, va_to_mfn(va) << 12, GNTMAP_host_map | GNTMAP_contains_pte, NULL,
		 NULL);
	CHECK(st == GNTST_general_error, "a PTE address in a plain page gave %d", st);
	return TEST_PASS;
}

static int batches(void)
{
	uint64_t v1 = scratch_page(), v2 = scratch_page();
	struct gnttab_map_grant_ref m[3] = {
		{ v1, GNTMAP_host_map | GNTMAP_readonly, REF_RW, PEER, 99, 0, 0 },
		{ v2, GNTMAP_host_map, REF_NONE, PEER, 99, 0, 0 },
		{ v2, GNTMAP_host_map | GNTMAP_readonly, REF_RO, PEER, 99, 0, 0 },
	};
	struct gnttab_unmap_grant_ref u[3];
	long rc = gnttab(GNTTABOP_map_grant_ref, m, 3);

	CHECK(rc == 0, "a batch with a bad entry gave rc %ld", rc);
	CHECK(m[0].status == 0 && m[1].status == GNTST_general_error && m[2].status == 0,
	      "batch statuses %d %d %d", m[0].status, m[1].status, m[2].status);
	CHECK(!strcmp((char *)v1, "dom0 wrote here") && !strcmp((char *)v2, "peer page B, read-only"),
	      "batch mappings show the wrong pages");
	u[0] = (struct gnttab_unmap_grant_ref){ v1, 0, m[0].handle, 99, 0 };
	u[1] = (struct gnttab_unmap_grant_ref){ v2, 0, 0x7777, 99, 0 };
	u[2] = (struct gnttab_unmap_grant_ref){ v2, 0, m[2].handle, 99, 0 };
	rc = gnttab(GNTTABOP_unmap_grant_ref, u, 3);
	CHECK(rc == 0 && u[0].status == 0 && u[1].status == GNTST_bad_handle && u[2].status == 0,
	      "unmap batch: rc %ld, statuses %d %d %d", rc, u[0].status, u[1].status, u[2].status);
	CHECK(!(l1e_of(v1) & PTE_P) && !(l1e_of(v2) & PTE_P), "unmap left a PTE present");
	return TEST_PASS;
}

/* contains_pte, device-only maps, guest-available bits, unmap_and_replace. */
static int map_kinds(void)
{
	uint64_t v = scratch_page(), w = scratch_page(), bus, pte;
	struct gnttab_unmap_and_replace ur;
	grant_handle_t h;
	int16_t st;

	st = map(PEER, REF_RW, l1e_maddr(v), GNTMAP_host_map | GNTMAP_contains_pte |
		 GNTMAP_application_map | (1U << _GNTMAP_guest_avail0), &h, &bus);
	CHECK(st == 0, "a contains_pte map gave %d", st);
	pte = l1e_of(v);
	CHECK((pte & PTE_ADDR) == bus && (pte & (PTE_P | PTE_RW | PTE_US)) == (PTE_P | PTE_RW | PTE_US) &&
	      (pte & (1ULL << 9)) && (pte >> 63), "the grant PTE is %#lx (bus %#lx)",
	      (unsigned long)pte, (unsigned long)bus);
	CHECK(!strcmp((char *)v, "dom0 wrote here"), "the contains_pte mapping shows the wrong page");
	st = unmap(l1e_maddr(v), 0, h);
	CHECK(st == 0, "unmapping by PTE address gave %d", st);

	st = map(PEER, REF_RO, 0, GNTMAP_device_map | GNTMAP_readonly, &h, &bus);
	CHECK(st == 0 && bus, "a device-only map gave %d", st);
	st = unmap(0, bus + 4096, h);
	CHECK(st == GNTST_bad_dev_addr, "unmap with the wrong bus address gave %d", st);
	st = unmap(0, bus, h);
	CHECK(st == 0, "device unmap gave %d", st);
	st = unmap(0, bus, h);
	CHECK(st == GNTST_bad_handle, "a second unmap of the handle gave %d", st);

	/* One handle, host and device use: each unmapped on its own. */
	st = map(PEER, REF_RO, v, GNTMAP_host_map | GNTMAP_device_map | GNTMAP_readonly, &h, &bus);
	CHECK(st == 0, "a host+device map gave %d", st);
	CHECK(unmap(v, 0, h) == 0 && !(l1e_of(v) & PTE_P), "host half unmap failed");
	CHECK(unmap(0, bus, h) == 0, "device half unmap failed");
	CHECK(unmap(0, bus, h) == GNTST_bad_handle, "handle still live after both halves");

	/* unmap_and_replace: bad handle, a PTE-address mapping, no new address. */
	ur = (struct gnttab_unmap_and_replace){ v, w, 0x7777, 99, 0 };
	gnttab(GNTTABOP_unmap_and_replace, &ur, 1);
	CHECK(ur.status == GNTST_bad_handle, "unmap_and_replace of a bad handle gave %d", ur.status);
	st = map(PEER, REF_RO, l1e_maddr(v), GNTMAP_host_map | GNTMAP_contains_pte |
		 GNTMAP_readonly, &h, NULL);
	CHECK(st == 0, "contains_pte map for replace gave %d", st);
	ur = (struct gnttab_unmap_and_replace){ v, 0, h, 99, 0 };
	gnttab(GNTTABOP_unmap_and_replace, &ur, 1);
	CHECK(ur.status == GNTST_general_error, "replacing a PTE-address mapping gave %d", ur.status);
	CHECK(unmap(l1e_maddr(v), 0, h) == 0, "contains_pte unmap failed");
	st = map(PEER, REF_RO, v, GNTMAP_host_map | GNTMAP_readonly, &h, NULL);
	ur = (struct gnttab_unmap_and_replace){ v, 0, h, 99, 0 };
	CHECK(st == 0 && gnttab(GNTTABOP_unmap_and_replace, &ur, 1) == 0 && ur.status == 0 &&
	      !(l1e_of(v) & PTE_P), "unmap_and_replace with no new address: %d", ur.status);

	put((char *)w, "the page that moves");
	st = map(PEER, REF_RO, v, GNTMAP_host_map | GNTMAP_readonly, &h, NULL);
	CHECK(st == 0, "map for unmap_and_replace gave %d", st);
	ur = (struct gnttab_unmap_and_replace){ v, w, h, 99, 0 };
	CHECK(gnttab(GNTTABOP_unmap_and_replace, &ur, 1) == 0 && ur.status == 0,
	      "unmap_and_replace gave %d", ur.status);
	CHECK(!strcmp((char *)v, "the page that moves") && !(l1e_of(w) & PTE_P),
	      "unmap_and_replace did not move the mapping");
	return TEST_PASS;
}

static int copies(void)
{
	uint64_t own = scratch_page(), mfn = va_to_mfn(own);
	struct gnttab_copy batch[3];
	int16_t st;

	st = copy1(copy_op(REF_RW, PEER, 12, mfn, DOMID_SELF, 200, 300, GNTCOPY_source_gref));
	CHECK(st == 0, "copy from the peer's ref gave %d", st);
	CHECK(!strcmp((char *)own + 200, "ere"), "copy with offsets brought '%.10s'", (char *)own + 200);
	put((char *)own, "copied by dom0");
	st = copy1(copy_op(mfn, DOMID_SELF, 0, REF_COPY, PEER, 500, 15, GNTCOPY_dest_gref));
	CHECK(st == 0, "copy into the peer's ref gave %d", st);

	st = copy1(copy_op(mfn, DOMID_SELF, 0, REF_RO, PEER, 0, 8, GNTCOPY_dest_gref));
	CHECK(st == GNTST_general_error, "copy into a read-only ref gave %d", st);
	st = copy1(copy_op(REF_RW, PEER, 4000, mfn, DOMID_SELF, 0, 200, GNTCOPY_source_gref));
	CHECK(st == GNTST_bad_copy_arg, "copy past the page end gave %d", st);
	st = copy1(copy_op(mfn, PEER, 0, REF_COPY, PEER, 0, 8, GNTCOPY_dest_gref));
	CHECK(st == GNTST_permission_denied, "a frame side naming d1 gave %d", st);
	st = copy1(copy_op(0xFFFFFFF, DOMID_SELF, 0, REF_COPY, PEER, 0, 8, GNTCOPY_dest_gref));
	CHECK(st == GNTST_bad_page, "a frame not ours gave %d", st);
	st = copy1(copy_op(REF_RW, 77, 0, mfn, DOMID_SELF, 0, 8, GNTCOPY_source_gref));
	CHECK(st == GNTST_bad_domain, "copy from d77 gave %d", st);
	st = copy1(copy_op(REF_FAR, PEER, 0, mfn, DOMID_SELF, 0, 8, GNTCOPY_source_gref));
	CHECK(st == GNTST_bad_gntref, "copy from a ref out of range gave %d", st);
	st = copy1(copy_op(REF_NONE, PEER, 0, mfn, DOMID_SELF, 0, 8, GNTCOPY_source_gref));
	CHECK(st == GNTST_general_error, "copy from a ref never granted gave %d", st);

	batch[0] = copy_op(REF_RW, PEER, 0, mfn, DOMID_SELF, 1000, 4, GNTCOPY_source_gref);
	batch[1] = copy_op(REF_RW, PEER, 4095, mfn, DOMID_SELF, 0, 2, GNTCOPY_source_gref);
	batch[2] = copy_op(REF_RO, PEER, 0, mfn, DOMID_SELF, 2000, 4, GNTCOPY_source_gref);
	CHECK(gnttab(GNTTABOP_copy, batch, 3) == 0, "copy batch failed as a call");
	CHECK(batch[0].status == 0 && batch[1].status == GNTST_bad_copy_arg && batch[2].status == 0,
	      "copy batch statuses %d %d %d", batch[0].status, batch[1].status, batch[2].status);
	CHECK(!memcmp((char *)own + 1000, "dom0", 4) && !memcmp((char *)own + 2000, "peer", 4),
	      "copy batch data wrong");
	return TEST_PASS;
}

/*
 * Whether the dead peer is destroyed: getdomaininfo no longer lists it, or
 * lists it dying (destroyed, its record kept while we still map its
 * frames, as Xen keeps it).
 */
static bool peer_destroyed(void)
{
	struct domctl op = { .domain = PEER };

	op.cmd = DOMCTL_getdomaininfo;
	op.interface_version = DOMCTL_INTERFACE_VERSION;
	return hypercall1(__HYPERVISOR_domctl, &op) == -ESRCH ||
	       op.u.getdomaininfo.domain != PEER || (op.u.getdomaininfo.flags & DOMINF_dying);
}

/*
 * Waits until the hypervisor has finished destroying the peer, so our
 * unmaps below cannot race the count of still-mapped frames it prints.
 */
static int await_peer_destroyed(void)
{
	unsigned int tries;

	for (tries = 0; !peer_destroyed() && peer_wait_more(&tries, 100000);)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	CHECK(peer_destroyed(), "the dead peer is still listed after %u yields", tries);
	return TEST_PASS;
}

static int dom0_side(void)
{
	struct evtchn_bind_interdomain bi = { .remote_dom = PEER, .remote_port = 1 };
	uint64_t e = scratch_page(), f = scratch_page(), va_rw = scratch_page();
	uint64_t va_ro = scratch_page(), spare = scratch_page();
	grant_handle_t h_rw, h_ro;
	struct mailbox *mb;
	unsigned int tries = 0;
	uint64_t bus;
	int16_t st;
	long rc;

	CHECK(table_calls() == TEST_PASS, "table calls");
	put((char *)e, "dom0 page E");
	grant(8, PEER, e, false);
	grant(9, PEER, f, true);
	while ((rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi)) == -EINVAL &&
	       peer_wait_more(&tries, 1000))
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	CHECK(rc == 0, "bind_interdomain to the peer gave %ld", rc);
	port_test_and_clear(bi.local_port);

	st = map(PEER, REF_RW, va_rw, GNTMAP_host_map, &h_rw, &bus);
	CHECK(st == 0, "mapping the peer's RW page gave %d", st);
	CHECK(bus >> 12 && !strcmp((char *)va_rw, "peer page A"), "the RW mapping reads '%.20s'",
	      (char *)va_rw);
	put((char *)va_rw, "dom0 wrote here");
	st = map(PEER, REF_RO, va_ro, GNTMAP_host_map | GNTMAP_readonly, &h_ro, NULL);
	CHECK(st == 0 && !strcmp((char *)va_ro, "peer page B, read-only"), "RO map gave %d", st);
	CHECK(!(l1e_of(va_ro) & PTE_RW), "the read-only grant is mapped writable");
	CHECK(bad_maps(spare) == TEST_PASS, "bad maps");
	st = unmap(va_rw, 0, 0x7777);
	CHECK(st == GNTST_bad_handle, "unmap with a wrong handle gave %d", st);
	st = unmap(va_ro, 0, h_rw);
	CHECK(st == GNTST_general_error, "unmap at an address mapping another page gave %d", st);
	CHECK(batches() == TEST_PASS, "batches");
	CHECK(map_kinds() == TEST_PASS, "map kinds");
	CHECK(copies() == TEST_PASS, "copies");

	/* The peer's turn: it checks, maps our page E, and powers off. */
	evtchn_send(bi.local_port);
	wait_for_port(bi.local_port);
	mb = (struct mailbox *)(va_rw + MAILBOX_OFF);
	CHECK(mb->done == 1, "the peer found: %s", mb->done == 2 ? mb->why : "nothing, never ran");
	CHECK(!strcmp((char *)e, "peer was here"), "the peer's write to our page is missing");

	/* Once the peer is gone its mapping of E is, and our entry is free. */
	for (tries = 0; ((table[8].flags | table[9].flags) & GTF_reading) &&
			peer_wait_more(&tries, 1000);)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	CHECK(table[8].flags == GTF_permit_access, "our entry after the mapper died: %#x",
	      table[8].flags);
	CHECK(table[9].flags == (GTF_permit_access | GTF_readonly), "ref 9 after the mapper died: %#x",
	      table[9].flags);
	CHECK(grant_end_access(&table[8]) && grant_end_access(&table[9]),
	      "could not end access after the mapper died");
	CHECK(await_peer_destroyed() == TEST_PASS, "the peer's destruction never ended");
	{
		struct evtchn_status es = { DOMID_SELF, 0, bi.local_port, 99, 0, { { 0 } } };

		CHECK(evtchn_op(EVTCHNOP_status, &es) == 0 && es.status == EVTCHNSTAT_unbound,
		      "our port to the destroyed peer is in state %u", es.status);
	}

	/* The granter is dead; our mappings of its pages still work. */
	put((char *)va_rw, "still ours");
	CHECK(!strcmp((char *)va_rw, "still ours") && !strcmp((char *)va_ro, "peer page B, read-only"),
	      "mappings of the dead peer's pages broke");
	st = map(PEER, REF_COPY, spare, GNTMAP_host_map, NULL, NULL);
	CHECK(st == GNTST_bad_domain, "mapping from a dead domain gave %d", st);
	CHECK(unmap(va_rw, 0, h_rw) == 0 && unmap(va_ro, 0, h_ro) == 0, "final unmaps failed");
	printf("dom0: grants checked; the dead peer's last pages are unmapped\n");
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	mm_init(si);
	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer();
	table = table_init();
	CHECK(table, "no grant table");
	return dom0_side();
}
