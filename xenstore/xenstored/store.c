/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The committed database: one tdb keyed by absolute path (no NUL), or by
 * "@introduceDomain"/"@releaseDomain" for the special watch nodes, whose
 * records only carry permissions. In memory (TDB_INTERNAL) by default; with
 * a file it survives restarts, each commit wrapped in a tdb transaction so a
 * killed daemon never leaves half a request behind.
 *
 * Generations: every store_put() stamps the node with ++store_gen. A
 * transaction remembers the generation of each node it saw (0 = absent) and
 * conflicts when any of them moved. On open the counter restarts from the
 * largest generation on disk, so it only ever grows.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tdb.h>
#include "xenstored.h"

#define STORE_FORMAT_KEY	"#lamina-xenstored-format"
#define STORE_FORMAT		"1"

static TDB_CONTEXT *db;
static bool persistent;
static uint64_t store_gen;
unsigned int store_hash_size = 65521;	/* tdb buckets for a new database */

static TDB_DATA key_of(const char *path)
{
	TDB_DATA k = { .dptr = (unsigned char *)path, .dsize = strlen(path) };

	return k;
}

int store_get(const char *path, struct node **out)
{
	TDB_DATA d = tdb_fetch(db, key_of(path));

	if (!d.dptr)
		return -ENOENT;
	*out = node_decode(path, d.dptr, d.dsize);
	free(d.dptr);
	if (!*out) {
		log_msg("store: corrupt record for %s", path);
		return -EIO;
	}
	return 0;
}

uint64_t store_gen_of(const char *path)
{
	TDB_DATA d = tdb_fetch(db, key_of(path));
	uint64_t gen;

	if (!d.dptr)
		return 0;
	gen = record_gen(d.dptr, d.dsize);
	free(d.dptr);
	return gen;
}

/*
 * The committed owner of @path, -1 if there is no such node; and, if
 * @charge is given, what the node costs its owner (node_charge), 0 if none.
 */
int store_owner_of(const char *path, long *charge)
{
	TDB_DATA d = tdb_fetch(db, key_of(path));
	int owner;

	if (charge)
		*charge = 0;
	if (!d.dptr)
		return -1;
	owner = record_owner(d.dptr, d.dsize);
	if (charge && owner >= 0)
		*charge = record_charge(strlen(path), d.dptr, d.dsize);
	free(d.dptr);
	return owner;
}

/*
 * A node's owner changes, or it comes or goes (owner -1): its memory
 * charge moves with it; special nodes are not counted against anybody's
 * node quota.
 */
static void account(const char *path, int old_owner, long old_charge,
		    int new_owner, long new_charge)
{
	if (old_owner >= 0)
		domain_memory_add(old_owner, -old_charge);
	if (new_owner >= 0)
		domain_memory_add(new_owner, new_charge);
	if (path_is_special(path) || old_owner == new_owner)
		return;
	if (old_owner >= 0)
		domain_nodes_add(old_owner, -1);
	if (new_owner >= 0)
		domain_nodes_add(new_owner, 1);
}

int store_put(struct node *n)
{
	long old_charge;
	int old = store_owner_of(n->path, &old_charge);
	TDB_DATA d;
	size_t len;
	int rc;

	n->gen = ++store_gen;
	d.dptr = node_encode(n, &len);
	if (!d.dptr)
		return -ENOMEM;
	d.dsize = len;
	rc = tdb_store(db, key_of(n->path), d, TDB_REPLACE);
	free(d.dptr);
	if (rc) {
		log_msg("store: writing %s: %s", n->path, tdb_errorstr(db));
		return -EIO;
	}
	account(n->path, old, old_charge, n->perms[0].id, node_charge(n));
	return 0;
}

int store_del(const char *path)
{
	long old_charge;
	int old = store_owner_of(path, &old_charge);

	if (old < 0)
		return 0;
	if (tdb_delete(db, key_of(path))) {
		log_msg("store: deleting %s: %s", path, tdb_errorstr(db));
		return -EIO;
	}
	account(path, old, old_charge, -1, 0);
	return 0;
}

int store_begin(void)
{
	if (persistent && tdb_transaction_start(db))
		return -EIO;
	return 0;
}

int store_end(void)
{
	if (persistent && tdb_transaction_commit(db)) {
		log_msg("store: commit failed: %s", tdb_errorstr(db));
		return -EIO;
	}
	return 0;
}

void store_abort(void)
{
	if (persistent)
		tdb_transaction_cancel(db);
}

static int scan_one(TDB_CONTEXT *tdb, TDB_DATA k, TDB_DATA d, void *priv)
{
	uint64_t gen = record_gen(d.dptr, d.dsize);
	int owner = record_owner(d.dptr, d.dsize);

	(void)tdb;
	(void)priv;
	if (gen > store_gen)
		store_gen = gen;
	if (k.dsize && k.dptr[0] == '/' && owner >= 0)
		domain_nodes_add(owner, 1);
	if (k.dsize && (k.dptr[0] == '/' || k.dptr[0] == '@') && owner >= 0)
		domain_memory_add(owner, record_charge(k.dsize, d.dptr, d.dsize));
	return 0;
}

static int put_base(const char *path, const char *value)
{
	struct xs_perm p = { .id = 0, .perm = PERM_NONE };
	struct node *n = node_new(path);
	int rc = -ENOMEM;

	if (!n)
		return rc;
	rc = node_set_perms(n, &p, 1);
	if (!rc)
		rc = node_set_data(n, value, strlen(value));
	if (!rc && !path_is_special(path) && strcmp(path, "/")) {
		/* the base tree is created parent first */
		char *parent = path_parent(path);
		struct node *pn = NULL;

		rc = parent ? store_get(parent, &pn) : -ENOMEM;
		if (!rc)
			rc = node_add_child(pn, path_basename(path));
		if (!rc)
			rc = store_put(pn);
		node_free(pn);
		free(parent);
	}
	if (!rc)
		rc = store_put(n);
	node_free(n);
	return rc;
}

/* Xen's xenstored and libxl start with this tree, all owned by dom0. */
static int create_base_tree(void)
{
	static const char *const base[][2] = {
		{ "/", "" }, { "/local", "" }, { "/local/domain", "" },
		{ "/local/domain/0", "" }, { "/local/domain/0/name", "Domain-0" },
		{ "/local/domain/0/domid", "0" }, { "/tool", "" }, { "/vm", "" },
		{ "@introduceDomain", "" }, { "@releaseDomain", "" },
	};
	TDB_DATA fmt = { .dptr = (unsigned char *)STORE_FORMAT, .dsize = 1 };
	unsigned int i;
	int rc;

	for (i = 0; i < sizeof(base) / sizeof(base[0]); i++) {
		rc = put_base(base[i][0], base[i][1]);
		if (rc)
			return rc;
	}
	return tdb_store(db, key_of(STORE_FORMAT_KEY), fmt, TDB_REPLACE) ? -EIO : 0;
}

static int check_format(void)
{
	TDB_DATA d = tdb_fetch(db, key_of(STORE_FORMAT_KEY));
	int rc = 0;

	if (!d.dptr)
		return -ENOENT;
	if (d.dsize != 1 || d.dptr[0] != STORE_FORMAT[0])
		rc = -EINVAL;
	free(d.dptr);
	return rc;
}

/* file == NULL: in memory. Existing files are reused with their contents. */
int store_open(const char *file)
{
	int rc;

	store_gen = 0;
	persistent = file != NULL;
	if (file)
		db = tdb_open(file, store_hash_size, TDB_NOSYNC, O_RDWR | O_CREAT, 0600);
	else
		db = tdb_open("xenstored", store_hash_size, TDB_INTERNAL, O_RDWR | O_CREAT, 0600);
	if (!db)
		return errno ? -errno : -EIO;
	rc = check_format();
	if (rc == -ENOENT) {
		log_msg("store: new database %s", file ? file : "(in memory)");
		return create_base_tree();
	}
	if (rc) {
		log_msg("store: %s is not a format " STORE_FORMAT " store", file);
		return rc;
	}
	tdb_traverse(db, scan_one, NULL);
	log_msg("store: reopened %s at generation %llu", file,
		(unsigned long long)store_gen);
	return 0;
}

void store_close(void)
{
	if (db)
		tdb_close(db);
	db = NULL;
}

/* Every parent lists its children and every listed child exists. */
static int check_one(TDB_CONTEXT *tdb, TDB_DATA k, TDB_DATA d, void *priv)
{
	long *count = priv;
	char path[XENSTORE_ABS_PATH_MAX + 1];
	struct node *n, *p = NULL;
	unsigned int off;
	char *parent;
	bool listed = false;

	(void)tdb;
	if (!k.dsize || k.dptr[0] != '/')
		return 0;
	if (k.dsize > XENSTORE_ABS_PATH_MAX)
		goto bad;
	memcpy(path, k.dptr, k.dsize);
	path[k.dsize] = '\0';
	n = node_decode(path, d.dptr, d.dsize);
	if (!n)
		goto bad;
	for (off = 0; off < n->childlen; off += strlen(n->children + off) + 1) {
		char child[XENSTORE_ABS_PATH_MAX + 2];

		snprintf(child, sizeof(child), "%s/%s",
			 strcmp(path, "/") ? path : "", n->children + off);
		if (!store_gen_of(child))
			goto bad_node;
	}
	node_free(n);
	if (!strcmp(path, "/")) {
		(*count)++;
		return 0;
	}
	parent = path_parent(path);
	if (parent && !store_get(parent, &p)) {
		for (off = 0; off < p->childlen; off += strlen(p->children + off) + 1)
			if (!strcmp(p->children + off, path_basename(path)))
				listed = true;
		node_free(p);
	}
	free(parent);
	if (!listed)
		goto bad;
	(*count)++;
	return 0;
bad_node:
	node_free(n);
bad:
	log_msg("store: inconsistent at %.*s", (int)k.dsize, k.dptr);
	*count = -EIO;
	return 1;
}

/* Number of nodes, or -EIO when the tree is inconsistent. For tests. */
long store_check(void)
{
	long count = 0;

	tdb_traverse(db, check_one, &count);
	return count;
}
