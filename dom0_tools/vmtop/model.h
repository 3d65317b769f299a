/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmtop's data: one sample of the machine (what the hypervisor and the
 * backends said at one instant), and the view computed from two samples
 * (rates per second). Nothing here talks to a device or a terminal: the
 * sources (source.c: privcmd and xenstore; fake.c: a synthetic machine)
 * fill samples, calc.c turns two of them into rows, sorts and formats
 * them, and the batch printer and the ncurses screen (ui.c) show them.
 */
#ifndef VMTOP_MODEL_H
#define VMTOP_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define VT_MAX_DOMS	128
#define VT_MAX_VCPUS	16
#define VT_MAX_DEVS	8
#define VT_MAX_KEYS	12
#define VT_MAX_CPUS	64
#define VT_NAME_LEN	40

/* One backend device's counters, as its stats file gives them (docs/io-stats.md). */
struct vt_dev {
	char type[8];			/* "vbd", "vif" */
	unsigned int devid;
	unsigned int nkeys;
	char key[VT_MAX_KEYS][16];
	uint64_t val[VT_MAX_KEYS];
};

struct vt_vcpu {
	uint8_t online, blocked, running;
	uint32_t cpu;
	uint64_t cpu_time;		/* ns */
};

struct vt_dom {
	uint32_t id;
	char name[VT_NAME_LEN];
	uint32_t flags;			/* DOMINF_* */
	uint64_t tot_pages, max_pages, shr_pages;
	uint64_t cpu_time;		/* ns, all vCPUs */
	uint32_t nr_online_vcpus, max_vcpu_id;
	unsigned int nvcpu;		/* vcpu[] filled (getvcpuinfo answered) */
	struct vt_vcpu vcpu[VT_MAX_VCPUS];
	unsigned int ndev;
	struct vt_dev dev[VT_MAX_DEVS];
};

struct vt_sample {
	uint64_t now_ns;		/* dom0's monotonic clock */
	uint32_t nr_cpus, cpu_khz;
	uint64_t total_pages, free_pages;
	unsigned int ncpu_idle;		/* 0: the hypervisor does not say */
	uint64_t idle_ns[VT_MAX_CPUS];
	unsigned int ndom;
	struct vt_dom dom[VT_MAX_DOMS];
};

/* A device in the view: its counters as rates (gauges as they are). */
struct vt_dev_row {
	char type[8];
	unsigned int devid;
	unsigned int nkeys;
	char key[VT_MAX_KEYS][16];
	double rate[VT_MAX_KEYS];	/* per second; a gauge's value; < 0 unknown */
	uint64_t total[VT_MAX_KEYS];
};

struct vt_row {
	uint32_t id;
	char name[VT_NAME_LEN];
	char state[7];			/* xentop's "rbpscd", '-' where not */
	double cpu_s;			/* seconds in total */
	double cpu_pct;			/* of one CPU over the interval; < 0 unknown */
	uint64_t mem_kib, maxmem_kib, shr_kib;
	double mem_pct;			/* of the machine */
	unsigned int vcpus, vcpus_running, vcpus_blocked;
	double vcpu_pct[VT_MAX_VCPUS];	/* < 0 unknown */
	unsigned int nvcpu;
	struct vt_vcpu vcpu[VT_MAX_VCPUS];
	/* Sums over the domain's devices, per second; < 0 none published. */
	double vbd_rd, vbd_wr, vbd_rb, vbd_wb, net_rx, net_tx;
	unsigned int ndev;
	struct vt_dev_row dev[VT_MAX_DEVS];
};

struct vt_view {
	double interval_s;		/* between the two samples; 0 for one */
	uint32_t nr_cpus, cpu_khz;
	uint64_t total_kib, free_kib;
	unsigned int ncpu;		/* idle_pct[] filled; 0 unknown */
	double idle_pct[VT_MAX_CPUS];
	double idle_avg;		/* < 0 unknown */
	unsigned int nrow;
	struct vt_row row[VT_MAX_DOMS];
};

enum vt_sort { VT_SORT_CPU, VT_SORT_MEM, VT_SORT_NAME, VT_SORT_ID, VT_SORT_NR };

/* calc.c */
/* The view of @cur, with rates against @prev (NULL: no rates yet). */
void vt_compute(const struct vt_sample *prev, const struct vt_sample *cur, struct vt_view *v);
/* Sorted by @key: CPU and memory biggest first, name and id ascending; @reverse flips. */
void vt_sort_rows(struct vt_view *v, enum vt_sort key, int reverse);
const char *vt_sort_name(enum vt_sort key);
int vt_sort_parse(const char *s, enum vt_sort *key);	/* "cpu", "mem", "name", "id" */
/* The stable batch format: one host line, a header, one line per row. */
int vt_format_host(char *buf, size_t len, const struct vt_view *v);
int vt_format_header(char *buf, size_t len);
int vt_format_row(char *buf, size_t len, const struct vt_row *r);
/* Detail lines of one row (vCPUs, devices); returns how many fit in @max. */
int vt_format_detail(char lines[][160], int max, const struct vt_row *r);
/* A device's counter by name, or -1. */
int vt_dev_key(const struct vt_dev *d, const char *key);

/* statsfile.c: one stats file's "key value" lines into @d; 0 or -errno. */
int vt_parse_stats(const char *text, struct vt_dev *d);
/* All devices of domain @domid under @dir (DIR/<domid>/<type>-<devid>). */
int vt_read_stats_dir(const char *dir, unsigned int domid, struct vt_dom *dom);

#endif
