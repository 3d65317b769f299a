/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenstored internals.
 *
 * The daemon is single-threaded: one poll() loop owns every structure below,
 * so nothing here is locked. A request is handled to completion before the
 * next byte is read, which is what makes "validate, then commit" simple:
 *
 *   conn_feed()      frames bytes from a socket or ring into messages
 *   process_msg()    checks the header, finds the op, splits the arguments
 *   op handler       reads and writes nodes only through a struct txn
 *   txn_commit()     applies the txn's overlay to the database at once
 *   reply, events    the reply is queued first, then the watch events
 *
 * Every request that modifies the store runs in a transaction: the client's
 * own when tx_id is set, otherwise an implicit one that lives for this one
 * request. A handler that fails half-way therefore leaves nothing behind;
 * it just returns -errno and the overlay is dropped.
 */
#ifndef XENSTORED_H
#define XENSTORED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <lamina/io/xs_wire.h>

struct conn;

#define PERM_NONE	0
#define PERM_READ	1
#define PERM_WRITE	2
#define PERM_BOTH	(PERM_READ | PERM_WRITE)
/*
 * An entry naming a domain released since it was set: kept in the list
 * (GET_PERMS shows it as before) but granting nothing, so that a new
 * domain given the same id inherits no access (Xen 4.17's XS_PERM_IGNORE).
 */
#define PERM_IGNORE	0x10

#define XS_PERMS_MAX	64	/* hard cap; the per-domain quota is lower */

struct xs_perm {
	uint16_t id;		/* domid */
	uint8_t perm;		/* PERM_* */
	uint8_t pad;
};

/* A node as decoded from the database; every pointer is owned. */
struct node {
	char *path;
	uint64_t gen;		/* store generation of its last write */
	unsigned int nperms;	/* >= 1; entry 0 is owner + default */
	struct xs_perm *perms;
	unsigned int datalen;
	char *data;
	unsigned int childlen;	/* bytes of NUL-terminated child names */
	char *children;
};

/* domain.c: the quotas, Xen 4.17's defaults unless -q NAME=N says otherwise */
struct quota {
	unsigned int nodes;		/* nodes owned per domain */
	unsigned int entry_size;	/* encoded node record, bytes */
	unsigned int watches;		/* per domain */
	unsigned int transactions;	/* open per connection */
	unsigned int perms;		/* entries per permission list */
	unsigned int path;		/* below /local/domain/<id>/ */
	unsigned int txn_nodes;		/* nodes touched per transaction */
	unsigned int outq;		/* queued output bytes per connection */
	unsigned int memory;		/* bytes a domain's nodes, watches, ... hold */
	unsigned int outstanding;	/* replies queued for a domain */
	unsigned int event_timeout;	/* seconds a domain's watch event may wait */
};
extern struct quota quota;
int quota_set(const char *name_eq_value);
void quota_print(FILE *f);

/* log.c */
extern int log_verbose;
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define log_debug(...) do { if (log_verbose) log_msg(__VA_ARGS__); } while (0)

/* node.c: in-memory nodes and their database encoding */
struct node *node_new(const char *path);
void node_free(struct node *n);
int node_set_data(struct node *n, const void *data, unsigned int len);
int node_set_perms(struct node *n, const struct xs_perm *p, unsigned int num);
int node_add_child(struct node *n, const char *name);
void node_del_child(struct node *n, const char *name);
size_t node_encoded_size(const struct node *n);
size_t node_quota_size(const struct node *n);
long node_charge(const struct node *n);
long record_charge(size_t keylen, const void *buf, size_t len);
void *node_encode(const struct node *n, size_t *len);
struct node *node_decode(const char *path, const void *buf, size_t len);
bool record_is_deleted(const void *buf, size_t len);
void *record_deleted(size_t *len);
uint64_t record_gen(const void *buf, size_t len);
int record_owner(const void *buf, size_t len);

/* store.c: the committed database */
extern unsigned int store_hash_size;
int store_open(const char *file);
void store_close(void);
int store_get(const char *path, struct node **out);
uint64_t store_gen_of(const char *path);
int store_owner_of(const char *path, long *charge);
int store_put(struct node *n);
int store_del(const char *path);
int store_begin(void);
int store_end(void);
void store_abort(void);
long store_check(void);

/* path.c */
int path_resolve(const struct conn *c, const char *in, bool special_ok, char **out);
bool path_is_special(const char *p);
char *path_parent(const char *p);
char *path_child(const char *parent, const char *name);
const char *path_basename(const char *p);
bool path_is_under(const char *p, const char *top);
unsigned int parse_atoi(const char *s);
int parse_uint(const char *s, unsigned long max, unsigned long *out);

/* perms.c */
int perms_parse(const char *const *s, unsigned int num, struct xs_perm *out);
int perms_format(const struct xs_perm *p, unsigned int num, char *buf, size_t size);
unsigned int perms_for(const struct conn *c, const struct xs_perm *p, unsigned int num);
bool perms_owns(const struct conn *c, const struct xs_perm *p);

/* A queued watch event: fired after the reply of the request causing it. */
struct event {
	struct event *next;
	char *path;		/* absolute, or @special */
	bool rm;		/* a subtree went away: also fire watches below */
	unsigned int nperms;	/* the node's permissions at change time */
	unsigned int nold;	/* SET_PERMS: the list before, after perms[] */
	struct xs_perm perms[];
};
struct event *event_new(const char *path, bool rm, const struct node *n,
			const struct xs_perm *old, unsigned int nold);
void events_free(struct event *e);

/* txn.c */
struct txn {
	struct txn *next;	/* in conn->txns */
	struct conn *conn;
	uint32_t id;		/* 0 for an implicit, per-request transaction */
	void *overlay;		/* TDB_CONTEXT: path -> record or deleted mark */
	void *reads;		/* TDB_CONTEXT: path -> generation first seen */
	unsigned int touched;	/* nodes read or written (explicit only) */
	long charge;		/* memory charged to the connection's domain */
	int created;		/* nodes the connection's domain gained */
	bool failed;		/* a creation stopped part-way: commit is ENOMEM */
	struct event *events, **events_tail;
};
struct txn *txn_new(struct conn *c, uint32_t id);
void txn_free(struct txn *t);
int txn_get(struct txn *t, const char *path, struct node **out);
int txn_put(struct txn *t, struct node *n);
int txn_del(struct txn *t, const char *path);
int txn_event(struct txn *t, const char *path, bool rm, const struct node *n,
	      const struct xs_perm *old, unsigned int nold);
int txn_commit(struct txn *t, struct event **events);
struct txn *txn_find(struct conn *c, uint32_t id);

/* watch.c */
struct watch {
	struct watch *next;
	char *path;		/* absolute or @special */
	char *token;
	bool relative;		/* given relative: report events relative */
};
int watch_add(struct conn *c, const char *given, const char *abs, const char *token,
	      struct watch **out);
int watch_del(struct conn *c, const char *abs, const char *token);
void watch_del_all(struct conn *c);
void watch_fire(const struct event *e);
int watch_send(struct conn *c, const struct watch *w, const char *abs);

/* domain.c */
struct domain {
	unsigned int domid;
	int nodes;		/* nodes owned, committed */
	long memory;		/* bytes charged against quota.memory */
	unsigned int outstanding;	/* replies queued, not yet taken */
	unsigned int watches;
	bool introduced;
	bool forget;		/* released at its shutdown: its nodes go when it is over */
	bool known;		/* named in a SET_PERMS while the hypervisor had it */
	bool suspend_told;	/* its suspend fired @releaseDomain; RESUME clears */
	unsigned int target;	/* SET_TARGET, or DOMID_INVALID */
	struct conn *ring;	/* its shared-ring connection, if any */
	long wrl_credit;	/* write rate limit: writes x WRL_FACTOR; < 0: stalled */
	uint64_t wrl_stamp;	/* ms: credit counted up to then */
	bool wrl_logged;	/* "domain N is affected" said once */
};
struct domain *domain_get(unsigned int domid, bool create);
void domain_nodes_add(unsigned int domid, int delta);
void domain_memory_add(unsigned int domid, long delta);
bool domain_memory_over(unsigned int domid, long delta);
bool domain_stalled(unsigned int domid);
void domain_reset_all(void);

/*
 * domain.c: Xen 4.17 C xenstored's write rate limit (xenstore/README.md).
 * wrl_ntxns counts the explicit transactions open in every connection;
 * a write is charged to an introduced domain other than dom0 only while
 * one is (a commit, while another one is). wrl_clock is now_ms() but in
 * the unit tests.
 */
#define WRL_FACTOR	1000	/* a write's cost, in credit units */
#define WRL_RATE	200	/* writes a second, shared by the domains */
#define WRL_DBURST	10	/* writes a domain may save */
#define WRL_GBURST	1000	/* writes the common reserve may hold */
#define WRL_NEWDOMS	5	/* new domains' bursts the reserve may owe */
#define WRL_LOGEVERY_MS	120000	/* "not in force recently" after that long */
extern long wrl_ntxns;
extern uint64_t (*wrl_clock)(void);
void wrl_write(const struct conn *c, bool commit);
long wrl_check(unsigned int domid, uint64_t now);
void wrl_log_periodic(uint64_t now);

/* conn.c */
/*
 * A request counts as outstanding for its domain (Xen 4.17's
 * nboutstanding) while its reply, or a watch event it caused in any
 * connection, is queued: each holds a reference.
 */
struct pending {
	unsigned int domid;
	unsigned int refs;
};

struct outmsg {
	struct outmsg *next;
	size_t len, off;
	unsigned int domid;	/* charged to (memory) */
	bool reply;		/* an answer, not a watch event */
	struct pending *pend;	/* the request it answers or that caused it */
	uint64_t deadline;	/* a domain's watch event: dropped unsent then (ms) */
	char buf[];
};

struct conn {
	struct conn *next, **pprev;	/* conn_list */
	unsigned int domid;
	bool privileged;
	bool dead;			/* close once the output drained */
	char name[32];
	size_t in_used;			/* bytes of header + payload read */
	union {
		struct xsd_sockmsg hdr;
		char in[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
	};
	struct outmsg *out_head, **out_tail;
	size_t out_bytes;
	unsigned int timed;		/* queued messages with a deadline */
	struct watch *watches;
	struct txn *txns;
	unsigned int ntxns;
	int fd;				/* socket, or -1 */
	char *stash;			/* socket input read but held back (throttled) */
	size_t stash_off, stash_len;
	void *ring;			/* struct ring when serving a domain */
};
extern struct conn *conn_list;
struct conn *conn_new(unsigned int domid, bool privileged, const char *name);
void conn_free(struct conn *c);
long conn_feed(struct conn *c, const void *buf, size_t len);
bool conn_is_throttled(const struct conn *c);
int conn_send(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
	      const void *payload, size_t len);
bool conn_sent(struct conn *c, size_t n);
void conn_unqueue(struct conn *c, struct outmsg **pm);
struct pending *conn_pending_new(struct conn *c);
void conn_pending_set(struct pending *p);
void conn_pending_put(struct pending *p);
uint64_t now_ms(void);
uint64_t conn_expire_events(struct conn *c, uint64_t now);
void conn_reset_watches(struct conn *c);
void conn_reset(struct conn *c);

/* ops.c: one request */
struct req {
	struct conn *c;
	struct xsd_sockmsg hdr;
	const char *body;		/* NUL-terminated beyond hdr.len */
	const char *argv[XS_PERMS_MAX + 2];
	unsigned int argc;
	struct txn *t;
	struct watch *new_watch;	/* initial event to send after the reply */
	struct event *events;
	unsigned int rlen;
	char reply[XENSTORE_PAYLOAD_MAX];
};
int reply_add(struct req *r, const void *p, size_t len);
int reply_str(struct req *r, const char *s);
void process_msg(struct conn *c, const struct xsd_sockmsg *hdr, const char *body);
const char *errno_name(int err);

/* tree.c: node operations on behalf of a request */
int tree_lookup(struct req *r, const char *path, unsigned int want, struct node **out);
int tree_create(struct req *r, const char *path, const void *data, unsigned int len);
int tree_remove(struct req *r, struct node *n);

/* domain.c handlers */
int do_introduce(struct req *r);
int do_release(struct req *r);
int do_get_domain_path(struct req *r);
int do_is_domain_introduced(struct req *r);
int do_resume(struct req *r);
int do_set_target(struct req *r);
/* The hypervisor's word on a domain (domctl getdomaininfo): is it over? */
bool domain_info_is_gone(bool exists, uint32_t flags);
/*
 * Releases every introduced domU that @info (0 and DOMINF_* flags, -ESRCH
 * when there is no such domain) says is gone, dying or shut down other
 * than suspended; fires @releaseDomain once if any went. Their count.
 */
unsigned int domain_release_gone(int (*info)(unsigned int domid, uint32_t *flags));
/* What a released domain leaves in the store (XSA-322, 417, 419). */
void domain_forget_nodes(unsigned int domid, struct event **events);
/* The hypervisor's answer for a domid (as domain_release_gone's), if asked. */
extern int (*domain_info_hook)(unsigned int domid, uint32_t *flags);
void domain_check_perms(struct xs_perm *p, unsigned int num);

/* socket.c: the Unix socket for dom0 tools */
int sock_listen(const char *path);
void sock_accept(int lfd);
int sock_read(struct conn *c);
int sock_write(struct conn *c);

/* ring_io.c: byte streams between a store page and a connection */
int ring_io_read(struct conn *c, struct xenstore_domain_interface *i);
int ring_io_write(struct conn *c, struct xenstore_domain_interface *i);

/* ring.c: Xen shared rings; -ENODEV without /dev/xen */
int ring_init(void);
int ring_attach(struct domain *d, unsigned long mfn, unsigned int port);
void ring_detach(struct conn *c);
int ring_fd(void);
void ring_handle(void);
void ring_kick(struct conn *c);
void ring_retry(void);

#endif
