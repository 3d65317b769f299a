/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <hv/types.h>

struct vcpu;

struct hc_args {
	uint64_t nr;
	uint64_t arg[5];	/* rdi, rsi, rdx, r10, r8 */
};

typedef long (*hypercall_fn)(struct vcpu *v, const struct hc_args *a);

struct hypercall {
	hypercall_fn fn;
	unsigned int nargs;
	const char *name;
};

long hypercall_dispatch(struct vcpu *v, const struct hc_args *a, unsigned int *nargs);

#define HYPERCALL(nr, name, nargs) long hc_##name(struct vcpu *v, const struct hc_args *a);
#include <lamina/hypercalls.def>
#undef HYPERCALL

#endif
