// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmctl network-attach DOM NETSPEC...: one more vif for a running domain,
 * as xl network-attach (the NETSPEC of a config's vif list, its pieces
 * joined with commas; without devid= the next free one, as libxl picks
 * it); vmctl network-detach DOM DEVID|MAC: as xl network-detach. The vif
 * step itself is libvmctl/devices_vif.c, shared with create.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "builder.h"
#include "config.h"
#include "devices_vif.h"
#include "vmctl.h"

/* Whether one of the comma-separated items of @pieces is devid=. */
static bool names_devid(int n, char **pieces)
{
	int i;

	for (i = 0; i < n; i++) {
		const char *s = pieces[i];

		while (s) {
			s += strspn(s, " \t,");
			if (!strncmp(s, "devid", 5) && s[5 + strspn(s + 5, " \t")] == '=')
				return true;
			s = strchr(s, ',');
		}
	}
	return false;
}

int cmd_network_attach(int argc, char **argv)
{
	struct vmctl_config_report rep = { 0 };
	struct vmctl_config cfg;
	struct xs_handle *xs;
	char err[VMCTL_ERR_MAX], devid[32], *text;
	unsigned int id;
	int rc;

	if (argc < 3)
		return vmctl_bad_args("network-attach", argc, argv, 1, 2, argc, "DOM or NETSPEC");
	xs = vmctl_domain_store(argv[1], &id);
	if (!xs)
		return 1;
	snprintf(devid, sizeof(devid), "devid=%d", vmctl_vif_next_devid(xs, id));
	text = vmctl_spec_config("network-attach", "vif", argc - 2, argv + 2,
				 names_devid(argc - 2, argv + 2) ? NULL : devid);
	if (!text) {
		xs_close(xs);
		return 1;
	}
	rc = vmctl_config_parse("network-attach", text, strlen(text), NULL, 0, 0, &cfg, &rep);
	free(text);
	if (rc) {
		fprintf(stderr, "vmctl: %s\n", rep.error);
		xs_close(xs);
		return 1;
	}
	rc = vmctl_vifs_attach(xs, id, cfg.vifs, cfg.nr_vifs, err, sizeof(err));
	if (rc)
		fprintf(stderr, "vmctl: network-attach: %s\n", err);
	xs_close(xs);
	vmctl_config_free(&cfg);
	return rc ? 1 : 0;
}

/* DEVID, or the devid of the domain's vif with this MAC (any case); -1: none. */
static int find_vif(struct xs_handle *xs, unsigned int domid, const char *arg)
{
	char dir[64], path[128], *names = NULL, *s, *mac, *end;
	unsigned int len;
	long devid = strtol(arg, &end, 10);
	int n, k, found = -1;

	if (*arg >= '0' && *arg <= '9' && !*end)
		return devid <= 0x7fffffff ? (int)devid : -1;
	snprintf(dir, sizeof(dir), "/local/domain/0/backend/vif/%u", domid);
	n = xs_directory(xs, 0, dir, &names, &len);
	for (k = 0, s = names; n > 0 && k < n && found < 0; k++, s += strlen(s) + 1) {
		snprintf(path, sizeof(path), "%s/%s/mac", dir, s);
		if (xs_read(xs, 0, path, &mac, &len))
			continue;
		if (!strcasecmp(mac, arg))
			found = atoi(s);
		free(mac);
	}
	if (n > 0)
		free(names);
	return found;
}

int cmd_network_detach(int argc, char **argv)
{
	struct xs_handle *xs;
	unsigned int id;
	int devid, rc;

	if (argc != 3 || argv[1][0] == '-')
		return vmctl_bad_args("network-detach", argc, argv, 1, 2, 2, "DOM or DEVID|MAC");
	xs = vmctl_domain_store(argv[1], &id);
	if (!xs)
		return 1;
	devid = find_vif(xs, id, argv[2]);
	rc = devid < 0 ? -ENOENT : vmctl_vif_detach(xs, id, devid, VMCTL_VIF_WAIT_MS);
	xs_close(xs);
	if (rc)
		fprintf(stderr, "vmctl: network-detach: domain %u has no vif %s\n", id, argv[2]);
	return rc ? 1 : 0;
}
