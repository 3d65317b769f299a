/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the grant tables: what grant_table.c (tables, versions, the
 * hypercall) and grant_map.c (uses of entries: map, unmap, copy) share.
 * Nothing else includes this.
 */
#ifndef HV_GRANT_INTERNAL_H
#define HV_GRANT_INTERNAL_H

#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/mm.h>
#include <lamina/grant_table.h>
#include <asm/page.h>

#define MAPTRACK_PER_FRAME	(PAGE_SIZE / sizeof(struct maptrack))
#define MT_NONE			(~0U)

struct active_grant {
	mfn_t mfn;			/* the frame pinned */
	uint16_t ro, rw;		/* uses: read-only, writable */
	domid_t mapper;			/* whose uses they are */
	uint16_t start, length;		/* sub_page: the bytes granted (else unused) */
	domid_t trans_dom;		/* transitive: the table behind this entry */
	grant_ref_t trans_ref;		/* transitive: the entry there */
	bool sub_page;			/* copy only: a sub-page or transitive grant */
	bool transitive;
	uint8_t pad[2];
};
/* One per v1 entry of a frame: enough for the v2 entries too (half as many). */
#define ACTIVE_PER_FRAME	GREFS_PER_FRAME
#define ACTIVE_PAGES		(ACTIVE_PER_FRAME * sizeof(struct active_grant) / PAGE_SIZE)

struct maptrack {
	grant_ref_t ref;
	domid_t dom;			/* the granter */
	uint8_t flags;			/* GNTMAP_* still in force; 0 = free */
	uint8_t held;			/* uses an unmap batch holds (grant_map.c) */
	uint32_t mfn;
	uint32_t next_free;
};

#define STATUS_FRAMES_LIMIT \
	DIV_ROUND_UP(GNTTAB_FRAMES_LIMIT * GREFS_PER_FRAME_V2, GRANT_STATUS_PER_FRAME)

struct grant_table {
	unsigned int version;		/* 1 or 2 */
	unsigned int nr_frames;
	unsigned int nr_alloc;		/* frames[] and active[] allocated: nr_frames shared */
	unsigned int nr_entries;	/* of this version: grant_count_entries() */
	unsigned int nr_status;		/* status frames (kept but unused in v1) */
	uint32_t status_idle_count;	/* a status frame's count when unmapped */
	unsigned int nr_mt_frames;
	uint32_t mt_free;		/* first free maptrack entry */
	uint32_t nr_pinned;		/* entries of this table in use */
	uint32_t nr_maps;		/* maptrack entries in use */
	bool destroyed;			/* owner dead: free with the last pin */
	mfn_t frames[GNTTAB_FRAMES_LIMIT];
	mfn_t status[STATUS_FRAMES_LIMIT];
	struct active_grant *active[GNTTAB_FRAMES_LIMIT];
	struct maptrack *mt[MAPTRACK_FRAMES_LIMIT];
};
#define GT_PAGES	DIV_ROUND_UP(sizeof(struct grant_table), PAGE_SIZE)

static inline unsigned int nr_entries(const struct domain *d)
{
	return d->grant ? d->grant->nr_entries : 0;
}

static inline struct grant_entry_v1 *entry_of(struct grant_table *gt, grant_ref_t ref)
{
	return (struct grant_entry_v1 *)mfn_to_virt(gt->frames[ref / GREFS_PER_FRAME]) +
	       ref % GREFS_PER_FRAME;
}

static inline union grant_entry_v2 *entry_v2_of(struct grant_table *gt, grant_ref_t ref)
{
	return (union grant_entry_v2 *)mfn_to_virt(gt->frames[ref / GREFS_PER_FRAME_V2]) +
	       ref % GREFS_PER_FRAME_V2;
}

/* flags and domid, where both versions keep them: the entry's first word. */
static inline uint32_t *header_of(struct grant_table *gt, grant_ref_t ref)
{
	if (gt->version == 2)
		return (uint32_t *)&entry_v2_of(gt, ref)->hdr;
	return (uint32_t *)entry_of(gt, ref);
}

/* Where GTF_reading/GTF_writing live: the v1 entry's flags, or a v2 status word. */
static inline grant_status_t *status_of(struct grant_table *gt, grant_ref_t ref)
{
	if (gt->version == 2)
		return (grant_status_t *)mfn_to_virt(gt->status[ref / GRANT_STATUS_PER_FRAME]) +
		       ref % GRANT_STATUS_PER_FRAME;
	return &entry_of(gt, ref)->flags;
}

static inline struct active_grant *active_of(struct grant_table *gt, grant_ref_t ref)
{
	return &gt->active[ref / ACTIVE_PER_FRAME][ref % ACTIVE_PER_FRAME];
}

/*
 * Locks (hv/lock_order.h): each domain's table has its own, d->grant_lock,
 * which guards d->grant (made, freed) and everything in the table: the
 * in-use bits as we set them, the active entries, the maptrack, the
 * sizes and the version. An element of a grant operation locks the
 * tables it touches for all of its length, taken together as it starts:
 * at most two (a map or unmap: the mapper's maptrack and the granter's
 * entries; a copy: its source's and its destination's granters; the rest
 * one), lower domid first (grant_lock_two), so an element is atomic to
 * every other CPU. An unmap finds its granter in the mapper's maptrack,
 * under the mapper's lock: a granter below it is only tried, and when
 * that fails both are taken again in order and the handle looked up
 * again (grant_map.c, mt_lock). Only a copy through a transitive entry
 * reaches a third table, named in the entry: struct grant_locks. A copy
 * batch keeps its two tables locked across up to COPY_HOLD elements
 * naming the same granters (struct copy_batch), lets them go before it
 * returns, and takes nothing else while it holds them but the
 * transitive entries' tables its elements take as above.
 *
 * A domain whose table an element locks is referenced (get_domain) for
 * as long, so its record, and the lock in it, cannot go: grant_get
 * looks a domain up so (the caller itself needs none), grant_put lets go.
 */
static inline struct domain *grant_get(struct domain *self, domid_t id)	/* NULL: none */
{
	return id == DOMID_SELF || id == self->domid ? self : get_domain_by_id(id);
}

static inline void grant_put(const struct domain *self, struct domain *d)
{
	if (d && d != self)
		put_domain(d);
}

/* a's and b's tables (either may be NULL, or both the same), lower domid first. */
static inline void grant_lock_two(struct domain *a, struct domain *b)
{
	if (!a || a == b) {
		a = b;
		b = NULL;
	} else if (b && a->domid > b->domid) {
		struct domain *t = a;

		a = b;
		b = t;
	}
	if (a)
		spin_lock(&a->grant_lock);
	if (b) {
		ASSERT(a->domid < b->domid);	/* the order, hv/lock_order.h */
		spin_lock_nested(&b->grant_lock);
	}
}

static inline void grant_unlock_two(struct domain *a, struct domain *b)
{
	if (a)
		spin_unlock(&a->grant_lock);
	if (b && b != a)
		spin_unlock(&b->grant_lock);
}

#define ASSERT_GRANT_LOCKED(d)	ASSERT_LOCKED(&(d)->grant_lock)

/*
 * The tables a copy holds locked: its two granters' (lower domid first),
 * then those behind transitive entries, which the copy learns of only
 * from the entries. grant_lock_more takes such a table at once when its
 * domid is above every table held, else only tries it (a lock taken out
 * of order may not be waited for); when the try fails the copy undoes
 * its pins (nothing else is committed yet), lets all go and runs again
 * taking that table with the others, in order, from the start (`first`).
 */
struct grant_locks {
	struct domain *self;		/* the caller: never referenced here */
	struct domain *a, *b;		/* the granters, locked (NULL: a frame of ours) */
	struct domain *more[2];		/* behind transitive entries: locked, referenced unless self */
	unsigned int n;			/* in more[] */
	struct domain *first[2];	/* each run again takes these too; referenced unless self */
	unsigned int nr_first;
	bool again;			/* a try failed: run the copy again */
};

/*
 * The table of domain id locked for the copy: one it holds, or taken now;
 * NULL for no such domain, or (gl->again) one to take first next run.
 */
struct domain *grant_lock_more(struct grant_locks *gl, domid_t id);

/* Elements that let their locks go to take them again in order (statistics, unit tests). */
extern unsigned long grant_lock_retries;
static inline void grant_lock_retried(void)
{
	__atomic_add_fetch(&grant_lock_retries, 1, __ATOMIC_RELAXED);
}

/* How an entry is used: what pin() checks and what it takes. */
#define USE_WRITE	0x1	/* writable */
#define USE_COPY	0x2	/* a copy: sub-page and transitive entries serve */
#define USE_TRANSITIVE	0x4	/* may go through a transitive entry (not from one) */

/* What one use reaches: a frame and, for a sub-page use, the bytes of it granted. */
struct grant_use {
	mfn_t mfn;
	struct active_grant *act;	/* the entry's, and where its in-use bits are: */
	grant_status_t *status;		/* valid while the granter's lock is held and the use lasts */
	uint16_t start, length;		/* read for a sub-page use only */
	bool sub_page;			/* else the whole frame */
};

/* grant_table.c */
struct grant_table *grant_table_get(struct domain *d);	/* made with d (grant_table_init); NULL: no memory */
void grant_table_free(struct domain *d);
void grant_count_entries(struct grant_table *gt);

/*
 * grant_map.c: each returns a GNTST_ code for one element of a batch.
 * grant_pin's gl: the copy's locks (a transitive entry's table is locked
 * through it); NULL for a map, which no transitive entry serves.
 */
int16_t grant_pin(struct domain *rd, grant_ref_t ref, struct domain *ld, unsigned int how,
		  struct grant_use *u, struct grant_locks *gl);
int16_t grant_map_one(struct domain *ld, void *op);

/*
 * A GNTTABOP_copy batch: its elements run by grant_copy_batch_one, which
 * keeps the granters an element named (referenced, and their tables
 * locked) for the next element naming the same ones, as Xen 4.17's
 * gnttab_copy keeps its buffers' domains: a run of elements between the
 * same two domains, a backend's batch, looks them up and takes their
 * locks once per COPY_HOLD elements instead of once each. The locks are
 * let go as the COPY_HOLD-th element under them ends, each element
 * counted, one refused before any lock too, so they are free while the
 * next is read (another CPU's element on the same tables waits no
 * longer than that: a test-and-set lock let go and taken again at once
 * gives a CPU spinning on it no turn), when an element names other
 * granters or runs again through a transitive entry, and by
 * grant_copy_batch_end, which the batch calls whenever it returns
 * (done, preempted, failing). Each element still pins, checks and
 * unpins its own entries under the locks: what the granter wrote
 * between two elements is read afresh, the pin counts are exact after
 * every element, and a dying granter fails each element (claim).
 */
#define COPY_HOLD		16
#define COPY_NO_GRANTER		0x10000U	/* a side naming a frame, not a grant */
#define COPY_LOOK_AGAIN		0x20000U	/* nothing kept */
struct copy_batch {
	struct domain *a, *b;		/* source's and dest's granters (NULL: none), referenced unless ld */
	uint32_t ida, idb;		/* the domids they were named by, or COPY_* */
	unsigned int held;		/* 0: none held; else elements under them, this one too */
};
int16_t grant_copy_batch_one(struct domain *ld, void *op, struct copy_batch *cb);

/* What the batch keeps let go: the locks held, the references. */
static inline void grant_copy_batch_end(struct domain *ld, struct copy_batch *cb)
{
	if (cb->held)
		grant_unlock_two(cb->a, cb->b);
	grant_put(ld, cb->a);
	grant_put(ld, cb->b);
	cb->a = cb->b = NULL;
	cb->ida = cb->idb = COPY_LOOK_AGAIN;
	cb->held = 0;
}

/*
 * An unmap batch: the uses whose host mappings were cleared but may still
 * be in another CPU's TLB, held (pin, frame references, maptrack entry)
 * until one flush, at most UNMAP_HOLD elements apart (Xen 4.17's batch of
 * 32 too). grant_unmap_finish flushes and lets them go; the batch calls it
 * whenever it returns, preempted and failing too.
 */
#define UNMAP_HOLD	32
struct unmap_batch {
	bool flush;			/* gnttab_flush_tlb owed */
	unsigned int n;
	struct unmap_held {
		struct domain *rd;	/* the granter, referenced (grant_get) */
		uint32_t handle;	/* the mapper's maptrack entry, its held count up */
		uint8_t kinds;		/* GNTMAP_host_map, GNTMAP_device_map: the uses to drop */
	} held[UNMAP_HOLD];
};
int16_t grant_unmap_one(struct domain *ld, void *op, struct unmap_batch *ub);
int16_t grant_unmap_and_replace_one(struct domain *ld, void *op, struct unmap_batch *ub);
void grant_unmap_finish(struct domain *ld, struct unmap_batch *ub);

#endif
