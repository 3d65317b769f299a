/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMTOP_H
#define VMTOP_H

#include "model.h"
#include "source.h"

struct vt_opts {
	double delay;			/* seconds between samples */
	long iterations;		/* batch: frames; 0 forever */
	enum vt_sort sort;
	int reverse;
};

/* batch.c: frames of plain text to @out; 0, or 1 when sampling failed. */
int vt_batch(struct vt_source *src, const struct vt_opts *o, FILE *out);
/* ui.c: the ncurses screen until 'q'; 0, or 1 when sampling failed. */
int vt_ui(struct vt_source *src, struct vt_opts *o);

#endif
