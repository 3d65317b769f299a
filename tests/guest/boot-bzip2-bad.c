// SPDX-License-Identifier: GPL-2.0-only
/*
 * boot-bzip2-bad: boot-gzip-bad with the boot-module domU a bzip2 of this
 * guest in 100 kB blocks (bzip2 -1) with its stream CRC flipped, so its
 * first block decodes to an ELF (a kernel, not an initrd) but the whole
 * fails its check. The hypervisor must refuse it with a
 * line naming the problem, start no d1, and give back the frames it
 * decoded into and bzip2's work area.
 * @domus: self.bz2-bad:bad:role=bad
 * @expect-log: d1: cannot use the bzip2 kernel module: the compressed data is corrupt or truncated
 * @xen: skip Xen 4.17 builds no domains from boot modules on x86
 */
#include "boot-gzip-bad.c"
