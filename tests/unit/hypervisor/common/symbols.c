// SPDX-License-Identifier: GPL-2.0-only
/* Host tests of hypervisor/common/symbols.c on a small table. */
#include "../../unit.h"
#include <hv/symbols.h>

static const uint64_t addrs[] = { 0x1000, 0x1010, 0x1010, 0x1100 };
static const uint32_t offs[] = { 0, 2, 4, 6 };
static const char names[] = "a\0b\0c\0d";
static const struct symbol_table t = { 4, addrs, offs, names, 0x1200 };

static const char *lookup(uint64_t addr, uint64_t *off)
{
	return symbols_lookup(&t, addr, off);
}

static void finds_function(void)
{
	uint64_t off = 99;

	EXPECT(!strcmp(lookup(0x1000, &off), "a"));
	EXPECT_EQ(off, 0);
	EXPECT(!strcmp(lookup(0x100f, &off), "a"));
	EXPECT_EQ(off, 0xf);
	EXPECT(!strcmp(lookup(0x1011, &off), "c"));	/* the last of equal addresses */
	EXPECT(!strcmp(lookup(0x11ff, &off), "d"));
	EXPECT_EQ(off, 0xff);
}

static void outside(void)
{
	uint64_t off;
	const struct symbol_table empty = { 0, addrs, offs, names, 0x1200 };

	EXPECT(lookup(0xfff, &off) == NULL);
	EXPECT(lookup(0x1200, &off) == NULL);
	EXPECT(symbols_lookup(&empty, 0x1000, &off) == NULL);
}

int main(void)
{
	unit_suite = "symbols";
	RUN(finds_function);
	RUN(outside);
	return 0;
}
