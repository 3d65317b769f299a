// SPDX-License-Identifier: GPL-2.0-only
/*
 * smp-cpus: the machine's CPUs as dom0 sees them, on however many CPUs
 * QEMU has ("cpus=" on the command line, the runner's --smp). physinfo's
 * nr_cpus is that count and max_cpu_id one less, as on Xen 4.17 under the
 * same QEMU; getcpuinfo has a record for each CPU, and each other CPU's
 * idle time grows while dom0 spins on CPU 0 (it is up, and idle). On
 * Lamina, debug key 'c' asks every other CPU to answer an IPI and to
 * flush its TLB (smp_flush_tlb_others); the console lines say which did, and with more than one CPU the runner
 * also expects the AP start-up line and, at power-off, the stop of the
 * others (smp_stop_others).
 * @cmdline: cpus={smp}
 * @expect-log-smp: (?s)smp: \d+ CPUs up.*cpu1: APIC id \d+, answered an IPI.*cpus: TLB flushed on (\d+) other CPUs?, flush IPIs answered \+\1\n.*smp: \1 of \1 other CPUs? stopped
 */
#include "lib/guest.h"
#include "lib/physinfo.h"
#include "lib/events.h"

#define SPIN_NS		100000000ULL	/* 100 ms of guest time */

static uint64_t idle[64], idle2[64];

static long getcpuinfo(uint64_t *recs, uint32_t max)
{
	struct sysctl op;

	memset(&op, 0, sizeof(op));
	op.cmd = SYSCTL_getcpuinfo;
	op.interface_version = SYSCTL_INTERFACE_VERSION;
	op.u.getcpuinfo.max_cpus = max;
	op.u.getcpuinfo.info = (uint64_t)recs;
	if (hypercall1(__HYPERVISOR_sysctl, &op))
		return -1;
	return op.u.getcpuinfo.nr_cpus;
}

static unsigned int cpus_asked(const char *cmdline)
{
	const char *p = cmdline;
	unsigned int n = 0;

	while (*p && memcmp(p, "cpus=", 5))
		p++;
	for (p = *p ? p + 5 : p; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (*p - '0');
	return n;
}

int test_main(struct start_info *si)
{
	unsigned int want = cpus_asked(si->cmd_line), i;
	struct sysctl op;
	uint64_t t0;
	long n;

	CHECK(want >= 1 && want <= 64, "no cpus=<n> on the command line");
	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(physinfo(&op) == 0, "physinfo failed");
	printf("physinfo: nr_cpus %u, max_cpu_id %u\n", op.u.physinfo.nr_cpus,
	       op.u.physinfo.max_cpu_id);
	CHECK(op.u.physinfo.nr_cpus == want, "nr_cpus %u on %u CPUs", op.u.physinfo.nr_cpus, want);
	CHECK(op.u.physinfo.max_cpu_id == want - 1, "max_cpu_id %u on %u CPUs",
	      op.u.physinfo.max_cpu_id, want);

	n = getcpuinfo(idle, 64);
	CHECK(n == want, "getcpuinfo: %ld records on %u CPUs", n, want);
	t0 = pvclock_ns();
	while (pvclock_ns() < t0 + SPIN_NS)
		;
	CHECK(getcpuinfo(idle2, 64) == n, "getcpuinfo changed its count");
	for (i = 1; i < want; i++) {
		printf("cpu%u: idle %llu ms more over %llu ms\n", i,
		       (unsigned long long)(idle2[i] - idle[i]) / 1000000,
		       (unsigned long long)SPIN_NS / 1000000);
		CHECK(idle2[i] > idle[i] && idle2[i] - idle[i] >= SPIN_NS / 2,
		      "CPU %u idled %llu ns of %llu", i,
		      (unsigned long long)(idle2[i] - idle[i]), SPIN_NS);
	}
	if (on_lamina()) {
		char key = 'c';

		memset(&op, 0, sizeof(op));
		op.cmd = SYSCTL_debug_keys;
		op.interface_version = SYSCTL_INTERFACE_VERSION;
		op.u.debug_keys.keys = (uint64_t)&key;
		op.u.debug_keys.nr_keys = 1;
		CHECK(hypercall1(__HYPERVISOR_sysctl, &op) == 0, "debug key 'c' failed");
	}
	return TEST_PASS;
}
