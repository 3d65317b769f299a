// SPDX-License-Identifier: GPL-2.0-only
/* vmtop -b: frames of plain text, each a host line, a header and one line per domain. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "vmtop.h"

static void pause_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int vt_batch(struct vt_source *src, const struct vt_opts *o, FILE *out)
{
	struct vt_sample *s[2];
	struct vt_view *v;
	char line[400];
	long i;
	int cur = 0, rc = 0;
	unsigned int r;

	s[0] = malloc(sizeof(*s[0]));
	s[1] = malloc(sizeof(*s[1]));
	v = malloc(sizeof(*v));
	if (!s[0] || !s[1] || !v) {
		rc = 1;
		goto out;
	}
	if (src->sample(src, s[cur])) {
		fprintf(stderr, "vmtop: %s\n", src->err);
		rc = 1;
		goto out;
	}
	for (i = 0; !o->iterations || i < o->iterations; i++) {
		pause_s(o->delay);
		if (src->sample(src, s[!cur])) {
			fprintf(stderr, "vmtop: %s\n", src->err);
			rc = 1;
			break;
		}
		cur = !cur;
		vt_compute(s[!cur], s[cur], v);
		vt_sort_rows(v, o->sort, o->reverse);
		vt_format_host(line, sizeof(line), v);
		fprintf(out, "%s\n", line);
		vt_format_header(line, sizeof(line));
		fprintf(out, "%s\n", line);
		for (r = 0; r < v->nrow; r++) {
			vt_format_row(line, sizeof(line), &v->row[r]);
			fprintf(out, "%s\n", line);
		}
		fprintf(out, "\n");
		fflush(out);
	}
out:
	free(s[0]);
	free(s[1]);
	free(v);
	return rc;
}
