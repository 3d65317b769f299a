// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmtop's samples from the hypervisor through /dev/xen/privcmd, in Xen
 * 4.17's layouts so Xen serves the same view: sysctl getdomaininfolist
 * (domctl getdomaininfo one at a time where it is missing), domctl
 * getvcpuinfo per vCPU, sysctl physinfo, and sysctl getcpuinfo (each
 * CPU's idle time; optional). Names from xenstore's socket
 * (/local/domain/<id>/name), device counters from the stats files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lamina/domctl.h>
#include <lamina/hypercall.h>
#include <lamina/sysctl.h>
#include "source.h"
#include "xendev.h"
#include "xs.h"

struct xsrc {
	struct xendev dev;
	struct xs_handle *xs;
	const char *stats_dir;
	int no_list, no_cpuinfo;
	struct domctl_getdomaininfo info[VT_MAX_DOMS];
	struct sysctl_cpuinfo idle[VT_MAX_CPUS];
};

static long sysctl(struct xsrc *x, struct sysctl *s)
{
	s->interface_version = SYSCTL_INTERFACE_VERSION;
	return xendev_hypercall(&x->dev, __HYPERVISOR_sysctl, (uint64_t)(uintptr_t)s, 0, 0);
}

static long domctl(struct xsrc *x, struct domctl *d)
{
	d->interface_version = DOMCTL_INTERFACE_VERSION;
	return xendev_hypercall(&x->dev, __HYPERVISOR_domctl, (uint64_t)(uintptr_t)d, 0, 0);
}

static long list_domains(struct xsrc *x)
{
	struct sysctl s;
	long rc;
	unsigned int n = 0, next = 0;

	memset(x->info, 0, sizeof(x->info));	/* the pages present for the hypervisor's copy */
	if (!x->no_list) {
		memset(&s, 0, sizeof(s));
		s.cmd = SYSCTL_getdomaininfolist;
		s.u.getdomaininfolist.first_domain = 0;
		s.u.getdomaininfolist.max_domains = VT_MAX_DOMS;
		s.u.getdomaininfolist.buffer = (uint64_t)(uintptr_t)x->info;
		rc = sysctl(x, &s);
		if (!rc)
			return s.u.getdomaininfolist.num_domains;
		if (rc != -ENOSYS)
			return rc;
		x->no_list = 1;
	}
	while (n < VT_MAX_DOMS) {
		rc = xendev_domain_info(&x->dev, next, &x->info[n]);
		if (rc == -ESRCH)
			break;
		if (rc)
			return rc;
		next = x->info[n++].domain + 1u;
	}
	return n;
}

static void cpu_idle(struct xsrc *x, struct vt_sample *s)
{
	struct sysctl sc;
	struct sysctl_getcpuinfo *ci = &sc.u.getcpuinfo;
	unsigned int c;
	long rc;

	if (x->no_cpuinfo)
		return;
	memset(&sc, 0, sizeof(sc));
	memset(x->idle, 0, sizeof(x->idle));	/* present for the hypervisor's copy */
	sc.cmd = SYSCTL_getcpuinfo;
	ci->max_cpus = VT_MAX_CPUS;
	ci->info = (uint64_t)(uintptr_t)x->idle;
	rc = sysctl(x, &sc);
	if (rc) {
		x->no_cpuinfo = rc == -ENOSYS;	/* a hypervisor without it */
		return;
	}
	s->ncpu_idle = ci->nr_cpus < VT_MAX_CPUS ? ci->nr_cpus : VT_MAX_CPUS;
	for (c = 0; c < s->ncpu_idle; c++)
		s->idle_ns[c] = x->idle[c].idletime;
}

static void name_of(struct xsrc *x, struct vt_dom *d)
{
	char path[64], *val = NULL;
	unsigned int len = 0;

	if (!x->xs && xs_open(xs_default_socket(), &x->xs))
		x->xs = NULL;
	snprintf(path, sizeof(path), "/local/domain/%u/name", d->id);
	if (x->xs && !xs_read(x->xs, 0, path, &val, &len) && val && len) {
		snprintf(d->name, sizeof(d->name), "%.*s", (int)len, val);
	} else if (d->id == 0) {
		snprintf(d->name, sizeof(d->name), "Domain-0");
	} else {
		snprintf(d->name, sizeof(d->name), "-");
	}
	free(val);
}

static int xen_sample(struct vt_source *src, struct vt_sample *s)
{
	struct xsrc *x = src->priv;
	struct sysctl sc;
	long n, rc;
	unsigned int i, c;

	memset(s, 0, sizeof(*s));
	memset(&sc, 0, sizeof(sc));
	sc.cmd = SYSCTL_physinfo;
	rc = sysctl(x, &sc);
	if (rc) {
		snprintf(src->err, sizeof(src->err), "sysctl physinfo: %s", strerror((int)-rc));
		return (int)rc;
	}
	s->nr_cpus = sc.u.physinfo.nr_cpus;
	s->cpu_khz = sc.u.physinfo.cpu_khz;
	s->total_pages = sc.u.physinfo.total_pages;
	s->free_pages = sc.u.physinfo.free_pages;
	cpu_idle(x, s);
	n = list_domains(x);
	if (n < 0) {
		snprintf(src->err, sizeof(src->err), "listing domains: %s", strerror((int)-n));
		return (int)n;
	}
	s->now_ns = vt_monotonic_ns();
	for (i = 0; i < (unsigned int)n && i < VT_MAX_DOMS; i++) {
		const struct domctl_getdomaininfo *in = &x->info[i];
		struct vt_dom *d = &s->dom[s->ndom++];

		d->id = in->domain;
		d->flags = in->flags;
		d->tot_pages = in->tot_pages;
		d->max_pages = in->max_pages;
		d->shr_pages = in->shr_pages;
		d->cpu_time = in->cpu_time;
		d->nr_online_vcpus = in->nr_online_vcpus;
		d->max_vcpu_id = in->max_vcpu_id;
		for (c = 0; in->max_vcpu_id != INVALID_MAX_VCPU_ID && c <= in->max_vcpu_id &&
			    c < VT_MAX_VCPUS; c++) {
			struct domctl dc;

			memset(&dc, 0, sizeof(dc));
			dc.cmd = DOMCTL_getvcpuinfo;
			dc.domain = (domid_t)d->id;
			dc.u.getvcpuinfo.vcpu = c;
			if (domctl(x, &dc))
				break;
			d->vcpu[c].online = dc.u.getvcpuinfo.online;
			d->vcpu[c].blocked = dc.u.getvcpuinfo.blocked;
			d->vcpu[c].running = dc.u.getvcpuinfo.running;
			d->vcpu[c].cpu = dc.u.getvcpuinfo.cpu;
			d->vcpu[c].cpu_time = dc.u.getvcpuinfo.cpu_time;
			d->nvcpu = c + 1;
		}
		name_of(x, d);
		vt_read_stats_dir(x->stats_dir, d->id, d);
	}
	return 0;
}

static void xen_close(struct vt_source *src)
{
	struct xsrc *x = src->priv;

	if (!x)
		return;
	if (x->xs)
		xs_close(x->xs);
	xendev_close(&x->dev);
	free(x);
	src->priv = NULL;
}

int vt_source_xen(struct vt_source *src, const char *stats_dir)
{
	struct xsrc *x = calloc(1, sizeof(*x));
	int rc;

	if (!x)
		return -ENOMEM;
	x->dev = (struct xendev)XENDEV_INIT;
	rc = xendev_open(&x->dev, XENDEV_PRIVCMD);
	if (rc) {
		snprintf(src->err, sizeof(src->err), "opening privcmd: %s", strerror(-rc));
		free(x);
		return rc;
	}
	x->stats_dir = stats_dir ? stats_dir : VT_STATS_DIR;
	src->priv = x;
	src->sample = xen_sample;
	src->close = xen_close;
	src->err[0] = '\0';
	return 0;
}
