// SPDX-License-Identifier: GPL-2.0-only
/*
 * grants: what grant_table_op costs, per operation. Being dom0 alone, the
 * guest grants its own pages to itself (entry domid = our domid, 0 for
 * dom0 on both hypervisors), which Xen allows for map and copy alike.
 *   grant_map_unmap   one GNTTABOP_map_grant_ref (host map, writable) and
 *                     one GNTTABOP_unmap_grant_ref of the same page and VA;
 *                     median over BLOCKS blocks of MAP_PER_BLOCK round trips
 *   grant_copy_b<N>   GNTTABOP_copy of whole 4 KiB pages, N copies per
 *                     hypercall (N = 1, 16, 64), source a grant ref of ours,
 *                     destination a frame of ours; every block copies the
 *                     same NPAGES pages (NPAGES / N hypercalls), reported
 *                     per 4 KiB copy, median over BLOCKS blocks
 *   grant_copy_refs_b<N> the same copies (N = 16, 64) with both sides grant
 *                     refs, as dom0's backends copy between a guest's
 *                     grant and a page they granted to dom0 itself
 *                     (gntalloc): the source NPAGES grants of a peer
 *                     domain (this guest again, unprivileged, lib/peer.h)
 *                     to dom0, named by its domid; the destination NPAGES
 *                     entries of ours granting the dst pages to us, named
 *                     by our own domid (not DOMID_SELF)
 * Map takes the granter as a domid (Xen looks it up by id, so DOMID_SELF
 * would be GNTST_bad_domain there); copy takes DOMID_SELF, which both
 * accept for a grant ref and Xen requires for a plain frame.
 * dom0 turns XSAVE and AVX on first, as Linux 6.1 does at boot (CR4.OSXSAVE,
 * then XCR0 x87|SSE|AVX where offered): the copies run with the FPU state
 * dom0's backends run with, which lets Lamina copy by AVX (asm/copy_wide.h).
 * Output: BENCH <name> <median> <min> <max> <operations>
 */
#include "../../guest/lib/guest.h"
#include "../../guest/lib/xsave.h"
#include "../../guest/lib/mm.h"
#include "../../guest/lib/bench.h"
#include "../../guest/lib/peer.h"
#include <lamina/grant_table.h>

#define BLOCKS		200
#define MAP_PER_BLOCK	50
#define NPAGES		64
#define FIRST_REF	GNTTAB_NR_RESERVED_ENTRIES	/* refs 0-7 are the toolstack's */
#define SELF_ID		0	/* dom0: our domid on both hypervisors */

static uint64_t samples[BLOCKS];
/*
 * dst[i] lies 65 pages after src[i], not 64. With them 64 apart, and a
 * Lamina that still reloaded CR3 after every map and unmap (before
 * 959b91d), the copies after the map/unmap phase took 13 times the cycles,
 * for the same instruction count, in about a third of the boots: most
 * likely the two frames evicting each other in QEMU's direct-mapped TCG
 * TLB, which shrinks (down to 64 entries) after many flushes.
 */
static struct {
	uint8_t src[NPAGES][4096];
	uint8_t gap[4096];
	uint8_t dst[NPAGES][4096];
} buf __attribute__((aligned(4096)));
static struct gnttab_copy cp[NPAGES];

static long gnttab_op(unsigned int cmd, void *args, unsigned int count)
{
	return hypercall3(__HYPERVISOR_grant_table_op, cmd, args, count);
}

#define DST_REF		(FIRST_REF + NPAGES)	/* the dst pages' grants */
#define PEER_TRIES	10000	/* yields while the peer's grants are not there yet */

/* Entry ref grants us `mfn`: domid and frame first, then flags, as Linux does. */
static void grant(volatile struct grant_entry_v1 *table, grant_ref_t ref, uint64_t mfn,
		  uint16_t flags)
{
	table[ref].domid = SELF_ID;
	table[ref].frame = (uint32_t)mfn;
	asm volatile("" ::: "memory");
	table[ref].flags = flags;
}

/* One block: NPAGES copies in NPAGES / n hypercalls of n; returns the OR of the results. */
static long copy_block(unsigned int n)
{
	long rc = 0;
	unsigned int i;

	for (i = 0; i < NPAGES; i += n)
		rc |= gnttab_op(GNTTABOP_copy, &cp[i], n);
	return rc;
}

static int bench_map_unmap(uint64_t va)
{
	struct gnttab_map_grant_ref map = {
		.host_addr = va, .flags = GNTMAP_host_map, .ref = FIRST_REF, .dom = SELF_ID,
	};
	struct gnttab_unmap_grant_ref unmap = { .host_addr = va };
	long rc = 0;
	int st = 0;

	/* Once, checked: the mapping shows the granted page. */
	CHECK(gnttab_op(GNTTABOP_map_grant_ref, &map, 1) == 0 && map.status == GNTST_okay,
	      "map_grant_ref failed: status %d", map.status);
	CHECK(!memcmp((void *)va, buf.src[0], 4096),
	      "the grant mapping does not show the granted page");
	unmap.handle = map.handle;
	CHECK(gnttab_op(GNTTABOP_unmap_grant_ref, &unmap, 1) == 0 && unmap.status == GNTST_okay,
	      "unmap_grant_ref failed: status %d", unmap.status);

	BENCH_MEASURE("grant_map_unmap", samples, BLOCKS, MAP_PER_BLOCK, ({
		rc |= gnttab_op(GNTTABOP_map_grant_ref, &map, 1);
		unmap.handle = map.handle;
		rc |= gnttab_op(GNTTABOP_unmap_grant_ref, &unmap, 1);
		st |= map.status | unmap.status; }));
	CHECK(rc == 0 && st == 0, "a map or unmap failed while measuring (rc %ld, status %d)",
	      rc, st);
	return TEST_PASS;
}

/*
 * The copies of rows `prefix`<N>, N each of `sizes` (refs: the source the
 * peer's grant, the destination a grant ref of ours named by our domid).
 */
static int bench_copy(const char *prefix, const unsigned int *sizes, unsigned int nr_sizes,
		      bool refs, domid_t peer)
{
	unsigned int i, s;

	memset(buf.dst, 0, sizeof(buf.dst));
	for (i = 0; i < NPAGES; i++) {
		cp[i].source.u.ref = FIRST_REF + i;
		cp[i].source.domid = refs ? peer : DOMID_SELF;
		if (refs)
			cp[i].dest.u.ref = DST_REF + i;
		else
			cp[i].dest.u.gmfn = va_to_mfn((uint64_t)buf.dst[i]);
		cp[i].dest.domid = refs ? SELF_ID : DOMID_SELF;
		cp[i].len = 4096;
		cp[i].flags = GNTCOPY_source_gref | (refs ? GNTCOPY_dest_gref : 0);
		cp[i].status = 1;		/* not a GNTST_ value: must be written */
	}
	/* Once, checked: every copy reports success and the data arrived. */
	CHECK(copy_block(NPAGES) == 0, "GNTTABOP_copy failed");
	for (i = 0; i < NPAGES; i++) {
		CHECK(cp[i].status == GNTST_okay, "copy %u: status %d", i, cp[i].status);
		CHECK(!memcmp(buf.dst[i], buf.src[i], 4096), "copy %u: the data did not arrive", i);
	}
	for (s = 0; s < nr_sizes; s++) {
		unsigned int b, n = sizes[s];
		char name[32];
		long rc;

		rc = copy_block(n);		/* warm up */
		for (b = 0; b < BLOCKS; b++) {
			uint64_t t0 = tsc();

			rc |= copy_block(n);
			samples[b] = tsc() - t0;
		}
		snprintf(name, sizeof(name), "%s%u", prefix, n);
		bench_report(name, samples, BLOCKS, NPAGES);	/* per 4 KiB copy */
		CHECK(rc == 0, "GNTTABOP_copy failed while measuring (batch %u)", n);
		for (i = 0; i < NPAGES; i++)
			CHECK(cp[i].status == GNTST_okay, "batch %u, copy %u: status %d", n, i,
			      cp[i].status);
	}
	return TEST_PASS;
}

/* Grant table frame 0 of ours, mapped at a scratch VA; NULL after printing why. */
static volatile struct grant_entry_v1 *table_map(uint64_t *va)
{
	struct gnttab_setup_table setup = { .dom = DOMID_SELF, .nr_frames = 1 };
	uint64_t frame;

	setup.frame_list = (uint64_t)&frame;
	if (gnttab_op(GNTTABOP_setup_table, &setup, 1) || setup.status != GNTST_okay) {
		printf("setup_table failed: status %d\n", setup.status);
		return NULL;
	}
	*va = scratch_page();
	if (update_va_mapping(*va, (frame << 12) | PTE_DATA, UVMF_INVLPG)) {
		printf("mapping the grant table frame %lx failed\n", (unsigned long)frame);
		return NULL;
	}
	return (volatile struct grant_entry_v1 *)*va;
}

static void fill_src(void)
{
	unsigned int i, j;

	for (i = 0; i < NPAGES; i++)
		for (j = 0; j < 4096; j++)
			buf.src[i][j] = (uint8_t)(i * 7 + j * 13 + 1);
}

/* The peer: grants dom0 its src pages (the same bytes as dom0's), then sleeps. */
static int peer(struct start_info *si)
{
	volatile struct grant_entry_v1 *table;
	uint64_t table_va;
	unsigned int i;

	mm_init(si);
	table = table_map(&table_va);
	CHECK(table, "the peer's grant table could not be mapped");
	fill_src();
	for (i = 0; i < NPAGES; i++)
		grant(table, FIRST_REF + i, va_to_mfn((uint64_t)buf.src[i]), GTF_permit_access);
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
	return TEST_ERROR;
}

/* Yields until the peer's last grant can be copied from: then all of them are there. */
static int peer_wait(domid_t peer)
{
	struct gnttab_copy c = {
		.source = { .u.ref = FIRST_REF + NPAGES - 1, .domid = peer },
		.dest = { .u.gmfn = va_to_mfn((uint64_t)buf.dst[0]), .domid = DOMID_SELF },
		.len = 4096, .flags = GNTCOPY_source_gref,
	};
	unsigned int tries = 0;

	do {
		c.status = 1;
		CHECK(gnttab_op(GNTTABOP_copy, &c, 1) == 0, "GNTTABOP_copy from d%u failed", peer);
		if (c.status == GNTST_okay)
			return TEST_PASS;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	} while (tries++ < PEER_TRIES);
	CHECK(0, "d%u's grants never came: status %d", peer, c.status);
	return TEST_ERROR;
}

int test_main(struct start_info *si)
{
	volatile struct grant_entry_v1 *table;
	uint64_t table_va, map_va;
	unsigned int i;
	int r, id;

	if (!(si->flags & SIF_INITDOMAIN))
		return peer(si);
	mm_init(si);
	fpu_xsave_avx_on();
	table = table_map(&table_va);
	CHECK(table, "our grant table could not be mapped");
	fill_src();
	for (i = 0; i < NPAGES; i++) {
		grant(table, FIRST_REF + i, va_to_mfn((uint64_t)buf.src[i]), GTF_permit_access);
		grant(table, DST_REF + i, va_to_mfn((uint64_t)buf.dst[i]), GTF_permit_access);
	}
	/* The grant mapping goes where a scratch page was: its L1 exists. */
	map_va = scratch_page();
	CHECK(update_va_mapping(map_va, 0, UVMF_INVLPG) == 0, "unmapping the map target failed");
	/* The peer's grants there before anything is measured: then it sleeps. */
	id = peer_start(si, "role=peer", 16);
	CHECK(id > 0, "the peer domain could not be started (%d)", id);
	r = peer_wait((domid_t)id);

	if (r == TEST_PASS)
		r = bench_map_unmap(map_va);
	if (r == TEST_PASS)
		r = bench_copy("grant_copy_b", (const unsigned int[]){ 1, 16, 64 }, 3, false, 0);
	if (r == TEST_PASS)
		r = bench_copy("grant_copy_refs_b", (const unsigned int[]){ 16, 64 }, 2, true,
			       (domid_t)id);

	/* Leave no trace: end the grants, give both VAs their frames back. */
	for (i = 0; i < NPAGES; i++)
		table[FIRST_REF + i].flags = table[DST_REF + i].flags = GTF_invalid;
	CHECK(update_va_mapping(map_va, (va_to_mfn(map_va) << 12) | PTE_DATA, UVMF_INVLPG) == 0 &&
	      update_va_mapping(table_va, (va_to_mfn(table_va) << 12) | PTE_DATA, UVMF_INVLPG) == 0,
	      "restoring the scratch mappings failed");
	return r;
}
