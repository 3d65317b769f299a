// SPDX-License-Identifier: GPL-2.0-only
/*
 * argregs: a kernel that declares only the registers it passes. The
 * argument registers a hypercall does not use (beyond its argument count
 * in hypercalls.def: rdi, rsi, rdx, r10, r8 in order), and r9, are the
 * guest's and must come back unchanged (docs/abi-core.md §2.1); only those
 * the call uses may change (debug builds scribble exactly those, as Xen's
 * do). Hypercalls of one to four arguments, several rounds each, run with
 * a sentinel in every register they do not use.
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include <lamina/vcpu.h>

#define NREGS	6	/* rdi rsi rdx r10 r8 r9 */

static const char *const reg_names[NREGS] = { "rdi", "rsi", "rdx", "r10", "r8", "r9" };

/* One hypercall with all six registers loaded from in[] and read back into out[]. */
static long hypercall_regs(uint64_t nr, const uint64_t in[NREGS], uint64_t out[NREGS])
{
	register uint64_t rdi asm("rdi") = in[0];
	register uint64_t rsi asm("rsi") = in[1];
	register uint64_t rdx asm("rdx") = in[2];
	register uint64_t r10 asm("r10") = in[3];
	register uint64_t r8 asm("r8") = in[4];
	register uint64_t r9 asm("r9") = in[5];
	long ret;

	asm volatile("syscall"
		     : "=a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
		     : "a"(nr)
		     : "rcx", "r11", "memory");
	out[0] = rdi;
	out[1] = rsi;
	out[2] = rdx;
	out[3] = r10;
	out[4] = r8;
	out[5] = r9;
	return ret;
}

struct call {
	const char *name;
	uint64_t nr;
	unsigned int nargs;
	uint64_t args[5];
	long want;		/* its result */
};

static int check_call(const struct call *c, unsigned int round)
{
	uint64_t in[NREGS], out[NREGS];
	unsigned int i;
	long rc;

	for (i = 0; i < NREGS; i++)
		in[i] = i < c->nargs ? c->args[i] : 0x5e5e000000000000ULL | (round << 16) |
						     (c->nr << 8) | i;
	rc = hypercall_regs(c->nr, in, out);
	CHECK(rc == c->want, "%s returned %ld, expected %ld", c->name, rc, c->want);
	for (i = c->nargs; i < NREGS; i++)
		CHECK(out[i] == in[i], "%s (%u arguments) changed %s: %#lx -> %#lx (round %u)",
		      c->name, c->nargs, reg_names[i], (unsigned long)in[i],
		      (unsigned long)out[i], round);
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	static const char msg[] = "argregs: console_io with sentinels\n";
	static struct mmu_update no_updates[1];
	static struct mmuext_op no_ops[1];
	const struct call calls[] = {
		{ "set_timer_op(0)", __HYPERVISOR_set_timer_op, 1, { 0 }, 0 },
		{ "fpu_taskswitch(0)", __HYPERVISOR_fpu_taskswitch, 1, { 0 }, 0 },
		{ "get_debugreg(0)", __HYPERVISOR_get_debugreg, 1, { 0 }, 0 },
		{ "xen_version(version)", __HYPERVISOR_xen_version, 2, { XENVER_version, 0 },
		  HYPERVISOR_xen_version(XENVER_version, NULL) },
		{ "sched_op(yield)", __HYPERVISOR_sched_op, 2, { SCHEDOP_yield, 0 }, 0 },
		{ "console_io(write)", __HYPERVISOR_console_io, 3,
		  { CONSOLEIO_write, sizeof(msg) - 1, (uint64_t)msg }, 0 },
		{ "vcpu_op(is_up)", __HYPERVISOR_vcpu_op, 3, { VCPUOP_is_up, 0, 0 }, 1 },
		{ "mmu_update(0 requests)", __HYPERVISOR_mmu_update, 4,
		  { (uint64_t)no_updates, 0, 0, DOMID_SELF }, 0 },
		{ "mmuext_op(0 ops)", __HYPERVISOR_mmuext_op, 4,
		  { (uint64_t)no_ops, 0, 0, DOMID_SELF }, 0 },
	};
	unsigned int round, i;
	int rc;

	mm_init(si);
	for (round = 0; round < 4; round++) {
		for (i = 0; i < ARRAY_SIZE(calls); i++) {
			rc = check_call(&calls[i], round);
			if (rc != TEST_PASS)
				return rc;
		}
	}
	printf("argregs: %u hypercalls of 1-4 arguments kept the registers they do not use\n",
	       (unsigned int)(4 * ARRAY_SIZE(calls)));
	return TEST_PASS;
}
