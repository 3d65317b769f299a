// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CPUs: which the MADT lists, starting the APs, IPIs.
 *
 * CPU numbers are dense: 0 is the boot CPU, then the MADT's other enabled
 * local APICs in table order, as many as nr_cpus= (the CPUs the machine
 * is said to have: physinfo's max_cpu_id + 1) and MAX_CPUS allow;
 * maxcpus= bounds how many of those are started, as on Xen.
 *
 * Start-up (Intel SDM vol. 3A §9.4, "MP initialization"): for one AP at a
 * time, its pages (cpu.c, cpu_percpu_alloc), then INIT, 10 ms, and two
 * STARTUP IPIs 200 µs apart naming the trampoline page (trampoline.S);
 * the AP loads its own GDT and TSS, the shared IDT, GS, the system-call
 * MSRs, CR4 and XCR0 as the boot CPU did (cpu_init_secondary), the boot
 * CPU's PAT, turns its local APIC on and sets its bit in online_mask. It
 * then schedules from its own run queue (common/sched.c, sched_idle_loop),
 * halting with interrupts on while it has nobody to run.
 *
 * IPIs go through the xAPIC's ICR (the boot CPU runs the local APIC in
 * xAPIC mode, as firmware left it), fixed delivery, physical destination.
 * smp_call_function_mask uses one call slot: its owner sets fn, arg and
 * the mask of CPUs still to run it, sends IPI_CALL_VECTOR and waits for
 * the mask to empty. A CPU waiting for the slot, or for its own call,
 * runs any call aimed at itself, so callers may have interrupts off; so
 * does a CPU spinning for a lock or for another CPU (smp_poll_calls).
 * The event-check and timer IPIs are sent and not waited for.
 * smp_stop_others sends IPI_STOP_VECTOR: the others note it and stop in
 * `cli; hlt`; a CPU spinning with interrupts off stops at its next
 * smp_poll_calls, and the stopping CPU answers calls while it waits.
 * smp_hold_others sends IPI_HOLD_VECTOR until each other CPU has taken it
 * at a safe point and waits there (see "hold" below).
 */
#include <hv/lib.h>
#include <hv/cmdline.h>
#include <hv/hypervisor.h>
#include <hv/page_alloc.h>
#include <hv/sched.h>
#include <hv/smp.h>
#include <hv/time.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <hv/flushtlb.h>
#include <asm/smp_boot.h>
#include <asm/x86.h>

BUILD_BUG_ON(MAX_CPUS > 64);

static struct percpu *cpus[MAX_CPUS];		/* by CPU number, once started */
static uint32_t apic_ids[MAX_CPUS];		/* by CPU number, from the MADT */
static unsigned int nr_possible = 1;
static cpumask_t online_mask = 1;

/* The AP being started: read by trampoline.S's ap_entry64 and ap_start. */
uint64_t ap_boot_cr3, ap_boot_stack;
static struct percpu *ap_booting;
static uint64_t ap_pat;

/* No POPCNT assumed (the build has no libgcc). */
static unsigned int mask_weight(cpumask_t m)
{
	unsigned int n = 0;

	for (; m; m &= m - 1)
		n++;
	return n;
}

unsigned int smp_processor_id(void)
{
	return this_cpu()->cpu_id;
}

unsigned int smp_nr_online(void)
{
	return mask_weight(__atomic_load_n(&online_mask, __ATOMIC_ACQUIRE));
}

unsigned int smp_nr_possible(void)
{
	return nr_possible;
}

cpumask_t smp_online_mask(void)
{
	return __atomic_load_n(&online_mask, __ATOMIC_ACQUIRE);
}

uint32_t smp_cpu_apic_id(unsigned int cpu)
{
	return cpu < nr_possible ? apic_ids[array_index_nospec(cpu, nr_possible)] : ~0U;
}

static uint32_t boot_apic_id(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	return b >> 24;
}

void smp_init(void)
{
	uint32_t ids[64];
	unsigned int found = acpi_madt_lapic_ids(ids, ARRAY_SIZE(ids));
	unsigned int i, limit = MAX_CPUS;
	uint32_t bsp = boot_apic_id();

	if (hv_opts.nr_cpus && hv_opts.nr_cpus < limit)
		limit = hv_opts.nr_cpus;
	apic_ids[0] = bsp;
	cpu0_percpu.apic_id = bsp;
	cpus[0] = &cpu0_percpu;
	for (i = 0; i < found && i < ARRAY_SIZE(ids); i++)
		if (ids[i] != bsp && nr_possible < limit)
			apic_ids[nr_possible++] = ids[i];
	pr_info("smp: MADT: %u enabled CPU%s, %u usable (at most %u by %s)\n",
		found, found == 1 ? "" : "s", nr_possible, limit,
		limit < MAX_CPUS ? "nr_cpus=" : "MAX_CPUS");
}

static inline uint64_t irq_save(void)
{
	uint64_t flags;

	asm volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

static inline void irq_restore(uint64_t flags)
{
	if (flags & X86_EFLAGS_IF)
		asm volatile("sti" : : : "memory");
}

static void icr_send(uint32_t apic_id, uint32_t lo)
{
	uint64_t flags = irq_save();	/* the two writes are one command */

	while (apic_read(APIC_ICR_LO) & APIC_ICR_BUSY)
		asm volatile("pause");
	apic_write(APIC_ICR_HI, apic_id << 24);
	apic_write(APIC_ICR_LO, lo);
	irq_restore(flags);
}

static void smp_send_ipi(unsigned int cpu, unsigned int vector)
{
	icr_send(apic_ids[cpu], vector);
}

static void delay_us(uint64_t us)
{
	uint64_t end = now_ns() + us * 1000;

	while (now_ns() < end)
		asm volatile("pause");
}

void __noreturn ap_start(void);
void __noreturn ap_start(void)
{
	struct percpu *pc = __atomic_load_n(&ap_booting, __ATOMIC_ACQUIRE);

	/* A late starter from an earlier attempt must not take this one's pages. */
	if (!pc || boot_apic_id() != pc->apic_id)
		halt_forever();
	cpu_init_secondary(pc, ap_pat);
	apic_cpu_enable();
	time_init_secondary();		/* its timer queue's one-shot (common/timer.c) */
	/*
	 * On the hypervisor's tables, no guest loaded yet: flushes skip it
	 * (hv/flushtlb.h) until its first guest, which goes through
	 * arch_switch_from_idle. Else its flush time, from boot, is older
	 * than every stamp and each stamped frame's flush woke it by IPI.
	 */
	__atomic_fetch_or(&tlb_clean_cpus, pc->cpu_bit, __ATOMIC_SEQ_CST);
	__atomic_or_fetch(&online_mask, 1ULL << pc->cpu_id, __ATOMIC_RELEASE);
	sched_idle_loop();
}

/* Low RAM by the memory map, for the trampoline page. */
static bool trampoline_page_is_ram(void)
{
	unsigned int i;

	for (i = 0; i < boot_info.nr_regions; i++) {
		const struct mem_region *r = &boot_info.regions[i];

		if (r->type == 1 && r->start <= TRAMPOLINE_PA &&
		    r->start + r->size >= TRAMPOLINE_PA + PAGE_SIZE)
			return true;
	}
	return false;
}

static bool start_ap(unsigned int cpu)
{
	struct percpu *pc = cpu_percpu_alloc(cpu, apic_ids[cpu]);
	uint64_t deadline;

	if (!pc) {
		pr_warn("smp: no memory for CPU %u\n", cpu);
		return false;
	}
	cpus[cpu] = pc;
	tlbflush_time_of[cpu] = &pc->tlbflush_time;	/* 0: flushed by every flush until its first load */
	ap_boot_stack = pc->stack_top;
	__atomic_store_n(&ap_booting, pc, __ATOMIC_RELEASE);
	icr_send(apic_ids[cpu], APIC_ICR_INIT);
	delay_us(10000);
	icr_send(apic_ids[cpu], APIC_ICR_SIPI | (TRAMPOLINE_PA >> 12));
	delay_us(200);
	icr_send(apic_ids[cpu], APIC_ICR_SIPI | (TRAMPOLINE_PA >> 12));
	/* Generous: under TCG on a loaded host a CPU's first steps are slow. */
	deadline = now_ns() + 5000000000ULL;
	while (!(smp_online_mask() & (1ULL << cpu)))
		if (now_ns() > deadline) {
			pr_warn("smp: CPU %u (APIC id %u) did not start\n", cpu, apic_ids[cpu]);
			return false;
		}
	return true;
}

void smp_boot_aps(void)
{
	extern const uint8_t trampoline_start[], trampoline_end[];
	unsigned int cpu, want = nr_possible;

	if (hv_opts.maxcpus && hv_opts.maxcpus < want)
		want = hv_opts.maxcpus;
	if (want > 1 && !trampoline_page_is_ram()) {
		pr_warn("smp: %#x is not RAM; starting no other CPU\n", TRAMPOLINE_PA);
		want = 1;
	}
	if (want > 1) {
		BUILD_BUG_ON(TRAMPOLINE_PA & (PAGE_SIZE - 1));
		memcpy(maddr_to_virt(TRAMPOLINE_PA), trampoline_start,
		       trampoline_end - trampoline_start);
		ap_boot_cr3 = read_cr3();
		ap_pat = rdmsr(MSR_IA32_PAT);
	}
	for (cpu = 1; cpu < want; cpu++)
		if (!start_ap(cpu))
			break;	/* numbers stay dense: no CPU after a missing one */
	__atomic_store_n(&ap_booting, NULL, __ATOMIC_RELEASE);
	pr_info("smp: %u CPU%s up\n", smp_nr_online(), smp_nr_online() == 1 ? "" : "s");
}

/* ------------------------------------------------------------ calls */

static struct {
	void (*fn)(void *);
	void *arg;
	cpumask_t todo;		/* CPUs still to run fn */
} call;
static unsigned int stopping_cpu;	/* the CPU in smp_stop_others */
static uint32_t call_busy;	/* the slot's owner is filling or waiting */

/* Runs the current call if it is aimed at this CPU. */
static void call_run_mine(void)
{
	cpumask_t me = 1ULL << smp_processor_id();

	if (__atomic_load_n(&call.todo, __ATOMIC_ACQUIRE) & me) {
		call.fn(call.arg);
		__atomic_and_fetch(&call.todo, ~me, __ATOMIC_RELEASE);
	}
}

static uint32_t stopping;
static cpumask_t stopped_mask;

/* This CPU stops for good (smp_stop_others asked). */
static void __noreturn stop_here(void)
{
	__atomic_or_fetch(&stopped_mask, 1ULL << smp_processor_id(), __ATOMIC_RELEASE);
	halt_forever();
}

/*
 * Also where a CPU spinning with interrupts off notices smp_stop_others
 * (its IPI waits for interrupts to come on).
 */
void smp_poll_calls(void)
{
	call_run_mine();
	if (unlikely(__atomic_load_n(&stopping, __ATOMIC_RELAXED)) &&
	    __atomic_load_n(&stopping_cpu, __ATOMIC_RELAXED) != smp_processor_id())
		stop_here();
}

/* hv/spinlock.h: the same, saving every register it uses (a spin loop's call). */
void spin_poll_calls(void)
{
	smp_poll_calls();
}

void smp_send_event_check(unsigned int cpu)
{
	smp_send_ipi(cpu, IPI_EVENT_VECTOR);
}

void smp_send_timer_program(unsigned int cpu)
{
	smp_send_ipi(cpu, IPI_TIMER_VECTOR);
}

void smp_call_function_mask(cpumask_t mask, void (*fn)(void *), void *arg)
{
	unsigned int cpu;

	mask &= smp_online_mask() & ~(1ULL << smp_processor_id());
	if (!mask)
		return;
	while (__atomic_exchange_n(&call_busy, 1, __ATOMIC_ACQUIRE)) {
		call_run_mine();
		asm volatile("pause");
	}
	call.fn = fn;
	call.arg = arg;
	__atomic_store_n(&call.todo, mask, __ATOMIC_RELEASE);
	for (cpu = 0; cpu < MAX_CPUS; cpu++)
		if (mask & (1ULL << cpu))
			smp_send_ipi(cpu, IPI_CALL_VECTOR);
	while (__atomic_load_n(&call.todo, __ATOMIC_ACQUIRE))
		asm volatile("pause");
	__atomic_store_n(&call_busy, 0, __ATOMIC_RELEASE);
}

static uint32_t flushes_answered;	/* flush IPIs run, for the stop report */

static void flush_here(void *unused)
{
	(void)unused;
	write_cr3(read_cr3());
	__atomic_fetch_add(&flushes_answered, 1, __ATOMIC_RELAXED);
}

void smp_flush_tlb_others(cpumask_t mask)
{
	smp_call_function_mask(mask, flush_here, NULL);
}

/* ------------------------------------------------------------ stop */

void smp_stop_others(void)
{
	cpumask_t others = smp_online_mask() & ~(1ULL << smp_processor_id());
	unsigned int cpu, spins;

	if (!others || __atomic_load_n(&stopping, __ATOMIC_RELAXED))
		return;
	__atomic_store_n(&stopping_cpu, smp_processor_id(), __ATOMIC_RELAXED);
	if (__atomic_exchange_n(&stopping, 1, __ATOMIC_ACQ_REL))
		return;
	for (cpu = 0; cpu < MAX_CPUS; cpu++)
		if (others & (1ULL << cpu))
			smp_send_ipi(cpu, IPI_STOP_VECTOR);
	/* Bounded without a clock: this may run before time_init or in a panic. */
	for (spins = 0; spins < 100000000 &&
	     (__atomic_load_n(&stopped_mask, __ATOMIC_ACQUIRE) & others) != others; spins++) {
		asm volatile("pause");
		call_run_mine();	/* one may be waiting for us with interrupts off */
	}
	pr_info("smp: %u of %u other CPU%s stopped\n",
		mask_weight(__atomic_load_n(&stopped_mask, __ATOMIC_ACQUIRE) & others),
		mask_weight(others), mask_weight(others) == 1 ? "" : "s");
}

/* ------------------------------------------------------------ hold */

/*
 * One CPU at a time holds the others (hold_owner, its CPU + 1). Each hold
 * has a generation, in hold_gen while it lasts (0: none); a CPU held
 * writes the generation it saw to its hold_ack and waits until hold_gen
 * changes. The owner counts a CPU held only when its ack is this hold's
 * generation, so a CPU still leaving an earlier hold is never counted.
 *
 * The IPI interrupts a CPU only where its interrupts are on: in guest
 * mode, or in idle time. Both are safe points but for the idle scrubber's
 * batch (mm.c): held there, a CPU waiting for free frames would wait for
 * it, and we for that CPU. Elsewhere the IPI is let go, and resent.
 */
#define HOLD_RESEND_NS	100000ULL		/* 100 us */
#define HOLD_WAIT_NS	5000000000ULL		/* 5 s */

static uint32_t hold_owner, hold_gen, hold_last;
static uint32_t hold_ack[MAX_CPUS];

/* Waits out the hold in force, if any (not our own): we are at a safe point. */
static void hold_wait(void)
{
	unsigned int cpu = smp_processor_id();
	uint32_t gen = __atomic_load_n(&hold_gen, __ATOMIC_ACQUIRE);

	if (!gen || __atomic_load_n(&hold_owner, __ATOMIC_RELAXED) == cpu + 1)
		return;
	ASSERT(spin_debug_holds_none());
	__atomic_store_n(&hold_ack[cpu], gen, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&hold_gen, __ATOMIC_ACQUIRE) == gen) {
		asm volatile("pause");
		smp_poll_calls();
	}
}

void smp_hold_point(void)
{
	if (unlikely(__atomic_load_n(&hold_gen, __ATOMIC_RELAXED)))
		hold_wait();
}

cpumask_t smp_hold_others(void)
{
	unsigned int cpu, me = smp_processor_id();
	cpumask_t others = smp_online_mask() & ~(1ULL << me), waiting = others;
	uint64_t start, resend = 0;
	uint32_t gen, free = 0;

	if (!others)
		return 0;
	ASSERT(spin_debug_holds_none());
	while (!__atomic_compare_exchange_n(&hold_owner, &free, me + 1, false, __ATOMIC_ACQUIRE,
					    __ATOMIC_RELAXED)) {
		/* Another CPU holds the others: we are one of them meanwhile. */
		free = 0;
		hold_wait();
		asm volatile("pause");
		smp_poll_calls();
	}
	if (!++hold_last)
		hold_last = 1;		/* 0 is "no hold" */
	gen = hold_last;
	__atomic_store_n(&hold_gen, gen, __ATOMIC_SEQ_CST);
	start = now_ns();
	for (;;) {
		uint64_t now = now_ns();

		for (cpu = 0; cpu < MAX_CPUS; cpu++)
			if ((waiting & (1ULL << cpu)) &&
			    __atomic_load_n(&hold_ack[cpu], __ATOMIC_SEQ_CST) == gen)
				waiting &= ~(1ULL << cpu);
		if (!waiting || now - start >= HOLD_WAIT_NS)
			return waiting;
		if (now >= resend) {
			for (cpu = 0; cpu < MAX_CPUS; cpu++)
				if (waiting & (1ULL << cpu))
					smp_send_ipi(cpu, IPI_HOLD_VECTOR);
			resend = now + HOLD_RESEND_NS;
		}
		asm volatile("pause");
		smp_poll_calls();	/* a CPU not held yet may wait for our answer */
	}
}

void smp_release_others(void)
{
	if (__atomic_load_n(&hold_owner, __ATOMIC_RELAXED) != smp_processor_id() + 1)
		return;		/* smp_hold_others had no other CPU to hold */
	__atomic_store_n(&hold_gen, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&hold_owner, 0, __ATOMIC_RELEASE);
}

/* IPI_HOLD_VECTOR: held if this is a safe point (see above). */
static void hold_interrupt(bool from_guest)
{
	if (from_guest || (this_cpu()->current == this_cpu()->idle && !scrub_zeroing_here()))
		smp_hold_point();
}

/* ------------------------------------------------------------ debug key */

static void ipi_probe(void *arg)
{
	uint32_t *answer = arg;

	answer[smp_processor_id()] = this_cpu()->apic_id + 1;
}

/* Debug key 'c': each CPU, and whether each other one answers an IPI. */
void smp_dump(void)
{
	uint32_t answer[MAX_CPUS] = { 0 }, done;
	unsigned int cpu, me = smp_processor_id();
	cpumask_t online = smp_online_mask();

	printk(LOG_ERR, "cpus: %u up of %u (max_cpu_id %u), on CPU %u\n", smp_nr_online(),
	       nr_possible, nr_possible - 1, me);
	smp_call_function_mask(online, ipi_probe, answer);
	for (cpu = 0; cpu < nr_possible; cpu++)
		printk(LOG_ERR, "cpu%u: APIC id %u, %s\n", cpu, apic_ids[cpu],
		       cpu == me ? "this CPU" :
		       !(online & (1ULL << cpu)) ? "not started" :
		       answer[cpu] == apic_ids[cpu] + 1 ? "answered an IPI" : "no IPI answer");
	done = __atomic_load_n(&flushes_answered, __ATOMIC_RELAXED);
	smp_flush_tlb_others(online);
	printk(LOG_ERR, "cpus: TLB flushed on %u other CPU%s, flush IPIs answered +%u\n",
	       mask_weight(online & ~(1ULL << me)), mask_weight(online & ~(1ULL << me)) == 1 ? "" : "s",
	       __atomic_load_n(&flushes_answered, __ATOMIC_RELAXED) - done);
}

/* do_exception: the IPI vectors. */
void smp_ipi_interrupt(unsigned int vector, bool from_guest)
{
	if (vector == IPI_STOP_VECTOR)
		stop_here();
	apic_eoi();
	if (vector == IPI_EVENT_VECTOR)
		pending_work_set(PW_SCHED);
	else if (vector == IPI_TIMER_VECTOR)
		timer_program_here();
	else if (vector == IPI_HOLD_VECTOR)
		hold_interrupt(from_guest);
	else
		call_run_mine();
}
