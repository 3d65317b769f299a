// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of hypervisor/common/ioport_ranges.c: a domain's I/O port
 * list (domctl ioport_permission), which only a guest's domctl reaches
 * otherwise.
 */
#include "../../unit.h"
#include <stdarg.h>
#include <stdlib.h>
#include <hv/ioport_ranges.h>
#include <lamina/errno.h>

static struct ioport_ranges l;

static void fresh(void)
{
	memset(&l, 0, sizeof(l));
}

/* The list is exactly these n ranges: first, last, first, last, ... */
static bool is(unsigned int n, ...)
{
	va_list ap;
	unsigned int i;
	bool ok = l.n == n;

	va_start(ap, n);
	for (i = 0; i < n; i++) {
		unsigned int first = va_arg(ap, unsigned int), last = va_arg(ap, unsigned int);

		ok = ok && l.r[i].first == first && l.r[i].last == last;
	}
	va_end(ap);
	return ok;
}

/* first_port and nr_ports as the guest gives them: empty, wrapping, past 0xffff. */
static void span(void)
{
	uint32_t last = 12345;

	EXPECT(ioport_span(0, 1, &last));
	EXPECT_EQ(last, 0);
	EXPECT(ioport_span(0, 0x10000, &last));
	EXPECT_EQ(last, 0xffff);
	EXPECT(ioport_span(0xffff, 1, &last));
	EXPECT_EQ(last, 0xffff);
	EXPECT(ioport_span(0xfff0, 0x10, &last));
	EXPECT_EQ(last, 0xffff);
	last = 12345;
	EXPECT(!ioport_span(0x10, 0, &last));			/* empty */
	EXPECT(!ioport_span(0xffff, 2, &last));			/* one past 0xffff */
	EXPECT(!ioport_span(0, 0x10001, &last));
	EXPECT(!ioport_span(0x10000, 1, &last));		/* starts past it */
	EXPECT(!ioport_span(0xffffffff, 2, &last));		/* wraps to 1 */
	EXPECT(!ioport_span(1, 0xffffffff, &last));		/* wraps to 0 */
	EXPECT(!ioport_span(0x8000, 0xffff9000, &last));	/* wraps to 0x1000 */
	EXPECT_EQ(last, 12345);					/* untouched */
}

/* Overlapping or touching ranges become one; others stay apart, sorted. */
static void add_merges(void)
{
	fresh();
	EXPECT_EQ(ioport_ranges_add(&l, 30, 39), 0);
	EXPECT_EQ(ioport_ranges_add(&l, 10, 19), 0);
	EXPECT(is(2, 10, 19, 30, 39));
	EXPECT_EQ(ioport_ranges_add(&l, 20, 29), 0);		/* touches both */
	EXPECT(is(1, 10, 39));
	EXPECT_EQ(ioport_ranges_add(&l, 5, 12), 0);		/* overlaps the start */
	EXPECT(is(1, 5, 39));
	EXPECT_EQ(ioport_ranges_add(&l, 41, 50), 0);		/* a gap of one port */
	EXPECT(is(2, 5, 39, 41, 50));
	EXPECT_EQ(ioport_ranges_add(&l, 20, 30), 0);		/* inside: nothing new */
	EXPECT(is(2, 5, 39, 41, 50));
	EXPECT_EQ(ioport_ranges_add(&l, 60, 60), 0);
	EXPECT_EQ(ioport_ranges_add(&l, 70, 80), 0);
	EXPECT(is(4, 5, 39, 41, 50, 60, 60, 70, 80));
	EXPECT_EQ(ioport_ranges_add(&l, 0, 100), 0);		/* takes in all four */
	EXPECT(is(1, 0, 100));
	EXPECT_EQ(ioport_ranges_add(&l, 40, 101), 0);		/* touches the end */
	EXPECT(is(1, 0, 101));
}

/* A removal cuts what it overlaps; one inside a range splits it. */
static void remove_cuts(void)
{
	fresh();
	EXPECT_EQ(ioport_ranges_add(&l, 10, 39), 0);
	EXPECT_EQ(ioport_ranges_remove(&l, 20, 29), 0);		/* the middle */
	EXPECT(is(2, 10, 19, 30, 39));
	EXPECT_EQ(ioport_ranges_remove(&l, 20, 29), 0);		/* nothing there */
	EXPECT(is(2, 10, 19, 30, 39));
	EXPECT_EQ(ioport_ranges_remove(&l, 10, 10), 0);		/* first port */
	EXPECT_EQ(ioport_ranges_remove(&l, 39, 39), 0);		/* last port */
	EXPECT(is(2, 11, 19, 30, 38));
	EXPECT_EQ(ioport_ranges_add(&l, 50, 59), 0);
	EXPECT_EQ(ioport_ranges_remove(&l, 15, 55), 0);		/* across three */
	EXPECT(is(2, 11, 14, 56, 59));
	EXPECT_EQ(ioport_ranges_remove(&l, 11, 14), 0);		/* exactly one */
	EXPECT(is(1, 56, 59));
	EXPECT_EQ(ioport_ranges_remove(&l, 0, 0xffff), 0);
	EXPECT(is(0));
	EXPECT_EQ(ioport_ranges_remove(&l, 0, 0xffff), 0);	/* an empty list */
	EXPECT(is(0));
}

/* Ports 0 and 0xffff: no arithmetic wraps from one to the other. */
static void edge_ports(void)
{
	fresh();
	EXPECT_EQ(ioport_ranges_add(&l, 0xffff, 0xffff), 0);
	EXPECT_EQ(ioport_ranges_add(&l, 0, 0), 0);		/* not "touching" 0xffff */
	EXPECT(is(2, 0, 0, 0xffff, 0xffff));
	EXPECT(ioport_ranges_cover(&l, 0, 0));
	EXPECT(ioport_ranges_cover(&l, 0xffff, 0xffff));
	EXPECT(!ioport_ranges_cover(&l, 0, 1));
	EXPECT(!ioport_ranges_cover(&l, 0xfffe, 0xffff));
	EXPECT_EQ(ioport_ranges_add(&l, 1, 0xfffe), 0);		/* touches both */
	EXPECT(is(1, 0, 0xffff));
	EXPECT(ioport_ranges_cover(&l, 0, 0xffff));
	EXPECT_EQ(ioport_ranges_remove(&l, 0, 0), 0);
	EXPECT_EQ(ioport_ranges_remove(&l, 0xffff, 0xffff), 0);
	EXPECT(is(1, 1, 0xfffe));
	EXPECT_EQ(ioport_ranges_remove(&l, 1, 1), 0);
	EXPECT_EQ(ioport_ranges_remove(&l, 0xfffe, 0xfffe), 0);
	EXPECT(is(1, 2, 0xfffd));
	EXPECT_EQ(ioport_ranges_remove(&l, 0x8000, 0x8000), 0);
	EXPECT(is(2, 2, 0x7fff, 0x8001, 0xfffd));
	EXPECT_EQ(ioport_ranges_add(&l, 0xfffe, 0xffff), 0);
	EXPECT_EQ(ioport_ranges_add(&l, 0, 1), 0);
	EXPECT(is(2, 0, 0x7fff, 0x8001, 0xffff));
	EXPECT_EQ(ioport_ranges_add(&l, 0x9000, 0x9001), 0);	/* inside the one ending at 0xffff */
	EXPECT(is(2, 0, 0x7fff, 0x8001, 0xffff));
	EXPECT_EQ(ioport_ranges_add(&l, 0x7000, 0x8000), 0);
	EXPECT(is(1, 0, 0xffff));
}

static void cover(void)
{
	fresh();
	EXPECT(!ioport_ranges_cover(&l, 0, 0));
	EXPECT_EQ(ioport_ranges_add(&l, 10, 19), 0);
	EXPECT_EQ(ioport_ranges_add(&l, 21, 30), 0);
	EXPECT(ioport_ranges_cover(&l, 10, 19));
	EXPECT(ioport_ranges_cover(&l, 12, 12));
	EXPECT(ioport_ranges_cover(&l, 21, 30));
	EXPECT(!ioport_ranges_cover(&l, 9, 10));
	EXPECT(!ioport_ranges_cover(&l, 19, 21));		/* port 20 is missing */
	EXPECT(!ioport_ranges_cover(&l, 30, 31));
	EXPECT(!ioport_ranges_cover(&l, 20, 20));
	EXPECT(!ioport_ranges_cover(&l, 0, 0xffff));
}

/* 16 ranges: a 17th, or a split, is -ENOMEM with the list as it was. */
static void limit(void)
{
	struct ioport_ranges before;
	unsigned int i;

	fresh();
	for (i = 0; i < IOPORT_RANGES; i++)
		EXPECT_EQ(ioport_ranges_add(&l, 100 * i + 10, 100 * i + 20), 0);
	EXPECT_EQ(l.n, IOPORT_RANGES);
	before = l;
	EXPECT_EQ(ioport_ranges_add(&l, 0, 0), -ENOMEM);
	EXPECT_EQ(ioport_ranges_add(&l, 0xffff, 0xffff), -ENOMEM);
	EXPECT_EQ(ioport_ranges_add(&l, 50, 60), -ENOMEM);	/* between two */
	EXPECT(!memcmp(&l, &before, sizeof(l)));
	EXPECT_EQ(ioport_ranges_remove(&l, 515, 515), -ENOMEM);	/* inside one */
	EXPECT_EQ(ioport_ranges_remove(&l, 1511, 1519), -ENOMEM); /* inside the last */
	EXPECT(!memcmp(&l, &before, sizeof(l)));
	EXPECT(ioport_ranges_cover(&l, 510, 520));
	/* Still 16 after: a merge, an edge trimmed, a range taken whole. */
	EXPECT_EQ(ioport_ranges_add(&l, 21, 30), 0);
	EXPECT_EQ(ioport_ranges_remove(&l, 110, 110), 0);
	EXPECT_EQ(l.n, IOPORT_RANGES);
	EXPECT_EQ(ioport_ranges_add(&l, 0, 500), 0);		/* five become one */
	EXPECT_EQ(l.n, IOPORT_RANGES - 4);
	EXPECT(is(12, 0, 500, 510, 520, 610, 620, 710, 720, 810, 820, 910, 920, 1010, 1020,
		  1110, 1120, 1210, 1220, 1310, 1320, 1410, 1420, 1510, 1520));
	EXPECT_EQ(ioport_ranges_remove(&l, 100, 100), 0);	/* a split, room now */
	EXPECT_EQ(l.n, IOPORT_RANGES - 3);
}

/*
 * Random adds and removes against a bitmap of the ports: the list stays
 * sorted, apart and within 16 ranges, and equals the bitmap's runs; a
 * refusal comes only when the bitmap would need a 17th run, and changes
 * nothing. The ports drawn are 0-511 and 0xfe00-0xffff; a range from one
 * to the other covers all ports between, which the bitmap keeps as one
 * cell (MID).
 */
#define LOW	512U
#define MID	LOW			/* the cell of ports LOW .. HIGH - 1 */
#define HIGH	0xfe00U
#define CELLS	(LOW + 1 + (0x10000 - HIGH))

static uint32_t cell_first(unsigned int c)
{
	return c < LOW ? c : c == MID ? LOW : HIGH + (c - MID - 1);
}

static uint32_t cell_last(unsigned int c)
{
	return c == MID ? HIGH - 1 : cell_first(c);
}

static unsigned int cell(uint32_t port)
{
	return port < LOW ? port : port < HIGH ? MID : MID + 1 + (port - HIGH);
}

static unsigned int runs(const uint8_t *m, struct io_range *out)
{
	unsigned int n = 0, c = 0, e;

	while (c < CELLS) {
		if (!m[c]) {
			c++;
			continue;
		}
		for (e = c; e + 1 < CELLS && m[e + 1]; e++)
			;
		if (n < IOPORT_RANGES)
			out[n] = (struct io_range){ (uint16_t)cell_first(c),
							(uint16_t)cell_last(e) };
		n++;
		c = e + 1;
	}
	return n;
}

static uint32_t random_port(void)
{
	switch (rand() % 8) {
	case 0:
		return (uint32_t)(rand() % 8);
	case 1:
		return 0xffff - (uint32_t)(rand() % 8);
	case 2:
		return (uint32_t)(rand() % LOW);
	default:
		return (uint32_t)(rand() % 120);
	}
}

static void random_against_bitmap(void)
{
	static uint8_t model[CELLS], next[CELLS];
	struct io_range want[IOPORT_RANGES];
	unsigned int step, refused = 0, i;

	srand(21);
	fresh();
	memset(model, 0, sizeof(model));
	for (step = 0; step < 300000 && !unit_failure[0]; step++) {
		uint32_t a = random_port(), b = random_port(), first = a < b ? a : b, last = a ^ b ^ first;
		bool add = rand() % 2;
		struct ioport_ranges before = l;
		int rc;

		if (rand() % 8) {		/* mostly narrow: many ranges */
			last = first + (uint32_t)(rand() % 4);
			last = first < LOW && last >= LOW ? LOW - 1 : last > 0xffff ? 0xffff : last;
		}
		memcpy(next, model, sizeof(next));
		memset(next + cell(first), add, cell(last) - cell(first) + 1);
		rc = add ? ioport_ranges_add(&l, first, last) : ioport_ranges_remove(&l, first, last);
		if (rc) {
			EXPECT_EQ(rc, -ENOMEM);
			EXPECT(runs(next, want) > IOPORT_RANGES);
			EXPECT(!memcmp(&l, &before, sizeof(l)));
			refused++;
			continue;
		}
		memcpy(model, next, sizeof(model));
		EXPECT_EQ(l.n, runs(model, want));
		for (i = 0; i < l.n && i < IOPORT_RANGES; i++) {
			EXPECT_EQ(l.r[i].first, want[i].first);
			EXPECT_EQ(l.r[i].last, want[i].last);
		}
		if (rand() % 4 == 0) {
			bool all = true;

			for (i = cell(first); i <= cell(last); i++)
				all = all && model[i];
			EXPECT_EQ(ioport_ranges_cover(&l, first, last), all);
		}
	}
	EXPECT(refused > 300);		/* the limit was reached, often */
	if (getenv("UNIT_VERBOSE"))
		printf("%u steps, %u refused\n", step, refused);
}

/*
 * The MMIO frame list shares the code: frames up to 2^52 (the widest
 * physical address), merges across 2^32, its 32-range limit.
 */
static void iomem(void)
{
	static struct iomem_ranges m, before;	/* as a domain keeps its MMIO frames */
	const uint64_t top = (1ULL << 40) - 1;	/* frame 2^40 - 1: 2^52 bytes */
	unsigned int i;

	EXPECT_EQ(io_ranges_add(m.r, &m.n, IOMEM_RANGES, 0xffffffffULL, 0xffffffffULL), 0);
	EXPECT_EQ(io_ranges_add(m.r, &m.n, IOMEM_RANGES, 0x100000000ULL, 0x100000010ULL), 0);	/* touches */
	EXPECT_EQ(m.n, 1U);
	EXPECT_EQ(m.r[0].first, 0xffffffffULL);
	EXPECT_EQ(m.r[0].last, 0x100000010ULL);
	EXPECT_EQ(io_ranges_add(m.r, &m.n, IOMEM_RANGES, top, top), 0);
	EXPECT(io_ranges_cover(m.r, m.n, top, top));
	EXPECT(!io_ranges_cover(m.r, m.n, top - 1, top));
	EXPECT_EQ(io_ranges_remove(m.r, &m.n, IOMEM_RANGES, 0x100000000ULL, 0x100000000ULL), 0);	/* a split */
	EXPECT_EQ(m.n, 3U);
	EXPECT_EQ(io_ranges_remove(m.r, &m.n, IOMEM_RANGES, 0, top), 0);
	EXPECT_EQ(m.n, 0U);
	for (i = 0; i < IOMEM_RANGES; i++)
		EXPECT_EQ(io_ranges_add(m.r, &m.n, IOMEM_RANGES, 0x1000000000ULL * i, 0x1000000000ULL * i + 1), 0);
	before = m;
	EXPECT_EQ(io_ranges_add(m.r, &m.n, IOMEM_RANGES, 3, 3), -ENOMEM);
	EXPECT_EQ(io_ranges_remove(m.r, &m.n, IOMEM_RANGES, 0x1000000000ULL, 0x1000000000ULL), 0);	/* an edge */
	EXPECT_EQ(io_ranges_add(m.r, &m.n, IOMEM_RANGES, 0x1000000000ULL, 0x1000000000ULL), 0);
	EXPECT(!memcmp(&m, &before, sizeof(m)));
	EXPECT_EQ(io_ranges_add(m.r, &m.n, IOMEM_RANGES, 0, 0x1000000000ULL * IOMEM_RANGES), 0);	/* all in one */
	EXPECT_EQ(m.n, 1U);
}

UNIT_MAIN("ioport_ranges", UNIT_TEST(span), UNIT_TEST(add_merges), UNIT_TEST(remove_cuts),
	  UNIT_TEST(edge_ports), UNIT_TEST(cover), UNIT_TEST(limit),
	  UNIT_TEST(random_against_bitmap), UNIT_TEST(iomem))
