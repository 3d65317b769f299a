// SPDX-License-Identifier: GPL-2.0-only
/*
 * boot-gzip-bad: the boot-module domU is this guest's gzip without the
 * second half of its stream (its 8-byte trailer kept), so it looks like a
 * gzipped ELF (its start decodes, its size word is right) but the stream
 * breaks off. The hypervisor must refuse it with a line naming the problem,
 * start no d1, and give back the frames it decoded into: dom0 checks no
 * domain but itself is listed and most of the machine is free.
 * @domus: self.gz-cut:bad:role=bad
 * @expect-log: d1: cannot use the gzip kernel module: the compressed data is corrupt or truncated
 * @xen: skip Xen 4.17 builds no domains from boot modules on x86
 */
#include "lib/guest.h"
#include <lamina/domctl.h>
#include <lamina/sysctl.h>

int test_main(struct start_info *si)
{
	struct domctl op = { .cmd = DOMCTL_getdomaininfo,
			     .interface_version = DOMCTL_INTERFACE_VERSION, .domain = 1 };
	struct sysctl sc = { .cmd = SYSCTL_physinfo,
			     .interface_version = SYSCTL_INTERFACE_VERSION };
	long rc;

	if (!(si->flags & SIF_INITDOMAIN))
		return fail("the corrupt gzip domU was built and ran");
	rc = hypercall1(__HYPERVISOR_domctl, &op);
	CHECK(rc == -ESRCH, "a domain after dom0 is listed: %ld", rc);
	CHECK(hypercall1(__HYPERVISOR_sysctl, &sc) == 0, "physinfo failed");
	printf("%lu of %lu pages free\n", (unsigned long)sc.u.physinfo.free_pages,
	       (unsigned long)sc.u.physinfo.total_pages);
	/* 512 MiB machine, dom0 32 MiB: well over half must be free. */
	CHECK(sc.u.physinfo.free_pages > sc.u.physinfo.total_pages / 2,
	      "only %lu of %lu pages free", (unsigned long)sc.u.physinfo.free_pages,
	      (unsigned long)sc.u.physinfo.total_pages);
	return TEST_PASS;
}
