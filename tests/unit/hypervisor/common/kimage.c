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

static void crc32_vectors(void)
{
	uint8_t *r = random_bytes(1000);
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
		struct buf z;
		uint8_t *out;
		long n;

		snprintf(cmd, sizeof(cmd), "gzip -%d -c in", level);
		z = tool_output(cmd, orig, orig_len);
		if (!z.p)
			return;
		EXPECT(z.p[3] & 0x08);	/* gzip names the file: FNAME */
		n = decode_with(gunzip, z.p, z.n, orig_len, &out);
		EXPECT(n == (long)orig_len);
		EXPECT(n == (long)orig_len && !memcmp(out, orig, orig_len));
		free(out);
		free(z.p);
	}
}

static void gzip_stored(void)
{
	size_t rlen = 200000;
	uint8_t *r = random_bytes(rlen), *out;
	struct buf z = tool_output("gzip -9 -n -c in", r, rlen);
	long n;

	EXPECT(z.p && z.n > rlen);	/* stored blocks: no smaller */
	n = decode_with(gunzip, z.p, z.n, rlen, &out);
	EXPECT(n == (long)rlen && !memcmp(out, r, rlen));
	free(out);
	/* Empty input: one empty block. */
	free(z.p);
	z = tool_output("gzip -n -c in", "", 0);
	EXPECT(z.p && decode_with(gunzip, z.p, z.n, 0, NULL) == 0);	/* an empty file decodes to nothing */
	free(z.p);
	free(r);
}

/* The header fields gzip itself does not write: FEXTRA, FCOMMENT, FHCRC. */
static void gzip_header_fields(void)
{
	size_t len = 5000;
	uint8_t *data = random_bytes(len), *g, *out;
	struct buf z;
	size_t pos = 10;
	long n;
	uint32_t crc;

	memset(data, 'a', len / 2);
	z = tool_output("gzip -6 -n -c in", data, len);
	EXPECT(!z.p || z.p[3] == 0);
	if (!z.p)
		return;
	g = malloc(z.n + 64);
	memcpy(g, z.p, 10);
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
	memcpy(g + pos, z.p + 10, z.n - 10);
	n = decode_with(gunzip, g, pos + z.n - 10, len, &out);
	EXPECT(n == (long)len && !memcmp(out, data, len));
	/* A wrong header CRC, a reserved flag bit: refused. */
	g[pos - 1] ^= 1;
	EXPECT(gunzip(g, pos + z.n - 10, out, len) == -EINVAL);
	g[pos - 1] ^= 1;
	g[3] |= 0x20;
	EXPECT(gunzip(g, pos + z.n - 10, out, len) == -EINVAL);
	free(out);
	free(g);
	free(z.p);
	free(data);
}

static void gzip_hostile(void)
{
	/* Flips in MTIME, XFL, OS or the name leave the output as it was. */
	hostile_rounds(&(struct hostile){ .fn = gunzip, .cmd = "gzip -9 -c in",
		.phrase = "the quick brown fox ", .len = 20000, .every = 97,
		.cut_ok = CUT_FAILS, .flips = 3000, .checked = true, .hdr = 4 });
}

static void lz4_real(void)
{
	size_t big = 20 << 20, i;
	struct buf z = tool_output("lz4 -l -c in", orig, orig_len);
	uint8_t *out, *b;
	long n;

	if (!z.p)
		return;
	EXPECT(z.n >= 4 && !memcmp(z.p, "\x02\x21\x4c\x18", 4));
	n = decode_with(unlz4_legacy, z.p, z.n, orig_len, &out);
	EXPECT(n == (long)orig_len && !memcmp(out, orig, orig_len));
	EXPECT(unlz4_legacy(z.p, z.n, NULL, ~(size_t)0) == (long)orig_len);	/* counting */
	free(out);
	free(z.p);
	/* More than one 8 MiB block, as the Linux build frames it: lz4 -l, the size word. */
	b = malloc(big);
	for (i = 0; i < big; i++)
		b[i] = orig[(i * 7) % orig_len] ^ (uint8_t)(i >> 20);
	z = linux_packed("lz4 -l -9 -c in", b, big);
	if (z.p) {
		n = decode_with(unlz4_legacy, z.p, z.n, big, &out);
		EXPECT(n == (long)big && !memcmp(out, b, big));
		free(out);
		free(z.p);
	}
	free(b);
}

static void lz4_hostile(void)
{
	/* No checksum: a flip may decode to anything, within the buffer. */
	hostile_rounds(&(struct hostile){ .fn = unlz4_legacy, .cmd = "lz4 -l -c in",
		.phrase = "lz4 legacy frame ", .len = 30000, .every = 1000,
		.cut_ok = CUT_PREFIX, .flips = 5000, .hdr = 8 });
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
	size_t blen;
	uint8_t cpio[512] = "070701", *b, *out;
	struct buf z = tool_output("gzip -c in", orig, orig_len);
	struct buf zc = tool_output("gzip -c in", cpio, sizeof(cpio));
	struct kimage k;
	const char *why = NULL;
	long n;

	if (!z.p || !zc.p)
		goto out;
	/* A bare ELF, a gzipped one, a gzipped ramdisk. */
	EXPECT(kimage_locate(orig, orig_len, &k, &why) == 0 && k.format == KIMAGE_ELF &&
	       !k.bzimage && k.data == orig);
	EXPECT(kimage_is_kernel(orig, orig_len));
	EXPECT(kimage_locate(z.p, z.n, &k, &why) == 0 && k.format == KIMAGE_GZIP &&
	       k.out_len == orig_len);
	EXPECT(kimage_is_kernel(z.p, z.n));
	EXPECT(!kimage_is_kernel(zc.p, zc.n));
	EXPECT(!kimage_is_kernel(cpio, sizeof(cpio)));
	/* A bzImage with a gzip payload, with an ELF payload. */
	b = make_bzimage(z.p, z.n, 0x20f, &blen);
	EXPECT(kimage_locate(b, blen, &k, &why) == 0 && k.bzimage && k.format == KIMAGE_GZIP &&
	       k.len == z.n && k.out_len == orig_len);
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
	/* A stated size too small: the decoder says so. */
	EXPECT(kimage_locate(z.p, z.n, &k, &why) == 0);
	n = kimage_decode(&k, out, orig_len - 1, &why);
	EXPECT(n == -ENOSPC);
	/*
	 * bzip2 (bunzip2.c's own tests: unit/bunzip2): a kernel with Linux's
	 * size word (read as gzip's ISIZE is), a ramdisk, in a bzImage.
	 */
	free(z.p);
	free(zc.p);
	z = linux_packed("bzip2 -9 -c in", orig, orig_len);
	zc = tool_output("bzip2 -9 -c in", cpio, sizeof(cpio));
	if (!z.p || !zc.p)
		goto out_buf;
	EXPECT(kimage_locate(z.p, z.n, &k, &why) == 0 && k.format == KIMAGE_BZIP2 &&
	       k.out_len == orig_len);
	EXPECT(kimage_is_kernel(z.p, z.n));
	EXPECT(!kimage_is_kernel(zc.p, zc.n));
	n = kimage_decode(&k, out, orig_len, &why);
	EXPECT(n == (long)orig_len && !memcmp(out, orig, orig_len));
	n = kimage_decode(&k, out, orig_len - 1, &why);
	EXPECT(n == -ENOSPC);
	b = make_bzimage(z.p, z.n, 0x20f, &blen);
	EXPECT(kimage_locate(b, blen, &k, &why) == 0 && k.bzimage && k.format == KIMAGE_BZIP2);
	EXPECT(kimage_is_kernel(b, blen));
	free(b);
	/* Each format told by its magic, and named. */
	EXPECT(kimage_format_of("BZh91AY", 7) == KIMAGE_BZIP2);
	EXPECT(kimage_format_of("\x28\xb5\x2f\xfd", 4) == KIMAGE_ZSTD);
	EXPECT(kimage_format_of("\x89LZO\0", 5) == KIMAGE_LZO);
	EXPECT(kimage_format_of("\x5d\0\0\x80", 4) == KIMAGE_LZMA);
	EXPECT(kimage_format_of("\3757zXZ\0", 6) == KIMAGE_XZ);
	EXPECT(!strcmp(kimage_format_name(KIMAGE_ZSTD), "zstd"));
out_buf:
	free(out);
out:
	free(z.p);
	free(zc.p);
}

/*
 * zstd as Linux packs it (the size word after the frame): a kernel, a
 * ramdisk, a bzImage payload. The frames state their size, zstd being
 * given the file.
 */
static void zstd_modules(void)
{
	size_t blen;
	uint8_t cpio[512] = "070701", *b, *out;
	struct buf zs = linux_packed("zstd -q -19 -c in", orig, orig_len);
	struct buf zc = tool_output("zstd -q -c in", cpio, sizeof(cpio));
	struct buf z = { NULL, 0 };	/* the frame alone */
	struct kimage k;
	const char *why = NULL;
	long n;

	if (!zs.p || !zc.p)
		goto out;
	z.n = zs.n - 4;
	z.p = malloc(z.n);
	memcpy(z.p, zs.p, z.n);
	EXPECT(kimage_locate(zs.p, zs.n, &k, &why) == 0 && k.format == KIMAGE_ZSTD &&
	       !k.out_len);
	out = malloc(orig_len);
	EXPECT(kimage_decode(&k, out, orig_len, &why) == (long)orig_len &&
	       !memcmp(out, orig, orig_len));
	EXPECT(kimage_decode(&k, out, orig_len - 1, &why) == -ENOSPC);
	EXPECT(kimage_is_kernel(zs.p, zs.n));
	EXPECT(kimage_is_kernel(z.p, z.n));
	EXPECT(!kimage_is_kernel(zc.p, zc.n));
	b = make_bzimage(zs.p, zs.n, 0x20f, &blen);
	EXPECT(kimage_locate(b, blen, &k, &why) == 0 && k.bzimage && k.format == KIMAGE_ZSTD &&
	       k.out_len == orig_len);
	n = kimage_decode(&k, out, orig_len, &why);
	EXPECT(n == (long)orig_len && !memcmp(out, orig, orig_len));
	EXPECT(kimage_is_kernel(b, blen));
	/* Corrupt: refused with a reason. */
	zs.p[z.n / 2] ^= 0x40;
	why = NULL;
	EXPECT(kimage_locate(zs.p, zs.n, &k, &why) == 0);
	n = kimage_decode(&k, out, orig_len, &why);
	EXPECT((n < 0 && why) || (n == (long)orig_len && !memcmp(out, orig, orig_len)));
	free(b);
	free(out);
out:
	free(zs.p);
	free(zc.p);
	free(z.p);
}

/* Debian's own vmlinuz, when the build has it (KIMAGE_VMLINUZ): found, its size read. */
static void debian_vmlinuz(void)
{
	const char *path = getenv("KIMAGE_VMLINUZ");
	struct buf v = path ? read_path(path) : (struct buf){ NULL, 0 };
	struct kimage k;
	const char *why;

	if (!v.p)
		return;
	EXPECT(kimage_locate(v.p, v.n, &k, &why) == 0 && k.bzimage);
	EXPECT(k.format == KIMAGE_XZ || k.format == KIMAGE_LZ4 || k.format == KIMAGE_GZIP);
	EXPECT(k.out_len > (8 << 20) && k.out_len < KIMAGE_MAX_OUT);
	EXPECT(kimage_is_kernel(v.p, v.n) || k.format == KIMAGE_XZ);
	free(v.p);
}

DECOMP_MAIN("kimage", "gzip lz4 bzip2 zstd",
	    UNIT_TEST(crc32_vectors), UNIT_TEST(gzip_levels), UNIT_TEST(gzip_stored),
	    UNIT_TEST(gzip_header_fields), UNIT_TEST(gzip_hostile), UNIT_TEST(lz4_real),
	    UNIT_TEST(lz4_hostile), UNIT_TEST(formats), UNIT_TEST(zstd_modules),
	    UNIT_TEST(debian_vmlinuz))
