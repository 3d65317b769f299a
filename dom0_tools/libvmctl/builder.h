/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The domain builder of `vmctl create`: a 64-bit PV domU from a parsed
 * config (config.h), in the order of docs/toolstack.md §1.4 —
 * createdomain, max_vcpus, max_mem, the store and console event channels,
 * populate_physmap, the kernel, ramdisk, p2m, start_info and page tables
 * of §1.7 written through foreign mappings (dropped before the L4 is
 * pinned for the domain), shared_info cleared with every upcall masked,
 * vCPU 0's context, grant refs 0 and 1, the xenstore nodes of §5 with
 * libxl's permissions, XS_INTRODUCE, the devices (devices_disk.h,
 * devices_vif.h), unpause. A failure at any step
 * undoes every step before it: no domain, frame, mapping or store node is
 * left. Nothing here prints or exits; progress goes to a callback.
 *
 * A build that is told to stop (vmctl_build_opts' stop, set by the
 * caller's signal handler: Ctrl-C) fails at its next step, or in its wait
 * for the console, and is undone as any other failure.
 *
 * Failure injection for tests: VMCTL_FAIL_STEP=N in the environment makes
 * step N (vmctl_build_step_name(N)) fail as if the hypervisor had said
 * -EIO, so every undo path can be exercised.
 */
#ifndef LIBVMCTL_BUILDER_H
#define LIBVMCTL_BUILDER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"

struct vmctl_build_opts {
	bool paused;			/* leave it paused (create -p) */
	bool dry_run;			/* check the config, kernel and memory only */
	bool no_cache;			/* read the kernel and ramdisk without the cache (kcache.h) */
	void (*progress)(void *arg, const char *msg);	/* slow steps; may be NULL */
	/*
	 * Called once the domain is built and everything the build read is
	 * released, just before it is unpaused (or left paused); may be NULL.
	 * What it starts must cope with the domain going away: the unpause
	 * can still fail, and the domain is then destroyed.
	 */
	void (*before_unpause)(void *arg, unsigned int domid);
	void *arg;
	/*
	 * Non-zero (the signal's number, written by the caller's handler):
	 * stop, undoing what was built. The loader (builder.c) has its own
	 * copy since its fork: a signal to the process group (Ctrl-C) reaches
	 * it too, one to vmctl alone stops the build at its next step. May be
	 * NULL.
	 */
	const volatile sig_atomic_t *stop;
};

struct vmctl_build_result {
	unsigned int domid;
	char uuid[37];
	uint64_t store_mfn, console_mfn;
	unsigned int store_port, console_port;
	char kernel_format[32];
};

#define VMCTL_ERR_MAX	512

/*
 * Builds and (unless opts->paused) starts the domain: 0, or -errno with
 * @err saying what failed. -EEXIST: the name is taken; -ENOEXEC: the
 * kernel is not a PV kernel; -ENOMEM: not enough free memory.
 */
int vmctl_domain_build(const struct vmctl_config *cfg, const struct vmctl_build_opts *opts,
		       struct vmctl_build_result *res, char *err, size_t errlen);

/* The name of build step n (1-based), or NULL past the last. */
const char *vmctl_build_step_name(unsigned int n);

/*
 * Ends a domain the way xl destroy does: pause, remove its store nodes
 * (/local/domain/<id>, its /vm/<uuid>, /libxl/<id>), destroydomain, and
 * let xenstored go of it. Works on a domain that is hung, shut down or
 * never started. 0 or -errno with @err set.
 */
int vmctl_domain_destroy(unsigned int domid, char *err, size_t errlen);

/*
 * A domain named on the command line, by id or by its store name
 * ("Domain-0" is 0): 0 with *domid, -ENOENT when none has that name or
 * id, -EINVAL when @arg is neither.
 */
int vmctl_find_domain(const char *arg, unsigned int *domid);

/* The name in the store of a domain, malloc'd, or NULL. */
char *vmctl_domain_name(unsigned int domid);

/* Renames: /local/domain/<id>/name and /vm/<uuid>/name; -EEXIST if taken. */
int vmctl_domain_rename(unsigned int domid, const char *name, char *err, size_t errlen);

#endif
