// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-msr-sweep-intel: conform-msr-sweep on QEMU's Intel model
 * (Haswell-noTSX under TCG), for the vendor's branch of Xen 4.17's MSR
 * and CPUID answers: the same sweep and checks (expect_msr and
 * expect_cpuid take Intel's rows from CPUID's vendor).
 * @qemu: -cpu Haswell-noTSX
 * @domus: self:peer:role=peer
 */
#include "conform-msr-sweep.c"
