// SPDX-License-Identifier: GPL-2.0-only
/* The xenbus backend state machine: see xenbus_be.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xenbus_be.h"

#define TOKEN		"xenbus-be"
#define TOKEN_REL	"xenbus-be-release"

static void say(struct xb_backend *b, struct xb_dev *d, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(struct xb_backend *b, struct xb_dev *d, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!b->ops->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	b->ops->log(b, d, msg);
}

static int path_of(char *out, struct xb_dev *d, bool frontend, const char *key)
{
	int n = snprintf(out, XB_PATH + 64, "%s/%s", frontend ? d->fe : d->be, key);

	return n < 0 || n >= XB_PATH + 64 ? -ENAMETOOLONG : 0;
}

int xb_be_write(struct xb_backend *b, struct xb_dev *d, const char *key, const char *fmt, ...)
{
	char path[XB_PATH + 64], val[256];
	va_list ap;
	int n, rc;

	rc = path_of(path, d, false, key);
	if (rc)
		return rc;
	va_start(ap, fmt);
	n = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(val))
		return -EINVAL;
	return xs_write(b->xs, 0, path, val, (unsigned int)n);
}

int xb_be_read(struct xb_backend *b, struct xb_dev *d, bool frontend, const char *key, char **val)
{
	char path[XB_PATH + 64];
	unsigned int len;
	int rc = path_of(path, d, frontend, key);

	if (rc)
		return rc;
	return xs_read(b->xs, 0, path, val, &len);
}

long long xb_be_read_num(struct xb_backend *b, struct xb_dev *d, bool frontend, const char *key,
			 unsigned long long max)
{
	char *val;
	long long v;
	int rc = xb_be_read(b, d, frontend, key, &val);

	if (rc)
		return rc;
	v = xb_parse_num(val, max);
	free(val);
	return v;
}

int xb_be_switch(struct xb_backend *b, struct xb_dev *d, int state)
{
	char path[XB_PATH + 64], *old, val[4];
	unsigned int len;
	uint32_t tx;
	int rc, n;

	if (d->state == state)
		return 0;
	/* As xenbus_switch_state: never recreate a directory someone removed. */
	for (;;) {
		rc = xs_transaction_start(b->xs, &tx);
		if (rc)
			return rc;
		path_of(path, d, false, "state");
		rc = xs_read(b->xs, tx, path, &old, &len);
		if (!rc) {
			free(old);
			n = snprintf(val, sizeof(val), "%d", state);
			rc = xs_write(b->xs, tx, path, val, (unsigned int)n);
		}
		if (rc) {
			xs_transaction_end(b->xs, tx, false);
			return rc;
		}
		rc = xs_transaction_end(b->xs, tx, true);
		if (rc != -EAGAIN)
			break;
	}
	if (!rc)
		d->state = state;
	return rc;
}

static void do_disconnect(struct xb_backend *b, struct xb_dev *d)
{
	if (d->connected) {
		d->connected = false;
		b->ops->disconnect(b, d);
	}
}

void xb_be_fatal(struct xb_backend *b, struct xb_dev *d, int err, const char *msg)
{
	char path[XB_PATH + 64], val[200];
	int n;

	say(b, d, "%s (%s)", msg, strerror(err < 0 ? -err : err));
	if (snprintf(path, sizeof(path), "/local/domain/0/error%s/error",
		     d->be + strlen("/local/domain/0")) < (int)sizeof(path)) {
		n = snprintf(val, sizeof(val), "%d %s", err < 0 ? -err : err, msg);
		if (n > 0 && n < (int)sizeof(val))
			xs_write(b->xs, 0, path, val, (unsigned int)n);
	}
	do_disconnect(b, d);
	xb_be_switch(b, d, XB_CLOSING);
}

void xb_be_broken(struct xb_backend *b, struct xb_dev *d, const char *why)
{
	d->broken = true;
	xb_be_fatal(b, d, -EPROTO, why);
}

static struct xb_dev *find(struct xb_backend *b, const char *be)
{
	unsigned int i;

	for (i = 0; i < b->ndev; i++)
		if (!strcmp(b->dev[i]->be, be))
			return b->dev[i];
	return NULL;
}

static void forget(struct xb_backend *b, struct xb_dev *d, bool rm_dir)
{
	char path[XB_PATH + 64];
	unsigned int i;

	do_disconnect(b, d);
	if (d->probed)
		b->ops->remove(b, d);
	path_of(path, d, true, "state");
	xs_unwatch(b->xs, path, TOKEN);
	if (rm_dir)
		xs_rm(b->xs, 0, d->be);
	say(b, d, "device removed");
	for (i = 0; i < b->ndev; i++)
		if (b->dev[i] == d) {
			b->dev[i] = b->dev[--b->ndev];
			break;
		}
	free(d);
}

/* A directory the toolstack wrote: its frontend and frontend-id must agree with it. */
static struct xb_dev *add(struct xb_backend *b, const char *fe_name, const char *dev_name)
{
	struct xb_dev *d;
	char path[XB_PATH + 64], *fe;
	long long fe_id, devid, id;
	int rc;

	if (b->ndev >= XB_MAX_DEVS)
		return NULL;
	fe_id = xb_parse_num(fe_name, 0x7fef);
	devid = xb_parse_num(dev_name, 0xffffffffULL);
	if (fe_id < 0 || devid < 0)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	if (snprintf(path, sizeof(path), "%s/%s/%s", b->root, fe_name, dev_name) >=
	    (int)sizeof(d->be)) {
		free(d);
		return NULL;
	}
	memcpy(d->be, path, sizeof(d->be));
	d->fe_id = (unsigned int)fe_id;
	d->devid = (unsigned int)devid;
	d->state = -1;
	id = xb_be_read_num(b, d, false, "frontend-id", 0x7fef);
	rc = xb_be_read(b, d, false, "frontend", &fe);
	if (id < 0 || rc) {
		if (!rc)
			free(fe);
		free(d);		/* not complete yet: the next event looks again */
		return NULL;
	}
	snprintf(path, sizeof(path), "/local/domain/%lld/", fe_id);
	if (id != fe_id || strncmp(fe, path, strlen(path)) || strlen(fe) >= sizeof(d->fe)) {
		say(b, NULL, "%s: frontend %s (id %lld) does not belong to d%lld: ignored",
		    d->be, fe, id, fe_id);
		free(fe);
		free(d);
		return NULL;
	}
	snprintf(d->fe, sizeof(d->fe), "%s", fe);
	free(fe);
	b->dev[b->ndev++] = d;
	path_of(path, d, true, "state");
	xs_watch(b->xs, path, TOKEN);
	return d;
}

/* The frontend has given up its rings: Closed, gone, or starting again. */
static bool fe_let_go(long long fe)
{
	return fe == XB_CLOSED || fe == XB_UNKNOWN || fe == XB_INITIALISING;
}

/* One device's step: compares both states and moves ours. */
static void step(struct xb_backend *b, struct xb_dev *d)
{
	long long fe = xb_be_read_num(b, d, true, "state", 8);
	long long be = xb_be_read_num(b, d, false, "state", 8);
	long long online = xb_be_read_num(b, d, false, "online", 1);
	int rc;

	if (be < 0)
		return;
	if (fe < 0)
		fe = XB_UNKNOWN;
	if (d->state < 0 || be != d->state) {
		/* The toolstack wrote our state: 1 (new) or 5 (close it). */
		d->state = (int)be;
	}
	if (d->state == XB_INITIALISING) {
		if (!d->probed) {
			rc = b->ops->probe(b, d);
			if (rc) {
				xb_be_fatal(b, d, rc, "cannot open the device");
				return;
			}
			d->probed = true;
		}
		xb_be_switch(b, d, XB_INITWAIT);
		say(b, d, "InitWait: waiting for the frontend");
	}
	switch (d->state) {
	case XB_INITWAIT:
		if ((fe == XB_INITIALISED || fe == XB_CONNECTED) && !d->broken) {
			rc = b->ops->connect(b, d);
			if (rc) {
				if (d->state != XB_CLOSING)
					xb_be_fatal(b, d, rc, "cannot connect to the frontend");
				return;
			}
			d->connected = true;
			xb_be_switch(b, d, XB_CONNECTED);
			say(b, d, "Connected");
		}
		break;
	case XB_CONNECTED:
		if (fe != XB_CLOSING && !fe_let_go(fe))
			break;
		xb_be_switch(b, d, XB_CLOSING);
		say(b, d, "frontend closing");
		/* fall through */
	case XB_CLOSING:
		/*
		 * Served until the frontend lets its ring go, as Linux's
		 * backends: its requests published before it saw the Closing
		 * are answered (disconnect() takes what is left on the ring).
		 * A Linux blkfront with a request never answered waits for it
		 * at its removal for ever, and the domU then takes no device.
		 */
		if (fe_let_go(fe)) {
			do_disconnect(b, d);
			xb_be_switch(b, d, XB_CLOSED);
			say(b, d, "frontend closed: disconnected");
		}
		break;
	}
	if (d->state == XB_CLOSED && fe == XB_INITIALISING && online != 0) {
		/* The frontend starts again (a new driver, kexec): offer the device again. */
		d->broken = false;
		xb_be_switch(b, d, XB_INITWAIT);
		say(b, d, "frontend restarted: InitWait again");
	}
}

static void scan(struct xb_backend *b)
{
	char *fes = NULL, *devs, *f, *g, path[XB_PATH + 64];
	unsigned int len, dlen, i;
	bool *seen = calloc(XB_MAX_DEVS, sizeof(bool));
	int nf, nd, k, j;

	if (!seen)
		return;
	nf = xs_directory(b->xs, 0, b->root, &fes, &len);
	for (k = 0, f = fes; nf > 0 && k < nf; k++, f += strlen(f) + 1) {
		if (snprintf(path, sizeof(path), "%s/%s", b->root, f) >= (int)sizeof(path))
			continue;
		nd = xs_directory(b->xs, 0, path, &devs, &dlen);
		for (j = 0, g = devs; nd > 0 && j < nd; j++, g += strlen(g) + 1) {
			struct xb_dev *d;

			if (snprintf(path, sizeof(path), "%s/%s/%s", b->root, f, g) >= XB_PATH)
				continue;
			d = find(b, path);
			if (!d)
				d = add(b, f, g);
			if (d)
				for (i = 0; i < b->ndev; i++)
					if (b->dev[i] == d)
						seen[i] = true;
		}
		if (nd > 0)
			free(devs);
	}
	if (nf > 0)
		free(fes);
	/* Directories gone: the toolstack removed the device. */
	for (i = b->ndev; i-- > 0;)
		if (!seen[i]) {
			seen[i] = seen[b->ndev - 1];
			forget(b, b->dev[i], false);
		}
	free(seen);
	for (i = 0; i < b->ndev; i++)
		step(b, b->dev[i]);
}

/* Devices whose frontend domain xenstored no longer knows go away. */
static void released(struct xb_backend *b)
{
	unsigned int i;

	for (i = b->ndev; i-- > 0;) {
		struct xb_dev *d = b->dev[i];

		if (xs_is_domain_introduced(b->xs, d->fe_id) == 0) {
			say(b, d, "frontend domain released");
			forget(b, d, true);
		}
	}
}

int xb_be_event(struct xb_backend *b, const char *path, const char *token)
{
	(void)path;
	if (!strcmp(token, TOKEN_REL))
		released(b);
	else if (!strcmp(token, TOKEN))
		scan(b);
	return 0;
}

/* Reads every watch event there is now (0 ms) into the two flags. */
static int drain(struct xb_backend *b, bool *rel, bool *any)
{
	char *path, *token;
	int rc;

	while ((rc = xs_read_watch(b->xs, 0, &path, &token)) == 0) {
		if (!strcmp(token, TOKEN_REL))
			*rel = true;
		else if (!strcmp(token, TOKEN))
			*any = true;
		free(path);
		free(token);
	}
	return rc == -ETIMEDOUT ? 0 : rc;
}

/*
 * Each event used to cost a scan, and the loop ran until none came; but a
 * scan's own writes fire the watch, and with a Linux domU booting (the
 * store slow, many writes) blkback stayed here for 15-30 s while freshly
 * connected rings waited for it (backend_drivers/block/README.md).
 */
int xb_be_poll(struct xb_backend *b)
{
	bool rel = b->again_rel, any = b->again_scan;
	int rc = drain(b, &rel, &any);

	b->again_rel = b->again_scan = false;
	if (rc)
		return rc;
	if (rel)
		released(b);
	if (any)
		scan(b);
	return drain(b, &b->again_rel, &b->again_scan);
}

int xb_be_start(struct xb_backend *b, struct xs_handle *xs, const char *type,
		const struct xb_ops *ops, void *ctx)
{
	int rc;

	memset(b, 0, sizeof(*b));
	if (!xs || !ops || !ops->probe || !ops->connect || !ops->disconnect || !ops->remove ||
	    !type || !*type || strchr(type, '/'))
		return -EINVAL;
	b->xs = xs;
	b->ops = ops;
	b->ctx = ctx;
	if (snprintf(b->root, sizeof(b->root), "/local/domain/0/backend/%s", type) >=
	    (int)sizeof(b->root))
		return -ENAMETOOLONG;
	rc = xs_watch(xs, b->root, TOKEN);
	if (!rc)
		rc = xs_watch(xs, "@releaseDomain", TOKEN_REL);
	return rc;
}

void xb_be_stop(struct xb_backend *b)
{
	while (b->ndev) {
		struct xb_dev *d = b->dev[b->ndev - 1];

		do_disconnect(b, d);
		xb_be_switch(b, d, XB_CLOSED);
		forget(b, d, false);
	}
}
