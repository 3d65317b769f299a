// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmctl shutdown / vmctl reboot: the toolstack's polite request. It writes
 * "poweroff" (or "reboot") to the domain's control/shutdown, which Linux's
 * xenbus watches (the kernel then runs its orderly poweroff or reboot).
 * -w waits (60 s; --wait S for S seconds) until the hypervisor no longer
 * lists the domain running; -a asks every domain but dom0. What happens
 * after the shutdown is the monitor's (on_poweroff / on_reboot).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "domctl.h"
#include "vmctl.h"

/* True once the domain is shut down, dying or gone. */
static bool is_down(unsigned int id)
{
	struct domctl_getdomaininfo info;

	return vmctl_dom_info(id, &info) || (info.flags & (DOMINF_shutdown | DOMINF_dying));
}

static int ask(struct xs_handle *h, unsigned int id, const char *how)
{
	if (vmctl_put(h, id, "control/shutdown", how))
		return 1;
	printf("d%u: asked to %s\n", id, how);
	return 0;
}

static int wait_down(unsigned int id, const char *how, double wait)
{
	int i;

	for (i = 0; i < wait * 10 && !is_down(id); i++)
		usleep(100000);
	if (!is_down(id)) {
		fprintf(stderr, "vmctl: d%u is still running after %g s\n", id, wait);
		return 1;
	}
	printf("d%u: %s\n", id, strcmp(how, "reboot") ? "powered off" : "shut down to reboot");
	return 0;
}

static int shutdown_verb(int argc, char **argv, const char *verb, const char *how)
{
	struct domctl_getdomaininfo all[256];
	unsigned int ids[256], nids = 0, k;
	const char *dom = NULL;
	bool every = false;
	double wait = -1;
	struct xs_handle *h;
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--reboot")) {
			how = "reboot";
		} else if (!strcmp(argv[i], "-w")) {
			wait = 60;
		} else if (!strcmp(argv[i], "--wait") && i + 1 < argc) {
			if (vmctl_parse_seconds(argv[++i], &wait))
				return 2;
		} else if (!strcmp(argv[i], "-a") || !strcmp(argv[i], "--all")) {
			every = true;
		} else if (!strcmp(argv[i], "--wait")) {
			return vmctl_bad_usage(verb, "--wait needs a time in seconds");
		} else if (argv[i][0] == '-') {
			return vmctl_bad_usage(verb, "unknown option '%s'", argv[i]);
		} else if (dom) {
			return vmctl_bad_usage(verb, "unexpected argument '%s'", argv[i]);
		} else {
			dom = argv[i];
		}
	}
	if (every == !!dom)
		return vmctl_bad_usage(verb, every ? "-a and a domain: one or the other" :
				       "missing DOM (or -a)");
	if (dom) {
		if (vmctl_domain_arg(dom, &ids[0], true))
			return 1;
		if (ids[0] == 0) {
			fprintf(stderr, "vmctl: dom0 is shut down from its own shell (poweroff)\n");
			return 1;
		}
		nids = 1;
	} else {
		int n = (int)vmctl_dom_list(0, all, 256);

		if (n < 0) {
			fprintf(stderr, "vmctl: cannot list the domains: %s\n", strerror(-n));
			return 1;
		}
		for (i = 0; i < n; i++)
			if (all[i].domain && !(all[i].flags & (DOMINF_shutdown | DOMINF_dying)))
				ids[nids++] = all[i].domain;
	}
	h = vmctl_store(false);
	if (!h)
		return 1;
	for (k = 0; k < nids; k++)
		rc |= ask(h, ids[k], how);
	xs_close(h);
	for (k = 0; !rc && wait >= 0 && k < nids; k++)
		rc |= wait_down(ids[k], how, wait);
	return rc;
}

int cmd_shutdown(int argc, char **argv)
{
	return shutdown_verb(argc, argv, "shutdown", "poweroff");
}

int cmd_reboot(int argc, char **argv)
{
	return shutdown_verb(argc, argv, "reboot", "reboot");
}
