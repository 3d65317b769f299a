// SPDX-License-Identifier: GPL-2.0-only
/*
 * The frame-accounting audit: recounts, from every domain's page tables,
 * pins, base pointers, GDT/LDT frames, vcpu_info pages, grant pins and the
 * pirq EOI map (irq.c), the references
 * each frame of one domain should hold (other domains may map it), and
 * compares with the frame table, checks that no table maps a frame of
 * the hypervisor or a free one, and that the domain's nr_pages and nr_held
 * count its allocated frames and those it holds without an allocation. Run when a domain ends, so a test guest
 * that leaks or double-drops a reference fails ("mm audit ... FAILED").
 *
 * The count is of one moment: the other CPUs are held still meanwhile
 * (smp_hold_others), each where it has no work half done. Without that a
 * mapping another CPU makes or removes while we count (dom0's grant map
 * of a domU's console ring, at the domU's shutdown) is seen in the frame
 * table and not in the tables walked before it, or the other way round.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/mm.h>
#include <hv/page_alloc.h>
#include <hv/grant_table.h>
#include <hv/event.h>
#include <hv/smp.h>
#include <asm/irq.h>
#include <asm/page.h>

struct expect {
	uint32_t count, type_count;
};

/* The references the first n entries of a table hold. */
static void count_entries(const struct domain *d, mfn_t mfn, unsigned int level, unsigned int n,
			  struct expect *x, unsigned int *bad)
{
	const pte_t *t = frame_va(mfn);
	unsigned int i;

	for (i = 0; i < n; i++) {
		mfn_t target = pte_mfn(t[i]);

		if (!(t[i] & _PAGE_PRESENT) || (level == 4 && i >= L4_SLOT_HV_FIRST && i <= L4_SLOT_HV_LAST))
			continue;
		if (level > 1 && target == mfn)
			continue;	/* a linear entry to its own table holds nothing */
		if (target >= frame_table_size || frame_table[target].owner == DOMID_IO)
			continue;
		if (frame_table[target].owner == DOMID_XEN ||
		    frame_table[target].owner == DOMID_INVALID) {
			/* The hypervisor's memory, or a free frame: never a guest's to map. */
			if ((*bad)++ < 8)
				pr_err("mm audit d%u: L%u %#llx entry %u maps %s frame %#llx\n",
				       d->domid, level, (unsigned long long)mfn, i,
				       frame_table[target].owner == DOMID_XEN ? "a hypervisor" : "a free",
				       (unsigned long long)target);
			continue;
		}
		if (level > 1 && frame_table[target].owner != d->domid) {
			if ((*bad)++ < 8)
				pr_err("mm audit d%u: L%u %#llx entry %u links a foreign table %#llx\n",
				       d->domid, level, (unsigned long long)mfn, i,
				       (unsigned long long)target);
			continue;
		}
		x[target].count++;
		if (level > 1 || (t[i] & _PAGE_RW))
			x[target].type_count++;
	}
}

/* An active grant holds a page reference, and a type one while writable. */
static void expect_pin(mfn_t mfn, bool writable, void *arg)
{
	struct expect *x = arg;

	if (mfn >= frame_table_size)
		return;
	x[mfn].count++;
	x[mfn].type_count += writable;
}

/* A vCPU's references: its vcpu_info page, LDT and GDT frames, base pointers. */
static void expect_vcpu(const struct vcpu *v, struct expect *x)
{
	const uint64_t bases[2] = { v->arch.guest_cr3, v->arch.user_cr3 };
	unsigned int i;

	if (v->vcpu_info_registered) {
		x[v->vcpu_info_mfn].count++;
		x[v->vcpu_info_mfn].type_count++;
	}
	for (i = 0; i < 16; i++) {
		if (v->arch.ldt_frames[i]) {
			x[v->arch.ldt_frames[i]].count++;
			x[v->arch.ldt_frames[i]].type_count++;
		}
	}
	for (i = 0; i < v->arch.nr_gdt_frames; i++) {
		x[v->arch.gdt_frames[i]].count++;
		x[v->arch.gdt_frames[i]].type_count++;
	}
	for (i = 0; i < 2; i++) {
		if (bases[i]) {
			x[bases[i] >> PAGE_SHIFT].count++;
			x[bases[i] >> PAGE_SHIFT].type_count++;
		}
	}
}

/* A tree validated in pieces: each table claimed, and done so far. */
static void expect_walk(const struct domain *o, const struct pt_walk *w, struct expect *x,
			unsigned int *bad)
{
	unsigned int i;

	for (i = 0; i < w->depth; i++) {
		mfn_t t = w->mfn[i];

		count_entries(o, t, w->root_level - i, w->next[i], x, bad);
		x[t].count += i ? 2 : 1;	/* its claim, and its parent entry's */
		x[t].type_count++;
	}
}

/* Adds the references domain o's state holds to the expectations x. */
static void expect_domain(const struct domain *o, struct expect *x, unsigned int *bad)
{
	rspinlock_t *lock = (rspinlock_t *)&o->arch.pt.lock;
	const struct vcpu *v;
	uint64_t mfn;

	for (mfn = 0; mfn < frame_table_size; mfn++) {
		const struct page_info *pg = &frame_table[mfn];

		if (pg->owner != o->domid)
			continue;
		if (!(pg->count & PGC_unallocated))
			x[mfn].count++;			/* allocation, or ours */
		if (pg->flags & PGF_shared)
			x[mfn].type_count++;		/* writable while shared */
		if (pg->flags & PGF_pinned) {
			x[mfn].count++;
			x[mfn].type_count++;
		}
		if (pg->flags & PGF_validated)
			count_entries(o, mfn, pg->type, 512, x, bad);
	}
	/*
	 * Trees validated in pieces, each vCPU's and other domains' (read
	 * under the lock a validation holds).
	 */
	rspin_lock(lock);
	expect_walk(o, &o->arch.pt.foreign, x, bad);
	for_each_vcpu(o, v)
		expect_walk(o, &v->arch.pt_walk, x, bad);
	rspin_unlock(lock);
	for_each_vcpu(o, v)
		expect_vcpu(v, x);
	grant_for_each_pin(o, expect_pin, x);
	if (irq_eoi_map_frame() != INVALID_MFN && frame_table[irq_eoi_map_frame()].owner == o->domid)
		expect_pin(irq_eoi_map_frame(), true, x);	/* held writable by irq.c */
	if (__atomic_load_n(&o->arch.pirq_eoi_mfn, __ATOMIC_ACQUIRE))	/* a domU's, likewise */
		expect_pin(o->arch.pirq_eoi_mfn, true, x);
	evtchn_fifo_for_each_frame(o, expect_pin, x);	/* held writable, as pins are */
}

/*
 * Page-aligned: under QEMU's TCG a translated block that spans two pages
 * is not chained to the next, so a hot loop placed across a page boundary
 * runs several times slower, and the place moved with every change to the
 * code linked before this. The debug build audits on every destroy, so
 * attack-maxvcpus-race's 64 destroys took 4 s or 24 s at --smp 1 by where
 * this function fell (65 s at --smp 2 timed out under load, 7 Dec); 3 s
 * page-aligned. A page of padding at most; no effect on hardware.
 */
bool __attribute__((aligned(4096))) mm_audit(const struct domain *d)
{
	uint64_t pages = DIV_ROUND_UP(frame_table_size * sizeof(struct expect), PAGE_SIZE);
	mfn_t buf = alloc_frames_contig(pages);
	struct domain *o;
	struct expect *x;
	uint64_t mfn, owned = 0, tables = 0, releasing = 0, listed = 0, held = 0, given = 0, i;
	unsigned int bad = 0;
	cpumask_t running;
	uint32_t link;

	if (buf == INVALID_MFN) {
		pr_warn("mm audit d%u: no memory to run it\n", d->domid);
		return true;
	}
	x = mfn_to_virt(buf);
	running = smp_hold_others();
	if (running)
		pr_warn("mm audit d%u: CPUs %#llx not held still in 5 s: counting with them "
			"running\n", d->domid, (unsigned long long)running);
	for (o = NULL; (o = domain_next_get(o));)	/* none freed under us */
		expect_domain(o, x, &bad);
	for (mfn = 0; mfn < frame_table_size; mfn++) {
		const struct page_info *pg = &frame_table[mfn];

		if (pg->owner != d->domid)
			continue;
		owned++;
		tables += pg_is_table(pg);
		releasing += !!(pg->flags & PGF_releasing);
		held += !!(pg->count & PGC_unallocated);
		given += !(pg->count & PGC_unallocated) && !(pg->flags & PGF_shared);
		if (pg_refs(pg) != x[mfn].count || pg->type_count != x[mfn].type_count ||
		    (!pg->type_count && pg->type != PGT_none && !(pg->flags & PGF_releasing))) {
			if (bad++ < 8)
				pr_err("mm audit d%u: frame %#llx count %u%s (expected %u), type %u "
				       "count %u (expected %u)\n", d->domid, (unsigned long long)mfn,
				       pg_refs(pg), pg->count & PGC_unallocated ? " unallocated" : "",
				       x[mfn].count, pg->type, pg->type_count, x[mfn].type_count);
		}
	}
	rspin_lock((rspinlock_t *)&d->arch.pt.lock);	/* the release list's */
	for (link = d->arch.pt.release_head, i = 0; link && i < frame_table_size;
	     link = frame_table[link - 1].next, i++)
		listed += (frame_table[link - 1].flags & PGF_releasing) &&
			  frame_table[link - 1].owner == d->domid;
	rspin_unlock((rspinlock_t *)&d->arch.pt.lock);
	/* tot_pages: the allocated frames (not while they are going back), and the held ones. */
	if (((given != d->nr_pages && !d->dying) || held != d->nr_held) && bad++ < 8)
		pr_err("mm audit d%u: %llu frames allocated (nr_pages %llu), %llu held (nr_held %llu)\n",
		       d->domid, (unsigned long long)given, (unsigned long long)d->nr_pages,
		       (unsigned long long)held, (unsigned long long)d->nr_held);
	if (listed != releasing && bad++ < 8)
		pr_err("mm audit d%u: %llu tables to release, %llu on the list\n", d->domid,
		       (unsigned long long)releasing, (unsigned long long)listed);
	smp_release_others();
	for (i = 0; i < pages; i++)
		free_frame(buf + i);
	if (bad)
		pr_err("mm audit d%u: FAILED, %u problems\n", d->domid, bad);
	else
		pr_info("mm audit d%u: ok, %llu frames, %llu page tables\n", d->domid,
			(unsigned long long)owned, (unsigned long long)tables);
	return !bad;
}
