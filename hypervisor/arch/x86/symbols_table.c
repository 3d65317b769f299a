// SPDX-License-Identifier: GPL-2.0-only
/* Binds the generated symbol table (symbols.S from the build) to C. */
#include <hv/symbols.h>

extern const uint64_t lamina_symbols_count;
extern const uint64_t lamina_symbols_addrs[];
extern const uint32_t lamina_symbols_name_offs[];
extern const char lamina_symbols_names[];
extern char _etext[];

const struct symbol_table *hypervisor_symbols(void)
{
	static struct symbol_table t;

	t.count = lamina_symbols_count;
	t.addrs = lamina_symbols_addrs;
	t.name_offs = lamina_symbols_name_offs;
	t.names = lamina_symbols_names;
	t.text_end = (uint64_t)_etext;
	return &t;
}
