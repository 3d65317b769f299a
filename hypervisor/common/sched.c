// SPDX-License-Identifier: GPL-2.0-only
/* sched_op (29): for now shutdown and yield; the scheduler comes with issue 5. */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <lamina/sched.h>

static long sched_shutdown(struct vcpu *v, uint64_t arg)
{
	struct sched_shutdown s;

	if (copy_from_guest(&s, arg, sizeof(s)))
		return -EFAULT;
	if (s.reason > SHUTDOWN_MAX)
		return trace_err(-EINVAL);
	if (s.reason == SHUTDOWN_suspend)
		return trace_err(-EOPNOTSUPP);
	domain_shutdown(v->domain, s.reason);
	return 0;
}

long hc_sched_op(struct vcpu *v, const struct hc_args *a)
{
	switch (a->arg[0]) {
	case SCHEDOP_yield:
		return 0;	/* the only runnable vCPU keeps running */
	case SCHEDOP_shutdown:
		return sched_shutdown(v, a->arg[1]);
	default:
		return trace_err(-ENOSYS);
	}
}
