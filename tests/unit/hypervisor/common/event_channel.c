// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of hypervisor/common/event_channel.c on the fake machine:
 * the 2-level ABI's ports bound, sent on, masked and closed between two
 * domains, through the hypercall itself (hc_event_channel_op), with the
 * pending, mask and selector bits read back from the shared_info pages.
 */
#include "../../unit.h"
#include "../fake_machine.h"
#include <hv/lib.h>
#include <hv/event.h>
#include <hv/hypercall.h>
#include <asm/irq.h>
#include <pthread.h>

static struct domain *d, *e, *f;

/* The fake machine has no physical IRQs: bind_pirq is refused, nothing to unbind. */
long pirq_bind(struct domain *dom, struct evtchn_bind_pirq *op)
{
	return -ENOSYS;
}

void pirq_unbind_port(struct domain *dom, uint32_t pirq, uint32_t port)
{
}

static void fresh(void)
{
	fake_machine_reset();
	d = fake_domain(1, false);
	e = fake_domain(2, false);
	f = fake_domain(3, false);
	EXPECT_EQ(evtchn_domain_init(d), 0);
	EXPECT_EQ(evtchn_domain_init(e), 0);
	EXPECT_EQ(evtchn_domain_init(f), 0);
}

static long op(struct domain *dom, unsigned int cmd, void *arg)
{
	struct hc_args a = { .arg = { cmd, fake_va(arg) } };

	return hc_event_channel_op(dom->vcpu[0], &a);
}

static bool pending(struct domain *dom, evtchn_port_t p)
{
	return dom->shared_info->evtchn_pending[p / 64] & (1ULL << (p % 64));
}

static void set_mask(struct domain *dom, evtchn_port_t p, bool masked)
{
	if (masked)
		dom->shared_info->evtchn_mask[p / 64] |= 1ULL << (p % 64);
	else
		dom->shared_info->evtchn_mask[p / 64] &= ~(1ULL << (p % 64));
}

/* What the guest does after handling its events: every bit cleared. */
static void guest_acks(struct domain *dom)
{
	memset(dom->shared_info->evtchn_pending, 0, sizeof(dom->shared_info->evtchn_pending));
	dom->vcpu[0]->vcpu_info->evtchn_pending_sel = 0;
	dom->vcpu[0]->vcpu_info->evtchn_upcall_pending = 0;
}

static bool upcall(struct domain *dom)
{
	return dom->vcpu[0]->vcpu_info->evtchn_upcall_pending;
}

static evtchn_port_t alloc_unbound(struct domain *dom, domid_t remote)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = remote };

	EXPECT_EQ(op(dom, EVTCHNOP_alloc_unbound, &a), 0);
	return a.port;
}

static long bind(struct domain *dom, domid_t remote, evtchn_port_t rport, evtchn_port_t *port)
{
	struct evtchn_bind_interdomain b = { .remote_dom = remote, .remote_port = rport };
	long rc = op(dom, EVTCHNOP_bind_interdomain, &b);

	*port = b.local_port;
	return rc;
}

static long send(struct domain *dom, evtchn_port_t p)
{
	struct evtchn_send s = { .port = p };

	return op(dom, EVTCHNOP_send, &s);
}

static long close_port(struct domain *dom, evtchn_port_t p)
{
	struct evtchn_close c = { .port = p };

	return op(dom, EVTCHNOP_close, &c);
}

static struct evtchn_status status(struct domain *dom, evtchn_port_t p)
{
	struct evtchn_status s = { .dom = DOMID_SELF, .port = p };

	EXPECT_EQ(op(dom, EVTCHNOP_status, &s), 0);
	return s;
}

/* d offers a port to e; e binds it; each end's send raises the other. */
static void bind_and_send_both_ways(void)
{
	evtchn_port_t dp, ep;
	struct evtchn_status s;

	fresh();
	dp = alloc_unbound(d, e->domid);
	EXPECT_EQ(dp, 1);					/* the lowest free port */
	s = status(d, dp);
	EXPECT_EQ(s.status, EVTCHNSTAT_unbound);
	EXPECT_EQ(s.u.unbound.dom, e->domid);
	EXPECT_EQ(bind(e, d->domid, dp, &ep), 0);
	EXPECT_EQ(ep, 1);
	EXPECT(pending(e, ep));				/* raised at bind (§7.1) */
	EXPECT(!pending(d, dp));
	s = status(d, dp);
	EXPECT_EQ(s.status, EVTCHNSTAT_interdomain);
	EXPECT_EQ(s.u.interdomain.dom, e->domid);
	EXPECT_EQ(s.u.interdomain.port, ep);
	guest_acks(e);

	fake_wakes = 0;
	EXPECT_EQ(send(e, ep), 0);
	EXPECT(pending(d, dp));
	EXPECT(!pending(e, ep));
	EXPECT_EQ(d->vcpu[0]->vcpu_info->evtchn_pending_sel, 1ULL << (dp / 64));
	EXPECT(upcall(d));
	EXPECT_EQ(fake_wakes, 1);
	d->vcpu[0]->vcpu_info->evtchn_pending_sel = 0;		/* the guest mid-scan */
	d->vcpu[0]->vcpu_info->evtchn_upcall_pending = 0;
	EXPECT_EQ(send(e, ep), 0);				/* already pending: nothing more */
	EXPECT_EQ(d->vcpu[0]->vcpu_info->evtchn_pending_sel, 0);
	EXPECT(!upcall(d));
	EXPECT_EQ(fake_wakes, 1);
	EXPECT_EQ(send(d, dp), 0);
	EXPECT(pending(e, ep));
	EXPECT(upcall(e));
}

/* A masked port is marked pending but raises no upcall until unmasked. */
static void mask_holds_the_upcall(void)
{
	evtchn_port_t dp, ep;
	struct evtchn_unmask u;

	fresh();
	dp = alloc_unbound(d, e->domid);
	EXPECT_EQ(bind(e, d->domid, dp, &ep), 0);
	set_mask(d, dp, true);
	fake_wakes = 0;
	EXPECT_EQ(send(e, ep), 0);
	EXPECT(pending(d, dp));
	EXPECT_EQ(d->vcpu[0]->vcpu_info->evtchn_pending_sel, 0);
	EXPECT(!upcall(d));
	EXPECT_EQ(fake_wakes, 0);
	u.port = dp;
	EXPECT_EQ(op(d, EVTCHNOP_unmask, &u), 0);
	EXPECT(!(d->shared_info->evtchn_mask[0] & (1ULL << dp)));
	EXPECT_EQ(d->vcpu[0]->vcpu_info->evtchn_pending_sel, 1ULL << (dp / 64));
	EXPECT(upcall(d));
	EXPECT_EQ(fake_wakes, 1);

	/* Unmasking a port with nothing pending raises nothing. */
	guest_acks(d);
	set_mask(d, dp, true);
	EXPECT_EQ(op(d, EVTCHNOP_unmask, &u), 0);
	EXPECT(!upcall(d));
	u.port = NR_EVTCHN_PORTS;
	EXPECT_EQ(op(d, EVTCHNOP_unmask, &u), -EINVAL);
}

/* Closing one end leaves the other unbound for the same peer, to bind again. */
static void close_unbinds_the_peer(void)
{
	evtchn_port_t dp, ep, ep2;
	struct evtchn_status s;

	fresh();
	dp = alloc_unbound(d, e->domid);
	EXPECT_EQ(bind(e, d->domid, dp, &ep), 0);
	EXPECT(pending(e, ep));
	EXPECT_EQ(close_port(e, ep), 0);
	EXPECT(!pending(e, ep));				/* cleared with the port */
	s = status(e, ep);
	EXPECT_EQ(s.status, EVTCHNSTAT_closed);
	s = status(d, dp);
	EXPECT_EQ(s.status, EVTCHNSTAT_unbound);
	EXPECT_EQ(s.u.unbound.dom, e->domid);
	EXPECT_EQ(send(e, ep), -EINVAL);			/* closed */
	EXPECT_EQ(close_port(e, ep), -EINVAL);
	guest_acks(e);
	EXPECT_EQ(send(d, dp), 0);				/* unbound: dropped */
	EXPECT(!pending(e, ep));
	EXPECT(!upcall(e));

	EXPECT_EQ(bind(e, d->domid, dp, &ep2), 0);
	EXPECT_EQ(ep2, ep);					/* the freed port again */
	EXPECT_EQ(close_port(d, dp), 0);			/* and from the other end */
	s = status(e, ep2);
	EXPECT_EQ(s.status, EVTCHNSTAT_unbound);
	EXPECT_EQ(s.u.unbound.dom, d->domid);
}

/* Who may bind what, and who may allocate whose port. */
static void binding_rules(void)
{
	evtchn_port_t dp, fp, ep;
	struct evtchn_alloc_unbound a = { .dom = 2, .remote_dom = 1 };

	fresh();
	dp = alloc_unbound(d, e->domid);
	EXPECT_EQ(bind(f, d->domid, dp, &fp), -EINVAL);		/* offered to e, not f */
	EXPECT_EQ(bind(e, d->domid, 0, &ep), -EINVAL);		/* port 0 is reserved */
	EXPECT_EQ(bind(e, d->domid, dp + 1, &ep), -EINVAL);	/* free, not unbound */
	EXPECT_EQ(bind(e, d->domid, NR_EVTCHN_PORTS, &ep), -EINVAL);
	EXPECT_EQ(bind(e, 77, dp, &ep), -ESRCH);
	EXPECT_EQ(bind(e, d->domid, dp, &ep), 0);
	EXPECT_EQ(bind(e, d->domid, dp, &ep), -EINVAL);		/* bound already */
	EXPECT_EQ(op(d, EVTCHNOP_alloc_unbound, &a), -EPERM);	/* e's port, by d */
	d->is_privileged = true;
	EXPECT_EQ(op(d, EVTCHNOP_alloc_unbound, &a), 0);	/* the toolstack may */
	EXPECT_EQ(status(e, a.port).status, EVTCHNSTAT_unbound);
	EXPECT_EQ(status(e, a.port).u.unbound.dom, d->domid);
	EXPECT_EQ(op(d, EVTCHNOP_alloc_unbound, (void *)FAKE_BAD_VA), -EFAULT);
	EXPECT_EQ(send(d, 0), -EINVAL);
	EXPECT_EQ(send(d, NR_EVTCHN_PORTS), -EINVAL);
	EXPECT_EQ(send(d, 100), -EINVAL);			/* free */
}

/* VIRQ and IPI ports: bound once, raised on the domain itself, freed on close. */
static void virq_and_ipi(void)
{
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	struct evtchn_bind_ipi bi = { .vcpu = 0 };
	evtchn_port_t vp;

	fresh();
	EXPECT_EQ(op(d, EVTCHNOP_bind_virq, &bv), 0);
	vp = bv.port;
	EXPECT_EQ(op(d, EVTCHNOP_bind_virq, &bv), -EEXIST);
	bv.virq = NR_VIRQS;
	EXPECT_EQ(op(d, EVTCHNOP_bind_virq, &bv), -EINVAL);
	send_guest_vcpu_virq(d->vcpu[0], VIRQ_TIMER);
	EXPECT(pending(d, vp));
	EXPECT_EQ(send(d, vp), -EINVAL);			/* a VIRQ is not sent */
	EXPECT_EQ(status(d, vp).status, EVTCHNSTAT_virq);
	EXPECT_EQ(close_port(d, vp), 0);
	EXPECT_EQ(d->vcpu[0]->virq_port[VIRQ_TIMER], 0);
	guest_acks(d);
	send_guest_vcpu_virq(d->vcpu[0], VIRQ_TIMER);		/* unbound: nowhere */
	EXPECT(!pending(d, vp));
	bv.virq = VIRQ_TIMER;
	EXPECT_EQ(op(d, EVTCHNOP_bind_virq, &bv), 0);

	EXPECT_EQ(op(d, EVTCHNOP_bind_ipi, &bi), 0);
	EXPECT_EQ(send(d, bi.port), 0);
	EXPECT(pending(d, bi.port));
	EXPECT_EQ(status(d, bi.port).status, EVTCHNSTAT_ipi);
	bi.vcpu = 1;
	EXPECT_EQ(op(d, EVTCHNOP_bind_ipi, &bi), -ENOENT);
}

/*
 * A VIRQ's port is kept and raised in 32 bits: under FIFO bind_virq gives
 * a port past 65535 once the ones below are taken (65537 after 1 ..
 * 65536), set here directly rather than by binding 65536 ports. Read
 * through 16 bits it was raised as port 1, another port of the domain's.
 */
static void virq_port_past_16_bits(void)
{
	evtchn_port_t p;

	fresh();
	p = alloc_unbound(d, e->domid);
	EXPECT_EQ(p, 1);
	d->vcpu[0]->virq_port[VIRQ_TIMER] = 65536 + p;
	send_guest_vcpu_virq(d->vcpu[0], VIRQ_TIMER);
	EXPECT(!pending(d, p));
	d->vcpu[0]->virq_port[VIRQ_TIMER] = 0;
}

/*
 * 4095 ports on the 2-level ABI (or createdomain's bound), then -ENOSPC;
 * a closed one is found again.
 */
static void ports_run_out(void)
{
	unsigned int i;
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 2 };

	fresh();
	for (i = 1; i < NR_EVTCHN_PORTS; i++) {
		EXPECT_EQ(op(d, EVTCHNOP_alloc_unbound, &a), 0);
		EXPECT_EQ(a.port, i);
	}
	EXPECT_EQ(op(d, EVTCHNOP_alloc_unbound, &a), -ENOSPC);
	EXPECT_EQ(close_port(d, 1000), 0);
	EXPECT_EQ(op(d, EVTCHNOP_alloc_unbound, &a), 0);
	EXPECT_EQ(a.port, 1000);

	/*
	 * The lowest free port each time, whatever order they were closed
	 * in and though a bind that failed after finding one left it free
	 * (get_free_port starts at evtchn_free_from).
	 */
	{
		struct evtchn_bind_interdomain b = { .remote_dom = 2, .remote_port = 4000 };
		static const evtchn_port_t next[] = { 7, 201, 3000 };

		EXPECT_EQ(close_port(d, 3000), 0);
		EXPECT_EQ(close_port(d, 200), 0);
		EXPECT_EQ(close_port(d, 201), 0);
		EXPECT_EQ(op(d, EVTCHNOP_bind_interdomain, &b), -EINVAL);	/* no such port of e */
		EXPECT_EQ(op(d, EVTCHNOP_alloc_unbound, &a), 0);
		EXPECT_EQ(a.port, 200);
		EXPECT_EQ(close_port(d, 7), 0);
		EXPECT_EQ(op(d, EVTCHNOP_bind_interdomain, &b), -EINVAL);
		for (i = 0; i < ARRAY_SIZE(next); i++) {
			EXPECT_EQ(op(d, EVTCHNOP_alloc_unbound, &a), 0);
			EXPECT_EQ(a.port, next[i]);
		}
		EXPECT_EQ(op(d, EVTCHNOP_alloc_unbound, &a), -ENOSPC);
	}

	/* createdomain's max_evtchn_port: the highest port it may have. */
	e->max_evtchn_port = 2;
	EXPECT_EQ(op(e, EVTCHNOP_alloc_unbound, &a), 0);
	EXPECT_EQ(op(e, EVTCHNOP_alloc_unbound, &a), 0);
	EXPECT_EQ(a.port, 2);
	EXPECT_EQ(op(e, EVTCHNOP_alloc_unbound, &a), -ENOSPC);
}

/* A reset, or the domain's end, closes every port; the peers see theirs unbound. */
static void reset_and_destroy(void)
{
	evtchn_port_t dp, ep, dp2, ep2;
	struct evtchn_reset r = { .dom = DOMID_SELF };
	uint64_t cursor = 0;

	fresh();
	dp = alloc_unbound(d, e->domid);
	EXPECT_EQ(bind(e, d->domid, dp, &ep), 0);
	dp2 = alloc_unbound(d, e->domid);
	EXPECT_EQ(bind(e, d->domid, dp2, &ep2), 0);
	EXPECT_EQ(op(e, EVTCHNOP_reset, &r), 0);
	EXPECT_EQ(status(e, ep).status, EVTCHNSTAT_closed);
	EXPECT_EQ(status(d, dp).status, EVTCHNSTAT_unbound);
	EXPECT_EQ(status(d, dp2).status, EVTCHNSTAT_unbound);
	r.dom = d->domid;
	EXPECT_EQ(op(e, EVTCHNOP_reset, &r), -EPERM);

	EXPECT_EQ(bind(e, d->domid, dp, &ep), 0);
	EXPECT(evtchn_domain_destroy(d, &cursor, 0));
	EXPECT_EQ(status(e, ep).status, EVTCHNSTAT_unbound);
	EXPECT_EQ(status(e, ep).u.unbound.dom, d->domid);
	EXPECT_EQ(status(d, dp).status, EVTCHNSTAT_closed);
	evtchn_domain_free(d);
	EXPECT(d->evtchn_bucket == NULL);
}

/*
 * XSA-344: a long reset stops half way as reset_cont with the same
 * argument (Xen 4.17's continuation); meanwhile a second reset is -EBUSY,
 * reset_cont goes on where it stopped, and once it is over reset_cont is
 * -EBUSY again. A port taken behind the walk is -EAGAIN and stays.
 */
static void reset_is_preemptible(void)
{
	struct evtchn_reset r = { .dom = DOMID_SELF };
	struct hc_args a = { .arg = { EVTCHNOP_reset, fake_va(&r) } };
	evtchn_port_t p, last = 0;
	unsigned int i;

	fresh();
	for (i = 0; i < 300; i++)
		last = alloc_unbound(e, d->domid);
	fake_preempt_in = 100;
	EXPECT_EQ(hc_event_channel_op(e->vcpu[0], &a), -ERESTART);
	EXPECT_EQ(a.arg[0], EVTCHNOP_reset_cont);
	EXPECT_EQ(a.arg[1], fake_va(&r));
	EXPECT_EQ(status(e, 1).status, EVTCHNSTAT_closed);
	EXPECT_EQ(status(e, last).status, EVTCHNSTAT_unbound);
	EXPECT_EQ(op(e, EVTCHNOP_reset, &r), -EBUSY);
	EXPECT_EQ(op(d, EVTCHNOP_reset_cont, &r), -EBUSY);	/* d has none under way */
	fake_preempt_in = 0;
	EXPECT_EQ(hc_event_channel_op(e->vcpu[0], &a), 0);
	EXPECT_EQ(status(e, last).status, EVTCHNSTAT_closed);
	EXPECT_EQ(op(e, EVTCHNOP_reset_cont, &r), -EBUSY);

	/* Stopped, a port bound below the walk's place: it stays, -EAGAIN. */
	for (i = 0; i < 300; i++)
		last = alloc_unbound(e, d->domid);
	a.arg[0] = EVTCHNOP_reset;
	fake_preempt_in = 100;
	EXPECT_EQ(hc_event_channel_op(e->vcpu[0], &a), -ERESTART);
	p = alloc_unbound(e, d->domid);
	EXPECT(p < 100);
	EXPECT_EQ(hc_event_channel_op(e->vcpu[0], &a), -EAGAIN);
	EXPECT_EQ(status(e, p).status, EVTCHNSTAT_unbound);
	EXPECT_EQ(status(e, last).status, EVTCHNSTAT_closed);
	EXPECT_EQ(op(e, EVTCHNOP_reset, &r), 0);
	EXPECT_EQ(status(e, p).status, EVTCHNSTAT_closed);
}

/*
 * A raise never outlives the close of its port: one thread raises port
 * RACE_PORT as fast as it can (an IPI sent on it, or its VIRQ_TIMER) while
 * the other binds it, closes it and gives its number to an unbound port,
 * which must not be pending (sends on it are dropped; the close cleared
 * the old port's bit). Xen 4.17 raises under the port's (or the vCPU's
 * VIRQ) lock, which the close takes; Lamina raised an IPI after dropping
 * the lock and a VIRQ with none: both left the new port pending.
 */
#define RACE_ROUNDS	100000

extern __thread unsigned int unit_cpu;
static volatile bool race_stop;
static volatile evtchn_port_t race_port;

static void *ipi_sender(void *arg)
{
	(void)arg;
	unit_cpu = 1;
	while (!race_stop)
		if (race_port)
			send(d, race_port);
	return NULL;
}

static void *virq_raiser(void *arg)
{
	(void)arg;
	unit_cpu = 1;
	while (!race_stop)
		send_guest_vcpu_virq(d->vcpu[0], VIRQ_TIMER);
	return NULL;
}

static unsigned int close_under_raise(bool virq)
{
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	struct evtchn_bind_ipi bi = { .vcpu = 0 };
	unsigned int i, stray = 0;
	evtchn_port_t p, q;
	pthread_t t;

	fresh();
	race_stop = false;
	race_port = 0;
	EXPECT_EQ(pthread_create(&t, NULL, virq ? virq_raiser : ipi_sender, NULL), 0);
	for (i = 0; i < RACE_ROUNDS; i++) {
		EXPECT_EQ(op(d, virq ? EVTCHNOP_bind_virq : EVTCHNOP_bind_ipi,
			     virq ? (void *)&bv : (void *)&bi), 0);
		p = virq ? bv.port : bi.port;
		race_port = p;
		EXPECT_EQ(close_port(d, p), 0);
		q = alloc_unbound(d, d->domid);
		EXPECT_EQ(q, p);
		stray += pending(d, q);
		EXPECT_EQ(close_port(d, q), 0);
		guest_acks(d);
	}
	race_stop = true;
	pthread_join(t, NULL);
	return stray;
}

static void raise_never_outlives_close(void)
{
	EXPECT_EQ(close_under_raise(false), 0);
	EXPECT_EQ(close_under_raise(true), 0);
}

int main(void)
{
	unit_suite = "event_channel";
	RUN(bind_and_send_both_ways);
	RUN(mask_holds_the_upcall);
	RUN(close_unbinds_the_peer);
	RUN(binding_rules);
	RUN(virq_and_ipi);
	RUN(virq_port_past_16_bits);
	RUN(ports_run_out);
	RUN(reset_and_destroy);
	RUN(reset_is_preemptible);
	RUN(raise_never_outlives_close);
	return 0;
}
