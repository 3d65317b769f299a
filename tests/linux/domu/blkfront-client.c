// SPDX-License-Identifier: GPL-2.0-only
/*
 * blkfront-client: a boot-time domU that uses the project's own blkfront
 * (frontend_drivers/block) for the linux/blk-ourfront check of
 * tests/linux/blk/run. dom0 gives it xvda (an image, read-write) and xvdb
 * (the same image, read-only); with either backend (blkback, or Linux's
 * xen-blkback) it checks:
 *   rw        patterns written and read back: direct requests (1..11
 *             pages, partial pages) and indirect ones (up to 32 pages)
 *   flush     FLUSH_DISKCACHE (or a barrier) answered OKAY
 *   edge      the last sector is writable, one past it is refused
 *   discard   a discarded range reads back as zeros (if offered)
 *   ro        on xvdb: reads see xvda's data, writes are refused
 * and writes "ok ..." or "FAIL <why>" to data/blk-result, which dom0 reads.
 * It prints nothing otherwise (its console is the hypervisor's serial line).
 */
#include "guest.h"
#include "mm.h"
#include "peer.h"
#include "common/xenbus_fe.h"
#include "block/blkfront.h"

#define PAGES	32

static _Alignas(4096) uint8_t wbuf[PAGES * 4096], rbuf[PAGES * 4096];

static void pattern(uint64_t sector, unsigned int nsect, uint32_t seed)
{
	unsigned int i;

	for (i = 0; i < nsect * 512; i++)
		wbuf[i] = (uint8_t)((sector * 512 + i) * 2654435761U >> 13 ^ seed);
}

/* The verdict for dom0 (xenbus_fe.h); an int expression for `return report(...)`. */
#define report(...)	(xbf_verdict("data/blk-result", __VA_ARGS__), 0)

/* Writes then reads back nsect sectors at sector; 0 or a description. */
static const char *round_trip(struct blkfront *bf, uint64_t sector, unsigned int nsect,
			      uint32_t seed)
{
	static char why[120];
	int st;

	pattern(sector, nsect, seed);
	st = blkfront_rw(bf, BLKIF_OP_WRITE, sector, wbuf, nsect);
	if (st) {
		snprintf(why, sizeof(why), "write of %u at %llu: %d", nsect,
			 (unsigned long long)sector, st);
		return why;
	}
	memset(rbuf, 0xa5, sizeof(rbuf));
	st = blkfront_rw(bf, BLKIF_OP_READ, sector, rbuf, nsect);
	if (st || memcmp(wbuf, rbuf, nsect * 512)) {
		snprintf(why, sizeof(why), "read of %u at %llu: %d%s", nsect,
			 (unsigned long long)sector, st, st ? "" : ", other data");
		return why;
	}
	return NULL;
}

int test_main(struct start_info *si)
{
	static const unsigned int sizes[] = { 1, 3, 8, 9, 64, 88, 89, 128, 255, 256 };
	static struct blkfront a, b;	/* static: the boot stack is one page */
	const char *why;
	unsigned int i, n = 0;
	int st, rc;

	mm_init(si);
	console_page = NULL;
	if (xbf_init(si))
		return fail("no events or store ring");
	rc = blkfront_connect(&a, 51712, 600000);
	if (rc)
		return report("FAIL xvda did not connect: %d", rc);
	for (i = 0; i < ARRAY_SIZE(sizes); i++, n++) {
		if (sizes[i] > 88 && a.max_indirect < (sizes[i] + 7) / 8)
			continue;
		why = round_trip(&a, 2048 + i * 512, sizes[i], i);
		if (why)
			return report("FAIL rw: %s", why);
	}
	/* 1 MiB in 128 KiB requests, flushed, read back. */
	for (i = 0; i < 8; i++) {
		why = round_trip(&a, 16384 + i * 256, a.max_indirect >= 32 ? 256 : 88, 100 + i);
		if (why)
			return report("FAIL rw 1M: %s", why);
	}
	st = blkfront_flush(&a);
	if (st)
		return report("FAIL flush: %d", st);
	why = round_trip(&a, a.sectors - 8, 8, 7);
	if (why)
		return report("FAIL the last page: %s", why);
	st = blkfront_rw(&a, BLKIF_OP_READ, a.sectors - 7, rbuf, 8);
	if (st != BLKIF_RSP_ERROR)
		return report("FAIL a read one sector past the end gave %d", st);
	if (a.discard) {
		why = round_trip(&a, 24576, 64, 9);
		st = why ? -99 : blkfront_discard(&a, 24576, 64);
		memset(rbuf, 0xa5, 64 * 512);
		if (!st)
			st = blkfront_rw(&a, BLKIF_OP_READ, 24576, rbuf, 64);
		for (i = 0; !st && i < 64 * 512; i++)
			if (rbuf[i])
				st = -98;
		if (st)
			return report("FAIL discard: %d %s", st, why ? why : "");
	}
	/* xvdb: the same image, read-only. */
	rc = blkfront_connect(&b, 51728, 600000);
	if (rc)
		return report("FAIL xvdb did not connect: %d", rc);
	if (!(b.info & VDISK_READONLY))
		return report("FAIL xvdb is not read-only: info %u", b.info);
	pattern(16384, 88, 100);
	st = blkfront_rw(&b, BLKIF_OP_READ, 16384, rbuf, 88);
	if (st || memcmp(wbuf, rbuf, 88 * 512))
		return report("FAIL xvdb does not read xvda's data: %d", st);
	st = blkfront_rw(&b, BLKIF_OP_WRITE, 16384, wbuf, 8);
	if (st != BLKIF_RSP_ERROR)
		return report("FAIL a write to read-only xvdb gave %d", st);
	return report("ok: %llu sectors, %u round trips (indirect up to %u segments), flush%s, "
		      "last sector, past the end refused, discard %s, read-only xvdb refuses writes",
		      (unsigned long long)a.sectors, n + 9, a.max_indirect, a.flush ? "" : " (barrier)",
		      a.discard ? "zeroes" : "not offered");
}
