/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the decoder tests share (unit/bunzip2, unxz, unzstd, unlzma, unlzo,
 * kimage): streams the command-line tools make at test time in the
 * suite's scratch directory (Linux's size word after them where its build
 * appends one), test data (words, random bytes, this binary's x86 code),
 * calls on buffers of exactly the size given (AddressSanitizer stops any
 * stray access), the hostile-input rounds, kimage's view of a module and
 * the suite's main. Included by one test file each, as its only header.
 *
 * All randomness is unit_rnd's: one fixed sequence, so each run of a suite
 * sees the same data and the same flips.
 */
#ifndef UNIT_DECOMP_TEST_H
#define UNIT_DECOMP_TEST_H

#include "../../unit.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <hv/decompress.h>
#include <lamina/errno.h>

struct buf {
	unsigned char *p;
	size_t n;
};

static char tmpdir[64];			/* the suite's scratch directory */
static const char *build_dir = "build";	/* $(O), from argv[0] */
static unsigned char *orig;		/* this test's own binary */
static size_t orig_len;

/*
 * bunzip2's work area (the hypervisor's: frames), for every suite that
 * links bunzip2.c: counted, so a test can see each one given back, and
 * refused while work_refused is set (unit/bunzip2's -ENOMEM case).
 */
static bool work_refused;
static int work_live;

void *decomp_work_alloc(size_t bytes)
{
	if (work_refused)
		return NULL;
	work_live++;
	return malloc(bytes);
}

void decomp_work_free(void *p, size_t bytes)
{
	work_live--;
	free(p);
}

/* A whole file, in a buffer of exactly its length; p NULL if it cannot be read. */
static __attribute__((unused)) struct buf read_path(const char *path)
{
	struct buf b = { NULL, 0 };
	FILE *f = fopen(path, "rb");
	size_t cap = 0, got;

	if (!f)
		return b;
	do {
		if (b.n == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			b.p = realloc(b.p, cap);
		}
		got = fread(b.p + b.n, 1, cap - b.n, f);
		b.n += got;
	} while (got);
	fclose(f);
	b.p = realloc(b.p, b.n ? b.n : 1);
	return b;
}

static __attribute__((unused)) void write_path(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(p, 1, n, f) != n)
		UNIT_FAIL("cannot write a temporary file");
	if (f)
		fclose(f);
}

/*
 * The output of the shell command cmd run in the scratch directory with
 * data on its input. The data is there as the file `in` too, for a tool
 * that should see a named file (gzip then records the name, zstd the
 * size). A failed command fails the test and gives p NULL.
 */
static __attribute__((unused)) struct buf tool_output(const char *cmd, const void *data, size_t n)
{
	char in[128], out[128], line[512];
	struct buf b = { NULL, 0 };

	snprintf(in, sizeof(in), "%s/in", tmpdir);
	snprintf(out, sizeof(out), "%s/out", tmpdir);
	write_path(in, data, n);
	snprintf(line, sizeof(line), "cd %s && %s < in > out", tmpdir, cmd);
	if (system(line) != 0)
		UNIT_FAIL(line);
	else
		b = read_path(out);
	unlink(in);
	unlink(out);
	return b;
}

/* cmd's stream of data, then the 32-bit size of data, as Linux's build packs a kernel. */
static __attribute__((unused)) struct buf linux_packed(const char *cmd, const void *data, size_t n)
{
	struct buf b = tool_output(cmd, data, n);

	if (b.p) {
		b.p = realloc(b.p, b.n + 4);
		memcpy(b.p + b.n, &(uint32_t){ n }, 4);
		b.n += 4;
	}
	return b;
}

/* Test data: words (compressible), random bytes, this program's x86 code. */
static __attribute__((unused)) unsigned char *words(size_t n)
{
	static const char *const w[] = { "hypervisor ", "page ", "table ", "grant ",
		"event ", "channel ", "domain ", "xen ", "lamina ", "\n", "0x1f ", "E8 " };
	unsigned char *p = malloc(n ? n : 1);
	size_t i = 0, k;

	while (i < n) {
		const char *s = w[unit_rnd() % ARRAY_SIZE(w)];

		for (k = 0; s[k] && i < n; k++)
			p[i++] = s[k];
	}
	return p;
}

static unsigned char *random_bytes(size_t n)
{
	unsigned char *p = malloc(n ? n : 1);
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = unit_rnd() >> 24;
	return p;
}

/* phrase over and over, len bytes, every every-th byte xor its index's low byte. */
static __attribute__((unused)) unsigned char *phrase_data(const char *phrase, size_t len,
							 size_t every)
{
	unsigned char *p = malloc(len);
	size_t i, n = strlen(phrase);

	for (i = 0; i < len; i++)
		p[i] = phrase[i % n] ^ (i % every == 0 ? (unsigned char)i : 0);
	return p;
}

/* A copy of this binary's first max bytes (all of it if shorter). */
static __attribute__((unused)) struct buf x86_code(size_t max)
{
	struct buf b = { malloc(max < orig_len ? max : orig_len), max < orig_len ? max : orig_len };

	memcpy(b.p, orig, b.n);
	return b;
}

/* A decoder as hv/decompress.h declares them. */
typedef long (*decomp_fn)(const void *in, size_t in_len, void *out, size_t out_size);

/*
 * fn on exact-size copies of in and of an out_size buffer; *outp kept
 * (outp NULL: freed). Even an empty buffer is a real one (malloc(0)):
 * ASan stops any access to it, and unlz4_legacy's NULL (only counting)
 * is not asked for.
 */
static long decode_with(decomp_fn fn, const void *in, size_t in_len, size_t out_size,
			unsigned char **outp)
{
	unsigned char *i = malloc(in_len), *o = malloc(out_size);
	long r;

	memcpy(i, in, in_len);
	r = fn(i, in_len, o, out_size);
	free(i);
	if (outp)
		*outp = o;
	else
		free(o);
	return r;
}

/* fn (as decode_with runs it) into exactly out_size: true if it gave data[0, len) back whole. */
static bool decodes_to(decomp_fn fn, const void *z, size_t zlen, const void *data, size_t len,
		       size_t out_size)
{
	unsigned char *o;
	long n = decode_with(fn, z, zlen, out_size, &o);
	bool ok = n == (long)len && !memcmp(o, data, len);

	free(o);
	return ok;
}

/* A suite's decoder call, wrapped as it needs (decode_with, and its own checks). */
typedef long (*decode_fn)(const void *in, size_t in_len, size_t out_size, unsigned char **outp);

/*
 * in decodes (by dec) to want: with the exact buffer, a larger one, one
 * a byte short, one a third long and an empty one (-ENOSPC, the start of
 * the output there but its last `unsure` bytes).
 */
static void expect_decodes_with(decode_fn dec, const void *in, size_t in_len, const void *want,
				size_t n, size_t unsure)
{
	size_t sizes[] = { n - 1, n / 3 }, i;
	unsigned char *o;
	long r;

	r = dec(in, in_len, n, &o);
	EXPECT_EQ(r, n);
	if (r == (long)n)
		EXPECT(!memcmp(o, want, n));
	free(o);
	EXPECT_EQ(dec(in, in_len, n + 100, NULL), n);
	if (!n)
		return;
	for (i = 0; i < (n > 1000 ? 2 : 1); i++) {
		r = dec(in, in_len, sizes[i], &o);
		EXPECT_EQ(r, -ENOSPC);
		if (sizes[i] > unsure)
			EXPECT(!memcmp(o, want, sizes[i] - unsure));
		free(o);
	}
	EXPECT_EQ(dec(in, in_len, 0, NULL), -ENOSPC);
}

/*
 * cmd's stream of data (at least min_len bytes) decodes back by dec, as
 * expect_decodes_with checks; a failure found here names cmd and the size.
 */
static __attribute__((unused)) void tool_roundtrip(decode_fn dec, size_t unsure, const char *cmd,
						   size_t min_len, const void *data, size_t n)
{
	bool failed = unit_failure[0];
	struct buf z = tool_output(cmd, data, n);

	if (z.p && z.n < min_len)
		UNIT_FAIL("the tool's stream is too short to be one");
	else if (z.p)
		expect_decodes_with(dec, z.p, z.n, data, n, unsure);
	if (!failed && unit_failure[0]) {
		size_t l = strlen(unit_failure);

		snprintf(unit_failure + l, sizeof(unit_failure) - l, " (%s, %zu bytes)", cmd, n);
	}
	free(z.p);
}

/*
 * Every proper prefix of in refused by dec (-EINVAL, out_size being the
 * whole output's), and in itself decoded to out_size bytes.
 */
static __attribute__((unused)) void expect_cuts_refused(decode_fn dec, const void *in,
							size_t in_len, size_t out_size)
{
	char m[64];
	size_t cut;

	for (cut = 0; cut < in_len; cut++)
		if (dec(in, cut, out_size, NULL) != -EINVAL) {
			snprintf(m, sizeof(m), "a stream cut to %zu bytes was not refused", cut);
			UNIT_FAIL(m);
			break;
		}
	EXPECT_EQ(dec(in, in_len, out_size, NULL), out_size);
}

/*
 * cmd's stream of data, Linux's size word after it, decodes back by fn:
 * into exactly len bytes, into more, and without the size word.
 */
static __attribute__((unused)) void linux_roundtrip(decomp_fn fn, const char *cmd,
						    const void *data, size_t len)
{
	struct buf z = linux_packed(cmd, data, len);

	if (!z.p)
		return;
	EXPECT(decodes_to(fn, z.p, z.n, data, len, len));
	EXPECT(decodes_to(fn, z.p, z.n, data, len, len + 100));
	EXPECT(decodes_to(fn, z.p, z.n - 4, data, len, len));	/* no size word */
	free(z.p);
}

/* cmd's streams of nothing (into 0 bytes and into 10) and of one byte decode back by fn. */
static __attribute__((unused)) void empty_and_one_byte(decomp_fn fn, const char *cmd)
{
	struct buf z = tool_output(cmd, orig, 0);

	EXPECT(z.p && decodes_to(fn, z.p, z.n, orig, 0, 0) && decodes_to(fn, z.p, z.n, orig, 0, 10));
	free(z.p);
	z = tool_output(cmd, orig, 1);
	EXPECT(z.p && decodes_to(fn, z.p, z.n, orig, 1, 1));
	free(z.p);
}

/* What a truncated stream may still give, besides an error. */
enum decomp_cut {
	CUT_FAILS,		/* nothing: every cut is an error */
	CUT_SIZE_WORD,		/* the whole output once only the size word is cut */
	CUT_PREFIX,		/* a correct prefix (block formats) */
};

/*
 * One decoder's hostile rounds: the stream attacked (cmd's, of `len`
 * bytes of phrase_data(phrase, len, every), with Linux's size word if
 * packed) and what the decoder may answer.
 */
struct hostile {
	decomp_fn fn;
	const char *cmd;
	bool packed;
	const char *phrase;
	size_t len, every;
	enum decomp_cut cut_ok;	/* what a truncation may give */
	unsigned int flips;	/* single bit flips, at or past byte flip_from */
	size_t flip_from;
	bool checked;		/* a flip gives an error or the right output */
	size_t hdr;		/* random blocks keep the stream's first hdr bytes */
};

/* Every truncation of z: an error, or what h->cut_ok allows. */
static void hostile_cuts(const struct hostile *h, const struct buf *z, const unsigned char *data)
{
	unsigned char *out;
	size_t cut;
	long n;

	for (cut = 0; cut < z->n; cut++) {
		n = decode_with(h->fn, z->p, cut, h->len, &out);
		EXPECT(n < 0 ||
		       (h->cut_ok == CUT_SIZE_WORD && cut >= z->n - 4 && n == (long)h->len &&
			!memcmp(out, data, h->len)) ||
		       (h->cut_ok == CUT_PREFIX && cut >= 4 && (size_t)n <= h->len &&
			!memcmp(out, data, (size_t)n)));
		free(out);
	}
}

/*
 * h->flips bit flips in z, each undone after (checked: an error or the
 * right output, else any result within the buffer); 300 random blocks
 * after z's first h->hdr bytes (checked: an error).
 */
static void hostile_flips(const struct hostile *h, struct buf *z, const unsigned char *data)
{
	unsigned char *out;
	size_t i, bit;
	long n;

	for (i = 0; i < h->flips; i++) {
		bit = 8 * h->flip_from + unit_rnd() % ((z->n - h->flip_from) * 8);
		z->p[bit / 8] ^= 1 << (bit % 8);
		n = decode_with(h->fn, z->p, z->n, h->len, &out);
		EXPECT(h->checked ? n < 0 || (n == (long)h->len && !memcmp(out, data, h->len))
				  : n <= (long)h->len);
		free(out);
		z->p[bit / 8] ^= 1 << (bit % 8);
	}
	for (i = 0; i < 300; i++) {
		unsigned char *r = random_bytes(4096);

		memcpy(r, z->p, h->hdr);
		n = decode_with(h->fn, r, 4096, h->len, NULL);
		EXPECT(h->checked ? n < 0 : n <= (long)h->len);
		free(r);
	}
}

/*
 * The hostile-input checks of one decoder: every truncation, the flips
 * and random blocks, output buffers short by everything down to 0 bytes
 * (-ENOSPC, the output's start written), and the stream whole again.
 */
static __attribute__((unused)) void hostile_rounds(const struct hostile *h)
{
	unsigned char *data = phrase_data(h->phrase, h->len, h->every), *out;
	struct buf z = h->packed ? linux_packed(h->cmd, data, h->len)
				 : tool_output(h->cmd, data, h->len);
	size_t i, sz;

	if (z.p) {
		hostile_cuts(h, &z, data);
		hostile_flips(h, &z, data);
		for (i = 0; i < 5; i++) {
			sz = (size_t[]){ 0, 1, 64, 4096, h->len - 1 }[i];
			EXPECT(decode_with(h->fn, z.p, z.n, sz, &out) == -ENOSPC &&
			       !memcmp(out, data, sz));
			free(out);
		}
		EXPECT(decodes_to(h->fn, z.p, z.n, data, h->len, h->len));
	}
	free(z.p);
	free(data);
}

/* A kernel-style module of this binary (and of a cpio archive) made by cmd, as kimage sees it. */
static __attribute__((unused)) void kimage_rounds(const char *cmd, enum kimage_format f,
						  const char *name)
{
	unsigned char cpio[512] = "070701", *out = malloc(orig_len);
	struct buf z = linux_packed(cmd, orig, orig_len), zc = linux_packed(cmd, cpio, sizeof(cpio));
	struct kimage k;
	const char *why = NULL;

	if (z.p && zc.p) {
		EXPECT(kimage_locate(z.p, z.n, &k, &why) == 0 && k.format == f &&
		       k.out_len == orig_len && !k.bzimage);
		EXPECT(kimage_decode(&k, out, orig_len, &why) == (long)orig_len &&
		       !memcmp(out, orig, orig_len));
		EXPECT(kimage_decode(&k, out, orig_len - 1, &why) == -ENOSPC);
		EXPECT(kimage_is_kernel(z.p, z.n));
		EXPECT(!kimage_is_kernel(zc.p, zc.n));
		EXPECT(!strcmp(kimage_format_name(f), name));
	}
	free(out);
	free(z.p);
	free(zc.p);
}

/*
 * A decoder suite's main (DECOMP_MAIN): this binary, a scratch directory,
 * the tools it runs (names on PATH, space-separated), its tests, then the
 * directory removed. The build directory is argv[0] up to /tests/unit/.
 */
static int decomp_main(const char *argv0, const char *suite, const char *tools,
		       const struct unit_test *t, size_t n)
{
	static char bdir[512];
	char line[256], *cut;
	const char *s, *e;
	struct buf self;

	setvbuf(stdout, NULL, _IOLBF, 0);	/* in order with the tools' messages */
	snprintf(bdir, sizeof(bdir), "%s", argv0);
	cut = strstr(bdir, "/tests/unit/");
	if (cut) {
		*cut = '\0';
		build_dir = bdir;
	}
	for (s = tools; *s; s = *e ? e + 1 : e) {
		e = s + strcspn(s, " ");
		snprintf(line, sizeof(line), "command -v %.*s > /dev/null", (int)(e - s), s);
		if (system(line) != 0) {
			printf("FAIL unit/%s/setup: the %.*s tool is not installed "
			       "(tests/run/install-deps)\n", suite, (int)(e - s), s);
			return 1;
		}
	}
	self = read_path("/proc/self/exe");
	orig = self.p;
	orig_len = self.n;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/%s-unit.XXXXXX", suite);
	if (!orig || !mkdtemp(tmpdir)) {
		printf("FAIL unit/%s/setup: no test file or directory\n", suite);
		free(orig);
		return 1;
	}
	unit_run_all(suite, t, n);
	snprintf(line, sizeof(line), "rm -rf %s", tmpdir);
	free(orig);
	return system(line) ? 1 : 0;
}

#define DECOMP_MAIN(suite, tools, ...)					\
	int main(int argc, char **argv)					\
	{								\
		static const struct unit_test tests[] = { __VA_ARGS__ };	\
		return decomp_main(argv[0], suite, tools, tests, ARRAY_SIZE(tests)); \
	}

#endif
