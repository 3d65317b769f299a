/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Decoders for compressed kernel modules, run once at boot on CPU 0
 * before the ELF loader sees the image (Xen 4.17 decompresses dom0 in the
 * hypervisor too: arch/x86/bzimage.c, common/decompress.c).
 */
#ifndef HV_DECOMPRESS_H
#define HV_DECOMPRESS_H

#include <hv/types.h>

/*
 * Decodes one .xz stream of in_len bytes into out (out_size bytes).
 * Returns the bytes written, or -EINVAL (bad or unsupported data,
 * a check mismatch), -ENOSPC (output larger than out_size). Never
 * reads past in + in_len or writes past out + out_size.
 * (hypervisor/common/unxz.c: LZMA2 with an optional x86 BCJ filter,
 * checks none, CRC32 and CRC64; bytes after the first stream's footer are
 * ignored; on -ENOSPC out holds the output's first out_size bytes, the
 * last four perhaps still x86-filtered. Not reentrant: the LZMA state is
 * one static.)
 */
long unxz(const void *in, size_t in_len, void *out, size_t out_size);

#endif
