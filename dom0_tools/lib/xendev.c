// SPDX-License-Identifier: GPL-2.0-only
/* The dom0 device glue (see xendev.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <lamina/event_channel.h>
#include <lamina/hypercall.h>
#include <lamina/io/privcmd.h>
#include "xendev.h"
/* Linux's uapi headers expect Xen's basic types to exist already (domid_t: lamina/types.h). */
typedef uint32_t grant_ref_t;
#include <xen/evtchn.h>
#include <xen/gntalloc.h>
#include <xen/gntdev.h>

#define PAGE_BYTES	4096
#define XENFS_DIR	"/proc/xen"
#define NR_VIRQS	24				/* Xen's, as Linux's evtchn checks */
#define PORT_LIMIT	EVTCHN_FIFO_NR_CHANNELS		/* the larger ABI's ports */
#define FOREIGN_MAX	(1U << 20)			/* pages in one mapping: 4 GiB */

/* Linux's structs are 32 bytes; their size is part of the ioctl number. */
_Static_assert(sizeof(struct privcmd_mmapbatch_v2) == 32, "privcmd_mmapbatch_v2 layout");
_Static_assert(sizeof(struct privcmd_mmap_resource) == 32, "privcmd_mmap_resource layout");

static int open_dev(int *fd, const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (*fd >= 0)
		return 0;
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	*fd = open(path, O_RDWR | O_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

int xendev_open_dir(struct xendev *x, unsigned int want, const char *dir)
{
	int rc = 0;

	if (!dir || (want & ~(XENDEV_EVTCHN | XENDEV_GNTDEV | XENDEV_PRIVCMD | XENDEV_GNTALLOC)))
		return -EINVAL;
	if (want & XENDEV_EVTCHN)
		rc = open_dev(&x->evtchn_fd, dir, "evtchn");
	if (!rc && (want & XENDEV_GNTDEV))
		rc = open_dev(&x->gntdev_fd, dir, "gntdev");
	if (!rc && (want & XENDEV_PRIVCMD))
		rc = open_dev(&x->privcmd_fd, dir, "privcmd");
	if (!rc && (want & XENDEV_GNTALLOC))
		rc = open_dev(&x->gntalloc_fd, dir, "gntalloc");
	return rc;
}

int xendev_open(struct xendev *x, unsigned int want)
{
	int rc = xendev_open_dir(x, want & ~XENDEV_PRIVCMD, XENDEV_DIR);

	if (rc || !(want & XENDEV_PRIVCMD))
		return rc;
	rc = open_dev(&x->privcmd_fd, XENDEV_DIR, "privcmd");
	if ((rc == -ENOENT || rc == -ENXIO || rc == -ENODEV) &&
	    !open_dev(&x->privcmd_fd, XENFS_DIR, "privcmd"))
		rc = 0;
	return rc;
}

void xendev_close(struct xendev *x)
{
	if (x->evtchn_fd >= 0)
		close(x->evtchn_fd);
	if (x->gntdev_fd >= 0)
		close(x->gntdev_fd);
	if (x->privcmd_fd >= 0)
		close(x->privcmd_fd);
	if (x->gntalloc_fd >= 0)
		close(x->gntalloc_fd);
	xendev_hcall_free(x);
	*x = (struct xendev)XENDEV_INIT;
}

/* An ioctl on an open device: its result, or -errno. */
static int dev_ioctl(int fd, unsigned long req, void *arg)
{
	int rc;

	if (fd < 0)
		return -EBADF;
	rc = ioctl(fd, req, arg);
	return rc < 0 ? -errno : rc;
}

/* ---- evtchn ---- */

int xendev_bind(struct xendev *x, unsigned int domid, unsigned int remote_port)
{
	struct ioctl_evtchn_bind_interdomain b = {
		.remote_domain = domid, .remote_port = remote_port,
	};

	if (domid >= DOMID_FIRST_RESERVED || remote_port >= PORT_LIMIT)
		return -EINVAL;
	return dev_ioctl(x->evtchn_fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);
}

int xendev_bind_virq(struct xendev *x, unsigned int virq)
{
	struct ioctl_evtchn_bind_virq b = { .virq = virq };

	if (virq >= NR_VIRQS)
		return -EINVAL;
	return dev_ioctl(x->evtchn_fd, IOCTL_EVTCHN_BIND_VIRQ, &b);
}

int xendev_unbind(struct xendev *x, unsigned int local_port)
{
	struct ioctl_evtchn_unbind u = { .port = local_port };

	if (local_port >= PORT_LIMIT)
		return -EINVAL;
	return dev_ioctl(x->evtchn_fd, IOCTL_EVTCHN_UNBIND, &u);
}

int xendev_notify(struct xendev *x, unsigned int local_port)
{
	struct ioctl_evtchn_notify n = { .port = local_port };

	if (local_port >= PORT_LIMIT)
		return -EINVAL;
	return dev_ioctl(x->evtchn_fd, IOCTL_EVTCHN_NOTIFY, &n);
}

int xendev_pending(struct xendev *x)
{
	uint32_t port;
	ssize_t n;

	if (x->evtchn_fd < 0)
		return -EBADF;
	n = read(x->evtchn_fd, &port, sizeof(port));
	if (n < 0)
		return -errno;
	return n == sizeof(port) && port < PORT_LIMIT ? (int)port : -EIO;
}

/* -errno also when the port was closed meanwhile; callers may ignore it. */
int xendev_unmask(struct xendev *x, unsigned int local_port)
{
	uint32_t port = local_port;
	ssize_t n;

	if (local_port >= PORT_LIMIT)
		return -EINVAL;
	if (x->evtchn_fd < 0)
		return -EBADF;
	n = write(x->evtchn_fd, &port, sizeof(port));
	if (n < 0)
		return -errno;
	return n == sizeof(port) ? 0 : -EIO;
}

int xendev_pending_n(struct xendev *x, uint32_t *ports, unsigned int max)
{
	unsigned int i, k = 0;
	ssize_t n;

	if (x->evtchn_fd < 0)
		return -EBADF;
	if (!ports || !max || max > XENDEV_PORTS_MAX)
		return -EINVAL;
	n = read(x->evtchn_fd, ports, max * sizeof(*ports));
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (n % sizeof(*ports))
		return -EIO;
	for (i = 0; i < n / sizeof(*ports); i++)
		if (ports[i] < PORT_LIMIT)
			ports[k++] = ports[i];
	return (int)k;
}

int xendev_unmask_n(struct xendev *x, const uint32_t *ports, unsigned int n)
{
	ssize_t w;

	if (x->evtchn_fd < 0)
		return -EBADF;
	if (!n)
		return 0;
	if (!ports || n > XENDEV_PORTS_MAX)
		return -EINVAL;
	w = write(x->evtchn_fd, ports, n * sizeof(*ports));
	if (w < 0)
		return -errno;
	return w == (ssize_t)(n * sizeof(*ports)) ? 0 : -EIO;
}

/* ---- gntdev ---- */

void *xendev_map(struct xendev *x, unsigned int domid, uint32_t ref, uint64_t *handle)
{
	struct ioctl_gntdev_map_grant_ref m = { .count = 1 };
	struct ioctl_gntdev_unmap_grant_ref u = { .count = 1 };
	void *p;
	int rc;

	if (!handle || domid >= DOMID_FIRST_RESERVED) {
		errno = EINVAL;
		return NULL;
	}
	m.refs[0].domid = domid;
	m.refs[0].ref = ref;
	rc = dev_ioctl(x->gntdev_fd, IOCTL_GNTDEV_MAP_GRANT_REF, &m);
	if (rc) {
		errno = -rc;
		return NULL;
	}
	p = mmap(NULL, PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, x->gntdev_fd, m.index);
	if (p == MAP_FAILED) {
		int err = errno;

		u.index = m.index;
		ioctl(x->gntdev_fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
		errno = err;
		return NULL;
	}
	*handle = m.index;
	return p;
}

int xendev_gntdev_prefill(struct xendev *x)
{
	struct ioctl_gntdev_map_grant_ref m = { .count = 1 };
	struct ioctl_gntdev_unmap_grant_ref u = { .count = 1 };
	int rc;

	m.refs[0].domid = 0;		/* never mapped: no mmap follows */
	m.refs[0].ref = 0;
	rc = dev_ioctl(x->gntdev_fd, IOCTL_GNTDEV_MAP_GRANT_REF, &m);
	if (rc)
		return rc;
	u.index = m.index;
	return dev_ioctl(x->gntdev_fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
}

int xendev_unmap(struct xendev *x, void *page, uint64_t handle)
{
	struct ioctl_gntdev_unmap_grant_ref u = { .index = handle, .count = 1 };

	if (!page || ((uintptr_t)page & (PAGE_BYTES - 1)))
		return -EINVAL;
	if (x->gntdev_fd < 0)
		return -EBADF;
	if (munmap(page, PAGE_BYTES))
		return -errno;
	return dev_ioctl(x->gntdev_fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
}

/* ---- gntalloc ---- */

void *xendev_grant(struct xendev *x, unsigned int domid, unsigned int n, uint32_t *refs,
		   uint64_t *handle)
{
	struct ioctl_gntalloc_alloc_gref *a;
	struct ioctl_gntalloc_dealloc_gref d = { .count = n };
	void *p = NULL;
	int rc, err;

	if (!refs || !handle || !n || n > XENDEV_GRANT_MAX || domid >= DOMID_FIRST_RESERVED) {
		errno = EINVAL;
		return NULL;
	}
	if (x->gntalloc_fd < 0) {
		errno = EBADF;
		return NULL;
	}
	/* The ioctl's argument ends in the n refs it hands back. */
	a = calloc(1, sizeof(*a) + n * sizeof(a->gref_ids[0]));
	if (!a)
		return NULL;
	a->domid = (uint16_t)domid;
	a->flags = GNTALLOC_FLAG_WRITABLE;
	a->count = n;
	rc = dev_ioctl(x->gntalloc_fd, IOCTL_GNTALLOC_ALLOC_GREF, a);
	if (rc) {
		errno = -rc;
		goto out;
	}
	p = mmap(NULL, (size_t)n * PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, x->gntalloc_fd,
		 (off_t)a->index);
	if (p == MAP_FAILED) {
		err = errno;
		d.index = a->index;
		ioctl(x->gntalloc_fd, IOCTL_GNTALLOC_DEALLOC_GREF, &d);
		errno = err;
		p = NULL;
		goto out;
	}
	memcpy(refs, a->gref_ids, n * sizeof(refs[0]));
	*handle = a->index;
out:
	err = errno;
	free(a);
	errno = err;
	return p;
}

int xendev_ungrant(struct xendev *x, void *addr, unsigned int n, uint64_t handle)
{
	struct ioctl_gntalloc_dealloc_gref d = { .index = handle, .count = n };

	if (!addr || !n || n > XENDEV_GRANT_MAX || ((uintptr_t)addr & (PAGE_BYTES - 1)))
		return -EINVAL;
	if (x->gntalloc_fd < 0)
		return -EBADF;
	if (munmap(addr, (size_t)n * PAGE_BYTES))
		return -errno;
	return dev_ioctl(x->gntalloc_fd, IOCTL_GNTALLOC_DEALLOC_GREF, &d);
}

/* ---- privcmd ---- */

long xendev_hypercall_v(struct xendev *x, uint64_t op, const uint64_t *args, unsigned int nargs)
{
	struct privcmd_hypercall h = { .op = op };
	unsigned int i;
	long rc;

	if (nargs > 5 || (nargs && !args))
		return -EINVAL;
	for (i = 0; i < nargs; i++)
		h.arg[i] = args[i];
	if (x->privcmd_fd < 0)
		return -EBADF;
	rc = ioctl(x->privcmd_fd, IOCTL_PRIVCMD_HYPERCALL, &h);
	return rc < 0 ? -errno : rc;
}

void *xendev_hcall_alloc(struct xendev *x, unsigned int pages)
{
	int fd, err;
	void *p;

	if (!pages || pages > XENDEV_HCALL_MAX) {
		errno = EINVAL;
		return NULL;
	}
	if (x->hcall_buf) {
		errno = EEXIST;
		return NULL;
	}
	fd = open(XENDEV_DIR "/hypercall", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	/* Linux allocates the pages at the mmap (shared only); they outlive the fd. */
	p = mmap(NULL, (size_t)pages * PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	err = errno;
	close(fd);
	if (p == MAP_FAILED) {
		errno = err;
		return NULL;
	}
	x->hcall_buf = p;
	x->hcall_pages = pages;
	return p;
}

void xendev_hcall_free(struct xendev *x)
{
	if (x->hcall_buf)
		munmap(x->hcall_buf, (size_t)x->hcall_pages * PAGE_BYTES);
	x->hcall_buf = NULL;
	x->hcall_pages = 0;
}

long xendev_hypercall(struct xendev *x, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2)
{
	const uint64_t args[] = { a0, a1, a2 };

	return xendev_hypercall_v(x, op, args, 3);
}

long xendev_domain_info(struct xendev *x, unsigned int id, struct domctl_getdomaininfo *info)
{
	struct domctl op = { .cmd = DOMCTL_getdomaininfo,
			     .interface_version = DOMCTL_INTERFACE_VERSION,
			     .domain = (domid_t)id };
	long rc;

	if (!info)
		return -EINVAL;
	if (id >= DOMID_FIRST_RESERVED)
		return -ESRCH;		/* past the last, as the hypervisor says */
	rc = xendev_hypercall(x, __HYPERVISOR_domctl, (uint64_t)(uintptr_t)&op, 0, 0);
	if (!rc)
		*info = op.u.getdomaininfo;
	return rc;
}

/* The first failed page's error, or 0. */
static int first_error(const int *errs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (errs[i])
			return errs[i] < 0 ? errs[i] : -EIO;
	return 0;
}

void *xendev_map_foreign(struct xendev *x, unsigned int domid, const uint64_t *mfns,
			 unsigned int n, int *errs)
{
	int *own = NULL, *e = errs, rc;
	struct privcmd_mmapbatch_v2 b;
	void *p;

	if (!mfns || !n || n > FOREIGN_MAX || domid >= DOMID_FIRST_RESERVED) {
		errno = EINVAL;
		return NULL;
	}
	if (x->privcmd_fd < 0) {
		errno = EBADF;
		return NULL;
	}
	if (!e && !(e = own = calloc(n, sizeof(*e))))
		return NULL;
	p = mmap(NULL, (size_t)n * PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
		 x->privcmd_fd, 0);
	if (p == MAP_FAILED) {
		rc = -errno;
		goto out;
	}
	b = (struct privcmd_mmapbatch_v2){ .num = n, .dom = (uint16_t)domid,
		.addr = (uint64_t)(uintptr_t)p, .arr = (uint64_t)(uintptr_t)mfns,
		.err = (uint64_t)(uintptr_t)e };
	rc = dev_ioctl(x->privcmd_fd, IOCTL_PRIVCMD_MMAPBATCH_V2, &b);
	if (rc == -ENOENT)
		rc = 0;				/* e[] says which */
	if (!rc && own)
		rc = first_error(e, n);
	if (rc)
		munmap(p, (size_t)n * PAGE_BYTES);
out:
	free(own);
	if (rc) {
		errno = -rc;
		return NULL;
	}
	return p;
}

void *xendev_map_resource(struct xendev *x, unsigned int domid, unsigned int type,
			  unsigned int id, unsigned int idx, unsigned int n)
{
	struct privcmd_mmap_resource r = { .dom = (uint16_t)domid, .type = type, .id = id,
					   .idx = idx, .num = n };
	void *p;
	int rc;

	if (!n || n > FOREIGN_MAX || domid >= DOMID_FIRST_RESERVED) {
		errno = EINVAL;
		return NULL;
	}
	if (x->privcmd_fd < 0) {
		errno = EBADF;
		return NULL;
	}
	p = mmap(NULL, (size_t)n * PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
		 x->privcmd_fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	r.addr = (uint64_t)(uintptr_t)p;
	rc = dev_ioctl(x->privcmd_fd, IOCTL_PRIVCMD_MMAP_RESOURCE, &r);
	if (rc) {
		munmap(p, (size_t)n * PAGE_BYTES);
		errno = -rc;
		return NULL;
	}
	return p;
}

int xendev_unmap_foreign(struct xendev *x, void *addr, unsigned int n)
{
	(void)x;
	if (!addr || ((uintptr_t)addr & (PAGE_BYTES - 1)) || !n || n > FOREIGN_MAX)
		return -EINVAL;
	return munmap(addr, (size_t)n * PAGE_BYTES) ? -errno : 0;
}
