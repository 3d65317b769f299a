/* SPDX-License-Identifier: GPL-2.0 */
/* Logging to stderr with a timestamp, and the quota table. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Defaults are Xen 4.17 xenstored's (pv-abi-devices §3.4). */
struct quota quota = {
	.nodes = 1000,
	.entry_size = 2048,
	.watches = 128,
	.transactions = 10,
	.perms = 5,
	.path = XENSTORE_REL_PATH_MAX,
	.txn_nodes = 1024,
	.outq = 1 << 20,
};

static const struct {
	const char *name;
	unsigned int *value;
} quotas[] = {
	{ "nodes", &quota.nodes },
	{ "entry-size", &quota.entry_size },
	{ "watches", &quota.watches },
	{ "transactions", &quota.transactions },
	{ "perms", &quota.perms },
	{ "path", &quota.path },
	{ "txn-nodes", &quota.txn_nodes },
	{ "outq", &quota.outq },
};

/* "name=value" from the command line. */
int quota_set(const char *arg)
{
	const char *eq = strchr(arg, '=');
	unsigned long v;
	unsigned int i;

	if (!eq || parse_uint(eq + 1, 0x7fffffff, &v))
		return -EINVAL;
	for (i = 0; i < sizeof(quotas) / sizeof(quotas[0]); i++) {
		if (strlen(quotas[i].name) == (size_t)(eq - arg) &&
		    !strncmp(quotas[i].name, arg, eq - arg)) {
			*quotas[i].value = v;
			return 0;
		}
	}
	return -ENOENT;
}

void quota_print(FILE *f)
{
	unsigned int i;

	for (i = 0; i < sizeof(quotas) / sizeof(quotas[0]); i++)
		fprintf(f, "                          %-13s %u\n", quotas[i].name,
			*quotas[i].value);
}
