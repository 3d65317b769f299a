// SPDX-License-Identifier: GPL-2.0-only
/*
 * multicall (13): a batch of hypercalls, each with its own result
 * (docs/abi-core.md §2.17). A failing entry does not stop the batch. Nested
 * multicalls are refused. An iret entry runs and ends the batch, as in Xen
 * 4.17 (XSA-213): the entries after it never run, whether the guest went
 * on in kernel or in user mode, and the multicall returns the iret's result
 * (the restored rax). Xen also stops (and continues later) a batch whose
 * other entry left the vCPU in user mode; no call but iret changes mode.
 */
#include <hv/lib.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <lamina/hypercall.h>
#include <lamina/mm.h>
#include <hv/domain.h>
#include <hv/preempt.h>

/*
 * Continuations (docs/abi-core.md §2.1): when an entry's call needs one, its
 * rewritten arguments go back into that entry and the multicall itself
 * continues from it; a batch continues from its next entry once
 * hypercall_preempt_now says so (looked at before every entry but the
 * first, as Xen's do_multicall). The guest re-executes the multicall for
 * what is left. An entry's -ERESTART is a continuation only with the
 * vCPU's flag armed (hypercall_continue); without it, a result the guest
 * chose (mmu_update's foreigndom), it is the entry's result, as Xen.
 */
long hc_multicall(struct vcpu *v, struct hc_args *a)
{
	uint32_t nr = (uint32_t)a->arg[1], i;
	uint64_t until = hypercall_preempt_until();
	struct multicall_entry e;
	struct hc_args sub;
	unsigned int nargs;

	/* Its start only, as Xen's guest_handle_okay, even for no entries. */
	if (!guest_start_ok(a->arg[0]))
		return -EFAULT;
	for (i = 0; i < nr; i++) {
		uint64_t p = a->arg[0] + (uint64_t)i * sizeof(e);

		if (i && hypercall_preempt_now(v, until))
			goto continuation;
		if (copy_from_guest(&e, p, sizeof(e)))
			return -EFAULT;
		if (e.op == __HYPERVISOR_iret) {
			sub.nr = e.op;
			e.result = hypercall_dispatch(v, &sub, &nargs);
			/*
			 * Best effort (the guest may now run on its user page
			 * table), as Xen. The caller's return is the iret's:
			 * no continuation and no scribbling, whatever the
			 * restored rax (hypercall_finish).
			 */
			(void)copy_to_guest(p + offsetof(struct multicall_entry, result),
					    &e.result, sizeof(e.result));
			a->nr = __HYPERVISOR_iret;
			return e.result;
		}
		if (e.op == __HYPERVISOR_multicall) {
			e.result = -EINVAL;
		} else {
			sub.nr = e.op;
			memcpy(sub.arg, e.args, sizeof(sub.arg));
			e.result = hypercall_dispatch(v, &sub, &nargs);
			if (e.result == -ERESTART && v->hc_continued) {
				v->hc_continued = false;
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
	return hypercall_continue();
}
