// SPDX-License-Identifier: GPL-2.0-only
/*
 * failsafe: the failsafe callback as Xen 4.17 delivers it (load_segments,
 * docs/abi-core.md §3.7). vCPU 0 holds 0x1b (a GDT data descriptor) in %ds
 * and %fs, makes that descriptor not present (update_descriptor; the
 * loaded registers keep their copy) and sleeps in SCHEDOP_poll with a
 * timeout while vCPUs 1 and 2 yield in a loop, so that vCPU 0 is switched
 * back in after another vCPU ran on its pCPU (at the poll's return, or at
 * update_descriptor's if it was preempted there). Its %ds and %fs cannot be
 * loaded then: they become null and the failsafe callback (registered
 * with CALLBACKF_mask_events) is entered in kernel mode, on the stack it
 * slept on aligned down to 16, with the frame rcx, r11, ds, es, fs, gs
 * (the selectors tried: 0x1b, 0, 0x1b, 0), rip, cs (the RPL cleared, the
 * old event mask in bits 32-39), rflags (IF = !mask), rsp, ss; on entry
 * cs/ss are 0xe033/0xe02b, events are masked, and %ds/%fs are null. The
 * callback returns (iret) into the poll, which returns 0.
 * Then from user mode: the same selectors, user code spinning until its
 * %ds is null, the callback registered without CALLBACKF_mask_events and
 * kernel_sp 8 below a 16-byte boundary: the callback is entered in kernel
 * mode at kernel_sp aligned down to 16, the frame's cs the user's (0xe033)
 * and rsp/rip the user's, events still unmasked; it returns to user mode
 * (a try whose call comes in kernel mode, before the iret, is made again).
 * Last, 0x18 (RPL 0, the same DPL-3 descriptor) in %es and the reserved
 * flat selectors 0xe033, 0xe023 and 0xe028 (RPL 0) in %ds, %fs and %gs
 * survive switch-ins with no call, as on Xen 4.17.
 * @hvargs: dom0_max_vcpus=3
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/events.h"
#include "lib/smp.h"
#include "lib/segbase.h"
#include "lib/user.h"
#include "lib/failsafe.h"


#define STACK_SIZE	8192
#define SEL		0x1b
#define TRIES		2000
#define USER_TRIES	20

static uint8_t kstack[STACK_SIZE] __attribute__((aligned(16)));

/* User mode: spins (bounded) while %ds is not null, then exits. */
extern const uint8_t spin_prog[], spin_prog_end[];
asm(".pushsection .rodata\n"
    "spin_prog:\n"
    "	mov $1000000000, %rcx\n"
    "spin_loop:\n"
    "	mov %ds, %eax\n"
    "	test %eax, %eax\n"
    "	jz 1f\n"
    "	dec %rcx\n"
    "	jnz spin_loop\n"
    "1:	mov $60, %eax\n"
    "	syscall\n"
    "	ud2\n"
    "spin_prog_end:\n"
    ".popsection");

/* What the callback saw first: its frame, and the CPU state on entry. */
static volatile uint64_t frame[11], entry_rsp, entry_flags;
static volatile uint16_t entry_cs, entry_ss, entry_ds, entry_fs;
static volatile uint8_t entry_mask;
static volatile unsigned long calls;

static void forget(void)
{
	unsigned int i;

	for (i = 0; i < 11; i++)
		frame[i] = 0;
	entry_rsp = entry_flags = 0;
	entry_cs = entry_ss = entry_ds = entry_fs = 0xffff;
	entry_mask = 0xff;
	calls = 0;
}

/* The user-mode case (CHECK ends the test on a failure). */
static int from_user(uint64_t gdt_mfn)
{
	struct callback_register cb = { CALLBACKTYPE_failsafe, 0, 0, (uint64_t)failsafe_stub };
	uint64_t ksp = (uint64_t)kstack + sizeof(kstack) - 8;
	unsigned long tries;
	long rc, user_rc = 0;

	CHECK(user_setup(spin_prog, spin_prog_end - spin_prog, 1) == 0, "user mode set-up failed");
	CHECK(hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, &cb) == 0,
	      "registering the failsafe callback again failed");
	CHECK(hypercall2(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS, ksp) == 0,
	      "stack_switch failed");
	/*
	 * A switch-in may also come in kernel mode, between update_descriptor
	 * and enter_user's iret (at the hypercall's return, or on a timer):
	 * the failsafe call is then the kernel's, %ds is null before user
	 * mode starts, and the try is made again.
	 */
	for (tries = 0; tries < USER_TRIES; tries++) {
		forget();
		shared->vcpu_info[0].evtchn_upcall_mask = 0;
		asm volatile("mov %0, %%ds; mov %0, %%fs" : : "r"(SEL));
		rc = hypercall2(__HYPERVISOR_update_descriptor, (gdt_mfn << 12) + 3 * 8,
				0x00cf73000000ffffULL);
		CHECK(rc == 0, "update_descriptor gave %ld", rc);
		user_rc = enter_user(USER_BASE, USER_DATA + 4096);
		shared->vcpu_info[0].evtchn_upcall_mask = 1;
		asm volatile("mov %0, %%ds; mov %0, %%fs" : : "r"(0));
		rc = hypercall2(__HYPERVISOR_update_descriptor, (gdt_mfn << 12) + 3 * 8,
				0x00cff3000000ffffULL);
		CHECK(rc == 0, "update_descriptor gave %ld", rc);
		if (!calls || frame[7] != 0xe030)
			break;
		printf("failsafe: user mode: try %lu: the call came in kernel mode (rip %#lx), "
		       "again\n", tries, frame[6]);
	}
	printf("failsafe: user mode: %lu calls; frame rcx %#lx r11 %#lx ds %#lx es %#lx "
	       "fs %#lx gs %#lx rip %#lx cs %#lx rflags %#lx rsp %#lx ss %#lx\n", calls,
	       frame[0], frame[1], frame[2], frame[3], frame[4], frame[5], frame[6], frame[7],
	       frame[8], frame[9], frame[10]);
	printf("failsafe: user mode: on entry rsp %#lx cs %#x ss %#x rflags %#lx mask %u "
	       "ds %#x fs %#x; kernel_sp %#lx\n", entry_rsp, entry_cs, entry_ss, entry_flags,
	       entry_mask, entry_ds, entry_fs, ksp);
	CHECK(calls > 0, "no failsafe call while user mode spun with %%ds not present");
	CHECK(frame[2] == SEL && frame[3] == 0 && frame[4] == SEL && frame[5] == 0,
	      "user mode: frame selectors ds %#lx es %#lx fs %#lx gs %#lx, not 0x1b 0 0x1b 0",
	      frame[2], frame[3], frame[4], frame[5]);
	CHECK(frame[6] >= USER_BASE && frame[6] < USER_BASE + (spin_prog_end - spin_prog),
	      "user mode: frame rip %#lx not in the user program", frame[6]);
	CHECK(frame[7] == 0xe033 && frame[10] == 0xe02b, "user mode: frame cs %#lx ss %#lx, not "
	      "the user's 0xe033 0xe02b (events unmasked)", frame[7], frame[10]);
	CHECK(frame[8] & 0x200, "user mode: frame rflags %#lx without IF", frame[8]);
	CHECK(frame[9] == USER_DATA + 4096, "user mode: frame rsp %#lx, not the user's",
	      frame[9]);
	CHECK(entry_rsp == (ksp & ~15UL) - 88, "user mode: entered at rsp %#lx, kernel_sp %#lx: "
	      "not 11 quadwords below it aligned down to 16", entry_rsp, ksp);
	CHECK(entry_cs == 0xe033 && entry_ss == 0xe02b, "user mode: entered with cs %#x ss %#x",
	      entry_cs, entry_ss);
	CHECK(entry_mask == 0, "user mode: entered with event mask %u, registered without "
	      "CALLBACKF_mask_events", entry_mask);
	CHECK(entry_ds == 0 && entry_fs == 0, "user mode: entered with %%ds %#x %%fs %#x",
	      entry_ds, entry_fs);
	CHECK(user_rc == 60, "enter_user gave %ld", user_rc);
	return TEST_PASS;
}

/*
 * Selectors that Xen 4.17 reloads in ring 0 without a failsafe call
 * survive switch-ins: 0x18, RPL 0 of a good DPL-3 descriptor (ring 3
 * may load it), in %es, and the hypervisor's reserved flat selectors,
 * valid descriptors of its GDT: FLAT_RING3_CS64 0xe033 in %ds,
 * FLAT_RING3_CS32 0xe023 in %fs (readable code, loadable as data) and
 * FLAT_RING3_DS32 with RPL 0 (0xe028) in %gs. 200 sleeps holding them,
 * vCPUs 1 and 2 yielding.
 */
static int survivors(const struct evtchn_alloc_unbound *au)
{
	static const uint16_t want[4] = { 0xe033, 0x18, 0xe023, 0xe028 };	/* ds es fs gs */
	unsigned long i, lost = 0;
	uint16_t got[4];

	forget();
	for (i = 0; i < 200; i++) {
		evtchn_port_t p = au->port;
		struct sched_poll poll = { (uint64_t)&p, 1, 0, pvclock_ns() + 20000 };

		asm volatile("mov %0, %%ds; mov %1, %%es; mov %2, %%fs; mov %3, %%gs"
			     : : "r"(want[0]), "r"(want[1]), "r"(want[2]), "r"(want[3]));
		HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
		asm volatile("mov %%ds, %0; mov %%es, %1; mov %%fs, %2; mov %%gs, %3"
			     : "=r"(got[0]), "=r"(got[1]), "=r"(got[2]), "=r"(got[3]));
		lost += memcmp(got, want, sizeof(got)) != 0;
	}
	asm volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%fs; mov %0, %%gs" : : "r"(0));
	printf("failsafe: 200 sleeps holding ds %#x es %#x fs %#x gs %#x: lost %lu times "
	       "(last ds %#x es %#x fs %#x gs %#x), %lu failsafe calls\n", want[0], want[1],
	       want[2], want[3], lost, got[0], got[1], got[2], got[3], calls);
	CHECK(!lost && !calls, "selectors lost %lu times, %lu failsafe calls", lost, calls);
	return TEST_PASS;
}

void failsafe_c(const uint64_t *f, uint64_t flags)
{
	uint16_t cs, ss, ds, fs;
	unsigned int i;

	asm volatile("mov %%cs, %0; mov %%ss, %1; mov %%ds, %2; mov %%fs, %3"
		     : "=r"(cs), "=r"(ss), "=r"(ds), "=r"(fs));
	if (!calls++) {
		for (i = 0; i < 11; i++)
			frame[i] = f[i];
		entry_rsp = (uint64_t)f;
		entry_flags = flags;
		entry_cs = cs;
		entry_ss = ss;
		entry_ds = ds;
		entry_fs = fs;
		entry_mask = shared->vcpu_info[0].evtchn_upcall_mask;
	}
}

int test_main(struct start_info *si)
{
	static const uint64_t gdt[16] = { [3] = 0x00cff3000000ffffULL };
	struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };
	struct callback_register cb = { CALLBACKTYPE_failsafe, CALLBACKF_mask_events, 0,
					(uint64_t)failsafe_stub };
	uint64_t gdt_mfn, sp_before = 0, sp_upd = 0;
	uint16_t ds = 0, es = 0, fs = 0, gs = 0, segs[4];
	const char *what;
	unsigned long tries;
	long rc = 0;

	CHECK(events_init(si) == 0, "events_init failed");	/* mm_init too */
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	rc = gdt_load_page(gdt, &gdt_mfn);
	CHECK(rc == 0, "loading the GDT page gave %ld", rc);
	CHECK(evtchn_op(EVTCHNOP_alloc_unbound, &au) == 0, "alloc_unbound failed");
	CHECK(hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, &cb) == 0,
	      "registering the failsafe callback failed");
	rc = spinners_start(si);
	CHECK(rc == 0, "starting vCPUs 1 and 2, all three pinned to CPU 0: %ld", rc);

	shared->vcpu_info[0].evtchn_upcall_mask = 0;
	for (tries = 0; tries < TRIES && !calls; tries++) {
		rc = failsafe_try(gdt_mfn, SEL, au.port, segs, &sp_upd, &sp_before, &what);
		CHECK(rc == 0, "try %lu: %s gave %ld", tries, what, rc);
		ds = segs[0];
		es = segs[1];
		fs = segs[2];
		gs = segs[3];
		if (!calls)
			CHECK(ds == SEL && fs == SEL, "try %lu: %%ds %#x %%fs %#x with no failsafe "
			      "call", tries, ds, fs);
	}
	asm volatile("mov %0, %%ds; mov %0, %%fs" : : "r"(0));
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	printf("failsafe: %lu calls after %lu tries; frame rcx %#lx r11 %#lx ds %#lx es %#lx "
	       "fs %#lx gs %#lx rip %#lx cs %#lx rflags %#lx rsp %#lx ss %#lx\n", calls, tries,
	       frame[0], frame[1], frame[2], frame[3], frame[4], frame[5], frame[6], frame[7],
	       frame[8], frame[9], frame[10]);
	printf("failsafe: on entry rsp %#lx cs %#x ss %#x rflags %#lx mask %u ds %#x fs %#x; "
	       "after ds %#x es %#x fs %#x gs %#x; rsp before the poll %#lx\n", entry_rsp,
	       entry_cs, entry_ss, entry_flags, entry_mask, entry_ds, entry_fs, ds, es, fs, gs,
	       sp_before);
	CHECK(calls > 0, "no failsafe call in %lu switch-ins with %%ds/%%fs not present", tries);
	CHECK(frame[2] == SEL && frame[3] == 0 && frame[4] == SEL && frame[5] == 0,
	      "frame selectors ds %#lx es %#lx fs %#lx gs %#lx, not 0x1b 0 0x1b 0",
	      frame[2], frame[3], frame[4], frame[5]);
	CHECK((frame[6] == (uint64_t)poll_ret && frame[9] == sp_before) ||
	      (frame[6] == (uint64_t)upd_ret && frame[9] == sp_upd), "frame rip %#lx rsp %#lx, "
	      "not the poll's return %#lx (rsp %#lx) or update_descriptor's %#lx (rsp %#lx)",
	      frame[6], frame[9], (uint64_t)poll_ret, sp_before, (uint64_t)upd_ret, sp_upd);
	CHECK(frame[0] == frame[6] && frame[1] == frame[8], "frame rcx %#lx r11 %#lx: "
	      "not syscall's (the return rip, the rflags)", frame[0], frame[1]);
	CHECK(frame[7] == 0xe030, "frame cs %#lx, not 0xe030 (kernel mode: RPL cleared, "
	      "events were unmasked)", frame[7]);
	CHECK(frame[8] & 0x200, "frame rflags %#lx without IF (events were unmasked)", frame[8]);
	CHECK(frame[10] == 0xe02b, "frame ss %#lx", frame[10]);
	CHECK(entry_rsp + 88 == (frame[9] & ~15UL), "entered at rsp %#lx, frame rsp %#lx: not "
	      "11 quadwords below it aligned down to 16", entry_rsp, frame[9]);
	CHECK(entry_cs == 0xe033 && entry_ss == 0xe02b, "entered with cs %#x ss %#x",
	      entry_cs, entry_ss);
	CHECK(!(entry_flags & 0x44100), "entered with rflags %#lx (TF/NT/AC set)", entry_flags);
	CHECK(entry_mask == 1, "entered with event mask %u, registered with "
	      "CALLBACKF_mask_events", entry_mask);
	CHECK(entry_ds == 0 && entry_fs == 0, "entered with %%ds %#x %%fs %#x, not null",
	      entry_ds, entry_fs);
	rc = from_user(gdt_mfn);
	if (rc == TEST_PASS)
		rc = survivors(&au);
	spinners_stop = true;
	return rc;
}
