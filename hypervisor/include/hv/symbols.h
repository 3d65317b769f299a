/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypervisor's own symbol table, for backtraces. The build links the
 * image twice: the second link embeds the text symbols of the first
 * (hypervisor/build.mk), sorted by address.
 */
#ifndef HV_SYMBOLS_H
#define HV_SYMBOLS_H

#include <hv/types.h>

struct symbol_table {
	uint64_t count;
	const uint64_t *addrs;		/* ascending */
	const uint32_t *name_offs;	/* into names */
	const char *names;
	uint64_t text_end;		/* addresses from here on are not code */
};

/* Name of the function containing addr, or NULL; *off = addr - start. */
const char *symbols_lookup(const struct symbol_table *t, uint64_t addr, uint64_t *off);
const struct symbol_table *hypervisor_symbols(void);

#endif
