// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of hypervisor/common/unlzma.c (with the LZMA core, lzma.c):
 * LZMA-alone streams the xz tool makes at test time (`xz --format=lzma`,
 * which is what `lzma -9` runs: the size unknown, the end marker), with
 * Linux's size word after them, several presets and lc/lp/pb, a patched
 * known size, kimage's view of such a module, then hostile input
 * (decomp_test.h): every truncation, seeded bit flips, random data after
 * a header, short output buffers.
 */
#include "decomp_test.h"

#define LZMA(opts)	"xz --format=lzma " opts

static void real(void)
{
	static const char *const tools[] = {
		LZMA("-9"), LZMA("-0"), LZMA("-6"), LZMA("-9e"),
		LZMA("--lzma1=preset=6,lc=0,lp=0,pb=0"), LZMA("--lzma1=preset=6,lc=4,lp=0,pb=4"),
		LZMA("--lzma1=preset=6,lc=1,lp=3,pb=1"), LZMA("--lzma1=preset=1,mf=hc3,dict=4KiB"),
	};
	size_t zlen, i;
	uint8_t *z;

	for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		z = tool_make(tools[i], orig, orig_len, true, &zlen);
		EXPECT(z != NULL);
		if (!z)
			continue;
		EXPECT(decodes_to(unlzma, z, zlen, orig, orig_len, orig_len));
		EXPECT(decodes_to(unlzma, z, zlen, orig, orig_len, orig_len + 100));
		EXPECT(decodes_to(unlzma, z, zlen - 4, orig, orig_len, orig_len)); /* no size word */
		free(z);
	}
	/* `lzma -9` as Linux runs it: Xen's magic 5D 00, size unknown (all ones). */
	z = tool_make(LZMA("-9"), orig, orig_len, true, &zlen);
	if (z) {
		EXPECT(z[0] == 0x5d && z[1] == 0);
		EXPECT(!memcmp(z + 5, "\xff\xff\xff\xff\xff\xff\xff\xff", 8));
		free(z);
	}
	/* Empty, one byte, incompressible. */
	z = tool_make(LZMA("-9"), orig, 0, false, &zlen);
	EXPECT(z && decodes_to(unlzma, z, zlen, orig, 0, 0) &&
	       decodes_to(unlzma, z, zlen, orig, 0, 10));
	free(z);
	z = tool_make(LZMA("-9"), orig, 1, false, &zlen);
	EXPECT(z && decodes_to(unlzma, z, zlen, orig, 1, 1));
	free(z);
	{
		uint8_t *r = random_bytes(100000, 3);

		z = tool_make(LZMA("-9"), r, 100000, true, &zlen);
		EXPECT(z && decodes_to(unlzma, z, zlen, r, 100000, 100000));
		free(z);
		free(r);
	}
}

/* A stated size in the header (xz writes none): the end marker may follow it. */
static void known_size(void)
{
	size_t zlen, len = 50000;
	uint8_t *z = tool_make(LZMA("-6"), orig, len, true, &zlen), *out = malloc(len + 1);
	uint64_t s;

	EXPECT(z != NULL);
	if (!z)
		goto out;
	s = len;
	memcpy(z + 5, &s, 8);
	EXPECT(decodes_to(unlzma, z, zlen, orig, len, len));
	EXPECT(decodes_to(unlzma, z, zlen, orig, len, len + 1));
	EXPECT(unlzma(z, zlen, out, len - 1) == -ENOSPC && !memcmp(out, orig, len - 1));
	/* Stated too small or too large: the data disagrees. */
	s = len - 1;
	memcpy(z + 5, &s, 8);
	EXPECT(unlzma(z, zlen, out, len) == -EINVAL);
	s = len + 1;
	memcpy(z + 5, &s, 8);
	EXPECT(unlzma(z, zlen, out, len) == -ENOSPC);
	EXPECT(unlzma(z, zlen, out, len + 1) == -EINVAL);
	/* More than any module may decode to. */
	s = (1ULL << 30) + 1;
	memcpy(z + 5, &s, 8);
	EXPECT(unlzma(z, zlen, out, len + 1) == -EINVAL);
	free(z);
out:
	free(out);
}

static void props(void)
{
	size_t zlen, len = 4000;
	uint8_t *z = tool_make(LZMA("-6"), orig, len, false, &zlen), *out = malloc(len);

	EXPECT(z != NULL);
	if (z) {
		z[0] = 225;			/* past (4 * 5 + 4) * 9 + 8 */
		EXPECT(unlzma(z, zlen, out, len) == -EINVAL);
		z[0] = (0 * 5 + 1) * 9 + 4;	/* lc 4 + lp 1 > 4 */
		EXPECT(unlzma(z, zlen, out, len) == -EINVAL);
		EXPECT(unlzma(z, 17, out, len) == -EINVAL);	/* shorter than header and coder */
	}
	free(out);
	free(z);
}

static void kimage(void)
{
	kimage_rounds(LZMA("-9"), KIMAGE_LZMA, "lzma");
}

static void hostile(void)
{
	size_t zlen, len = 30000, i;
	uint8_t *data = malloc(len), *z;

	for (i = 0; i < len; i++)
		data[i] = "lzma alone, end marker "[i % 23] ^ (i % 89 == 0 ? (uint8_t)i : 0);
	z = tool_make(LZMA("-9"), data, len, true, &zlen);
	EXPECT(z != NULL);
	/* No check in the format: a flip past the header may decode to anything, in bounds. */
	if (z)
		hostile_rounds(unlzma, z, zlen, data, len, CUT_SIZE_WORD, 5000, false, 13, 13);
	free(z);
	free(data);
}

int main(int argc, char **argv)
{
	if (!decomp_setup("unlzma"))
		return 1;
	RUN(real);
	RUN(known_size);
	RUN(props);
	RUN(kimage);
	RUN(hostile);
	return decomp_done();
}
