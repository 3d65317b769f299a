// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmtop's logic on the host: rates from two samples, state letters, the
 * sort keys, the batch format's columns, the stats files of
 * docs/io-stats.md, and batch mode end to end on the synthetic source
 * with a clock the test drives.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <lamina/domctl.h>
#include "../../unit.h"
#include "../../../../dom0_tools/vmtop/vmtop.h"

static struct vt_sample s0, s1;
static struct vt_view v;

static struct vt_dom *dom(struct vt_sample *s, uint32_t id, const char *name, uint64_t cpu_ns,
			  uint64_t pages, uint32_t flags)
{
	struct vt_dom *d = &s->dom[s->ndom++];

	memset(d, 0, sizeof(*d));
	d->id = id;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->cpu_time = cpu_ns;
	d->tot_pages = pages;
	d->max_pages = pages + 256;
	d->flags = flags;
	d->nr_online_vcpus = 1;
	d->nvcpu = 1;
	d->vcpu[0].online = 1;
	d->vcpu[0].running = !!(flags & DOMINF_running);
	d->vcpu[0].blocked = !!(flags & DOMINF_blocked);
	d->vcpu[0].cpu_time = cpu_ns;
	return d;
}

static void two_samples(void)
{
	memset(&s0, 0, sizeof(s0));
	memset(&s1, 0, sizeof(s1));
	s0.now_ns = 10000000000ULL;
	s1.now_ns = 12000000000ULL;		/* 2 s later */
	s0.nr_cpus = s1.nr_cpus = 1;
	s0.total_pages = s1.total_pages = 262144;	/* 1 GiB */
	s0.free_pages = s1.free_pages = 1000;
	s0.ncpu_idle = s1.ncpu_idle = 1;
	s0.idle_ns[0] = 5000000000ULL;
	s1.idle_ns[0] = 5100000000ULL;		/* 0.1 s idle of 2 */
	dom(&s0, 0, "Domain-0", 3000000000ULL, 131072, DOMINF_running);
	dom(&s1, 0, "Domain-0", 3100000000ULL, 131072, DOMINF_running);
	dom(&s0, 1, "spin", 1000000000ULL, 32768, DOMINF_running);
	dom(&s1, 1, "spin", 2900000000ULL, 32768, DOMINF_running);	/* 1.9 s of 2 */
	dom(&s0, 2, "idle", 500000000ULL, 65536, DOMINF_blocked);
	dom(&s1, 2, "idle", 502000000ULL, 65536, DOMINF_blocked);
	dom(&s1, 3, "new", 7000000ULL, 4096, DOMINF_paused);		/* not in s0 */
}

static void test_rates(void)
{
	two_samples();
	vt_compute(&s0, &s1, &v);
	EXPECT_EQ(v.nrow, 4);
	EXPECT(v.interval_s > 1.999 && v.interval_s < 2.001);
	EXPECT(v.row[1].cpu_pct > 94.99 && v.row[1].cpu_pct < 95.01);
	EXPECT(v.row[0].cpu_pct > 4.99 && v.row[0].cpu_pct < 5.01);
	EXPECT(v.row[2].cpu_pct > 0.09 && v.row[2].cpu_pct < 0.11);
	EXPECT(v.row[3].cpu_pct < 0);			/* unknown: one sample */
	EXPECT(v.row[1].vcpu_pct[0] > 94.99 && v.row[1].vcpu_pct[0] < 95.01);
	EXPECT(v.idle_avg > 4.99 && v.idle_avg < 5.01);
	EXPECT_EQ(v.row[1].mem_kib, 131072);
	EXPECT(v.row[0].mem_pct > 49.99 && v.row[0].mem_pct < 50.01);
	EXPECT_EQ(v.total_kib, 1048576);
	EXPECT(!strcmp(v.row[1].state, "r-----"));
	EXPECT(!strcmp(v.row[2].state, "-b----"));
	EXPECT(!strcmp(v.row[3].state, "--p---"));
	EXPECT_EQ(v.row[1].vcpus_running, 1);
	EXPECT_EQ(v.row[2].vcpus_blocked, 1);
}

static void test_one_sample(void)
{
	two_samples();
	vt_compute(NULL, &s1, &v);
	EXPECT(v.interval_s == 0);
	EXPECT(v.row[1].cpu_pct < 0);
	EXPECT(v.idle_avg < 0);
	/* a counter going backwards (a domain id reused) is no rate either */
	s0.dom[1].cpu_time = 9000000000ULL;
	vt_compute(&s0, &s1, &v);
	EXPECT(v.row[1].cpu_pct < 0);
}

static void test_states(void)
{
	memset(&s1, 0, sizeof(s1));
	dom(&s1, 5, "x", 0, 1, DOMINF_shutdown | (3u << DOMINF_SHUTDOWN_SHIFT));	/* crash */
	dom(&s1, 6, "y", 0, 1, DOMINF_shutdown | (0u << DOMINF_SHUTDOWN_SHIFT) | DOMINF_dying);
	vt_compute(NULL, &s1, &v);
	EXPECT(!strcmp(v.row[0].state, "----c-"));
	EXPECT(!strcmp(v.row[1].state, "---s-d"));
}

static uint32_t ids[VT_MAX_DOMS];

static const uint32_t *order(void)
{
	unsigned int i;

	for (i = 0; i < v.nrow; i++)
		ids[i] = v.row[i].id;
	return ids;
}

static void test_sort(void)
{
	enum vt_sort k;

	two_samples();
	vt_compute(&s0, &s1, &v);
	vt_sort_rows(&v, VT_SORT_CPU, 0);
	order();
	EXPECT(ids[0] == 1 && ids[1] == 0 && ids[2] == 2 && ids[3] == 3);
	vt_sort_rows(&v, VT_SORT_CPU, 1);
	order();
	EXPECT(ids[0] == 3 && ids[3] == 1);
	vt_sort_rows(&v, VT_SORT_MEM, 0);
	order();
	EXPECT(ids[0] == 0 && ids[1] == 2 && ids[2] == 1 && ids[3] == 3);
	vt_sort_rows(&v, VT_SORT_NAME, 0);
	order();
	EXPECT(ids[0] == 0 && ids[1] == 2 && ids[2] == 3 && ids[3] == 1);	/* D i n s */
	vt_sort_rows(&v, VT_SORT_ID, 1);
	order();
	EXPECT(ids[0] == 3 && ids[1] == 2 && ids[2] == 1 && ids[3] == 0);
	vt_sort_rows(&v, VT_SORT_ID, 0);
	order();
	EXPECT(ids[0] == 0 && ids[3] == 3);
	EXPECT(!vt_sort_parse("mem", &k) && k == VT_SORT_MEM);
	EXPECT_EQ(vt_sort_parse("bogus", &k), -EINVAL);
}

/* Whitespace-separated words of a line. */
static int words(const char *line, char w[][40], int max)
{
	int n = 0;
	const char *p = line;

	while (*p && n < max) {
		int l = 0;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		while (p[l] && p[l] != ' ')
			l++;
		snprintf(w[n++], 40, "%.*s", l, p);
		p += l;
	}
	return n;
}

static void test_format(void)
{
	char hdr[400], row[400], w[20][40];
	size_t hl;

	two_samples();
	s1.dom[1].name[2] = ' ';		/* "sp n" */
	vt_compute(&s0, &s1, &v);
	vt_format_header(hdr, sizeof(hdr));
	vt_format_row(row, sizeof(row), &v.row[1]);
	hl = strlen(hdr);
	EXPECT_EQ(strlen(row), hl);		/* columns line up */
	EXPECT_EQ(words(hdr, w, 20), 15);
	EXPECT(!strcmp(w[0], "ID") && !strcmp(w[4], "CPU%") && !strcmp(w[14], "NET_TX_B/s"));
	EXPECT_EQ(words(row, w, 20), 15);
	EXPECT(!strcmp(w[0], "1") && !strcmp(w[1], "sp_n") && !strcmp(w[2], "r-----"));
	EXPECT(!strcmp(w[3], "2.9") && !strcmp(w[4], "95.0") && !strcmp(w[5], "131072"));
	EXPECT(!strcmp(w[9], "-"));		/* no devices: no I/O figures */
	vt_format_row(row, sizeof(row), &v.row[3]);
	words(row, w, 20);
	EXPECT(!strcmp(w[4], "-"));
	vt_format_host(hdr, sizeof(hdr), &v);
	EXPECT(!strcmp(hdr, "host cpus=1 mhz=0 mem_kib=1048576 free_kib=4000 idle_pct=5.0 "
		       "interval_s=2.00 domains=4"));
}

static void test_devices(void)
{
	struct vt_dev *b;
	char lines[32][160];
	int n, i, found = 0;

	two_samples();
	b = &s0.dom[2].dev[0];
	s0.dom[2].ndev = 1;
	EXPECT_EQ(vt_parse_stats("rd_req 100\nwr_req 10\nrd_bytes 409600\nwr_bytes 0\ninflight 2\n", b), 0);
	snprintf(b->type, sizeof(b->type), "vbd");
	b->devid = 51712;
	s1.dom[2].dev[0] = *b;
	s1.dom[2].ndev = 1;
	b = &s1.dom[2].dev[0];
	EXPECT_EQ(vt_parse_stats("rd_req 300\nwr_req 30\nrd_bytes 1228800\nwr_bytes 81920\ninflight 5\n", b), 0);
	vt_compute(&s0, &s1, &v);
	EXPECT(v.row[2].vbd_rd > 99.9 && v.row[2].vbd_rd < 100.1);
	EXPECT(v.row[2].vbd_wr > 9.9 && v.row[2].vbd_wr < 10.1);
	EXPECT(v.row[2].vbd_rb > 409599 && v.row[2].vbd_rb < 409601);
	EXPECT(v.row[2].vbd_wb > 40959 && v.row[2].vbd_wb < 40961);
	EXPECT(v.row[2].dev[0].rate[4] == 5);	/* inflight: a gauge */
	EXPECT(v.row[2].net_rx < 0);
	n = vt_format_detail(lines, 32, &v.row[2]);
	for (i = 0; i < n; i++)
		found += !!strstr(lines[i], "vbd 51712: rd_req 100.0/s wr_req 10.0/s");
	EXPECT_EQ(found, 1);
}

static void test_parse_stats(void)
{
	struct vt_dev d;

	EXPECT_EQ(vt_parse_stats("", &d), 0);
	EXPECT_EQ(d.nkeys, 0);
	EXPECT_EQ(vt_parse_stats("# comment\nrx_bytes 18446744073709551615\n\n", &d), 0);
	EXPECT_EQ(d.nkeys, 1);
	EXPECT(d.val[0] == 18446744073709551615ULL);
	EXPECT_EQ(vt_parse_stats("rx_bytes 18446744073709551616\n", &d), -EINVAL);
	EXPECT_EQ(vt_parse_stats("rx_bytes -1\n", &d), -EINVAL);
	EXPECT_EQ(vt_parse_stats("rx_bytes\n", &d), -EINVAL);
	EXPECT_EQ(vt_parse_stats("Rx 1\n", &d), -EINVAL);
	EXPECT_EQ(vt_parse_stats("a_key_much_too_long 1\n", &d), -EINVAL);
	EXPECT_EQ(vt_parse_stats("rx 12abc\n", &d), -EINVAL);
	EXPECT_EQ(vt_parse_stats("a 1\nb 2\nc 3\nd 4\ne 5\nf 6\ng 7\nh 8\ni 9\nj 10\nk 11\nl 12\nm 13\n", &d), 0);
	EXPECT_EQ(d.nkeys, VT_MAX_KEYS);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_stats_dir(void)
{
	char dir[] = "/tmp/vmtop-unit-XXXXXX", p[256];
	struct vt_dom d;

	memset(&d, 0, sizeof(d));
	if (!mkdtemp(dir)) {
		UNIT_FAIL("mkdtemp");
		return;
	}
	EXPECT_EQ(vt_read_stats_dir(dir, 4, &d), 0);	/* no directory: no devices */
	EXPECT_EQ(d.ndev, 0);
	snprintf(p, sizeof(p), "%s/4", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/4/vif-1", dir);
	put(p, "rx_bytes 10\ntx_bytes 20\n");
	snprintf(p, sizeof(p), "%s/4/vbd-51712", dir);
	put(p, "rd_req 5\n");
	snprintf(p, sizeof(p), "%s/4/vif-0", dir);
	put(p, "rx_bytes 1\n");
	snprintf(p, sizeof(p), "%s/4/bad", dir);	/* no TYPE-DEVID name */
	put(p, "x 1\n");
	snprintf(p, sizeof(p), "%s/4/vbd-768.tmp", dir);	/* a writer's temporary */
	put(p, "rd_req 1\n");
	snprintf(p, sizeof(p), "%s/4/vif-2", dir);	/* garbage: left out */
	put(p, "rx_bytes lots\n");
	snprintf(p, sizeof(p), "%s/4/v\"b-3", dir);	/* a class not of [a-z]: left out */
	put(p, "rd_req 1\n");
	EXPECT_EQ(vt_read_stats_dir(dir, 4, &d), 0);
	EXPECT_EQ(d.ndev, 3);
	EXPECT(!strcmp(d.dev[0].type, "vbd") && d.dev[0].devid == 51712);
	EXPECT(!strcmp(d.dev[1].type, "vif") && d.dev[1].devid == 0);
	EXPECT(!strcmp(d.dev[2].type, "vif") && d.dev[2].devid == 1 && d.dev[2].val[1] == 20);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	EXPECT_EQ(system(p), 0);
}

static uint64_t fake_now;

static uint64_t fake_clock(void)
{
	uint64_t t = fake_now;

	fake_now += 1000000000ULL;		/* each sample 1 s after the last */
	return t;
}

static void test_batch_fake(void)
{
	struct vt_source src;
	struct vt_opts o = { .delay = 0.1, .iterations = 2, .sort = VT_SORT_CPU };
	char *buf = NULL, line[400];
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int frames = 0, rows = 0;
	char first[64] = "";
	char *p, *save;

	memset(&src, 0, sizeof(src));
	fake_now = 1000000000ULL;
	EXPECT_EQ(vt_source_fake(&src, fake_clock), 0);
	EXPECT_EQ(vt_batch(&src, &o, out), 0);
	src.close(&src);
	fclose(out);
	vt_format_header(line, sizeof(line));
	for (p = strtok_r(buf, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
		char w[20][40];

		if (!strncmp(p, "host ", 5)) {
			frames++;
			EXPECT(strstr(p, "interval_s=1.00 domains=4"));
			EXPECT(strstr(p, "idle_pct=2.5"));
			rows = 0;
		} else if (!strcmp(p, line)) {
			continue;
		} else if (words(p, w, 20) == 15) {
			if (!rows++)
				snprintf(first, sizeof(first), "%s %s", w[1], w[4]);
			if (!strcmp(w[1], "disk"))
				EXPECT(!strcmp(w[9], "100.0") && !strcmp(w[12], "1638400.0") &&
				       !strcmp(w[13], "15000.0"));
		}
	}
	EXPECT_EQ(frames, 2);
	EXPECT_EQ(rows, 4);
	EXPECT(!strcmp(first, "spin 85.0"));
	free(buf);
}

int main(void)
{
	unit_suite = "dom0_tools/vmtop";
	RUN(test_rates);
	RUN(test_one_sample);
	RUN(test_states);
	RUN(test_sort);
	RUN(test_format);
	RUN(test_devices);
	RUN(test_parse_stats);
	RUN(test_stats_dir);
	RUN(test_batch_fake);
	return 0;
}
