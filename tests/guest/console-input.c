// SPDX-License-Identifier: GPL-2.0-only
/*
 * console-input: characters typed on the serial console reach dom0 through
 * VIRQ_CONSOLE and console_io(CONSOLEIO_read); three Ctrl-A switch input to
 * the hypervisor's debug keys ('d' dumps the domains) and three more switch
 * it back. The runner types the input when the guest says it waits.
 * @stdin: \x01\x01\x01dqtme\x01\x01\x01ping\n
 * @expect-log: d0 Domain-0 +privileged(.|\n)*run queue(.|\n)*timers at(.|\n)*free frames
 */
#include "lib/guest.h"
#include "lib/events.h"

int test_main(struct start_info *si)
{
	struct evtchn_bind_virq bv = { VIRQ_CONSOLE, 0, 0 };
	char buf[64];
	unsigned int got = 0;
	long n;

	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(evtchn_op(EVTCHNOP_bind_virq, &bv) == 0, "bind_virq(CONSOLE) failed");
	printf("waiting for console input\n");
	while (got < 5) {
		wait_for_port(bv.port);
		n = HYPERVISOR_console_io(CONSOLEIO_read, sizeof(buf) - 1 - got, buf + got);
		CHECK(n >= 0, "console_io read gave %ld", n);
		got += n;
	}
	buf[got] = '\0';
	CHECK(!strncmp(buf, "ping", 4), "read \"%s\", expected \"ping\"", buf);
	printf("console input arrived: %.4s\n", buf);
	return TEST_PASS;
}
