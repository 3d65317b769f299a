// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmctl debug-keys KEYS and vmctl dmesg [-c], as xl's: the first runs the
 * hypervisor's debug key handlers (sysctl debug_keys; on Lamina `m` also
 * audits every domain's frame accounting and ends with "mm audit: N
 * domains, all ok" or "... FAILED"), the second prints the hypervisor's
 * console ring (sysctl readconsole), -c clearing what it read.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "domctl.h"
#include "vmctl.h"

int cmd_debug_keys(int argc, char **argv)
{
	struct sysctl s = { .cmd = SYSCTL_debug_keys };
	long rc;

	if (argc == 2 && !argv[1][0])
		return vmctl_bad_usage("debug-keys", "no key given");
	if (argc != 2 || argv[1][0] == '-')
		return vmctl_bad_args("debug-keys", argc, argv, 1, 1, 1, "KEYS");
	s.u.debug_keys.keys = (uint64_t)(uintptr_t)argv[1];
	s.u.debug_keys.nr_keys = (uint32_t)strlen(argv[1]);
	rc = vmctl_sysctl(&s);
	if (rc) {
		fprintf(stderr, "vmctl: sysctl debug_keys: %s\n", strerror((int)-rc));
		return 1;
	}
	return 0;
}

int cmd_dmesg(int argc, char **argv)
{
	static const struct option no_long[] = { { NULL, 0, NULL, 0 } };
	static char buf[65536];
	struct sysctl s;
	bool clear = false;
	uint32_t index = 0;
	size_t len = 0;
	int c;
	long rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c", no_long, NULL)) != -1) {
		if (c != 'c') {
			vmctl_verb_usage("dmesg", stderr);
			return 2;
		}
		clear = true;
	}
	if (optind != argc)
		return vmctl_bad_usage("dmesg", "unexpected argument '%s'", argv[optind]);
	/*
	 * As libxl: incremental reads from index 0 until one brings nothing;
	 * all of it before printing, since dom0's own console output may go
	 * into the ring too (the ring is 16 KiB, the buffer four times that).
	 * The buffer is written first: the hypervisor cannot fault in a page
	 * that was never touched (-EFAULT).
	 */
	memset(buf, 0, sizeof(buf));
	do {
		memset(&s, 0, sizeof(s));
		s.cmd = SYSCTL_readconsole;
		s.u.readconsole.clear = clear;
		s.u.readconsole.incremental = 1;
		s.u.readconsole.index = index;
		s.u.readconsole.buffer = (uint64_t)(uintptr_t)(buf + len);
		s.u.readconsole.count = (uint32_t)(sizeof(buf) - len);
		rc = vmctl_sysctl(&s);
		if (rc) {
			fprintf(stderr, "vmctl: sysctl readconsole: %s\n", strerror((int)-rc));
			return 1;
		}
		len += s.u.readconsole.count;
		index = s.u.readconsole.index;
	} while (s.u.readconsole.count && len < sizeof(buf));
	fwrite(buf, 1, len, stdout);
	return fflush(stdout) ? 1 : 0;
}
