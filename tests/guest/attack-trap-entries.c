// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-trap-entries: set_trap_table entries a PV kernel should not be
 * able to turn against the hypervisor, and their delivery, against Xen
 * 4.17 (do_set_trap_table; the bounce of pv/traps.c and entry.S, which
 * for a 64-bit guest enters every handler on FLAT_KERNEL_CS whatever cs
 * the entry names; do_general_protection's int $n check):
 * - an entry naming the hypervisor's code selector (0xe008), a null one
 *   and an LDT one: accepted, the handler runs on the guest's flat code
 *   selector (an int3 reaches it);
 * - a non-canonical handler: -EINVAL, and the entries before it in the
 *   same table are set (each is set as it is read);
 * - a handler at a hypervisor address (canonical, so accepted): the int3
 *   bounces there, and the guest gets the #PF of its own fetch at that
 *   rip, cr2 the handler, never a fetch by the hypervisor;
 * - the table itself at a hypervisor address, non-canonical, or running
 *   into an unmapped page after its first entry: -EFAULT, the first
 *   entry set;
 * - int $n from kernel mode against the entry's DPL (0: #GP(n << 3 | 2),
 *   1 or 3: delivered; no entry: #GP); int3 and int $3 on a DPL 0 entry
 *   (both delivered: the hypervisors' own gate for vector 3 has DPL 3);
 *   icebp (#UD under QEMU's TCG, whatever the entry).
 * Each handler is one of lib/trapentry.S's stubs, which push their own
 * vector: an entry pointing vector 3 at stub 5 shows as vector 5.
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/traps.h"
#include "lib/ptwr.h"
#include <lamina/callback.h>

extern const uint64_t trap_stubs[32];

#define HV_ADDR		0xffff800000001000ULL
#define NONCANONICAL	0x0000800000000000ULL

static unsigned int failures;

static void row(const char *what, long got, long want)
{
	printf("%s: %#lx%s\n", what, got, got == want ? "" : " MISMATCH");
	if (got != want)
		failures++;
}

static long set_table(const struct trap_info *t)
{
	return hypercall1(__HYPERVISOR_set_trap_table, t);
}

/* One entry, then the end marker. */
static long set_one(uint8_t vec, uint8_t flags, uint16_t cs, uint64_t addr)
{
	static struct trap_info t[2];

	memset(t, 0, sizeof(t));
	t[0].vector = vec;
	t[0].flags = flags;
	t[0].cs = cs;
	t[0].address = addr;
	return set_table(t);
}

/* An int3 in kernel mode: the vector the handler saw (its stub's), or -1. */
static long int3_vector(void)
{
	traps_taken = 0;
	EXPECT_TRAP("int3", : : : "memory");
	return traps_taken == 1 ? (long)last_trap.vector : -1;
}

/*
 * int $0x90 in kernel mode: vector << 16 | the error code's low bits, or
 * -1. QEMU's TCG gives the #GP of int $n in long mode the error code
 * n * 16 + 2 (hardware n * 8 + 2), which Xen reads as vector (2n & 0xff):
 * entry 0x20 for 0x90. So each row sets 0x20 as it sets 0x90, and only the
 * low bits of the error code are compared (attack-xsa's int $0x82 row).
 */
static long int90(void)
{
	traps_taken = 0;
	EXPECT_TRAP("int $0x90", : : : "memory");
	return traps_taken == 1 ? (long)(last_trap.vector << 16 | (last_trap.error & 7)) : -1;
}

static long set_int90(uint8_t flags, unsigned int stub)
{
	static struct trap_info t[3];

	memset(t, 0, sizeof(t));
	t[0] = (struct trap_info){ .vector = 0x90, .flags = flags, .cs = FLAT_KERNEL_CS,
				   .address = trap_stubs[stub] };
	t[1] = t[0];
	t[1].vector = 0x20;
	return set_table(t);
}

static long icebp(void)
{
	traps_taken = 0;
	EXPECT_TRAP(".byte 0xf1", : : : "memory");
	return traps_taken == 1 ? (long)last_trap.vector : -1;
}

/* The #PF at the hypervisor-address handler: where it came from, then back. */
static volatile uint64_t pf_cr2, pf_error, pf_rip, pf_seen;
extern const uint8_t hv_resume[];

static bool pf_at_handler(struct trap_frame *f)
{
	if (f->vector != 14 || f->rip != HV_ADDR)
		return false;
	pf_seen++;
	pf_cr2 = cr2();
	pf_error = f->error;
	pf_rip = f->rip;
	f->rip = (uint64_t)hv_resume;
	return true;
}

static void hv_handler_rows(void)
{
	row("vector 3 at a hypervisor address", set_one(3, 3, FLAT_KERNEL_CS, HV_ADDR), 0);
	trap_hook = pf_at_handler;
	/* The int3's own frame stays on the stack: rbx has the rsp to go back to. */
	asm volatile("mov %%rsp, %%rbx\n\t"
		     "int3\n"
		     ".globl hv_resume\n"
		     "hv_resume:\n\t"
		     "mov %%rbx, %%rsp"
		     : : : "rbx", "memory");
	trap_hook = NULL;
	row("int3 to it: one #PF at the handler", pf_seen, 1);
	row("its cr2", pf_cr2 == HV_ADDR, 1);
	printf("its error code: %#lx\n", (unsigned long)pf_error);
	/* An instruction fetch, reported as kernel mode's (U clear), as Xen does. */
	row("its error code: a fetch in kernel mode", pf_error & ~1ULL, 0x10);
}

static void table_pointer_rows(void)
{
	uint64_t p1 = scratch_page(), p2 = scratch_page();
	struct trap_info *t;

	row("a table at a hypervisor address", set_table((void *)HV_ADDR), -EFAULT);
	row("a table at a non-canonical address", set_table((void *)NONCANONICAL), -EFAULT);
	/* The first entry ends page p1, the second would start the unmapped p2. */
	row("two scratch pages in a row", p2 == p1 + 4096, 1);
	row("p2 unmapped", update_va_mapping(p2, 0, UVMF_INVLPG), 0);
	t = (struct trap_info *)(p2 - sizeof(*t));
	t->vector = 3;
	t->flags = 3;
	t->cs = FLAT_KERNEL_CS;
	t->address = trap_stubs[7];
	row("a table running into an unmapped page", set_table(t), -EFAULT);
	row("its first entry was set: int3 reaches stub 7", int3_vector(), 7);
	row("p2 back", update_va_mapping(p2, (va_to_mfn(p1) << 12) | PTE_DATA, UVMF_INVLPG), 0);
}

int test_main(struct start_info *si)
{
	struct trap_info t[3];

	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	row("int3 to its own stub", int3_vector(), 3);

	row("vector 3 on the hypervisor's cs 0xe008", set_one(3, 3, 0xe008, trap_stubs[5]), 0);
	row("int3 reaches it", int3_vector(), 5);
	row("its frame's cs is the guest's", (last_trap.cs & 0xffff) | 3, FLAT_KERNEL_CS);
	row("vector 3 on cs 0", set_one(3, 3, 0, trap_stubs[9]), 0);
	row("int3 reaches it", int3_vector(), 9);
	row("vector 3 on an LDT cs (0x7)", set_one(3, 3, 7, trap_stubs[15]), 0);
	row("int3 reaches it", int3_vector(), 15);

	memset(t, 0, sizeof(t));
	t[0] = (struct trap_info){ .vector = 3, .flags = 3, .cs = FLAT_KERNEL_CS, .address = trap_stubs[16] };
	t[1] = (struct trap_info){ .vector = 6, .cs = FLAT_KERNEL_CS, .address = NONCANONICAL };
	row("a table with a non-canonical handler second", set_table(t), -EINVAL);
	row("its first entry was set: int3 reaches stub 16", int3_vector(), 16);
	EXPECT_TRAP("ud2", : : : "memory");
	row("ud2 still reaches its own stub", last_trap.vector, 6);

	hv_handler_rows();
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	table_pointer_rows();
	CHECK(traps_install(true) == 0, "set_trap_table failed");

	row("int $0x90, no entry: #GP", int90(), 13 << 16 | 2);
	row("vector 0x90 DPL 0", set_int90(0, 18), 0);
	row("int $0x90 from kernel mode: #GP", int90(), 13 << 16 | 2);
	row("vector 0x90 DPL 1", set_int90(1, 19), 0);
	row("int $0x90 from kernel mode", int90(), 19 << 16);
	row("vector 0x90 DPL 3", set_int90(3, 20), 0);
	row("int $0x90 from kernel mode", int90(), 20 << 16);
	/* Vector 3's gate in the hypervisor's IDT has DPL 3: int $3 is int3. */
	row("vector 3 DPL 0", set_one(3, 0, FLAT_KERNEL_CS, trap_stubs[22]), 0);
	row("int3 from kernel mode", int3_vector(), 22);
	traps_taken = 0;
	EXPECT_TRAP(".byte 0xcd, 0x03", : : : "memory");
	row("int $3 from kernel mode", traps_taken == 1 ? (long)last_trap.vector : -1, 22);
	/* QEMU's TCG raises #UD for icebp (0xf1), on hardware a #DB. */
	row("vector 1 DPL 0", set_one(1, 0, FLAT_KERNEL_CS, trap_stubs[1]), 0);
	row("icebp from kernel mode", icebp(), 6);

	CHECK(failures == 0, "%u rows differ", failures);
	printf("attack-trap-entries: trap-table entries and their delivery as Xen 4.17\n");
	return TEST_PASS;
}
