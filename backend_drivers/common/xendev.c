// SPDX-License-Identifier: GPL-2.0-only
/* The dom0 device glue of the backends (see xendev.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "xendev.h"
/* Linux's uapi headers expect Xen's basic types to exist already. */
typedef uint32_t grant_ref_t;
typedef uint16_t domid_t;
#include <xen/evtchn.h>
#include <xen/gntdev.h>

#define PAGE_BYTES	4096

int xendev_open(struct xendev *x)
{
	x->evtchn_fd = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC);
	if (x->evtchn_fd < 0)
		return -errno;
	x->gntdev_fd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);
	if (x->gntdev_fd < 0) {
		int rc = -errno;

		close(x->evtchn_fd);
		x->evtchn_fd = -1;
		return rc;
	}
	return 0;
}

void xendev_close(struct xendev *x)
{
	if (x->evtchn_fd >= 0)
		close(x->evtchn_fd);
	if (x->gntdev_fd >= 0)
		close(x->gntdev_fd);
	x->evtchn_fd = x->gntdev_fd = -1;
}

int xendev_bind(struct xendev *x, unsigned int domid, unsigned int remote_port)
{
	struct ioctl_evtchn_bind_interdomain b = {
		.remote_domain = domid, .remote_port = remote_port,
	};
	int rc = ioctl(x->evtchn_fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);

	return rc < 0 ? -errno : rc;
}

int xendev_bind_virq(struct xendev *x, unsigned int virq)
{
	struct ioctl_evtchn_bind_virq b = { .virq = virq };
	int rc = ioctl(x->evtchn_fd, IOCTL_EVTCHN_BIND_VIRQ, &b);

	return rc < 0 ? -errno : rc;
}

void xendev_unbind(struct xendev *x, unsigned int local_port)
{
	struct ioctl_evtchn_unbind u = { .port = local_port };

	ioctl(x->evtchn_fd, IOCTL_EVTCHN_UNBIND, &u);
}

void xendev_notify(struct xendev *x, unsigned int local_port)
{
	struct ioctl_evtchn_notify n = { .port = local_port };

	ioctl(x->evtchn_fd, IOCTL_EVTCHN_NOTIFY, &n);
}

int xendev_pending(struct xendev *x)
{
	uint32_t port;
	ssize_t n = read(x->evtchn_fd, &port, sizeof(port));

	if (n < 0)
		return -errno;
	return n == sizeof(port) ? (int)port : -EIO;
}

void xendev_unmask(struct xendev *x, unsigned int local_port)
{
	uint32_t port = local_port;

	if (write(x->evtchn_fd, &port, sizeof(port)) != sizeof(port))
		return;		/* the port was closed meanwhile */
}

void *xendev_map(struct xendev *x, unsigned int domid, uint32_t ref, uint64_t *handle)
{
	struct ioctl_gntdev_map_grant_ref m = { .count = 1 };
	struct ioctl_gntdev_unmap_grant_ref u = { .count = 1 };
	void *p;

	m.refs[0].domid = domid;
	m.refs[0].ref = ref;
	if (ioctl(x->gntdev_fd, IOCTL_GNTDEV_MAP_GRANT_REF, &m))
		return NULL;
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

void xendev_unmap(struct xendev *x, void *page, uint64_t handle)
{
	struct ioctl_gntdev_unmap_grant_ref u = { .index = handle, .count = 1 };

	munmap(page, PAGE_BYTES);
	ioctl(x->gntdev_fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
}
