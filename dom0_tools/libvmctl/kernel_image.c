// SPDX-License-Identifier: GPL-2.0-only
/* Kernel and ramdisk files (see kernel_image.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bzlib.h>
#include <libdeflate.h>
#include <lz4.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>
#include "guest_mem.h"
#include "kernel_image.h"

/* Xen's XC_DOM_DECOMPRESS_MAX: nothing decompresses to more than 1 GiB. */
#define DECOMPRESS_MAX	(1UL << 30)
#define FILE_MAX	(1UL << 30)
/* The kernel's lz4 legacy format (size_append after it). */
#define LZ4_LEGACY_MAGIC	0x184C2102U
#define LZ4_LEGACY_BLOCK	(8U << 20)

/*
 * Big buffers (the file, the decoded image, liblzma's dictionary) are
 * populated in one madvise before they are written: in a PV dom0 the
 * first write to each page is a fault through the hypervisor, and under
 * QEMU TCG the ~24,000 faults of an xz bzImage (62 MiB decoded, a 32 MiB
 * dictionary) took about a third of its decoding time (dom0_tools/README.md).
 * Only a hint: where it fails, the pages fault in as before.
 */
#define POPULATE_MIN	(1UL << 20)

static void *big_alloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p && n >= POPULATE_MIN) {
		uintptr_t s = (uintptr_t)p & ~(uintptr_t)4095;
		uintptr_t e = ((uintptr_t)p + n + 4095) & ~(uintptr_t)4095;

		(void)madvise((void *)s, e - s, MADV_POPULATE_WRITE);
	}
	return p;
}

static void *lzma_big_alloc(void *opaque, size_t nmemb, size_t size)
{
	(void)opaque;
	return size && nmemb > SIZE_MAX / size ? NULL : big_alloc(nmemb * size);
}

static void lzma_big_free(void *opaque, void *p)
{
	(void)opaque;
	free(p);
}

static const lzma_allocator lzma_big = { lzma_big_alloc, lzma_big_free, NULL };

static int say(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

static int read_fd(int fd, const char *path, uint8_t **data, size_t *size, char *err,
		   size_t errlen)
{
	struct stat st;
	size_t done = 0;

	*data = NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > FILE_MAX) {
		int rc = errno && !S_ISREG(st.st_mode) ? -EINVAL : -EFBIG;

		return say(err, errlen, rc, "%s: %s", path, !S_ISREG(st.st_mode) ?
			   "not a regular file" : "larger than 1 GiB");
	}
	*data = big_alloc((size_t)st.st_size);
	if (!*data)
		return say(err, errlen, -ENOMEM, "%s: out of memory", path);
	while (done < (size_t)st.st_size) {
		ssize_t n = pread(fd, *data + done, (size_t)st.st_size - done, (off_t)done);

		if (n <= 0) {
			int rc = n < 0 ? -errno : -EIO;

			free(*data);
			*data = NULL;
			return say(err, errlen, rc, "%s: read: %s", path, strerror(-rc));
		}
		done += (size_t)n;
	}
	*size = done;
	return 0;
}

/*
 * The kernel file mapped rather than read, as libxenguest maps it
 * (xc_dom_malloc_filemap), populated: a compressed kernel is decoded from
 * it, with no anonymous copy to allocate, zero and fill first (under QEMU
 * TCG that copy was most of `vmctl create`'s time before the domain
 * existed). An uncompressed ELF is mapped lazily instead (map_lazy).
 * *mapped says which it is; where mmap fails, the file is read as before.
 * The caller opened @fd (and may have fstat'ed it for the cache's key,
 * kcache.h). As with xl, a file truncated while it is decoded ends vmctl
 * with SIGBUS.
 */
static int map_fd(int fd, const char *path, uint8_t **data, size_t *size, bool *mapped,
		  char *err, size_t errlen)
{
	struct stat st;
	void *p;

	*mapped = false;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size <= FILE_MAX) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
		if (p != MAP_FAILED) {
			*data = p;
			*size = (size_t)st.st_size;
			*mapped = true;
			return 0;
		}
	}
	return read_fd(fd, path, data, size, err, errlen);
}

/*
 * An uncompressed ELF kernel mapped without populating it: only its
 * headers and notes are read here, and the builder reads its segments
 * from the file into the domain's pages (vmctl_kernel_copy), so dom0
 * never faults the 60-odd MiB in. true with k's lazy fields set (fd a
 * descriptor of its own), or false: it is then mapped as map_fd does.
 */
static bool map_lazy(int fd, struct vmctl_kernel *k)
{
	uint8_t magic[4];
	struct stat st;
	void *p;
	int dfd;

	if (pread(fd, magic, sizeof(magic), 0) != (ssize_t)sizeof(magic) ||
	    memcmp(magic, "\177ELF", 4) || fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > FILE_MAX)
		return false;
	dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dfd < 0)
		return false;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		close(dfd);
		return false;
	}
	k->data = p;
	k->size = (size_t)st.st_size;
	k->mapped = k->lazy = true;
	k->fd = dfd;
	k->fd_off = 0;
	return true;
}

int vmctl_kernel_copy(const struct vmctl_kernel *k, void *dst, const void *src, size_t len)
{
	const uint8_t *s = src;
	uint8_t *d = dst;
	size_t done = 0;

	if (!k->lazy || s < k->data || s > k->data + k->size ||
	    len > k->size - (size_t)(s - k->data)) {
		guest_copy(dst, src, len);
		return 0;
	}
	while (done < len) {
		ssize_t n = pread(k->fd, d + done, len - done,
				  (off_t)(k->fd_off + (uint64_t)(s - k->data) + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

static int open_file(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? say(err, errlen, -errno, "%s: %s", path, strerror(errno)) : fd;
}

static void drop_file(uint8_t *data, size_t size, bool mapped)
{
	if (mapped)
		munmap(data, size);
	else
		free(data);
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The decompressed size the kernel build (and gzip's ISIZE) appends. */
static int out_size(const uint8_t *in, size_t len, size_t *size, char *err, size_t errlen,
		    const char *fmt)
{
	if (len < 8)
		return say(err, errlen, -EINVAL, "%s payload: truncated", fmt);
	*size = le32(in + len - 4);
	if (!*size || *size > DECOMPRESS_MAX)
		return say(err, errlen, -EINVAL, "%s payload: decompressed size %zu out of range",
			   fmt, *size);
	return 0;
}

/*
 * The first gzip member of @in into exactly @size bytes (the ISIZE word at
 * the input's end, bounded by out_size): 0, or -errno with *got what was
 * decoded. libdeflate first (whole-buffer, about twice zlib's speed);
 * whatever it does not take as a member of exactly @size bytes goes to
 * zlib, which has the last word, so the result is zlib's: what follows
 * the first member (a second member, padding) is not read, the member's
 * own CRC and ISIZE must match, and an ISIZE word that lies fails in
 * both. A header with FHCRC goes to zlib alone (zlib checks that CRC,
 * libdeflate skips it).
 */
static int gunzip(const uint8_t *in, size_t len, uint8_t *out, size_t size, size_t *got)
{
	z_stream z = { .next_in = (Bytef *)in, .avail_in = (uInt)len,
		       .next_out = out, .avail_out = (uInt)size };
	int rc;

	if (len >= 10 && !(in[3] & 0x02)) {
		struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
		size_t used = 0, n = 0;
		enum libdeflate_result r = LIBDEFLATE_BAD_DATA;

		if (d) {
			r = libdeflate_gzip_decompress_ex(d, in, len, out, size, &used, &n);
			libdeflate_free_decompressor(d);
		}
		if (r == LIBDEFLATE_SUCCESS && n == size) {
			*got = n;
			return 0;
		}
	}
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	rc = inflate(&z, Z_FINISH);
	*got = z.total_out;
	inflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -EINVAL;
}

static int unxz(const uint8_t *in, size_t len, uint8_t *out, size_t size, size_t *got,
		bool alone)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r;

	s.allocator = &lzma_big;
	r = alone ? lzma_alone_decoder(&s, UINT64_MAX) : lzma_stream_decoder(&s, UINT64_MAX, 0);
	if (r != LZMA_OK)
		return -ENOMEM;
	s.next_in = in;
	s.avail_in = len;
	s.next_out = out;
	s.avail_out = size;
	do
		r = lzma_code(&s, LZMA_FINISH);
	while (r == LZMA_OK && s.avail_out);
	*got = s.total_out;
	lzma_end(&s);
	/* lzma_alone streams may carry no end marker: a full buffer is the end. */
	if (r == LZMA_STREAM_END || (r == LZMA_OK && !s.avail_out))
		return 0;
	return r == LZMA_MEM_ERROR ? -ENOMEM : -EINVAL;
}

static int unlz4(const uint8_t *in, size_t len, uint8_t *out, size_t size, size_t *got)
{
	size_t pos = 4, done = 0;

	while (done < size && pos + 4 <= len) {
		uint32_t c = le32(in + pos);
		int n;

		pos += 4;
		if (c == LZ4_LEGACY_MAGIC)
			continue;		/* concatenated streams */
		if (c > len - pos || c > (uint32_t)LZ4_compressBound(LZ4_LEGACY_BLOCK))
			return -EINVAL;
		n = LZ4_decompress_safe((const char *)in + pos, (char *)out + done, (int)c,
					(int)(size - done < LZ4_LEGACY_BLOCK ? size - done :
					      LZ4_LEGACY_BLOCK));
		if (n < 0)
			return -EINVAL;
		done += (size_t)n;
		pos += c;
	}
	*got = done;
	return done == size ? 0 : -EINVAL;
}

/* The compressions the kernel's build and gzip make, by their magic. */
static const struct { const char *name; uint8_t magic[6]; unsigned int n; } fmts[] = {
	{ "gzip", { 0x1f, 0x8b }, 2 },
	{ "bzip2", { 'B', 'Z', 'h' }, 3 },
	{ "xz", { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6 },
	{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
	{ "lzma", { 0x5d, 0 }, 2 },
	{ "lzo", { 0x89, 'L', 'Z', 'O', 0 }, 5 },
	{ "lz4", { 0x02, 0x21 }, 2 },
};

/* The compression @in starts with, or NULL. */
static const char *magic_format(const uint8_t *in, size_t len)
{
	unsigned int i;

	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		if (len >= fmts[i].n && !memcmp(in, fmts[i].magic, fmts[i].n))
			return fmts[i].name;
	return NULL;
}

/* Decodes @in, compressed with @name, into @buf: 0 or -errno, *got decoded. */
static int decode(const char *name, const uint8_t *in, size_t len, uint8_t *buf, size_t size,
		  size_t *got)
{
	int rc;

	*got = 0;
	if (!strcmp(name, "gzip")) {
		rc = gunzip(in, len, buf, size, got);
	} else if (!strcmp(name, "bzip2")) {
		unsigned int n = (unsigned int)size;

		rc = BZ2_bzBuffToBuffDecompress((char *)buf, &n, (char *)in, (unsigned int)len,
						0, 0) == BZ_OK ? 0 : -EINVAL;
		*got = n;
	} else if (!strcmp(name, "xz") || !strcmp(name, "lzma")) {
		rc = unxz(in, len, buf, size, got, !strcmp(name, "lzma"));
	} else if (!strcmp(name, "zstd")) {
		size_t frame = ZSTD_findFrameCompressedSize(in, len);
		size_t n = ZSTD_isError(frame) ? frame : ZSTD_decompress(buf, size, in, frame);

		rc = ZSTD_isError(n) ? -EINVAL : 0;
		*got = rc ? 0 : n;
	} else {
		rc = unlz4(in, len, buf, size, got);
	}
	return !rc && *got != size ? -EINVAL : rc;
}

int vmctl_decompress_sink(const uint8_t *in, size_t len, struct vmctl_sink *sink,
			  uint8_t **out, size_t *outlen, bool *in_sink, const char **format,
			  char *err, size_t errlen)
{
	const char *name = magic_format(in, len);
	size_t size = 0, got = 0;
	uint8_t *buf = NULL;
	int rc;

	*out = NULL;
	*in_sink = false;
	*format = name ? name : "unknown";
	if (!name)
		return say(err, errlen, -EINVAL, "unknown compression format");
	if (!strcmp(name, "lzo"))
		return say(err, errlen, -EOPNOTSUPP, "lzo payload: decompress support unavailable "
			   "(as in Debian's libxenguest)");
	rc = out_size(in, len, &size, err, errlen, name);
	if (rc)
		return rc;
	if (sink && !sink->used) {
		buf = sink->reserve(sink->arg, size);
		sink->used = *in_sink = buf != NULL;
	}
	if (!buf)
		buf = big_alloc(size);
	if (!buf)
		return say(err, errlen, -ENOMEM, "%s payload: out of memory for %zu bytes", name, size);
	rc = decode(name, in, len, buf, size, &got);
	if (rc) {
		drop_file(buf, size, *in_sink);
		*in_sink = false;
		return say(err, errlen, rc, "%s payload: %s (%zu of %zu bytes decoded)", name,
			   rc == -EINVAL ? "corrupt" : strerror(-rc), got, size);
	}
	*out = buf;
	*outlen = size;
	return 0;
}

int vmctl_decompress(const uint8_t *in, size_t len, uint8_t **out, size_t *outlen,
		     const char **format, char *err, size_t errlen)
{
	bool in_sink;

	return vmctl_decompress_sink(in, len, NULL, out, outlen, &in_sink, format, err, errlen);
}

/* The bzImage's payload (docs/toolstack.md §3.1), or 1 when this is not a bzImage. */
static int bzimage_payload(const uint8_t *d, size_t n, const uint8_t **p, size_t *len,
			   char *err, size_t errlen)
{
	uint64_t off, plen;

	if (n < 0x250 || memcmp(d + 0x202, "HdrS", 4))
		return 1;
	if ((d[0x206] | d[0x207] << 8) < 0x0208)
		return say(err, errlen, -ENOEXEC, "bzImage boot protocol %u.%02u is older than 2.08",
			   d[0x207], d[0x206]);
	off = ((uint64_t)d[0x1f1] + 1) * 512 + le32(d + 0x248);
	plen = le32(d + 0x24c);
	if (off > n || plen > n - off || plen < 8)
		return say(err, errlen, -ENOEXEC, "bzImage payload [%#llx, +%#llx) outside the file",
			   (unsigned long long)off, (unsigned long long)plen);
	*p = d + off;
	*len = plen;
	return 0;
}

/*
 * The image at @file becomes what @in decodes to (the one before dropped):
 * 0, or -errno with @e set and nothing left.
 */
static int decode_stage(const uint8_t *in, size_t len, struct vmctl_sink *sink, uint8_t **file,
			size_t *size, bool *mapped, bool *in_sink, const char **fmt, char *e,
			size_t elen)
{
	uint8_t *dec;
	size_t dlen;
	bool dec_in_sink;
	int rc = vmctl_decompress_sink(in, len, sink, &dec, &dlen, &dec_in_sink, fmt, e, elen);

	drop_file(*file, *size, *mapped);
	*file = NULL;
	if (rc)
		return rc;
	*file = dec;
	*size = dlen;
	*mapped = *in_sink = dec_in_sink;
	return 0;
}

int vmctl_kernel_load_fd(int fd, const char *path, struct vmctl_sink *sink,
			 struct vmctl_kernel *k, char *err, size_t errlen)
{
	const uint8_t *payload = NULL;
	const char *fmt;
	uint8_t *file;
	size_t size, plen = 0;
	char e[200];
	bool mapped, in_sink = false;
	int rc;

	memset(k, 0, sizeof(*k));
	strcpy(k->format, "ELF");
	if (map_lazy(fd, k)) {
		rc = vmctl_kernel_check(k, path, err, errlen);
		if (rc)
			vmctl_kernel_free(k);
		return rc;
	}
	rc = map_fd(fd, path, &file, &size, &mapped, err, errlen);
	if (rc)
		return rc;
	if (size >= 2 && file[0] == 0x1f && file[1] == 0x8b) {
		rc = decode_stage(file, size, sink, &file, &size, &mapped, &in_sink, &fmt, e,
				  sizeof(e));
		if (rc)
			return say(err, errlen, rc, "%s: gzip file: %s", path, e);
		strcpy(k->format, "gzip ELF");
	}
	rc = bzimage_payload(file, size, &payload, &plen, e, sizeof(e));
	if (rc < 0) {
		drop_file(file, size, mapped);
		return say(err, errlen, rc, "%s: %s", path, e);
	}
	if (rc == 0) {
		rc = decode_stage(payload, plen, sink, &file, &size, &mapped, &in_sink, &fmt, e,
				  sizeof(e));
		if (rc)
			return say(err, errlen, rc, "%s: bzImage %s", path, e);
		snprintf(k->format, sizeof(k->format), "bzImage (%s)", fmt);
	} else if (size < 4 || memcmp(file, "\177ELF", 4)) {
		drop_file(file, size, mapped);
		return say(err, errlen, -ENOEXEC, "%s: not a kernel: neither a bzImage nor an ELF "
			   "file", path);
	}
	k->data = file;
	k->size = size;
	k->mapped = mapped;
	k->in_sink = in_sink;
	rc = vmctl_kernel_check(k, path, err, errlen);
	if (rc)
		vmctl_kernel_free(k);
	return rc;
}

int vmctl_kernel_check(struct vmctl_kernel *k, const char *path, char *err, size_t errlen)
{
	const char *why = NULL;
	int rc = elf_parse_pv_kernel(k->data, k->size, &k->pv, &why);

	if (!rc && (k->pv.features_required & (1u << 11 /* XENFEAT_dom0 */)))
		why = "the kernel requires dom0 (\"does not support unprivileged (DomU) operation\")",
		rc = -ENOEXEC;
	if (!rc && (k->pv.features_required & (1u << 2 /* auto_translated_physmap */)))
		why = "the kernel requires auto_translated_physmap (not a PV kernel)", rc = -ENOEXEC;
	if (rc)
		return say(err, errlen, rc, "%s: not a 64-bit PV kernel: %s", path,
			   why ? why : "unreadable");
	k->pv.image = k->data;
	return 0;
}

int vmctl_kernel_load(const char *path, struct vmctl_kernel *k, char *err, size_t errlen)
{
	int rc, fd = open_file(path, err, errlen);

	memset(k, 0, sizeof(*k));
	if (fd < 0)
		return fd;
	rc = vmctl_kernel_load_fd(fd, path, NULL, k, err, errlen);
	close(fd);
	return rc;
}

/*
 * The outer format from the headers alone (a few bytes read at known
 * offsets): "gzip", "bzImage (FMT)" by the payload's magic, "ELF", or
 * "unknown". The cache's key has it (kcache.h).
 */
void vmctl_kernel_sniff(int fd, char *fmt, size_t len)
{
	uint8_t h[0x250], m[6];
	ssize_t n = pread(fd, h, sizeof(h), 0);
	const char *pay;

	snprintf(fmt, len, "unknown");
	if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b) {
		snprintf(fmt, len, "gzip");
	} else if (n >= 4 && !memcmp(h, "\177ELF", 4)) {
		snprintf(fmt, len, "ELF");
	} else if (n == (ssize_t)sizeof(h) && !memcmp(h + 0x202, "HdrS", 4)) {
		off_t off = ((off_t)h[0x1f1] + 1) * 512 + le32(h + 0x248);

		if (pread(fd, m, sizeof(m), off) != (ssize_t)sizeof(m))
			return;
		pay = magic_format(m, sizeof(m));
		snprintf(fmt, len, "bzImage (%s)", pay ? pay : "unknown");
	}
}

void vmctl_kernel_free(struct vmctl_kernel *k)
{
	if (k->data)
		drop_file(k->data, k->size, k->mapped);
	if (k->lazy)
		close(k->fd);
	k->data = NULL;
	k->lazy = false;
}

int vmctl_ramdisk_load_fd(int fd, const char *path, struct vmctl_sink *sink, uint8_t **data,
			  size_t *size, bool *unpacked, bool *in_sink, char *err, size_t errlen)
{
	uint8_t *file, *dec, magic[2];
	const char *fmt;
	size_t n, dlen;
	bool mapped = false;
	char e[200];
	int rc;

	*unpacked = *in_sink = false;
	/*
	 * A gzip ramdisk is inflated from a (populated) mapping of its file,
	 * as a compressed kernel is: no anonymous copy to fault in and fill
	 * (and, as for a kernel, a file truncated meanwhile ends vmctl with
	 * SIGBUS). Anything else is read, since it is then used as it is and
	 * freed with free() (vmctl_ramdisk_free).
	 */
	if (pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
		rc = map_fd(fd, path, &file, &n, &mapped, err, errlen);
	else
		rc = read_fd(fd, path, &file, &n, err, errlen);
	if (rc)
		return rc;
	/* As libxenguest: a ramdisk that does not inflate is used as it is. */
	if (n >= 2 && file[0] == 0x1f && file[1] == 0x8b &&
	    !vmctl_decompress_sink(file, n, sink, &dec, &dlen, in_sink, &fmt, e, sizeof(e))) {
		drop_file(file, n, mapped);
		file = dec;
		n = dlen;
		*unpacked = true;
	} else if (mapped) {
		/* Not inflated after all: used as it is, so a copy the caller frees. */
		dec = big_alloc(n);
		if (!dec) {
			drop_file(file, n, mapped);
			return say(err, errlen, -ENOMEM, "%s: out of memory", path);
		}
		memcpy(dec, file, n);
		drop_file(file, n, mapped);
		file = dec;
	}
	*data = file;
	*size = n;
	return 0;
}

int vmctl_ramdisk_load(const char *path, uint8_t **data, size_t *size, bool *unpacked,
		       char *err, size_t errlen)
{
	int rc, fd = open_file(path, err, errlen);
	bool in_sink;

	*data = NULL;
	if (fd < 0)
		return fd;
	rc = vmctl_ramdisk_load_fd(fd, path, NULL, data, size, unpacked, &in_sink, err, errlen);
	close(fd);
	return rc;
}
