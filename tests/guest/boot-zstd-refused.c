// SPDX-License-Identifier: GPL-2.0-only
/*
 * boot-zstd-refused: dom0's kernel module is this guest's ELF compressed
 * with zstd (the decoded size after it, as Linux's build appends it), a
 * format Xen 4.17 decodes and Lamina refuses (bzip2, lzma, lzo and zstd:
 * docs/abi-core.md §1.1). On Xen this module boots (tried by hand on 6
 * Dec; without the size word Xen panics "Not enough memory to relocate
 * the dom0 kernel image", reading the frame's last bytes as the size). The console must name the
 * format and the boot end as a failed dom0 build, not a crash. (A
 * refused-format module after dom0's is not told from a ramdisk: it
 * becomes dom0's or the previous domU's initrd, as a zstd initramfs must.)
 * @kernel: zstd
 * @expect: build-failed
 * @expect-log: d0: cannot use the kernel module: it is zstd-compressed; Lamina decodes [a-z0-9, ]+ only
 * @xen: skip Xen 4.17 decodes a zstd dom0: the difference checked here
 */
#include "lib/guest.h"

int test_main(struct start_info *si)
{
	return fail("a zstd dom0 was built and ran");
}
