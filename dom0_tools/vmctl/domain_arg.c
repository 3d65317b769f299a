// SPDX-License-Identifier: GPL-2.0-only
/* A domain named on vmctl's command line, by id or by name (xl's rule). */
#include <errno.h>
#include <stdio.h>
#include "builder.h"
#include "vmctl.h"

int vmctl_domain_arg(const char *arg, unsigned int *domid, bool allow_dom0)
{
	int rc = vmctl_find_domain(arg, domid);

	if (rc) {
		fprintf(stderr, "vmctl: %s is an invalid domain identifier (rc=%d)\n", arg, rc);
		return 1;
	}
	if (*domid == 0 && !allow_dom0) {
		fprintf(stderr, "vmctl: %s: not for domain 0\n", arg);
		return 1;
	}
	return 0;
}

/* A domU named by @arg and the store, for a verb that changes it: NULL after saying why. */
struct xs_handle *vmctl_domain_store(const char *arg, unsigned int *domid)
{
	if (vmctl_domain_arg(arg, domid, false))
		return NULL;
	return vmctl_store(false);
}

const char *vmctl_shown_name(const char *name, unsigned int domid)
{
	if (name)
		return name;
	return domid ? "(null)" : "Domain-0";
}
