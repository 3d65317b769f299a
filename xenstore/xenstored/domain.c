/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Domains: per-domid accounting (nodes, watches), introduction state, and
 * the domain ops INTRODUCE, RELEASE, GET_DOMAIN_PATH, IS_DOMAIN_INTRODUCED,
 * RESUME and SET_TARGET (docs/abi-devices.md §3.8).
 *
 * Without Xen devices (ring_attach() gives -ENODEV) an introduced domain is
 * only recorded: it is reported introduced and fires @introduceDomain, but
 * has no ring to serve. dom0 is always introduced.
 *
 * A domain that dies is released as by RELEASE, @releaseDomain included,
 * once the hypervisor says so (VIRQ_DOM_EXC, ring.c): a toolstack need not
 * be there to ask.
 *
 * The write rate limit and the quotas (Xen 4.17's limits, `-q NAME=N`)
 * are at the end; the other files check against them.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dominfo.h"
#include "xenstored.h"

static struct domain *domains[DOMID_FIRST_RESERVED];

struct domain *domain_get(unsigned int domid, bool create)
{
	struct domain *d;

	if (domid >= DOMID_FIRST_RESERVED)
		return NULL;
	d = domains[domid];
	if (d || !create)
		return d;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->domid = domid;
	d->target = DOMID_INVALID;
	d->introduced = domid == 0;
	domains[domid] = d;
	return d;
}

void domain_nodes_add(unsigned int domid, int delta)
{
	struct domain *d = domain_get(domid, true);

	if (d)
		d->nodes += delta;
}

/*
 * The memory quota, as Xen 4.17's: a domain is charged for the nodes it
 * owns (node_charge), the copies its open transactions hold, its watches
 * (path and token) and the messages queued for it (header and payload).
 * Charges are always taken; domain_memory_over() says whether @delta more
 * would reach quota.memory (Xen's ">=" against its hard quota), for a
 * domain other than dom0 (exempt, as Xen's privileged domain); a quota
 * of 0 is no limit.
 */
void domain_memory_add(unsigned int domid, long delta)
{
	struct domain *d = domain_get(domid, true);

	if (d)
		d->memory += delta;
}

bool domain_memory_over(unsigned int domid, long delta)
{
	const struct domain *d = domain_get(domid, false);
	long now = d ? d->memory : 0;

	return domid && quota.memory && now + delta >= (long)quota.memory;
}

/*
 * As Xen 4.17's domain_can_read: none of a domain's requests is read
 * while it holds quota.memory or more, or quota.outstanding replies wait
 * for it (dom0 exempt).
 */
bool domain_stalled(unsigned int domid)
{
	const struct domain *d = domain_get(domid, false);

	if (!domid || !d)
		return false;
	return (quota.memory && d->memory >= (long)quota.memory) ||
	       (quota.outstanding && d->outstanding >= quota.outstanding) ||
	       (d->introduced && d->wrl_credit < 0);
}

static void wrl_reset(void);

/* For tests and the fuzzer: forget every domain. */
void domain_reset_all(void)
{
	unsigned int i;

	for (i = 0; i < DOMID_FIRST_RESERVED; i++) {
		free(domains[i]);
		domains[i] = NULL;
	}
	wrl_reset();
}

static void wrl_new(struct domain *d);
static void wrl_gone(struct domain *d);

/* Queues the special watch event @name at the end of @list (fired after the reply). */
static int fire_special(struct event **list, const char *name)
{
	struct node *n;
	struct event *e;
	int rc = store_get(name, &n);

	if (rc)
		return rc;
	e = event_new(name, false, n, NULL, 0);
	node_free(n);
	if (!e)
		return -ENOMEM;
	while (*list)
		list = &(*list)->next;
	*list = e;
	return 0;
}

/* What RELEASE does to a domain, whoever asks. */
static void release(struct domain *d)
{
	wrl_gone(d);
	if (d->ring) {
		ring_detach(d->ring);
		d->ring = NULL;
	}
	d->introduced = false;
	d->target = DOMID_INVALID;
}

/*
 * What a released domain leaves in the store, as Xen 4.17 deals with it
 * (XSA-322, XSA-417, XSA-419): every node it owns goes, with what is below
 * it (a watch event each, as a removal), so that a new domain given the
 * same id neither owns them nor is charged for them; entries naming it in
 * the lists of other nodes, the two special ones included, stay but grant
 * nothing (PERM_IGNORE); a special node it owned passes to dom0. Done on
 * the committed store, errors logged and the walk carried on, as Xen's.
 */
static bool ignore_entries(struct node *n, unsigned int domid)
{
	bool changed = false;
	unsigned int i;

	for (i = 1; i < n->nperms; i++) {
		if (n->perms[i].id == domid && !(n->perms[i].perm & PERM_IGNORE)) {
			n->perms[i].perm |= PERM_IGNORE;
			changed = true;
		}
	}
	return changed;
}

static int del_subtree(const struct node *n)
{
	unsigned int off;
	int rc = 0;

	for (off = 0; off < n->childlen; off += strlen(n->children + off) + 1) {
		char *cpath = path_child(n->path, n->children + off);
		struct node *c;

		if (!cpath)
			return -ENOMEM;
		if (!store_get(cpath, &c)) {
			int crc = del_subtree(c);

			rc = rc ? rc : crc;
			node_free(c);
		}
		free(cpath);
	}
	return rc ? rc : store_del(n->path);
}

static void forget_below(struct node *n, unsigned int domid, struct event ***tail)
{
	char *names = malloc(n->childlen + 1);
	bool dirty = ignore_entries(n, domid);
	unsigned int off;

	if (!names) {
		log_msg("release of domain %u: no memory at %s", domid, n->path);
		return;
	}
	memcpy(names, n->children, n->childlen);
	for (off = 0; off < n->childlen; off += strlen(names + off) + 1) {
		char *cpath = path_child(n->path, names + off);
		struct node *c;
		struct event *e;

		if (!cpath || store_get(cpath, &c)) {
			free(cpath);
			continue;
		}
		if (c->perms[0].id != domid) {
			forget_below(c, domid, tail);
		} else if (del_subtree(c)) {
			log_msg("release of domain %u: cannot remove %s", domid, cpath);
		} else {
			log_msg("domain %u released: its node %s removed", domid, cpath);
			node_del_child(n, names + off);
			dirty = true;
			e = event_new(cpath, true, c, NULL, 0);
			if (e) {
				**tail = e;
				*tail = &e->next;
			}
		}
		node_free(c);
		free(cpath);
	}
	free(names);
	if (dirty && store_put(n))
		log_msg("release of domain %u: cannot rewrite %s", domid, n->path);
}

void domain_forget_nodes(unsigned int domid, struct event **events)
{
	static const char *const special[] = { "@introduceDomain", "@releaseDomain" };
	struct event **tail = events;
	struct domain *d = domain_get(domid, false);
	struct node *n;
	unsigned int i;

	if (d)
		d->known = false;	/* a SET_PERMS naming it again asks anew */
	while (*tail)
		tail = &(*tail)->next;
	if (store_begin()) {
		log_msg("release of domain %u: store busy, its nodes kept", domid);
		return;
	}
	if (!store_get("/", &n)) {
		forget_below(n, domid, &tail);
		node_free(n);
	}
	for (i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		bool dirty;

		if (store_get(special[i], &n))
			continue;
		dirty = ignore_entries(n, domid);
		if (n->perms[0].id == domid) {
			n->perms[0].id = 0;
			dirty = true;
		}
		if (dirty && store_put(n))
			log_msg("release of domain %u: cannot rewrite %s", domid, special[i]);
		node_free(n);
	}
	if (store_end())
		log_msg("release of domain %u: store commit failed", domid);
}

static int arg_domid(struct req *r, unsigned int i, unsigned long *domid)
{
	if (i >= r->argc)
		return -EINVAL;
	return parse_uint(r->argv[i], DOMID_FIRST_RESERVED - 1, domid);
}

/*
 * A repeated INTRODUCE is no error: like Xen, re-attach the ring (new event
 * channel), reset the connection, and do not fire @introduceDomain again.
 */
int do_introduce(struct req *r)
{
	unsigned long domid, mfn, port;
	struct domain *d;
	bool again;
	int rc;

	if (r->argc < 3 || arg_domid(r, 0, &domid) ||
	    parse_uint(r->argv[1], ~0UL, &mfn) ||
	    parse_uint(r->argv[2], 0xffffffffUL, &port) || !port)
		return -EINVAL;
	d = domain_get(domid, true);
	if (!d)
		return -ENOMEM;
	again = d->introduced;
	rc = ring_attach(d, mfn, port);
	if (rc && rc != -ENODEV)
		return rc;
	if (rc == -ENODEV)
		log_msg("domain %lu introduced without a ring (no Xen devices)", domid);
	if (!again && domid)
		wrl_new(d);
	if (!again)
		d->suspend_told = false;
	d->introduced = true;
	d->forget = false;
	if (d->ring)
		conn_reset(d->ring);
	if (again || !domid)
		return reply_str(r, "OK");
	rc = fire_special(&r->events, "@introduceDomain");
	return rc ? rc : reply_str(r, "OK");
}

int do_release(struct req *r)
{
	unsigned long domid;
	struct domain *d;
	int rc;

	if (r->argc != 1 || arg_domid(r, 0, &domid) || !domid)
		return -EINVAL;
	d = domain_get(domid, false);
	/* one released at its shutdown may be released again: its nodes go */
	if (!d || (!d->introduced && !d->forget))
		return -ENOENT;
	release(d);
	d->forget = false;
	domain_forget_nodes(d->domid, &r->events);
	rc = fire_special(&r->events, "@releaseDomain");
	return rc ? rc : reply_str(r, "OK");
}

/* getdomaininfo's flags: shut down with reason suspend? */
static bool info_suspended(uint32_t flags)
{
	return dominfo_shutdown_reason(flags) == SHUTDOWN_suspend;
}

bool domain_info_is_gone(bool exists, uint32_t flags)
{
	if (!exists || (flags & DOMINF_dying))
		return true;
	return dominfo_shutdown_reason(flags) >= 0 && !info_suspended(flags);
}

/*
 * A domain never introduced but named in a SET_PERMS while it existed
 * (domain_check_perms), as Xen 4.17 keeps a record of it: once the
 * hypervisor no longer has it (dying is not enough: Xen looks only at its
 * existence), what it owns goes and the entries naming it grant nothing,
 * as at a release, so a new domain given its id inherits neither. No
 * @releaseDomain: it was never introduced (Xen fires none either).
 */
static void forget_unintroduced(const struct domain *d, int info_rc, struct event **events)
{
	if (info_rc != -ESRCH)
		return;		/* alive, or we could not ask: keep it */
	log_msg("domain %u (never introduced) is gone: its nodes and entries forgotten",
		d->domid);
	domain_forget_nodes(d->domid, events);
}

unsigned int domain_release_gone(int (*info)(unsigned int domid, uint32_t *flags))
{
	struct event *events = NULL, *e;
	unsigned int domid, released = 0;
	bool forgot = false, suspended = false;

	for (domid = 1; domid < DOMID_FIRST_RESERVED; domid++) {
		struct domain *d = domains[domid];
		uint32_t flags = 0;
		bool over;
		int rc;

		if (!d || (!d->introduced && !d->forget && !d->known))
			continue;
		rc = info(domid, &flags);
		if (!d->introduced && !d->forget) {
			forget_unintroduced(d, rc, &events);
			continue;
		}
		if (!rc && d->introduced && !d->suspend_told && info_suspended(flags)) {
			/* told once, as Xen 4.17 tells any shutdown; it stays introduced */
			d->suspend_told = true;
			suspended = true;
		}
		if ((rc && rc != -ESRCH) || !domain_info_is_gone(!rc, flags))
			continue;	/* alive, or we could not ask: keep it */
		/* its nodes go once it is over, not at a shutdown (Xen 4.17's) */
		over = rc || (flags & DOMINF_dying);
		if (d->introduced) {
			log_msg("domain %u is %s: released", domid, rc ? "gone" :
				flags & DOMINF_dying ? "dying" : "shut down");
			release(d);
			released++;
			d->forget = !over;
		}
		if (over) {
			d->forget = false;
			domain_forget_nodes(domid, &events);
			forgot = true;
		}
	}
	if (released || forgot || suspended)
		fire_special(&events, "@releaseDomain");
	for (e = events; e; e = e->next)
		watch_fire(e);
	events_free(events);
	return released;
}

int (*domain_info_hook)(unsigned int domid, uint32_t *flags);

/*
 * SET_PERMS, as Xen 4.17's: an entry naming a domain the hypervisor does
 * not have grants nothing from the start (kept, as at a release), so a
 * domain created later with that id gets nothing; the caller refuses a
 * list whose owner is such a domain (ENOENT). Without the hypervisor's
 * word (no privcmd, the host tests) every entry counts.
 */
void domain_check_perms(struct xs_perm *p, unsigned int num)
{
	unsigned int i;
	uint32_t flags;

	for (i = 0; domain_info_hook && i < num; i++) {
		int rc = p[i].id ? domain_info_hook(p[i].id, &flags) : -EIO;
		struct domain *d;

		if (rc == -ESRCH)
			p[i].perm |= PERM_IGNORE;
		else if (!rc && (d = domain_get(p[i].id, true)))
			d->known = true;	/* its death is watched for (Xen's record) */
	}
}

/* Any number, as Xen 4.17 (atoi): a name, not a domain looked up. */
int do_get_domain_path(struct req *r)
{
	char buf[32];

	if (r->argc != 1)
		return -EINVAL;
	snprintf(buf, sizeof(buf), "/local/domain/%u", parse_atoi(r->argv[0]));
	return reply_str(r, buf);
}

int do_is_domain_introduced(struct req *r)
{
	unsigned long domid;
	struct domain *d;

	if (r->argc != 1 || arg_domid(r, 0, &domid))
		return -EINVAL;
	d = domain_get(domid, false);
	return reply_str(r, (!domid || (d && d->introduced)) ? "T" : "F");
}

/* The introduced domain named by the first of @argc arguments. */
static int introduced_arg(struct req *r, unsigned int argc, struct domain **out)
{
	unsigned long domid;

	if (r->argc != argc || arg_domid(r, 0, &domid))
		return -EINVAL;
	*out = domain_get(domid, false);
	return *out && (*out)->introduced ? 0 : -ENOENT;
}

/*
 * A suspended domain stays introduced; its next suspend is told again.
 * One released at its shutdown but not over yet (d->forget) is answered
 * OK too, as Xen 4.17 keeps such a domain's connection until it is dying:
 * a domain resumed that powers off at once, before its toolstack's
 * RESUME comes, is no error.
 */
int do_resume(struct req *r)
{
	unsigned long domid;
	struct domain *d;

	if (r->argc != 1 || arg_domid(r, 0, &domid))
		return -EINVAL;
	d = domain_get(domid, false);
	if (!d || (!d->introduced && !d->forget))
		return -ENOENT;
	d->suspend_told = false;
	return reply_str(r, "OK");
}

int do_set_target(struct req *r)
{
	unsigned long target;
	struct domain *d;
	int rc = introduced_arg(r, 2, &d);

	if (!rc && arg_domid(r, 1, &target))
		rc = -EINVAL;
	if (rc)
		return rc;
	d->target = target;
	return reply_str(r, "OK");
}

/*
 * ---- the write rate limit: Xen 4.17 C xenstored's (its wrl_* code) ----
 *
 * A domain other than dom0 earns WRL_RATE writes a second divided by the
 * number of introduced domains (dom0 counted), in whole milliseconds; it
 * keeps up to WRL_DBURST of them and gives what is over to a common
 * reserve (up to WRL_GBURST, the rest is lost); a domain whose credit is
 * below 0 when counted takes from the reserve first. A new domain starts
 * with up to WRL_DBURST taken from the reserve, which may owe up to
 * WRL_NEWDOMS bursts; a domain released gives back up to WRL_DBURST. A
 * write (a node written or removed outside a transaction, while some
 * transaction is open; a commit, while another is) costs WRL_FACTOR, and
 * a domain left below 0 is stalled (domain_stalled): none of its requests
 * is read until wrl_check() finds its credit back. It is said once a
 * domain ("is affected"), again when the limit holds someone back after
 * WRL_LOGEVERY_MS without ("rate limiting restarts"), and the end of
 * such a time ("not in force recently").
 */
#define WRL_CREDIT_MAX	(1000L * 1000 * 1000)

long wrl_ntxns;
uint64_t (*wrl_clock)(void) = now_ms;
static long wrl_ndomains;	/* introduced domains, dom0 too */
static long wrl_reserve;	/* >= -WRL_NEWDOMS bursts, <= WRL_GBURST writes */
static int64_t wrl_last_held = -1;	/* ms of the last write held back; -1: none lately */

/* Moves what keeps *from >= floor and *to <= ceil; nothing if either is past it. */
static void wrl_move(long *from, long floor, long *to, long ceil)
{
	long n = *from - floor < ceil - *to ? *from - floor : ceil - *to;

	if (n > 0) {
		*from -= n;
		*to += n;
	}
}

/* dom0 alone: introduced from the start, its burst taken from the reserve. */
static void wrl_reset(void)
{
	wrl_ndomains = 1;
	wrl_reserve = -WRL_DBURST * WRL_FACTOR;
	wrl_last_held = -1;
}

static void wrl_new(struct domain *d)
{
	if (!wrl_ndomains)
		wrl_reset();
	d->wrl_credit = 0;
	d->wrl_stamp = wrl_clock();
	d->wrl_logged = false;
	wrl_ndomains++;
	wrl_move(&wrl_reserve, -WRL_NEWDOMS * WRL_DBURST * WRL_FACTOR, &d->wrl_credit,
		 WRL_DBURST * WRL_FACTOR);
}

static void wrl_gone(struct domain *d)
{
	if (!d->introduced || !d->domid)
		return;
	wrl_ndomains--;
	wrl_move(&d->wrl_credit, 0, &wrl_reserve, WRL_DBURST * WRL_FACTOR);
	d->wrl_credit = 0;
}

/* The credit @d earned up to @now, its surplus to the reserve. */
static void wrl_update(struct domain *d, uint64_t now)
{
	uint64_t ms = now > d->wrl_stamp ? now - d->wrl_stamp : 0;
	long surplus = 0, gain;

	if (ms > 1000000000ULL)
		ms = 1000000000ULL;
	gain = (long)(ms * WRL_RATE * WRL_FACTOR / ((uint64_t)wrl_ndomains * 1000));
	d->wrl_credit = d->wrl_credit + gain < WRL_CREDIT_MAX ? d->wrl_credit + gain
							      : WRL_CREDIT_MAX;
	wrl_move(&wrl_reserve, 0, &d->wrl_credit, 0);
	wrl_move(&d->wrl_credit, WRL_DBURST * WRL_FACTOR, &surplus, WRL_CREDIT_MAX);
	wrl_move(&surplus, 0, &wrl_reserve, WRL_GBURST * WRL_FACTOR);
	d->wrl_stamp = now;
}

/* The introduced domain other than dom0 that @c writes for, or NULL. */
static struct domain *wrl_domain(unsigned int domid)
{
	struct domain *d = domid ? domain_get(domid, false) : NULL;

	return d && d->introduced ? d : NULL;
}

void wrl_write(const struct conn *c, bool commit)
{
	struct domain *d = c->privileged ? NULL : wrl_domain(c->domid);
	uint64_t now;

	/* nobody to make room for: no transaction open (but a commit's own) */
	if (!d || wrl_ntxns <= (commit ? 1 : 0))
		return;
	now = wrl_clock();
	wrl_update(d, now);
	d->wrl_credit -= WRL_FACTOR;
	if (d->wrl_credit >= 0)
		return;
	if (!d->wrl_logged) {
		d->wrl_logged = true;
		log_msg("write rate limit: domain %u is affected", d->domid);
	} else if (wrl_last_held < 0) {
		log_msg("write rate limit: rate limiting restarts");
	}
	wrl_last_held = (int64_t)now;
}

/*
 * Counts @domid's credit up to @now: -1 if it may be read, else the
 * milliseconds until its credit is back (rounded up where Xen's rounds
 * down, which would wake the loop for nothing before).
 */
long wrl_check(unsigned int domid, uint64_t now)
{
	struct domain *d = wrl_domain(domid);
	uint64_t wait;

	if (!d)
		return -1;
	wrl_update(d, now);
	if (d->wrl_credit >= 0)
		return -1;
	wait = ((uint64_t)-d->wrl_credit * 1000 * wrl_ndomains + WRL_RATE * WRL_FACTOR - 1) /
	       (WRL_RATE * WRL_FACTOR);
	return wait > INT_MAX ? INT_MAX : (long)wait;
}

void wrl_log_periodic(uint64_t now)
{
	if (wrl_last_held >= 0 && now - (uint64_t)wrl_last_held > WRL_LOGEVERY_MS) {
		log_msg("write rate limit: not in force recently");
		wrl_last_held = -1;
	}
}

/* ---- quotas: the limits every unprivileged domain is held to ---- */

/* Defaults are Xen 4.17 xenstored's (docs/abi-devices.md §3.4). */
struct quota quota = {
	.nodes = 1000,
	.entry_size = 2048,
	.watches = 128,
	.transactions = 10,
	.perms = 5,
	.path = XENSTORE_REL_PATH_MAX,
	.txn_nodes = 1024,
	.outq = 1 << 20,
	.memory = 2 * 1024 * 1024 + 512 * 1024,	/* Xen's hard quota */
	.outstanding = 20,
	.event_timeout = 20,
};

static const struct {
	const char *name;
	unsigned int *value;
} quotas[] = {
	{ "nodes", &quota.nodes },
	{ "entry-size", &quota.entry_size },
	{ "watches", &quota.watches },
	{ "transactions", &quota.transactions },
	{ "perms", &quota.perms },
	{ "path", &quota.path },
	{ "txn-nodes", &quota.txn_nodes },
	{ "outq", &quota.outq },
	{ "memory", &quota.memory },
	{ "outstanding", &quota.outstanding },
	{ "event-timeout", &quota.event_timeout },
};

/* "name=value" from the command line. */
int quota_set(const char *arg)
{
	const char *eq = strchr(arg, '=');
	unsigned long v;
	unsigned int i;

	if (!eq || parse_uint(eq + 1, 0x7fffffff, &v))
		return -EINVAL;
	for (i = 0; i < sizeof(quotas) / sizeof(quotas[0]); i++) {
		if (strlen(quotas[i].name) == (size_t)(eq - arg) &&
		    !strncmp(quotas[i].name, arg, eq - arg)) {
			*quotas[i].value = v;
			return 0;
		}
	}
	return -ENOENT;
}

void quota_print(FILE *f)
{
	unsigned int i;

	for (i = 0; i < sizeof(quotas) / sizeof(quotas[0]); i++)
		fprintf(f, "                          %-13s %u\n", quotas[i].name,
			*quotas[i].value);
}
