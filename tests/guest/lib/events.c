// SPDX-License-Identifier: GPL-2.0-only
/* Events and time for test guests (see events.h). */
#include "events.h"
#include "mm.h"
#include <lamina/callback.h>

struct shared_info *shared;
volatile unsigned long upcalls;
volatile uint64_t last_upcall_rip;

asm(".text\n"
    ".globl event_entry\n"
    "event_entry:\n"		/* rcx, r11, rip, cs, rflags, rsp, ss */
    "	lock incq upcalls(%rip)\n"
    "	push %rax\n"
    "	mov 24(%rsp), %rax\n"		/* the interrupted rip */
    "	mov %rax, last_upcall_rip(%rip)\n"
    "	mov shared(%rip), %rax\n"
    "	movb $0, (%rax)\n"		/* vcpu_info[0].evtchn_upcall_pending */
    "	movq $0, 8(%rax)\n"		/* evtchn_pending_sel: we poll the bits */
    "	pop %rax\n"
    "	pop %rcx\n"
    "	pop %r11\n"
    "	jmp guest_iret\n");

int events_init(struct start_info *si)
{
	struct callback_register cb = { CALLBACKTYPE_event, CALLBACKF_mask_events, 0,
					(uint64_t)event_entry };
	uint64_t va;

	mm_init(si);
	va = scratch_page();
	if (update_va_mapping(va, si->shared_info | PTE_DATA, UVMF_INVLPG))
		return -1;
	shared = (struct shared_info *)va;
	return (int)hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, &cb);
}

uint64_t pvclock_ns(void)
{
	volatile struct vcpu_time_info *t = &shared->vcpu_info[0].time;
	uint32_t version;
	uint64_t ns;

	do {
		uint32_t lo, hi;
		uint64_t delta;

		version = t->version;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
		delta = (((uint64_t)hi << 32) | lo) - t->tsc_timestamp;
		delta = t->tsc_shift >= 0 ? delta << t->tsc_shift : delta >> -t->tsc_shift;
		ns = t->system_time + (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	} while ((version & 1) || version != t->version);
	return ns;
}

bool port_pending(evtchn_port_t p)
{
	return __atomic_load_n(&shared->evtchn_pending[p / 64], __ATOMIC_SEQ_CST) & (1ULL << (p % 64));
}

bool port_test_and_clear(evtchn_port_t p)
{
	uint64_t bit = 1ULL << (p % 64);

	return __atomic_fetch_and(&shared->evtchn_pending[p / 64], ~bit, __ATOMIC_SEQ_CST) & bit;
}

void port_mask(evtchn_port_t p, bool masked)
{
	uint64_t bit = 1ULL << (p % 64);

	if (masked)
		__atomic_fetch_or(&shared->evtchn_mask[p / 64], bit, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(&shared->evtchn_mask[p / 64], ~bit, __ATOMIC_SEQ_CST);
}

/* Block with events enabled until p is pending; consumes it. */
void wait_for_port(evtchn_port_t p)
{
	while (!port_test_and_clear(p)) {
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_block, 0);
		shared->vcpu_info[0].evtchn_upcall_mask = 1;
	}
}

evtchn_port_t oneshot_timer_port(void)
{
	struct evtchn_bind_virq bv = { VIRQ_TIMER, 0, 0 };

	if (hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0) ||
	    evtchn_op(EVTCHNOP_bind_virq, &bv))
		return 0;
	return bv.port;
}

asm(".text\n"
    ".globl timed_syscall\n"
    "timed_syscall:\n"
    "	mov %rdi, %rax\n"
    "	mov %rsi, %rdi\n"
    "	mov %rdx, %rsi\n"
    "	mov %rcx, %rdx\n"
    "	mov %r8, %r10\n"
    ".globl timed_syscall_insn\n"
    "timed_syscall_insn:\n"
    "	syscall\n"
    "	ret\n");
