// SPDX-License-Identifier: GPL-2.0-only
/* The toolstack's disk step: see devices_disk.h. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "devices_backend.h"
#include "devices_disk.h"

static const char *const be_types[] = { "qdisk", "vbd" };

static int say(char *err, size_t len, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int say(char *err, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* What one disk needs, found by check_one(). */
struct disk_plan {
	const char *type;		/* "qdisk" or "vbd" */
	char target[PATH_MAX];		/* absolute */
	struct stat st;
};

#define WHO_FMT		"%s: disk %u (%s)"
/* Disks counted from 1, as the config's parser names them. */
#define WHO(d, i)	(d)->where ? (d)->where : "disk", (i) + 1, (d)->vdev ? (d)->vdev : "?"

static int check_one(const struct vmctl_disk *d, unsigned int i, struct disk_plan *p, char *err,
		     size_t errlen)
{
	if (d->devid <= 0)
		return say(err, errlen, -EINVAL, WHO_FMT ": not a virtual disk name", WHO(d, i));
	if (d->backend && strcmp(d->backend, "0") && strcmp(d->backend, "Domain-0"))
		return say(err, errlen, -EOPNOTSUPP, WHO_FMT ": backend=%s: driver domains are not "
			   "supported (the backend runs in dom0)", WHO(d, i), d->backend);
	if (d->script)
		return say(err, errlen, -EOPNOTSUPP, WHO_FMT ": script=%s: hotplug scripts are not "
			   "supported", WHO(d, i), d->script);
	if (d->virtio)
		return say(err, errlen, -EOPNOTSUPP, WHO_FMT ": specification=virtio is not "
			   "supported (xen only)", WHO(d, i));
	if (d->format == VMCTL_DISK_EMPTY || !d->target || !*d->target)
		return say(err, errlen, -EOPNOTSUPP, WHO_FMT ": an empty drive is not supported "
			   "(a target is needed)", WHO(d, i));
	if (d->format != VMCTL_DISK_RAW)
		return say(err, errlen, -EOPNOTSUPP, WHO_FMT ": only format=raw is supported",
			   WHO(d, i));
	switch (d->backendtype) {
	case VMCTL_DISK_BACKEND_AUTO:
	case VMCTL_DISK_BACKEND_QDISK:
		p->type = "qdisk";
		break;
	case VMCTL_DISK_BACKEND_PHY:
		p->type = "vbd";
		break;
	default:
		return say(err, errlen, -EOPNOTSUPP, WHO_FMT ": backendtype tap and standalone are "
			   "not supported (qdisk: blkback; phy: Linux's xen-blkback)", WHO(d, i));
	}
	if (!realpath(d->target, p->target) || stat(p->target, &p->st))
		return say(err, errlen, -errno, WHO_FMT ": target %s: %s", WHO(d, i), d->target,
			   strerror(errno));
	if (!S_ISREG(p->st.st_mode) && !S_ISBLK(p->st.st_mode))
		return say(err, errlen, -EINVAL, WHO_FMT ": target %s: neither a file nor a block "
			   "device", WHO(d, i), d->target);
	if (!strcmp(p->type, "vbd") && !S_ISBLK(p->st.st_mode))
		return say(err, errlen, -EINVAL, WHO_FMT ": backendtype=phy needs a block device "
			   "(e.g. a loop device from losetup), not the file %s", WHO(d, i), d->target);
	if (access(p->target, d->readwrite ? R_OK | W_OK : R_OK))
		return say(err, errlen, -errno, WHO_FMT ": target %s: %s", WHO(d, i), d->target,
			   strerror(errno));
	return 0;
}

int vmctl_disks_check(const struct vmctl_config *c, char *err, size_t errlen)
{
	struct disk_plan p;
	unsigned int i;
	int rc;

	/* A device number given twice is the parser's refusal already. */
	for (i = 0; i < c->nr_disks; i++) {
		rc = check_one(&c->disks[i], i, &p, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

/* -------------------------------------------------------------- store */

static void dirs(unsigned int domid, const char *type, int devid, char fe[128], char be[160])
{
	snprintf(fe, 128, "/local/domain/%u/device/vbd/%d", domid, devid);
	snprintf(be, 160, "/local/domain/0/backend/%s/%u/%d", type, domid, devid);
}

/* Both directories of §5.4 in one transaction, each with state 1. */
static int write_dirs(struct xs_handle *xs, unsigned int domid, const struct vmctl_disk *d,
		      const struct disk_plan *p)
{
	char fe[128], be[160], id[24], dom[16], pfe[16], pbe[16], phys[32];
	const char *perm_fe[2] = { pfe, "r0" }, *perm_be[2] = { "n0", pbe };
	const char *devtype = d->cdrom ? "cdrom" : "disk";
	char params[PATH_MAX + 8];
	bool qdisk;
	uint32_t tx;
	int rc, tries;

	dirs(domid, p->type, d->devid, fe, be);
	qdisk = !strcmp(p->type, "qdisk");
	snprintf(params, sizeof(params), "%s%s", qdisk ? "aio:" : "", p->target);
	snprintf(id, sizeof(id), "%d", d->devid);
	snprintf(dom, sizeof(dom), "%u", domid);
	snprintf(pfe, sizeof(pfe), "n%u", domid);
	snprintf(pbe, sizeof(pbe), "r%u", domid);
	/* Linux's xen-blkback: "%x:%x" (drivers/block/xen-blkback/xenbus.c). */
	snprintf(phys, sizeof(phys), "%x:%x", major(p->st.st_rdev), minor(p->st.st_rdev));
	for (tries = 0; tries < 10; tries++) {
		rc = xs_transaction_start(xs, &tx);
		if (rc)
			return rc;
		/* the frontend first, as xl (toolstack.md §5.4) */
		rc = xs_mkdir(xs, tx, fe);
		rc = rc ? rc : xs_set_perms(xs, tx, fe, perm_fe, 2);
		rc = rc ? rc : vmctl_xs_put(xs, tx, fe, "backend", be);
		rc = rc ? rc : vmctl_xs_put(xs, tx, fe, "backend-id", "0");
		rc = rc ? rc : vmctl_xs_put(xs, tx, fe, "virtual-device", id);
		rc = rc ? rc : vmctl_xs_put(xs, tx, fe, "device-type", devtype);
		rc = rc ? rc : vmctl_xs_put(xs, tx, fe, "trusted", d->trusted == 0 ? "0" : "1");
		rc = rc ? rc : vmctl_xs_put(xs, tx, fe, "protocol", "x86_64-abi");
		rc = rc ? rc : vmctl_xs_put(xs, tx, fe, "state", "1");
		rc = rc ? rc : xs_mkdir(xs, tx, be);
		rc = rc ? rc : xs_set_perms(xs, tx, be, perm_be, 2);
		rc = rc ? rc : vmctl_xs_put(xs, tx, be, "frontend", fe);
		rc = rc ? rc : vmctl_xs_put(xs, tx, be, "frontend-id", dom);
		/* libxl's: "aio:<target>" and "qdisk" for a qdisk, the target and "phy" for a vbd */
		rc = rc ? rc : vmctl_xs_put(xs, tx, be, "params", params);
		rc = rc ? rc : vmctl_xs_put(xs, tx, be, "type", qdisk ? "qdisk" : "phy");
		rc = rc ? rc : vmctl_xs_put(xs, tx, be, "mode", d->readwrite ? "w" : "r");
		rc = rc ? rc : vmctl_xs_put(xs, tx, be, "dev", d->vdev);
		rc = rc ? rc : vmctl_xs_put(xs, tx, be, "device-type", devtype);
		rc = rc ? rc : vmctl_xs_put(xs, tx, be, "removable", d->cdrom ? "1" : "0");
		rc = rc ? rc : vmctl_xs_put(xs, tx, be, "bootable", "1");
		rc = rc ? rc : vmctl_xs_put(xs, tx, be, "online", "1");
		rc = rc ? rc : vmctl_xs_put(xs, tx, be, "discard-enable", d->discard ? "1" : "0");
		rc = rc ? rc : vmctl_xs_put(xs, tx, be, "specification", "xen");
		if (!rc && !strcmp(p->type, "vbd"))
			rc = vmctl_xs_put(xs, tx, be, "physical-device", phys);
		if (!rc && !strcmp(p->type, "vbd"))
			rc = vmctl_xs_put(xs, tx, be, "physical-device-path", p->target);
		rc = rc ? rc : vmctl_xs_put(xs, tx, be, "state", "1");
		if (rc) {
			xs_transaction_end(xs, tx, false);
			return rc;
		}
		rc = xs_transaction_end(xs, tx, true);
		if (rc != -EAGAIN)
			break;
	}
	return rc;
}

static void remove_dirs(struct xs_handle *xs, unsigned int domid, const char *type, int devid)
{
	char fe[128], be[160];

	dirs(domid, type, devid, fe, be);
	xs_rm(xs, 0, fe);
	xs_rm(xs, 0, be);
}

/* The backend's state, or -1. */
static int be_state(struct xs_handle *xs, const char *be)
{
	char path[200], *val;
	unsigned int len;
	int s;

	snprintf(path, sizeof(path), "%s/state", be);
	if (xs_read(xs, 0, path, &val, &len))
		return -1;
	s = atoi(val);
	free(val);
	return s;
}

int vmctl_disks_attach(struct xs_handle *xs, unsigned int domid, const struct vmctl_disk *disks,
		       unsigned int n, char *err, size_t errlen)
{
	struct disk_plan *p = calloc(n ? n : 1, sizeof(*p));
	unsigned int i, done = 0, waited = 0;
	int rc = 0;

	if (!p)
		return say(err, errlen, -ENOMEM, "out of memory");
	for (i = 0; i < n && !rc; i++)
		rc = check_one(&disks[i], i, &p[i], err, errlen);
	for (i = 0; i < n && !rc; i++)
		if (!strcmp(p[i].type, "qdisk")) {
			rc = vmctl_backend_ensure(VMCTL_BLKBACK, VMCTL_BLKBACK_LOCK, VMCTL_BLKBACK_LOG,
						  err, errlen);
			break;
		}
	for (i = 0; i < n && !rc; i++) {
		char fe[128], be[160], *val;
		unsigned int len;

		dirs(domid, p[i].type, disks[i].devid, fe, be);
		if (!xs_read(xs, 0, fe, &val, &len)) {
			free(val);
			rc = say(err, errlen, -EEXIST, WHO_FMT ": domain %u already has device %d",
				 WHO(&disks[i], i), domid, disks[i].devid);
		}
	}
	for (; done < n && !rc; done++) {
		rc = write_dirs(xs, domid, &disks[done], &p[done]);
		if (rc)
			say(err, errlen, rc, WHO_FMT ": writing its xenstore nodes: %s",
			    WHO(&disks[done], done), strerror(-rc));
	}
	/* Every backend takes its disk: InitWait (2) or Connected (4). */
	for (i = 0; i < n && !rc; i++) {
		char fe[128], be[160];
		int s;

		dirs(domid, p[i].type, disks[i].devid, fe, be);
		while ((s = be_state(xs, be)) != 2 && s != 4 && waited < VMCTL_DISK_WAIT_MS) {
			poll(NULL, 0, 50);
			waited += 50;
		}
		if (s != 2 && s != 4)
			rc = say(err, errlen, -ETIMEDOUT, WHO_FMT ": no backend took it within %u s "
				 "(state %d; %s)", WHO(&disks[i], i), VMCTL_DISK_WAIT_MS / 1000, s,
				 !strcmp(p[i].type, "vbd") ? "is Linux's xen-blkback loaded?" :
				 "see " VMCTL_BLKBACK_LOG);
	}
	if (rc)
		while (done--)
			remove_dirs(xs, domid, p[done].type, disks[done].devid);
	free(p);
	return rc;
}

int vmctl_disk_detach(struct xs_handle *xs, unsigned int domid, int devid, unsigned int wait_ms)
{
	char fe[128], be[160];
	unsigned int t;

	for (t = 0; t < sizeof(be_types) / sizeof(be_types[0]); t++) {
		dirs(domid, be_types[t], devid, fe, be);
		if (be_state(xs, be) >= 0)
			break;
	}
	if (t == sizeof(be_types) / sizeof(be_types[0]))
		return -ENOENT;
	vmctl_backend_close_wait(xs, be, wait_ms);
	remove_dirs(xs, domid, be_types[t], devid);
	return 0;
}

void vmctl_disks_remove(struct xs_handle *xs, unsigned int domid)
{
	char path[96];
	unsigned int t;

	for (t = 0; t < sizeof(be_types) / sizeof(be_types[0]); t++) {
		snprintf(path, sizeof(path), "/local/domain/0/backend/%s/%u", be_types[t], domid);
		xs_rm(xs, 0, path);
	}
	snprintf(path, sizeof(path), "/local/domain/%u/device/vbd", domid);
	xs_rm(xs, 0, path);
}

void vmctl_disks_gone(struct xs_handle *xs, unsigned int domid, const char *name)
{
	char path[64], *val;
	unsigned int len;
	bool other;

	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	if (!xs_read(xs, 0, path, &val, &len)) {
		other = strcmp(val, name) != 0;
		free(val);
		if (other)
			return;		/* a new domain has this id: its disks stay */
	}
	vmctl_disks_remove(xs, domid);
}
