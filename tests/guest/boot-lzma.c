// SPDX-License-Identifier: GPL-2.0-only
/*
 * boot-lzma: boot-gzip with both kernels as Linux's CONFIG_KERNEL_LZMA
 * build packs its payload (`lzma -9`: LZMA-alone, magic 5D 00, the size
 * unknown and the end marker, then the decoded size; Xen 4.17 decodes it
 * for dom0 too, reading that size word): hypervisor/common/unlzma.c and
 * the LZMA core it shares with unxz (lzma.c) on a whole kernel module.
 * @kernel: lzma
 * @domus: self.lzma:peer:role=peer
 * @expect-log: d0: kernel module: lzma, \d+ bytes decoded(.|\n)*d1: kernel module: lzma, \d+ bytes decoded
 */
#include "boot-gzip.c"
