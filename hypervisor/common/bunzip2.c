// SPDX-License-Identifier: GPL-2.0-only
/*
 * bzip2 streams (hv/decompress.h), the format of Linux's
 * CONFIG_KERNEL_BZIP2: "BZh" and a level '1'-'9' (blocks of at most
 * level * 100000 bytes), blocks each behind the magic 0x314159265359,
 * then 0x177245385090 and the stream's CRC; several streams may follow
 * one another. A block: its CRC, the randomised flag (refused, as Xen's
 * decoder refuses it; bzip2 has not written it since 0.9.5), origPtr, the
 * bitmap of the byte values used, 2-6 Huffman tables chosen per 50
 * symbols by MTF-coded selectors, symbols that are MTF positions or
 * RUNA/RUNB digits of a run of the front byte, then the inverse BWT and
 * the final run-length step (4 equal bytes, then a count of more).
 *
 * The inverse BWT needs a 32-bit entry per block byte (3.6 MB at level
 * 9): taken from decomp_work_alloc for the call and given back after.
 */
#include <hv/decompress.h>
#include <hv/string.h>
#include <lamina/errno.h>

#define BZ_MAX_BLOCK	900000
#define BZ_MAX_GROUPS	6
#define BZ_MAX_ALPHA	258		/* 256 MTF positions - 1 + RUNA, RUNB, EOB */
#define BZ_MAX_SELECTORS 18002		/* 2 + 900000 / 50: more are read, not used */
#define BZ_MAX_CODE	20
#define BZ_FAST_BITS	10
#define BZ_GROUP_SIZE	50

struct bz_table {
	uint16_t fast[1 << BZ_FAST_BITS];	/* sym << 5 | length; 0: a longer code */
	uint32_t first[BZ_MAX_CODE + 2];	/* the first code of each length */
	uint16_t count[BZ_MAX_CODE + 2];
	uint16_t offset[BZ_MAX_CODE + 2];	/* where each length starts in sym */
	uint16_t sym[BZ_MAX_ALPHA];		/* symbols by length, then value */
	uint8_t max_len;
};

struct bz_work {
	uint32_t tt[BZ_MAX_BLOCK];	/* byte | (next position << 8) */
	uint32_t crc_table[8][256];	/* [k]: a byte followed by k zero bytes */
	struct bz_table tables[BZ_MAX_GROUPS];
	uint8_t selectors[BZ_MAX_SELECTORS];
};

struct bz_bits {
	const uint8_t *p, *end;
	uint64_t acc;		/* the next bits, most significant first */
	unsigned int bits;	/* how many of acc's are real */
};

static void bits_fill(struct bz_bits *b)
{
	if (b->end - b->p >= 8) {
		/*
		 * 8 bytes at once: as many whole ones are counted as fit, the
		 * rest of them is ORed in again, the same bits, next time.
		 */
		uint64_t v;

		__builtin_memcpy(&v, b->p, 8);
		b->acc |= __builtin_bswap64(v) >> b->bits;
		b->p += (63 - b->bits) >> 3;
		b->bits |= 56;
		return;
	}
	while (b->bits <= 56 && b->p < b->end) {
		b->acc |= (uint64_t)*b->p++ << (56 - b->bits);
		b->bits += 8;
	}
}

/* n (1-32) bits; false at the input's end. */
static bool bits_get(struct bz_bits *b, unsigned int n, uint32_t *v)
{
	if (b->bits < n) {
		bits_fill(b);
		if (b->bits < n)
			return false;
	}
	*v = (uint32_t)(b->acc >> (64 - n));
	b->acc <<= n;
	b->bits -= n;
	return true;
}

/* Canonical codes from lengths (1-20); false if over-subscribed. */
static bool table_build(struct bz_table *t, const uint8_t *len, unsigned int alpha)
{
	uint32_t code = 0;
	unsigned int l, s, i;

	memset(t, 0, sizeof(*t));
	for (s = 0; s < alpha; s++) {
		t->count[len[s]]++;
		t->max_len = MAX(t->max_len, len[s]);
	}
	for (l = 1, i = 0; l <= BZ_MAX_CODE; l++) {
		t->first[l] = code;
		t->offset[l] = i;
		code += t->count[l];
		i += t->count[l];
		if (code > 1U << l)
			return false;
		code <<= 1;
	}
	for (l = 1, i = 0; l <= BZ_MAX_CODE; l++)
		for (s = 0; s < alpha; s++)
			if (len[s] == l)
				t->sym[i++] = s;
	for (l = 1; l <= BZ_FAST_BITS; l++)
		for (i = 0; i < t->count[l]; i++) {
			uint32_t c = (t->first[l] + i) << (BZ_FAST_BITS - l);
			uint32_t k, n = 1U << (BZ_FAST_BITS - l);

			for (k = 0; k < n; k++)
				t->fast[c + k] = t->sym[t->offset[l] + i] << 5 | l;
		}
	return true;
}

/* One symbol; -1 at a code not in the table or the input's end. */
static int sym_get(struct bz_bits *b, const struct bz_table *t)
{
	unsigned int l, e;
	uint32_t c;

	if (b->bits < BZ_MAX_CODE)
		bits_fill(b);
	e = t->fast[b->acc >> (64 - BZ_FAST_BITS)];
	if (e) {
		l = e & 31;
		if (l > b->bits)
			return -1;
		b->acc <<= l;
		b->bits -= l;
		return e >> 5;
	}
	for (l = BZ_FAST_BITS + 1; l <= t->max_len; l++) {
		c = (uint32_t)(b->acc >> (64 - l)) - t->first[l];
		if (c < t->count[l]) {
			if (l > b->bits)
				return -1;
			b->acc <<= l;
			b->bits -= l;
			return t->sym[t->offset[l] + c];
		}
	}
	return -1;
}

struct bz_out {
	uint8_t *p;
	size_t pos, size;
};

/*
 * Moves the list's byte i (1-255) to its front, the bytes before it one
 * up, a word (8 bytes) at a time; returns it.
 */
static inline uint8_t mtf_front(uint64_t *m, unsigned int i)
{
	unsigned int w = i / 8, sh = i % 8 * 8, k;
	uint64_t x = m[w], v = x >> sh & 0xff, carry = v;

	if (w) {
		carry = m[w - 1] >> 56;
		for (k = w - 1; k; k--)
			m[k] = m[k] << 8 | m[k - 1] >> 56;
		m[0] = m[0] << 8 | v;
	}
	/* In its word: the bytes above i stay, those below move up one. */
	m[w] = (x & (~0ULL << sh << 8)) | (x & ((1ULL << sh) - 1)) << 8 | carry;
	return v;
}

/*
 * Reads one block (after its magic) into w->tt; its length, or -EINVAL.
 * *orig: origPtr.
 */
static long block_read(struct bz_bits *b, struct bz_work *w, uint32_t max_block, uint32_t *orig)
{
	uint64_t mtf[32] = { 0 };	/* the MTF list, byte j at bits (j % 8) * 8 of word j / 8 */
	uint8_t len[BZ_MAX_ALPHA], group_mtf[BZ_MAX_GROUPS];
	uint32_t v, used, counts[256] = { 0 };
	unsigned int i, j, n_used = 0, alpha, n_groups, n_sel, sel, left, run_bit = 0;
	uint32_t run = 0, n = 0;
	const struct bz_table *t = NULL;
	int s;

	if (!bits_get(b, 1, &v) || v)		/* randomised: refused */
		return -EINVAL;
	if (!bits_get(b, 24, orig) || !bits_get(b, 16, &used))
		return -EINVAL;
	for (i = 0; i < 16; i++) {
		if (!(used & (0x8000 >> i)))
			continue;
		if (!bits_get(b, 16, &v))
			return -EINVAL;
		for (j = 0; j < 16; j++)
			if (v & (0x8000 >> j)) {
				mtf[n_used / 8] |= (uint64_t)(i * 16 + j) << n_used % 8 * 8;
				n_used++;
			}
	}
	if (!n_used)
		return -EINVAL;
	alpha = n_used + 2;
	if (!bits_get(b, 3, &v) || v < 2 || v > BZ_MAX_GROUPS)
		return -EINVAL;
	n_groups = v;
	if (!bits_get(b, 15, &v) || !v)
		return -EINVAL;
	n_sel = v;
	for (i = 0; i < n_groups; i++)
		group_mtf[i] = i;
	for (i = 0; i < n_sel; i++) {
		for (j = 0;; j++) {
			if (!bits_get(b, 1, &v))
				return -EINVAL;
			if (!v)
				break;
			if (j + 1 >= n_groups)
				return -EINVAL;
		}
		v = group_mtf[j];
		for (; j; j--)
			group_mtf[j] = group_mtf[j - 1];
		group_mtf[0] = v;
		if (i < BZ_MAX_SELECTORS)
			w->selectors[i] = v;
	}
	n_sel = MIN(n_sel, BZ_MAX_SELECTORS);
	for (i = 0; i < n_groups; i++) {
		if (!bits_get(b, 5, &v))
			return -EINVAL;
		for (j = 0; j < alpha; j++) {
			for (;;) {
				uint32_t bit;

				if (v < 1 || v > BZ_MAX_CODE || !bits_get(b, 1, &bit))
					return -EINVAL;
				if (!bit)
					break;
				if (!bits_get(b, 1, &bit))
					return -EINVAL;
				v += bit ? -1 : 1;
			}
			len[j] = v;
		}
		if (!table_build(&w->tables[i], len, alpha))
			return -EINVAL;
	}

	/* The symbols: MTF positions and runs, until EOB. */
	for (sel = 0, left = 0;;) {
		if (!left) {
			if (sel >= n_sel)
				return -EINVAL;
			t = &w->tables[w->selectors[sel++]];
			left = BZ_GROUP_SIZE;
		}
		left--;
		s = sym_get(b, t);
		if (s < 0)
			return -EINVAL;
		if (s <= 1) {			/* RUNA, RUNB: a digit of 1 or 2 */
			if (run_bit > 20)
				return -EINVAL;
			run += (uint32_t)(s + 1) << run_bit++;
			continue;
		}
		if (run) {
			uint8_t c = mtf[0];	/* the front byte */

			if (run > max_block - n)
				return -EINVAL;
			counts[c] += run;
			while (run--)
				w->tt[n++] = c;
			run = 0;
		}
		run_bit = 0;
		if ((unsigned int)s == alpha - 1)
			break;
		if (n >= max_block)
			return -EINVAL;
		v = mtf_front(mtf, s - 1);
		counts[v]++;
		w->tt[n++] = v;
	}
	if (*orig >= n)
		return -EINVAL;

	/* Inverse BWT: each entry gets the position of the byte after it. */
	for (i = 0, v = 0; i < 256; i++) {
		uint32_t c = counts[i];

		counts[i] = v;
		v += c;
	}
	for (i = 0; i < n; i++)
		w->tt[counts[w->tt[i] & 0xff]++] |= i << 8;
	return n;
}

/* CRC-32 of p[0, n), most significant bit first, 8 bytes a step. */
static uint32_t crc_bytes(const uint32_t (*t)[256], uint32_t c, const uint8_t *p, size_t n)
{
	for (; n >= 8; n -= 8, p += 8) {
		uint32_t a, b;

		__builtin_memcpy(&a, p, 4);
		__builtin_memcpy(&b, p + 4, 4);
		a = __builtin_bswap32(a) ^ c;
		b = __builtin_bswap32(b);
		c = t[7][a >> 24] ^ t[6][a >> 16 & 0xff] ^ t[5][a >> 8 & 0xff] ^ t[4][a & 0xff] ^
		    t[3][b >> 24] ^ t[2][b >> 16 & 0xff] ^ t[1][b >> 8 & 0xff] ^ t[0][b & 0xff];
	}
	for (; n; n--)
		c = c << 8 ^ t[0][c >> 24 ^ *p++];
	return c;
}

/*
 * Undoes the BWT (each entry names the next) and the final run-length
 * step; 0 and *crc, -EINVAL or -ENOSPC (out filled to its end).
 */
static int block_write(struct bz_work *w, uint32_t n, uint32_t orig, struct bz_out *o,
		       uint32_t *crc)
{
	const uint32_t *tt = w->tt;
	uint32_t pos = tt[orig] >> 8, e;
	unsigned int last = 256, same = 0, ch;
	uint8_t *out = o->p;
	size_t at = o->pos, size = o->size, start = at;

	while (n--) {
		e = tt[pos];
		pos = e >> 8;
		ch = e & 0xff;
		if (at == size)
			goto full;
		out[at++] = ch;
		if (ch != last) {
			last = ch;
			same = 1;
			continue;
		}
		if (++same < 4 || !n)
			continue;
		/* Four the same: the next byte counts more of them. */
		n--;
		e = tt[pos];
		pos = e >> 8;
		ch = e & 0xff;
		if (ch > size - at) {
			memset(out + at, last, size - at);
			at = size;
			goto full;
		}
		memset(out + at, last, ch);
		at += ch;
		last = 256;
	}
	o->pos = at;
	*crc = ~crc_bytes(w->crc_table, ~0U, out + start, at - start);
	return 0;
full:
	o->pos = at;
	return -ENOSPC;
}

static bool magic_get(struct bz_bits *b, uint64_t *m)
{
	uint32_t hi, lo;

	if (!bits_get(b, 24, &hi) || !bits_get(b, 24, &lo))
		return false;
	*m = (uint64_t)hi << 24 | lo;
	return true;
}

#define BZ_BLOCK_MAGIC	0x314159265359ULL
#define BZ_END_MAGIC	0x177245385090ULL

/* One stream at b (after "BZh"); 0, -EINVAL or -ENOSPC. */
static int stream_read(struct bz_bits *b, struct bz_work *w, uint32_t max_block, struct bz_out *o)
{
	uint32_t stream_crc = 0, crc, want, orig;
	uint64_t m;
	long n;
	int rc;

	for (;;) {
		if (!magic_get(b, &m) || !bits_get(b, 32, &want))
			return -EINVAL;
		if (m == BZ_END_MAGIC)
			return want == stream_crc ? 0 : -EINVAL;
		if (m != BZ_BLOCK_MAGIC)
			return -EINVAL;
		n = block_read(b, w, max_block, &orig);
		if (n < 0)
			return n;
		rc = block_write(w, n, orig, o, &crc);
		if (rc)
			return rc;
		if (crc != want)
			return -EINVAL;
		stream_crc = (stream_crc << 1 | stream_crc >> 31) ^ crc;
	}
}

static bool stream_head(const uint8_t *p, size_t len)
{
	return len >= 4 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' && p[3] <= '9';
}

long bunzip2(const void *in, size_t in_len, void *out, size_t out_size)
{
	const uint8_t *p = in, *end = p + in_len;
	struct bz_out o = { out, 0, out_size };
	struct bz_work *w;
	struct bz_bits b;
	unsigned int i, k;
	int rc = 0;

	if (!stream_head(p, in_len))
		return -EINVAL;
	w = decomp_work_alloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	for (i = 0; i < 256; i++) {	/* CRC-32, most significant bit first */
		uint32_t c = i << 24;

		for (k = 0; k < 8; k++)
			c = c & 0x80000000U ? c << 1 ^ 0x04c11db7U : c << 1;
		w->crc_table[0][i] = c;
	}
	for (k = 1; k < 8; k++)
		for (i = 0; i < 256; i++) {
			uint32_t c = w->crc_table[k - 1][i];

			w->crc_table[k][i] = c << 8 ^ w->crc_table[0][c >> 24];
		}
	/*
	 * Streams one after another, each from a byte boundary; what follows
	 * the last (Linux's size word) is not read. A further stream needs
	 * more than its 4-byte head, so a size word is never taken for one.
	 */
	do {
		b.p = p + 4;
		b.end = end;
		b.acc = 0;
		b.bits = 0;
		rc = stream_read(&b, w, (p[3] - '0') * 100000U, &o);
		if (rc)
			break;
		p = b.p - b.bits / 8;	/* the bytes fetched but not used go back */
	} while (end - p > 4 && stream_head(p, end - p));
	decomp_work_free(w, sizeof(*w));
	return rc ? rc : (long)o.pos;
}
