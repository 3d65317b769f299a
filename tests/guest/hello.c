// SPDX-License-Identifier: GPL-2.0-only
/*
 * hello: the smallest PV guest. Prints through console_io and powers off.
 * @cmdline: hello from the command line
 */
#include "lib/guest.h"

int test_main(struct start_info *si)
{
	printf("Hello from a Lamina PV test guest: %lu pages, command line \"%s\"\n",
	       (unsigned long)si->nr_pages, si->cmd_line);
	return TEST_PASS;
}
