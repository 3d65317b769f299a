/* SPDX-License-Identifier: MIT */
/*
 * libxs: a small XenStore client over the daemon's Unix socket, for vmctl,
 * backends and the xs tool. Every function returns 0 (or a count) on
 * success and a negative errno on failure; XenStore error replies come back
 * as their errno (-ENOENT, -EACCES, -EAGAIN, ...). Buffers handed out are
 * malloc'ed, NUL-terminated one byte past their length, and the caller's.
 *
 * Watch events that arrive while a reply is awaited are queued and later
 * returned by xs_read_watch(). One handle is not thread-safe.
 */
#ifndef LIBXS_H
#define LIBXS_H

#include <stdbool.h>
#include <stdint.h>

struct xs_handle;

/* $XENSTORED_PATH if set, else /run/xenstored/socket. */
const char *xs_default_socket(void);

int xs_open(const char *socket_path, struct xs_handle **out);
void xs_close(struct xs_handle *h);
int xs_fileno(const struct xs_handle *h);
/*
 * Watch events already read and queued (while a reply was awaited): those
 * poll() on xs_fileno() does not show. Nothing else is buffered: with the
 * fd not readable and none queued, xs_read_watch() would find nothing.
 */
bool xs_events_queued(const struct xs_handle *h);

/* Raw request: type, tx and payload; the reply payload on success. */
int xs_talk(struct xs_handle *h, uint32_t type, uint32_t tx, const void *payload,
	    unsigned int len, char **reply, unsigned int *rlen);

/*
 * A batch: from xs_batch_begin to xs_batch_end, requests whose reply
 * carries nothing the caller wants (writes, mkdir, rm, set_perms, watch)
 * return 0 at once and are sent together (on the socket: every 16 KiB at
 * the latest, and before any other request, which is sent and answered on
 * its own as outside a batch: a read, a transaction's end); their replies
 * are read by xs_batch_end, which returns the first one's error (0 when
 * all succeeded). Fewer round trips to xenstored: used for a transaction's
 * many writes, which stop at nothing anyway on an error (the transaction
 * is then ended without commit). On the kernel's xenbus device (one
 * request a write) the requests go one by one, as outside a batch.
 */
void xs_batch_begin(struct xs_handle *h);
int xs_batch_end(struct xs_handle *h);

int xs_read(struct xs_handle *h, uint32_t tx, const char *path, char **val,
	    unsigned int *len);
int xs_write(struct xs_handle *h, uint32_t tx, const char *path, const void *val,
	     unsigned int len);
int xs_mkdir(struct xs_handle *h, uint32_t tx, const char *path);
int xs_rm(struct xs_handle *h, uint32_t tx, const char *path);
/* Child names as consecutive NUL-terminated strings; returns their count. */
int xs_directory(struct xs_handle *h, uint32_t tx, const char *path, char **names,
		 unsigned int *len);
/* Permission strings ("b0", "r5"), NUL-separated; returns their count. */
int xs_get_perms(struct xs_handle *h, uint32_t tx, const char *path, char **perms,
		 unsigned int *len);
int xs_set_perms(struct xs_handle *h, uint32_t tx, const char *path,
		 const char *const *perms, unsigned int num);

int xs_watch(struct xs_handle *h, const char *path, const char *token);
int xs_unwatch(struct xs_handle *h, const char *path, const char *token);
/* Next event; timeout_ms < 0 waits forever, -ETIMEDOUT when none came. */
int xs_read_watch(struct xs_handle *h, int timeout_ms, char **path, char **token);

int xs_transaction_start(struct xs_handle *h, uint32_t *tx);
int xs_transaction_end(struct xs_handle *h, uint32_t tx, bool commit);

int xs_introduce(struct xs_handle *h, unsigned int domid, unsigned long mfn,
		 unsigned int port);
int xs_release(struct xs_handle *h, unsigned int domid);
/* XS_RESUME: the domain's next shutdown fires @releaseDomain again. */
int xs_resume(struct xs_handle *h, unsigned int domid);
int xs_get_domain_path(struct xs_handle *h, unsigned int domid, char **path);
/* 1 if introduced, 0 if not. */
int xs_is_domain_introduced(struct xs_handle *h, unsigned int domid);
/* XS_CONTROL with NUL-separated arguments. */
int xs_control(struct xs_handle *h, const char *const *args, unsigned int num,
	       char **reply, unsigned int *rlen);

/* The errno a XenStore error name stands for (EINVAL if unknown). */
int xs_errno_of(const char *name);

#endif
