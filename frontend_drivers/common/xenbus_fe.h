/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest side of XenStore and XenBus for the project's small PV test
 * kernels (docs/abi-devices.md §3.5, §4): requests over the domain's own
 * store ring (start_info store_mfn/store_evtchn), relative paths under
 * /local/domain/<own id>, state switches, and waiting for a node by
 * polling on a 10 ms timer (no watches). Single-threaded, no allocation.
 * Functions return 0 (or a value) on success, a negative errno on failure.
 */
#ifndef FE_XENBUS_FE_H
#define FE_XENBUS_FE_H

#include <stdbool.h>
#include <stdint.h>
#include <lamina/start_info.h>

/* Linux's numbers for the errors these drivers add to <lamina/errno.h>'s. */
#ifndef EPROTO
#define EPROTO		71
#endif
#ifndef ETIMEDOUT
#define ETIMEDOUT	110
#endif
#ifndef ECONNREFUSED
#define ECONNREFUSED	111
#endif

/* Sets up events (the timer VIRQ, no periodic tick) and the store ring. */
int xbf_init(struct start_info *si);
/* Sleeps until an event or 10 ms (a one-shot timer armed here). */
void xbf_nap(void);
/* Milliseconds since xbf_init (pvclock). */
uint64_t xbf_ms(void);

/*
 * The raw protocol, for tests that speak it themselves (tests/linux/domu/
 * xs-evil.c): the ring itself, a notification, bytes in (waiting up to
 * @ms for room; no notification) and out (waiting up to @ms for them,
 * 10 ms naps, the daemon notified every tenth), -ETIMEDOUT past that.
 * xbf_recv takes the next message, whatever its type: its header, and
 * its payload NUL-terminated in @out (-E2BIG, the payload read and
 * dropped, when it does not fit in @size with the NUL).
 */
struct xsd_sockmsg;
struct xenstore_domain_interface;
volatile struct xenstore_domain_interface *xbf_ring(void);
void xbf_kick(void);
int xbf_put(const void *src, uint32_t len, unsigned int ms);
int xbf_get(void *dst, uint32_t len, unsigned int ms);
int xbf_recv(struct xsd_sockmsg *m, char *out, uint32_t size, unsigned int ms);

int xbf_read(const char *path, char *val, unsigned int size);
int xbf_write(const char *path, const char *val);
int xbf_rm(const char *path);
/* An unsigned decimal node; -ENOENT when absent, -EINVAL if not a number. */
long long xbf_read_num(const char *path);
/* Waits up to @ms for @path to read as one of the states in @mask (1 << state). */
int xbf_wait_state(const char *path, unsigned int mask, unsigned int ms);
/* Writes <dir>/state. */
int xbf_switch(const char *dir, int state);
/*
 * Closing, the backend's Closing or Closed awaited (up to @ms), then Closed
 * and the backend's Closed (it has let our rings go: they may be freed).
 */
int xbf_close(const char *fe, const char *be, unsigned int ms);
/*
 * A test domU's last word: the verdict (printf-style, 600 bytes at most)
 * written to @node (e.g. "data/net-result") for dom0 to read, then naps
 * until dom0 destroys the domain. Never returns.
 */
void xbf_verdict(const char *node, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

#endif
