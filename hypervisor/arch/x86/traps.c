// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exceptions. From a guest (ring 3) they are the guest's business:
 * pv_traps.c emulates what a ring-3 kernel may not execute and bounces
 * the rest to the guest's trap table. From the hypervisor (ring 0) there are two cases: a fault on
 * an instruction listed in __ex_table (a guest-memory access) resumes at
 * its fixup, which makes the access return -EFAULT; anything else is a
 * hypervisor bug, answered with a register dump, a symbolized backtrace
 * and a halt.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/hypervisor.h>
#include <hv/symbols.h>
#include <asm/regs.h>
#include <asm/x86.h>
#include <asm/percpu.h>
#include <asm/layout.h>
#include <asm/pv.h>
#include <asm/irq.h>
#include <hv/time.h>
#include <hv/smp.h>
#include <hv/sched.h>
#include <asm/apic.h>
#include <lamina/callback.h>

void apic_eoi(void);

struct ex_entry {
	uint64_t insn, fixup;
};

extern const struct ex_entry __ex_table_start[], __ex_table_end[];

static const char *const vector_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check",
	"#MC machine check", "#XM SIMD error", "#VE virtualization", "#CP control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25", "reserved 26",
	"reserved 27", "#HV", "#VC", "#SX security", "reserved 31",
};

/* #DB taken in the hypervisor (do_exception): a guest's, dropped. */
unsigned long hv_debug_traps;

extern const char sysenter_entry[], sysenter_flags_clean[];

/* Before sysenter_entry has saved the guest's flags, its TF must stay. */
static bool in_sysenter_prologue(uint64_t rip)
{
	return rip >= (uint64_t)sysenter_entry && rip < (uint64_t)sysenter_flags_clean;
}

static const char *vector_name(uint64_t v)
{
	return v < 32 ? vector_names[v] : "interrupt";
}

static bool search_fixup(struct cpu_regs *r)
{
	const struct ex_entry *e;

	for (e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == r->rip) {
			r->rip = e->fixup;
			return true;
		}
	}
	return false;
}

static void print_symbol(const char *prefix, uint64_t addr)
{
	uint64_t off;
	const char *name = symbols_lookup(hypervisor_symbols(), addr, &off);

	if (name)
		pr_err("%s[<%016llx>] %s+%#llx\n", prefix, (unsigned long long)addr, name,
		       (unsigned long long)off);
	else
		pr_err("%s[<%016llx>] ?\n", prefix, (unsigned long long)addr);
}

static bool on_hypervisor_stack(uint64_t p)
{
	uint64_t lo = this_cpu()->stack_lo, hi = this_cpu()->stack_top;

	return p >= lo && p + 16 <= hi && !(p & 7);
}

/* Frame-pointer walk; the build keeps frame pointers for this. */
void show_backtrace(uint64_t rip, uint64_t rbp)
{
	unsigned int depth;

	pr_err("Backtrace:\n");
	print_symbol("  ", rip);
	for (depth = 0; depth < 32 && on_hypervisor_stack(rbp); depth++) {
		const uint64_t *frame = (const uint64_t *)rbp;

		if (!frame[1])
			break;
		print_symbol("  ", frame[1]);
		rbp = frame[0];
	}
}

void show_registers(const struct cpu_regs *r)
{
	const struct { const char *name; uint64_t val; } regs[] = {
		{ "RAX", r->rax }, { "RBX", r->rbx }, { "RCX", r->rcx }, { "RDX", r->rdx },
		{ "RSI", r->rsi }, { "RDI", r->rdi }, { "RBP", r->rbp }, { "RSP", r->rsp },
		{ "R8 ", r->r8 }, { "R9 ", r->r9 }, { "R10", r->r10 }, { "R11", r->r11 },
		{ "R12", r->r12 }, { "R13", r->r13 }, { "R14", r->r14 }, { "R15", r->r15 },
		{ "CR0", read_cr0() }, { "CR2", read_cr2() }, { "CR3", read_cr3() },
		{ "CR4", read_cr4() },
	};
	unsigned int i;

	pr_err("RIP: %04llx:[<%016llx>] RFLAGS: %016llx SS: %04llx\n",
	       (unsigned long long)r->cs, (unsigned long long)r->rip,
	       (unsigned long long)r->rflags, (unsigned long long)r->ss);
	for (i = 0; i < ARRAY_SIZE(regs); i++)
		pr_err("%s: %016llx%s", regs[i].name, (unsigned long long)regs[i].val,
		       i % 4 == 3 || i == ARRAY_SIZE(regs) - 1 ? "\n" : " ");
}

static void __noreturn fatal_exception(struct cpu_regs *r)
{
	pr_err("\n*** Lamina: unexpected %s (vector %llu, error code %#llx) in the hypervisor ***\n",
	       vector_name(r->vector), (unsigned long long)r->vector,
	       (unsigned long long)r->error_code);
	show_registers(r);
	show_backtrace(r->rip, r->rbp);
	pr_err("*** halting ***\n");
	smp_stop_others();
	machine_test_exit(TEST_EXIT_PANIC);
	halt_forever();
}

/* Vectors 32-255: the hypervisor's own (asm/apic.h) and devices'. */
static void do_interrupt(struct cpu_regs *r)
{
	if (r->vector == TIMER_VECTOR) {
		apic_eoi();
		timer_interrupt();
		return;
	}
	if (r->vector >= IPI_CALL_VECTOR && r->vector <= IPI_HOLD_VECTOR) {
		smp_ipi_interrupt(r->vector, regs_from_guest(r));
		return;
	}
	if (r->vector == SPURIOUS_VECTOR)
		return;		/* APIC spurious: no EOI */
	if (r->vector >= IRQ_VECTOR_FIRST && r->vector < IRQ_VECTOR_FIRST + IRQ_VECTORS) {
		irq_interrupt(r->vector);	/* a device's, for dom0 (irq.c) */
		return;
	}
	if (regs_from_guest(r))
		pr_warn("spurious interrupt while a guest ran\n");
	else
		pr_warn("spurious interrupt in the hypervisor at %#llx\n",
			(unsigned long long)r->rip);
}

void do_exception(struct cpu_regs *r);
void do_ist_exception(struct cpu_regs *r, bool guest_gs);

/* Host NMIs taken, and those of them that came with a guest's GS base live. */
unsigned long nmi_count, nmi_guest_gs;

/*
 * Xen's nmi_hwdom_report and pv_raise_nmi: the reason bit, and a virtual
 * NMI for dom0's vCPU 0, delivered at trap 2 on its way back to the
 * guest (pv.c, prepare_return_to_guest). Waking or kicking that vCPU
 * takes locks, so it waits for PW_NMI on this CPU's way out of the NMI
 * (arch_nmi_kick), as Xen's waits for its NMI softirq.
 */
static void nmi_report_dom0(unsigned int reason_bit)
{
	struct domain *d = __atomic_load_n(&dom0, __ATOMIC_ACQUIRE);
	struct vcpu *v;

	if (!d || !d->shared_info || !d->vcpu || !(v = d->vcpu[0]))
		return;
	__atomic_or_fetch(&d->shared_info->arch.nmi_reason, 1UL << reason_bit, __ATOMIC_RELAXED);
	__atomic_store_n(&v->arch.nmi_pending, true, __ATOMIC_RELEASE);
	pending_work_set(PW_NMI);
}

void arch_vcpu_send_nmi(struct vcpu *v)
{
	if (__atomic_exchange_n(&v->arch.nmi_pending, true, __ATOMIC_ACQ_REL))
		return;			/* one pending already: Xen's test_and_set */
	if (v == current_vcpu())
		pending_work_set(PW_NMI);	/* delivered on its way out */
	else
		vcpu_wake(v);		/* blocked: woken; running elsewhere: kicked */
}

bool arch_vcpu_nmi_waiting(const struct vcpu *v)
{
	return __atomic_load_n(&v->arch.nmi_pending, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&v->arch.nmi_masked, __ATOMIC_RELAXED);
}

/*
 * A PCI SERR NMI left the SERR line off (do_nmi): it goes on again after
 * the NMI, as Xen 4.17's PCI_SERR_SOFTIRQ does, with its message. Set
 * by CPU 0's NMI, read on CPU 0's way out (the CPU its PW_NMI was set on).
 */
static bool serr_off;

void arch_nmi_kick(void)
{
	struct domain *d = __atomic_load_n(&dom0, __ATOMIC_ACQUIRE);
	struct vcpu *v = d && d->vcpu ? d->vcpu[0] : NULL;

	pending_work_clear(PW_NMI);
	if (__atomic_exchange_n(&serr_off, false, __ATOMIC_ACQ_REL)) {
		pr_err("NMI - PCI system error (SERR)\n");
		outb(0x61, inb(0x61) & 0x0b);	/* SERR on again, the clear bits 0 */
	}
	if (v && __atomic_load_n(&v->arch.nmi_pending, __ATOMIC_ACQUIRE) && v != current_vcpu())
		vcpu_wake(v);	/* blocked: woken; running elsewhere: its CPU kicked */
}

/*
 * Host NMIs, as Xen 4.17's do_nmi with its release build's nmi=dom0 and
 * no NMI watchdog: only CPU 0 takes the system's NMIs; it reads their
 * reason from port 0x61, clears the line that raised them (SERR: cleared
 * and off until arch_nmi_kick, after the NMI, turns it on again; IOCHK:
 * pulsed off and on) and tells dom0 by the bit of
 * shared_info's nmi_reason (_XEN_NMIREASON_*) and a virtual NMI. Other
 * CPUs count theirs and go on. Nothing here prints or takes a lock: an
 * NMI may interrupt either.
 */
static void do_nmi(void)
{
	uint8_t reason;
	unsigned int i;

	__atomic_add_fetch(&nmi_count, 1, __ATOMIC_RELAXED);
	if (this_cpu()->cpu_id != 0)
		return;
	reason = inb(0x61);
	if (reason & 0x80) {
		outb(0x61, (reason & 0x0f) | 0x04);		/* SERR: clear, disable */
		__atomic_store_n(&serr_off, true, __ATOMIC_RELEASE);
		pending_work_set(PW_NMI);	/* arch_nmi_kick, even before dom0 is there */
		nmi_report_dom0(_XEN_NMIREASON_pci_serr);
	}
	if (reason & 0x40) {
		nmi_report_dom0(_XEN_NMIREASON_io_error);
		outb(0x61, (inb(0x61) & 0x0f) | 0x08);	/* IOCHK: clear, disable */
		for (i = 0; i < 1000; i++)
			inb(0x80);				/* about 1 ms */
		outb(0x61, inb(0x61) & 0x07);		/* ... enable again */
	}
	if (!(reason & 0xc0))
		nmi_report_dom0(_XEN_NMIREASON_unknown);
}

/*
 * The idle loop's halt (hv/sched.h). With interrupts off, an interrupt
 * or IPI that comes after the test is held until the sti, and the sti's
 * shadow lets the hlt start first: the interrupt ends the hlt. An NMI is
 * not held: one that lands after the test and before the hlt (and its
 * PW_NMI, a virtual NMI for dom0's vCPU 0 to wake) would leave the CPU
 * halted until its next interrupt, with no timer armed maybe never. So
 * an NMI that interrupts the test, the branch, the sti or the hlt not yet
 * begun returns past the hlt (idle_nmi_fixup), and the idle loop looks
 * at its work again: what Xen 4.17 gets by an NMI raising a softirq that
 * its halt checks. An NMI during the hlt already returns past it.
 */
extern const char idle_halt_test[], idle_halt_hlt[], idle_halt_out[];

void __attribute__((noinline, noclone)) arch_idle_halt(unsigned int work)
{
	asm volatile(".globl idle_halt_test, idle_halt_hlt, idle_halt_out\n"
		     "idle_halt_test: testl %0, (%1)\n\t"
		     "jnz idle_halt_out\n\t"
		     "sti\n"
		     "idle_halt_hlt: hlt\n"
		     "idle_halt_out: cli"
		     : : "r"(work), "r"(&this_cpu_ptr()->pending_work) : "memory", "cc");
}

/* An NMI's frame r: moved past the idle halt if it interrupted its window. */
static void idle_nmi_fixup(struct cpu_regs *r)
{
	if (r->rip >= (uint64_t)idle_halt_test && r->rip <= (uint64_t)idle_halt_hlt)
		r->rip = (uint64_t)idle_halt_out;
}

/*
 * The IST vectors (entry.S ist_common). guest_gs: the guest's GS base
 * was live when the vector came from ring 0 (one of the windows around
 * swapgs); ist_common swapped ours in and swaps it back.
 */
void do_ist_exception(struct cpu_regs *r, bool guest_gs)
{
	if (r->vector == X86_EXC_NMI) {
		if (guest_gs)
			__atomic_add_fetch(&nmi_guest_gs, 1, __ATOMIC_RELAXED);
		do_nmi();
		idle_nmi_fixup(r);
		return;
	}
	if (r->vector == X86_EXC_MC) {
		/*
		 * No machine-check banks are read or handed on (mca.c): a
		 * host #MC, from a guest or not, is never the guest's to take.
		 */
		fatal_exception(r);
	}
	do_exception(r);
}

void do_exception(struct cpu_regs *r)
{
	if (r->vector >= 32) {
		do_interrupt(r);
		return;
	}
	if (regs_from_guest(r)) {
		pv_guest_exception(current_vcpu(), r);
		return;
	}
	/* #NP: a data selector load whose descriptor went meanwhile (pv.c). */
	if ((r->vector == X86_EXC_PF || r->vector == X86_EXC_GP || r->vector == X86_EXC_NP) &&
	    search_fixup(r))
		return;
	if (r->vector == X86_EXC_DB) {
		/*
		 * Never ours: a guest's data breakpoint hit by a guest-memory
		 * copy, one a MOV SS / POP SS delayed onto the first
		 * instruction of syscall_entry (on the IST stack, with the
		 * guest's GS still loaded, so nothing per-CPU is touched here),
		 * or the guest's TF single-stepping sysenter_entry until it
		 * loads clean flags. Count it, clear DR6, resume.
		 */
		hv_debug_traps++;
		asm volatile("mov %0, %%db6" : : "r"(0xFFFF0FF0ULL));
		/* TF in ring 0 anywhere else would single-step us forever. */
		if (!in_sysenter_prologue(r->rip))
			r->rflags &= ~X86_EFLAGS_TF;
		return;
	}
	fatal_exception(r);
}

void panic(const char *fmt, ...)
{
	va_list ap;
	uint64_t rbp;

	asm volatile("cli");
	pr_err("\n*** Lamina panic: ");
	va_start(ap, fmt);
	vprintk(LOG_ERR, fmt, ap);
	va_end(ap);
	pr_err(" ***\n");
	asm volatile("mov %%rbp, %0" : "=r"(rbp));
	show_backtrace((uint64_t)__builtin_return_address(0), *(uint64_t *)rbp);
	smp_stop_others();
	machine_test_exit(TEST_EXIT_PANIC);
	halt_forever();
}
