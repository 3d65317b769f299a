// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of hypervisor/arch/x86/page_type.c on the fake machine:
 * type references, validation of tables and descriptor pages, pins,
 * deferred release, validation in pieces and linear tables, with the
 * real frame audit (mm_audit.c) recounting every reference after each
 * step that leaves the books closed.
 */
#include "../../../unit.h"
#include "../../fake_machine.h"
#include <hv/lib.h>
#include <hv/hypervisor.h>
#include <hv/page_alloc.h>
#include <asm/page.h>
#include <pthread.h>
#include <unistd.h>
#include <hv/flushtlb.h>
#include <asm/percpu.h>

#define GUEST_KERNEL	(1ULL << 52)	/* page_type.c's mark of a kernel L1 mapping */
#define P		_PAGE_PRESENT
#define RW		(_PAGE_PRESENT | _PAGE_RW)

static struct domain *d, *e;

static void fresh(void)
{
	fake_machine_reset();
	d = fake_domain(1, false);
	e = fake_domain(2, false);
}

static pte_t *table(mfn_t mfn)
{
	return frame_va(mfn);
}

/* The machine address of entry i of a table, as mmu_update names it. */
static paddr_t entry(mfn_t mfn, unsigned int i)
{
	return (mfn << PAGE_SHIFT) + i * sizeof(pte_t);
}

static struct page_info *pg(mfn_t mfn)
{
	return &frame_table[mfn];
}

/* A frame has one type at a time, and takes another only with no references. */
static void one_type_at_a_time(void)
{
	mfn_t m;

	fresh();
	m = fake_give_frame(d);
	EXPECT_EQ(get_page_type(m, PGT_writable, d), 0);
	EXPECT_EQ(get_page_type(m, PGT_writable, d), 0);
	EXPECT_EQ(pg(m)->type_count, 2);
	EXPECT_EQ(get_page_type(m, PGT_l1, d), -EBUSY);
	EXPECT_EQ(get_page_type(m, PGT_seg_desc, d), -EBUSY);
	EXPECT_EQ(get_page_type(m, PGT_writable, e), -EPERM);	/* not e's */
	put_page_type(m, d);
	EXPECT_EQ(get_page_type(m, PGT_l2, d), -EBUSY);
	put_page_type(m, d);
	EXPECT_EQ(pg(m)->type, PGT_none);
	EXPECT_EQ(get_page_type(m, PGT_l1, d), 0);		/* an empty table */
	EXPECT(pg(m)->flags & PGF_validated);
	EXPECT_EQ(get_page_type(m, PGT_writable, d), -EBUSY);
	EXPECT_EQ(get_page_and_type(m, PGT_writable, d), -EBUSY);
	EXPECT_EQ(pg(m)->count, 1);				/* the failed get gave its count back */
	put_page_type(m, d);
	EXPECT_EQ(pg(m)->type, PGT_none);
	EXPECT(!(pg(m)->flags & PGF_validated));
	EXPECT(mm_audit(d));
}

/* An L1 table's entries: what they may map, what they take, how they are adjusted. */
static void l1_entries_validated(void)
{
	mfn_t l1, data, pt, other;
	pte_t *t;

	fresh();
	l1 = fake_give_frame(d);
	data = fake_give_frame(d);
	pt = fake_give_frame(d);
	other = fake_give_frame(e);
	t = table(l1);
	t[0] = mk_pte(data, RW);
	t[1] = mk_pte(data, P | _PAGE_USER);
	EXPECT_EQ(pt_pin(d, l1, 1), 0);
	EXPECT_EQ(pg(data)->count, 3);				/* allocation + two entries */
	EXPECT_EQ(pg(data)->type, PGT_writable);
	EXPECT_EQ(pg(data)->type_count, 1);			/* the RW entry only */
	EXPECT_EQ(t[0], mk_pte(data, RW | _PAGE_USER | GUEST_KERNEL));
	EXPECT_EQ(t[1], mk_pte(data, P | _PAGE_USER | _PAGE_GLOBAL));	/* user: global, as Xen */
	EXPECT(mm_audit(d));
	/* a G asked on a kernel entry is kept, as Xen's adjust_guest_l1e */
	EXPECT_EQ(pt_update_entry(d, entry(l1, 5), mk_pte(data, P | _PAGE_GLOBAL), false), 0);
	EXPECT_EQ(t[5], mk_pte(data, P | _PAGE_GLOBAL | _PAGE_USER | GUEST_KERNEL));
	EXPECT_EQ(pt_update_entry(d, entry(l1, 5), 0, false), 0);
	EXPECT_EQ(pg(data)->count, 3);

	/* A page table is never writable; another's frame is never mapped. */
	EXPECT_EQ(pt_pin(d, pt, 1), 0);
	EXPECT_EQ(pt_update_entry(d, entry(l1, 2), mk_pte(pt, RW), false), -EBUSY);	/* as Xen */
	EXPECT_EQ(pt_update_entry(d, entry(l1, 2), mk_pte(pt, P), false), 0);
	EXPECT_EQ(pt_update_entry(d, entry(l1, 3), mk_pte(other, P), false), -EBUSY);	/* as Xen */
	EXPECT_EQ(pt_update_entry(d, entry(l1, 3), mk_pte(1, P), false), -EPERM);	/* I/O */
	EXPECT_EQ(pt_update_entry(d, entry(l1, 3), mk_pte(data, RW | _PAGE_PCD), false),
		  -EINVAL);						/* cache bits: dom0 only */
	EXPECT_EQ(t[3], 0);
	EXPECT_EQ(pt_update_entry(e, entry(l1, 3), mk_pte(other, P), false), -EINVAL);	/* not e's table */
	EXPECT(mm_audit(d));

	/* A frame mapped writable cannot become a table until the mapping goes. */
	EXPECT_EQ(get_page_type(data, PGT_l1, d), -EBUSY);
	EXPECT_EQ(pt_update_entry(d, entry(l1, 0), 0, false), 0);
	EXPECT_EQ(pg(data)->count, 2);
	EXPECT_EQ(pg(data)->type, PGT_none);
	EXPECT(mm_audit(d));
	EXPECT_EQ(pt_unpin(d, pt), 0);		/* mapped read-only: a count, not a type */
	EXPECT_EQ(pg(pt)->count, 2);
	EXPECT_EQ(pt_unpin(d, l1), 0);
	EXPECT_EQ(pg(pt)->count, 1);
	EXPECT_EQ(pg(data)->count, 1);
	EXPECT(mm_audit(d));
}

/*
 * XSA-401's race: while a frame's retype flushes, another vCPU maps it
 * writable, writes and drops the entry (the type word as it was). The
 * flush must come once the new type is held, so that writable mapping is
 * refused; flushed before the exchange, it got in and kept its TLB entry
 * through the retype.
 */
static mfn_t race_mfn;
static int race_rc;

static void map_writable_meanwhile(void)
{
	race_rc = get_page_type(race_mfn, PGT_writable, d);
	if (!race_rc)
		put_page_type(race_mfn, d);
}

static void retype_flush_after_exchange(void)
{
	static const unsigned int types[] = { PGT_l1, PGT_l2, PGT_seg_desc };
	unsigned int i;

	for (i = 0; i < 3; i++) {
		fresh();
		race_mfn = fake_give_frame(d);
		EXPECT_EQ(get_page_type(race_mfn, PGT_writable, d), 0);
		put_page_type(race_mfn, d);	/* stamped: the retype flushes */
		race_rc = 1;
		fake_on_flush = map_writable_meanwhile;
		EXPECT_EQ(get_page_type(race_mfn, types[i], d), 0);
		fake_on_flush = NULL;
		EXPECT_EQ(race_rc, -EBUSY);
		EXPECT_EQ(pg(race_mfn)->type, types[i]);
		put_page_type(race_mfn, d);
		EXPECT(mm_audit(d));
	}
}

/*
 * The same race the other way round: a former L1 taking the writable
 * type flushes its stale paging-structure entries after the exchange; a
 * second writable reference taken before that flush (the type already
 * writable) could write entries a CPU still walks through the old table.
 * So the frame is held back (PGF_partial, where a taker of its type
 * waits, as Xen 4.17's not-yet-validated type) until the flush is done.
 */
static bool race_held;

static void look_at_the_type_meanwhile(void)
{
	race_held = pg(race_mfn)->flags & PGF_partial;
}

static void writable_after_table_held_in_flush(void)
{
	fresh();
	race_mfn = fake_give_frame(d);
	EXPECT_EQ(get_page_type(race_mfn, PGT_l1, d), 0);
	put_page_type(race_mfn, d);	/* a former table, stamped */
	race_held = false;
	fake_on_flush = look_at_the_type_meanwhile;
	EXPECT_EQ(get_page_type(race_mfn, PGT_writable, d), 0);
	fake_on_flush = NULL;
	EXPECT(race_held);
	EXPECT_EQ(pg(race_mfn)->type, PGT_writable);
	EXPECT(!(pg(race_mfn)->flags & PGF_partial));
	EXPECT_EQ(get_page_type(race_mfn, PGT_writable, d), 0);	/* a second, after */
	put_page_type(race_mfn, d);
	put_page_type(race_mfn, d);
	EXPECT(mm_audit(d));
}

/*
 * The last writable mapping may live on in the TLB: becoming a table
 * flushes first, unless a CR3 load came since.
 */
static void stale_writable_flushed(void)
{
	mfn_t m, n;

	fresh();
	m = fake_give_frame(d);
	n = fake_give_frame(d);
	EXPECT_EQ(get_page_type(m, PGT_writable, d), 0);
	put_page_type(m, d);
	EXPECT_EQ(get_page_type(n, PGT_writable, d), 0);
	put_page_type(n, d);
	EXPECT_EQ(fake_flushes, 0);
	EXPECT_EQ(get_page_type(m, PGT_l1, d), 0);
	EXPECT_EQ(fake_flushes, 1);
	EXPECT_EQ(get_page_type(n, PGT_seg_desc, d), 0);	/* the flush covered n too */
	EXPECT_EQ(fake_flushes, 1);
	put_page_type(m, d);
	put_page_type(n, d);
	EXPECT_EQ(get_page_type(n, PGT_writable, d), 0);	/* writable needs no flush */
	EXPECT_EQ(fake_flushes, 1);
	put_page_type(n, d);
	EXPECT(mm_audit(d));
}

/*
 * Each CPU's flush counts for that CPU only (hv/flushtlb.h): a CR3 load
 * on another CPU after a frame's last writable type went must not make
 * this one look flushed. Until 3 Dec one clock counted every CPU's loads;
 * from then until 6 Dec only those of the one CPU guests had run on, the
 * stamps untrusted once there were two. Two fake CPUs: CPU 1, a thread,
 * loads CR3 after the stamp. Becoming a table must still flush this CPU
 * (CPU 1, not online here, is not asked). A load here then does count:
 * the second retype needs none.
 */
extern __thread unsigned int unit_cpu;

static void *cr3_load_on_cpu1(void *arg)
{
	(void)arg;
	unit_cpu = 1;
	fake_write_cr3(fake_read_cr3());
	return NULL;
}

static void cr3_load_off_guest_cpu_not_a_flush(void)
{
	pthread_t t;
	mfn_t m;

	fresh();
	m = fake_give_frame(d);
	EXPECT_EQ(get_page_type(m, PGT_writable, d), 0);
	put_page_type(m, d);			/* stamped: CPU 0 may cache it writable */
	EXPECT_EQ(pthread_create(&t, NULL, cr3_load_on_cpu1, NULL), 0);
	pthread_join(t, NULL);
	EXPECT_EQ(fake_flushes, 1);		/* CPU 1's load */
	EXPECT_EQ(get_page_type(m, PGT_l1, d), 0);
	EXPECT_EQ(fake_flushes, 2);		/* still stale: flushed before it became a table */
	put_page_type(m, d);
	EXPECT_EQ(get_page_type(m, PGT_writable, d), 0);
	put_page_type(m, d);
	fake_write_cr3(fake_read_cr3());	/* CPU 0's load does count */
	EXPECT_EQ(fake_flushes, 4);
	EXPECT_EQ(get_page_type(m, PGT_l1, d), 0);
	EXPECT_EQ(fake_flushes, 4);
	put_page_type(m, d);
	EXPECT(mm_audit(d));
}

/*
 * Two CPUs online, each flushed or left out by its own flush time: the
 * retype of a frame whose writable type went flushes only the CPU that
 * has not loaded CR3 since (here CPU 0: CPU 1 loaded after the stamp),
 * and after the frame's table type went and this CPU loaded CR3, the
 * writable retype flushes CPU 1 alone (its load came before that stamp).
 * With times never written both CPUs were flushed each time; with one
 * clock for all, CPU 1's load spared this CPU too.
 */
static void flush_filtered_per_cpu(void)
{
	pthread_t t;
	unsigned int before;
	mfn_t m;

	fresh();
	fake_online = 0x3;
	m = fake_give_frame(d);
	EXPECT_EQ(get_page_type(m, PGT_writable, d), 0);
	put_page_type(m, d);			/* stamped */
	EXPECT_EQ(pthread_create(&t, NULL, cr3_load_on_cpu1, NULL), 0);
	pthread_join(t, NULL);
	before = fake_flushes;
	fake_flushed_cpus = 0;
	EXPECT_EQ(get_page_type(m, PGT_l1, d), 0);
	EXPECT_EQ(fake_flushed_cpus, 0x1);	/* CPU 0 only */
	EXPECT_EQ(fake_flushes, before + 1);
	put_page_type(m, d);			/* stamped again: a former table */
	fake_write_cr3(fake_read_cr3());	/* CPU 0 loads after it */
	before = fake_flushes;
	fake_flushed_cpus = 0;
	EXPECT_EQ(get_page_type(m, PGT_writable, d), 0);
	EXPECT_EQ(fake_flushed_cpus, 0x2);	/* CPU 1 only, by "IPI" */
	EXPECT_EQ(fake_flushes, before);
	put_page_type(m, d);			/* stamped: after both loads */
	fake_flushed_cpus = 0;
	EXPECT_EQ(get_page_type(m, PGT_l1, d), 0);
	EXPECT_EQ(fake_flushed_cpus, 0x3);
	put_page_type(m, d);
	fake_online = 1;
	EXPECT(mm_audit(d));
}

/*
 * A drop that is not the last sets PGF_dropped; the last clears it before
 * it stamps (drops_cleared, page_type.c), so a reference taken and
 * dropped between that stamp and its exchange would fail the exchange.
 * Here the order is plain: the flag is seen set after the first drop,
 * gone after the last, and the frame's stamp is the newest.
 */
static void last_drop_clears_dropped(void)
{
	uint16_t st;
	mfn_t m;

	fresh();
	m = fake_give_frame(d);
	EXPECT_EQ(get_page_type(m, PGT_writable, d), 0);
	EXPECT_EQ(get_page_type(m, PGT_writable, d), 0);
	put_page_type(m, d);
	EXPECT(pg(m)->flags & PGF_dropped);
	EXPECT_EQ(pg(m)->type_count, 1);
	put_page_type(m, d);
	EXPECT(!(pg(m)->flags & PGF_dropped));
	EXPECT_EQ(pg(m)->type, PGT_none);
	st = pg(m)->tlbflush_stamp;
	EXPECT(st & TLB_STAMP_SET);
	EXPECT_EQ(tlbflush_frame_time(&st), tlbflush_clock);
	EXPECT(mm_audit(d));
}

/*
 * The race PGF_dropped closes (docs/security.md, "Not covered" until
 * session 32): between a last type drop's stamp and its exchange another
 * CPU takes a reference, uses the frame (a mapping, cached by some TLB,
 * at clock `used`) and drops it, leaving the count as it was. The stamp
 * the frame keeps must then be newer than that use, or a CPU that cached
 * the mapping after the first stamp is spared the flush. page_type.c's
 * test hook plays the other CPU at that point once; for the writable
 * type (put_page_type_last) and a table (put_last_table_type), each with
 * the flag clear and already set (an earlier drop) before the last one. A
 * build whose drops do not set the flag fails the first two; one whose
 * last drop does not clear it first (drops_cleared) the last two: either
 * keeps the first stamp, older than the use.
 */
extern void (*unit_after_last_stamp)(struct page_info *pg);
static struct {
	mfn_t m;
	unsigned int type;
	uint64_t used;		/* the clock when the other CPU's use ended */
	unsigned int runs;
} cut_in;

static void cut_in_between(struct page_info *p)
{
	unit_after_last_stamp = NULL;	/* once */
	cut_in.runs++;
	EXPECT(p == pg(cut_in.m));
	EXPECT_EQ(get_page_type(cut_in.m, cut_in.type, d), 0);
	tlbflush_stamp_new();		/* time goes on: the clock of its mapping's use */
	cut_in.used = __atomic_load_n(&tlbflush_clock, __ATOMIC_ACQUIRE);
	put_page_type(cut_in.m, d);	/* not the last: marks PGF_dropped */
	EXPECT(pg(cut_in.m)->flags & PGF_dropped);
}

static void dropped_between_stamp_and_exchange(void)
{
	static const unsigned int types[] = { PGT_writable, PGT_l1 };
	unsigned int i;
	uint16_t st;

	for (i = 0; i < 4; i++) {
		fresh();
		cut_in.m = fake_give_frame(d);
		cut_in.type = types[i % 2];
		cut_in.runs = 0;
		EXPECT_EQ(get_page_type(cut_in.m, cut_in.type, d), 0);
		if (i >= 2) {	/* an earlier drop left the flag set: the last must clear it */
			EXPECT_EQ(get_page_type(cut_in.m, cut_in.type, d), 0);
			put_page_type(cut_in.m, d);
			EXPECT(pg(cut_in.m)->flags & PGF_dropped);
		}
		unit_after_last_stamp = cut_in_between;
		put_page_type(cut_in.m, d);		/* the last drop */
		unit_after_last_stamp = NULL;
		EXPECT_EQ(cut_in.runs, 1);
		EXPECT_EQ(pg(cut_in.m)->type_count, 0);
		EXPECT(!(pg(cut_in.m)->flags & PGF_dropped));
		st = pg(cut_in.m)->tlbflush_stamp;
		EXPECT(st & TLB_STAMP_SET);
		EXPECT(tlbflush_frame_time(&st) > cut_in.used);
		EXPECT(mm_audit(d));
	}
}

/*
 * A former page table may live on in the TLB and paging-structure caches:
 * taking another type (writable, another level) flushes first, unless a
 * CR3 load came since. A frame that never was a table needs no flush.
 */
static void stale_table_flushed(void)
{
	mfn_t t, l2, c, w;
	unsigned int f;

	fresh();
	t = fake_give_frame(d);
	l2 = fake_give_frame(d);
	c = fake_give_frame(d);
	w = fake_give_frame(d);
	table(l2)[0] = mk_pte(c, P);
	f = fake_flushes;
	EXPECT_EQ(get_page_type(w, PGT_writable, d), 0);	/* never a table */
	put_page_type(w, d);
	EXPECT_EQ(get_page_type(w, PGT_writable, d), 0);
	put_page_type(w, d);
	EXPECT_EQ(fake_flushes, f);

	/* Unpinned, then unhooked from its L2: one flush covers both. */
	EXPECT_EQ(pt_pin(d, t, 1), 0);
	EXPECT_EQ(pt_pin(d, l2, 2), 0);
	EXPECT_EQ(pg(c)->type, PGT_l1);
	EXPECT_EQ(pt_unpin(d, t), 0);
	EXPECT_EQ(pt_update_entry(d, entry(l2, 0), 0, false), 0);
	EXPECT_EQ(pg(c)->type_count, 0);
	f = fake_flushes;
	EXPECT_EQ(get_page_type(t, PGT_writable, d), 0);
	EXPECT_EQ(fake_flushes, f + 1);
	EXPECT_EQ(get_page_type(c, PGT_writable, d), 0);
	EXPECT_EQ(fake_flushes, f + 1);
	put_page_type(t, d);
	put_page_type(c, d);
	EXPECT_EQ(get_page_type(t, PGT_writable, d), 0);	/* a table no more */
	put_page_type(t, d);
	EXPECT_EQ(fake_flushes, f + 1);
	EXPECT(mm_audit(d));

	/* Left on the release list by its parent's unpin: the same. */
	EXPECT_EQ(pt_unpin(d, l2), 0);
	table(l2)[0] = mk_pte(c, P);		/* a plain frame again */
	EXPECT_EQ(pt_pin(d, l2, 2), 0);
	EXPECT_EQ(pt_unpin(d, l2), 0);
	EXPECT(pg(c)->flags & PGF_releasing);
	f = fake_flushes;
	EXPECT_EQ(get_page_type(c, PGT_writable, d), 0);
	EXPECT_EQ(fake_flushes, f + 1);
	put_page_type(c, d);

	/* Another level: a flush too; none after a CR3 load in between. */
	EXPECT_EQ(pt_pin(d, t, 1), 0);
	EXPECT_EQ(pt_unpin(d, t), 0);
	f = fake_flushes;
	EXPECT_EQ(pt_pin(d, t, 2), 0);
	EXPECT_EQ(fake_flushes, f + 1);
	EXPECT_EQ(pt_unpin(d, t), 0);
	fake_write_cr3(fake_read_cr3());
	f = fake_flushes;
	EXPECT_EQ(get_page_type(t, PGT_writable, d), 0);
	EXPECT_EQ(fake_flushes, f);
	put_page_type(t, d);
	EXPECT(mm_audit(d));
}

/* A four-level tree: pinned in one go, our L4 slots filled, released in pieces. */
static mfn_t l4, l3, l2, l1, data;

static void build_tree(void)
{
	l4 = fake_give_frame(d);
	l3 = fake_give_frame(d);
	l2 = fake_give_frame(d);
	l1 = fake_give_frame(d);
	data = fake_give_frame(d);
	table(l4)[0] = mk_pte(l3, RW);
	table(l4)[L4_SLOT_HV_FIRST] = mk_pte(data, RW);	/* ours: ignored, then overwritten */
	table(l3)[0] = mk_pte(l2, RW);
	table(l3)[1] = mk_pte(l2, RW);		/* the same L2 twice */
	table(l2)[0] = mk_pte(l1, RW);
	table(l1)[0] = mk_pte(data, RW);
}

static void tree_pin_and_release(void)
{
	fresh();
	build_tree();
	EXPECT_EQ(pt_pin(d, l4, 4), 0);
	EXPECT_EQ(pt_pin(d, l4, 4), -EINVAL);			/* pinned already */
	EXPECT_EQ(pg(l4)->type, PGT_l4);
	EXPECT_EQ(pg(l3)->type, PGT_l3);
	EXPECT_EQ(pg(l2)->type, PGT_l2);
	EXPECT_EQ(pg(l2)->type_count, 2);
	EXPECT_EQ(pg(l1)->type, PGT_l1);
	EXPECT_EQ(pg(data)->type, PGT_writable);
	EXPECT_EQ(table(l4)[L4_SLOT_HV_FIRST], 0xFEE0000000000000ULL | L4_SLOT_HV_FIRST);
	EXPECT_EQ(table(l4)[0], mk_pte(l3, RW | _PAGE_USER | _PAGE_ACCESSED));
	EXPECT_EQ(table(l3)[0], mk_pte(l2, RW | _PAGE_USER));
	EXPECT(mm_audit(d));

	/* Our slots stay ours; a table of the wrong level is refused. */
	EXPECT_EQ(pt_update_entry(d, entry(l4, L4_SLOT_HV_LAST), mk_pte(l3, P), false), -EINVAL);
	EXPECT_EQ(pt_update_entry(d, entry(l4, 1), mk_pte(l2, P), false), -EINVAL);
	EXPECT_EQ(pt_pin(d, l3, 4), -EINVAL);
	EXPECT_EQ(pt_update_entry(d, entry(l1, 1), mk_pte(l4, RW), false), -EBUSY);
	EXPECT(mm_audit(d));

	/* Unpinned: the root goes now, the tables below it wait on the list. */
	EXPECT_EQ(pt_unpin(d, l4), 0);
	EXPECT_EQ(pt_unpin(d, l4), -EINVAL);
	EXPECT_EQ(pg(l4)->type, PGT_none);
	EXPECT(pg(l3)->flags & PGF_releasing);
	EXPECT(d->arch.pt.release_head != 0);
	EXPECT_EQ(pt_release_lists, 1);
	EXPECT(mm_audit(d));

	/* Used again as what it was: taken back off the list as it is. */
	EXPECT_EQ(pt_pin(d, l3, 3), 0);
	EXPECT(!(pg(l3)->flags & PGF_releasing));
	EXPECT_EQ(pg(l2)->type_count, 2);
	EXPECT(mm_audit(d));
	EXPECT_EQ(pt_unpin(d, l3), 0);
	EXPECT(pt_release_some(d, true));
	EXPECT_EQ(pt_release_lists, 0);
	EXPECT_EQ(d->arch.pt.release_head, 0);
	EXPECT_EQ(pg(l3)->type, PGT_none);
	EXPECT_EQ(pg(l2)->type, PGT_none);
	EXPECT_EQ(pg(l1)->type, PGT_none);
	EXPECT_EQ(pg(data)->type, PGT_none);
	EXPECT_EQ(pg(data)->count, 1);
	EXPECT(mm_audit(d));
}

/*
 * A queued table wanted as another type is released first, and the tables
 * that leaves unused wait in turn, each settled when it is wanted.
 */
static void released_table_retyped(void)
{
	fresh();
	build_tree();
	EXPECT_EQ(pt_pin(d, l4, 4), 0);
	EXPECT_EQ(pt_unpin(d, l4), 0);
	EXPECT(pg(l3)->flags & PGF_releasing);
	EXPECT(pg_is_table(pg(l2)));
	EXPECT_EQ(get_page_type(l3, PGT_writable, d), 0);
	EXPECT_EQ(pg(l3)->type, PGT_writable);
	EXPECT(!(pg(l3)->flags & (PGF_releasing | PGF_validated)));
	EXPECT(pg(l2)->flags & PGF_releasing);
	put_page_type(l3, d);
	EXPECT(mm_audit(d));

	/* The old L2 as an L1: its entry now maps the old L1 writable, once that is settled. */
	EXPECT_EQ(pt_pin(d, l2, 1), 0);
	EXPECT_EQ(pg(l2)->type, PGT_l1);
	EXPECT_EQ(pg(l1)->type, PGT_writable);
	EXPECT_EQ(pg(data)->type, PGT_none);	/* the old L1's entries let go */
	EXPECT(mm_audit(d));
	EXPECT_EQ(pt_unpin(d, l2), 0);
	EXPECT(pt_release_some(d, true));
	EXPECT_EQ(pt_release_lists, 0);
	EXPECT(mm_audit(d));
}

/*
 * Two vCPUs of one domain, each with a validation in pieces: each keeps
 * its own walk (before, one per domain: the second pin dropped the first's
 * tree, and two long pins at once never ended). A table in another's walk
 * is taken over with the work below it, never dropped.
 */
static struct vcpu unit_v1;

static void on_vcpu(struct vcpu *v)
{
	this_cpu()->current = v;
}

static void two_walks(void)
{
	mfn_t a4, a3, a2, b4;

	fresh();
	memset(&unit_v1, 0, sizeof(unit_v1));
	unit_v1.domain = d;
	unit_v1.vcpu_id = 1;
	d->vcpu[0]->next_in_list = &unit_v1;
	build_tree();
	b4 = l4;
	build_tree();
	a4 = l4, a3 = l3, a2 = l2;
	this_cpu()->pt_preemptible = true;

	/* Each its own tree, in turns: both go on, both end. */
	fake_preempt = true;
	on_vcpu(d->vcpu[0]);
	EXPECT_EQ(pt_pin(d, a4, 4), -ERESTART);
	on_vcpu(&unit_v1);
	EXPECT_EQ(pt_pin(d, b4, 4), -ERESTART);
	EXPECT(pg(a4)->flags & PGF_partial);			/* not dropped */
	EXPECT_EQ(d->vcpu[0]->arch.pt_walk.depth, 2);
	EXPECT_EQ(unit_v1.arch.pt_walk.depth, 2);
	EXPECT(mm_audit(d));
	on_vcpu(d->vcpu[0]);
	EXPECT_EQ(pt_pin(d, a4, 4), -ERESTART);
	EXPECT_EQ(d->vcpu[0]->arch.pt_walk.depth, 3);		/* a step further */
	fake_preempt = false;
	on_vcpu(&unit_v1);
	EXPECT_EQ(pt_pin(d, b4, 4), 0);
	on_vcpu(d->vcpu[0]);
	EXPECT_EQ(pt_pin(d, a4, 4), 0);
	EXPECT(mm_audit(d));
	EXPECT_EQ(pt_unpin(d, a4), 0);
	EXPECT_EQ(pt_unpin(d, b4), 0);
	EXPECT(pt_release_some(d, true));
	EXPECT(mm_audit(d));

	/* The same root from the other vCPU: taken over, ended there. */
	fake_preempt = true;
	EXPECT_EQ(pt_pin(d, a4, 4), -ERESTART);
	fake_preempt = false;
	on_vcpu(&unit_v1);
	EXPECT_EQ(pt_pin(d, a4, 4), 0);
	EXPECT_EQ(d->vcpu[0]->arch.pt_walk.depth, 0);
	on_vcpu(d->vcpu[0]);
	EXPECT_EQ(pt_pin(d, a4, 4), -EINVAL);			/* pinned already */
	EXPECT(mm_audit(d));
	EXPECT_EQ(pt_unpin(d, a4), 0);
	EXPECT(pt_release_some(d, true));

	/* An inner table of vCPU 0's walk pinned by vCPU 1: the work below goes with it. */
	fake_preempt = true;
	EXPECT_EQ(pt_pin(d, a4, 4), -ERESTART);
	EXPECT_EQ(pt_pin(d, a4, 4), -ERESTART);
	EXPECT_EQ(d->vcpu[0]->arch.pt_walk.depth, 3);
	EXPECT_EQ(d->vcpu[0]->arch.pt_walk.mfn[2], a2);
	fake_preempt = false;
	on_vcpu(&unit_v1);
	EXPECT_EQ(pt_pin(d, a2, 2), 0);
	EXPECT_EQ(d->vcpu[0]->arch.pt_walk.depth, 2);
	EXPECT(mm_audit(d));
	on_vcpu(d->vcpu[0]);
	EXPECT_EQ(pt_pin(d, a4, 4), 0);
	EXPECT_EQ(pg(a2)->type_count, 3);			/* the pin, two L3 entries */
	EXPECT(mm_audit(d));
	EXPECT_EQ(pt_unpin(d, a4), 0);
	EXPECT_EQ(pt_unpin(d, a2), 0);
	EXPECT(pt_release_some(d, true));
	EXPECT(mm_audit(d));

	/* A child in another's walk: taken over below our own table, then back. */
	fake_preempt = true;
	on_vcpu(&unit_v1);
	EXPECT_EQ(pt_pin(d, a3, 3), -ERESTART);
	EXPECT_EQ(unit_v1.arch.pt_walk.depth, 2);
	on_vcpu(d->vcpu[0]);
	EXPECT_EQ(pt_pin(d, a4, 4), -ERESTART);
	EXPECT_EQ(d->vcpu[0]->arch.pt_walk.depth, 3);
	EXPECT_EQ(unit_v1.arch.pt_walk.depth, 0);
	EXPECT(mm_audit(d));
	fake_preempt = false;
	on_vcpu(&unit_v1);
	EXPECT_EQ(pt_pin(d, a3, 3), 0);
	EXPECT_EQ(d->vcpu[0]->arch.pt_walk.depth, 1);
	EXPECT(mm_audit(d));
	on_vcpu(d->vcpu[0]);
	EXPECT_EQ(pt_pin(d, a4, 4), 0);
	EXPECT(mm_audit(d));
	EXPECT_EQ(pt_unpin(d, a4), 0);
	EXPECT_EQ(pt_unpin(d, a3), 0);
	EXPECT(pt_release_some(d, true));
	EXPECT(mm_audit(d));

	/* Both unfinished when the domain dies: both let go. */
	fake_preempt = true;
	EXPECT_EQ(pt_pin(d, a4, 4), -ERESTART);
	on_vcpu(&unit_v1);
	EXPECT_EQ(pt_pin(d, b4, 4), -ERESTART);
	fake_preempt = false;
	on_vcpu(NULL);
	pt_abort(d);
	EXPECT(pt_release_some(d, true));
	EXPECT_EQ(d->vcpu[0]->arch.pt_walk.depth, 0);
	EXPECT_EQ(unit_v1.arch.pt_walk.depth, 0);
	EXPECT_EQ(pg(a4)->type, PGT_none);
	EXPECT_EQ(pg(b4)->type, PGT_none);
	EXPECT_EQ(pg(a3)->type_count, 0);
	EXPECT(mm_audit(d));
	this_cpu()->pt_preemptible = false;
	d->vcpu[0]->next_in_list = NULL;
}

/* Validation in pieces: stopped, resumed, or abandoned without a trace. */
static void validation_in_pieces(void)
{
	fresh();
	build_tree();
	this_cpu()->pt_preemptible = true;
	fake_preempt = true;
	EXPECT_EQ(pt_pin(d, l4, 4), -ERESTART);
	EXPECT(pg(l4)->flags & PGF_partial);
	EXPECT(!(pg(l4)->flags & PGF_pinned));
	EXPECT(mm_audit(d));
	EXPECT_EQ(pt_pin(d, l4, 4), -ERESTART);			/* a step further */
	EXPECT(mm_audit(d));
	fake_preempt = false;
	EXPECT_EQ(pt_pin(d, l4, 4), 0);
	EXPECT(pg(l4)->flags & PGF_pinned);
	EXPECT(!(pg(l4)->flags & PGF_partial));
	EXPECT(mm_audit(d));
	EXPECT_EQ(pt_unpin(d, l4), 0);
	EXPECT(pt_release_some(d, true));

	/* Abandoned for another tree: every claimed frame is let go. */
	fake_preempt = true;
	EXPECT_EQ(pt_pin(d, l4, 4), -ERESTART);
	fake_preempt = false;
	EXPECT_EQ(pt_pin(d, l1, 1), 0);				/* drops the unfinished tree */
	EXPECT_EQ(d->arch.pt.foreign.depth, 0);	/* no vCPU of d's running: its walk */
	EXPECT_EQ(pg(l4)->type, PGT_none);
	EXPECT_EQ(pg(l4)->count, 1);
	EXPECT(mm_audit(d));
	EXPECT_EQ(pt_unpin(d, l1), 0);
	this_cpu()->pt_preemptible = false;
	EXPECT(mm_audit(d));
}

/* Xen's linear page tables: read-only, of the same level, and never chained. */
static void linear_tables(void)
{
	fresh();
	build_tree();
	table(l4)[5] = mk_pte(l4, P);				/* itself, read-only */
	EXPECT_EQ(pt_pin(d, l4, 4), 0);
	EXPECT_EQ(pg(l4)->linear, 0);				/* itself: no reference */
	EXPECT(mm_audit(d));
	EXPECT_EQ(pt_update_entry(d, entry(l4, 5), mk_pte(l4, RW), false), -EINVAL);
	EXPECT_EQ(pt_update_entry(d, entry(l3, 2), mk_pte(l3, RW), false), -EINVAL);
	EXPECT_EQ(pt_update_entry(d, entry(l3, 2), mk_pte(l3, P), false), 0);
	EXPECT(mm_audit(d));
	EXPECT_EQ(pt_unpin(d, l4), 0);
	EXPECT(pt_release_some(d, true));
	EXPECT(mm_audit(d));

	fresh();
	build_tree();
	hv_opts.pv_linear_pt = false;
	table(l4)[5] = mk_pte(l4, P);
	EXPECT_EQ(pt_pin(d, l4, 4), -EINVAL);
	EXPECT_EQ(pg(l4)->type, PGT_none);
	EXPECT(pt_release_some(d, true));
	EXPECT(mm_audit(d));
}

/*
 * A tree whose L1 maps a page table writable: -EBUSY at every level, as
 * Xen's validation passes get_page_from_l1e's answer up; a pin of a
 * frame whose own type conflicts stays -EINVAL.
 */
static void writable_table_below(void)
{
	mfn_t pt, l2b, l1b;

	fresh();
	build_tree();
	pt = fake_give_frame(d);
	EXPECT_EQ(pt_pin(d, pt, 1), 0);
	table(l1)[1] = mk_pte(pt, RW);
	EXPECT_EQ(get_page_type(l1, PGT_l1, d), -(EPT_ENTRY + EBUSY));
	EXPECT_EQ(pt_pin(d, l1, 1), -EBUSY);
	EXPECT_EQ(pt_pin(d, l2, 2), -EBUSY);
	EXPECT_EQ(pt_pin(d, l3, 3), -EBUSY);
	EXPECT_EQ(pt_pin(d, l4, 4), -EBUSY);
	EXPECT_EQ(pg(l4)->type, PGT_none);
	EXPECT_EQ(pg(l1)->type, PGT_none);
	EXPECT(pt_release_some(d, true));
	EXPECT(mm_audit(d));
	EXPECT_EQ(pt_pin(d, pt, 2), -EINVAL);			/* its own type conflicts */

	/* An upper entry that would validate such an L1 is refused alike. */
	table(l1)[1] = mk_pte(pt, P);
	EXPECT_EQ(pt_pin(d, l4, 4), 0);
	l2b = fake_give_frame(d);
	l1b = fake_give_frame(d);
	table(l1b)[0] = mk_pte(pt, RW);
	table(l2b)[0] = mk_pte(l1b, RW);
	EXPECT_EQ(pt_update_entry(d, entry(l2, 1), mk_pte(l1b, RW), false), -EBUSY);
	EXPECT_EQ(pt_update_entry(d, entry(l3, 2), mk_pte(l2b, RW), false), -EBUSY);
	EXPECT_EQ(table(l2)[1], 0);
	EXPECT_EQ(pg(l1b)->type, PGT_none);
	EXPECT(mm_audit(d));
	EXPECT_EQ(pt_unpin(d, l4), 0);
	EXPECT_EQ(pt_unpin(d, pt), 0);
	EXPECT(pt_release_some(d, true));
	EXPECT(mm_audit(d));
}

/* A descriptor page is checked descriptor by descriptor, and is never writable. */
static void descriptor_pages(void)
{
	mfn_t gdt, l1t;
	uint64_t *desc;

	fresh();
	gdt = fake_give_frame(d);
	l1t = fake_give_frame(d);
	desc = frame_va(gdt);
	desc[3] = 0x0000EC00E0080000ULL;		/* a call gate to the hypervisor's code */
	EXPECT_EQ(get_page_type(gdt, PGT_seg_desc, d), -EINVAL);
	EXPECT_EQ(pg(gdt)->type_count, 0);
	desc[3] = 0x00008E0000100000ULL;		/* an interrupt gate */
	EXPECT_EQ(get_page_type(gdt, PGT_seg_desc, d), -EINVAL);
	desc[3] = 0x00CF9A000000FFFFULL;			/* flat code, DPL 0 */
	desc[4] = 0x0000EC0000100000ULL;		/* a call gate to selector 0x10, DPL 3 */
	EXPECT_EQ(get_page_type(gdt, PGT_seg_desc, d), 0);
	EXPECT_EQ(desc[3], 0x00CFFA000000FFFFULL);		/* DPL 3, accessed as given */
	EXPECT_EQ(desc[4], 0x00008C0000130000ULL);		/* DPL 0, the 3 in its RPL (Xen's) */
	EXPECT_EQ(pt_pin(d, l1t, 1), 0);
	EXPECT_EQ(pt_update_entry(d, entry(l1t, 0), mk_pte(gdt, RW), false), -EBUSY);
	EXPECT_EQ(pt_update_entry(d, entry(l1t, 0), mk_pte(gdt, P), false), 0);
	put_page_type(gdt, d);
	EXPECT(mm_audit(d));
}

/* A dead domain's frame others still hold is freed by the last reference. */
static void dead_domain_frame_freed_last(void)
{
	mfn_t m;

	fresh();
	m = fake_give_frame(d);
	EXPECT_EQ(get_page(m, d), 0);
	d->dying = true;
	EXPECT(!put_alloc_ref(m));
	EXPECT_EQ(d->nr_held, 1);
	EXPECT_EQ(pg(m)->owner, d->domid);
	put_page(m);
	EXPECT_EQ(pg(m)->owner, DOMID_INVALID);
	EXPECT_EQ(d->nr_held, 0);
	EXPECT(frame_pool_is_free(&machine_frames, m));
}

/*
 * A frame given back (memory_op decrease_reservation) while pinned and
 * mapped stays d's, usable, until its last reference goes: then freed.
 */
static void given_back_frame_freed_last(void)
{
	mfn_t idle, l1, map;
	uint64_t pages;

	fresh();
	idle = fake_give_frame(d);
	l1 = fake_give_frame(d);
	map = fake_give_frame(d);
	pages = d->nr_pages;
	EXPECT_EQ(frame_give_back(idle, d), 0);			/* nothing holds it: freed */
	EXPECT_EQ(pg(idle)->owner, DOMID_INVALID);
	EXPECT_EQ(d->nr_pages, pages - 1);
	EXPECT_EQ(frame_give_back(idle, d), -ENXIO);
	EXPECT_EQ(pt_pin(d, map, 1), 0);
	EXPECT_EQ(pt_pin(d, l1, 1), 0);
	EXPECT_EQ(pt_update_entry(d, entry(map, 0), mk_pte(l1, P), false), 0);
	EXPECT_EQ(frame_give_back(l1, d), 0);
	EXPECT_EQ(pg(l1)->owner, d->domid);
	EXPECT_EQ(pg(l1)->count, PGC_unallocated | 2);		/* the pin and the mapping */
	EXPECT_EQ(d->nr_pages, pages - 2);
	EXPECT_EQ(d->nr_held, 1);
	EXPECT_EQ(domain_tot_pages(d), pages - 1);
	EXPECT(mm_audit(d));
	EXPECT_EQ(frame_give_back(l1, d), 0);			/* again: nothing left to drop */
	EXPECT_EQ(pg(l1)->count, PGC_unallocated | 2);
	EXPECT_EQ(d->nr_held, 1);
	EXPECT_EQ(frame_give_back(l1, e), -ENXIO);
	EXPECT_EQ(pt_update_entry(d, entry(map, 1), mk_pte(l1, P), false), 0);	/* still d's */
	EXPECT_EQ(pt_update_entry(d, entry(map, 1), 0, false), 0);
	EXPECT_EQ(pt_unpin(d, l1), 0);
	EXPECT_EQ(pt_pin(d, l1, 1), 0);
	EXPECT_EQ(pt_unpin(d, l1), 0);
	EXPECT_EQ(pg(l1)->owner, d->domid);
	EXPECT(mm_audit(d));
	EXPECT_EQ(pt_update_entry(d, entry(map, 0), 0, false), 0);	/* the last reference */
	EXPECT_EQ(pg(l1)->owner, DOMID_INVALID);
	EXPECT(frame_pool_is_free(&machine_frames, l1));
	EXPECT_EQ(d->nr_held, 0);
	EXPECT_EQ(pt_pin(d, l1, 1), -EINVAL);
	EXPECT_EQ(pt_update_entry(d, entry(map, 0), mk_pte(l1, P), false), -EBUSY);
	EXPECT_EQ(pt_unpin(d, map), 0);
	EXPECT(mm_audit(d));
}

/*
 * A table given back whose last reference is its parent's entry: the
 * parent's release puts it on the release list, and its last reference
 * goes before it is released there; its release frees it.
 */
static void given_back_table_freed_by_release(void)
{
	mfn_t l2, l1, data;

	fresh();
	l2 = fake_give_frame(d);
	l1 = fake_give_frame(d);
	data = fake_give_frame(d);
	table(l1)[0] = mk_pte(data, RW);
	table(l2)[0] = mk_pte(l1, RW);
	EXPECT_EQ(pt_pin(d, l2, 2), 0);
	EXPECT_EQ(frame_give_back(l1, d), 0);
	EXPECT_EQ(frame_give_back(data, d), 0);
	EXPECT_EQ(d->nr_held, 2);
	EXPECT(mm_audit(d));
	EXPECT_EQ(pt_unpin(d, l2), 0);
	EXPECT(pg(l1)->flags & PGF_releasing);
	EXPECT(pg(l1)->flags & PGF_free_after);
	EXPECT_EQ(pg_refs(pg(l1)), 0);
	EXPECT_EQ(get_page(l1, d), -EPERM);			/* going: nobody takes it back */
	EXPECT(mm_audit(d));
	EXPECT(pt_release_some(d, true));
	EXPECT_EQ(pg(l1)->owner, DOMID_INVALID);
	EXPECT_EQ(pg(data)->owner, DOMID_INVALID);
	EXPECT_EQ(d->nr_held, 0);
	EXPECT(mm_audit(d));
}

/*
 * pt_settle_slow: a table waiting on its domain's release list is
 * released at once when something wants it now. Its callers reach it
 * from anywhere in the list, for any frame a guest names, and after
 * another CPU may have ended the release, freed the frame or given it to
 * another domain since they saw PGF_releasing.
 */

/* dd's release list is exactly mfns[0..n-1], head first, linked both ways. */
static bool release_list_is(const struct domain *dd, const mfn_t *mfns, unsigned int n)
{
	uint32_t link = dd->arch.pt.release_head, prev = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (link != mfns[i] + 1 || pg(mfns[i])->prev != prev ||
		    !(pg(mfns[i])->flags & PGF_releasing))
			return false;
		prev = link;
		link = pg(mfns[i])->next;
	}
	return !link;
}

/* Three L1s queued by their L2's release, settled from the middle, the tail and the head. */
static void settle_from_the_list(void)
{
	mfn_t top, t[3], dat[3];
	unsigned int i;

	fresh();
	top = fake_give_frame(d);
	for (i = 0; i < 3; i++) {
		t[i] = fake_give_frame(d);
		dat[i] = fake_give_frame(d);
		table(t[i])[0] = mk_pte(dat[i], RW);
		table(top)[i] = mk_pte(t[i], RW);
	}
	EXPECT_EQ(pt_pin(d, top, 2), 0);
	EXPECT_EQ(pt_unpin(d, top), 0);
	/* The L2 released at once; its L1s queued in entry order, the last at the head. */
	EXPECT(release_list_is(d, (mfn_t[]){ t[2], t[1], t[0] }, 3));
	EXPECT_EQ(pt_release_lists, 1);
	EXPECT_EQ(pg(dat[1])->type, PGT_writable);
	EXPECT(mm_audit(d));

	/* The middle one: an mmu_update write into it settles it, then is a plain write. */
	EXPECT_EQ(pt_update_entry(d, entry(t[1], 0), mk_pte(dat[1], RW), false), 0);
	EXPECT_EQ(pg(t[1])->type, PGT_none);
	EXPECT_EQ(pg(t[1])->type_count, 0);
	EXPECT(!(pg(t[1])->flags & (PGF_releasing | PGF_validated | PGF_free_after)));
	EXPECT_EQ(table(t[1])[0], mk_pte(dat[1], RW));	/* stored as written: no entry now */
	EXPECT_EQ(pg(dat[1])->type, PGT_none);		/* the old entry's references went */
	EXPECT_EQ(pg(dat[1])->count, 1);
	EXPECT(release_list_is(d, (mfn_t[]){ t[2], t[0] }, 2));
	EXPECT_EQ(pt_release_lists, 1);
	EXPECT(mm_audit(d));

	/* The tail: wanted writable, released first. */
	EXPECT_EQ(get_page_type(t[0], PGT_writable, d), 0);
	EXPECT_EQ(pg(t[0])->type, PGT_writable);
	EXPECT_EQ(pg(dat[0])->count, 1);
	EXPECT(release_list_is(d, (mfn_t[]){ t[2] }, 1));
	put_page_type(t[0], d);
	EXPECT(mm_audit(d));

	/* The head, wanted as what it was: taken back with its entries, off the list. */
	EXPECT_EQ(pt_pin(d, t[2], 1), 0);
	EXPECT(release_list_is(d, NULL, 0));
	EXPECT_EQ(pt_release_lists, 0);
	EXPECT(pg(t[2])->flags & PGF_validated);
	EXPECT_EQ(pg(dat[2])->type, PGT_writable);
	EXPECT(mm_audit(d));
	EXPECT_EQ(pt_unpin(d, t[2]), 0);		/* nothing queued above it: released now */
	EXPECT_EQ(pg(t[2])->type, PGT_none);
	EXPECT_EQ(pg(dat[2])->type, PGT_none);
	EXPECT_EQ(d->arch.pt.release_head, 0);
	EXPECT(mm_audit(d));
}

/*
 * A queued L2 met as the child of a new L2's entry (an L1 wanted): settled
 * in the validation, which queues its own L1 in turn; that one, mapped
 * writable by the new L1's entry, is settled as well, inside the first.
 */
static void settle_child_of_another_level(void)
{
	mfn_t top, old, low, dat, fresh_l2;

	fresh();
	top = fake_give_frame(d);
	old = fake_give_frame(d);
	low = fake_give_frame(d);
	dat = fake_give_frame(d);
	fresh_l2 = fake_give_frame(d);
	table(low)[0] = mk_pte(dat, RW);
	table(old)[0] = mk_pte(low, RW);
	table(top)[0] = mk_pte(old, RW);
	EXPECT_EQ(pt_pin(d, top, 3), 0);
	EXPECT_EQ(pt_unpin(d, top), 0);
	EXPECT(release_list_is(d, (mfn_t[]){ old }, 1));
	EXPECT_EQ(pg(old)->type, PGT_l2);
	EXPECT(pg_is_table(pg(low)));

	table(fresh_l2)[0] = mk_pte(old, RW);
	EXPECT_EQ(pt_pin(d, fresh_l2, 2), 0);
	EXPECT_EQ(pg(old)->type, PGT_l1);		/* released, then validated anew */
	EXPECT_EQ(pg(old)->type_count, 1);
	EXPECT((pg(old)->flags & (PGF_validated | PGF_releasing)) == PGF_validated);
	EXPECT_EQ(pg(low)->type, PGT_writable);		/* its entry maps the old L1 writable */
	EXPECT_EQ(pg(low)->type_count, 1);
	EXPECT_EQ(pg(dat)->type, PGT_none);		/* the old L1's entry let go */
	EXPECT_EQ(pg(dat)->count, 1);
	EXPECT(release_list_is(d, NULL, 0));
	EXPECT_EQ(pt_release_lists, 0);
	EXPECT(mm_audit(d));
	EXPECT_EQ(pt_unpin(d, fresh_l2), 0);
	EXPECT(pt_release_some(d, true));
	EXPECT_EQ(pg(old)->type, PGT_none);
	EXPECT_EQ(pg(low)->type, PGT_none);
	EXPECT(mm_audit(d));
}

/*
 * The caller saw PGF_releasing, then another CPU ended the release (the
 * frame typeless and d's), or also freed the frame (no owner to lock), or
 * it is an I/O frame (no domain): nothing changes, no reference is kept.
 */
static void settle_after_release_ended(void)
{
	mfn_t l2, m;

	fresh();
	l2 = fake_give_frame(d);
	m = fake_give_frame(d);
	table(l2)[0] = mk_pte(m, RW);
	EXPECT_EQ(pt_pin(d, l2, 2), 0);
	EXPECT_EQ(pt_unpin(d, l2), 0);
	EXPECT(release_list_is(d, (mfn_t[]){ m }, 1));
	EXPECT(pt_release_some(d, true));		/* "another CPU" */
	pt_settle_slow(m);
	EXPECT_EQ(pg(m)->type, PGT_none);
	EXPECT_EQ(pg(m)->count, 1);
	EXPECT_EQ(pg(m)->owner, d->domid);
	EXPECT_EQ(d->refcnt, 0);
	EXPECT(mm_audit(d));

	EXPECT_EQ(frame_give_back(m, d), 0);		/* nothing holds it: freed */
	EXPECT(frame_pool_is_free(&machine_frames, m));
	pt_settle_slow(m);
	EXPECT_EQ(pg(m)->owner, DOMID_INVALID);
	EXPECT(frame_pool_is_free(&machine_frames, m));
	pt_settle_slow(1);				/* DOMID_IO's */
	EXPECT_EQ(pg(1)->owner, DOMID_IO);
	EXPECT_EQ(pg(1)->count, 0);
	EXPECT_EQ(d->refcnt + e->refcnt, 0);
	EXPECT(mm_audit(d));
}

/*
 * Between the owner's lookup and its lock, another CPU releases the
 * frame (its last reference gone: freed), and it is given to e and
 * queued as e's releasing L1. Under d's lock it is not d's: left to e,
 * on e's list; releasing it as d's would unlink it from d's list and
 * drop its entries' references as d's.
 */
static mfn_t so_m, so_q;

static void owner_changes_meanwhile(void)
{
	EXPECT(pt_release_some(d, true));		/* frees so_m: PGF_free_after */
	EXPECT_EQ(pg(so_m)->owner, DOMID_INVALID);
	EXPECT_EQ(fake_give_frame(e), so_m);		/* the lowest free frame */
	table(so_q)[0] = mk_pte(so_m, RW);
	EXPECT_EQ(pt_pin(e, so_q, 2), 0);
	EXPECT_EQ(pt_unpin(e, so_q), 0);
}

static void settle_owner_changed(void)
{
	mfn_t l2;

	fresh();
	l2 = fake_give_frame(d);
	so_m = fake_give_frame(d);
	so_q = fake_give_frame(e);
	table(l2)[0] = mk_pte(so_m, RW);
	EXPECT_EQ(pt_pin(d, l2, 2), 0);
	EXPECT_EQ(frame_give_back(so_m, d), 0);		/* held by l2's entry only */
	EXPECT_EQ(pt_unpin(d, l2), 0);
	EXPECT((pg(so_m)->flags & (PGF_releasing | PGF_free_after)) ==
	       (PGF_releasing | PGF_free_after));
	fake_on_domain_lookup = owner_changes_meanwhile;
	pt_settle_slow(so_m);
	EXPECT(!fake_on_domain_lookup);			/* it ran */
	EXPECT_EQ(pg(so_m)->owner, e->domid);
	EXPECT(release_list_is(e, (mfn_t[]){ so_m }, 1));
	EXPECT(release_list_is(d, NULL, 0));
	EXPECT_EQ(pt_release_lists, 1);
	EXPECT_EQ(d->refcnt, 0);
	EXPECT_EQ(d->nr_held, 0);
	EXPECT(mm_audit(d));
	EXPECT(mm_audit(e));
	if (unit_failure[0])	/* e's list is not what it says: its release would not end */
		return;
	EXPECT(pt_release_some(e, true));
	EXPECT_EQ(pg(so_m)->type, PGT_none);
	EXPECT_EQ(pg(so_m)->count, 1);
	EXPECT_EQ(pt_release_lists, 0);
	EXPECT(mm_audit(e));
}

/*
 * Two CPUs at one frame: host threads take and drop references to it at
 * once, one as writable data (a grant or foreign mapping), the other as a
 * descriptor page, and a third only general references. No update may be
 * lost (the counts end where they began, the audit agrees) and the two
 * types are never held at once. Before the counts were exchanged
 * atomically this lost updates within a few thousand rounds.
 */
#define RACE_ROUNDS	200000

static mfn_t race_mfn;
static int race_holders[2];		/* [0] writable, [1] descriptor page */
static int race_overlaps, race_errors;

static void *race_typed(void *arg)
{
	unsigned int me = (unsigned int)(uintptr_t)arg, other = !me;
	unsigned int type = me ? PGT_seg_desc : PGT_writable;
	unsigned int i;

	for (i = 0; i < RACE_ROUNDS; i++) {
		int rc = get_page_and_type(race_mfn, type, d);

		if (rc == -EBUSY)
			continue;
		if (rc) {
			__atomic_add_fetch(&race_errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		__atomic_add_fetch(&race_holders[me], 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&race_holders[other], __ATOMIC_SEQ_CST))
			__atomic_add_fetch(&race_overlaps, 1, __ATOMIC_RELAXED);
		__atomic_sub_fetch(&race_holders[me], 1, __ATOMIC_SEQ_CST);
		put_page_and_type(race_mfn, d);
	}
	return NULL;
}

static void *race_plain(void *arg)
{
	unsigned int i;

	for (i = 0; i < RACE_ROUNDS; i++) {
		if (get_page(race_mfn, d)) {
			__atomic_add_fetch(&race_errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		put_page(race_mfn);
	}
	return NULL;
}

static void counts_race_across_cpus(void)
{
	pthread_t t[3];
	unsigned int i;

	fresh();
	race_mfn = fake_give_frame(d);
	race_overlaps = race_errors = 0;
	EXPECT_EQ(pthread_create(&t[0], NULL, race_typed, (void *)0), 0);
	EXPECT_EQ(pthread_create(&t[1], NULL, race_typed, (void *)1), 0);
	EXPECT_EQ(pthread_create(&t[2], NULL, race_plain, NULL), 0);
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(race_errors, 0);
	EXPECT_EQ(race_overlaps, 0);
	EXPECT_EQ(pg(race_mfn)->count, 1);
	EXPECT_EQ(pg(race_mfn)->type_count, 0);
	EXPECT_EQ(pg(race_mfn)->type, PGT_none);
	EXPECT_EQ(pg(race_mfn)->flags & (PGF_partial | PGF_validated | PGF_releasing), 0);
	EXPECT(mm_audit(d));
}

extern __thread unsigned int unit_cpu;

/*
 * Two CPUs ask for the descriptor type of a page whose check fails (a
 * call gate to ring 0, which no PV GDT or LDT may hold): set_gdt on one
 * vCPU, the LDT's first use on another. The first claims it (PGF_partial)
 * while it checks; the second, seeing the claim, took it until 5 Dec
 * (h-mm24) for a page table partly validated (validate_tree), and if the
 * claim was undone before it had d's page-table lock, claimed the frame
 * as a "table" of level PGT_seg_desc, whose walk skips both halves of the
 * gate (bit 0 clear: not present as entries): the descriptor type on a
 * page never checked, a guest's call gate into the hypervisor's ring 0.
 * Made certain here: the second CPU waits for the lock (held by this
 * one) inside that window while the claim is undone, as the first CPU's
 * failed check undoes it. Two threads left to race met it once in about
 * 2.5 million looks at the claim. The same for a former table's writable
 * type, held PGF_partial through its flush and let go at once: the
 * second CPU took the frame for a "table" of level PGT_writable, walked
 * its contents as entries and left it PGF_validated.
 */
#define CALL_GATE	0x0000EC00E0080000ULL	/* present, DPL 3, 64-bit call gate to 0xe008:0 */

static mfn_t gate_mfn;
static unsigned int gate_type;
static volatile int gate_rc, gate_started;
static volatile unsigned int gate_flags;

static void *gate_taker(void *arg)
{
	int rc;

	unit_cpu = 1;
	gate_started = 1;
	rc = get_page_type(gate_mfn, gate_type, d);
	gate_flags = pg(gate_mfn)->flags;
	if (!rc)
		put_page_type(gate_mfn, d);
	gate_rc = rc;
	return NULL;
}

/* The second CPU's answer for `type` when the first's claim is undone in its window. */
static int claim_undone_meanwhile(unsigned int type)
{
	uint64_t claimed;
	pthread_t t;

	gate_type = type;
	/* The first CPU's claim, as get_first_type makes it, its check or flush under way. */
	claimed = ((uint64_t)PGF_partial << TW_FLAGS_SHIFT) | ((uint64_t)type << TW_TYPE_SHIFT) | 1;
	__atomic_fetch_or(&pg(gate_mfn)->type_info, claimed, __ATOMIC_ACQ_REL);
	rspin_lock(&d->arch.pt.lock);
	gate_started = 0;
	gate_rc = 1;
	EXPECT_EQ(pthread_create(&t, NULL, gate_taker, NULL), 0);
	while (!gate_started)
		;
	usleep(100000);			/* the second CPU at the lock, the claim seen */
	/* The check failed: the claim undone, as get_first_type undoes it. */
	__atomic_fetch_and(&pg(gate_mfn)->type_info, ~claimed, __ATOMIC_ACQ_REL);
	rspin_unlock(&d->arch.pt.lock);
	pthread_join(t, NULL);
	return gate_rc;
}

static void descriptor_check_fails_on_two_cpus(void)
{
	fresh();
	gate_mfn = fake_give_frame(d);
	table(gate_mfn)[4] = CALL_GATE;
	EXPECT_EQ(get_page_type(gate_mfn, PGT_seg_desc, d), -EINVAL);	/* one CPU alone */
	EXPECT_EQ(claim_undone_meanwhile(PGT_seg_desc), -EINVAL);
	EXPECT_EQ(pg(gate_mfn)->type_count, 0);
	EXPECT_EQ(pg(gate_mfn)->flags & (PGF_partial | PGF_validated | PGF_releasing), 0);
	EXPECT_EQ(table(gate_mfn)[4], CALL_GATE);
	EXPECT(mm_audit(d));

	/* A former table's writable type: taken, as plain data, never validated. */
	table(gate_mfn)[4] = 0;
	EXPECT_EQ(claim_undone_meanwhile(PGT_writable), 0);
	EXPECT_EQ(gate_flags & PGF_validated, 0);
	EXPECT_EQ(pg(gate_mfn)->type_count, 0);
	EXPECT_EQ(pg(gate_mfn)->flags & (PGF_partial | PGF_validated | PGF_releasing), 0);
	EXPECT(mm_audit(d));
}

/*
 * Two vCPUs of one domain write the same entry of one L1 at once (mmu_update
 * from two CPUs), each mapping its own frame writable or read-only, while a
 * third pins and unpins another L1 mapping both frames. Each write reads
 * the old entry, takes the new one's references and drops the old one's:
 * unless that is one step per table, two writers drop one old entry twice
 * and the other's references leak (before d->arch.pt.lock, the counts
 * ended wrong within a few thousand rounds).
 */
#define PTE_RACE_ROUNDS	100000

extern __thread unsigned int unit_cpu;
static mfn_t pr_l1, pr_l1b, pr_data[2];
static int pr_errors;

static void *pte_writer(void *arg)
{
	unsigned int me = (unsigned int)(uintptr_t)arg, i;

	unit_cpu = me + 1;
	for (i = 0; i < PTE_RACE_ROUNDS; i++) {
		pte_t v = (i % 3 == 2) ? 0 : mk_pte(pr_data[me], (i & 1) ? RW : P);

		if (pt_update_entry(d, entry(pr_l1, 0), v, false))
			__atomic_add_fetch(&pr_errors, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *pte_pinner(void *arg)
{
	unsigned int i;

	unit_cpu = 3;
	for (i = 0; i < PTE_RACE_ROUNDS / 10; i++) {
		if (pt_pin(d, pr_l1b, 1) || pt_unpin(d, pr_l1b))
			__atomic_add_fetch(&pr_errors, 1, __ATOMIC_RELAXED);
		pt_release_some(d, true);
	}
	return NULL;
}

static void pte_writes_race_across_cpus(void)
{
	pthread_t t[3];
	unsigned int i;

	fresh();
	pr_l1 = fake_give_frame(d);
	pr_l1b = fake_give_frame(d);
	pr_data[0] = fake_give_frame(d);
	pr_data[1] = fake_give_frame(d);
	table(pr_l1b)[0] = mk_pte(pr_data[0], P);
	table(pr_l1b)[1] = mk_pte(pr_data[1], P);
	pr_errors = 0;
	d->max_vcpus = 2;	/* a one-vCPU domain's entry writes take no lock */
	EXPECT_EQ(pt_pin(d, pr_l1, 1), 0);
	EXPECT_EQ(pthread_create(&t[0], NULL, pte_writer, (void *)0), 0);
	EXPECT_EQ(pthread_create(&t[1], NULL, pte_writer, (void *)1), 0);
	EXPECT_EQ(pthread_create(&t[2], NULL, pte_pinner, NULL), 0);
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	unit_cpu = 0;
	EXPECT_EQ(pr_errors, 0);
	EXPECT(mm_audit(d));
	EXPECT_EQ(pt_update_entry(d, entry(pr_l1, 0), 0, false), 0);
	EXPECT_EQ(pt_unpin(d, pr_l1), 0);
	EXPECT(pt_release_some(d, true));
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(pg(pr_data[i])->count, 1);
		EXPECT_EQ(pg(pr_data[i])->type_count, 0);
	}
	EXPECT_EQ(pg(pr_l1)->type_count, 0);
	EXPECT(mm_audit(d));
}

/* A frame whose only reference is taken for release cannot be mapped meanwhile. */
static void last_reference_taken_atomically(void)
{
	mfn_t m;

	fresh();
	m = fake_give_frame(d);
	EXPECT_EQ(get_page(m, d), 0);
	EXPECT(!frame_count_from_one(m, 0));	/* held by a mapping: stays */
	put_page(m);
	EXPECT(frame_count_from_one(m, 0));
	EXPECT_EQ(get_page(m, d), -EPERM);	/* nobody maps it now */
	EXPECT_EQ(get_page_and_type(m, PGT_writable, d), -EPERM);
	frame_count_add(m, 1);			/* given back */
	EXPECT_EQ(get_page(m, d), 0);
	put_page(m);
	EXPECT(mm_audit(d));
}

/*
 * frame_steal against a page table going unused on another CPU: one thread
 * pins an L2 whose entry maps an L1, unpins it (the L1 left on the release
 * list, count 1) and releases the list, over and over; the other steals
 * the L1 whenever it tries while the L2 holds it, and gives it back. A
 * steal may only win once the L1 is typeless and off the list. Its type
 * count can reach 0 and its parent's count reference go between the
 * stealer's pt_settle and its exchange: without the look after the
 * exchange, such steals won with the table still releasing (11 to 25 per
 * run in 3 runs on two loaded host cores; a race, so not every run need
 * catch it).
 */
#define STEAL_ROUNDS	200000

static mfn_t st_l2, st_l1;
static int st_done, st_bad, st_errors;

static void *steal_pinner(void *arg)
{
	unsigned int i;

	(void)arg;
	unit_cpu = 1;
	for (i = 0; i < STEAL_ROUNDS; i++) {
		if (pt_pin(d, st_l2, 2))	/* the L1 stolen just now */
			continue;
		if (pt_unpin(d, st_l2))
			__atomic_add_fetch(&st_errors, 1, __ATOMIC_RELAXED);
		pt_release_some(d, true);
	}
	__atomic_store_n(&st_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *steal_stealer(void *arg)
{
	(void)arg;
	unit_cpu = 2;
	while (!__atomic_load_n(&st_done, __ATOMIC_ACQUIRE)) {
		if (!__atomic_load_n(&pg(st_l1)->type_count, __ATOMIC_RELAXED) ||
		    !frame_steal(st_l1, d))	/* tried while its parent holds it */
			continue;
		if (pg(st_l1)->flags & PGF_releasing)
			st_bad++;
		frame_count_add(st_l1, 1);	/* back to d */
	}
	return NULL;
}

static void steal_races_table_release(void)
{
	pthread_t t[2];

	fresh();
	st_l2 = fake_give_frame(d);
	st_l1 = fake_give_frame(d);
	table(st_l2)[0] = mk_pte(st_l1, P);
	st_done = st_bad = st_errors = 0;
	d->max_vcpus = 2;
	EXPECT_EQ(pthread_create(&t[0], NULL, steal_pinner, NULL), 0);
	EXPECT_EQ(pthread_create(&t[1], NULL, steal_stealer, NULL), 0);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	unit_cpu = 0;
	EXPECT_EQ(st_errors, 0);
	EXPECT_EQ(st_bad, 0);
	EXPECT(pt_release_some(d, true));
	EXPECT_EQ(pg(st_l1)->count, 1);
	EXPECT_EQ(pg(st_l1)->type_count, 0);
	EXPECT_EQ(pg(st_l2)->count, 1);
	EXPECT(mm_audit(d));

	/* Held, typed, shared or another's: never. */
	EXPECT_EQ(pt_pin(d, st_l1, 1), 0);
	EXPECT(!frame_steal(st_l1, d));
	EXPECT_EQ(pt_unpin(d, st_l1), 0);
	EXPECT(!frame_steal(st_l1, e));
	EXPECT(!frame_steal(frame_table_size, d));
	EXPECT_EQ(get_page(st_l1, d), 0);
	EXPECT(!frame_steal(st_l1, d));
	put_page(st_l1);
	EXPECT_EQ(pg(st_l1)->count, 1);
	EXPECT(frame_steal(st_l1, d));
	EXPECT_EQ(get_page(st_l1, d), -EPERM);
	frame_count_add(st_l1, 1);
	EXPECT(mm_audit(d));
}

/*
 * frame_steal against the frame changing owner: one thread steals d's
 * frame (XENMEM_exchange's input check) and gives it back, over and
 * over; the other, as a give-back and a new allocation would, takes the
 * frame's last reference whenever it is 1 and hands it to e, then back
 * to d. A steal may only win a frame that is d's: until 5 Dec the owner
 * was read before the count's exchange from 1 and not after, so a frame
 * freed and handed to another domain between the two was stolen from it
 * (exchange then freed a frame e still had, and handed it out).
 */
#define OWNER_ROUNDS	400000

static mfn_t so_frame;
static int so_done, so_bad, so_won;

static void so_hand(domid_t to)
{
	struct page_info *p = pg(so_frame);
	unsigned int i;

	p->owner = to;				/* allocated to `to` ... */
	__atomic_store_n(&p->count, 1, __ATOMIC_RELEASE);	/* ... with its reference */
	for (i = 0; i < 32; i++)		/* a while there, for the stealer */
		asm volatile("pause");
}

static void *so_mover(void *arg)
{
	unsigned int i;

	(void)arg;
	unit_cpu = 1;
	for (i = 0; i < OWNER_ROUNDS; i++) {
		if (!frame_count_from_one(so_frame, 0))		/* the stealer holds it */
			continue;
		so_hand(e->domid);
		while (!frame_count_from_one(so_frame, 0))	/* a steal of e's frame */
			;
		so_hand(d->domid);
	}
	__atomic_store_n(&so_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *so_stealer(void *arg)
{
	(void)arg;
	unit_cpu = 2;
	while (!__atomic_load_n(&so_done, __ATOMIC_ACQUIRE)) {
		if (!frame_steal(so_frame, d))
			continue;
		so_won++;
		if (pg(so_frame)->owner != d->domid) {	/* stable: count 0 stops the mover */
			so_bad++;
			frame_count_add(so_frame, 1);	/* the mover takes it on */
			continue;
		}
		frame_count_add(so_frame, 1);		/* back to d */
	}
	return NULL;
}

/* Two threads, as two CPUs, to their end; this one CPU 0 again. */
static void run_pair(void *(*a)(void *), void *(*b)(void *))
{
	pthread_t t[2];

	EXPECT_EQ(pthread_create(&t[0], NULL, a, NULL), 0);
	EXPECT_EQ(pthread_create(&t[1], NULL, b, NULL), 0);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	unit_cpu = 0;
}

static void steal_checks_owner_after(void)
{
	fresh();
	so_frame = fake_give_frame(d);
	so_done = so_bad = so_won = 0;
	run_pair(so_mover, so_stealer);
	printf("    %d steals won, %d of another domain's frame\n", so_won, so_bad);
	EXPECT_EQ(so_bad, 0);
	EXPECT_EQ(pg(so_frame)->owner, d->domid);
	EXPECT_EQ(pg(so_frame)->count, 1);
	EXPECT(mm_audit(d));
}

/*
 * pt_unpin against the frame changing owner: one thread unpins d's frame
 * again and again (d never pins it: always -EINVAL); the other, as a
 * give-back and a new allocation would, takes the frame whenever its
 * count is 1, hands it to e, which pins it as an L1 and unpins it, then
 * hands it back to d. d's unpin must never take e's pin: until 5 Dec it
 * read the owner, then cleared the pinned flag with no reference held,
 * so a frame freed and pinned by another domain in between lost that
 * domain's pin (and its references were put as d's). Found by reading:
 * the window (two instructions against a free, an allocation and a pin)
 * was never hit here, before the fix or after; the test holds the rule.
 */
#define UNPIN_ROUNDS	100000
#define UNPIN_SPINS	100000000

static mfn_t uo_frame;
static int uo_done, uo_bad, uo_errors;

static bool uo_take(void)
{
	unsigned int n;

	for (n = 0; n < UNPIN_SPINS; n++)
		if (frame_count_from_one(uo_frame, 0))
			return true;
	uo_errors++;			/* references lost: give up */
	return false;
}

static void *uo_mover(void *arg)
{
	unsigned int i;

	(void)arg;
	unit_cpu = 1;
	for (i = 0; i < UNPIN_ROUNDS && uo_take(); i++) {
		so_frame = uo_frame;
		so_hand(e->domid);
		if (pt_pin(e, uo_frame, 1))
			uo_errors++;
		else if (pt_unpin(e, uo_frame))
			uo_bad++;		/* its pin was taken */
		pt_release_some(e, true);
		if (!uo_take())
			break;
		so_hand(d->domid);
	}
	__atomic_store_n(&uo_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *uo_unpinner(void *arg)
{
	(void)arg;
	unit_cpu = 2;
	while (!__atomic_load_n(&uo_done, __ATOMIC_ACQUIRE))
		if (!pt_unpin(d, uo_frame))
			__atomic_add_fetch(&uo_bad, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void unpin_checks_owner_after(void)
{
	fresh();
	uo_frame = fake_give_frame(d);
	uo_done = uo_bad = uo_errors = 0;
	run_pair(uo_mover, uo_unpinner);
	EXPECT_EQ(uo_bad, 0);
	EXPECT_EQ(uo_errors, 0);
	EXPECT_EQ(pg(uo_frame)->owner, d->domid);
	EXPECT_EQ(pg(uo_frame)->count, 1);
	EXPECT(mm_audit(d));
}

/*
 * A domain's destroy against a give-back of the same frame on another CPU
 * (dom0's decrease_reservation that looked at `dying` just before the
 * destroy set it): one thread gives d a frame and gives it back
 * (frame_give_back), the other runs the destroy walk's step on it
 * (frame_relinquish) at the same moment, for RELINQUISH_ROUNDS frames.
 * Each frame must end free once, with d's books closed; the give-back
 * answers 0, or -ENXIO when the destroy freed the frame first. Until 5 Dec the
 * step looked at the frame, then called put_alloc_ref, whose BUG_ON
 * fired when the give-back dropped the allocation reference in between.
 */
#define RELINQUISH_ROUNDS	200000

static mfn_t rq_frame;
static unsigned int rq_round, rq_acked, rq_freed, rq_late, rq_bad;

static void *rq_giver(void *arg)
{
	unsigned int i, j;

	(void)arg;
	unit_cpu = 1;
	for (i = 1; i <= RELINQUISH_ROUNDS; i++) {
		rq_frame = fake_give_frame(d);
		__atomic_store_n(&rq_round, i, __ATOMIC_RELEASE);
		for (j = 0; j < i % 8; j++)	/* a varying start against the other's */
			asm volatile("pause");
		switch (frame_give_back(rq_frame, d)) {
		case 0:
			break;
		case -ENXIO:		/* the destroy freed it first */
			rq_late++;
			break;
		default:
			rq_bad++;
		}
		while (__atomic_load_n(&rq_acked, __ATOMIC_ACQUIRE) != i)
			;
		if (pg(rq_frame)->owner != DOMID_INVALID ||
		    !frame_pool_is_free(&machine_frames, rq_frame) || d->nr_held)
			rq_bad++;
	}
	return NULL;
}

static void *rq_destroyer(void *arg)
{
	unsigned int i;

	(void)arg;
	unit_cpu = 2;
	for (i = 1; i <= RELINQUISH_ROUNDS; i++) {
		while (__atomic_load_n(&rq_round, __ATOMIC_ACQUIRE) != i)
			;
		rq_freed += frame_relinquish(rq_frame, d);
		__atomic_store_n(&rq_acked, i, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void relinquish_races_give_back(void)
{
	fresh();
	rq_round = rq_acked = rq_freed = rq_late = rq_bad = 0;
	d->dying = true;	/* the give-backs looked at it before */
	run_pair(rq_giver, rq_destroyer);
	printf("    %u of %u frames freed by the destroy's step (%u before the give-back)\n",
	       rq_freed, RELINQUISH_ROUNDS, rq_late);
	EXPECT(rq_late <= rq_freed);
	EXPECT_EQ(rq_bad, 0);
	EXPECT_EQ(d->nr_held, 0);
	EXPECT(mm_audit(d));
}

int main(void)
{
	unit_suite = "page_type";
	RUN(one_type_at_a_time);
	RUN(l1_entries_validated);
	RUN(stale_writable_flushed);
	RUN(retype_flush_after_exchange);
	RUN(writable_after_table_held_in_flush);
	RUN(stale_table_flushed);
	RUN(cr3_load_off_guest_cpu_not_a_flush);
	RUN(flush_filtered_per_cpu);
	RUN(last_drop_clears_dropped);
	RUN(dropped_between_stamp_and_exchange);
	RUN(tree_pin_and_release);
	RUN(released_table_retyped);
	RUN(validation_in_pieces);
	RUN(two_walks);
	RUN(linear_tables);
	RUN(writable_table_below);
	RUN(descriptor_pages);
	RUN(dead_domain_frame_freed_last);
	RUN(given_back_frame_freed_last);
	RUN(given_back_table_freed_by_release);
	RUN(settle_from_the_list);
	RUN(settle_child_of_another_level);
	RUN(settle_after_release_ended);
	RUN(settle_owner_changed);
	RUN(counts_race_across_cpus);
	RUN(descriptor_check_fails_on_two_cpus);
	RUN(pte_writes_race_across_cpus);
	RUN(last_reference_taken_atomically);
	RUN(steal_races_table_release);
	RUN(steal_checks_owner_after);
	RUN(unpin_checks_owner_after);
	RUN(relinquish_races_give_back);
	return 0;
}
