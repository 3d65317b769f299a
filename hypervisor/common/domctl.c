// SPDX-License-Identifier: GPL-2.0-only
/*
 * The toolstack's interface, dom0 only: domctl (domctl.h), a domain's
 * life from createdomain to destroydomain as Xen 4.17 gives it, and
 * hvm_op: get_param for the rings of the domains built at boot, the other
 * operations as Xen answers a PV caller (hvm_op.h).
 * Every argument is checked as Xen checks it, with Xen's error codes; a
 * command names an existing domain (-ESRCH otherwise) except
 * createdomain and getdomaininfo. Other commands answer -ENOSYS.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/domctl.h>
#include <hv/event.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <hv/hypervisor.h>
#include <hv/mm.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <asm/page.h>
#include <asm/pv.h>
#include <lamina/domctl.h>
#include <lamina/hvm_op.h>
#include <lamina/vcpu.h>

/* ns the vCPU has run, this turn included. */
uint64_t vcpu_cpu_time(const struct vcpu *v)
{
	struct vcpu_runstate_info rs;

	vcpu_runstate_get(v, &rs);
	return rs.time[RUNSTATE_running];
}

/*
 * As Xen 4.17: blocked when every vCPU up is blocked, running when one
 * runs, the time of all; max_vcpu_id the last created.
 */
void domctl_get_info(const struct domain *d, struct domctl_getdomaininfo *info)
{
	const struct vcpu *v;
	uint32_t flags = DOMINF_blocked;

	memset(info, 0, sizeof(*info));
	info->domain = d->domid;
	info->max_vcpu_id = INVALID_MAX_VCPU_ID;
	for_each_vcpu(d, v) {
		info->max_vcpu_id = v->vcpu_id;
		info->cpu_time += vcpu_cpu_time(v);
		if (v->state != VCPU_DOWN) {
			info->nr_online_vcpus++;
			flags &= v->state == VCPU_BLOCKED ? ~0U : ~DOMINF_blocked;
			flags |= __atomic_load_n(&v->is_running, __ATOMIC_RELAXED) ? DOMINF_running : 0;
		}
	}
	if (!info->nr_online_vcpus)
		flags = 0;
	flags |= d->destroyed ? DOMINF_dying : 0;
	flags |= d->controller_pause_count ? DOMINF_paused : 0;	/* Xen's: the toolstack's */
	if (d->state != DOMAIN_RUNNING)
		flags |= DOMINF_shutdown | d->shutdown_reason << DOMINF_SHUTDOWN_SHIFT;
	else
		flags |= 0xffffU << DOMINF_SHUTDOWN_SHIFT;	/* no shutdown code yet */
	info->flags = flags;
	info->tot_pages = domain_tot_pages(d);	/* destroyed: nr_held alone */
	info->max_pages = d->max_pages;
	info->shared_info_frame = d->shared_info_mfn;
	memcpy(info->handle, d->handle, sizeof(info->handle));
	info->gpaddr_bits = gpaddr_bits;
	info->emulation_flags = d->emulation_flags;
}

/* Xen's checks of a new domain's configuration, in Xen's order. */
static long check_config(const struct domctl_createdomain *c)
{
	unsigned int version = c->grant_opts & DOMCTL_GRANT_version_mask;
	int32_t frames = c->max_grant_frames < 0 ? (int32_t)hv_opts.gnttab_max_frames :
						    c->max_grant_frames;

	if (c->flags & ~DOMCTL_CDF_MASK || c->grant_opts & ~DOMCTL_GRANT_version_mask)
		return trace_err(-EINVAL);
	/* Xen 4.17's PV limit is 8192 (MAX_VIRT_CPUS); Lamina's CONFIG_MAX_VCPUS. */
	if (c->max_vcpus < 1 || c->max_vcpus > CONFIG_MAX_VCPUS)
		return trace_err(-EINVAL);
	/* No HVM, HAP, IOMMU, vPMU, nested virtualization or vmtrace here. */
	if (c->flags & (DOMCTL_CDF_hvm | DOMCTL_CDF_hap | DOMCTL_CDF_iommu | DOMCTL_CDF_vpmu |
			DOMCTL_CDF_nested_virt | DOMCTL_CDF_s3_integrity))
		return trace_err(-EINVAL);
	if (c->iommu_opts || c->vmtrace_size || c->misc_flags & ~X86_MSR_RELAXED)
		return trace_err(-EINVAL);
	if (c->emulation_flags && c->emulation_flags != X86_EMU_PIT)
		return trace_err(-EOPNOTSUPP);
	if (!version || version > hv_opts.gnttab_max_version)
		return trace_err(-EINVAL);
	if (frames < 1 || frames > (int32_t)hv_opts.gnttab_max_frames ||
	    c->max_maptrack_frames > (int32_t)hv_opts.gnttab_max_maptrack)
		return trace_err(-EINVAL);
	return 0;
}

/*
 * The id asked for (1 .. DOMID_FIRST_RESERVED - 1, -EEXIST if taken), or
 * for 0 or a reserved one the next free id after the last one chosen,
 * wrapping to 1 (Xen's rover): ids come round again only after the others.
 */
static long pick_domid(domid_t want, domid_t *id)
{
	static domid_t rover;
	domid_t dom;

	if (want > 0 && want < DOMID_FIRST_RESERVED) {
		if (!domain_id_is_free(want))
			return trace_err(-EEXIST);
		*id = want;
		return 0;
	}
	if (domain_count() >= CONFIG_MAX_DOMAINS)
		return trace_err(-ENOMEM);
	for (dom = rover + 1; dom != rover; dom++) {
		if (dom == DOMID_FIRST_RESERVED)
			dom = 1;
		if (domain_id_is_free(dom))
			break;
	}
	if (dom == rover)
		return trace_err(-ENOMEM);
	*id = rover = dom;
	return 0;
}

/* A new domain as Xen leaves it: no vCPU yet, no memory, paused once. */
static void init_created(struct domain *d, struct domctl_createdomain *c)
{
	d->reap_on_shutdown = false;
	d->max_evtchn_port = MIN(c->max_evtchn_port, 0x7fffffffU);
	if (c->max_grant_frames >= 0)		/* < 0: the options' (domain_alloc) */
		d->max_grant_frames = c->max_grant_frames;
	if (c->max_maptrack_frames >= 0)
		d->max_maptrack_frames = c->max_maptrack_frames;
	d->max_grant_version = c->grant_opts & DOMCTL_GRANT_version_mask;	/* 1 or 2 */
	d->creation_finished = false;
	d->controller_pause_count = 1;	/* its vCPUs, made later, start held by it */
	d->pause_count = 1;
	memcpy(d->handle, c->handle, sizeof(d->handle));
	d->ssidref = c->ssidref;
	c->flags |= DOMCTL_CDF_oos_off;		/* what a PV domain always gets */
	d->cdf_flags = c->flags;
	d->emulation_flags = c->emulation_flags;
	d->misc_flags = c->misc_flags;
	wallclock_init(d);
}

/*
 * One createdomain at a time (Xen 4.17 runs it under its domctl lock):
 * the id chosen (the rover with it) stays free while the domain is made,
 * and two creates never choose one id. The domain is made off the list
 * and put on it whole: no other domctl, on another CPU, finds it half
 * made (a destroy there freed the record under the making).
 */
static spinlock_t create_lock = SPINLOCK_INIT_LEVEL(LOCK_LEVEL_CREATE);

static long create_domain(struct domctl *op)
{
	struct domctl_createdomain *c = &op->u.createdomain;
	struct domain *d;
	domid_t id;
	long rc;

	spin_lock(&create_lock);
	/* Xen picks the id first: a refused configuration still moves the rover. */
	rc = pick_domid(op->domain, &id);
	if (!rc)
		rc = check_config(c);
	if (rc)
		goto out;
	d = domain_new(id, "domU", false);
	if (!d) {
		rc = trace_err(-ENOMEM);
		goto out;
	}
	if (domain_shared_info_init(d) || domain_vcpus_alloc(d, c->max_vcpus))
		rc = trace_err(-ENOMEM);
	else
		init_created(d, c);
	if (!rc) {
		get_domain(d);	/* once listed, another CPU may destroy it */
		rc = domain_publish(d);	/* never refused: the id and the slot were checked */
	}
	if (rc) {
		domain_free_unlisted(d);
		goto out;
	}
	/* Again, listed: a platform settime meanwhile did not see it. */
	domain_with_shared_info(d, wallclock_init);
	put_domain(d);
	op->domain = id;
	pr_info("d%u: created by d%u, paused\n", id, current_vcpu()->domain->domid);
out:
	spin_unlock(&create_lock);
	return rc;
}

/*
 * Xen 4.17: max must be createdomain's; creates the vCPUs not yet made,
 * down. Under d->vcpu_ctx_lock (Xen holds its domctl lock): two of dom0's
 * vCPUs asking at once would otherwise both find a slot empty and both
 * create its vCPU. The second finds them made and answers 0, as on Xen.
 */
static long max_vcpus(struct vcpu *v, struct domain *d, uint32_t max)
{
	unsigned int i;
	long rc = 0;

	if (d == v->domain || max != d->max_vcpus)
		return trace_err(-EINVAL);
	spin_lock(&d->vcpu_ctx_lock);
	for (i = 0; i < max && !rc; i++)
		if (!d->vcpu[i] && !vcpu_create(d, i))
			rc = trace_err(-ENOMEM);
	spin_unlock(&d->vcpu_ctx_lock);
	return rc;
}

/* Each CPU's, for the domctl it runs (a hypercall runs on one CPU, start to end). */
static struct vcpu_guest_context ctxt_bufs[MAX_CPUS];
#define ctxt_buf	ctxt_bufs[smp_processor_id()]

static long set_vcpu_context(struct vcpu *v, struct domain *d, const struct domctl *op)
{
	struct vcpu *t = domain_vcpu(d, op->u.vcpucontext.vcpu);

	if (d == v->domain || !t)
		return trace_err(-EINVAL);
	/*
	 * Held while its state changes, as Xen 4.17 holds it: the vCPU for
	 * a reset (vcpu_reset's vcpu_pause), the domain for a new context
	 * (domain_pause). Each hold is one more pause, undone by its own
	 * unpause, so it never ends another owner's (pausedomain's, say).
	 */
	if (!op->u.vcpucontext.ctxt) {
		long rc;

		vcpu_pause(t);
		spin_lock(&d->vcpu_ctx_lock);
		/* Dying: its destroy lets go of what a reset would (domain.c). */
		rc = d->dying ? 0 : arch_vcpu_reset(t);	/* Xen's vcpu_reset */
		if (!rc)
			sched_pin_override_end(t);	/* as Xen's vcpu_reset */
		spin_unlock(&d->vcpu_ctx_lock);
		vcpu_unpause(t);
		return rc;
	}
	if (copy_from_guest(&ctxt_buf, op->u.vcpucontext.ctxt, sizeof(ctxt_buf)))
		return -EFAULT;
	{
		long rc;

		domain_pause(d);
		spin_lock(&d->vcpu_ctx_lock);	/* against the domain's VCPUOP_initialise */
		/* Dying: references taken now would never be let go (domain.c). */
		rc = d->dying ? trace_err(-EINVAL) : arch_set_vcpu_context(t, &ctxt_buf);
		spin_unlock(&d->vcpu_ctx_lock);
		domain_unpause(d);
		return rc;
	}
}

/* Any vCPU but the caller (Xen 4.17: its own domain's others too). */
static long get_vcpu_context(struct vcpu *v, struct domain *d, const struct domctl *op)
{
	struct vcpu *t = domain_vcpu(d, op->u.vcpucontext.vcpu);

	if (!t || t == v)
		return trace_err(-EINVAL);
	if (!t->initialised)
		return trace_err(-ENODATA);
	if (t->domain != v->domain) {
		vcpu_pause(t);		/* Xen's: its state all in memory while read */
		arch_get_vcpu_context(t, &ctxt_buf);
		vcpu_unpause(t);
	} else {
		arch_get_vcpu_context(t, &ctxt_buf);	/* its own domain's: as it was saved */
	}
	return copy_to_guest(op->u.vcpucontext.ctxt, &ctxt_buf, sizeof(ctxt_buf)) ? -EFAULT : 0;
}

static long get_vcpu_info(struct domain *d, struct domctl_getvcpuinfo *info)
{
	const struct vcpu *v;

	if (info->vcpu >= d->max_vcpus)
		return trace_err(-EINVAL);
	v = domain_vcpu(d, info->vcpu);
	if (!v)
		return trace_err(-ESRCH);
	info->online = v->state != VCPU_DOWN;
	info->blocked = v->state == VCPU_BLOCKED || v->blocked_down;	/* Xen's VPF_blocked */
	info->running = __atomic_load_n(&v->is_running, __ATOMIC_RELAXED);
	info->cpu_time = vcpu_cpu_time(v);
	info->cpu = v->processor;	/* the CPU it runs on, or whose run queue it is on */
	return 0;
}

/*
 * A guest bitmap's length in bytes as Xen 4.17 counts it: nr_bits rounded
 * up in 32 bits, so nr_bits from 0xfffffff9 up is a map of no byte (XSA-307
 * row of guest/attack-xsa-sched; counted in 64 bits, getvcpuaffinity and
 * setvcpuaffinity's answer zeroed 512 MiB of the caller past its map).
 */
static uint32_t bitmap_bytes(const struct domctl_bitmap *b)
{
	return (uint32_t)(b->nr_bits + 7) / 8;
}

/* A guest CPU bitmap as a mask of the first SCHED_NR_CPUS CPUs. */
static long bitmap_in(const struct domctl_bitmap *b, uint64_t *mask)
{
	uint8_t bytes[(SCHED_NR_CPUS + 7) / 8] = { 0 };
	uint32_t len = bitmap_bytes(b);
	unsigned int n = MIN(MIN(b->nr_bits, len * 8), SCHED_NR_CPUS), i;

	if (n && copy_from_guest(bytes, b->bitmap, (n + 7) / 8))
		return -EFAULT;
	for (*mask = 0, i = 0; i < n; i++)
		*mask |= (uint64_t)((bytes[i / 8] >> (i % 8)) & 1) << i;
	return 0;
}

/* bitmap_in for sysctl (tbuf_op's CPU map): 0 or -EFAULT. */
long domctl_cpumask_in(const struct domctl_bitmap *b, uint64_t *mask)
{
	return bitmap_in(b, mask);
}

/*
 * A map of n bytes into the guest's bitmap as Xen's bitmap_to_xenctl_bitmap:
 * as many whole bytes as both have, the rest of the guest's bytes zero.
 */
static long bitmap_bytes_out(const struct domctl_bitmap *b, const uint8_t *bytes, uint32_t n)
{
	uint8_t zero[64] = { 0 };
	uint64_t len = bitmap_bytes(b), done, i;

	done = MIN(len, n);
	if (done && copy_to_guest(b->bitmap, bytes, done))
		return -EFAULT;
	for (; done < len; done += i) {
		i = MIN(len - done, sizeof(zero));
		if (copy_to_guest(b->bitmap + done, zero, i))
			return -EFAULT;
	}
	return 0;
}

/*
 * mask into the guest's bitmap: its first nr_bits bits, the rest of its
 * bytes zero. As Xen's, only the CPUs the machine has (nr_cpu_ids there,
 * smp_nr_possible here) are ever set.
 */
long domctl_bitmap_out(const struct domctl_bitmap *b, uint64_t mask)
{
	uint8_t bytes[(SCHED_NR_CPUS + 7) / 8] = { 0 };
	unsigned int i;

	mask &= (1ULL << smp_nr_possible()) - 1;
	for (i = 0; i < SCHED_NR_CPUS; i++)
		bytes[i / 8] |= ((mask >> i) & 1) << (i % 8);
	return bitmap_bytes_out(b, bytes, sizeof(bytes));
}

/*
 * setvcpuaffinity's change, under the domain's vcpu_ctx_lock as Xen 4.17
 * makes it under its scheduler lock: a SCHEDOP_pin_override (sched.c) or
 * a reset's end of one on another CPU takes the same lock, so a pin is
 * never lost between the -EBUSY check and the new map, nor its saved
 * map. in_rc: the maps' copy-in results (read before the lock); out: the
 * effective maps. 0, or the error; *hard_set when the hard map changed.
 */
static long set_affinity_locked(struct vcpu *v, uint32_t flags, const long in_rc[2],
				uint64_t map[2], bool *hard_set)
{
	if (flags & VCPUAFFINITY_FORCE)
		sched_pin_override_end(v);
	if (v->pin_override)		/* Xen: affinity_broken */
		return trace_err(-EBUSY);
	if (flags & VCPUAFFINITY_HARD) {
		if (in_rc[0])
			return in_rc[0];
		if (!(map[0] & smp_online_mask()))
			return trace_err(-EINVAL);
		sched_set_affinity(v, map[0]);
		map[0] &= smp_online_mask();
		*hard_set = true;
	}
	if (flags & VCPUAFFINITY_SOFT) {
		if (in_rc[1])
			return in_rc[1];
		v->soft_affinity = map[1];
		map[1] &= v->hard_affinity & smp_online_mask();
	}
	return 0;
}

/*
 * set/getvcpuaffinity, Xen 4.17's vcpu_affinity_domctl: a vCPU id past
 * max_vcpus -EINVAL, one not created -ESRCH, neither map asked -EINVAL;
 * a hard map with no online CPU -EINVAL, a vCPU under SCHEDOP_pin_override
 * -EBUSY (unless VCPUAFFINITY_FORCE ends that). Set answers with the effective
 * maps (hard with the online CPUs, soft with hard too), get with the
 * stored ones. A new hard map moves the vCPU off a CPU outside it
 * (sched_set_affinity: at once, or at its next schedule if it runs).
 */
static long vcpu_affinity(struct domain *d, uint32_t cmd, struct domctl_vcpuaffinity *a)
{
	long rc, out_rc, in_rc[2] = { 0, 0 };
	uint64_t map[2] = { 0, 0 };	/* hard, soft */
	bool hard_set = false;
	struct vcpu *v;

	if (a->vcpu >= d->max_vcpus)
		return trace_err(-EINVAL);
	v = domain_vcpu(d, a->vcpu);
	if (!v)
		return trace_err(-ESRCH);
	if (!(a->flags & (VCPUAFFINITY_HARD | VCPUAFFINITY_SOFT)))
		return trace_err(-EINVAL);
	if (cmd == DOMCTL_getvcpuaffinity) {
		rc = a->flags & VCPUAFFINITY_HARD ? domctl_bitmap_out(&a->cpumap_hard, v->hard_affinity) : 0;
		if (!rc && (a->flags & VCPUAFFINITY_SOFT))
			rc = domctl_bitmap_out(&a->cpumap_soft, v->soft_affinity);
		return rc;
	}
	if (a->flags & VCPUAFFINITY_HARD)
		in_rc[0] = bitmap_in(&a->cpumap_hard, &map[0]);
	if (a->flags & VCPUAFFINITY_SOFT)
		in_rc[1] = bitmap_in(&a->cpumap_soft, &map[1]);
	spin_lock(&d->vcpu_ctx_lock);	/* no guest memory copied under it */
	rc = set_affinity_locked(v, a->flags, in_rc, map, &hard_set);
	spin_unlock(&d->vcpu_ctx_lock);
	/* The hard map set, its answer is written even when the soft one faulted. */
	if (hard_set && (out_rc = domctl_bitmap_out(&a->cpumap_hard, map[0])))
		return out_rc;
	if (rc || !(a->flags & VCPUAFFINITY_SOFT))
		return rc;
	return domctl_bitmap_out(&a->cpumap_soft, map[1]);
}

static long set_address_size(uint32_t size)
{
	if (size == 64)
		return 0;
	/* 32 would make it a compat domain: Lamina runs 64-bit guests only. */
	return size == 32 ? trace_err(-EOPNOTSUPP) : trace_err(-EINVAL);
}

static long get_domain_info(struct domctl *op)
{
	struct domain *d;

	if (op->domain >= DOMID_FIRST_RESERVED)
		return trace_err(-EINVAL);
	d = get_domain_at_or_after(op->domain);
	if (!d)
		return -ESRCH;
	op->domain = d->domid;
	domctl_get_info(d, &op->u.getdomaininfo);
	put_domain(d);
	return 0;
}

/* The commands io_passthrough answers (the one list of them). */
static bool is_io_passthrough(uint32_t cmd)
{
	switch (cmd) {
	case DOMCTL_ioport_permission:
	case DOMCTL_bind_pt_irq:
	case DOMCTL_ioport_mapping:
	case DOMCTL_unbind_pt_irq:
	case DOMCTL_get_device_group:
		return true;
	default:
		return false;
	}
}

/*
 * The I/O port, passthrough IRQ and IOMMU commands on an existing domain,
 * for any caller, answered as Xen 4.17 answers them about a PV domain on
 * a machine without an IOMMU, each with its checks before its privilege
 * check: bind_pt_irq and unbind_pt_irq are for HVM domains only (-EINVAL),
 * ioport_mapping too (-EOPNOTSUPP), get_device_group needs an IOMMU
 * (-EOPNOTSUPP); ioport_permission's range must be non-empty, not wrap and
 * end by port 0xffff (-EINVAL), then a domU is refused (-EPERM). dom0
 * gives or takes back (allow_access) ports it has itself, else -EPERM as
 * Xen: not the hypervisor's (PIC, PIT, console UART, test-exit port) nor
 * PCI's data ports 0xCFC-0xCFF. The list is d's (io_caps_change); dom0
 * has none and keeps every port it has (a grant or revoke for dom0
 * itself is 0 and changes nothing: docs/conformance.md).
 */
static long io_passthrough(const struct domain *caller, struct domain *d,
			   const struct domctl *op)
{
	uint32_t first, last;

	switch (op->cmd) {
	case DOMCTL_bind_pt_irq:
	case DOMCTL_unbind_pt_irq:
		return trace_err(-EINVAL);
	case DOMCTL_ioport_mapping:
	case DOMCTL_get_device_group:
		return trace_err(-EOPNOTSUPP);
	default:	/* ioport_permission */
		first = op->u.ioport_permission.first_port;
		if (!ioport_span(first, op->u.ioport_permission.nr_ports, &last))
			return trace_err(-EINVAL);
		if (!caller->is_privileged || port_is_hypervisors(first, last + 1 - first) ||
		    (first <= 0xCFF && last >= 0xCFC))
			return trace_err(-EPERM);
		if (d->is_privileged)
			return 0;
		return io_caps_change(d, IO_PORTS, op->u.ioport_permission.allow_access, first, last);
	}
}

static long domctl_refusal(const struct domain *caller, struct domain *d,
			   const struct domctl *op);

/*
 * iomem_permission from dom0, as Xen 4.17: the range must not wrap
 * (-EINVAL), the caller must hold all of it itself (-EPERM: dom0's list,
 * mm_dom0_iomem_init, lacks the local APIC, the MSI range, AMD's
 * HyperTransport window, unusable ranges and anything past the address
 * width, so a zeroed payload, frames 0 to 2^64 - 1, is -EPERM); then the
 * frames are added to or taken from d's list, dom0's own included. A
 * domU's new L1 entries may map the frames its list holds (page_type.c);
 * what it mapped already stays mapped when they are taken back, as on
 * Xen. The list holds IOMEM_RANGES ranges: past that -ENOMEM (Xen's
 * rangeset grows until its heap is out: -ENOMEM then).
 */
static long iomem_permission(struct domain *caller, struct domain *d, const struct domctl *op)
{
	uint64_t first = op->u.iomem_permission.first_mfn;
	uint64_t last = first + op->u.iomem_permission.nr_mfns - 1;

	if (last < first)
		return trace_err(-EINVAL);
	if (!io_caps_cover(caller, IO_MEM, first, last))
		return trace_err(-EPERM);
	return io_caps_change(d, IO_MEM, op->u.iomem_permission.allow_access, first, last);
}

/*
 * getpageframeinfo3 (hypercall_abi domctl.h): each frame's type as Xen
 * 4.17 reads it from its page_info, from one snapshot of the type word. A
 * frame is d's when d owns it and it holds references; one the
 * hypervisor lends (PGF_shared) is Xen's special page, XTAB.
 */
static uint64_t frame_info_type(const struct domain *d, uint64_t mfn)
{
	const struct page_info *pg;
	uint64_t w;
	unsigned int type, flags;

	if (mfn >= frame_table_size)
		return DOMCTL_PFINFO_XTAB;
	pg = &frame_table[array_index_nospec(mfn, frame_table_size)];	/* the caller's index */
	w = pg_type_word(pg);
	if (__atomic_load_n(&pg->owner, __ATOMIC_RELAXED) != d->domid || !pg_refs(pg) ||
	    (TW_FLAGS(w) & PGF_shared))
		return DOMCTL_PFINFO_XTAB;
	type = TW_TYPE(w);
	flags = TW_FLAGS(w);
	if (type < PGT_l1 || type > PGT_l4)
		return DOMCTL_PFINFO_NOTAB;
	if (flags & PGF_pinned)
		return ((uint64_t)type << 28) | DOMCTL_PFINFO_LPINTAB;
	if ((flags & (PGF_validated | PGF_releasing)) != PGF_validated)
		return DOMCTL_PFINFO_NOTAB;	/* a table not in use: Xen has devalidated it */
	return (uint64_t)type << 28;
}

static long page_frame_info(const struct domain *d, const struct domctl *op)
{
	uint64_t n = op->u.getpageframeinfo3.num, a = op->u.getpageframeinfo3.array;
	uint64_t i, mfn, type;

	if (n > DOMCTL_PFINFO_MAX)
		return trace_err(-E2BIG);
	for (i = 0; i < n; i++) {
		if (copy_from_guest(&mfn, a + i * 8, 8))
			return -EFAULT;
		type = frame_info_type(d, mfn);
		if (copy_to_guest(a + i * 8, &type, 8))
			return -EFAULT;
	}
	return 0;
}

/*
 * set_virq_handler: a global VIRQ's domain, after Xen's checks (a VIRQ
 * past NR_VIRQS or a per-vCPU one -EINVAL).
 */
static long virq_handler(struct domain *d, uint32_t virq)
{
	if (virq >= NR_VIRQS || virq_is_per_vcpu(virq))
		return trace_err(-EINVAL);
	return evtchn_set_virq_handler(d, virq);
}

/*
 * setvnumainfo: Xen 4.17's first checks (vnuma_init, vnuma_alloc): the
 * vCPU count must be the domain's, pad 0, 1 to 32 nodes whose distance
 * table fits a page, and no more memory ranges than a page holds (170);
 * then -ENOSYS, Lamina keeps no vNUMA layout.
 */
#define VNUMA_RANGE_SIZE	24	/* struct xen_vmemrange */
static long vnuma_refusal(const struct domain *d, const struct domctl *op)
{
	uint32_t nodes = op->u.vnuma.nr_vnodes;

	if (op->u.vnuma.nr_vcpus != d->max_vcpus || op->u.vnuma.pad)
		return trace_err(-EINVAL);
	if (!nodes || nodes > PAGE_SIZE / 4 / nodes ||
	    op->u.vnuma.nr_vmemranges > PAGE_SIZE / VNUMA_RANGE_SIZE)
		return trace_err(-EINVAL);
	return trace_err(-ENOSYS);
}

/*
 * monitor_op as Xen 4.17 answers it about a PV domain, which has no
 * monitor capability: the caller's own domain -EPERM; enable/disable an
 * event above 31 -EINVAL, else -EOPNOTSUPP; get_capabilities none (event
 * 0, copied back); emulate_each_rep -EINVAL (no vm_event ring);
 * control_registers 0 (a flag no PV event reads); others -EOPNOTSUPP.
 */
#define MONITOR_OP_ENABLE		0
#define MONITOR_OP_DISABLE		1
#define MONITOR_OP_GET_CAPABILITIES	2
#define MONITOR_OP_EMULATE_EACH_REP	3
#define MONITOR_OP_CONTROL_REGISTERS	4
static long monitor_op(const struct vcpu *v, const struct domain *d, struct domctl *op, bool *out)
{
	if (d == v->domain)
		return trace_err(-EPERM);
	switch (op->u.monitor_op.op) {
	case MONITOR_OP_ENABLE:
	case MONITOR_OP_DISABLE:
		return trace_err(op->u.monitor_op.event > 31 ? -EINVAL : -EOPNOTSUPP);
	case MONITOR_OP_GET_CAPABILITIES:
		op->u.monitor_op.event = 0;
		*out = true;
		return 0;
	case MONITOR_OP_EMULATE_EACH_REP:
		return trace_err(-EINVAL);
	case MONITOR_OP_CONTROL_REGISTERS:
		*out = true;
		return 0;
	default:
		return trace_err(-EOPNOTSUPP);
	}
}

/* psr_alloc: Xen 4.17's commands 0-9 find no PSR (-ENODEV), others -EOPNOTSUPP. */
#define PSR_ALLOC_LAST_CMD	9	/* XEN_DOMCTL_PSR_GET_MBA_THRTL */

/*
 * The vCPU state commands Lamina does not offer (the extended context,
 * XSAVE state, MSRs), after Xen 4.17's checks: a vCPU that does not
 * exist -ESRCH, then the caller's own vCPU (which it would pause) -ESRCH
 * for the extended context, -EINVAL for the others; then -ENOSYS.
 */
static long vcpu_state_refusal(const struct vcpu *v, struct domain *d, const struct domctl *op)
{
	uint32_t id = op->u.vcpucontext.vcpu;	/* each struct's first field */

	if (id >= d->max_vcpus || !domain_vcpu(d, id))
		return trace_err(-ESRCH);
	if (domain_vcpu(d, id) == v)
		return trace_err(op->cmd == DOMCTL_get_ext_vcpucontext ? -ESRCH : -EINVAL);
	return trace_err(-ENOSYS);
}

/*
 * Node affinity over Xen's MAX_NUMNODES, 64 nodes, node 0 the only one
 * online. As Xen 4.17's domain_set_node_affinity: a map without node 0
 * is -EINVAL, all 64 nodes means automatic again (node 0, the nodes of
 * the vCPUs' CPUs), another map is kept as given and read back by
 * getnodeaffinity. The map is read as xenctl_bitmap_to_bitmap: its first
 * min(its bytes, 8) bytes, bits past nr_bits clear.
 */
static long set_node_affinity(struct domain *d, const struct domctl_bitmap *b)
{
	uint8_t bytes[8] = { 0 };
	uint32_t len = MIN(bitmap_bytes(b), sizeof(bytes));
	uint64_t nodes = 0;
	unsigned int i;

	if (len && copy_from_guest(bytes, b->bitmap, len))
		return -EFAULT;
	if (len && (b->nr_bits & 7) && len == bitmap_bytes(b))
		bytes[len - 1] &= (uint8_t)~(0xffU << (b->nr_bits & 7));
	for (i = 0; i < sizeof(bytes); i++)
		nodes |= (uint64_t)bytes[i] << (8 * i);
	if (!(nodes & 1))
		return trace_err(-EINVAL);
	d->node_affinity = nodes == ~0ULL ? 0 : nodes;
	return 0;
}

static long node_affinity_out(const struct domain *d, const struct domctl_bitmap *b)
{
	uint64_t nodes = d->node_affinity ? d->node_affinity : 1;
	uint8_t bytes[8];
	unsigned int i;

	for (i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)(nodes >> (8 * i));
	return bitmap_bytes_out(b, bytes, sizeof(bytes));
}

/*
 * settscinfo on another domain: Lamina leaves every guest's TSC native
 * (rdtsc runs on the CPU), which is what Xen 4.17's tsc_set_info gives a
 * PV domain in mode NEVER_EMULATE, and in DEFAULT on a host with a safe
 * TSC at the host's frequency (gtsc_khz 0 or cpu_khz: what libxl passes
 * at create). Emulation (ALWAYS_EMULATE, or DEFAULT at another
 * frequency) is not offered: -EOPNOTSUPP; an unknown mode -EINVAL, as
 * Xen. dom0 is never emulated on Xen: any known mode is 0 there.
 */
static long tsc_info(struct domain *d, const struct domctl *op)
{
	uint32_t mode = op->u.tsc_info.tsc_mode, khz = op->u.tsc_info.gtsc_khz;

	if (d->is_privileged)
		return 0;
	if (mode == TSC_MODE_NEVER_EMULATE ||
	    (mode == TSC_MODE_DEFAULT && (khz == 0 || khz == tsc_khz())))
		return 0;
	return trace_err(mode == TSC_MODE_ALWAYS_EMULATE || mode == TSC_MODE_DEFAULT ?
			 -EOPNOTSUPP : -EINVAL);
}

/* The commands that act on an existing domain d; *out: copy op back. */
static long domain_op(struct vcpu *v, struct domain *d, struct domctl *op, bool *out)
{
	int rc;

	if (is_io_passthrough(op->cmd))
		return io_passthrough(v->domain, d, op);
	switch (op->cmd) {
	case DOMCTL_destroydomain:
		if (d == v->domain)
			return trace_err(-EINVAL);
		/* the same call again while the reaper is busy or the domain's memory goes back */
		rc = domain_kill(d);
		return rc == -ERESTART ? hypercall_continue() : rc;
	case DOMCTL_pausedomain:
		return d == v->domain ? trace_err(-EINVAL) : domain_pause_by_controller(d);
	case DOMCTL_unpausedomain:
		return domain_unpause_by_controller(d);
	case DOMCTL_resumedomain:
		return d == v->domain ? trace_err(-EINVAL) : domain_resume(d);
	case DOMCTL_max_vcpus:
		return max_vcpus(v, d, op->u.max_vcpus.max);
	case DOMCTL_max_mem:
		d->max_pages = MIN(op->u.max_mem.max_memkb >> (PAGE_SHIFT - 10), 0xffffffffULL);
		return 0;
	case DOMCTL_setvcpucontext:
		return set_vcpu_context(v, d, op);
	case DOMCTL_getvcpucontext:
		return get_vcpu_context(v, d, op);
	case DOMCTL_getvcpuinfo:
		*out = true;
		return get_vcpu_info(d, &op->u.getvcpuinfo);
	case DOMCTL_setvcpuaffinity:
	case DOMCTL_getvcpuaffinity:
		*out = true;
		return vcpu_affinity(d, op->cmd, &op->u.vcpuaffinity);
	case DOMCTL_hypercall_init:
		return pv_init_hypercall_page(d, op->u.hypercall_init.gmfn);
	case DOMCTL_settimeoffset:
		d->time_offset = op->u.settimeoffset.time_offset_seconds;
		domain_with_shared_info(d, wallclock_init);	/* a dead domain's page may be gone */
		return 0;
	case DOMCTL_set_address_size:
		return set_address_size(op->u.address_size.size);
	case DOMCTL_get_address_size:	/* every domain is a 64-bit PV one */
		op->u.address_size.size = 64;
		*out = true;
		return 0;
	case DOMCTL_assign_device:	/* Xen 4.17's answer without an IOMMU (conform-diff) */
	case DOMCTL_deassign_device:
	case DOMCTL_test_assign_device:
		return trace_err(-EOPNOTSUPP);
	/*
	 * As Xen 4.17 answers dom0 about a PV domain (conform-diff; each was
	 * -ENOSYS): the HVM-only commands -EINVAL, gettscinfo of the caller
	 * itself -EINVAL (it would pause itself; of another domain it stays
	 * -ENOSYS), psr_cmt_op -ENODEV (no cache monitoring), set_target's
	 * checks as a domU meets them before its -EPERM.
	 */
	case DOMCTL_gethvmcontext:
	case DOMCTL_sethvmcontext:
	case DOMCTL_gethvmcontext_partial:
	case DOMCTL_debug_op:
	case DOMCTL_set_broken_page_p2m:
		return trace_err(-EINVAL);
	case DOMCTL_gettscinfo:
		return trace_err(d == v->domain ? -EINVAL : -ENOSYS);
	case DOMCTL_psr_cmt_op:
		return trace_err(-ENODEV);
	case DOMCTL_set_target:
		return domctl_refusal(v->domain, d, op);
	case DOMCTL_vmtrace_op:		/* no domain has a vmtrace buffer */
		return trace_err(-EINVAL);
	case DOMCTL_get_paging_mempool_size:
	case DOMCTL_set_paging_mempool_size:	/* PV: no paging pool */
		return trace_err(-EOPNOTSUPP);
	case DOMCTL_get_ext_vcpucontext:
	case DOMCTL_getvcpuextstate:
	case DOMCTL_get_vcpu_msrs:
	case DOMCTL_set_vcpu_msrs:
		return vcpu_state_refusal(v, d, op);
	case DOMCTL_getpageframeinfo3:
		return page_frame_info(d, op);
	case DOMCTL_iomem_permission:
		return iomem_permission(v->domain, d, op);
	case DOMCTL_get_cpu_policy:
		*out = true;
		return domctl_cpu_policy(d, &op->u.cpu_policy);
	case DOMCTL_set_cpu_policy:	/* the struct back on an error only (err_*) */
		if (d == v->domain)
			return trace_err(-EINVAL);
		if (d->creation_finished)
			return trace_err(-EEXIST);
		rc = domctl_set_cpu_policy(d, &op->u.cpu_policy);
		*out = rc != 0;
		return rc;
	case DOMCTL_getnodeaffinity:
		return node_affinity_out(d, &op->u.nodeaffinity);
	case DOMCTL_setnodeaffinity:
		return set_node_affinity(d, &op->u.nodeaffinity);
	case DOMCTL_settscinfo:
		return d == v->domain ? trace_err(-EINVAL) : tsc_info(d, op);
	case DOMCTL_memory_mapping:	/* Xen's checks; a PV domain has no p2m to map into */
		return domctl_refusal(v->domain, d, op);
	case DOMCTL_set_virq_handler:
		return virq_handler(d, op->u.set_virq_handler.virq);
	case DOMCTL_setvnumainfo:
		return vnuma_refusal(d, op);
	case DOMCTL_monitor_op:
		return monitor_op(v, d, op, out);
	case DOMCTL_psr_alloc:
		return trace_err(op->u.psr_alloc.cmd <= PSR_ALLOC_LAST_CMD ? -ENODEV : -EOPNOTSUPP);
	default:
		return trace_err(-ENOSYS);
	}
}

/*
 * What Xen 4.17 checks of a domU's command on domain d before its XSM
 * hook refuses it (-EPERM): the frame ranges of iomem_permission and
 * memory_mapping (which dom0 passes: 0, as Xen, for a domain that is PV
 * so has no p2m to change), set_target's other domain, which is never an HVM one
 * here (-EOPNOTSUPP), and the I/O port, passthrough IRQ and IOMMU
 * commands' own checks (io_passthrough).
 */
static long domctl_refusal(const struct domain *caller, struct domain *d,
			   const struct domctl *op)
{
	uint64_t mfn, end, gfn, nr;
	struct domain *e;
	long rc;

	if (is_io_passthrough(op->cmd))
		return io_passthrough(caller, d, op);
	switch (op->cmd) {
	case DOMCTL_iomem_permission:
		mfn = op->u.iomem_permission.first_mfn;
		if (mfn + op->u.iomem_permission.nr_mfns - 1 < mfn)
			return trace_err(-EINVAL);
		break;
	case DOMCTL_memory_mapping:
		gfn = op->u.memory_mapping.first_gfn;
		mfn = op->u.memory_mapping.first_mfn;
		nr = op->u.memory_mapping.nr_mfns;
		end = mfn + nr - 1;
		if (end < mfn || ((mfn | end) >> (paddr_bits - PAGE_SHIFT)) || gfn + nr - 1 < gfn)
			return trace_err(-EINVAL);
		if (caller->is_privileged)
			return 0;	/* Xen: allowed, and nothing to do for a PV domain */
		break;
	case DOMCTL_set_target:
		e = get_domain_by_id(op->u.set_target.target);
		if (!e)
			return trace_err(-ESRCH);
		rc = e == d ? -EINVAL : -EOPNOTSUPP;	/* compared while e is held */
		put_domain(e);
		return trace_err(rc);
	}
	return trace_err(-EPERM);
}

/*
 * An unprivileged caller: Xen 4.17 looks the domain up before its XSM
 * check refuses the command, so a domain that is not there is -ESRCH
 * (getdomaininfo: a reserved id -EINVAL, none at or after it -ESRCH;
 * device assignment: DOMID_IO is a domain, DOMID_INVALID none, or for
 * test_assign_device no domain to look up) and only then domctl_refusal.
 */
static long domctl_unprivileged(const struct domain *caller, const struct domctl *op)
{
	struct domain *d;
	long rc;

	switch (op->cmd) {
	case DOMCTL_createdomain:
		return trace_err(-EPERM);
	case DOMCTL_getdomaininfo:
		if (op->domain >= DOMID_FIRST_RESERVED)
			return trace_err(-EINVAL);
		d = get_domain_at_or_after(op->domain);
		if (d)
			put_domain(d);
		return trace_err(d ? -EPERM : -ESRCH);
	case DOMCTL_assign_device:
	case DOMCTL_deassign_device:
		if (op->domain == DOMID_IO)
			return trace_err(-EPERM);
		break;
	case DOMCTL_test_assign_device:
		if (op->domain == DOMID_INVALID)
			return trace_err(-EPERM);
		break;
	}
	d = get_domain_by_id(op->domain);
	if (!d)
		return trace_err(-ESRCH);
	rc = domctl_refusal(caller, d, op);
	put_domain(d);
	return rc;
}

long hc_domctl(struct vcpu *v, struct hc_args *a)
{
	struct domctl op;
	struct domain *d;
	bool out = false;
	long rc;

	if (copy_from_guest(&op, a->arg[0], sizeof(op)))
		return -EFAULT;
	if (op.interface_version != DOMCTL_INTERFACE_VERSION)
		return trace_err(-EACCES);
	if (!v->domain->is_privileged)
		return domctl_unprivileged(v->domain, &op);
	switch (op.cmd) {
	case DOMCTL_createdomain:
		rc = create_domain(&op);
		out = !rc;
		break;
	case DOMCTL_getdomaininfo:
		rc = get_domain_info(&op);
		out = !rc;
		break;
	/*
	 * Device assignment names DOMID_IO (Xen's dom_io, a domain) or, to
	 * test, no domain (DOMID_INVALID): Xen 4.17's IOMMU code then finds
	 * no IOMMU, -EOPNOTSUPP, as Lamina has none (conform-diff; was -ESRCH);
	 * so does domain_op for a domain that exists (was -ENOSYS).
	 */
	case DOMCTL_assign_device:
	case DOMCTL_deassign_device:
	case DOMCTL_test_assign_device:
		if (op.domain == (op.cmd == DOMCTL_test_assign_device ? DOMID_INVALID : DOMID_IO))
			return trace_err(-EOPNOTSUPP);
		/* fall through */
	default:
		d = get_domain_by_id(op.domain);	/* not freed under the op */
		if (!d)
			return trace_err(-ESRCH);
		rc = domain_op(v, d, &op, &out);
		put_domain(d);
		/* set_cpu_policy's err_* go back on an error, as Xen's copyback */
		out = out && (!rc || op.cmd == DOMCTL_set_cpu_policy);
		break;
	}
	if (out && copy_to_guest(a->arg[0], &op, sizeof(op)))
		return -EFAULT;
	return rc;
}

/*
 * Xen's order: an index past its table -EINVAL, no such domain -ESRCH,
 * then -EINVAL for a PV domain, which every domain is. Lamina answers the
 * ring parameters of the domains it built with rings, and only to dom0
 * asking about another domain; the caller itself (DOMID_SELF included)
 * and an unprivileged caller get Xen's -EINVAL.
 */
static long get_param(const struct domain *caller, struct xen_hvm_param *p)
{
	const struct domain *d;

	if (p->index >= HVM_NR_PARAMS)
		return trace_err(-EINVAL);
	d = p->domid == DOMID_SELF ? caller : domain_by_id(p->domid);
	if (!d || d->dying)
		return trace_err(-ESRCH);
	if (d == caller || !caller->is_privileged)
		return trace_err(-EINVAL);
	switch (p->index) {
	case HVM_PARAM_STORE_PFN:
		p->value = d->store_mfn;
		break;
	case HVM_PARAM_STORE_EVTCHN:
		p->value = d->store_port;
		break;
	case HVM_PARAM_CONSOLE_PFN:
		p->value = d->console_mfn;
		break;
	case HVM_PARAM_CONSOLE_EVTCHN:
		p->value = d->console_port;
		break;
	default:
		return trace_err(-EINVAL);
	}
	return p->value ? 0 : -ENOENT;
}

/* Xen's rcu_lock_domain_by_any_id, a dying domain counted as gone. */
static struct domain *hvm_target(struct domain *caller, domid_t id)
{
	struct domain *d = id == DOMID_SELF ? caller : domain_by_id(id);

	return d && !d->dying ? d : NULL;
}

/*
 * The operations that name a domain: read the argument (-EFAULT), find
 * the domain (-ESRCH), then refuse it as Xen refuses a PV one.
 */
static long hvm_named_domain(struct vcpu *v, unsigned long op, uint64_t arg)
{
	struct hvm_domain_arg h;
	struct domain *d;

	if (copy_from_guest(&h, arg, sizeof(h)))
		return -EFAULT;
	if (op == HVMOP_set_param && h.index >= HVM_NR_PARAMS)
		return trace_err(-EINVAL);
	d = hvm_target(v->domain, h.domid);
	if (!d)
		return trace_err(-ESRCH);
	if (op == HVMOP_pagetable_dying && d != v->domain)
		return trace_err(-EOPNOTSUPP);
	if (op == HVMOP_get_mem_type && d != v->domain && !v->domain->is_privileged)
		return trace_err(-EPERM);
	return trace_err(-EINVAL);	/* not an HVM domain */
}

long hc_hvm_op(struct vcpu *v, struct hc_args *a)
{
	unsigned long op = a->arg[0];
	struct xen_hvm_xentrace tr;
	struct xen_hvm_param p;
	uint64_t now;
	long rc;

	switch (op) {
	case HVMOP_get_param:
		if (copy_from_guest(&p, a->arg[1], sizeof(p)))
			return -EFAULT;
		rc = get_param(v->domain, &p);
		if (!rc && copy_to_guest(a->arg[1], &p, sizeof(p)))
			return -EFAULT;
		return rc;
	case HVMOP_set_param:
	case HVMOP_pagetable_dying:
	case HVMOP_get_mem_type:
		return hvm_named_domain(v, op, a->arg[1]);
	case HVMOP_flush_tlbs:
	case HVMOP_set_evtchn_upcall_vector:
		return trace_err(-EINVAL);	/* the caller is not HVM */
	case HVMOP_get_time:
		now = now_ns();
		return copy_to_guest_bytes(a->arg[1], &now, sizeof(now));
	case HVMOP_xentrace:
		if (copy_from_guest(&tr, a->arg[1], sizeof(tr)))
			return -EFAULT;
		if (tr.extra_bytes > sizeof(tr.extra) || (tr.event & ~HVM_XENTRACE_EVENT_MASK))
			return trace_err(-EINVAL);
		return 0;	/* no trace buffers: nothing is recorded */
	case HVMOP_guest_request_vm_event:
		return a->arg[1] ? trace_err(-EINVAL) : 0;	/* no monitor */
	case HVMOP_altp2m:
		return trace_err(-EOPNOTSUPP);
	default:
		return trace_err(-ENOSYS);
	}
}
