// SPDX-License-Identifier: GPL-2.0-only
/*
 * bad-pointer: hypercalls given pointers the guest may not use (unmapped,
 * inside the hypervisor's range, non-canonical, wrapping, read-only for a
 * write) get -EFAULT; nothing is printed and the guest goes on.
 */
#include "lib/guest.h"

struct bad {
	uint64_t addr;
	const char *what;
};

static const struct bad bad_reads[] = {
	{ 0, "NULL" },
	{ 0x1000, "unmapped low address" },
	{ 0x00007ffffffff000ULL, "unmapped top of the lower half" },
	{ 0x0000800000000000ULL, "non-canonical" },
	{ 0xFFFF830000000000ULL, "hypervisor direct map" },
	{ 0xFFFF820000200000ULL, "hypervisor image" },
	{ 0xFFFF87FFFFFFF000ULL, "end of the hypervisor range" },
	{ 0xFFFFFFFFFFFFFFF0ULL, "range wrapping past the top" },
};

int test_main(struct start_info *si)
{
	unsigned int i;
	long rc;
	char extra[16];

	for (i = 0; i < ARRAY_SIZE(bad_reads); i++) {
		rc = HYPERVISOR_console_io(CONSOLEIO_write, 64, (const void *)bad_reads[i].addr);
		CHECK(rc == -EFAULT, "console_io write from %s (%#lx) gave %ld, expected -EFAULT",
		      bad_reads[i].what, (unsigned long)bad_reads[i].addr, rc);
		rc = HYPERVISOR_xen_version(XENVER_extraversion, (void *)bad_reads[i].addr);
		CHECK(rc == -EFAULT, "xen_version into %s (%#lx) gave %ld, expected -EFAULT",
		      bad_reads[i].what, (unsigned long)bad_reads[i].addr, rc);
	}
	/* The guest's own page tables are mapped read-only. */
	rc = HYPERVISOR_xen_version(XENVER_extraversion, (void *)si->pt_base);
	CHECK(rc == -EFAULT, "xen_version into the read-only L4 gave %ld, expected -EFAULT", rc);
	/* And the good cases still work. */
	CHECK(HYPERVISOR_xen_version(XENVER_extraversion, extra) == 0, "good pointer refused");
	CHECK(HYPERVISOR_console_io(CONSOLEIO_write, 0, NULL) == 0, "zero-length write refused");
	printf("all bad pointers refused with -EFAULT; the guest goes on\n");
	return TEST_PASS;
}
