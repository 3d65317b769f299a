// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmctl shutdown: the toolstack's polite request. It writes "poweroff" (or
 * "reboot") to the domain's control/shutdown, which Linux's xenbus watches
 * (the kernel then runs its orderly poweroff or reboot); with --wait it
 * waits until the hypervisor no longer lists the domain running.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "vmctl.h"

/* True once the domain is shut down, dying or gone. */
static bool is_down(unsigned int id)
{
	struct domctl_getdomaininfo info;
	long rc = vmctl_domain_info(id, &info);

	return rc || info.domain != id ||
	       (info.flags & (DOMINF_shutdown | DOMINF_dying));
}

int cmd_shutdown(int argc, char **argv)
{
	const char *how = "poweroff";
	double wait = -1;
	struct xs_handle *h;
	unsigned int id;
	int i, rc;

	if (argc < 2) {
		vmctl_usage(stderr);
		return 2;
	}
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--reboot")) {
			how = "reboot";
		} else if (!strcmp(argv[i], "--wait") && i + 1 < argc) {
			if (vmctl_parse_seconds(argv[++i], &wait))
				return 2;
		} else {
			vmctl_usage(stderr);
			return 2;
		}
	}
	rc = vmctl_domu_arg(argv[1], &id, "dom0 is shut down from its own shell (poweroff)");
	if (rc)
		return rc;
	h = vmctl_store(false);
	if (!h)
		return 1;
	rc = vmctl_put(h, id, "control/shutdown", how);
	xs_close(h);
	if (rc)
		return 1;
	printf("d%u: asked to %s\n", id, how);
	if (wait < 0)
		return 0;
	for (i = 0; i < wait * 10 && !is_down(id); i++)
		usleep(100000);
	if (!is_down(id)) {
		fprintf(stderr, "vmctl: d%u is still running after %g s\n", id, wait);
		return 1;
	}
	printf("d%u: %s\n", id, strcmp(how, "reboot") ? "powered off" : "shut down to reboot");
	return 0;
}
