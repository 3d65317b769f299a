// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-trap-targets: trap-table entries, the event callback and the
 * NMI callback pointing into the hypervisor's range, with the
 * hypervisor's code selector, and the edges set_trap_table checks. A
 * PV guest's handlers run in ring 3 on FLAT_KERNEL_CS whatever the
 * entry's selector says (a 64-bit guest's trap_info.cs is not used), so
 * a handler at a hypervisor address must give the guest a page fault at
 * that address (its kernel-mode fetch, the error code's user bit clear)
 * with the frame that was meant for the handler below it, never a jump
 * in ring 0 and never a hypervisor fault. Xen 4.17 accepts every
 * canonical address in set_trap_table and callback_op (-EINVAL for a
 * non-canonical one) and bounces to it.
 *   - Vectors 0x80 (int $0x80), 3 (int3), 6 (ud2) and 0 (divide error),
 *     each with its handler at five hypervisor addresses (Lamina's image,
 *     Xen's, the per-CPU GDT area, the direct map, the range's last
 *     page), the entry's cs 0xe008 (the hypervisor's), 0 or 0xe033.
 *   - The event callback there: an event sent to ourselves.
 *   - The NMI callback (trap 2) there: VCPUOP_send_nmi to ourselves.
 *   - set_trap_table with a non-canonical handler: -EINVAL, and the
 *     entry before it in the same list (int3's) stays set (Xen writes
 *     each as it goes); a non-canonical event callback: -EINVAL.
 * The #PF handler recovers from the frame below (rip, rsp, rflags, rcx,
 * r11 of the interrupted code) and checks its CS is FLAT_KERNEL_CS.
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/events.h"
#include "lib/smp.h"
#include <lamina/callback.h>

static const uint64_t targets[] = {
	0xffff820000218000ULL,	/* Lamina's image (hc_set_trap_table's page); Xen's per-domain area */
	0xffff82d040200000ULL,	/* Xen's image */
	0xffff828000000000ULL,	/* Lamina's per-CPU GDT area */
	0xffff830000001000ULL,	/* the direct map */
	0xffff87fffffff000ULL,	/* the range's last page */
};
static const uint16_t selectors[] = { 0xe008, 0, 0xe033 };

/* Faults (not traps) come back to the instruction: resume after it. */
extern const char tt_ud[], tt_ud_end[], tt_div[], tt_div_end[];

static volatile uint64_t want_rip;	/* the handler address we expect a fault at */
static volatile unsigned int with_error;	/* the bounced frame carries an error code */
static volatile bool keep_masked;	/* resume with events masked (IF clear) */
static volatile unsigned int seen;
static volatile uint64_t seen_error, seen_cr2, seen_cs, below_cs, below_rip;

static uint64_t cr2_now(void)
{
	return ((volatile struct vcpu_info *)&shared->vcpu_info[0])->arch.cr2;
}

/*
 * The #PF at want_rip: resume the code the bounced frame below came from.
 * Frame below, lowest first: rcx, r11, [error], rip, cs, rflags, rsp, ss.
 */
static bool at_target(struct trap_frame *f)
{
	const uint64_t *fr = (const uint64_t *)f->rsp;
	unsigned int e = with_error;

	if (f->vector != 14 || !want_rip || f->rip != want_rip)
		return false;
	seen++;
	seen_error = f->error;
	seen_cr2 = cr2_now();
	seen_cs = f->cs;
	below_cs = fr[3 + e];
	below_rip = fr[2 + e];
	f->rcx = fr[0];
	f->r11 = fr[1];
	f->rip = fr[2 + e];
	f->rflags = fr[4 + e] & (keep_masked ? ~0x200ULL : ~0ULL);
	f->rsp = fr[5 + e];
	if (f->rip == (uint64_t)tt_ud)
		f->rip = (uint64_t)tt_ud_end;
	else if (f->rip == (uint64_t)tt_div)
		f->rip = (uint64_t)tt_div_end;
	want_rip = 0;
	return true;
}

static long set_one(uint8_t vector, uint16_t cs, uint64_t address)
{
	struct trap_info t[2] = { { .vector = vector, .cs = cs, .address = address } };

	if (vector == 3 || vector == 0x80)
		t[0].flags = 3;
	return hypercall1(__HYPERVISOR_set_trap_table, t);
}

static void trigger(uint8_t vector)
{
	switch (vector) {
	case 0x80:
		asm volatile("int $0x80" ::: "memory");
		break;
	case 3:
		asm volatile("int3" ::: "memory");
		break;
	case 6:
		asm volatile("tt_ud: ud2\ntt_ud_end:" ::: "memory");
		break;
	case 0:
		asm volatile("xor %%ecx, %%ecx\nmov $1, %%eax\nxor %%edx, %%edx\n"
			     "tt_div: divq %%rcx\ntt_div_end:" ::: "rax", "rcx", "rdx", "memory");
		break;
	}
}

static int check_fault(const char *what, uint64_t target, unsigned int before)
{
	CHECK(seen == before + 1, "%s at %#llx: %u faults there, want 1", what,
	      (unsigned long long)target, seen - before);
	CHECK(seen_cr2 == target, "%s at %#llx: cr2 %#llx", what, (unsigned long long)target,
	      (unsigned long long)seen_cr2);
	/* A fetch (I/D) in guest kernel mode: no write, no user, no reserved bit. */
	CHECK((seen_error & 0x1e) == 0x10, "%s at %#llx: error code %#llx", what,
	      (unsigned long long)target, (unsigned long long)seen_error);
	/* Kernel mode's frames show FLAT_KERNEL_CS with RPL 0, as Xen's. */
	CHECK((seen_cs & 0xffff) == (FLAT_KERNEL_CS64 & ~3) &&
	      (below_cs & 0xffff) == (FLAT_KERNEL_CS64 & ~3),
	      "%s at %#llx: cs %#llx, the frame below %#llx", what, (unsigned long long)target,
	      (unsigned long long)seen_cs, (unsigned long long)below_cs);
	return TEST_PASS;
}

static int trap_rows(void)
{
	static const uint8_t vectors[] = { 0x80, 3, 6, 0 };
	unsigned int v, t, s, before;

	for (v = 0; v < ARRAY_SIZE(vectors); v++) {
		for (t = 0; t < ARRAY_SIZE(targets); t++) {
			for (s = 0; s < ARRAY_SIZE(selectors); s++) {
				long rc = set_one(vectors[v], selectors[s], targets[t]);
				char what[48];

				snprintf(what, sizeof(what), "vector %#x, cs %#x", vectors[v],
					 selectors[s]);
				CHECK(rc == 0, "%s at %#llx: set_trap_table gave %ld", what,
				      (unsigned long long)targets[t], rc);
				before = seen;
				with_error = 0;
				want_rip = targets[t];
				trigger(vectors[v]);
				if (check_fault(what, targets[t], before))
					return TEST_FAIL;
			}
		}
		CHECK(traps_install(false) == 0, "set_trap_table back to ours failed");
	}
	return TEST_PASS;
}

static int event_rows(void)
{
	volatile struct vcpu_info *vi = (volatile struct vcpu_info *)&shared->vcpu_info[0];
	struct evtchn_bind_ipi bi = { 0, 0 };
	struct evtchn_close cl;
	unsigned int t, before;
	long rc;

	CHECK(evtchn_op(EVTCHNOP_bind_ipi, &bi) == 0, "bind_ipi failed");
	for (t = 0; t < ARRAY_SIZE(targets); t++) {
		struct callback_register cb = { CALLBACKTYPE_event, CALLBACKF_mask_events, 0,
						targets[t] };

		rc = hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, &cb);
		CHECK(rc == 0, "event callback at %#llx: %ld", (unsigned long long)targets[t], rc);
		vi->evtchn_upcall_mask = 1;
		before = seen;
		with_error = 0;
		want_rip = targets[t];
		keep_masked = true;
		evtchn_send(bi.port);
		vi->evtchn_upcall_mask = 0;	/* the upcall comes at the next entry */
		HYPERVISOR_xen_version(0, NULL);
		vi->evtchn_upcall_mask = 1;
		if (check_fault("the event callback", targets[t], before))
			return TEST_FAIL;
		keep_masked = false;
		port_test_and_clear(bi.port);
		vi->evtchn_pending_sel = 0;
		vi->evtchn_upcall_pending = 0;
	}
	{
		struct callback_register cb = { CALLBACKTYPE_event, CALLBACKF_mask_events, 0,
						(uint64_t)event_entry };

		CHECK(hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, &cb) == 0,
		      "event callback back to ours failed");
	}
	cl.port = bi.port;
	CHECK(evtchn_op(EVTCHNOP_close, &cl) == 0, "close failed");
	return TEST_PASS;
}

static int nmi_rows(void)
{
	unsigned int t, before;
	long rc;

	for (t = 0; t < ARRAY_SIZE(targets); t++) {
		struct callback_register cb = { CALLBACKTYPE_nmi, 0, 0, targets[t] };

		rc = hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, &cb);
		CHECK(rc == 0, "NMI callback at %#llx: %ld", (unsigned long long)targets[t], rc);
		before = seen;
		with_error = 0;
		want_rip = targets[t];
		rc = vcpu_op(VCPUOP_send_nmi, 0, NULL);
		CHECK(rc == 0, "send_nmi gave %ld", rc);
		HYPERVISOR_xen_version(0, NULL);
		if (check_fault("the NMI callback", targets[t], before))
			return TEST_FAIL;
	}
	CHECK(traps_install(false) == 0, "set_trap_table back to ours failed");
	return TEST_PASS;
}

static int noncanonical_rows(void)
{
	struct trap_info t[3] = {
		/* set before the bad one */
		{ .vector = 3, .flags = 3, .cs = 0xe033, .address = 0xffff830000001000ULL },
		{ .vector = 0x91, .flags = 3, .cs = 0xe033, .address = 0x0000800000000000ULL },
		{ .address = 0 },
	};
	struct callback_register cb = { CALLBACKTYPE_event, CALLBACKF_mask_events, 0,
					0xffff7fffffffffffULL };
	unsigned int before;
	long rc;

	rc = hypercall1(__HYPERVISOR_set_trap_table, t);
	CHECK(rc == -EINVAL, "a non-canonical handler: set_trap_table gave %ld", rc);
	rc = hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, &cb);
	CHECK(rc == -EINVAL, "a non-canonical event callback gave %ld", rc);
	/* Vector 3, written before the refused entry, is set. */
	before = seen;
	with_error = 0;
	want_rip = t[0].address;
	asm volatile("int3" ::: "memory");
	if (check_fault("int3 (set before a refused entry)", t[0].address, before))
		return TEST_FAIL;
	return traps_install(false) == 0 ? TEST_PASS : fail("set_trap_table back to ours failed");
}

int test_main(struct start_info *si)
{
	CHECK(events_init(si) == 0, "events_init failed");
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	CHECK(traps_install(false) == 0, "set_trap_table failed");
	trap_hook = at_target;
	if (trap_rows() || event_rows() || nmi_rows() || noncanonical_rows())
		return TEST_FAIL;
	trap_hook = NULL;
	printf("%u faults at hypervisor addresses, each the guest's #PF\n", seen);
	return TEST_PASS;
}
