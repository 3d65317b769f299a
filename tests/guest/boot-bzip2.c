// SPDX-License-Identifier: GPL-2.0-only
/*
 * boot-bzip2: boot-gzip with both kernels as Linux's CONFIG_KERNEL_BZIP2
 * build packs its payload (bzip2 -9, then the decoded size; Xen 4.17
 * decodes it for dom0 too): hypervisor/common/bunzip2.c on a whole kernel
 * module, its work area taken from frames and given back.
 * @kernel: bzip2
 * @domus: self.bz2:peer:role=peer
 * @expect-log: d0: kernel module: bzip2, \d+ bytes decoded(.|\n)*d1: kernel module: bzip2, \d+ bytes decoded
 */
#include "boot-gzip.c"
