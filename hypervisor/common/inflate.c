// SPDX-License-Identifier: GPL-2.0-only
/*
 * gzip and deflate decoding for kernel modules (hv/decompress.h), from
 * RFC 1951 and RFC 1952.
 *
 * Bits come least significant first from a 64-bit buffer; reading past
 * the input gives zero bits but marks the stream as overrun, which fails
 * it at the next check, so no read ever leaves in[0, in_len). Huffman
 * codes are canonical: a 9-bit table answers short codes in one look-up,
 * longer ones are walked a bit at a time from the counts per length.
 * Every output byte is checked against out_size before it is written.
 */
#include <hv/decompress.h>
#include <hv/string.h>
#include <lamina/errno.h>

#define MAXBITS		15
#define FAST_BITS	9
#define NR_LITLEN	288
#define NR_DIST		32

struct bitreader {
	const uint8_t *in;
	size_t len, pos;
	uint64_t buf;
	unsigned int cnt;	/* valid bits in buf */
	unsigned int pad;	/* zero bits added past the input */
};

struct huff {
	uint16_t count[MAXBITS + 1];	/* codes of each length */
	uint16_t sym[NR_LITLEN];	/* symbols ordered by code */
	uint16_t fast[1 << FAST_BITS];	/* sym << 4 | length; 0: longer code */
};

static void br_fill(struct bitreader *br)
{
	if (br->len - br->pos >= 8) {
		/* Eight bytes read, the whole ones that fit kept, the rest masked off. */
		uint64_t v;
		unsigned int n = (63 - br->cnt) >> 3;

		__builtin_memcpy(&v, br->in + br->pos, 8);
		br->buf |= v << br->cnt;
		br->pos += n;
		br->cnt += n * 8;
		br->buf &= (1ULL << br->cnt) - 1;
		return;
	}
	while (br->cnt <= 56) {
		uint64_t byte = 0;

		if (br->pos < br->len)
			byte = br->in[br->pos++];
		else
			br->pad += 8;
		br->buf |= byte << br->cnt;
		br->cnt += 8;
	}
}

/* Real bits left: a stream that consumed padding is overrun. */
static bool br_overrun(const struct bitreader *br)
{
	return br->pad > br->cnt;
}

static uint32_t br_bits(struct bitreader *br, unsigned int n)
{
	uint32_t v;

	if (!n)
		return 0;
	if (br->cnt < n)
		br_fill(br);
	v = br->buf & ((1ULL << n) - 1);
	br->buf >>= n;
	br->cnt -= n;
	return v;
}

/* Builds the decoder for lengths[0, n); -EINVAL if the lengths over-subscribe. */
static int huff_build(struct huff *h, const uint8_t *lengths, unsigned int n)
{
	uint16_t offs[MAXBITS + 2], next[MAXBITS + 1];
	unsigned int s, len;
	int left = 1;
	uint16_t code = 0;

	memset(h->count, 0, sizeof(h->count));
	memset(h->fast, 0, sizeof(h->fast));
	for (s = 0; s < n; s++)
		h->count[lengths[s]]++;
	h->count[0] = 0;
	for (len = 1; len <= MAXBITS; len++) {
		left = (left << 1) - h->count[len];
		if (left < 0)
			return -EINVAL;
	}
	offs[1] = 0;
	for (len = 1; len <= MAXBITS; len++)
		offs[len + 1] = offs[len] + h->count[len];
	for (s = 0; s < n; s++)
		if (lengths[s])
			h->sym[offs[lengths[s]]++] = s;
	/* The canonical code of each symbol, bit-reversed into the short table. */
	for (len = 1; len <= MAXBITS; len++) {
		next[len] = code;
		code = (code + h->count[len]) << 1;
	}
	for (s = 0; s < n; s++) {
		unsigned int l = lengths[s], rev = 0, c, i;

		if (!l)
			continue;
		c = next[l]++;
		if (l > FAST_BITS)
			continue;
		for (i = 0; i < l; i++)
			rev |= ((c >> i) & 1) << (l - 1 - i);
		for (i = rev; i < (1u << FAST_BITS); i += 1u << l)
			h->fast[i] = (uint16_t)(s << 4 | l);
	}
	return 0;
}

/* The next symbol, or -1 for a code the table does not have. */
static int huff_decode(struct bitreader *br, const struct huff *h)
{
	unsigned int len, first = 0, index = 0, code = 0;
	uint16_t e;

	if (br->cnt < MAXBITS)
		br_fill(br);
	e = h->fast[br->buf & ((1u << FAST_BITS) - 1)];
	if (e) {
		br->buf >>= e & 15;
		br->cnt -= e & 15;
		return e >> 4;
	}
	for (len = 1; len <= MAXBITS; len++) {
		unsigned int count = h->count[len];

		code |= br_bits(br, 1);
		if (code - first < count)
			return h->sym[index + code - first];
		index += count;
		first = (first + count) << 1;
		code <<= 1;
	}
	return -1;
}

struct out {
	uint8_t *p;
	size_t size, pos;
};

static const uint16_t len_base[29] = {
	3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
	35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const uint8_t len_extra[29] = {
	0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
	3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const uint16_t dist_base[30] = {
	1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
	257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 };
static const uint8_t dist_extra[30] = {
	0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
	7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

/* The symbols of one Huffman-coded block up to its end code. */
static int inflate_codes(struct bitreader *br, struct out *o, const struct huff *lit,
			 const struct huff *dist)
{
	for (;;) {
		int sym = huff_decode(br, lit);

		if (sym < 0 || br_overrun(br))
			return -EINVAL;
		if (sym < 256) {
			if (o->pos >= o->size)
				return -ENOSPC;
			o->p[o->pos++] = (uint8_t)sym;
		} else if (sym == 256) {
			return 0;
		} else {
			size_t len, d, i;
			int ds;

			sym -= 257;
			if (sym >= 29)
				return -EINVAL;
			len = len_base[sym] + br_bits(br, len_extra[sym]);
			ds = huff_decode(br, dist);
			if (ds < 0 || ds >= 30)
				return -EINVAL;
			d = dist_base[ds] + br_bits(br, dist_extra[ds]);
			if (br_overrun(br) || d > o->pos)
				return -EINVAL;
			if (d >= 8 && o->size - o->pos >= len + 8) {
				/*
				 * 8 bytes at a time, each chunk's source already
				 * written; the last may run up to 7 bytes past the
				 * match, inside the buffer, to be overwritten.
				 */
				uint8_t *dst = o->p + o->pos;

				for (i = 0; i < len; i += 8)
					__builtin_memcpy(dst + i, dst + i - d, 8);
				o->pos += len;
				continue;
			}
			if (!decomp_copy_back(o->p, &o->pos, o->size, d, len))
				return -ENOSPC;
		}
	}
}

static int inflate_stored(struct bitreader *br, struct out *o)
{
	uint32_t len, nlen;

	/* To the byte boundary, then LEN and NLEN. */
	br_bits(br, br->cnt & 7);
	len = br_bits(br, 16);
	nlen = br_bits(br, 16);
	if (br_overrun(br) || (len ^ 0xffff) != nlen)
		return -EINVAL;
	while (len) {
		if (br_overrun(br))
			return -EINVAL;
		if (o->pos >= o->size)
			return -ENOSPC;
		/* Whole bytes still in the bit buffer first, then straight from the input. */
		if (br->cnt >= 8) {
			o->p[o->pos++] = (uint8_t)br_bits(br, 8);
			len--;
		} else {
			size_t n = MIN((size_t)len, MIN(br->len - br->pos, o->size - o->pos));

			if (!n)
				return br->pos >= br->len ? -EINVAL : -ENOSPC;
			memcpy(o->p + o->pos, br->in + br->pos, n);
			o->pos += n;
			br->pos += n;
			len -= n;
		}
	}
	return br_overrun(br) ? -EINVAL : 0;
}

static int inflate_fixed(struct bitreader *br, struct out *o, struct huff *lit, struct huff *dist)
{
	uint8_t l[NR_LITLEN];
	unsigned int i;

	for (i = 0; i < NR_LITLEN; i++)
		l[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
	huff_build(lit, l, NR_LITLEN);
	for (i = 0; i < NR_DIST; i++)
		l[i] = 5;
	huff_build(dist, l, NR_DIST);
	return inflate_codes(br, o, lit, dist);
}

static int inflate_dynamic(struct bitreader *br, struct out *o, struct huff *lit,
			   struct huff *dist)
{
	static const uint8_t order[19] = {
		16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };
	uint8_t l[NR_LITLEN + NR_DIST];
	unsigned int nlit, ndist, ncode, i;

	nlit = br_bits(br, 5) + 257;
	ndist = br_bits(br, 5) + 1;
	ncode = br_bits(br, 4) + 4;
	if (nlit > 286 || ndist > 30)
		return -EINVAL;
	memset(l, 0, sizeof(l));
	for (i = 0; i < ncode; i++)
		l[order[i]] = br_bits(br, 3);
	if (br_overrun(br) || huff_build(lit, l, 19))	/* lit holds the code-length code */
		return -EINVAL;
	for (i = 0; i < nlit + ndist;) {
		int sym = huff_decode(br, lit);
		unsigned int rep;
		uint8_t v = 0;

		if (sym < 0 || br_overrun(br))
			return -EINVAL;
		if (sym < 16) {
			l[i++] = sym;
			continue;
		}
		if (sym == 16) {
			if (!i)
				return -EINVAL;
			v = l[i - 1];
			rep = 3 + br_bits(br, 2);
		} else if (sym == 17) {
			rep = 3 + br_bits(br, 3);
		} else {
			rep = 11 + br_bits(br, 7);
		}
		if (i + rep > nlit + ndist)
			return -EINVAL;
		while (rep--)
			l[i++] = v;
	}
	if (!l[256])		/* a block must be able to end */
		return -EINVAL;
	if (huff_build(lit, l, nlit) || huff_build(dist, l + nlit, ndist))
		return -EINVAL;
	return inflate_codes(br, o, lit, dist);
}

/* The tables are big for a hypervisor stack; decoding happens at boot, one domain at a time. */
static struct huff lit_code, dist_code;

long inflate_raw(const void *in, size_t in_len, void *out, size_t out_size, size_t *used)
{
	struct bitreader br = { .in = in, .len = in_len };
	struct out o = { .p = out, .size = out_size };
	unsigned int last;

	do {
		unsigned int type;
		int rc;

		last = br_bits(&br, 1);
		type = br_bits(&br, 2);
		if (br_overrun(&br))
			return -EINVAL;
		switch (type) {
		case 0:
			rc = inflate_stored(&br, &o);
			break;
		case 1:
			rc = inflate_fixed(&br, &o, &lit_code, &dist_code);
			break;
		case 2:
			rc = inflate_dynamic(&br, &o, &lit_code, &dist_code);
			break;
		default:
			rc = -EINVAL;
		}
		if (rc)
			return rc;
	} while (!last);
	if (br_overrun(&br))
		return -EINVAL;
	if (used)	/* the bytes read, less whole bytes still unread in the buffer */
		*used = br.pos - (br.cnt - br.pad) / 8;
	return (long)o.pos;
}

#define GZ_FHCRC	0x02
#define GZ_FEXTRA	0x04
#define GZ_FNAME	0x08
#define GZ_FCOMMENT	0x10
#define GZ_RESERVED	0xe0

long gunzip(const void *in, size_t in_len, void *out, size_t out_size)
{
	const uint8_t *p = in;
	size_t pos = 10, used;
	uint8_t flg;
	long n;

	if (in_len < 18 || p[0] != 0x1f || p[1] != 0x8b || p[2] != 8)
		return -EINVAL;
	flg = p[3];
	if (flg & GZ_RESERVED)
		return -EINVAL;
	if (flg & GZ_FEXTRA) {
		if (in_len - pos < 2)
			return -EINVAL;
		pos += 2 + (p[pos] | p[pos + 1] << 8);
	}
	if (flg & GZ_FNAME) {
		while (pos < in_len && p[pos])
			pos++;
		pos++;
	}
	if (flg & GZ_FCOMMENT) {
		while (pos < in_len && p[pos])
			pos++;
		pos++;
	}
	if (flg & GZ_FHCRC) {
		if (pos > in_len || in_len - pos < 2 ||
		    (crc32_update(0, p, pos) & 0xffff) != (uint32_t)(p[pos] | p[pos + 1] << 8))
			return -EINVAL;
		pos += 2;
	}
	if (pos > in_len || in_len - pos < 8)	/* deflate data may be short, the trailer is 8 */
		return -EINVAL;
	n = inflate_raw(p + pos, in_len - pos, out, out_size, &used);
	if (n < 0)
		return n;
	pos += used;
	if (in_len - pos < 8 || dec_le32(p + pos) != crc32_update(0, out, (size_t)n) ||
	    dec_le32(p + pos + 4) != (uint32_t)n)
		return -EINVAL;
	return n;
}
