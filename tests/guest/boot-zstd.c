// SPDX-License-Identifier: GPL-2.0-only
/*
 * boot-zstd: boot-gzip with both kernels as Linux's CONFIG_KERNEL_ZSTD
 * build packs its payload (`zstd -22 --ultra`, then the decoded size;
 * Xen 4.17 decodes it for dom0 too, reading that size word; without it
 * Xen panics "Not enough memory to relocate the dom0 kernel image",
 * reading the frame's last bytes as the size): hypervisor/common/unzstd.c
 * on a whole kernel module.
 * @kernel: zstd
 * @domus: self.zst:peer:role=peer
 * @expect-log: d0: kernel module: zstd, \d+ bytes decoded(.|\n)*d1: kernel module: zstd, \d+ bytes decoded
 */
#include "boot-gzip.c"
