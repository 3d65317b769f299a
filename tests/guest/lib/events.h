/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Events and time for test guests: shared_info mapped at a fixed VA, the
 * pvclock, event-channel helpers, and an event callback that just clears
 * upcall_pending so SCHEDOP_block can be used as "wait for an event".
 */
#ifndef GUEST_EVENTS_H
#define GUEST_EVENTS_H

#include "guest.h"
#include <lamina/event_channel.h>
#include <lamina/vcpu.h>

extern struct shared_info *shared;
extern volatile unsigned long upcalls;
extern volatile uint64_t last_upcall_rip;	/* where the last upcall interrupted */

int events_init(struct start_info *si);		/* maps shared_info, sets the callback */
void event_entry(void);				/* that callback */
uint64_t pvclock_ns(void);
bool port_pending(evtchn_port_t p);
bool port_test_and_clear(evtchn_port_t p);
void port_mask(evtchn_port_t p, bool masked);
void wait_for_port(evtchn_port_t p);		/* blocks until pending, then clears it */
/*
 * Binds VIRQ_TIMER with the periodic timer off (Xen starts one at 10 ms),
 * so the port fires only for one-shot timers. Returns it, or 0.
 */
evtchn_port_t oneshot_timer_port(void);

static inline long evtchn_op(int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_event_channel_op, cmd, arg);
}

static inline long evtchn_send(evtchn_port_t p)
{
	struct evtchn_send s = { p };

	return evtchn_op(EVTCHNOP_send, &s);
}

#endif
