// SPDX-License-Identifier: GPL-2.0-only
/*
 * dom0-sigign: runs a command with signals ignored, as a parent that set
 * them to SIG_IGN leaves them across an exec (busybox's sh cannot: it
 * catches SIGCHLD itself, and a caught signal is reset by the exec).
 *
 *   dom0-sigign SIGNUM[,SIGNUM...] COMMAND [ARGS...]
 *
 * Used by tests/linux/dom0/run's vmctl-bad-input (vmctl create started
 * with SIGCHLD ignored). Status 127 when COMMAND cannot be run, 2 on bad
 * usage.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *p, *end;
	long sig;

	if (argc < 3) {
		fputs("usage: dom0-sigign SIGNUM[,SIGNUM...] COMMAND [ARGS...]\n", stderr);
		return 2;
	}
	for (p = argv[1]; *p; p = end + (*end == ',')) {
		sig = strtol(p, &end, 10);
		if (end == p || (*end && *end != ',') || sig <= 0 || sig >= NSIG ||
		    signal((int)sig, SIG_IGN) == SIG_ERR) {
			fprintf(stderr, "dom0-sigign: '%s': not a signal number\n", argv[1]);
			return 2;
		}
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "dom0-sigign: %s: %s\n", argv[2], strerror(errno));
	return 127;
}
