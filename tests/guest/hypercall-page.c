// SPDX-License-Identifier: GPL-2.0-only
/*
 * hypercall-page: a legacy kernel with the HYPERCALL_PAGE note gets the
 * page filled as docs/abi-core.md §1.4 gives, and hypercalls through it work.
 */
#define WITH_HYPERCALL_PAGE
#include "lib/guest.h"

extern uint8_t hypercall_page[4096];

static long page_call2(unsigned int nr, uint64_t a1, uint64_t a2)
{
	long ret;

	asm volatile("call *%[fn]"
		     : "=a"(ret), "+D"(a1), "+S"(a2)
		     : [fn] "r"(hypercall_page + nr * 32)
		     : "rcx", "rdx", "r8", "r9", "r10", "r11", "memory");
	return ret;
}

int test_main(struct start_info *si)
{
	static const uint8_t slot17[] = { 0x51, 0x41, 0x53, 0xb8, 17, 0, 0, 0,
					  0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3 };
	static const uint8_t slot23[] = { 0x51, 0x41, 0x53, 0x50, 0xb8, 23, 0, 0, 0, 0x0f, 0x05 };
	long v, rc;

	CHECK(!memcmp(hypercall_page + 17 * 32, slot17, sizeof(slot17)),
	      "slot 17 is not the push/mov/syscall/pop/ret stub");
	CHECK(!memcmp(hypercall_page + 23 * 32, slot23, sizeof(slot23)),
	      "slot 23 is not the iret stub");
	CHECK(hypercall_page[17 * 32 + 31] == 0xcc, "slot padding is not int3");
	v = page_call2(__HYPERVISOR_xen_version, XENVER_version, 0);
	CHECK(v == HYPERVISOR_xen_version(XENVER_version, NULL),
	      "xen_version through the page gave %ld", v);
	rc = page_call2(60, 0, 0);
	CHECK(rc == -ENOSYS, "unknown hypercall through the page gave %ld", rc);
	printf("hypercall page filled; xen_version through it: %ld.%ld\n", v >> 16, v & 0xffff);
	return TEST_PASS;
}
