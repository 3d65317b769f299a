/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A console's log file with a size cap: once writing would take it past
 * the cap, the file is renamed to <path>.1 (replacing the older one) and a
 * new one is started. A guest's output thus costs at most twice the cap on
 * disk, which matters when dom0's root lives in memory.
 */
#ifndef CONS_LOG_H
#define CONS_LOG_H

#include <stddef.h>
#include <sys/types.h>

#define CONS_LOG_MIN	4096			/* smallest cap accepted */
#define CONS_LOG_DEFAULT (1024 * 1024)		/* per file; one rotated file kept */

struct cons_log {
	int fd;			/* -1 when closed */
	off_t size;		/* bytes in the current file */
	off_t cap;
	char path[256];
};

/* Opens (appends to) @path with a cap of @cap bytes; 0 or -errno. */
int cons_log_open(struct cons_log *l, const char *path, off_t cap);
/* Appends, rotating as needed; 0, or -errno when the log is lost (it closes). */
int cons_log_write(struct cons_log *l, const char *buf, size_t len);
void cons_log_close(struct cons_log *l);
/* "1048576", "512K", "4M": bytes, or -1 when it is not a size >= CONS_LOG_MIN. */
off_t cons_log_parse_size(const char *s);

#endif
