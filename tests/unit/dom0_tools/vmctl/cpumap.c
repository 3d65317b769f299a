// SPDX-License-Identifier: GPL-2.0-only
/* vcpu-pin's CPU maps: what it reads, what vcpu-list prints. */
#include <string.h>
#include "../../unit.h"
#include "../../../../dom0_tools/vmctl/cpumap.h"

static void parse(void)
{
	uint8_t b[VMCTL_CPUMAP_BYTES];

	EXPECT_EQ(vmctl_cpumap_parse("-", b, VMCTL_CPUMAP_BITS), 1);
	EXPECT_EQ(vmctl_cpumap_parse("all", b, VMCTL_CPUMAP_BITS), 0);
	EXPECT(b[0] == 0xff && b[VMCTL_CPUMAP_BYTES - 1] == 0xff);
	EXPECT_EQ(vmctl_cpumap_parse("0,2-3,9", b, VMCTL_CPUMAP_BITS), 0);
	EXPECT(b[0] == 0x0d && b[1] == 0x02 && b[2] == 0);
	EXPECT_EQ(vmctl_cpumap_parse("255", b, VMCTL_CPUMAP_BITS), 0);
	EXPECT(b[31] == 0x80 && b[0] == 0);
	EXPECT_EQ(vmctl_cpumap_parse("256", b, VMCTL_CPUMAP_BITS), -1);	/* past the map */
	EXPECT_EQ(vmctl_cpumap_parse("3-2", b, VMCTL_CPUMAP_BITS), -1);
	EXPECT_EQ(vmctl_cpumap_parse("1,", b, VMCTL_CPUMAP_BITS), 0);
	EXPECT_EQ(vmctl_cpumap_parse("x", b, VMCTL_CPUMAP_BITS), -1);
	EXPECT_EQ(vmctl_cpumap_parse("1-", b, VMCTL_CPUMAP_BITS), -1);
	EXPECT_EQ(vmctl_cpumap_parse("1;2", b, VMCTL_CPUMAP_BITS), -1);
}

static void format(void)
{
	uint8_t b[VMCTL_CPUMAP_BYTES] = { 0 };
	char out[64];

	b[0] = 0x01;
	vmctl_cpumap_format(b, 1, out, sizeof(out));
	EXPECT(!strcmp(out, "all"));
	vmctl_cpumap_format(b, 2, out, sizeof(out));
	EXPECT(!strcmp(out, "0"));
	b[0] = 0x0d;
	b[1] = 0x02;
	vmctl_cpumap_format(b, 16, out, sizeof(out));
	EXPECT(!strcmp(out, "0,2-3,9"));
	memset(b, 0, sizeof(b));
	vmctl_cpumap_format(b, 4, out, sizeof(out));
	EXPECT(!strcmp(out, "none"));
	memset(b, 0xff, sizeof(b));
	vmctl_cpumap_format(b, 0, out, 8);		/* no CPU count: the list, cut short */
	EXPECT(!strcmp(out, "0-255"));
}

UNIT_MAIN("dom0_tools/vmctl/cpumap", UNIT_TEST(parse), UNIT_TEST(format))
