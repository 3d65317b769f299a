// SPDX-License-Identifier: GPL-2.0-only
/*
 * The lzop decoder (Linux's CONFIG_KERNEL_LZO: `lzop -9`), written from
 * the lzop file format and the LZO1X bitstream's description.
 *
 * Container (big-endian): magic 89 4C 5A 4F 00 0D 0A 1A 0A; version,
 * library version, [version needed, from 0x0940 on], method (1-3: LZO1X),
 * [level], flags, [filter: refused], mode, mtime low, [mtime high], the
 * name (length byte, bytes), the header's checksum (adler32, or CRC32 with
 * F_H_CRC32) over version..name; an extra field is refused. Then blocks:
 * decoded length (0 ends the stream; at most 256 KiB, Xen's limit and
 * lzop's block), stored length (equal: the bytes stored as they are; more:
 * refused), the checksums the flags ask for (adler32 and/or CRC32 of the
 * decoded bytes, then, for a compressed block, of the stored ones), the
 * data. Every checksum is checked (Xen reads none); what follows the end
 * (Linux's size word) is not read.
 *
 * LZO1X: instructions are literal runs and matches, each match carrying
 * 0-3 literals after it (the "state" that says how an instruction 0-15
 * reads); a block's data must end exactly at its end marker (a 16-31
 * match of distance 16384) and decode to exactly its decoded length, every
 * distance within the block's output so far.
 */
#include <hv/decompress.h>
#include <hv/string.h>
#include <lamina/errno.h>

#define LZO_BLOCK_MAX	(256u << 10)

#define F_ADLER32_D	0x00000001u
#define F_ADLER32_C	0x00000002u
#define F_H_EXTRA_FIELD	0x00000040u
#define F_CRC32_D	0x00000100u
#define F_CRC32_C	0x00000200u
#define F_H_FILTER	0x00000800u
#define F_H_CRC32	0x00001000u
#define F_RESERVED	0x000fc000u

static const uint8_t lzop_magic[9] = { 0x89, 'L', 'Z', 'O', 0, 0x0d, 0x0a, 0x1a, 0x0a };

static uint32_t adler32(const uint8_t *p, size_t n)
{
	uint32_t a = 1, b = 0;
	size_t k;

	while (n) {
		k = n < 5552 ? n : 5552;	/* b stays below 2^32 over 5552 bytes */
		n -= k;
		for (; k >= 8; k -= 8, p += 8) {	/* 8 a step: half the cost */
			a += p[0]; b += a; a += p[1]; b += a;
			a += p[2]; b += a; a += p[3]; b += a;
			a += p[4]; b += a; a += p[5]; b += a;
			a += p[6]; b += a; a += p[7]; b += a;
		}
		while (k--) {
			a += *p++;
			b += a;
		}
		a %= 65521;
		b %= 65521;
	}
	return b << 16 | a;
}

/* A length's extension: zero bytes count 255 each, then a non-zero byte. */
static bool lzo_ext(const uint8_t **ip, const uint8_t *ie, size_t *len)
{
	size_t n = 0;

	for (;;) {
		if (*ip >= ie)
			return false;
		if (**ip)
			break;
		(*ip)++;
		n += 255;
		if (n > LZO_BLOCK_MAX)
			return false;
	}
	*len += n + *(*ip)++;
	return true;
}

/*
 * One LZO1X block: in[0, n) to out[0, olen) exactly. 0 or -EINVAL; with
 * a short output (olen below the block's: cut) -ENOSPC once it is full.
 */
static int lzo1x_block(const uint8_t *in, size_t n, uint8_t *out, size_t olen, bool cut)
{
	const uint8_t *ip = in, *ie = in + n;
	size_t op = 0, len, dist, lits;
	unsigned t, state = 0;

	if (ip < ie && *ip > 17) {	/* the first byte: a literal run only */
		lits = *ip++ - 17;
		state = lits < 4 ? lits : 4;
		goto literals;
	}
	for (;;) {
		if (ip >= ie)
			return -EINVAL;
		t = *ip++;
		if (t < 16) {
			if (state == 0) {
				lits = t ? t + 3 : 18;
				if (!t && !lzo_ext(&ip, ie, &lits))
					return -EINVAL;
				state = 4;
				goto literals;
			}
			if (ip >= ie)
				return -EINVAL;
			dist = ((size_t)*ip++ << 2) + (t >> 2) + (state == 4 ? 2049 : 1);
			len = state == 4 ? 3 : 2;
		} else if (t < 32) {
			len = t & 7 ? (t & 7) + 2 : 9;
			if (!(t & 7) && !lzo_ext(&ip, ie, &len))
				return -EINVAL;
			if (ie - ip < 2)
				return -EINVAL;
			dist = 16384 + ((size_t)(t & 8) << 11) + ((ip[0] | ip[1] << 8) >> 2);
			t = ip[0];
			ip += 2;
			if (dist == 16384)	/* the end marker */
				return ip == ie && op == olen && !cut ? 0 : -EINVAL;
		} else if (t < 64) {
			len = t & 31 ? (t & 31) + 2 : 33;
			if (!(t & 31) && !lzo_ext(&ip, ie, &len))
				return -EINVAL;
			if (ie - ip < 2)
				return -EINVAL;
			dist = ((ip[0] | ip[1] << 8) >> 2) + 1;
			t = ip[0];
			ip += 2;
		} else {
			if (ip >= ie)
				return -EINVAL;
			len = t < 128 ? 3 + ((t >> 5) & 1) : 5 + ((t >> 5) & 3);
			dist = ((size_t)*ip++ << 3) + ((t >> 2) & 7) + 1;
		}
		if (dist > op)
			return -EINVAL;
		/* 8 bytes a step while the source is 8 or more back and it fits. */
		if (dist >= 8 && len <= olen - op) {
			uint8_t *d = out + op;

			op += len;
			for (; len >= 8; len -= 8, d += 8)
				__builtin_memcpy(d, d - dist, 8);
			while (len--) {
				*d = *(d - dist);
				d++;
			}
		} else if (!decomp_copy_back(out, &op, olen, dist, len))
			return cut ? -ENOSPC : -EINVAL;
		lits = state = t & 3;
literals:
		if (lits > (size_t)(ie - ip))
			return -EINVAL;
		if (lits > olen - op) {
			if (!cut)
				return -EINVAL;
			memcpy(out + op, ip, olen - op);
			return -ENOSPC;
		}
		memcpy(out + op, ip, lits);
		op += lits;
		ip += lits;
	}
}

long unlzo(const void *in, size_t in_len, void *out, size_t out_size)
{
	const uint8_t *p = in, *h, *end = p + in_len;
	uint8_t *o = out;
	size_t op = 0, hn, dlen, slen, ck, room;
	uint32_t flags, sum[4];
	unsigned version, i;
	int ret;

	if (in_len < sizeof(lzop_magic) + 7 || memcmp(p, lzop_magic, sizeof(lzop_magic)))
		return -EINVAL;
	h = p + sizeof(lzop_magic);
	version = h[0] << 8 | h[1];
	/* version, library version, [needed], method, [level], flags, mode, mtime */
	hn = 2 + 2 + (version >= 0x0940 ? 2 : 0);
	if (h[hn] < 1 || h[hn] > 3)
		return -EINVAL;		/* LZO1X-1, -1(15), -999 only */
	hn += 1 + (version >= 0x0940);
	if ((size_t)(end - h) < hn + 4)
		return -EINVAL;
	flags = dec_be32(h + hn);
	if (flags & (F_H_FILTER | F_H_EXTRA_FIELD | F_RESERVED))
		return -EINVAL;
	hn += 4 + 4 + 4 + (version >= 0x0940 ? 4 : 0);
	if ((size_t)(end - h) < hn + 1 || (size_t)(end - h) < hn + 1 + h[hn] + 4)
		return -EINVAL;
	hn += 1 + h[hn];
	ck = flags & F_H_CRC32 ? crc32_update(0, h, hn) : adler32(h, hn);
	if (ck != dec_be32(h + hn))
		return -EINVAL;
	p = h + hn + 4;
	for (;;) {
		if (end - p < 4)
			return -EINVAL;
		dlen = dec_be32(p);
		p += 4;
		if (!dlen)
			return (long)op;
		if (dlen > LZO_BLOCK_MAX || end - p < 4)
			return -EINVAL;
		slen = dec_be32(p);
		p += 4;
		if (!slen || slen > dlen)
			return -EINVAL;
		ck = 0;
		if (flags & F_ADLER32_D)
			sum[ck++] = 0;
		if (flags & F_CRC32_D)
			sum[ck++] = 1;
		if (slen < dlen && (flags & F_ADLER32_C))
			sum[ck++] = 2;
		if (slen < dlen && (flags & F_CRC32_C))
			sum[ck++] = 3;
		if ((size_t)(end - p) < 4 * ck || (size_t)(end - p) - 4 * ck < slen)
			return -EINVAL;
		h = p + 4 * ck;		/* the block's data */
		for (i = 0; i < ck; i++) {
			uint32_t want = dec_be32(p + 4 * i);

			if ((sum[i] == 2 && adler32(h, slen) != want) ||
			    (sum[i] == 3 && crc32_update(0, h, slen) != want))
				return -EINVAL;
		}
		room = out_size - op;
		if (!room)
			return -ENOSPC;	/* out may be NULL when out_size is 0 */
		if (slen == dlen) {
			if (dlen > room) {
				memcpy(o + op, h, room);
				return -ENOSPC;
			}
			memcpy(o + op, h, dlen);
		} else {
			ret = lzo1x_block(h, slen, o + op, MIN(dlen, room), dlen > room);
			if (ret)
				return ret;
			if (dlen > room)
				return -ENOSPC;
		}
		for (i = 0; i < ck; i++) {
			uint32_t want = dec_be32(p + 4 * i);

			if ((sum[i] == 0 && adler32(o + op, dlen) != want) ||
			    (sum[i] == 1 && crc32_update(0, o + op, dlen) != want))
				return -EINVAL;
		}
		op += dlen;
		p = h + slen;
	}
}
