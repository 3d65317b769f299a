/* SPDX-License-Identifier: MIT */
/*
 * XenStore wire protocol and shared store page. docs/abi-devices.md §3.
 *
 * Permission is hereby granted, free of charge, to any person obtaining a
 * copy of this file, to deal in it without restriction, including the
 * rights to use, copy, modify, merge, publish, distribute, sublicense and/or
 * sell copies, subject to this notice being included in all copies. THE FILE
 * IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.
 *
 * Every message in either direction, over a Unix socket or the shared ring,
 * is a struct xsd_sockmsg followed by `len` payload bytes. Each request gets
 * exactly one reply carrying the request's type, req_id and tx_id, or type
 * XS_ERROR with the errno name ("ENOENT\0") as payload. The only unsolicited
 * message is XS_WATCH_EVENT, with req_id = tx_id = 0.
 */
#ifndef LAMINA_IO_XS_WIRE_H
#define LAMINA_IO_XS_WIRE_H

#include <lamina/types.h>

/*
 * Message types; the values are positional in Xen's enum xsd_sockmsg_type.
 * Payloads are NUL-terminated strings unless noted.
 *  1. XS_READ replies with the raw value, without a terminating NUL.
 *  2. XS_WRITE sends "<path>\0<value>", the value not NUL-terminated.
 *  3. XS_WATCH is answered "OK\0" and then, always, by one initial
 *     XS_WATCH_EVENT for the watched path as given.
 *  4. XS_TRANSACTION_START must carry tx_id 0; the reply is the new id in
 *     decimal. XS_TRANSACTION_END takes "T\0" (commit) or "F\0" (abort); a
 *     commit that conflicts with a concurrent change fails with EAGAIN.
 *  5. 20 was XS_RESTRICT and is gone; servers reject it like any unknown type.
 */
enum xsd_sockmsg_type {
	XS_CONTROL		= 0,	/* "<cmd>\0[<arg>\0]..." */
	XS_DIRECTORY		= 1,	/* "<path>\0" -> child names, each NUL-terminated */
	XS_READ			= 2,	/* "<path>\0" -> value */
	XS_GET_PERMS		= 3,	/* "<path>\0" -> "<perm>\0"... */
	XS_WATCH		= 4,	/* "<wpath>\0<token>\0" -> "OK\0" */
	XS_UNWATCH		= 5,	/* "<wpath>\0<token>\0" -> "OK\0" */
	XS_TRANSACTION_START	= 6,	/* "\0" -> "<tx_id>\0" */
	XS_TRANSACTION_END	= 7,	/* "T\0" | "F\0" -> "OK\0" */
	XS_INTRODUCE		= 8,	/* "<domid>\0<mfn>\0<port>\0" -> "OK\0" */
	XS_RELEASE		= 9,	/* "<domid>\0" -> "OK\0" */
	XS_GET_DOMAIN_PATH	= 10,	/* "<domid>\0" -> "/local/domain/<domid>\0" */
	XS_WRITE		= 11,	/* "<path>\0<value>" -> "OK\0" */
	XS_MKDIR		= 12,	/* "<path>\0" -> "OK\0" */
	XS_RM			= 13,	/* "<path>\0" -> "OK\0" */
	XS_SET_PERMS		= 14,	/* "<path>\0<perm>\0..." -> "OK\0" */
	XS_WATCH_EVENT		= 15,	/* server -> client: "<path>\0<token>\0" */
	XS_ERROR		= 16,	/* reply only: "<ERRNAME>\0" */
	XS_IS_DOMAIN_INTRODUCED	= 17,	/* "<domid>\0" -> "T\0" | "F\0" */
	XS_RESUME		= 18,	/* "<domid>\0" -> "OK\0" */
	XS_SET_TARGET		= 19,	/* "<domid>\0<target>\0" -> "OK\0" */
	XS_RESET_WATCHES	= 21,	/* "\0" -> "OK\0" */
	XS_DIRECTORY_PART	= 22,	/* "<path>\0<offset>\0" -> "<gen>\0" names [""] */
	XS_TYPE_COUNT		= 23,
	XS_INVALID		= 0xffff
};
#define XS_DEBUG		XS_CONTROL

/*
 * Error names a client recognises, in Xen's xsd_errors order. Expand with
 * a macro X(name) taking the bare errno name, e.g. to build a name table:
 *   #define X(e) { e, #e },  ...  XSD_ERRORS(X)
 * Linux maps any other name to EINVAL.
 */
#define XSD_ERRORS(X)							\
	X(EINVAL) X(EACCES) X(EEXIST) X(EISDIR) X(ENOENT) X(ENOMEM)	\
	X(ENOSPC) X(EIO) X(ENOTEMPTY) X(ENOSYS) X(EROFS) X(EBUSY)	\
	X(EAGAIN) X(EISCONN) X(E2BIG) X(EPERM)

/* The 16-byte header of every message. */
struct xsd_sockmsg {
	uint32_t type;		/* enum xsd_sockmsg_type */
	uint32_t req_id;	/* chosen by the client, echoed in the reply */
	uint32_t tx_id;		/* 0, or an id from XS_TRANSACTION_START */
	uint32_t len;		/* payload bytes that follow, <= XENSTORE_PAYLOAD_MAX */
};

#define XENSTORE_PAYLOAD_MAX	4096	/* either direction; larger kills the link */
#define XENSTORE_ABS_PATH_MAX	3072
#define XENSTORE_REL_PATH_MAX	2048

/*
 * The store page shared between a domain (client) and xenstored (server).
 *  1. req[] carries client -> server bytes, rsp[] server -> client; both are
 *     plain byte streams, so a message may wrap and arrive in pieces.
 *  2. Indices are free-running; the position is MASK_XENSTORE_IDX(idx) and
 *     prod - cons <= XENSTORE_RING_SIZE always holds for a sane peer.
 *  3. The client writes req_prod and rsp_cons, the server req_cons,
 *     rsp_prod, server_features and error; connection is written by both
 *     (client asks RECONNECT, server answers CONNECTED).
 */
#define XENSTORE_RING_SIZE	1024
typedef uint32_t XENSTORE_RING_IDX;
#define MASK_XENSTORE_IDX(idx)	((idx) & (XENSTORE_RING_SIZE - 1))

struct xenstore_domain_interface {
	char req[XENSTORE_RING_SIZE];	/* IN (to server): requests */
	char rsp[XENSTORE_RING_SIZE];	/* OUT: replies and watch events */
	XENSTORE_RING_IDX req_cons;	/* OUT */
	XENSTORE_RING_IDX req_prod;	/* IN */
	XENSTORE_RING_IDX rsp_cons;	/* IN */
	XENSTORE_RING_IDX rsp_prod;	/* OUT */
	uint32_t server_features;	/* OUT: XENSTORE_SERVER_FEATURE_* */
	uint32_t connection;		/* IN/OUT: XENSTORE_CONNECTED/RECONNECT */
	uint32_t error;			/* OUT: XENSTORE_ERROR_* */
};

#define XENSTORE_SERVER_FEATURE_RECONNECTION	1
#define XENSTORE_SERVER_FEATURE_ERROR		2

#define XENSTORE_CONNECTED	0
#define XENSTORE_RECONNECT	1

#define XENSTORE_ERROR_NONE	0
#define XENSTORE_ERROR_COMM	1	/* communication problem */
#define XENSTORE_ERROR_RINGIDX	2	/* invalid ring index */
#define XENSTORE_ERROR_PROTO	3	/* protocol violation */

#endif
