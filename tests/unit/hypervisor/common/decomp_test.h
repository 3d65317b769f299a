/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the decoder tests unlzma.c and unlzo.c share: streams made by a
 * command-line tool at test time (with Linux's size word after them, as
 * its build appends it), exact-size buffers (ASan stops any stray access)
 * and the hostile-input rounds.
 */
#ifndef UNIT_DECOMP_TEST_H
#define UNIT_DECOMP_TEST_H

#include "../../unit.h"
#include <stdlib.h>
#include <stdint.h>
#include <unistd.h>
#include <hv/decompress.h>
#include <lamina/errno.h>

/* bunzip2's work area (the hypervisor's: frames). */
void *decomp_work_alloc(size_t bytes)
{
	return malloc(bytes);
}

void decomp_work_free(void *p, size_t bytes)
{
	free(p);
}

typedef long (*decomp_fn)(const void *in, size_t in_len, void *out, size_t out_size);

static uint8_t *orig;		/* this test's own binary */
static size_t orig_len;
static char tmpdir[64];

static inline uint8_t *read_all(const char *path, size_t *len)
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

/* `tool -c` of data on its stdin, then (size_word) Linux's 32-bit size. */
static inline uint8_t *tool_make(const char *tool, const uint8_t *data, size_t len, bool size_word,
			  size_t *zlen)
{
	char in[128], out[128], line[512];
	FILE *f;
	uint8_t *z;

	snprintf(in, sizeof(in), "%s/in", tmpdir);
	snprintf(out, sizeof(out), "%s/out", tmpdir);
	f = fopen(in, "wb");
	if (!f)
		return NULL;
	fwrite(data, 1, len, f);
	fclose(f);
	snprintf(line, sizeof(line), "%s -c < %s > %s", tool, in, out);
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

static inline uint8_t *random_bytes(size_t n, unsigned int seed)
{
	uint8_t *p = malloc(n ? n : 1);
	size_t i;

	srand(seed);
	for (i = 0; i < n; i++)
		p[i] = rand() >> 7;
	return p;
}

/* fn into a buffer of exactly out_size: true if it gave data[0, len) back whole. */
static inline bool decodes_to(decomp_fn fn, const uint8_t *z, size_t zlen, const uint8_t *data,
		       size_t len, size_t out_size)
{
	uint8_t *out = malloc(out_size ? out_size : 1);
	long n = fn(z, zlen, out, out_size);
	bool ok = n == (long)len && !memcmp(out, data, len);

	free(out);
	return ok;
}

/* What a truncated stream may still give, besides an error. */
enum decomp_cut {
	CUT_FAILS,		/* nothing: every cut is an error */
	CUT_SIZE_WORD,		/* the whole output once only the size word is cut */
	CUT_PREFIX,		/* a correct prefix (block formats) */
};

/*
 * The hostile-input checks of one decoder on z (zlen bytes, decoding to
 * data's len bytes): every truncation (an error, or what cut allows);
 * `flips` seeded single bit flips at or past byte flip_from (checked: an
 * error or the right output, else any result within the buffer); 300
 * random blocks after the first hdr bytes of z; output buffers short by
 * everything down to 0 bytes (-ENOSPC, the output's start written).
 */
static inline void hostile_rounds(decomp_fn fn, uint8_t *z, size_t zlen, const uint8_t *data,
				  size_t len, enum decomp_cut cut_ok, unsigned int flips,
				  bool checked, size_t flip_from, size_t hdr)
{
	uint8_t *out = malloc(len);
	size_t cut, i;
	long n;

	for (cut = 0; cut < zlen; cut++) {
		uint8_t *t = malloc(cut ? cut : 1);

		memcpy(t, z, cut);
		n = fn(t, cut, out, len);
		EXPECT(n < 0 ||
		       (cut_ok == CUT_SIZE_WORD && cut >= zlen - 4 && n == (long)len &&
			!memcmp(out, data, len)) ||
		       (cut_ok == CUT_PREFIX && cut >= 4 && (size_t)n <= len &&
			!memcmp(out, data, (size_t)n)));
		free(t);
	}
	srand(flips);
	for (i = 0; i < flips; i++) {
		size_t bit = 8 * flip_from + (size_t)rand() % ((zlen - flip_from) * 8);

		z[bit / 8] ^= 1 << (bit % 8);
		n = fn(z, zlen, out, len);
		EXPECT(checked ? n < 0 || (n == (long)len && !memcmp(out, data, len))
			       : n <= (long)len);
		z[bit / 8] ^= 1 << (bit % 8);
	}
	for (i = 0; i < 300; i++) {
		uint8_t *r = random_bytes(4096, 100 + i);

		memcpy(r, z, hdr);
		n = fn(r, 4096, out, len);
		EXPECT(checked ? n < 0 : n <= (long)len);
		free(r);
	}
	for (i = 0; i < 5; i++) {
		size_t sz = (size_t[]){ 0, 1, 64, 4096, len - 1 }[i];
		uint8_t *o = malloc(sz ? sz : 1);

		n = fn(z, zlen, o, sz);
		EXPECT(n == -ENOSPC && !memcmp(o, data, sz));
		free(o);
	}
	EXPECT(decodes_to(fn, z, zlen, data, len, len));	/* the flips all undone */
	free(out);
}

/* A kernel-style module of data (and of a cpio archive) as kimage sees it. */
static inline void kimage_rounds(const char *tool, enum kimage_format f, const char *name)
{
	size_t zlen, clen;
	uint8_t cpio[512] = "070701", *out = malloc(orig_len);
	uint8_t *z = tool_make(tool, orig, orig_len, true, &zlen);
	uint8_t *zc = tool_make(tool, cpio, sizeof(cpio), true, &clen);
	struct kimage k;
	const char *why = NULL;

	EXPECT(z && zc);
	if (z && zc) {
		EXPECT(kimage_locate(z, zlen, &k, &why) == 0 && k.format == f &&
		       k.out_len == orig_len && !k.bzimage);
		EXPECT(kimage_decode(&k, out, orig_len, &why) == (long)orig_len &&
		       !memcmp(out, orig, orig_len));
		EXPECT(kimage_decode(&k, out, orig_len - 1, &why) == -ENOSPC);
		EXPECT(kimage_is_kernel(z, zlen));
		EXPECT(!kimage_is_kernel(zc, clen));
		EXPECT(!strcmp(kimage_format_name(f), name));
	}
	free(out);
	free(z);
	free(zc);
}

/* The test file (this binary) and a temporary directory; false if not had. */
static inline bool decomp_setup(const char *suite)
{
	unit_suite = suite;
	orig = read_all("/proc/self/exe", &orig_len);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/%s-unit.XXXXXX", suite);
	if (!orig || !mkdtemp(tmpdir)) {
		printf("FAIL unit/%s/setup: no test file or directory\n", suite);
		return false;
	}
	return true;
}

static inline int decomp_done(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	free(orig);
	return system(cmd) ? 1 : 0;
}

#endif
