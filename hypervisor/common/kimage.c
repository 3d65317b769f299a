// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a kernel module holds (hv/decompress.h): a bare ELF, a bzImage
 * (Linux's boot protocol header, version 2.08 or later, whose payload is
 * an ELF or compressed), or a compressed image, told apart by magic as
 * Xen 4.17 does (arch/x86/bzimage.c, common/decompress.c). The decoded
 * size of a bzImage payload, as in Xen, is its last 32-bit word (Linux's
 * build appends it; gzip's ISIZE is the same word), and so is a bare
 * bzip2 module's (Linux's bzip2 payload ends with it); a bare lz4, xz or zstd
 * module's is not known beforehand (out_len 0: the builder counts an lz4
 * one's by a first pass and guesses an xz or zstd one's).
 */
#include <hv/decompress.h>
#include <hv/string.h>
#include <lamina/errno.h>

/* Linux's boot protocol header (Documentation/x86/boot.rst), the fields read here. */
#define BZ_SETUP_SECTS		0x1f1
#define BZ_HEADER		0x202	/* "HdrS" */
#define BZ_VERSION		0x206
#define BZ_PAYLOAD_OFFSET	0x248
#define BZ_PAYLOAD_LENGTH	0x24c
#define BZ_HEADER_END		0x250

const char *kimage_format_name(enum kimage_format f)
{
	static const char *const names[] = {
		[KIMAGE_ELF] = "ELF", [KIMAGE_GZIP] = "gzip", [KIMAGE_XZ] = "xz",
		[KIMAGE_LZ4] = "lz4", [KIMAGE_BZIP2] = "bzip2", [KIMAGE_LZMA] = "lzma",
		[KIMAGE_LZO] = "lzo", [KIMAGE_ZSTD] = "zstd", [KIMAGE_UNKNOWN] = "unknown",
	};

	return f < ARRAY_SIZE(names) ? names[f] : "unknown";
}

enum kimage_format kimage_format_of(const void *data, size_t len)
{
	static const struct {
		const char *magic;
		size_t len;
		enum kimage_format f;
	} magics[] = {
		{ "\177ELF", 4, KIMAGE_ELF },
		{ "\037\213", 2, KIMAGE_GZIP },
		{ "\375" "7zXZ\0", 6, KIMAGE_XZ },
		{ "\002\041\114\030", 4, KIMAGE_LZ4 },
		{ "BZh", 3, KIMAGE_BZIP2 },
		{ "\135\000", 2, KIMAGE_LZMA },
		{ "\211LZO", 4, KIMAGE_LZO },
		{ "\050\265\057\375", 4, KIMAGE_ZSTD },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(magics); i++)
		if (len >= magics[i].len && !memcmp(data, magics[i].magic, magics[i].len))
			return magics[i].f;
	return KIMAGE_UNKNOWN;
}

int kimage_locate(const void *img, size_t len, struct kimage *k, const char **why)
{
	const uint8_t *p = img;

	memset(k, 0, sizeof(*k));
	k->data = p;
	k->len = len;
	if (len >= BZ_HEADER_END && !memcmp(p + BZ_HEADER, "HdrS", 4)) {
		uint16_t ver = p[BZ_VERSION] | p[BZ_VERSION + 1] << 8;
		uint64_t off = (p[BZ_SETUP_SECTS] + 1ULL) * 512 + dec_le32(p + BZ_PAYLOAD_OFFSET);
		uint64_t plen = dec_le32(p + BZ_PAYLOAD_LENGTH);

		if (ver < 0x208) {	/* Xen: "Cannot load bzImage v2.NN at least v2.08 is required" */
			*why = "a bzImage older than boot protocol 2.08 (no payload fields)";
			return -EINVAL;
		}
		if (off > len || plen > len - off) {
			*why = "the bzImage's payload lies outside the module";
			return -EINVAL;
		}
		k->data = p + off;
		k->len = plen;
		k->bzimage = true;
	}
	k->format = kimage_format_of(k->data, k->len);
	if (k->format != KIMAGE_ELF && k->len >= 4 && (k->bzimage || k->format == KIMAGE_GZIP ||
						   k->format == KIMAGE_BZIP2 || k->format == KIMAGE_LZMA ||
						   k->format == KIMAGE_LZO))
		k->out_len = dec_le32(k->data + k->len - 4);
	return 0;
}

long kimage_decode(const struct kimage *k, void *out, size_t out_size, const char **why)
{
	long n;

	switch (k->format) {
	case KIMAGE_GZIP:
		n = gunzip(k->data, k->len, out, out_size);
		break;
	case KIMAGE_XZ:
		n = unxz(k->data, k->len, out, out_size);
		break;
	case KIMAGE_LZ4:
		n = unlz4_legacy(k->data, k->len, out, out_size);
		break;
	case KIMAGE_BZIP2:
		n = bunzip2(k->data, k->len, out, out_size);
		break;
	case KIMAGE_LZMA:
		n = unlzma(k->data, k->len, out, out_size);
		break;
	case KIMAGE_LZO:
		n = unlzo(k->data, k->len, out, out_size);
		break;
	case KIMAGE_ZSTD:
		n = unzstd(k->data, k->len, out, out_size);
		break;
	default:
		*why = "not a compressed format";
		return -EINVAL;
	}
	if (n == -ENOMEM)
		*why = "no room for the decoder's work area";
	else if (n == -ENOSPC)
		*why = "the decoded image is larger than its stated size";
	else if (n < 0)
		*why = "the compressed data is corrupt or truncated";
	else if (!n)
		*why = "the compressed data decodes to nothing";
	return n ? n : -EINVAL;
}

#define PEEK_BYTES	64

bool kimage_is_kernel(const void *img, size_t len)
{
	static uint8_t peek[PEEK_BYTES];	/* boot only, one module at a time */
	struct kimage k;
	const char *why;
	long n;

	if (kimage_locate(img, len, &k, &why))
		return true;	/* a bzImage, if a bad one: the builder says why */
	if (k.bzimage || k.format == KIMAGE_ELF)
		return true;
	if (k.format == KIMAGE_UNKNOWN)
		return false;	/* neither an ELF nor a format kimage_decode knows */
	/* A compressed ramdisk decodes to a cpio archive, a kernel to an ELF. */
	memset(peek, 0, sizeof(peek));
	n = kimage_decode(&k, peek, sizeof(peek), &why);
	return (n >= 4 || n == -ENOSPC) && !memcmp(peek, "\177ELF", 4);
}
