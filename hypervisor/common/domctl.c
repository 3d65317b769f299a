// SPDX-License-Identifier: GPL-2.0-only
/*
 * The toolstack's interface, dom0 only: domctl getdomaininfo to list the
 * domains, and hvm_op get_param for the rings of the domains built at
 * boot (domctl.h, hvm_op.h). Everything else answers -ENOSYS.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <hv/sched.h>
#include <lamina/domctl.h>
#include <lamina/hvm_op.h>
#include <lamina/vcpu.h>

/* The live or dying domain with the lowest id >= id, or NULL. */
static struct domain *domain_at_or_after(domid_t id)
{
	struct domain *best = NULL, *d;
	unsigned int i;

	for (i = 0; (d = domain_by_index(i)); i++)
		if (!d->destroyed && d->domid >= id && (!best || d->domid < best->domid))
			best = d;
	return best;
}

static void get_info(const struct domain *d, struct domctl_getdomaininfo *info)
{
	const struct vcpu *v = &d->vcpu0;

	memset(info, 0, sizeof(*info));
	info->domain = d->domid;
	if (d->dying)
		info->flags |= DOMINF_dying;
	if (d->state != DOMAIN_RUNNING)
		info->flags |= DOMINF_shutdown | d->shutdown_reason << DOMINF_SHUTDOWN_SHIFT;
	if (v->paused)
		info->flags |= DOMINF_paused;
	if (v->state == VCPU_BLOCKED)
		info->flags |= DOMINF_blocked;
	if (v == current_vcpu())
		info->flags |= DOMINF_running;
	info->tot_pages = d->dying ? d->nr_held : d->nr_pages;
	info->max_pages = d->max_pages;
	info->shared_info_frame = d->shared_info_mfn;
	info->cpu_time = v->runstate_time[RUNSTATE_running];
	info->nr_online_vcpus = v->state != VCPU_DOWN;
	info->max_vcpu_id = 0;
	info->gpaddr_bits = 52;
}

long hc_domctl(struct vcpu *v, struct hc_args *a)
{
	struct domctl op;
	struct domain *d;

	if (!v->domain->is_privileged)
		return trace_err(-EPERM);
	if (copy_from_guest(&op, a->arg[0], sizeof(op)))
		return -EFAULT;
	if (op.interface_version != DOMCTL_INTERFACE_VERSION)
		return trace_err(-EACCES);
	switch (op.cmd) {
	case DOMCTL_getdomaininfo:
		if (op.domain >= DOMID_FIRST_RESERVED)
			return trace_err(-EINVAL);
		d = domain_at_or_after(op.domain);
		if (!d)
			return -ESRCH;
		op.domain = d->domid;
		get_info(d, &op.u.getdomaininfo);
		return copy_to_guest(a->arg[0], &op, sizeof(op)) ? -EFAULT : 0;
	default:
		return trace_err(-ENOSYS);
	}
}

static long get_param(struct xen_hvm_param *p)
{
	const struct domain *d = domain_by_id(p->domid);

	if (!d || d->dying)
		return trace_err(-ESRCH);
	switch (p->index) {
	case HVM_PARAM_STORE_PFN:
		p->value = d->store_mfn;
		break;
	case HVM_PARAM_STORE_EVTCHN:
		p->value = d->store_port;
		break;
	case HVM_PARAM_CONSOLE_PFN:
		p->value = d->console_mfn;
		break;
	case HVM_PARAM_CONSOLE_EVTCHN:
		p->value = d->console_port;
		break;
	default:
		return trace_err(-EINVAL);
	}
	return p->value ? 0 : -ENOENT;
}

long hc_hvm_op(struct vcpu *v, struct hc_args *a)
{
	struct xen_hvm_param p;
	long rc;

	if (a->arg[0] != HVMOP_get_param)
		return trace_err(-ENOSYS);
	if (!v->domain->is_privileged)
		return trace_err(-EPERM);
	if (copy_from_guest(&p, a->arg[1], sizeof(p)))
		return -EFAULT;
	rc = get_param(&p);
	if (!rc && copy_to_guest(a->arg[1], &p, sizeof(p)))
		return -EFAULT;
	return rc;
}
