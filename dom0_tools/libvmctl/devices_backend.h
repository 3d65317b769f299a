/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A dom0 device backend (backend_drivers/: netback, blkback) started by
 * the toolstack when none serves: each holds an exclusive lock on
 * /run/lamina/<name>-<type>.lock while it runs (be_daemon_lock()), so
 * "running" is "its lock is held". Nothing here prints or exits.
 */
#ifndef LIBVMCTL_DEVICES_BACKEND_H
#define LIBVMCTL_DEVICES_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xs.h"

/* True while some process holds @lock. */
bool vmctl_backend_running(const char *lock);

/*
 * Starts `@prog -v` (from $PATH) in its own session when nobody holds
 * @lock, its messages appended to @log, and waits up to 3 s for it to take
 * the lock. 0, or -errno with @err saying why. Two callers racing start
 * two; the second finds the lock taken and exits.
 */
int vmctl_backend_ensure(const char *prog, const char *lock, const char *log, char *err,
			 size_t errlen);

/*
 * The device steps' node writer: @val at @dir/@key in transaction @tx.
 * 0, or -errno (-ENAMETOOLONG when the path would not fit: never a
 * truncated path, which would name another node).
 */
int vmctl_xs_put(struct xs_handle *xs, uint32_t tx, const char *dir, const char *key,
		 const char *val);

/*
 * A device's backend asked to let it go, as libxl's device removal: @be's
 * online 0 and state 5 (Closing), then up to @wait_ms for the backend to
 * write Closed (6) or for @be to vanish. A backend writes Closed once it
 * has let go of the rings and the event channel and the frontend has
 * closed; only then may the caller remove the directories (a frontend
 * whose directory goes may revoke the grants of requests a backend that
 * has not yet read the Closing still serves).
 */
void vmctl_backend_close_wait(struct xs_handle *xs, const char *be, unsigned int wait_ms);

#endif
