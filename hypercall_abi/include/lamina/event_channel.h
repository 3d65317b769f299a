/* SPDX-License-Identifier: MIT */
/*
 * event_channel_op (32): long event_channel_op(int cmd, void *arg), the
 * 2-level ABI (docs/abi-core.md §2.12, §7).
 *  1. Ports 1-4095; port 0 is never allocated. The lowest free port is
 *     handed out.
 *  2. A raise sets the pending bit, and unless the port is masked the
 *     vCPU's selector bit and upcall_pending, in that order.
 *  3. The FIFO ABI (init_control, expand_array, set_priority) as Xen's
 *     event_fifo: the first init_control moves the domain over, ports
 *     already bound included; reset moves it back to 2-level.
 */
#ifndef LAMINA_EVENT_CHANNEL_H
#define LAMINA_EVENT_CHANNEL_H

#include <lamina/types.h>

#define NR_EVTCHN_PORTS		4096

#define EVTCHNOP_bind_interdomain	0
#define EVTCHNOP_bind_virq		1
#define EVTCHNOP_bind_pirq		2
#define EVTCHNOP_close			3
#define EVTCHNOP_send			4
#define EVTCHNOP_status			5
#define EVTCHNOP_alloc_unbound		6
#define EVTCHNOP_bind_ipi		7
#define EVTCHNOP_bind_vcpu		8
#define EVTCHNOP_unmask			9
#define EVTCHNOP_reset			10
#define EVTCHNOP_init_control		11
#define EVTCHNOP_expand_array		12
#define EVTCHNOP_set_priority		13
#define EVTCHNOP_reset_cont		14	/* reset again after a preempted one */

/* alloc_unbound: a port remote_dom may later bind to. */
struct evtchn_alloc_unbound {
	domid_t dom;			/* IN: DOMID_SELF */
	domid_t remote_dom;		/* IN: DOMID_SELF = the caller */
	evtchn_port_t port;		/* OUT */
};

/* bind_interdomain: connect to remote_dom's unbound port for us. */
struct evtchn_bind_interdomain {
	domid_t remote_dom;		/* IN */
	uint16_t pad0;
	evtchn_port_t remote_port;	/* IN */
	evtchn_port_t local_port;	/* OUT */
};

/* bind_virq: per-vCPU VIRQs on any vCPU, global ones on vCPU 0 only. */
struct evtchn_bind_virq {
	uint32_t virq;			/* IN: VIRQ_* */
	uint32_t vcpu;			/* IN */
	evtchn_port_t port;		/* OUT */
};

struct evtchn_bind_ipi {
	uint32_t vcpu;			/* IN */
	evtchn_port_t port;		/* OUT */
};

/*
 * bind_pirq (dom0): a port for a PIRQ the domain mapped (physdev.h
 * map_pirq); raised on vCPU 0 when the interrupt arrives.
 */
#define BIND_PIRQ__WILL_SHARE	1
struct evtchn_bind_pirq {
	uint32_t pirq;			/* IN */
	uint32_t flags;			/* IN: BIND_PIRQ__* */
	evtchn_port_t port;		/* OUT */
};

struct evtchn_close {
	evtchn_port_t port;		/* IN */
};

struct evtchn_send {
	evtchn_port_t port;		/* IN */
};

struct evtchn_unmask {
	evtchn_port_t port;		/* IN */
};

struct evtchn_bind_vcpu {
	evtchn_port_t port;		/* IN */
	uint32_t vcpu;			/* IN */
};

struct evtchn_reset {
	domid_t dom;			/* IN: DOMID_SELF */
};

/* status: what a port is bound to. */
struct evtchn_status {
	domid_t dom;			/* IN: DOMID_SELF */
	uint16_t pad0;
	evtchn_port_t port;		/* IN */
	uint32_t status;		/* OUT: EVTCHNSTAT_* */
	uint32_t vcpu;			/* OUT */
	union {
		struct {
			domid_t dom;
		} unbound;
		struct {
			domid_t dom;
			uint16_t pad0;
			evtchn_port_t port;
		} interdomain;
		uint32_t pirq;
		uint32_t virq;
	} u;				/* OUT */
};
#define EVTCHNSTAT_closed	0
#define EVTCHNSTAT_unbound	1
#define EVTCHNSTAT_interdomain	2
#define EVTCHNSTAT_pirq		3
#define EVTCHNSTAT_virq		4
#define EVTCHNSTAT_ipi		5

/*
 * FIFO ABI. Each port has a 32-bit event word in guest-provided event
 * array pages (EVTCHN_FIFO_WORDS_PER_PAGE a page, added by expand_array);
 * each vCPU has a control block with one queue HEAD per priority and a
 * READY bitmap. The hypervisor links a raised, unmasked event at the
 * tail of its queue (cmpxchg of the tail's LINK iff it is still LINKED,
 * else it writes HEAD) and sets its READY bit; the guest consumes from
 * HEAD, clearing LINKED as it goes. Priority 0 is the highest.
 */
#define EVTCHN_FIFO_PRIORITY_MAX	0
#define EVTCHN_FIFO_PRIORITY_DEFAULT	7
#define EVTCHN_FIFO_PRIORITY_MIN	15
#define EVTCHN_FIFO_MAX_QUEUES		(EVTCHN_FIFO_PRIORITY_MIN + 1)

typedef uint32_t event_word_t;
#define EVTCHN_FIFO_PENDING		31	/* bit numbers in an event word */
#define EVTCHN_FIFO_MASKED		30
#define EVTCHN_FIFO_LINKED		29
#define EVTCHN_FIFO_BUSY		28	/* the hypervisor is editing LINK */
#define EVTCHN_FIFO_LINK_BITS		17
#define EVTCHN_FIFO_LINK_MASK		((1U << EVTCHN_FIFO_LINK_BITS) - 1)
#define EVTCHN_FIFO_NR_CHANNELS		(1U << EVTCHN_FIFO_LINK_BITS)
#define EVTCHN_FIFO_WORDS_PER_PAGE	1024

struct evtchn_fifo_control_block {
	uint32_t ready;			/* bit p: queue p may have events */
	uint32_t _rsvd;
	event_word_t head[EVTCHN_FIFO_MAX_QUEUES];
};

/* init_control: a vCPU's control block, at offset in the frame control_gfn. */
struct evtchn_init_control {
	uint64_t control_gfn;		/* IN: (PV) machine frame of the domain's */
	uint32_t offset;		/* IN: 8-byte aligned, block within the page */
	uint32_t vcpu;			/* IN */
	uint8_t link_bits;		/* OUT: EVTCHN_FIFO_LINK_BITS */
	uint8_t _pad[7];
};

/* expand_array: one more event array page (ports n*1024 .. n*1024+1023). */
struct evtchn_expand_array {
	uint64_t array_gfn;		/* IN */
};

/* set_priority: the queue the port's next events go to (FIFO only). */
struct evtchn_set_priority {
	evtchn_port_t port;		/* IN */
	uint32_t priority;		/* IN: 0 (highest) .. 15 */
};

#define VIRQ_TIMER	0	/* per vCPU */
#define VIRQ_DEBUG	1	/* per vCPU */
#define VIRQ_CONSOLE	2
#define VIRQ_DOM_EXC	3
#define VIRQ_TBUF	4
#define VIRQ_DEBUGGER	6
#define VIRQ_XENOPROF	7	/* per vCPU */
#define VIRQ_CON_RING	8
#define VIRQ_PCPU_STATE	9
#define VIRQ_MEM_EVENT	10
#define VIRQ_ENOMEM	12
#define VIRQ_XENPMU	13	/* per vCPU */
#define VIRQ_ARCH_0	16

/*
 * event_channel_op_compat (16): long event_channel_op_compat(struct
 * evtchn_op *op), the form before Xen 3.2, still in Xen 4.17's 64-bit PV
 * table. The whole struct is read (-EFAULT otherwise); the sub-ops
 * bind_interdomain, bind_virq, bind_pirq, close, send, status,
 * alloc_unbound, bind_ipi, bind_vcpu and unmask then run as
 * event_channel_op(cmd, &op->u), reading and writing op->u in the
 * caller's memory; every other cmd is -ENOSYS.
 */
struct evtchn_op {
	uint32_t cmd;			/* IN: EVTCHNOP_* (0-9) */
	union {
		struct evtchn_alloc_unbound alloc_unbound;
		struct evtchn_bind_interdomain bind_interdomain;
		struct evtchn_bind_virq bind_virq;
		struct evtchn_bind_ipi bind_ipi;
		struct evtchn_close close;
		struct evtchn_send send;
		struct evtchn_status status;
		struct evtchn_bind_vcpu bind_vcpu;
		struct evtchn_unmask unmask;
	} u;				/* IN/OUT: the sub-op's struct */
};

#endif
