// SPDX-License-Identifier: GPL-2.0-only
/* Address-to-name lookup by binary search over the embedded table. */
#include <hv/symbols.h>

const char *symbols_lookup(const struct symbol_table *t, uint64_t addr, uint64_t *off)
{
	uint64_t lo = 0, hi = t->count;

	if (!t->count || addr < t->addrs[0] || addr >= t->text_end)
		return NULL;
	/* Find the last entry with addrs[i] <= addr. */
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (t->addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*off = addr - t->addrs[lo];
	return t->names + t->name_offs[lo];
}
