// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmctl block-attach DOM DISKSPEC...: one more disk for a running domain,
 * as xl block-attach (the DISKSPEC of a config's disk list, its pieces
 * joined with commas); vmctl block-detach DOM VDEV: as xl block-detach.
 * The disk step itself is libvmctl/devices_disk.c, shared with create.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "builder.h"
#include "config.h"
#include "devices_disk.h"
#include "vmctl.h"

int cmd_block_attach(int argc, char **argv)
{
	struct vmctl_config_report rep = { 0 };
	struct vmctl_config cfg;
	struct xs_handle *xs;
	char err[VMCTL_ERR_MAX], *text;
	unsigned int id;
	int rc;

	if (argc < 3)
		return vmctl_bad_args("block-attach", argc, argv, 1, 2, argc, "DOM or DISKSPEC");
	if (vmctl_domain_arg(argv[1], &id, false))
		return 1;
	text = vmctl_spec_config("block-attach", "disk", argc - 2, argv + 2, NULL);
	if (!text)
		return 1;
	rc = vmctl_config_parse("block-attach", text, strlen(text), NULL, 0, 0, &cfg, &rep);
	free(text);
	if (rc) {
		fprintf(stderr, "vmctl: %s\n", rep.error);
		return 1;
	}
	xs = vmctl_store(false);
	rc = xs ? vmctl_disks_attach(xs, id, cfg.disks, cfg.nr_disks, err, sizeof(err)) : -ENOENT;
	if (rc && xs)
		fprintf(stderr, "vmctl: block-attach: %s\n", err);
	if (xs)
		xs_close(xs);
	vmctl_config_free(&cfg);
	return rc ? 1 : 0;
}

int cmd_block_detach(int argc, char **argv)
{
	struct xs_handle *xs;
	unsigned int id;
	int devid, rc;

	if (argc != 3 || argv[1][0] == '-')
		return vmctl_bad_args("block-detach", argc, argv, 1, 2, 2, "DOM or VDEV");
	if (vmctl_domain_arg(argv[1], &id, false))
		return 1;
	devid = vmctl_vdev_devid(argv[2]);
	if (devid < 0) {
		fprintf(stderr, "vmctl: block-detach: '%s' is not a virtual disk name\n", argv[2]);
		return 2;
	}
	xs = vmctl_store(false);
	if (!xs)
		return 1;
	rc = vmctl_disk_detach(xs, id, devid, VMCTL_DISK_WAIT_MS);
	xs_close(xs);
	if (rc)
		fprintf(stderr, "vmctl: block-detach: domain %u has no disk %s\n", id, argv[2]);
	return rc ? 1 : 0;
}
