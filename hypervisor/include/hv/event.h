/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef HV_EVENT_H
#define HV_EVENT_H

#include <hv/types.h>
#include <lamina/event_channel.h>
#include <lamina/shared_info.h>

struct domain;
struct vcpu;
struct evtchn;

enum { ECS_FREE, ECS_RESERVED, ECS_UNBOUND, ECS_INTERDOMAIN, ECS_VIRQ, ECS_IPI, ECS_PIRQ };

/*
 * The most ports a FIFO domain may ever have (2-level: NR_EVTCHN_PORTS);
 * evtchn_fifo_max_ports= may give fewer.
 */
#define EVTCHN_FIFO_MAX_PORTS	EVTCHN_FIFO_NR_CHANNELS

int evtchn_domain_init(struct domain *d);
/* A gone domain's port pages go back (after evtchn_domain_destroy). */
void evtchn_domain_free(struct domain *d);
/* A port of d that `remote` may bind; the port, or -ENOSPC. */
int evtchn_alloc_unbound(struct domain *d, domid_t remote);
/* A port of d bound to pirq (arch/x86/irq.c does the rest), or -ENOSPC. */
int evtchn_alloc_pirq_port(struct domain *d, uint32_t pirq);
/*
 * A dying domain: closes its ports (its peers see their ends unbound) from
 * *cursor on, until hypercall_preempt_now(current, until) (hv/preempt.h);
 * true when all are closed.
 */
bool evtchn_domain_destroy(struct domain *d, uint64_t *cursor, uint64_t until);
void evtchn_set_pending(struct domain *d, evtchn_port_t port);
/* Whether port is raised (2-level bit or FIFO PENDING), for SCHEDOP_poll. */
bool evtchn_port_is_pending(struct domain *d, evtchn_port_t port);
/* The ports d's ABI allows: 4096 (2-level) or the FIFO limit. */
unsigned int evtchn_max_ports(const struct domain *d);
/* Port p of d, or NULL when p is beyond the ports allocated so far. */
struct evtchn *evtchn_from_port(struct domain *d, evtchn_port_t p);
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq);
void send_global_virq(unsigned int virq);	/* to its handler (set_virq_handler), else dom0 */
long evtchn_set_virq_handler(struct domain *d, unsigned int virq);
bool virq_is_per_vcpu(unsigned int virq);	/* TIMER, DEBUG, XENOPROF, XENPMU */
bool vcpu_events_deliverable(const struct vcpu *v);

/*
 * vcpu_events_deliverable on v's vcpu_info, inline for checks made often
 * (multicall's before each entry). Both bits read afresh at each call: a
 * long call on the vCPU's CPU polls this while another CPU's
 * evtchn_set_pending may set upcall_pending, and nothing else tells it
 * (no IPI).
 */
static inline bool vcpu_info_events_deliverable(const struct vcpu_info *vi)
{
	return __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_RELAXED) &&
	       !__atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_RELAXED);
}

/* Shared by event_channel.c and evtchn_fifo.c. */
struct evtchn_fifo_port {
	uint8_t priority;		/* the queue its next link goes to */
	uint8_t last_priority;		/* the queue it was last linked on */
	uint8_t last_vcpu;
	uint8_t pending;		/* raised while its event word did not exist */
};
struct evtchn_fifo_port *evtchn_fifo_port(struct domain *d, evtchn_port_t p);
struct vcpu *evtchn_notify_vcpu(struct domain *d, evtchn_port_t port);
/* upcall_pending for v, waking it on the 0 -> 1 change. */
void evtchn_mark_upcall(struct vcpu *v);
/* Wakes v if it polls on port. */
void evtchn_poll_wake(struct vcpu *v, evtchn_port_t port);

/*
 * The FIFO ABI (evtchn_fifo.c). d->evtchn_fifo is set by the first
 * init_control and cleared by reset and destruction; the callers hold
 * d->evtchn_lock for init_control, expand_array and destroy.
 */
long evtchn_fifo_init_control(struct domain *d, struct evtchn_init_control *op);
long evtchn_fifo_expand_array(struct domain *d, const struct evtchn_expand_array *op);
void evtchn_fifo_set_pending(struct domain *d, evtchn_port_t port);
void evtchn_fifo_clear_pending(struct domain *d, evtchn_port_t port);
void evtchn_fifo_unmask(struct domain *d, evtchn_port_t port);
bool evtchn_fifo_is_pending(const struct domain *d, evtchn_port_t port);
/* Event word of port, or ~0 when it has none (debug keys). */
uint32_t evtchn_fifo_word(const struct domain *d, evtchn_port_t port);
/* Back to 2-level: the guest frames the FIFO state held are let go. */
void evtchn_fifo_destroy(struct domain *d);
/* Each frame the FIFO state holds a page and a writable-type reference on. */
void evtchn_fifo_for_each_frame(const struct domain *d, void (*fn)(mfn_t mfn, bool writable,
								  void *arg), void *arg);

#endif
