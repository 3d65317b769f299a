// SPDX-License-Identifier: GPL-2.0-only
/*
 * The LZMA-alone decoder ("lzma -9", "xz --format=lzma": the format of
 * Linux's CONFIG_KERNEL_LZMA), written from the format's description:
 *
 *   byte 0      the properties, (pb * 5 + lp) * 9 + lc;
 *   bytes 1-4   the dictionary size (not read: the output is the dictionary);
 *   bytes 5-12  the decoded size, little-endian, all ones for "not known,
 *               the end marker ends the data";
 *   then the LZMA data: a range coder (its first byte, always 0 from an
 *   encoder, is not checked, as Xen does not) and the symbols, decoded by
 *   the LZMA core that unxz.c's LZMA2 uses too (lzma.c).
 *
 * With a known size the data ends there (an end marker may follow, as
 * liblzma now accepts); without one, at the end marker. Either way the
 * range coder's code must then be 0 (liblzma's check) and the input not
 * overrun; bytes after the data (Linux's appended size word) are not read.
 * lc + lp above 4 is refused (liblzma's rule too); Xen's magic 5D 00
 * (lc 3, lp 0, pb 2) is the only module that reaches here anyway.
 */
#include "lzma.h"
#include <hv/decompress.h>
#include <lamina/errno.h>

#define LZMA_HDR	13

long unlzma(const void *in, size_t in_len, void *out, size_t out_size)
{
	const uint8_t *h = in;
	struct lz *z = &lzma_lz;
	uint64_t usize;
	size_t end;
	struct rc rc;
	bool known, cut = false;
	int ret;

	if (in_len < LZMA_HDR + 5 || lz_props(z, h[0]))
		return -EINVAL;
	usize = dec_le32(h + 5) | (uint64_t)dec_le32(h + 9) << 32;
	known = usize != UINT64_MAX;
	if (known && usize > KIMAGE_MAX_OUT)
		return -EINVAL;		/* more than any module may decode to */
	z->dict = out;
	z->pos = 0;
	lz_reset_state(z);
	rc.range = UINT32_MAX;
	rc.code = dec_be32(h + LZMA_HDR + 1);
	rc.in = h + LZMA_HDR + 5;
	rc.end = h + in_len;
	rc.overrun = false;
	end = out_size;
	if (known && usize <= out_size)
		end = usize;
	else
		cut = true;
	ret = lz_run(z, &rc, end, cut);
	if (ret < 0 && ret != -ENOSPC)
		return ret;
	if (rc.overrun)
		return -EINVAL;
	if (ret == -ENOSPC)
		return -ENOSPC;
	if (ret != LZ_EOS) {
		/* z->pos == end: the data's end, or the output's. */
		if (known && usize > out_size)
			return -ENOSPC;
		rc_normalize(&rc);
		if (rc.overrun)
			return -EINVAL;
		if (!known || rc.code) {
			if (!lz_end_marker(z, &rc))
				return !known ? -ENOSPC : -EINVAL;
		}
	} else if (known && z->pos != usize) {
		return -EINVAL;		/* the end marker before the stated size */
	}
	rc_normalize(&rc);	/* the bits take a byte before use: the last one */
	if (rc.overrun || rc.code)
		return -EINVAL;
	return (long)z->pos;
}
