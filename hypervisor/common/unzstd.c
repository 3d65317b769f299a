// SPDX-License-Identifier: GPL-2.0-only
/*
 * The zstd decoder for kernel modules (Linux's CONFIG_KERNEL_ZSTD packs
 * `zstd -22 --ultra` output then a 32-bit size word), written from RFC
 * 8878.
 *
 * Single-call: the output buffer is the window, so nothing is allocated.
 * The state beyond the stack is static (the literals buffer, 128 KiB, and
 * the entropy tables): the decoder runs once at boot on CPU 0 and is not
 * reentrant.
 *
 * Frames: zstd frames (raw, RLE and compressed blocks; the frame content
 * size checked when stated; the XXH64 content checksum verified when
 * flagged) and skippable frames, one after another; a frame with a
 * dictionary ID is refused. After at least one frame, a remainder of
 * exactly 4 bytes (Linux's size word) ends the input.
 *
 * Compressed blocks: literals raw, RLE, Huffman-coded (1 or 4 streams, a
 * new tree or the previous one) and sequences with FSE tables
 * (predefined, RLE, described, or repeated), the three repeat offsets.
 * Every match offset is within the frame's output so far.
 */
#include <hv/decompress.h>
#include <hv/string.h>
#include <lamina/errno.h>

#define ZSTD_MAGIC		0xFD2FB528u
#define SKIP_MAGIC_MASK		0xFFFFFFF0u
#define SKIP_MAGIC		0x184D2A50u
#define BLOCK_MAX		(128u * 1024)
#define HUF_MAX_BITS		11
#define LL_MAX_LOG		9
#define ML_MAX_LOG		9
#define OF_MAX_LOG		8

static int highbit(uint32_t v)	/* v != 0 */
{
	return 31 - __builtin_clz(v);
}

/* ---- XXH64 (the content checksum: its low 32 bits) ---- */

#define P64_1	0x9E3779B185EBCA87ULL
#define P64_2	0xC2B2AE3D27D4EB4FULL
#define P64_3	0x165667B19E3779F9ULL
#define P64_4	0x85EBCA77C2B2AE63ULL
#define P64_5	0x27D4EB2F165667C5ULL

static uint64_t rotl64(uint64_t v, int r)
{
	return v << r | v >> (64 - r);
}

static uint64_t xxh_round(uint64_t acc, uint64_t in)
{
	return rotl64(acc + in * P64_2, 31) * P64_1;
}

static uint64_t xxh_merge(uint64_t h, uint64_t v)
{
	return (h ^ xxh_round(0, v)) * P64_1 + P64_4;
}

static uint64_t xxh64(const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;
	uint64_t h;

	if (len >= 32) {
		uint64_t v1 = P64_1 + P64_2, v2 = P64_2, v3 = 0, v4 = -P64_1;

		for (; end - p >= 32; p += 32) {
			v1 = xxh_round(v1, dec_le64(p));
			v2 = xxh_round(v2, dec_le64(p + 8));
			v3 = xxh_round(v3, dec_le64(p + 16));
			v4 = xxh_round(v4, dec_le64(p + 24));
		}
		h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
		h = xxh_merge(h, v1);
		h = xxh_merge(h, v2);
		h = xxh_merge(h, v3);
		h = xxh_merge(h, v4);
	} else {
		h = P64_5;
	}
	h += len;
	for (; end - p >= 8; p += 8)
		h = rotl64(h ^ xxh_round(0, dec_le64(p)), 27) * P64_1 + P64_4;
	if (end - p >= 4) {
		h = rotl64(h ^ (uint64_t)dec_le32(p) * P64_1, 23) * P64_2 + P64_3;
		p += 4;
	}
	for (; p < end; p++)
		h = rotl64(h ^ *p * P64_5, 11) * P64_1;
	h ^= h >> 33;
	h *= P64_2;
	h ^= h >> 29;
	h *= P64_3;
	return h ^ (h >> 32);
}

/* ---- backward bit streams (Huffman streams, FSE-coded data) ---- */

struct bits {
	const uint8_t *p;
	size_t len;
	int64_t pos;		/* bits still unread below this one; < 0: overread */
};

static bool bits_init(struct bits *b, const uint8_t *p, size_t len)
{
	if (!len || !p[len - 1])
		return false;
	b->p = p;
	b->len = len;
	b->pos = (int64_t)(len - 1) * 8 + highbit(p[len - 1]);
	return true;
}

/* Bits [pos, pos + n) of the stream, n <= 56; those below bit 0 read as 0. */
static uint64_t bits_at(const struct bits *b, int64_t pos, unsigned int n)
{
	uint64_t v = 0;
	size_t byte, i;

	if (!n)
		return 0;
	if (pos < 0) {
		if ((int64_t)n + pos <= 0)
			return 0;
		return bits_at(b, 0, n + pos) << -pos;
	}
	byte = pos >> 3;
	if (byte + 8 <= b->len) {
		v = dec_le64(b->p + byte);
	} else {
		for (i = 0; byte + i < b->len; i++)
			v |= (uint64_t)b->p[byte + i] << (8 * i);
	}
	return (v >> (pos & 7)) & ((1ULL << n) - 1);
}

static uint64_t bits_read(struct bits *b, unsigned int n)
{
	b->pos -= n;
	return bits_at(b, b->pos, n);
}

/* ---- FSE tables ---- */

struct fse_entry {
	uint16_t base;
	uint8_t sym;
	uint8_t nbits;
};

struct fse_table {
	struct fse_entry e[1 << LL_MAX_LOG];
	int log;
	bool valid;
};

/* A table from normalised counts (-1: "less than 1"); false if they are inconsistent. */
static bool fse_build(struct fse_table *t, const int16_t *norm, int nsym, int log)
{
	uint16_t next[64];
	unsigned int size = 1u << log, high = size - 1, pos = 0, step, i, u;
	int s;

	step = (size >> 1) + (size >> 3) + 3;
	for (s = 0; s < nsym; s++) {
		if (norm[s] == -1) {
			t->e[high--].sym = s;
			next[s] = 1;
		} else {
			next[s] = norm[s];
		}
	}
	for (s = 0; s < nsym; s++) {
		for (i = 0; norm[s] > 0 && i < (unsigned int)norm[s]; i++) {
			t->e[pos].sym = s;
			do
				pos = (pos + step) & (size - 1);
			while (pos > high);
		}
	}
	if (pos)
		return false;
	for (u = 0; u < size; u++) {
		unsigned int n = next[t->e[u].sym]++;

		t->e[u].nbits = log - highbit(n);
		t->e[u].base = (n << t->e[u].nbits) - size;
	}
	t->log = log;
	t->valid = true;
	return true;
}

static void fse_rle(struct fse_table *t, uint8_t sym)
{
	t->e[0].sym = sym;
	t->e[0].nbits = 0;
	t->e[0].base = 0;
	t->log = 0;
	t->valid = true;
}

/*
 * An FSE table description (forward, little-endian bits) at p[0, len):
 * the table built, the bytes it took, or -1.
 */
static long fse_read(struct fse_table *t, const uint8_t *p, size_t len, int max_log, int max_sym)
{
	int16_t norm[64];
	struct bits b = { p, len, 0 };
	int log, nbits, sym = 0;
	int32_t remaining, threshold;
	size_t used;

	if (!len)
		return -1;
	log = (p[0] & 15) + 5;
	if (log > max_log)
		return -1;
	b.pos = 4;
	remaining = (1 << log) + 1;
	threshold = 1 << log;
	nbits = log + 1;
	while (remaining > 1 && sym <= max_sym) {
		int32_t max = 2 * threshold - 1 - remaining, count;
		uint32_t v = bits_at(&b, b.pos, nbits);

		if ((int32_t)(v & (threshold - 1)) < max) {
			count = v & (threshold - 1);
			b.pos += nbits - 1;
		} else {
			count = v & (2 * threshold - 1);
			if (count >= threshold)
				count -= max;
			b.pos += nbits;
		}
		count--;
		remaining -= count < 0 ? -count : count;
		norm[sym++] = count;
		if (!count) {
			unsigned int rep;

			do {
				rep = bits_at(&b, b.pos, 2);
				b.pos += 2;
				if (sym + (int)rep > max_sym + 1)
					return -1;
				while (rep--)
					norm[sym++] = 0;
				rep = bits_at(&b, b.pos - 2, 2);
			} while (rep == 3 && (uint64_t)b.pos <= (uint64_t)len * 8);
		}
		if ((uint64_t)b.pos > (uint64_t)len * 8)
			return -1;
		while (remaining < threshold) {
			nbits--;
			threshold >>= 1;
		}
	}
	if (remaining != 1 || sym > max_sym + 1)
		return -1;
	used = (b.pos + 7) >> 3;
	if (used > len || !fse_build(t, norm, sym, log))
		return -1;
	return used;
}

/* ---- Huffman-coded literals ---- */

struct huf_entry {
	uint8_t sym;
	uint8_t nbits;
};

static struct {
	struct huf_entry e[1 << HUF_MAX_BITS];
	int maxbits;
	bool valid;
} huf;

static struct fse_table fse_tmp;	/* the Huffman weights' table */

/* The tree description at p[0, len): the bytes it took, or -1. */
static long huf_read(const uint8_t *p, size_t len)
{
	uint8_t w[256];
	unsigned int nw = 0, i, rank[HUF_MAX_BITS + 2];
	uint32_t total = 0, rest;
	size_t used;
	int maxbits, last;

	if (!len)
		return -1;
	if (p[0] >= 128) {
		nw = p[0] - 127;
		used = 1 + (nw + 1) / 2;
		if (used > len)
			return -1;
		for (i = 0; i < nw; i++)
			w[i] = i & 1 ? p[1 + i / 2] & 15 : p[1 + i / 2] >> 4;
	} else {
		struct bits b;
		long t;
		unsigned int s1, s2;

		used = 1 + p[0];
		if (used > len)
			return -1;
		t = fse_read(&fse_tmp, p + 1, p[0], 6, HUF_MAX_BITS + 1);
		if (t < 0 || !bits_init(&b, p + 1 + t, p[0] - t))
			return -1;
		s1 = bits_read(&b, fse_tmp.log);
		s2 = bits_read(&b, fse_tmp.log);
		for (;;) {
			if (nw >= 255)
				return -1;
			w[nw++] = fse_tmp.e[s1].sym;
			s1 = fse_tmp.e[s1].base + bits_read(&b, fse_tmp.e[s1].nbits);
			if (b.pos < 0) {
				if (nw >= 255)	/* 255 weights at most: the last is implied */
					return -1;
				w[nw++] = fse_tmp.e[s2].sym;
				break;
			}
			if (nw >= 255)
				return -1;
			w[nw++] = fse_tmp.e[s2].sym;
			s2 = fse_tmp.e[s2].base + bits_read(&b, fse_tmp.e[s2].nbits);
			if (b.pos < 0) {
				if (nw >= 255)
					return -1;
				w[nw++] = fse_tmp.e[s1].sym;
				break;
			}
		}
	}
	for (i = 0; i < nw; i++) {
		if (w[i] > HUF_MAX_BITS)
			return -1;
		if (w[i])
			total += 1u << (w[i] - 1);
	}
	if (!total)
		return -1;
	maxbits = highbit(total) + 1;
	rest = (1u << maxbits) - total;
	if (maxbits > HUF_MAX_BITS || rest & (rest - 1))
		return -1;
	last = highbit(rest) + 1;
	w[nw++] = last;
	/* Lower weights first in the table, each symbol 2^(w-1) entries. */
	memset(rank, 0, sizeof(rank));
	for (i = 0; i < nw; i++)
		if (w[i])
			rank[w[i]] += 1u << (w[i] - 1);
	{
		unsigned int start = 0, wt, n;

		for (wt = 1; wt <= HUF_MAX_BITS + 1; wt++) {
			n = rank[wt];
			rank[wt] = start;
			start += n;
		}
	}
	for (i = 0; i < nw; i++) {
		unsigned int k, n;

		if (!w[i])
			continue;
		n = 1u << (w[i] - 1);
		for (k = 0; k < n; k++) {
			huf.e[rank[w[i]] + k].sym = i;
			huf.e[rank[w[i]] + k].nbits = maxbits + 1 - w[i];
		}
		rank[w[i]] += n;
	}
	huf.maxbits = maxbits;
	huf.valid = true;
	return used;
}

static bool huf_stream(const uint8_t *p, size_t len, uint8_t *out, size_t n)
{
	struct bits b;
	int mb = huf.maxbits;
	size_t i;

	if (!bits_init(&b, p, len))
		return false;
	for (i = 0; i < n; i++) {
		const struct huf_entry *e = &huf.e[bits_at(&b, b.pos - mb, mb)];

		out[i] = e->sym;
		b.pos -= e->nbits;
		if (b.pos < 0)
			return false;
	}
	return b.pos == 0;
}

/* ---- sequences ---- */

static const int16_t ll_default[36] = {
	4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1,
	-1, -1, -1, -1,
};
static const int16_t ml_default[53] = {
	1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1,
	-1, -1, -1, -1, -1,
};
static const int16_t of_default[29] = {
	1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1,
};

static const uint32_t ll_base[36] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096,
	8192, 16384, 32768, 65536,
};
static const uint8_t ll_bits[36] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12,
	13, 14, 15, 16,
};
static const uint32_t ml_base[53] = {
	3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
	19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34,
	35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051,
	4099, 8195, 16387, 32771, 65539,
};
static const uint8_t ml_bits[53] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11,
	12, 13, 14, 15, 16,
};

static struct fse_table ll_tab, ml_tab, of_tab;
static uint8_t litbuf[BLOCK_MAX];

/* One table per its mode (the modes byte's 2 bits): the bytes it took, or -1. */
static long seq_table(struct fse_table *t, unsigned int mode, const uint8_t *p, size_t len,
		      const int16_t *def, int ndef, int deflog, int max_log, int max_sym)
{
	switch (mode) {
	case 0:
		return fse_build(t, def, ndef, deflog) ? 0 : -1;
	case 1:
		if (!len || p[0] > max_sym)
			return -1;
		fse_rle(t, p[0]);
		return 1;
	case 2:
		return fse_read(t, p, len, max_log, max_sym);
	default:
		return t->valid ? 0 : -1;
	}
}

struct frame {
	uint8_t *out;
	size_t size;		/* out_size */
	size_t pos;		/* bytes written */
	size_t start;		/* where this frame's output began */
	uint32_t rep[3];
	long err;		/* -EINVAL or -ENOSPC once stopped */
};

/* n bytes out: from p, or c repeated when p is NULL; as far as they fit. */
static bool put(struct frame *f, const uint8_t *p, uint8_t c, size_t n)
{
	size_t room = f->size - f->pos, k = n < room ? n : room;

	if (k) {
		if (p)
			memcpy(f->out + f->pos, p, k);
		else
			memset(f->out + f->pos, c, k);
		f->pos += k;
	}
	if (k < n) {
		f->err = -ENOSPC;
		return false;
	}
	return true;
}

static bool bad(struct frame *f)
{
	f->err = -EINVAL;
	return false;
}

/* The literals section: *lits and *nlits set, the bytes it took, or -1. */
static long literals(const uint8_t *p, size_t len, const uint8_t **lits, size_t *nlits)
{
	unsigned int type, sf;
	size_t regen, comp, hdr;

	if (!len)
		return -1;
	type = p[0] & 3;
	sf = (p[0] >> 2) & 3;
	if (type < 2) {
		switch (sf) {
		case 0: case 2:
			hdr = 1;
			regen = p[0] >> 3;
			break;
		case 1:
			hdr = 2;
			if (len < 2)
				return -1;
			regen = (p[0] >> 4) + (p[1] << 4);
			break;
		default:
			hdr = 3;
			if (len < 3)
				return -1;
			regen = (p[0] >> 4) + (p[1] << 4) + ((size_t)p[2] << 12);
			break;
		}
		if (regen > BLOCK_MAX)
			return -1;
		if (type == 0) {
			if (regen > len - hdr)
				return -1;
			*lits = p + hdr;
			*nlits = regen;
			return hdr + regen;
		}
		if (len < hdr + 1)
			return -1;
		memset(litbuf, p[hdr], regen);
		*lits = litbuf;
		*nlits = regen;
		return hdr + 1;
	} else {
		uint64_t v;
		bool four = sf != 0;
		long t = 0;

		hdr = sf < 2 ? 3 : sf + 2;
		if (len < hdr)
			return -1;
		v = p[0] | p[1] << 8 | (uint32_t)p[2] << 16;
		if (hdr > 3)
			v |= (uint64_t)p[3] << 24;
		if (hdr > 4)
			v |= (uint64_t)p[4] << 32;
		if (hdr == 3) {
			regen = (v >> 4) & 0x3FF;
			comp = (v >> 14) & 0x3FF;
		} else if (hdr == 4) {
			regen = (v >> 4) & 0x3FFF;
			comp = (v >> 18) & 0x3FFF;
		} else {
			regen = (v >> 4) & 0x3FFFF;
			comp = (v >> 22) & 0x3FFFF;
		}
		if (regen > BLOCK_MAX || comp > len - hdr)
			return -1;
		p += hdr;
		if (type == 2) {
			t = huf_read(p, comp);
			if (t < 0)
				return -1;
		} else if (!huf.valid) {
			return -1;
		}
		if (!four) {
			if (!huf_stream(p + t, comp - t, litbuf, regen))
				return -1;
		} else {
			const uint8_t *s = p + t;
			size_t slen[4], seg = (regen + 3) / 4, rest = comp - t, i, o = 0;

			if (rest < 6 || regen < 3 * seg)
				return -1;
			slen[0] = s[0] | s[1] << 8;
			slen[1] = s[2] | s[3] << 8;
			slen[2] = s[4] | s[5] << 8;
			rest -= 6;
			s += 6;
			if (slen[0] + slen[1] + slen[2] > rest)
				return -1;
			slen[3] = rest - slen[0] - slen[1] - slen[2];
			for (i = 0; i < 4; i++) {
				size_t n = i < 3 ? seg : regen - 3 * seg;

				if (!huf_stream(s, slen[i], litbuf + o, n))
					return -1;
				s += slen[i];
				o += n;
			}
		}
		*lits = litbuf;
		*nlits = regen;
		return hdr + comp;
	}
}

static bool block(struct frame *f, const uint8_t *p, size_t len)
{
	const uint8_t *lits;
	size_t nlits, nseq;
	long t;
	unsigned int modes;
	struct bits b;
	unsigned int sll, sml, sof;

	t = literals(p, len, &lits, &nlits);
	if (t < 0)
		return bad(f);
	p += t;
	len -= t;
	if (!len)
		return bad(f);
	nseq = p[0];
	if (nseq < 128) {
		p += 1, len -= 1;
	} else if (nseq < 255) {
		if (len < 2)
			return bad(f);
		nseq = ((nseq - 128) << 8) + p[1];
		p += 2, len -= 2;
	} else {
		if (len < 3)
			return bad(f);
		nseq = p[1] + (p[2] << 8) + 0x7F00;
		p += 3, len -= 3;
	}
	if (!nseq) {
		if (len)
			return bad(f);
		return put(f, lits, 0, nlits);
	}
	if (!len)
		return bad(f);
	modes = p[0];
	p++, len--;
	if (modes & 3)
		return bad(f);
	t = seq_table(&ll_tab, modes >> 6, p, len, ll_default, 36, 6, LL_MAX_LOG, 35);
	if (t < 0)
		return bad(f);
	p += t, len -= t;
	t = seq_table(&of_tab, (modes >> 4) & 3, p, len, of_default, 29, 5, OF_MAX_LOG, 31);
	if (t < 0)
		return bad(f);
	p += t, len -= t;
	t = seq_table(&ml_tab, (modes >> 2) & 3, p, len, ml_default, 53, 6, ML_MAX_LOG, 52);
	if (t < 0)
		return bad(f);
	p += t, len -= t;
	if (!bits_init(&b, p, len))
		return bad(f);
	sll = bits_read(&b, ll_tab.log);
	sof = bits_read(&b, of_tab.log);
	sml = bits_read(&b, ml_tab.log);
	while (nseq--) {
		const struct fse_entry *el = &ll_tab.e[sll], *em = &ml_tab.e[sml], *eo = &of_tab.e[sof];
		unsigned int ofc = eo->sym;
		uint64_t ofv, ll, ml, off;

		if (ofc > 31)
			return bad(f);
		ofv = (1ULL << ofc) + bits_read(&b, ofc);
		ml = ml_base[em->sym] + bits_read(&b, ml_bits[em->sym]);
		ll = ll_base[el->sym] + bits_read(&b, ll_bits[el->sym]);
		if (ofv > 3) {
			off = ofv - 3;
			f->rep[2] = f->rep[1];
			f->rep[1] = f->rep[0];
			f->rep[0] = off;
		} else {
			unsigned int r = ofv - 1 + (ll == 0);

			if (r == 0) {
				off = f->rep[0];
			} else {
				off = r == 3 ? f->rep[0] - 1 : f->rep[r];
				if (r != 1)
					f->rep[2] = f->rep[1];
				f->rep[1] = f->rep[0];
				f->rep[0] = off;
			}
		}
		if (nseq) {
			sll = el->base + bits_read(&b, el->nbits);
			sml = em->base + bits_read(&b, em->nbits);
			sof = eo->base + bits_read(&b, eo->nbits);
		}
		if (b.pos < 0 || ll > nlits)
			return bad(f);
		if (!put(f, lits, 0, ll))
			return false;
		lits += ll;
		nlits -= ll;
		if (!off || off > f->pos - f->start)
			return bad(f);
		if (!decomp_copy_back(f->out, &f->pos, f->size, off, ml)) {
			f->err = -ENOSPC;
			return false;
		}
	}
	if (b.pos)
		return bad(f);
	return put(f, lits, 0, nlits);
}

struct frame_header {
	uint8_t fhd;
	bool fcs_stated;
	uint64_t fcs;		/* the content size, if stated */
	uint64_t window;
};

/*
 * The header of the frame whose magic is at in[*ip]: true and *ip past
 * it, or false (truncated, the reserved bit, a dictionary ID).
 */
static bool frame_header(const uint8_t *in, size_t in_len, size_t *ip, struct frame_header *h)
{
	size_t i = *ip + 4, fcs_len, did_len;
	bool single;

	if (in_len - i < 1)
		return false;
	h->fhd = in[i++];
	if (h->fhd & 8)
		return false;
	single = h->fhd & 0x20;
	did_len = (1u << (h->fhd & 3)) >> 1;	/* 0, 1, 2, 4 */
	fcs_len = h->fhd >> 6 ? 1u << (h->fhd >> 6) : single;
	if (in_len - i < !single + did_len + fcs_len)
		return false;
	h->window = 0;
	if (!single) {
		uint8_t wd = in[i++];
		uint64_t base = 1ULL << (10 + (wd >> 3));

		h->window = base + (base >> 3) * (wd & 7);
	}
	if (did_len) {
		uint32_t did = in[i];

		if (did_len > 1)
			did |= in[i + 1] << 8;
		if (did_len > 2)
			did = dec_le32(in + i);
		if (did)
			return false;	/* dictionaries are not supported */
		i += did_len;
	}
	switch (fcs_len) {
	case 0: h->fcs = 0; break;
	case 1: h->fcs = in[i]; break;
	case 2: h->fcs = (in[i] | in[i + 1] << 8) + 256; break;
	case 4: h->fcs = dec_le32(in + i); break;
	default: h->fcs = dec_le64(in + i); break;
	}
	i += fcs_len;
	h->fcs_stated = fcs_len;
	if (single)
		h->window = h->fcs;
	*ip = i;
	return true;
}

/*
 * The first frame's size found without decoding (after skippable frames;
 * its blocks walked by their headers, 0 if it is cut short): the content
 * size it states, or if it states none, the 4-byte word after it (Linux's
 * size word) if exactly that follows; else 0.
 */
uint64_t unzstd_size_hint(const void *in, size_t in_len)
{
	const uint8_t *p = in;
	struct frame_header h;
	size_t i = 0;

	while (in_len - i >= 8) {
		uint32_t magic = dec_le32(p + i);

		if ((magic & SKIP_MAGIC_MASK) == SKIP_MAGIC) {
			if (in_len - i - 8 < dec_le32(p + i + 4))
				return 0;
			i += 8 + dec_le32(p + i + 4);
			continue;
		}
		if (magic != ZSTD_MAGIC || !frame_header(p, in_len, &i, &h))
			return 0;
		for (;;) {		/* the frame's end, by its block headers */
			uint32_t bh, bsize;

			if (in_len - i < 3)
				return 0;
			bh = p[i] | p[i + 1] << 8 | p[i + 2] << 16;
			bsize = ((bh >> 1) & 3) == 1 ? 1 : bh >> 3;
			if (in_len - i - 3 < bsize)
				return 0;
			i += 3 + bsize;
			if (bh & 1)
				break;
		}
		if (h.fhd & 4)
			i += 4;		/* its checksum */
		if (i > in_len)
			return 0;
		if (h.fcs_stated)
			return h.fcs;
		/* Linux's size word, if exactly that follows the frame. */
		return in_len - i == 4 ? dec_le32(p + i) : 0;
	}
	return 0;
}

/* One zstd frame at in[*ip, in_len): true and *ip past it, or f->err set. */
static bool frame(struct frame *f, const uint8_t *in, size_t in_len, size_t *ip)
{
	struct frame_header h;
	size_t i = *ip, blk_max;
	uint64_t fcs, window;
	bool last = false;

	if (!frame_header(in, in_len, &i, &h))
		return bad(f);
	fcs = h.fcs;
	window = h.window;
	blk_max = window < BLOCK_MAX ? window : BLOCK_MAX;
	f->start = f->pos;
	f->rep[0] = 1;
	f->rep[1] = 4;
	f->rep[2] = 8;
	huf.valid = false;
	ll_tab.valid = ml_tab.valid = of_tab.valid = false;
	while (!last) {
		uint32_t bh;
		size_t bsize;

		if (in_len - i < 3)
			return bad(f);
		bh = in[i] | in[i + 1] << 8 | in[i + 2] << 16;
		i += 3;
		last = bh & 1;
		bsize = bh >> 3;
		switch ((bh >> 1) & 3) {
		case 0:
			if (in_len - i < bsize)
				return bad(f);
			if (!put(f, in + i, 0, bsize))
				return false;
			i += bsize;
			break;
		case 1:
			if (in_len - i < 1)
				return bad(f);
			if (!put(f, NULL, in[i], bsize))
				return false;
			i += 1;
			break;
		case 2:
			if (in_len - i < bsize || bsize > blk_max)
				return bad(f);
			if (!block(f, in + i, bsize))
				return false;
			i += bsize;
			break;
		default:
			return bad(f);
		}
	}
	if (h.fcs_stated && f->pos - f->start != fcs)
		return bad(f);
	if (h.fhd & 4) {
		if (in_len - i < 4)
			return bad(f);
		if ((uint32_t)xxh64(f->out + f->start, f->pos - f->start) != dec_le32(in + i))
			return bad(f);
		i += 4;
	}
	*ip = i;
	return true;
}

long unzstd(const void *in, size_t in_len, void *out, size_t out_size)
{
	const uint8_t *p = in;
	struct frame f = { .out = out, .size = out_size };
	size_t i = 0;
	bool any = false;

	/*
	 * Skippable frames, then one frame: as Xen 4.17's unzstd, which
	 * decodes the module's first frame and leaves what follows it
	 * (Linux's size word, anything else) unread.
	 */
	while (i < in_len) {
		uint32_t magic;

		if (in_len - i < 8)
			return -EINVAL;
		magic = dec_le32(p + i);
		any = true;
		if ((magic & SKIP_MAGIC_MASK) == SKIP_MAGIC) {
			uint32_t n = dec_le32(p + i + 4);

			if (in_len - i - 8 < n)
				return -EINVAL;
			i += 8 + n;
		} else if (magic == ZSTD_MAGIC) {
			if (!frame(&f, p, in_len, &i))
				return f.err;
			break;
		} else {
			return -EINVAL;
		}
	}
	if (!any)
		return -EINVAL;
	return f.pos;
}
