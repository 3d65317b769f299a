/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The cache of unpacked kernels and ramdisks (dom0_tools/README.md, "The
 * cache of unpacked kernels"):
 * `vmctl create` of a compressed kernel (a bzImage, a gzip ELF) or of a
 * gzip ramdisk keeps the unpacked image in /var/cache/lamina, and the
 * next create of the same file maps it instead of decoding again (an
 * on_reboot/on_crash "restart", a test rig creating one guest many times).
 *
 * An entry is found by the file's identity, read with fstat on the
 * descriptor the image is read from: st_dev, st_ino, st_size, st_mtime
 * and st_ctime (nanoseconds), plus the kind (kernel or ramdisk) and the
 * file's outer format from its headers (vmctl_kernel_sniff). The entry
 * holds that key and its own length in a header, checked on every load;
 * any difference is a miss. No content hash: the ctime cannot be set
 * from user space, and a file changed within the same clock tick as it
 * was read is not stored (min_age_ms); the docs say why that is enough.
 * A loaded kernel passes vmctl_kernel_check as a freshly decoded one does.
 *
 * An image is decoded straight into a temporary file in the directory
 * (reserved with fallocate, mapped shared: no copy and no second write on
 * the create's path; without a name, O_TMPFILE, where the file system
 * allows), which is linked into place once the load has succeeded and
 * dropped otherwise (a failed decode, or its writer killed, leaves no
 * entry and, with O_TMPFILE, no file). The directory is
 * root's, mode 0700, and is not used when it is anything else. The total
 * is bounded (max_bytes; the least recently used entries go first). Any
 * failure of the cache is a miss and the file is read as without it: the
 * cache never fails a create. Nothing here prints; `note` says what
 * happened, for the progress line.
 */
#ifndef LIBVMCTL_KCACHE_H
#define LIBVMCTL_KCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel_image.h"

#define VMCTL_CACHE_DIR		"/var/cache/lamina"
#define VMCTL_CACHE_MAX_MIB	256

struct vmctl_kcache {
	bool off;			/* bypass: read as without the cache */
	char dir[200];
	uint64_t max_bytes;		/* the bound on all entries together */
	unsigned int min_age_ms;	/* a file changed since is not stored */
	char note[300];			/* what the last load did (for progress) */
	bool hit, stored;		/* the last load: from the cache; stored in it */
	bool kept_packed;		/* a gzip ramdisk that does not inflate, used as
					   it is (the note says why) */
	/*
	 * Tests only (NULL otherwise): called when a decoded image is in its
	 * temporary file and about to become the entry (an interrupted store).
	 */
	void (*before_commit)(struct vmctl_kcache *c);
	/* Tests only: called when the temporary file is made, before the decode. */
	void (*after_reserve)(struct vmctl_kcache *c);
};

/*
 * The settings: on, VMCTL_CACHE_DIR, 256 MiB, 2 s; the environment may
 * say otherwise: VMCTL_CACHE=off (or 0, no) bypasses it,
 * VMCTL_CACHE_DIR=DIR and VMCTL_CACHE_MAX_MIB=N set the others.
 */
void vmctl_kcache_init(struct vmctl_kcache *c);

/* vmctl_kernel_load through the cache: the same result, the same errors. */
int vmctl_kernel_load_cached(struct vmctl_kcache *c, const char *path, struct vmctl_kernel *k,
			     char *err, size_t errlen);

/*
 * vmctl_ramdisk_load through the cache. *mapped: *data is a mapping of
 * an entry (vmctl_ramdisk_free unmaps it), else malloc'd.
 */
int vmctl_ramdisk_load_cached(struct vmctl_kcache *c, const char *path, uint8_t **data,
			      size_t *size, bool *unpacked, bool *mapped, char *err,
			      size_t errlen);
void vmctl_ramdisk_free(uint8_t *data, size_t size, bool mapped);

/* One entry, for `vmctl cache list`. */
struct vmctl_kcache_entry {
	char name[64];			/* its file in the directory */
	char kind;			/* 'k' kernel, 'r' ramdisk */
	bool valid;			/* its header reads and its length matches */
	uint64_t bytes;			/* the unpacked image */
	int64_t used;			/* last used (its mtime, seconds since 1970) */
	char source[160];		/* the file it was made from, as named then */
	char src_format[32], format[32];
};

/*
 * Calls @fn for each entry (any order): 0, or -errno when the directory
 * cannot be read (-ENOENT: there is none, nothing cached).
 */
int vmctl_kcache_list(const struct vmctl_kcache *c,
		      void (*fn)(void *arg, const struct vmctl_kcache_entry *e), void *arg);

/*
 * Removes the named temporary files of process @pid (kcache.c's fallback
 * where the file system has no O_TMPFILE), after it died in a store: the
 * loader of `vmctl create` killed in its decode. How many, or -errno.
 */
int vmctl_kcache_drop_temps(const struct vmctl_kcache *c, long pid);

/* Removes every entry (and left-over temporary files): how many, or -errno. */
int vmctl_kcache_clear(const struct vmctl_kcache *c);

#endif
