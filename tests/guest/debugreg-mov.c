// SPDX-License-Identifier: GPL-2.0-only
/*
 * debugreg-mov: a guest kernel's `mov %drN, reg` and `mov reg, %drN` are
 * emulated with the set_debugreg/get_debugreg rules, as on Xen 4.17
 * (docs/abi-core.md §2.22, §4.1): what one writes the other reads back;
 * DR4/DR5 alias DR6/DR7; reserved DR6/DR7 bits are forced, not refused;
 * a breakpoint armed by mov fires and mov reads its B0 in DR6. A write the
 * hypercall refuses is a #GP(0) (hypervisor address, DR7.GD, upper half,
 * an active I/O breakpoint), and DR8 (REX.R) a #UD. Before the fix every
 * mov was a #GP on Lamina.
 */
#include "lib/guest.h"
#include "lib/traps.h"

static volatile uint64_t watched;

#define MOV_TO_DR(n, val)						\
	({								\
		traps_taken = 0;					\
		EXPECT_TRAP("mov %0, %%db" #n, : : "r"((uint64_t)(val)) : "memory"); \
		traps_taken ? (long)last_trap.vector : -1L;		\
	})

#define MOV_FROM_DR(n, out)						\
	({								\
		uint64_t v_ = 0xDEAD;					\
		traps_taken = 0;					\
		EXPECT_TRAP("mov %%db" #n ", %0", : "+r"(v_) : : "memory"); \
		*(out) = v_;						\
		traps_taken ? (long)last_trap.vector : -1L;		\
	})

static long get_dr(unsigned int n)
{
	return hypercall1(__HYPERVISOR_get_debugreg, n);
}

static long set_dr(unsigned int n, uint64_t val)
{
	return hypercall2(__HYPERVISOR_set_debugreg, n, val);
}

/* Writes by mov read back by the hypercall, and the other way round. */
static int round_trips(void)
{
	uint64_t v;

	CHECK(MOV_TO_DR(0, &watched) == -1, "mov to DR0 trapped (vector %lu)",
	      (unsigned long)last_trap.vector);
	CHECK((uint64_t)get_dr(0) == (uint64_t)&watched, "DR0 by mov reads %#lx",
	      (unsigned long)get_dr(0));
	CHECK(set_dr(1, 0x1000) == 0, "set_debugreg(1) failed");
	CHECK(MOV_FROM_DR(1, &v) == -1 && v == 0x1000, "mov from DR1 gave %#lx",
	      (unsigned long)v);
	CHECK(MOV_TO_DR(6, 0xFFFFFFFFULL) == -1, "mov to DR6 trapped");
	CHECK(MOV_FROM_DR(6, &v) == -1 && v == (uint64_t)get_dr(6), "DR6: mov %#lx, call %#lx",
	      (unsigned long)v, (unsigned long)get_dr(6));
	CHECK(MOV_FROM_DR(4, &v) == -1 && v == (uint64_t)get_dr(6), "DR4 is not DR6: %#lx",
	      (unsigned long)v);
	/* Bit 11 is reserved: forced to 0, by the call and by mov alike. */
	CHECK(set_dr(7, 0x400 | (1 << 11)) == 0, "set_debugreg(7) with bit 11 gave %ld",
	      set_dr(7, 0x400 | (1 << 11)));
	CHECK(get_dr(7) == 0x400, "DR7 reads %#lx", (unsigned long)get_dr(7));
	CHECK(MOV_TO_DR(7, 0x400 | (1 << 12)) == -1, "mov to DR7 with bit 12 trapped");
	CHECK(MOV_FROM_DR(7, &v) == -1 && v == 0x400, "DR7 by mov reads %#lx", (unsigned long)v);
	CHECK(MOV_FROM_DR(5, &v) == -1 && v == 0x400, "DR5 is not DR7: %#lx", (unsigned long)v);
	/* An I/O breakpoint in an inactive DR7 is accepted; in an active one, not. */
	CHECK(set_dr(7, 0x400 | (2 << 16)) == 0, "inactive I/O breakpoint refused");
	CHECK(set_dr(7, 0x401 | (2 << 16)) == -EPERM, "active I/O breakpoint gave %ld",
	      set_dr(7, 0x401 | (2 << 16)));
	return TEST_PASS;
}

/* What the hypercall refuses, mov refuses with #GP(0); DR8 is #UD. */
static int refusals(void)
{
	uint64_t v;
	long vec;

	vec = MOV_TO_DR(0, 0xFFFF830000000000ULL);
	CHECK(vec == 13 && last_trap.error == 0, "DR0 on a hypervisor address: vector %ld", vec);
	vec = MOV_TO_DR(3, 0x0000800000000000ULL);
	CHECK(vec == 13, "DR3 on a non-canonical address: vector %ld", vec);
	vec = MOV_TO_DR(7, 0x400 | (1 << 13));
	CHECK(vec == 13, "DR7.GD by mov: vector %ld", vec);
	vec = MOV_TO_DR(7, 1ULL << 32);
	CHECK(vec == 13, "DR7 upper half by mov: vector %ld", vec);
	vec = MOV_TO_DR(6, 1ULL << 40);
	CHECK(vec == 13, "DR6 upper half by mov: vector %ld", vec);
	vec = MOV_TO_DR(7, 0x401 | (2 << 16));
	CHECK(vec == 13, "active I/O breakpoint by mov: vector %ld", vec);
	CHECK(get_dr(7) == 0x400 || get_dr(7) == (0x400 | (2 << 16)),
	      "a refused DR7 write changed it: %#lx", (unsigned long)get_dr(7));
	traps_taken = 0;
	/* mov %db8, %rax: 44 0F 21 C0 */
	EXPECT_TRAP(".byte 0x44, 0x0f, 0x21, 0xc0", : : : "rax", "memory");
	CHECK(traps_taken == 1 && last_trap.vector == 6, "DR8: %u traps, vector %lu", traps_taken,
	      (unsigned long)last_trap.vector);
	CHECK(MOV_FROM_DR(0, &v) == -1 && v == (uint64_t)&watched, "DR0 changed: %#lx",
	      (unsigned long)v);
	return TEST_PASS;
}

/* A write breakpoint armed by mov fires; mov reads B0 from DR6. */
static int breakpoint(void)
{
	uint64_t dr6;

	CHECK(MOV_TO_DR(0, &watched) == -1 && MOV_TO_DR(6, 0xFFFF0FF0) == -1 &&
	      MOV_TO_DR(7, 1 | (1 << 16) | (3 << 18)) == -1, "arming by mov trapped");
	traps_taken = 0;
	EXPECT_TRAP("movq $1, (%0)", : : "r"(&watched) : "memory");
	CHECK(traps_taken == 1 && last_trap.vector == 1, "data breakpoint: %u traps, vector %lu",
	      traps_taken, (unsigned long)last_trap.vector);
	CHECK(MOV_FROM_DR(6, &dr6) == -1 && (dr6 & 1), "B0 not set in DR6 by mov: %#lx",
	      (unsigned long)dr6);
	CHECK(MOV_TO_DR(7, 0) == -1, "clearing DR7 by mov trapped");
	traps_taken = 0;
	watched = 2;
	CHECK(traps_taken == 0, "breakpoint still armed");
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	(void)si;
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	if (round_trips() || refusals() || breakpoint())
		return TEST_FAIL;
	return TEST_PASS;
}
