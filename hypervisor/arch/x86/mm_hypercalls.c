// SPDX-License-Identifier: GPL-2.0-only
/*
 * The page-table hypercalls: mmu_update, mmuext_op, update_va_mapping and
 * vm_assist (docs/abi-core.md §2.4, §2.5, §2.16, §2.7). The rules live in
 * page_type.c; here are argument decoding, list walking and TLB flushes.
 * Each list entry is copied in, then applied; the first failure stops the
 * list and *done tells the guest how many were applied.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <hv/mm.h>
#include <asm/page.h>
#include <asm/pv.h>
#include <asm/x86.h>
#include <hv/flushtlb.h>
#include <asm/percpu.h>
#include <lamina/mm.h>
#include <lamina/xen_x86_64.h>
#include <hv/time.h>
#include <hv/preempt.h>

#define PREEMPTED	(1U << 31)	/* in count: a continuation; *done has progress */

/*
 * The CPUs a guest's flush request reaches: this one (LOCAL), every CPU
 * its domain ran on (ALL), or those of the vCPUs a mask names (MULTI,
 * its first word `vcpus` as read_vcpumask read it): a superset, the
 * domain's CPUs, unless the mask names none (then nothing, as Xen).
 */
static cpumask_t flush_targets(struct domain *d, unsigned int kind, uint64_t vcpus)
{
	switch (kind) {
	case 0:		/* local */
		return 1ULL << smp_processor_id();
	case 1:		/* all */
		return __atomic_load_n(&d->dirty_cpumask, __ATOMIC_ACQUIRE);
	default:	/* the vCPUs of a mask */
		return vcpus ? __atomic_load_n(&d->dirty_cpumask, __ATOMIC_ACQUIRE) : 0;
	}
}

/* A whole flush, or one page (invlpg here; another CPU flushes whole). */
static void guest_flush(cpumask_t mask, bool page, uint64_t va)
{
	cpumask_t me = 1ULL << smp_processor_id();

	if (!page) {
		flush_tlb_mask(mask);
		return;
	}
	if (mask & me)
		invlpg(va);
	if (mask & ~me)
		flush_tlb_mask(mask & ~me);
}

/*
 * DOMID_IO and DOMID_XEN named by a privileged caller: as Xen's dom_io and
 * dom_xen, owners of no frame the caller may use, so each frame is refused
 * as not theirs (a pin -EINVAL, an L1 entry of RAM -EBUSY) and any other
 * op is -EPERM; I/O frames map under DOMID_IO with the caller's rights
 * (is_privileged), never under DOMID_XEN. Their id is one no frame
 * carries (the hypervisor's frames are DOMID_XEN's, I/O frames DOMID_IO's,
 * free ones DOMID_INVALID's: none may be pinned or mapped this way).
 * Never referenced or put.
 */
#define OWNER_OF_NO_FRAME	DOMID_IDLE
static struct domain dom_io = { .domid = OWNER_OF_NO_FRAME, .is_privileged = true,
				 .io_via_caller = true };
static struct domain dom_xen = { .domid = OWNER_OF_NO_FRAME };
/*
 * DOMID_IO in an unprivileged caller's mmu_update: Xen's XSM hook there
 * exempts dom_io, and I/O frames are judged by the caller's own rights
 * (io_via_caller: its MMIO list). So as dom0's DOMID_IO but for those
 * rights: an entry unchanged but for flags 0, a frame of RAM -EBUSY,
 * cache bits -EINVAL unless it holds ports or frames, an I/O frame
 * -EPERM unless its list holds it, an upper-level entry -EINVAL.
 */
static struct domain dom_io_unprivileged = { .domid = OWNER_OF_NO_FRAME, .io_via_caller = true };

/*
 * The domain whose frames new L1 entries may map: the caller, or for a
 * privileged caller the foreigndom it names; io_exempt (mmu_update's
 * check, not mmuext_op's) lets any caller name DOMID_IO. NULL: refused,
 * *err says why. Another domain comes referenced: frame_owner_put when
 * the call is done.
 */
static struct domain *__attribute__((noinline)) foreign_owner(struct domain *d, domid_t id,
							      bool io_exempt, long *err)
{
	struct domain *fd;

	if ((id == DOMID_IO || id == DOMID_XEN) && d->is_privileged)
		return id == DOMID_IO ? &dom_io : &dom_xen;
	if (id == DOMID_IO && io_exempt)
		return &dom_io_unprivileged;
	if (id == DOMID_XEN) {
		/* Xen's dom_xen exists, so its privilege check refuses it. */
		*err = trace_err(-EPERM);
		return NULL;
	}
	/* As Xen's get_pg_owner: the caller's own id is no foreign domain. */
	fd = id == DOMID_IO ? d : get_domain_by_id(id);
	if (!fd || fd->dying || id == d->domid || !d->is_privileged) {
		*err = !fd || fd->dying || id == d->domid ? trace_err(-ESRCH) : trace_err(-EPERM);
		if (fd && fd != d)
			put_domain(fd);
		return NULL;
	}
	return fd;
}

static inline struct domain *frame_owner(struct domain *d, uint64_t foreigndom, long *err)
{
	if ((domid_t)foreigndom == DOMID_SELF)
		return d;		/* every page-table update of its own: no reference */
	return foreign_owner(d, (domid_t)foreigndom, false, err);
}

static void frame_owner_put(struct domain *d, struct domain *fd)
{
	if (fd != d && fd->domid != OWNER_OF_NO_FRAME)
		put_domain(fd);
}

/*
 * A frame outside RAM (the first MiB, holes) named under DOMID_IO: Xen's
 * dom_io holds it, so MACHPHYS_UPDATE may set its M2P entry, which the
 * hypervisor never reads (any caller's, as Xen's XSM hook exempts dom_io).
 */
static bool __attribute__((noinline)) io_frame_under_domid_io(const struct domain *fd, mfn_t mfn)
{
	return (fd == &dom_io || fd == &dom_io_unprivileged) &&
	       frame_table[mfn].owner == DOMID_IO;
}

/* *done is a courtesy: as on Xen, a bad pointer there is ignored. */
static void write_done(uint64_t done_ptr, uint32_t done)
{
	if (done_ptr)
		copy_to_guest_bytes(done_ptr, &done, sizeof(done));
}

static inline __attribute__((always_inline)) int
one_mmu_update(struct domain *d, struct domain *fd, const struct mmu_update *u)
{
	mfn_t mfn = u->ptr >> PAGE_SHIFT;

	/*
	 * The command is the address's low 3 bits (an entry's alignment), as
	 * Xen 4.17's: 4-7 are no command, -ENOSYS (conform-diff; was read
	 * from the low 2 bits, a misaligned entry, -EINVAL).
	 */
	switch (u->ptr & 7) {
	case MMU_NORMAL_PT_UPDATE:
	case MMU_PT_UPDATE_NO_TRANSLATE:	/* a PV domain's frames need no translation */
		return pt_update_entry_foreign(d, fd, u->ptr & ~7ULL, u->val, false);
	case MMU_PT_UPDATE_PRESERVE_AD:
		return pt_update_entry_foreign(d, fd, u->ptr & ~7ULL, u->val, true);
	default:
		return trace_err(-ENOSYS);
	case MMU_MACHPHYS_UPDATE:
		if (mfn >= frame_table_size)
			return trace_err(-EINVAL);
		mfn = array_index_nospec(mfn, frame_table_size);
		/*
		 * Under a reference, as Xen's get_page_from_mfn: with the owner
		 * only read first, a frame another vCPU gave back could be
		 * freed and given to another domain before the write, whose
		 * M2P entry it would then set.
		 */
		if (!get_page(mfn, fd)) {
			m2p[mfn] = u->val;
			put_page(mfn);
			return 0;
		}
		if (!io_frame_under_domid_io(fd, mfn))
			return trace_err(-EINVAL);
		m2p[mfn] = u->val;
		return 0;
	}
}

/*
 * Walks a guest list of `size`-byte entries (mmu_update, mmuext_op):
 * copy each in, apply it, stop at the first failure, report *done.
 */
/*
 * A list that runs longer than about 1 ms, or past a due timer of its
 * CPU or an event the caller can take (hypercall_preempt_now, looked at
 * before every entry but the first as Xen), becomes a continuation
 * (docs/abi-core.md §2.1): the guest's rip goes back onto its syscall with
 * the list pointer and count advanced and PREEMPTED set, the progress so
 * far in *done; the guest re-executes it after any pending interrupt or
 * event, and the resumed call adds to *done.
 */
static long preempt_list(struct hc_args *a, size_t size, uint32_t i, uint32_t count,
			 uint32_t done_before)
{
	write_done(a->arg[2], done_before + i);
	a->arg[0] += (uint64_t)i * size;
	a->arg[1] = (count - i) | PREEMPTED;
	return hypercall_continue();
}

/*
 * What Xen 4.17's do_mmu_update and do_mmuext_op answer before a list's
 * first entry, for the forms that are not plain lists; false: none of
 * them, walk the list. A count of exactly PREEMPTED with no list is
 * Xen's own continuation carrying a call's final result in foreigndom
 * (after a deferred release of the old base pointer): Xen returns that
 * argument, as an int, to any guest that makes such a call. A list
 * whose start is not a guest address is -EFAULT, even empty, before the
 * foreigndom is looked at and with *done untouched (guest_handle_okay:
 * only the start; the entries are each checked as they are copied).
 * Any count is taken, as Xen's: a list past the guest's memory ends with
 * -EFAULT at its first unreadable entry, those before it done.
 */
static bool __attribute__((noinline)) list_answered(const struct hc_args *a, long *rc)
{
	if ((uint32_t)a->arg[1] == PREEMPTED && !a->arg[0]) {
		*rc = (int32_t)a->arg[3];
		return true;
	}
	if (!guest_start_ok(a->arg[0])) {
		*rc = trace_err(-EFAULT);
		return true;
	}
	return false;
}

/*
 * Validation on this CPU may stop for preemption (-ERESTART) from here on,
 * once the call's time runs out at `until`; till pt_preemptible_end.
 * Inline: walk_entries, the mmu_update and mmuext_op loop, sets it.
 */
static inline __attribute__((always_inline)) void pt_preemptible_until(uint64_t until)
{
	this_cpu()->pt_until = until;
	this_cpu()->pt_preemptible = true;
}

void pt_preemptible_end(void)
{
	this_cpu()->pt_preemptible = false;
}

static inline __attribute__((always_inline)) long
walk_entries(struct vcpu *v, struct hc_args *a, size_t size,
	     int (*apply)(struct vcpu *v, struct domain *fd, const void *entry), struct domain *fd)
{
	uint32_t count = (uint32_t)a->arg[1] & ~PREEMPTED, i, done_before = 0;
	uint64_t entry[4];
	long rc = 0;
	uint64_t until = hypercall_preempt_until();
	bool list_ok;

	BUG_ON(size > sizeof(entry) || size % 8);
	/* The whole list a guest range: no entry's copy checks its own. */
	list_ok = guest_range_ok(a->arg[0], (uint64_t)count * size);
	/* Not a plain list (an empty one passes guest_range_ok): list_answered. */
	if (unlikely(!list_ok || !count || ((uint32_t)a->arg[1] & PREEMPTED)) &&
	    list_answered(a, &rc))
		return rc;
	if (((uint32_t)a->arg[1] & PREEMPTED) && a->arg[2] &&
	    copy_from_guest(&done_before, a->arg[2], sizeof(done_before)))
		done_before = 0;	/* as Xen: progress through a bad pointer is lost */
	pt_preemptible_until(until);
	for (i = 0; i < count; i++) {
		if (i && hypercall_preempt_now(v, until))	/* every entry, as Xen */
			rc = -ERESTART;
		else if (copy_from_guest_quads(entry, a->arg[0] + (uint64_t)i * size, size / 8,
						list_ok))
			rc = -EFAULT;
		else
			rc = apply(v, fd, entry);
		if (rc)
			break;
	}
	pt_preemptible_end();
	if (rc == -ERESTART)	/* entry i again: a long list, or a tree validated in pieces */
		return preempt_list(a, size, i, count, done_before);
	write_done(a->arg[2], done_before + i);
	return rc;
}

/*
 * mmu_update's privilege check on a foreigndom comes with its first
 * entry, as Xen 4.17's per-request XSM check: an empty list is 0, an
 * unreadable one -EFAULT, and the first entry read is refused (-EPERM).
 */
static int apply_refused(struct vcpu *v, struct domain *fd, const void *entry)
{
	(void)v, (void)fd, (void)entry;
	return trace_err(-EPERM);
}

/*
 * A list whose frames belong to the foreigndom it names: referenced
 * meanwhile. io_exempt: mmu_update's (foreign_owner). Inline, as
 * walk_list: until session 32 it was a function of its own taking apply
 * by pointer, an indirect call per entry (+26 instructions an entry of
 * a privcmd-style foreign mmu_update against a local one, tests/bench
 * foreign).
 */
static inline __attribute__((always_inline)) long
walk_foreign(struct vcpu *v, struct hc_args *a, size_t size, bool io_exempt,
	     int (*apply)(struct vcpu *v, struct domain *fd, const void *entry))
{
	long rc = 0;
	struct domain *fd;

	if (list_answered(a, &rc))	/* before the foreigndom, as Xen */
		return rc;
	fd = foreign_owner(v->domain, (domid_t)a->arg[3], io_exempt, &rc);
	if (!fd && rc == -EPERM && io_exempt)
		return walk_entries(v, a, size, apply_refused, NULL);
	if (!fd)
		return rc;
	rc = walk_entries(v, a, size, apply, fd);
	frame_owner_put(v->domain, fd);
	return rc;
}

/* Inline: each list hypercall gets its own loop, its apply called directly. */
static inline __attribute__((always_inline)) long
walk_list(struct vcpu *v, struct hc_args *a, size_t size, bool io_exempt,
	  int (*apply)(struct vcpu *v, struct domain *fd, const void *entry))
{
	if ((domid_t)a->arg[3] != DOMID_SELF)
		return walk_foreign(v, a, size, io_exempt, apply);
	return walk_entries(v, a, size, apply, v->domain);
}

/* Inline in hc_mmu_update's own loop; walk_foreign calls it through the pointer. */
static inline __attribute__((always_inline)) int
apply_mmu_update(struct vcpu *v, struct domain *fd, const void *entry)
{
	return one_mmu_update(v->domain, fd, entry);
}

long hc_mmu_update(struct vcpu *v, struct hc_args *a)
{
	return walk_list(v, a, sizeof(struct mmu_update), true, apply_mmu_update);
}

int new_baseptr(struct vcpu *v, mfn_t mfn, bool user)
{
	struct domain *d = v->domain;
	uint64_t *slot = user ? &v->arch.user_cr3 : &v->arch.guest_cr3;
	uint64_t old = *slot;
	int rc;

	if (mfn || !user) {
		rc = get_page_and_type(mfn, PGT_l4, d);
		if (rc)
			return rc == -ERESTART ? rc : trace_err(pt_refusal(rc));
	}
	if (mfn && (!user || (d->vm_assist & (1ULL << VMASST_TYPE_m2p_strict))))
		mm_m2p_slot(mfn, !user);	/* the M2P for kernels; not for strict users */
	*slot = mfn << PAGE_SHIFT;
	/* The new tables loaded before the old lose their reference, as Xen. */
	if (v->arch.kernel_mode != user)
		write_cr3(*slot);
	if (old)
		put_page_and_type(old >> PAGE_SHIFT, d);
	return 0;
}

static int page_op(struct domain *d, const struct mmuext_op *op)
{
	mfn_t dst = op->arg1.mfn, src = op->arg2.src_mfn;
	int rc = get_page_and_type(dst, PGT_writable, d);

	if (rc)
		return trace_err(-EINVAL);
	if (op->cmd == MMUEXT_CLEAR_PAGE) {
		memset(frame_va(dst), 0, PAGE_SIZE);
	} else {
		rc = get_page(src, d);
		if (!rc) {
			memcpy(frame_va(dst), frame_va(src), PAGE_SIZE);
			put_page(src);
		}
	}
	put_page_and_type(dst, d);
	return rc ? trace_err(-EINVAL) : 0;
}

/*
 * A vCPU bitmap (the MULTI flushes), read once: its first word, which
 * says whether it names any vCPU (flush_targets flushes all the
 * domain's CPUs for any), and whether it can be read (Xen reads the
 * words that hold the domain's vCPUs). Until session 34 it was read
 * once to check it and again for the flush: a mask another vCPU made
 * unreadable in between got update_va_mapping a local flush only,
 * answered 0 (the guest's own TLBs only; the hypervisor relies on no
 * flush a guest asks for).
 */
static bool read_vcpumask(uint64_t ptr, uint64_t *vcpus)
{
	return !copy_from_guest(vcpus, ptr, sizeof(*vcpus));
}

/* One op for v; pins and unpins act on fd's tables (v's domain, or its foreigndom). */
static int one_mmuext_op(struct vcpu *v, struct domain *fd, const struct mmuext_op *op)
{
	struct domain *d = v->domain;
	uint64_t vcpus = 0;

	switch (op->cmd) {
	case MMUEXT_PIN_L1_TABLE:
	case MMUEXT_PIN_L2_TABLE:
	case MMUEXT_PIN_L3_TABLE:
	case MMUEXT_PIN_L4_TABLE:
		return pt_pin(fd, op->arg1.mfn, op->cmd - MMUEXT_PIN_L1_TABLE + 1);
	case MMUEXT_UNPIN_TABLE:
		return pt_unpin(fd, op->arg1.mfn);
	case MMUEXT_NEW_BASEPTR:
		return new_baseptr(v, op->arg1.mfn, false);
	case MMUEXT_NEW_USER_BASEPTR:
		return new_baseptr(v, op->arg1.mfn, true);
	case MMUEXT_TLB_FLUSH_MULTI:
	case MMUEXT_INVLPG_MULTI:
		if (!read_vcpumask(op->arg2.vcpumask, &vcpus))
			return trace_err(-EINVAL);
		/* fall through */
	case MMUEXT_TLB_FLUSH_LOCAL:
	case MMUEXT_TLB_FLUSH_ALL:
	case MMUEXT_INVLPG_LOCAL:
	case MMUEXT_INVLPG_ALL: {
		bool page = op->cmd == MMUEXT_INVLPG_LOCAL || op->cmd == MMUEXT_INVLPG_MULTI ||
			    op->cmd == MMUEXT_INVLPG_ALL;
		unsigned int kind = op->cmd == MMUEXT_TLB_FLUSH_LOCAL ||
				    op->cmd == MMUEXT_INVLPG_LOCAL ? 0 :
				    op->cmd == MMUEXT_TLB_FLUSH_ALL || op->cmd == MMUEXT_INVLPG_ALL ? 1 : 2;
		if (page && !guest_range_ok(op->arg1.linear_addr, 1))
			return 0;	/* nothing, as Xen */
		guest_flush(flush_targets(d, kind, vcpus), page, op->arg1.linear_addr);
		return 0;
	}
	case MMUEXT_SET_LDT:
		return ldt_set(v, op->arg1.linear_addr, op->arg2.nr_ents);
	case MMUEXT_CLEAR_PAGE:
	case MMUEXT_COPY_PAGE:
		return page_op(fd, op);	/* the foreigndom's frames, as Xen's pg_owner */
	case MMUEXT_FLUSH_CACHE:
		return d->is_privileged ? 0 : trace_err(-EACCES);
	case MMUEXT_FLUSH_CACHE_GLOBAL:
		return d->is_privileged ? 0 : trace_err(-EINVAL);
	case MMUEXT_MARK_SUPER:
	case MMUEXT_UNMARK_SUPER:
		return trace_err(-EOPNOTSUPP);	/* as Xen 4.17: superpages are gone */
	default:
		return trace_err(-ENOSYS);
	}
}

/*
 * Extended ops act on the caller, except that a privileged caller may pin
 * and unpin the tables of the foreigndom it names (frame_owner checked
 * it): the toolstack pinning a new domain's L4. The tree is validated in
 * one go (the new domain's validation state is not the caller's to
 * continue). As on Xen, clear_page and copy_page act on the foreigndom's
 * frames too (DOMID_XEN and DOMID_IO own none: -EINVAL); anything else
 * for another domain is -EPERM.
 */
static int apply_mmuext_op(struct vcpu *v, struct domain *fd, const void *entry)
{
	const struct mmuext_op *op = entry;

	if (fd != v->domain && op->cmd > MMUEXT_UNPIN_TABLE &&	/* pins are 0-4 */
	    op->cmd != MMUEXT_CLEAR_PAGE && op->cmd != MMUEXT_COPY_PAGE)
		return trace_err(-EPERM);
	return one_mmuext_op(v, fd, op);
}

long hc_mmuext_op(struct vcpu *v, struct hc_args *a)
{
	return walk_list(v, a, sizeof(struct mmuext_op), false, apply_mmuext_op);
}

void pt_preemptible_begin(void)
{
	pt_preemptible_until(hypercall_preempt_until());
}

/*
 * The entry at ptr, in a validated L1 of d, or -EINVAL as Xen 4.17's
 * update_va_mapping (the frame's type PGT_l1_page_table, under its page
 * lock). The walk reaches another level's table through a linear entry
 * (an L4 holding itself at one slot: va's last level is then that L4);
 * until 5 Dec such an entry was written at its table's level, so one
 * update_va_mapping could validate a whole tree below it, which this
 * call, unlike mmu_update, does not do in pieces. Under d's page-table
 * lock (pt_lock_if_wanted) the L1 stays one until the write.
 */
static int update_l1_entry(struct domain *d, struct domain *fd, paddr_t ptr, uint64_t val)
{
	const struct page_info *pg =
		&frame_table[array_index_nospec(ptr >> PAGE_SHIFT, frame_table_size)];
	bool locked = pt_lock_if_wanted(d);
	int rc;

	if (pg->owner == d->domid && pg->type == PGT_l1 && pg_is_table(pg))
		rc = pt_update_entry_foreign(d, fd, ptr, val, false);
	else
		rc = trace_err(-EINVAL);
	pt_unlock_if(d, locked);
	return rc;
}

static long update_va(struct vcpu *v, struct domain *fd, struct hc_args *a)
{
	uint64_t va = a->arg[0], flags = a->arg[2], how = flags & ~(uint64_t)UVMF_FLUSHTYPE_MASK;
	uint64_t vcpus = 0;
	bool multi;
	paddr_t ptr;
	int rc;

	if (!is_canonical(va) || !guest_range_ok(va, 1))
		return trace_err(-EINVAL);
	if (!guest_l1e_maddr(v->arch.guest_cr3, va, &ptr))
		return trace_err(-EINVAL);
	rc = update_l1_entry(v->domain, fd, ptr, a->arg[1]);
	if (rc)
		return rc;
	/* A vCPU mask pointer in the flags (not LOCAL, not ALL) must be readable. */
	multi = (flags & UVMF_FLUSHTYPE_MASK) != UVMF_NONE && (flags & UVMF_FLUSHTYPE_MASK) != 3 &&
		how != UVMF_LOCAL && how != UVMF_ALL;
	if (multi && !read_vcpumask(how, &vcpus))
		rc = -EFAULT;
	if ((flags & UVMF_FLUSHTYPE_MASK) == UVMF_TLB_FLUSH ||
	    (flags & UVMF_FLUSHTYPE_MASK) == UVMF_INVLPG)
		/* an unreadable mask: ours, as before */
		guest_flush(rc ? 1ULL << smp_processor_id() :
				 flush_targets(v->domain, how == UVMF_LOCAL ? 0 : how == UVMF_ALL ? 1 : 2,
					       vcpus),
			    (flags & UVMF_FLUSHTYPE_MASK) == UVMF_INVLPG, va);
	return rc;
}

long hc_update_va_mapping(struct vcpu *v, struct hc_args *a)
{
	return update_va(v, v->domain, a);
}

/* update_va_mapping_otherdomain (22): the new entry maps a frame of domid. */
long hc_update_va_mapping_otherdomain(struct vcpu *v, struct hc_args *a)
{
	long err = 0;
	struct domain *fd = frame_owner(v->domain, a->arg[3], &err);

	if (!fd)
		return err;
	err = update_va(v, fd, a);
	frame_owner_put(v->domain, fd);
	return err;
}

long hc_vm_assist(struct vcpu *v, struct hc_args *a)
{
	/* Xen's `unsigned int cmd, unsigned int type`: the upper halves ignored. */
	uint32_t cmd = (uint32_t)a->arg[0], type = (uint32_t)a->arg[1];

	/* Xen's order: the type first, then the command (conform-diff) */
	if (type > VMASST_TYPE_runstate_update_flag && type != VMASST_TYPE_m2p_strict)
		return trace_err(-EINVAL);
	if (cmd > VMASST_CMD_disable)
		return trace_err(-ENOSYS);
	if (cmd == VMASST_CMD_enable)
		v->domain->vm_assist |= 1ULL << type;
	else
		v->domain->vm_assist &= ~(1ULL << type);
	return 0;
}
