/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The toolstack's vif step (docs/toolstack.md §4.4, §5.6) for `vmctl
 * create`, `destroy`, `network-attach` and `network-detach`: each NETSPEC
 * checked, then the frontend directory /local/domain/<d>/device/vif/<devid>
 * (the guest's, dom0 may read; `mtu` dom0's, the guest may read) and the
 * backend directory /local/domain/0/backend/vif/<d>/<devid> (dom0's, the
 * guest may read: `mac`, `bridge`, `handle`, `type`, `script`, and `ip`
 * and `vifname` when given) written in one transaction, the frontend's
 * first as xl does, state 1 last in each, for netback
 * (backend_drivers/net) to serve: it makes the tap vif<d>.<devid> (or
 * `vifname`) and puts it on the bridge, as Xen's
 * vif-bridge hotplug script would. vmctl starts netback when none runs.
 *
 * Functions return 0 or a negative errno with a sentence in @err naming
 * the vif; nothing here prints or exits.
 */
#ifndef LIBVMCTL_DEVICES_VIF_H
#define LIBVMCTL_DEVICES_VIF_H

#include <stddef.h>
#include "config.h"
#include "xs.h"

#define VMCTL_NETBACK		"netback"	/* run from $PATH, as `netback -v` */
#define VMCTL_NETBACK_LOG	"/var/log/lamina/netback.log"
#define VMCTL_NETBACK_LOCK	"/run/lamina/netback-vif.lock"	/* held by a running one */
#define VMCTL_VIF_WAIT_MS	10000		/* for netback to take a vif */
#define VMCTL_VIF_BRIDGE	"xenbr0"	/* xl's default bridge */

/*
 * Checks every vif of @c before anything is built: a backend in dom0, no
 * hotplug script but vif-bridge, no rate limit, a bridge that exists in
 * dom0, a usable vifname and ip.
 */
int vmctl_vifs_check(const struct vmctl_config *c, char *err, size_t errlen);

/*
 * Attaches vifs[0..n) to domain @domid (introduced, not yet unpaused),
 * starting netback first if none runs, then waits up to VMCTL_VIF_WAIT_MS
 * for it to take each (InitWait or Connected). A vif without mac= gets
 * 00:16:3e and three random bytes, as xl. On failure the vifs attached
 * here (and only they) are removed again. Also `vmctl network-attach`.
 */
int vmctl_vifs_attach(struct xs_handle *xs, unsigned int domid, const struct vmctl_vif *vifs,
		      unsigned int n, char *err, size_t errlen);

/*
 * One vif of a running domain away, as xl network-detach: backend online 0
 * and state 5 (Closing), up to @wait_ms for netback to close (state 6:
 * rings and port let go, the frontend closed), then both directories
 * removed; netback deletes the tap. -ENOENT
 * when @domid has no backend vif @devid.
 */
int vmctl_vif_detach(struct xs_handle *xs, unsigned int domid, int devid, unsigned int wait_ms);

/* The devid xl network-attach picks: one above the largest under device/vif, else 0. */
int vmctl_vif_next_devid(struct xs_handle *xs, unsigned int domid);

/*
 * Every vif of @domid: backend online 0 and state 5 (Closing), then both
 * directories removed, as at destroy; netback unplugs the tap and
 * removes it. The bridge stays. Missing nodes are fine.
 */
void vmctl_vifs_remove(struct xs_handle *xs, unsigned int domid);

#endif
