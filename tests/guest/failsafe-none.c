// SPDX-License-Identifier: GPL-2.0-only
/*
 * failsafe-none: a selector that cannot be reloaded when no failsafe
 * callback is registered. Xen 4.17's load_segments does not look for a
 * callback: it writes the failsafe frame all the same and enters the
 * guest at the callback address, 0, so the guest takes its own #PF there
 * (docs/abi-core.md §3.7). vCPU 0 holds 0x1b (a GDT data descriptor) in
 * %ds and %fs, makes that descriptor not present and sleeps in
 * SCHEDOP_poll while vCPUs 1 and 2 yield, until a switch-in cannot load
 * them. Then the #PF handler must see rip 0 in kernel mode with rsp at a
 * failsafe frame (rcx, r11, ds, es, fs, gs, rip, cs, rflags, rsp, ss:
 * the selectors 0x1b 0 0x1b 0, the rip of one of the two hypercalls'
 * returns), %ds and %fs null; it resumes that frame's context, as a
 * failsafe callback would.
 * @hvargs: dom0_max_vcpus=3
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/events.h"
#include "lib/smp.h"
#include "lib/segbase.h"
#include "lib/failsafe.h"

#define SEL	0x1b
#define TRIES	2000

static volatile uint64_t frame[11], pf_error;
static volatile uint16_t pf_ds, pf_fs;
static volatile unsigned long pf_at_zero;

void failsafe_c(const uint64_t *f, uint64_t flags)
{
	(void)f;
	(void)flags;
	printf("FAIL a failsafe callback ran, none was registered\n");
	HYPERVISOR_sched_op(SCHEDOP_shutdown, &(struct sched_shutdown){ SHUTDOWN_poweroff });
}

/* #PF at rip 0: record the failsafe frame at rsp, and go on as it says. */
static bool pf_at_0(struct trap_frame *f)
{
	const uint64_t *fr = (const uint64_t *)f->rsp;
	unsigned int i;

	if (f->vector != 14 || f->rip != 0 || (f->cs & 3))
		return false;
	if (!pf_at_zero++) {
		for (i = 0; i < 11; i++)
			frame[i] = fr[i];
		pf_error = f->error;
		asm volatile("mov %%ds, %0; mov %%fs, %1" : "=r"(pf_ds), "=r"(pf_fs));
	}
	f->rcx = fr[0];
	f->r11 = fr[1];
	f->rip = fr[6];
	f->cs = (uint16_t)fr[7];	/* above: the saved event mask */
	f->rflags = fr[8];
	f->rsp = fr[9];
	f->ss = fr[10];
	return true;
}

int test_main(struct start_info *si)
{
	static const uint64_t gdt[16] = { [3] = 0x00cff3000000ffffULL };
	struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };
	uint64_t gdt_mfn, sp_poll = 0, sp_upd = 0;
	uint16_t segs[4];
	const char *what;
	unsigned long tries;
	long rc;

	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	trap_hook = pf_at_0;
	rc = gdt_load_page(gdt, &gdt_mfn);
	CHECK(rc == 0, "loading the GDT page gave %ld", rc);
	CHECK(evtchn_op(EVTCHNOP_alloc_unbound, &au) == 0, "alloc_unbound failed");
	rc = spinners_start(si);
	CHECK(rc == 0, "starting vCPUs 1 and 2, all three pinned to CPU 0: %ld", rc);
	for (tries = 0; tries < TRIES && !pf_at_zero; tries++) {
		rc = failsafe_try(gdt_mfn, SEL, au.port, segs, &sp_upd, &sp_poll, &what);
		CHECK(rc == 0, "try %lu: %s gave %ld", tries, what, rc);
	}
	asm volatile("mov %0, %%ds; mov %0, %%fs" : : "r"(0));
	spinners_stop = true;
	printf("failsafe-none: %lu #PF at rip 0 after %lu tries, error %#lx; frame rcx %#lx "
	       "r11 %#lx ds %#lx es %#lx fs %#lx gs %#lx rip %#lx cs %#lx rflags %#lx rsp %#lx "
	       "ss %#lx; %%ds %#x %%fs %#x there\n", pf_at_zero, tries, pf_error, frame[0],
	       frame[1], frame[2], frame[3], frame[4], frame[5], frame[6], frame[7], frame[8],
	       frame[9], frame[10], pf_ds, pf_fs);
	CHECK(pf_at_zero > 0, "no entry at address 0 in %lu switch-ins with %%ds not present",
	      tries);
	CHECK(frame[2] == SEL && frame[3] == 0 && frame[4] == SEL && frame[5] == 0,
	      "frame selectors ds %#lx es %#lx fs %#lx gs %#lx, not 0x1b 0 0x1b 0",
	      frame[2], frame[3], frame[4], frame[5]);
	CHECK((frame[6] == (uint64_t)poll_ret && frame[9] == sp_poll) ||
	      (frame[6] == (uint64_t)upd_ret && frame[9] == sp_upd),
	      "frame rip %#lx rsp %#lx: not a hypercall's return", frame[6], frame[9]);
	CHECK((uint16_t)frame[7] == 0xe030 && frame[10] == 0xe02b, "frame cs %#lx ss %#lx", frame[7],
	      frame[10]);
	CHECK(pf_ds == 0 && pf_fs == 0, "%%ds %#x %%fs %#x at address 0, not null", pf_ds, pf_fs);
	return TEST_PASS;
}
