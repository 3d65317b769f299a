// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-evtchn-reset-long (XSA-344): EVTCHNOP_reset of a domain with
 * every 2-level port in use must not hold the CPU. The guest fills its
 * ports with interdomain pairs bound to itself (each close also unbinds
 * the peer end) and binds one more port last (the highest, so the reset
 * closes it last), then resets itself with events enabled, twice:
 *   - with that port an IPI it has just sent on (an event pending when
 *     the call starts);
 *   - with it VIRQ_TIMER and a one-shot timer 50 us ahead;
 *   - with the IPI pending again, the reset as a multicall's one entry
 *     (the entry's cmd becomes 14 in the list, the list goes on from it,
 *     the entry's result is the reset's).
 * Xen 4.17 stops the walk once an event waits or something is due and
 * goes on as EVTCHNOP_reset_cont (14): the event is delivered at the
 * call's own syscall, with rdi 14 (the timer's within 100 us of its due
 * time). In that event the guest looks at the reset half done:
 *   - a second EVTCHNOP_reset is -EBUSY (one is under way);
 *   - port 1 is closed, the last pair still bound;
 *   - it takes a port again (alloc_unbound: the lowest free, one the walk
 *     has passed), so the reset, once over, answers -EAGAIN and leaves
 *     that port bound; reset_cont then is -EBUSY (none under way), and a
 *     fresh reset closes it (0).
 * Lamina ran the reset to its end (2.4 ms of instructions for 4001
 * ports): no event was taken in it (the first row failed).
 * dom0 runs it, then an unprivileged peer does the same and reports
 * through lib/peer_verdict.h (its verdict port is offered after its
 * resets). Time is counted in instructions as in attack-long-calls,
 * which under -icount counts the other CPU's guest code too: with two
 * CPUs, the peer (on Lamina a boot-time domain, on the other CPU with
 * spreading) waits blocked for dom0's go until dom0's rows are over,
 * and dom0 waits for its verdict sleeping (verdict_nap), not yielding.
 * On Xen the peer's timer phase is skipped when its timer cannot be armed
 * ahead (arm_timer).
 * @qemu: -icount shift=0,sleep=off
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include <lamina/callback.h>
#include "lib/peer_verdict.h"

#define LEAD_NS		50000ULL	/* the timer is due this long after arming */
#define BOUND_NS	100000ULL	/* the longest the reset may run past it */
#define LAST_PORT	4000		/* pairs up to here; the timer's port after */

static char why[VERDICT_LEN];

/* What the event taken during the reset saw (reset_event). */
static volatile bool seen;
static volatile uint64_t seen_ns, seen_rdi, seen_arg0;
static struct multicall_entry mc;	/* the reset as a multicall's one entry */
static volatile long busy_rc, again_rc, first_st, last_st;
static volatile evtchn_port_t again_port;
static evtchn_port_t last_port;

static long port_status(evtchn_port_t p)
{
	struct evtchn_status s = { .dom = DOMID_SELF, .port = p };
	long rc = evtchn_op(EVTCHNOP_status, &s);

	return rc ? rc : (long)s.status;
}

/* The event callback's C side: the interrupted rip and rdi. */
void reset_event(uint64_t rip, uint64_t rdi)
{
	struct evtchn_reset r = { DOMID_SELF };
	struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };

	shared->vcpu_info[0].evtchn_upcall_pending = 0;
	shared->vcpu_info[0].evtchn_pending_sel = 0;
	if (seen || rip != (uint64_t)timed_syscall_insn)
		return;
	seen = true;
	seen_ns = pvclock_ns();
	seen_rdi = rdi;
	seen_arg0 = mc.args[0];
	busy_rc = evtchn_op(EVTCHNOP_reset, &r);
	first_st = port_status(1);
	last_st = port_status(last_port);
	again_rc = evtchn_op(EVTCHNOP_alloc_unbound, &au);
	again_port = au.port;
}

void reset_event_entry(void);
asm(".text\n"
    ".globl reset_event_entry\n"
    "reset_event_entry:\n"		/* rcx, r11, rip, cs, rflags, rsp, ss */
    "	push %rax\n"
    "	push %rdx\n"
    "	push %rsi\n"
    "	push %rdi\n"
    "	push %r8\n"
    "	push %r9\n"
    "	push %r10\n"
    "	push %rbx\n"
    "	mov %rsp, %rbx\n"
    "	and $-16, %rsp\n"
    "	mov 80(%rbx), %rdi\n"		/* the interrupted rip */
    "	mov 32(%rbx), %rsi\n"		/* its rdi */
    "	call reset_event\n"
    "	mov %rbx, %rsp\n"
    "	pop %rbx\n"
    "	pop %r10\n"
    "	pop %r9\n"
    "	pop %r8\n"
    "	pop %rdi\n"
    "	pop %rsi\n"
    "	pop %rdx\n"
    "	pop %rax\n"
    "	pop %rcx\n"
    "	pop %r11\n"
    "	jmp guest_iret\n");

static long close_port(evtchn_port_t p)
{
	struct evtchn_close c = { p };

	return evtchn_op(EVTCHNOP_close, &c);
}

/*
 * Ports 1 .. LAST_PORT as interdomain pairs with ourselves (n unbound,
 * n + 1 bound to it), or as many as the domain may have (a peer built by
 * dom0 gets max_evtchn_port 1023: the last pair is closed again to leave
 * a port), then VIRQ_TIMER on the next port.
 */
static const char *fill_ports(bool with_timer, evtchn_port_t *last)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
	long rc;

	last_port = 0;
	while (last_port < LAST_PORT) {
		if ((rc = evtchn_op(EVTCHNOP_alloc_unbound, &au)) == 0) {
			bi.remote_port = au.port;
			rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi);
			if (rc == -ENOSPC)
				BODY_CHECK(close_port(au.port) == 0, "closing port %u failed", au.port);
		}
		if (rc == -ENOSPC) {
			BODY_CHECK(last_port > 2, "no ports to fill");
			BODY_CHECK(close_port(last_port) == 0 && close_port(last_port - 1) == 0,
			    "closing ports %u and %u failed", last_port - 1, last_port);
			last_port -= 2;
			break;
		}
		BODY_CHECK(rc == 0, "binding a pair after port %u gave %ld", last_port, rc);
		last_port = bi.local_port;
	}
	if (with_timer) {
		*last = oneshot_timer_port();
	} else {
		struct evtchn_bind_ipi bi = { 0, 0 };

		*last = evtchn_op(EVTCHNOP_bind_ipi, &bi) ? 0 : bi.port;
	}
	BODY_CHECK(*last > last_port, "the last port bound at %u, not past %u", *last, last_port);
	return NULL;
}

/* Nothing pending: the binds raised their ports. */
static void clear_events(void)
{
	memset((void *)shared->evtchn_pending, 0, sizeof(shared->evtchn_pending));
	shared->vcpu_info[0].evtchn_pending_sel = 0;
	shared->vcpu_info[0].evtchn_upcall_pending = 0;
}

/*
 * A one-shot timer LEAD_NS ahead; true once it is armed with at least
 * half of that left. Under QEMU's -icount with two CPUs, Xen's peer
 * never was while dom0 waited for its verdict in a SCHEDOP_yield loop:
 * its vCPU got the CPU back only when the timer it had just programmed
 * fired (the other CPU, dom0's, ran until the next deadline), so every
 * arming "took" the whole lead. With dom0 sleeping meanwhile it is
 * armed (Xen 4.17 --smp 2, 5 Dec).
 */
static bool arm_timer(uint64_t *t0, uint64_t *due)
{
	struct vcpu_set_singleshot_timer t = { 0, 0, 0 };
	unsigned int tries;

	for (tries = 0; tries < 10; tries++) {
		clear_events();
		*t0 = pvclock_ns();
		*due = *t0 + LEAD_NS;
		t.timeout_abs_ns = *due;
		if (hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, &t))
			return false;
		if (pvclock_ns() + LEAD_NS / 2 < *due)
			return true;
	}
	return false;
}

/* The reset with events enabled: what the event taken meanwhile saw, and its answer. */
enum { PENDING, TIMED, IN_MULTICALL, NR_MODES };
static const char *const mode_name[NR_MODES] = { "event pending", "timer", "multicall" };

static const char *reset_with_event(unsigned int mode, long *rc)
{
	bool timed = mode == TIMED;
	struct evtchn_reset r = { DOMID_SELF };
	evtchn_port_t last;
	uint64_t t0 = 0, t1, due = 0;
	const char *err;

	if ((err = fill_ports(timed, &last)))
		return err;
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	seen = false;
	if (timed) {
		if (!arm_timer(&t0, &due)) {
			BODY_CHECK(!on_lamina(), "the timer could not be armed 50 us ahead");
			printf("timer: never armed ahead (Xen's peer under -icount), rows skipped\n");
			return evtchn_op(EVTCHNOP_reset, &r) ? "the reset failed" : NULL;
		}
	} else {
		clear_events();
		t0 = pvclock_ns();
		BODY_CHECK(evtchn_send(last) == 0, "sending on port %u failed", last);
	}
	shared->vcpu_info[0].evtchn_upcall_mask = 0;
	if (mode == IN_MULTICALL) {
		mc = (struct multicall_entry){ __HYPERVISOR_event_channel_op, 99,
					       { EVTCHNOP_reset, (uint64_t)&r } };
		*rc = timed_syscall(__HYPERVISOR_multicall, (uint64_t)&mc, 1, 0, 0);
		BODY_CHECK(*rc == 0, "the multicall gave %ld", *rc);
		*rc = (long)mc.result;
	} else {
		*rc = timed_syscall(__HYPERVISOR_event_channel_op, EVTCHNOP_reset, (uint64_t)&r,
				    0, 0);
	}
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	t1 = pvclock_ns();
	printf("%s: reset of %u ports: %llu us, the event %s %lld us after %s\n",
	       mode_name[mode], last, (unsigned long long)(t1 - t0) / 1000,
	       seen ? "taken in it" : "not taken in it,",
	       seen ? (long long)(seen_ns - (timed ? due : t0)) / 1000 : -1LL,
	       timed ? "its due time" : "the call began");
	BODY_CHECK(seen, "the reset held the CPU to its end (%llu us) with an event %s",
	    (unsigned long long)(t1 - t0) / 1000, timed ? "due after 50 us" : "pending");
	BODY_CHECK(!timed || seen_ns < due + BOUND_NS, "the reset ran %llu us past a due timer",
	    (unsigned long long)(seen_ns - due) / 1000);
	if (mode == IN_MULTICALL)
		BODY_CHECK(seen_rdi == (uint64_t)&mc && seen_arg0 == EVTCHNOP_reset_cont,
		    "the multicall's continuation: list %#llx (ours %#llx), its entry's cmd %llu,"
		    " not 14", (unsigned long long)seen_rdi, (unsigned long long)&mc,
		    (unsigned long long)seen_arg0);
	else
		BODY_CHECK(seen_rdi == EVTCHNOP_reset_cont, "the continuation's rdi was %llu, not 14",
		    (unsigned long long)seen_rdi);
	BODY_CHECK(busy_rc == -EBUSY, "a reset while one was under way gave %ld, not -EBUSY",
	    (long)busy_rc);
	BODY_CHECK(first_st == EVTCHNSTAT_closed, "port 1 half way: status %ld, not closed",
	    (long)first_st);
	BODY_CHECK(last_st == EVTCHNSTAT_interdomain, "port %u half way: status %ld, not interdomain",
	    last_port, (long)last_st);
	BODY_CHECK(again_rc == 0 && again_port < last_port, "a port taken half way: %ld, port %u",
	    (long)again_rc, again_port);
	BODY_CHECK(port_status(last_port) == EVTCHNSTAT_closed && port_status(last) == EVTCHNSTAT_closed,
	    "the last ports were left: %ld %ld", port_status(last_port), port_status(last));
	return NULL;
}

static const char *body(struct start_info *si)
{
	struct callback_register cb = { CALLBACKTYPE_event, CALLBACKF_mask_events, 0,
					(uint64_t)reset_event_entry };
	struct evtchn_reset r = { DOMID_SELF };
	const char *err;
	unsigned int i;
	long rc;

	BODY_CHECK(hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, &cb) == 0,
	    "registering the event callback failed");
	for (i = 0; i < NR_MODES; i++) {
		rc = 0;
		if ((err = reset_with_event(i, &rc)))
			return err;
		if (!seen)		/* skipped */
			continue;
		BODY_CHECK(rc == -EAGAIN, "the reset with a port taken behind it gave %ld, not -EAGAIN",
		    rc);
		BODY_CHECK(port_status(again_port) == EVTCHNSTAT_unbound,
		    "the port taken half way: status %ld after the reset",
		    port_status(again_port));
		BODY_CHECK((rc = evtchn_op(EVTCHNOP_reset_cont, &r)) == -EBUSY,
		    "reset_cont with no reset under way gave %ld", rc);
		BODY_CHECK((rc = evtchn_op(EVTCHNOP_reset, &r)) == 0, "the last reset gave %ld", rc);
		BODY_CHECK(port_status(again_port) == EVTCHNSTAT_closed, "the last reset left port %u",
		    again_port);
	}
	return NULL;
}

int test_main(struct start_info *si)
{
	struct verdict v;
	const char *err;

	mm_init(si);
	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN)) {
		verdict_wait_go();	/* not beside dom0's rows */
		err = body(si);		/* before the verdict's port: the reset closes all */
		if (err)		/* the ports it may have left, for the verdict's */
			evtchn_op(EVTCHNOP_reset, &(struct evtchn_reset){ DOMID_SELF });
		verdict_offer_frame0(&v);
		verdict_send(&v, err);
	}
	if (on_lamina())	/* the boot-time peer: its start not beside our rows */
		CHECK(verdict_peer_parked(1) == 0, "the peer never waited for the go");
	err = body(si);
	CHECK(!err, "%s", err);
	return verdict_await_peer_go(si, true);	/* we wait with verdict_nap, quiet */
}
