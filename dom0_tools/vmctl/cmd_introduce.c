// SPDX-License-Identifier: GPL-2.0-only
/* vmctl introduce: hand boot-time domUs to xenstored (see main.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vmctl.h"

/*
 * The domain's home as Xen's libxl lays it out (docs/toolstack.md §5): dom0 owns
 * it and every node the toolstack or a backend writes (console/tty among
 * them: `vmctl console` opens it as root), and the guest may read them;
 * the guest owns only the nodes it writes itself.
 */
static const char *const guest_owned[] = {
	"control/shutdown", "control/feature-poweroff", "control/feature-reboot",
	"control/feature-suspend", "control/sysrq",
	"data", "drivers", "feature", "attr", "error",
};

/* dom0's directories; their values and nodes written below inherit n0 r<id>. */
static const char *const dom0_dirs[] = { "", "cpu", "cpu/0", "memory", "device", "control",
					 "console" };

/* A dom0-owned node, its permissions set even if it was there before. */
static int put_dom0(struct xs_handle *h, unsigned int id, const char *rel, const char *val)
{
	return vmctl_put(h, id, rel, val) || vmctl_set_owner(h, id, rel, false);
}

static int put_dom0_num(struct xs_handle *h, unsigned int id, const char *rel,
			unsigned long long v)
{
	char val[24];

	snprintf(val, sizeof(val), "%llu", v);
	return put_dom0(h, id, rel, val);
}

/*
 * Lays out /local/domain/<id>. A domain not yet introduced starts from
 * nothing (a stale node a guest owned must not survive); for one already
 * introduced, every node we own has its permissions set again, console/tty
 * too if consoled wrote it. 0, or 1 after saying why.
 */
static int lay_out_home(struct xs_handle *h, unsigned int id, const char *name,
			unsigned long long pages, const struct vmctl_rings *r)
{
	char path[48], *tty;
	unsigned int i, len;
	int rc;

	snprintf(path, sizeof(path), "/local/domain/%u", id);
	if (xs_is_domain_introduced(h, id) != 1) {
		rc = xs_rm(h, 0, path);
		if (rc && rc != -ENOENT) {
			fprintf(stderr, "vmctl: d%u: cannot clear %s: %s\n", id, path,
				strerror(-rc));
			return 1;
		}
	}
	for (i = 0; i < sizeof(dom0_dirs) / sizeof(dom0_dirs[0]); i++)
		if (put_dom0(h, id, dom0_dirs[i], NULL))
			return 1;
	for (i = 0; i < sizeof(guest_owned) / sizeof(guest_owned[0]); i++)
		if (vmctl_put(h, id, guest_owned[i], NULL) ||
		    vmctl_set_owner(h, id, guest_owned[i], true))
			return 1;
	if (put_dom0(h, id, "name", name) || put_dom0_num(h, id, "domid", id) ||
	    put_dom0(h, id, "cpu/0/availability", "online") ||
	    (pages && (put_dom0_num(h, id, "memory/static-max", pages * 4) ||
		       put_dom0_num(h, id, "memory/target", pages * 4))) ||
	    put_dom0_num(h, id, "console/ring-ref", r->console_mfn) ||
	    put_dom0_num(h, id, "console/port", r->console_port) ||
	    put_dom0(h, id, "console/type", "lamina-consoled"))
		return 1;
	snprintf(path, sizeof(path), "/local/domain/%u/console/tty", id);
	rc = xs_read(h, 0, path, &tty, &len);
	if (rc == -ENOENT)
		return 0;
	if (!rc)
		free(tty);
	return rc || vmctl_set_owner(h, id, "console/tty", false);
}

/* One domain: its home, then XS_INTRODUCE. */
static int introduce(struct xs_handle *h, unsigned int id, const char *name)
{
	struct domctl_getdomaininfo info;
	unsigned long long pages = 0;
	struct vmctl_rings r;
	char dflt[32];
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
	if (lay_out_home(h, id, name, pages, &r))
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

	if (argc == 3 && !strcmp(argv[1], "--all"))
		return vmctl_bad_usage("introduce", "--all takes no NAME");
	if (argc < 2 || argc > 3 || (argv[1][0] == '-' && strcmp(argv[1], "--all")))
		return vmctl_bad_args("introduce", argc, argv, 1, 1, 2, "--all or ID");
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
