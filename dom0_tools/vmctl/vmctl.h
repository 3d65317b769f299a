/* SPDX-License-Identifier: GPL-2.0-only */
/* vmctl's commands: one file each (cmd_<verb>.c), listed in main.c. */
#ifndef VMCTL_H
#define VMCTL_H

#include <stdio.h>
#include "libvmctl.h"

/* argv[0] is the verb; the exit status: 0, 1 failed, 2 bad usage. */
int cmd_list(int argc, char **argv);
int cmd_introduce(int argc, char **argv);
int cmd_params(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_shutdown(int argc, char **argv);
int cmd_reboot(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_cache(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_unpause(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_vcpu_list(int argc, char **argv);
int cmd_vcpu_pin(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_mem_set(int argc, char **argv);
int cmd_rename(int argc, char **argv);
int cmd_debug_keys(int argc, char **argv);
int cmd_dmesg(int argc, char **argv);
int cmd_block_attach(int argc, char **argv);
int cmd_block_detach(int argc, char **argv);
int cmd_network_attach(int argc, char **argv);
int cmd_network_detach(int argc, char **argv);

void vmctl_usage(FILE *f);
/*
 * args.c: the config text `name = VERB, kernel = "-", KEY = [ "SPEC" ]`
 * for a device verb: SPEC is @pieces joined with commas, then @more if
 * not NULL, quotes and backslashes escaped. NULL when out of memory.
 */
char *vmctl_spec_config(const char *verb, const char *key, int n, char **pieces,
			const char *more);
/* One verb's usage lines (main.c's table). */
void vmctl_verb_usage(const char *verb, FILE *f);
/*
 * Bad usage of @verb (args.c): "vmctl VERB: WHY" and the verb's usage on
 * stderr; 2, the status to return.
 */
int vmctl_bad_usage(const char *verb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * The same with WHY found in argv[first..argc-1], which were to be
 * @nmin to @nmax operands: the first that looks like an option ("unknown
 * option"), else too few ("missing @missing") or the first one too many.
 */
int vmctl_bad_args(const char *verb, int argc, char **argv, int first, int nmin, int nmax,
		   const char *missing);
/*
 * A domain named by id or name (domain_arg.c): 0; 1 after printing xl's
 * "<arg> is an invalid domain identifier" (or that dom0 is not allowed).
 */
int vmctl_domain_arg(const char *arg, unsigned int *domid, bool allow_dom0);
/* The same for a domU, and the store (vmctl_store): NULL after saying why. */
struct xs_handle *vmctl_domain_store(const char *arg, unsigned int *domid);
/*
 * The name a listing shows for domain @domid whose /local/domain/<id>/name
 * read as @name (NULL: none, e.g. a boot-time domU not yet introduced):
 * the name; "Domain-0" for dom0 without one; otherwise the text xl's
 * printf("%s") of libxl's NULL name gives on glibc, "(null)", written out
 * here (a NULL passed for %s is undefined behaviour).
 */
const char *vmctl_shown_name(const char *name, unsigned int domid);
/* cmd_top.c: vmtop's view from two samples @secs apart (NULL: failed, said why). */
struct vt_view *vmctl_top_view(double secs);
/* The figures of domain @domid in @v as JSON members (", \"key\": value..."). */
void vmctl_top_json(const struct vt_view *v, unsigned int domid);
struct vmctl_config;
/* Forks the domain's monitor (monitor.c): 0 or -errno. */
int vmctl_monitor_start(struct vmctl_config *cfg, unsigned int domid);

/* args.c: command-line arguments; these print why one is refused. */
/* A domain id; -1 if it is not one. */
int vmctl_parse_id(const char *s, unsigned int *id);
/* Seconds (a decimal, >= 0); -1 if not. */
int vmctl_parse_seconds(const char *s, double *secs);

#endif
