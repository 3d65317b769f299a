// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmctl list [-l] [--json] [DOM...]: the domains with xl list's columns
 * (docs/toolstack.md §6.3), from sysctl getdomaininfolist and the names in the
 * store. --json prints the same as a JSON array; -l adds, per domain, the
 * uuid, limits and what `vmctl create` recorded (kernel, cmdline,
 * on_poweroff/on_reboot/on_crash), also as JSON, and vmtop's figures
 * (CPU %, memory, vCPUs, I/O rates and the backends' counters) from two
 * samples a second apart (cmd_top.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "builder.h"
#include "dominfo.h"
#include "domctl.h"
#include "vmctl.h"

#define MAX_LIST 1024

static struct vt_view *top_view;	/* -l: vmtop's figures */

static void state_letters(uint32_t f, char s[7])
{
	static const char reasons[] = "-rscwS";	/* SHUTDOWN_* 0..5 */
	int why = dominfo_shutdown_reason(f);

	s[0] = f & DOMINF_running ? 'r' : '-';
	s[1] = f & DOMINF_blocked ? 'b' : '-';
	s[2] = f & DOMINF_paused ? 'p' : '-';
	s[3] = why >= 0 ? 's' : '-';
	s[4] = why < 0 ? '-' : why <= SHUTDOWN_MAX ? reasons[why] : '?';
	s[5] = f & DOMINF_dying ? 'd' : '-';
	s[6] = 0;
}

static char *store_read(struct xs_handle *h, const char *fmt, unsigned int a, const char *b)
{
	char path[160], *v = NULL;
	unsigned int len;

	snprintf(path, sizeof(path), fmt, a, b);
	if (!h || xs_read(h, 0, path, &v, &len))
		return NULL;
	return v;
}

static void json_str(const char *key, const char *v, bool comma)
{
	printf("\"%s\": \"", key);
	for (; v && *v; v++) {
		if (*v == '"' || *v == '\\')
			printf("\\%c", *v);
		else if ((unsigned char)*v < 0x20)
			printf("\\u%04x", *v);
		else
			putchar(*v);
	}
	printf("\"%s", comma ? ", " : "");
}

static void print_one(struct xs_handle *h, const struct domctl_getdomaininfo *i, bool json,
		      bool lng, bool first)
{
	char st[7], uuid[37], *name = store_read(h, "/local/domain/%u/name%s", i->domain, "");
	unsigned long mem = (unsigned long)((i->tot_pages + i->outstanding_pages) * 4 / 1024);
	const char *nm = vmctl_shown_name(name, i->domain);
	unsigned int k;

	state_letters(i->flags, st);
	for (k = 0; k < 16; k++)
		sprintf(uuid + 2 * k + (k >= 4) + (k >= 6) + (k >= 8) + (k >= 10), "%02x",
			i->handle[k]);
	uuid[8] = uuid[13] = uuid[18] = uuid[23] = '-';
	uuid[36] = 0;
	if (!json) {
		printf("%-40s %5u %5lu %5u     %s  %8.1f\n", nm, i->domain, mem,
		       i->nr_online_vcpus, st, (double)i->cpu_time / 1e9);
		free(name);
		return;
	}
	printf("%s\n  { \"domid\": %u, ", first ? "" : ",", i->domain);
	/* No name: null, not xl list's "(null)" text (JSON has a word for none). */
	if (name || !i->domain)
		json_str("name", nm, true);
	else
		printf("\"name\": null, ");
	json_str("uuid", uuid, true);
	printf("\"mem_mib\": %lu, \"vcpus\": %u, ", mem, i->nr_online_vcpus);
	json_str("state", st, true);
	printf("\"cpu_time\": %llu.%09llu", (unsigned long long)(i->cpu_time / 1000000000ULL),
	       (unsigned long long)(i->cpu_time % 1000000000ULL));
	if (lng) {
		static const char *const keys[] = { "on_poweroff", "on_reboot", "on_crash" };
		static const char *const image[] = { "kernel", "ramdisk", "cmdline" };
		char *vm = store_read(h, "/local/domain/%u/vm%s", i->domain, "");

		printf(", \"max_mib\": %llu, \"shutdown\": %s, \"dying\": %s, \"paused\": %s",
		       (unsigned long long)(i->max_pages * 4 / 1024),
		       i->flags & DOMINF_shutdown ? "true" : "false",
		       i->flags & DOMINF_dying ? "true" : "false",
		       i->flags & DOMINF_paused ? "true" : "false");
		for (k = 0; k < 3; k++) {
			char *v = store_read(h, "/libxl/%u/%s", i->domain, keys[k]);

			if (v) {
				printf(", ");
				json_str(keys[k], v, false);
			}
			free(v);
		}
		for (k = 0; vm && k < 3; k++) {
			char path[200], *v = NULL;
			unsigned int len;

			snprintf(path, sizeof(path), "%s/image/%s", vm, image[k]);
			if (!xs_read(h, 0, path, &v, &len)) {
				printf(", ");
				json_str(image[k], v, false);
				free(v);
			}
		}
		free(vm);
		vmctl_top_json(top_view, i->domain);
	}
	printf(" }");
	free(name);
}

int cmd_list(int argc, char **argv)
{
	struct domctl_getdomaininfo *all;
	bool json = false, lng = false, first = true;
	struct xs_handle *h;
	int i, n, shown = 0, bad = 0, ndom = 0;
	unsigned int want[64];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "-l") || !strcmp(argv[i], "--long"))
			lng = json = true;
		else if (argv[i][0] == '-')
			return vmctl_bad_usage("list", "unknown option '%s'", argv[i]);
		else if (ndom < 64) {
			if (vmctl_domain_arg(argv[i], &want[ndom], true))
				bad = 1;
			else
				ndom++;
		}
	}
	if (bad)
		return 1;
	all = calloc(MAX_LIST, sizeof(*all));
	if (!all)
		return 1;
	n = (int)vmctl_dom_list(0, all, MAX_LIST);
	if (n < 0) {
		fprintf(stderr, "vmctl: cannot list the domains: %s\n", strerror(-n));
		free(all);
		return 1;
	}
	h = vmctl_store(true);
	if (lng)
		top_view = vmctl_top_view(1.0);
	if (json)
		printf("[");
	else
		printf("Name                                        ID   Mem VCPUs\tState\tTime(s)\n");
	for (i = 0; i < n; i++) {
		int k;

		for (k = 0; k < ndom && want[k] != all[i].domain; k++)
			;
		if (ndom && k == ndom)
			continue;
		print_one(h, &all[i], json, lng, first);
		first = false;
		shown++;
	}
	if (json)
		printf("\n]\n");
	if (h)
		xs_close(h);
	free(all);
	free(top_view);
	return 0;
}
