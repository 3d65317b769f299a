/* SPDX-License-Identifier: MIT */
/*
 * libxs: see xs.h. Requests are strictly one at a time per handle; the
 * reply is matched by req_id, and any XS_WATCH_EVENT read meanwhile is
 * queued for xs_read_watch().
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <lamina/io/xs_wire.h>
#include "xs.h"

struct xs_event {
	struct xs_event *next;
	char *path, *token;
};

/* A batch's bound: what is written before the replies are read (xs_batch_begin). */
#define BATCH_MAX	(16U << 10)

struct xs_handle {
	int fd;
	bool socket;		/* else a device: the kernel's xenbus */
	uint32_t req_id;
	struct xs_event *events, **events_tail;
	/*
	 * A batch (xs_batch_begin): requests queued in @bq, their types in
	 * @btype; their ids are req_id - bn + 1 .. req_id. @berr the first
	 * error of the batch's requests sent so far.
	 */
	bool batching;
	char *bq;
	size_t blen;
	uint32_t *btype;
	unsigned int bn, bcap;
	int berr;
};

static const struct { int err; const char *name; } errnames[] = {
#define X(e) { e, #e },
	XSD_ERRORS(X)
#undef X
};

int xs_errno_of(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (!strcmp(errnames[i].name, name))
			return errnames[i].err;
	return EINVAL;
}

const char *xs_default_socket(void)
{
	const char *p = getenv("XENSTORED_PATH");

	return p && *p ? p : "/run/xenstored/socket";
}

/*
 * A path that is not a socket is opened as a file: Linux's /dev/xen/xenbus
 * (or /proc/xen/xenbus) carries the same messages through the kernel's
 * own store ring, as with Debian's libxenstore.
 */
int xs_open(const char *path, struct xs_handle **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct xs_handle *h;
	struct stat st;
	int err;

	if (!path)
		path = xs_default_socket();
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->events_tail = &h->events;
	h->socket = stat(path, &st) || S_ISSOCK(st.st_mode);
	if (!h->socket) {
		h->fd = open(path, O_RDWR | O_CLOEXEC);
	} else if (strlen(path) >= sizeof(sa.sun_path)) {
		free(h);
		return -ENAMETOOLONG;
	} else {
		strcpy(sa.sun_path, path);
		h->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (h->fd >= 0 && connect(h->fd, (struct sockaddr *)&sa, sizeof(sa))) {
			err = errno;
			close(h->fd);
			errno = err;
			h->fd = -1;
		}
	}
	if (h->fd < 0) {
		err = errno;
		free(h);
		return -err;
	}
	*out = h;
	return 0;
}

void xs_close(struct xs_handle *h)
{
	if (!h)
		return;
	while (h->events) {
		struct xs_event *e = h->events;

		h->events = e->next;
		free(e->path);
		free(e->token);
		free(e);
	}
	close(h->fd);
	free(h->bq);
	free(h->btype);
	free(h);
}

int xs_fileno(const struct xs_handle *h)
{
	return h->fd;
}

bool xs_events_queued(const struct xs_handle *h)
{
	return h->events != NULL;
}

static int write_all(const struct xs_handle *h, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = h->socket ? send(h->fd, p, len, MSG_NOSIGNAL) :
					write(h->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		p += n;
		len -= n;
	}
	return 0;
}

/* Read one whole message; the payload gets a NUL one past its end. */
static int read_msg(struct xs_handle *h, struct xsd_sockmsg *hdr, char **body)
{
	int rc = read_all(h->fd, hdr, sizeof(*hdr));

	if (rc)
		return rc;
	if (hdr->len > XENSTORE_PAYLOAD_MAX)
		return -EPROTO;
	*body = malloc(hdr->len + 1);
	if (!*body)
		return -ENOMEM;
	rc = read_all(h->fd, *body, hdr->len);
	if (rc) {
		free(*body);
		return rc;
	}
	(*body)[hdr->len] = '\0';
	return 0;
}

static int queue_event(struct xs_handle *h, const char *body, unsigned int len)
{
	size_t plen = strnlen(body, len);
	struct xs_event *e;

	if (plen == len)
		return -EPROTO;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->path = strdup(body);
	e->token = strdup(body + plen + 1);
	if (!e->path || !e->token) {
		free(e->path);
		free(e->token);
		free(e);
		return -ENOMEM;
	}
	*h->events_tail = e;
	h->events_tail = &e->next;
	return 0;
}

/*
 * The batch's requests written at once, then their replies read, in order
 * (watch events queued, stale replies skipped): 0, or the first request's
 * error, or the connection's. The batch is empty after it either way.
 */
static int batch_flush(struct xs_handle *h)
{
	uint32_t first = h->req_id - h->bn + 1;
	unsigned int i = 0;
	int rc = h->bn ? write_all(h, h->bq, h->blen) : 0;

	while (!rc && i < h->bn) {
		struct xsd_sockmsg in;
		char *body;

		rc = read_msg(h, &in, &body);
		if (rc)
			break;
		if (in.type == XS_WATCH_EVENT) {
			rc = queue_event(h, body, in.len);
		} else if (in.req_id == first + i) {
			if (in.type == XS_ERROR && !h->berr)
				h->berr = -xs_errno_of(body);
			else if (in.type != XS_ERROR && in.type != h->btype[i] && !h->berr)
				h->berr = -EPROTO;
			i++;
		}
		/* else a stale reply: not ours */
		free(body);
	}
	h->blen = 0;
	h->bn = 0;
	if (!rc)
		rc = h->berr;
	h->berr = 0;
	return rc;
}

/* Queues a request of the batch: 0, or -errno (nothing queued). */
static int batch_add(struct xs_handle *h, const struct xsd_sockmsg *hdr, const void *payload)
{
	size_t need = sizeof(*hdr) + hdr->len;
	int rc;

	if (h->blen + need > BATCH_MAX) {
		rc = batch_flush(h);
		if (rc)
			h->berr = rc;	/* kept for xs_batch_end */
	}
	if (h->bn == h->bcap) {
		unsigned int cap = h->bcap ? 2 * h->bcap : 64;
		uint32_t *t = realloc(h->btype, cap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		h->btype = t;
		h->bcap = cap;
	}
	if (!h->bq) {
		h->bq = malloc(BATCH_MAX + sizeof(*hdr) + XENSTORE_PAYLOAD_MAX);
		if (!h->bq)
			return -ENOMEM;
	}
	memcpy(h->bq + h->blen, hdr, sizeof(*hdr));
	if (hdr->len)
		memcpy(h->bq + h->blen + sizeof(*hdr), payload, hdr->len);
	h->blen += need;
	h->btype[h->bn++] = hdr->type;
	return 0;
}

/*
 * What a batch may hold: requests whose reply carries nothing but an
 * error. A transaction's end, INTRODUCE, RELEASE, UNWATCH and the like
 * also pass no reply buffer, but their answer decides what the caller
 * does next (a commit's EAGAIN), so they are never held back.
 */
static bool batchable(uint32_t type)
{
	return type == XS_WRITE || type == XS_MKDIR || type == XS_RM || type == XS_SET_PERMS ||
	       type == XS_WATCH;
}

void xs_batch_begin(struct xs_handle *h)
{
	h->batching = h->socket;
}

int xs_batch_end(struct xs_handle *h)
{
	int rc = h->batching ? batch_flush(h) : 0;

	h->batching = false;
	return rc;
}

int xs_talk(struct xs_handle *h, uint32_t type, uint32_t tx, const void *payload,
	    unsigned int len, char **reply, unsigned int *rlen)
{
	struct xsd_sockmsg hdr = { type, h->req_id + 1, tx, len };
	char *body;
	int rc;

	if (len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	if (h->batching) {
		if (!reply && batchable(type)) {
			rc = batch_add(h, &hdr, payload);
			if (!rc)
				h->req_id++;
			return rc;
		}
		/*
		 * What is queued goes first. A reply wanted: its error wins. A
		 * request the batch does not hold (a transaction's end): it is
		 * still sent and answered on its own, the batch's error kept for
		 * xs_batch_end.
		 */
		rc = batch_flush(h);
		if (rc && reply)
			return rc;
		if (rc)
			h->berr = rc;
	}
	h->req_id++;
	rc = write_all(h, &hdr, sizeof(hdr));
	if (!rc && len)
		rc = write_all(h, payload, len);
	while (!rc) {
		struct xsd_sockmsg in;

		rc = read_msg(h, &in, &body);
		if (rc)
			break;
		if (in.type == XS_WATCH_EVENT) {
			rc = queue_event(h, body, in.len);
			free(body);
			continue;
		}
		if (in.req_id != hdr.req_id) {
			free(body);
			continue;	/* a stale reply: not ours */
		}
		if (in.type == XS_ERROR) {
			rc = -xs_errno_of(body);
			free(body);
			return rc;
		}
		if (in.type != type) {
			free(body);
			return -EPROTO;
		}
		if (reply) {
			*reply = body;
			if (rlen)
				*rlen = in.len;
		} else {
			free(body);
		}
		return 0;
	}
	return rc;
}

/* Build "a\0b\0..." from strings. */
static int pack(char *buf, size_t size, const char *const *s, unsigned int num)
{
	size_t used = 0;
	unsigned int i;

	for (i = 0; i < num; i++) {
		size_t len = strlen(s[i]) + 1;

		if (len > size - used)
			return -E2BIG;
		memcpy(buf + used, s[i], len);
		used += len;
	}
	return used;
}

static int talk_strs(struct xs_handle *h, uint32_t type, uint32_t tx,
		     const char *const *s, unsigned int num, char **reply,
		     unsigned int *rlen)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	int len = pack(buf, sizeof(buf), s, num);

	if (len < 0)
		return len;
	return xs_talk(h, type, tx, buf, len, reply, rlen);
}

static int talk1(struct xs_handle *h, uint32_t type, uint32_t tx, const char *arg,
		 char **reply, unsigned int *rlen)
{
	return talk_strs(h, type, tx, &arg, 1, reply, rlen);
}

static int count_strings(const char *buf, unsigned int len)
{
	unsigned int i;
	int n = 0;

	for (i = 0; i < len; i++)
		n += buf[i] == '\0';
	return n;
}

int xs_read(struct xs_handle *h, uint32_t tx, const char *path, char **val,
	    unsigned int *len)
{
	return talk1(h, XS_READ, tx, path, val, len);
}

int xs_write(struct xs_handle *h, uint32_t tx, const char *path, const void *val,
	     unsigned int len)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t plen = strlen(path) + 1;

	if (plen + len > sizeof(buf))
		return -E2BIG;
	memcpy(buf, path, plen);
	if (len)
		memcpy(buf + plen, val, len);
	return xs_talk(h, XS_WRITE, tx, buf, plen + len, NULL, NULL);
}

int xs_mkdir(struct xs_handle *h, uint32_t tx, const char *path)
{
	return talk1(h, XS_MKDIR, tx, path, NULL, NULL);
}

int xs_rm(struct xs_handle *h, uint32_t tx, const char *path)
{
	return talk1(h, XS_RM, tx, path, NULL, NULL);
}

/*
 * A directory too big for one reply (E2BIG): fetch it in chunks with
 * XS_DIRECTORY_PART, starting over if the generation changes meanwhile.
 * Each reply is "<gen>\0" names..., with an empty name after the last.
 */
static int directory_parts(struct xs_handle *h, uint32_t tx, const char *path,
			   char **names, unsigned int *len)
{
	char gen[24] = "", off[16], *reply, *all = NULL;
	unsigned int used = 0, rlen, glen, chunk;
	bool done = false;
	int rc = 0;

	while (!rc && !done) {
		const char *args[] = { path, off };
		char *grown;

		snprintf(off, sizeof(off), "%u", used);
		rc = talk_strs(h, XS_DIRECTORY_PART, tx, args, 2, &reply, &rlen);
		if (rc)
			break;
		glen = strnlen(reply, rlen) + 1;
		if (glen > rlen || glen > sizeof(gen)) {
			rc = -EPROTO;
		} else if (used && strcmp(gen, reply)) {
			used = 0;		/* changed under us: again */
		} else {
			memcpy(gen, reply, glen);
			chunk = rlen - glen;
			done = chunk && reply[rlen - 1] == '\0' &&
			       (chunk == 1 || reply[rlen - 2] == '\0');
			chunk -= done;		/* drop the end marker */
			grown = realloc(all, used + chunk + 1);
			if (!grown) {
				rc = -ENOMEM;
			} else {
				all = grown;
				memcpy(all + used, reply + glen, chunk);
				used += chunk;
				if (!done && !chunk)
					rc = -EPROTO;	/* no progress */
			}
		}
		free(reply);
	}
	if (rc) {
		free(all);
		return rc;
	}
	all[used] = '\0';
	*names = all;
	*len = used;
	return 0;
}

int xs_directory(struct xs_handle *h, uint32_t tx, const char *path, char **names,
		 unsigned int *len)
{
	int rc = talk1(h, XS_DIRECTORY, tx, path, names, len);

	if (rc == -E2BIG)
		rc = directory_parts(h, tx, path, names, len);
	return rc ? rc : count_strings(*names, *len);
}

int xs_get_perms(struct xs_handle *h, uint32_t tx, const char *path, char **perms,
		 unsigned int *len)
{
	int rc = talk1(h, XS_GET_PERMS, tx, path, perms, len);

	return rc ? rc : count_strings(*perms, *len);
}

int xs_set_perms(struct xs_handle *h, uint32_t tx, const char *path,
		 const char *const *perms, unsigned int num)
{
	const char *args[65];
	unsigned int i;

	if (!num || num >= sizeof(args) / sizeof(args[0]))
		return -EINVAL;
	args[0] = path;
	for (i = 0; i < num; i++)
		args[i + 1] = perms[i];
	return talk_strs(h, XS_SET_PERMS, tx, args, num + 1, NULL, NULL);
}

int xs_watch(struct xs_handle *h, const char *path, const char *token)
{
	const char *args[] = { path, token };

	return talk_strs(h, XS_WATCH, 0, args, 2, NULL, NULL);
}

int xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
	const char *args[] = { path, token };

	return talk_strs(h, XS_UNWATCH, 0, args, 2, NULL, NULL);
}

int xs_read_watch(struct xs_handle *h, int timeout_ms, char **path, char **token)
{
	while (!h->events) {
		struct pollfd pfd = { .fd = h->fd, .events = POLLIN };
		struct xsd_sockmsg hdr;
		char *body;
		int rc = poll(&pfd, 1, timeout_ms);

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			return -ETIMEDOUT;
		rc = read_msg(h, &hdr, &body);
		if (rc)
			return rc;
		if (hdr.type == XS_WATCH_EVENT)
			rc = queue_event(h, body, hdr.len);
		free(body);
		if (rc)
			return rc;
	}
	{
		struct xs_event *e = h->events;

		h->events = e->next;
		if (!h->events)
			h->events_tail = &h->events;
		*path = e->path;
		*token = e->token;
		free(e);
	}
	return 0;
}

int xs_transaction_start(struct xs_handle *h, uint32_t *tx)
{
	unsigned long v;
	char *reply, *end;
	int rc = talk1(h, XS_TRANSACTION_START, 0, "", &reply, NULL);

	if (rc)
		return rc;
	v = strtoul(reply, &end, 10);
	rc = (*end || !v || v > 0xffffffffUL) ? -EPROTO : 0;
	free(reply);
	if (!rc)
		*tx = v;
	return rc;
}

int xs_transaction_end(struct xs_handle *h, uint32_t tx, bool commit)
{
	return talk1(h, XS_TRANSACTION_END, tx, commit ? "T" : "F", NULL, NULL);
}

int xs_introduce(struct xs_handle *h, unsigned int domid, unsigned long mfn,
		 unsigned int port)
{
	char d[16], m[24], p[16];
	const char *args[] = { d, m, p };

	snprintf(d, sizeof(d), "%u", domid);
	snprintf(m, sizeof(m), "%lu", mfn);
	snprintf(p, sizeof(p), "%u", port);
	return talk_strs(h, XS_INTRODUCE, 0, args, 3, NULL, NULL);
}

static int talk_domid(struct xs_handle *h, uint32_t type, unsigned int domid,
		      char **reply)
{
	char d[16];

	snprintf(d, sizeof(d), "%u", domid);
	return talk1(h, type, 0, d, reply, NULL);
}

int xs_release(struct xs_handle *h, unsigned int domid)
{
	return talk_domid(h, XS_RELEASE, domid, NULL);
}

int xs_resume(struct xs_handle *h, unsigned int domid)
{
	return talk_domid(h, XS_RESUME, domid, NULL);
}

int xs_get_domain_path(struct xs_handle *h, unsigned int domid, char **path)
{
	return talk_domid(h, XS_GET_DOMAIN_PATH, domid, path);
}

int xs_is_domain_introduced(struct xs_handle *h, unsigned int domid)
{
	char *reply;
	int rc = talk_domid(h, XS_IS_DOMAIN_INTRODUCED, domid, &reply);

	if (rc)
		return rc;
	rc = !strcmp(reply, "T");
	free(reply);
	return rc;
}

int xs_control(struct xs_handle *h, const char *const *args, unsigned int num,
	       char **reply, unsigned int *rlen)
{
	return talk_strs(h, XS_CONTROL, 0, args, num, reply, rlen);
}
