// SPDX-License-Identifier: GPL-2.0-only
/*
 * boot-lz4: boot-gzip with both kernels in lz4's legacy frames and the
 * decoded size after them (lz4 -l, as Linux's CONFIG_KERNEL_LZ4 build
 * makes it; Xen 4.17 decodes it for dom0 too, reading that size word).
 * @kernel: lz4
 * @domus: self.lz4:peer:role=peer
 * @expect-log: d0: kernel module: lz4, \d+ bytes decoded(.|\n)*d1: kernel module: lz4, \d+ bytes decoded
 */
#include "boot-gzip.c"
