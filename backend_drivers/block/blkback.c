// SPDX-License-Identifier: GPL-2.0-only
/*
 * blkback: the block backend in dom0 (docs/abi-devices.md §4.4, §5.2, §6.2),
 * serving Linux's xen-blkfront and the project's own frontend.
 *
 * For every device the toolstack puts under /local/domain/0/backend/<type>
 * (default type "qdisk", so Linux's in-kernel xen-blkback never claims it)
 * it opens the image named in `params` (a raw file or a block device;
 * read-only for mode "r"), offers its features and, once the frontend has
 * published its ring, maps the ring pages (1 to 16) through gntdev, binds
 * its event channel and serves requests:
 *   READ, WRITE           an image in memory (tmpfs) without persistent
 *                         grants: grant copies between the guest's pages
 *                         and a pool of pages granted to dom0, both by
 *                         ref, and our copy between the pool and the
 *                         image's mapping (the mapping itself as gntdev's
 *                         side without the pool), a round's requests in
 *                         one gntdev call per direction (mem_batch);
 *                         otherwise io_uring reads and writes on the
 *                         image: with persistent grants (feature-persistent,
 *                         both sides) straight from and into the guest's
 *                         pages, kept mapped through gntdev (an image in
 *                         tmpfs: copied by us, see mem_io()); else the
 *                         data moves between the guest's pages and a
 *                         buffer of ours by grant copy
 *   FLUSH_DISKCACHE       fdatasync, after every earlier request (drain);
 *                         answered once the data is on the image
 *   WRITE_BARRIER         the same, and later requests wait for it
 *   DISCARD               holes punched in a file, BLKDISCARD on a device
 *   INDIRECT              up to 256 segments in up to 8 granted pages
 * Every request is checked (blk_req.c); a bad one is answered
 * BLKIF_RSP_ERROR (or EOPNOTSUPP) and the device goes on. A frontend that
 * breaks its ring (impossible indices) loses its own device only. The
 * xenbus handshake is the shared state machine (common/xenbus_be.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <immintrin.h>
#include <linux/magic.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <liburing.h>
#include <lamina/grant_table.h>
#include <lamina/hypercall.h>
#include <lamina/sched.h>
#include <lamina/io/blkif.h>
#include "blk_req.h"
#include "gnt_be.h"
#include "be_daemon.h"
#include "be_stats.h"
#include "ring_be.h"
#include "xenbus_be.h"
#include "xendev.h"
#include "xs.h"

#define URING_ENTRIES	256
#define REFUSALS_LOGGED	64	/* per connection, with --verbose */
#define CONSUME_ROUNDS	64	/* a device's rounds per turn before the others' */
/*
 * Persistent grants kept mapped per device: Linux's blkfront uses at most
 * (segments + 1 indirect page) per slot, 32 x 33 = 1056 on its default
 * one-page ring; past the cap a request's new grants are copied instead.
 */
#define PGRANT_MAX	2048
#define PGRANT_HASH	4096	/* open addressing, a power of two > PGRANT_MAX */

/*
 * BLKBACK_PROF (make ... BLKBACK_CFLAGS=-DBLKBACK_PROF; off by default):
 * per device, TSC cycles spent in each phase of the data path and counts
 * of the requests and of the calls that reach the hypervisor, logged at
 * disconnect. Under QEMU's -icount the TSC counts instructions.
 */
#ifdef BLKBACK_PROF
#include <x86intrin.h>
enum { PH_RING, PH_GRANT, PH_MEM, PH_SUBMIT, PH_DONE, PH_PUSH, PH_NR };
static const char *const ph_name[PH_NR] = { "ring+check", "grants", "memory-copy", "uring-submit",
					    "completion", "respond+notify" };
struct blk_prof {
	uint64_t cyc[PH_NR];
	unsigned long req, seg, rounds, submits, copy_calls, copy_hcalls, map_calls,
		map_refs, notifies, direct, mem, yields;
};
#define PROF_T0(v)		uint64_t v = __rdtsc()
#define PROF_PH(dk, ph, t0)	((dk)->prof.cyc[ph] += __rdtsc() - (t0))
#define PROF_N(dk, f, n)	((dk)->prof.f += (n))
#else
#define PROF_T0(v)		do { } while (0)
#define PROF_PH(dk, ph, t0)	do { } while (0)
#define PROF_N(dk, f, n)	do { } while (0)
#endif

/* The persistent grants of a device: where each ref is mapped. */
struct pgrants {
	unsigned int count;
	struct { uint32_t ref; char *addr; } slot[PGRANT_HASH];
	unsigned int nareas, areas_cap;
	struct pg_area { void *addr; unsigned int n; uint64_t handle; } *areas;
};

struct disk {
	struct xb_dev *xb;
	int fd;
	bool bdev;
	char *mem;			/* an image in memory (tmpfs): mapped, see mem_io() */
	size_t mem_len;
	size_t warm_at;			/* mem's page tables filled below this (warm_step) */
	char path[256];
	struct blk_limits lim;
	/* while connected */
	void *ring_area;
	uint64_t ring_handle;
	unsigned int ring_pages;
	struct be_ring ring;
	int port;
	bool uring_up;
	struct io_uring uring;
	int efd;
	unsigned int inflight;
	bool drain_next;
	bool need_push;
	bool owed;			/* its turn ended with requests maybe left: again */
	unsigned long served, refused;
	bool offer_pg;			/* feature-persistent offered (--persistent) */
	struct pgrants *pg;		/* feature-persistent negotiated */
	struct be_stats stats;		/* while connected: its file for vmtop */
#ifdef BLKBACK_PROF
	struct blk_prof prof;
#endif
};

struct job {
	struct disk *dk;
	void *buf;		/* our copy of the data (grant copy), or NULL */
	size_t len;
	int pending;
	int status;
	unsigned int niov;	/* where the I/O reads or writes */
	struct iovec iov[BLK_MAX_SEGS];
	struct blk_io io;
};

static struct xendev dev = XENDEV_INIT;
static struct xs_handle *xs;
static struct xb_backend be;
static int verbose;

/*
 * --persistent=auto|on|off: which devices offer feature-persistent. Auto
 * (the default): every device but an image in memory. Linux 6.1's
 * blkfront copies every byte between the request's pages and its own
 * pool of granted pages when persistent grants are used (its `rep movsb`
 * is one instruction a byte under TCG); without them it grants the
 * request's own pages, and an image in memory is then a grant copy
 * between those and the image's mapping (docs/benchmarks.md).
 */
enum { PG_AUTO, PG_ON, PG_OFF };
static int pg_mode = PG_AUTO;
static const struct be_daemon bd = { "blkback", &dev, &xs, &be, &verbose };

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	be_daemon_say("blkback", fmt, ap);
	va_end(ap);
}

static void xb_log(struct xb_backend *b, struct xb_dev *d, const char *msg)
{
	(void)b;
	if (d)
		say("d%u/%u: %s", d->fe_id, d->devid, msg);
	else
		say("%s", msg);
}

/* ---- the image ---- */

/*
 * An image file in memory (tmpfs or ramfs: dom0's /tmp) is mapped whole
 * and a READ or WRITE on persistently mapped grants is a copy between
 * that mapping and the guest's pages, done at once: no I/O can wait
 * there, and the copy is ours, 16 bytes a step (SSE2), where the
 * kernel's copy_to_user/copy_from_user (io_uring's readv/writev) use
 * `rep movsb`, which QEMU's TCG runs one byte per iteration (under
 * -icount, 147 000 instructions for a 128 KiB request; see
 * docs/benchmarks.md). Anything else still goes through io_uring. A
 * file shrunk under us (SIGBUS on the mapping) fails that request alone.
 */
static sigjmp_buf mem_fault;
static volatile sig_atomic_t mem_copying;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)si, (void)uc;
	if (mem_copying)
		siglongjmp(mem_fault, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void mem_map(struct disk *dk, uint64_t bytes, bool ro)
{
	static bool handler;
	struct statfs sf;
	void *p;

	if (!bytes || bytes > SIZE_MAX || fstatfs(dk->fd, &sf) ||
	    (sf.f_type != TMPFS_MAGIC && sf.f_type != RAMFS_MAGIC))
		return;
	p = mmap(NULL, (size_t)bytes, PROT_READ | (ro ? 0 : PROT_WRITE), MAP_SHARED, dk->fd, 0);
	if (p == MAP_FAILED)
		return;
	if (!handler) {
		/* SA_NODEFER: mb_image_copy()'s sigsetjmp keeps no mask (no system call). */
		struct sigaction sa = { .sa_sigaction = on_sigbus,
					.sa_flags = SA_SIGINFO | SA_NODEFER };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGBUS, &sa, NULL);
		handler = true;
	}
	dk->mem = p;
	dk->mem_len = (size_t)bytes;
}

/*
 * The mapping's page tables are filled ahead, a piece per turn of the
 * main loop (MADV_POPULATE_READ), rather than by the guest's first
 * request for each page: there gntdev's pin of our page faults (dom0's
 * kernel filling the page-table entries, each write a trip through the
 * hypervisor for a PV dom0), about 0.3 10^6 instructions a MiB on top of
 * the copy under -icount, the whole difference between 1 MiB reads over
 * fresh pages and writes over pages read before (docs/benchmarks.md,
 * "The reads' first touch"). Only the file's data is filled (SEEK_DATA,
 * SEEK_HOLE): a hole stays a hole, so a sparse image takes no memory
 * for this, only the page tables of what it holds.
 */
#define WARM_PIECE	(2u << 20)

/* One piece of some disk's mapping filled: true while any disk has more. */
static bool warm_step(void)
{
	unsigned int i;

	for (i = 0; i < be.ndev; i++) {
		struct disk *dk = be.dev[i]->priv;
		off_t data, hole;
		size_t end;

		if (!dk || !dk->mem || dk->warm_at >= dk->mem_len)
			continue;
		data = lseek(dk->fd, (off_t)dk->warm_at, SEEK_DATA);
		hole = data < 0 ? -1 : lseek(dk->fd, data, SEEK_HOLE);
		if (data < 0 || hole < 0 || (uint64_t)data >= dk->mem_len) {
			dk->warm_at = dk->mem_len;	/* no more data (ENXIO), or none to find */
			return true;
		}
		data &= ~(off_t)4095;
		end = (uint64_t)hole < dk->mem_len ? (size_t)hole : dk->mem_len;
		if (end - (size_t)data > WARM_PIECE)
			end = (size_t)data + WARM_PIECE;
		/* A file shrunk under us: EFAULT, not SIGBUS; the rest is left to the faults. */
		dk->warm_at = madvise(dk->mem + data, end - (size_t)data, MADV_POPULATE_READ) ?
			      dk->mem_len : end;
		return true;
	}
	return false;
}

/*
 * n bytes (a multiple of 64: whole sectors), 16 at a time: 256 bytes a
 * turn in 16 registers (39 instructions as gcc -Os builds it, 624 a page,
 * against 11 per 64 bytes, 704 a page, in the tail loop); under TCG the
 * instruction count is what a copy costs.
 */
static void copy16(char *dst, const char *src, size_t n)
{
	size_t i = 0;

	for (; i + 256 <= n; i += 256) {
		__m128i r[16];
		unsigned int k;

#pragma GCC unroll 16
		for (k = 0; k < 16; k++)
			r[k] = _mm_loadu_si128((const __m128i *)(src + i + 16 * k));
#pragma GCC unroll 16
		for (k = 0; k < 16; k++)
			_mm_storeu_si128((__m128i *)(dst + i + 16 * k), r[k]);
	}
	for (; i < n; i += 64) {
		__m128i a = _mm_loadu_si128((const __m128i *)(src + i));
		__m128i b = _mm_loadu_si128((const __m128i *)(src + i + 16));
		__m128i c = _mm_loadu_si128((const __m128i *)(src + i + 32));
		__m128i d = _mm_loadu_si128((const __m128i *)(src + i + 48));

		_mm_storeu_si128((__m128i *)(dst + i), a);
		_mm_storeu_si128((__m128i *)(dst + i + 16), b);
		_mm_storeu_si128((__m128i *)(dst + i + 32), c);
		_mm_storeu_si128((__m128i *)(dst + i + 48), d);
	}
}

/*
 * copy16 with AVX's 32-byte moves: 256 bytes a turn in 8 registers, half
 * of copy16's moves (about 20 instructions a turn, 320 a page; a whole
 * page unrolled, 256 moves and no loop, about 260). For a
 * CPU whose OS saves the YMM state (picked at start: copy_img); the
 * upper halves are cleared after (vzeroupper), so later SSE code pays no
 * transition.
 */
__attribute__((target("avx"), always_inline)) static inline void copy32_turn(char *dst,
									    const char *src)
{
	__m256i r[8];
	unsigned int k;

#pragma GCC unroll 8
	for (k = 0; k < 8; k++)
		r[k] = _mm256_loadu_si256((const __m256i *)(src + 32 * k));
#pragma GCC unroll 8
	for (k = 0; k < 8; k++)
		_mm256_storeu_si256((__m256i *)(dst + 32 * k), r[k]);
}

__attribute__((target("avx"))) static void copy32(char *dst, const char *src, size_t n)
{
	size_t i = 0;

	if (n == 4096) {	/* a whole page, the usual piece: unrolled, 256 moves */
#pragma GCC unroll 16
		for (i = 0; i < 4096; i += 256)
			copy32_turn(dst + i, src + i);
		_mm256_zeroupper();
		return;
	}
	for (; i + 256 <= n; i += 256)
		copy32_turn(dst + i, src + i);
	for (; i < n; i += 64) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(src + i));
		__m256i b = _mm256_loadu_si256((const __m256i *)(src + i + 32));

		_mm256_storeu_si256((__m256i *)(dst + i), a);
		_mm256_storeu_si256((__m256i *)(dst + i + 32), b);
	}
	_mm256_zeroupper();
}

/* The image copies' loop: copy32 where AVX is usable (cpuid and XCR0), else copy16. */
static void (*copy_img)(char *dst, const char *src, size_t n) = copy16;

static void copy_img_pick(void)
{
	__builtin_cpu_init();
	copy_img = __builtin_cpu_supports("avx") ? copy32 : copy16;
}

/*
 * A checked READ or WRITE between the mapping and @iov (whole sectors at
 * @off, inside the disk: blk_req.c checked the range against the size we
 * mapped): BLKIF_RSP_OKAY, or BLKIF_RSP_ERROR if the file shrank.
 */
static int mem_io(struct disk *dk, bool write, const struct iovec *iov, unsigned int niov,
		  uint64_t at)
{
	volatile uint64_t off = at;	/* (not kept in a register across the longjmp) */
	unsigned int i;

	if (sigsetjmp(mem_fault, 1)) {
		mem_copying = 0;
		return BLKIF_RSP_ERROR;
	}
	mem_copying = 1;
	for (i = 0; i < niov; i++) {
		char *img = dk->mem + off;

		if (write)
			copy_img(img, iov[i].iov_base, iov[i].iov_len);
		else
			copy_img(iov[i].iov_base, img, iov[i].iov_len);
		off = off + iov[i].iov_len;
	}
	mem_copying = 0;
	return BLKIF_RSP_OKAY;
}

static int bd_probe(struct xb_backend *b, struct xb_dev *d)
{
	struct disk *dk;
	char *params = NULL, *mode = NULL, *p;
	struct stat st;
	uint64_t bytes;
	bool ro;
	int rc;

	rc = xb_be_read(b, d, false, "params", &params);
	if (rc)
		return rc;
	rc = xb_be_read(b, d, false, "mode", &mode);
	ro = !rc && (mode[0] == 'r');
	if (!rc)
		free(mode);
	/* "raw:/path", "aio:/path" (xl's prefixes) or a path; other formats are not ours. */
	p = params;
	if (!strncmp(p, "raw:", 4) || !strncmp(p, "aio:", 4) || !strncmp(p, "file:", 5) ||
	    !strncmp(p, "phy:", 4))
		p = strchr(p, ':') + 1;
	if (*p != '/') {
		say("d%u/%u: params %s: not a raw image path", d->fe_id, d->devid, params);
		free(params);
		return -EINVAL;
	}
	dk = calloc(1, sizeof(*dk));
	if (!dk) {
		free(params);
		return -ENOMEM;
	}
	dk->xb = d;
	dk->port = -1;
	dk->efd = -1;
	snprintf(dk->path, sizeof(dk->path), "%s", p);
	free(params);
	dk->fd = open(dk->path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (dk->fd < 0 || fstat(dk->fd, &st)) {
		rc = -errno;
		say("d%u/%u: %s: %s", d->fe_id, d->devid, dk->path, strerror(errno));
		goto fail;
	}
	rc = 0;
	if (S_ISBLK(st.st_mode)) {
		dk->bdev = true;
		if (ioctl(dk->fd, BLKGETSIZE64, &bytes)) {
			rc = -errno;
			goto fail;
		}
	} else if (S_ISREG(st.st_mode)) {
		bytes = (uint64_t)st.st_size;
		mem_map(dk, bytes, ro);
	} else {
		rc = -EINVAL;
		goto fail;
	}
	dk->lim.sectors = bytes / 512;
	dk->lim.readonly = ro;
	dk->lim.discard = !ro;
	dk->lim.max_indirect = BLK_MAX_INDIRECT_SEGS;
	d->priv = dk;
	if (dk->mem)
		say("d%u/%u: %s is in memory (tmpfs): reads and writes copied from and to its mapping",
		    d->fe_id, d->devid, dk->path);
	/* What Linux's blkfront reads (by InitWait for the ring's, by Connected for the rest). */
	xb_be_write(b, d, "feature-flush-cache", "1");
	xb_be_write(b, d, "feature-barrier", "1");
	xb_be_write(b, d, "feature-discard", "%d", dk->lim.discard);
	if (dk->lim.discard) {
		xb_be_write(b, d, "discard-granularity", "4096");
		xb_be_write(b, d, "discard-alignment", "0");
		xb_be_write(b, d, "discard-secure", "0");
	}
	dk->offer_pg = pg_mode == PG_ON || (pg_mode == PG_AUTO && !dk->mem);
	xb_be_write(b, d, "feature-persistent", "%d", dk->offer_pg);
	xb_be_write(b, d, "feature-max-indirect-segments", "%u", dk->lim.max_indirect);
	xb_be_write(b, d, "max-ring-page-order", "%u", BLKIF_MAX_RING_PAGE_ORDER);
	/* One queue (as Linux's xen-blkback offers its count; some frontends need it). */
	xb_be_write(b, d, "multi-queue-max-queues", "1");
	say("d%u/%u: %s (%s, %llu sectors%s)", d->fe_id, d->devid, dk->path,
	    dk->bdev ? "block device" : "file", (unsigned long long)dk->lim.sectors,
	    ro ? ", read-only" : "");
	return 0;
fail:
	if (dk->mem)
		munmap(dk->mem, dk->mem_len);
	if (dk->fd >= 0)
		close(dk->fd);
	free(dk);
	return rc ? rc : -EINVAL;
}

static void bd_remove(struct xb_backend *b, struct xb_dev *d)
{
	struct disk *dk = d->priv;

	(void)b;
	if (!dk)
		return;
	if (dk->mem)
		munmap(dk->mem, dk->mem_len);
	close(dk->fd);
	free(dk);
	d->priv = NULL;
}

/* ---- responses ---- */

static void respond(struct disk *dk, uint64_t id, uint8_t op, int status)
{
	struct blkif_response *r = be_ring_rsp_slot(&dk->ring, BLKIF_SLOT_SIZE);

	r->id = id;
	r->operation = op;
	r->_pad = 0;
	r->status = (int16_t)status;
	r->_pad2 = 0;
	dk->need_push = true;
	if (status == BLKIF_RSP_OKAY)
		dk->served++;
	else
		dk->refused++;
}

static void push(struct disk *dk)
{
	if (!dk->need_push || !dk->ring_area)
		return;
	dk->need_push = false;
	if (be_ring_push(&dk->ring)) {
		PROF_N(dk, notifies, 1);
		xendev_notify(&dev, (unsigned int)dk->port);
	}
}

/*
 * Jobs answered, kept for the next requests (up to JOB_SPARES, a ring's
 * worth twice over): a job is 6 KiB (its segments and iovecs), which
 * glibc's malloc takes from its large bins, a few hundred instructions a
 * request with free(). Worse, at queue depth 32 a round's jobs, freed
 * together, left more than glibc's trim threshold (128 KiB) free at the
 * heap's top: free() gave it back to the kernel (brk) and the next round
 * faulted it in again page by page, each fault a trip through dom0's
 * kernel and the hypervisor (blkback's minor faults in a random-read run
 * went from 11 270 to 17 465 with nothing but a shorter copy32 changing
 * how the rounds fell: docs/benchmarks.md, "The grant copy's ops written
 * straight, jobs kept").
 */
#define JOB_SPARES	64
static struct job *spare_jobs[JOB_SPARES];
static unsigned int nspare;

static struct job *job_new(void)
{
	return nspare ? spare_jobs[--nspare] : malloc(sizeof(struct job));
}

static void job_free(struct job *j)
{
	if (nspare < JOB_SPARES)
		spare_jobs[nspare++] = j;
	else
		free(j);
}

static void finish(struct job *j, int status)
{
	struct disk *dk = j->dk;

	respond(dk, j->io.id, j->io.rsp_op, status);
	blk_req_account(dk->stats.v, &j->io, status, dk->inflight);
	be_stats_changed(&dk->stats);
	/* A frontend sending only bad requests must not fill dom0's log. */
	if (status != BLKIF_RSP_OKAY && verbose && dk->refused <= REFUSALS_LOGGED)
		say("d%u/%u: request %llu (op %u, sector %llu, %llu sectors) answered %d%s",
		    dk->xb->fe_id, dk->xb->devid, (unsigned long long)j->io.id, j->io.rsp_op,
		    (unsigned long long)j->io.sector, (unsigned long long)j->io.nr_sectors, status,
		    dk->refused == REFUSALS_LOGGED ? " (later refusals only counted)" : "");
	free(j->buf);
	job_free(j);
}

/* Between the job's buffer and the guest's segments. */
static int copy_segments(struct disk *dk, struct job *j, int to_guest)
{
	struct be_copy *c;
	size_t at = 0;
	unsigned int i;
	int rc;

	c = calloc(j->io.nseg, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (i = 0; i < j->io.nseg; i++) {
		c[i].local = (char *)j->buf + at;
		c[i].gref = j->io.seg[i].gref;
		c[i].offset = j->io.seg[i].offset;
		c[i].len = j->io.seg[i].len;
		at += j->io.seg[i].len;
	}
	PROF_N(dk, copy_calls, 1);
	PROF_N(dk, copy_hcalls, (j->io.nseg + 15) / 16);	/* gntdev's batches of 16 */
	rc = be_grant_copy(&dev, dk->xb->fe_id, c, j->io.nseg, to_guest);
	free(c);
	return rc;
}

/*
 * An image in memory without persistent grants: a READ or WRITE is a
 * grant copy between the guest's own granted pages and the image, no
 * io_uring. The round's such requests are gathered and copied together,
 * in as few IOCTL_GNTDEV_GRANT_COPY calls as there are changes of
 * direction (a read after a write of the same round goes after it;
 * gntdev marks the pages of one call dirty or not as a whole, so the two
 * are never mixed in one). Anything else a round starts copies what is
 * gathered first, so requests keep their order. Each segment has its own
 * status: a bad ref fails its request alone.
 *
 * The copy goes through a pool of pages dom0 grants to itself (mb_pool,
 * gntalloc): a read is copied from the image into the pool by us
 * (copy_img: copy32 or copy16), then from the pool to the guest's grants
 * with both sides of each piece named by grant ref (one GNTTABOP_copy
 * through privcmd, or gntdev's ioctl: gnt_be.h); a write the other way round, and only a
 * request whose every piece came in is written to the image. gntdev then
 * pins no page of ours: given our side as an address (the fallback, where
 * gntalloc is missing or full: the image's mapping itself) Linux 6.1's
 * gntdev takes a reference on that page for every piece and call (about
 * 2 400 instructions a page of dom0's kernel under -icount, against 620
 * for copy16 (about 320 for copy32) and 130 for the hypervisor's check of the second grant;
 * docs/benchmarks.md, "Copies by ref on both sides for blkback"). The
 * pages are granted to dom0 only: no guest can map or copy them. One pool
 * serves every device, as the batch holds one device's requests at a time
 * (MB_PIECES pages, 2 MiB). A file shrunk under us fails every request of
 * the batch: SIGBUS in copy_img on the pool path, gntdev's pin on the other.
 */
#define MB_PIECES	512	/* segments gathered at most (a request has 256 at most) */
static struct mem_batch {
	struct disk *dk;
	bool write;
	unsigned int n, njobs;
	struct be_copy c[MB_PIECES];
	char *img[MB_PIECES];		/* piece i's bytes in the image */
	struct job *job[MB_PIECES];
	unsigned int first[MB_PIECES];	/* job k's segments: c[first[k]..] */
} mb;

/* -DBLKBACK_SELF_GRANTS=0: no pool, gntdev pins the image's pages (to compare). */
#ifndef BLKBACK_SELF_GRANTS
#define BLKBACK_SELF_GRANTS 1
#endif
#define SELF_DOMID	0	/* blkback runs in dom0 */
static struct be_selfbuf mb_pool;	/* MB_PIECES pages granted to dom0; addr NULL: none */
static int mb_pool_err = -ENODEV;	/* why there is none (-errno) */

/* The pool made if it is not yet (and can be): 0 or -errno. */
static int mb_pool_make(void)
{
	if (!mb_pool.addr && BLKBACK_SELF_GRANTS && dev.gntalloc_fd >= 0)
		mb_pool_err = be_selfbuf_alloc(&dev, &mb_pool, MB_PIECES, SELF_DOMID);
	return mb_pool.addr ? 0 : mb_pool_err;
}

/*
 * The pool at the connect of a device that copies to an image in memory:
 * made at blkback's start (so dom0's memory and grant table do not grow
 * while a domain is being made: a toolstack's before/after count of free
 * pages stays even), tried again here while gntalloc refused it, kept
 * until blkback ends. Says which way the device's copies go.
 */
static void mb_pool_up(struct disk *dk)
{
	mb_pool_make();
	if (mb_pool.addr)
		say("d%u/%u: copies by grant ref on both sides (a pool of %u pages granted to dom0)",
		    dk->xb->fe_id, dk->xb->devid, mb_pool.pages);
	else
		say("d%u/%u: copies to and from the image's pages, pinned by gntdev (no pool "
		    "granted to dom0: %s)", dk->xb->fe_id, dk->xb->devid,
		    BLKBACK_SELF_GRANTS ? strerror(-mb_pool_err) : "built without");
}

/*
 * The image's side of a batch on the pool: into the pool (a read) or out
 * of it into the image (a write: only the requests whose pieces all came
 * in). False if the file shrank under us (SIGBUS).
 */
static bool mb_image_copy(void)
{
	unsigned int i, k;

	if (sigsetjmp(mem_fault, 0)) {
		mem_copying = 0;
		return false;
	}
	mem_copying = 1;
	if (!mb.write) {
		for (i = 0; i < mb.n; i++)
			copy_img(mb.c[i].local, mb.img[i], mb.c[i].len);
	} else {
		for (k = 0; k < mb.njobs; k++) {
			unsigned int first = mb.first[k], n = mb.job[k]->io.nseg;

			for (i = 0; i < n; i++)
				if (mb.c[first + i].status != GNTST_okay)
					break;
			if (i < n)
				continue;	/* a piece did not come in: nothing of it written */
			for (i = 0; i < n; i++)
				copy_img(mb.img[first + i], mb.c[first + i].local, mb.c[first + i].len);
		}
	}
	mem_copying = 0;
	return true;
}

/* -DBLKBACK_COPY_HCALL=0: --copies=gntdev the default (for A/B runs where vmctl starts blkback). */
#ifndef BLKBACK_COPY_HCALL
#define BLKBACK_COPY_HCALL 1
#endif
static bool copy_hcall = BLKBACK_COPY_HCALL;	/* --copies=hypercall: copies by ref through privcmd */

/* Says once that the copies by ref went back to gntdev (a hypercall answered -EFAULT: gnt_be.h). */
static void copy_hcall_check(void)
{
	if (copy_hcall && !be_copy_by_hcall(&dev)) {
		copy_hcall = false;
		say("grant copies by ref on both sides: GNTTABOP_copy could not read its ops (EFAULT); "
		    "through gntdev from now on");
	}
}

/* The batch through the pool: 0, -EIO (a piece failed) or another -errno (all failed). */
static int mb_by_ref(struct disk *dk)
{
	unsigned int i;
	int rc;

	for (i = 0; i < mb.n; i++)
		mb.c[i].local = mb_pool.addr + (size_t)i * 4096;
	if (!mb.write)
		return mb_image_copy() ? be_grant_copy_self(&dev, dk->xb->fe_id, &mb_pool, mb.c,
							    mb.n, 1) : -EFAULT;
	rc = be_grant_copy_self(&dev, dk->xb->fe_id, &mb_pool, mb.c, mb.n, 0);
	if (rc && rc != -EIO)
		return rc;
	return mb_image_copy() ? rc : -EFAULT;
}

static void mb_flush(void)
{
	struct disk *dk = mb.dk;
	unsigned int k, i;
	int rc;

	if (!mb.njobs)
		return;
	PROF_T0(t0);
	PROF_N(dk, copy_calls, (mb.n + GNT_BE_COPY_BATCH - 1) / GNT_BE_COPY_BATCH);
	PROF_N(dk, copy_hcalls, (mb.n + 15) / 16);	/* gntdev's batches of 16 */
	if (mb_pool.addr) {
		rc = mb_by_ref(dk);
		copy_hcall_check();
	} else {
		for (i = 0; i < mb.n; i++)
			mb.c[i].local = mb.img[i];
		rc = be_grant_copy(&dev, dk->xb->fe_id, mb.c, mb.n, !mb.write);
	}
	PROF_PH(dk, PH_MEM, t0);
	for (k = 0; k < mb.njobs; k++) {
		struct job *j = mb.job[k];
		int st = rc && rc != -EIO ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY;

		for (i = 0; i < j->io.nseg && st == BLKIF_RSP_OKAY; i++)
			if (mb.c[mb.first[k] + i].status != GNTST_okay)
				st = BLKIF_RSP_ERROR;
		finish(j, st);
	}
	mb.n = mb.njobs = 0;
	mb.dk = NULL;
}

/* Gathers a checked READ or WRITE inside the mapping; it is answered at mb_flush(). */
static void mb_add(struct disk *dk, struct job *j, uint64_t off)
{
	bool write = j->io.kind == BLK_WRITE;
	unsigned int i;

	if (mb.njobs && (mb.dk != dk || mb.write != write || mb.n + j->io.nseg > MB_PIECES))
		mb_flush();
	mb.dk = dk;
	mb.write = write;
	mb.first[mb.njobs] = mb.n;
	mb.job[mb.njobs++] = j;
	/*
	 * Field by field: a compound literal was zeroed first with `rep stosl`
	 * (six instructions a piece under TCG). A status stays an error until
	 * a copy sets it, so a piece no copy reached never passes for done.
	 */
	for (i = 0; i < j->io.nseg; i++) {
		struct be_copy *c = &mb.c[mb.n];

		mb.img[mb.n++] = dk->mem + off;
		c->local = NULL;
		c->gref = j->io.seg[i].gref;
		c->offset = j->io.seg[i].offset;
		c->len = j->io.seg[i].len;
		c->status = GNTST_general_error;
		off += j->io.seg[i].len;
	}
	j->pending = 1;
	PROF_N(dk, mem, 1);
}

/* ---- persistent grants ---- */

static unsigned int pg_hash(uint32_t ref)
{
	return (ref * 2654435761u) >> 20;	/* 12 bits: PGRANT_HASH */
}

static char *pg_find(const struct pgrants *pg, uint32_t ref)
{
	unsigned int h = pg_hash(ref), i;

	for (i = 0; i < PGRANT_HASH; i++, h = (h + 1) & (PGRANT_HASH - 1)) {
		if (!pg->slot[h].addr)
			return NULL;
		if (pg->slot[h].ref == ref)
			return pg->slot[h].addr;
	}
	return NULL;
}

static void pg_insert(struct pgrants *pg, uint32_t ref, char *addr)
{
	unsigned int h = pg_hash(ref);

	while (pg->slot[h].addr)
		h = (h + 1) & (PGRANT_HASH - 1);
	pg->slot[h].ref = ref;
	pg->slot[h].addr = addr;
	pg->count++;
}

/*
 * Every one of @refs mapped (those not mapped yet in one gntdev batch, kept
 * until the device disconnects): 0, or -ENOSPC past PGRANT_MAX (the caller
 * copies instead) or another -errno (a ref the frontend may not grant us:
 * the request fails).
 */
static int pg_map(struct disk *dk, const uint32_t *refs, unsigned int n)
{
	struct pgrants *pg = dk->pg;
	uint32_t fresh[BLK_MAX_SEGS + BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	unsigned int nf = 0, i, k;
	struct pg_area *a;
	uint64_t handle;
	char *p;

	for (i = 0; i < n; i++) {
		if (pg_find(pg, refs[i]))
			continue;
		for (k = 0; k < nf && fresh[k] != refs[i]; k++)
			;
		if (k == nf && nf < sizeof(fresh) / sizeof(fresh[0]))
			fresh[nf++] = refs[i];
	}
	if (!nf)
		return 0;
	if (pg->count + nf > PGRANT_MAX)
		return -ENOSPC;
	if (pg->nareas == pg->areas_cap) {
		unsigned int cap = pg->areas_cap ? 2 * pg->areas_cap : 64;

		a = realloc(pg->areas, cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		pg->areas = a;
		pg->areas_cap = cap;
	}
	PROF_N(dk, map_calls, 1);
	PROF_N(dk, map_refs, nf);
	p = be_map_refs(&dev, dk->xb->fe_id, fresh, nf, &handle);
	if (!p)
		return -errno;
	pg->areas[pg->nareas++] = (struct pg_area){ p, nf, handle };
	for (k = 0; k < nf; k++)
		pg_insert(pg, fresh[k], p + k * 4096UL);
	return 0;
}

static void pg_release(struct disk *dk)
{
	unsigned int i;

	if (!dk->pg)
		return;
	for (i = 0; i < dk->pg->nareas; i++)
		be_unmap_refs(&dev, dk->pg->areas[i].addr, dk->pg->areas[i].n,
			      dk->pg->areas[i].handle);
	free(dk->pg->areas);
	free(dk->pg);
	dk->pg = NULL;
}

/*
 * The job's I/O vector: straight into the guest's persistently mapped
 * pages when it can be (0), else our own buffer (1; the caller copies),
 * or -1 when there is no memory for one.
 */
static int job_iov(struct disk *dk, struct job *j)
{
	uint32_t refs[BLK_MAX_SEGS];
	unsigned int i;
	int rc = -ENOSPC;

	if (dk->pg) {
		for (i = 0; i < j->io.nseg; i++)
			refs[i] = j->io.seg[i].gref;
		rc = pg_map(dk, refs, j->io.nseg);
	}
	if (!rc) {
		for (i = 0; i < j->io.nseg; i++)
			j->iov[i] = (struct iovec){ pg_find(dk->pg, j->io.seg[i].gref) +
						    j->io.seg[i].offset, j->io.seg[i].len };
		j->niov = j->io.nseg;
		PROF_N(dk, direct, 1);
		return 0;
	}
	/*
	 * Past the cap, or a grant we may not map writable (a frontend's
	 * read-only grant for a write, a bad ref): copy instead, which works
	 * for the first and fails the request for the rest.
	 */
	if (posix_memalign(&j->buf, 4096, j->len))
		return -1;
	j->iov[0] = (struct iovec){ j->buf, j->len };
	j->niov = 1;
	return 1;
}

/* The indirect pages' segment lists, copied in, then checked. */
static int fetch_indirect(struct disk *dk, struct job *j)
{
	struct blkif_request_segment *segs;
	struct be_copy c[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	unsigned int i, n = j->io.nr_indirect;
	int st;

	/*
	 * Into the pool's first pages, both sides by ref, where there is a
	 * pool: it is used only inside mb_flush(), never while a request is
	 * being taken, and no guest can map or copy its pages. (A copy into
	 * a buffer of ours by address has gntdev pin its page for every piece.)
	 */
	if (mb_pool.addr && !dk->pg) {
		for (i = 0; i < n; i++)
			c[i] = (struct be_copy){ .local = mb_pool.addr + i * 4096UL,
						 .gref = j->io.indirect_grefs[i], .len = 4096 };
		st = be_grant_copy_self(&dev, dk->xb->fe_id, &mb_pool, c, n, 0) ?
		     BLKIF_RSP_ERROR : blk_req_segments((void *)mb_pool.addr, &dk->lim, &j->io);
		copy_hcall_check();
		return st;
	}
	segs = malloc(n * 4096UL);
	if (!segs)
		return BLKIF_RSP_ERROR;
	/* Mapped persistently: copied out once here, then checked on our copy. */
	if (dk->pg && !pg_map(dk, j->io.indirect_grefs, n)) {
		for (i = 0; i < n; i++)
			memcpy((char *)segs + i * 4096UL, pg_find(dk->pg, j->io.indirect_grefs[i]),
			       4096);
		st = blk_req_segments(segs, &dk->lim, &j->io);
		free(segs);
		return st;
	}
	for (i = 0; i < n; i++)
		c[i] = (struct be_copy){ .local = (char *)segs + i * 4096UL,
					 .gref = j->io.indirect_grefs[i], .offset = 0, .len = 4096 };
	if (be_grant_copy(&dev, dk->xb->fe_id, c, n, 0))
		st = BLKIF_RSP_ERROR;
	else
		st = blk_req_segments(segs, &dk->lim, &j->io);
	free(segs);
	return st;
}

static struct io_uring_sqe *sqe_for(struct disk *dk)
{
	struct io_uring_sqe *s = io_uring_get_sqe(&dk->uring);

	if (!s) {
		io_uring_submit(&dk->uring);
		s = io_uring_get_sqe(&dk->uring);
	}
	return s;
}

/* Starts a checked request; a status if it ends here (the job is freed then). */
static int start(struct disk *dk, struct job *j)
{
	struct io_uring_sqe *s, *s2;
	uint64_t off = j->io.sector * 512;
	unsigned int drain = 0;

	int copy = 0;

	j->len = (size_t)j->io.nr_sectors * 512;
	/* In memory, no persistent grants, nothing queued before it in io_uring: gathered. */
	if (dk->mem && !dk->pg && !dk->inflight && !dk->drain_next &&
	    (j->io.kind == BLK_READ || j->io.kind == BLK_WRITE) && off + j->len <= dk->mem_len) {
		mb_add(dk, j, off);
		return BLKIF_RSP_OKAY;
	}
	mb_flush();	/* what was gathered goes first */
	if (j->len && j->io.kind != BLK_DISCARD) {
		PROF_T0(t0);
		copy = job_iov(dk, j);
		/* A write's data comes in now; a read's goes out at completion. */
		if (copy == 1 && j->io.kind != BLK_READ && copy_segments(dk, j, 0))
			copy = -1;
		PROF_PH(dk, PH_GRANT, t0);
		if (copy < 0)
			return BLKIF_RSP_ERROR;
	}
	/*
	 * In memory, on the guest's own pages, with nothing queued before it
	 * (a flush or barrier still in io_uring keeps its order): done here.
	 */
	if (dk->mem && !copy && !dk->inflight && !dk->drain_next &&
	    (j->io.kind == BLK_READ || j->io.kind == BLK_WRITE) &&
	    off + j->len <= dk->mem_len) {
		int st;
		PROF_T0(t1);

		st = mem_io(dk, j->io.kind == BLK_WRITE, j->iov, j->niov, off);
		PROF_N(dk, mem, 1);
		PROF_PH(dk, PH_MEM, t1);
		return st == BLKIF_RSP_OKAY ? -1000 : st;
	}
	if (dk->drain_next) {
		drain = IOSQE_IO_DRAIN;
		dk->drain_next = false;
	}
	switch (j->io.kind) {
	case BLK_READ:
		s = sqe_for(dk);
		if (!s)
			return BLKIF_RSP_ERROR;
		io_uring_prep_readv(s, dk->fd, j->iov, j->niov, off);
		break;
	case BLK_WRITE:
		s = sqe_for(dk);
		if (!s)
			return BLKIF_RSP_ERROR;
		io_uring_prep_writev(s, dk->fd, j->iov, j->niov, off);
		break;
	case BLK_FLUSH:
	case BLK_BARRIER:
		/* Everything before it first (drain); its own data, then fdatasync. */
		drain = IOSQE_IO_DRAIN;
		if (j->io.kind == BLK_BARRIER)
			dk->drain_next = true;
		if (j->len) {
			if (io_uring_sq_space_left(&dk->uring) < 2)
				io_uring_submit(&dk->uring);
			s = sqe_for(dk);
			s2 = s ? sqe_for(dk) : NULL;
			if (!s2)
				return BLKIF_RSP_ERROR;
			io_uring_prep_writev(s, dk->fd, j->iov, j->niov, off);
			io_uring_sqe_set_flags(s, drain | IOSQE_IO_LINK);
			io_uring_sqe_set_data(s, j);
			io_uring_prep_fsync(s2, dk->fd, IORING_FSYNC_DATASYNC);
			io_uring_sqe_set_data(s2, j);
			j->pending = 2;
			dk->inflight++;
			return BLKIF_RSP_OKAY;
		}
		s = sqe_for(dk);
		if (!s)
			return BLKIF_RSP_ERROR;
		io_uring_prep_fsync(s, dk->fd, IORING_FSYNC_DATASYNC);
		break;
	case BLK_DISCARD:
		if (!j->len)
			return -1000;	/* nothing to do: answered OKAY below */
		if (dk->bdev) {
			uint64_t range[2] = { off, j->len };

			return ioctl(dk->fd, BLKDISCARD, range) ? BLKIF_RSP_ERROR : -1000;
		}
		s = sqe_for(dk);
		if (!s)
			return BLKIF_RSP_ERROR;
		io_uring_prep_fallocate(s, dk->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					off, j->len);
		break;
	default:
		return BLKIF_RSP_ERROR;
	}
	io_uring_sqe_set_flags(s, drain);
	io_uring_sqe_set_data(s, j);
	j->pending = 1;
	dk->inflight++;
	return BLKIF_RSP_OKAY;
}

/* The rest of a transfer that stopped after @done bytes: 0, or -1. */
static int finish_short(struct disk *dk, struct job *j, size_t done)
{
	struct iovec *v = j->iov;
	unsigned int nv = j->niov;
	uint64_t off = j->io.sector * 512 + done;
	size_t skip = done;

	/* j->iov is ours (only the kernel read it): move its start on. */
	while (nv && skip >= v->iov_len) {
		skip -= v->iov_len;
		v++, nv--;
	}
	if (nv) {
		v->iov_base = (char *)v->iov_base + skip;
		v->iov_len -= skip;
	}
	while (done < j->len && nv) {
		ssize_t n = j->io.kind == BLK_READ ? preadv(dk->fd, v, (int)nv, (off_t)off) :
						     pwritev(dk->fd, v, (int)nv, (off_t)off);

		if (n <= 0)
			return -1;
		done += (size_t)n;
		off += (uint64_t)n;
		while (nv && (size_t)n >= v->iov_len) {
			n -= (ssize_t)v->iov_len;
			v++, nv--;
		}
		if (nv) {
			v->iov_base = (char *)v->iov_base + n;
			v->iov_len -= (size_t)n;
		}
	}
	return done < j->len ? -1 : 0;
}

static void complete(struct disk *dk, struct io_uring_cqe *cqe)
{
	struct job *j = io_uring_cqe_get_data(cqe);
	int res = cqe->res;

	if (!j)
		return;
	if (res < 0) {
		j->status = BLKIF_RSP_ERROR;
	} else if ((j->io.kind == BLK_READ || j->io.kind == BLK_WRITE ||
		    (j->pending == 2 && j->len)) && (size_t)res != j->len) {
		/* A short transfer: finish it here. */
		if (finish_short(dk, j, (size_t)res))
			j->status = BLKIF_RSP_ERROR;
	}
	if (--j->pending > 0)
		return;
	dk->inflight--;
	if (j->status == BLKIF_RSP_OKAY && j->io.kind == BLK_READ && j->buf) {
		PROF_T0(t0);
		if (copy_segments(dk, j, 1))
			j->status = BLKIF_RSP_ERROR;
		PROF_PH(dk, PH_GRANT, t0);
	}
	finish(j, j->status);
}

/* Answers whatever io_uring has finished (no push). */
static void completions(struct disk *dk)
{
	struct io_uring_cqe *cqe;
#ifdef BLKBACK_PROF
	uint64_t t0 = __rdtsc(), g0 = dk->prof.cyc[PH_GRANT];
#endif

	while (io_uring_peek_cqe(&dk->uring, &cqe) == 0) {
		complete(dk, cqe);
		io_uring_cqe_seen(&dk->uring, cqe);
	}
#ifdef BLKBACK_PROF
	/* A read's copy to the guest counts as grants, not here. */
	dk->prof.cyc[PH_DONE] += __rdtsc() - t0 - (dk->prof.cyc[PH_GRANT] - g0);
#endif
}

static void reap(struct disk *dk)
{
	uint64_t v;

	if (dk->efd >= 0 && read(dk->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	completions(dk);
	PROF_T0(t0);
	push(dk);
	PROF_PH(dk, PH_PUSH, t0);
}

/* Takes the next request off the ring, checks it and starts it (or answers it). */
static void take_request(struct disk *dk)
{
	union blkif_slot slot;
	struct job *j = job_new();
	int st;
	PROF_T0(t0);

	be_ring_take(&dk->ring, &slot, BLKIF_SLOT_SIZE);
	if (!j) {
		respond(dk, slot.req.id, slot.req.operation, BLKIF_RSP_ERROR);
		return;
	}
	/* Not the iovecs (filled before use): the rest zeroed. */
	memset(j, 0, offsetof(struct job, iov));
	memset(&j->io, 0, offsetof(struct blk_io, seg));
	j->dk = dk;
	st = blk_req_parse(&slot, &dk->lim, &j->io);
	PROF_N(dk, req, 1);
	PROF_PH(dk, PH_RING, t0);
	if (st == BLKIF_RSP_OKAY && j->io.indirect) {
		PROF_T0(t1);
		st = fetch_indirect(dk, j);
		PROF_PH(dk, PH_GRANT, t1);
	}
	if (st == BLKIF_RSP_OKAY) {
		PROF_N(dk, seg, j->io.nseg);
		st = start(dk, j);
	}
	if (st == -1000)
		finish(j, BLKIF_RSP_OKAY);
	else if (st != BLKIF_RSP_OKAY || !j->pending)
		finish(j, st);
}

/*
 * --yield: after a round that left the ring empty, the rest of dom0's
 * slice goes to whoever is runnable (SCHEDOP_yield through privcmd)
 * before blkback asks for an event and sleeps. A frontend at a queue
 * depth above 1 on the same CPU was preempted by the event that woke us
 * (the hypervisor runs a woken vCPU at once); without this it gets the
 * CPU back only when we block, with our next event asked for, so each
 * request it then publishes wakes us again and every round is one
 * request. Yielding with no event asked for lets it publish all it has
 * (no event: req_event is behind) and block, and the next round takes
 * them all: one grant copy and one answer for them. On by default
 * (--no-yield turns it off): a CPU-bound domain on the same CPU did not
 * gain from it, and the frontend gained the most (README, "Rounds").
 */
static bool yield_on = true;
static bool copy_wide = true;	/* --image-copy=auto: copy32 where AVX is usable */

static void yield_cpu(struct disk *dk)
{
	(void)dk;
	PROF_N(dk, yields, 1);
	xendev_hypercall(&dev, __HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0);
}

/*
 * Another connected device has requests on its ring or I/O in io_uring
 * (its completions are reaped by the main loop): read from the rings
 * themselves, no system call.
 */
static bool others_waiting(const struct disk *self)
{
	unsigned int i;

	for (i = 0; i < be.ndev; i++) {
		struct disk *dk = be.dev[i]->priv;

		/* A garbage req_prod (-1) is not a request waiting: that ring is
		 * found broken at its own next turn, not made its neighbours' cost. */
		if (dk && dk != self && dk->ring_area && !dk->xb->broken &&
		    (dk->inflight || be_ring_avail(&dk->ring) > 0))
			return true;
	}
	return false;
}

/*
 * Takes every request the frontend has published, answering each round's
 * before looking again: a frontend waiting for an answer (queue depth 1)
 * has often put its next request on the ring by the time our event has
 * been sent (on one CPU the event runs it at once), and this turn then
 * takes that request without a wake-up, so without the poll(), the read
 * and the unmask write each wake-up costs. A round takes what is on the
 * ring and what the frontend publishes meanwhile (another CPU's), up to
 * a ring's worth: their grant copies go in one gntdev call (per
 * direction, mem_batch) and their answers in one push and at most one
 * event. After CONSUME_ROUNDS rounds, or a yield after which this ring
 * and another device have requests, the device is owed another turn and
 * the other fds get theirs first.
 */
static void consume(struct disk *dk)
{
	unsigned int rounds = 0;
	int64_t n;

	dk->owed = false;
	if (!dk->ring_area || dk->xb->broken)
		return;
	do {
		unsigned int taken = 0;

		if (rounds++ == CONSUME_ROUNDS) {
			dk->owed = true;
			break;
		}
		PROF_N(dk, rounds, 1);
		while (taken < dk->ring.size && (n = be_ring_avail(&dk->ring)) != 0) {
			if (n < 0) {
				say("d%u/%u: req_prod %u is more than a ring (%u) ahead of %u",
				    dk->xb->fe_id, dk->xb->devid, dk->ring.sring->req_prod,
				    dk->ring.size, dk->ring.req_cons);
				xb_be_broken(&be, dk->xb, "the frontend broke its ring");
				return;
			}
			for (; n > 0 && taken < dk->ring.size; n--, taken++)
				take_request(dk);
		}
		mb_flush();
		PROF_T0(t0);
		PROF_N(dk, submits, 1);
		io_uring_submit(&dk->uring);
		PROF_PH(dk, PH_SUBMIT, t0);
		/* Buffered I/O on a page-cache file often completes in the submit. */
		completions(dk);
		PROF_T0(t2);
		push(dk);
		PROF_PH(dk, PH_PUSH, t2);
		if (yield_on && taken && !be_ring_avail(&dk->ring)) {
			yield_cpu(dk);
			/*
			 * The others ran: if another device has requests now
			 * (their events wait in the evtchn device), what this
			 * ring got meanwhile waits its turn. Going on here
			 * while this frontend refilled its ring at every
			 * yield held the other devices, a flooding one too,
			 * for the whole turn (linux/blk-evil). With none
			 * waiting the turn goes on: no poll() for nothing.
			 */
			if (be_ring_avail(&dk->ring) && others_waiting(dk)) {
				dk->owed = true;
				return;
			}
		}
	} while (be_ring_final_check(&dk->ring));
}

/* ---- connection ---- */

static int bd_connect(struct xb_backend *b, struct xb_dev *d)
{
	struct disk *dk = d->priv;
	uint32_t refs[1U << BLKIF_MAX_RING_PAGE_ORDER];
	long long order, nq, port, ref;
	char *proto, key[32];
	unsigned int i;
	int rc;

	order = xb_be_read_num(b, d, true, "ring-page-order", BLKIF_MAX_RING_PAGE_ORDER);
	if (order == -ENOENT)
		order = 0;
	nq = xb_be_read_num(b, d, true, "multi-queue-num-queues", 1);
	port = xb_be_read_num(b, d, true, "event-channel", 0xfffffff);
	/* As Linux's xen-blkback: 0 queues is as bad as too many. */
	if (order < 0 || (nq < 0 && nq != -ENOENT) || nq == 0 || port < 0) {
		xb_be_fatal(b, d, -EINVAL, "bad ring-page-order, multi-queue-num-queues or event-channel");
		return -EINVAL;
	}
	if (!xb_be_read(b, d, true, "protocol", &proto)) {
		rc = strcmp(proto, XEN_IO_PROTO_ABI_X86_64) ? -EINVAL : 0;
		free(proto);
		if (rc) {
			xb_be_fatal(b, d, rc, "unknown fe protocol");
			return rc;
		}
	}
	dk->ring_pages = 1U << order;
	for (i = 0; i < dk->ring_pages; i++) {
		if (order)
			snprintf(key, sizeof(key), "ring-ref%u", i);
		else
			snprintf(key, sizeof(key), "ring-ref");
		ref = xb_be_read_num(b, d, true, key, 0xffffffffULL);
		if (ref < 0) {
			xb_be_fatal(b, d, -EINVAL, "bad or missing ring-ref");
			return -EINVAL;
		}
		refs[i] = (uint32_t)ref;
	}
	dk->ring_area = be_map_refs(&dev, d->fe_id, refs, dk->ring_pages, &dk->ring_handle);
	if (!dk->ring_area) {
		rc = -errno;
		xb_be_fatal(b, d, rc, "mapping the ring");
		return rc;
	}
	be_ring_init(&dk->ring, dk->ring_area, blkif_ring_size(dk->ring_pages));
	/* Persistent grants only if the frontend keeps its grants too (it says so). */
	if (dk->offer_pg && xb_be_read_num(b, d, true, "feature-persistent", 1) == 1) {
		dk->pg = calloc(1, sizeof(*dk->pg));
		if (!dk->pg) {
			rc = -ENOMEM;
			xb_be_fatal(b, d, rc, "persistent grants");
			goto unmap;
		}
	}
	if (dk->mem && !dk->pg)
		mb_pool_up(dk);
	rc = io_uring_queue_init(URING_ENTRIES, &dk->uring, 0);
	if (rc) {
		xb_be_fatal(b, d, rc, "io_uring_queue_init");
		goto unmap;
	}
	dk->uring_up = true;
	dk->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (dk->efd < 0 || io_uring_register_eventfd(&dk->uring, dk->efd)) {
		rc = -EIO;
		xb_be_fatal(b, d, rc, "io_uring eventfd");
		goto unmap;
	}
	dk->port = xendev_bind(&dev, d->fe_id, (unsigned int)port);
	if (dk->port < 0) {
		rc = dk->port;
		xb_be_fatal(b, d, rc, "binding the event channel");
		goto unmap;
	}
	xb_be_write(b, d, "sectors", "%llu", (unsigned long long)dk->lim.sectors);
	xb_be_write(b, d, "info", "%d", dk->lim.readonly ? VDISK_READONLY : 0);
	xb_be_write(b, d, "sector-size", "512");
	xb_be_write(b, d, "physical-sector-size", "512");
	say("d%u/%u: ring of %u page(s), %u slots, port %lld; serving %s%s", d->fe_id, d->devid,
	    dk->ring_pages, dk->ring.size, port, dk->path, dk->lim.readonly ? " read-only" : "");
	be_stats_open(&dk->stats, "vbd", d->fe_id, d->devid, blk_stat_keys, BLK_ST_NR);
	return 0;
unmap:
	pg_release(dk);
	if (dk->uring_up)
		io_uring_queue_exit(&dk->uring);
	dk->uring_up = false;
	if (dk->efd >= 0)
		close(dk->efd);
	dk->efd = -1;
	be_unmap_refs(&dev, dk->ring_area, dk->ring_pages, dk->ring_handle);
	dk->ring_area = NULL;
	return rc;
}

static void bd_disconnect(struct xb_backend *b, struct xb_dev *d)
{
	struct disk *dk = d->priv;
	struct io_uring_cqe *cqe;

	(void)b;
	if (!dk)
		return;
	/*
	 * What the frontend published before it let its ring go is served
	 * too (a ring's worth at most: consume() stops at CONSUME_ROUNDS and
	 * at a broken ring). Linux's blkfront waits at its removal for every
	 * request it sent; one left unanswered holds its xenwatch, and the
	 * domU takes no device after it.
	 */
	if (dk->port >= 0 && !d->broken && be_ring_avail(&dk->ring) > 0) {
		say("d%u/%u: %lld request(s) on the ring at the disconnect: served", d->fe_id,
		    d->devid, (long long)be_ring_avail(&dk->ring));
		consume(dk);
	}
	/* What is in flight finishes first: its buffers are ours, its answers harmless. */
	while (dk->uring_up && dk->inflight) {
		if (io_uring_wait_cqe(&dk->uring, &cqe))
			break;
		complete(dk, cqe);
		io_uring_cqe_seen(&dk->uring, cqe);
	}
	push(dk);
	be_stats_close(&dk->stats);
	if (dk->port >= 0)
		xendev_unbind(&dev, (unsigned int)dk->port);
	dk->port = -1;
	if (dk->uring_up)
		io_uring_queue_exit(&dk->uring);
	dk->uring_up = false;
	if (dk->efd >= 0)
		close(dk->efd);
	dk->efd = -1;
	if (dk->ring_area)
		be_unmap_refs(&dev, dk->ring_area, dk->ring_pages, dk->ring_handle);
	dk->ring_area = NULL;
	if (dk->pg)
		say("d%u/%u: disconnected (%lu requests served, %lu refused, %u persistent grants)",
		    d->fe_id, d->devid, dk->served, dk->refused, dk->pg->count);
	else
		say("d%u/%u: disconnected (%lu requests served, %lu refused)", d->fe_id, d->devid,
		    dk->served, dk->refused);
	pg_release(dk);
#ifdef BLKBACK_PROF
	{
		struct blk_prof *p = &dk->prof;
		unsigned long r = p->req ? p->req : 1;
		unsigned int i;

		say("d%u/%u: prof: %lu requests, %lu segments, %lu direct, %lu in memory; %lu rounds, "
		    "%lu submits, %lu grant-copy ioctls (%lu GNTTABOP_copy), %lu map ioctls (%lu refs), "
		    "%lu notifies, %lu yields", d->fe_id, d->devid, p->req, p->seg, p->direct, p->mem,
		    p->rounds, p->submits, p->copy_calls, p->copy_hcalls, p->map_calls, p->map_refs,
		    p->notifies, p->yields);
		for (i = 0; i < PH_NR; i++)
			say("d%u/%u: prof: %-15s %14llu cycles, %10llu per request", d->fe_id,
			    d->devid, ph_name[i], (unsigned long long)p->cyc[i],
			    (unsigned long long)(p->cyc[i] / r));
		memset(p, 0, sizeof(*p));
	}
#endif
}

static const struct xb_ops ops = {
	.probe = bd_probe,
	.connect = bd_connect,
	.disconnect = bd_disconnect,
	.remove = bd_remove,
	.log = xb_log,
};

/* ---- main loop ---- */

static struct disk *disk_of_port(int port)
{
	unsigned int i;

	for (i = 0; i < be.ndev; i++) {
		struct disk *dk = be.dev[i]->priv;

		if (dk && dk->ring_area && dk->port == port)
			return dk;
	}
	return NULL;
}

static const char usage[] =
	"usage: blkback [--type TYPE] [--socket PATH] [--verbose] [--persistent=auto|on|off]\n"
	"               [--yield | --no-yield] [--copies=hypercall|gntdev]\n"
	"               [--image-copy=auto|sse2]\n"
	"Serves the block devices the toolstack puts under /local/domain/0/backend/TYPE\n"
	"(default qdisk): params = the image file or block device (raw), mode = w or r.\n"
	"--persistent: which devices offer persistent grants (feature-persistent); auto,\n"
	"the default: all but an image in memory (tmpfs), which is served by grant copies.\n"
	"--yield (the default): after a round that emptied a ring, let the other vCPUs run\n"
	"(SCHEDOP_yield) before asking for an event, so a frontend at depth > 1 publishes\n"
	"more per round; --no-yield asks for the event at once.\n"
	"--copies: a batch of grant copies naming both sides by ref (the pool's) as one\n"
	"GNTTABOP_copy through privcmd (hypercall, the default, where /dev/xen/hypercall\n"
	"exists) or through gntdev's copy ioctl (gntdev).\n"
	"--image-copy: the copy between an image in memory and the pool: 32 bytes a move\n"
	"where the CPU and the kernel offer AVX (auto, the default), or SSE2's 16 (sse2).\n"
	"xenstored is reached at PATH, else $XENSTORED_PATH or /run/xenstored/socket.\n"
	"Runs in the foreground; messages go to stderr. One blkback per TYPE: it holds\n"
	"/run/lamina/blkback-TYPE.lock (vmctl create starts one when none does).\n";

/* An event on a port: the disk behind it, if any, has requests. */
static void port_fired(int port)
{
	struct disk *dk = disk_of_port(port);

	if (dk)
		consume(dk);
}

/*
 * Takes blkback's own --persistent=MODE, --[no-]yield, --copies=WAY and
 * --image-copy=LOOP out of argv (the rest is be_daemon's): 0, or -1.
 */
static int own_options(int *argc, char **argv)
{
	static const char *const name[] = { "auto", "on", "off" };
	int i, k, m;

	yield_on = true;
	copy_hcall = BLKBACK_COPY_HCALL;
	copy_wide = true;
	for (i = k = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "--yield") || !strcmp(argv[i], "--no-yield")) {
			yield_on = argv[i][2] == 'y';
			continue;
		}
		if (!strcmp(argv[i], "--copies=hypercall") || !strcmp(argv[i], "--copies=gntdev")) {
			copy_hcall = argv[i][9] == 'h';
			continue;
		}
		if (!strcmp(argv[i], "--image-copy=auto") || !strcmp(argv[i], "--image-copy=sse2")) {
			copy_wide = argv[i][13] == 'a';
			continue;
		}
		if (strncmp(argv[i], "--persistent=", 13)) {
			argv[k++] = argv[i];
			continue;
		}
		for (m = 0; m < 3 && strcmp(argv[i] + 13, name[m]); m++)
			;
		if (m == 3)
			return -1;
		pg_mode = m;
	}
	*argc = k;
	argv[k] = NULL;
	return 0;
}

int main(int argc, char **argv)
{
	int rc = own_options(&argc, argv) ? (fputs(usage, stderr), 2) :
		 be_daemon_start(&bd, argc, argv, "qdisk", usage, &ops);
	/*
	 * The store is drained only when its socket was readable, the poll
	 * timed out, a scan is owed or a reply brought watch events with it:
	 * not on every wake-up for a ring, where it cost two more poll()
	 * system calls (each a trip through the hypervisor for a PV dom0).
	 */
	bool xs_due = true;

	if (rc >= 0)
		return rc;
	/* The pool for copies by ref (mb_pool): the copies pin our pages without it. */
	if (BLKBACK_SELF_GRANTS && (rc = xendev_open(&dev, XENDEV_GNTALLOC))) {
		mb_pool_err = rc;
		say("%s/gntalloc: %s: copies to an image in memory pin its pages (gntdev)",
		    XENDEV_DIR, strerror(-rc));
	} else if (BLKBACK_SELF_GRANTS && (rc = mb_pool_make())) {
		say("no pool granted to dom0 yet (%s): tried again at a connect", strerror(-rc));
	}
	if (copy_wide)
		copy_img_pick();
	say("copies to and from an image in memory: %s", copy_img == copy32 ? "AVX, 32 bytes a move" :
	    "SSE2, 16 bytes a move");
	if (copy_hcall && (rc = be_copy_hcall_init(&dev))) {
		say("grant copies by gntdev: privcmd's hypercall buffer: %s", strerror(-rc));
		copy_hcall = false;
	} else
		say("grant copies by ref on both sides: %s", copy_hcall ? "GNTTABOP_copy through privcmd" :
		    "gntdev (--copies=gntdev)");
	if (yield_on && (rc = xendev_open(&dev, XENDEV_PRIVCMD))) {
		say("yield: opening privcmd: %s; not yielding", strerror(-rc));
		yield_on = false;
	}
	if (be_daemon_lock(&bd)) {
		be_daemon_end(&bd);
		return 1;
	}
	while (!be_daemon_stopping) {
		struct pollfd pfd[2 + XB_MAX_DEVS];
		struct disk *dks[XB_MAX_DEVS];
		unsigned int n = 2, i;
		bool owed;
		int ready, wait_ms;

		if ((xs_due || xb_be_again(&be) || xs_events_queued(xs)) && xb_be_poll(&be)) {
			say("xenstored went away");
			break;
		}
		be_daemon_poll_fds(&bd, pfd);
		/*
		 * A disk's completion eventfd only while it has something in
		 * io_uring: with nothing submitted no completion can come, and
		 * every fd in the set costs poll() work on each wake-up (an
		 * image in memory is served without io_uring at all).
		 */
		owed = false;
		for (i = 0; i < be.ndev; i++) {
			struct disk *dk = be.dev[i]->priv;

			if (dk && dk->owed)
				owed = true;
			if (dk && dk->efd >= 0 && dk->inflight) {
				dks[n - 2] = dk;
				pfd[n++] = (struct pollfd){ .fd = dk->efd, .events = POLLIN };
			}
		}
		/* A mapping still being filled (warm_step): a piece a turn, no sleep meanwhile. */
		wait_ms = warm_step() || xb_be_again(&be) || owed ? 0 : be_stats_poll_ms();
		ready = poll(pfd, n, wait_ms);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		/* A look with no wait (a turn owed) that found nothing: no timeout, no store message. */
		xs_due = pfd[0].revents || (ready == 0 && wait_ms);
		for (i = 2; i < n; i++)
			if (pfd[i].revents)
				reap(dks[i - 2]);
		be_stats_flush_due();
		if (pfd[1].revents)
			be_daemon_ports(&bd, port_fired, false);
		for (i = 0; owed && i < be.ndev; i++) {
			struct disk *dk = be.dev[i]->priv;

			if (dk && dk->owed)
				consume(dk);
		}
	}
	if (mb_pool.addr)
		be_selfbuf_free(&dev, &mb_pool);
	mb_pool_err = -ENODEV;
	return be_daemon_end(&bd);
}
