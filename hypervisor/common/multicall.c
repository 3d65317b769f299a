// SPDX-License-Identifier: GPL-2.0-only
/*
 * multicall (13): a batch of hypercalls, each with its own result
 * (pv-abi-core.md §2.17). A failing entry does not stop the batch. Nested
 * multicalls are refused, and so is iret, which would have to end the
 * batch with registers no longer the multicall's (Linux never batches it).
 */
#include <hv/lib.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <lamina/hypercall.h>
#include <lamina/mm.h>
#include <hv/domain.h>

#define MAX_BATCH	(1U << 16)

long hc_multicall(struct vcpu *v, const struct hc_args *a)
{
	uint32_t nr = (uint32_t)a->arg[1], i;
	struct multicall_entry e;
	struct hc_args sub;
	unsigned int nargs;

	if (nr > MAX_BATCH)
		return trace_err(-EINVAL);
	v->in_multicall = true;
	for (i = 0; i < nr; i++) {
		uint64_t p = a->arg[0] + (uint64_t)i * sizeof(e);

		if (copy_from_guest(&e, p, sizeof(e)))
			break;
		if (e.op == __HYPERVISOR_multicall || e.op == __HYPERVISOR_iret) {
			e.result = -EINVAL;
		} else {
			sub.nr = e.op;
			memcpy(sub.arg, e.args, sizeof(sub.arg));
			e.result = hypercall_dispatch(v, &sub, &nargs);
		}
		if (copy_to_guest(p + 8, &e.result, sizeof(e.result)))
			break;
	}
	v->in_multicall = false;
	return i < nr ? -EFAULT : 0;
}
