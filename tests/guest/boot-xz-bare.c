// SPDX-License-Identifier: GPL-2.0-only
/*
 * boot-xz-bare: the boot-module domU is an xz stream with no decoded size
 * after it (as the `xz` command leaves a file), so the hypervisor finds
 * the size by decoding into ever larger buffers (kimage.c). dom0 is a
 * plain ELF. Not run on Xen: it builds no domains from boot modules, and
 * a dom0 module without the size word is read as that size there.
 * @domus: self.xz-bare:peer:role=peer
 * @expect-log: d1: kernel module: xz, \d+ bytes decoded
 * @xen: skip Xen 4.17 builds no domains from boot modules
 */
#include "boot-gzip.c"
