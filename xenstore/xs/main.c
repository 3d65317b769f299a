/* SPDX-License-Identifier: MIT */
/*
 * xs: a shell tool for XenStore. `xs --help` lists the verbs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xs_cmd.h"

static const struct cmd {
	const char *name;
	xs_cmd_fn fn;
	int min_args;
	const char *usage;
} cmds[] = {
	{ "read", cmd_read, 1, "read PATH...            print each value on a line" },
	{ "write", cmd_write, 2, "write PATH VALUE...     write pairs of path and value" },
	{ "ls", cmd_ls, 0, "ls [-r] [PATH]          list children; -r: whole subtree with values" },
	{ "rm", cmd_rm_mkdir, 1, "rm PATH...              remove nodes and everything below" },
	{ "mkdir", cmd_rm_mkdir, 1, "mkdir PATH...           create empty nodes (and parents)" },
	{ "chmod", cmd_chmod, 2, "chmod PATH PERM...      set permissions, e.g. n0 r5 (owner first)" },
	{ "perms", cmd_perms, 1, "perms PATH              print the permission list" },
	{ "watch", cmd_watch, 1, "watch [-n N] [-t SEC] PATH...  print event paths (N events, SEC timeout)" },
	{ "introduce", cmd_domain, 3, "introduce DOMID MFN PORT" },
	{ "release", cmd_domain, 1, "release DOMID" },
	{ "domain-path", cmd_domain, 1, "domain-path DOMID" },
	{ "is-introduced", cmd_domain, 1, "is-introduced DOMID     exit 0 if introduced, 1 if not" },
	{ "control", cmd_control, 1, "control CMD [ARG...]    e.g. control check" },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *f)
{
	unsigned int i;

	fprintf(f, "usage: xs [-s SOCKET] [-d DOMID] VERB [ARGS]\n"
		   "  -s SOCKET   daemon socket (default $XENSTORED_PATH or "
		   "/run/xenstored/socket);\n"
		   "              a device such as /dev/xen/xenbus goes through the kernel\n"
		   "  -d DOMID    act as that (unprivileged) domain: see what it may do\n"
		   "verbs:\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %s\n", cmds[i].usage);
	fprintf(f, "exit status: 0 success, 1 the store or daemon failed, 2 usage\n");
}

int xs_usage_error(const char *verb)
{
	unsigned int i;

	for (i = 0; i < NCMDS; i++)
		if (!strcmp(cmds[i].name, verb))
			fprintf(stderr, "usage: xs %s\n", cmds[i].usage);
	return XS_EXIT_USAGE;
}

int xs_fail(const char *verb, const char *what, int rc)
{
	fprintf(stderr, "xs: %s %s: %s\n", verb, what, strerror(-rc));
	return XS_EXIT_FAIL;
}

/* -d: the daemon treats this connection as domain @domid from now on. */
static int drop_privilege(struct xs_handle *h, const char *domid)
{
	const char *args[] = { "drop-privilege", domid };
	int rc = xs_control(h, args, 2, NULL, NULL);

	return rc ? xs_fail("-d", domid, rc) : 0;
}

int main(int argc, char **argv)
{
	const char *sock = NULL, *as = NULL;
	const struct cmd *cmd = NULL;
	struct xs_handle *h;
	unsigned int i;
	int rc, argi = 1;

	while (argi < argc && argv[argi][0] == '-') {
		if (!strcmp(argv[argi], "-h") || !strcmp(argv[argi], "--help")) {
			usage(stdout);
			return XS_EXIT_OK;
		}
		if (!strcmp(argv[argi], "-s") && argi + 1 < argc) {
			sock = argv[argi + 1];
			argi += 2;
			continue;
		}
		if (!strcmp(argv[argi], "-d") && argi + 1 < argc) {
			as = argv[argi + 1];
			argi += 2;
			continue;
		}
		usage(stderr);
		return XS_EXIT_USAGE;
	}
	if (argi == argc) {
		usage(stderr);
		return XS_EXIT_USAGE;
	}
	if (!strcmp(argv[argi], "help")) {
		usage(stdout);
		return XS_EXIT_OK;
	}
	for (i = 0; i < NCMDS; i++)
		if (!strcmp(cmds[i].name, argv[argi]))
			cmd = &cmds[i];
	if (!cmd) {
		fprintf(stderr, "xs: unknown verb '%s' (see xs --help)\n", argv[argi]);
		return XS_EXIT_USAGE;
	}
	if (argi + 1 < argc && (!strcmp(argv[argi + 1], "--help") ||
				!strcmp(argv[argi + 1], "-h"))) {
		printf("usage: xs %s\n", cmd->usage);
		return XS_EXIT_OK;
	}
	if (argc - argi - 1 < cmd->min_args)
		return xs_usage_error(cmd->name);
	rc = xs_open(sock, &h);
	if (rc) {
		fprintf(stderr, "xs: cannot connect to %s: %s\n",
			sock ? sock : xs_default_socket(), strerror(-rc));
		return XS_EXIT_FAIL;
	}
	rc = as ? drop_privilege(h, as) : 0;
	if (!rc)
		rc = cmd->fn(h, argc - argi, argv + argi);
	xs_close(h);
	return rc;
}
