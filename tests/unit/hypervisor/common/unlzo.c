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

static void real(void)
{
	static const char *const tools[] = {
		"lzop -9", "lzop -1", "lzop -3", "lzop -7", "lzop -9 --crc32",
		"lzop -1 --no-checksum", "lzop -5 --crc32",
	};
	size_t zlen, i, blen = 1300000;	/* six blocks */
	uint8_t *z, *big = malloc(blen);

	for (i = 0; i < blen; i++)
		big[i] = orig[(i * 3) % orig_len] ^ (uint8_t)(i >> 18);
	for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		z = tool_make(tools[i], big, blen, true, &zlen);
		EXPECT(z != NULL);
		if (!z)
			continue;
		EXPECT(decodes_to(unlzo, z, zlen, big, blen, blen));
		EXPECT(decodes_to(unlzo, z, zlen, big, blen, blen + 100));
		EXPECT(decodes_to(unlzo, z, zlen - 4, big, blen, blen));	/* no size word */
		free(z);
	}
	free(big);
	z = tool_make("lzop -9", orig, 0, false, &zlen);
	EXPECT(z && decodes_to(unlzo, z, zlen, orig, 0, 0) && decodes_to(unlzo, z, zlen, orig, 0, 10));
	free(z);
	z = tool_make("lzop -9", orig, 1, false, &zlen);
	EXPECT(z && decodes_to(unlzo, z, zlen, orig, 1, 1));
	free(z);
	{
		/* Incompressible: stored blocks, then a compressible tail. */
		size_t n = 700000;
		uint8_t *r = random_bytes(n, 5);

		memset(r + 600000, 'a', 100000);
		z = tool_make("lzop -9", r, n, true, &zlen);
		EXPECT(z && decodes_to(unlzo, z, zlen, r, n, n));
		free(z);
		free(r);
	}
}

static void header(void)
{
	size_t zlen, len = 5000;
	uint8_t *z = tool_make("lzop -9", orig, len, true, &zlen), *out = malloc(len);

	EXPECT(z != NULL);
	if (z) {
		EXPECT(z[9] == 0x10 && z[10] == 0x40);	/* lzop 1.04: version 0x1040 */
		z[27] ^= 1;				/* mtime: the header checksum fails */
		EXPECT(unlzo(z, zlen, out, len) == -EINVAL);
		z[27] ^= 1;
		z[15] = 4;				/* not an LZO1X method */
		EXPECT(unlzo(z, zlen, out, len) == -EINVAL);
		z[15] = 3;
		EXPECT(unlzo(z, zlen, out, len) == (long)len);
		free(z);
	}
	z = tool_make("lzop -9 --filter=1", orig, len, true, &zlen);
	EXPECT(z && unlzo(z, zlen, out, len) == -EINVAL);
	free(z);
	free(out);
}

static void kimage(void)
{
	kimage_rounds("lzop -9", KIMAGE_LZO, "lzo");
}

static void hostile(void)
{
	size_t zlen, len = 30000, i;
	uint8_t *data = malloc(len), *z;

	for (i = 0; i < len; i++)
		data[i] = "lzop blocks and checks "[i % 23] ^ (i % 89 == 0 ? (uint8_t)i : 0);
	z = tool_make("lzop -9", data, len, true, &zlen);
	EXPECT(z != NULL);
	/* Header and blocks checksummed: a flip anywhere is caught or harmless. */
	if (z)
		hostile_rounds(unlzo, z, zlen, data, len, CUT_SIZE_WORD, 5000, true, 0, 9 + 34);
	free(z);
	free(data);
}

int main(int argc, char **argv)
{
	if (!decomp_setup("unlzo"))
		return 1;
	RUN(real);
	RUN(header);
	RUN(kimage);
	RUN(hostile);
	return decomp_done();
}
