// SPDX-License-Identifier: GPL-2.0-only
/*
 * The .xz decoder for kernel modules (Debian's vmlinuz carries its ELF as
 * .xz: x86 BCJ then LZMA2, CRC32 check), written from the .xz file format
 * specification (1.1.0) and the LZMA algorithm.
 *
 * Single-call: the whole input and the whole output buffer are given, and
 * the output buffer is the dictionary, so nothing is allocated. The only
 * state beyond the stack is one static (the LZMA probabilities, ~28 KiB,
 * lzma.c's lzma_lz):
 * the decoder runs once at boot on CPU 0 and is not reentrant.
 *
 * The layers, outside in:
 *   stream   header (magic, flags, CRC32), blocks, index, footer; what
 *            follows the footer (stream padding, Linux's appended size) is
 *            not read;
 *   block    header (CRC32, filter chain [x86 BCJ,] LZMA2, optional sizes
 *            checked), LZMA2 data, padding to 4 bytes, the check (none,
 *            CRC32 or CRC64; others, SHA-256 included, are refused);
 *   LZMA2    chunks: uncompressed (with or without a dictionary reset) and
 *            LZMA (state, property and dictionary resets), each LZMA chunk
 *            a fresh range coder that must end exactly at the chunk's
 *            packed size with its code 0;
 *   LZMA     literals, matches and the four repeat distances over a range
 *            coder with 11-bit probabilities (lzma.c, shared with the
 *            LZMA-alone decoder unlzma.c);
 *   BCJ      the x86 call/jump filter, run over the block's whole output
 *            once the block is decoded (the block is in the buffer).
 *
 * The index is parsed fully and checked loosely: its record count and the
 * sums of its unpadded and uncompressed sizes must match the blocks
 * decoded, its padding must be zero and its CRC32 right.
 *
 * Safety: every input read is against in_len (the range coder's input
 * ends at its chunk; reading past it feeds zeros, sets a flag, and the
 * chunk is refused), every output write is below the current chunk's
 * limit, itself at most out_size, and every match distance is below the
 * bytes written since the last dictionary reset.
 *
 * Speed matters (it runs at every boot, under TCG too): Debian 6.1's
 * payload, 7.7 MiB to 63 MiB, takes 3.24 G instructions on the host where
 * liblzma's `xz -dc` takes 3.67 G (cachegrind); CRC32 and the filter's
 * E8/E9 scan go 8 bytes a step, which took 0.7 G off. With the LZMA core
 * in lzma.c (lc and lp copied to locals in its loop), built with the
 * hypervisor's flags, 3.17 G where it was 3.24 G; 3167 ms under -icount
 * at boot where it was 3238 ms.
 */
#include "lzma.h"
#include <hv/decompress.h>
#include <hv/string.h>
#include <lamina/errno.h>


/* ---- CRC32 (the .xz headers and check 1: crc32_update) and CRC64 (check 4) ---- */

static uint64_t crc64_tab[256];

/* The reflected table of ECMA-182's CRC64 polynomial. */
static void crc_tables(void)
{
	unsigned i, k;

	if (crc64_tab[1])
		return;
	for (i = 0; i < 256; i++) {
		uint64_t d = i;

		for (k = 0; k < 8; k++)
			d = (d >> 1) ^ (d & 1 ? 0xc96c5795d7870f42ull : 0);
		crc64_tab[i] = d;
	}
}


static uint64_t xz_crc64(const uint8_t *p, size_t n)
{
	uint64_t c = ~0ull;

	while (n--)
		c = crc64_tab[(c ^ *p++) & 0xff] ^ (c >> 8);
	return ~c;
}

/* ---- LZMA2 (the LZMA decoder itself: lzma.c) ---- */

#define lz lzma_lz

struct xz {
	const uint8_t *in;
	size_t in_len, ip;	/* ip: the next byte to read */
	uint8_t *out;
	size_t out_size, op;	/* op: bytes written */
};

/* An LZMA chunk of csize bytes at x->ip giving usize bytes. */
static int lzma2_lzma(struct xz *x, size_t usize, size_t csize)
{
	size_t avail = x->out + x->out_size - lz.dict, end = lz.pos + usize;
	struct rc rc;
	bool cut = false;
	int ret;

	if (csize < 5 || x->in[x->ip] != 0)
		return -EINVAL;
	rc.range = UINT32_MAX;
	rc.code = dec_be32(x->in + x->ip + 1);
	rc.in = x->in + x->ip + 5;
	rc.end = x->in + x->ip + csize;
	rc.overrun = false;
	if (end > avail) {
		end = avail;
		cut = true;
	}
	ret = lz_run(&lz, &rc, end, cut);
	x->op = lz.dict + lz.pos - x->out;
	rc_normalize(&rc);	/* the bits take a byte before use: the last one */
	if (rc.overrun)
		return -EINVAL;
	if (ret == LZ_EOS)
		return -EINVAL;	/* LZMA2 has no end marker */
	if (ret || cut)
		return ret ? ret : -ENOSPC;
	if (rc.in != rc.end || rc.code != 0)
		return -EINVAL;
	x->ip += csize;
	return 0;
}

/* An uncompressed chunk of n bytes at x->ip. */
static int lzma2_copy(struct xz *x, size_t n)
{
	size_t room = x->out_size - x->op;

	if (n > x->in_len - x->ip)
		return -EINVAL;
	if (n > room) {
		if (room)	/* out may be NULL when out_size is 0 */
			memcpy(x->out + x->op, x->in + x->ip, room);
		x->op = x->out_size;
		return -ENOSPC;
	}
	memcpy(x->out + x->op, x->in + x->ip, n);
	x->op += n;
	lz.pos += n;
	x->ip += n;
	return 0;
}

/*
 * One block's LZMA2 data, from x->ip to its end byte 0, output at x->op.
 * Control byte: 0 the end; 1 and 2 an uncompressed chunk with and without
 * a dictionary reset; 0x80 + (reset << 5) + bits 16..20 of the unpacked
 * size less one an LZMA chunk, reset 0 none, 1 the state, 2 the state and
 * new properties, 3 those and the dictionary.
 */
static int lzma2_block(struct xz *x)
{
	bool need_dict = true, need_props = true;
	size_t usize, csize;
	unsigned c;
	int ret;

	for (;;) {
		if (x->ip >= x->in_len)
			return -EINVAL;
		c = x->in[x->ip++];
		if (c == 0)
			return 0;
		if (c > 2 && c < 0x80)
			return -EINVAL;
		if (c >= 0xe0 || c == 1) {
			need_props = true;
			need_dict = false;
			lz.dict = x->out + x->op;
			lz.pos = 0;
		} else if (need_dict) {
			return -EINVAL;
		}
		if (c < 0x80) {
			if (x->in_len - x->ip < 2)
				return -EINVAL;
			usize = ((size_t)x->in[x->ip] << 8 | x->in[x->ip + 1]) + 1;
			x->ip += 2;
			ret = lzma2_copy(x, usize);
			if (ret)
				return ret;
			continue;
		}
		if (x->in_len - x->ip < 4u + (c >= 0xc0))
			return -EINVAL;
		usize = ((size_t)(c & 0x1f) << 16 | (size_t)x->in[x->ip] << 8 |
			 x->in[x->ip + 1]) + 1;
		csize = ((size_t)x->in[x->ip + 2] << 8 | x->in[x->ip + 3]) + 1;
		x->ip += 4;
		if (c >= 0xc0) {
			if (lz_props(&lz, x->in[x->ip++]))
				return -EINVAL;
			need_props = false;
		} else if (need_props) {
			return -EINVAL;
		}
		if (c >= 0xa0)
			lz_reset_state(&lz);
		if (csize > x->in_len - x->ip)
			return -EINVAL;
		ret = lzma2_lzma(x, usize, csize);
		if (ret)
			return ret;
	}
}

/* ---- x86 BCJ ---- */

static bool bcj_ms_byte(uint8_t b)
{
	return b == 0 || b == 0xff;
}

/*
 * Undoes the x86 filter over a block's output buf[0, len), whose first
 * byte sits at position start. The encoder turned the relative 32-bit
 * operand of an E8 (call) or E9 (jmp) into an absolute one (operand plus
 * the position after the instruction) when the operand's top byte is 00
 * or FF, unless recent E8/E9 bytes it left alone make the spot doubtful:
 * op and ms are bitmaps of the E8/E9 bytes 1..3 bytes back (bit d for
 * d bytes, bit 0 the last E8/E9 seen) that were left alone, ms those whose
 * operand's top byte was 00 or FF. One such byte is allowed, none with an
 * 00/FF top byte. When it sits d bytes back and the decoded operand's
 * byte 3 - d (the one under that byte's top byte) came out 00 or FF, the
 * encoder had flipped the bits below it: flip, subtract again. A second
 * flip is never due: that byte is now the complement of the stored one,
 * which ms says is not 00 or FF. The last four bytes are never a start.
 */
/*
 * The first E8 or E9 in buf[i, end), else end: eight bytes a step while
 * they fit (setting bit 0 makes both E9; a byte of the xor is then 0).
 */
static size_t bcj_next(const uint8_t *buf, size_t i, size_t end)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t w;

	if (i >= end)		/* past a converted call near the end */
		return end;
	for (; end - i >= 8; i += 8) {
		__builtin_memcpy(&w, buf + i, 8);
		w = (w | ones) ^ (ones * 0xe9);
		if ((w - ones) & ~w & (ones << 7))
			break;
	}
	while (i < end && (buf[i] & 0xfe) != 0xe8)
		i++;
	return i;
}

static void bcj_x86(uint8_t *buf, size_t len, uint32_t start)
{
	unsigned op = 0, ms = 0, gap;
	size_t i = 0, last = 0;
	uint32_t at, v, mask;
	uint8_t *p;

	if (len < 5)
		return;
	for (;;) {
		i = bcj_next(buf, i, len - 4);
		if (i == len - 4)
			return;
		p = buf + i;
		gap = MIN(i - last, (size_t)4);
		last = i;
		op = (op << gap) & 0xe;
		ms = (ms << gap) & 0xe;
		if (!bcj_ms_byte(p[4]) || ms || (op & (op - 1))) {
			op |= 1;
			ms |= bcj_ms_byte(p[4]);
			i++;
			continue;
		}
		at = start + (uint32_t)i + 5;
		v = dec_le32(p + 1) - at;
		if (op) {
			unsigned bits = 32 - 8 * __builtin_ctz(op);

			if (bcj_ms_byte(v >> (bits - 8))) {
				mask = (1u << bits) - 1;
				v = (v ^ mask) - at;
			}
		}
		p[1] = v;
		p[2] = v >> 8;
		p[3] = v >> 16;
		p[4] = v & (1u << 24) ? 0xff : 0;
		op = ms = 0;
		i += 5;
	}
}

/* ---- the .xz container ---- */

#define XZ_HDR		12	/* the stream header and footer */
#define XZ_BCJ_X86	0x04
#define XZ_LZMA2	0x21

static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };

struct xz_block {
	uint64_t csize, usize;	/* UINT64_MAX: not in the header */
	bool bcj;
	uint32_t bcj_start;
};

/* A variable-length integer of p[*q, lim): 7 bits a byte, at most 9, minimal. */
static int vli(const uint8_t *p, size_t *q, size_t lim, uint64_t *v)
{
	uint64_t r = 0;
	unsigned i;
	uint8_t c;

	for (i = 0; i < 9 && *q < lim; i++) {
		c = p[(*q)++];
		if (i && !c)
			return -EINVAL;
		r |= (uint64_t)(c & 0x7f) << (7 * i);
		if (!(c & 0x80)) {
			*v = r;
			return 0;
		}
	}
	return -EINVAL;
}

/* One filter's flags: x86 BCJ (not last) or LZMA2 (last). */
static int block_filter(const uint8_t *h, size_t *q, size_t lim, bool last,
			struct xz_block *b)
{
	uint64_t id, n;

	if (vli(h, q, lim, &id) || vli(h, q, lim, &n) || n > lim - *q)
		return -EINVAL;
	if (last) {
		/* The dictionary size does not matter here: the output is it. */
		if (id != XZ_LZMA2 || n != 1 || h[*q] > 40)
			return -EINVAL;
	} else {
		if (id != XZ_BCJ_X86 || (n != 0 && n != 4))
			return -EINVAL;
		b->bcj = true;
		b->bcj_start = n ? dec_le32(h + *q) : 0;
	}
	*q += n;
	return 0;
}

/* The block header at x->ip (its first byte is not 0). */
static int block_header(struct xz *x, struct xz_block *b)
{
	const uint8_t *h = x->in + x->ip;
	size_t size = ((size_t)h[0] + 1) * 4, q = 2, lim = size - 4;
	unsigned nf, i;

	if (size > x->in_len - x->ip || crc32_update(0, h, lim) != dec_le32(h + lim))
		return -EINVAL;
	if (h[1] & 0x3c)
		return -EINVAL;
	nf = (h[1] & 3) + 1;
	b->csize = b->usize = UINT64_MAX;
	b->bcj = false;
	if ((h[1] & 0x40) && (vli(h, &q, lim, &b->csize) || !b->csize))
		return -EINVAL;
	if ((h[1] & 0x80) && vli(h, &q, lim, &b->usize))
		return -EINVAL;
	if (nf > 2)
		return -EINVAL;
	for (i = 0; i < nf; i++)
		if (block_filter(h, &q, lim, i == nf - 1, b))
			return -EINVAL;
	for (; q < lim; q++)
		if (h[q])
			return -EINVAL;
	x->ip += size;
	return 0;
}

static size_t check_size(unsigned type)
{
	return type == 1 ? 4 : type == 4 ? 8 : 0;
}

/* One block at x->ip; adds its unpadded and uncompressed sizes to the sums. */
static int decode_block(struct xz *x, unsigned check, uint64_t *unpadded, uint64_t *uncomp)
{
	size_t hstart = x->ip, dstart, ostart = x->op, csize, usize, n;
	struct xz_block b;
	const uint8_t *c;
	int ret;

	if (block_header(x, &b))
		return -EINVAL;
	dstart = x->ip;
	ret = lzma2_block(x);
	if (b.bcj && (ret == 0 || ret == -ENOSPC))
		bcj_x86(x->out + ostart, x->op - ostart, b.bcj_start);
	if (ret)
		return ret;
	csize = x->ip - dstart;
	usize = x->op - ostart;
	if ((b.csize != UINT64_MAX && b.csize != csize) ||
	    (b.usize != UINT64_MAX && b.usize != usize))
		return -EINVAL;
	for (; (x->ip - dstart) & 3; x->ip++)
		if (x->ip >= x->in_len || x->in[x->ip])
			return -EINVAL;
	n = check_size(check);
	if (n > x->in_len - x->ip)
		return -EINVAL;
	c = x->in + x->ip;
	if ((check == 1 && crc32_update(0, x->out + ostart, usize) != dec_le32(c)) ||
	    (check == 4 && xz_crc64(x->out + ostart, usize) != dec_le64(c)))
		return -EINVAL;
	x->ip += n;
	*unpadded += dstart - hstart + csize + n;
	*uncomp += usize;
	return 0;
}

/* The index at x->ip (its indicator byte 0 seen); its size in *size. */
static int xz_index(struct xz *x, uint64_t blocks, uint64_t unpadded,
		    uint64_t uncomp, size_t *size)
{
	size_t start = x->ip++;
	uint64_t n, i, u, v, su = 0, sv = 0;

	if (vli(x->in, &x->ip, x->in_len, &n) || n != blocks)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (vli(x->in, &x->ip, x->in_len, &u) || vli(x->in, &x->ip, x->in_len, &v))
			return -EINVAL;
		su += u;
		sv += v;
	}
	if (su != unpadded || sv != uncomp)
		return -EINVAL;
	for (; (x->ip - start) & 3; x->ip++)
		if (x->ip >= x->in_len || x->in[x->ip])
			return -EINVAL;
	if (x->in_len - x->ip < 4 ||
	    crc32_update(0, x->in + start, x->ip - start) != dec_le32(x->in + x->ip))
		return -EINVAL;
	x->ip += 4;
	*size = x->ip - start;
	return 0;
}

long unxz(const void *in, size_t in_len, void *out, size_t out_size)
{
	struct xz x = { .in = in, .in_len = in_len, .out = out, .out_size = out_size };
	uint64_t blocks = 0, unpadded = 0, uncomp = 0;
	const uint8_t *h = in, *f;
	size_t isize;
	unsigned check;
	int ret;

	crc_tables();
	if (in_len < 2 * XZ_HDR || memcmp(h, xz_magic, sizeof(xz_magic)) ||
	    crc32_update(0, h + 6, 2) != dec_le32(h + 8) || h[6] || (h[7] & 0xf0))
		return -EINVAL;
	check = h[7];
	if (check != 0 && check != 1 && check != 4)
		return -EINVAL;		/* SHA-256 and the reserved ones */
	x.ip = XZ_HDR;
	for (;;) {
		if (x.ip >= x.in_len)
			return -EINVAL;
		if (!x.in[x.ip])
			break;
		ret = decode_block(&x, check, &unpadded, &uncomp);
		if (ret)
			return ret;
		blocks++;
	}
	if (xz_index(&x, blocks, unpadded, uncomp, &isize) || x.in_len - x.ip < XZ_HDR)
		return -EINVAL;
	f = x.in + x.ip;
	if (crc32_update(0, f + 4, 6) != dec_le32(f) || ((uint64_t)dec_le32(f + 4) + 1) * 4 != isize ||
	    f[8] != h[6] || f[9] != h[7] || f[10] != 'Y' || f[11] != 'Z')
		return -EINVAL;
	return (long)x.op;
}
