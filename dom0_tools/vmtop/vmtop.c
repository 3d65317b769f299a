// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmtop: domains, CPUs and I/O of a Lamina (or Xen) host, live. See
 * vmtop.1. Data: source.c (the hypervisor) or fake.c (--fake); rates and
 * formats: calc.c; batch mode: batch.c; the screen: ui.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vmtop.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vmtop [-b] [-i N] [-d SECS] [-s cpu|mem|name|id] [-r] [-S DIR] [--fake]\n"
		"  -b          batch mode: plain text frames on stdout\n"
		"  -i N        batch mode: N frames, then exit (default: until killed)\n"
		"  -d SECS     seconds between samples (default 1; 0.1 to 3600)\n"
		"  -s KEY      sort by cpu (default), mem, name or id\n"
		"  -r          reverse the sort\n"
		"  -S DIR      the backends' statistics (default " VT_STATS_DIR ")\n"
		"  --fake      a synthetic machine instead of the hypervisor (for tests)\n"
		"Keys: c m n i sort, r reverse, d delay, +/- delay, Up/Down/Enter detail, h help, q quit\n");
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "batch", no_argument, NULL, 'b' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "delay", required_argument, NULL, 'd' },
		{ "sort", required_argument, NULL, 's' },
		{ "reverse", no_argument, NULL, 'r' },
		{ "stats-dir", required_argument, NULL, 'S' },
		{ "fake", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vt_opts o = { .delay = 1.0, .iterations = 0, .sort = VT_SORT_CPU };
	struct vt_source src;
	const char *stats = getenv("VMTOP_STATS_DIR");
	int batch = 0, fake = 0, c, rc;
	char *end;

	memset(&src, 0, sizeof(src));
	while ((c = getopt_long(argc, argv, "bi:d:s:rS:h", longs, NULL)) != -1) {
		switch (c) {
		case 'b':
			batch = 1;
			break;
		case 'i':
			o.iterations = strtol(optarg, &end, 10);
			if (*end || end == optarg || o.iterations < 1) {
				fprintf(stderr, "vmtop: -i wants a count of 1 or more, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'd':
			o.delay = strtod(optarg, &end);
			if (*end || end == optarg || !(o.delay >= 0.1 && o.delay <= 3600)) {
				fprintf(stderr, "vmtop: -d wants seconds from 0.1 to 3600, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 's':
			if (vt_sort_parse(optarg, &o.sort)) {
				fprintf(stderr, "vmtop: -s wants cpu, mem, name or id, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'r':
			o.reverse = 1;
			break;
		case 'S':
			stats = optarg;
			break;
		case 'F':
			fake = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vmtop: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	rc = fake ? vt_source_fake(&src, NULL) : vt_source_xen(&src, stats);
	if (rc) {
		fprintf(stderr, "vmtop: %s\n", src.err[0] ? src.err : "cannot start");
		return 1;
	}
	rc = batch ? vt_batch(&src, &o, stdout) : vt_ui(&src, &o);
	src.close(&src);
	return rc;
}
