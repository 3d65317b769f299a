// SPDX-License-Identifier: GPL-2.0-only
/*
 * copyout-fault: results written back to a guest buffer that cannot take
 * them. A grant-copy batch of four straddles two pages, elements 0-1 on a
 * good page and 2-3 on one that is first unmapped, then read-only: the
 * batch ends with -EFAULT, elements 0-1 done with their status written
 * (Xen 4.17's result for them), element 3 not done. Element 2 on the
 * read-only page: Lamina writes each element back before doing it, so it
 * is not done; Xen does it and then fails the copy-out (docs/abi-core.md
 * §2.1, docs/conformance.md). EVTCHNOP_alloc_unbound with a read-only
 * argument is -EFAULT on both; Lamina binds no port for it, Xen binds one
 * the guest never learns. On Lamina the differences are checked; on Xen
 * they are printed. Results ending on a page that cannot take them
 * (xen_version's 16-byte extraversion and 64-byte changeset, 5 to 61
 * bytes before an unmapped or read-only page): -EFAULT, every byte below
 * that page written, as Xen 4.17's copy_to_guest_ll (Lamina stopped at
 * the quadword across the boundary until 5 Dec); get_features' 8 bytes
 * there are one store on both, nothing written (Xen's __copy_to_guest),
 * platform_parameters' 8 bytes are written byte by byte on both, its
 * low 4 below the page (Xen's copy_to_guest, out of line: no constant
 * size; Lamina wrote nothing of them until 5 Dec).
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include <lamina/grant_table.h>
#include <lamina/version.h>

#define NR_OPS		4
#define CHUNK		16	/* bytes each element copies */
#define UNTOUCHED	0x7777	/* a status no copy writes */

static uint64_t src_page, dst_page, ops_a, ops_b;
static struct gnttab_copy *ops;	/* NR_OPS elements: 0-1 end page a, 2-3 start page b */

static void set_b(uint64_t flags)
{
	uint64_t pte = flags ? (va_to_mfn(ops_b) << 12) | flags : 0;

	if (update_va_mapping(ops_b, pte, UVMF_INVLPG))
		printf("ERROR update_va_mapping of the second page failed\n");
}

/* The four copies, each CHUNK bytes from src to dst at its own offset. */
static void fill_ops(void)
{
	unsigned int i;

	memset((void *)dst_page, 0, 4096);
	for (i = 0; i < NR_OPS; i++) {
		memset(&ops[i], 0, sizeof(ops[i]));
		ops[i].source.u.gmfn = va_to_mfn(src_page);
		ops[i].dest.u.gmfn = va_to_mfn(dst_page);
		ops[i].source.domid = ops[i].dest.domid = DOMID_SELF;
		ops[i].source.offset = ops[i].dest.offset = i * CHUNK;
		ops[i].len = CHUNK;
		ops[i].status = UNTOUCHED;
	}
}

static bool copied(unsigned int i)
{
	return !memcmp((void *)(dst_page + i * CHUNK), (void *)(src_page + i * CHUNK), CHUNK);
}

/* Elements 0-1: done, status written, whatever became of 2-3. */
static int first_half_done(const char *how)
{
	CHECK(ops[0].status == GNTST_okay && ops[1].status == GNTST_okay,
	      "%s: statuses of elements 0-1 are %d, %d, expected 0", how, ops[0].status,
	      ops[1].status);
	CHECK(copied(0) && copied(1), "%s: elements 0-1 not copied", how);
	return TEST_PASS;
}

static long gnttab_copy_batch(void)
{
	return hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_copy, (uint64_t)ops, NR_OPS);
}

static int batch_unmapped(void)
{
	long rc;

	fill_ops();
	set_b(0);
	rc = gnttab_copy_batch();
	set_b(PTE_DATA);
	CHECK(rc == -EFAULT, "second half unmapped: batch gave %ld, expected -EFAULT", rc);
	if (first_half_done("second half unmapped"))
		return TEST_FAIL;
	CHECK(!copied(2) && !copied(3) && ops[2].status == UNTOUCHED,
	      "second half unmapped: element 2 or 3 done");
	return TEST_PASS;
}

static int batch_read_only(void)
{
	bool third;
	long rc;

	fill_ops();
	set_b(PTE_P | PTE_US | PTE_A | PTE_D);
	rc = gnttab_copy_batch();
	set_b(PTE_DATA);
	CHECK(rc == -EFAULT, "second half read-only: batch gave %ld, expected -EFAULT", rc);
	if (first_half_done("second half read-only"))
		return TEST_FAIL;
	CHECK(!copied(3) && ops[3].status == UNTOUCHED, "second half read-only: element 3 done");
	third = copied(2);
	printf("read-only element 2 %s (status %d)\n", third ? "copied" : "not copied",
	       ops[2].status);
	CHECK(ops[2].status == UNTOUCHED, "read-only element 2: status written (%d)",
	      ops[2].status);
	CHECK(!on_lamina() || !third, "Lamina did the read-only element 2");
	return TEST_PASS;
}

/* alloc_unbound's result cannot be written: -EFAULT, and on Lamina no port. */
static int evtchn_read_only(void)
{
	struct evtchn_alloc_unbound good = { DOMID_SELF, 0, 0 };
	struct evtchn_alloc_unbound *ro = (void *)ops_b;
	struct evtchn_close close;
	evtchn_port_t first, next;
	long rc;

	CHECK(evtchn_op(EVTCHNOP_alloc_unbound, &good) == 0, "alloc_unbound failed");
	first = good.port;
	close.port = first;
	CHECK(evtchn_op(EVTCHNOP_close, &close) == 0, "close of port %u failed", first);
	*ro = (struct evtchn_alloc_unbound){ DOMID_SELF, 0, 0 };
	set_b(PTE_P | PTE_US | PTE_A | PTE_D);
	rc = evtchn_op(EVTCHNOP_alloc_unbound, ro);
	set_b(PTE_DATA);
	CHECK(rc == -EFAULT, "alloc_unbound into a read-only buffer gave %ld, expected -EFAULT", rc);
	CHECK(ro->port == 0, "the read-only buffer changed");
	CHECK(evtchn_op(EVTCHNOP_alloc_unbound, &good) == 0, "alloc_unbound failed");
	next = good.port;
	printf("after the read-only alloc_unbound the lowest free port is %u (was %u)\n",
	       next, first);
	CHECK(!on_lamina() || next == first, "Lamina bound port %u for the failed call", first);
	close.port = next;
	CHECK(evtchn_op(EVTCHNOP_close, &close) == 0, "close of port %u failed", next);
	return TEST_PASS;
}

/*
 * A result ending on page b, which cannot take it: xen_version's cmd
 * written at ops_b - before. Xen 4.17's copy_to_guest_ll leaves every
 * byte below page b (a byte at a time up to an 8-byte boundary of the
 * destination, then quadwords), -EFAULT; nothing on page b, nothing
 * below the result.
 */
static int result_across(const char *what, int cmd, unsigned int before, uint64_t b_flags)
{
	uint8_t good[64];
	uint8_t *out = (uint8_t *)(ops_b - before);
	unsigned int i;
	long rc;

	CHECK(HYPERVISOR_xen_version(cmd, good) == 0, "%s: xen_version %d failed", what, cmd);
	memset((void *)ops_a, 0x55, 4096);
	memset((void *)ops_b, 0x55, 4096);
	set_b(b_flags);
	rc = HYPERVISOR_xen_version(cmd, out);
	set_b(PTE_DATA);
	for (i = 0; i < before && out[i] == good[i]; i++)
		;
	printf("%s: %ld, %u of the %u bytes below the page written\n", what, rc, i, before);
	CHECK(rc == -EFAULT, "%s: gave %ld, expected -EFAULT", what, rc);
	CHECK(i == before, "%s: byte %u of %u below the page not written", what, i, before);
	CHECK(out[-1] == 0x55 && out[before] == 0x55, "%s: a byte around the result written",
	      what);
	return TEST_PASS;
}

/*
 * XENVER_get_features at ops_b - 6, page b read-only: its 8 bytes are one
 * store on Xen 4.17 (__copy_to_guest of a constant 8), all or nothing, so
 * the submap's two bytes below page b are not written either.
 */
static int features_across(void)
{
	struct xen_feature_info *fi = (void *)(ops_b - 6);
	long rc;

	memset((void *)ops_a, 0x55, 4096);
	memset((void *)ops_b, 0x55, 4096);
	fi->submap_idx = 0;
	set_b(PTE_P | PTE_US | PTE_A | PTE_D);
	rc = HYPERVISOR_xen_version(XENVER_get_features, fi);
	set_b(PTE_DATA);
	printf("get_features across a read-only page: %ld, submap %#x\n", rc, fi->submap);
	CHECK(rc == -EFAULT, "get_features across a read-only page gave %ld, expected -EFAULT",
	      rc);
	CHECK(fi->submap == 0x55555555 && fi->submap_idx == 0,
	      "get_features across a read-only page wrote part of its result");
	return TEST_PASS;
}

static int partial_results(void)
{
	uint64_t ro = PTE_P | PTE_US | PTE_A | PTE_D;

	if (result_across("extraversion 5 bytes before an unmapped page",
			  XENVER_extraversion, 5, 0) ||
	    result_across("extraversion 5 bytes before a read-only page",
			  XENVER_extraversion, 5, ro) ||
	    result_across("extraversion 11 bytes before a read-only page",
			  XENVER_extraversion, 11, ro) ||
	    result_across("changeset 21 bytes before an unmapped page",
			  XENVER_changeset, 21, 0) ||
	    result_across("changeset 61 bytes before a read-only page",
			  XENVER_changeset, 61, ro) ||
	    result_across("platform_parameters 4 bytes before a read-only page",
			  XENVER_platform_parameters, 4, ro) ||
	    features_across())
		return TEST_FAIL;
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	unsigned int i;

	mm_init(si);
	src_page = scratch_page();
	dst_page = scratch_page();
	ops_a = scratch_page();
	ops_b = scratch_page();
	if (ops_b != ops_a + 4096) {
		printf("ERROR scratch pages not adjacent\n");
		return TEST_ERROR;
	}
	ops = (struct gnttab_copy *)(ops_b - 2 * sizeof(*ops));
	for (i = 0; i < 4096; i++)
		((uint8_t *)src_page)[i] = (uint8_t)(i * 7 + 1);
	if (batch_unmapped() || batch_read_only() || evtchn_read_only() || partial_results())
		return TEST_FAIL;
	printf("faulting copy-outs: -EFAULT, earlier elements' results kept\n");
	return TEST_PASS;
}
