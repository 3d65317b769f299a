// SPDX-License-Identifier: GPL-2.0-only
/* vmtop: rates from two samples, sorting, and the text formats (model.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dominfo.h"
#include "model.h"

/* Counters that are levels, not totals: shown as they are. */
static int is_gauge(const char *key)
{
	return !strcmp(key, "inflight");
}

int vt_dev_key(const struct vt_dev *d, const char *key)
{
	unsigned int i;

	for (i = 0; i < d->nkeys; i++)
		if (!strcmp(d->key[i], key))
			return (int)i;
	return -1;
}

static const struct vt_dom *find_dom(const struct vt_sample *s, uint32_t id)
{
	unsigned int i;

	if (!s)
		return NULL;
	for (i = 0; i < s->ndom; i++)
		if (s->dom[i].id == id)
			return &s->dom[i];
	return NULL;
}

static const struct vt_dev *find_dev(const struct vt_dom *d, const struct vt_dev *like)
{
	unsigned int i;

	if (!d)
		return NULL;
	for (i = 0; i < d->ndev; i++)
		if (d->dev[i].devid == like->devid && !strcmp(d->dev[i].type, like->type))
			return &d->dev[i];
	return NULL;
}

/* Per second from two totals; < 0 when not computable (none before, or a reset). */
static double rate(uint64_t before, uint64_t now, double dt)
{
	if (dt <= 0 || now < before)
		return -1;
	return (double)(now - before) / dt;
}

static void state_of(uint32_t flags, char *s)
{
	int reason = dominfo_shutdown_reason(flags);
	int shut = reason >= 0;

	s[0] = flags & DOMINF_running ? 'r' : '-';
	s[1] = flags & DOMINF_blocked ? 'b' : '-';
	s[2] = flags & DOMINF_paused ? 'p' : '-';
	s[3] = shut && reason != SHUTDOWN_crash ? 's' : '-';
	s[4] = shut && reason == SHUTDOWN_crash ? 'c' : '-';
	s[5] = flags & DOMINF_dying ? 'd' : '-';
	s[6] = '\0';
}

static void add(double *sum, double r)
{
	if (r < 0)
		return;
	*sum = *sum < 0 ? r : *sum + r;
}

static void dev_rates(struct vt_row *r, const struct vt_dom *d, const struct vt_dom *pd, double dt)
{
	unsigned int i, k;

	r->vbd_rd = r->vbd_wr = r->vbd_rb = r->vbd_wb = r->net_rx = r->net_tx = -1;
	r->ndev = d->ndev;
	for (i = 0; i < d->ndev; i++) {
		const struct vt_dev *dev = &d->dev[i], *pdev = find_dev(pd, dev);
		struct vt_dev_row *dr = &r->dev[i];

		memcpy(dr->type, dev->type, sizeof(dr->type));
		dr->devid = dev->devid;
		dr->nkeys = dev->nkeys;
		for (k = 0; k < dev->nkeys; k++) {
			int pk = pdev ? vt_dev_key(pdev, dev->key[k]) : -1;

			memcpy(dr->key[k], dev->key[k], sizeof(dr->key[k]));
			dr->total[k] = dev->val[k];
			if (is_gauge(dev->key[k]))
				dr->rate[k] = (double)dev->val[k];
			else
				dr->rate[k] = pk < 0 ? -1 : rate(pdev->val[pk], dev->val[k], dt);
		}
		for (k = 0; k < dev->nkeys; k++) {
			const char *key = dev->key[k];
			double v = dr->rate[k];

			if (!strcmp(dev->type, "vbd")) {
				if (!strcmp(key, "rd_req")) add(&r->vbd_rd, v);
				else if (!strcmp(key, "wr_req")) add(&r->vbd_wr, v);
				else if (!strcmp(key, "rd_bytes")) add(&r->vbd_rb, v);
				else if (!strcmp(key, "wr_bytes")) add(&r->vbd_wb, v);
			} else if (!strcmp(dev->type, "vif")) {
				/* The guest's view: what the backend sent it is its rx. */
				if (!strcmp(key, "rx_bytes")) add(&r->net_rx, v);
				else if (!strcmp(key, "tx_bytes")) add(&r->net_tx, v);
			}
		}
	}
}

void vt_compute(const struct vt_sample *prev, const struct vt_sample *cur, struct vt_view *v)
{
	double dt = 0;
	unsigned int i, c;

	memset(v, 0, sizeof(*v));
	if (prev && cur->now_ns > prev->now_ns)
		dt = (double)(cur->now_ns - prev->now_ns) / 1e9;
	v->interval_s = dt;
	v->nr_cpus = cur->nr_cpus;
	v->cpu_khz = cur->cpu_khz;
	v->total_kib = cur->total_pages * 4;
	v->free_kib = cur->free_pages * 4;
	v->idle_avg = -1;
	if (prev && dt > 0 && cur->ncpu_idle && prev->ncpu_idle == cur->ncpu_idle) {
		double sum = 0;

		v->ncpu = cur->ncpu_idle;
		for (c = 0; c < v->ncpu; c++) {
			double p = cur->idle_ns[c] < prev->idle_ns[c] ? 0 :
				100.0 * (double)(cur->idle_ns[c] - prev->idle_ns[c]) / (dt * 1e9);

			v->idle_pct[c] = p > 100 ? 100 : p;
			sum += v->idle_pct[c];
		}
		v->idle_avg = sum / v->ncpu;
	}
	v->nrow = cur->ndom;
	for (i = 0; i < cur->ndom; i++) {
		const struct vt_dom *d = &cur->dom[i], *pd = dt > 0 ? find_dom(prev, d->id) : NULL;
		struct vt_row *r = &v->row[i];

		r->id = d->id;
		snprintf(r->name, sizeof(r->name), "%s", d->name);
		state_of(d->flags, r->state);
		r->cpu_s = (double)d->cpu_time / 1e9;
		r->cpu_pct = pd && d->cpu_time >= pd->cpu_time ?
			100.0 * (double)(d->cpu_time - pd->cpu_time) / (dt * 1e9) : -1;
		r->mem_kib = d->tot_pages * 4;
		r->maxmem_kib = d->max_pages * 4;
		r->shr_kib = d->shr_pages * 4;
		r->mem_pct = v->total_kib ? 100.0 * (double)r->mem_kib / (double)v->total_kib : 0;
		r->vcpus = d->nr_online_vcpus;
		r->nvcpu = d->nvcpu;
		for (c = 0; c < d->nvcpu; c++) {
			const struct vt_vcpu *vc = &d->vcpu[c];

			r->vcpu[c] = *vc;
			r->vcpus_running += vc->online && vc->running;
			r->vcpus_blocked += vc->online && vc->blocked;
			r->vcpu_pct[c] = pd && c < pd->nvcpu && vc->cpu_time >= pd->vcpu[c].cpu_time ?
				100.0 * (double)(vc->cpu_time - pd->vcpu[c].cpu_time) / (dt * 1e9) : -1;
		}
		dev_rates(r, d, pd, dt);
	}
}

static const char *const sort_names[VT_SORT_NR] = { "cpu", "mem", "name", "id" };

const char *vt_sort_name(enum vt_sort key)
{
	return key < VT_SORT_NR ? sort_names[key] : "?";
}

int vt_sort_parse(const char *s, enum vt_sort *key)
{
	unsigned int i;

	for (i = 0; i < VT_SORT_NR; i++)
		if (!strcmp(s, sort_names[i])) {
			*key = (enum vt_sort)i;
			return 0;
		}
	return -EINVAL;
}

static enum vt_sort cmp_key;
static int cmp_reverse;

static int cmp_rows(const void *pa, const void *pb)
{
	const struct vt_row *a = pa, *b = pb;
	int c = 0;

	switch (cmp_key) {
	case VT_SORT_CPU:
		c = (a->cpu_pct < b->cpu_pct) - (a->cpu_pct > b->cpu_pct);
		if (!c)
			c = (a->cpu_s < b->cpu_s) - (a->cpu_s > b->cpu_s);
		break;
	case VT_SORT_MEM:
		c = (a->mem_kib < b->mem_kib) - (a->mem_kib > b->mem_kib);
		break;
	case VT_SORT_NAME:
		c = strcmp(a->name, b->name);
		break;
	default:
		break;
	}
	if (!c)		/* ties, and the id order: by id, always ascending */
		return (a->id > b->id) - (a->id < b->id);
	return cmp_reverse ? -c : c;
}

void vt_sort_rows(struct vt_view *v, enum vt_sort key, int reverse)
{
	cmp_key = key;
	cmp_reverse = reverse;
	if (key == VT_SORT_ID && reverse) {
		unsigned int i;

		qsort(v->row, v->nrow, sizeof(v->row[0]), cmp_rows);
		for (i = 0; i < v->nrow / 2; i++) {
			struct vt_row t = v->row[i];

			v->row[i] = v->row[v->nrow - 1 - i];
			v->row[v->nrow - 1 - i] = t;
		}
		return;
	}
	qsort(v->row, v->nrow, sizeof(v->row[0]), cmp_rows);
}

/* A rate or a percentage with one decimal, "-" when unknown, in @w columns. */
static char *num(char *buf, size_t len, double x, int w)
{
	if (x < 0)
		snprintf(buf, len, "%*s", w, "-");
	else
		snprintf(buf, len, "%*.1f", w, x);
	return buf;
}

int vt_format_host(char *buf, size_t len, const struct vt_view *v)
{
	char idle[16];

	num(idle, sizeof(idle), v->idle_avg, 1);
	return snprintf(buf, len, "host cpus=%u mhz=%u mem_kib=%llu free_kib=%llu idle_pct=%s "
			"interval_s=%.2f domains=%u", v->nr_cpus, v->cpu_khz / 1000,
			(unsigned long long)v->total_kib, (unsigned long long)v->free_kib,
			idle, v->interval_s, v->nrow);
}

#define ROW_FMT "%5s %-16s %6s %10s %6s %10s %11s %5s %5s %9s %9s %11s %11s %11s %11s"

int vt_format_header(char *buf, size_t len)
{
	return snprintf(buf, len, ROW_FMT, "ID", "NAME", "STATE", "CPU(s)", "CPU%", "MEM(KiB)",
			"MAXMEM(KiB)", "MEM%", "VCPUS", "VBD_RD/s", "VBD_WR/s", "VBD_RB/s",
			"VBD_WB/s", "NET_RX_B/s", "NET_TX_B/s");
}

int vt_format_row(char *buf, size_t len, const struct vt_row *r)
{
	char id[12], name[VT_NAME_LEN], cpus[24], pct[12], mem[24], max[24], mp[12], vc[12];
	char a[6][16];
	unsigned int i;

	snprintf(id, sizeof(id), "%u", r->id);
	snprintf(name, sizeof(name), "%s", r->name[0] ? r->name : "-");
	for (i = 0; name[i]; i++)	/* one word, for scripts */
		if (name[i] == ' ' || name[i] == '\t')
			name[i] = '_';
	snprintf(cpus, sizeof(cpus), "%.1f", r->cpu_s);
	num(pct, sizeof(pct), r->cpu_pct, 1);
	snprintf(mem, sizeof(mem), "%llu", (unsigned long long)r->mem_kib);
	if (r->maxmem_kib >= (1ULL << 40))
		snprintf(max, sizeof(max), "no-limit");
	else
		snprintf(max, sizeof(max), "%llu", (unsigned long long)r->maxmem_kib);
	snprintf(mp, sizeof(mp), "%.1f", r->mem_pct);
	snprintf(vc, sizeof(vc), "%u", r->vcpus);
	num(a[0], sizeof(a[0]), r->vbd_rd, 1);
	num(a[1], sizeof(a[1]), r->vbd_wr, 1);
	num(a[2], sizeof(a[2]), r->vbd_rb, 1);
	num(a[3], sizeof(a[3]), r->vbd_wb, 1);
	num(a[4], sizeof(a[4]), r->net_rx, 1);
	num(a[5], sizeof(a[5]), r->net_tx, 1);
	return snprintf(buf, len, ROW_FMT, id, name, r->state, cpus, pct, mem, max, mp, vc,
			a[0], a[1], a[2], a[3], a[4], a[5]);
}

int vt_format_detail(char lines[][160], int max, const struct vt_row *r)
{
	int n = 0;
	unsigned int i, k;
	char p[16];

#define LINE(...) do { if (n < max) snprintf(lines[n++], 160, __VA_ARGS__); } while (0)
	LINE("domain %u %s  state %s  cpu %.1f s  %s%%", r->id, r->name[0] ? r->name : "-",
	     r->state, r->cpu_s, num(p, sizeof(p), r->cpu_pct, 1));
	LINE("memory %llu KiB of max %llu KiB, shared %llu KiB",
	     (unsigned long long)r->mem_kib, (unsigned long long)r->maxmem_kib,
	     (unsigned long long)r->shr_kib);
	LINE("vcpus %u online, %u running, %u blocked", r->vcpus, r->vcpus_running,
	     r->vcpus_blocked);
	for (i = 0; i < r->nvcpu; i++) {
		const struct vt_vcpu *vc = &r->vcpu[i];

		LINE("  vcpu %u: %s cpu %u  time %.1f s  %s%%", i,
		     !vc->online ? "offline" : vc->running ? "running" :
		     vc->blocked ? "blocked" : "runnable", vc->cpu, (double)vc->cpu_time / 1e9,
		     num(p, sizeof(p), r->vcpu_pct[i], 1));
	}
	if (!r->ndev)
		LINE("devices: none publish statistics");
	for (i = 0; i < r->ndev; i++) {
		const struct vt_dev_row *d = &r->dev[i];
		char buf[160];
		int o = snprintf(buf, sizeof(buf), "  %s %u:", d->type, d->devid);

		for (k = 0; k < d->nkeys && o < (int)sizeof(buf); k++)
			o += snprintf(buf + o, sizeof(buf) - o, " %s %s%s", d->key[k],
				      num(p, sizeof(p), d->rate[k], 1),
				      strcmp(d->key[k], "inflight") ? "/s" : "");
		LINE("%s", buf);
	}
#undef LINE
	return n;
}
