// SPDX-License-Identifier: GPL-2.0-only
/*
 * grants-v2: grant tables version 2 (lamina/grant_table.h), with dom0 as
 * the granter and the peer as the grantee, as Xen 4.17 offers them.
 * dom0 fills a v1 table, grants the peer a page through a reserved
 * entry, which the peer maps, then switches to v2 (allowed with only a
 * reserved entry in use; the reserved entries and their in-use bits
 * carried over, the rest cleared) and looks at its status frame; it grants the
 * peer a page writable (the peer's mailbox), one read-only, a sub-page
 * range, and transitive entries. The peer maps what may be mapped and
 * fails to map the rest; while it holds its mappings dom0 sees the
 * in-use bits in its status words (none in the entries) and cannot
 * change version. The peer then copies inside and outside the sub-page
 * range and through the transitive entries (one leads back to a page of
 * its own, as Xen allows), unmaps and reports. dom0 checks the status
 * words are clear and what arrived, then goes back to v1: refused while
 * a reserved entry cannot be said in v1 or its status frame is mapped.
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer_mailbox.h"
#include "lib/peer.h"
#include <lamina/grant_table.h>

#define REF_RES		2	/* reserved: mapped by the peer across versions */
#define REF_RW		8	/* dom0 -> peer: full page, writable (the mailbox) */
#define REF_RO		9	/* full page, read-only */
#define REF_SUB		10	/* sub-page, writable: bytes SUB_OFF .. +SUB_LEN */
#define REF_TRANS	11	/* transitive: the peer's own REF_BACK, back to it */
#define REF_SELF	12	/* transitive through dom0's own table: refused */
#define REF_NOBACK	13	/* transitive to an entry the peer never filled */
#define REF_NONE	14	/* never granted */
#define REF_FAR		600	/* past 2 frames of v2 entries (but not of v1) */
#define REF_BACK	8	/* the peer's table: its page P, to dom0 */
#define SUB_OFF		256
#define SUB_LEN		512


static long gnttab(unsigned int cmd, void *arg, unsigned int count)
{
	return hypercall3(__HYPERVISOR_grant_table_op, cmd, arg, count);
}

static uint8_t pattern(unsigned int i)
{
	return (uint8_t)(i * 7 + 1);
}

/* Sets our table up with n frames and maps the first (every ref used is in it). */
static void *table_init(unsigned int n)
{
	uint64_t frames[2] = { 0, 0 }, va = scratch_page();
	struct gnttab_setup_table st = { DOMID_SELF, 0, n, 99, { 0 }, (uint64_t)frames };

	if (n > 2 || gnttab(GNTTABOP_setup_table, &st, 1) || st.status ||
	    update_va_mapping(va, (frames[0] << 12) | PTE_DATA, UVMF_INVLPG))
		return NULL;
	return (void *)va;
}

/*
 * Maps over va's present entry (a scratch page we wrote): Xen 4.17's map
 * does not flush (create_grant_pv_mapping), so the old translation may
 * still be cached and our next access reach our own page, as soon as we
 * run on without a CR3 load between (two CPUs: a blocked vCPU resumes on
 * its own page tables). Like any PV guest replacing a present entry, we
 * flush it ourselves.
 */
static int16_t map(domid_t dom, grant_ref_t ref, uint64_t va, uint32_t flags, grant_handle_t *h)
{
	struct gnttab_map_grant_ref op = { va, flags, ref, dom, 99, ~0U, 0 };

	if (gnttab(GNTTABOP_map_grant_ref, &op, 1))
		return (int16_t)-100;
	*h = op.handle;
	if (op.status == GNTST_okay && mmuext1(MMUEXT_INVLPG_LOCAL, va))
		return (int16_t)-101;
	return op.status;
}

static int16_t unmap(uint64_t va, grant_handle_t h)
{
	struct gnttab_unmap_grant_ref op = { va, 0, h, 99, 0 };

	return gnttab(GNTTABOP_unmap_grant_ref, &op, 1) ? (int16_t)-100 : op.status;
}

/* One copy; a gref side names dom0's (or dst_dom's) entry, else our frame. */
static int16_t copy(uint64_t src, uint16_t soff, uint64_t dst, uint16_t doff, uint16_t len,
		    uint16_t flags)
{
	struct gnttab_copy c;

	memset(&c, 0, sizeof(c));
	c.source.domid = flags & GNTCOPY_source_gref ? 0 : DOMID_SELF;
	c.dest.domid = flags & GNTCOPY_dest_gref ? 0 : DOMID_SELF;
	if (flags & GNTCOPY_source_gref)
		c.source.u.ref = (grant_ref_t)src;
	else
		c.source.u.gmfn = va_to_mfn(src);
	if (flags & GNTCOPY_dest_gref)
		c.dest.u.ref = (grant_ref_t)dst;
	else
		c.dest.u.gmfn = va_to_mfn(dst);
	c.source.offset = soff;
	c.dest.offset = doff;
	c.len = len;
	c.flags = flags;
	c.status = 99;
	return gnttab(GNTTABOP_copy, &c, 1) ? (int16_t)-100 : c.status;
}

/* ------------------------------------------------------------ the peer */

static struct mailbox *box;

/* Holding dom0's REF_RW (writable) and REF_RO: every map that must fail. */
static void peer_maps(uint64_t spare)
{
	static const struct {
		grant_ref_t ref;
		uint32_t flags;
		int16_t want;
		const char *what;
	} bad[] = {
		{ REF_RO, GNTMAP_host_map, GNTST_general_error, "the read-only ref, writable" },
		{ REF_SUB, GNTMAP_host_map | GNTMAP_readonly, GNTST_general_error,
		  "a sub-page ref" },
		{ REF_SUB, GNTMAP_host_map, GNTST_general_error, "a sub-page ref, writable" },
		{ REF_TRANS, GNTMAP_host_map | GNTMAP_readonly, GNTST_general_error,
		  "a transitive ref" },
		{ REF_NONE, GNTMAP_host_map | GNTMAP_readonly, GNTST_general_error,
		  "a ref never granted" },
		{ REF_FAR, GNTMAP_host_map | GNTMAP_readonly, GNTST_bad_gntref,
		  "a ref past the v2 table" },
	};
	unsigned int i;
	grant_handle_t h;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int16_t st = map(0, bad[i].ref, spare, bad[i].flags, &h);

		MAILBOX_CHECK(st == bad[i].want, "mapping %s gave %d, not %d", bad[i].what, st,
			      bad[i].want);
	}
}

/* Copies through the sub-page entry: inside its range only. */
static void peer_sub_page_copies(uint64_t q, uint64_t w)
{
	unsigned int i;
	int16_t st;

	st = copy(REF_SUB, SUB_OFF, q, SUB_OFF, SUB_LEN, GNTCOPY_source_gref);
	MAILBOX_CHECK(st == GNTST_okay, "copy of the whole sub-page range gave %d", st);
	for (i = SUB_OFF; i < SUB_OFF + SUB_LEN; i++)
		MAILBOX_CHECK(((uint8_t *)q)[i] == pattern(i),
			      "byte %u of the sub-page differs", i);
	st = copy(REF_SUB, SUB_OFF + SUB_LEN - 1, q, 0, 1, GNTCOPY_source_gref);
	MAILBOX_CHECK(st == GNTST_okay, "copy of the range's last byte gave %d", st);
	st = copy(REF_SUB, SUB_OFF - 1, q, 0, 10, GNTCOPY_source_gref);
	MAILBOX_CHECK(st == GNTST_general_error, "copy from before the range gave %d", st);
	st = copy(REF_SUB, 700, q, 0, SUB_OFF + SUB_LEN - 700 + 1, GNTCOPY_source_gref);
	MAILBOX_CHECK(st == GNTST_general_error, "copy past the range's end gave %d", st);
	st = copy(REF_SUB, 4000, q, 0, 200, GNTCOPY_source_gref);
	MAILBOX_CHECK(st == GNTST_bad_copy_arg, "copy past the page's end gave %d", st);
	strlcpy((char *)w, "sub-page write!", 16);
	st = copy(w, 0, REF_SUB, 300, 16, GNTCOPY_dest_gref);
	MAILBOX_CHECK(st == GNTST_okay, "copy into the sub-page range gave %d", st);
	st = copy(w, 0, REF_SUB, SUB_OFF + SUB_LEN - 8, 16, GNTCOPY_dest_gref);
	MAILBOX_CHECK(st == GNTST_general_error, "copy into the range's end and past gave %d", st);
	st = copy(w, 0, REF_SUB, 0, 16, GNTCOPY_dest_gref);
	MAILBOX_CHECK(st == GNTST_general_error, "copy before the range gave %d", st);
}

/* Full-page and transitive copies; p is the page behind REF_TRANS. */
static void peer_other_copies(uint64_t q, uint64_t w, uint64_t p)
{
	int16_t st;

	st = copy(REF_RO, 0, q, 0, 4096, GNTCOPY_source_gref);
	MAILBOX_CHECK(st == GNTST_okay && !strcmp((char *)q, "dom0 page B"),
		      "copy of the read-only page gave %d", st);
	st = copy(w, 0, REF_RO, 0, 16, GNTCOPY_dest_gref);
	MAILBOX_CHECK(st == GNTST_general_error, "copy into the read-only ref gave %d", st);
	memset((void *)q, 0, 64);
	st = copy(REF_TRANS, 0, q, 0, 64, GNTCOPY_source_gref);
	MAILBOX_CHECK(st == GNTST_okay && !strcmp((char *)q, "peer page P"),
		      "copy through the transitive ref gave %d", st);
	st = copy(w, 0, REF_TRANS, 100, 16, GNTCOPY_dest_gref);
	MAILBOX_CHECK(st == GNTST_okay && !strcmp((char *)p + 100, "sub-page write!"),
		      "copy into the transitive ref gave %d", st);
	st = copy(REF_SELF, 0, q, 0, 16, GNTCOPY_source_gref);
	MAILBOX_CHECK(st == GNTST_general_error, "a transitive ref into its own table gave %d", st);
	st = copy(REF_NOBACK, 0, q, 0, 16, GNTCOPY_source_gref);
	MAILBOX_CHECK(st == GNTST_general_error, "a transitive ref to an empty entry gave %d", st);
}

static void __attribute__((noreturn)) peer(void)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, 0, 0 };
	uint64_t a = scratch_page(), b = scratch_page(), spare = scratch_page();
	uint64_t p = scratch_page(), q = scratch_page(), w = scratch_page();
	struct grant_entry_v1 *table = table_init(1);
	uint64_t res = scratch_page();
	grant_handle_t h_rw = 0, h_ro = 0, h_res = 0;
	int16_t st, st_res;

	if (!table) {
		printf("peer: no grant table\n");
		shutdown(SHUTDOWN_crash);
	}
	strlcpy((char *)p, "peer page P", 4096);
	table[REF_BACK].domid = 0;
	table[REF_BACK].frame = (uint32_t)va_to_mfn(p);
	__atomic_store_n(&table[REF_BACK].flags, GTF_permit_access, __ATOMIC_RELEASE);
	evtchn_op(EVTCHNOP_alloc_unbound, &au);
	printf("peer: port %u waits for dom0's grants\n", au.port);
	wait_for_port(au.port);		/* dom0's v1 table grants REF_RES */
	st_res = map(0, REF_RES, res, GNTMAP_host_map, &h_res);
	if (!st_res)
		strlcpy((char *)res + 64, "peer wrote R", 64);
	evtchn_send(au.port);
	wait_for_port(au.port);		/* dom0 is v2 now, and grants the rest */

	st = map(0, REF_RW, a, GNTMAP_host_map, &h_rw);
	if (st) {
		printf("peer: FAILED: mapping dom0's mailbox gave %d\n", st);
		evtchn_send(au.port);
		evtchn_send(au.port);
		shutdown(SHUTDOWN_poweroff);
	}
	box = (struct mailbox *)(a + MAILBOX_OFF);
	MAILBOX_CHECK(st_res == GNTST_okay && !strcmp((char *)res, "dom0 page R"),
		      "mapping dom0's reserved ref gave %d", st_res);
	st = map(0, REF_RO, b, GNTMAP_host_map | GNTMAP_readonly, &h_ro);
	MAILBOX_CHECK(st == GNTST_okay && !strcmp((char *)b, "dom0 page B"),
		      "mapping the read-only page gave %d", st);
	peer_maps(spare);
	{
		/* Unprivileged: dom0's status frames and version are not ours to see. */
		uint64_t frame = 0;
		struct gnttab_get_status_frames gs = { 1, 0, 99, (uint64_t)&frame };
		struct gnttab_get_version gv = { 0, 0, 99 };
		long rc = gnttab(GNTTABOP_get_status_frames, &gs, 1);

		MAILBOX_CHECK(rc == 0 && gs.status == GNTST_permission_denied && !frame,
			      "get_status_frames of d0 gave %ld/%d", rc, gs.status);
		rc = gnttab(GNTTABOP_get_version, &gv, 1);
		MAILBOX_CHECK(rc == -EPERM, "get_version of d0 gave %ld", rc);
	}
	evtchn_send(au.port);
	wait_for_port(au.port);		/* dom0 has seen its status words */

	peer_sub_page_copies(q, w);
	peer_other_copies(q, w, p);
	if (box->done != 2)
		box->done = 1;
	printf("peer: checks done (%s)\n", box->done == 1 ? "all good" : box->why);
	st = unmap(b, h_ro);
	MAILBOX_CHECK(st == GNTST_okay, "unmapping the read-only page gave %d", st);
	st = unmap(res, h_res);
	MAILBOX_CHECK(st == GNTST_okay, "unmapping the reserved ref's page gave %d", st);
	st = unmap(a, h_rw);	/* box is gone: dom0 checks this one */
	evtchn_send(au.port);
	wait_for_port(au.port);
	shutdown(SHUTDOWN_poweroff);
}

/* ------------------------------------------------------------ dom0 */

static struct grant_entry_v1 *t1;
static union grant_entry_v2 *t2;
static grant_status_t *status;

static void grant_v2(grant_ref_t ref, domid_t dom, uint64_t va, uint16_t flags)
{
	t2[ref].full_page.frame = va_to_mfn(va);
	t2[ref].hdr.domid = dom;
	__atomic_store_n(&t2[ref].hdr.flags, GTF_permit_access | flags, __ATOMIC_RELEASE);
}

static void grant_transitive(grant_ref_t ref, domid_t dom, domid_t trans, grant_ref_t gref)
{
	t2[ref].transitive.trans_domid = trans;
	t2[ref].transitive.gref = gref;
	t2[ref].hdr.domid = dom;
	__atomic_store_n(&t2[ref].hdr.flags, GTF_transitive, __ATOMIC_RELEASE);
}

static long set_version(uint32_t v, uint32_t *now)
{
	struct gnttab_set_version sv = { v };
	long rc = gnttab(GNTTABOP_set_version, &sv, 1);

	*now = sv.version;
	return rc;
}

static uint32_t get_version(void)
{
	struct gnttab_get_version gv = { DOMID_SELF, 0, 99 };

	return gnttab(GNTTABOP_get_version, &gv, 1) ? 0 : gv.version;
}

/* get_status_frames for n frames: the call's rc, its status, the first frame. */
static long status_frames(uint32_t n, uint64_t list, int16_t *st)
{
	struct gnttab_get_status_frames gs = { n, DOMID_SELF, 99, list };
	long rc = gnttab(GNTTABOP_get_status_frames, &gs, 1);

	*st = gs.status;
	return rc;
}

/* A v1 table of 2 frames, and what v1 has not; grants page r by REF_RES. */
static int v1_start(domid_t peer_id, uint64_t r)
{
	uint64_t frame = 0;
	uint32_t v;
	int16_t st;
	long rc;

	t1 = table_init(2);
	CHECK(t1, "no grant table");
	CHECK(get_version() == 1, "a new table is version %u", get_version());
	rc = set_version(3, &v);
	CHECK(rc == -EINVAL && v == 1, "set_version 3 gave %ld, version %u", rc, v);
	rc = status_frames(1, (uint64_t)&frame, &st);
	CHECK(rc == 0 && st == GNTST_general_error, "status frames of v1 gave %ld/%d", rc, st);
	rc = status_frames(0, (uint64_t)&frame, &st);
	CHECK(rc == 0 && st == GNTST_okay, "no status frames of v1 gave %ld/%d", rc, st);
	strlcpy((char *)r, "dom0 page R", 4096);
	t1[REF_RES] = (struct grant_entry_v1){ GTF_permit_access, peer_id, (uint32_t)va_to_mfn(r) };
	t1[REF_RW] = (struct grant_entry_v1){ GTF_permit_access, peer_id, 0x5678 };
	return TEST_PASS;
}

/* v1 -> v2 while the peer maps REF_RES, with the errors on the way; maps the status frame. */
static int to_v2(domid_t peer_id, uint64_t r)
{
	uint64_t frame = 0, sva = scratch_page();
	uint32_t v;
	int16_t st;
	long rc;

	CHECK(t1[REF_RES].flags == (GTF_permit_access | GTF_reading | GTF_writing),
	      "v1 flags of the mapped reserved entry %#x", t1[REF_RES].flags);
	rc = set_version(2, &v);
	CHECK(rc == 0 && v == 2, "set_version 2 gave %ld, version %u", rc, v);
	CHECK(get_version() == 2, "get_version gave %u", get_version());
	CHECK(set_version(2, &v) == 0 && v == 2, "set_version 2 again refused");
	t2 = (union grant_entry_v2 *)t1;
	CHECK(t2[REF_RES].hdr.flags == GTF_permit_access && t2[REF_RES].hdr.domid == peer_id &&
	      t2[REF_RES].full_page.frame == va_to_mfn(r),
	      "reserved entry after the switch: flags %#x domid %u frame %#lx",
	      t2[REF_RES].hdr.flags, t2[REF_RES].hdr.domid,
	      (unsigned long)t2[REF_RES].full_page.frame);
	CHECK(!t2[REF_RW / 2].hdr.flags && !t2[REF_RW / 2].full_page.frame,
	      "v1 entry %u survived the switch", REF_RW);

	rc = status_frames(2, (uint64_t)&frame, &st);
	CHECK(rc == 0 && st == GNTST_general_error, "2 status frames of 2 frames gave %ld/%d",
	      rc, st);
	{
		struct gnttab_get_status_frames gs = { 1, 77, 99, (uint64_t)&frame };

		rc = gnttab(GNTTABOP_get_status_frames, &gs, 1);
		CHECK(rc == 0 && gs.status == GNTST_bad_domain, "status frames of d77 gave %ld/%d",
		      rc, gs.status);
	}
	rc = status_frames(1, 0xffff830000000000ULL, &st);
	CHECK(rc == -EFAULT, "a status frame list in the hypervisor gave %ld", rc);
	rc = status_frames(1, (uint64_t)&frame, &st);
	CHECK(rc == 0 && st == GNTST_okay && frame, "status frames gave %ld/%d", rc, st);
	CHECK(update_va_mapping(sva, (frame << 12) | PTE_DATA, UVMF_INVLPG) == 0,
	      "cannot map the status frame");
	status = (grant_status_t *)sva;
	CHECK(status[REF_RES] == (GTF_reading | GTF_writing), "mapped reserved entry's status %#x",
	      status[REF_RES]);
	CHECK(!strcmp((char *)r + 64, "peer wrote R"), "the peer's write to page R is missing");
	return TEST_PASS;
}

/* The peer maps REF_RW and REF_RO: the status words say so, the entries do not. */
static int while_mapped(void)
{
	struct gnttab_swap_grant_ref sw = { REF_RW, 20, 99 };
	uint32_t v;
	long rc;

	CHECK(status[REF_RW] == (GTF_reading | GTF_writing), "status of the writable map %#x",
	      status[REF_RW]);
	CHECK(status[REF_RO] == GTF_reading, "status of the read-only map %#x", status[REF_RO]);
	CHECK(!status[REF_SUB] && !status[REF_TRANS], "status of unmapped refs %#x %#x",
	      status[REF_SUB], status[REF_TRANS]);
	CHECK(t2[REF_RW].hdr.flags == GTF_permit_access, "mapped entry's flags %#x",
	      t2[REF_RW].hdr.flags);
	CHECK(t2[REF_RO].hdr.flags == (GTF_permit_access | GTF_readonly),
	      "mapped read-only entry's flags %#x", t2[REF_RO].hdr.flags);
	rc = set_version(1, &v);
	CHECK(rc == -EBUSY && v == 2, "set_version 1 with grants mapped gave %ld, version %u", rc,
	      v);
	CHECK(gnttab(GNTTABOP_swap_grant_ref, &sw, 1) == 0 && sw.status == GNTST_eagain,
	      "swapping a mapped entry gave status %d", sw.status);
	return TEST_PASS;
}

/* Back to v1: refused while it cannot keep a reserved entry or the status frame is mapped. */
static int to_v1(domid_t peer_id, uint64_t r)
{
	uint64_t frame = 0;
	uint32_t v;
	int16_t st;
	long rc;

	t2[3].full_page.frame = 1ULL << 33;
	t2[3].hdr.domid = peer_id;
	__atomic_store_n(&t2[3].hdr.flags, GTF_permit_access, __ATOMIC_RELEASE);
	rc = set_version(1, &v);
	CHECK(rc == -ERANGE && v == 2, "a 33-bit frame in a reserved entry gave %ld", rc);
	grant_transitive(3, peer_id, peer_id, 5);
	rc = set_version(1, &v);
	CHECK(rc == -ERANGE && v == 2, "a transitive reserved entry gave %ld", rc);
	t2[3].hdr.flags = 0;
	rc = set_version(1, &v);
	CHECK(rc == -EBUSY && v == 2, "set_version 1 with the status frame mapped gave %ld", rc);
	CHECK(update_va_mapping((uint64_t)status, 0, UVMF_INVLPG) == 0, "unmap status frame");
	rc = set_version(1, &v);
	CHECK(rc == 0 && v == 1, "set_version 1 gave %ld, version %u", rc, v);
	CHECK(t1[REF_RES].flags == GTF_permit_access && t1[REF_RES].domid == peer_id &&
	      t1[REF_RES].frame == va_to_mfn(r), "reserved entry back in v1: %#x %u %#x",
	      t1[REF_RES].flags, t1[REF_RES].domid, t1[REF_RES].frame);
	CHECK(!t1[REF_RW].flags && !t1[REF_RW].frame, "v2 entries survived the switch back");
	rc = status_frames(1, (uint64_t)&frame, &st);
	CHECK(rc == 0 && st == GNTST_general_error, "status frames after v1 gave %ld/%d", rc, st);
	return TEST_PASS;
}

static int dom0_side(struct start_info *si)
{
	int peer_id = peer_start(si, "role=peer", 16);
	struct evtchn_bind_interdomain bi = { .remote_dom = 0, .remote_port = 1 };
	uint64_t a = scratch_page(), b = scratch_page(), c = scratch_page(), r = scratch_page();
	struct mailbox *mb = (struct mailbox *)(a + MAILBOX_OFF);
	unsigned int i, tries = 0;
	long rc;

	CHECK(peer_id > 0, "the peer domain could not be started (%d)", peer_id);
	CHECK(v1_start((domid_t)peer_id, r) == TEST_PASS, "the v1 table");
	bi.remote_dom = (domid_t)peer_id;
	while ((rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi)) == -EINVAL &&
	       peer_wait_more(&tries, 1000))
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	CHECK(rc == 0, "bind_interdomain to the peer gave %ld", rc);
	port_test_and_clear(bi.local_port);	/* the bind raises it once */
	evtchn_send(bi.local_port);
	wait_for_port(bi.local_port);		/* the peer maps REF_RES */
	CHECK(to_v2((domid_t)peer_id, r) == TEST_PASS, "switching to v2");
	strlcpy((char *)b, "dom0 page B", 4096);
	for (i = 0; i < 4096; i++)
		((uint8_t *)c)[i] = pattern(i);
	grant_v2(REF_RW, (domid_t)peer_id, a, 0);
	grant_v2(REF_RO, (domid_t)peer_id, b, GTF_readonly);
	grant_v2(REF_SUB, (domid_t)peer_id, c, GTF_sub_page);
	t2[REF_SUB].sub_page.page_off = SUB_OFF;
	t2[REF_SUB].sub_page.length = SUB_LEN;
	grant_transitive(REF_TRANS, (domid_t)peer_id, (domid_t)peer_id, REF_BACK);
	grant_transitive(REF_SELF, (domid_t)peer_id, 0, REF_RO);
	grant_transitive(REF_NOBACK, (domid_t)peer_id, (domid_t)peer_id, REF_BACK + 1);
	evtchn_send(bi.local_port);
	wait_for_port(bi.local_port);		/* the peer holds its mappings */
	CHECK(while_mapped() == TEST_PASS, "while the peer maps");
	evtchn_send(bi.local_port);
	wait_for_port(bi.local_port);		/* the peer has copied and unmapped */

	CHECK(mb->done == 1, "the peer: %s", mb->done == 2 ? mb->why : "no verdict");
	CHECK(!status[REF_RES], "status of the reserved ref is %#x after the peer let go",
	      status[REF_RES]);
	for (i = REF_RW; i <= REF_NONE; i++)
		CHECK(!status[i], "status of ref %u is %#x after the peer let go", i, status[i]);
	CHECK(!strcmp((char *)c + 300, "sub-page write!"), "the copy into the range is missing");
	for (i = 0; i < 4096; i++)
		CHECK((i >= 300 && i < 316) || ((uint8_t *)c)[i] == pattern(i),
		      "byte %u of the sub-page frame changed", i);
	CHECK(to_v1((domid_t)peer_id, r) == TEST_PASS, "switching back to v1");
	evtchn_send(bi.local_port);
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer();
	return dom0_side(si);
}
