// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of hypervisor/common/unlzo.c: lzop files the lzop command
 * (dom0_tools/packages.txt) makes at test time, as Linux's build makes
 * them (`lzop -9` of stdin, then the 32-bit decoded size) and with other
 * levels and checksum flags (CRC32, none; the header's CRC32), several
 * 256 KiB blocks, stored (incompressible) blocks, empty input; a filter,
 * a bad header checksum, a method not LZO1X refused; kimage's view; then
 * hostile input: every truncation, seeded bit flips (an error or the
 * right output: the data is checksummed), random data after the header,
 * short output buffers. Buffers are exact, so ASan stops any stray access.
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

/* `lzop opts -c` of data on stdin, then (size_word) Linux's 32-bit size. */
static uint8_t *lzo_make(const uint8_t *data, size_t len, const char *opts, bool size_word,
			 size_t *zlen)
{
	char in[128], out[128], line[512];
	FILE *f;
	uint8_t *z;

	snprintf(in, sizeof(in), "%s/in", tmpdir);
	snprintf(out, sizeof(out), "%s/in.lzo", tmpdir);
	f = fopen(in, "wb");
	if (!f)
		return NULL;
	fwrite(data, 1, len, f);
	fclose(f);
	snprintf(line, sizeof(line), "lzop %s -c < %s > %s", opts, in, out);
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

static bool decodes_to(const uint8_t *z, size_t zlen, const uint8_t *data, size_t len,
		       size_t out_size)
{
	uint8_t *out = malloc(out_size ? out_size : 1);
	long n = unlzo(z, zlen, out, out_size);
	bool ok = n == (long)len && !memcmp(out, data, len);

	free(out);
	return ok;
}

static void real(void)
{
	static const char *const opts[] = {
		"-9", "-1", "-3", "-7", "-9 --crc32", "-1 --no-checksum", "-5 --crc32",
	};
	size_t zlen, i, blen = 1300000;	/* six blocks */
	uint8_t *z, *big = malloc(blen);

	for (i = 0; i < blen; i++)
		big[i] = orig[(i * 3) % orig_len] ^ (uint8_t)(i >> 18);
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		z = lzo_make(big, blen, opts[i], true, &zlen);
		EXPECT(z != NULL);
		if (!z)
			continue;
		EXPECT(decodes_to(z, zlen, big, blen, blen));
		EXPECT(decodes_to(z, zlen, big, blen, blen + 100));
		EXPECT(decodes_to(z, zlen - 4, big, blen, blen));	/* no size word */
		free(z);
	}
	free(big);
	z = lzo_make(orig, 0, "-9", false, &zlen);
	EXPECT(z && decodes_to(z, zlen, orig, 0, 0) && decodes_to(z, zlen, orig, 0, 10));
	free(z);
	z = lzo_make(orig, 1, "-9", false, &zlen);
	EXPECT(z && decodes_to(z, zlen, orig, 1, 1));
	free(z);
	{
		/* Incompressible: stored blocks, then a compressible tail. */
		size_t n = 700000;
		uint8_t *r = random_bytes(n, 5);

		memset(r + 600000, 'a', 100000);
		z = lzo_make(r, n, "-9", true, &zlen);
		EXPECT(z && decodes_to(z, zlen, r, n, n));
		free(z);
		free(r);
	}
}

static void header(void)
{
	size_t zlen, len = 5000;
	uint8_t *z = lzo_make(orig, len, "-9", true, &zlen), *out = malloc(len);

	EXPECT(z != NULL);
	if (!z)
		return;
	EXPECT(z[9] == 0x10 && z[10] == 0x40);	/* lzop 1.04: version 0x1040 */
	z[27] ^= 1;				/* mtime: the header checksum fails */
	EXPECT(unlzo(z, zlen, out, len) == -EINVAL);
	z[27] ^= 1;
	z[15] = 4;				/* not an LZO1X method */
	EXPECT(unlzo(z, zlen, out, len) == -EINVAL);
	z[15] = 3;
	EXPECT(unlzo(z, zlen, out, len) == (long)len);
	free(z);
	z = lzo_make(orig, len, "-9 --filter=1", true, &zlen);
	EXPECT(z && unlzo(z, zlen, out, len) == -EINVAL);
	free(z);
	free(out);
}

static void kimage(void)
{
	size_t zlen, clen;
	uint8_t cpio[512] = "070701", *out = malloc(orig_len);
	uint8_t *z = lzo_make(orig, orig_len, "-9", true, &zlen);
	uint8_t *zc = lzo_make(cpio, sizeof(cpio), "-9", true, &clen);
	struct kimage k;
	const char *why = NULL;

	EXPECT(z && zc);
	if (z && zc) {
		EXPECT(kimage_locate(z, zlen, &k, &why) == 0 && k.format == KIMAGE_LZO &&
		       k.out_len == orig_len && !k.bzimage);
		EXPECT(kimage_decode(&k, out, orig_len, &why) == (long)orig_len &&
		       !memcmp(out, orig, orig_len));
		EXPECT(kimage_decode(&k, out, orig_len - 1, &why) == -ENOSPC);
		EXPECT(kimage_is_kernel(z, zlen));
		EXPECT(!kimage_is_kernel(zc, clen));
		EXPECT(!strcmp(kimage_format_name(KIMAGE_LZO), "lzo"));
	}
	free(out);
	free(z);
	free(zc);
}

static void hostile(void)
{
	size_t zlen, len = 30000, cut, i, hdr = 9 + 34;
	uint8_t *data = malloc(len), *z, *out = malloc(len);
	long n;

	for (i = 0; i < len; i++)
		data[i] = "lzop blocks and checks "[i % 23] ^ (i % 89 == 0 ? (uint8_t)i : 0);
	z = lzo_make(data, len, "-9", true, &zlen);
	EXPECT(z != NULL);
	if (!z)
		goto out;
	for (cut = 0; cut < zlen; cut++) {
		uint8_t *t = malloc(cut ? cut : 1);

		memcpy(t, z, cut);
		n = unlzo(t, cut, out, len);
		EXPECT(n < 0 || (cut >= zlen - 4 && n == (long)len && !memcmp(out, data, len)));
		free(t);
	}
	/* A flip anywhere: an error or (mode, mtime bits the checksum misses: none) the data. */
	srand(36);
	for (i = 0; i < 5000; i++) {
		size_t bit = (size_t)rand() % (zlen * 8);

		z[bit / 8] ^= 1 << (bit % 8);
		n = unlzo(z, zlen, out, len);
		EXPECT(n < 0 || (n == (long)len && !memcmp(out, data, len)));
		z[bit / 8] ^= 1 << (bit % 8);
	}
	for (i = 0; i < 300; i++) {
		uint8_t *r = random_bytes(4096, 300 + i);

		memcpy(r, z, hdr);
		EXPECT(unlzo(r, 4096, out, len) < 0);
		free(r);
	}
	for (i = 0; i < 5; i++) {
		size_t sz = (size_t[]){ 0, 1, 64, 4096, len - 1 }[i];
		uint8_t *o = malloc(sz ? sz : 1);

		n = unlzo(z, zlen, o, sz);
		EXPECT(n == -ENOSPC && !memcmp(o, data, sz));
		free(o);
	}
	EXPECT(decodes_to(z, zlen, data, len, len));
	free(z);
out:
	free(out);
	free(data);
}

int main(int argc, char **argv)
{
	char cmd[128];

	unit_suite = "unlzo";
	orig = read_all("/proc/self/exe", &orig_len);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/unlzo-unit.XXXXXX");
	if (!orig || !mkdtemp(tmpdir)) {
		printf("FAIL unit/unlzo/setup: no test file or directory\n");
		return 1;
	}
	RUN(real);
	RUN(header);
	RUN(kimage);
	RUN(hostile);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		return 1;
	free(orig);
	return 0;
}
