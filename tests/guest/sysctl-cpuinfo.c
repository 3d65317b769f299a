// SPDX-License-Identifier: GPL-2.0-only
/*
 * sysctl-cpuinfo: sysctl getcpuinfo (sysctl.h), each CPU's idle time, as
 * vmtop reads it, on Lamina and on Xen 4.17 alike. Arguments: max_cpus 0
 * answers 0 with no record (the handle unused, even a bad one); a large
 * max_cpus gets one record per CPU (physinfo's max_cpu_id + 1) and no
 * more; a bad handle, and a buffer whose last record runs into an
 * unmapped page, are -EFAULT with nr_cpus not copied back. The figure is
 * real: it grows by about the time dom0 sleeps on a timer, barely while
 * dom0 spins, and never beyond the time since boot. With two CPUs or more
 * dom0's vCPU 0 is pinned to CPU 0 first, whose idle time is the one
 * read: placed elsewhere (sched_spread=1, or Xen's own placement) it
 * would spin on one CPU while CPU 0 idles.
 */
#include "conform.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/physinfo.h"
#include "lib/smp.h"
#include <lamina/sysctl.h>

#define SENTINEL	0xdeadbeefU
#define NAP_NS		200000000ULL	/* 200 ms */

static uint64_t recs[64];

static long getcpuinfo(struct sysctl *op, uint32_t max_cpus, uint64_t info)
{
	memset(op, 0, sizeof(*op));
	op->cmd = SYSCTL_getcpuinfo;
	op->interface_version = SYSCTL_INTERFACE_VERSION;
	op->u.getcpuinfo.max_cpus = max_cpus;
	op->u.getcpuinfo.info = info;
	op->u.getcpuinfo.nr_cpus = SENTINEL;
	return hypercall1(__HYPERVISOR_sysctl, op);
}

/* CPU 0's idle ns, or ~0 when the call fails. */
static uint64_t idle0(void)
{
	struct sysctl op;
	uint64_t t = 0;

	if (getcpuinfo(&op, 1, (uint64_t)&t) || op.u.getcpuinfo.nr_cpus != 1)
		return ~0ULL;
	return t;
}

static int arguments(uint32_t ncpu)
{
	struct sysctl op;
	uint64_t page;
	uint32_t i;
	long rc;

	rc = getcpuinfo(&op, 0, (uint64_t)BADPTR);
	CHECK(rc == 0, "max_cpus 0 gave %ld", rc);
	CHECK(op.u.getcpuinfo.nr_cpus == 0, "max_cpus 0: nr_cpus %u", op.u.getcpuinfo.nr_cpus);

	for (i = 0; i < ARRAY_SIZE(recs); i++)
		recs[i] = ~0ULL;
	rc = getcpuinfo(&op, ARRAY_SIZE(recs), (uint64_t)recs);
	CHECK(rc == 0, "max_cpus %u gave %ld", (unsigned int)ARRAY_SIZE(recs), rc);
	CHECK(op.u.getcpuinfo.nr_cpus == ncpu, "nr_cpus %u, physinfo counts %u",
	      op.u.getcpuinfo.nr_cpus, ncpu);
	for (i = 0; i < ncpu; i++)
		CHECK(recs[i] != ~0ULL, "CPU %u's record not written", i);
	CHECK(recs[ncpu] == ~0ULL, "a record written past the last CPU");

	rc = getcpuinfo(&op, 1, (uint64_t)BADPTR);
	CHECK(rc == -EFAULT, "a handle in the hypervisor's range gave %ld", rc);
	CHECK(op.u.getcpuinfo.nr_cpus == SENTINEL, "bad handle: nr_cpus copied back (%u)",
	      op.u.getcpuinfo.nr_cpus);

	/* The last record's second half lies on a page that is not mapped. */
	page = scratch_page();
	scratch_page();
	CHECK(update_va_mapping(page + 4096, 0, UVMF_INVLPG) == 0, "unmapping a page failed");
	rc = getcpuinfo(&op, ncpu, page + 4096 - 8 * ncpu + 4);
	CHECK(rc == -EFAULT, "a buffer 4 bytes short gave %ld", rc);
	CHECK(op.u.getcpuinfo.nr_cpus == SENTINEL, "short buffer: nr_cpus copied back (%u)",
	      op.u.getcpuinfo.nr_cpus);
	return TEST_PASS;
}

/* Idle time over a sleep on a one-shot timer, then over a spin. */
static int idle_is_real(void)
{
	struct vcpu_set_singleshot_timer t = { 0, 0, 0 };
	evtchn_port_t tp = oneshot_timer_port();
	uint64_t i0, i1, i2, c0, c1, c2;

	CHECK(tp, "binding VIRQ_TIMER failed");
	c0 = pvclock_ns();
	i0 = idle0();
	CHECK(i0 != ~0ULL, "getcpuinfo for CPU 0 failed");
	CHECK(i0 <= c0, "idle %llu ns is more than the %llu ns since boot",
	      (unsigned long long)i0, (unsigned long long)c0);
	t.timeout_abs_ns = c0 + NAP_NS;
	CHECK(hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, &t) == 0,
	      "set_singleshot_timer failed");
	wait_for_port(tp);
	c1 = pvclock_ns();
	i1 = idle0();
	printf("slept %llu ms: idle grew %llu ms\n", (unsigned long long)(c1 - c0) / 1000000,
	       (unsigned long long)(i1 - i0) / 1000000);
	CHECK(i1 >= i0 && i1 - i0 >= NAP_NS * 8 / 10, "idle grew %llu ns over a %llu ns sleep",
	      (unsigned long long)(i1 - i0), (unsigned long long)(c1 - c0));
	CHECK(i1 - i0 <= c1 - c0, "idle grew %llu ns in %llu ns",
	      (unsigned long long)(i1 - i0), (unsigned long long)(c1 - c0));
	while (pvclock_ns() < c1 + NAP_NS)
		;
	c2 = pvclock_ns();
	i2 = idle0();
	printf("spun %llu ms: idle grew %llu ms\n", (unsigned long long)(c2 - c1) / 1000000,
	       (unsigned long long)(i2 - i1) / 1000000);
	CHECK(i2 >= i1 && i2 - i1 <= (c2 - c1) / 10, "idle grew %llu ns while dom0 spun %llu ns",
	      (unsigned long long)(i2 - i1), (unsigned long long)(c2 - c1));
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	struct sysctl op;
	uint32_t ncpu;
	int rc;

	mm_init(si);
	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(physinfo(&op) == 0, "physinfo failed");
	ncpu = op.u.physinfo.max_cpu_id + 1;
	CHECK(ncpu >= 1 && ncpu < ARRAY_SIZE(recs), "physinfo: max_cpu_id %u",
	      op.u.physinfo.max_cpu_id);
	rc = arguments(ncpu);
	if (rc != TEST_PASS)
		return rc;
	if (ncpu > 1)
		CHECK(smp_pin_vcpu(0, 0) == 0, "pinning vCPU 0 to CPU 0 failed");
	return idle_is_real();
}
