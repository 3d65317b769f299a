// SPDX-License-Identifier: GPL-2.0-only
/*
 * boot-lzo: boot-gzip with both kernels as Linux's CONFIG_KERNEL_LZO build
 * packs its payload (`lzop -9` of stdin: the lzop header, LZO1X blocks of
 * 256 KiB with adler32 of each block's output, then the decoded size; Xen
 * 4.17 decodes it for dom0 too, reading that size word):
 * hypervisor/common/unlzo.c on a whole kernel module.
 * @kernel: lzo
 * @domus: self.lzo:peer:role=peer
 * @expect-log: d0: kernel module: lzo, \d+ bytes decoded(.|\n)*d1: kernel module: lzo, \d+ bytes decoded
 */
#include "boot-gzip.c"
