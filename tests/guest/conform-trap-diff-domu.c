// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-trap-diff-domu: conform-trap-diff's CPU-side sweep (tests/guest/
 * conform-trap-diff.c, every case and line of it) made by an unprivileged
 * domU, for what a domU's instructions meet where dom0's differ: no I/O
 * ports of its own (in and out under each IOPL, the I/O bitmap and
 * architectural IOPL), a domU's MSRs, its debug registers, its trap
 * frames and events; then lines of its own, the CPUID leaves its kernel
 * reads through the forced-emulation prefix (domu_cpuid).
 *
 * dom0 builds the domU at run time from its own initrd (this ELF, "@initrd:
 * self"), with lib/peer.c, the same way on Lamina and on Xen 4.17: 16 MiB,
 * one vCPU, a console page. The domU makes the sweep and prints its
 * "D <index> ..." lines to that page (Xen's release build drops a domU's
 * console_io); dom0 copies them to its own console, each prefixed
 * "(d<N>) ", until the domU has shut down, then destroys it. The domU waits
 * for room in the page as long as dom0 takes. tests/run/conform-diff
 * --guest conform-trap-diff-domu compares the lines with Xen 4.17's
 * (conform-trap-diff-domu.golden).
 *
 * dom0 passes once the domU has powered off (a domU whose sweep could not
 * start crashes); the comparison is the runner's.
 * @initrd: self
 * @timeout: 400
 */
#define test_main conform_trap_sweep
#include "conform-trap-diff.c"
#undef test_main
#include "lib/peer_sweep.h"

/*
 * ---- the domU's own lines, after the sweep's ----------------------------
 * The CPUID leaves a domU's kernel reads through the forced-emulation
 * prefix (ud2; "xen"; cpuid), which the hypervisor answers from the
 * domain's policy: the basic and extended leaves and the hypervisor's
 * own (0x40000000-6 and 0x40000100). Of the time leaf, subleaf 0's
 * flags and TSC mode only: its frequency and incarnation and subleaves 1
 * and 2 are times.
 */
static void fcpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	asm volatile(".byte 0x0f, 0x0b, 0x78, 0x65, 0x6e; cpuid"
		     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(leaf), "c"(sub));
}

static void domu_cpuid(void)
{
	static const struct { uint32_t leaf, sub; } q[] = {
		{ 0, 0 }, { 1, 0 }, { 2, 0 }, { 5, 0 }, { 6, 0 }, { 7, 0 }, { 7, 1 },
		{ 0xb, 0 }, { 0xd, 0 }, { 0xd, 1 }, { 0xd, 2 }, { 0xd, 3 }, { 0x14, 0 },
		{ 0x80000000, 0 }, { 0x80000001, 0 }, { 0x80000002, 0 }, { 0x80000007, 0 },
		{ 0x80000008, 0 }, { 0x8000000a, 0 }, { 0x80000021, 0 },
		{ 0x40000000, 0 }, { 0x40000001, 0 }, { 0x40000002, 0 }, { 0x40000003, 0 },
		{ 0x40000004, 0 }, { 0x40000005, 0 }, { 0x40000006, 0 }, { 0x40000100, 0 },
	};
	uint32_t r[4];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(q); i++) {
		fcpuid(q[i].leaf, q[i].sub, r);
		if (q[i].leaf == 0x40000003)
			printf("D %u fcpuid-%#x.%u k eax=%#x ebx=%#x\n", line++, q[i].leaf, q[i].sub,
			       r[0], r[1]);
		else
			printf("D %u fcpuid-%#x.%u k eax=%#x ebx=%#x ecx=%#x edx=%#x\n", line++,
			       q[i].leaf, q[i].sub, r[0], r[1], r[2], r[3]);
	}
	printf("conform-trap-diff-domu: %u lines\n", line);
}

int test_main(struct start_info *si)
{
	return peer_sweep_main(si, "conform-trap-diff-domu", conform_trap_sweep, domu_cpuid);
}
