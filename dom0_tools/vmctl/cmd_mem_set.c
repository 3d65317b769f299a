// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmctl mem-set DOM SIZE[b|k|m|g|t] (no suffix: MiB, as xl's code does):
 * max_mem = target + 1 MiB, then memory/target (KiB) and /vm/<uuid>/memory
 * (MiB), for the guest's balloon driver. Refused above memory/static-max.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "domctl.h"
#include "vmctl.h"

static long long size_kib(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0)
		return -1;
	switch (*end ? *end | 0x20 : 'm') {
	case 'b': v /= 1024; break;
	case 'k': break;
	case 'm': v *= 1024; break;
	case 'g': v *= 1024 * 1024; break;
	case 't': v *= 1024.0 * 1024 * 1024; break;
	default: return -1;
	}
	if (*end && end[1])
		return -1;
	return (long long)v;
}

int cmd_mem_set(int argc, char **argv)
{
	struct xs_handle *h;
	char path[96], val[32], *max = NULL, *vm = NULL;
	unsigned int id, len;
	long long kib;
	long rc;

	if (argc != 3 || argv[1][0] == '-')
		return vmctl_bad_args("mem-set", argc, argv, 1, 2, 2, "DOM or SIZE");
	kib = size_kib(argv[2]);
	if (kib <= 0) {
		fprintf(stderr, "vmctl: invalid memory size: %s\n", argv[2]);
		return 2;
	}
	h = vmctl_domain_store(argv[1], &id);
	if (!h)
		return 1;
	snprintf(path, sizeof(path), "/local/domain/%u/memory/static-max", id);
	if (!xs_read(h, 0, path, &max, &len) && kib > atoll(max)) {
		fprintf(stderr, "vmctl: memory_dynamic_max must be less than or equal to "
			"memory_static_max (%s KiB)\n", max);
		free(max);
		xs_close(h);
		return 1;
	}
	free(max);
	rc = vmctl_dom_max_mem(id, (uint64_t)kib + 1024);
	if (rc) {
		fprintf(stderr, "vmctl: max_mem of domain %u: %s\n", id, strerror((int)-rc));
		xs_close(h);
		return 1;
	}
	snprintf(path, sizeof(path), "/local/domain/%u/memory/target", id);
	snprintf(val, sizeof(val), "%lld", kib);
	rc = xs_write(h, 0, path, val, strlen(val));
	snprintf(path, sizeof(path), "/local/domain/%u/vm", id);
	if (!rc && !xs_read(h, 0, path, &vm, &len) && *vm) {
		snprintf(path, sizeof(path), "%s/memory", vm);
		snprintf(val, sizeof(val), "%lld", kib / 1024);
		rc = xs_write(h, 0, path, val, strlen(val));
	}
	free(vm);
	xs_close(h);
	if (rc) {
		fprintf(stderr, "vmctl: cannot write the memory target: %s\n", strerror((int)-rc));
		return 1;
	}
	return 0;
}
