/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dom0's domctl for the attack guests that make and end domains of their
 * own: a domain with no vCPU running, made with a valid PV configuration
 * (as libxl fills it), and its end.
 */
#ifndef GUEST_DOMCTL_H
#define GUEST_DOMCTL_H

#include "guest.h"
#include <lamina/domctl.h>

static inline long domctl_call(struct domctl *op, uint32_t cmd, domid_t dom)
{
	op->cmd = cmd;
	op->interface_version = DOMCTL_INTERFACE_VERSION;
	op->domain = dom;
	return hypercall1(__HYPERVISOR_domctl, op);
}

/* domctl iomem_permission: nr frames from first given to dom (allow) or taken back. */
static inline long domctl_iomem(domid_t dom, uint64_t first, uint64_t nr, uint8_t allow)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	op.u.iomem_permission.first_mfn = first;
	op.u.iomem_permission.nr_mfns = nr;
	op.u.iomem_permission.allow_access = allow;
	return domctl_call(&op, DOMCTL_iomem_permission, dom);
}

/*
 * A new domain (paused, max_vcpus vCPUs allowed, none made) with id want
 * (0: the rover's), its id in *id; 0 or the error.
 */
static inline long domctl_create_id(domid_t want, unsigned int max_vcpus, const char handle[16],
				    domid_t *id)
{
	struct domctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	op.u.createdomain.max_vcpus = max_vcpus;
	op.u.createdomain.max_evtchn_port = 1023;
	op.u.createdomain.max_grant_frames = -1;
	op.u.createdomain.max_maptrack_frames = -1;
	op.u.createdomain.grant_opts = 1;
	memcpy(op.u.createdomain.handle, handle, 16);
	rc = domctl_call(&op, DOMCTL_createdomain, want);
	*id = op.domain;
	return rc;
}

/* A new domain (paused, one vCPU allowed, none made), its id in *id; 0 or the error. */
static inline long domctl_create(domid_t *id, const char handle[16])
{
	return domctl_create_id(0, 1, handle, id);
}

/* set/getvcpuaffinity (cmd) of dom's vCPU vcpu, the hard map only: map of bits bits. */
static inline long domctl_hard_affinity(uint32_t cmd, domid_t dom, uint32_t vcpu, uint8_t *map,
					uint32_t bits)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	op.u.vcpuaffinity.vcpu = vcpu;
	op.u.vcpuaffinity.flags = VCPUAFFINITY_HARD;
	op.u.vcpuaffinity.cpumap_hard.bitmap = (uint64_t)map;
	op.u.vcpuaffinity.cpumap_hard.nr_bits = bits;
	return domctl_call(&op, cmd, dom);
}

/* Hard affinity of domain dom's vCPU 0: CPU cpu only (vmctl vcpu-pin); 0 or the error. */
static inline long domctl_pin_vcpu0(domid_t dom, unsigned int cpu)
{
	uint8_t hard = (uint8_t)(1U << cpu);

	return domctl_hard_affinity(DOMCTL_setvcpuaffinity, dom, 0, &hard, 8);
}

/* getdomaininfo of exactly dom: 0, or -ESRCH when dom is not listed. */
static inline long domctl_info_of(domid_t dom, struct domctl_getdomaininfo *info)
{
	struct domctl op;
	long rc = domctl_call(&op, DOMCTL_getdomaininfo, dom);

	*info = op.u.getdomaininfo;
	return rc ? rc : op.domain != dom ? -ESRCH : 0;
}

static inline long domctl_destroy(domid_t dom)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	return domctl_call(&op, DOMCTL_destroydomain, dom);
}

/*
 * getvcpucontext / setvcpucontext of dom's vCPU 0 through c (NULL: the
 * reset of setvcpucontext); other commands that take no argument too.
 */
static inline long domctl_vcpu0_context(uint32_t cmd, domid_t dom, struct vcpu_guest_context *c)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	op.u.vcpucontext.vcpu = 0;
	op.u.vcpucontext.ctxt = (uint64_t)c;
	return domctl_call(&op, cmd, dom);
}

#endif
