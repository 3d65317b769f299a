// SPDX-License-Identifier: GPL-2.0-only
/* Kernel and ramdisk files (see kernel_image.h). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
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

/*
 * The SIGBUS guard (kernel_image.h): the innermost guarded call's jump
 * buffer, per thread. The handler jumps there, or, outside a guarded call
 * (another thread's fault, a SIGBUS sent with kill), puts the default
 * disposition back so that the signal ends the process as before.
 */
static __thread sigjmp_buf *bus_env;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	sigjmp_buf *env = bus_env;

	(void)uc;
	if (env && si->si_code > 0) {
		bus_env = NULL;
		siglongjmp(*env, 1);
	}
	signal(sig, SIG_DFL);
	if (si->si_code <= 0)
		raise(sig);
	/* a fault: the instruction runs again and meets the default action */
}

int vmctl_mapped_run(int (*fn)(void *arg), void *arg, bool *bus)
{
	struct sigaction sa, old;
	sigjmp_buf env, *prev = bus_env;
	int rc;

	*bus = false;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_bus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &old))
		return fn(arg);
	if (sigsetjmp(env, 1)) {
		bus_env = prev;
		sigaction(SIGBUS, &old, NULL);
		*bus = true;
		return -EIO;
	}
	bus_env = &env;
	rc = fn(arg);
	bus_env = prev;
	sigaction(SIGBUS, &old, NULL);
	return rc;
}

struct copy_arg {
	void *dst;
	const void *src;
	size_t len;
};

static int copy_fn(void *arg)
{
	struct copy_arg *c = arg;

	guest_copy(c->dst, c->src, c->len);
	return 0;
}

int vmctl_mapped_copy(void *dst, const void *src, size_t len)
{
	struct copy_arg c = { dst, src, len };
	bool bus;

	return vmctl_mapped_run(copy_fn, &c, &bus);
}

/* What a caller says when a guarded read met a truncated file. */
#define TRUNCATED "the file was truncated while it was read (SIGBUS)"

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
 * kcache.h). A file truncated while it is read through the mapping is a
 * failure of the load (xl dies of the SIGBUS): the reads run under
 * vmctl_mapped_run.
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
 * headers and notes are read here, and the builder's copy of its
 * segments into the domain's pages faults the rest in. true with k's
 * lazy mapping set, or false: it is then mapped as map_fd does.
 */
static bool map_lazy(int fd, struct vmctl_kernel *k)
{
	uint8_t magic[4];
	struct stat st;
	void *p;

	if (pread(fd, magic, sizeof(magic), 0) != (ssize_t)sizeof(magic) ||
	    memcmp(magic, "\177ELF", 4) || fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > FILE_MAX)
		return false;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return false;
	k->data = p;
	k->size = (size_t)st.st_size;
	k->mapped = k->lazy = true;
	return true;
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
		/*
		 * One decompressor for the process, kept: nothing to free, so
		 * nothing is lost when a truncated input's SIGBUS leaves the
		 * call (vmctl_mapped_run).
		 */
		static __thread struct libdeflate_decompressor *d;
		size_t used = 0, n = 0;
		enum libdeflate_result r = LIBDEFLATE_BAD_DATA;

		if (!d)
			d = libdeflate_alloc_decompressor();
		if (d)
			r = libdeflate_gzip_decompress_ex(d, in, len, out, size, &used, &n);
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

struct decode_arg {
	const char *name;
	const uint8_t *in;
	size_t len;
	uint8_t *buf;
	size_t size;
	size_t got;
};

static int decode_fn(void *arg)
{
	struct decode_arg *d = arg;

	return decode(d->name, d->in, d->len, d->buf, d->size, &d->got);
}

/*
 * vmctl_decompress_sink, with *bus saying whether a failure was the input's
 * file truncated while it was read (the SIGBUS guard) rather than what the
 * input holds: the ramdisk's loader fails on the one and uses the file as
 * it is on the other.
 */
static int decompress_sink(const uint8_t *in, size_t len, struct vmctl_sink *sink,
			   uint8_t **out, size_t *outlen, bool *in_sink, const char **format,
			   bool *bus_out, char *err, size_t errlen)
{
	const char *name = magic_format(in, len);
	size_t size = 0, got = 0;
	uint8_t *buf = NULL;
	int rc;

	*out = NULL;
	*in_sink = false;
	*bus_out = false;
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
	{
		/* @in may be a mapping of the file: a truncation is a failure. */
		struct decode_arg d = { name, in, len, buf, size, 0 };
		bool bus;

		rc = vmctl_mapped_run(decode_fn, &d, &bus);
		got = d.got;
		if (bus) {
			drop_file(buf, size, *in_sink);
			*in_sink = false;
			*bus_out = true;
			return say(err, errlen, rc, "%s payload: %s", name, TRUNCATED);
		}
	}
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

int vmctl_decompress_sink(const uint8_t *in, size_t len, struct vmctl_sink *sink,
			  uint8_t **out, size_t *outlen, bool *in_sink, const char **format,
			  char *err, size_t errlen)
{
	bool bus;

	return decompress_sink(in, len, sink, out, outlen, in_sink, format, &bus, err, errlen);
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

/*
 * A kernel's load once its file is mapped or read (vmctl_kernel_load_fd),
 * run under the SIGBUS guard: what it holds is always in l->file (NULL
 * when nothing), so that the caller frees it whichever way this ends.
 */
struct kload {
	const char *path;
	struct vmctl_sink *sink;
	char *err;
	size_t errlen;
	uint8_t *file;
	size_t size;
	bool mapped, in_sink;
	char format[32];
};

static int kernel_load_mapped(void *arg)
{
	struct kload *l = arg;
	const uint8_t *payload = NULL;
	const char *fmt;
	size_t plen = 0;
	char e[200];
	int rc;

	if (l->size >= 2 && l->file[0] == 0x1f && l->file[1] == 0x8b) {
		rc = decode_stage(l->file, l->size, l->sink, &l->file, &l->size, &l->mapped,
				  &l->in_sink, &fmt, e, sizeof(e));
		if (rc)
			return say(l->err, l->errlen, rc, "%s: gzip file: %s", l->path, e);
		strcpy(l->format, "gzip ELF");
	}
	rc = bzimage_payload(l->file, l->size, &payload, &plen, e, sizeof(e));
	if (rc < 0)
		return say(l->err, l->errlen, rc, "%s: %s", l->path, e);
	if (rc == 0) {
		rc = decode_stage(payload, plen, l->sink, &l->file, &l->size, &l->mapped,
				  &l->in_sink, &fmt, e, sizeof(e));
		if (rc)
			return say(l->err, l->errlen, rc, "%s: bzImage %s", l->path, e);
		snprintf(l->format, sizeof(l->format), "bzImage (%s)", fmt);
	} else if (l->size < 4 || memcmp(l->file, "\177ELF", 4)) {
		return say(l->err, l->errlen, -ENOEXEC, "%s: not a kernel: neither a bzImage nor "
			   "an ELF file", l->path);
	}
	return 0;
}

int vmctl_kernel_load_fd(int fd, const char *path, struct vmctl_sink *sink,
			 struct vmctl_kernel *k, char *err, size_t errlen)
{
	struct kload l = { .path = path, .sink = sink, .err = err, .errlen = errlen,
			   .format = "ELF" };
	bool bus;
	int rc;

	memset(k, 0, sizeof(*k));
	strcpy(k->format, "ELF");
	if (map_lazy(fd, k)) {
		rc = vmctl_kernel_check(k, path, err, errlen);
		if (rc)
			vmctl_kernel_free(k);
		return rc;
	}
	rc = map_fd(fd, path, &l.file, &l.size, &l.mapped, err, errlen);
	if (rc)
		return rc;
	rc = vmctl_mapped_run(kernel_load_mapped, &l, &bus);
	if (bus)
		say(err, errlen, rc, "%s: %s", path, TRUNCATED);
	if (rc) {
		if (l.file)
			drop_file(l.file, l.size, l.mapped);
		return rc;
	}
	k->data = l.file;
	k->size = l.size;
	k->mapped = l.mapped;
	k->in_sink = l.in_sink;
	memcpy(k->format, l.format, sizeof(k->format));
	rc = vmctl_kernel_check(k, path, err, errlen);
	if (rc)
		vmctl_kernel_free(k);
	return rc;
}

/* The ELF reader on a mapping (of the file, or a cache entry's): guarded. */
struct parse_arg {
	struct vmctl_kernel *k;
	const char *why;
};

static int parse_fn(void *arg)
{
	struct parse_arg *a = arg;

	return elf_parse_pv_kernel(a->k->data, a->k->size, &a->k->pv, &a->why);
}

int vmctl_kernel_check(struct vmctl_kernel *k, const char *path, char *err, size_t errlen)
{
	struct parse_arg a = { k, NULL };
	bool bus;
	int rc = vmctl_mapped_run(parse_fn, &a, &bus);
	const char *why = a.why;

	if (bus)
		return say(err, errlen, rc, "%s: %s", path, TRUNCATED);

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
	k->data = NULL;
	k->lazy = false;
}

/*
 * A ramdisk's gunzip or copy from its mapped file (vmctl_ramdisk_load_fd),
 * under the SIGBUS guard: what it holds is in r->file and r->copy, which
 * the caller frees whichever way it ends.
 */
struct rload {
	const char *path;
	struct vmctl_sink *sink;
	uint8_t *file, *copy, *dec;
	size_t n, dlen;
	bool mapped, unpacked, in_sink;
	char *err;
	size_t errlen;
};

static int ramdisk_load_mapped(void *arg)
{
	struct rload *r = arg;
	const char *fmt;
	char e[200];
	int rc;

	if (r->n >= 2 && r->file[0] == 0x1f && r->file[1] == 0x8b) {
		bool bus;

		rc = decompress_sink(r->file, r->n, r->sink, &r->dec, &r->dlen, &r->in_sink, &fmt,
				     &bus, e, sizeof(e));
		if (!rc) {
			r->unpacked = true;
			return 0;
		}
		/* Its file truncated under the gunzip (guarded there): a failure. */
		if (bus)
			return say(r->err, r->errlen, rc, "%s: %s", r->path, e);
		/* What the gzip holds does not inflate: said, and used as it is. */
		say(r->err, r->errlen, 0, "%s", e);
	}
	/* As libxenguest: a ramdisk that does not inflate is used as it is. */
	if (r->mapped) {
		/* Not inflated after all: used as it is, so a copy the caller frees. */
		r->copy = big_alloc(r->n);
		if (!r->copy)
			return say(r->err, r->errlen, -ENOMEM, "%s: out of memory", r->path);
		guest_copy(r->copy, r->file, r->n);
	}
	return 0;
}

int vmctl_ramdisk_load_fd(int fd, const char *path, struct vmctl_sink *sink, uint8_t **data,
			  size_t *size, bool *unpacked, bool *in_sink, char *err, size_t errlen)
{
	struct rload r = { .path = path, .sink = sink, .err = err, .errlen = errlen };
	uint8_t magic[2];
	bool bus;
	int rc;

	*unpacked = *in_sink = false;
	if (errlen)
		err[0] = 0;
	/*
	 * A gzip ramdisk is inflated from a (populated) mapping of its file,
	 * as a compressed kernel is: no anonymous copy to fault in and fill.
	 * A file truncated meanwhile is a failure of the load (SIGBUS guard).
	 * Anything else is read, since it is then used as it is and freed
	 * with free() (vmctl_ramdisk_free).
	 */
	if (pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
		rc = map_fd(fd, path, &r.file, &r.n, &r.mapped, err, errlen);
	else
		rc = read_fd(fd, path, &r.file, &r.n, err, errlen);
	if (rc)
		return rc;
	rc = vmctl_mapped_run(ramdisk_load_mapped, &r, &bus);
	if (bus)
		say(err, errlen, rc, "%s: %s", path, TRUNCATED);
	if (rc) {
		/* (a failed or faulted gunzip dropped its own buffer: r.dec is not set) */
		free(r.copy);
		drop_file(r.file, r.n, r.mapped);
		return rc;
	}
	if (r.unpacked) {
		drop_file(r.file, r.n, r.mapped);
		*data = r.dec;
		*size = r.dlen;
		*unpacked = true;
		*in_sink = r.in_sink;
		return 0;
	}
	if (r.copy)
		drop_file(r.file, r.n, r.mapped);
	*data = r.copy ? r.copy : r.file;
	*size = r.n;
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
