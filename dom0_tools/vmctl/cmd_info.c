// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmctl info [KEY]: the host, as xl info (docs/toolstack.md §6.5): uname, sysctl
 * physinfo (memory in MiB) and xen_version. With KEY, only its value.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <lamina/hypercall.h>
#include <lamina/version.h>
#include "domctl.h"
#include "vmctl.h"

static const char *only;
static int found;

static void kv(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void kv(const char *key, const char *fmt, ...)
{
	va_list ap;

	if (only && strcmp(only, key))
		return;
	found = 1;
	if (!only)
		printf("%-23s: ", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void ver_str(unsigned int cmd, char *buf, size_t len)
{
	memset(buf, 0, len);
	if (vmctl_xc_hypercall(__HYPERVISOR_xen_version, cmd, (uint64_t)(uintptr_t)buf, 0, 0) < 0)
		buf[0] = 0;
	buf[len - 1] = 0;
}

int cmd_info(int argc, char **argv)
{
	struct sysctl_physinfo pi;
	struct utsname u;
	char extra[16], caps[1024], cset[64], cmdline[1024];
	long ver, rc;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		return vmctl_bad_args("info", argc, argv, 1, 0, 1, "");
	only = argc == 2 ? argv[1] : NULL;
	rc = vmctl_physinfo(&pi);
	if (rc) {
		fprintf(stderr, "vmctl: sysctl physinfo: %s\n", strerror((int)-rc));
		return 1;
	}
	uname(&u);
	ver = vmctl_xc_hypercall(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0);
	ver_str(XENVER_extraversion, extra, sizeof(extra));
	ver_str(XENVER_capabilities, caps, sizeof(caps));
	ver_str(XENVER_changeset, cset, sizeof(cset));
	ver_str(XENVER_commandline, cmdline, sizeof(cmdline));
	kv("host", "%s", u.nodename);
	kv("release", "%s", u.release);
	kv("version", "%s", u.version);
	kv("machine", "%s", u.machine);
	kv("nr_cpus", "%u", pi.nr_cpus);
	kv("max_cpu_id", "%u", pi.max_cpu_id);
	kv("nr_nodes", "%u", pi.nr_nodes);
	kv("cores_per_socket", "%u", pi.cores_per_socket);
	kv("threads_per_core", "%u", pi.threads_per_core);
	kv("cpu_mhz", "%u.%03u", pi.cpu_khz / 1000, pi.cpu_khz % 1000);
	kv("total_memory", "%llu", (unsigned long long)(pi.total_pages >> 8));
	kv("free_memory", "%llu", (unsigned long long)(pi.free_pages >> 8));
	kv("free_pages", "%llu", (unsigned long long)pi.free_pages);
	kv("outstanding_claims", "%llu", (unsigned long long)(pi.outstanding_pages >> 8));
	kv("xen_major", "%ld", ver >> 16);
	kv("xen_minor", "%ld", ver & 0xffff);
	kv("xen_extra", "%s", extra);
	kv("xen_version", "%ld.%ld%s", ver >> 16, ver & 0xffff, extra);
	kv("xen_caps", "%s", caps);
	kv("xen_pagesize", "%ld",
	   vmctl_xc_hypercall(__HYPERVISOR_xen_version, XENVER_pagesize, 0, 0, 0));
	kv("xen_changeset", "%s", cset);
	kv("xen_commandline", "%s", cmdline);
	kv("xend_config_format", "%d", 4);
	if (only && !found) {
		fprintf(stderr, "vmctl: info has no key '%s'\n", only);
		return 1;
	}
	return 0;
}
