// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmctl: the toolstack's command line, in dom0. One row per verb below,
 * one file per verb (cmd_<verb>.c); what they share is in libvmctl.
 *
 * introduce does what a toolstack does for a domain it built: it creates
 * /local/domain/ID as Xen's libxl does (owned by dom0 and readable by the
 * domain, with the nodes the guest writes, control/{shutdown,feature-*,
 * sysrq} and data, drivers, feature, attr, error, owned by the domain)
 * with name, domid, cpu/0/availability, memory/{static-max,target} and
 * console/{ring-ref,port,type}, then sends XS_INTRODUCE with the store
 * ring's frame and port, after which xenstored maps the ring (grant ref 1)
 * and serves the domain, and consoled its console. The frames and ports
 * come from the hypervisor (hvm_op get_param, lamina/hvm_op.h); domains
 * are listed with domctl getdomaininfo (lamina/domctl.h).
 */
#include <string.h>
#include "vmctl.h"

static const struct {
	const char *verb;
	int (*run)(int argc, char **argv);
	const char *usage;
} commands[] = {
	{ "list", cmd_list,
	  "list                        the domains: id, name, memory, state" },
	{ "introduce", cmd_introduce,
	  "introduce [--all | ID [NAME]]\n"
	  "                              hand boot-time domUs (all not yet introduced, or\n"
	  "                              one, named NAME) to xenstored" },
	{ "params", cmd_params,
	  "params ID                   a boot-time domain's xenstore and console rings" },
	{ "console", cmd_console,
	  "console ID [--wait S]       the domain's console (served by consoled); Ctrl-]\n"
	  "                              leaves. With input from a pipe or file: type it,\n"
	  "                              then show the output for S more seconds (default 1)" },
	{ "shutdown", cmd_shutdown,
	  "shutdown ID [--reboot] [--wait S]\n"
	  "                              ask the domain's kernel to power off (or reboot)\n"
	  "                              through control/shutdown; with --wait, wait up\n"
	  "                              to S seconds until it has" },
};

void vmctl_usage(FILE *f)
{
	unsigned int i;

	fputs("usage: vmctl COMMAND [ARGS]\n", f);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fputs("  help                        this text\n"
	      "xenstored is reached at $XENSTORED_PATH or /run/xenstored/socket.\n", f);
}

/* libvmctl's messages: the verb's own follow them. */
static void log_stderr(const char *msg)
{
	fprintf(stderr, "vmctl: %s\n", msg);
}

int main(int argc, char **argv)
{
	unsigned int i;

	vmctl_set_log(log_stderr);
	if (argc < 2) {
		vmctl_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		vmctl_usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].verb))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "vmctl: unknown command '%s'\n", argv[1]);
	vmctl_usage(stderr);
	return 2;
}
