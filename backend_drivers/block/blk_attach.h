/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The toolstack's disk step (toolstack.md §4.3, §5.4), as a library for
 * `vmctl create` / `destroy` and the tests: the frontend directory
 * /local/domain/<d>/device/vbd/<devid> (the guest's, dom0 may read) and
 * the backend directory /local/domain/0/backend/<type>/<d>/<devid>
 * (dom0's, the guest may read), written in one transaction with state 1,
 * for blkback (type "qdisk") to serve. Returns 0 or a negative errno with
 * a sentence in @err; never prints or exits.
 */
#ifndef BLK_ATTACH_H
#define BLK_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include "xs.h"

#define BLK_BACKEND_TYPE	"qdisk"		/* what blkback serves by default */

/* xvda -> 51712, xvdq -> 268439552, hda -> 768, sda -> 2048, xvda1 -> 51713; -EINVAL. */
long blk_vdev_devid(const char *vdev);

struct blk_disk_spec {
	const char *vdev;	/* xvda ... (the backend's dev node) */
	long devid;		/* > 0: the device number to use; 0: blk_vdev_devid(vdev) */
	const char *target;	/* an image file or a block device */
	bool readonly;		/* access=ro */
	bool cdrom;		/* devtype=cdrom */
	bool discard;		/* discard-enable (xl's default: on) */
};

/*
 * Checks the target (exists, a regular file or a block device) and writes
 * both directories for domain @domid, backend in dom0, type @type (NULL:
 * BLK_BACKEND_TYPE). Nothing is left behind on failure.
 */
int blk_attach(struct xs_handle *xs, unsigned int domid, const struct blk_disk_spec *spec,
	       const char *type, char *err, size_t errlen);
/*
 * Waits up to @ms for the backend to reach InitWait (2) or Connected (4):
 * blkback took the device. -ETIMEDOUT if it did not (is blkback running?).
 */
int blk_wait_backend(struct xs_handle *xs, unsigned int domid, long devid, const char *type,
		     unsigned int ms);
/* Removes both directories (blkback disconnects and lets the device go). */
int blk_detach(struct xs_handle *xs, unsigned int domid, long devid, const char *type);

#endif
