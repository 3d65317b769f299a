// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event channels (docs/abi-core.md §7). A domain starts on the 2-level ABI
 * with 4096 ports; the FIFO ABI (evtchn_fifo.c) lifts that to
 * EVTCHN_FIFO_MAX_PORTS once the guest asks for it (init_control). Ports
 * live in pages ("buckets") of 256, allocated as the lowest free port
 * reaches them and kept until the domain's record goes, so a port's
 * struct evtchn never moves. Port 0 stays reserved.
 * 2-level: raising a port follows §7.2 to the letter:
 * test-and-set pending; stop if it was set; unless masked, test-and-set the
 * selector bit of the notify vCPU and then upcall_pending, kicking the vCPU
 * on its 0 -> 1 change; and wake a vCPU polling on the port either way.
 * The bitmaps live in shared_info, which the guest writes concurrently, so
 * every change there is a locked instruction.
 *
 * Locks: d->evtchn_lock guards the ports; an operation on two domains
 * takes both, lower domid first (evtchn_lock_pair).
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/hypercall.h>
#include <hv/preempt.h>
#include <hv/guest_access.h>
#include <hv/mm.h>
#include <hv/page_alloc.h>
#include <hv/sched.h>
#include <hv/hypervisor.h>
#include <asm/page.h>
#include <asm/irq.h>

#define PORTS_PER_BUCKET	256
/*
 * Xen 4.17 allocates a domain's channels 64 at a time as ports are taken
 * (lowest first) and a port past those is not valid to name: status and
 * unmask answer -EINVAL there, where a free port below is closed.
 * evtchn_valid keeps that mark (never lowered, as Xen's).
 */
#define VALID_STEP		64
#define MAX_BUCKETS		(EVTCHN_FIFO_MAX_PORTS / PORTS_PER_BUCKET)

/* One page of ports: their bindings, and their FIFO state beside them. */
struct evtchn_bucket {
	struct evtchn chn[PORTS_PER_BUCKET];
	struct evtchn_fifo_port fifo[PORTS_PER_BUCKET];
};
_Static_assert(sizeof(struct evtchn_bucket) <= PAGE_SIZE, "a bucket is one page");
_Static_assert(MAX_BUCKETS * sizeof(struct evtchn_bucket *) <= PAGE_SIZE, "bucket table");

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

/* One more bucket of ports; false when out of memory. */
static bool add_bucket(struct domain *d)
{
	mfn_t mfn;

	if (d->evtchn_nr_buckets >= MAX_BUCKETS)
		return false;
	mfn = alloc_frame();
	if (mfn == INVALID_MFN)
		return false;
	d->evtchn_bucket[d->evtchn_nr_buckets++] = frame_va(mfn);
	return true;
}

/* The bucket table and the buckets of the 2-level ABI's 4096 ports. */
int evtchn_domain_init(struct domain *d)
{
	mfn_t mfn = alloc_frame();

	if (mfn == INVALID_MFN)
		return -ENOMEM;
	d->evtchn_bucket = frame_va(mfn);
	while (d->evtchn_nr_buckets < NR_EVTCHN_PORTS / PORTS_PER_BUCKET)
		if (!add_bucket(d))
			return -ENOMEM;
	evtchn_from_port(d, 0)->state = ECS_RESERVED;
	d->evtchn_valid = VALID_STEP;
	return 0;
}

/* A port the guest names: below the mark (and existing), else NULL. */
static struct evtchn *named_port(struct domain *d, uint32_t p)
{
	return p < __atomic_load_n(&d->evtchn_valid, __ATOMIC_ACQUIRE) ? evtchn_from_port(d, p) :
	       NULL;
}

void evtchn_domain_free(struct domain *d)
{
	unsigned int i;

	if (!d->evtchn_bucket)
		return;
	for (i = 0; i < d->evtchn_nr_buckets; i++)
		free_frame(virt_to_maddr(d->evtchn_bucket[i]) >> PAGE_SHIFT);
	free_frame(virt_to_maddr(d->evtchn_bucket) >> PAGE_SHIFT);
	d->evtchn_bucket = NULL;
	d->evtchn_nr_buckets = 0;
}

unsigned int evtchn_max_ports(const struct domain *d)
{
	return d->evtchn_fifo ? hv_opts.evtchn_fifo_max_ports : NR_EVTCHN_PORTS;
}

struct evtchn *evtchn_from_port(struct domain *d, evtchn_port_t p)
{
	if (p >= evtchn_max_ports(d) || p / PORTS_PER_BUCKET >= d->evtchn_nr_buckets)
		return NULL;
	p = array_index_nospec(p, d->evtchn_nr_buckets * PORTS_PER_BUCKET);
	return &d->evtchn_bucket[p / PORTS_PER_BUCKET]->chn[p % PORTS_PER_BUCKET];
}

struct evtchn_fifo_port *evtchn_fifo_port(struct domain *d, evtchn_port_t p)
{
	if (p / PORTS_PER_BUCKET >= d->evtchn_nr_buckets)
		return NULL;
	p = array_index_nospec(p, d->evtchn_nr_buckets * PORTS_PER_BUCKET);
	return &d->evtchn_bucket[p / PORTS_PER_BUCKET]->fifo[p % PORTS_PER_BUCKET];
}

/*
 * The vCPU port's events go to: the one it was bound to (bind_virq,
 * bind_ipi, bind_vcpu), which exists (ids are checked when bound, and
 * vCPUs live as long as their domain); vCPU 0 for a port without one;
 * NULL before domctl max_vcpus made any (the event stays pending).
 */
struct vcpu *evtchn_notify_vcpu(struct domain *d, evtchn_port_t port)
{
	const struct evtchn *c;

	if (!d->vcpu)
		return NULL;
	if (d->max_vcpus == 1)		/* every port's: the event paths' common case */
		return d->vcpu[0];
	c = evtchn_from_port(d, port);
	/* notify_vcpu < max_vcpus <= 256, checked when bound: in d->vcpu[]'s frame. */
	return d->vcpu[c ? c->notify_vcpu : 0];
}

/*
 * Ends v's poll when port is one of its ports. Only the polling vCPU
 * writes its port list (sched_poll); the sender reads it once polling is
 * set, which sched_poll sets after the list, and the one that clears
 * polling (this or the timeout, by exchange) wakes v. Until 5 Dec the
 * sender cleared nr_poll_ports and polling by plain stores: one landing
 * between sched_poll's list and its polling store left v polling with
 * an empty list, blind to the port the sender had just made pending,
 * and each later send found the port pending already (no wake): the
 * bench smp guest's poll round trips hung on the debug build at -smp 2.
 */
void evtchn_poll_wake(struct vcpu *v, evtchn_port_t port)
{
	unsigned int i;

	if (!__atomic_load_n(&v->polling, __ATOMIC_ACQUIRE))
		return;
	for (i = 0; i < v->nr_poll_ports; i++) {
		if (v->poll_ports[i] == port) {
			if (__atomic_exchange_n(&v->polling, false, __ATOMIC_SEQ_CST))
				vcpu_wake(v);
			return;
		}
	}
}

void evtchn_mark_upcall(struct vcpu *v)
{
	if (__atomic_exchange_n(&v->vcpu_info->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST))
		return;
	vcpu_wake(v);	/* wakes a blocked vCPU; delivery happens on return */
}

/* Steps 3-4 of §7.2 for port on v. */
static void mark_vcpu_pending(struct vcpu *v, evtchn_port_t port)
{
	if (test_and_set(&v->vcpu_info->evtchn_pending_sel, port / 64))
		return;
	evtchn_mark_upcall(v);
}

void evtchn_set_pending(struct domain *d, evtchn_port_t port)
{
	struct shared_info *s = d->shared_info;
	struct vcpu *v = evtchn_notify_vcpu(d, port);

	if (d->evtchn_fifo) {
		evtchn_fifo_set_pending(d, port);
		return;
	}
	port = array_index_nospec(port, NR_EVTCHN_PORTS);
	if (test_and_set(&s->evtchn_pending[port / 64], port % 64) || !v)
		return;
	if (!(s->evtchn_mask[port / 64] & (1ULL << (port % 64))))
		mark_vcpu_pending(v, port);
	evtchn_poll_wake(v, port);
}

bool evtchn_port_is_pending(struct domain *d, evtchn_port_t port)
{
	if (d->evtchn_fifo)
		return evtchn_fifo_is_pending(d, port);
	if (port >= NR_EVTCHN_PORTS)
		return false;
	port = array_index_nospec(port, NR_EVTCHN_PORTS);
	return d->shared_info->evtchn_pending[port / 64] & (1ULL << (port % 64));
}

static void clear_pending(struct domain *d, evtchn_port_t port)
{
	if (d->evtchn_fifo) {
		evtchn_fifo_clear_pending(d, port);
		return;
	}
	port = array_index_nospec(port, NR_EVTCHN_PORTS);
	clear_bit_atomic(&d->shared_info->evtchn_pending[port / 64], port % 64);
}

bool vcpu_events_deliverable(const struct vcpu *v)
{
	return vcpu_info_events_deliverable(v->vcpu_info);
}

/*
 * Raised under the port lock, as Xen 4.17 raises a VIRQ under the vCPU's
 * virq_lock, which its close takes: a raise that read the port before a
 * close on another vCPU, and set it after the close cleared it, left the
 * freed number pending for the next port given it. Every caller (a timer
 * function, schedule(), a hypercall) holds no lock and runs with
 * interrupts off, as every holder of the port lock does.
 */
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq)
{
	struct domain *d = v->domain;
	evtchn_port_t port;

	if (!__atomic_load_n(&v->virq_port[virq], __ATOMIC_RELAXED))
		return;			/* nothing bound: no lock taken */
	spin_lock(&d->evtchn_lock);
	port = v->virq_port[virq];
	if (port)
		evtchn_set_pending(d, port);
	spin_unlock(&d->evtchn_lock);
}

/*
 * The domain each global VIRQ goes to when it is not dom0 (domctl
 * set_virq_handler), as Xen 4.17's global_virq_handlers: the table holds
 * a reference on each domain it names until that domain's destroy closes
 * its ports (virq_handler_close), and the VIRQ goes to dom0 again.
 */
static struct domain *virq_handler[NR_VIRQS];
static spinlock_t virq_handler_lock = SPINLOCK_INIT_LEVEL(LOCK_LEVEL_VIRQ_HANDLER);

/* The handler of a global VIRQ, referenced (put_domain), or NULL. */
static struct domain *virq_handler_get(unsigned int virq)
{
	struct domain *d;

	spin_lock(&virq_handler_lock);
	d = virq_handler[virq] ? virq_handler[virq] : dom0;
	if (d)
		get_domain(d);
	spin_unlock(&virq_handler_lock);
	return d;
}

/* A global VIRQ is bound in vCPU 0's table; its port says whom it notifies. */
void send_global_virq(unsigned int virq)
{
	struct domain *d = virq_handler_get(virq);

	if (!d)
		return;
	if (d->vcpu && d->vcpu[0])
		send_guest_vcpu_virq(d->vcpu[0], virq);
	put_domain(d);
}

/*
 * domctl set_virq_handler, past its checks: d handles virq from now on
 * (dom0: as at boot). A domain whose ports its destroy has closed is
 * not taken (0, the VIRQ left where it was; Xen 4.17 takes it, and the
 * VIRQ is then lost until another is named: docs/conformance.md).
 */
long evtchn_set_virq_handler(struct domain *d, unsigned int virq)
{
	struct domain *old;

	if (d == dom0)
		d = NULL;
	else
		get_domain(d);
	spin_lock(&virq_handler_lock);
	if (d && d->virq_handler_closed) {
		old = d;
	} else {
		old = virq_handler[virq];
		virq_handler[virq] = d;
	}
	spin_unlock(&virq_handler_lock);
	if (old)
		put_domain(old);
	return 0;
}

/* d's destroy closed its ports: the global VIRQs it handled go to dom0. */
static void virq_handler_close(struct domain *d)
{
	unsigned int virq, n = 0;

	spin_lock(&virq_handler_lock);
	d->virq_handler_closed = true;
	for (virq = 0; virq < NR_VIRQS; virq++)
		if (virq_handler[virq] == d) {
			virq_handler[virq] = NULL;
			n++;
		}
	spin_unlock(&virq_handler_lock);
	while (n--)
		put_domain(d);
}

bool virq_is_per_vcpu(unsigned int virq)
{
	return virq == VIRQ_TIMER || virq == VIRQ_DEBUG || virq == VIRQ_XENOPROF ||
	       virq == VIRQ_XENPMU;
}

static bool port_is_usable(const struct evtchn *c)
{
	return c->state != ECS_FREE && c->state != ECS_RESERVED;
}

/* A free port taken (get_free_port's, under d->evtchn_lock) and counted in use. */
static void port_take(struct domain *d, evtchn_port_t p, struct evtchn e)
{
	*evtchn_from_port(d, p) = e;
	d->evtchn_active++;
}

/*
 * Lowest free port >= 1, with a bucket added when it is the first of a
 * new one, and its FIFO state reset (default priority, nothing saved);
 * or -ENOSPC (past the ABI's ports or createdomain's max_evtchn_port;
 * -ENOMEM: no memory for a bucket). Caller holds d->evtchn_lock.
 *
 * The search starts at d->evtchn_free_from, below which every port is in
 * use (so their buckets exist): it is left at the port found, which the
 * caller may still not take, and lowered by each close. Xen 4.17 looks
 * from port 0 each time, the same port found; from 1 a domain with 65536
 * ports made each bind walk them all (2^31 steps for the lot, 90 s under
 * TCG: guest/virq-high-port).
 */
static int get_free_port(struct domain *d)
{
	unsigned int p, max = MIN(evtchn_max_ports(d), d->max_evtchn_port + 1ULL);

	ASSERT_LOCKED(&d->evtchn_lock);
	for (p = MAX(d->evtchn_free_from, 1U); p < max; p++) {
		struct evtchn_fifo_port *fp;

		if (p / PORTS_PER_BUCKET >= d->evtchn_nr_buckets && !add_bucket(d))
			return trace_err(-ENOMEM);
		if (evtchn_from_port(d, p)->state != ECS_FREE)
			continue;
		fp = evtchn_fifo_port(d, p);
		fp->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
		fp->pending = 0;
		if (p >= d->evtchn_valid)
			__atomic_store_n(&d->evtchn_valid, (unsigned int)ALIGN_UP(p + 1, VALID_STEP),
					 __ATOMIC_RELEASE);
		d->evtchn_free_from = p;
		return p;
	}
	return -ENOSPC;
}

/* A port that may be bound or used: in range, in an allocated bucket, not 0. */
static bool port_valid(struct domain *d, uint32_t port)
{
	return port > 0 && named_port(d, port);
}

static void evtchn_lock_pair(struct domain *a, struct domain *b)
{
	if (a == b) {
		spin_lock(&a->evtchn_lock);
	} else if (a->domid < b->domid) {
		spin_lock(&a->evtchn_lock);
		spin_lock_nested(&b->evtchn_lock);
	} else {
		spin_lock(&b->evtchn_lock);
		spin_lock_nested(&a->evtchn_lock);
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
		port_take(d, port, (struct evtchn){ .state = ECS_UNBOUND, .remote_dom = remote });
	spin_unlock(&d->evtchn_lock);
	return port;
}

int evtchn_alloc_pirq_port(struct domain *d, uint32_t pirq)
{
	int port;

	spin_lock(&d->evtchn_lock);
	port = get_free_port(d);
	if (port > 0)
		port_take(d, port, (struct evtchn){ .state = ECS_PIRQ, .virq = pirq });
	spin_unlock(&d->evtchn_lock);
	return port;
}

/* The domain an op names: itself as DOMID_SELF, or any existing one; referenced. */
static struct domain *named_domain(struct domain *d, domid_t dom)
{
	if (dom == DOMID_SELF) {
		get_domain(d);
		return d;
	}
	return get_domain_by_id(dom);
}

/*
 * A port of op->dom (the caller, or for a privileged caller any domain:
 * the toolstack's store and console ports) that op->remote_dom may bind;
 * the remote need not exist yet, as on Xen. An unknown op->dom is -ESRCH,
 * another's for an unprivileged caller -EPERM, a dying one's -EINVAL.
 */
static long alloc_unbound(struct domain *d, struct evtchn_alloc_unbound *op)
{
	domid_t remote = op->remote_dom == DOMID_SELF ? d->domid : op->remote_dom;
	struct domain *ld = d;
	int port;

	if (op->dom != DOMID_SELF && op->dom != d->domid) {
		ld = get_domain_by_id(op->dom);
		if (!ld)
			return trace_err(-ESRCH);
		port = !d->is_privileged ? trace_err(-EPERM) :
		       ld->dying ? trace_err(-EINVAL) : evtchn_alloc_unbound(ld, remote);
		put_domain(ld);
	} else {
		port = evtchn_alloc_unbound(ld, remote);
	}
	if (port > 0)
		op->port = port;
	return port < 0 ? port : 0;
}

static long bind_interdomain(struct domain *d, struct evtchn_bind_interdomain *op)
{
	struct domain *rd = named_domain(d, op->remote_dom);
	struct evtchn *rc;
	int port;
	long ret = 0;

	if (!rd)
		return trace_err(-ESRCH);
	evtchn_lock_pair(d, rd);
	rc = op->remote_port ? evtchn_from_port(rd, op->remote_port) : NULL;
	port = get_free_port(d);
	if (!rc)
		ret = trace_err(-EINVAL);
	else if (port < 0)
		ret = port;
	else if (rc->state != ECS_UNBOUND || rc->remote_dom != d->domid)
		ret = trace_err(-EINVAL);
	if (!ret) {
		port_take(d, port, (struct evtchn){ .state = ECS_INTERDOMAIN, .remote_dom = rd->domid,
						 .remote_port = op->remote_port });
		*rc = (struct evtchn){ .state = ECS_INTERDOMAIN, .notify_vcpu = rc->notify_vcpu,
			.remote_dom = d->domid, .remote_port = port };
		op->local_port = port;
	}
	evtchn_unlock_pair(d, rd);
	put_domain(rd);
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
	op->virq = array_index_nospec(op->virq, NR_VIRQS);
	/* Xen 4.17: a global VIRQ only on vCPU 0, a per-vCPU one on one that exists. */
	if (!virq_is_per_vcpu(op->virq) && op->vcpu != 0)
		return trace_err(-EINVAL);
	v = domain_vcpu(d, op->vcpu);
	if (!v)
		return trace_err(-ENOENT);
	spin_lock(&d->evtchn_lock);
	if (v->virq_port[op->virq]) {
		spin_unlock(&d->evtchn_lock);
		return -EEXIST;
	}
	port = get_free_port(d);
	if (port > 0) {
		port_take(d, port, (struct evtchn){ .state = ECS_VIRQ, .virq = op->virq,
						 .notify_vcpu = v->vcpu_id });
		v->virq_port[op->virq] = port;
		op->port = port;
	}
	spin_unlock(&d->evtchn_lock);
	return port < 0 ? port : 0;
}

static long bind_ipi(struct domain *d, struct evtchn_bind_ipi *op)
{
	int port;

	if (!domain_vcpu(d, op->vcpu))
		return trace_err(-ENOENT);
	spin_lock(&d->evtchn_lock);
	port = get_free_port(d);
	if (port > 0) {
		port_take(d, port, (struct evtchn){ .state = ECS_IPI, .notify_vcpu = op->vcpu });
		op->port = port;
	}
	spin_unlock(&d->evtchn_lock);
	return port < 0 ? port : 0;
}

/*
 * The peer of an interdomain port as seen under d's lock (*seen its id,
 * DOMID_INVALID for another state), referenced; NULL if none or gone.
 */
static struct domain *close_peer(struct domain *d, evtchn_port_t port, domid_t *seen)
{
	struct evtchn *c;

	spin_lock(&d->evtchn_lock);
	c = evtchn_from_port(d, port);
	*seen = c && c->state == ECS_INTERDOMAIN ? c->remote_dom : DOMID_INVALID;
	spin_unlock(&d->evtchn_lock);
	return *seen == DOMID_INVALID ? NULL : get_domain_by_id(*seen);
}

/*
 * Frees port; for an interdomain port the peer goes back to unbound.
 * The peer's lock must come first when its domid is lower, so d's lock is
 * dropped to take both: whatever another CPU did with the port meanwhile
 * is looked at again, and a port now bound to another peer starts over.
 */
static long evtchn_close(struct domain *d, evtchn_port_t port)
{
	struct evtchn gone = { .state = ECS_FREE }, *c, *rc;
	struct domain *rd;
	domid_t seen;

	if (!port_valid(d, port))
		return trace_err(-EINVAL);
	for (;;) {
		rd = close_peer(d, port, &seen);
		if (rd)
			evtchn_lock_pair(d, rd);
		else
			spin_lock(&d->evtchn_lock);
		/*
		 * NULL if a reset on another vCPU took the domain back to
		 * 2-level since port_valid: a port past 4095 is gone, as free.
		 */
		c = evtchn_from_port(d, port);
		if (!c)
			c = &gone;
		if (c->state != ECS_INTERDOMAIN || c->remote_dom == seen)
			break;
		if (rd) {
			evtchn_unlock_pair(d, rd);
			put_domain(rd);
		} else {
			spin_unlock(&d->evtchn_lock);
		}
	}
	switch (c->state) {
	case ECS_FREE:
	case ECS_RESERVED:
		if (rd) {
			evtchn_unlock_pair(d, rd);
			put_domain(rd);
		} else {
			spin_unlock(&d->evtchn_lock);
		}
		return trace_err(-EINVAL);
	case ECS_VIRQ:	/* a global VIRQ's table is vCPU 0's (bind_vcpu moves only its port) */
		d->vcpu[virq_is_per_vcpu(c->virq) ? c->notify_vcpu : 0]->virq_port[c->virq] = 0;
		break;
	case ECS_PIRQ:
		pirq_unbind_port(d, c->virq, port);
		break;
	case ECS_INTERDOMAIN:
		rc = rd ? evtchn_from_port(rd, c->remote_port) : NULL;
		if (rc && rc->state == ECS_INTERDOMAIN && rc->remote_dom == d->domid &&
		    rc->remote_port == port)
			*rc = (struct evtchn){ .state = ECS_UNBOUND, .remote_dom = d->domid };
		break;
	}
	*c = (struct evtchn){ .state = ECS_FREE };
	d->evtchn_active--;
	if (port < d->evtchn_free_from)
		d->evtchn_free_from = port;
	clear_pending(d, port);
	if (rd) {
		evtchn_unlock_pair(d, rd);
		put_domain(rd);
	} else {
		spin_unlock(&d->evtchn_lock);
	}
	return 0;
}

static long evtchn_send(struct domain *d, evtchn_port_t port)
{
	struct domain *rd;
	struct evtchn *c;
	long ret = 0;

	/* One lookup: a port's struct evtchn never moves (buckets stay). */
	c = port ? evtchn_from_port(d, port) : NULL;
	if (!c)
		return trace_err(-EINVAL);
	spin_lock(&d->evtchn_lock);
	switch (c->state) {
	case ECS_INTERDOMAIN:
		/*
		 * Raised under our lock: the peer cannot close its end (that
		 * takes this lock too), so it is not freed meanwhile.
		 */
		rd = domain_by_id(c->remote_dom);
		if (rd)
			evtchn_set_pending(rd, c->remote_port);
		break;
	case ECS_IPI:
		/*
		 * Under the lock too, as Xen 4.17's: a close on another vCPU
		 * clears the port's pending bit under it, so a raise after
		 * the unlock would leave the freed number pending, and the
		 * next port given it would start so (attack-evtchn-close-race
		 * phase D).
		 */
		evtchn_set_pending(d, port);
		break;
	case ECS_UNBOUND:
		break;			/* dropped silently (§7.4) */
	default:
		ret = trace_err(-EINVAL);
	}
	spin_unlock(&d->evtchn_lock);
	return ret;
}

/*
 * Status of a port of the caller or, for dom0, of any domain. Xen's
 * order: no such domain -ESRCH, bad port -EINVAL, then another domain's
 * port for an unprivileged caller -EPERM (its XSM_TARGET default).
 */
static long port_status(struct domain *caller, struct domain *d, struct evtchn_status *op);

static long evtchn_status(struct domain *caller, struct evtchn_status *op)
{
	struct domain *d = named_domain(caller, op->dom);
	long rc;

	if (!d)
		return trace_err(-ESRCH);
	rc = port_status(caller, d, op);
	put_domain(d);
	return rc;
}

static long port_status(struct domain *caller, struct domain *d, struct evtchn_status *op)
{
	struct evtchn *c;

	/*
	 * Refused before d's lock is taken (a port's struct never moves, as
	 * in evtchn_send), as Xen's XSM check: a domU asking about another
	 * domain's ports in a loop never holds that domain's lock.
	 */
	c = named_port(d, op->port);
	if (!c)
		return trace_err(-EINVAL);
	if (d != caller && !caller->is_privileged)
		return trace_err(-EPERM);
	spin_lock(&d->evtchn_lock);
	/* Only the fields of the port's state are written, as Xen's: the rest as the caller left it. */
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
	case ECS_PIRQ:
		op->status = EVTCHNSTAT_pirq;
		op->u.pirq = c->virq;
		break;
	default:
		op->status = EVTCHNSTAT_closed;
	}
	spin_unlock(&d->evtchn_lock);
	return 0;
}

/*
 * Unmask: clear the mask bit; if pending, steps 3-4 of §7.2 (§7.5). FIFO:
 * clear MASKED and link the event if it is pending. Either ABI acts on a
 * port in use only: a free or reserved port below the bound gives 0 with
 * its mask bit or event word left as the guest set it (Xen 4.17).
 */
static long evtchn_unmask(struct domain *d, evtchn_port_t port)
{
	struct shared_info *s = d->shared_info;
	const struct evtchn *c = named_port(d, port);
	uint64_t bit, old;

	if (!c)
		return trace_err(-EINVAL);
	if (!port_is_usable(c))
		return 0;
	if (d->evtchn_fifo) {
		evtchn_fifo_unmask(d, port);
		return 0;
	}
	port = array_index_nospec(port, NR_EVTCHN_PORTS);
	bit = 1ULL << (port % 64);
	old = __atomic_fetch_and(&s->evtchn_mask[port / 64], ~bit, __ATOMIC_SEQ_CST);
	if ((old & bit) && (s->evtchn_pending[port / 64] & bit))
		mark_vcpu_pending(evtchn_notify_vcpu(d, port), port);
	return 0;
}

/* set_priority: Xen's order of refusals (bad port, 2-level, unused, > 15). */
static long evtchn_set_priority(struct domain *d, struct evtchn_set_priority *op)
{
	const struct evtchn *c;
	long ret = 0;

	spin_lock(&d->evtchn_lock);
	c = named_port(d, op->port);
	if (!c)
		ret = trace_err(-EINVAL);
	else if (!d->evtchn_fifo)
		ret = trace_err(-ENOSYS);
	else if (!port_is_usable(c))
		ret = trace_err(-EACCES);
	else if (op->priority > EVTCHN_FIFO_PRIORITY_MIN)
		ret = trace_err(-EINVAL);
	else
		evtchn_fifo_port(d, op->port)->priority = op->priority;
	spin_unlock(&d->evtchn_lock);
	return ret;
}

static long init_control(struct domain *d, struct evtchn_init_control *op)
{
	long ret;

	spin_lock(&d->evtchn_lock);
	ret = evtchn_fifo_init_control(d, op);
	spin_unlock(&d->evtchn_lock);
	return ret;
}

/*
 * Xen answers -EOPNOTSUPP before anything else while on 2-level. Looked
 * at under the lock (XSA-505): a reset on another vCPU may free the FIFO
 * state between a look before it and the use.
 */
static long expand_op(struct domain *d, struct evtchn_expand_array *op)
{
	long ret;

	spin_lock(&d->evtchn_lock);
	ret = d->evtchn_fifo ? evtchn_fifo_expand_array(d, op) : trace_err(-EOPNOTSUPP);
	spin_unlock(&d->evtchn_lock);
	return ret;
}

/*
 * Xen 4.17's order: a vCPU that does not exist is -ENOENT (one that is
 * down is fine), then the port; IPIs and per-vCPU VIRQs stay where they
 * were bound (-EINVAL).
 */
static long evtchn_bind_vcpu(struct domain *d, struct evtchn_bind_vcpu *op)
{
	struct vcpu *v = domain_vcpu(d, op->vcpu);
	struct evtchn *c;
	long rc = 0;

	if (!v)
		return trace_err(-ENOENT);
	if (!port_valid(d, op->port))
		return trace_err(-EINVAL);
	spin_lock(&d->evtchn_lock);
	c = evtchn_from_port(d, op->port);	/* NULL: gone to 2-level since port_valid */
	if (!c || c->state == ECS_IPI || (c->state == ECS_VIRQ && virq_is_per_vcpu(c->virq)) ||
	    c->state == ECS_FREE || c->state == ECS_RESERVED)
		rc = trace_err(-EINVAL);
	else
		c->notify_vcpu = v->vcpu_id;
	spin_unlock(&d->evtchn_lock);
	return rc;
}

/* The FIFO state goes (its frames let go): the domain is on 2-level again. */
static void leave_fifo(struct domain *d)
{
	spin_lock(&d->evtchn_lock);
	if (d->evtchn_fifo)
		evtchn_fifo_destroy(d);
	spin_unlock(&d->evtchn_lock);
}

/*
 * Closes every port and goes back to the 2-level ABI, as Xen's reset
 * does, for the caller itself or, from dom0, a domain it has paused.
 * Xen's order: no such domain -ESRCH, another domain for an unprivileged
 * caller -EPERM, another domain that is not paused -EINVAL.
 *
 * Preemptible as Xen 4.17's (XSA-344): d->evtchn_reset_next marks a
 * reset under way and the port it goes on from. Stopped there, the call
 * becomes EVTCHNOP_reset_cont (14) with the same argument; a reset while
 * one is under way, or a reset_cont while none is, is -EBUSY, whichever
 * vCPU or domain asks. A port bound meanwhile by another vCPU behind the
 * walk leaves the domain as it is (-EAGAIN, FIFO kept): going back to
 * 2-level with a port past 4095 in use would strand it.
 */
static long reset_ports(struct domain *caller, struct domain *d, bool resuming)
{
	uint64_t until = hypercall_preempt_until();
	evtchn_port_t p, first;
	struct evtchn *c;
	long rc = 0;

	if (d != caller && !caller->is_privileged)
		return trace_err(-EPERM);
	if (d != caller && !d->controller_pause_count)
		return trace_err(-EINVAL);
	spin_lock(&d->evtchn_lock);
	first = resuming ? d->evtchn_reset_next : !d->evtchn_reset_next;
	if (first)
		d->evtchn_reset_next = first;
	spin_unlock(&d->evtchn_lock);
	if (!first)
		return trace_err(-EBUSY);
	for (p = first; (c = evtchn_from_port(d, p)) &&
	     __atomic_load_n(&d->evtchn_active, __ATOMIC_RELAXED); p++) {
		if (p != first && hypercall_preempt_now(this_cpu()->current, until)) {
			spin_lock(&d->evtchn_lock);
			d->evtchn_reset_next = p;
			spin_unlock(&d->evtchn_lock);
			return -ERESTART;
		}
		if (c->state != ECS_FREE)
			evtchn_close(d, p);
	}
	spin_lock(&d->evtchn_lock);
	d->evtchn_reset_next = 0;
	if (d->evtchn_active)
		rc = trace_err(-EAGAIN);
	else if (d->evtchn_fifo)
		evtchn_fifo_destroy(d);
	spin_unlock(&d->evtchn_lock);
	return rc;
}

static long evtchn_reset(struct domain *caller, domid_t dom, bool resuming)
{
	struct domain *d = named_domain(caller, dom);
	long rc;

	if (!d)
		return trace_err(-ESRCH);
	rc = reset_ports(caller, d, resuming);
	put_domain(d);
	return rc;
}

bool evtchn_domain_destroy(struct domain *d, uint64_t *cursor, uint64_t until)
{
	evtchn_port_t p, first = MAX(*cursor, 1);
	struct evtchn *c;

	for (p = first; (c = evtchn_from_port(d, p)); p++) {
		if (p != first && hypercall_preempt_now(this_cpu()->current, until)) {
			*cursor = p;
			return false;
		}
		if (c->state != ECS_FREE)
			evtchn_close(d, p);
	}
	leave_fifo(d);
	virq_handler_close(d);
	*cursor = 0;
	return true;
}

/*
 * Copy in, run, copy out: the shape of every sub-op. A sub-op with a
 * result first writes its argument back unchanged: a buffer the guest
 * cannot write (read-only, unmapped since) fails there with -EFAULT and
 * nothing done (docs/style.md §4), where Xen 4.17 would do the op (bind
 * a port, say) and then fail the copy-out with -EFAULT, the port lost to
 * the guest. One CPU: nothing unmaps the buffer between the probe and the
 * copy-out, which still goes through copy_to_guest() and its -EFAULT.
 */
#define EVTCHN_OP(type, fn, out)					\
	do {								\
		type op;						\
		long rc;						\
		if (copy_from_guest(&op, arg, sizeof(op)))		\
			return -EFAULT;					\
		if ((out) && copy_to_guest(arg, &op, sizeof(op)))	\
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

/* reset and reset_cont; stopped half way, the call goes on as reset_cont. */
static long reset_call(struct domain *d, struct hc_args *a)
{
	struct evtchn_reset op;
	long rc;

	if (copy_from_guest(&op, a->arg[1], sizeof(op)))
		return -EFAULT;
	rc = evtchn_reset(d, op.dom, (uint32_t)a->arg[0] == EVTCHNOP_reset_cont);
	if (rc == -ERESTART) {
		a->arg[0] = EVTCHNOP_reset_cont;
		rc = hypercall_continue();
	}
	return rc;
}

long hc_event_channel_op(struct vcpu *v, struct hc_args *a)
{
	struct domain *d = v->domain;
	uint64_t arg = a->arg[1];

	switch ((uint32_t)a->arg[0]) {	/* Xen's `int cmd`: the upper half ignored */
	case EVTCHNOP_alloc_unbound:	EVTCHN_OP(struct evtchn_alloc_unbound, alloc_unbound, true);
	case EVTCHNOP_bind_interdomain:	EVTCHN_OP(struct evtchn_bind_interdomain, bind_interdomain, true);
	case EVTCHNOP_bind_virq:	EVTCHN_OP(struct evtchn_bind_virq, bind_virq, true);
	case EVTCHNOP_bind_ipi:		EVTCHN_OP(struct evtchn_bind_ipi, bind_ipi, true);
	case EVTCHNOP_close:		EVTCHN_OP(struct evtchn_close, close_op, false);
	case EVTCHNOP_send:		EVTCHN_OP(struct evtchn_send, send_op, false);
	case EVTCHNOP_status:		EVTCHN_OP(struct evtchn_status, evtchn_status, true);
	case EVTCHNOP_bind_vcpu:	EVTCHN_OP(struct evtchn_bind_vcpu, evtchn_bind_vcpu, false);
	case EVTCHNOP_unmask:		EVTCHN_OP(struct evtchn_unmask, unmask_op, false);
	case EVTCHNOP_reset:
	case EVTCHNOP_reset_cont:	return reset_call(d, a);
	case EVTCHNOP_init_control:	EVTCHN_OP(struct evtchn_init_control, init_control, true);
	case EVTCHNOP_expand_array:	EVTCHN_OP(struct evtchn_expand_array, expand_op, false);
	case EVTCHNOP_set_priority:	EVTCHN_OP(struct evtchn_set_priority, evtchn_set_priority, false);
	case EVTCHNOP_bind_pirq:	EVTCHN_OP(struct evtchn_bind_pirq, pirq_bind, true);
	default:
		return trace_err(-ENOSYS);
	}
}
