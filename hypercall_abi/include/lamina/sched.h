/* SPDX-License-Identifier: MIT */
/*
 * sched_op (hypercall 29): long sched_op(int cmd, void *arg).
 * docs/abi-core.md §2.9.
 */
#ifndef LAMINA_SCHED_H
#define LAMINA_SCHED_H

#include <lamina/types.h>

#define SCHEDOP_yield		0
#define SCHEDOP_block		1

/*
 * SCHEDOP_shutdown: IN struct sched_shutdown. Stops the calling domain;
 * does not return for poweroff, reboot and crash.
 *  1. When the domain is dom0 the whole machine follows: poweroff powers
 *     it off, reboot reboots it (a halt with `noreboot`), crash reboots
 *     (a halt with `noreboot`).
 */
#define SCHEDOP_shutdown	2
struct sched_shutdown {
	uint32_t reason;	/* IN: SHUTDOWN_* */
};

/*
 * SCHEDOP_poll: IN struct sched_poll. Sleep until one of the ports is
 * pending (masked or not), an event is deliverable, or the timeout
 * (absolute system time in ns, 0 = none) passes. nr_ports <= 128.
 */
#define SCHEDOP_poll		3
struct sched_poll {
	uint64_t ports;		/* IN: guest pointer to evtchn_port_t[] */
	uint32_t nr_ports;	/* IN */
	uint32_t pad0;
	uint64_t timeout;	/* IN */
};

/* SCHEDOP_remote_shutdown: privileged domains only. */
#define SCHEDOP_remote_shutdown	4
struct sched_remote_shutdown {
	domid_t domain_id;	/* IN */
	uint16_t pad0;
	uint32_t reason;	/* IN: SHUTDOWN_* */
};
#define SCHEDOP_shutdown_code	5
#define SCHEDOP_watchdog	6
#define SCHEDOP_pin_override	7

#define SHUTDOWN_poweroff	0
#define SHUTDOWN_reboot		1
#define SHUTDOWN_suspend	2
#define SHUTDOWN_crash		3
#define SHUTDOWN_watchdog	4
#define SHUTDOWN_soft_reset	5
#define SHUTDOWN_MAX		5

#endif
