// SPDX-License-Identifier: GPL-2.0-only
/*
 * The legacy hypercalls Xen 4.17 still offers a 64-bit PV guest
 * (xen/arch/x86/compat.c): sched_op_compat (6), event_channel_op_compat
 * (16) and physdev_op_compat (19). Each turns into today's call:
 *
 *   sched_op_compat(cmd, arg): yield and block as sched_op; shutdown takes
 *     the reason itself as arg (low byte), not a pointer; others -ENOSYS.
 *   event_channel_op_compat(op): op points at {cmd, union} (struct
 *     evtchn_op); the whole struct must be readable (-EFAULT), then
 *     sub-ops 0-9 run as event_channel_op(cmd, &op->u); others -ENOSYS.
 *   physdev_op_compat(op): the same with struct physdev_op, for every cmd.
 *
 * The inner call reads and writes its struct in the caller's memory, so
 * results land where the old ABI put them. None of these sub-ops makes a
 * continuation, so the rewritten arguments never reach the guest.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <lamina/event_channel.h>
#include <lamina/hypercall.h>
#include <lamina/physdev.h>
#include <lamina/sched.h>

long hc_sched_op_compat(struct vcpu *v, struct hc_args *a)
{
	struct hc_args now = { __HYPERVISOR_sched_op, { a->arg[0], 0 } };
	struct domain *d = v->domain;
	unsigned int reason = (uint8_t)a->arg[1];

	switch ((uint32_t)a->arg[0]) {	/* Xen's `int cmd`: the upper half ignored */
	case SCHEDOP_yield:
	case SCHEDOP_block:
		return hc_sched_op(v, &now);
	case SCHEDOP_shutdown:		/* as sched_op's */
		return domain_shutdown_self(d, reason);
	default:
		return trace_err(-ENOSYS);
	}
}

long hc_event_channel_op_compat(struct vcpu *v, struct hc_args *a)
{
	struct evtchn_op op;
	struct hc_args now = { __HYPERVISOR_event_channel_op, { 0 } };

	if (copy_from_guest(&op, a->arg[0], sizeof(op)))
		return -EFAULT;
	if (op.cmd > EVTCHNOP_unmask)
		return trace_err(-ENOSYS);
	now.arg[0] = op.cmd;
	now.arg[1] = a->arg[0] + offsetof(struct evtchn_op, u);
	return hc_event_channel_op(v, &now);
}

long hc_physdev_op_compat(struct vcpu *v, struct hc_args *a)
{
	struct physdev_op op;
	struct hc_args now = { __HYPERVISOR_physdev_op, { 0 } };

	if (copy_from_guest(&op, a->arg[0], sizeof(op)))
		return -EFAULT;
	now.arg[0] = op.cmd;
	now.arg[1] = a->arg[0] + offsetof(struct physdev_op, u);
	return hc_physdev_op(v, &now);
}
