// SPDX-License-Identifier: GPL-2.0-only
/*
 * multicall (13): a batch of hypercalls, each with its own result
 * (docs/abi-core.md §2.17). A failing entry does not stop the batch. Nested
 * multicalls are refused, and so is iret, which would have to end the
 * batch with registers no longer the multicall's (Linux never batches it).
 */
#include <hv/lib.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <lamina/hypercall.h>
#include <lamina/mm.h>
#include <hv/domain.h>
#include <hv/time.h>

#define MAX_BATCH	(1U << 16)

/*
 * Continuations (docs/abi-core.md §2.1): when an entry's call needs one, its
 * rewritten arguments go back into that entry and the multicall itself
 * continues from it; a batch that has run about 1 ms (looked at every 32
 * entries) continues from its next entry. The guest re-executes the
 * multicall for what is left.
 */
long hc_multicall(struct vcpu *v, struct hc_args *a)
{
	uint32_t nr = (uint32_t)a->arg[1], i;
	uint64_t start = now_ns();
	struct multicall_entry e;
	struct hc_args sub;
	unsigned int nargs;

	if (nr > MAX_BATCH)
		return trace_err(-EINVAL);
	for (i = 0; i < nr; i++) {
		uint64_t p = a->arg[0] + (uint64_t)i * sizeof(e);

		if (hypercall_preempt_due(start, i))
			goto continuation;
		if (copy_from_guest(&e, p, sizeof(e)))
			return -EFAULT;
		if (e.op == __HYPERVISOR_multicall || e.op == __HYPERVISOR_iret) {
			e.result = -EINVAL;
		} else {
			sub.nr = e.op;
			memcpy(sub.arg, e.args, sizeof(sub.arg));
			e.result = hypercall_dispatch(v, &sub, &nargs);
			if (e.result == -ERESTART) {
				if (copy_to_guest(p + offsetof(struct multicall_entry, args), sub.arg,
						  sizeof(sub.arg)))
					return -EFAULT;
				goto continuation;
			}
		}
		if (copy_to_guest(p + offsetof(struct multicall_entry, result), &e.result,
				  sizeof(e.result)))
			return -EFAULT;
	}
	return 0;

continuation:
	a->arg[0] += (uint64_t)i * sizeof(e);
	a->arg[1] = nr - i;
	return -ERESTART;
}
