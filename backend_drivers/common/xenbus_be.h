/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xenbus backend state machine every dom0 backend shares
 * (docs/abi-devices.md §4.1-4.3, §6): it watches backend/<type> in the store
 * for devices the toolstack adds, and each device's frontend state, and
 * calls the backend's operations at the handshake's steps:
 *
 *   new device (state 1)        probe()       open the resource, write features
 *                               -> InitWait (2)
 *   frontend Initialised/Connected   connect()  map rings, bind ports, write properties
 *                               -> Connected (4)
 *   frontend Closing, or toolstack Closing   -> Closing (5), still serving
 *   then frontend Closed/gone/Initialising
 *                               disconnect()  -> Closed (6)
 *   frontend Closed/gone/Initialising while Connected, or be_xb_broken()
 *                               disconnect() at once -> Closing (5), Closed (6)
 *   frontend Initialising again after Closed  -> InitWait (2)
 *   backend directory removed, or the frontend's domain released
 *                               disconnect(), remove()
 *
 * One frontend's mistakes (bad nodes, a broken ring) close its own device
 * and nothing else. Functions return 0 or a negative errno; nothing here
 * prints or exits (the backend's log() callback says what happens).
 */
#ifndef BE_XENBUS_BE_H
#define BE_XENBUS_BE_H

#include <errno.h>
#include <stdbool.h>
#include "xs.h"

#define XB_MAX_DEVS	64
#define XB_PATH		160

enum xb_state {
	XB_UNKNOWN = 0, XB_INITIALISING = 1, XB_INITWAIT = 2, XB_INITIALISED = 3,
	XB_CONNECTED = 4, XB_CLOSING = 5, XB_CLOSED = 6,
};

struct xb_dev {
	char be[XB_PATH];	/* /local/domain/0/backend/<type>/<fe>/<devid> */
	char fe[XB_PATH];	/* the frontend's directory */
	unsigned int fe_id, devid;
	int state;		/* what we last wrote */
	bool connected;		/* connect() done, disconnect() owed */
	bool probed;		/* probe() done, remove() owed */
	bool broken;		/* be_xb_broken(): stays closed until the frontend restarts */
	void *priv;		/* the backend's */
};

struct xb_backend;

struct xb_ops {
	/* Reads the device's configuration, opens it, writes its features. */
	int (*probe)(struct xb_backend *b, struct xb_dev *d);
	/* The frontend published its rings: map, bind, write properties. */
	int (*connect)(struct xb_backend *b, struct xb_dev *d);
	void (*disconnect)(struct xb_backend *b, struct xb_dev *d);
	void (*remove)(struct xb_backend *b, struct xb_dev *d);
	void (*log)(struct xb_backend *b, struct xb_dev *d, const char *msg);
};

struct xb_backend {
	struct xs_handle *xs;
	char root[XB_PATH];	/* /local/domain/0/backend/<type> */
	const struct xb_ops *ops;
	void *ctx;
	struct xb_dev *dev[XB_MAX_DEVS];
	unsigned int ndev;
	bool again_scan, again_rel;	/* events read after xb_be_poll's scan */
};

/* Watches @type's devices (and @releaseDomain); the first scan runs at once. */
int xb_be_start(struct xb_backend *b, struct xs_handle *xs, const char *type,
		const struct xb_ops *ops, void *ctx);
/* Every watch event the program reads goes here; others' tokens are ignored. */
int xb_be_event(struct xb_backend *b, const char *path, const char *token);
/*
 * Reads the watch events there are (0 ms) and acts on them once: one scan
 * however many there were. Those that came during that scan (our own
 * writes fire the watch too) are left for the next call: while
 * xb_be_again() the caller polls with no timeout and calls again, so its
 * rings are served between scans.
 */
int xb_be_poll(struct xb_backend *b);
static inline bool xb_be_again(const struct xb_backend *b)
{
	return b->again_scan || b->again_rel;
}
/* Disconnects and removes every device (program exit). */
void xb_be_stop(struct xb_backend *b);

/* Store helpers relative to the device's directories. */
int xb_be_write(struct xb_backend *b, struct xb_dev *d, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int xb_be_read(struct xb_backend *b, struct xb_dev *d, bool frontend, const char *key, char **val);
/*
 * A store value as a number: decimal digits only (no sign, space, base
 * prefix or trailing text), at most @max; else -EINVAL. The frontend
 * writes what it likes: this is all that is taken from it.
 */
static inline long long xb_parse_num(const char *s, unsigned long long max)
{
	unsigned long long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > max / 10)
			return -EINVAL;
		v = v * 10 + (unsigned int)(*s - '0');
	}
	return v > max ? -EINVAL : (long long)v;
}

/* An unsigned number; -ENOENT when absent, -EINVAL when not a number or above @max. */
long long xb_be_read_num(struct xb_backend *b, struct xb_dev *d, bool frontend, const char *key,
			 unsigned long long max);
int xb_be_switch(struct xb_backend *b, struct xb_dev *d, int state);
/* Writes error/<be>/error = "<-err> <msg>" (as xenbus_dev_fatal) and closes. */
void xb_be_fatal(struct xb_backend *b, struct xb_dev *d, int err, const char *msg);
/* The frontend broke its ring: the device closes; the rest goes on. */
void xb_be_broken(struct xb_backend *b, struct xb_dev *d, const char *why);

#endif
