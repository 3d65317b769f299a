/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Watches and their events.
 *
 * A change of node P fires every watch whose path is P or an ancestor of P,
 * with event path P. When a subtree goes away (rm), watches *below* P fire
 * too, with their own path as event path, because an event path is always
 * at or below the watched path. "@" paths only match themselves.
 *
 * An unprivileged connection gets an event only if it may read the node
 * (as it was at change time, or before a SET_PERMS) or the node's parent
 * now: that stops domains from learning names in directories they cannot
 * read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xenstored.h"

struct event *event_new(const char *path, bool rm, const struct node *n,
			const struct xs_perm *old, unsigned int nold)
{
	unsigned int np = n ? n->nperms : 0;
	struct event *e = calloc(1, sizeof(*e) + (np + nold) * sizeof(e->perms[0]));

	if (!e)
		return NULL;
	e->path = strdup(path);
	if (!e->path) {
		free(e);
		return NULL;
	}
	e->rm = rm;
	e->nperms = np;
	e->nold = nold;
	if (np)
		memcpy(e->perms, n->perms, np * sizeof(e->perms[0]));
	if (nold)
		memcpy(e->perms + np, old, nold * sizeof(e->perms[0]));
	return e;
}

void events_free(struct event *e)
{
	while (e) {
		struct event *next = e->next;

		free(e->path);
		free(e);
		e = next;
	}
}

/* A watch costs its domain its path and token (Xen 4.17's count). */
static long watch_charge(const char *abs, const char *token)
{
	return (long)(strlen(abs) + strlen(token));
}

int watch_add(struct conn *c, const char *given, const char *abs, const char *token,
	      struct watch **out)
{
	struct domain *d = domain_get(c->domid, true);
	struct watch *w, **tail = &c->watches;

	if (!d)
		return -ENOMEM;
	for (w = c->watches; w; tail = &w->next, w = w->next)
		if (!strcmp(w->path, abs) && !strcmp(w->token, token))
			return -EEXIST;
	/* Xen 4.17 compares the count before this one with ">": one more */
	if (!c->privileged && d->watches > quota.watches)
		return -E2BIG;
	if (domain_memory_over(c->domid, watch_charge(abs, token)))
		return -ENOMEM;		/* Xen 4.17's answer */
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->path = strdup(abs);
	w->token = strdup(token);
	if (!w->path || !w->token) {
		free(w->path);
		free(w->token);
		free(w);
		return -ENOMEM;
	}
	w->relative = given[0] != '/' && !path_is_special(given);
	*tail = w;		/* in the order given: they fire so, as in Xen 4.17 */
	d->watches++;
	domain_memory_add(c->domid, watch_charge(abs, token));
	*out = w;
	return 0;
}

static void watch_free(struct conn *c, struct watch *w)
{
	struct domain *d = domain_get(c->domid, false);

	if (d && d->watches)
		d->watches--;
	domain_memory_add(c->domid, -watch_charge(w->path, w->token));
	free(w->path);
	free(w->token);
	free(w);
}

int watch_del(struct conn *c, const char *abs, const char *token)
{
	struct watch **pw, *w;

	for (pw = &c->watches; (w = *pw); pw = &w->next) {
		if (!strcmp(w->path, abs) && !strcmp(w->token, token)) {
			*pw = w->next;
			watch_free(c, w);
			return 0;
		}
	}
	return -ENOENT;
}

void watch_del_all(struct conn *c)
{
	while (c->watches) {
		struct watch *w = c->watches;

		c->watches = w->next;
		watch_free(c, w);
	}
}

/* Send one event for @abs to watch @w, relative if it was registered so. */
int watch_send(struct conn *c, const struct watch *w, const char *abs)
{
	char home[32], buf[XENSTORE_PAYLOAD_MAX];
	const char *p = abs;
	int hlen, len;

	hlen = snprintf(home, sizeof(home), "/local/domain/%u/", c->domid);
	if (w->relative && !strncmp(abs, home, hlen) && abs[hlen])
		p = abs + hlen;
	len = snprintf(buf, sizeof(buf), "%s%c%s", p, '\0', w->token);
	if (len < 0 || (size_t)len + 1 > sizeof(buf))
		return -E2BIG;
	return conn_send(c, XS_WATCH_EVENT, 0, 0, buf, len + 1);
}

static bool may_see(struct conn *c, const struct event *e)
{
	struct node *parent = NULL;
	char *ppath;
	bool ok = false;

	if (c->privileged)
		return true;
	if (e->nperms && (perms_for(c, e->perms, e->nperms) & PERM_READ))
		return true;
	if (e->nold && (perms_for(c, e->perms + e->nperms, e->nold) & PERM_READ))
		return true;	/* a watcher that just lost access still hears */
	if (path_is_special(e->path))
		return false;
	ppath = path_parent(e->path);
	if (ppath && !store_get(ppath, &parent)) {
		ok = perms_for(c, parent->perms, parent->nperms) & PERM_READ;
		node_free(parent);
	}
	free(ppath);
	return ok;
}

void watch_fire(const struct event *e)
{
	struct conn *c, *next;
	struct watch *w;

	for (c = conn_list; c; c = next) {
		next = c->next;
		if (c->dead || !may_see(c, e))
			continue;
		for (w = c->watches; w; w = w->next) {
			if (path_is_special(e->path) || path_is_special(w->path)) {
				if (!strcmp(e->path, w->path))
					watch_send(c, w, e->path);
			} else if (path_is_under(e->path, w->path)) {
				watch_send(c, w, e->path);
			} else if (e->rm && path_is_under(w->path, e->path)) {
				watch_send(c, w, w->path);
			}
		}
	}
}
