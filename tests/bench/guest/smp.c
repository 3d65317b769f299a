// SPDX-License-Identifier: GPL-2.0-only
/*
 * smp: what crossing CPUs costs (issue 21). Booted on two CPUs (QEMU
 * -smp 2, dom0_max_vcpus=2) with a peer domain (this guest again,
 * unprivileged, one vCPU), as tests/bench/run-bench --smp 2 runs it.
 * dom0 pins its vCPU 0 to CPU 0 and the peer's vCPU 0 to CPU 1
 * (DOMCTL_setvcpuaffinity, what vmctl vcpu-pin makes), so the two
 * domains never share a CPU. Per operation, median over the blocks:
 *   xcpu_rtt_block    interdomain round trip, each side waiting in
 *                     SCHEDOP_block (events on, an upcall each side): a
 *                     send wakes a vCPU blocked on the other CPU (an IPI,
 *                     that CPU leaving its idle loop)
 *   xcpu_rtt_poll     the same with events masked, each side waiting in
 *                     SCHEDOP_poll on the port
 *   xcpu_rtt_spin     the same, each side spinning on the pending bit
 *                     (pause in the loop, events masked): no blocking
 *                     and no wake, the sends and the cache line alone
 * Then dom0's vCPU 1 comes up, pinned to CPU 1 (the peer sits blocked
 * there), and vCPU 0 flushes TLBs, the operations Linux uses for a
 * shootdown of a two-vCPU mm:
 *   tlb_flush_local        MMUEXT_TLB_FLUSH_LOCAL (the one-CPU baseline)
 *   tlb_flush_multi_spin   MMUEXT_TLB_FLUSH_MULTI naming vCPU 1, which
 *                          spins in the guest on CPU 1 (pause in the loop)
 *   invlpg_multi_spin      MMUEXT_INVLPG_MULTI of one page, the same mask
 *   uvm_invlpg_multi_spin  update_va_mapping of one PTE (rewritten with
 *                          its own value) with UVMF_INVLPG and a vcpumask
 *                          naming vCPUs 0 and 1
 *   *_idle                 the three again with vCPU 1 asleep in
 *                          SCHEDOP_poll, CPU 1 halted in its idle loop
 * Both hypervisors keep a CPU in the domain's flush mask once a vCPU of
 * it ran there (Xen switches lazily, Lamina never clears the bit), so the
 * idle cases still interrupt CPU 1. Under -icount QEMU runs the two CPUs
 * round-robin in one thread: the TSC counts the instructions of both
 * CPUs; a `pause` or an IPI hands the thread to the other CPU, a halt
 * until an interrupt costs the instructions it takes to get there.
 * NOTE lines say where the vCPUs ran (getvcpuinfo).
 * Output: BENCH <name> <median> <min> <max> <operations>
 */
#include "../../guest/lib/guest.h"
#include "../../guest/lib/events.h"
#include "../../guest/lib/bench.h"
#include "../../guest/lib/mm.h"
#include "../../guest/lib/peer.h"
#include "../../guest/lib/smp.h"

#define BLOCKS		100
#define PER_BLOCK	10
#define WARMUP		20
#define ROUNDS		(WARMUP + BLOCKS * PER_BLOCK)
#define STACK_SIZE	8192

static uint64_t samples[BLOCKS];
static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile unsigned int mode1;	/* vCPU 1: 0 spin, 1 poll asleep */
static volatile unsigned long spins1;
static evtchn_port_t wake1;		/* IPI port to vCPU 1 */

static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}

static long domctl(struct domctl *op, uint32_t cmd, domid_t dom)
{
	op->cmd = cmd;
	op->interface_version = DOMCTL_INTERFACE_VERSION;
	op->domain = dom;
	return hypercall1(__HYPERVISOR_domctl, op);
}

/* Pins dom's vCPU to one CPU (a hard affinity of that CPU alone). */
static long pin(domid_t dom, unsigned int vcpu, unsigned int cpu)
{
	uint8_t hard[8] = { 0 }, soft[8] = { 0xff };
	struct domctl op;

	memset(&op, 0, sizeof(op));
	hard[cpu / 8] = 1 << (cpu % 8);
	op.u.vcpuaffinity.vcpu = vcpu;
	op.u.vcpuaffinity.flags = VCPUAFFINITY_HARD;
	op.u.vcpuaffinity.cpumap_hard.bitmap = (uint64_t)hard;
	op.u.vcpuaffinity.cpumap_hard.nr_bits = 64;
	op.u.vcpuaffinity.cpumap_soft.bitmap = (uint64_t)soft;
	op.u.vcpuaffinity.cpumap_soft.nr_bits = 8;
	return domctl(&op, DOMCTL_setvcpuaffinity, dom);
}

/* The CPU dom's vCPU last ran on, or -1. */
static int cpu_of(domid_t dom, unsigned int vcpu)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	op.u.getvcpuinfo.vcpu = vcpu;
	if (domctl(&op, DOMCTL_getvcpuinfo, dom))
		return -1;
	return (int)op.u.getvcpuinfo.cpu;
}

static void poll_port(evtchn_port_t p)
{
	struct sched_poll sp = { .ports = (uint64_t)&p, .nr_ports = 1 };

	while (!port_test_and_clear(p))
		HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
}

static void spin_port(evtchn_port_t p)
{
	while (!port_test_and_clear(p))
		cpu_relax();
}

static int peer(void)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, 0, 0 };
	unsigned int i;

	hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0);
	CHECK(evtchn_op(EVTCHNOP_alloc_unbound, &au) == 0, "alloc_unbound failed");
	for (i = 0; i < ROUNDS; i++) {
		wait_for_port(au.port);
		evtchn_send(au.port);
	}
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	for (i = 0; i < ROUNDS; i++) {
		poll_port(au.port);
		evtchn_send(au.port);
	}
	for (i = 0; i < ROUNDS; i++) {
		spin_port(au.port);
		evtchn_send(au.port);
	}
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
	return TEST_ERROR;
}

/* dom0's vCPU 1: spins (mode 0) or sleeps in poll on its IPI port (mode 1). */
static void __attribute__((noreturn, used)) vcpu1(unsigned long id)
{
	struct sched_poll sp = { .ports = (uint64_t)&wake1, .nr_ports = 1 };

	(void)id;
	for (;;) {
		if (mode1 == 0) {
			spins1++;
			cpu_relax();
		} else {
			port_test_and_clear(wake1);
			if (mode1 == 1)
				HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
		}
	}
}

static int rtt(struct start_info *si, int id)
{
	struct evtchn_bind_interdomain bi = { .remote_dom = (domid_t)id, .remote_port = 1 };
	unsigned int tries = 0;
	evtchn_port_t port;
	long rc;

	(void)si;
	while ((rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi)) == -EINVAL &&
	       peer_wait_more(&tries, 1000))
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	CHECK(rc == 0, "bind_interdomain to d%d port 1 gave %ld", id, rc);
	port = bi.local_port;
	port_test_and_clear(port);

	BENCH_ROUND_TRIPS("xcpu_rtt_block", samples, BLOCKS, PER_BLOCK, WARMUP, port,
			  wait_for_port);
	printf("NOTE xcpu_rtt: dom0's vCPU 0 on CPU %d, the peer's on CPU %d\n", cpu_of(0, 0),
	       cpu_of((domid_t)id, 0));
	BENCH_ROUND_TRIPS("xcpu_rtt_poll", samples, BLOCKS, PER_BLOCK, WARMUP, port, poll_port);
	BENCH_ROUND_TRIPS("xcpu_rtt_spin", samples, BLOCKS, PER_BLOCK, WARMUP, port, spin_port);
	return TEST_PASS;
}

static long mmuext_mask(unsigned int cmd, uint64_t va, uint64_t *mask)
{
	struct mmuext_op op = { .cmd = cmd, .arg1.linear_addr = va,
				.arg2.vcpumask = (uint64_t)mask };

	return hypercall5(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF, 0);
}

static int flushes(struct start_info *si)
{
	static uint64_t one = 2, both = 3;	/* vCPU 1; vCPUs 0 and 1 */
	struct evtchn_bind_ipi bi = { 1, 0 };
	uint64_t va = scratch_page(), pte = (va_to_mfn(va) << 12) | PTE_DATA;
	unsigned int pass;
	unsigned long before;
	long rc;

	*(volatile uint64_t *)va = 1;		/* in the TLB */
	CHECK(evtchn_op(EVTCHNOP_bind_ipi, &bi) == 0, "bind_ipi to vCPU 1 failed");
	wake1 = bi.port;
	shared->vcpu_info[1].evtchn_upcall_mask = 1;
	rc = smp_start_vcpu(si, 1, vcpu1, stack1, sizeof(stack1));
	CHECK(rc == 0, "starting vCPU 1: %ld", rc);
	CHECK(pin(0, 1, 1) == 0, "pinning vCPU 1 to CPU 1 failed");
	before = spins1;
	while (spins1 < before + 100 || cpu_of(0, 1) != 1)
		cpu_relax();
	CHECK(mmuext_mask(MMUEXT_TLB_FLUSH_MULTI, 0, &one) == 0, "TLB_FLUSH_MULTI failed");
	CHECK(mmuext_mask(MMUEXT_INVLPG_MULTI, va, &one) == 0, "INVLPG_MULTI failed");
	CHECK(update_va_mapping(va, pte, UVMF_INVLPG | (uint64_t)&both) == 0,
	      "update_va_mapping with a vcpumask failed");
	BENCH_MEASURE("tlb_flush_local", samples, BLOCKS, PER_BLOCK,
		      mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0));
	for (pass = 0; pass < 2; pass++) {
		const char *how = pass ? "idle" : "spin";
		char name[40];

		if (pass) {
			mode1 = 1;
			for (before = 0; before < 1000; before++)	/* let it fall asleep */
				cpu_relax();
		}
		snprintf(name, sizeof(name), "tlb_flush_multi_%s", how);
		BENCH_MEASURE(name, samples, BLOCKS, PER_BLOCK,
			      mmuext_mask(MMUEXT_TLB_FLUSH_MULTI, 0, &one));
		snprintf(name, sizeof(name), "invlpg_multi_%s", how);
		BENCH_MEASURE(name, samples, BLOCKS, PER_BLOCK,
			      mmuext_mask(MMUEXT_INVLPG_MULTI, va, &one));
		snprintf(name, sizeof(name), "uvm_invlpg_multi_%s", how);
		BENCH_MEASURE(name, samples, BLOCKS, PER_BLOCK,
			      update_va_mapping(va, pte, UVMF_INVLPG | (uint64_t)&both));
	}
	printf("NOTE tlb: dom0's vCPU 0 on CPU %d, vCPU 1 on CPU %d (%lu spins)\n", cpu_of(0, 0),
	       cpu_of(0, 1), spins1);
	mode1 = 2;			/* awake, quiet */
	evtchn_send(wake1);
	CHECK(vcpu_op(VCPUOP_down, 1, NULL) == 0, "down of vCPU 1 failed");
	return TEST_PASS;
}

static int dom0_side(struct start_info *si)
{
	int id;

	if (vcpu_op(VCPUOP_is_up, 1, NULL) == -ENOENT)
		return skip("one vCPU only (run with dom0_max_vcpus=2 on two CPUs)");
	hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0);
	id = peer_start(si, "role=peer", 16);
	CHECK(id > 0, "the peer domain could not be started (%d)", id);
	CHECK(pin(0, 0, 0) == 0, "pinning dom0's vCPU 0 to CPU 0 failed");
	CHECK(pin((domid_t)id, 0, 1) == 0, "pinning d%d's vCPU 0 to CPU 1 failed", id);
	CHECK(rtt(si, id) == TEST_PASS, "round trips");
	return flushes(si);
}

int test_main(struct start_info *si)
{
	return peer_or_dom0(si, peer, dom0_side);
}
