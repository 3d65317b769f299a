/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The start and end every dom0 device backend shares (blkback, netback):
 * the command line (--type, --socket, --verbose, --help), SIGTERM/SIGINT
 * ending the main loop, /dev/xen evtchn and gntdev opened (evtchn
 * non-blocking), xenstored reached, backend/<type> watched; and, in the
 * loop, the two descriptors every backend polls and the event ports that
 * fired. What a backend polls for its own devices stays its own.
 */
#ifndef BE_DAEMON_H
#define BE_DAEMON_H

#include <poll.h>
#include <signal.h>
#include "xendev.h"
#include "xs.h"
#include "xenbus_be.h"

struct be_daemon {
	const char *name;		/* "blkback": the prefix of its messages */
	struct xendev *dev;
	struct xs_handle **xs;
	struct xb_backend *be;
	int *verbose;
};

/* Set by SIGTERM and SIGINT: the main loop ends. */
extern volatile sig_atomic_t be_daemon_stopping;

/* "<name> HH:MM:SS: " then the message, on stderr. */
void be_daemon_say(const char *name, const char *fmt, va_list ap);

/*
 * Parses the command line (usage on --help, or on stderr for bad options),
 * opens the devices and starts watching backend/<type> (default_type
 * unless --type). Returns -1 when the backend is ready to serve, else the
 * exit status main() should return.
 */
int be_daemon_start(const struct be_daemon *bd, int argc, char **argv, const char *default_type,
		    const char *usage, const struct xb_ops *ops);

/*
 * One backend per type: takes an exclusive lock on
 * BE_DAEMON_LOCK_DIR/<name>-<type>.lock, held until the process ends, so
 * a toolstack can tell whether one serves (vmctl create starts one when
 * nobody holds it). 0, or -1 when another holds it (said on stderr); a
 * lock file that cannot be made is said and ignored.
 */
#define BE_DAEMON_LOCK_DIR	"/run/lamina"
int be_daemon_lock(const struct be_daemon *bd);

/* pfd[0] = xenstored, pfd[1] = the event channel device; 2 descriptors. */
void be_daemon_poll_fds(const struct be_daemon *bd, struct pollfd *pfd);

/*
 * Each port that fired to fire(port), unmasked before the calls or, with
 * eoi_late, after them (as Linux's backends' late EOI: the unmask write,
 * which costs the device a page allocation, is then not between the
 * frontend's event and the answer fire() sends); after poll saw pfd[1].
 * An event that comes while its port is masked is not lost: the unmask
 * raises it again and the next poll() returns at once.
 */
#define BE_DAEMON_PORTS	64	/* ports read from the device at a time */
void be_daemon_ports(const struct be_daemon *bd, void (*fire)(int port), bool eoi_late);

/* Stops watching and closes xenstored and the devices; main's last word. */
int be_daemon_end(const struct be_daemon *bd);

#endif
