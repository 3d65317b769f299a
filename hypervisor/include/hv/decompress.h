/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel modules that are not a bare ELF: a bzImage and compressed
 * images, unpacked in the hypervisor before the ELF loader sees them, as
 * Xen 4.17 does for dom0 (arch/x86/bzimage.c, common/decompress.c).
 *
 * Every decoder reads only in[0, in_len) and writes only out[0, out_size).
 * It returns the bytes it wrote, -EINVAL for input it cannot decode
 * (truncated, corrupt, a failed check) or -ENOSPC when the output does not
 * fit; on -ENOSPC the first out_size bytes are written as far as the
 * decoder got, so a small buffer shows the start of the output (what
 * kimage_is_kernel looks at). No decoder keeps state past its call;
 * bunzip2 alone takes a work area for the call (decomp_work_alloc) and
 * returns -ENOMEM if there is none.
 */
#ifndef HV_DECOMPRESS_H
#define HV_DECOMPRESS_H

#include <hv/types.h>

/*
 * The decoders' back-reference: len bytes from d bytes back (d <= *pos,
 * overlapping allowed) written at out[*pos], as far as size allows;
 * false if it stopped there.
 */
static inline bool decomp_copy_back(uint8_t *out, size_t *pos, size_t size, size_t d,
				    size_t len)
{
	size_t i, n = len < size - *pos ? len : size - *pos;

	for (i = 0; i < n; i++)
		out[*pos + i] = out[*pos + i - d];
	*pos += n;
	return n == len;
}

/* gzip (RFC 1952) around deflate (RFC 1951): one member, CRC32 and ISIZE checked. */
long gunzip(const void *in, size_t in_len, void *out, size_t out_size);
/* A bare deflate stream; *used: the input bytes it took (may be NULL). */
long inflate_raw(const void *in, size_t in_len, void *out, size_t out_size, size_t *used);
uint32_t crc32_update(uint32_t crc, const void *p, size_t len);

/*
 * lz4's legacy frame (magic 02 21 4c 18, blocks of at most 8 MiB, each
 * after its 32-bit size), the format of Linux's CONFIG_KERNEL_LZ4. A
 * further frame magic starts a new frame; a last word of exactly 4 bytes
 * (Linux's appended size) ends the input. out == NULL: only counts the
 * output (out_size is then the limit).
 */
long unlz4_legacy(const void *in, size_t in_len, void *out, size_t out_size);

/*
 * Decodes one .xz stream of in_len bytes into out (out_size bytes).
 * Returns the bytes written, or -EINVAL (bad or unsupported data,
 * a check mismatch), -ENOSPC (output larger than out_size). Never
 * reads past in + in_len or writes past out + out_size.
 * (hypervisor/common/unxz.c: LZMA2 with an optional x86 BCJ filter,
 * checks none, CRC32 and CRC64; bytes after the first stream's footer are
 * ignored; on -ENOSPC out holds the output's first out_size bytes, the
 * last four perhaps still x86-filtered. Not reentrant: the LZMA state is
 * one static.)
 */
long unxz(const void *in, size_t in_len, void *out, size_t out_size);

/*
 * bzip2 streams ("BZh1"-"BZh9", one or several; what follows the last is
 * not read): every block's CRC and each stream's checked, randomised
 * blocks refused. -ENOMEM if decomp_work_alloc has no room.
 * (hypervisor/common/bunzip2.c)
 */
long bunzip2(const void *in, size_t in_len, void *out, size_t out_size);
/*
 * A decoder's work area for one call (bunzip2's inverse BWT: 3.6 MB),
 * given back before it returns: frames in the hypervisor
 * (arch/x86/domain_build.c), malloc in the host tests. NULL: no room.
 */
void *decomp_work_alloc(size_t bytes);
void decomp_work_free(void *p, size_t bytes);

/*
 * LZMA-alone ("lzma -9", Linux's CONFIG_KERNEL_LZMA; Xen's magic 5D 00):
 * a 13-byte header (properties, dictionary size, decoded size or all
 * ones), then LZMA data ending at the stated size or at the end marker;
 * what follows (Linux's size word) is not read. Not reentrant (the LZMA
 * state it shares with unxz is one static). hypervisor/common/unlzma.c.
 */
long unlzma(const void *in, size_t in_len, void *out, size_t out_size);

/*
 * lzop (magic 89 4C 5A 4F 00 0D 0A 1A 0A, Linux's CONFIG_KERNEL_LZO):
 * the header (checksum checked; filters and extra fields refused), then
 * LZO1X blocks of at most 256 KiB, stored ones as they are, with the
 * adler32/CRC32 checks its flags ask for; a 0 length ends it, what
 * follows (Linux's size word) is not read. hypervisor/common/unlzo.c.
 */
long unlzo(const void *in, size_t in_len, void *out, size_t out_size);

/*
 * zstd (RFC 8878; hypervisor/common/unzstd.c): skippable frames skipped,
 * then one frame decoded (raw, RLE and compressed blocks, the XXH64
 * content checksum verified; a dictionary ID refused) and what follows it
 * left unread, as Xen 4.17's unzstd (Linux's size word, or anything).
 * Not reentrant: the literals buffer and tables are static.
 */
long unzstd(const void *in, size_t in_len, void *out, size_t out_size);
/*
 * The decoded size zstd input gives without being decoded: its first
 * frame's stated content size, or if it states none, the 4-byte word
 * after it; 0 if neither. A hint for the output buffer only.
 */
uint64_t unzstd_size_hint(const void *in, size_t in_len);

/* The byte orders the formats store their fields in (any alignment). */
static inline uint32_t dec_le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t dec_le64(const uint8_t *p)
{
	return dec_le32(p) | (uint64_t)dec_le32(p + 4) << 32;
}

static inline uint32_t dec_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

enum kimage_format {
	KIMAGE_ELF,
	KIMAGE_GZIP,
	KIMAGE_XZ,
	KIMAGE_LZ4,
	KIMAGE_BZIP2,
	KIMAGE_LZMA,
	KIMAGE_LZO,
	KIMAGE_ZSTD,
	KIMAGE_UNKNOWN,
};

/* What a kernel module holds, after kimage_locate. */
struct kimage {
	const uint8_t *data;	/* the ELF or the compressed stream */
	size_t len;
	enum kimage_format format;
	bool bzimage;		/* found inside a bzImage's payload */
	uint64_t out_len;	/* the stated decoded size, 0: not stated (bare lz4, xz, zstd) */
};

#define KIMAGE_MAX_OUT	(1ULL << 30)	/* Xen's libxenguest limit: 1 GiB decoded */

const char *kimage_format_name(enum kimage_format f);
enum kimage_format kimage_format_of(const void *p, size_t len);
/* 0 and *k filled, or -EINVAL and *why (a bzImage older than 2.08, a payload outside the file). */
int kimage_locate(const void *img, size_t len, struct kimage *k, const char **why);
/* Decodes k into out (KIMAGE_GZIP/XZ/LZ4/BZIP2/ZSTD); as the decoders, *why on error. */
long kimage_decode(const struct kimage *k, void *out, size_t out_size, const char **why);
/* A kernel rather than a ramdisk: an ELF, a bzImage, or compressed ELF. */
bool kimage_is_kernel(const void *img, size_t len);

#endif
