/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Linux dom0 devices the backends, xenstored and vmctl use
 * (pv-abi-devices.md §2, §6): /dev/xen/evtchn for event channels,
 * /dev/xen/gntdev to map a guest's granted pages, /dev/xen/privcmd for
 * hypercalls. One copy of this glue for all of them. Functions return 0
 * (or a port, a count, a pointer) on success and a negative errno (or NULL
 * with errno set) on failure; a device that is not open gives -EBADF.
 */
#ifndef BACKEND_XENDEV_H
#define BACKEND_XENDEV_H

#include <stdint.h>
#include <lamina/domctl.h>

#define XENDEV_EVTCHN	(1U << 0)
#define XENDEV_GNTDEV	(1U << 1)
#define XENDEV_PRIVCMD	(1U << 2)

struct xendev {
	int evtchn_fd;
	int gntdev_fd;
	int privcmd_fd;
};

#define XENDEV_INIT	{ -1, -1, -1 }

/*
 * Opens the devices named in @want that are not open yet; the first
 * failure's -errno (those opened before it stay open). Call again for
 * devices a program can do without.
 */
int xendev_open(struct xendev *x, unsigned int want);
void xendev_close(struct xendev *x);

/* Binds the guest's port; returns our local port. */
int xendev_bind(struct xendev *x, unsigned int domid, unsigned int remote_port);
int xendev_bind_virq(struct xendev *x, unsigned int virq);
void xendev_unbind(struct xendev *x, unsigned int local_port);
void xendev_notify(struct xendev *x, unsigned int local_port);
/* The next pending local port (the fd is readable), or -errno. */
int xendev_pending(struct xendev *x);
/* Lets a port fire again after xendev_pending() returned it. */
void xendev_unmask(struct xendev *x, unsigned int local_port);

/* One granted page, mapped writable; *handle is for xendev_unmap. */
void *xendev_map(struct xendev *x, unsigned int domid, uint32_t ref, uint64_t *handle);
void xendev_unmap(struct xendev *x, void *page, uint64_t handle);

/* A hypercall with up to three arguments: its result, or -errno. */
long xendev_hypercall(struct xendev *x, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2);
/* domctl getdomaininfo: the first domain with an id >= id; -ESRCH past the last. */
long xendev_domain_info(struct xendev *x, unsigned int id, struct domctl_getdomaininfo *info);

#endif
