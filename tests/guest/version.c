// SPDX-License-Identifier: GPL-2.0-only
/*
 * version: every xen_version sub-op answers as <lamina/version.h> says.
 */
#include "lib/guest.h"

static bool terminated(const char *s, size_t n)
{
	return strnlen(s, n) < n;
}

int test_main(struct start_info *si)
{
	long v = HYPERVISOR_xen_version(XENVER_version, NULL);
	char extra[16], changeset[64];
	static char caps[1024];
	struct xen_compile_info ci;
	struct xen_platform_parameters pp;
	struct xen_feature_info fi = { 0, 0 };
	long rc;

	CHECK(v >= ((LAMINA_ABI_MIN_MAJOR << 16) | LAMINA_ABI_MIN_MINOR),
	      "XENVER_version %#lx is below %d.%d", v, LAMINA_ABI_MIN_MAJOR, LAMINA_ABI_MIN_MINOR);
	printf("interface version %ld.%ld\n", v >> 16, v & 0xffff);

	memset(extra, 'x', sizeof(extra));
	CHECK(HYPERVISOR_xen_version(XENVER_extraversion, extra) == 0, "extraversion failed");
	CHECK(terminated(extra, sizeof(extra)), "extraversion not NUL-terminated");

	memset(&ci, 'x', sizeof(ci));
	CHECK(HYPERVISOR_xen_version(XENVER_compile_info, &ci) == 0, "compile_info failed");
	CHECK(terminated(ci.compiler, sizeof(ci.compiler)) &&
	      terminated(ci.compile_by, sizeof(ci.compile_by)) &&
	      terminated(ci.compile_domain, sizeof(ci.compile_domain)) &&
	      terminated(ci.compile_date, sizeof(ci.compile_date)),
	      "compile_info strings not NUL-terminated");

	CHECK(HYPERVISOR_xen_version(XENVER_capabilities, caps) == 0, "capabilities failed");
	CHECK(terminated(caps, sizeof(caps)), "capabilities not NUL-terminated");
	CHECK(!strncmp(caps, XEN_CAPABILITY_PV64, strlen(XEN_CAPABILITY_PV64)),
	      "capabilities \"%s\" do not start with %s", caps, XEN_CAPABILITY_PV64);

	memset(changeset, 'x', sizeof(changeset));
	CHECK(HYPERVISOR_xen_version(XENVER_changeset, changeset) == 0, "changeset failed");
	CHECK(terminated(changeset, sizeof(changeset)), "changeset not NUL-terminated");

	CHECK(HYPERVISOR_xen_version(XENVER_platform_parameters, &pp) == 0,
	      "platform_parameters failed");
	CHECK(pp.virt_start == HYPERVISOR_VIRT_START, "virt_start %#lx", (unsigned long)pp.virt_start);

	CHECK(HYPERVISOR_xen_version(XENVER_get_features, &fi) == 0, "get_features failed");
	CHECK(fi.submap & (1U << XENFEAT_mmu_pt_update_preserve_ad),
	      "mmu_pt_update_preserve_ad missing (Linux panics)");
	CHECK(fi.submap & (1U << XENFEAT_gnttab_map_avail_bits),
	      "gnttab_map_avail_bits missing (Linux panics)");
	CHECK(!(fi.submap & ((1U << XENFEAT_auto_translated_physmap) |
			     (1U << XENFEAT_supervisor_mode_kernel) |
			     (1U << XENFEAT_hvm_callback_vector))),
	      "a feature set that a PV guest must not see: %#x", fi.submap);
	CHECK(!!(fi.submap & (1U << XENFEAT_dom0)) == !!(si->flags & SIF_INITDOMAIN),
	      "dom0 feature %#x disagrees with start_info flags %#x", fi.submap, si->flags);
	fi.submap_idx = 1;
	rc = HYPERVISOR_xen_version(XENVER_get_features, &fi);
	CHECK(rc == -EINVAL, "get_features submap 1 gave %ld, expected -EINVAL", rc);

	rc = HYPERVISOR_xen_version(XENVER_pagesize, NULL);
	CHECK(rc == 4096, "pagesize %ld", rc);
	rc = HYPERVISOR_xen_version(0x7fff, NULL);
	CHECK(rc == -ENOSYS, "unknown sub-op gave %ld, expected -ENOSYS", rc);

	printf("extraversion \"%s\", capabilities \"%s\", features %#x, compiler \"%s\"\n",
	       extra, caps, fi.submap, ci.compiler);
	return TEST_PASS;
}
