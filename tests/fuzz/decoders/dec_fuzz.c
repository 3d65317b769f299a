// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for one of the hypervisor's kernel-module decoders
 * (hv/decompress.h), built once per decoder with -DDEC_<NAME>; the
 * decoders and kimage.c are linked unmodified, as in the unit tests.
 *
 * Input: 3 bytes little-endian, whose low 22 bits are the output size
 * (0 to 4 MiB - 1), then the compressed stream. The stream is copied to a
 * buffer of exactly its length and the output is one of exactly the size
 * asked, so AddressSanitizer stops any read or write past either. The
 * same stream then goes through kimage_locate and kimage_decode as a
 * kernel module would, and through kimage_is_kernel.
 *
 * Checked: every result is the bytes written (at most the size given) or
 * -EINVAL, -ENOSPC or -ENOMEM (bunzip2's work area); kimage_decode's
 * error comes with a reason. Input that decodes (n bytes) decodes the same
 * into a buffer of exactly n, and into n - 1 gives -ENOSPC with the same
 * first n - 1 bytes (xz: but the last four, which may still be filtered):
 * the contract hv/decompress.h states.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <hv/decompress.h>
#include <lamina/errno.h>

void *decomp_work_alloc(size_t bytes)
{
	return malloc(bytes);
}

void decomp_work_free(void *p, size_t bytes)
{
	free(p);
}

static void check(long n, size_t out_size)
{
	if (n < 0 ? n != -EINVAL && n != -ENOSPC && n != -ENOMEM : (size_t)n > out_size)
		abort();
}

static long decode(const uint8_t *in, size_t len, uint8_t *out, size_t out_size)
{
#if defined(DEC_GZIP)
	size_t used = 0;
	long n = inflate_raw(in, len, out, out_size, &used);

	check(n, out_size);
	if (used > len)
		abort();
	return gunzip(in, len, out, out_size);
#elif defined(DEC_LZ4)
	long count = unlz4_legacy(in, len, NULL, out_size);	/* counting only: the same result */

	if (count != unlz4_legacy(in, len, out, out_size))
		abort();
	return count;
#elif defined(DEC_XZ)
	return unxz(in, len, out, out_size);
#elif defined(DEC_BZIP2)
	return bunzip2(in, len, out, out_size);
#elif defined(DEC_LZMA)
	return unlzma(in, len, out, out_size);
#elif defined(DEC_LZO)
	return unlzo(in, len, out, out_size);
#elif defined(DEC_ZSTD)
	(void)unzstd_size_hint(in, len);
	return unzstd(in, len, out, out_size);
#else
#error "no decoder chosen (-DDEC_GZIP, _LZ4, _XZ, _BZIP2, _LZMA, _LZO, _ZSTD)"
#endif
}

/* The same input into n bytes (want: what it gave into more), then n - 1. */
static void again(const uint8_t *in, size_t len, const uint8_t *want, size_t n)
{
	uint8_t *o = malloc(n);
	size_t same = n - 1;

#if defined(DEC_XZ)
	same = same > 4 ? same - 4 : 0;
#endif
	if (decode(in, len, o, n) != (long)n || memcmp(o, want, n))
		abort();
	free(o);
	o = malloc(n - 1 ? n - 1 : 1);
	if (decode(in, len, o, n - 1) != -ENOSPC || memcmp(o, want, same))
		abort();
	free(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t out_size, len;
	uint8_t *in, *out;
	struct kimage k;
	const char *why = NULL;
	long n;

	if (size < 3)
		return 0;
	out_size = (data[0] | data[1] << 8 | (size_t)data[2] << 16) & 0x3fffff;
	len = size - 3;
	in = malloc(len ? len : 1);
	memcpy(in, data + 3, len);
	out = malloc(out_size ? out_size : 1);

	n = decode(in, len, out, out_size);
	check(n, out_size);
	if (n > 0)
		again(in, len, out, n);

	if (kimage_locate(in, len, &k, &why) == 0) {
		if (k.data < in || k.len > len || k.data + k.len > in + len)
			abort();
		(void)kimage_format_name(k.format);
		why = NULL;
		n = kimage_decode(&k, out, out_size, &why);
		check(n, out_size);
		if (n < 0 && !why)
			abort();
	}
	(void)kimage_is_kernel(in, len);
	free(out);
	free(in);
	return 0;
}
