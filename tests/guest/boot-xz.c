// SPDX-License-Identifier: GPL-2.0-only
/*
 * boot-xz: boot-gzip with both kernels as Linux's CONFIG_KERNEL_XZ build
 * packs its payload (xz with CRC32, the x86 filter and LZMA2, then the
 * decoded size; Xen 4.17 decodes it for dom0 too, reading that size
 * word): hypervisor/common/unxz.c on a whole kernel module.
 * @kernel: xz
 * @domus: self.xz:peer:role=peer
 * @expect-log: d0: kernel module: xz, \d+ bytes decoded(.|\n)*d1: kernel module: xz, \d+ bytes decoded
 */
#include "boot-gzip.c"
