// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exception fixups for test guests: code that expects a trap marks the
 * instruction with EXPECT_TRAP(); the handler records the frame in
 * last_trap and resumes at the mark's fixup. Any other trap is a failure
 * reported with its frame, and the guest powers off.
 */
#include "guest.h"
#include "traps.h"
#include <lamina/callback.h>

extern const struct fixup __fixup_start[], __fixup_stop[];
extern const uint64_t trap_stubs[32];
extern const uint64_t trap_stub_int80, trap_stub_int81;

struct trap_record last_trap;
bool (*trap_hook)(struct trap_frame *f);
volatile unsigned int traps_taken;

void guest_trap(struct trap_frame *f)
{
	const struct fixup *x;

	traps_taken++;
	last_trap.vector = f->vector;
	last_trap.error = f->error;
	last_trap.rip = f->rip;
	last_trap.cs = f->cs;
	last_trap.rflags = f->rflags;
	last_trap.rsp = f->rsp;
	last_trap.ss = f->ss;
	last_trap.rcx = f->rcx;
	last_trap.r11 = f->r11;
	if (trap_hook && trap_hook(f))
		return;
	for (x = __fixup_start; x < __fixup_stop; x++) {
		if (f->rip == x->insn || f->rip == x->fixup) {
			f->rip = x->fixup;
			return;
		}
	}
	printf("FAIL unexpected trap %lu at rip %#lx, error %#lx\n", (unsigned long)f->vector,
	       (unsigned long)f->rip, (unsigned long)f->error);
	shutdown(SHUTDOWN_poweroff);
}

int traps_install(bool mask_events)
{
	static struct trap_info table[35];
	unsigned int i, n = 0;

	for (i = 0; i < 32; i++) {
		table[n].vector = i;
		table[n].flags = (i == 3 || i == 4 ? 3 : 0) | (mask_events ? TI_MASK_EVENTS : 0);
		table[n].cs = 0x10;
		table[n++].address = trap_stubs[i];
	}
	table[n].vector = 0x80;
	table[n].flags = 3;
	table[n++].address = trap_stub_int80;
	table[n].vector = 0x81;
	table[n].flags = 0;
	table[n++].address = trap_stub_int81;
	table[n].address = 0;
	return (int)hypercall1(__HYPERVISOR_set_trap_table, table);
}
