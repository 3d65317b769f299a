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

/*
 * For a loop that waits for the peer, which may run on another pCPU: go
 * on while fewer than min tries were made or less than 20 s of pvclock
 * time went by since the first (*tries == 0). Counting yields alone is
 * not enough there: a yield returns at once when this pCPU has nobody
 * else to run, and a loaded host may leave the other pCPU's thread
 * unscheduled a long while. Not for two loops at once.
 */
static inline bool peer_wait_more(unsigned int *tries, unsigned int min)
{
	static uint64_t end;

	if (*tries == 0)
		end = pvclock_ns() + 20000000000ULL;
	return (*tries)++ < min || pvclock_ns() < end;
}

bool port_pending(evtchn_port_t p);
bool port_test_and_clear(evtchn_port_t p);
void port_mask(evtchn_port_t p, bool masked);
void wait_for_port(evtchn_port_t p);		/* blocks until pending, then clears it */
/*
 * Binds VIRQ_TIMER with the periodic timer off (Xen starts one at 10 ms),
 * so the port fires only for one-shot timers. Returns it, or 0.
 */
evtchn_port_t oneshot_timer_port(void);

/*
 * A hypercall made at a known address: an event that arrives with its rip
 * at timed_syscall_insn came while the call was preempted (the guest then
 * executes the syscall again with the arguments the continuation left).
 */
long timed_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);
extern char timed_syscall_insn[];

static inline long evtchn_op(int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_event_channel_op, cmd, arg);
}

static inline long evtchn_send(evtchn_port_t p)
{
	struct evtchn_send s = { p };

	return evtchn_op(EVTCHNOP_send, &s);
}

/*
 * The caller's own domain id (a domU has no other way to learn it without
 * xenstore): a port left unbound for DOMID_SELF records the id it stands
 * for, EVTCHNOP_status reports it, and the port is closed again. The id,
 * or a negative errno.
 */
static inline long evtchn_own_domid(void)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };
	struct evtchn_status st = { DOMID_SELF, 0, 0, 0, 0, { { 0 } } };
	struct evtchn_close cl = { 0 };
	long rc = evtchn_op(EVTCHNOP_alloc_unbound, &au);

	if (rc)
		return rc;
	st.port = au.port;
	rc = evtchn_op(EVTCHNOP_status, &st);
	cl.port = au.port;
	evtchn_op(EVTCHNOP_close, &cl);
	if (rc)
		return rc;
	return st.status == EVTCHNSTAT_unbound ? st.u.unbound.dom : -EINVAL;
}

#endif
