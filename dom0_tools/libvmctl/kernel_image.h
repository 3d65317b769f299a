/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel and ramdisk files for the domain builder, read as Xen 4.17's
 * libxenguest reads them (docs/toolstack.md §3): a file that is
 * gzip as a whole is gunzipped first; a bzImage (setup header "HdrS",
 * protocol >= 2.08) has its payload decompressed by its magic (gzip, bzip2,
 * xz, lzma, zstd, lz4 legacy) with Debian's libraries; the result must be
 * a 64-bit PV ELF with Xen notes (hypervisor/common/elf.c, shared with the
 * hypervisor's own builder). A gzip ramdisk is unpacked, and used as it is
 * when inflating fails. Nothing here prints or exits.
 */
#ifndef LIBVMCTL_KERNEL_IMAGE_H
#define LIBVMCTL_KERNEL_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <hv/elf.h>

struct vmctl_kernel {
	uint8_t *data;		/* the ELF (decompressed), owned */
	size_t size;
	bool mapped;		/* data is a mapping: of the file itself, or the sink's */
	bool in_sink;		/* data is the buffer the sink gave (below) */
	/*
	 * lazy: data maps the file without populating it (an uncompressed
	 * ELF, a cache entry): the builder's copy into the domain faults its
	 * pages in (vmctl_mapped_copy).
	 */
	bool lazy;
	struct pv_kernel pv;	/* its notes and extent */
	char format[32];	/* "ELF", "bzImage (xz)", "gzip ELF", ... */
};

/*
 * Where a decoded image is written, when its caller wants it somewhere of
 * its own (the cache's entry, kcache.h): @reserve gives a writable mapping
 * of exactly @size bytes (unmapped with munmap), or NULL, and the image
 * then goes to anonymous memory as without a sink. It is asked at most
 * once per load (@used says it gave a buffer). A load that fails unmaps
 * the buffer before it returns, so nothing half decoded stays reachable;
 * a load that succeeds says whether its result is in it (in_sink): not
 * when the sink's buffer held a stage that was decoded further (a gzip
 * file holding a bzImage), which the load then unmapped too.
 */
struct vmctl_sink {
	uint8_t *(*reserve)(void *arg, size_t size);
	void *arg;
	bool used;
};

/*
 * Runs fn(arg) with a SIGBUS while it runs turned into a failure: a read
 * through a mapping of a file that was truncated meanwhile (the kernel or
 * ramdisk file, or a cache entry) then returns -EIO with *bus true
 * instead of killing the process part-way through a create. fn must only
 * read and write memory in the guarded part (no descriptors or mappings
 * acquired there: it is left by siglongjmp); what a library allocates
 * inside it (a decompressor's state) is not freed on that path. Nests.
 * Otherwise fn's result, *bus false. The signal's disposition is restored
 * on return, so a SIGBUS elsewhere ends the process as it did.
 */
int vmctl_mapped_run(int (*fn)(void *arg), void *arg, bool *bus);
/* Copies @len bytes from @src (a mapping) under that guard: 0, or -EIO. */
int vmctl_mapped_copy(void *dst, const void *src, size_t len);

/*
 * Reads and checks the kernel at @path: 0, or -errno with @err (@errlen
 * bytes) saying what is wrong ("not a bzImage or ELF", "not a PV kernel:
 * ...", "xz payload: ...").
 */
int vmctl_kernel_load(const char *path, struct vmctl_kernel *k, char *err, size_t errlen);
/*
 * The same from @fd, open on @path (named in messages); @fd stays open.
 * A decoded image goes to @sink when it is not NULL.
 */
int vmctl_kernel_load_fd(int fd, const char *path, struct vmctl_sink *sink,
			 struct vmctl_kernel *k, char *err, size_t errlen);
void vmctl_kernel_free(struct vmctl_kernel *k);


/*
 * The checks of a loaded image, k->data and k->size set (the ELF reader's,
 * not a dom0-only kernel, not auto-translated): 0 with k->pv filled, or
 * -ENOEXEC with @err set. vmctl_kernel_load runs them; so does the cache
 * on each image it loads (kcache.h).
 */
int vmctl_kernel_check(struct vmctl_kernel *k, const char *path, char *err, size_t errlen);

/*
 * The file's outer format from its headers alone: "gzip", "ELF",
 * "bzImage (xz)" (the payload's magic), ... or "unknown".
 */
void vmctl_kernel_sniff(int fd, char *fmt, size_t len);

/*
 * The ramdisk at @path, gunzipped if it is gzip: 0 or -errno with @err set.
 * A gzip file that does not inflate (corrupt, an ISIZE that lies) is used
 * as it is, as libxenguest does: 0 with *unpacked false and @err saying
 * why (else @err is ""). A file truncated while it is read is a failure
 * (-EIO, "...truncated while it was read (SIGBUS)").
 */
int vmctl_ramdisk_load(const char *path, uint8_t **data, size_t *size, bool *unpacked,
		       char *err, size_t errlen);
/*
 * The same from @fd, open on @path; @fd stays open. The gunzipped image
 * goes to @sink when it is not NULL: *in_sink then says *data is the
 * sink's mapping (munmap), else it is malloc'd (free).
 */
int vmctl_ramdisk_load_fd(int fd, const char *path, struct vmctl_sink *sink, uint8_t **data,
			  size_t *size, bool *unpacked, bool *in_sink, char *err, size_t errlen);

/*
 * Decompresses @in by its magic (the formats above, with the kernel's
 * appended 4-byte size): 0 with *out (malloc'd) and *outlen, or -errno
 * with @err set. For tests and the loader.
 */
int vmctl_decompress(const uint8_t *in, size_t len, uint8_t **out, size_t *outlen,
		     const char **format, char *err, size_t errlen);
/* The same into @sink's buffer when it gives one (*in_sink: *out is a mapping). */
int vmctl_decompress_sink(const uint8_t *in, size_t len, struct vmctl_sink *sink,
			  uint8_t **out, size_t *outlen, bool *in_sink, const char **format,
			  char *err, size_t errlen);

#endif
