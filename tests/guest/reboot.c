// SPDX-License-Identifier: GPL-2.0-only
/*
 * reboot: dom0 asking for a reboot ends the run with the reboot outcome.
 * @expect: reboot
 */
#include "lib/guest.h"

int test_main(struct start_info *si)
{
	printf("asking for a reboot\n");
	shutdown(SHUTDOWN_reboot);
}
