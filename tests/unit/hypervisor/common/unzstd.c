// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of hypervisor/common/unzstd.c: frames the zstd tool makes at
 * test time (levels up to -22 --ultra, long windows, small blocks,
 * several frames, with and without the checksum), the dom0 kernel when the
 * build has one, frames made by hand (RLE, raw and reserved blocks, a
 * dictionary ID, skippable frames, Linux's size word) and hostile input
 * (every truncation, seeded bit flips and byte overwrites, short output
 * buffers). Every call gets an input and an output buffer of exactly the
 * size given, so AddressSanitizer stops any access past them.
 */
#include "decomp_test.h"

/*
 * The zstd tool with options opts, for tool_output of n bytes: the content
 * size stated as for a file ("--no-content-size": not; "piped": as Linux's
 * build pipes it, not stated either).
 */
static const char *zstd_with(const char *opts, size_t n)
{
	static char cmd[256];

	if (strstr(opts, "piped"))
		snprintf(cmd, sizeof(cmd), "zstd -q %s -c", opts + 5);
	else
		snprintf(cmd, sizeof(cmd), "zstd -q %s --stream-size=%zu -c", opts, n);
	return cmd;
}

static struct buf zst(const void *data, size_t n, const char *opts)
{
	return tool_output(zstd_with(opts, n), data, n);
}

static long run(const void *in, size_t in_len, size_t out_size, unsigned char **outp)
{
	return decode_with(unzstd, in, in_len, out_size, outp);
}

/* in decodes to want[0, n), as expect_decodes_with checks. */
static void expect_decodes(const void *in, size_t in_len, const void *want, size_t n)
{
	expect_decodes_with(run, in, in_len, want, n, 0);
}

static void roundtrip(const void *data, size_t n, const char *opts)
{
	tool_roundtrip(run, 0, zstd_with(opts, n), 9, data, n);
}

static void levels(void)
{
	static const char *const opts[] = { "-1", "-3", "-9 --no-check", "-19", "-22 --ultra",
		"--fast=5", "-5 -B4096", "--long=24 -12", "-3 --no-content-size", "piped -22 --ultra" };
	struct buf code = x86_code(600000);
	unsigned char *w = words(300000), *r = random_bytes(70000);
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(opts); i++) {
		roundtrip(code.p, code.n, opts[i]);
		roundtrip(w, 300000, opts[i]);
		roundtrip(r, 70000, opts[i]);
		roundtrip(w, 1, opts[i]);
		roundtrip(w, 37, opts[i]);
	}
	free(code.p);
	free(w);
	free(r);
}

/* Mixed data: literals of every kind, sequences of every table mode. */
static void mixed(void)
{
	size_t n = 500000, i;
	unsigned char *d = words(n), *r = random_bytes(n);
	struct buf code = x86_code(n);

	for (i = 0; i + 4000 < n; i += 9000) {
		memcpy(d + i, r + i, 1500);
		memset(d + i + 1500, (int)i, 700);
		memcpy(d + i + 2200, code.p + i % code.n, i + 4000 < code.n ? 1800 : 0);
	}
	roundtrip(d, n, "-3");
	roundtrip(d, n, "-19 --check");
	roundtrip(d, n, "-22 --ultra -B20000");
	free(d);
	free(r);
	free(code.p);
}

/*
 * Literals of a few small byte values (Huffman weights stored directly),
 * and 4-byte tokens (more than 0x7F00 sequences in a block).
 */
static void small_alphabet(void)
{
	unsigned char *d = malloc(400000);
	size_t i;
	unsigned char tok[3000][4];
	unsigned k;

	for (i = 0; i < 3000; i++) {
		unsigned v = __builtin_ctzll(unit_rnd() | 1ULL << 15);

		d[i] = v;
	}
	roundtrip(d, 3000, "-19");
	roundtrip(d, 3000, "-3");
	for (k = 0; k < 3000; k++)
		for (i = 0; i < 4; i++)
			tok[k][i] = unit_rnd() >> 24;
	for (i = 0; i < 400000; i += 4)
		memcpy(d + i, tok[unit_rnd() % 3000], 4);
	roundtrip(d, 400000, "-1");
	roundtrip(d, 400000, "--zstd=mml=3 -12");
	roundtrip(d, 400000, "--zstd=mml=3,strat=9 -19");
	free(d);
}

static void empty(void)
{
	struct buf z = zst("", 0, "-3");

	EXPECT_EQ(run(z.p, z.n, 0, NULL), 0);
	EXPECT_EQ(run(z.p, z.n, 10, NULL), 0);
	free(z.p);
	EXPECT_EQ(run("", 0, 10, NULL), -EINVAL);
}

/* Frames one after another, skippable frames between, Linux's size word. */
static void frames(void)
{
	unsigned char *a = words(20000), *b = random_bytes(3000), *want = malloc(23000);
	struct buf za = zst(a, 20000, "-3"), zb = zst(b, 3000, "-1 --no-check");
	static const unsigned char skip[] = { 0x5e, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3 };
	unsigned char *in = malloc(za.n + zb.n + 2 * sizeof(skip) + 5);
	size_t n = 0;

	memcpy(want, a, 20000);
	memcpy(want + 20000, b, 3000);
	memcpy(in + n, skip, sizeof(skip)), n += sizeof(skip);
	memcpy(in + n, za.p, za.n), n += za.n;
	/* One frame after skippable ones; what follows it is not read, as Xen's. */
	expect_decodes(in, n, want, 20000);
	memcpy(in + n, "\x20\x4e\x00\x00", 4);	/* the size word */
	expect_decodes(in, n + 4, want, 20000);
	in[n + 4] = 0;				/* 5 bytes after: not a size word, not read */
	expect_decodes(in, n + 5, want, 20000);
	expect_decodes(in, n + 3, want, 20000);
	EXPECT_EQ(unzstd_size_hint(in, n + 4), 20000);
	memcpy(in + n, skip, sizeof(skip)), n += sizeof(skip);
	memcpy(in + n, zb.p, zb.n), n += zb.n;
	expect_decodes(in, n, want, 20000);		/* a second frame: left, as on Xen */
	expect_decodes(zb.p, zb.n, want + 20000, 3000);
	/* Only skippable frames: nothing; a size word alone: refused. */
	EXPECT_EQ(run(skip, sizeof(skip), 10, NULL), 0);
	EXPECT_EQ(run("\x38\x59\x00\x00", 4, 10, NULL), -EINVAL);
	EXPECT_EQ(run(skip, sizeof(skip) - 1, 10, NULL), -EINVAL);
	/* The content size and the checksum are per frame. */
	free(za.p);
	free(zb.p);
	free(in);
	free(a);
	free(b);
	free(want);
}

/* Frames made by hand: magic, the header byte, ..., blocks, [checksum]. */
static void hand_made(void)
{
	/* Single segment, 1-byte content size 10: RLE block of 6, last raw block of 4. */
	static const unsigned char rle_raw[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x20, 10,
		0x32, 0, 0, 'x', 0x21, 0, 0, 'a', 'b', 'c', 'd' };
	/* The same with a 1-byte dictionary ID 0 (none) and 7. */
	static const unsigned char did0[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x21, 0, 10,
		0x32, 0, 0, 'x', 0x21, 0, 0, 'a', 'b', 'c', 'd' };
	static const unsigned char did7[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x21, 7, 10,
		0x32, 0, 0, 'x', 0x21, 0, 0, 'a', 'b', 'c', 'd' };
	/* A 4-byte dictionary ID. */
	static const unsigned char did4[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x23, 0, 0, 1, 0, 10,
		0x32, 0, 0, 'x', 0x21, 0, 0, 'a', 'b', 'c', 'd' };
	/* A window descriptor, no content size: a last RLE block of 5000. */
	static const unsigned char win[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x18,
		0x43, 0x9c, 0, 'z' };
	/* A compressed block: RLE literals (5 'q'), no sequences. */
	static const unsigned char rle_lits[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x20, 5,
		0x1d, 0, 0, 0x29, 'q', 0 };
	/* An 8-byte content size. */
	static const unsigned char fcs8[] = { 0x28, 0xb5, 0x2f, 0xfd, 0xc0, 0x18, 3, 0, 0, 0,
		0, 0, 0, 0, 0x19, 0, 0, 'a', 'b', 'c' };
	unsigned char want[5000], f[sizeof(rle_raw)];

	memset(want, 'x', 6);
	memcpy(want + 6, "abcd", 4);
	expect_decodes(rle_raw, sizeof(rle_raw), want, 10);
	expect_decodes(did0, sizeof(did0), want, 10);
	EXPECT_EQ(run(did7, sizeof(did7), 10, NULL), -EINVAL);
	EXPECT_EQ(run(did4, sizeof(did4), 10, NULL), -EINVAL);
	memset(want, 'z', 5000);
	expect_decodes(win, sizeof(win), want, 5000);
	memset(want, 'q', 5);
	expect_decodes(rle_lits, sizeof(rle_lits), want, 5);
	expect_decodes(fcs8, sizeof(fcs8), "abc", 3);
	/* The builder's hint: the first frame's stated size, else the size word after it. */
	EXPECT_EQ(unzstd_size_hint(rle_raw, sizeof(rle_raw)), 10);
	EXPECT_EQ(unzstd_size_hint(fcs8, sizeof(fcs8)), 3);
	EXPECT_EQ(unzstd_size_hint(win, sizeof(win)), 0);
	EXPECT_EQ(unzstd_size_hint(did7, sizeof(did7)), 0);
	EXPECT_EQ(unzstd_size_hint(fcs8, 9), 0);
	EXPECT_EQ(unzstd_size_hint(fcs8, sizeof(fcs8) - 1), 0);
	EXPECT_EQ(unzstd_size_hint("\x28\xb5\x2f", 3), 0);
	{
		unsigned char two[sizeof(win) + sizeof(rle_raw) + 4], word[sizeof(win) + 4];

		memcpy(two, rle_raw, sizeof(rle_raw));
		memcpy(two + sizeof(rle_raw), win, sizeof(win));
		memcpy(two + sizeof(rle_raw) + sizeof(win), "\x12\x34\0\0", 4);
		EXPECT_EQ(unzstd_size_hint(two, sizeof(two)), 10);	/* the first frame's */
		EXPECT_EQ(unzstd_size_hint(two, sizeof(rle_raw) + 4), 10);
		expect_decodes(two, sizeof(two), "xxxxxxabcd", 10);	/* the rest not read */
		memcpy(word, win, sizeof(win));
		memcpy(word + sizeof(win), "\x12\x34\0\0", 4);
		EXPECT_EQ(unzstd_size_hint(word, sizeof(word)), 0x3412);
		EXPECT_EQ(unzstd_size_hint(word, sizeof(word) - 1), 0);
	}
	/* The content size wrong, a reserved block type, the reserved header bit. */
	memcpy(f, rle_raw, sizeof(f));
	f[5] = 11;
	EXPECT_EQ(run(f, sizeof(f), 20, NULL), -EINVAL);
	memcpy(f, rle_raw, sizeof(f));
	f[10] = 0x27;
	EXPECT_EQ(run(f, sizeof(f), 20, NULL), -EINVAL);
	memcpy(f, rle_raw, sizeof(f));
	f[4] |= 8;
	EXPECT_EQ(run(f, sizeof(f), 20, NULL), -EINVAL);
	/* Not the last block, and nothing after it. */
	memcpy(f, rle_raw, sizeof(f));
	f[10] = 0x20;
	EXPECT_EQ(run(f, sizeof(f), 20, NULL), -EINVAL);
}

/* A checksum flipped: refused; the frame without its checksum flag: as the size word. */
static void checksum(void)
{
	unsigned char *w = words(50000);
	struct buf z = zst(w, 50000, "--check -7");

	EXPECT(z.n > 13 && (z.p[4] & 4));
	EXPECT_EQ(unzstd_size_hint(z.p, z.n), 50000);
	z.p[z.n - 2] ^= 0x10;
	EXPECT_EQ(run(z.p, z.n, 50000, NULL), -EINVAL);
	z.p[z.n - 2] ^= 0x10;
	expect_decodes(z.p, z.n, w, 50000);
	z.p[4] &= ~4;
	expect_decodes(z.p, z.n, w, 50000);
	free(z.p);
	free(w);
}

/* Every proper prefix of a frame: -EINVAL, never an access past it. */
static void truncations(void)
{
	struct buf code = x86_code(60000);
	struct buf z = zst(code.p, code.n, "-19 -B16384");

	expect_cuts_refused(run, z.p, z.n, code.n);
	free(z.p);
	free(code.p);
}

/* Flips and overwritten bytes: an error or the right bytes (the frames are checked). */
static void corruption_run(const char *opts, unsigned count, bool bytes)
{
	size_t n = 90000;
	struct buf code = x86_code(n / 2);
	unsigned char *d = words(n), *o;
	struct buf z;
	unsigned i, wrong = 0;

	memcpy(d, code.p, code.n);
	z = zst(d, n, opts);
	for (i = 0; i < count && z.n; i++) {
		size_t at = unit_rnd() % z.n;
		unsigned char keep = z.p[at];
		long r;

		if (bytes)
			z.p[at] = unit_rnd() >> 11;
		else
			z.p[at] ^= 1u << (unit_rnd() % 8);
		r = run(z.p, z.n, n, &o);
		if (r > (long)n || r < -ENOSPC)
			UNIT_FAIL("a corrupt frame gave an impossible result");
		else if (r >= 0 && (r != (long)n || memcmp(o, d, n)))
			wrong++;
		free(o);
		z.p[at] = keep;
	}
	EXPECT_EQ(wrong, 0);
	EXPECT_EQ(run(z.p, z.n, n, NULL), n);
	free(z.p);
	free(code.p);
	free(d);
}

static void corruption(void)
{
	corruption_run("-19 --check", 3000, false);
	corruption_run("-3 --check -B8192", 2000, true);
	corruption_run("-22 --ultra --check", 1500, false);
}

/*
 * A block whose Huffman description's FSE-coded weights run to 256 (a
 * byte flipped by the corruption runs, on a build whose test data made
 * it, cut down to the frame header and that block's first 373 bytes):
 * 255 weights at most may be coded, the last being implied; the decoder
 * wrote the implied one past its 256-entry array (UBSan's bounds check,
 * 6 Dec). Now -EINVAL.
 */
static const unsigned char weights_256[] = {
	0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0xad, 0x0b, 0x00, 0x76, 0xa2, 0x5c, 0x36, 0x30, 0x73, 0xd2,
	0x18, 0x00, 0x56, 0x93, 0x26, 0xa7, 0xac, 0x47, 0x50, 0x73, 0x60, 0xc1, 0x18, 0xb6, 0x0a, 0x18,
	0xc2, 0x38, 0x6a, 0x1c, 0x47, 0x2a, 0x48, 0x43, 0xc0, 0x95, 0x2f, 0x51, 0x0f, 0x61, 0x71, 0x0f,
	0x02, 0x2f, 0xbe, 0x4c, 0x55, 0x55, 0xed, 0xfb, 0xff, 0xbf, 0x27, 0x9b, 0xeb, 0x6f, 0xaa, 0xfa,
	0xfb, 0x2f, 0x05, 0x48, 0x00, 0x4d, 0x00, 0x50, 0x00, 0xa7, 0xe9, 0x77, 0xe6, 0xde, 0xd6, 0x5a,
	0xca, 0x92, 0x43, 0xe9, 0x95, 0x9e, 0x7b, 0x9f, 0x64, 0xd7, 0x14, 0xf2, 0x9f, 0xc2, 0xef, 0xfa,
	0xb4, 0xf3, 0x7d, 0x48, 0x6f, 0xad, 0x67, 0xc2, 0x3f, 0x84, 0xdf, 0xf5, 0x3c, 0xf8, 0xbd, 0xb5,
	0x9e, 0xa4, 0x47, 0xfa, 0x5d, 0x47, 0x39, 0xfa, 0x5d, 0xd7, 0x44, 0x29, 0x7a, 0xa2, 0x9f, 0x7b,
	0x07, 0xde, 0xe5, 0x5b, 0xab, 0x76, 0x1a, 0x2c, 0xa0, 0xef, 0x84, 0x72, 0xee, 0x5d, 0xcf, 0x82,
	0x17, 0x79, 0xc7, 0xf0, 0x77, 0x5a, 0x5f, 0x98, 0x5c, 0x31, 0x34, 0x8c, 0x5c, 0x2f, 0xe0, 0x1e,
	0x2d, 0x7e, 0x83, 0x79, 0xb7, 0x56, 0xc0, 0xf7, 0x48, 0xf1, 0xdb, 0x44, 0xde, 0xad, 0x12, 0xf0,
	0x3d, 0x46, 0xfc, 0x06, 0x91, 0x77, 0xa7, 0x2e, 0x90, 0xbf, 0x07, 0xee, 0x5d, 0xd3, 0x41, 0x3b,
	0x1b, 0xde, 0xb9, 0x77, 0xd5, 0xb5, 0x33, 0x7f, 0x2a, 0x91, 0xe1, 0x77, 0x3d, 0x17, 0x7e, 0x31,
	0xc5, 0x48, 0x30, 0x0d, 0x4b, 0xec, 0x61, 0xbf, 0x26, 0x17, 0x53, 0xcb, 0xa4, 0x5a, 0xdb, 0x6a,
	0x32, 0x4b, 0x8f, 0xe7, 0x48, 0x2a, 0xcb, 0x14, 0x4c, 0x1d, 0x72, 0xf7, 0x7e, 0xec, 0x2a, 0xf8,
	0x6d, 0x45, 0xcd, 0xda, 0xe3, 0x89, 0x9d, 0xe9, 0x50, 0x63, 0x99, 0x80, 0x5f, 0x7a, 0xf7, 0x02,
	0xed, 0xda, 0xd6, 0x9e, 0x59, 0x00, 0x79, 0x3c, 0x75, 0xce, 0x08, 0x1e, 0x66, 0x8c, 0xf3, 0x0b,
	0xe0, 0xbb, 0xd7, 0x66, 0xd7, 0xbe, 0xad, 0xdb, 0x2c, 0x3d, 0xa2, 0x32, 0xa6, 0xe5, 0xec, 0x21,
	0xea, 0x7f, 0xee, 0xe6, 0xde, 0x53, 0xcd, 0x69, 0x6b, 0xad, 0x9f, 0x1c, 0xd7, 0x0e, 0x2e, 0xbf,
	0xf4, 0xee, 0x5d, 0xd9, 0x95, 0x6f, 0x2b, 0xca, 0xa4, 0x8f, 0x67, 0x09, 0x47, 0xb6, 0x1c, 0x90,
	0x63, 0x91, 0x5f, 0x7a, 0xf7, 0x82, 0xec, 0xca, 0xb7, 0xd5, 0xe3, 0xd1, 0xc7, 0xd3, 0x62, 0x43,
	0xb4, 0x1b, 0x70, 0x63, 0xe6, 0xfd, 0xd2, 0xbb, 0x37, 0x68, 0x57, 0xbe, 0xad, 0x3e, 0x8b, 0x3e,
	0xce, 0xb3, 0xca, 0x56, 0x70, 0x75, 0xce, 0x7b, 0xf7, 0xde, 0x1c, 0xfa, 0x6d, 0xa5, 0x99, 0xa5,
	0xc7, 0xf3, 0x45, 0x95, 0xa5, 0x0a, 0xaa, 0x66, 0xd9, 0xe0, 0xbb, 0x37, 0xe5, 0x3d,
};

/*
 * The same bug as the decoder fuzzer found it again from its seeds on the
 * code before the fix, in 2 s (tests/fuzz/decoders, 6 Dec): 35 bytes,
 * an output buffer of 3000.
 */
static const unsigned char weights_256_fuzz[] = {
	0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x88, 0xc5, 0x00, 0x00, 0x52, 0x81, 0x03,
	0x07, 0xe0, 0x0f, 0x00, 0xc5, 0x00, 0x00, 0x52, 0x81, 0x03, 0x07, 0xe0,
	0x0f, 0x00, 0x21, 0xa4, 0x01, 0x21, 0x86, 0x71, 0x18, 0x7c, 0x00,
};

static void huffman_weights_256(void)
{
	unsigned char *o;

	EXPECT(run(weights_256, sizeof(weights_256), 1 << 17, &o) == -EINVAL);
	free(o);
	EXPECT(run(weights_256_fuzz, sizeof(weights_256_fuzz), 3000, &o) == -EINVAL);
	free(o);
}

/* The dom0 kernel (build/dom0_tools/dom0-vmlinux.elf), when the build has it. */
static void dom0_kernel(void)
{
	char path[512];
	struct buf k, z;
	unsigned char *o;
	long r;

	snprintf(path, sizeof(path), "%s/dom0_tools/dom0-vmlinux.elf", build_dir);
	k = read_path(path);
	if (!k.p) {
		printf("  (no %s: the dom0 kernel is not decoded)\n", path);
		return;
	}
	z = zst(k.p, k.n, "-3 -T2");
	r = run(z.p, z.n, k.n, &o);
	EXPECT_EQ(r, k.n);
	if (r == (long)k.n)
		EXPECT(!memcmp(o, k.p, k.n));
	free(o);
	free(z.p);
	free(k.p);
}

DECOMP_MAIN("unzstd", "zstd",
	    UNIT_TEST(levels), UNIT_TEST(mixed), UNIT_TEST(small_alphabet), UNIT_TEST(empty),
	    UNIT_TEST(frames), UNIT_TEST(hand_made), UNIT_TEST(checksum), UNIT_TEST(truncations),
	    UNIT_TEST(corruption), UNIT_TEST(huffman_weights_256), UNIT_TEST(dom0_kernel))
