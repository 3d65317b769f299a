// SPDX-License-Identifier: GPL-2.0-only
/* The toolstack's vif step: see devices_vif.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "devices_backend.h"
#include "devices_vif.h"

static int vif_fail(char *err, size_t len, int rc, const struct vmctl_vif *v, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int vif_fail(char *err, size_t len, int rc, const struct vmctl_vif *v, const char *fmt, ...)
{
	int n = snprintf(err, len, "%s: vif %d: ", v->where ? v->where : "vif", v->devid);
	va_list ap;

	if (n >= 0 && (size_t)n < len) {
		va_start(ap, fmt);
		vsnprintf(err + n, len - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* An interface name the kernel takes: 1 to 15 bytes, no '/', ':' or space. */
static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);

	return n && n < IFNAMSIZ && !strpbrk(s, "/: \t\n") && strcmp(s, ".") && strcmp(s, "..");
}

static bool bridge_exists(const char *name)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/class/net/%s/bridge", name);
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static int check_one(const struct vmctl_vif *v, char *err, size_t errlen)
{
	const char *bridge = v->bridge ? v->bridge : VMCTL_VIF_BRIDGE;

	if (v->backend && strcmp(v->backend, "0") && strcmp(v->backend, "Domain-0"))
		return vif_fail(err, errlen, -EOPNOTSUPP, v, "backend=%s: driver domains are not "
				"supported (netback runs in dom0)", v->backend);
	if (v->script && strcmp(v->script, "vif-bridge") &&
	    strcmp(v->script, "/etc/xen/scripts/vif-bridge"))
		return vif_fail(err, errlen, -EOPNOTSUPP, v, "script=%s: hotplug scripts are not "
				"supported (netback does vif-bridge's work itself)", v->script);
	if (v->rate_bytes_per_sec)
		return vif_fail(err, errlen, -EOPNOTSUPP, v, "rate= is not supported");
	if (v->gatewaydev)
		return vif_fail(err, errlen, -EOPNOTSUPP, v, "gatewaydev= (vif-route, vif-nat) is "
				"not supported; use a bridge");
	if (!ifname_ok(bridge))
		return vif_fail(err, errlen, -EINVAL, v, "bridge=%s is not an interface name", bridge);
	if (!bridge_exists(bridge))
		return vif_fail(err, errlen, -ENODEV, v, "bridge %s does not exist in dom0", bridge);
	if (v->vifname && !ifname_ok(v->vifname))
		return vif_fail(err, errlen, -EINVAL, v, "vifname=%s is not an interface name "
				"(1 to 15 characters, no '/', ':' or space)", v->vifname);
	if (v->ip && (!*v->ip || strlen(v->ip) > 200 ||
		      strspn(v->ip, "0123456789abcdefABCDEF.:/ ") != strlen(v->ip)))
		return vif_fail(err, errlen, -EINVAL, v, "ip=%s: expected addresses separated by "
				"spaces", v->ip);
	return 0;
}

int vmctl_vifs_check(const struct vmctl_config *c, char *err, size_t errlen)
{
	unsigned int i;
	int rc;

	for (i = 0; i < c->nr_vifs; i++) {
		rc = check_one(&c->vifs[i], err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------------- the store */

static void vif_dirs(unsigned int domid, int devid, char fe[96], char be[96])
{
	snprintf(fe, 96, "/local/domain/%u/device/vif/%d", domid, devid);
	snprintf(be, 96, "/local/domain/0/backend/vif/%u/%d", domid, devid);
}

/* A directory with its owner and one reader: "n<own>", "r<rd>". */
static int put_dir(struct xs_handle *xs, uint32_t tx, const char *dir, unsigned int own,
		   unsigned int rd)
{
	char o[16], r[16];
	const char *perms[2] = { o, r };
	int rc = xs_mkdir(xs, tx, dir);

	snprintf(o, sizeof(o), "n%u", own);
	snprintf(r, sizeof(r), "r%u", rd);
	return rc ? rc : xs_set_perms(xs, tx, dir, perms, 2);
}

/*
 * Both directories of toolstack.md §5.6 in one transaction, in xl's order:
 * the frontend's, then the backend's; state 1 last in each.
 */
static int write_vif(struct xs_handle *xs, uint32_t tx, unsigned int domid,
		     const struct vmctl_vif *v, const char *mac)
{
	char fe[96], be[96], id[16], dom[16], mtu[16], mtu_path[112], rd[16];
	const char *mtu_perms[2] = { "n0", rd };
	int rc;

	vif_dirs(domid, v->devid, fe, be);
	snprintf(id, sizeof(id), "%d", v->devid);
	snprintf(dom, sizeof(dom), "%u", domid);
	snprintf(mtu, sizeof(mtu), "%u", v->mtu ? v->mtu : 1500);
	rc = put_dir(xs, tx, fe, domid, 0);
	rc = rc ? rc : vmctl_xs_put(xs, tx, fe, "backend", be);
	rc = rc ? rc : vmctl_xs_put(xs, tx, fe, "backend-id", "0");
	rc = rc ? rc : vmctl_xs_put(xs, tx, fe, "handle", id);
	rc = rc ? rc : vmctl_xs_put(xs, tx, fe, "mac", mac);
	rc = rc ? rc : vmctl_xs_put(xs, tx, fe, "trusted", v->trusted == 0 ? "0" : "1");
	rc = rc ? rc : vmctl_xs_put(xs, tx, fe, "mtu", mtu);
	/* mtu is dom0's word: the guest may read it, not change it */
	snprintf(mtu_path, sizeof(mtu_path), "%s/mtu", fe);
	snprintf(rd, sizeof(rd), "r%u", domid);
	rc = rc ? rc : xs_set_perms(xs, tx, mtu_path, mtu_perms, 2);
	rc = rc ? rc : vmctl_xs_put(xs, tx, fe, "state", "1");
	rc = rc ? rc : put_dir(xs, tx, be, 0, domid);
	rc = rc ? rc : vmctl_xs_put(xs, tx, be, "frontend", fe);
	rc = rc ? rc : vmctl_xs_put(xs, tx, be, "frontend-id", dom);
	rc = rc ? rc : vmctl_xs_put(xs, tx, be, "online", "1");
	rc = rc ? rc : vmctl_xs_put(xs, tx, be, "script", "/etc/xen/scripts/vif-bridge");
	rc = rc ? rc : vmctl_xs_put(xs, tx, be, "mac", mac);
	rc = rc ? rc : vmctl_xs_put(xs, tx, be, "bridge", v->bridge ? v->bridge : VMCTL_VIF_BRIDGE);
	rc = rc ? rc : vmctl_xs_put(xs, tx, be, "handle", id);
	rc = rc ? rc : vmctl_xs_put(xs, tx, be, "type", "vif");
	rc = rc ? rc : vmctl_xs_put(xs, tx, be, "hotplug-status", "");
	if (!rc && v->ip)
		rc = vmctl_xs_put(xs, tx, be, "ip", v->ip);
	if (!rc && v->vifname)
		rc = vmctl_xs_put(xs, tx, be, "vifname", v->vifname);
	return rc ? rc : vmctl_xs_put(xs, tx, be, "state", "1");
}

static void random_mac(char mac[18])
{
	uint8_t r[3] = { 0 };
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, r, 3) != 3) {
		unsigned int x = (unsigned int)getpid() * 2654435761U ^ (unsigned int)time(NULL);

		r[0] = (uint8_t)x, r[1] = (uint8_t)(x >> 8), r[2] = (uint8_t)(x >> 16);
	}
	if (fd >= 0)
		close(fd);
	snprintf(mac, 18, "00:16:3e:%02x:%02x:%02x", r[0] & 0x7f, r[1], r[2]);
}

static int add_one(struct xs_handle *xs, unsigned int domid, const struct vmctl_vif *v,
		   char *err, size_t errlen)
{
	char mac[18], fe[96], be[96], *val;
	unsigned int len;
	uint32_t tx;
	int rc, tries;

	vif_dirs(domid, v->devid, fe, be);
	if (!xs_read(xs, 0, fe, &val, &len)) {
		free(val);
		return vif_fail(err, errlen, -EEXIST, v, "domain %u already has vif %d", domid,
				v->devid);
	}
	if (v->has_mac)
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0], v->mac[1],
			 v->mac[2], v->mac[3], v->mac[4], v->mac[5]);
	else
		random_mac(mac);
	for (tries = 0; tries < 10; tries++) {
		rc = xs_transaction_start(xs, &tx);
		if (rc)
			break;
		rc = write_vif(xs, tx, domid, v, mac);
		if (rc) {
			xs_transaction_end(xs, tx, false);
			break;
		}
		rc = xs_transaction_end(xs, tx, true);
		if (rc != -EAGAIN)
			break;
	}
	if (rc)
		return vif_fail(err, errlen, rc, v, "writing its xenstore nodes: %s", strerror(-rc));
	return 0;
}

static long long read_num(struct xs_handle *xs, const char *dir, const char *key)
{
	char path[200], *val;
	unsigned int len;
	long long n;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	if (xs_read(xs, 0, path, &val, &len))
		return -1;
	n = atoll(val);
	free(val);
	return n;
}

/* Until netback has taken the vif: InitWait (2) or Connected (4). */
static int wait_taken(struct xs_handle *xs, unsigned int domid, const struct vmctl_vif *v,
		      unsigned int ms, char *err, size_t errlen)
{
	char fe[96], be[96], path[200], *why = NULL;
	unsigned int len, waited;
	long long st = -1;

	vif_dirs(domid, v->devid, fe, be);
	for (waited = 0; waited <= ms; waited += 50) {
		st = read_num(xs, be, "state");
		if (st == 2 || st == 4)
			return 0;
		if (st >= 5)
			break;
		poll(NULL, 0, 50);
	}
	snprintf(path, sizeof(path), "/local/domain/0/error%s/error", be);
	if (xs_read(xs, 0, path, &why, &len))
		why = NULL;
	vif_fail(err, errlen, -EIO, v, "netback %s (backend state %lld)%s%s",
		 st >= 5 ? "refused it" : "did not take it", st, why ? ": " : "", why ? why : "");
	free(why);
	return -EIO;
}

/*
 * One vif away, as xl network-detach: backend online 0 and Closing (5),
 * up to @wait_ms for netback to reach Closed (6) or its directory to
 * vanish, then both directories removed; netback unplugs and deletes the
 * tap. Netback writes Closed once it has let go of the rings and the port
 * and the frontend has closed; libxl waits for the backend's Closed too.
 * Waiting for the frontend's Closed only (as before 7 Dec) was a race:
 * Linux's netfront, its directory removed, revokes the grants of the tx
 * requests still on its ring (xennet_remove, xennet_release_tx_bufs),
 * and a netback that had not yet read the Closing went on serving them:
 * their grant copies failed and honest packets were counted refused
 * (backend_drivers/net/README.md, "Detach under traffic").
 */
static void close_one(struct xs_handle *xs, unsigned int domid, int devid, unsigned int wait_ms)
{
	char fe[96], be[96];

	vif_dirs(domid, devid, fe, be);
	vmctl_backend_close_wait(xs, be, wait_ms);
	xs_rm(xs, 0, fe);
	xs_rm(xs, 0, be);
}

int vmctl_vifs_attach(struct xs_handle *xs, unsigned int domid, const struct vmctl_vif *vifs,
		      unsigned int n, char *err, size_t errlen)
{
	unsigned int i, done = 0;
	int rc = 0;

	if (!n)
		return 0;
	for (i = 0; i < n && !rc; i++)
		rc = check_one(&vifs[i], err, errlen);
	if (!rc)
		rc = vmctl_backend_ensure(VMCTL_NETBACK, VMCTL_NETBACK_LOCK, VMCTL_NETBACK_LOG, err,
					  errlen);
	for (; done < n && !rc; done++)
		rc = add_one(xs, domid, &vifs[done], err, errlen);
	for (i = 0; i < done && !rc; i++)
		rc = wait_taken(xs, domid, &vifs[i], VMCTL_VIF_WAIT_MS, err, errlen);
	if (rc)
		for (i = 0; i < done; i++)
			close_one(xs, domid, vifs[i].devid, 0);
	return rc;
}

/* @fn(devid) for each child of @dir named by a devid (a number up to INT_MAX). */
static void each_devid(struct xs_handle *xs, const char *dir, void (*fn)(int devid, void *ctx),
		       void *ctx)
{
	char *names = NULL, *s;
	unsigned int len;
	int n, k;

	n = xs_directory(xs, 0, dir, &names, &len);
	for (k = 0, s = names; n > 0 && k < n; k++, s += strlen(s) + 1) {
		char *end;
		long devid = strtol(s, &end, 10);

		if (*s >= '0' && *s <= '9' && !*end && devid <= INT_MAX)
			fn((int)devid, ctx);
	}
	if (n > 0)
		free(names);
}

struct remove_ctx {
	struct xs_handle *xs;
	unsigned int domid;
};

static void remove_one(int devid, void *ctx)
{
	struct remove_ctx *r = ctx;

	close_one(r->xs, r->domid, devid, 0);
}

void vmctl_vifs_remove(struct xs_handle *xs, unsigned int domid)
{
	struct remove_ctx r = { xs, domid };
	char dir[64];

	snprintf(dir, sizeof(dir), "/local/domain/0/backend/vif/%u", domid);
	each_devid(xs, dir, remove_one, &r);
	xs_rm(xs, 0, dir);
}

int vmctl_vif_detach(struct xs_handle *xs, unsigned int domid, int devid, unsigned int wait_ms)
{
	char fe[96], be[96];

	vif_dirs(domid, devid, fe, be);
	if (read_num(xs, be, "state") < 0)
		return -ENOENT;
	close_one(xs, domid, devid, wait_ms);
	return 0;
}

static void above(int devid, void *ctx)
{
	int *next = ctx;

	if (devid >= *next && devid < INT_MAX)
		*next = devid + 1;
}

int vmctl_vif_next_devid(struct xs_handle *xs, unsigned int domid)
{
	char dir[64];
	int next = 0;

	snprintf(dir, sizeof(dir), "/local/domain/%u/device/vif", domid);
	each_devid(xs, dir, above, &next);
	return next;
}
