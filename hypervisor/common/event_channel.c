// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event channels, 2-level ABI (pv-abi-core.md §7). A domain has 4096
 * ports; port 0 stays reserved. Raising a port follows §7.2 to the letter:
 * test-and-set pending; stop if it was set; unless masked, test-and-set the
 * selector bit of the notify vCPU and then upcall_pending, kicking the vCPU
 * on its 0 -> 1 change; and wake a vCPU polling on the port either way.
 * The bitmaps live in shared_info, which the guest writes concurrently, so
 * every change there is a locked instruction.
 *
 * Locks: d->evtchn_lock guards d->evtchn[]; an operation on two domains
 * takes both, lower domid first (evtchn_lock_pair).
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <hv/mm.h>
#include <hv/page_alloc.h>
#include <hv/sched.h>

#define EVTCHN_PAGES	DIV_ROUND_UP(NR_EVTCHN_PORTS * sizeof(struct evtchn), PAGE_SIZE)

static bool test_and_set(volatile uint64_t *word, unsigned int bit)
{
	uint8_t old;

	asm volatile("lock btsq %2, %0; setc %1" : "+m"(*word), "=q"(old) : "r"((uint64_t)bit)
		     : "memory", "cc");
	return old;
}

static void clear_bit_atomic(volatile uint64_t *word, unsigned int bit)
{
	asm volatile("lock btrq %1, %0" : "+m"(*word) : "r"((uint64_t)bit) : "memory", "cc");
}

int evtchn_domain_init(struct domain *d)
{
	mfn_t mfn = alloc_frames_contig(EVTCHN_PAGES);

	if (mfn == INVALID_MFN)
		return -ENOMEM;
	d->evtchn = frame_va(mfn);
	d->evtchn[0].state = ECS_RESERVED;
	return 0;
}

static struct vcpu *notify_vcpu(struct domain *d, evtchn_port_t port)
{
	(void)port;
	return &d->vcpu0;	/* one vCPU per domain so far */
}

static void poll_wake(struct vcpu *v, evtchn_port_t port)
{
	unsigned int i;

	for (i = 0; i < v->nr_poll_ports; i++) {
		if (v->poll_ports[i] == port) {
			v->nr_poll_ports = 0;
			vcpu_wake(v);
			return;
		}
	}
}

/* Steps 3-4 of §7.2 for port on v. */
static void mark_vcpu_pending(struct vcpu *v, evtchn_port_t port)
{
	struct vcpu_info *vi = v->vcpu_info;

	if (test_and_set(&vi->evtchn_pending_sel, port / 64))
		return;
	if (__atomic_exchange_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST))
		return;
	vcpu_wake(v);	/* wakes a blocked vCPU; delivery happens on return */
}

void evtchn_set_pending(struct domain *d, evtchn_port_t port)
{
	struct shared_info *s = d->shared_info;
	struct vcpu *v = notify_vcpu(d, port);

	if (test_and_set(&s->evtchn_pending[port / 64], port % 64))
		return;
	if (!(s->evtchn_mask[port / 64] & (1ULL << (port % 64))))
		mark_vcpu_pending(v, port);
	poll_wake(v, port);
}

bool vcpu_events_deliverable(const struct vcpu *v)
{
	return v->vcpu_info->evtchn_upcall_pending && !v->vcpu_info->evtchn_upcall_mask;
}

void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq)
{
	uint16_t port = v->virq_port[virq];

	if (port)
		evtchn_set_pending(v->domain, port);
}

void send_global_virq(struct domain *d, unsigned int virq)
{
	send_guest_vcpu_virq(&d->vcpu0, virq);
}

static bool virq_is_per_vcpu(unsigned int virq)
{
	return virq == VIRQ_TIMER || virq == VIRQ_DEBUG || virq == VIRQ_XENOPROF ||
	       virq == VIRQ_XENPMU;
}

/* Lowest free port >= 1, or -ENOSPC. Caller holds d->evtchn_lock. */
static int get_free_port(struct domain *d)
{
	unsigned int p;

	for (p = 1; p < NR_EVTCHN_PORTS; p++)
		if (d->evtchn[p].state == ECS_FREE)
			return p;
	return -ENOSPC;
}

static bool port_valid(uint32_t port)
{
	return port > 0 && port < NR_EVTCHN_PORTS;
}

static void evtchn_lock_pair(struct domain *a, struct domain *b)
{
	if (a == b) {
		spin_lock(&a->evtchn_lock);
	} else if (a->domid < b->domid) {
		spin_lock(&a->evtchn_lock);
		spin_lock(&b->evtchn_lock);
	} else {
		spin_lock(&b->evtchn_lock);
		spin_lock(&a->evtchn_lock);
	}
}

static void evtchn_unlock_pair(struct domain *a, struct domain *b)
{
	spin_unlock(&a->evtchn_lock);
	if (a != b)
		spin_unlock(&b->evtchn_lock);
}

int evtchn_alloc_unbound(struct domain *d, domid_t remote)
{
	int port;

	spin_lock(&d->evtchn_lock);
	port = get_free_port(d);
	if (port > 0)
		d->evtchn[port] = (struct evtchn){ .state = ECS_UNBOUND, .remote_dom = remote };
	spin_unlock(&d->evtchn_lock);
	return port;
}

static long alloc_unbound(struct domain *d, struct evtchn_alloc_unbound *op)
{
	domid_t remote = op->remote_dom == DOMID_SELF ? d->domid : op->remote_dom;
	int port;

	if (op->dom != DOMID_SELF && op->dom != d->domid)
		return trace_err(-EPERM);	/* on behalf of others: toolstack only */
	if (!domain_by_id(remote))
		return trace_err(-ESRCH);
	port = evtchn_alloc_unbound(d, remote);
	if (port > 0)
		op->port = port;
	return port < 0 ? port : 0;
}

static long bind_interdomain(struct domain *d, struct evtchn_bind_interdomain *op)
{
	struct domain *rd = op->remote_dom == DOMID_SELF ? d : domain_by_id(op->remote_dom);
	struct evtchn *rc;
	int port;
	long ret = 0;

	if (!rd)
		return trace_err(-ESRCH);
	if (!port_valid(op->remote_port))
		return trace_err(-EINVAL);
	evtchn_lock_pair(d, rd);
	rc = &rd->evtchn[op->remote_port];
	port = get_free_port(d);
	if (port < 0)
		ret = port;
	else if (rc->state != ECS_UNBOUND || rc->remote_dom != d->domid)
		ret = trace_err(-EINVAL);
	if (!ret) {
		d->evtchn[port] = (struct evtchn){ .state = ECS_INTERDOMAIN,
			.remote_dom = rd->domid, .remote_port = op->remote_port };
		*rc = (struct evtchn){ .state = ECS_INTERDOMAIN, .notify_vcpu = rc->notify_vcpu,
			.remote_dom = d->domid, .remote_port = port };
		op->local_port = port;
	}
	evtchn_unlock_pair(d, rd);
	/* Notifications sent to the unbound peer may be lost: raise ours (§7.1). */
	if (!ret)
		evtchn_set_pending(d, port);
	return ret;
}

static long bind_virq(struct domain *d, struct evtchn_bind_virq *op)
{
	struct vcpu *v;
	int port;

	if (op->virq >= NR_VIRQS)
		return trace_err(-EINVAL);
	if (op->vcpu != 0)
		return virq_is_per_vcpu(op->virq) ? trace_err(-ENOENT) : trace_err(-EINVAL);
	v = &d->vcpu0;
	spin_lock(&d->evtchn_lock);
	if (v->virq_port[op->virq]) {
		spin_unlock(&d->evtchn_lock);
		return -EEXIST;
	}
	port = get_free_port(d);
	if (port > 0) {
		d->evtchn[port] = (struct evtchn){ .state = ECS_VIRQ, .virq = op->virq };
		v->virq_port[op->virq] = port;
		op->port = port;
	}
	spin_unlock(&d->evtchn_lock);
	return port < 0 ? port : 0;
}

static long bind_ipi(struct domain *d, struct evtchn_bind_ipi *op)
{
	int port;

	if (op->vcpu != 0)
		return trace_err(-ENOENT);
	spin_lock(&d->evtchn_lock);
	port = get_free_port(d);
	if (port > 0) {
		d->evtchn[port] = (struct evtchn){ .state = ECS_IPI };
		op->port = port;
	}
	spin_unlock(&d->evtchn_lock);
	return port < 0 ? port : 0;
}

/* Frees port; for an interdomain port the peer goes back to unbound. */
static long evtchn_close(struct domain *d, evtchn_port_t port)
{
	struct evtchn *c;
	struct domain *rd = NULL;

	if (!port_valid(port))
		return trace_err(-EINVAL);
	spin_lock(&d->evtchn_lock);
	c = &d->evtchn[port];
	if (c->state == ECS_INTERDOMAIN)
		rd = domain_by_id(c->remote_dom);
	spin_unlock(&d->evtchn_lock);
	if (rd)
		evtchn_lock_pair(d, rd);
	else
		spin_lock(&d->evtchn_lock);
	c = &d->evtchn[port];
	switch (c->state) {
	case ECS_FREE:
	case ECS_RESERVED:
		if (rd)
			evtchn_unlock_pair(d, rd);
		else
			spin_unlock(&d->evtchn_lock);
		return trace_err(-EINVAL);
	case ECS_VIRQ:
		d->vcpu0.virq_port[c->virq] = 0;
		break;
	case ECS_INTERDOMAIN:
		if (rd && rd->evtchn[c->remote_port].state == ECS_INTERDOMAIN &&
		    rd->evtchn[c->remote_port].remote_port == port)
			rd->evtchn[c->remote_port] = (struct evtchn){ .state = ECS_UNBOUND,
				.remote_dom = d->domid };
		break;
	}
	*c = (struct evtchn){ .state = ECS_FREE };
	clear_bit_atomic(&d->shared_info->evtchn_pending[port / 64], port % 64);
	if (rd)
		evtchn_unlock_pair(d, rd);
	else
		spin_unlock(&d->evtchn_lock);
	return 0;
}

static long evtchn_send(struct domain *d, evtchn_port_t port)
{
	struct domain *rd = NULL;
	uint32_t rport = 0;
	long ret = 0;

	if (!port_valid(port))
		return trace_err(-EINVAL);
	spin_lock(&d->evtchn_lock);
	switch (d->evtchn[port].state) {
	case ECS_INTERDOMAIN:
		rd = domain_by_id(d->evtchn[port].remote_dom);
		rport = d->evtchn[port].remote_port;
		break;
	case ECS_IPI:
		rd = d;
		rport = port;
		break;
	case ECS_UNBOUND:
		break;			/* dropped silently (§7.4) */
	default:
		ret = trace_err(-EINVAL);
	}
	spin_unlock(&d->evtchn_lock);
	if (rd)
		evtchn_set_pending(rd, rport);
	return ret;
}

static long evtchn_status(struct domain *d, struct evtchn_status *op)
{
	struct evtchn *c;

	if (op->dom != DOMID_SELF && op->dom != d->domid)
		return trace_err(-EPERM);
	if (op->port >= NR_EVTCHN_PORTS)
		return trace_err(-EINVAL);
	spin_lock(&d->evtchn_lock);
	c = &d->evtchn[op->port];
	memset(&op->u, 0, sizeof(op->u));
	op->vcpu = c->notify_vcpu;
	switch (c->state) {
	case ECS_UNBOUND:
		op->status = EVTCHNSTAT_unbound;
		op->u.unbound.dom = c->remote_dom;
		break;
	case ECS_INTERDOMAIN:
		op->status = EVTCHNSTAT_interdomain;
		op->u.interdomain.dom = c->remote_dom;
		op->u.interdomain.port = c->remote_port;
		break;
	case ECS_VIRQ:
		op->status = EVTCHNSTAT_virq;
		op->u.virq = c->virq;
		break;
	case ECS_IPI:
		op->status = EVTCHNSTAT_ipi;
		break;
	default:
		op->status = EVTCHNSTAT_closed;
	}
	spin_unlock(&d->evtchn_lock);
	return 0;
}

/* Unmask: clear the mask bit; if pending, steps 3-4 of §7.2 (§7.5). */
static long evtchn_unmask(struct domain *d, evtchn_port_t port)
{
	struct shared_info *s = d->shared_info;
	uint64_t bit = 1ULL << (port % 64);
	uint64_t old;

	if (port >= NR_EVTCHN_PORTS)
		return trace_err(-EINVAL);
	old = __atomic_fetch_and(&s->evtchn_mask[port / 64], ~bit, __ATOMIC_SEQ_CST);
	if ((old & bit) && (s->evtchn_pending[port / 64] & bit))
		mark_vcpu_pending(notify_vcpu(d, port), port);
	return 0;
}

static long evtchn_bind_vcpu(struct domain *d, struct evtchn_bind_vcpu *op)
{
	struct evtchn *c;

	if (!port_valid(op->port))
		return trace_err(-EINVAL);
	if (op->vcpu != 0)
		return trace_err(-ENOENT);
	c = &d->evtchn[op->port];
	if (c->state == ECS_IPI || (c->state == ECS_VIRQ && virq_is_per_vcpu(c->virq)) ||
	    c->state == ECS_FREE || c->state == ECS_RESERVED)
		return trace_err(-EINVAL);
	c->notify_vcpu = 0;
	return 0;
}

static long evtchn_reset(struct domain *d, domid_t dom)
{
	unsigned int p;

	if (dom != DOMID_SELF && dom != d->domid)
		return trace_err(-EPERM);
	for (p = 1; p < NR_EVTCHN_PORTS; p++)
		if (d->evtchn[p].state != ECS_FREE)
			evtchn_close(d, p);
	return 0;
}

bool evtchn_domain_destroy(struct domain *d, uint64_t *cursor, uint64_t start)
{
	evtchn_port_t p;

	for (p = MAX(*cursor, 1); p < NR_EVTCHN_PORTS; p++) {
		if (hypercall_preempt_due(start, p)) {
			*cursor = p;
			return false;
		}
		if (d->evtchn[p].state != ECS_FREE)
			evtchn_close(d, p);
	}
	*cursor = 0;
	return true;
}

/* Copy in, run, copy out: the shape of every sub-op. */
#define EVTCHN_OP(type, fn, out)					\
	do {								\
		type op;						\
		long rc;						\
		if (copy_from_guest(&op, arg, sizeof(op)))		\
			return -EFAULT;					\
		rc = fn(d, &op);					\
		if (!rc && (out) && copy_to_guest(arg, &op, sizeof(op)))	\
			return -EFAULT;					\
		return rc;						\
	} while (0)

static long close_op(struct domain *d, struct evtchn_close *op)
{
	return evtchn_close(d, op->port);
}

static long send_op(struct domain *d, struct evtchn_send *op)
{
	return evtchn_send(d, op->port);
}

static long unmask_op(struct domain *d, struct evtchn_unmask *op)
{
	return evtchn_unmask(d, op->port);
}

static long reset_op(struct domain *d, struct evtchn_reset *op)
{
	return evtchn_reset(d, op->dom);
}

long hc_event_channel_op(struct vcpu *v, struct hc_args *a)
{
	struct domain *d = v->domain;
	uint64_t arg = a->arg[1];

	switch (a->arg[0]) {
	case EVTCHNOP_alloc_unbound:	EVTCHN_OP(struct evtchn_alloc_unbound, alloc_unbound, true);
	case EVTCHNOP_bind_interdomain:	EVTCHN_OP(struct evtchn_bind_interdomain, bind_interdomain, true);
	case EVTCHNOP_bind_virq:	EVTCHN_OP(struct evtchn_bind_virq, bind_virq, true);
	case EVTCHNOP_bind_ipi:		EVTCHN_OP(struct evtchn_bind_ipi, bind_ipi, true);
	case EVTCHNOP_close:		EVTCHN_OP(struct evtchn_close, close_op, false);
	case EVTCHNOP_send:		EVTCHN_OP(struct evtchn_send, send_op, false);
	case EVTCHNOP_status:		EVTCHN_OP(struct evtchn_status, evtchn_status, true);
	case EVTCHNOP_bind_vcpu:	EVTCHN_OP(struct evtchn_bind_vcpu, evtchn_bind_vcpu, false);
	case EVTCHNOP_unmask:		EVTCHN_OP(struct evtchn_unmask, unmask_op, false);
	case EVTCHNOP_reset:		EVTCHN_OP(struct evtchn_reset, reset_op, false);
	default:
		return trace_err(-ENOSYS);	/* FIFO, PIRQs, priorities */
	}
}
