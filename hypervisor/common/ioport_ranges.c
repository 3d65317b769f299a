// SPDX-License-Identifier: GPL-2.0-only
/*
 * A domain's I/O lists, ports and MMIO frames (hv/ioport_ranges.h): a
 * range added takes in every range it overlaps or touches; one taken away
 * cuts the ranges it overlaps, and one it splits needs a free entry.
 */
#include <hv/ioport_ranges.h>
#include <hv/lib.h>
#include <hv/string.h>

#define IO_PORTS	0x10000U

bool ioport_span(uint32_t first, uint32_t nr, uint32_t *last)
{
	uint32_t end = first + nr;	/* may wrap: then end <= first */

	if (end <= first || end > IO_PORTS)
		return false;
	*last = end - 1;
	return true;
}

int io_ranges_add(struct io_range *r, unsigned int *nr, unsigned int max,
		  uint64_t first, uint64_t last)
{
	unsigned int n = *nr, i = 0, j;

	while (i < n && r[i].last + 1 < first)	/* last < 2^64 - 1: no wrap */
		i++;
	for (j = i; j < n && r[j].first <= last + 1; j++) {
		first = MIN(first, r[j].first);
		last = MAX(last, r[j].last);
	}
	if (i == j && n == max)
		return -ENOMEM;
	if (i == j) {			/* a new entry at i */
		memmove(&r[i + 1], &r[i], (n - i) * sizeof(*r));
		n++;
	} else {			/* r[i] takes in r[i + 1 .. j - 1] */
		memmove(&r[i + 1], &r[j], (n - j) * sizeof(*r));
		n -= j - i - 1;
	}
	r[i].first = first;
	r[i].last = last;
	*nr = n;
	return 0;
}

/*
 * Only the first range the request overlaps can be split (the ranges are
 * disjoint), so the -ENOMEM comes before anything changed.
 */
int io_ranges_remove(struct io_range *r, unsigned int *nr, unsigned int max,
		     uint64_t first, uint64_t last)
{
	unsigned int n = *nr, i = 0;

	while (i < n && r[i].first <= last) {
		if (r[i].last < first) {
			i++;
		} else if (r[i].first < first && r[i].last > last) {
			if (n == max)
				return -ENOMEM;
			memmove(&r[i + 1], &r[i], (n - i) * sizeof(*r));
			n++;
			r[i].last = first - 1;
			r[i + 1].first = last + 1;
			break;
		} else if (r[i].first < first) {
			r[i++].last = first - 1;
		} else if (r[i].last > last) {
			r[i].first = last + 1;
			break;
		} else {
			memmove(&r[i], &r[i + 1], (n - i - 1) * sizeof(*r));
			n--;
		}
	}
	*nr = n;
	return 0;
}

bool io_ranges_cover(const struct io_range *r, unsigned int n, uint64_t first, uint64_t last)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (r[i].first <= first && last <= r[i].last)
			return true;
	return false;
}
