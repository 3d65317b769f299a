/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The toolstack's disk step (docs/toolstack.md §4.3, §5.4) for `vmctl
 * create`, `destroy`, `block-attach` and `block-detach`: a DISKSPEC of the
 * config checked, then the frontend directory
 * /local/domain/<d>/device/vbd/<devid> (the guest's, dom0 may read) and the
 * backend directory /local/domain/0/backend/<type>/<d>/<devid> (dom0's,
 * the guest may read) written in one transaction with state 1, for the
 * backend to serve:
 *
 *   type qdisk   blkback (backend_drivers/block), a raw image file or a
 *                block device; the default (backendtype not given or qdisk).
 *                vmctl starts blkback when none runs (VMCTL_BLKBACK_LOG).
 *   type vbd     Linux's in-kernel xen-blkback (backendtype=phy): the
 *                target must be a block device (e.g. a loop device), named
 *                to it in physical-device as "major:minor" in hex.
 *
 * Functions return 0 or a negative errno with a sentence in @err naming
 * the disk; nothing here prints or exits.
 */
#ifndef LIBVMCTL_DEVICES_DISK_H
#define LIBVMCTL_DEVICES_DISK_H

#include <stddef.h>
#include "config.h"
#include "xs.h"

#define VMCTL_BLKBACK		"blkback"	/* run from $PATH, as `blkback -v` */
#define VMCTL_BLKBACK_LOG	"/var/log/lamina/blkback.log"
#define VMCTL_BLKBACK_LOCK	"/run/lamina/blkback-qdisk.lock"	/* held by a running one */
#define VMCTL_DISK_WAIT_MS	10000		/* for a backend to take a disk */

/*
 * Checks every disk of @c before anything is built: a raw image file or
 * block device that exists (an absolute or relative path), a backendtype
 * Lamina serves (qdisk, phy with a block device), no driver domain, no
 * hotplug script, no virtio, no empty cdrom. (The parser refuses a device
 * number given twice.)
 */
int vmctl_disks_check(const struct vmctl_config *c, char *err, size_t errlen);

/*
 * Attaches disks[0..n) to domain @domid (introduced, not yet unpaused),
 * starting blkback first if a disk needs it and none runs, then waits up
 * to VMCTL_DISK_WAIT_MS for each backend to take its disk (InitWait or
 * Connected). On failure the disks attached here are removed again.
 */
int vmctl_disks_attach(struct xs_handle *xs, unsigned int domid, const struct vmctl_disk *disks,
		       unsigned int n, char *err, size_t errlen);

/*
 * One disk of a running domain, as xl block-detach: backend online 0 and
 * state 5 (Closing), up to @wait_ms for the backend to close (state 6: its
 * in-flight I/O completed, ring and port let go, the frontend closed) or
 * its directory to vanish, then both directories removed
 * (vmctl_backend_close_wait). -ENOENT when the domain has no such disk.
 */
int vmctl_disk_detach(struct xs_handle *xs, unsigned int domid, int devid, unsigned int wait_ms);

/*
 * Every disk directory of @domid removed (both backend types), as at
 * destroy: the backends let the devices go. Missing nodes are fine.
 */
void vmctl_disks_remove(struct xs_handle *xs, unsigned int domid);

/*
 * For the monitor, once domain @domid (named @name) is dying or gone: its
 * disk directories removed, unless the store names another domain with
 * this id (a new domain got it).
 */
void vmctl_disks_gone(struct xs_handle *xs, unsigned int domid, const char *name);

#endif
