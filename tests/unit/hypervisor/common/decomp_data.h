// SPDX-License-Identifier: GPL-2.0-only
/*
 * The decoder tests' data (unit/unxz, unit/bunzip2, unit/unzstd): files in and out,
 * words (compressible), random bytes (unit_rnd's), this program's x86
 * code. Included by one test file each, after unit.h.
 */
#ifndef DECOMP_DATA_H
#define DECOMP_DATA_H

#include <stdlib.h>
#include <unistd.h>

struct buf {
	unsigned char *p;
	size_t n;
};

static __attribute__((unused)) struct buf read_path(const char *path)
{
	struct buf b = { NULL, 0 };
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return b;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b.p = malloc(n ? n : 1);
	b.n = fread(b.p, 1, n, f);
	fclose(f);
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

/* Test data: words (compressible), random bytes, this program's x86 code. */
static __attribute__((unused)) unsigned char *words(size_t n)
{
	static const char *const w[] = { "hypervisor ", "page ", "table ", "grant ",
		"event ", "channel ", "domain ", "xen ", "lamina ", "\n", "0x1f ", "E8 " };
	unsigned char *p = malloc(n);
	size_t i = 0, k;

	while (i < n) {
		const char *s = w[unit_rnd() % ARRAY_SIZE(w)];

		for (k = 0; s[k] && i < n; k++)
			p[i++] = s[k];
	}
	return p;
}

static __attribute__((unused)) unsigned char *random_bytes(size_t n)
{
	unsigned char *p = malloc(n);
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = unit_rnd() >> 24;
	return p;
}

static __attribute__((unused)) struct buf x86_code(size_t max)
{
	struct buf b = read_path("/proc/self/exe");

	if (b.n > max)
		b.n = max;
	return b;
}

/* The output of the shell command cmd given data on its input (dir: a scratch directory). */
static __attribute__((unused)) struct buf tool_output(const char *dir, const char *cmd, const void *data, size_t n)
{
	char in[128], out[128], line[512];
	struct buf b;

	snprintf(in, sizeof(in), "%s/in", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	write_path(in, data, n);
	snprintf(line, sizeof(line), "%s < %s > %s", cmd, in, out);
	if (system(line) != 0)
		UNIT_FAIL(line);
	b = read_path(out);
	unlink(in);
	unlink(out);
	return b;
}

/* fn on exact-size copies of in and of an out_size buffer (ASan's bounds); *outp kept. */
static __attribute__((unused)) long decode_with(long (*fn)(const void *, size_t, void *, size_t), const void *in,
			size_t in_len, size_t out_size, unsigned char **outp)
{
	unsigned char *i = malloc(in_len ? in_len : 1), *o = malloc(out_size ? out_size : 1);
	long r;

	memcpy(i, in, in_len);
	r = fn(i, in_len, out_size ? o : NULL, out_size);
	free(i);
	if (outp)
		*outp = o;
	else
		free(o);
	return r;
}

typedef long (*decode_fn)(const void *in, size_t in_len, size_t out_size, unsigned char **outp);

/*
 * in decodes (by dec) to want: with the exact buffer, a larger one, one
 * a byte short, one a third long and an empty one (-ENOSPC, the start of
 * the output there but its last `unsure` bytes).
 */
static __attribute__((unused)) void expect_decodes_with(decode_fn dec, const struct buf *in, const void *want, size_t n,
				size_t unsure)
{
	size_t sizes[] = { n - 1, n / 3 }, i;
	unsigned char *o;
	long r;

	r = dec(in->p, in->n, n, &o);
	EXPECT_EQ(r, n);
	if (r == (long)n)
		EXPECT(!memcmp(o, want, n));
	free(o);
	EXPECT_EQ(dec(in->p, in->n, n + 100, NULL), n);
	if (!n)
		return;
	for (i = 0; i < (n > 1000 ? 2 : 1); i++) {
		r = dec(in->p, in->n, sizes[i], &o);
		EXPECT_EQ(r, -ENOSPC);
		if (sizes[i] > unsure)
			EXPECT(!memcmp(o, want, sizes[i] - unsure));
		free(o);
	}
	EXPECT_EQ(dec(in->p, in->n, 0, NULL), -ENOSPC);
}

#endif
