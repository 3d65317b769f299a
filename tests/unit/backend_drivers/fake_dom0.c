// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fake dom0 of fake_dom0.h: what a backend's main loop calls, answered
 * in this process (no /dev/xen, no xenstored, nothing that blocks).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include "be_daemon.h"
#include "be_stats.h"
#include "gnt_be.h"
#include "xendev.h"
#include "xs.h"
#include "fake_dom0.h"
#include <lamina/hypercall.h>
#include <lamina/sched.h>

void (*fd_on_connected)(void);
void (*fd_on_notify)(unsigned int domid, unsigned int remote);
void (*fd_on_copy)(void);
bool (*fd_on_sleep)(void);
void (*fd_on_yield)(void);
char fd_error[256];
unsigned long fd_sleeps, fd_broken, fd_self_copies, fd_yields, fd_fatals;
int fd_selfbuf_refuse;
long fd_selfbufs_live;
bool fd_fatal_ok;
long fd_maps_live;
volatile sig_atomic_t be_daemon_stopping;

static struct fd_guest guests[FD_MAX_GUESTS];
static unsigned int nguests;
static struct fd_device *devs[XB_MAX_DEVS];
static unsigned int ndevs;
static bool scanned;
static int store_fd = -1, evtchn_fd = -1;	/* eventfds: poll()able, never blocking */
static unsigned long idle_waits;	/* waits with no timeout that found nothing, in a row */

static struct {
	unsigned int domid, remote;
	bool bound, pending, masked;
} ports[FD_MAX_PORTS];

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	if (fd_error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(fd_error, sizeof(fd_error), fmt, ap);
	va_end(ap);
	be_daemon_stopping = 1;
}

static void evtchn_ready(void)
{
	uint64_t one = 1;

	if (write(evtchn_fd, &one, sizeof(one)) != sizeof(one))
		fail("evtchn eventfd write");
}

/* What the backend wrote into its own device directories, the last value per key. */
#define FD_MAX_WRITES	64
static struct {
	unsigned int fe_id, devid;
	char key[48], val[64];
} writes[FD_MAX_WRITES];
static unsigned int nwrites;

void fd_reset(void)
{
	unsigned int i;

	for (i = 0; i < nguests; i++) {
		munmap(guests[i].mem, (size_t)guests[i].pages * 4096);
		close(guests[i].memfd);
	}
	nguests = ndevs = 0;
	scanned = false;
	memset(ports, 0, sizeof(ports));
	fd_on_connected = NULL;
	fd_on_notify = NULL;
	fd_on_copy = NULL;
	fd_on_sleep = NULL;
	fd_on_yield = NULL;
	fd_error[0] = '\0';
	fd_sleeps = fd_broken = fd_self_copies = fd_yields = fd_fatals = idle_waits = 0;
	fd_selfbuf_refuse = 0;
	fd_selfbufs_live = 0;
	fd_fatal_ok = false;
	fd_maps_live = 0;
	nwrites = 0;
	be_daemon_stopping = 0;
}

/* ---- guests and grants ---- */

struct fd_guest *fd_guest_new(unsigned int domid, unsigned int pages)
{
	struct fd_guest *g = &guests[nguests++];
	char name[32];

	snprintf(name, sizeof(name), "fake-d%u", domid);
	g->domid = domid;
	g->pages = pages;
	g->memfd = memfd_create(name, MFD_CLOEXEC);
	if (g->memfd < 0 || ftruncate(g->memfd, (off_t)pages * 4096))
		return NULL;
	g->mem = mmap(NULL, (size_t)pages * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, g->memfd, 0);
	return g->mem == MAP_FAILED ? NULL : g;
}

static struct fd_guest *guest(unsigned int domid)
{
	unsigned int i;

	for (i = 0; i < nguests; i++)
		if (guests[i].domid == domid)
			return &guests[i];
	return NULL;
}

/* The guest's pages mapped again, consecutively, as gntdev would. */
void *be_map_refs(struct xendev *x, unsigned int domid, const uint32_t *refs, unsigned int n,
		  uint64_t *handle)
{
	struct fd_guest *g = guest(domid);
	char *area;
	unsigned int i;

	(void)x;
	for (i = 0; i < n; i++)
		if (!g || refs[i] >= g->pages) {
			errno = EINVAL;
			return NULL;
		}
	area = mmap(NULL, (size_t)n * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return NULL;
	for (i = 0; i < n; i++)
		if (mmap(area + (size_t)i * 4096, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 g->memfd, (off_t)refs[i] * 4096) == MAP_FAILED) {
			munmap(area, (size_t)n * 4096);
			return NULL;
		}
	*handle = (uint64_t)(uintptr_t)area;
	fd_maps_live += n;
	return area;
}

int be_unmap_refs(struct xendev *x, void *addr, unsigned int n, uint64_t handle)
{
	(void)x, (void)handle;
	fd_maps_live -= n;
	return munmap(addr, (size_t)n * 4096) ? -errno : 0;
}

/* A copy is work done; a frontend on another CPU may act meanwhile. */
static void copy_starts(void)
{
	idle_waits = 0;
	if (fd_on_copy)
		fd_on_copy();
}

int be_grant_copy(struct xendev *x, unsigned int domid, struct be_copy *c, unsigned int n,
		  int to_guest)
{
	struct fd_guest *g = guest(domid);
	unsigned int i;
	int rc = 0;

	(void)x;
	copy_starts();
	for (i = 0; i < n; i++) {
		char *page;

		if (!g || c[i].gref >= g->pages || c[i].offset + c[i].len > 4096) {
			c[i].status = -1;	/* GNTST_general_error */
			rc = -EIO;
			continue;
		}
		page = (char *)fd_page(g, c[i].gref) + c[i].offset;
		if (to_guest)
			memcpy(page, c[i].local, c[i].len);
		else
			memcpy(c[i].local, page, c[i].len);
		c[i].status = 0;
	}
	return rc;
}

int be_grant_xcopy(struct xendev *x, struct be_xcopy *c, unsigned int n)
{
	unsigned int i;
	int rc = 0;

	(void)x;
	copy_starts();
	for (i = 0; i < n; i++) {
		struct fd_guest *s = c[i].local ? NULL : guest(c[i].sdom), *d = guest(c[i].ddom);
		const char *from;

		if (!d || c[i].dref >= d->pages || (!c[i].local && (!s || c[i].sref >= s->pages))) {
			c[i].status = -1;
			rc = -EIO;
			continue;
		}
		from = c[i].local ? c[i].local : (const char *)fd_page(s, c[i].sref) + c[i].soff;
		memcpy((char *)fd_page(d, c[i].dref) + c[i].doff, from, c[i].len);
		c[i].status = 0;
	}
	return rc;
}

/* dom0's pages granted to itself: plain memory here, its refs never looked at. */
int be_selfbuf_alloc(struct xendev *x, struct be_selfbuf *b, unsigned int pages, unsigned int self)
{
	(void)x;
	memset(b, 0, sizeof(*b));
	if (fd_selfbuf_refuse)
		return fd_selfbuf_refuse;	/* gntalloc full (-ENOSPC) or the like */
	b->addr = aligned_alloc(4096, (size_t)pages * 4096);
	if (!b->addr)
		return -ENOMEM;
	memset(b->addr, 0, (size_t)pages * 4096);
	b->pages = pages;
	b->self = (uint16_t)self;
	fd_selfbufs_live++;
	return 0;
}

void be_selfbuf_free(struct xendev *x, struct be_selfbuf *b)
{
	(void)x;
	if (b->addr)
		fd_selfbufs_live--;
	free(b->addr);
	memset(b, 0, sizeof(*b));
}

/* As gnt_be.c's: -EINVAL for a piece outside @b or across two of its pages. */
/* No privcmd-buf here: every copy goes through the fakes above. */
int be_copy_hcall_init(struct xendev *x)
{
	(void)x;
	return -ENOENT;
}

bool be_copy_by_hcall(const struct xendev *x)
{
	(void)x;
	return false;
}

int be_grant_copy_self(struct xendev *x, unsigned int domid, const struct be_selfbuf *b,
		       struct be_copy *c, unsigned int n, int to_guest)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const uint8_t *l = c[i].local;
		size_t at = (size_t)(l - b->addr);

		if (l < b->addr || at >= (size_t)b->pages * 4096 || at % 4096 + c[i].len > 4096)
			return -EINVAL;
	}
	fd_self_copies++;
	return be_grant_copy(x, domid, c, n, to_guest);
}

int be_grant_xcopy_self(struct xendev *x, const struct be_selfbuf *b, struct be_xcopy *c,
			unsigned int n)
{
	(void)b;
	return be_grant_xcopy(x, c, n);
}

/* ---- event channels ---- */

int fd_local_port(unsigned int domid, unsigned int remote)
{
	int p;

	for (p = 1; p < FD_MAX_PORTS; p++)
		if (ports[p].bound && ports[p].domid == domid && ports[p].remote == remote)
			return p;
	return -1;
}

void fd_raise(unsigned int domid, unsigned int remote)
{
	int p = fd_local_port(domid, remote);

	if (p < 0)
		return;		/* not bound yet: the connect reads the ring anyway */
	ports[p].pending = true;
	if (!ports[p].masked)
		evtchn_ready();
}

int xendev_bind(struct xendev *x, unsigned int domid, unsigned int remote_port)
{
	int p;

	(void)x;
	for (p = 1; p < FD_MAX_PORTS; p++)
		if (!ports[p].bound) {
			ports[p].bound = true;
			ports[p].domid = domid;
			ports[p].remote = remote_port;
			ports[p].pending = ports[p].masked = false;
			return p;
		}
	return -ENOSPC;
}

int xendev_unbind(struct xendev *x, unsigned int local_port)
{
	(void)x;
	if (local_port >= FD_MAX_PORTS || !ports[local_port].bound)
		return -EINVAL;
	ports[local_port].bound = false;
	return 0;
}

int xendev_notify(struct xendev *x, unsigned int local_port)
{
	(void)x;
	if (local_port >= FD_MAX_PORTS || !ports[local_port].bound) {
		fail("notify on unbound port %u", local_port);
		return -EINVAL;
	}
	idle_waits = 0;
	if (fd_on_notify)
		fd_on_notify(ports[local_port].domid, ports[local_port].remote);
	return 0;
}

/* As the evtchn device: every pending port read out at once, masked until unmasked. */
void be_daemon_ports(const struct be_daemon *bd, void (*fire)(int port), bool eoi_late)
{
	int got[FD_MAX_PORTS], n = 0, i, p;
	uint64_t v;

	(void)bd;
	if (read(evtchn_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		fail("evtchn eventfd read");
	for (p = 1; p < FD_MAX_PORTS; p++)
		if (ports[p].bound && ports[p].pending && !ports[p].masked) {
			ports[p].pending = false;
			ports[p].masked = true;
			got[n++] = p;
		}
	if (!eoi_late)
		for (i = 0; i < n; i++)
			ports[got[i]].masked = false;
	if (n)
		idle_waits = 0;
	for (i = 0; i < n; i++)
		fire(got[i]);
	for (i = 0; i < n; i++) {
		ports[got[i]].masked = false;
		if (ports[got[i]].pending)
			evtchn_ready();	/* it fired while masked: the unmask raises it */
	}
}

/* ---- the daemon and the store ---- */

void be_daemon_say(const char *name, const char *fmt, va_list ap)
{
	if (!getenv("FAKE_DOM0_VERBOSE"))
		return;
	fprintf(stderr, "%s: ", name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int be_daemon_start(const struct be_daemon *bd, int argc, char **argv, const char *default_type,
		    const char *usage, const struct xb_ops *ops)
{
	(void)argc, (void)argv, (void)usage;
	store_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	evtchn_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (store_fd < 0 || evtchn_fd < 0)
		return 1;
	bd->dev->evtchn_fd = evtchn_fd;
	*bd->xs = (struct xs_handle *)&store_fd;	/* only ever handed back to us */
	bd->be->ops = ops;
	snprintf(bd->be->root, sizeof(bd->be->root), "/local/domain/0/backend/%s", default_type);
	return -1;
}

/* Only gntalloc and privcmd are opened after be_daemon_start(): descriptors never used. */
int xendev_open(struct xendev *x, unsigned int want)
{
	if (want & ~(XENDEV_GNTALLOC | XENDEV_PRIVCMD))
		return -EINVAL;
	if ((want & XENDEV_GNTALLOC) && x->gntalloc_fd < 0 && (x->gntalloc_fd = dup(store_fd)) < 0)
		return -errno;
	if ((want & XENDEV_PRIVCMD) && x->privcmd_fd < 0 && (x->privcmd_fd = dup(store_fd)) < 0)
		return -errno;
	return 0;
}

/* The one hypercall a backend makes itself: SCHEDOP_yield (the other vCPUs run: fd_on_yield). */
long xendev_hypercall(struct xendev *x, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2)
{
	(void)a1, (void)a2;
	if (x->privcmd_fd < 0) {
		fail("a hypercall without privcmd open");
		return -EBADF;
	}
	if (op != __HYPERVISOR_sched_op || a0 != SCHEDOP_yield) {
		fail("hypercall %llu (%llu): not SCHEDOP_yield", (unsigned long long)op,
		     (unsigned long long)a0);
		return -ENOSYS;
	}
	fd_yields++;
	idle_waits = 0;
	if (fd_on_yield)
		fd_on_yield();
	return 0;
}

int be_daemon_lock(const struct be_daemon *bd)
{
	(void)bd;
	return 0;
}

void be_daemon_poll_fds(const struct be_daemon *bd, struct pollfd *pfd)
{
	(void)bd;
	pfd[0] = (struct pollfd){ .fd = store_fd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = evtchn_fd, .events = POLLIN };
}

int be_daemon_end(const struct be_daemon *bd)
{
	unsigned int i;

	for (i = 0; i < bd->be->ndev; i++) {
		struct xb_dev *d = bd->be->dev[i];

		if (d->connected)
			bd->be->ops->disconnect(bd->be, d);
		if (d->probed)
			bd->be->ops->remove(bd->be, d);
		free(d);
	}
	bd->be->ndev = 0;
	close(store_fd);
	close(evtchn_fd);
	if (bd->dev->gntalloc_fd >= 0)
		close(bd->dev->gntalloc_fd);
	if (bd->dev->privcmd_fd >= 0)
		close(bd->dev->privcmd_fd);
	bd->dev->evtchn_fd = bd->dev->gntalloc_fd = bd->dev->privcmd_fd = -1;
	return 0;
}

int xs_fileno(const struct xs_handle *h)
{
	(void)h;
	return store_fd;
}

bool xs_events_queued(const struct xs_handle *h)
{
	(void)h;
	return false;
}

void fd_add_device(struct fd_device *d)
{
	devs[ndevs++] = d;
}

/* The first call probes and connects every device, as a store with them all written. */
int xb_be_poll(struct xb_backend *b)
{
	unsigned int i;

	if (scanned)
		return 0;
	scanned = true;
	for (i = 0; i < ndevs; i++) {
		struct xb_dev *d = calloc(1, sizeof(*d));

		d->fe_id = devs[i]->fe_id;
		d->devid = devs[i]->devid;
		snprintf(d->be, sizeof(d->be), "%s/%u/%u", b->root, d->fe_id, d->devid);
		snprintf(d->fe, sizeof(d->fe), "/local/domain/%u/device/x/%u", d->fe_id, d->devid);
		d->priv = NULL;
		devs[i]->xb = d;
		b->dev[b->ndev++] = d;
		if (b->ops->probe(b, d)) {
			fail("probe of d%u/%u failed", d->fe_id, d->devid);
			return 0;
		}
		d->probed = true;
		d->state = XB_INITWAIT;
		if (b->ops->connect(b, d)) {
			fail("connect of d%u/%u failed", d->fe_id, d->devid);
			return 0;
		}
		d->connected = true;
		d->state = XB_CONNECTED;
	}
	if (fd_on_connected)
		fd_on_connected();
	return 0;
}

static const char *node(struct xb_dev *d, bool frontend, const char *key)
{
	unsigned int i;
	const char *const *kv = NULL;

	for (i = 0; i < ndevs; i++)
		if (devs[i]->xb == d)
			kv = frontend ? devs[i]->fe_nodes : devs[i]->be_nodes;
	for (; kv && kv[0]; kv += 2)
		if (!strcmp(kv[0], key))
			return kv[1];
	return NULL;
}

int xb_be_read(struct xb_backend *b, struct xb_dev *d, bool frontend, const char *key, char **val)
{
	const char *v = node(d, frontend, key);

	(void)b;
	if (!v)
		return -ENOENT;
	*val = strdup(v);
	return *val ? 0 : -ENOMEM;
}

long long xb_be_read_num(struct xb_backend *b, struct xb_dev *d, bool frontend, const char *key,
			 unsigned long long max)
{
	const char *v = node(d, frontend, key);

	(void)b;
	if (!v)
		return -ENOENT;
	return xb_parse_num(v, max);
}


int xb_be_write(struct xb_backend *b, struct xb_dev *d, const char *key, const char *fmt, ...)
{
	unsigned int i;
	va_list ap;

	(void)b;
	for (i = 0; i < nwrites; i++)
		if (writes[i].fe_id == d->fe_id && writes[i].devid == d->devid &&
		    !strcmp(writes[i].key, key))
			break;
	if (i == nwrites) {
		if (nwrites == FD_MAX_WRITES || strlen(key) >= sizeof(writes[i].key))
			return 0;
		nwrites++;
		writes[i].fe_id = d->fe_id;
		writes[i].devid = d->devid;
		snprintf(writes[i].key, sizeof(writes[i].key), "%s", key);
	}
	va_start(ap, fmt);
	vsnprintf(writes[i].val, sizeof(writes[i].val), fmt, ap);
	va_end(ap);
	return 0;
}

const char *fd_be_node(unsigned int fe_id, unsigned int devid, const char *key)
{
	unsigned int i;

	for (i = 0; i < nwrites; i++)
		if (writes[i].fe_id == fe_id && writes[i].devid == devid &&
		    !strcmp(writes[i].key, key))
			return writes[i].val;
	return NULL;
}

int xb_be_switch(struct xb_backend *b, struct xb_dev *d, int state)
{
	(void)b;
	d->state = state;
	return 0;
}

void xb_be_fatal(struct xb_backend *b, struct xb_dev *d, int err, const char *msg)
{
	(void)b;
	fd_fatals++;
	if (!fd_fatal_ok)
		fail("d%u/%u: fatal %d: %s", d->fe_id, d->devid, err, msg);
}

void xb_be_broken(struct xb_backend *b, struct xb_dev *d, const char *why)
{
	(void)b;
	d->broken = true;
	fd_broken++;
	fail("d%u/%u: broken: %s", d->fe_id, d->devid, why);
}

/* ---- stats: none written ---- */

int be_stats_open(struct be_stats *s, const char *type, unsigned int domid, unsigned int devid,
		  const char *const *keys, unsigned int nkeys)
{
	(void)type, (void)domid, (void)devid;
	memset(s->v, 0, sizeof(s->v));
	s->keys = keys;
	s->nkeys = nkeys;
	s->open = true;
	return 0;
}

void be_stats_changed(struct be_stats *s)
{
	(void)s;
}

int be_stats_poll_ms(void)
{
	return -1;	/* nothing due: a wait with nothing ready would block */
}

void be_stats_flush_due(void)
{
}

void be_stats_close(struct be_stats *s)
{
	s->open = false;
}

/* ---- waits that never block ---- */

static int slept(void)
{
	fd_sleeps++;
	if (!fd_on_sleep || !fd_on_sleep())
		fail("the backend went to sleep with work left and no event to come");
	be_daemon_stopping = 1;
	return 0;
}

/*
 * A wait with no timeout that finds nothing, again and again with nothing
 * done between (no event, copy or notify): the backend spins, as it would
 * in dom0, at full CPU.
 */
static int waited(int r, int timeout)
{
	if (r == 0 && timeout != 0)
		return slept();
	if (r == 0 && ++idle_waits == FD_IDLE_WAITS)
		fail("the backend spins: %d waits with no timeout found nothing and nothing was done "
		     "between them", FD_IDLE_WAITS);
	return r;
}

int fd_poll(struct pollfd *pfd, nfds_t n, int timeout)
{
	return waited(poll(pfd, n, 0), timeout);
}

int fd_epoll_wait(int ep, struct epoll_event *ev, int max, int timeout)
{
	return waited(epoll_wait(ep, ev, max, 0), timeout);
}

unsigned int fd_ports_bound(void)
{
	unsigned int p, n = 0;

	for (p = 1; p < FD_MAX_PORTS; p++)
		n += ports[p].bound;
	return n;
}

unsigned int fd_open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	unsigned int n = 0;

	while (dir && readdir(dir))
		n++;
	if (dir)
		closedir(dir);
	return n;
}

const char *fd_left_behind(unsigned int fds)
{
	const char *why = fd_maps_live ? "grant pages still mapped" :
			  fd_ports_bound() ? "ports still bound" :
			  fd_open_fds() != fds ? "fds left open" : NULL;

	if (why)
		printf("    left behind: %s (%ld pages, %u ports, %u fds, %u before)\n", why,
		       fd_maps_live, fd_ports_bound(), fd_open_fds(), fds);
	return why;
}
