/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <hv/types.h>

struct vcpu;

/*
 * A handler that needs a continuation (docs/abi-core.md §2.1) rewrites its
 * own arguments in place to describe the work left and returns -ERESTART:
 * the guest then executes the same call again with them, at once or after
 * an interrupt or event, from its syscall or from its multicall entry.
 * It returns hypercall_continue()'s -ERESTART, never a bare one: that arms
 * the vCPU's continuation flag, without which -ERESTART is only a result
 * (a foreigndom or a release_continue argument the guest chose, as Xen
 * 4.17's hcall_preempted): the guest gets -85, nothing is re-executed.
 */
struct hc_args {
	uint64_t nr;
	uint64_t arg[5];	/* rdi, rsi, rdx, r10, r8 */
};

typedef long (*hypercall_fn)(struct vcpu *v, struct hc_args *a);

struct hypercall {
	hypercall_fn fn;
	unsigned int nargs;
	const char *name;
};

long hypercall_dispatch(struct vcpu *v, struct hc_args *a, unsigned int *nargs);
long hypercall_continue(void);
unsigned int hypercall_nargs(uint64_t nr);

#define HYPERCALL(nr, name, nargs) long hc_##name(struct vcpu *v, struct hc_args *a);
#include <lamina/hypercalls.def>
#undef HYPERCALL

#endif
