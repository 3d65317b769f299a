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
 *   READ, WRITE           io_uring reads and writes on the image; the data
 *                         moves between the guest's pages and ours by grant
 *                         copy
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
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <liburing.h>
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

struct disk {
	struct xb_dev *xb;
	int fd;
	bool bdev;
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
	unsigned long served, refused;
	struct be_stats stats;		/* while connected: its file for vmtop */
};

struct job {
	struct disk *dk;
	void *buf;
	size_t len;
	int pending;
	int status;
	struct blk_io io;
};

static struct xendev dev = XENDEV_INIT;
static struct xs_handle *xs;
static struct xb_backend be;
static int verbose;
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
	if (S_ISBLK(st.st_mode)) {
		dk->bdev = true;
		if (ioctl(dk->fd, BLKGETSIZE64, &bytes)) {
			rc = -errno;
			goto fail;
		}
	} else if (S_ISREG(st.st_mode)) {
		bytes = (uint64_t)st.st_size;
	} else {
		rc = -EINVAL;
		goto fail;
	}
	dk->lim.sectors = bytes / 512;
	dk->lim.readonly = ro;
	dk->lim.discard = !ro;
	dk->lim.max_indirect = BLK_MAX_INDIRECT_SEGS;
	d->priv = dk;
	/* What Linux's blkfront reads (by InitWait for the ring's, by Connected for the rest). */
	xb_be_write(b, d, "feature-flush-cache", "1");
	xb_be_write(b, d, "feature-barrier", "1");
	xb_be_write(b, d, "feature-discard", "%d", dk->lim.discard);
	if (dk->lim.discard) {
		xb_be_write(b, d, "discard-granularity", "4096");
		xb_be_write(b, d, "discard-alignment", "0");
		xb_be_write(b, d, "discard-secure", "0");
	}
	xb_be_write(b, d, "feature-persistent", "0");
	xb_be_write(b, d, "feature-max-indirect-segments", "%u", dk->lim.max_indirect);
	xb_be_write(b, d, "max-ring-page-order", "%u", BLKIF_MAX_RING_PAGE_ORDER);
	say("d%u/%u: %s (%s, %llu sectors%s)", d->fe_id, d->devid, dk->path,
	    dk->bdev ? "block device" : "file", (unsigned long long)dk->lim.sectors,
	    ro ? ", read-only" : "");
	return 0;
fail:
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
	if (be_ring_push(&dk->ring))
		xendev_notify(&dev, (unsigned int)dk->port);
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
	free(j);
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
	rc = be_grant_copy(&dev, dk->xb->fe_id, c, j->io.nseg, to_guest);
	free(c);
	return rc;
}

/* The indirect pages' segment lists, copied in, then checked. */
static int fetch_indirect(struct disk *dk, struct job *j)
{
	struct blkif_request_segment *segs;
	struct be_copy c[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	unsigned int i;
	int st;

	segs = malloc(j->io.nr_indirect * 4096UL);
	if (!segs)
		return BLKIF_RSP_ERROR;
	for (i = 0; i < j->io.nr_indirect; i++)
		c[i] = (struct be_copy){ .local = (char *)segs + i * 4096UL,
					 .gref = j->io.indirect_grefs[i], .offset = 0, .len = 4096 };
	if (be_grant_copy(&dev, dk->xb->fe_id, c, j->io.nr_indirect, 0))
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

	j->len = (size_t)j->io.nr_sectors * 512;
	if (j->len && j->io.kind != BLK_DISCARD &&
	    posix_memalign(&j->buf, 4096, j->len))
		return BLKIF_RSP_ERROR;
	if (dk->drain_next) {
		drain = IOSQE_IO_DRAIN;
		dk->drain_next = false;
	}
	switch (j->io.kind) {
	case BLK_READ:
		s = sqe_for(dk);
		if (!s)
			return BLKIF_RSP_ERROR;
		io_uring_prep_read(s, dk->fd, j->buf, (unsigned int)j->len, off);
		break;
	case BLK_WRITE:
		if (copy_segments(dk, j, 0))
			return BLKIF_RSP_ERROR;
		s = sqe_for(dk);
		if (!s)
			return BLKIF_RSP_ERROR;
		io_uring_prep_write(s, dk->fd, j->buf, (unsigned int)j->len, off);
		break;
	case BLK_FLUSH:
	case BLK_BARRIER:
		/* Everything before it first (drain); its own data, then fdatasync. */
		drain = IOSQE_IO_DRAIN;
		if (j->io.kind == BLK_BARRIER)
			dk->drain_next = true;
		if (j->len) {
			if (copy_segments(dk, j, 0))
				return BLKIF_RSP_ERROR;
			if (io_uring_sq_space_left(&dk->uring) < 2)
				io_uring_submit(&dk->uring);
			s = sqe_for(dk);
			s2 = s ? sqe_for(dk) : NULL;
			if (!s2)
				return BLKIF_RSP_ERROR;
			io_uring_prep_write(s, dk->fd, j->buf, (unsigned int)j->len, off);
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
		size_t done = (size_t)res;
		uint64_t off = j->io.sector * 512;

		while (done < j->len) {
			ssize_t n = j->io.kind == BLK_READ ?
				pread(dk->fd, (char *)j->buf + done, j->len - done, (off_t)(off + done)) :
				pwrite(dk->fd, (char *)j->buf + done, j->len - done, (off_t)(off + done));
			if (n <= 0) {
				j->status = BLKIF_RSP_ERROR;
				break;
			}
			done += (size_t)n;
		}
	}
	if (--j->pending > 0)
		return;
	dk->inflight--;
	if (j->status == BLKIF_RSP_OKAY && j->io.kind == BLK_READ && copy_segments(dk, j, 1))
		j->status = BLKIF_RSP_ERROR;
	finish(j, j->status);
}

static void reap(struct disk *dk)
{
	struct io_uring_cqe *cqe;
	uint64_t v;

	if (dk->efd >= 0 && read(dk->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	while (io_uring_peek_cqe(&dk->uring, &cqe) == 0) {
		complete(dk, cqe);
		io_uring_cqe_seen(&dk->uring, cqe);
	}
	push(dk);
}

/* Takes every request the frontend has published. */
static void consume(struct disk *dk)
{
	union blkif_slot slot;
	int64_t n;
	int st;

	if (!dk->ring_area || dk->xb->broken)
		return;
	do {
		n = be_ring_avail(&dk->ring);
		if (n < 0) {
			say("d%u/%u: req_prod %u is more than a ring (%u) ahead of %u",
			    dk->xb->fe_id, dk->xb->devid, dk->ring.sring->req_prod, dk->ring.size,
			    dk->ring.req_cons);
			xb_be_broken(&be, dk->xb, "the frontend broke its ring");
			return;
		}
		while (n-- > 0) {
			struct job *j = calloc(1, sizeof(*j));

			be_ring_take(&dk->ring, &slot, BLKIF_SLOT_SIZE);
			if (!j) {
				respond(dk, slot.req.id, slot.req.operation, BLKIF_RSP_ERROR);
				continue;
			}
			j->dk = dk;
			st = blk_req_parse(&slot, &dk->lim, &j->io);
			if (st == BLKIF_RSP_OKAY && j->io.indirect)
				st = fetch_indirect(dk, j);
			if (st == BLKIF_RSP_OKAY)
				st = start(dk, j);
			if (st == -1000)
				st = BLKIF_RSP_OKAY, finish(j, st);
			else if (st != BLKIF_RSP_OKAY || !j->pending)
				finish(j, st);
		}
		io_uring_submit(&dk->uring);
	} while (be_ring_final_check(&dk->ring));
	push(dk);
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
	if (order < 0 || (nq < 0 && nq != -ENOENT) || port < 0) {
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
	say("d%u/%u: disconnected (%lu requests served, %lu refused)", d->fe_id, d->devid,
	    dk->served, dk->refused);
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
	"usage: blkback [--type TYPE] [--socket PATH] [--verbose]\n"
	"Serves the block devices the toolstack puts under /local/domain/0/backend/TYPE\n"
	"(default qdisk): params = the image file or block device (raw), mode = w or r.\n"
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

int main(int argc, char **argv)
{
	int rc = be_daemon_start(&bd, argc, argv, "qdisk", usage, &ops);

	if (rc >= 0)
		return rc;
	if (be_daemon_lock(&bd)) {
		be_daemon_end(&bd);
		return 1;
	}
	while (!be_daemon_stopping) {
		struct pollfd pfd[2 + XB_MAX_DEVS];
		struct disk *dks[XB_MAX_DEVS];
		unsigned int n = 2, i;

		if (xb_be_poll(&be)) {
			say("xenstored went away");
			break;
		}
		be_daemon_poll_fds(&bd, pfd);
		for (i = 0; i < be.ndev; i++) {
			struct disk *dk = be.dev[i]->priv;

			if (dk && dk->efd >= 0) {
				dks[n - 2] = dk;
				pfd[n++] = (struct pollfd){ .fd = dk->efd, .events = POLLIN };
			}
		}
		if (poll(pfd, n, xb_be_again(&be) ? 0 : be_stats_poll_ms()) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 2; i < n; i++)
			if (pfd[i].revents)
				reap(dks[i - 2]);
		be_stats_flush_due();
		if (pfd[1].revents)
			be_daemon_ports(&bd, port_fired);
	}
	return be_daemon_end(&bd);
}
