// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of hypervisor/common/bunzip2.c: streams the bzip2 tool makes
 * at test time (every level, several blocks, runs at the final RLE's
 * edges, incompressible data, x86 code, concatenated streams, Linux's
 * trailing size word) and hostile input (every truncation, seeded bit
 * flips, the randomised flag, short output buffers, no work area). Every
 * call gets input, output and work buffers of exactly the size asked, so
 * AddressSanitizer (the unit build's) stops any access past them.
 */
#include "decomp_test.h"

/* The bzip2 tool at level (1-9), for tool_output. */
static const char *bzip2_at(int level)
{
	static char cmd[32];

	snprintf(cmd, sizeof(cmd), "bzip2 -q -c -%d", level);
	return cmd;
}

/* bunzip2 as decode_with runs it; its work area given back. */
static long decode(const void *in, size_t in_len, size_t out_size, unsigned char **outp)
{
	long r = decode_with(bunzip2, in, in_len, out_size, outp);

	if (work_live)
		UNIT_FAIL("a work area was not given back");
	work_live = 0;
	return r;
}

static void expect_decodes(const struct buf *in, const void *want, size_t n)
{
	expect_decodes_with(decode, in->p, in->n, want, n, 0);
}

static void roundtrip(const void *data, size_t n, int level)
{
	tool_roundtrip(decode, 0, bzip2_at(level), 14, data, n);
}

/* Every level on words and x86 code, up to two full level-9 blocks. */
static void levels(void)
{
	struct buf code = x86_code(600000);
	size_t n = code.n + 1300000;
	unsigned char *d = malloc(n), *w = words(1300000);
	int l;

	memcpy(d, code.p, code.n);
	memcpy(d + code.n, w, 1300000);
	for (l = 1; l <= 9; l++)
		roundtrip(d, n, l);
	free(code.p);
	free(w);
	free(d);
}

/* Small and odd inputs: nothing, one byte, every byte value, random data. */
static void small_and_random(void)
{
	unsigned char all[256 * 3], *r = random_bytes(300000);
	size_t i;

	roundtrip("", 0, 9);
	roundtrip("x", 1, 9);
	roundtrip("ab", 2, 1);
	for (i = 0; i < sizeof(all); i++)
		all[i] = i * 7;
	roundtrip(all, sizeof(all), 9);
	for (i = 1; i < 3000; i += 97)
		roundtrip(r, i, 9);
	roundtrip(r, 300000, 9);
	roundtrip(r, 300000, 1);
	free(r);
}

/*
 * Runs at the final RLE's edges: 1-4 equal bytes (no count), 5 and 259
 * (a count of 1 and 255), 260 (a new run after a full one), long runs that
 * make RUNA/RUNB numbers of every width, a 2 MB run over several blocks.
 */
static void runs(void)
{
	size_t lens[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 255, 258, 259, 260, 261, 263, 264, 1000,
			  65536, 100000 };
	unsigned char *d = malloc(4 << 20);
	size_t i, k, n = 0;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		memset(d + n, 'a' + i % 3, lens[i]);
		n += lens[i];
		d[n++] = 'z';
	}
	roundtrip(d, n, 9);
	roundtrip(d, n, 1);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		memset(d, 'q', lens[i]);
		roundtrip(d, lens[i], 9);
	}
	memset(d, 0, 2 << 20);
	roundtrip(d, 2 << 20, 9);
	roundtrip(d, 2 << 20, 1);
	for (n = 0; n < (2 << 20);)	/* runs of random lengths and bytes */
		for (k = unit_rnd() % 40, i = unit_rnd() >> 56; k-- && n < (2 << 20);)
			d[n++] = i;
	roundtrip(d, n, 9);
	free(d);
}

/*
 * Linux's payload (bzip2 -9, then the 4-byte size) and streams one after
 * another (as `cat a.bz2 b.bz2`): all decoded; what follows the last is
 * not read.
 */
static void concatenated_and_trailing(void)
{
	unsigned char *w = words(250000), *r = random_bytes(20000), *want;
	struct buf a = tool_output(bzip2_at(9), w, 250000), b = tool_output(bzip2_at(3), r, 20000);
	struct buf e = tool_output(bzip2_at(5), "", 0), c;
	static const unsigned char size_words[][4] = { { 0x90, 0xd0, 0x03, 0x00 },
		{ 'B', 'Z', 'h', '9' } };
	size_t i;

	c.p = malloc(a.n + b.n + e.n + a.n + 4);
	want = malloc(250000 + 20000 + 250000);
	memcpy(want, w, 250000);
	memcpy(want + 250000, r, 20000);
	memcpy(want + 270000, w, 250000);
	for (i = 0; i < ARRAY_SIZE(size_words); i++) {
		memcpy(c.p, a.p, a.n);
		memcpy(c.p + a.n, size_words[i], 4);
		c.n = a.n + 4;
		expect_decodes(&c, w, 250000);
	}
	c.n = 0;
	memcpy(c.p + c.n, a.p, a.n);
	c.n += a.n;
	memcpy(c.p + c.n, b.p, b.n);
	c.n += b.n;
	memcpy(c.p + c.n, e.p, e.n);
	c.n += e.n;
	memcpy(c.p + c.n, a.p, a.n);
	c.n += a.n;
	expect_decodes(&c, want, 520000);
	memcpy(c.p + c.n, "\x08\xef\x07\x00", 4);
	c.n += 4;
	expect_decodes(&c, want, 520000);
	/* A broken second stream fails the whole. */
	c.p[a.n + 20] ^= 0x10;
	EXPECT_EQ(decode(c.p, c.n, 520000, NULL), -EINVAL);
	free(c.p);
	free(want);
	free(a.p);
	free(b.p);
	free(e.p);
	free(w);
	free(r);
}

/* Every truncation of a stream: -EINVAL, none reads past its end (ASan). */
static void truncations(void)
{
	unsigned char *w = words(30000), *r = random_bytes(3000), *d = malloc(33000);
	struct buf x;

	memcpy(d, w, 30000);
	memcpy(d + 30000, r, 3000);
	x = tool_output(bzip2_at(1), d, 33000);
	expect_cuts_refused(decode, x.p, x.n, 33000);
	free(x.p);
	free(d);
	free(r);
	free(w);
}

/*
 * Seeded bit flips: each decodes to the right bytes (a padding bit) or
 * fails; the CRCs leave no wrong output.
 */
static void bit_flips(void)
{
	struct buf code = x86_code(40000), x;
	unsigned char *w = words(40000), *d = malloc(80000), *o;
	size_t i, at;
	unsigned char keep, next;
	long r;

	memcpy(d, code.p, code.n);
	memcpy(d + code.n, w, 80000 - code.n);
	x = tool_output(bzip2_at(9), d, 80000);
	for (i = 0; i < 3000; i++) {
		at = unit_rnd() % x.n;
		keep = x.p[at];
		next = x.p[(at + 1) % x.n];
		x.p[at] ^= 1 << (unit_rnd() % 8);
		if (i % 7 == 0)
			x.p[(at + 1) % x.n] ^= unit_rnd() >> 56;
		r = decode(x.p, x.n, 80000, &o);
		if (r >= 0 && (r != 80000 || memcmp(o, d, 80000))) {
			UNIT_FAIL("a flipped stream decoded to wrong bytes");
			free(o);
			break;
		}
		EXPECT(r == 80000 || r == -EINVAL || r == -ENOSPC);
		free(o);
		x.p[at] = keep;
		if (i % 7 == 0)
			x.p[(at + 1) % x.n] = next;
	}
	EXPECT_EQ(decode(x.p, x.n, 80000, NULL), 80000);
	free(x.p);
	free(code.p);
	free(w);
	free(d);
}

/* Hand-made edges: the randomised flag, bad magics, garbage, no work area. */
static void odd_streams(void)
{
	unsigned char *w = words(3000), *p;
	struct buf x = tool_output(bzip2_at(9), w, 3000);
	size_t i;

	p = malloc(x.n);
	EXPECT_EQ(decode("", 0, 10, NULL), -EINVAL);
	EXPECT_EQ(decode("BZh", 3, 10, NULL), -EINVAL);
	EXPECT_EQ(decode("BZh0", 4, 10, NULL), -EINVAL);
	/* Block header: magic (bytes 4-9), CRC (10-13), then the randomised bit. */
	memcpy(p, x.p, x.n);
	EXPECT_EQ(p[14] & 0x80, 0);
	p[14] |= 0x80;
	EXPECT_EQ(decode(p, x.n, 3000, NULL), -EINVAL);
	memcpy(p, x.p, x.n);
	p[3] = '0';
	EXPECT_EQ(decode(p, x.n, 3000, NULL), -EINVAL);
	memcpy(p, x.p, x.n);
	p[9] ^= 1;		/* block magic */
	EXPECT_EQ(decode(p, x.n, 3000, NULL), -EINVAL);
	memcpy(p, x.p, x.n);
	p[12] ^= 1;		/* block CRC */
	EXPECT_EQ(decode(p, x.n, 3000, NULL), -EINVAL);
	memcpy(p, x.p, x.n);
	p[x.n - 2] ^= 0x40;	/* stream CRC */
	EXPECT_EQ(decode(p, x.n, 3000, NULL), -EINVAL);
	/* All 0xff and all 0 after a good block magic. */
	memcpy(p, x.p, 10);
	for (i = 10; i < x.n; i++)
		p[i] = 0xff;
	EXPECT_EQ(decode(p, x.n, 3000, NULL), -EINVAL);
	memset(p + 10, 0, x.n - 10);
	EXPECT_EQ(decode(p, x.n, 3000, NULL), -EINVAL);
	work_refused = true;
	EXPECT_EQ(decode(x.p, x.n, 3000, NULL), -ENOMEM);
	work_refused = false;
	EXPECT_EQ(decode(x.p, x.n, 3000, NULL), 3000);
	free(p);
	free(x.p);
	free(w);
}

DECOMP_MAIN("bunzip2", "bzip2",
	    UNIT_TEST(levels), UNIT_TEST(small_and_random), UNIT_TEST(runs),
	    UNIT_TEST(concatenated_and_trailing), UNIT_TEST(truncations),
	    UNIT_TEST(bit_flips), UNIT_TEST(odd_streams))
