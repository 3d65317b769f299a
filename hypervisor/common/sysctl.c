// SPDX-License-Identifier: GPL-2.0-only
/*
 * sysctl (35), dom0 only (sysctl.h): physinfo, the machine as the
 * toolstack sees it (nr_cpus the CPUs up, max_cpu_id + 1 those nr_cpus=
 * and the MADT allow, as Xen; total_pages = the frames the frame table
 * covers, free_pages = the frame allocator's free count, which is what a
 * destroyed domain gives back), and getdomaininfolist, getdomaininfo's
 * records for the domains from an id on, in id order; readconsole, the
 * console ring (conring.c); sched_id, XEN_SCHEDULER_NULL (sysctl.h);
 * getcpuinfo, each CPU's idle time as the scheduler counts it (sched.c);
 * debug_keys, the debug keys' handlers (keyhandler.c, with DEBUG_KEYS);
 * availheap, cputopoinfo and numainfo, the free memory by address width,
 * the CPUs and the one NUMA node, as physinfo describes them;
 * pcitopoinfo, the PCI functions dom0 reported (pci.c);
 * get_cpu_featureset and get_cpu_policy, the CPU policies
 * (arch/x86/cpu_policy.c); tbuf_op, get_pmstat, psr_cmt_op, psr_alloc,
 * coverage_op and livepatch_op, Xen 4.17's answers without those
 * features (no trace buffer, no patch loaded). Other commands answer
 * -ENOSYS.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/domctl.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <hv/hypervisor.h>
#include <hv/console.h>
#include <hv/memop_toolstack.h>
#include <hv/mm.h>
#include <hv/page_alloc.h>
#include <hv/sched.h>
#include <hv/smp.h>
#include <hv/time.h>
#include <hv/preempt.h>
#include <asm/irq.h>
#include <lamina/sysctl.h>


static void physinfo(struct sysctl_physinfo *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->threads_per_core = 1;
	pi->cores_per_socket = 1;
	pi->nr_cpus = smp_nr_online();
	pi->max_cpu_id = smp_nr_possible() - 1;
	pi->nr_nodes = 1;
	pi->cpu_khz = tsc_khz();
	pi->capabilities = PHYSCAP_pv | PHYSCAP_gnttab_v1 |
			   (hv_opts.gnttab_max_version >= 2 ? PHYSCAP_gnttab_v2 : 0);
	pi->total_pages = frame_table_size;
	pi->free_pages = frame_pool_nr_free(&machine_frames);
	pi->outstanding_pages = memop_outstanding_claims();
	/*
	 * Freed frames not zeroed yet (free and dirty, or out with an idle
	 * CPU's batch): Xen 4.17 reports 0 here (its scrubbing is not
	 * counted), older Xen the pages waiting on its scrub list.
	 */
	pi->scrub_pages = __atomic_load_n(&machine_frames.nr_dirty, __ATOMIC_RELAXED) +
			  __atomic_load_n(&machine_frames.nr_scrubbing, __ATOMIC_RELAXED);
	pi->max_mfn = frame_table_size - 1;
	cpu_policy_hw_cap(pi->hw_cap, ARRAY_SIZE(pi->hw_cap));
}

/* Records for ids >= first, at most max of them, to the guest's buffer. */
static long domain_info_list(struct sysctl_getdomaininfolist *l)
{
	struct domctl_getdomaininfo info;
	struct domain *d;
	uint32_t n = 0;
	uint32_t id = l->first_domain;

	while (n < l->max_domains && id < DOMID_FIRST_RESERVED &&
	       (d = get_domain_at_or_after(id))) {
		domctl_get_info(d, &info);
		id = d->domid + 1U;
		put_domain(d);
		if (copy_to_guest(l->buffer + (uint64_t)n * sizeof(info), &info, sizeof(info)))
			return -EFAULT;
		n++;
	}
	l->num_domains = n;
	return 0;
}

/*
 * cpupool_op (sysctl.h): the one pool, 0, holds every CPU up and every
 * domain, as Xen 4.17's cpupool 0 does when no other pool was made.
 * Each answer is Xen's cpupool_do_sysctl for that partition: INFO the
 * first pool at or above the id asked (-ENOENT past 0) with the CPUs up
 * and the domains counted; DESTROY of pool 0 -EBUSY (it has CPUs and
 * domains); ADDCPU -ENODEV (no CPU is free; a CPU past the possible ones
 * -EINVAL); MOVEDOMAIN of another domain into pool 0 0 (it is there),
 * elsewhere -ENOENT; RMCPU of CPU 0, or one not up, -EINVAL; FREEINFO
 * the empty map. Making a pool (CREATE of another id) or taking a CPU
 * out of pool 0 (RMCPU of another CPU up) are left out: -EOPNOTSUPP.
 */
static long cpupool_op(struct vcpu *v, struct sysctl_cpupool_op *c)
{
	struct domain *d;
	uint32_t n = 0;
	domid_t id = 0;
	uint32_t cpu;

	switch (c->op) {
	case CPUPOOL_OP_CREATE:
		return trace_err(c->cpupool_id == 0 ? -EEXIST : -EOPNOTSUPP);
	case CPUPOOL_OP_DESTROY:
		return trace_err(c->cpupool_id == 0 ? -EBUSY : -ENOENT);
	case CPUPOOL_OP_INFO:
		if (c->cpupool_id != 0)
			return trace_err(-ENOENT);
		while (id < DOMID_FIRST_RESERVED && (d = get_domain_at_or_after(id))) {
			id = d->domid + 1U;
			put_domain(d);
			n++;
		}
		c->sched_id = XEN_SCHEDULER_NULL;
		c->n_dom = n;
		return domctl_bitmap_out(&c->cpumap, smp_online_mask());
	case CPUPOOL_OP_ADDCPU:
		if (c->cpupool_id != 0)
			return trace_err(-ENOENT);
		if (c->cpu != CPUPOOL_PAR_ANY && c->cpu >= smp_nr_possible())
			return trace_err(-EINVAL);
		return trace_err(-ENODEV);
	case CPUPOOL_OP_RMCPU:
		if (c->cpupool_id != 0)
			return trace_err(-ENOENT);
		cpu = c->cpu == CPUPOOL_PAR_ANY ? smp_nr_online() - 1 : c->cpu;
		if (cpu >= smp_nr_possible() || cpu == 0 || !(smp_online_mask() & (1ULL << cpu)))
			return trace_err(-EINVAL);
		return trace_err(-EOPNOTSUPP);
	case CPUPOOL_OP_MOVEDOMAIN:
		d = c->domid < DOMID_FIRST_RESERVED ? get_domain_by_id((domid_t)c->domid) : NULL;
		if (!d)
			return trace_err(-ESRCH);
		put_domain(d);
		if (d == v->domain)
			return trace_err(-EPERM);
		return c->cpupool_id == 0 ? 0 : trace_err(-ENOENT);
	case CPUPOOL_OP_FREEINFO:
		return domctl_bitmap_out(&c->cpumap, 0);
	default:
		return trace_err(-ENOSYS);
	}
}

/*
 * Idle times of CPUs 0 .. min(max_cpus, max_cpu_id + 1) - 1, one record each; as
 * Xen, a record that cannot be written fails the call with the earlier
 * ones written and nr_cpus not copied back.
 */
static long cpu_info(struct sysctl_getcpuinfo *ci)
{
	struct sysctl_cpuinfo rec;
	uint32_t i, n = ci->max_cpus < smp_nr_possible() ? ci->max_cpus : smp_nr_possible();

	for (i = 0; i < n; i++) {
		rec.idletime = sched_idle_ns(i);
		if (copy_to_guest_bytes(ci->info + (uint64_t)i * sizeof(rec), &rec, sizeof(rec)))
			return -EFAULT;
	}
	ci->nr_cpus = n;
	return 0;
}

/*
 * Xen's zone of an address width (bits_to_zone, clamped to zones 1-40 as
 * its avail_domheap_pages_region, in int as there: a width of 2^31 + 12
 * or more wraps below zone 1 and is taken as 1).
 */
#define AVAILHEAP_TOP_ZONE	40	/* Xen's NR_ZONES - 1 */
static int width_zone(uint32_t width, int none)
{
	int z = width ? (int)(width < PAGE_SHIFT + 1 ? 1U : width - PAGE_SHIFT) : none;

	return z < 1 ? 1 : z > AVAILHEAP_TOP_ZONE ? AVAILHEAP_TOP_ZONE : z;
}

/*
 * The free frames of the zones from min_bitwidth's to max_bitwidth's,
 * zone z being the frames 2^(z-1) <= mfn < 2^z (zone 1 also frame 0), as
 * Xen's page_to_zone; one node, 0 (-1: all).
 */
static void avail_heap(struct sysctl_availheap *h)
{
	int lo = width_zone(h->min_bitwidth, 1);
	int hi = width_zone(h->max_bitwidth, AVAILHEAP_TOP_ZONE);
	uint64_t pages = 0;

	if ((h->node == 0 || h->node == -1) && lo <= hi)
		pages = frame_pool_nr_free_in(&machine_frames, lo == 1 ? 0 : 1ULL << (lo - 1),
					      1ULL << hi);
	h->avail_bytes = pages << PAGE_SHIFT;
}

/*
 * Each CPU up to the last present one, as physinfo's topology (one thread
 * a core, one core a socket: the socket is the CPU's APIC id, the core 0),
 * all on node 0. Xen's rules (sysctl.h): a NULL handle asks for the count.
 */
static long cpu_topology(struct sysctl_cputopoinfo *ti)
{
	struct sysctl_cputopo rec = { .core = 0, .node = 0 };
	uint32_t i, n = smp_nr_possible();

	if (ti->cputopo) {
		if (n > ti->num_cpus)
			n = ti->num_cpus;
		for (i = 0; i < n; i++) {
			rec.socket = smp_cpu_apic_id(i);
			if (copy_to_guest_bytes(ti->cputopo + (uint64_t)i * sizeof(rec), &rec,
						sizeof(rec)))
				return -EFAULT;
		}
	}
	ti->num_cpus = n;
	return 0;
}

/*
 * One node, 0: its span is the frames the frame table covers (physinfo's
 * total_pages), its free memory all the free frames (physinfo's
 * free_pages); its distance to itself 10. Xen's rules (sysctl.h): both
 * handles NULL ask for the count.
 */
static long numa_info(struct sysctl_numainfo *ni)
{
	struct sysctl_meminfo mem;
	uint32_t dist = 10;
	uint32_t n = 1;

	if (ni->meminfo || ni->distance) {
		if (n > ni->num_nodes)
			n = ni->num_nodes;
		if (n) {
			mem.memsize = frame_table_size << PAGE_SHIFT;
			mem.memfree = frame_pool_nr_free(&machine_frames) << PAGE_SHIFT;
			if (ni->meminfo && copy_to_guest_bytes(ni->meminfo, &mem, sizeof(mem)))
				return -EFAULT;
			if (ni->distance && copy_to_guest_bytes(ni->distance, &dist, sizeof(dist)))
				return -EFAULT;
		}
	}
	ni->num_nodes = n;
	return 0;
}

/*
 * pcitopoinfo (lamina/sysctl.h): the functions dom0 reported are known,
 * their node unknown (no SRAT proximity: Xen's NUMA_NO_NODE); Xen 4.17
 * without an IOMMU scans no bus, so it knows no others either.
 */
static long pci_topology(struct vcpu *v, struct sysctl_pcitopoinfo *ti)
{
	uint64_t until = hypercall_preempt_until();
	struct sysctl_pci_dev dev;
	uint32_t i = 0, node;

	if (!ti->devs || !ti->nodes)
		return trace_err(-EINVAL);
	while (i < ti->num_devs) {
		if (copy_from_guest(&dev, ti->devs + (uint64_t)i * sizeof(dev), sizeof(dev)))
			return -EFAULT;
		node = pci_reported(dev.seg, dev.bus, dev.devfn) ? SYSCTL_INVALID_NODE_ID :
							     SYSCTL_INVALID_DEV;
		if (copy_to_guest_bytes(ti->nodes + (uint64_t)i * sizeof(node), &node, sizeof(node)))
			return -EFAULT;
		if (++i > 0x3f && hypercall_preempt_now(v, until))
			break;
	}
	ti->num_devs = i;
	return 0;
}

/* get_pmstat: Xen 4.17's checks, then its answer without power statistics. */
static long pm_stat(const struct sysctl_get_pmstat *pm)
{
	if (pm->cpuid >= smp_nr_possible() || !(smp_online_mask() & (1ULL << pm->cpuid)))
		return trace_err(-EINVAL);
	return trace_err(-ENODEV);
}

#define PSR_ALLOC_LAST_CMD	2	/* XEN_SYSCTL_PSR_get_mba_info */

/*
 * tbuf_op as Xen 4.17 answers with no trace buffer allocated (none ever
 * is: Lamina records no trace). The event mask is kept for get_info; a
 * CPU map is read as Xen reads it and kept nowhere, as nothing is traced.
 */
static uint32_t tbuf_evt_mask = TRC_ALL;

static long tbuf_op(struct sysctl_tbuf_op *t)
{
	uint64_t mask;

	switch (t->cmd) {
	case TBUFOP_get_info:
		t->evt_mask = __atomic_load_n(&tbuf_evt_mask, __ATOMIC_RELAXED);
		t->buffer_mfn = 0;
		t->size = 0;
		return 0;
	case TBUFOP_set_cpu_mask:
		return domctl_cpumask_in(&t->cpu_mask, &mask);
	case TBUFOP_set_evt_mask:
		__atomic_store_n(&tbuf_evt_mask, t->evt_mask, __ATOMIC_RELAXED);
		return 0;
	case TBUFOP_set_size:
		/* Xen allocates the buffers here: a documented difference */
		return trace_err(t->size ? -EOPNOTSUPP : -EINVAL);
	case TBUFOP_enable:
		return trace_err(-EINVAL);	/* no buffers, as Xen with none */
	case TBUFOP_disable:
		return 0;
	default:
		return trace_err(-EINVAL);
	}
}

/*
 * Xen 4.17's get_name: size 1 to 128, pad 0 (-EINVAL), readable
 * (-EFAULT), NUL-terminated (-EINVAL). No name is ever found.
 */
static long livepatch_name(const struct livepatch_name *n)
{
	char name[LIVEPATCH_NAME_SIZE];

	if (!n->size || n->size > LIVEPATCH_NAME_SIZE || n->pad[0] || n->pad[1] || n->pad[2])
		return trace_err(-EINVAL);
	if (copy_from_guest(name, n->name, n->size))
		return -EFAULT;
	return name[n->size - 1] ? trace_err(-EINVAL) : 0;
}

/*
 * A livepatch upload's payload as Xen 4.17 takes it before loading: the
 * whole of it read in (-EFAULT for any byte unreadable), then its ELF
 * header checked, -EINVAL for a payload shorter than an ELF header or
 * without ELF's magic (livepatch_header_check). Past that Xen parses the
 * ELF; Lamina loads no patch: -EOPNOTSUPP.
 */
static long livepatch_payload(uint64_t payload, uint32_t size)
{
	uint8_t hdr[64];			/* an Elf64_Ehdr */
	uint64_t at;

	for (at = payload; at < payload + size; at = (at | 4095) + 1)
		if (copy_from_guest(hdr, at, 1))
			return -EFAULT;
	if (size < sizeof(hdr))
		return trace_err(-EINVAL);
	if (copy_from_guest(hdr, payload, sizeof(hdr)))
		return -EFAULT;
	if (hdr[0] != 0x7f || hdr[1] != 'E' || hdr[2] != 'L' || hdr[3] != 'F')
		return trace_err(-EINVAL);
	return trace_err(-EOPNOTSUPP);
}

/*
 * livepatch_op as a Xen 4.17 with live patching and no patch loaded
 * (lamina/sysctl.h); an upload that passes Xen's checks is refused, as
 * Lamina loads no patch.
 */
static long livepatch_op(struct sysctl_livepatch_op *lp)
{
	long rc;

	if (lp->pad)
		return trace_err(-EINVAL);
	switch (lp->cmd) {
	case LIVEPATCH_UPLOAD:	/* Xen's verify_payload: any name error is -EINVAL */
		if (livepatch_name(&lp->u.upload.name) || !lp->u.upload.size ||
		    lp->u.upload.size > LIVEPATCH_MAX_SIZE)
			return trace_err(-EINVAL);
		if (!guest_range_ok(lp->u.upload.payload, lp->u.upload.size))
			return -EFAULT;
		return livepatch_payload(lp->u.upload.payload, lp->u.upload.size);
	case LIVEPATCH_GET:
		rc = livepatch_name(&lp->u.get.name);
		return rc ? rc : trace_err(-ENOENT);
	case LIVEPATCH_LIST:
		if (lp->u.list.nr > 1024)
			return trace_err(-E2BIG);
		if (lp->u.list.pad)
			return trace_err(-EINVAL);
		if (lp->u.list.nr && (!guest_range_ok(lp->u.list.status, lp->u.list.nr * 8ULL) ||
				      !guest_range_ok(lp->u.list.len, lp->u.list.nr * 4ULL) ||
				      !guest_range_ok(lp->u.list.metadata_len, lp->u.list.nr * 4ULL)))
			return trace_err(-EINVAL);
		lp->u.list.name_total_size = 0;
		lp->u.list.metadata_total_size = 0;
		lp->u.list.nr = 0;		/* none left */
		lp->u.list.version = 1;		/* Xen's before any upload */
		return 0;			/* none listed */
	case LIVEPATCH_ACTION:
		if (lp->u.action.pad)
			return trace_err(-EINVAL);
		rc = livepatch_name(&lp->u.action.name);
		return rc ? rc : trace_err(-ENOENT);
	default:
		return trace_err(-EOPNOTSUPP);
	}
}

#ifdef CONFIG_DEBUG_KEYS
/* As Xen: each key in turn; -EFAULT at the first one that cannot be read. */
static long debug_keys(const struct sysctl_debug_keys *k)
{
	uint32_t i;
	char c;

	for (i = 0; i < k->nr_keys; i++) {
		if (copy_from_guest(&c, k->keys + i, 1))
			return -EFAULT;
		keyhandler_run(c);
	}
	return 0;
}
#endif

long hc_sysctl(struct vcpu *v, struct hc_args *a)
{
	struct sysctl op;
	long rc;

	/* Xen 4.17's order: the argument, its version, then privilege. */
	if (copy_from_guest(&op, a->arg[0], sizeof(op)))
		return -EFAULT;
	if (op.interface_version != SYSCTL_INTERFACE_VERSION)
		return trace_err(-EACCES);
	if (!v->domain->is_privileged)
		return trace_err(-EPERM);
	switch (op.cmd) {
	case SYSCTL_physinfo:
		physinfo(&op.u.physinfo);
		rc = 0;
		break;
	case SYSCTL_getdomaininfolist:
		rc = domain_info_list(&op.u.getdomaininfolist);
		break;
	case SYSCTL_readconsole:
		rc = console_ring_read(&op.u.readconsole);
		break;
	case SYSCTL_getcpuinfo:
		rc = cpu_info(&op.u.getcpuinfo);
		break;
#ifdef CONFIG_DEBUG_KEYS
	case SYSCTL_debug_keys:
		return debug_keys(&op.u.debug_keys);	/* nothing to write back */
#endif
	case SYSCTL_sched_id:
		op.u.sched_id.sched_id = XEN_SCHEDULER_NULL;
		rc = 0;
		break;
	case SYSCTL_availheap:
		avail_heap(&op.u.availheap);
		rc = 0;
		break;
	case SYSCTL_cputopoinfo:
		rc = cpu_topology(&op.u.cputopoinfo);
		break;
	case SYSCTL_numainfo:
		rc = numa_info(&op.u.numainfo);
		break;
	case SYSCTL_cpupool_op:
		rc = cpupool_op(v, &op.u.cpupool_op);
		break;
	case SYSCTL_get_cpu_levelling_caps:
		/*
		 * Xen's LCAP_* bits name the CPUID masking or faulting it uses
		 * to level guests; Lamina uses neither (a PV kernel's CPUID runs
		 * on the CPU), so none: Xen's answer on such a machine.
		 */
		op.u.raw[0] = op.u.raw[1] = op.u.raw[2] = op.u.raw[3] = 0;
		rc = 0;
		break;
	case SYSCTL_pcitopoinfo:
		rc = pci_topology(v, &op.u.pcitopoinfo);
		break;
	case SYSCTL_tbuf_op:
		rc = tbuf_op(&op.u.tbuf_op);
		break;
	case SYSCTL_get_cpu_featureset:	/* they write their counts back themselves */
		return sysctl_cpu_featureset(a->arg[0], &op.u.cpu_featureset);
	case SYSCTL_get_cpu_policy:
		return sysctl_cpu_policy(a->arg[0], &op.u.cpu_policy);
	case SYSCTL_livepatch_op:	/* written back whatever the answer, but -EOPNOTSUPP */
		rc = livepatch_op(&op.u.livepatch);
		if (rc != -EOPNOTSUPP && copy_to_guest(a->arg[0], &op, sizeof(op)))
			return -EFAULT;
		return rc;
	case SYSCTL_get_pmstat:
		return pm_stat(&op.u.get_pmstat);
	case SYSCTL_psr_cmt_op:
		return trace_err(-ENODEV);
	case SYSCTL_psr_alloc:
		return trace_err(op.u.psr_alloc.cmd <= PSR_ALLOC_LAST_CMD ? -ENODEV : -EOPNOTSUPP);
	case SYSCTL_coverage_op:	/* Xen writes the struct back even so */
		return copy_to_guest(a->arg[0], &op, sizeof(op)) ? -EFAULT : trace_err(-EOPNOTSUPP);
	default:
		return trace_err(-ENOSYS);
	}
	if (!rc && copy_to_guest(a->arg[0], &op, sizeof(op)))
		return -EFAULT;
	return rc;
}
