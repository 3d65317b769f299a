/* SPDX-License-Identifier: GPL-2.0 */
/* Logging to stderr with a timestamp. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include "xenstored.h"

int log_verbose;	/* 1: every request, -1: nothing (fuzzing) */

void log_msg(const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (log_verbose < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "xenstored %02d:%02d:%02d.%03ld ", tm.tm_hour, tm.tm_min,
		tm.tm_sec, ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
