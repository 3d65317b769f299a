// SPDX-License-Identifier: GPL-2.0-only
/* One table, generated from <lamina/hypercalls.def>, dispatches by number. */
#include <hv/lib.h>
#include <hv/hypercall.h>
#include <hv/domain.h>
#include <hv/time.h>

#define PREEMPT_NS	1000000ULL	/* give the CPU back after about 1 ms */

static const struct hypercall hypercalls[] = {
#define HYPERCALL(nr, name, nargs) [nr] = { hc_##name, nargs, #name },
#include <lamina/hypercalls.def>
#undef HYPERCALL
};

/* *nargs tells the caller how many argument registers the call used. */
long hypercall_dispatch(struct vcpu *v, struct hc_args *a, unsigned int *nargs)
{
	const struct hypercall *hc;

	*nargs = 5;
	if (a->nr >= ARRAY_SIZE(hypercalls))
		return -ENOSYS;
	hc = &hypercalls[array_index_nospec(a->nr, ARRAY_SIZE(hypercalls))];
	if (!hc->fn)
		return -ENOSYS;
	*nargs = hc->nargs;
	return hc->fn(v, a);
}

bool hypercall_ran_long(uint64_t start)
{
	return now_ns() - start > PREEMPT_NS;
}
