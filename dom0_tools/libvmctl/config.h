/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The domain config file of `vmctl create`: the xl.cfg subset of
 * docs/toolstack.md §4, read with xl's lexical rules, so that an
 * xl.cfg written for Xen 4.17 that uses only these keys is accepted as it
 * is. config.c's opening comment lists the rules and every place where
 * vmctl differs from xl (all of them refusals of input xl would accept with
 * a warning or silently misread, or leniencies xl lacks).
 *
 * Use:
 *
 *	struct vmctl_config cfg;
 *	struct vmctl_config_report rep = { .warn = print_warning };
 *
 *	if (vmctl_config_load(path, overrides, n_overrides, 0, &cfg, &rep)) {
 *		fprintf(stderr, "vmctl: %s\n", rep.error);
 *		return 1;
 *	}
 *	...
 *	vmctl_config_free(&cfg);
 *
 * Nothing here prints, exits or touches a domain: errors and warnings
 * reach the caller through struct vmctl_config_report.
 */
#ifndef LIBVMCTL_CONFIG_H
#define LIBVMCTL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* on_poweroff / on_reboot / on_crash / on_watchdog / on_soft_reset (§2.5). */
enum vmctl_action {
	VMCTL_ACTION_DESTROY,
	VMCTL_ACTION_RESTART,
	VMCTL_ACTION_RENAME_RESTART,
	VMCTL_ACTION_PRESERVE,
	VMCTL_ACTION_COREDUMP_DESTROY,
	VMCTL_ACTION_COREDUMP_RESTART,
	VMCTL_ACTION_SOFT_RESET,
};

enum vmctl_disk_format {
	VMCTL_DISK_RAW,		/* the default */
	VMCTL_DISK_QCOW,
	VMCTL_DISK_QCOW2,
	VMCTL_DISK_VHD,
	VMCTL_DISK_QED,
	VMCTL_DISK_EMPTY,	/* an empty cdrom drive */
};

enum vmctl_disk_backendtype {
	VMCTL_DISK_BACKEND_AUTO,	/* not given: libxl picks phy, qdisk, standalone */
	VMCTL_DISK_BACKEND_PHY,
	VMCTL_DISK_BACKEND_TAP,
	VMCTL_DISK_BACKEND_QDISK,
	VMCTL_DISK_BACKEND_STANDALONE,
};

/* One DISKSPEC (xl-disk-configuration(5), docs/toolstack.md §4.3). */
struct vmctl_disk {
	char *where;		/* "FILE:LINE:COL" of its string, for the caller's messages */
	char *target;		/* as written (no "/dev" added); NULL: none (an empty cdrom) */
	char *vdev;		/* "xvda", "hdc", "sdb1", "d0p1", or a number */
	int devid;		/* vdev's xenstore device number: xvda = 51712 (§5.4) */
	enum vmctl_disk_format format;
	enum vmctl_disk_backendtype backendtype;
	bool readwrite;		/* access: default rw; always false for a cdrom */
	bool cdrom;		/* devtype=cdrom, the cdrom flag, or "vdev:cdrom" */
	bool virtio;		/* specification=virtio (default xen) */
	bool direct_io_safe;
	int discard;		/* -1 not said (default on), 0 no-discard, 1 discard */
	int trusted;		/* -1 not said (default trusted), 0 untrusted, 1 trusted */
	char *backend;		/* backend=DOMAIN; NULL: dom0 */
	char *script;		/* script= or a deprecated iscsi:/nbd:/enbd:/drbd: prefix */
};

/* One NETSPEC (xl-network-configuration(5), docs/toolstack.md §4.4). */
struct vmctl_vif {
	char *where;		/* "FILE:LINE:COL" of its string */
	int devid;		/* devid=, else its index in the list */
	bool has_mac;
	uint8_t mac[6];		/* when has_mac; else the caller picks 00:16:3e:xx:xx:xx */
	unsigned int mtu;	/* 0: not said (1500) */
	int trusted;		/* -1 not said, 0 untrusted, 1 trusted */
	uint64_t rate_bytes_per_sec;	/* 0: no rate limit */
	uint32_t rate_interval_usecs;	/* 50000 unless "@INTERVAL" */
	char *bridge, *script, *ip, *vifname, *backend, *gatewaydev, *model;	/* NULL: default */
};

/*
 * One iomem= item, "START,NUM_PAGES[@GFN]" in hexadecimal (xl.cfg(5),
 * docs/toolstack.md §4): machine frames START to START + NUM_PAGES - 1
 * the domain may map (domctl iomem_permission). GFN means nothing to a PV
 * domain, which maps machine frames: kept as libxl keeps it.
 */
struct vmctl_iomem {
	char *where;		/* "FILE:LINE:COL" of its string */
	uint64_t start, nr_pages;
	bool has_gfn;
	uint64_t gfn;
};

struct vmctl_config {
	char *name;		/* mandatory */
	bool has_uuid;
	uint8_t uuid[16];	/* uuid=, in the order written; else the caller makes one */
	unsigned long memory_mib;	/* default maxmem, else 32 */
	unsigned long maxmem_mib;	/* default memory, else 32; >= memory_mib */
	unsigned int vcpus;		/* default 1 */
	unsigned int maxvcpus;		/* default vcpus; >= vcpus */
	char *kernel;		/* mandatory; a path as written (relative to the caller's cwd) */
	char *ramdisk;		/* NULL: none */
	char *cmdline;		/* cmdline=, else "root=ROOT EXTRA" as xl joins them; NULL: none */
	enum vmctl_action on_poweroff, on_reboot, on_crash, on_watchdog, on_soft_reset;
	struct vmctl_disk *disks;
	unsigned int nr_disks;
	struct vmctl_vif *vifs;
	unsigned int nr_vifs;
	struct vmctl_iomem *iomem;	/* iomem=, in the order written */
	unsigned int nr_iomem;
};

#define VMCTL_CONFIG_MSG_MAX 512

struct vmctl_config_report {
	/*
	 * OUT, after a failure: "FILE:LINE:COLUMN: what is wrong, what was
	 * expected" (LINE and COLUMN count from 1, COLUMN in bytes). A
	 * KEY=VALUE argument is named "command line:N:COLUMN", N counting
	 * those arguments from 1. A mandatory key that is missing is named
	 * by FILE alone, and an error reading the file by its path.
	 */
	char error[VMCTL_CONFIG_MSG_MAX];
	/* IN, may be NULL: called with each warning, same shape plus "warning: ". */
	void (*warn)(void *arg, const char *msg);
	void *warn_arg;
};

/*
 * Flags. Unknown keys are refused by default (xl ignores them silently;
 * see config.c); with VMCTL_CONFIG_UNKNOWN_WARN each is reported through
 * report->warn instead and otherwise ignored, as xl does.
 */
#define VMCTL_CONFIG_UNKNOWN_WARN	(1u << 0)

/*
 * Parse @text (@len bytes, named @source in messages) followed by
 * @n_overrides KEY=VALUE statements, each parsed as one more line after the
 * file as `xl create FILE KEY=VALUE...` does (so the last assignment of a
 * key wins and "+=" appends to the file's value). Fills @cfg (owned by the
 * caller afterwards: vmctl_config_free()). Returns 0; -EINVAL with
 * report->error set; -ENOMEM. On failure @cfg holds nothing to free.
 */
int vmctl_config_parse(const char *source, const char *text, size_t len,
		       char *const *overrides, int n_overrides, unsigned int flags,
		       struct vmctl_config *cfg, struct vmctl_config_report *report);

/*
 * vmctl_config_parse() of the file at @path (at most 1 MiB; "/dev/null"
 * reads as empty, so the KEY=VALUE arguments alone make the config, as with
 * xl). Returns as vmctl_config_parse(), or -errno from opening or reading
 * the file with report->error naming it.
 */
int vmctl_config_load(const char *path, char *const *overrides, int n_overrides,
		      unsigned int flags, struct vmctl_config *cfg,
		      struct vmctl_config_report *report);

void vmctl_config_free(struct vmctl_config *cfg);

/* "destroy", "restart", ... as xl.cfg spells the action. */
const char *vmctl_action_name(enum vmctl_action a);

/*
 * The xenstore device number of a virtual disk name as libxl computes it
 * (xvdX[N], hdX[N], sdX[N], dNpM, or a plain number), or -1 when vdev is
 * not one: xvda = 51712, xvdb1 = 51729, hda = 768, sdb = 2064.
 */
int vmctl_vdev_devid(const char *vdev);

#endif
