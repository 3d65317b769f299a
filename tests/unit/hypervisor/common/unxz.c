// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of hypervisor/common/unxz.c: streams the xz tool makes at test
 * time (checks, presets, x86 BCJ, blocks, LZMA2 options, incompressible
 * data), Debian's real kernel payload, and hostile input (every truncation,
 * seeded bit flips, short output buffers). Every call gets an input and an
 * output buffer of exactly the size given, so AddressSanitizer (the unit
 * build's) stops any read or write past them.
 */
#include "decomp_test.h"
#include <dirent.h>

/* The xz tool with options opts (empty: none), for tool_output. */
static const char *xz_with(const char *opts)
{
	static char cmd[256];

	snprintf(cmd, sizeof(cmd), "xz -q -c -T1 %s", opts);
	return cmd;
}

/* unxz on exact-size copies of in and of an out_size buffer; *outp kept. */
static long decode(const void *in, size_t in_len, size_t out_size, unsigned char **outp)
{
	return decode_with(unxz, in, in_len, out_size, outp);
}

static void expect_decodes(const struct buf *in, const void *want, size_t n)
{
	/* The last bytes may still be BCJ-filtered: the filter looks 4 ahead. */
	expect_decodes_with(decode, in->p, in->n, want, n, 5);
}

static void roundtrip(const void *data, size_t n, const char *opts)
{
	tool_roundtrip(decode, 5, xz_with(opts), 32, data, n);
}

static void check_types(void)
{
	static const char *const checks[] = { "--check=none", "--check=crc32",
		"--check=crc64" };
	unsigned char *d = words(200000);
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(checks); i++)
		roundtrip(d, 200000, checks[i]);
	free(d);
}

static void sha256_refused(void)
{
	unsigned char *d = words(1000);
	struct buf x = tool_output(xz_with("--check=sha256"), d, 1000);

	EXPECT_EQ(decode(x.p, x.n, 1000, NULL), -EINVAL);
	free(x.p);
	free(d);
}

static void presets(void)
{
	struct buf code = x86_code(300000);
	unsigned char *d = malloc(code.n + 100000), *w = words(100000);
	char opts[32];
	unsigned i;

	memcpy(d, code.p, code.n);
	memcpy(d + code.n, w, 100000);
	for (i = 0; i <= 9; i++) {
		snprintf(opts, sizeof(opts), "-%u", i);
		roundtrip(d, code.n + 100000, opts);
	}
	roundtrip(d, code.n + 100000, "-6e");
	free(d);
	free(w);
	free(code.p);
}

/*
 * Bytes from E8, E9, 00, FF and the rest: calls close together, the
 * filter's every rule (the E8/E9 left alone 1..3 bytes back, the operand
 * flipped a second time) many times over.
 */
static unsigned char *bcj_dense(size_t n)
{
	static const unsigned char pick[] = { 0xe8, 0xe9, 0, 0xff, 0xe8, 0, 0xff };
	unsigned char *p = malloc(n);
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned r = unit_rnd() % 10;

		p[i] = r < ARRAY_SIZE(pick) ? pick[r] : unit_rnd() >> 11;
	}
	return p;
}

static void x86_bcj(void)
{
	struct buf code = x86_code(2 << 20);
	unsigned char *dense = bcj_dense(300000);

	roundtrip(dense, 300000, "--x86 --lzma2");
	roundtrip(dense, 300000, "--x86=start=123456789 --lzma2 --block-size=77777");
	free(dense);

	roundtrip(code.p, code.n, "--x86 --lzma2");
	roundtrip(code.p, code.n, "--x86=start=4096 --lzma2=preset=1");
	roundtrip(code.p, code.n, "--x86=start=4294967283 --lzma2");
	roundtrip(code.p, code.n, "--x86 --lzma2 --block-size=65537");
	roundtrip(code.p, 7, "--x86 --lzma2");
	roundtrip("\xe8\0\0\0", 4, "--x86 --lzma2");
	free(code.p);
}

static void blocks(void)
{
	unsigned char *d = words(300000);

	roundtrip(d, 300000, "--block-size=10000");
	roundtrip(d, 700, "--block-size=1");	/* 700 blocks of one byte */
	/* Threaded: the block headers carry both sizes. */
	roundtrip(d, 300000, "-T2 --block-size=50000 --check=crc32");
	free(d);
}

static void empty(void)
{
	roundtrip("", 0, "--check=none");
	roundtrip("", 0, "--check=crc32");
	roundtrip("", 0, "--check=crc64");
	roundtrip("", 0, "--x86 --lzma2");
}

/* Random data: uncompressed chunks; mixed: those between LZMA ones. */
static void uncompressed_chunks(void)
{
	unsigned char *r = random_bytes(300000), *w = words(300000);
	unsigned char *m = malloc(600000);
	unsigned i;

	roundtrip(r, 300000, "");
	roundtrip(r, 1, "");
	for (i = 0; i < 600000; i += 100000) {
		memcpy(m + i, (i / 100000) & 1 ? r + i / 2 : w + i / 2, 50000);
		memcpy(m + i + 50000, (i / 100000) & 1 ? w + i / 2 : r + i / 2, 50000);
	}
	roundtrip(m, 600000, "");
	roundtrip(m, 600000, "--x86 --lzma2 --block-size=200000");
	free(r);
	free(w);
	free(m);
}

/* lc, lp and pb at their corners, and a small dictionary (4 KiB). */
static void lzma_options(void)
{
	static const char *const o[] = { "--lzma2=lc=0,lp=4,pb=0", "--lzma2=lc=4,lp=0,pb=4",
		"--lzma2=lc=1,lp=3,pb=2", "--lzma2=lc=2,lp=2,pb=1,dict=4KiB",
		"--lzma2=preset=9e,mf=bt2,nice=273", "--lzma2=preset=0,mf=hc3,mode=fast" };
	struct buf code = x86_code(400000);
	unsigned char *w = words(100000), *d = malloc(code.n + 100000);
	unsigned i;

	memcpy(d, w, 100000);
	memcpy(d + 100000, code.p, code.n);
	for (i = 0; i < ARRAY_SIZE(o); i++)
		roundtrip(d, code.n + 100000, o[i]);
	free(code.p);
	free(w);
	free(d);
}

/* After the first stream's footer: padding, a size, a second stream: unread. */
static void trailing_bytes(void)
{
	unsigned char *w = words(5000);
	struct buf x = tool_output(xz_with(""), w, 5000), y;
	static const unsigned char tails[][8] = { { 0, 0, 0, 0 }, { 0x88, 0x13, 0, 0 },
		{ 0xfd, '7', 'z', 'X', 'Z', 0, 1, 2 } };
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(tails); i++) {
		y.n = x.n + sizeof(tails[i]);
		y.p = malloc(y.n);
		memcpy(y.p, x.p, x.n);
		memcpy(y.p + x.n, tails[i], sizeof(tails[i]));
		expect_decodes(&y, w, 5000);
		free(y.p);
	}
	y.n = 2 * x.n;
	y.p = malloc(y.n);
	memcpy(y.p, x.p, x.n);
	memcpy(y.p + x.n, x.p, x.n);
	EXPECT_EQ(decode(y.p, y.n, 10000, NULL), 5000);
	free(y.p);
	free(x.p);
	free(w);
}

/* Every proper prefix of a two-block BCJ stream: -EINVAL, never a read past it. */
static void truncations(void)
{
	struct buf code = x86_code(30000);
	struct buf x = tool_output(xz_with("--x86 --lzma2 --block-size=20000"), code.p, code.n);

	expect_cuts_refused(decode, x.p, x.n, code.n);
	free(x.p);
	free(code.p);
}

/*
 * Flips in a checked stream: an error or the right bytes. Also random
 * bytes written over it, and flips in an unchecked stream, where only
 * safety is asked (wrong bytes could pass).
 */
static void flip_run(const char *opts, bool checked, unsigned count, bool bytes)
{
	struct buf code = x86_code(40000);
	unsigned char *w = words(40000), *d = malloc(80000), *o;
	struct buf x;
	unsigned i, wrong = 0;
	unsigned char keep;
	size_t at;
	long r;

	memcpy(d, code.p, code.n);
	memcpy(d + code.n, w, 80000 - code.n);
	x = tool_output(xz_with(opts), d, 80000);
	for (i = 0; i < count && x.n; i++) {
		at = unit_rnd() % x.n;
		keep = x.p[at];

		if (bytes)
			x.p[at] = unit_rnd() >> 7;
		else
			x.p[at] ^= 1u << (unit_rnd() % 8);
		r = decode(x.p, x.n, 80000, &o);
		if (r > 80000 || r < -ENOSPC)
			UNIT_FAIL("a flipped stream gave an impossible result");
		else if (r >= 0 && (r != 80000 || memcmp(o, d, 80000)))
			wrong++;
		free(o);
		x.p[at] = keep;
	}
	if (checked && wrong)
		UNIT_FAIL("a flipped checked stream decoded to wrong bytes");
	EXPECT_EQ(decode(x.p, x.n, 80000, NULL), 80000);
	free(x.p);
	free(code.p);
	free(w);
	free(d);
}

static void bit_flips(void)
{
	flip_run("--x86 --lzma2 --check=crc64 --block-size=30000", true, 3000, false);
	flip_run("--check=crc32", true, 1500, true);
	flip_run("--check=none --block-size=50000", false, 1500, false);
}

/* Hand-made streams at the edges the xz tool does not write. */
static void odd_streams(void)
{
	unsigned char *w = words(3000);
	struct buf x = tool_output(xz_with("--check=none"), w, 3000);
	unsigned char *p = malloc(x.n + 64);
	size_t i;

	/* No stream: bad magic, a 12-byte header only, garbage. */
	EXPECT_EQ(decode("", 0, 10, NULL), -EINVAL);
	EXPECT_EQ(decode(x.p, 12, 3000, NULL), -EINVAL);
	memcpy(p, x.p, x.n);
	p[0] = 0xfe;
	EXPECT_EQ(decode(p, x.n, 3000, NULL), -EINVAL);
	/* A reserved stream flag (with its CRC left): refused. */
	memcpy(p, x.p, x.n);
	p[7] = 0x10;
	EXPECT_EQ(decode(p, x.n, 3000, NULL), -EINVAL);
	/* All 0xff and all 0 after a good header. */
	for (i = 12; i < x.n; i++)
		p[i] = 0xff;
	memcpy(p, x.p, 12);
	EXPECT_EQ(decode(p, x.n, 3000, NULL), -EINVAL);
	memset(p + 12, 0, x.n - 12);
	EXPECT_EQ(decode(p, x.n, 3000, NULL), -EINVAL);
	free(p);
	free(x.p);
	free(w);
}

/* Finds Debian's vmlinuz: the dom0 build's unpacked kernel, else the .deb. */
static bool find_vmlinuz(char *path, size_t size, char *why, size_t why_size)
{
	char dir[256], cmd[1024];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/dom0_tools/kernel/boot", build_dir);
	if ((d = opendir(dir))) {
		while ((e = readdir(d)))
			if (!strncmp(e->d_name, "vmlinuz-", 8)) {
				snprintf(path, size, "%s/%s", dir, e->d_name);
				closedir(d);
				return true;
			}
		closedir(d);
	}
	snprintf(dir, sizeof(dir), "%s/dom0_tools/deb", build_dir);
	if (!(d = opendir(dir))) {
		snprintf(why, why_size, "no %s/dom0_tools/kernel/boot/vmlinuz-* and no "
			 "%s (make dom0-image downloads the kernel package)", build_dir, dir);
		return false;
	}
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "linux-image-", 12) || !strstr(e->d_name, ".deb"))
			continue;
		snprintf(cmd, sizeof(cmd), "dpkg-deb --fsys-tarfile '%s/%s' | tar -x -C %s "
			 "--wildcards './boot/vmlinuz-*' && mv %s/boot/vmlinuz-* %s/vmlinuz && "
			 "rmdir %s/boot", dir, e->d_name, tmpdir, tmpdir, tmpdir, tmpdir);
		closedir(d);
		if (system(cmd) != 0) {
			snprintf(why, why_size, "dpkg-deb could not unpack the kernel package");
			return false;
		}
		snprintf(path, size, "%s/vmlinuz", tmpdir);
		return true;
	}
	closedir(d);
	snprintf(why, why_size, "no linux-image-*.deb in %s", dir);
	return false;
}

/*
 * Debian's generic kernel: the bzImage payload (docs/abi-core.md §1.1),
 * .xz with x86 BCJ, LZMA2 and CRC32, then its 4-byte size; the decoder's
 * output must be `xz -dc --single-stream`'s and as long as that size.
 */
static void debian_kernel(void)
{
	char path[512], why[512], out[128];
	struct buf k, want;
	unsigned char *o;
	size_t start, len, size;
	unsigned setup;
	long r;

	if (!find_vmlinuz(path, sizeof(path), why, sizeof(why))) {
		printf("SKIP unit/unxz/debian_kernel: %s\n", why);
		return;
	}
	k = read_path(path);
	if (k.n < 0x250 || memcmp(k.p + 0x202, "HdrS", 4)) {
		UNIT_FAIL("the vmlinuz is not a bzImage");
		free(k.p);
		return;
	}
	setup = k.p[0x1f1] ? k.p[0x1f1] : 4;
	start = (setup + 1) * 512 + (k.p[0x248] | k.p[0x249] << 8 | k.p[0x24a] << 16 |
				     (size_t)k.p[0x24b] << 24);
	len = k.p[0x24c] | k.p[0x24d] << 8 | k.p[0x24e] << 16 | (size_t)k.p[0x24f] << 24;
	if (start > k.n || len > k.n - start || len < 4) {
		UNIT_FAIL("the bzImage's payload is outside the file");
		free(k.p);
		return;
	}
	size = k.p[start + len - 4] | k.p[start + len - 3] << 8 |
	       k.p[start + len - 2] << 16 | (size_t)k.p[start + len - 1] << 24;
	want = tool_output("xz -dc --single-stream", k.p + start, len);
	EXPECT_EQ(want.n, size);
	r = decode(k.p + start, len, size, &o);
	EXPECT_EQ(r, size);
	EXPECT(r == (long)size && want.n == size && !memcmp(o, want.p, size));
	EXPECT(!memcmp(o, "\177ELF", 4));
	free(o);
	EXPECT_EQ(decode(k.p + start, len, size - 1, NULL), -ENOSPC);
	snprintf(out, sizeof(out), "%s/vmlinuz", tmpdir);
	unlink(out);
	free(want.p);
	free(k.p);
}

DECOMP_MAIN("unxz", "xz",
	    UNIT_TEST(check_types), UNIT_TEST(sha256_refused), UNIT_TEST(presets),
	    UNIT_TEST(x86_bcj), UNIT_TEST(blocks), UNIT_TEST(empty),
	    UNIT_TEST(uncompressed_chunks), UNIT_TEST(lzma_options),
	    UNIT_TEST(trailing_bytes), UNIT_TEST(truncations), UNIT_TEST(bit_flips),
	    UNIT_TEST(odd_streams), UNIT_TEST(debian_kernel))
