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

#define LZMA(opts)	"xz --format=lzma -c " opts

static void real(void)
{
	static const char *const tools[] = {
		LZMA("-9"), LZMA("-0"), LZMA("-6"), LZMA("-9e"),
		LZMA("--lzma1=preset=6,lc=0,lp=0,pb=0"), LZMA("--lzma1=preset=6,lc=4,lp=0,pb=4"),
		LZMA("--lzma1=preset=6,lc=1,lp=3,pb=1"), LZMA("--lzma1=preset=1,mf=hc3,dict=4KiB"),
	};
	struct buf z;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tools); i++)
		linux_roundtrip(unlzma, tools[i], orig, orig_len);
	/* `lzma -9` as Linux runs it: Xen's magic 5D 00, size unknown (all ones). */
	z = linux_packed(LZMA("-9"), orig, orig_len);
	if (z.p) {
		EXPECT(z.p[0] == 0x5d && z.p[1] == 0);
		EXPECT(!memcmp(z.p + 5, "\xff\xff\xff\xff\xff\xff\xff\xff", 8));
		free(z.p);
	}
	empty_and_one_byte(unlzma, LZMA("-9"));
	{
		/* Incompressible. */
		unsigned char *r = random_bytes(100000);

		linux_roundtrip(unlzma, LZMA("-9"), r, 100000);
		free(r);
	}
}

/* A stated size in the header (xz writes none): the end marker may follow it. */
static void known_size(void)
{
	size_t len = 50000;
	struct buf z = linux_packed(LZMA("-6"), orig, len);
	unsigned char *out = malloc(len + 1);
	uint64_t s;

	if (!z.p)
		goto out;
	s = len;
	memcpy(z.p + 5, &s, 8);
	EXPECT(decodes_to(unlzma, z.p, z.n, orig, len, len));
	EXPECT(decodes_to(unlzma, z.p, z.n, orig, len, len + 1));
	EXPECT(unlzma(z.p, z.n, out, len - 1) == -ENOSPC && !memcmp(out, orig, len - 1));
	/* Stated too small or too large: the data disagrees. */
	s = len - 1;
	memcpy(z.p + 5, &s, 8);
	EXPECT(unlzma(z.p, z.n, out, len) == -EINVAL);
	s = len + 1;
	memcpy(z.p + 5, &s, 8);
	EXPECT(unlzma(z.p, z.n, out, len) == -ENOSPC);
	EXPECT(unlzma(z.p, z.n, out, len + 1) == -EINVAL);
	/* More than any module may decode to. */
	s = (1ULL << 30) + 1;
	memcpy(z.p + 5, &s, 8);
	EXPECT(unlzma(z.p, z.n, out, len + 1) == -EINVAL);
	free(z.p);
out:
	free(out);
}

static void props(void)
{
	size_t len = 4000;
	struct buf z = tool_output(LZMA("-6"), orig, len);
	unsigned char *out = malloc(len);

	if (z.p) {
		z.p[0] = 225;			/* past (4 * 5 + 4) * 9 + 8 */
		EXPECT(unlzma(z.p, z.n, out, len) == -EINVAL);
		z.p[0] = (0 * 5 + 1) * 9 + 4;	/* lc 4 + lp 1 > 4 */
		EXPECT(unlzma(z.p, z.n, out, len) == -EINVAL);
		EXPECT(unlzma(z.p, 17, out, len) == -EINVAL);	/* shorter than header and coder */
	}
	free(out);
	free(z.p);
}

static void kimage(void)
{
	kimage_rounds(LZMA("-9"), KIMAGE_LZMA, "lzma");
}

static void hostile(void)
{
	/* No check in the format: a flip past the header may decode to anything, in bounds. */
	hostile_rounds(&(struct hostile){ .fn = unlzma, .cmd = LZMA("-9"), .packed = true,
		.phrase = "lzma alone, end marker ", .len = 30000, .every = 89,
		.cut_ok = CUT_SIZE_WORD, .flips = 5000, .flip_from = 13, .hdr = 13 });
}

DECOMP_MAIN("unlzma", "xz",
	    UNIT_TEST(real), UNIT_TEST(known_size), UNIT_TEST(props), UNIT_TEST(kimage),
	    UNIT_TEST(hostile))
