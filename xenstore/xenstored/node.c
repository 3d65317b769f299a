/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Nodes in memory and their record in tdb. The record is private to this
 * daemon (it is never sent anywhere), little-endian like the host:
 *
 *   struct rec_hdr | perms[nperms] | data[datalen] | children[childlen]
 *
 * A record with nperms == 0 marks a node deleted inside a transaction
 * overlay; it never reaches the committed database.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "xenstored.h"

struct rec_hdr {
	uint64_t gen;
	uint32_t nperms;
	uint32_t datalen;
	uint32_t childlen;
	uint32_t pad;
};

struct node *node_new(const char *path)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->path = strdup(path);
	if (!n->path) {
		free(n);
		return NULL;
	}
	return n;
}

void node_free(struct node *n)
{
	if (!n)
		return;
	free(n->path);
	free(n->perms);
	free(n->data);
	free(n->children);
	free(n);
}

static int replace_buf(char **dst, const void *src, size_t len)
{
	char *p = malloc(len ? len : 1);

	if (!p)
		return -ENOMEM;
	if (len)
		memcpy(p, src, len);
	free(*dst);
	*dst = p;
	return 0;
}

int node_set_data(struct node *n, const void *data, unsigned int len)
{
	int rc = replace_buf(&n->data, data, len);

	if (!rc)
		n->datalen = len;
	return rc;
}

int node_set_perms(struct node *n, const struct xs_perm *p, unsigned int num)
{
	int rc = replace_buf((char **)&n->perms, p, num * sizeof(*p));

	if (!rc)
		n->nperms = num;
	return rc;
}

/* Children are kept in creation order, as Xen's xenstored lists them. */
int node_add_child(struct node *n, const char *name)
{
	size_t len = strlen(name) + 1;
	char *p = realloc(n->children, n->childlen + len);

	if (!p)
		return -ENOMEM;
	memcpy(p + n->childlen, name, len);
	n->children = p;
	n->childlen += len;
	return 0;
}

void node_del_child(struct node *n, const char *name)
{
	unsigned int off = 0;

	while (off < n->childlen) {
		char *c = n->children + off;
		size_t len = strlen(c) + 1;

		if (!strcmp(c, name)) {
			memmove(c, c + len, n->childlen - off - len);
			n->childlen -= len;
			return;
		}
		off += len;
	}
}

size_t node_encoded_size(const struct node *n)
{
	return sizeof(struct rec_hdr) + n->nperms * sizeof(struct xs_perm) +
	       n->datalen + n->childlen;
}

/*
 * The size Xen 4.17 charges a node against the entry-size quota: its own
 * record's, a 24-byte header and 8 bytes a permission entry (ours are 4).
 */
static size_t xen_record_size(size_t nperms, size_t datalen, size_t childlen)
{
	return 24 + nperms * 8 + datalen + childlen;
}

size_t node_quota_size(const struct node *n)
{
	return xen_record_size(n->nperms, n->datalen, n->childlen);
}

void *node_encode(const struct node *n, size_t *len)
{
	struct rec_hdr h = {
		.gen = n->gen, .nperms = n->nperms,
		.datalen = n->datalen, .childlen = n->childlen,
	};
	char *buf, *p;

	*len = node_encoded_size(n);
	buf = p = malloc(*len);
	if (!buf)
		return NULL;
	memcpy(p, &h, sizeof(h));
	p += sizeof(h);
	memcpy(p, n->perms, n->nperms * sizeof(struct xs_perm));
	p += n->nperms * sizeof(struct xs_perm);
	if (n->datalen)
		memcpy(p, n->data, n->datalen);
	p += n->datalen;
	if (n->childlen)
		memcpy(p, n->children, n->childlen);
	return buf;
}

static bool hdr_valid(const void *buf, size_t len, struct rec_hdr *h)
{
	if (len < sizeof(*h))
		return false;
	memcpy(h, buf, sizeof(*h));
	if (h->nperms > XS_PERMS_MAX || h->datalen > len || h->childlen > len)
		return false;
	return sizeof(*h) + h->nperms * sizeof(struct xs_perm) +
	       (size_t)h->datalen + h->childlen == len;
}

struct node *node_decode(const char *path, const void *buf, size_t len)
{
	const char *p = (const char *)buf + sizeof(struct rec_hdr);
	struct rec_hdr h;
	struct node *n;

	if (!hdr_valid(buf, len, &h) || !h.nperms)
		return NULL;
	/* children must be NUL-terminated names */
	if (h.childlen && ((const char *)buf)[len - 1] != '\0')
		return NULL;
	n = node_new(path);
	if (!n)
		return NULL;
	n->gen = h.gen;
	if (node_set_perms(n, (const struct xs_perm *)p, h.nperms))
		goto fail;
	p += h.nperms * sizeof(struct xs_perm);
	if (node_set_data(n, p, h.datalen))
		goto fail;
	p += h.datalen;
	if (replace_buf(&n->children, p, h.childlen))
		goto fail;
	n->childlen = h.childlen;
	return n;
fail:
	node_free(n);
	return NULL;
}

bool record_is_deleted(const void *buf, size_t len)
{
	struct rec_hdr h;

	return hdr_valid(buf, len, &h) && h.nperms == 0;
}

void *record_deleted(size_t *len)
{
	struct rec_hdr *h = calloc(1, sizeof(*h));

	*len = sizeof(*h);
	return h;
}

uint64_t record_gen(const void *buf, size_t len)
{
	struct rec_hdr h;

	return hdr_valid(buf, len, &h) ? h.gen : 0;
}

/*
 * What a node costs its owner against the memory quota, as Xen 4.17
 * counts it: the key (the path, no NUL) and Xen's record (node_quota_size).
 */
long node_charge(const struct node *n)
{
	return (long)strlen(n->path) + (long)node_quota_size(n);
}

/* The same for a record of ours under a key of @keylen bytes; 0 for no live node. */
long record_charge(size_t keylen, const void *buf, size_t len)
{
	struct rec_hdr h;

	if (!hdr_valid(buf, len, &h) || !h.nperms)
		return 0;
	return (long)(keylen + xen_record_size(h.nperms, h.datalen, h.childlen));
}

/* The owning domid of a record, or -1 when it is not a live node. */
int record_owner(const void *buf, size_t len)
{
	struct rec_hdr h;
	struct xs_perm p;

	if (!hdr_valid(buf, len, &h) || !h.nperms)
		return -1;
	memcpy(&p, (const char *)buf + sizeof(h), sizeof(p));
	return p.id;
}
