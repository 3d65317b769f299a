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

#endif
