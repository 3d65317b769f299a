// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of hypervisor/common/unlzma.c (with the LZMA core, lzma.c):
 * LZMA-alone streams the xz tool makes at test time (`xz --format=lzma`,
 * which is what `lzma -9` runs: the size unknown, the end marker), with
 * Linux's size word after them, several presets and lc/lp/pb, a patched
 * known size, kimage's view of such a module, then hostile input: every
 * truncation, seeded bit flips, random data after a header, short output
 * buffers. Every buffer is exactly its size, so ASan stops any access
 * outside it.
 */
#include "../../unit.h"
#include <stdlib.h>
#include <stdint.h>
#include <unistd.h>
#include <hv/decompress.h>
#include <lamina/errno.h>

static uint8_t *orig;		/* this test's own binary */
static size_t orig_len;
static char tmpdir[64];

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			buf = realloc(buf, cap);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	fclose(f);
	*len = n;
	return buf;
}

/* `xz --format=lzma opts` of data, then (size_word) Linux's 32-bit size. */
static uint8_t *lzma_make(const uint8_t *data, size_t len, const char *opts, bool size_word,
			  size_t *zlen)
{
	char in[128], out[128], line[512];
	FILE *f;
	uint8_t *z;

	snprintf(in, sizeof(in), "%s/in", tmpdir);
	snprintf(out, sizeof(out), "%s/in.lzma", tmpdir);
	f = fopen(in, "wb");
	if (!f)
		return NULL;
	fwrite(data, 1, len, f);
	fclose(f);
	snprintf(line, sizeof(line), "xz --format=lzma %s -c < %s > %s", opts, in, out);
	if (system(line))
		return NULL;
	z = read_all(out, zlen);
	if (z && size_word) {
		z = realloc(z, *zlen + 4);
		memcpy(z + *zlen, &(uint32_t){ len }, 4);
		*zlen += 4;
	}
	return z;
}

static uint8_t *random_bytes(size_t n, unsigned int seed)
{
	uint8_t *p = malloc(n ? n : 1);
	size_t i;

	srand(seed);
	for (i = 0; i < n; i++)
		p[i] = rand() >> 7;
	return p;
}

/* unlzma into a buffer of exactly out_size; true if it gave data back whole. */
static bool decodes_to(const uint8_t *z, size_t zlen, const uint8_t *data, size_t len,
		       size_t out_size)
{
	uint8_t *out = malloc(out_size ? out_size : 1);
	long n = unlzma(z, zlen, out, out_size);
	bool ok = n == (long)len && !memcmp(out, data, len);

	free(out);
	return ok;
}

static void real(void)
{
	static const char *const opts[] = {
		"-9", "-0", "-6", "-9e", "--lzma1=preset=6,lc=0,lp=0,pb=0",
		"--lzma1=preset=6,lc=4,lp=0,pb=4", "--lzma1=preset=6,lc=1,lp=3,pb=1",
		"--lzma1=preset=1,mf=hc3,dict=4KiB",
	};
	size_t zlen, i;
	uint8_t *z;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		z = lzma_make(orig, orig_len, opts[i], true, &zlen);
		EXPECT(z != NULL);
		if (!z)
			continue;
		EXPECT(decodes_to(z, zlen, orig, orig_len, orig_len));
		EXPECT(decodes_to(z, zlen, orig, orig_len, orig_len + 100));	/* room to spare */
		EXPECT(decodes_to(z, zlen - 4, orig, orig_len, orig_len));	/* no size word */
		free(z);
	}
	/* `lzma -9` as Linux runs it: Xen's magic 5D 00, size unknown (all ones). */
	z = lzma_make(orig, orig_len, "-9", true, &zlen);
	if (z) {
		EXPECT(z[0] == 0x5d && z[1] == 0);
		EXPECT(!memcmp(z + 5, "\xff\xff\xff\xff\xff\xff\xff\xff", 8));
		free(z);
	}
	/* Empty, one byte, incompressible. */
	z = lzma_make(orig, 0, "-9", false, &zlen);
	EXPECT(z && decodes_to(z, zlen, orig, 0, 0) && decodes_to(z, zlen, orig, 0, 10));
	free(z);
	z = lzma_make(orig, 1, "-9", false, &zlen);
	EXPECT(z && decodes_to(z, zlen, orig, 1, 1));
	free(z);
	{
		uint8_t *r = random_bytes(100000, 3);

		z = lzma_make(r, 100000, "-9", true, &zlen);
		EXPECT(z && decodes_to(z, zlen, r, 100000, 100000));
		free(z);
		free(r);
	}
}

/* A stated size in the header (xz writes none): the end marker may follow it. */
static void known_size(void)
{
	size_t zlen, len = 50000;
	uint8_t *z = lzma_make(orig, len, "-6", true, &zlen), *out = malloc(len);
	uint64_t s;

	EXPECT(z != NULL);
	if (!z)
		return;
	s = len;
	memcpy(z + 5, &s, 8);
	EXPECT(decodes_to(z, zlen, orig, len, len));
	EXPECT(decodes_to(z, zlen, orig, len, len + 1));
	EXPECT(unlzma(z, zlen, out, len - 1) == -ENOSPC && !memcmp(out, orig, len - 1));
	/* Stated too small or too large: the data disagrees. */
	s = len - 1;
	memcpy(z + 5, &s, 8);
	EXPECT(unlzma(z, zlen, out, len) == -EINVAL);
	s = len + 1;
	memcpy(z + 5, &s, 8);
	EXPECT(unlzma(z, zlen, out, len) == -ENOSPC);
	free(out);
	out = malloc(len + 1);
	EXPECT(unlzma(z, zlen, out, len + 1) == -EINVAL);
	/* More than any module may decode to. */
	s = (1ULL << 30) + 1;
	memcpy(z + 5, &s, 8);
	EXPECT(unlzma(z, zlen, out, len + 1) == -EINVAL);
	free(out);
	free(z);
}

static void props(void)
{
	size_t zlen, len = 4000;
	uint8_t *z = lzma_make(orig, len, "-6", false, &zlen), *out = malloc(len);

	EXPECT(z != NULL);
	if (!z)
		return;
	z[0] = 225;		/* past (4 * 5 + 4) * 9 + 8 */
	EXPECT(unlzma(z, zlen, out, len) == -EINVAL);
	z[0] = (0 * 5 + 1) * 9 + 4;	/* lc 4 + lp 1 > 4 */
	EXPECT(unlzma(z, zlen, out, len) == -EINVAL);
	EXPECT(unlzma(z, 17, out, len) == -EINVAL);	/* shorter than header and coder */
	free(out);
	free(z);
}

static void kimage(void)
{
	size_t zlen, clen;
	uint8_t cpio[512] = "070701", *out = malloc(orig_len);
	uint8_t *z = lzma_make(orig, orig_len, "-9", true, &zlen);
	uint8_t *zc = lzma_make(cpio, sizeof(cpio), "-9", true, &clen);
	struct kimage k;
	const char *why = NULL;

	EXPECT(z && zc);
	if (z && zc) {
		EXPECT(kimage_locate(z, zlen, &k, &why) == 0 && k.format == KIMAGE_LZMA &&
		       k.out_len == orig_len && !k.bzimage);
		EXPECT(kimage_decode(&k, out, orig_len, &why) == (long)orig_len &&
		       !memcmp(out, orig, orig_len));
		EXPECT(kimage_decode(&k, out, orig_len - 1, &why) == -ENOSPC);
		EXPECT(kimage_is_kernel(z, zlen));
		EXPECT(!kimage_is_kernel(zc, clen));
		EXPECT(!strcmp(kimage_format_name(KIMAGE_LZMA), "lzma"));
	}
	free(out);
	free(z);
	free(zc);
}

static void hostile(void)
{
	size_t zlen, len = 30000, cut, i;
	uint8_t *data = malloc(len), *z, *out = malloc(len);
	long n;

	for (i = 0; i < len; i++)
		data[i] = "lzma alone, end marker "[i % 23] ^ (i % 89 == 0 ? (uint8_t)i : 0);
	z = lzma_make(data, len, "-9", true, &zlen);
	EXPECT(z != NULL);
	if (!z)
		goto out;
	/* Truncations: an error, or (only the size word cut) the whole output. */
	for (cut = 0; cut < zlen; cut++) {
		uint8_t *t = malloc(cut ? cut : 1);

		memcpy(t, z, cut);
		n = unlzma(t, cut, out, len);
		EXPECT(n < 0 || (cut >= zlen - 4 && n == (long)len && !memcmp(out, data, len)));
		free(t);
	}
	/* No check in the format: a flip may decode to anything, within the buffer. */
	srand(35);
	for (i = 0; i < 5000; i++) {
		size_t bit = 8 * 13 + (size_t)rand() % ((zlen - 13) * 8);

		z[bit / 8] ^= 1 << (bit % 8);
		n = unlzma(z, zlen, out, len);
		EXPECT(n <= (long)len);
		z[bit / 8] ^= 1 << (bit % 8);
	}
	for (i = 0; i < 300; i++) {
		uint8_t *r = random_bytes(4096, 200 + i);

		memcpy(r, z, 13);
		EXPECT(unlzma(r, 4096, out, len) <= (long)len);
		free(r);
	}
	for (i = 0; i < 5; i++) {
		size_t sz = (size_t[]){ 0, 1, 64, 4096, len - 1 }[i];
		uint8_t *o = malloc(sz ? sz : 1);

		n = unlzma(z, zlen, o, sz);
		EXPECT(n == -ENOSPC && !memcmp(o, data, sz));
		free(o);
	}
	EXPECT(decodes_to(z, zlen, data, len, len));	/* the flips all undone */
	free(z);
out:
	free(out);
	free(data);
}

int main(int argc, char **argv)
{
	char cmd[128];

	unit_suite = "unlzma";
	orig = read_all("/proc/self/exe", &orig_len);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/unlzma-unit.XXXXXX");
	if (!orig || !mkdtemp(tmpdir)) {
		printf("FAIL unit/unlzma/setup: no test file or directory\n");
		return 1;
	}
	RUN(real);
	RUN(known_size);
	RUN(props);
	RUN(kimage);
	RUN(hostile);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		return 1;
	free(orig);
	return 0;
}
