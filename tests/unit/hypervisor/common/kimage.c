// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hypervisor's kernel-module decoders (hypervisor/common/inflate.c,
 * unlz4.c, kimage.c) on the host: real gzip and lz4 output made at test
 * time by the gzip and lz4 commands from a real file (this test's own
 * binary) and from random bytes (gzip stores those), then hostile input:
 * every truncation of a small stream, bit flips, short output buffers.
 * Under ASan a read or write outside the buffers fails the test.
 */
#include "decomp_test.h"

static void write_all(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f) {
		fwrite(p, 1, len, f);
		fclose(f);
	}
}

/* `cmd` run on data (as file "in" in the test's directory); its stdout. */
static uint8_t *filter(const char *cmd, const void *data, size_t len, size_t *out_len)
{
	char in[128], out[128], line[512];

	snprintf(in, sizeof(in), "%s/in", tmpdir);
	snprintf(out, sizeof(out), "%s/out", tmpdir);
	write_all(in, data, len);
	snprintf(line, sizeof(line), "%s %s > %s 2>/dev/null", cmd, in, out);
	if (system(line))
		return NULL;
	return read_all(out, out_len);
}

static long decode_exact(long (*fn)(const void *, size_t, void *, size_t), const uint8_t *in,
			 size_t in_len, size_t out_size, uint8_t **out)
{
	*out = malloc(out_size ? out_size : 1);
	return fn(in, in_len, *out, out_size);
}

static void crc32_vectors(void)
{
	uint8_t *r = random_bytes(1000, 9);
	uint32_t whole = crc32_update(0, r, 1000);

	EXPECT(crc32_update(0, "123456789", 9) == 0xcbf43926u);	/* the standard check value */
	EXPECT(crc32_update(0, "", 0) == 0);
	/* In pieces of any length as in one. */
	EXPECT(crc32_update(crc32_update(0, r, 3), r + 3, 997) == whole);
	EXPECT(crc32_update(crc32_update(0, r, 517), r + 517, 483) == whole);
	free(r);
}

static void gzip_levels(void)
{
	int level;

	for (level = 1; level <= 9; level++) {
		char cmd[32];
		size_t zlen;
		uint8_t *z, *out;
		long n;

		snprintf(cmd, sizeof(cmd), "gzip -%d -c", level);
		z = filter(cmd, orig, orig_len, &zlen);
		EXPECT(z != NULL);
		if (!z)
			return;
		EXPECT(z[3] & 0x08);	/* gzip names the file: FNAME */
		n = decode_exact(gunzip, z, zlen, orig_len, &out);
		EXPECT(n == (long)orig_len);
		EXPECT(n == (long)orig_len && !memcmp(out, orig, orig_len));
		free(out);
		free(z);
	}
}

static void gzip_stored(void)
{
	size_t zlen, rlen = 200000;
	uint8_t *r = random_bytes(rlen, 1), *z = filter("gzip -9 -n -c", r, rlen, &zlen), *out;
	long n;

	EXPECT(z != NULL && zlen > rlen);	/* stored blocks: no smaller */
	n = decode_exact(gunzip, z, zlen, rlen, &out);
	EXPECT(n == (long)rlen && !memcmp(out, r, rlen));
	free(out);
	/* Empty input: one empty block. */
	free(z);
	z = filter("gzip -n -c", "", 0, &zlen);
	out = malloc(1);
	EXPECT(z && gunzip(z, zlen, out, 0) == 0);	/* an empty file decodes to nothing */
	free(out);
	free(z);
	free(r);
}

/* The header fields gzip itself does not write: FEXTRA, FCOMMENT, FHCRC. */
static void gzip_header_fields(void)
{
	size_t zlen, len = 5000;
	uint8_t *data = random_bytes(len, 2), *z, *g, *out;
	size_t pos = 10;
	long n;
	uint32_t crc;

	memset(data, 'a', len / 2);
	z = filter("gzip -6 -n -c", data, len, &zlen);
	EXPECT(z && z[3] == 0);
	if (!z)
		return;
	g = malloc(zlen + 64);
	memcpy(g, z, 10);
	g[3] = 0x04 | 0x08 | 0x10 | 0x02;
	g[pos++] = 3;	/* XLEN 3 */
	g[pos++] = 0;
	memcpy(g + pos, "xyz", 3);
	pos += 3;
	memcpy(g + pos, "name", 5);
	pos += 5;
	memcpy(g + pos, "a comment", 10);
	pos += 10;
	crc = crc32_update(0, g, pos);
	g[pos++] = crc & 0xff;
	g[pos++] = (crc >> 8) & 0xff;
	memcpy(g + pos, z + 10, zlen - 10);
	n = decode_exact(gunzip, g, pos + zlen - 10, len, &out);
	EXPECT(n == (long)len && !memcmp(out, data, len));
	/* A wrong header CRC, a reserved flag bit: refused. */
	g[pos - 1] ^= 1;
	EXPECT(gunzip(g, pos + zlen - 10, out, len) == -EINVAL);
	g[pos - 1] ^= 1;
	g[3] |= 0x20;
	EXPECT(gunzip(g, pos + zlen - 10, out, len) == -EINVAL);
	free(out);
	free(g);
	free(z);
	free(data);
}

static void gzip_hostile(void)
{
	size_t zlen, len = 20000, i;
	uint8_t *data = malloc(len), *z;

	for (i = 0; i < len; i++)
		data[i] = "the quick brown fox "[i % 20] ^ (i % 97 == 0 ? (uint8_t)i : 0);
	z = filter("gzip -9 -c", data, len, &zlen);
	EXPECT(z != NULL);
	/* Flips in MTIME, XFL, OS or the name leave the output as it was. */
	if (z)
		hostile_rounds(gunzip, z, zlen, data, len, CUT_FAILS, 3000, true, 0, 4);
	free(z);
	free(data);
}

/* The Linux build's framing: lz4 -l, then the 32-bit decoded size. */
static uint8_t *lz4_kernel_style(const uint8_t *data, size_t len, size_t *zlen)
{
	uint8_t *z = filter("lz4 -l -9 -c", data, len, zlen);

	if (!z)
		return NULL;
	z = realloc(z, *zlen + 4);
	z[*zlen] = len & 0xff;
	z[*zlen + 1] = (len >> 8) & 0xff;
	z[*zlen + 2] = (len >> 16) & 0xff;
	z[*zlen + 3] = (len >> 24) & 0xff;
	*zlen += 4;
	return z;
}

static void lz4_real(void)
{
	size_t zlen, big = 20 << 20, i;
	uint8_t *z = filter("lz4 -l -c", orig, orig_len, &zlen), *out, *b;
	long n;

	EXPECT(z != NULL);
	if (!z)
		return;
	EXPECT(z[0] == 0x02 && z[1] == 0x21 && z[2] == 0x4c && z[3] == 0x18);
	n = decode_exact(unlz4_legacy, z, zlen, orig_len, &out);
	EXPECT(n == (long)orig_len && !memcmp(out, orig, orig_len));
	EXPECT(unlz4_legacy(z, zlen, NULL, ~(size_t)0) == (long)orig_len);	/* counting */
	free(out);
	free(z);
	/* More than one 8 MiB block, with the kernel's size word after it. */
	b = malloc(big);
	for (i = 0; i < big; i++)
		b[i] = orig[(i * 7) % orig_len] ^ (uint8_t)(i >> 20);
	z = lz4_kernel_style(b, big, &zlen);
	EXPECT(z != NULL);
	if (z) {
		n = decode_exact(unlz4_legacy, z, zlen, big, &out);
		EXPECT(n == (long)big && !memcmp(out, b, big));
		free(out);
		free(z);
	}
	free(b);
}

static void lz4_hostile(void)
{
	size_t zlen, len = 30000, i;
	uint8_t *data = malloc(len), *z;

	for (i = 0; i < len; i++)
		data[i] = "lz4 legacy frame "[i % 17] + (i % 1000 == 0);
	z = filter("lz4 -l -c", data, len, &zlen);
	EXPECT(z != NULL);
	/* No checksum: a flip may decode to anything, within the buffer. */
	if (z)
		hostile_rounds(unlz4_legacy, z, zlen, data, len, CUT_PREFIX, 5000, false, 0, 8);
	free(z);
	free(data);
}

/* A bzImage-shaped module: a boot sector, setup sectors, the payload. */
static uint8_t *make_bzimage(const uint8_t *payload, size_t plen, uint16_t version, size_t *len)
{
	size_t setup = 4, off = 0x40, total = (setup + 1) * 512 + off + plen + 100;
	uint8_t *b = calloc(1, total);

	b[0x1f1] = setup;
	memcpy(b + 0x202, "HdrS", 4);
	b[0x206] = version & 0xff;
	b[0x207] = version >> 8;
	memcpy(b + 0x248, &(uint32_t){ off }, 4);
	memcpy(b + 0x24c, &(uint32_t){ plen }, 4);
	memcpy(b + (setup + 1) * 512 + off, payload, plen);
	*len = total;
	return b;
}

static void formats(void)
{
	size_t zlen, blen, clen;
	uint8_t *z = filter("gzip -c", orig, orig_len, &zlen), *b, *out;
	uint8_t cpio[512] = "070701";
	uint8_t *zc = filter("gzip -c", cpio, sizeof(cpio), &clen);
	struct kimage k;
	const char *why = NULL;
	long n;

	EXPECT(z && zc);
	if (!z || !zc)
		return;
	/* A bare ELF, a gzipped one, a gzipped ramdisk. */
	EXPECT(kimage_locate(orig, orig_len, &k, &why) == 0 && k.format == KIMAGE_ELF &&
	       !k.bzimage && k.data == orig);
	EXPECT(kimage_is_kernel(orig, orig_len));
	EXPECT(kimage_locate(z, zlen, &k, &why) == 0 && k.format == KIMAGE_GZIP &&
	       k.out_len == orig_len);
	EXPECT(kimage_is_kernel(z, zlen));
	EXPECT(!kimage_is_kernel(zc, clen));
	EXPECT(!kimage_is_kernel(cpio, sizeof(cpio)));
	/* A bzImage with a gzip payload, with an ELF payload. */
	b = make_bzimage(z, zlen, 0x20f, &blen);
	EXPECT(kimage_locate(b, blen, &k, &why) == 0 && k.bzimage && k.format == KIMAGE_GZIP &&
	       k.len == zlen && k.out_len == orig_len);
	out = malloc(orig_len);
	n = kimage_decode(&k, out, orig_len, &why);
	EXPECT(n == (long)orig_len && !memcmp(out, orig, orig_len));
	EXPECT(kimage_is_kernel(b, blen));
	free(b);
	b = make_bzimage(orig, orig_len, 0x208, &blen);
	EXPECT(kimage_locate(b, blen, &k, &why) == 0 && k.bzimage && k.format == KIMAGE_ELF &&
	       k.len == orig_len && !memcmp(k.data, orig, 4));
	/* Too old, a payload past the end. */
	b[0x206] = 0x07;
	why = NULL;
	EXPECT(kimage_locate(b, blen, &k, &why) == -EINVAL && why);
	b[0x206] = 0x08;
	memcpy(b + 0x24c, &(uint32_t){ blen }, 4);
	EXPECT(kimage_locate(b, blen, &k, &why) == -EINVAL);
	memcpy(b + 0x248, &(uint32_t){ 0xfffffff0u }, 4);
	memcpy(b + 0x24c, &(uint32_t){ 0x20 }, 4);
	EXPECT(kimage_locate(b, blen, &k, &why) == -EINVAL);
	EXPECT(kimage_locate(b, 0x24f, &k, &why) == 0 && !k.bzimage);	/* too short for one */
	free(b);
	/* bzip2 (bunzip2.c's own tests: unit/bunzip2): a kernel, a ramdisk, in a bzImage. */
	free(z);
	free(zc);
	z = filter("bzip2 -9 -c", orig, orig_len, &zlen);
	zc = filter("bzip2 -9 -c", cpio, sizeof(cpio), &clen);
	EXPECT(z && zc);
	if (!z || !zc)
		return;
	z = realloc(z, zlen + 4);	/* Linux's size word, read as gzip's ISIZE is */
	memcpy(z + zlen, &(uint32_t){ orig_len }, 4);
	zlen += 4;
	EXPECT(kimage_locate(z, zlen, &k, &why) == 0 && k.format == KIMAGE_BZIP2 &&
	       k.out_len == orig_len);
	EXPECT(kimage_is_kernel(z, zlen));
	EXPECT(!kimage_is_kernel(zc, clen));
	n = kimage_decode(&k, out, orig_len, &why);
	EXPECT(n == (long)orig_len && !memcmp(out, orig, orig_len));
	n = kimage_decode(&k, out, orig_len - 1, &why);
	EXPECT(n == -ENOSPC);
	b = make_bzimage(z, zlen, 0x20f, &blen);
	EXPECT(kimage_locate(b, blen, &k, &why) == 0 && k.bzimage && k.format == KIMAGE_BZIP2);
	EXPECT(kimage_is_kernel(b, blen));
	free(b);
	free(z);
	free(zc);
	z = filter("gzip -c", orig, orig_len, &zlen);
	zc = filter("gzip -c", cpio, sizeof(cpio), &clen);
	EXPECT(z && zc);
	if (!z || !zc)
		return;
	/* Each format told by its magic, and named. */
	EXPECT(kimage_format_of("BZh91AY", 7) == KIMAGE_BZIP2);
	EXPECT(kimage_format_of("\x28\xb5\x2f\xfd", 4) == KIMAGE_ZSTD);
	EXPECT(kimage_format_of("\x89LZO\0", 5) == KIMAGE_LZO);
	EXPECT(kimage_format_of("\x5d\0\0\x80", 4) == KIMAGE_LZMA);
	EXPECT(kimage_format_of("\3757zXZ\0", 6) == KIMAGE_XZ);
	EXPECT(!strcmp(kimage_format_name(KIMAGE_ZSTD), "zstd"));
	/* A stated size too small: the decoder says so. */
	EXPECT(kimage_locate(z, zlen, &k, &why) == 0);
	n = kimage_decode(&k, out, orig_len - 1, &why);
	EXPECT(n == -ENOSPC);
	free(out);
	free(z);
	free(zc);
}

/* zstd as Linux packs it (the size word after the frame): a kernel, a ramdisk, a bzImage payload. */
static void zstd_modules(void)
{
	size_t zlen, clen, blen;
	uint8_t *z = filter("zstd -q -19 -c", orig, orig_len, &zlen), *b, *out, *zs;
	uint8_t cpio[512] = "070701";
	uint8_t *zc = filter("zstd -q -c", cpio, sizeof(cpio), &clen);
	struct kimage k;
	const char *why = NULL;
	long n;

	EXPECT(z && zc);
	if (!z || !zc)
		return;
	zs = malloc(zlen + 4);
	memcpy(zs, z, zlen);
	memcpy(zs + zlen, &(uint32_t){ orig_len }, 4);
	EXPECT(kimage_locate(zs, zlen + 4, &k, &why) == 0 && k.format == KIMAGE_ZSTD &&
	       !k.out_len);
	out = malloc(orig_len);
	EXPECT(kimage_decode(&k, out, orig_len, &why) == (long)orig_len &&
	       !memcmp(out, orig, orig_len));
	EXPECT(kimage_decode(&k, out, orig_len - 1, &why) == -ENOSPC);
	EXPECT(kimage_is_kernel(zs, zlen + 4));
	EXPECT(kimage_is_kernel(z, zlen));
	EXPECT(!kimage_is_kernel(zc, clen));
	b = make_bzimage(zs, zlen + 4, 0x20f, &blen);
	EXPECT(kimage_locate(b, blen, &k, &why) == 0 && k.bzimage && k.format == KIMAGE_ZSTD &&
	       k.out_len == orig_len);
	n = kimage_decode(&k, out, orig_len, &why);
	EXPECT(n == (long)orig_len && !memcmp(out, orig, orig_len));
	EXPECT(kimage_is_kernel(b, blen));
	/* Corrupt: refused with a reason. */
	zs[zlen / 2] ^= 0x40;
	why = NULL;
	EXPECT(kimage_locate(zs, zlen + 4, &k, &why) == 0);
	n = kimage_decode(&k, out, orig_len, &why);
	EXPECT((n < 0 && why) || (n == (long)orig_len && !memcmp(out, orig, orig_len)));
	free(b);
	free(out);
	free(zs);
	free(z);
	free(zc);
}

/* Debian's own vmlinuz, when the build has it (KIMAGE_VMLINUZ): found, its size read. */
static void debian_vmlinuz(void)
{
	const char *path = getenv("KIMAGE_VMLINUZ");
	size_t len;
	uint8_t *v = path ? read_all(path, &len) : NULL;
	struct kimage k;
	const char *why;

	if (!v)
		return;
	EXPECT(kimage_locate(v, len, &k, &why) == 0 && k.bzimage);
	EXPECT(k.format == KIMAGE_XZ || k.format == KIMAGE_LZ4 || k.format == KIMAGE_GZIP);
	EXPECT(k.out_len > (8 << 20) && k.out_len < KIMAGE_MAX_OUT);
	EXPECT(kimage_is_kernel(v, len) || k.format == KIMAGE_XZ);
	free(v);
}

int main(int argc, char **argv)
{
	unit_suite = "kimage";
	orig = read_all("/proc/self/exe", &orig_len);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kimage-unit.XXXXXX");
	if (!orig || !mkdtemp(tmpdir)) {
		printf("FAIL unit/kimage/setup: no test file or directory\n");
		return 1;
	}
	RUN(crc32_vectors);
	RUN(gzip_levels);
	RUN(gzip_stored);
	RUN(gzip_header_fields);
	RUN(gzip_hostile);
	RUN(lz4_real);
	RUN(lz4_hostile);
	RUN(formats);
	RUN(zstd_modules);
	RUN(debian_vmlinuz);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd))
			return 1;
	}
	free(orig);
	return 0;
}
