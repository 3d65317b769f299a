/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Forced ahead of every hypervisor source a fake-machine unit test
 * compiles (tests/unit/build.mk): what cannot run in a host process is
 * swapped for fake_machine.c's stand-ins, everything else stays real.
 *
 *   - The direct map moves to FAKE_DIRECTMAP, where fake_machine.c maps
 *     host memory for the fake frames, so mfn_to_virt, frame_va and
 *     virt_to_maddr keep their real arithmetic.
 *   - CR3 reads and loads (a TLB flush) and invlpg are counted instead
 *     of executed.
 *
 * Both headers are include-guarded: the sources' own includes of them
 * are no-ops, and the macros below are seen by the code that follows.
 */
#ifndef UNIT_HOST_ARCH_H
#define UNIT_HOST_ARCH_H

#include <asm/layout.h>
#include <asm/x86.h>

/* Above ASan's shadow (it ends at 0x10007fff7fff), far below the stack. */
#define FAKE_DIRECTMAP		0x200000000000UL
#undef HV_DIRECTMAP_BASE
#define HV_DIRECTMAP_BASE	FAKE_DIRECTMAP

uint64_t fake_read_cr3(void);
void fake_write_cr3(uint64_t v);
#define read_cr3()	fake_read_cr3()
#define write_cr3(v)	fake_write_cr3(v)
void fake_invlpg(uint64_t va);
#define invlpg(va)	fake_invlpg(va)

#endif
