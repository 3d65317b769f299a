// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmctl top [ARGS]: runs vmtop (dom0_tools/vmtop, vmtop(1)) with ARGS, as
 * xl top runs xentop. And vmtop's figures for `vmctl list -l`: two
 * samples VMCTL_TOP_SECS apart through vmtop's own sampling and rate code
 * (vmtop/source.c, calc.c, statsfile.c, linked into vmctl by
 * vmtop/vmtop.mk), printed as JSON members of one domain's object.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "../vmtop/source.h"
#include "vmctl.h"

int cmd_top(int argc, char **argv)
{
	char **args = calloc((size_t)argc + 1, sizeof(*args));
	int i;

	if (!args)
		return 1;
	args[0] = "vmtop";
	for (i = 1; i < argc; i++)
		args[i] = argv[i];
	execvp("vmtop", args);
	fprintf(stderr, "vmctl: cannot run vmtop: %s\n", strerror(errno));
	free(args);
	return 1;
}

struct vt_view *vmctl_top_view(double secs)
{
	struct vt_source src;
	struct vt_sample *s = calloc(2, sizeof(*s));
	struct vt_view *v = calloc(1, sizeof(*v));
	struct timespec ts = { (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) };
	int ok = 0;

	memset(&src, 0, sizeof(src));
	if (s && v && !vt_source_xen(&src, getenv("VMTOP_STATS_DIR"))) {
		if (!src.sample(&src, &s[0])) {
			nanosleep(&ts, NULL);
			ok = !src.sample(&src, &s[1]);
		}
		src.close(&src);
	}
	if (ok)
		vt_compute(&s[0], &s[1], v);
	else
		fprintf(stderr, "vmctl: no CPU %% or I/O figures: %s\n",
			src.err[0] ? src.err : "out of memory");
	free(s);
	if (!ok) {
		free(v);
		return NULL;
	}
	return v;
}

/* A rate, or null when it is not known. */
static void json_num(const char *key, double x)
{
	if (x < 0)
		printf(", \"%s\": null", key);
	else
		printf(", \"%s\": %.1f", key, x);
}

void vmctl_top_json(const struct vt_view *v, unsigned int domid)
{
	const struct vt_row *r = NULL;
	unsigned int i, k;

	for (i = 0; v && i < v->nrow; i++)
		if (v->row[i].id == domid)
			r = &v->row[i];
	if (!r)
		return;
	json_num("cpu_pct", r->cpu_pct);
	printf(", \"mem_kib\": %llu, \"maxmem_kib\": %llu, \"shared_kib\": %llu",
	       (unsigned long long)r->mem_kib, (unsigned long long)r->maxmem_kib,
	       (unsigned long long)r->shr_kib);
	printf(", \"vcpus_online\": %u, \"vcpus_running\": %u, \"vcpus_blocked\": %u",
	       r->vcpus, r->vcpus_running, r->vcpus_blocked);
	json_num("vbd_rd_per_s", r->vbd_rd);
	json_num("vbd_wr_per_s", r->vbd_wr);
	json_num("vbd_rd_bytes_per_s", r->vbd_rb);
	json_num("vbd_wr_bytes_per_s", r->vbd_wb);
	json_num("net_rx_bytes_per_s", r->net_rx);
	json_num("net_tx_bytes_per_s", r->net_tx);
	printf(", \"devices\": [");
	for (i = 0; i < r->ndev; i++) {
		const struct vt_dev_row *d = &r->dev[i];

		printf("%s{ \"type\": \"%s\", \"devid\": %u", i ? ", " : "", d->type, d->devid);
		for (k = 0; k < d->nkeys; k++)
			printf(", \"%s\": %llu", d->key[k], (unsigned long long)d->total[k]);
		printf(" }");
	}
	printf("]");
}
