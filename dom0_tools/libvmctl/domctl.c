// SPDX-License-Identifier: GPL-2.0-only
/* The toolstack's hypercalls through /dev/xen/privcmd (see domctl.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <lamina/event_channel.h>
#include <lamina/grant_table.h>
#include <lamina/hypercall.h>
#include <lamina/memory.h>
#include <lamina/mm.h>
#include "domctl.h"
#include "libvmctl.h"	/* vmctl_privcmd */
#include "xendev.h"

#define XENMEM_resource_grant_table	1

/* privcmd is libvmctl's shared device (vmctl_privcmd, the dom0 library's xendev). */
int vmctl_xc_open(void)
{
	struct xendev *dev;

	return vmctl_privcmd(&dev);
}

long vmctl_xc_hypercall(uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	const uint64_t args[4] = { a0, a1, a2, a3 };
	struct xendev *dev;
	long rc = vmctl_privcmd(&dev);

	return rc ? rc : xendev_hypercall_v(dev, op, args, 4);
}

long vmctl_domctl(struct domctl *d)
{
	d->interface_version = DOMCTL_INTERFACE_VERSION;
	return vmctl_xc_hypercall(__HYPERVISOR_domctl, (uint64_t)(uintptr_t)d, 0, 0, 0);
}

long vmctl_sysctl(struct sysctl *s)
{
	s->interface_version = SYSCTL_INTERFACE_VERSION;
	return vmctl_xc_hypercall(__HYPERVISOR_sysctl, (uint64_t)(uintptr_t)s, 0, 0, 0);
}

long vmctl_dom_create(const struct domctl_createdomain *c, unsigned int *domid)
{
	struct domctl d = { .cmd = DOMCTL_createdomain, .domain = (domid_t)*domid };
	long rc;

	d.u.createdomain = *c;
	rc = vmctl_domctl(&d);
	if (!rc)
		*domid = d.domain;
	return rc;
}

long vmctl_dom_simple(unsigned int cmd, unsigned int domid)
{
	struct domctl d = { .cmd = cmd, .domain = (domid_t)domid };

	return vmctl_domctl(&d);
}

long vmctl_dom_max_vcpus(unsigned int domid, unsigned int max)
{
	struct domctl d = { .cmd = DOMCTL_max_vcpus, .domain = (domid_t)domid };

	d.u.max_vcpus.max = max;
	return vmctl_domctl(&d);
}

long vmctl_dom_max_mem(unsigned int domid, uint64_t kib)
{
	struct domctl d = { .cmd = DOMCTL_max_mem, .domain = (domid_t)domid };

	d.u.max_mem.max_memkb = kib;
	return vmctl_domctl(&d);
}

long vmctl_dom_iomem_permission(unsigned int domid, uint64_t first, uint64_t nr, bool allow)
{
	struct domctl d = { .cmd = DOMCTL_iomem_permission, .domain = (domid_t)domid };

	d.u.iomem_permission.first_mfn = first;
	d.u.iomem_permission.nr_mfns = nr;
	d.u.iomem_permission.allow_access = allow;
	return vmctl_domctl(&d);
}

long vmctl_set_memory_map(unsigned int domid, uint64_t kib)
{
	struct e820_entry ram = { .addr = 0, .size = kib << 10, .type = 1 /* E820 RAM */ };
	struct xen_foreign_memory_map f = {
		.domid = (domid_t)domid,
		.map = { .nr_entries = 1, .buffer = (uint64_t)(uintptr_t)&ram },
	};

	return vmctl_xc_hypercall(__HYPERVISOR_memory_op, XENMEM_set_memory_map,
				  (uint64_t)(uintptr_t)&f, 0, 0);
}

long vmctl_dom_info(unsigned int domid, struct domctl_getdomaininfo *info)
{
	struct domctl d = { .cmd = DOMCTL_getdomaininfo, .domain = (domid_t)domid };
	long rc = vmctl_domctl(&d);

	if (rc)
		return rc;
	*info = d.u.getdomaininfo;
	return info->domain == domid ? 0 : -ESRCH;
}

long vmctl_dom_vcpuinfo(unsigned int domid, unsigned int vcpu, struct domctl_getvcpuinfo *vi)
{
	struct domctl d = { .cmd = DOMCTL_getvcpuinfo, .domain = (domid_t)domid };
	long rc;

	d.u.getvcpuinfo.vcpu = vcpu;
	rc = vmctl_domctl(&d);
	if (!rc)
		*vi = d.u.getvcpuinfo;
	return rc;
}

long vmctl_dom_vcpuaffinity(unsigned int domid, unsigned int vcpu, bool set, uint32_t flags,
			    uint8_t *hard, uint8_t *soft, unsigned int nr_bits)
{
	struct domctl d = { .cmd = set ? DOMCTL_setvcpuaffinity : DOMCTL_getvcpuaffinity,
			    .domain = (domid_t)domid };

	d.u.vcpuaffinity.vcpu = vcpu;
	d.u.vcpuaffinity.flags = flags;
	d.u.vcpuaffinity.cpumap_hard.bitmap = (uint64_t)(uintptr_t)hard;
	d.u.vcpuaffinity.cpumap_hard.nr_bits = hard ? nr_bits : 0;
	d.u.vcpuaffinity.cpumap_soft.bitmap = (uint64_t)(uintptr_t)soft;
	d.u.vcpuaffinity.cpumap_soft.nr_bits = soft ? nr_bits : 0;
	return vmctl_domctl(&d);
}

static long vcpucontext(unsigned int cmd, unsigned int domid, unsigned int vcpu,
			const struct vcpu_guest_context *ctxt)
{
	struct domctl d = { .cmd = cmd, .domain = (domid_t)domid };

	d.u.vcpucontext.vcpu = vcpu;
	d.u.vcpucontext.ctxt = (uint64_t)(uintptr_t)ctxt;
	return vmctl_domctl(&d);
}

long vmctl_dom_setvcpucontext(unsigned int domid, unsigned int vcpu,
			      const struct vcpu_guest_context *ctxt)
{
	return vcpucontext(DOMCTL_setvcpucontext, domid, vcpu, ctxt);
}

long vmctl_dom_getvcpucontext(unsigned int domid, unsigned int vcpu,
			      struct vcpu_guest_context *ctxt)
{
	return vcpucontext(DOMCTL_getvcpucontext, domid, vcpu, ctxt);
}

long vmctl_dom_list(unsigned int first, struct domctl_getdomaininfo *buf, unsigned int max)
{
	struct sysctl s = { .cmd = SYSCTL_getdomaininfolist };
	long rc;

	/*
	 * The hypervisor writes into these pages directly and cannot fault in
	 * a user page dom0's kernel has not mapped yet (-EFAULT): touch them.
	 */
	memset(buf, 0, (size_t)max * sizeof(*buf));
	s.u.getdomaininfolist.first_domain = (domid_t)first;
	s.u.getdomaininfolist.max_domains = max;
	s.u.getdomaininfolist.buffer = (uint64_t)(uintptr_t)buf;
	rc = vmctl_sysctl(&s);
	if (rc == -ENOSYS) {
		/* No sysctl: one getdomaininfo ("the next domain") at a time. */
		unsigned int n = 0;

		while (n < max) {
			struct domctl d = { .cmd = DOMCTL_getdomaininfo, .domain = (domid_t)first };

			rc = vmctl_domctl(&d);
			if (rc == -ESRCH)
				break;
			if (rc)
				return rc;
			buf[n++] = d.u.getdomaininfo;
			first = d.u.getdomaininfo.domain + 1u;
		}
		return n;
	}
	return rc ? rc : (long)s.u.getdomaininfolist.num_domains;
}

long vmctl_physinfo(struct sysctl_physinfo *pi)
{
	struct sysctl s = { .cmd = SYSCTL_physinfo };
	long rc = vmctl_sysctl(&s);

	if (!rc)
		*pi = s.u.physinfo;
	return rc;
}

long vmctl_evtchn_alloc_unbound(unsigned int domid, unsigned int remote)
{
	struct evtchn_alloc_unbound a = { .dom = (domid_t)domid, .remote_dom = (domid_t)remote };
	long rc = vmctl_xc_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound,
				     (uint64_t)(uintptr_t)&a, 0, 0);

	return rc ? rc : (long)a.port;
}

long vmctl_populate_physmap(unsigned int domid, uint64_t *extents, unsigned long n,
			    unsigned int order)
{
	struct xen_memory_reservation r = {
		.extent_start = (uint64_t)(uintptr_t)extents, .nr_extents = n,
		.extent_order = order, .domid = (domid_t)domid,
	};

	return vmctl_xc_hypercall(__HYPERVISOR_memory_op, XENMEM_populate_physmap,
				  (uint64_t)(uintptr_t)&r, 0, 0);
}

long vmctl_pin_l4(unsigned int domid, uint64_t mfn)
{
	struct mmuext_op op = { .cmd = MMUEXT_PIN_L4_TABLE, .arg1.mfn = mfn };

	return vmctl_xc_hypercall(__HYPERVISOR_mmuext_op, (uint64_t)(uintptr_t)&op, 1, 0, domid);
}

void *vmctl_map_foreign(unsigned int domid, const uint64_t *mfns, size_t n)
{
	struct xendev *dev;
	int rc = vmctl_privcmd(&dev);

	if (rc) {
		errno = -rc;
		return NULL;
	}
	return xendev_map_foreign(dev, domid, mfns, (unsigned int)n, NULL);
}

void vmctl_unmap_foreign(void *p, size_t n)
{
	struct xendev *dev;

	if (p && !vmctl_privcmd(&dev))
		xendev_unmap_foreign(dev, p, (unsigned int)n);
}

void *vmctl_map_grant_table(unsigned int domid)
{
	struct gnttab_setup_table st = { .dom = (domid_t)domid, .nr_frames = 1 };
	struct xendev *dev;
	uint64_t frame = 0;
	void *p;
	long rc = vmctl_privcmd(&dev);

	if (rc) {
		errno = (int)-rc;
		return NULL;
	}
	p = xendev_map_resource(dev, domid, XENMEM_resource_grant_table, 0, 0, 1);
	if (p || (errno != EOPNOTSUPP && errno != ENOTTY))
		return p;
	/* libxenguest's fallback, only for EOPNOTSUPP (docs/toolstack.md §1.10). */
	st.frame_list = (uint64_t)(uintptr_t)&frame;
	rc = vmctl_xc_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table,
				(uint64_t)(uintptr_t)&st, 1, 0);
	if (rc || st.status) {
		errno = rc ? (int)-rc : EINVAL;
		return NULL;
	}
	return vmctl_map_foreign(domid, &frame, 1);
}
