/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dom0 devices a userspace backend needs (pv-abi-devices.md §6):
 * /dev/xen/evtchn for event channels and /dev/xen/gntdev to map a guest's
 * granted pages. Every function returns 0 (or a port, or a pointer) on
 * success and a negative errno (or NULL with errno set) on failure.
 */
#ifndef BACKEND_XENDEV_H
#define BACKEND_XENDEV_H

#include <stdint.h>

struct xendev {
	int evtchn_fd;
	int gntdev_fd;
};

int xendev_open(struct xendev *x);
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

#endif
