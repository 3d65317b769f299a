// SPDX-License-Identifier: GPL-2.0-only
/* vmtop's synthetic machine (source.h): deterministic from the clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <lamina/domctl.h>
#include "source.h"

struct fake {
	uint64_t (*clock)(void);
	uint64_t start;
};

uint64_t vt_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void set(struct vt_dev *d, const char *key, uint64_t v)
{
	snprintf(d->key[d->nkeys], sizeof(d->key[0]), "%s", key);
	d->val[d->nkeys++] = v;
}

static int fake_sample(struct vt_source *src, struct vt_sample *s)
{
	static const struct { const char *name; double share; uint64_t mib; uint32_t flags; } doms[] = {
		{ "Domain-0", 0.02, 512, DOMINF_running },
		{ "spin", 0.85, 128, DOMINF_running },
		{ "idle", 0.005, 256, DOMINF_blocked },
		{ "disk", 0.10, 64, DOMINF_blocked },
	};
	struct fake *f = src->priv;
	uint64_t now = f->clock(), el = now - f->start, ms = el / 1000000ULL;
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->now_ns = now;
	s->nr_cpus = 1;
	s->cpu_khz = 2000000;
	s->total_pages = 262144;
	s->free_pages = 262144 - (512 + 128 + 256 + 64) * 256;
	s->ncpu_idle = 1;
	s->idle_ns[0] = (uint64_t)(0.025 * (double)el);	/* 1 - the shares below */
	s->ndom = sizeof(doms) / sizeof(doms[0]);
	for (i = 0; i < s->ndom; i++) {
		struct vt_dom *d = &s->dom[i];

		d->id = i;
		snprintf(d->name, sizeof(d->name), "%s", doms[i].name);
		d->flags = doms[i].flags;
		d->tot_pages = doms[i].mib * 256;
		d->max_pages = d->tot_pages + 256;
		d->cpu_time = (uint64_t)(doms[i].share * (double)el);
		d->nr_online_vcpus = 1;
		d->max_vcpu_id = 0;
		d->nvcpu = 1;
		d->vcpu[0].online = 1;
		d->vcpu[0].running = !!(d->flags & DOMINF_running);
		d->vcpu[0].blocked = !!(d->flags & DOMINF_blocked);
		d->vcpu[0].cpu_time = d->cpu_time;
	}
	/* "disk": a vbd and a vif, their totals growing with the clock (milliseconds). */
	{
		struct vt_dom *d = &s->dom[3];
		struct vt_dev *b = &d->dev[0], *n = &d->dev[1];

		d->ndev = 2;
		snprintf(b->type, sizeof(b->type), "vbd");
		b->devid = 51712;
		set(b, "rd_req", 100 * ms / 1000);
		set(b, "wr_req", 25 * ms / 1000);
		set(b, "rd_bytes", 409600 * ms / 1000);
		set(b, "wr_bytes", 1638400 * ms / 1000);
		set(b, "inflight", 3);
		snprintf(n->type, sizeof(n->type), "vif");
		n->devid = 0;
		set(n, "rx_packets", 10 * ms / 1000);
		set(n, "rx_bytes", 15000 * ms / 1000);
		set(n, "tx_packets", 20 * ms / 1000);
		set(n, "tx_bytes", 1200 * ms / 1000);
	}
	return 0;
}

static void fake_close(struct vt_source *src)
{
	free(src->priv);
	src->priv = NULL;
}

int vt_source_fake(struct vt_source *src, uint64_t (*clock_ns)(void))
{
	struct fake *f = calloc(1, sizeof(*f));

	if (!f)
		return -12;
	f->clock = clock_ns ? clock_ns : vt_monotonic_ns;
	f->start = f->clock();
	src->priv = f;
	src->sample = fake_sample;
	src->close = fake_close;
	src->err[0] = '\0';
	return 0;
}
