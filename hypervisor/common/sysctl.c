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
 * debug_keys, the debug keys' handlers (keyhandler.c, with DEBUG_KEYS).
 * Other commands answer -ENOSYS.
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
	default:
		return trace_err(-ENOSYS);
	}
	if (!rc && copy_to_guest(a->arg[0], &op, sizeof(op)))
		return -EFAULT;
	return rc;
}
