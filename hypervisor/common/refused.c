// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hypercalls Lamina offers only as far as Xen 4.17 refuses them to a
 * PV guest (lamina/refused.h): xenoprof_op without profiling, xenpmu_op
 * with no virtual PMU, paging_domctl_cont with nothing to continue, and
 * hypfs_op over a file system that holds an empty root directory. Every
 * argument is checked in Xen's order, so each refusal matches Xen's.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <hv/spinlock.h>
#include <lamina/domctl.h>
#include <lamina/refused.h>

long hc_xenoprof_op(struct vcpu *v, struct hc_args *a)
{
	int op = (int)a->arg[0];
	struct xenoprof_init init;
	struct xenoprof_get_buffer gb;

	(void)v;
	if (op < 0 || op > XENOPROF_last_op)
		return trace_err(-EINVAL);
	switch (op) {
	case XENOPROF_init:
		if (copy_from_guest(&init, a->arg[1], sizeof(init)))
			return -EFAULT;
		return trace_err(-ENODEV);
	case XENOPROF_get_buffer:
		if (copy_from_guest(&gb, a->arg[1], sizeof(gb)))
			return -EFAULT;
		return trace_err(-ENODEV);
	default:
		/* Not the primary profiler (none is), nor an active domain. */
		return trace_err(-EPERM);
	}
}

long hc_xenpmu_op(struct vcpu *v, struct hc_args *a)
{
	(void)v;
	(void)a;
	return trace_err(-EOPNOTSUPP);
}

long hc_paging_domctl_cont(struct vcpu *v, struct hc_args *a)
{
	struct domctl op;
	struct domain *d;
	long rc;

	if (copy_from_guest(&op, a->arg[0], sizeof(op)))
		return -EFAULT;
	if (op.interface_version != DOMCTL_INTERFACE_VERSION || op.cmd != DOMCTL_shadow_op)
		return trace_err(-EOPNOTSUPP);
	d = get_domain_by_id(op.domain);
	if (!d)
		return trace_err(-ESRCH);
	if (!v->domain->is_privileged)
		rc = -EPERM;
	else if (d == v->domain)
		rc = -EINVAL;
	else if (d->dying)
		rc = 0;
	else if (!d->max_vcpus || !domain_vcpu(d, 0))
		rc = -EINVAL;
	else
		rc = -EBUSY;	/* no paging operation of this caller's to resume */
	put_domain(d);
	/* Xen writes the shadow_op part back, unchanged here. */
	if (copy_to_guest(a->arg[0] + offsetof(struct domctl, u), &op.u, sizeof(op.u)))
		return -EFAULT;
	return trace_err(rc);
}

/* The path of a hypfs_op: Xen's checks and its one buffer, under a lock. */
static spinlock_t hypfs_lock = SPINLOCK_INIT;
static char hypfs_path[HYPFS_MAX_PATHLEN];

static long hypfs_root_op(unsigned int cmd, uint64_t buf, uint64_t len)
{
	struct hypfs_direntry e = { .type = HYPFS_TYPE_DIR, .encoding = HYPFS_ENC_PLAIN };

	switch (cmd) {
	case HYPFS_OP_read:
		if (len < sizeof(e))
			return trace_err(-EINVAL);
		if (copy_to_guest(buf, &e, sizeof(e)))
			return -EFAULT;
		return 0;	/* no entries follow */
	case HYPFS_OP_write_contents:
		return trace_err(-EACCES);
	default:
		return trace_err(-EOPNOTSUPP);
	}
}

long hc_hypfs_op(struct vcpu *v, struct hc_args *a)
{
	unsigned int cmd = (unsigned int)a->arg[0];
	uint64_t len = a->arg[2];
	long rc;

	if (!v->domain->is_privileged)
		return trace_err(-EPERM);
	if (cmd == HYPFS_OP_get_version) {
		if (a->arg[1] || a->arg[2] || a->arg[3] || a->arg[4])
			return trace_err(-EINVAL);
		return HYPFS_VERSION;
	}
	if (len > HYPFS_MAX_PATHLEN || !len)
		return trace_err(-EINVAL);
	spin_lock(&hypfs_lock);
	if (copy_from_guest(hypfs_path, a->arg[1], len))
		rc = -EFAULT;
	else if (strnlen(hypfs_path, len) != len - 1 || hypfs_path[0] != '/')
		rc = -EINVAL;	/* not ending at its first NUL, or relative */
	else if (hypfs_path[1])
		rc = -ENOENT;	/* the root directory is empty */
	else
		rc = hypfs_root_op(cmd, a->arg[3], a->arg[4]);
	spin_unlock(&hypfs_lock);
	return trace_err(rc);
}
