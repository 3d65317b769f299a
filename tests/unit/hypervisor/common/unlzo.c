// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of hypervisor/common/unlzo.c: lzop files the lzop command
 * (tests/run/packages.txt) makes at test time, as Linux's build makes
 * them (`lzop -9` of stdin, then the 32-bit decoded size) and with other
 * levels and checksum flags (CRC32, none; the header's CRC32), several
 * 256 KiB blocks, stored (incompressible) blocks, empty input; a filter,
 * a bad header checksum, a method not LZO1X refused; kimage's view; then
 * hostile input (decomp_test.h): every truncation, seeded bit flips (an
 * error or the right output: the data is checksummed), random data after
 * the header, short output buffers.
 */
#include "decomp_test.h"

#define LZOP(opts)	"lzop -c " opts

static void real(void)
{
	static const char *const tools[] = {
		LZOP("-9"), LZOP("-1"), LZOP("-3"), LZOP("-7"), LZOP("-9 --crc32"),
		LZOP("-1 --no-checksum"), LZOP("-5 --crc32"),
	};
	size_t i, blen = 1300000;	/* six blocks */
	unsigned char *big = malloc(blen);

	for (i = 0; i < blen; i++)
		big[i] = orig[(i * 3) % orig_len] ^ (uint8_t)(i >> 18);
	for (i = 0; i < ARRAY_SIZE(tools); i++)
		linux_roundtrip(unlzo, tools[i], big, blen);
	free(big);
	empty_and_one_byte(unlzo, LZOP("-9"));
	{
		/* Incompressible: stored blocks, then a compressible tail. */
		size_t n = 700000;
		unsigned char *r = random_bytes(n);

		memset(r + 600000, 'a', 100000);
		linux_roundtrip(unlzo, LZOP("-9"), r, n);
		free(r);
	}
}

static void header(void)
{
	size_t len = 5000;
	struct buf z = linux_packed(LZOP("-9"), orig, len);
	unsigned char *out = malloc(len);

	if (z.p) {
		EXPECT(z.p[9] == 0x10 && z.p[10] == 0x40);	/* lzop 1.04: version 0x1040 */
		z.p[27] ^= 1;				/* mtime: the header checksum fails */
		EXPECT(unlzo(z.p, z.n, out, len) == -EINVAL);
		z.p[27] ^= 1;
		z.p[15] = 4;				/* not an LZO1X method */
		EXPECT(unlzo(z.p, z.n, out, len) == -EINVAL);
		z.p[15] = 3;
		EXPECT(unlzo(z.p, z.n, out, len) == (long)len);
		free(z.p);
	}
	z = linux_packed(LZOP("-9 --filter=1"), orig, len);
	EXPECT(z.p && unlzo(z.p, z.n, out, len) == -EINVAL);
	free(z.p);
	free(out);
}

static void kimage(void)
{
	kimage_rounds(LZOP("-9"), KIMAGE_LZO, "lzo");
}

static void hostile(void)
{
	/* Header and blocks checksummed: a flip anywhere is caught or harmless. */
	hostile_rounds(&(struct hostile){ .fn = unlzo, .cmd = LZOP("-9"), .packed = true,
		.phrase = "lzop blocks and checks ", .len = 30000, .every = 89,
		.cut_ok = CUT_SIZE_WORD, .flips = 5000, .checked = true, .hdr = 9 + 34 });
}

DECOMP_MAIN("unlzo", "lzop",
	    UNIT_TEST(real), UNIT_TEST(header), UNIT_TEST(kimage), UNIT_TEST(hostile))
