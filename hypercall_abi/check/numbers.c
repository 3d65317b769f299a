// SPDX-License-Identifier: MIT
/*
 * The hypercall list (hypercalls.def) against the numbers in
 * <lamina/hypercall.h>: the hypervisor dispatches by the list, guests call
 * by the header's names, so a number changed in one place and not the
 * other fails the build of every part that compiles this file (the
 * hypervisor, the test guests, the host unit tests and the dom0 tools).
 */
#include <lamina/hypercall.h>

#define HYPERCALL(nr, name, nargs)						\
	_Static_assert(__HYPERVISOR_##name == (nr),				\
		       "hypercalls.def and hypercall.h disagree on " #name);	\
	_Static_assert((nargs) >= 0 && (nargs) <= 5,				\
		       #name ": a 64-bit PV hypercall takes at most 5 arguments");
#include <lamina/hypercalls.def>
#undef HYPERCALL
