// SPDX-License-Identifier: GPL-2.0-only
/* vmctl introduce: hand boot-time domUs to xenstored (see main.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vmctl.h"

/* One domain: its nodes, owned by it, then XS_INTRODUCE. */
static int introduce(struct xs_handle *h, unsigned int id, const char *name)
{
	char base[48], owner[16], dflt[32];
	const char *perms[] = { owner };
	struct domctl_getdomaininfo info;
	unsigned long long pages = 0;
	struct vmctl_rings r;
	long rc = vmctl_get_rings(id, &r);

	if (!vmctl_domain_info(id, &info) && info.domain == id)
		pages = info.tot_pages;		/* KiB below, as the balloon driver reads them */
	if (rc == -ENOENT) {
		fprintf(stderr, "vmctl: d%u has no xenstore ring (built with rings=off?)\n", id);
		return 1;
	}
	if (rc) {
		fprintf(stderr, "vmctl: d%u: %s\n", id,
			rc == -ESRCH ? "no such domain" : strerror((int)-rc));
		return 1;
	}
	if (!name) {
		snprintf(dflt, sizeof(dflt), "domU-%u", id);
		name = dflt;
	}
	snprintf(base, sizeof(base), "/local/domain/%u", id);
	snprintf(owner, sizeof(owner), "n%u", id);
	if (vmctl_put(h, id, "", NULL))
		return 1;
	rc = xs_set_perms(h, 0, base, perms, 1);
	if (rc) {
		fprintf(stderr, "vmctl: d%u: cannot make it the owner of %s: %s\n", id, base,
			strerror((int)-rc));
		return 1;
	}
	if (vmctl_put(h, id, "name", name) || vmctl_put_num(h, id, "domid", id) ||
	    vmctl_put(h, id, "cpu/0/availability", "online") ||
	    (pages && (vmctl_put_num(h, id, "memory/static-max", pages * 4) ||
		       vmctl_put_num(h, id, "memory/target", pages * 4))) ||
	    vmctl_put_num(h, id, "console/ring-ref", r.console_mfn) ||
	    vmctl_put_num(h, id, "console/port", r.console_port) ||
	    vmctl_put(h, id, "console/type", "lamina-consoled") || vmctl_put(h, id, "data", NULL))
		return 1;
	rc = xs_introduce(h, id, r.store_mfn, (unsigned int)r.store_port);
	if (rc) {
		fprintf(stderr, "vmctl: d%u: xenstored refused the introduction: %s\n", id,
			strerror((int)-rc));
		return 1;
	}
	printf("d%u (%s): introduced, store ring mfn %#llx port %llu\n", id, name,
	       (unsigned long long)r.store_mfn, (unsigned long long)r.store_port);
	return 0;
}

int cmd_introduce(int argc, char **argv)
{
	struct domctl_getdomaininfo info;
	struct xs_handle *h;
	unsigned int id = 1, done = 0;
	int failed = 0;
	long rc;

	if (argc < 2 || argc > 3 || (argc == 3 && !strcmp(argv[1], "--all"))) {
		vmctl_usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--all") && vmctl_parse_id(argv[1], &id))
		return 2;
	if (id == 0) {
		fprintf(stderr, "vmctl: dom0 is always introduced\n");
		return 1;
	}
	h = vmctl_store(false);
	if (!h)
		return 1;
	if (strcmp(argv[1], "--all")) {
		failed = introduce(h, id, argc == 3 ? argv[2] : NULL);
		xs_close(h);
		return failed;
	}
	while ((rc = vmctl_domain_info(id, &info)) == 0) {
		struct vmctl_rings r;

		id = info.domain + 1u;
		if (info.flags & (DOMINF_dying | DOMINF_shutdown) ||
		    xs_is_domain_introduced(h, info.domain) == 1 ||
		    vmctl_get_rings(info.domain, &r) == -ENOENT)
			continue;
		failed |= introduce(h, info.domain, NULL);
		done++;
	}
	xs_close(h);
	if (rc != -ESRCH) {
		fprintf(stderr, "vmctl: domctl getdomaininfo: %s\n", strerror((int)-rc));
		return 1;
	}
	if (!done)
		printf("no boot-time domain waiting to be introduced\n");
	return failed;
}
