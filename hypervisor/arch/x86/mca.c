// SPDX-License-Identifier: GPL-2.0-only
/*
 * mca (48): the machine-check hypercall with nothing to report and no
 * banks to inject into (lamina/mca.h), in Xen 4.17's order of checks;
 * physcpuinfo's records from CPUID, as Xen's cpuinfo_x86 holds them.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <hv/smp.h>
#include <asm/x86.h>
#include <lamina/mca.h>

#define MCA_RECORDS_MAX	64	/* CPUs up at most (the online mask's bits) */

/* The topology CPUID leaf 0xb gives: APIC id bits below the core and the package. */
struct mca_topology {
	unsigned int thread_bits, pkg_bits, threads, cores;
};

static void mca_topology(uint32_t max_leaf, struct mca_topology *t)
{
	uint32_t a, b, c, d;

	*t = (struct mca_topology){ 0, 0, 1, 1 };
	if (max_leaf < 0xb)
		return;
	cpuid(0xb, 0, &a, &b, &c, &d);
	if (!(b & 0xffff) || ((c >> 8) & 0xff) != 1)	/* level 0 is not the SMT level */
		return;
	t->thread_bits = a & 0x1f;
	t->threads = b & 0xffff;
	cpuid(0xb, 1, &a, &b, &c, &d);
	if (((c >> 8) & 0xff) != 2) {			/* no core level: one core a package */
		t->pkg_bits = t->thread_bits;
		return;
	}
	t->pkg_bits = a & 0x1f;
	t->cores = MAX((b & 0xffff) / t->threads, 1U);
}

/*
 * Xen's x86_cache_size in KiB: Intel's from leaf 4 (L3, else L2, else
 * both L1s); others' from the extended leaves, the last of L1 I + D, L2,
 * L3 that is given.
 */
static uint32_t mca_cache_kib(bool intel, uint32_t max_leaf)
{
	uint32_t a, b, c, d, kib[4] = { 0 }, i, ext, size = 0;

	if (!intel) {
		cpuid(0x80000000, 0, &ext, &b, &c, &d);
		if (ext >= 0x80000005) {
			cpuid(0x80000005, 0, &a, &b, &c, &d);
			if ((c | d) >> 24)
				size = (c >> 24) + (d >> 24);
		}
		if (ext < 0x80000006)
			return size;
		cpuid(0x80000006, 0, &a, &b, &c, &d);
		size = c >> 16 ? c >> 16 : size;
		return d >> 18 ? (d >> 18) * 512 : size;	/* L3 in 512 KiB units */
	}
	for (i = 0; max_leaf >= 4 && i < 16; i++) {
		cpuid(4, i, &a, &b, &c, &d);
		if (!(a & 0x1f))
			break;
		/* ways * partitions * line size * sets, per level (1-3) */
		kib[MIN((a >> 5) & 7, 3U)] += (((b >> 22) + 1) * (((b >> 12) & 0x3ff) + 1) *
					       ((b & 0xfff) + 1) * (c + 1)) >> 10;
	}
	return kib[3] ? kib[3] : kib[2] ? kib[2] : kib[1];
}

/* Xen's X86_VENDOR_* bit for a CPUID vendor string. */
static uint32_t mca_vendor(const char *id)
{
	static const char names[][13] = { "GenuineIntel", "AuthenticAMD", "CentaurHauls",
					  "  Shanghai  ", "HygonGenuine" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!memcmp(id, names[i], 12))
			return 1U << i;
	return 0;
}

/* The record for `cpu`, APIC id apic: what CPUID says on this CPU, alike on all. */
static void mca_record(struct xen_mc_logical_cpu *r, unsigned int cpu, uint32_t apic,
		       cpumask_t up)
{
	uint32_t a, b, c, d, ext, max_leaf, i, brand[12];
	struct mca_topology t;
	const char *p;

	memset(r, 0, sizeof(*r));
	r->mc_cpunr = cpu;
	r->mc_apicid = apic;
	max_leaf = cpuid_vendor(r->mc_vendorid);
	r->mc_cpuid_level = (int32_t)max_leaf;
	r->mc_vendor = mca_vendor(r->mc_vendorid);
	mca_topology(max_leaf, &t);
	r->mc_chipid = apic >> t.pkg_bits;
	r->mc_coreid = t.cores > 1 ? (uint16_t)((apic & ((1U << t.pkg_bits) - 1)) >> t.thread_bits) : 0;
	r->mc_threadid = (uint16_t)(apic & ((1U << (t.threads - 1)) - 1));
	r->mc_ncores = t.cores;
	r->mc_nthreads = t.threads;
	for (i = 0; i < 64; i++)	/* the cores of this package that are up */
		if ((up & (1ULL << i)) && smp_cpu_apic_id(i) >> t.pkg_bits == r->mc_chipid &&
		    !(smp_cpu_apic_id(i) & ((1U << t.thread_bits) - 1)))
			r->mc_ncores_active++;
	r->mc_ncores_active = MAX(r->mc_ncores_active, 1U);
	cpuid(1, 0, &a, &b, &c, &d);
	cpuid_signature(a, &r->mc_family, &r->mc_model, &r->mc_step);
	r->mc_clusterid = b >> 24;
	r->mc_cache_alignment = ((b >> 8) & 0xff) * 8;
	r->mc_cpu_caps[0] = d;
	r->mc_cpu_caps[1] = c;
	cpuid(0x80000000, 0, &ext, &b, &c, &d);
	if (ext >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		r->mc_cpu_caps[2] = d;
		r->mc_cpu_caps[3] = c;
	}
	if (max_leaf >= 0xd) {
		cpuid(0xd, 1, &a, &b, &c, &d);
		r->mc_cpu_caps[4] = a;
	}
	if (max_leaf >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		r->mc_cpu_caps[5] = b;
		r->mc_cpu_caps[6] = c;
	}
	if (ext >= 0x80000004) {
		for (i = 0; i < 3; i++)
			cpuid(0x80000002 + i, 0, &brand[4 * i], &brand[4 * i + 1],
			      &brand[4 * i + 2], &brand[4 * i + 3]);
		for (p = (const char *)brand; p < (const char *)brand + 48 && *p == ' '; p++)
			;
		memcpy(r->mc_brandid, p, (size_t)((const char *)brand + 48 - p));
		r->mc_brandid[48] = 0;
	}
	r->mc_cache_size = mca_cache_kib(r->mc_vendor == 1, max_leaf);
	r->mc_nmsrvals = 1;
	r->mc_msrvalues[0].reg = XEN_MC_MSR_MCG_CAP;
	cpuid(1, 0, &a, &b, &c, &d);
	if (d & (1U << 14))	/* MCA: the MSR exists */
		r->mc_msrvalues[0].value = rdmsr(XEN_MC_MSR_MCG_CAP);
}

/* physcpuinfo with a buffer: a record per CPU up, at most op's ncpus. */
static long mca_physcpuinfo(struct xen_mc *op)
{
	struct xen_mc_logical_cpu r;
	cpumask_t up = smp_online_mask();
	uint32_t want = op->u.physcpuinfo.ncpus, n = 0, cpu;
	long rc = 0;

	if (!want)
		return trace_err(-EINVAL);
	if ((int32_t)want < 0)
		return trace_err(-ENOMEM);	/* Xen's count is an int */
	for (cpu = 0; cpu < MCA_RECORDS_MAX && n < want; cpu++) {
		if (!(up & (1ULL << cpu)))
			continue;
		mca_record(&r, cpu, smp_cpu_apic_id(cpu), up);
		if (!rc && copy_to_guest(op->u.physcpuinfo.info + n * sizeof(r), &r, sizeof(r)))
			rc = -EFAULT;
		n++;
	}
	op->u.physcpuinfo.ncpus = n;
	return rc;
}

static long mca_fetch(struct xen_mc *op, bool *out)
{
	uint32_t flags = op->u.fetch.flags;

	switch (flags & (XEN_MC_NONURGENT | XEN_MC_URGENT)) {
	case XEN_MC_NONURGENT:
	case XEN_MC_URGENT:
		break;
	default:
		return trace_err(-EINVAL);
	}
	if (flags & XEN_MC_ACK)
		return 0;	/* nothing was fetched, so nothing to ack */
	if (!op->u.fetch.data)
		return trace_err(-EINVAL);
	op->u.fetch.flags = XEN_MC_NODATA;
	op->u.fetch.fetch_id = 0;
	*out = true;
	return 0;
}

long hc_mca(struct vcpu *v, struct hc_args *a)
{
	struct xen_mc op;
	bool out = false;
	long rc;

	if (!v->domain->is_privileged)
		return trace_err(-EPERM);
	if (copy_from_guest(&op, a->arg[0], sizeof(op)))
		return -EFAULT;
	if (op.interface_version != XEN_MCA_INTERFACE_VERSION)
		return trace_err(-EACCES);
	switch (op.cmd) {
	case XEN_MC_fetch:
		rc = mca_fetch(&op, &out);
		break;
	case XEN_MC_physcpuinfo:
		if (op.u.physcpuinfo.info) {
			rc = mca_physcpuinfo(&op);
			if (rc == -EINVAL || rc == -ENOMEM)
				return rc;
		} else {
			op.u.physcpuinfo.ncpus = smp_nr_online();
			rc = 0;
		}
		out = true;
		break;
	case XEN_MC_msrinject:
	case XEN_MC_mceinject:
	case XEN_MC_inject_v2:
		return trace_err(-ENODEV);	/* no MCA banks */
	default:	/* notifydomain too */
		return trace_err(-EINVAL);
	}
	if (out && copy_to_guest(a->arg[0], &op, sizeof(op)))
		return -EFAULT;
	return rc;
}
