// SPDX-License-Identifier: GPL-2.0-only
/*
 * libvmctl/kcache.c on the host, with a cache directory of its own: a
 * bzImage (a small PV ELF, gzip payload) and a gzip ramdisk are stored on
 * the first load and mapped on the next, equal to what decoding gives;
 * touching, replacing or truncating the file is a miss; a damaged entry
 * (header, length, or an image that fails the kernel checks) is a miss
 * and is removed; the bound evicts the least recently used entries; a
 * directory that cannot be made, is not private or is a link is not used;
 * a file changed within min_age_ms is not stored; an uncompressed ELF is
 * not cached. In every case the load itself succeeds.
 *
 * The image is decoded straight into the entry's temporary file, so every
 * way a store can end half done is checked to leave no entry a later load
 * would trust: a truncated XZ payload, a gzip ramdisk that does not
 * inflate (damaged inside, or only its CRC wrong, after every byte was
 * written), no room for the entry (fallocate refused), a vmctl killed
 * between the decoding and the rename.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <lzma.h>
#include <zlib.h>
#include <lamina/elfnote.h>
#include "../../unit.h"
#include "../../../../dom0_tools/libvmctl/kcache.h"
#include "../../pv_elf.h"

#define VBASE	0xffffffff80000000ULL
#define ELF_SIZE	(64 * 1024)

static uint8_t elf[ELF_SIZE];
static uint8_t file[ELF_SIZE * 2];
static size_t file_len;
static char root[64], dir[128], kpath[128], rpath[128];
static char err[256];
static struct vmctl_kcache c;
static const char *want_format;		/* what load() expects */

/* A 64-bit PV ELF: one PT_LOAD of 16 KiB at 1 MiB, the Xen notes, a pattern. */
static void make_elf(void)
{
	uint64_t vb = VBASE, zero = 0, entry = VBASE + 0x100010;
	size_t notes = 0, i;

	memset(elf, 0, sizeof(elf));
	pv_elf_note(elf, &notes, XEN_ELFNOTE_LOADER, "generic", 8);
	pv_elf_note(elf, &notes, XEN_ELFNOTE_XEN_VERSION, "xen-3.0", 8);
	pv_elf_note(elf, &notes, XEN_ELFNOTE_VIRT_BASE, &vb, 8);
	pv_elf_note(elf, &notes, XEN_ELFNOTE_PADDR_OFFSET, &zero, 8);
	pv_elf_note(elf, &notes, XEN_ELFNOTE_ENTRY, &entry, 8);
	pv_elf_headers(elf, VBASE + 0x100000, 0x4000, 0x4000, notes);
	for (i = 0x1000; i < ELF_SIZE; i++)
		elf[i] = (uint8_t)(i * 7 + (i >> 9));
}

static size_t gzip(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	z_stream z = { 0 };
	size_t len;

	deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	len = z.total_out;
	deflateEnd(&z);
	return len;
}

/* The ELF xz-compressed as the kernel's build does (CRC32, the size appended). */
static size_t xz(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	size_t len = 0;

	if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, n, out, &len, cap - 4) !=
	    LZMA_OK)
		return 0;
	out[len++] = n & 0xff;
	out[len++] = (n >> 8) & 0xff;
	out[len++] = (n >> 16) & 0xff;
	out[len++] = (n >> 24) & 0xff;
	return len;
}

/* A bzImage (protocol 2.15, setup_sects 1) with the ELF packed by @pack as its payload. */
static void make_bzimage_with(size_t (*pack)(const uint8_t *, size_t, uint8_t *, size_t))
{
	size_t plen;

	make_elf();
	memset(file, 0, 1024);
	file[0x1f1] = 1;
	memcpy(file + 0x202, "HdrS", 4);
	file[0x206] = 0x0f;
	file[0x207] = 0x02;
	plen = pack(elf, ELF_SIZE, file + 1024, sizeof(file) - 1024);
	file[0x24c] = plen & 0xff;
	file[0x24d] = (plen >> 8) & 0xff;
	file[0x24e] = (plen >> 16) & 0xff;
	file_len = 1024 + plen;
}

static void make_bzimage(void)
{
	make_bzimage_with(gzip);
}

static void put(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	fwrite(data, 1, len, f);
	fclose(f);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/unit-kcache.%d", (int)getpid());
	snprintf(dir, sizeof(dir), "%s/var/cache/lamina", root);
	snprintf(kpath, sizeof(kpath), "%s/vmlinuz", root);
	snprintf(rpath, sizeof(rpath), "%s/initrd.gz", root);
	mkdir(root, 0755);
	make_bzimage();
	want_format = "bzImage (gzip)";
	put(kpath, file, file_len);
	vmctl_kcache_init(&c);
	snprintf(c.dir, sizeof(c.dir), "%s", dir);
	c.off = false;
	c.min_age_ms = 0;
	c.max_bytes = 1 << 20;
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	EXPECT_EQ(system(cmd), 0);
}

/* A load through the cache: 0 and the ELF, checked (k.pv filled). */
static int load(struct vmctl_kernel *k)
{
	int rc = vmctl_kernel_load_cached(&c, kpath, k, err, sizeof(err));

	if (!rc && (k->size != ELF_SIZE || memcmp(k->data, elf, ELF_SIZE) ||
		    k->pv.entry != VBASE + 0x100010 || k->pv.image != k->data ||
		    strcmp(k->format, want_format)))
		rc = -EIO;
	return rc;
}

/*
 * The builder's copy (vmctl_mapped_copy) of k's bytes [0x1000, +0x4000)
 * (its PT_LOAD) gives what the ELF holds; *lazy says whether the mapping
 * was left unpopulated (k.lazy).
 */
static bool copy_ok(const struct vmctl_kernel *k, bool *lazy)
{
	static uint8_t out[0x4000];
	uint8_t other[16] = "not in the image";
	bool ok;

	memset(out, 0xcc, sizeof(out));
	ok = !vmctl_mapped_copy(out, k->data + 0x1000, sizeof(out)) &&
	     !memcmp(out, elf + 0x1000, sizeof(out));
	ok = ok && !vmctl_mapped_copy(out, other, sizeof(other)) &&
	     !memcmp(out, other, sizeof(other));
	*lazy = k->lazy;
	return ok;
}

static bool load_hit(void)
{
	struct vmctl_kernel k;
	bool lazy = false;
	bool ok = load(&k) == 0 && c.hit && copy_ok(&k, &lazy) && lazy;

	vmctl_kernel_free(&k);
	return ok;
}

static bool load_miss_stored(void)
{
	struct vmctl_kernel k;
	bool lazy = true;
	/* Decoded into the entry's file, mapped: copied from memory. */
	bool ok = load(&k) == 0 && !c.hit && c.stored && k.in_sink && copy_ok(&k, &lazy) && !lazy;

	vmctl_kernel_free(&k);
	return ok;
}

static void entry_path(char *p, size_t n, char kind)
{
	char cmd[256];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ls %s/%c-* 2>/dev/null | head -n 1", dir, kind);
	f = popen(cmd, "r");
	p[0] = 0;
	if (f && fgets(p, (int)n, f))
		p[strcspn(p, "\n")] = 0;
	if (f)
		pclose(f);
}

static void test_hit(void)
{
	struct stat st;

	EXPECT(load_miss_stored());
	EXPECT(strstr(c.note, "not in the cache: unpacked bzImage (gzip); stored in the cache as"));
	EXPECT(!stat(dir, &st) && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
	EXPECT(load_hit());
	EXPECT(strstr(c.note, "from the cache: bzImage (gzip), 64 KiB unpacked"));
	EXPECT(load_hit());
	/* --no-cache / VMCTL_CACHE=off: read as without it. */
	c.off = true;
	{
		struct vmctl_kernel k;

		EXPECT_EQ(load(&k), 0);
		EXPECT(!c.hit && !c.stored && strstr(c.note, "off"));
		vmctl_kernel_free(&k);
	}
}

static void test_miss_touch(void)
{
	struct timespec ts[2] = { { 1000000, 0 }, { 1000000, 0 } };

	EXPECT(load_miss_stored());
	EXPECT_EQ(utimensat(AT_FDCWD, kpath, ts, 0), 0);	/* mtime (and ctime) change */
	EXPECT(load_miss_stored());
	EXPECT(strstr(c.note, "another version of the file"));
	EXPECT(load_hit());
	/* chmod changes only the ctime: a miss too. */
	EXPECT_EQ(chmod(kpath, 0600), 0);
	EXPECT(load_miss_stored());
	EXPECT(load_hit());
}

static void test_miss_replace(void)
{
	char tmp[160];

	EXPECT(load_miss_stored());
	/* The same bytes, a new file renamed over it (another inode). */
	snprintf(tmp, sizeof(tmp), "%s.new", kpath);
	put(tmp, file, file_len);
	EXPECT_EQ(rename(tmp, kpath), 0);
	EXPECT(load_miss_stored());
	EXPECT(load_hit());
	/* Another kernel in its place: the new one is loaded, not the entry. */
	file[1024 + 100] ^= 0xff;	/* a damaged payload now */
	put(tmp, file, file_len);
	EXPECT_EQ(rename(tmp, kpath), 0);
	{
		struct vmctl_kernel k;

		EXPECT(vmctl_kernel_load_cached(&c, kpath, &k, err, sizeof(err)) < 0);
		EXPECT(!c.hit && strstr(err, "bzImage gzip payload"));
	}
}

static void test_miss_truncate(void)
{
	int fd;

	EXPECT(load_miss_stored());
	/* Truncated and written again to the same bytes and size: a miss. */
	fd = open(kpath, O_WRONLY | O_TRUNC);
	EXPECT(fd >= 0 && write(fd, file, file_len) == (ssize_t)file_len);
	close(fd);
	EXPECT(load_miss_stored());
	/* Truncated short: a miss, and the file's own error. */
	EXPECT_EQ(truncate(kpath, (off_t)file_len / 2), 0);
	{
		struct vmctl_kernel k;

		EXPECT(vmctl_kernel_load_cached(&c, kpath, &k, err, sizeof(err)) < 0);
		EXPECT(!c.hit && strstr(err, "outside the file"));
	}
}

/* Writes @len bytes at @off of the kernel's entry. */
static void poke_entry(off_t off, const void *p, size_t len)
{
	char e[256];
	int fd;

	entry_path(e, sizeof(e), 'k');
	fd = open(e, O_WRONLY);
	EXPECT(fd >= 0 && pwrite(fd, p, len, off) == (ssize_t)len);
	close(fd);
}

static void test_corrupt_entry(void)
{
	char e[256];

	EXPECT(load_miss_stored());
	poke_entry(40, "X", 1);			/* the key, under the header's sum */
	EXPECT(load_miss_stored());
	EXPECT(strstr(c.note, "damaged (removed)"));
	EXPECT(load_hit());
	poke_entry(4096, "\0\0\0\0", 4);		/* the image's ELF magic */
	EXPECT(load_miss_stored());
	EXPECT(strstr(c.note, "failed the kernel checks (removed)"));
	EXPECT(load_hit());
	entry_path(e, sizeof(e), 'k');
	EXPECT_EQ(truncate(e, 4096 + ELF_SIZE - 1), 0);	/* its length */
	EXPECT(load_miss_stored());
	EXPECT(strstr(c.note, "damaged"));
	EXPECT(load_hit());
	/* Not a file of ours: a link in the entry's place is not followed. */
	EXPECT_EQ(unlink(e), 0);
	EXPECT_EQ(symlink(kpath, e), 0);
	EXPECT(load_miss_stored());
	EXPECT(load_hit());
}

static void test_full(void)
{
	char paths[4][160];
	struct vmctl_kernel k;
	int i;

	/* Room for two entries of 64 KiB + a page, not three. */
	c.max_bytes = 2 * (ELF_SIZE + 4096) + 1000;
	for (i = 0; i < 4; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/vmlinuz%d", root, i);
		put(paths[i], file, file_len);
		EXPECT_EQ(vmctl_kernel_load_cached(&c, paths[i], &k, err, sizeof(err)), 0);
		EXPECT(c.stored);
		vmctl_kernel_free(&k);
		usleep(20000);	/* distinct mtimes for the LRU order */
		if (i == 1) {	/* use 0 again: 1 is then the least recently used */
			EXPECT_EQ(vmctl_kernel_load_cached(&c, paths[0], &k, err, sizeof(err)), 0);
			EXPECT(c.hit);
			vmctl_kernel_free(&k);
			usleep(20000);
		}
	}
	/* 2 evicted 0 or 1: 1 was older; 3 evicted the older of 0 and 2, i.e. 0. */
	EXPECT_EQ(vmctl_kernel_load_cached(&c, paths[3], &k, err, sizeof(err)), 0);
	EXPECT(c.hit);
	vmctl_kernel_free(&k);
	EXPECT_EQ(vmctl_kernel_load_cached(&c, paths[1], &k, err, sizeof(err)), 0);
	EXPECT(!c.hit);		/* evicted (and stored again, evicting 2) */
	vmctl_kernel_free(&k);
	/* Larger than the bound: loaded, not stored. */
	c.max_bytes = ELF_SIZE;
	EXPECT_EQ(vmctl_kernel_load_cached(&c, kpath, &k, err, sizeof(err)), 0);
	EXPECT(!c.hit && !c.stored && strstr(c.note, "more than the cache's bound"));
	vmctl_kernel_free(&k);
}

static void test_no_dir(void)
{
	char p[160];

	/* A parent that is a file: no directory, every load a miss that works. */
	snprintf(p, sizeof(p), "%s/afile", root);
	put(p, "x", 1);
	snprintf(c.dir, sizeof(c.dir), "%s/afile/cache", root);
	{
		struct vmctl_kernel k;

		EXPECT_EQ(load(&k), 0);
		EXPECT(!c.hit && !c.stored && strstr(c.note, "cache not used: ") &&
		       strstr(c.note, "afile/cache: Not a directory"));
		vmctl_kernel_free(&k);
	}
	/* Readable by others: not used. */
	snprintf(c.dir, sizeof(c.dir), "%s/open", root);
	EXPECT_EQ(mkdir(c.dir, 0755), 0);
	{
		struct vmctl_kernel k;

		EXPECT_EQ(load(&k), 0);
		EXPECT(!c.stored && strstr(c.note, "is not private"));
		vmctl_kernel_free(&k);
	}
	/* A link to a private directory: not followed. */
	snprintf(p, sizeof(p), "%s/private", root);
	EXPECT_EQ(mkdir(p, 0700), 0);
	snprintf(c.dir, sizeof(c.dir), "%s/link", root);
	EXPECT_EQ(symlink(p, c.dir), 0);
	{
		struct vmctl_kernel k;

		EXPECT_EQ(load(&k), 0);
		EXPECT(!c.stored && strstr(c.note, "cache not used"));
		vmctl_kernel_free(&k);
	}
	EXPECT_EQ(vmctl_kcache_list(&c, NULL, NULL) < 0, 1);
	snprintf(c.dir, sizeof(c.dir), "%s/none", root);
	EXPECT_EQ(vmctl_kcache_list(&c, NULL, NULL), -ENOENT);
	EXPECT_EQ(vmctl_kcache_clear(&c), -ENOENT);
}

static void test_young_and_elf(void)
{
	struct vmctl_kernel k;
	struct stat st;

	/* Changed just now: its timestamps cannot tell the next change apart. */
	c.min_age_ms = 60000;
	EXPECT_EQ(load(&k), 0);
	EXPECT(!c.stored && strstr(c.note, "changed less than 60000 ms ago"));
	vmctl_kernel_free(&k);
	/* An uncompressed ELF: mapped as it is, nothing cached, no directory made. */
	c.min_age_ms = 0;
	snprintf(c.dir, sizeof(c.dir), "%s/elf-cache", root);
	put(kpath, elf, ELF_SIZE);
	EXPECT_EQ(vmctl_kernel_load_cached(&c, kpath, &k, err, sizeof(err)), 0);
	EXPECT(k.mapped && !c.stored && strstr(c.note, "ELF: nothing to unpack"));
	EXPECT(stat(c.dir, &st) && errno == ENOENT);
	/* Mapped without populating it; its segments are copied from there. */
	{
		bool lazy = false;

		EXPECT(copy_ok(&k, &lazy) && lazy);
	}
	/* A file cut short under it: an error (the copy's SIGBUS, caught), not the end. */
	EXPECT_EQ(truncate(kpath, 0x2000), 0);
	{
		static uint8_t out[0x4000];

		EXPECT_EQ(vmctl_mapped_copy(out, k.data + 0x1000, sizeof(out)), -EIO);
	}
	vmctl_kernel_free(&k);
}

static void test_ramdisk(void)
{
	static uint8_t rd[ELF_SIZE * 2];
	uint8_t *data;
	size_t len, n;
	bool unpacked, mapped;
	char e[256];

	make_elf();
	n = gzip(elf, ELF_SIZE, rd, sizeof(rd));
	put(rpath, rd, n);
	EXPECT_EQ(vmctl_ramdisk_load_cached(&c, rpath, &data, &len, &unpacked, &mapped, err,
					    sizeof(err)), 0);
	/* Gunzipped straight into the entry's file: a mapping of it. */
	EXPECT(unpacked && mapped && c.stored && len == ELF_SIZE && !memcmp(data, elf, len));
	vmctl_ramdisk_free(data, len, mapped);
	EXPECT_EQ(vmctl_ramdisk_load_cached(&c, rpath, &data, &len, &unpacked, &mapped, err,
					    sizeof(err)), 0);
	EXPECT(unpacked && mapped && c.hit && len == ELF_SIZE && !memcmp(data, elf, len));
	vmctl_ramdisk_free(data, len, mapped);
	/* A kernel's entry is not a ramdisk's: kinds have their own. */
	entry_path(e, sizeof(e), 'r');
	EXPECT(e[0]);
	/* A damaged gzip is used as it is and not stored. */
	put(rpath, rd, n / 2);
	EXPECT_EQ(vmctl_ramdisk_load_cached(&c, rpath, &data, &len, &unpacked, &mapped, err,
					    sizeof(err)), 0);
	EXPECT(!unpacked && !mapped && !c.hit && !c.stored && len == n / 2);
	vmctl_ramdisk_free(data, len, mapped);
}

/* The cache directory's entries and temporary files. */
static void dir_count(int *entries, int *tmps)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	*entries = *tmps = 0;
	while (d && (de = readdir(d))) {
		*entries += de->d_name[0] == 'k' || de->d_name[0] == 'r';
		*tmps += !strncmp(de->d_name, ".tmp-", 5);
	}
	if (d)
		closedir(d);
}

static bool dir_empty(void)
{
	int e, t;

	dir_count(&e, &t);
	return !e && !t;
}

static void test_truncated_xz(void)
{
	struct vmctl_kernel k;
	size_t plen;

	/* The whole XZ bzImage: decoded into the entry, then mapped from it. */
	make_bzimage_with(xz);
	want_format = "bzImage (xz)";
	put(kpath, file, file_len);
	EXPECT(load_miss_stored());
	EXPECT(load_hit());
	EXPECT_EQ(vmctl_kcache_clear(&c), 1);
	/* Half its xz stream, the size word after it: the decoding fails half way. */
	plen = (file_len - 1024) / 2;
	memcpy(file + 1024 + plen - 4, file + file_len - 4, 4);
	file[0x24c] = plen & 0xff;
	file[0x24d] = (plen >> 8) & 0xff;
	file[0x24e] = (plen >> 16) & 0xff;
	file_len = 1024 + plen;
	put(kpath, file, file_len);
	EXPECT(vmctl_kernel_load_cached(&c, kpath, &k, err, sizeof(err)) < 0);
	EXPECT(strstr(err, "bzImage xz payload: corrupt"));
	EXPECT(!c.hit && !c.stored && dir_empty());
	/* The next load decodes again and fails again: nothing was kept. */
	EXPECT(vmctl_kernel_load_cached(&c, kpath, &k, err, sizeof(err)) < 0);
	EXPECT(!c.hit && strstr(c.note, "not in the cache") && dir_empty());
}

/* A gzip ramdisk that does not inflate: used as it is, no entry, no temporary file. */
static void load_bad_ramdisk(const uint8_t *rd, size_t n)
{
	uint8_t *data;
	size_t len;
	bool unpacked, mapped;

	put(rpath, rd, n);
	EXPECT_EQ(vmctl_ramdisk_load_cached(&c, rpath, &data, &len, &unpacked, &mapped, err,
					    sizeof(err)), 0);
	EXPECT(!unpacked && !mapped && !c.hit && !c.stored && len == n && !memcmp(data, rd, n));
	/* why it does not inflate is said, in the note (err is for failures) */
	EXPECT(strstr(c.note, "does not inflate (gzip payload: ") &&
	       strstr(c.note, "): used as it is, not cached") && c.kept_packed && !err[0]);
	EXPECT(dir_empty());
	vmctl_ramdisk_free(data, len, mapped);
}

static void test_corrupt_ramdisk(void)
{
	static uint8_t rd[ELF_SIZE * 2];
	size_t n;

	make_elf();
	n = gzip(elf, ELF_SIZE, rd, sizeof(rd));
	/* Damaged half way: inflate stops there. */
	rd[n / 2] ^= 0x55;
	load_bad_ramdisk(rd, n);
	rd[n / 2] ^= 0x55;
	/* Only the CRC wrong: every byte was written into the entry's file first. */
	rd[n - 8] ^= 0x01;
	load_bad_ramdisk(rd, n);
	rd[n - 8] ^= 0x01;
	/* Sound again: stored, and mapped from the cache next. */
	put(rpath, rd, n);
	{
		uint8_t *data;
		size_t len;
		bool unpacked, mapped;

		EXPECT_EQ(vmctl_ramdisk_load_cached(&c, rpath, &data, &len, &unpacked, &mapped,
						    err, sizeof(err)), 0);
		EXPECT(unpacked && c.stored && len == ELF_SIZE && !memcmp(data, elf, len));
		vmctl_ramdisk_free(data, len, mapped);
	}
}

static void test_no_room(void)
{
	struct rlimit old, small;
	struct vmctl_kernel k;
	int e, t;

	/* Files limited to 16 KiB: fallocate of the entry is refused (EFBIG). */
	EXPECT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 16 << 10;
	signal(SIGXFSZ, SIG_IGN);
	EXPECT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
	EXPECT_EQ(load(&k), 0);
	EXPECT_EQ(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	EXPECT(!c.hit && !c.stored && strstr(c.note, "; not stored: no room for 64 KiB") &&
	       strstr(c.note, "(fallocate: "));
	vmctl_kernel_free(&k);
	dir_count(&e, &t);
	EXPECT(!e && !t);
	EXPECT(load_miss_stored());
}

static void crash(struct vmctl_kcache *cc)
{
	(void)cc;
	raise(SIGKILL);
}

/* A load in a child that @before_commit (else after_reserve) kills: nothing may be left. */
static void killed_load(bool before_commit)
{
	int status = 0, e, t;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		struct vmctl_kernel k;

		if (before_commit)
			c.before_commit = crash;
		else
			c.after_reserve = crash;
		(void)load(&k);
		_exit(0);
	}
	EXPECT(pid > 0 && waitpid(pid, &status, 0) == pid);
	EXPECT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	dir_count(&e, &t);
	EXPECT(e == 0 && t == 0);
}

static void test_interrupted_store(void)
{
	/*
	 * vmctl killed with the image decoded into its temporary file, not
	 * linked in yet: the file had no name (O_TMPFILE), nothing is left
	 * (until session 33 a named `.tmp-PID-N` was, for an hour).
	 */
	killed_load(true);
	/* The next load decodes and stores; the one after maps it. */
	EXPECT(load_miss_stored());
	EXPECT(strstr(c.note, "not in the cache"));
	EXPECT(load_hit());
	EXPECT_EQ(vmctl_kcache_clear(&c), 1);
	/* Killed in the decode (the hook right after the temporary file is made). */
	killed_load(false);
}

/* A named temporary file (no O_TMPFILE) of a dead process: its own go. */
static void test_drop_temps(void)
{
	static const char *const names[] = { ".tmp-1234-0", ".tmp-1234-7", ".tmp-12345-0",
					     ".tmp-123-0" };
	char tmp[200];
	unsigned int i;
	int e, t;

	EXPECT(load_miss_stored());	/* the directory, and an entry beside them */
	for (i = 0; i < 4; i++) {
		snprintf(tmp, sizeof(tmp), "%s/%s", dir, names[i]);
		put(tmp, "left by a crash", 15);
	}
	EXPECT_EQ(vmctl_kcache_drop_temps(&c, 1234), 2);
	dir_count(&e, &t);
	EXPECT(e == 1 && t == 2);
	EXPECT_EQ(vmctl_kcache_clear(&c), 3);
}

static int listed;
static void count(void *arg, const struct vmctl_kcache_entry *e)
{
	(void)arg;
	listed += e->valid && e->bytes == ELF_SIZE && !strcmp(e->source, kpath) &&
		  !strcmp(e->src_format, "bzImage (gzip)") && !strcmp(e->format, "bzImage (gzip)");
}

static void test_list_clear(void)
{
	char tmp[200];

	EXPECT(load_miss_stored());
	snprintf(tmp, sizeof(tmp), "%s/.tmp-1-0", dir);
	put(tmp, "left by a crash", 15);
	listed = 0;
	EXPECT_EQ(vmctl_kcache_list(&c, count, NULL), 0);
	EXPECT_EQ(listed, 1);
	EXPECT_EQ(vmctl_kcache_clear(&c), 2);
	listed = 0;
	EXPECT_EQ(vmctl_kcache_list(&c, count, NULL), 0);
	EXPECT_EQ(listed, 0);
	EXPECT(load_miss_stored());
}

int main(void)
{
	static const struct unit_test tests[] = {
		UNIT_TEST(test_hit), UNIT_TEST(test_miss_touch), UNIT_TEST(test_miss_replace),
		UNIT_TEST(test_miss_truncate), UNIT_TEST(test_corrupt_entry), UNIT_TEST(test_full),
		UNIT_TEST(test_no_dir), UNIT_TEST(test_young_and_elf), UNIT_TEST(test_ramdisk),
		UNIT_TEST(test_list_clear), UNIT_TEST(test_truncated_xz),
		UNIT_TEST(test_corrupt_ramdisk), UNIT_TEST(test_no_room),
		UNIT_TEST(test_interrupted_store), UNIT_TEST(test_drop_temps),
	};

	unit_setup = setup;
	unit_teardown = teardown;
	return unit_run_all("dom0_tools/libvmctl/kcache", tests, sizeof(tests) / sizeof(tests[0]));
}
