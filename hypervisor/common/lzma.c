// SPDX-License-Identifier: GPL-2.0-only
/*
 * The LZMA decoder that the .xz decoder (unxz.c, LZMA2 chunks) and the
 * LZMA-alone decoder (unlzma.c) share: the range coder with 11-bit
 * probabilities, then literals, matches and the four repeat distances,
 * written from the LZMA algorithm's description. The output buffer is the
 * dictionary; every match distance is checked against the bytes written
 * since the last dictionary reset, every write against the caller's end.
 * Speed figures: unxz.c's file comment.
 */
#include "lzma.h"
#include <hv/string.h>
#include <lamina/errno.h>

/* ---- the range coder ---- */

/* One bit with the adaptive probability *p (of a 0, in 1/2048). */
static lz_inline unsigned rc_bit(struct rc *rc, uint16_t *p)
{
	uint32_t bound;

	rc_normalize(rc);
	bound = (rc->range >> 11) * *p;
	if (rc->code < bound) {
		rc->range = bound;
		*p += (2048 - *p) >> 5;
		return 0;
	}
	rc->range -= bound;
	rc->code -= bound;
	*p -= *p >> 5;
	return 1;
}

/* A bits-wide number, high bit first, over the tree p[1 .. 2^bits - 1]. */
static lz_inline unsigned rc_tree(struct rc *rc, uint16_t *p, unsigned bits)
{
	unsigned m = 1;

	while (m < (1u << bits))
		m = (m << 1) | rc_bit(rc, &p[m]);
	return m - (1u << bits);
}

/* The same, low bit first. */
static lz_inline unsigned rc_tree_rev(struct rc *rc, uint16_t *p, unsigned bits)
{
	unsigned m = 1, v = 0, i, b;

	for (i = 0; i < bits; i++) {
		b = rc_bit(rc, &p[m]);
		m = (m << 1) | b;
		v |= b << i;
	}
	return v;
}

/* bits bits of probability 1/2, high bit first. */
static lz_inline uint32_t rc_direct(struct rc *rc, unsigned bits)
{
	uint32_t v = 0;

	while (bits--) {
		rc_normalize(rc);
		rc->range >>= 1;
		v <<= 1;
		if (rc->code >= rc->range) {
			rc->code -= rc->range;
			v |= 1;
		}
	}
	return v;
}

/* ---- LZMA ---- */

struct lz lzma_lz;

int lz_props(struct lz *z, unsigned b)
{
	if (b >= 9 * 5 * 5)
		return -EINVAL;
	z->lc = b % 9;
	b /= 9;
	z->lp = b % 5;
	z->pb = b / 5;
	return z->lc + z->lp > LZ_LCLP_MAX ? -EINVAL : 0;
}

void lz_reset_state(struct lz *z)
{
	size_t n = offsetof(struct lz_probs, literal) / sizeof(uint16_t) +
		   (LZ_LIT_SIZE << (z->lc + z->lp));
	uint16_t *p = (uint16_t *)&z->p;

	while (n--)
		*p++ = 1024;
	z->state = 0;
	memset(z->rep, 0, sizeof(z->rep));
}

static unsigned lz_len(struct rc *rc, struct lz_len *l, unsigned ps)
{
	if (!rc_bit(rc, &l->choice))
		return LZ_MIN_MATCH + rc_tree(rc, l->low[ps], 3);
	if (!rc_bit(rc, &l->choice2))
		return LZ_MIN_MATCH + 8 + rc_tree(rc, l->mid[ps], 3);
	return LZ_MIN_MATCH + 16 + rc_tree(rc, l->high, 8);
}

/* A new match's distance less one: a slot, then its low bits. */
static lz_inline uint32_t lz_dist(struct rc *rc, struct lz_probs *p, unsigned len)
{
	unsigned slot = rc_tree(rc, p->slot[MIN(len - LZ_MIN_MATCH, 3u)], 6);
	unsigned n;
	uint32_t d;

	if (slot < 4)
		return slot;
	n = (slot >> 1) - 1;
	d = (uint32_t)(2 | (slot & 1)) << n;
	if (slot < LZ_SLOT_END)
		return d + rc_tree_rev(rc, p->special + d - slot, n);
	d += rc_direct(rc, n - 4) << 4;
	return d + rc_tree_rev(rc, p->align, 4);
}

/* A literal after a match: its bits follow the byte at rep0 while they agree. */
static lz_inline unsigned lz_literal_matched(struct rc *rc, uint16_t *lp, unsigned mb)
{
	unsigned sym = 1, mbit, b;

	do {
		mbit = (mb >> 7) & 1;
		mb <<= 1;
		b = rc_bit(rc, &lp[0x100 + (mbit << 8) + sym]);
		sym = (sym << 1) | b;
		if (b != mbit)
			break;
	} while (sym < 0x100);
	while (sym < 0x100)
		sym = (sym << 1) | rc_bit(rc, &lp[sym]);
	return sym & 0xff;
}

/* lit: the literal probabilities; lc and lp_mask ((1 << lp) - 1) as locals. */
static lz_inline unsigned lz_literal(uint16_t *lit, const uint8_t *dict, unsigned lc,
				     size_t lp_mask, struct rc *rc, unsigned state,
				     size_t pos, uint32_t rep0)
{
	unsigned prev = pos ? dict[pos - 1] : 0;
	size_t ctx = ((pos & lp_mask) << lc) + (prev >> (8 - lc));
	uint16_t *lp = lit + LZ_LIT_SIZE * ctx;

	if (state < LZ_LIT_STATES)
		return rc_tree(rc, lp, 8);
	return lz_literal_matched(rc, lp, dict[pos - rep0 - 1]);
}

/*
 * See lzma.h. lc and lp are copied to locals (the byte stores into dict
 * could alias them); the range coder is not (copied, the hypervisor's
 * build took 2.8% more instructions).
 */
int lz_run(struct lz *z, struct rc *rc, size_t end, bool cut)
{
	struct lz_probs *p = &z->p;
	uint8_t *dict = z->dict;
	unsigned lc = z->lc;
	size_t lp_mask = ((size_t)1 << z->lp) - 1;
	size_t pos = z->pos;
	uint32_t pb_mask = (1u << z->pb) - 1;
	uint32_t r0 = z->rep[0], r1 = z->rep[1], r2 = z->rep[2], r3 = z->rep[3];
	unsigned state = z->state, len, ps;
	int ret = 0;

	while (pos < end && !rc->overrun) {
		ps = pos & pb_mask;
		if (!rc_bit(rc, &p->is_match[state][ps])) {
			if (state >= LZ_LIT_STATES && r0 >= pos) {
				ret = -EINVAL;	/* only after a refused match */
				break;
			}
			dict[pos] = lz_literal(p->literal, dict, lc, lp_mask, rc, state, pos, r0);
			pos++;
			state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
			continue;
		}
		if (!rc_bit(rc, &p->is_rep[state])) {
			len = lz_len(rc, &p->match_len, ps);
			r3 = r2;
			r2 = r1;
			r1 = r0;
			r0 = lz_dist(rc, p, len);
			state = state < LZ_LIT_STATES ? 7 : 10;
		} else if (!rc_bit(rc, &p->is_rep0[state])) {
			if (!rc_bit(rc, &p->is_rep0_long[state][ps])) {
				state = state < LZ_LIT_STATES ? 9 : 11;
				if (r0 >= pos) {
					ret = -EINVAL;
					break;
				}
				dict[pos] = dict[pos - r0 - 1];
				pos++;
				continue;
			}
			len = lz_len(rc, &p->rep_len, ps);
			state = state < LZ_LIT_STATES ? 8 : 11;
		} else {
			uint32_t d;

			if (!rc_bit(rc, &p->is_rep1[state])) {
				d = r1;
			} else {
				if (!rc_bit(rc, &p->is_rep2[state])) {
					d = r2;
				} else {
					d = r3;
					r3 = r2;
				}
				r2 = r1;
			}
			r1 = r0;
			r0 = d;
			len = lz_len(rc, &p->rep_len, ps);
			state = state < LZ_LIT_STATES ? 8 : 11;
		}
		/* Only a new match's distance can be 0xffffffff: the end marker. */
		if (r0 >= pos || r0 == UINT32_MAX) {
			ret = r0 == UINT32_MAX ? LZ_EOS : -EINVAL;
			break;
		}
		if (len > end - pos) {
			if (!cut) {
				ret = -EINVAL;
				break;
			}
			len = end - pos;
			ret = -ENOSPC;
		}
		{
			const uint8_t *src = dict + pos - r0 - 1;
			uint8_t *dst = dict + pos;

			pos += len;
			while (len--)
				*dst++ = *src++;
		}
		if (ret)
			break;
	}
	z->pos = pos;
	z->state = state;
	z->rep[0] = r0;
	z->rep[1] = r1;
	z->rep[2] = r2;
	z->rep[3] = r3;
	return ret;
}


int lz_end_marker(struct lz *z, struct rc *rc)
{
	unsigned ps = z->pos & ((1u << z->pb) - 1), len;

	if (!rc_bit(rc, &z->p.is_match[z->state][ps]) || rc_bit(rc, &z->p.is_rep[z->state]))
		return 0;
	len = lz_len(rc, &z->p.match_len, ps);
	return lz_dist(rc, &z->p, len) == UINT32_MAX;
}
