// SPDX-License-Identifier: GPL-2.0-only
/* The toolstack's disk step: see blk_attach.h. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "blk_attach.h"

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

long blk_vdev_devid(const char *v)
{
	const char *p;
	long idx = 0, part = 0;
	int major;

	if (!v)
		return -EINVAL;
	if (!strncmp(v, "xvd", 3))
		p = v + 3, major = 202;
	else if (!strncmp(v, "sd", 2))
		p = v + 2, major = 8;
	else if (!strncmp(v, "hd", 2))
		p = v + 2, major = 3;
	else
		return -EINVAL;
	if (*p < 'a' || *p > 'z')
		return -EINVAL;
	/* a..z, then aa..zz (bijective base 26), as Linux names them. */
	while (*p >= 'a' && *p <= 'z') {
		idx = idx * 26 + (*p++ - 'a' + 1);
		if (idx > 26 * 27)
			return -EINVAL;
	}
	idx--;
	while (*p >= '0' && *p <= '9') {
		part = part * 10 + (*p++ - '0');
		if (part > 255)
			return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	if (major == 3) {		/* hda..hdd: IDE 0 and 1, 64 minors each */
		if (idx > 3 || part > 63)
			return -EINVAL;
		return ((idx < 2 ? 3L : 22L) << 8) | ((idx & 1) << 6) | part;
	}
	if (major == 8) {
		if (idx > 15 || part > 15)
			return -EINVAL;
		return (8L << 8) | (idx << 4) | part;
	}
	if (idx < 16 && part < 16)
		return (202L << 8) | (idx << 4) | part;
	return (1L << 28) | (idx << 8) | part;
}

static int wr(struct xs_handle *xs, uint32_t tx, const char *dir, const char *key, const char *val)
{
	char path[256];

	if (snprintf(path, sizeof(path), "%s/%s", dir, key) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return xs_write(xs, tx, path, val, (unsigned int)strlen(val));
}

int blk_attach(struct xs_handle *xs, unsigned int domid, const struct blk_disk_spec *s,
	       const char *type, char *err, size_t errlen)
{
	char fe[128], be[160], id[24], perm_fe[2][16], perm_be[2][16];
	const char *pf[2] = { perm_fe[0], perm_fe[1] }, *pb[2] = { perm_be[0], perm_be[1] };
	struct stat st;
	uint32_t tx;
	long devid;
	int rc, tries;

	if (!xs || !s || !s->target || !s->vdev || domid == 0 || domid >= 0x7ff0)
		return say(err, errlen, -EINVAL, "bad arguments");
	devid = s->devid > 0 ? s->devid : blk_vdev_devid(s->vdev);
	if (devid < 0)
		return say(err, errlen, -EINVAL, "vdev '%s': not a disk name (xvda, sdb, hdc, ...)",
			   s->vdev ? s->vdev : "");
	if (s->target[0] != '/')
		return say(err, errlen, -EINVAL, "target '%s': not an absolute path", s->target);
	if (stat(s->target, &st))
		return say(err, errlen, -errno, "target %s: %s", s->target, strerror(errno));
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return say(err, errlen, -EINVAL, "target %s: neither a file nor a block device",
			   s->target);
	if (strlen(s->target) > 1000)
		return say(err, errlen, -ENAMETOOLONG, "target path too long");
	type = type ? type : BLK_BACKEND_TYPE;
	snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/%ld", domid, devid);
	snprintf(be, sizeof(be), "/local/domain/0/backend/%s/%u/%ld", type, domid, devid);
	snprintf(id, sizeof(id), "%ld", devid);
	snprintf(perm_fe[0], 16, "n%u", domid);
	snprintf(perm_fe[1], 16, "r0");
	snprintf(perm_be[0], 16, "n0");
	snprintf(perm_be[1], 16, "r%u", domid);
	for (tries = 0; tries < 10; tries++) {
		char dom[16];

		rc = xs_transaction_start(xs, &tx);
		if (rc)
			return say(err, errlen, rc, "xenstore transaction: %s", strerror(-rc));
		snprintf(dom, sizeof(dom), "%u", domid);
		xs_rm(xs, tx, fe);
		xs_rm(xs, tx, be);
		rc = xs_mkdir(xs, tx, be);
		rc = rc ? rc : xs_set_perms(xs, tx, be, pb, 2);
		rc = rc ? rc : wr(xs, tx, be, "frontend", fe);
		rc = rc ? rc : wr(xs, tx, be, "frontend-id", dom);
		rc = rc ? rc : wr(xs, tx, be, "params", s->target);
		rc = rc ? rc : wr(xs, tx, be, "type", S_ISBLK(st.st_mode) ? "phy" : "file");
		rc = rc ? rc : wr(xs, tx, be, "mode", s->readonly ? "r" : "w");
		rc = rc ? rc : wr(xs, tx, be, "dev", s->vdev);
		rc = rc ? rc : wr(xs, tx, be, "device-type", s->cdrom ? "cdrom" : "disk");
		rc = rc ? rc : wr(xs, tx, be, "removable", s->cdrom ? "1" : "0");
		rc = rc ? rc : wr(xs, tx, be, "bootable", "1");
		rc = rc ? rc : wr(xs, tx, be, "online", "1");
		rc = rc ? rc : wr(xs, tx, be, "discard-enable", s->discard ? "1" : "0");
		rc = rc ? rc : wr(xs, tx, be, "specification", "xen");
		rc = rc ? rc : wr(xs, tx, be, "state", "1");
		rc = rc ? rc : xs_mkdir(xs, tx, fe);
		rc = rc ? rc : xs_set_perms(xs, tx, fe, pf, 2);
		rc = rc ? rc : wr(xs, tx, fe, "backend", be);
		rc = rc ? rc : wr(xs, tx, fe, "backend-id", "0");
		rc = rc ? rc : wr(xs, tx, fe, "virtual-device", id);
		rc = rc ? rc : wr(xs, tx, fe, "device-type", s->cdrom ? "cdrom" : "disk");
		rc = rc ? rc : wr(xs, tx, fe, "trusted", "1");
		rc = rc ? rc : wr(xs, tx, fe, "protocol", "x86_64-abi");
		rc = rc ? rc : wr(xs, tx, fe, "state", "1");
		if (rc) {
			xs_transaction_end(xs, tx, false);
			return say(err, errlen, rc, "writing %s: %s", be, strerror(-rc));
		}
		rc = xs_transaction_end(xs, tx, true);
		if (rc != -EAGAIN)
			break;
	}
	return rc ? say(err, errlen, rc, "xenstore transaction: %s", strerror(-rc)) : 0;
}

int blk_wait_backend(struct xs_handle *xs, unsigned int domid, long devid, const char *type,
		     unsigned int ms)
{
	char path[200], *val;
	unsigned int len, waited = 0;

	snprintf(path, sizeof(path), "/local/domain/0/backend/%s/%u/%ld/state",
		 type ? type : BLK_BACKEND_TYPE, domid, devid);
	for (;;) {
		if (!xs_read(xs, 0, path, &val, &len)) {
			bool ok = !strcmp(val, "2") || !strcmp(val, "4");

			free(val);
			if (ok)
				return 0;
		}
		if (waited >= ms)
			return -ETIMEDOUT;
		poll(NULL, 0, 50);
		waited += 50;
	}
}

int blk_detach(struct xs_handle *xs, unsigned int domid, long devid, const char *type)
{
	char fe[128], be[160];
	int rc;

	snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/%ld", domid, devid);
	snprintf(be, sizeof(be), "/local/domain/0/backend/%s/%u/%ld",
		 type ? type : BLK_BACKEND_TYPE, domid, devid);
	rc = xs_rm(xs, 0, fe);
	if (rc && rc != -ENOENT)
		return rc;
	rc = xs_rm(xs, 0, be);
	return rc == -ENOENT ? 0 : rc;
}
