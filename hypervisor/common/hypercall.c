// SPDX-License-Identifier: GPL-2.0-only
/* One table, generated from <lamina/hypercalls.def>, dispatches by number. */
#include <hv/lib.h>
#include <hv/hypercall.h>
#include <hv/domain.h>

/* entry.S dispatches from the table too (syscall_entry): not static. */
const struct hypercall hypercalls[] = {
#define HYPERCALL(nr, name, nargs) [nr] = { hc_##name, nargs, #name },
#include <lamina/hypercalls.def>
#undef HYPERCALL
};
const uint64_t hypercall_slots = ARRAY_SIZE(hypercalls);
_Static_assert(sizeof(struct hypercall) == 24 && offsetof(struct hypercall, fn) == 0,
	       "entry.S indexes hypercalls[] by 3 quadwords");

/* How many argument registers call nr uses (5 when there is no such call). */
unsigned int hypercall_nargs(uint64_t nr)
{
	if (nr >= ARRAY_SIZE(hypercalls))
		return 5;
	nr = array_index_nospec(nr, ARRAY_SIZE(hypercalls));
	return hypercalls[nr].fn ? hypercalls[nr].nargs : 5;
}

/*
 * A continuation's -ERESTART (hv/hypercall.h): the flag is the current
 * vCPU's, taken (read and cleared) by hypercall_finish or by the multicall
 * whose entry this is.
 */
long hypercall_continue(void)
{
	current_vcpu()->hc_continued = true;
	return -ERESTART;
}

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
