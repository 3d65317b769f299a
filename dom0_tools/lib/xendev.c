// SPDX-License-Identifier: GPL-2.0-only
/* The dom0 device glue (see xendev.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <lamina/hypercall.h>
#include <lamina/io/privcmd.h>
#include "xendev.h"
/* Linux's uapi headers expect Xen's basic types to exist already (domid_t: lamina/types.h). */
typedef uint32_t grant_ref_t;
#include <xen/evtchn.h>
#include <xen/gntdev.h>

#define PAGE_BYTES	4096

static int open_dev(int *fd, const char *path)
{
	if (*fd < 0)
		*fd = open(path, O_RDWR | O_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

int xendev_open(struct xendev *x, unsigned int want)
{
	int rc = 0;

	if (want & XENDEV_EVTCHN)
		rc = open_dev(&x->evtchn_fd, "/dev/xen/evtchn");
	if (!rc && (want & XENDEV_GNTDEV))
		rc = open_dev(&x->gntdev_fd, "/dev/xen/gntdev");
	if (!rc && (want & XENDEV_PRIVCMD))
		rc = open_dev(&x->privcmd_fd, "/dev/xen/privcmd");
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
	*x = (struct xendev)XENDEV_INIT;
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

long xendev_hypercall(struct xendev *x, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct privcmd_hypercall h = { .op = op, .arg = { a0, a1, a2 } };
	long rc = ioctl(x->privcmd_fd, IOCTL_PRIVCMD_HYPERCALL, &h);

	return rc < 0 ? -errno : rc;
}

long xendev_domain_info(struct xendev *x, unsigned int id, struct domctl_getdomaininfo *info)
{
	struct domctl op = { .cmd = DOMCTL_getdomaininfo,
			     .interface_version = DOMCTL_INTERFACE_VERSION,
			     .domain = (domid_t)id };
	long rc = xendev_hypercall(x, __HYPERVISOR_domctl, (uint64_t)(uintptr_t)&op, 0, 0);

	if (!rc)
		*info = op.u.getdomaininfo;
	return rc;
}
