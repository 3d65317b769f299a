// SPDX-License-Identifier: GPL-2.0-only
/* xen_version (17): what the hypervisor is and what it offers (§2.6). */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <hv/hypervisor.h>
#include <hv/cmdline.h>
#include <lamina/version.h>
#include <lamina/xen_x86_64.h>
#include <lamina/mm.h>

#ifndef LAMINA_CHANGESET
#define LAMINA_CHANGESET "unknown"
#endif
#ifndef LAMINA_COMPILE_BY
#define LAMINA_COMPILE_BY "unknown"
#endif
#ifndef LAMINA_COMPILE_DATE
#define LAMINA_COMPILE_DATE "unknown"
#endif

#define LAMINA_EXTRAVERSION	".0-lamina"

static uint32_t feature_submap0(const struct domain *d)
{
	uint32_t f = (1U << XENFEAT_mmu_pt_update_preserve_ad) |
		     (1U << XENFEAT_highmem_assist) |
		     (1U << XENFEAT_gnttab_map_avail_bits) |
		     (1U << XENFEAT_memory_op_vnode_supported) |
		     (1U << XENFEAT_direct_mapped);

	if (d->is_privileged)
		f |= 1U << XENFEAT_dom0;
	if (d->vm_assist & (1ULL << VMASST_TYPE_pae_extended_cr3))	/* as Xen's */
		f |= 1U << XENFEAT_pae_pgdir_above_4gb;
	return f;
}

static long get_features(struct vcpu *v, uint64_t arg)
{
	struct xen_feature_info fi;

	if (copy_from_guest(&fi, arg, sizeof(fi)))
		return -EFAULT;
	if (fi.submap_idx >= XENFEAT_NR_SUBMAPS)
		return trace_err(-EINVAL);
	fi.submap = feature_submap0(v->domain);
	return copy_to_guest(arg, &fi, sizeof(fi));
}

static long put_string(uint64_t arg, const char *s, size_t size)
{
	char buf[1024];

	BUG_ON(size > sizeof(buf));
	memset(buf, 0, size);
	strlcpy(buf, s, size);
	return copy_to_guest(arg, buf, size);
}

static long compile_info(uint64_t arg)
{
	struct xen_compile_info ci;

	memset(&ci, 0, sizeof(ci));
	strlcpy(ci.compiler, "gcc " __VERSION__, sizeof(ci.compiler));
	strlcpy(ci.compile_by, LAMINA_COMPILE_BY, sizeof(ci.compile_by));
	strlcpy(ci.compile_domain, "lamina", sizeof(ci.compile_domain));
	strlcpy(ci.compile_date, LAMINA_COMPILE_DATE, sizeof(ci.compile_date));
	return copy_to_guest(arg, &ci, sizeof(ci));
}

/*
 * XENVER_commandline: the hypervisor's command line without the image
 * name, in a 1024-byte buffer (xen_commandline_t), for dom0; any other
 * domain gets "<denied>", as from Xen 4.17.
 */
static long commandline(struct vcpu *v, uint64_t arg)
{
	char buf[1024];		/* xen_commandline_t */
	static const char denied[] = "<denied>";

	if (!v->domain->is_privileged)
		return copy_to_guest(arg, denied, sizeof(denied));
	memset(buf, 0, sizeof(buf));
	strlcpy(buf, cmdline_skip_image_name(boot_info.cmdline ? boot_info.cmdline : ""),
		sizeof(buf));
	return copy_to_guest(arg, buf, sizeof(buf));
}

/* The linker's GNU build-id note (lamina.lds; hypervisor/build.mk: --build-id=sha1). */
extern const uint8_t __note_gnu_build_id_start[], __note_gnu_build_id_end[];

struct gnu_note {
	uint32_t namesz, descsz, type;
	char name[4];			/* "GNU" */
};
#define NT_GNU_BUILD_ID		3

/* The id's bytes and length; -ENODATA without a well-formed note, as Xen. */
static long build_id_bytes(const uint8_t **p, uint32_t *len)
{
	const struct gnu_note *n = (const void *)__note_gnu_build_id_start;
	size_t size = __note_gnu_build_id_end - __note_gnu_build_id_start;

	if (size < sizeof(*n) || n->type != NT_GNU_BUILD_ID || n->namesz != 4 ||
	    memcmp(n->name, "GNU", 4) || n->descsz > size - sizeof(*n))
		return trace_err(-ENODATA);
	*p = (const uint8_t *)(n + 1);
	*len = n->descsz;
	return 0;
}

/*
 * XENVER_build_id, Xen 4.17's order: a domU -EPERM; a buffer's length
 * read (-EFAULT) and 0 refused (-EINVAL); no note -ENODATA; no buffer:
 * the id's length; a buffer too short -ENOBUFS; else the id copied after
 * the length and its length returned (20 bytes: a SHA-1).
 */
static long build_id(struct vcpu *v, uint64_t arg)
{
	const uint8_t *id;
	uint32_t len = 0, size;
	long rc;

	if (!v->domain->is_privileged)
		return trace_err(-EPERM);
	if (arg) {
		if (copy_from_guest(&len, arg, sizeof(len)))
			return -EFAULT;
		if (!len)
			return trace_err(-EINVAL);
	}
	rc = build_id_bytes(&id, &size);
	if (rc)
		return rc;
	if (!arg)
		return size;
	if (size > len)
		return trace_err(-ENOBUFS);
	if (copy_to_guest(arg + sizeof(len), id, size))
		return -EFAULT;
	return size;
}

long hc_xen_version(struct vcpu *v, struct hc_args *a)
{
	uint64_t arg = a->arg[1];

	switch ((uint32_t)a->arg[0]) {	/* Xen's `int cmd`: the upper half ignored */
	case XENVER_version:
		return (LAMINA_ABI_MAJOR << 16) | LAMINA_ABI_MINOR;
	case XENVER_extraversion:
		return put_string(arg, LAMINA_EXTRAVERSION, sizeof(xen_extraversion_t));
	case XENVER_compile_info:
		return compile_info(arg);
	case XENVER_capabilities:
		return put_string(arg, XEN_CAPABILITY_PV64 " ", sizeof(xen_capabilities_info_t));
	case XENVER_changeset:
		return put_string(arg, LAMINA_CHANGESET, sizeof(xen_changeset_info_t));
	case XENVER_platform_parameters: {
		struct xen_platform_parameters pp = { HYPERVISOR_VIRT_START };

		return copy_to_guest_bytes(arg, &pp, sizeof(pp));
	}
	case XENVER_get_features:
		return get_features(v, arg);
	case XENVER_pagesize:		/* it takes no argument: Xen's -EINVAL */
		return arg ? trace_err(-EINVAL) : (long)PAGE_SIZE;
	case XENVER_guest_handle:	/* the toolstack's (createdomain), as Xen's */
		return copy_to_guest(arg, v->domain->handle, sizeof(v->domain->handle));
	case XENVER_commandline:
		return commandline(v, arg);
	case XENVER_build_id:
		return build_id(v, arg);
	default:
		return trace_err(-ENOSYS);
	}
}
