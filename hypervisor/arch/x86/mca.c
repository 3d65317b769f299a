// SPDX-License-Identifier: GPL-2.0-only
/*
 * mca (48): the machine-check hypercall with nothing to report and no
 * banks to inject into (lamina/mca.h), in Xen 4.17's order of checks.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <hv/smp.h>
#include <lamina/mca.h>

static long mca_fetch(struct xen_mc *op, bool *out)
{
	uint32_t flags = op->u.fetch.flags;

	switch (flags & (XEN_MC_NONURGENT | XEN_MC_URGENT)) {
	case XEN_MC_NONURGENT:
	case XEN_MC_URGENT:
		break;
	default:
		return trace_err(-EINVAL);
	}
	if (flags & XEN_MC_ACK)
		return 0;	/* nothing was fetched, so nothing to ack */
	if (!op->u.fetch.data)
		return trace_err(-EINVAL);
	op->u.fetch.flags = XEN_MC_NODATA;
	op->u.fetch.fetch_id = 0;
	*out = true;
	return 0;
}

long hc_mca(struct vcpu *v, struct hc_args *a)
{
	struct xen_mc op;
	bool out = false;
	long rc;

	if (!v->domain->is_privileged)
		return trace_err(-EPERM);
	if (copy_from_guest(&op, a->arg[0], sizeof(op)))
		return -EFAULT;
	if (op.interface_version != XEN_MCA_INTERFACE_VERSION)
		return trace_err(-EACCES);
	switch (op.cmd) {
	case XEN_MC_fetch:
		rc = mca_fetch(&op, &out);
		break;
	case XEN_MC_physcpuinfo:
		if (op.u.physcpuinfo.info)
			return trace_err(op.u.physcpuinfo.ncpus ? -EOPNOTSUPP : -EINVAL);
		op.u.physcpuinfo.ncpus = smp_nr_online();
		rc = 0;
		out = true;
		break;
	case XEN_MC_msrinject:
	case XEN_MC_mceinject:
	case XEN_MC_inject_v2:
		return trace_err(-ENODEV);	/* no MCA banks */
	default:	/* notifydomain too */
		return trace_err(-EINVAL);
	}
	if (out && copy_to_guest(a->arg[0], &op, sizeof(op)))
		return -EFAULT;
	return rc;
}
