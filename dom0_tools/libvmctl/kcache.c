// SPDX-License-Identifier: GPL-2.0-only
/* The cache of unpacked kernels and ramdisks (see kcache.h). */
#define _GNU_SOURCE		/* fallocate */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "kcache.h"

/*
 * An entry: this header in its first page, then the image from offset
 * HDR_SIZE, so the image can be mapped as it is. Native byte order: an
 * entry is only ever read by the vmctl of the machine that wrote it.
 */
#define HDR_SIZE	4096
#define HDR_VERSION	1
#define IMAGE_MAX	(1ULL << 30)
#define TMP_PREFIX	".tmp-"
#define TMP_STALE_S	3600		/* a temporary file older than this was left by a crash */
static const char hdr_magic[8] = "LMKCACHE";

struct hdr {
	char magic[8];
	uint32_t version;
	uint32_t kind;			/* 'k' or 'r' */
	/* the key: the source file as fstat saw it, and its outer format */
	uint64_t dev, ino, size;
	int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
	char src_format[32];
	/* what it holds */
	char format[32];		/* the image's format, as vmctl_kernel_load names it */
	uint64_t image_len;
	char source[160];		/* the path it was made from (shown by list, not a key) */
	uint64_t sum;			/* FNV-1a of every byte above */
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}
#define FNV_INIT	0xcbf29ce484222325ULL

static uint64_t hdr_sum(const struct hdr *h)
{
	return fnv(FNV_INIT, h, offsetof(struct hdr, sum));
}

/* Adds to what c->note says: 0, to return. */
static int note(struct vmctl_kcache *c, const char *fmt, ...)
{
	size_t n = strlen(c->note);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->note + n, sizeof(c->note) - n, fmt, ap);
	va_end(ap);
	return 0;
}

void vmctl_kcache_init(struct vmctl_kcache *c)
{
	const char *off = getenv("VMCTL_CACHE"), *dir = getenv("VMCTL_CACHE_DIR");
	const char *max = getenv("VMCTL_CACHE_MAX_MIB");
	char *end;

	memset(c, 0, sizeof(*c));
	c->off = off && (!strcmp(off, "off") || !strcmp(off, "0") || !strcmp(off, "no"));
	snprintf(c->dir, sizeof(c->dir), "%s", dir && *dir ? dir : VMCTL_CACHE_DIR);
	c->max_bytes = (uint64_t)VMCTL_CACHE_MAX_MIB << 20;
	if (max && *max) {
		unsigned long long v = strtoull(max, &end, 10);

		if (!*end && v < (1ULL << 40))
			c->max_bytes = v << 20;
	}
	c->min_age_ms = 2000;
}

/* The key of the file open on @fd (kind and outer format included) in @h. */
static void make_key(struct hdr *h, const struct stat *st, char kind, const char *src_format)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, hdr_magic, sizeof(h->magic));
	h->version = HDR_VERSION;
	h->kind = (uint32_t)kind;
	h->dev = (uint64_t)st->st_dev;
	h->ino = (uint64_t)st->st_ino;
	h->size = (uint64_t)st->st_size;
	h->mtime_s = st->st_mtim.tv_sec;
	h->mtime_ns = st->st_mtim.tv_nsec;
	h->ctime_s = st->st_ctim.tv_sec;
	h->ctime_ns = st->st_ctim.tv_nsec;
	snprintf(h->src_format, sizeof(h->src_format), "%s", src_format);
}

static bool same_key(const struct hdr *a, const struct hdr *b)
{
	return a->kind == b->kind && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns &&
	       a->ctime_s == b->ctime_s && a->ctime_ns == b->ctime_ns &&
	       !strncmp(a->src_format, b->src_format, sizeof(a->src_format));
}

/* One entry per file: its name comes from the kind, device and inode. */
static void entry_name(const struct hdr *key, char *name, size_t len)
{
	uint64_t h = fnv(FNV_INIT, &key->kind, sizeof(key->kind));

	h = fnv(h, &key->dev, sizeof(key->dev));
	h = fnv(h, &key->ino, sizeof(key->ino));
	snprintf(name, len, "%c-%016llx", (char)key->kind, (unsigned long long)h);
}

static bool is_entry_name(const char *n)
{
	size_t i;

	if ((n[0] != 'k' && n[0] != 'r') || n[1] != '-' || strlen(n) != 18)
		return false;
	for (i = 2; i < 18; i++)
		if (!strchr("0123456789abcdef", n[i]))
			return false;
	return true;
}

/*
 * The cache directory, opened: made (0700) when @create and missing, its
 * parents 0755. Refused unless it is a directory (not a link) of this
 * user with no access for group or others. -errno with @why said.
 */
static int open_dir(const char *dir, bool create, char *why, size_t whylen)
{
	struct stat st;
	char p[sizeof(((struct vmctl_kcache *)0)->dir)];
	size_t i;
	int fd;

	if (dir[0] != '/')
		return snprintf(why, whylen, "%s is not an absolute path", dir), -EINVAL;
	if (create && lstat(dir, &st) && errno == ENOENT) {
		snprintf(p, sizeof(p), "%s", dir);
		for (i = 1; p[i]; i++)
			if (p[i] == '/') {
				p[i] = 0;
				(void)mkdir(p, 0755);
				p[i] = '/';
			}
		if (mkdir(dir, 0700) && errno != EEXIST)
			return snprintf(why, whylen, "cannot make %s: %s", dir, strerror(errno)),
			       -errno;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return snprintf(why, whylen, "%s: %s", dir, strerror(errno)), -errno;
	if (fstat(fd, &st) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		close(fd);
		return snprintf(why, whylen, "%s is not private (owner uid %u, mode %03o; "
				"wanted uid %u, mode 0700)", dir, (unsigned int)st.st_uid,
				(unsigned int)(st.st_mode & 0777), (unsigned int)geteuid()), -EPERM;
	}
	return fd;
}

/*
 * Reads and checks an entry's header: 0, -ENOENT (none), -EBADMSG (not
 * an entry of ours, damaged, or its length is wrong).
 */
static int read_hdr(int fd, struct hdr *h)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
		return -EBADMSG;
	if (pread(fd, h, sizeof(*h), 0) != (ssize_t)sizeof(*h) ||
	    memcmp(h->magic, hdr_magic, sizeof(h->magic)) || h->version != HDR_VERSION ||
	    h->sum != hdr_sum(h) || !h->image_len || h->image_len > IMAGE_MAX ||
	    (uint64_t)st.st_size != HDR_SIZE + h->image_len)
		return -EBADMSG;
	h->format[sizeof(h->format) - 1] = 0;
	h->source[sizeof(h->source) - 1] = 0;
	h->src_format[sizeof(h->src_format) - 1] = 0;
	return 0;
}

/*
 * The entry for @key mapped: 0 with *data, *len and the header in @got;
 * -ENOENT none; -ESTALE an entry for another version of the file;
 * -EBADMSG a damaged entry; other -errno (mapping). A stale or damaged
 * entry is removed. @lazy: the mapping is not populated (a kernel, whose
 * pages the builder's copy into the domain faults in); else it is.
 */
static int entry_load(int dfd, const char *name, const struct hdr *key, struct hdr *got,
		      uint8_t **data, size_t *len, bool lazy)
{
	int rc, fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	void *p;

	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -EBADMSG;
	rc = read_hdr(fd, got);
	if (!rc && !same_key(got, key))
		rc = -ESTALE;
	if (rc) {
		close(fd);
		(void)unlinkat(dfd, name, 0);
		return rc;
	}
	p = mmap(NULL, (size_t)got->image_len, PROT_READ,
		 MAP_PRIVATE | (lazy ? 0 : MAP_POPULATE), fd, HDR_SIZE);
	if (p == MAP_FAILED) {
		rc = -errno;
		close(fd);
		return rc;
	}
	(void)futimens(fd, NULL);	/* used now: the last to be evicted */
	close(fd);
	*data = p;
	*len = (size_t)got->image_len;
	return 0;
}

/* A listing of the directory open on @dfd, on a descriptor of its own; NULL on failure. */
static DIR *list_dir(int dfd)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d && fd >= 0)
		close(fd);
	return d;
}

struct listed {
	char name[20];
	off_t bytes;
	struct timespec used;
};

static int by_use(const void *a, const void *b)
{
	const struct listed *x = a, *y = b;

	if (x->used.tv_sec != y->used.tv_sec)
		return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
	return x->used.tv_nsec < y->used.tv_nsec ? -1 : x->used.tv_nsec > y->used.tv_nsec;
}

/*
 * Room for @need more bytes under @max: the least recently used entries
 * are removed (@keep, about to be replaced, is not counted), and
 * temporary files a crash left. 0, or -errno.
 */
static int make_room(int dfd, const char *keep, uint64_t need, uint64_t max)
{
	struct listed *v = NULL, *nv;
	size_t n = 0, cap = 0, i;
	uint64_t total = 0;
	struct dirent *de;
	struct stat st;
	time_t now = time(NULL);
	DIR *d = list_dir(dfd);

	if (!d)
		return -EIO;
	while ((de = readdir(d))) {
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		if (!strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX))) {
			if (st.st_mtime < now - TMP_STALE_S)
				(void)unlinkat(dfd, de->d_name, 0);
			continue;
		}
		if (!is_entry_name(de->d_name) || !strcmp(de->d_name, keep))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		snprintf(v[n].name, sizeof(v[n].name), "%.19s", de->d_name);
		v[n].bytes = st.st_size;
		v[n].used = st.st_mtim;
		total += (uint64_t)st.st_size;
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), by_use);
	for (i = 0; i < n && total + need > max; i++)
		if (!unlinkat(dfd, v[i].name, 0))
			total -= (uint64_t)v[i].bytes;
	free(v);
	return total + need > max ? -ENOSPC : 0;
}

/* Has the file changed too recently for its timestamps to tell (min_age_ms)? */
static bool too_young(const struct vmctl_kcache *c, const struct hdr *key)
{
	struct timespec now;
	int64_t limit, m, t;

	if (!c->min_age_ms)
		return false;
	if (clock_gettime(CLOCK_REALTIME, &now))
		return true;
	limit = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 - c->min_age_ms;
	m = key->mtime_s * 1000 + key->mtime_ns / 1000000;
	t = key->ctime_s * 1000 + key->ctime_ns / 1000000;
	return m > limit || t > limit;
}

/*
 * A store under way. The image is decoded straight into the entry's
 * temporary file, its pages reserved with fallocate first (so a full
 * disk is a refusal before decoding, not a SIGBUS in the middle of it)
 * and mapped shared: what the create then loads into the domain is that
 * mapping, and nothing is copied or written out a second time. Once the
 * load has succeeded and the file is still what the key says, the header
 * goes into the first page and the file is linked in under the entry's
 * name (store_end); in every other case it is dropped, so a failed decode
 * (a truncated or corrupt file, a kernel failing its checks, no room)
 * leaves no entry. The temporary file has no name (O_TMPFILE) until it
 * is linked in as the entry, so a writer killed in between (the loader
 * of `vmctl create` killed in its decode, or vmctl) leaves nothing: its
 * pages go with its last descriptor and mapping. Where the file system
 * has no O_TMPFILE it is a named `.tmp-PID-N`, which a crash leaves; no
 * load reads it, the builder removes its loader's (vmctl_kcache_drop_temps)
 * and make_room any once it is stale.
 */
struct store {
	struct vmctl_kcache *c;
	int dfd;
	struct hdr *key;
	int fd;				/* the temporary file, or -1 */
	bool named;			/* it has a name, tmp (no O_TMPFILE here) */
	char tmp[64];
	uint8_t *map;			/* the image's pages of it, mapped */
	size_t len;
	char why[320];			/* why nothing was reserved */
	struct vmctl_sink sink;
};

static void abandon(struct store *s)
{
	if (s->fd < 0)
		return;
	close(s->fd);
	if (s->named)
		(void)unlinkat(s->dfd, s->tmp, 0);
	s->fd = -1;
}

/*
 * The temporary file: without a name where the file system can (O_TMPFILE:
 * tmpfs, ext4 ...), else `.tmp-PID-N`. A descriptor, or -1 with errno.
 */
static int open_temp(struct store *s)
{
	static unsigned int seq;
	int fd;

	snprintf(s->tmp, sizeof(s->tmp), TMP_PREFIX "%ld-%u", (long)getpid(), seq++);
	fd = openat(s->dfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL &&
			errno != ENOENT))
		return fd;
	s->named = true;
	return openat(s->dfd, s->tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

/*
 * The finished temporary file under @name, replacing an entry there: a
 * rename of the named one; the unnamed one linked in (through /proc when
 * AT_EMPTY_PATH is refused: it needs CAP_DAC_READ_SEARCH). 0 or -errno.
 */
static int commit_temp(struct store *s, const char *name)
{
	char proc[40];
	int tries;

	if (s->named)
		return renameat(s->dfd, s->tmp, s->dfd, name) ? -errno : 0;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", s->fd);
	for (tries = 0; tries < 2; tries++) {
		if (!linkat(s->fd, "", s->dfd, name, AT_EMPTY_PATH) ||
		    (errno != EEXIST &&
		     !linkat(AT_FDCWD, proc, s->dfd, name, AT_SYMLINK_FOLLOW)))
			return 0;
		if (errno != EEXIST)
			return -errno;
		(void)unlinkat(s->dfd, name, 0);	/* an older entry: replaced */
	}
	return -EEXIST;
}

/* The sink's reserve (kernel_image.h): the image's pages in the temporary file, or NULL. */
static uint8_t *reserve(void *arg, size_t len)
{
	struct store *s = arg;
	struct vmctl_kcache *c = s->c;
	char name[20];
	void *p;
	int rc;

	if (too_young(c, s->key)) {
		snprintf(s->why, sizeof(s->why), "the file changed less than %u ms ago",
			 c->min_age_ms);
		return NULL;
	}
	if (!len || len > IMAGE_MAX || HDR_SIZE + (uint64_t)len > c->max_bytes) {
		snprintf(s->why, sizeof(s->why), "%zu KiB is more than the cache's bound (%llu MiB)",
			 len >> 10, (unsigned long long)(c->max_bytes >> 20));
		return NULL;
	}
	entry_name(s->key, name, sizeof(name));
	rc = make_room(s->dfd, name, HDR_SIZE + (uint64_t)len, c->max_bytes);
	if (rc) {
		snprintf(s->why, sizeof(s->why), "no room in %s (%s)", c->dir, strerror(-rc));
		return NULL;
	}
	s->fd = open_temp(s);
	if (s->fd < 0) {
		snprintf(s->why, sizeof(s->why), "a temporary file in %s: %s", c->dir,
			 strerror(errno));
		return NULL;
	}
	if (fallocate(s->fd, 0, 0, (off_t)(HDR_SIZE + len))) {
		snprintf(s->why, sizeof(s->why), "no room for %zu KiB in %s (fallocate: %s)",
			 len >> 10, c->dir, strerror(errno));
		abandon(s);
		return NULL;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, HDR_SIZE);
	if (p == MAP_FAILED) {
		snprintf(s->why, sizeof(s->why), "mapping the temporary file in %s: %s", c->dir,
			 strerror(errno));
		abandon(s);
		return NULL;
	}
	if (c->after_reserve)
		c->after_reserve(c);
	/* As kernel_image.c's buffers: the pages in one call, not a fault each (a hint). */
	(void)madvise(p, len, MADV_POPULATE_WRITE);
	s->map = p;
	s->len = len;
	return p;
}

static void store_begin(struct store *s, struct vmctl_kcache *c, int dfd, struct hdr *key)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->dfd = dfd;
	s->key = key;
	s->fd = -1;
	s->sink.reserve = reserve;
	s->sink.arg = s;
}

/*
 * The load is over: @stored_image says its result is the image in the
 * temporary file (the load succeeded, and decoded into it), which then
 * becomes the entry if the file open on @src is still what the key says.
 * Otherwise the temporary file goes. Says what it did in c->note.
 */
static void store_end(struct store *s, int src, bool stored_image, const char *path,
		      const char *format)
{
	struct vmctl_kcache *c = s->c;
	uint8_t page[HDR_SIZE];
	char name[20];
	struct hdr now;
	struct stat st;
	int rc = 0;

	if (s->fd < 0) {
		if (s->why[0])
			note(c, "; not stored: %s", s->why);
		return;
	}
	if (!stored_image) {
		abandon(s);
		return;
	}
	if (c->before_commit)
		c->before_commit(c);
	if (fstat(src, &st)) {
		note(c, "; not stored (fstat: %s)", strerror(errno));
		abandon(s);
		return;
	}
	make_key(&now, &st, (char)s->key->kind, s->key->src_format);
	if (!same_key(&now, s->key)) {
		note(c, "; not stored: the file changed while it was read");
		abandon(s);
		return;
	}
	/* What this create loads is not to be written to any more. */
	(void)mprotect(s->map, s->len, PROT_READ);
	entry_name(s->key, name, sizeof(name));
	snprintf(s->key->format, sizeof(s->key->format), "%s", format);
	snprintf(s->key->source, sizeof(s->key->source), "%s", path);
	s->key->image_len = s->len;
	s->key->sum = hdr_sum(s->key);
	memset(page, 0, sizeof(page));
	memcpy(page, s->key, sizeof(*s->key));
	if (pwrite(s->fd, page, sizeof(page), 0) != (ssize_t)sizeof(page))
		rc = errno ? -errno : -EIO;
	if (!rc && fsync(s->fd))
		rc = -errno;
	if (!rc)
		rc = commit_temp(s, name);
	if (rc) {
		note(c, "; not stored: writing %s/%s: %s", c->dir, name, strerror(-rc));
		abandon(s);
		return;
	}
	close(s->fd);
	s->fd = -1;
	c->stored = true;
	note(c, "; stored in the cache as %s/%s", c->dir, name);
}

/*
 * The start of a load through the cache, the file open on @fd: its key
 * in @key, and *dfd the directory opened when the cache is to be used
 * for a file of this format (@cacheable), else -1 (c->note says why).
 */
static void begin(struct vmctl_kcache *c, char kind, bool cacheable, const char *src_format,
		  int fd, struct hdr *key, int *dfd)
{
	char why[256];
	struct stat st;

	*dfd = -1;
	if (c->off) {
		note(c, "the cache is off");
	} else if (!cacheable) {
		note(c, "%s: nothing to unpack, not cached", src_format);
	} else if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		note(c, "not a regular file, not cached");
	} else {
		make_key(key, &st, kind, src_format);
		*dfd = open_dir(c->dir, true, why, sizeof(why));
		if (*dfd < 0)
			note(c, "cache not used: %s", why);
	}
}

static int open_src(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return fd < 0 ? -errno : fd;
}

static const char *miss_why(int rc)
{
	switch (rc) {
	case -ENOENT: return "not in the cache";
	case -ESTALE: return "the cache's entry is for another version of the file (removed)";
	case -EBADMSG: return "the cache's entry is damaged (removed)";
	default: return "the cache's entry cannot be mapped";
	}
}

int vmctl_kernel_load_cached(struct vmctl_kcache *c, const char *path, struct vmctl_kernel *k,
			     char *err, size_t errlen)
{
	char src_format[32], name[20], e[256];
	struct hdr key, got;
	struct store st;
	bool cacheable;
	uint8_t *data;
	size_t len;
	int fd, dfd, rc;

	c->note[0] = 0;
	c->hit = c->stored = false;
	memset(k, 0, sizeof(*k));
	fd = open_src(path, err, errlen);
	if (fd < 0)
		return fd;
	vmctl_kernel_sniff(fd, src_format, sizeof(src_format));
	cacheable = !strcmp(src_format, "gzip") ||
		    (!strncmp(src_format, "bzImage (", 9) && strcmp(src_format, "bzImage (lzo)") &&
		     strcmp(src_format, "bzImage (unknown)"));
	begin(c, 'k', cacheable, src_format, fd, &key, &dfd);
	if (dfd >= 0) {
		entry_name(&key, name, sizeof(name));
		rc = entry_load(dfd, name, &key, &got, &data, &len, true);
		if (!rc) {
			k->data = data;
			k->size = len;
			k->mapped = k->lazy = true;
			snprintf(k->format, sizeof(k->format), "%s", got.format);
			/* The same checks as a decoded image: a cached one is not trusted more. */
			if (!vmctl_kernel_check(k, path, e, sizeof(e))) {
				c->hit = true;
				note(c, "from the cache: %s, %zu KiB unpacked (%s/%s)", got.format,
				     len >> 10, c->dir, name);
				close(dfd);
				close(fd);
				return 0;
			}
			vmctl_kernel_free(k);
			memset(k, 0, sizeof(*k));
			(void)unlinkat(dfd, name, 0);
			note(c, "the cache's entry failed the kernel checks (removed)");
		} else {
			note(c, "%s", miss_why(rc));
		}
	}
	store_begin(&st, c, dfd, &key);
	rc = vmctl_kernel_load_fd(fd, path, dfd >= 0 ? &st.sink : NULL, k, err, errlen);
	if (!rc && dfd >= 0)
		note(c, ": unpacked %s", k->format);
	store_end(&st, fd, !rc && k->in_sink, path, k->format);
	if (dfd >= 0)
		close(dfd);
	close(fd);
	return rc;
}

void vmctl_ramdisk_free(uint8_t *data, size_t size, bool mapped)
{
	if (mapped)
		munmap(data, size);
	else
		free(data);
}

int vmctl_ramdisk_load_cached(struct vmctl_kcache *c, const char *path, uint8_t **data,
			      size_t *size, bool *unpacked, bool *mapped, char *err,
			      size_t errlen)
{
	char src_format[32], name[20];
	struct hdr key, got;
	struct store st;
	int fd, dfd, rc;

	c->note[0] = 0;
	c->hit = c->stored = c->kept_packed = false;
	*data = NULL;
	*mapped = false;
	fd = open_src(path, err, errlen);
	if (fd < 0)
		return fd;
	vmctl_kernel_sniff(fd, src_format, sizeof(src_format));
	begin(c, 'r', !strcmp(src_format, "gzip"), src_format, fd, &key, &dfd);
	if (dfd >= 0) {
		entry_name(&key, name, sizeof(name));
		rc = entry_load(dfd, name, &key, &got, data, size, false);
		if (!rc) {
			c->hit = true;
			*unpacked = *mapped = true;
			note(c, "from the cache: %zu KiB gunzipped (%s/%s)", *size >> 10, c->dir,
			     name);
			close(dfd);
			close(fd);
			return 0;
		}
		note(c, "%s", miss_why(rc));
	}
	store_begin(&st, c, dfd, &key);
	rc = vmctl_ramdisk_load_fd(fd, path, dfd >= 0 ? &st.sink : NULL, data, size, unpacked,
				   mapped, err, errlen);
	if (!rc && !*unpacked && err[0]) {
		/* (the loader's why, moved: @err is only for a failure) */
		note(c, "%sit does not inflate (%s): used as it is%s", c->note[0] ? "; " : "",
		     err, dfd >= 0 ? ", not cached" : "");
		c->kept_packed = true;
		err[0] = 0;
	} else if (!rc && dfd >= 0 && !*unpacked)
		note(c, "; it does not inflate: used as it is, not cached");
	store_end(&st, fd, !rc && *mapped, path, "gzip (gunzipped)");
	if (dfd >= 0)
		close(dfd);
	close(fd);
	return rc;
}

/* The cache directory (not made) and a listing of it: 0, or -errno. */
static int open_listing(const struct vmctl_kcache *c, int *dfd, DIR **d)
{
	char why[256];

	*dfd = open_dir(c->dir, false, why, sizeof(why));
	if (*dfd < 0)
		return *dfd;
	*d = list_dir(*dfd);
	if (!*d) {
		close(*dfd);
		return -EIO;
	}
	return 0;
}

int vmctl_kcache_list(const struct vmctl_kcache *c,
		      void (*fn)(void *arg, const struct vmctl_kcache_entry *e), void *arg)
{
	struct vmctl_kcache_entry e;
	struct dirent *de;
	struct stat st;
	struct hdr h;
	int efd, dfd;
	DIR *d;
	int rc = open_listing(c, &dfd, &d);

	if (rc)
		return rc;
	while ((de = readdir(d))) {
		if (!is_entry_name(de->d_name))
			continue;
		efd = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (efd < 0)
			continue;
		memset(&e, 0, sizeof(e));
		snprintf(e.name, sizeof(e.name), "%.32s", de->d_name);
		e.kind = de->d_name[0];
		if (fstat(efd, &st))
			memset(&st, 0, sizeof(st));
		e.used = st.st_mtim.tv_sec;
		e.valid = !read_hdr(efd, &h) && h.kind == (uint32_t)e.kind;
		if (e.valid) {
			e.bytes = h.image_len;
			snprintf(e.source, sizeof(e.source), "%s", h.source);
			snprintf(e.src_format, sizeof(e.src_format), "%s", h.src_format);
			snprintf(e.format, sizeof(e.format), "%s", h.format);
		} else {
			e.bytes = (uint64_t)st.st_size;
		}
		close(efd);
		fn(arg, &e);
	}
	closedir(d);
	close(dfd);
	return 0;
}

/* Removes the files whose names start with @prefix (and, if @entries, the entries). */
static int remove_files(const struct vmctl_kcache *c, const char *prefix, bool entries)
{
	struct dirent *de;
	int n = 0, dfd;
	DIR *d;
	int rc = open_listing(c, &dfd, &d);

	if (rc)
		return rc;
	while ((de = readdir(d)))
		if (((entries && is_entry_name(de->d_name)) ||
		     !strncmp(de->d_name, prefix, strlen(prefix))) &&
		    !unlinkat(dfd, de->d_name, 0))
			n++;
	closedir(d);
	close(dfd);
	return n;
}

int vmctl_kcache_drop_temps(const struct vmctl_kcache *c, long pid)
{
	char prefix[32];

	snprintf(prefix, sizeof(prefix), TMP_PREFIX "%ld-", pid);
	return remove_files(c, prefix, false);
}

int vmctl_kcache_clear(const struct vmctl_kcache *c)
{
	return remove_files(c, TMP_PREFIX, true);
}
