/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake dom0 for running a backend's own main loop on the host
 * (tests/unit/backend_drivers/{block/blkback,net/netback}.c): the calls a
 * backend makes into the dom0 library and backend_drivers/common/
 * (be_daemon, xenbus_be, xendev's evtchn, gnt_be, be_stats) answered by
 * the test, single-threaded and deterministic.
 *
 * - Guests: each domain's memory is a memfd of pages; grant ref N is its
 *   page N. be_map_refs() maps the very pages (the backend and the test's
 *   frontend see the same bytes), be_grant_copy() copies to and from them.
 * - The store: the first xb_be_poll() probes and connects every device the
 *   test added (fd_add_device), reading its nodes from the test's tables.
 * - dom0's pages granted to itself (be_selfbuf_*) are plain memory; a copy
 *   with them (be_grant_copy_self) checks its pieces lie in them, counts
 *   itself in fd_self_copies and copies as be_grant_copy(); with
 *   fd_selfbuf_refuse set their allocation fails (gntalloc full).
 * - Events: fd_raise() makes a bound port pending (and the evtchn fd
 *   readable, as Linux's evtchn device); be_daemon_ports() hands out the
 *   pending ports, masked until it is done with them (eoi_late) or before
 *   the calls; xendev_notify() calls the test's fd_on_notify.
 * - Hypercalls: xendev_hypercall() takes SCHEDOP_yield only (privcmd
 *   opened), counts it and calls the test's fd_on_yield.
 * - Sleeping: the test compiles the backend with poll()/epoll_wait()
 *   renamed to fd_poll()/fd_epoll_wait(), which never block: a wait that
 *   would block (timeout not 0, nothing ready) asks fd_on_sleep, which
 *   says whether the backend may sleep now (the test then ends the loop);
 *   FD_IDLE_WAITS waits in a row with no timeout that find nothing, with
 *   nothing done between them, are a spin and fail too.
 */
#ifndef FAKE_DOM0_H
#define FAKE_DOM0_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include "xenbus_be.h"

#define FD_MAX_GUESTS	4
#define FD_MAX_PORTS	16
#define FD_IDLE_WAITS	1000	/* waits with no timeout finding nothing in a row: a spin */

struct fd_guest {
	unsigned int domid;
	unsigned int pages;	/* refs 0..pages-1 are granted to dom0 */
	int memfd;
	uint8_t *mem;		/* the guest's own view */
};

/* Everything back to the start (guests, devices, ports, hooks): the next backend run. */
void fd_reset(void);

/* A domain with @pages pages of memory, all granted to dom0. */
struct fd_guest *fd_guest_new(unsigned int domid, unsigned int pages);
static inline void *fd_page(struct fd_guest *g, uint32_t ref)
{
	return g->mem + (size_t)ref * 4096;
}

/* "key", "value" pairs, NULL-terminated. */
struct fd_device {
	unsigned int fe_id, devid;
	const char *const *be_nodes, *const *fe_nodes;
	struct xb_dev *xb;	/* set by the first xb_be_poll() */
};
void fd_add_device(struct fd_device *d);

/* The last value the backend wrote to its node @key of a device; NULL if none. */
const char *fd_be_node(unsigned int fe_id, unsigned int devid, const char *key);

/* The backend's local port for the frontend's (domid, remote); -1 if not bound. */
int fd_local_port(unsigned int domid, unsigned int remote);
/* The frontend (domid, remote) notifies its backend. */
void fd_raise(unsigned int domid, unsigned int remote);

/* The test's side. */
extern void (*fd_on_connected)(void);			/* after the first scan */
extern void (*fd_on_notify)(unsigned int domid, unsigned int remote);
extern void (*fd_on_copy)(void);	/* each grant copy call: another CPU's frontend may act */
extern bool (*fd_on_sleep)(void);	/* true: the backend may sleep (ends the loop) */
extern void (*fd_on_yield)(void);	/* SCHEDOP_yield: the other vCPUs run */
extern char fd_error[256];		/* the first thing the fakes found wrong */
extern unsigned long fd_sleeps, fd_broken;
extern unsigned long fd_self_copies;	/* be_grant_copy_self() calls */
extern int fd_selfbuf_refuse;		/* not 0: be_selfbuf_alloc() fails with it */
extern long fd_selfbufs_live;		/* be_selfbuf_alloc()'s buffers not freed yet */
extern unsigned long fd_yields;		/* SCHEDOP_yield hypercalls (xendev_hypercall) */
/* xb_be_fatal() calls; with fd_fatal_ok they are counted only, else each fails the test */
extern unsigned long fd_fatals;
extern bool fd_fatal_ok;
extern long fd_maps_live;		/* grant pages be_map_refs() mapped, not unmapped yet */
unsigned int fd_ports_bound(void);	/* ports xendev_bind() bound, not unbound yet */
unsigned int fd_open_fds(void);		/* this process's open fds */
/*
 * After a disconnection or a refused connect: NULL when no grant page is
 * mapped, no port is bound and @fds fds are open (the count before), else
 * what was left behind (and says so on stdout).
 */
const char *fd_left_behind(unsigned int fds);

int fd_poll(struct pollfd *pfd, nfds_t n, int timeout);
int fd_epoll_wait(int ep, struct epoll_event *ev, int max, int timeout);

#endif
