/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Node operations on behalf of a request: permission checks, creation with
 * missing ancestors, recursive removal. Everything goes through r->t, so a
 * failure part-way leaves only a discarded overlay.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xenstored.h"

static bool allowed(struct req *r, const struct node *n, unsigned int want)
{
	return (perms_for(r->c, n->perms, n->nperms) & want) == want;
}

/*
 * The closest existing ancestor of a missing @path. Its permission for
 * what was asked (read for a read, write for a change, as Xen 4.17's
 * errno_from_parents) decides between ENOENT and EACCES, so a domain
 * cannot probe the names
 * below a directory it may not read.
 */
static int closest_ancestor(struct req *r, const char *path, struct node **out)
{
	char *p = path_parent(path);
	int rc = -ENOENT;

	while (p) {
		char *up;

		rc = txn_get(r->t, p, out);
		if (rc != -ENOENT)
			break;
		up = path_parent(p);
		free(p);
		p = up;
	}
	free(p);
	return rc;
}

int tree_lookup(struct req *r, const char *path, unsigned int want, struct node **out)
{
	struct node *a;
	int rc = txn_get(r->t, path, out);

	if (!rc) {
		if (allowed(r, *out, want))
			return 0;
		node_free(*out);
		return -EACCES;
	}
	if (rc != -ENOENT || path_is_special(path))
		return rc;
	rc = closest_ancestor(r, path, &a);
	if (rc)
		return rc;
	rc = perms_for(r->c, a->perms, a->nperms) & want ? -ENOENT : -EACCES;
	node_free(a);
	return rc;
}

/* Nodes the caller's domain may still create in this transaction. */
static int check_node_quota(struct req *r, unsigned int more)
{
	struct domain *d;

	if (r->c->privileged)
		return 0;
	d = domain_get(r->c->domid, true);
	if (!d)
		return -ENOMEM;
	if ((long)d->nodes + r->t->created + (long)more > (long)quota.nodes)
		return -ENOSPC;
	return 0;
}

static int create_child(struct req *r, struct node *parent, const char *path,
			const void *data, unsigned int len)
{
	struct node *n = node_new(path);
	int rc = -ENOMEM;

	if (!n)
		return rc;
	rc = node_set_perms(n, parent->perms, parent->nperms);
	if (!rc && !r->c->privileged)
		n->perms[0].id = r->c->domid;
	if (!rc)
		rc = node_set_data(n, data, len);
	if (!rc)
		rc = node_add_child(parent, path_basename(path));
	if (!rc)
		rc = txn_put(r->t, parent);
	if (!rc)
		rc = txn_put(r->t, n);
	node_free(n);
	return rc;
}

/*
 * Create @path with value @data, and any missing ancestors with empty
 * values. Needs write access to the closest existing ancestor; every new
 * node inherits that ancestor's list, owned by the creator if unprivileged.
 */
int tree_create(struct req *r, const char *path, const void *data, unsigned int len)
{
	struct node *anc = NULL;
	unsigned int depth = 0, i;
	const char *missing[XENSTORE_ABS_PATH_MAX / 2 + 1];
	char *p = strdup(path);
	int rc;

	while (p) {
		rc = txn_get(r->t, p, &anc);
		if (rc != -ENOENT)
			break;
		missing[depth++] = p;
		p = path_parent(p);
	}
	if (!p) {
		rc = -ENOMEM;
		goto out;
	}
	free(p);
	if (rc)
		goto out;
	rc = allowed(r, anc, PERM_WRITE) ? check_node_quota(r, depth) : -EACCES;
	/*
	 * Xen 4.17 writes the new nodes deepest first, each while under the
	 * quota, then takes back those written when one is over (XSA-415),
	 * and a transaction it did that in cannot be committed: ours writes
	 * none, and its transaction's commit fails as Xen's would.
	 */
	if (rc == -ENOSPC && r->t->id && !check_node_quota(r, 1))
		r->t->failed = true;
	for (i = depth; !rc && i-- > 0;) {
		struct node *next;

		rc = create_child(r, anc, missing[i], i ? NULL : data, i ? 0 : len);
		if (!rc)
			rc = txn_get(r->t, missing[i], &next);
		if (!rc) {
			node_free(anc);
			anc = next;
		}
	}
	if (!rc) {
		r->t->created += (int)depth;
		rc = txn_event(r->t, path, false, anc, NULL, 0);
	}
out:
	node_free(anc);
	for (i = 0; i < depth; i++)
		free((char *)missing[i]);
	return rc;
}

static int remove_subtree(struct req *r, struct node *n)
{
	unsigned int off;
	int rc = 0;

	for (off = 0; !rc && off < n->childlen; off += strlen(n->children + off) + 1) {
		char *cpath = path_child(n->path, n->children + off);
		struct node *child;

		if (!cpath)
			return -ENOMEM;
		rc = txn_get(r->t, cpath, &child);
		free(cpath);
		if (rc == -ENOENT) {
			rc = 0;	/* tolerate a dangling name */
			continue;
		}
		if (!rc)
			rc = remove_subtree(r, child);
		node_free(child);
	}
	if (!rc)
		rc = txn_del(r->t, n->path);
	if (!rc && n->perms[0].id == r->c->domid)
		r->t->created--;
	return rc;
}

/* Remove @n and everything below it; the caller checked write access. */
int tree_remove(struct req *r, struct node *n)
{
	char *ppath = path_parent(n->path);
	struct node *parent;
	int rc;

	if (!ppath)
		return -EINVAL;
	rc = txn_get(r->t, ppath, &parent);
	free(ppath);
	if (rc)
		return rc == -ENOENT ? -EIO : rc;
	rc = remove_subtree(r, n);
	if (!rc) {
		node_del_child(parent, path_basename(n->path));
		rc = txn_put(r->t, parent);
	}
	if (!rc)
		rc = txn_event(r->t, n->path, true, n, NULL, 0);
	node_free(parent);
	return rc;
}
