/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the LZMA decoders: the range coder and the LZMA symbol decoder
 * (lzma.c) that unxz.c (LZMA2 chunks) and unlzma.c (an LZMA-alone
 * stream) share. Nothing else includes this.
 */
#ifndef HV_COMMON_LZMA_H
#define HV_COMMON_LZMA_H

#include <hv/decompress.h>
#include <hv/types.h>

#define lz_inline	inline __attribute__((always_inline))

/* ---- the range coder ---- */

struct rc {
	uint32_t range, code;
	const uint8_t *in, *end;	/* the coder's bytes still unread */
	bool overrun;			/* wanted a byte past end */
};

static lz_inline void rc_normalize(struct rc *rc)
{
	if (rc->range < (1u << 24)) {
		rc->range <<= 8;
		rc->code <<= 8;
		if (likely(rc->in < rc->end))
			rc->code |= *rc->in++;
		else
			rc->overrun = true;
	}
}

/* ---- LZMA ---- */

#define LZ_STATES	12
#define LZ_LIT_STATES	7	/* states below: the last symbol was a literal */
#define LZ_POS_MAX	16	/* 1 << pb, pb <= 4 */
#define LZ_LIT_SIZE	0x300	/* probabilities of one literal coder */
#define LZ_LCLP_MAX	4	/* lc + lp <= 4 (LZMA2's rule; liblzma's for LZMA too) */
#define LZ_MIN_MATCH	2
#define LZ_SLOT_END	14	/* slots from here: direct bits and the align tree */
#define LZ_EOS		1	/* lz_run: the end marker was decoded */

struct lz_len {
	uint16_t choice, choice2;
	uint16_t low[LZ_POS_MAX][8], mid[LZ_POS_MAX][8], high[256];
};

/* All of it is probabilities, so a state reset sets every uint16_t. */
struct lz_probs {
	uint16_t is_match[LZ_STATES][LZ_POS_MAX];
	uint16_t is_rep[LZ_STATES], is_rep0[LZ_STATES];
	uint16_t is_rep1[LZ_STATES], is_rep2[LZ_STATES];
	uint16_t is_rep0_long[LZ_STATES][LZ_POS_MAX];
	uint16_t slot[4][64];
	uint16_t special[115];	/* the reverse trees of slots 4..13 */
	uint16_t align[16];
	struct lz_len match_len, rep_len;
	uint16_t literal[LZ_LIT_SIZE << LZ_LCLP_MAX];
};

struct lz {
	struct lz_probs p;
	uint8_t *dict;		/* where the last dictionary reset left the output */
	size_t pos;		/* bytes decoded since then */
	uint32_t rep[4];	/* the last distances, less one */
	unsigned state;
	unsigned lc, lp, pb;
};

/* The one decoder state (~28 KiB): boot runs one decoder at a time on CPU 0. */
extern struct lz lzma_lz;

/* The properties byte (lc, lp, pb as (pb * 5 + lp) * 9 + lc): 0 or -EINVAL. */
int lz_props(struct lz *z, unsigned b);
/* Every probability to 1/2, state 0, the four distances 0. */
void lz_reset_state(struct lz *z);
/*
 * Decodes symbols until z->pos reaches end (dictionary-relative) or the
 * input overruns. A match that would pass end is an error (-EINVAL) unless
 * end was cut short by the output buffer (cut): then it is copied up to
 * end and -ENOSPC returned. The end marker (a match of distance 2^32)
 * stops it with LZ_EOS; LZMA2 refuses that.
 */
int lz_run(struct lz *z, struct rc *rc, size_t end, bool cut);
/* Whether the next symbol is the end marker (the state is spent after). */
int lz_end_marker(struct lz *z, struct rc *rc);

#endif
