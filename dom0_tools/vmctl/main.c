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
	{ "create", cmd_create,
	  "create [-c] [-p] [-n|--dry-run] [-q] [--no-cache] FILE [KEY=VALUE...]\n"
	  "                              build and start a PV domain from an xl.cfg file\n"
	  "                              (KEY=VALUE lines override it); -c: then its console,\n"
	  "                              -p: leave it paused, -n: check only, -q: quiet,\n"
	  "                              --no-cache: unpack the kernel and ramdisk anew\n"
	  "                              without the cache (as VMCTL_CACHE=off)" },
	{ "cache", cmd_cache,
	  "cache [list | clear]        the cache of unpacked kernels and ramdisks\n"
	  "                              (/var/cache/lamina): its entries, or remove them all" },
	{ "destroy", cmd_destroy,
	  "destroy DOM                 end the domain at once (hung or never started too)" },
	{ "block-attach", cmd_block_attach,
	  "block-attach DOM DISKSPEC   one more disk for the domain (a disk = [...] entry:\n"
	  "                              'format=raw, vdev=xvdb, access=ro, target=/img')" },
	{ "block-detach", cmd_block_detach,
	  "block-detach DOM VDEV       take the disk away (the guest is asked to close it)" },
	{ "network-attach", cmd_network_attach,
	  "network-attach DOM NETSPEC  one more vif for the domain (a vif = [...] entry:\n"
	  "                              'mac=00:16:3e:00:00:05, bridge=xenbr0'); devid:\n"
	  "                              devid= or one above the domain's largest" },
	{ "network-detach", cmd_network_detach,
	  "network-detach DOM DEVID|MAC\n"
	  "                              take the vif away (the guest is asked to close it)" },
	{ "list", cmd_list,
	  "list [-l] [--json] [DOM...] the domains, xl list's columns; --json: as JSON;\n"
	  "                              -l: JSON with uuid, limits, kernel, on_* actions,\n"
	  "                              and vmtop's figures over a second" },
	{ "top", cmd_top,
	  "top [VMTOP-ARGS]            vmtop: domains, CPUs and I/O, live (vmtop(1))" },
	{ "pause", cmd_pause,
	  "pause DOM                   pause the domain (counted)" },
	{ "unpause", cmd_unpause,
	  "unpause DOM                 undo one pause" },
	{ "resume", cmd_resume,
	  "resume DOM                  a suspended domain runs on, its suspend cancelled\n"
	  "                              (its SCHEDOP_shutdown returns 1)" },
	{ "info", cmd_info,
	  "info [KEY]                  the host as xl info: memory in MiB, free_memory,\n"
	  "                              free_pages, the hypervisor's version; KEY: one value" },
	{ "vcpu-list", cmd_vcpu_list,
	  "vcpu-list [DOM...]          every vCPU: CPU, state, time, affinity" },
	{ "vcpu-pin", cmd_vcpu_pin,
	  "vcpu-pin DOM VCPU|all HARD [SOFT]\n"
	  "                              a vCPU's CPU affinity: all, - (keep) or 0,2-3" },
	{ "mem-set", cmd_mem_set,
	  "mem-set DOM SIZE[b|k|m|g|t] the domain's memory target (no suffix: MiB)" },
	{ "rename", cmd_rename,
	  "rename DOM NEWNAME          a new name for the domain" },
	{ "debug-keys", cmd_debug_keys,
	  "debug-keys KEYS             run the hypervisor's debug keys (Lamina: m = memory\n"
	  "                              and the frame audit of every domain)" },
	{ "dmesg", cmd_dmesg,
	  "dmesg [-c]                  the hypervisor's console ring; -c: then clear it" },
	{ "reboot", cmd_reboot,
	  "reboot [-w] [--wait S] (-a | DOM)\n"
	  "                              ask the domain's kernel to reboot; -a: every domU" },
	{ "introduce", cmd_introduce,
	  "introduce [--all | ID [NAME]]\n"
	  "                              hand boot-time domUs (all not yet introduced, or\n"
	  "                              one, named NAME) to xenstored" },
	{ "params", cmd_params,
	  "params ID                   a boot-time domain's xenstore and console rings" },
	{ "console", cmd_console,
	  "console DOM [--wait S]      the domain's console (served by consoled); Ctrl-]\n"
	  "                              leaves. With input from a pipe or file: type it,\n"
	  "                              then show the output for S more seconds (default 1)" },
	{ "shutdown", cmd_shutdown,
	  "shutdown [-w] [--wait S] [--reboot] (-a | DOM)\n"
	  "                              ask the domain's kernel to power off (or reboot)\n"
	  "                              through control/shutdown; -w: wait until it has\n"
	  "                              (60 s; --wait: S seconds); -a: every domU" },
};

void vmctl_verb_usage(const char *verb, FILE *f)
{
	unsigned int i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(verb, commands[i].verb))
			fprintf(f, "usage: vmctl %s\n", commands[i].usage);
}

void vmctl_usage(FILE *f)
{
	unsigned int i;

	fputs("usage: vmctl COMMAND [ARGS]\n", f);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fputs("  help                        this text\n"
	      "A domain (DOM) is named by id or by name. VERB --help: that verb's usage.\n"
	      "Exit status: 0 done, 1 failed, 2 bad usage (vmctl(1)).\n"
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
		if (!strcmp(argv[1], commands[i].verb)) {
			if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
				vmctl_verb_usage(argv[1], stdout);
				return 0;
			}
			/* "vmctl VERB" as its argv[0]: getopt's messages name it so. */
			char name[64];

			snprintf(name, sizeof(name), "vmctl %s", argv[1]);
			argv[1] = name;
			return commands[i].run(argc - 1, argv + 1);
		}
	fprintf(stderr, "vmctl: unknown command '%s'\n", argv[1]);
	vmctl_usage(stderr);
	return 2;
}
