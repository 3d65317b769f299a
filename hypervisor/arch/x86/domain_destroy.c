// SPDX-License-Identifier: GPL-2.0-only
/*
 * The x86 part of a domain's end (common/domain.c, domain_reap): its vCPU
 * lets go of base pointers, descriptor pages and its vcpu_info page, the
 * pinned tables are unpinned,
 * and once the tables are released, a piece at a time between guest
 * runs, every frame loses its allocation reference. A frame nobody
 * else holds is free at once; one another domain still maps (a grant, a
 * privileged foreign mapping) is freed by the last put_page. The
 * shared_info frame stays with the domain's record: a late event for the
 * dead domain still has somewhere to land.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/mm.h>
#include <hv/page_alloc.h>
#include <hv/hypercall.h>
#include <hv/preempt.h>
#include <hv/hypervisor.h>
#include <hv/cmdline.h>
#include <hv/time.h>
#include <asm/page.h>
#include <asm/pv.h>
#include <asm/x86.h>

static void put_base(struct domain *d, uint64_t *cr3)
{
	if (*cr3)
		put_page_and_type(*cr3 >> PAGE_SHIFT, d);
	*cr3 = 0;
}

static void release_vcpu(struct vcpu *v)
{
	struct domain *d = v->domain;

	/* Its page tables are about to go: run on ours until the next switch. */
	if (this_cpu()->current == v)
		write_cr3(virt_to_maddr(idle_l4));
	vcpu_release_descriptors(v);
	put_base(d, &v->arch.guest_cr3);
	put_base(d, &v->arch.user_cr3);
	vcpu_put_held_cr3(v);
	if (v->vcpu_info_registered) {
		put_page_and_type(v->vcpu_info_mfn, d);
		v->vcpu_info_registered = false;
		v->vcpu_info = v->vcpu_id < XEN_LEGACY_MAX_VCPUS ?
			       &d->shared_info->vcpu_info[v->vcpu_id] : &v->dummy_info;
	}
	v->runstate_area = 0;
}

/* First: the vCPU lets go, the pinned tables are unpinned (released later). */
void arch_domain_destroy_begin(struct domain *d)
{
	struct vcpu *v;
	mfn_t eoi;

	pt_abort(d);
	for_each_vcpu(d, v)
		release_vcpu(v);
	eoi = __atomic_exchange_n(&d->arch.pirq_eoi_mfn, 0, __ATOMIC_ACQ_REL);
	if (eoi)	/* a domU's pirq_eoi_gmfn page */
		put_page_and_type(eoi, d);
	pt_unpin_all(d);
}

/* Then, a step at a time: the tables' release; true when none is left. */
bool arch_domain_destroy_step(struct domain *d)
{
	return pt_release_some(d, false);
}

/*
 * Last: every frame loses its allocation reference, from d->destroy_cursor
 * on; false when hypercall_preempt_now(current, until) said so first
 * (looked at every 4096 frames and after each zeroed batch). The frames freed
 * here are zeroed here too, a batch at a time (scrub_freed_frames): the
 * destroy pays for them, not the next create.
 */
#define FREED_BATCH	256

/*
 * ... but for `destroy_zero_ms` (1 s) of zeroing at most, summed over the
 * whole destroy; what it frees after that is left dirty, to the idle
 * scrubber or the frame's next allocation (Xen 4.17 leaves all of it so).
 * Each step gives the CPU back within about 1 ms, but dom0's Linux (6.1,
 * PREEMPT_DYNAMIC in its default voluntary mode) does not reschedule
 * inside a privcmd hypercall, so the toolstack's task holds dom0's vCPU
 * from the destroydomain's first step to its last: zeroing 256 MiB under
 * TCG on a loaded host took long enough for dom0's soft-lockup watchdog
 * (22 s; docs/benchmarks.md, "The destroy's hold on dom0").
 */
static void zero_freed(struct domain *d, mfn_t *freed, unsigned int n)
{
	uint64_t t;

	if (!n || d->destroy_zero_ns >= hv_opts.destroy_zero_ms * 1000000ULL)
		return;
	t = now_ns();
	d->destroy_zeroed += scrub_freed_frames(freed, n);
	d->destroy_zero_ns += now_ns() - t;
}

bool arch_domain_destroy_end(struct domain *d, uint64_t until)
{
	mfn_t freed[FREED_BATCH];
	unsigned int n = 0;
	mfn_t mfn;

	for (mfn = d->destroy_cursor; mfn < frame_table_size; mfn++) {
		if (n == FREED_BATCH) {
			zero_freed(d, freed, n);
			n = 0;
			if (hypercall_preempt_now(this_cpu()->current, until)) {
				d->destroy_cursor = mfn;
				return false;
			}
		}
		if (!(mfn % 4096) && mfn != d->destroy_cursor &&
		    hypercall_preempt_now(this_cpu()->current, until)) {
			zero_freed(d, freed, n);
			d->destroy_cursor = mfn;
			return false;
		}
		if (frame_relinquish(mfn, d)) {
			d->destroy_freed++;
			freed[n++] = mfn;
		}
	}
	zero_freed(d, freed, n);
	d->destroy_cursor = 0;
	d->nr_pages = 0;	/* nothing gives a dying domain frames (memory_op.c) */
	return true;
}
