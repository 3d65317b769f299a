// SPDX-License-Identifier: GPL-2.0-only
/*
 * libvmctl/kernel_image.c on the host: every payload format of a bzImage
 * (gzip, bzip2, xz, lzma, zstd, lz4 legacy), made here with the same
 * libraries' compressors plus the kernel build's 4-byte size, decodes to
 * the original; damaged input (truncated, a wrong size word, an unknown
 * or lzo magic) is refused with a message; kernel files that are not a
 * bzImage or an ELF, a bzImage of an old protocol or with its payload
 * outside the file, and an ELF without Xen notes are refused as the
 * builder needs; a gzip ramdisk is unpacked and anything else kept as it is.
 * gzip ramdisks and kernels whose ISIZE lies, a truncated member, two
 * members, trailing bytes: the same bytes or the same error as the zlib-only
 * gunzip before libdeflate (test_gzip_edges). A ramdisk, a kernel file or
 * a mapping truncated while it is read: -EIO with a message, the SIGBUS
 * disposition as it was (test_truncated). guest_mem.h's SSE2 copy and
 * zero: exact bytes at every alignment and length (test_guest_mem).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <unistd.h>
#include <bzlib.h>
#include <lz4.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>
#include "../../unit.h"
#include "../../../../dom0_tools/libvmctl/guest_mem.h"
#include "../../../../dom0_tools/libvmctl/kernel_image.h"

#define N	300000

static uint8_t orig[N];
static uint8_t packed[N * 2 + 4096];
static size_t plen;
static char err[256];

/* The original data, made once (every test starts by packing it). */
static void fill(void)
{
	static bool done;
	size_t i;
	uint32_t x = 12345;

	if (done)
		return;
	done = true;
	for (i = 0; i < N; i++) {
		x = x * 1103515245 + 12345;
		orig[i] = (i % 7 == 0) ? (uint8_t)(x >> 24) : (uint8_t)(i / 100);
	}
}

static void size_append(void)
{
	packed[plen++] = N & 0xff;
	packed[plen++] = (N >> 8) & 0xff;
	packed[plen++] = (N >> 16) & 0xff;
	packed[plen++] = (N >> 24) & 0xff;
}

static int decode_ok(const char *want_fmt)
{
	const char *fmt;
	uint8_t *out = NULL;
	size_t outlen = 0;
	int rc = vmctl_decompress(packed, plen, &out, &outlen, &fmt, err, sizeof(err));
	int ok = rc == 0 && outlen == N && !memcmp(out, orig, N) && !strcmp(fmt, want_fmt);

	free(out);
	return ok;
}

static void pack_gzip(void)
{
	z_stream z = { 0 };

	fill();

	deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	z.next_in = orig;
	z.avail_in = N;
	z.next_out = packed;
	z.avail_out = sizeof(packed);
	deflate(&z, Z_FINISH);
	plen = z.total_out;
	deflateEnd(&z);
}

static void test_gzip(void)
{
	pack_gzip();		/* gzip's own ISIZE is the size word */
	EXPECT(decode_ok("gzip"));
}

static void test_bzip2(void)
{
	unsigned int n = sizeof(packed);

	fill();
	EXPECT_EQ(BZ2_bzBuffToBuffCompress((char *)packed, &n, (char *)orig, N, 9, 0, 0), BZ_OK);
	plen = n;
	size_append();
	EXPECT(decode_ok("bzip2"));
}

static void pack_lzma(bool alone)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_options_lzma o;

	fill();
	lzma_lzma_preset(&o, 6);
	if (alone)
		EXPECT_EQ(lzma_alone_encoder(&s, &o), LZMA_OK);
	else
		EXPECT_EQ(lzma_easy_encoder(&s, 6, LZMA_CHECK_CRC32), LZMA_OK);
	s.next_in = orig;
	s.avail_in = N;
	s.next_out = packed;
	s.avail_out = sizeof(packed);
	while (lzma_code(&s, LZMA_FINISH) == LZMA_OK)
		;
	plen = s.total_out;
	lzma_end(&s);
	size_append();
}

static void test_xz(void)
{
	pack_lzma(false);
	EXPECT(decode_ok("xz"));
}

static void test_lzma(void)
{
	pack_lzma(true);
	EXPECT(decode_ok("lzma"));
}

static void test_zstd(void)
{
	fill();
	plen = ZSTD_compress(packed, sizeof(packed), orig, N, 19);
	EXPECT(!ZSTD_isError(plen));
	size_append();
	EXPECT(decode_ok("zstd"));
}

/* The kernel's lz4 legacy format: magic, then (size, block) per 8 MiB, here 64 KiB blocks. */
static void test_lz4(void)
{
	size_t off;

	fill();
	plen = 0;
	packed[plen++] = 0x02; packed[plen++] = 0x21; packed[plen++] = 0x4c; packed[plen++] = 0x18;
	for (off = 0; off < N; off += 65536) {
		int chunk = (int)(N - off < 65536 ? N - off : 65536);
		int c = LZ4_compress_default((char *)orig + off, (char *)packed + plen + 4, chunk,
					     (int)(sizeof(packed) - plen - 4));

		packed[plen] = c & 0xff;
		packed[plen + 1] = (c >> 8) & 0xff;
		packed[plen + 2] = (c >> 16) & 0xff;
		packed[plen + 3] = (c >> 24) & 0xff;
		plen += 4 + (size_t)c;
	}
	size_append();
	EXPECT(decode_ok("lz4"));
}

static void test_damaged(void)
{
	const char *fmt;
	uint8_t *out = (uint8_t *)1;
	size_t outlen;

	pack_lzma(false);
	EXPECT_EQ(vmctl_decompress(packed, plen / 2, &out, &outlen, &fmt, err, sizeof(err)),
		  -EINVAL);
	EXPECT(out == NULL && strstr(err, "xz payload"));
	packed[plen - 2] ^= 1;	/* the size word: not what the stream gives */
	EXPECT_EQ(vmctl_decompress(packed, plen, &out, &outlen, &fmt, err, sizeof(err)), -EINVAL);
	memcpy(packed, "\x89LZO\0", 5);
	EXPECT_EQ(vmctl_decompress(packed, plen, &out, &outlen, &fmt, err, sizeof(err)),
		  -EOPNOTSUPP);
	EXPECT(strstr(err, "lzo"));
	memcpy(packed, "ABCDEF", 6);
	EXPECT_EQ(vmctl_decompress(packed, plen, &out, &outlen, &fmt, err, sizeof(err)), -EINVAL);
	EXPECT(strstr(err, "unknown compression format"));
}

static char path[64];

static void put_file(const void *data, size_t len)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/unit-kernel-image.%d", (int)getpid());
	f = fopen(path, "wb");
	fwrite(data, 1, len, f);
	fclose(f);
}

/* A bzImage header around packed[0, plen): setup_sects 1, payload at 1024. */
static size_t make_bzimage(uint8_t *img, unsigned int version)
{
	memset(img, 0, 1024);
	img[0x1f1] = 1;
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = version & 0xff;
	img[0x207] = version >> 8;
	img[0x248] = 0;			/* payload_offset 0 past the setup */
	img[0x24c] = plen & 0xff;
	img[0x24d] = (plen >> 8) & 0xff;
	img[0x24e] = (plen >> 16) & 0xff;
	memcpy(img + 1024, packed, plen);
	return 1024 + plen;
}

static void test_kernel_files(void)
{
	static uint8_t img[N * 2 + 8192];
	struct vmctl_kernel k;
	size_t n;

	put_file("#!/bin/sh\necho not a kernel\n", 28);
	EXPECT_EQ(vmctl_kernel_load(path, &k, err, sizeof(err)), -ENOEXEC);
	EXPECT(strstr(err, "not a kernel: neither a bzImage nor an ELF"));
	EXPECT_EQ(vmctl_kernel_load("/nonexistent/vmlinuz", &k, err, sizeof(err)), -ENOENT);
	EXPECT(strstr(err, "No such file"));

	/* A bzImage whose payload decodes to something that is not a PV ELF. */
	pack_gzip();
	n = make_bzimage(img, 0x020f);
	put_file(img, n);
	EXPECT_EQ(vmctl_kernel_load(path, &k, err, sizeof(err)), -ENOEXEC);
	EXPECT(strstr(err, "not a 64-bit PV kernel"));
	n = make_bzimage(img, 0x0207);
	put_file(img, n);
	EXPECT_EQ(vmctl_kernel_load(path, &k, err, sizeof(err)), -ENOEXEC);
	EXPECT(strstr(err, "older than 2.08"));
	n = make_bzimage(img, 0x020f);
	put_file(img, n - 100);	/* the payload runs past the end */
	EXPECT_EQ(vmctl_kernel_load(path, &k, err, sizeof(err)), -ENOEXEC);
	EXPECT(strstr(err, "outside the file"));

	/* An ELF header without Xen notes: not a PV kernel. */
	memset(img, 0, 4096);
	memcpy(img, "\177ELF\2\1\1", 7);
	img[16] = 2;		/* ET_EXEC */
	img[18] = 62;		/* EM_X86_64 */
	img[20] = 1;
	img[52] = 64;		/* e_ehsize */
	put_file(img, 4096);
	EXPECT_EQ(vmctl_kernel_load(path, &k, err, sizeof(err)), -ENOEXEC);
	EXPECT(strstr(err, "not a 64-bit PV kernel"));
	unlink(path);
}

static void test_ramdisk(void)
{
	uint8_t *data;
	size_t len;
	bool unpacked;

	fill();
	pack_gzip();
	put_file(packed, plen);
	EXPECT_EQ(vmctl_ramdisk_load(path, &data, &len, &unpacked, err, sizeof(err)), 0);
	EXPECT(unpacked && len == N && !memcmp(data, orig, N));
	free(data);
	EXPECT(!err[0]);
	/*
	 * Damaged gzip: loaded as it is, as libxenguest does, with the reason
	 * in err (a file cut short: its ISIZE word is then the bytes found at
	 * the cut; a byte changed mid-stream: corrupt). Unlike a file
	 * truncated while it is read (test_truncated: a failure, SIGBUS).
	 */
	put_file(packed, plen / 2);
	EXPECT_EQ(vmctl_ramdisk_load(path, &data, &len, &unpacked, err, sizeof(err)), 0);
	EXPECT(!unpacked && len == plen / 2 && !memcmp(data, packed, len));
	EXPECT(strstr(err, "gzip payload: ") && !strstr(err, "truncated while"));
	free(data);
	packed[plen / 2] ^= 0x55;
	put_file(packed, plen);
	EXPECT_EQ(vmctl_ramdisk_load(path, &data, &len, &unpacked, err, sizeof(err)), 0);
	EXPECT(!unpacked && len == plen && !memcmp(data, packed, len));
	EXPECT(strstr(err, "gzip payload: corrupt"));
	free(data);
	packed[plen / 2] ^= 0x55;
	put_file(orig, 1000);
	EXPECT_EQ(vmctl_ramdisk_load(path, &data, &len, &unpacked, err, sizeof(err)), 0);
	EXPECT(!unpacked && len == 1000 && !err[0]);
	free(data);
	unlink(path);
}

/* The ramdisk in packed[0, plen) as vmctl_ramdisk_load reads it. */
static int ramdisk_of_packed(uint8_t **data, size_t *len, bool *unpacked)
{
	int rc;

	put_file(packed, plen);
	rc = vmctl_ramdisk_load(path, data, len, unpacked, err, sizeof(err));
	unlink(path);
	return rc;
}

/* The ramdisk in packed[0, plen) loads as @want (@want_len bytes), unpacked or not. */
static int ramdisk_gives(bool want_unpacked, const uint8_t *want, size_t want_len)
{
	uint8_t *data = NULL;
	size_t len = 0;
	bool unpacked = !want_unpacked;
	int ok = ramdisk_of_packed(&data, &len, &unpacked) == 0 && unpacked == want_unpacked &&
		 len == want_len && !memcmp(data, want, want_len);

	free(data);
	return ok;
}

/* Used as it is: not unpacked, the file's own bytes. */
static int ramdisk_kept(void)
{
	return ramdisk_gives(false, packed, plen);
}

/* Unpacked to orig[0, N) (the first member). */
static int ramdisk_unpacked(void)
{
	return ramdisk_gives(true, orig, N);
}

static void set_isize(uint32_t v)
{
	packed[plen - 4] = v & 0xff;
	packed[plen - 3] = (v >> 8) & 0xff;
	packed[plen - 2] = (v >> 16) & 0xff;
	packed[plen - 1] = v >> 24;
}

/*
 * The decoder's answer for packed[0, plen) as a kernel-file stage
 * (vmctl_decompress): -EINVAL with a "gzip payload" message naming @what.
 */
static int gzip_refused(const char *what)
{
	const char *fmt;
	uint8_t *out = (uint8_t *)1;
	size_t outlen;
	int rc = vmctl_decompress(packed, plen, &out, &outlen, &fmt, err, sizeof(err));

	return rc == -EINVAL && out == NULL && strstr(err, "gzip payload") && strstr(err, what);
}

/*
 * gzip whose ISIZE lies, truncated, with a second member or trailing bytes.
 * The ISIZE word at the file's end is the output size (1 byte to 1 GiB);
 * the first member must decode to exactly that many bytes, with its own
 * CRC and ISIZE right; what follows it is not read. Otherwise a kernel's
 * gzip stage is refused and a ramdisk is used as it is (as libxenguest).
 * What zlib alone gave before libdeflate, byte for byte.
 */
static void test_gzip_edges(void)
{
	static uint8_t one[N * 2];
	size_t olen;
	char want[64];

	pack_gzip();
	memcpy(one, packed, plen);
	olen = plen;

	/* ISIZE smaller, larger, zero, over 1 GiB. */
	set_isize(N - 1);
	EXPECT(ramdisk_kept());
	snprintf(want, sizeof(want), "of %u bytes decoded", N - 1);
	EXPECT(gzip_refused("corrupt") && strstr(err, want));
	set_isize(N + 1);
	EXPECT(ramdisk_kept());
	snprintf(want, sizeof(want), "(%u of %u bytes decoded)", N, N + 1);
	EXPECT(gzip_refused("corrupt") && strstr(err, want));
	set_isize(2 * N);
	EXPECT(ramdisk_kept());
	set_isize(0);
	EXPECT(ramdisk_kept());
	EXPECT(gzip_refused("decompressed size 0 out of range"));
	set_isize((1u << 30) + 1);
	EXPECT(ramdisk_kept());
	EXPECT(gzip_refused("out of range"));
	set_isize(0xffffffffu);
	EXPECT(ramdisk_kept());
	set_isize(N);
	EXPECT(ramdisk_unpacked());

	/* The member cut short: in its data, in its trailer (ISIZE then a lie). */
	plen = olen / 2;
	memcpy(packed, one, plen);
	EXPECT(ramdisk_kept());
	plen = olen - 2;
	EXPECT(ramdisk_kept());
	EXPECT(gzip_refused("gzip payload"));
	/* A byte of the CRC wrong: every byte decoded, refused at the end. */
	memcpy(packed, one, olen);
	plen = olen;
	packed[olen - 8] ^= 0x40;
	EXPECT(ramdisk_kept());
	snprintf(want, sizeof(want), "(%u of %u bytes decoded)", N, N);
	EXPECT(gzip_refused("corrupt") && strstr(err, want));

	/* Two members of the same size: the first alone is taken. */
	memcpy(packed, one, olen);
	memcpy(packed + olen, one, olen);
	packed[olen + 4] ^= 1;		/* the second's MTIME: still a valid member */
	plen = 2 * olen;
	EXPECT(ramdisk_unpacked());
	/* A second member of another size: the last ISIZE is not the first's. */
	{
		z_stream z = { 0 };

		deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
		z.next_in = orig;
		z.avail_in = 1000;
		z.next_out = packed + olen;
		z.avail_out = sizeof(packed) - olen;
		deflate(&z, Z_FINISH);
		plen = olen + z.total_out;
		deflateEnd(&z);
	}
	EXPECT(ramdisk_kept());
	EXPECT(gzip_refused("corrupt"));

	/* Trailing bytes after the member. */
	memcpy(packed, one, olen);
	memset(packed + olen, 0, 512);	/* zero padding: ISIZE 0 */
	plen = olen + 512;
	EXPECT(ramdisk_kept());
	memset(packed + olen, 0xa5, 100);	/* garbage */
	plen = olen + 100;
	EXPECT(ramdisk_kept());
	EXPECT(gzip_refused("out of range"));	/* ISIZE 0xa5a5a5a5 */
	set_isize(N + 7);		/* in range: the member is N bytes */
	EXPECT(ramdisk_kept());
	EXPECT(gzip_refused("corrupt"));
	set_isize(N);			/* garbage ending in the member's own size */
	EXPECT(ramdisk_unpacked());
	{
		const char *fmt;
		uint8_t *out = NULL;
		size_t outlen = 0;

		EXPECT_EQ(vmctl_decompress(packed, plen, &out, &outlen, &fmt, err, sizeof(err)), 0);
		EXPECT(outlen == N && !memcmp(out, orig, N));
		free(out);
	}

	/* A header CRC (FHCRC) that is wrong: zlib refuses the member. */
	memcpy(packed, one, olen);
	plen = olen;
	{
		static uint8_t h[N * 2];
		uint32_t crc;

		memcpy(h, one, 10);
		h[3] |= 0x02;			/* FHCRC */
		crc = (uint32_t)crc32(0, h, 10);
		h[10] = crc & 0xff;
		h[11] = (crc >> 8) & 0xff;
		memcpy(h + 12, one + 10, olen - 10);
		memcpy(packed, h, olen + 2);
		plen = olen + 2;
		EXPECT(ramdisk_unpacked());	/* right: taken */
		packed[10] ^= 1;
		EXPECT(ramdisk_kept());		/* wrong: used as it is */
		EXPECT(gzip_refused("corrupt"));
	}
}

/*
 * A file truncated while it is read through its mapping (SIGBUS): a
 * failure of the load with a message, not the end of the process. The
 * sink's reserve runs between the mapping and the decode, so a sink that
 * truncates the file is a truncation during the read, every time.
 */
static uint8_t *truncating_reserve(void *arg, size_t size)
{
	(void)size;
	EXPECT_EQ(truncate((const char *)arg, 0), 0);
	return NULL;			/* the image then goes to anonymous memory */
}

static void test_truncated(void)
{
	struct vmctl_sink sink = { truncating_reserve, path, false };
	struct sigaction before, after;
	struct vmctl_kernel k;
	uint8_t *data = (uint8_t *)1, *map, dst[4096];
	size_t len;
	bool unpacked, in_sink;
	int fd;

	fill();
	pack_gzip();
	EXPECT(plen > 3 * 4096);
	EXPECT_EQ(sigaction(SIGBUS, NULL, &before), 0);
	/* A gzip ramdisk, inflated from its mapping. */
	put_file(packed, plen);
	fd = open(path, O_RDONLY);
	err[0] = 0;
	EXPECT_EQ(vmctl_ramdisk_load_fd(fd, path, &sink, &data, &len, &unpacked, &in_sink, err,
					sizeof(err)), -EIO);
	EXPECT(strstr(err, path) && strstr(err, "truncated") && !in_sink);
	close(fd);
	/* A gzip kernel file, likewise (its stage decoded from the mapping). */
	put_file(packed, plen);
	sink.used = false;
	fd = open(path, O_RDONLY);
	err[0] = 0;
	EXPECT_EQ(vmctl_kernel_load_fd(fd, path, &sink, &k, err, sizeof(err)), -EIO);
	EXPECT(strstr(err, "gzip file") && strstr(err, "truncated"));
	EXPECT(k.data == NULL);
	close(fd);
	/* A copy, and the ELF reader, from a mapping whose file went short. */
	put_file(packed, plen);
	fd = open(path, O_RDONLY);
	map = mmap(NULL, plen, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	EXPECT(map != MAP_FAILED);
	EXPECT_EQ(vmctl_mapped_copy(dst, map, sizeof(dst)), 0);
	EXPECT(!memcmp(dst, packed, sizeof(dst)));
	EXPECT_EQ(truncate(path, 4096), 0);
	EXPECT_EQ(vmctl_mapped_copy(dst, map, sizeof(dst)), 0);	/* the page still in the file */
	EXPECT_EQ(vmctl_mapped_copy(dst, map + 2 * 4096, sizeof(dst)), -EIO);
	memset(&k, 0, sizeof(k));
	k.data = map + 4096;
	k.size = plen - 4096;
	err[0] = 0;
	EXPECT_EQ(vmctl_kernel_check(&k, path, err, sizeof(err)), -EIO);
	EXPECT(strstr(err, "truncated"));
	munmap(map, plen);
	close(fd);
	unlink(path);
	/* The disposition is what it was before (a SIGBUS elsewhere still ends us). */
	EXPECT_EQ(sigaction(SIGBUS, NULL, &after), 0);
	EXPECT(after.sa_sigaction == before.sa_sigaction && after.sa_flags == before.sa_flags);
}

/*
 * guest_mem.h's copy and zero (the builder's writes into a domain's
 * pages): every length up to 600 and some past it, every alignment of
 * each side: the bytes asked for are written, exactly, and none either
 * side of them.
 */
static void test_guest_mem(void)
{
	static const size_t big[] = { 1023, 1024, 1025, 4096, 4096 + 13, 8191 };
	static uint8_t src[8192 + 64], dst[8192 + 96];
	size_t len, i, n;
	unsigned int da, sa, bad = 0;

	for (i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + 1);
	for (n = 0; n < 601 + sizeof(big) / sizeof(big[0]); n++) {
		len = n < 601 ? n : big[n - 601];
		for (da = 0; da < 16; da++) {
			for (sa = 0; sa < 16; sa += (n < 601 ? 5 : 1)) {
				memset(dst, 0xee, sizeof(dst));
				guest_copy(dst + 16 + da, src + sa, len);
				for (i = 0; i < sizeof(dst); i++) {
					bool in = i >= 16 + da && i < 16 + da + len;
					uint8_t want = in ? src[sa + i - 16 - da] : 0xee;

					bad += dst[i] != want;
				}
			}
			memset(dst, 0xee, sizeof(dst));
			guest_zero(dst + 16 + da, len);
			for (i = 0; i < sizeof(dst); i++) {
				bool in = i >= 16 + da && i < 16 + da + len;

				bad += dst[i] != (in ? 0 : 0xee);
			}
		}
	}
	EXPECT_EQ(bad, 0);
}


UNIT_MAIN("dom0_tools/libvmctl/kernel_image", UNIT_TEST(test_gzip), UNIT_TEST(test_bzip2),
	  UNIT_TEST(test_xz), UNIT_TEST(test_lzma), UNIT_TEST(test_zstd), UNIT_TEST(test_lz4),
	  UNIT_TEST(test_damaged), UNIT_TEST(test_kernel_files), UNIT_TEST(test_ramdisk),
	  UNIT_TEST(test_gzip_edges), UNIT_TEST(test_truncated), UNIT_TEST(test_guest_mem))
