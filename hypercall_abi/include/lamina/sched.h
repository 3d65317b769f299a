/* SPDX-License-Identifier: MIT */
/*
 * sched_op (hypercall 29): long sched_op(int cmd, void *arg).
 * pv-abi-core.md §2.9.
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

#define SCHEDOP_poll		3
#define SCHEDOP_remote_shutdown	4
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
