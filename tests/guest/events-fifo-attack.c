// SPDX-License-Identifier: GPL-2.0-only
/*
 * events-fifo-attack: an unprivileged peer abuses the FIFO event ABI and
 * dom0 reports its verdict. The peer tries every bad init_control
 * (vCPU, offset past the page or misaligned, frames not its own or typed
 * as page tables) and expand_array (the same), each refused with Xen's
 * code and leaving it on 2-level; then moves to FIFO and checks that a
 * frame the hypervisor writes into cannot be pinned as a page table, that
 * the event array stops at 128 pages (one frame given 128 times), and
 * corrupts its own event words and control block: self links, loops,
 * BUSY held, all-ones words, a garbage HEAD, a tail unlinked behind the
 * hypervisor's back, a port moved between queues while linked. Each send
 * must come back at once with the word exactly as Xen leaves it, and
 * after the guest cleans up, events flow again. The peer answers dom0 on
 * one of two ports (pass, fail) and powers off; on Lamina its
 * destruction then lets the FIFO frames go and the audit checks them.
 * @domus: self:peer:role=peer
 * @expect-log: mm audit d1: ok
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/fifo.h"
#include "lib/peer.h"
#include <lamina/domctl.h>

#define PEER		1
#define PASS_PORT	1	/* the peer's ports for dom0 */
#define FAIL_PORT	2
#define Q		EVTCHN_FIFO_PRIORITY_DEFAULT

static struct fifo fifo;
static struct start_info *start;

static long init_control(uint64_t gfn, uint32_t offset, uint32_t vcpu)
{
	struct evtchn_init_control ic = { gfn, offset, vcpu, 0, { 0 } };

	return evtchn_op(EVTCHNOP_init_control, &ic);
}

static long expand_array(uint64_t gfn)
{
	struct evtchn_expand_array ea = { gfn };

	return evtchn_op(EVTCHNOP_expand_array, &ea);
}

static long set_priority(evtchn_port_t port, uint32_t prio)
{
	struct evtchn_set_priority sp = { port, prio };

	return evtchn_op(EVTCHNOP_set_priority, &sp);
}

static evtchn_port_t bind_ipi(void)
{
	struct evtchn_bind_ipi bi = { 0, 0 };

	return evtchn_op(EVTCHNOP_bind_ipi, &bi) ? 0 : bi.port;
}

#define EXPECT(call, want)						\
	do {								\
		long rc_ = (call);					\
		CHECK(rc_ == (want), "%s gave %ld, expected %ld", #call, rc_, (long)(want)); \
	} while (0)

/* Bad arguments on 2-level: refused, and the domain stays on 2-level. */
static int bad_arguments(uint64_t page)
{
	uint64_t l4 = va_to_mfn(start->pt_base);

	EXPECT(set_priority(PASS_PORT, 3), -ENOSYS);
	EXPECT(expand_array(page), -EOPNOTSUPP);
	EXPECT(init_control(page, 0, 1), -ENOENT);
	EXPECT(init_control(page, 0, 0xffffffff), -ENOENT);
	EXPECT(init_control(page, 4096 - sizeof(struct evtchn_fifo_control_block) + 8, 0), -EINVAL);
	EXPECT(init_control(page, 4096, 0), -EINVAL);
	EXPECT(init_control(page, 0xfffffff8, 0), -EINVAL);
	EXPECT(init_control(page, 12, 0), -EINVAL);
	EXPECT(init_control(0, 0, 0), -EINVAL);
	EXPECT(init_control(1ULL << 40, 0, 0), -EINVAL);
	EXPECT(init_control(~0ULL, 0, 0), -EINVAL);
	EXPECT(init_control(l4, 0, 0), -EINVAL);
	EXPECT(expand_array(page), -EOPNOTSUPP);
	EXPECT(set_priority(PASS_PORT, 3), -ENOSYS);
	printf("peer: 12 bad init_control/expand_array/set_priority refused, still 2-level\n");
	return TEST_PASS;
}

/* On FIFO: repeated init, bad array frames, a held frame as a table, the page limit. */
static int limits(void)
{
	uint64_t va = scratch_page(), mfn = va_to_mfn(va);
	unsigned int i;

	EXPECT(init_control(fifo.cb_mfn, 0, 0), -EINVAL);
	EXPECT(expand_array(1ULL << 40), -EINVAL);
	EXPECT(expand_array(va_to_mfn(start->pt_base)), -EINVAL);
	/* Our only mapping of the frame goes: the hypervisor's type remains. */
	EXPECT(expand_array(mfn), 0);
	EXPECT(update_va_mapping(va, 0, UVMF_INVLPG), 0);
	EXPECT(mmuext1(MMUEXT_PIN_L1_TABLE, mfn), -EINVAL);
	EXPECT(mmuext1(MMUEXT_PIN_L4_TABLE, mfn), -EINVAL);
	EXPECT(update_va_mapping(va, (mfn << 12) | PTE_DATA, UVMF_INVLPG), 0);
	for (i = 2; i < 128; i++)
		EXPECT(expand_array(mfn), 0);
	EXPECT(expand_array(mfn), -ENOSPC);
	printf("peer: event array full at 128 pages; a held frame cannot become a table\n");
	return TEST_PASS;
}

static int word_is(evtchn_port_t p, uint32_t want)
{
	CHECK(fifo_peek(&fifo, p) == want, "port %u: word %#x, expected %#x", p,
	      fifo_peek(&fifo, p), want);
	return TEST_PASS;
}

#define WORD_IS(p, want)						\
	do {								\
		int r_ = word_is(p, want);				\
		if (r_ != TEST_PASS)					\
			return r_;					\
	} while (0)

static void set_word(evtchn_port_t p, uint32_t v)
{
	*fifo_word(&fifo, p) = v;
}

/* Links the hypervisor writes through corrupt words: it overwrites, never follows. */
static int corrupt_links(evtchn_port_t a, evtchn_port_t b, evtchn_port_t c)
{
	EXPECT(evtchn_send(a), 0);
	CHECK(fifo.cb->head[Q] == a, "head %u", fifo.cb->head[Q]);
	set_word(a, FIFO_PENDING | FIFO_LINKED | FIFO_BUSY | a);	/* a -> a, held BUSY */
	EXPECT(evtchn_send(b), 0);
	WORD_IS(a, FIFO_PENDING | FIFO_LINKED | b);
	set_word(b, FIFO_PENDING | FIFO_LINKED | a);			/* a -> b -> a */
	EXPECT(evtchn_send(c), 0);
	WORD_IS(b, FIFO_PENDING | FIFO_LINKED | c);
	set_word(c, FIFO_PENDING | FIFO_LINKED | a);			/* c -> a: a loop */
	EXPECT(evtchn_send(a), 0);
	EXPECT(evtchn_send(c), 0);
	set_word(a, ~0U);						/* all ones */
	EXPECT(evtchn_send(a), 0);
	{
		struct evtchn_unmask u = { a };

		EXPECT(evtchn_op(EVTCHNOP_unmask, &u), 0);
	}
	WORD_IS(a, ~FIFO_MASKED);
	fifo.cb->head[Q] = EVTCHN_FIFO_LINK_MASK;			/* garbage HEAD */
	fifo.cb->ready = ~0U;
	EXPECT(evtchn_send(b), 0);
	printf("peer: self links, loops, BUSY and all-ones words: sends return\n");
	return TEST_PASS;
}

/* The tail unlinked behind the hypervisor's back, a linked port moved to another queue. */
static int corrupt_queues(evtchn_port_t b, evtchn_port_t c)
{
	set_word(c, 0);
	fifo.cb->ready = 0;
	EXPECT(evtchn_send(c), 0);
	CHECK(fifo.cb->head[Q] == c && fifo.cb->ready == FIFO_BIT(Q),
	      "unlinked tail: head %u ready %#x", fifo.cb->head[Q], fifo.cb->ready);
	WORD_IS(c, FIFO_PENDING | FIFO_LINKED);
	EXPECT(set_priority(c, 0), 0);
	set_word(c, FIFO_PENDING);		/* consumed, still pending */
	EXPECT(evtchn_send(c), 0);
	CHECK(fifo.cb->head[0] == c && (fifo.cb->ready & 1), "moved port: head[0] %u ready %#x",
	      fifo.cb->head[0], fifo.cb->ready);
	set_word(b, 0);
	EXPECT(evtchn_send(b), 0);
	CHECK(fifo.cb->head[Q] == b, "queue %u after its tail moved: head %u", Q,
	      fifo.cb->head[Q]);
	printf("peer: unlinked tails and moved ports start fresh queues\n");
	return TEST_PASS;
}

/* Clean words, a clean control block: events flow again. */
static int recovers(void)
{
	evtchn_port_t d = bind_ipi(), got[4];
	unsigned int i;

	CHECK(d, "bind_ipi failed");
	for (i = 0; i < EVTCHN_FIFO_WORDS_PER_PAGE; i++)
		fifo.page[0][i] = 0;
	memset((void *)fifo.cb, 0, sizeof(*fifo.cb));
	memset(fifo.head, 0, sizeof(fifo.head));
	EXPECT(evtchn_send(d), 0);
	CHECK(fifo_consume(&fifo, got, 4) == 1 && got[0] == d, "the clean event did not arrive");
	EXPECT(evtchn_send(d), 0);
	CHECK(fifo_consume(&fifo, got, 4) == 1 && got[0] == d, "the second clean event did not arrive");
	printf("peer: after cleaning up, events arrive again\n");
	return TEST_PASS;
}

static int attack(void)
{
	uint64_t page = va_to_mfn(scratch_page());
	evtchn_port_t a, b, c;
	int r;

	if ((r = bad_arguments(page)) != TEST_PASS)
		return r;
	EXPECT(init_control(page, 4096 - sizeof(struct evtchn_fifo_control_block), 0), 0);
	CHECK(fifo_init(&fifo, 0, NULL) == -EINVAL, "a second control block for vCPU 0");
	/* fifo_init failed by design: use the block the call above registered. */
	fifo.cb_mfn = page;
	fifo.cb = (volatile struct evtchn_fifo_control_block *)
		  (mfn_to_va(page) + 4096 - sizeof(struct evtchn_fifo_control_block));
	CHECK(fifo_expand(&fifo) == 0, "expand_array failed");
	if ((r = limits()) != TEST_PASS)
		return r;
	a = bind_ipi(), b = bind_ipi(), c = bind_ipi();
	CHECK(a && b && c, "bind_ipi failed");
	set_word(a, 0), set_word(b, 0), set_word(c, 0);		/* unmasked */
	if ((r = corrupt_links(a, b, c)) != TEST_PASS || (r = corrupt_queues(b, c)) != TEST_PASS)
		return r;
	return recovers();
}

/* Waits until dom0 has bound both report ports. */
static void await_dom0(void)
{
	struct evtchn_status st = { .dom = DOMID_SELF, .port = FAIL_PORT };
	unsigned int tries;

	for (tries = 0; peer_wait_more(&tries, 100000);) {
		if (evtchn_op(EVTCHNOP_status, &st) == 0 && st.status == EVTCHNSTAT_interdomain)
			return;
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	}
}

static int peer(void)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, 0, 0 };
	int r;

	CHECK(evtchn_op(EVTCHNOP_alloc_unbound, &au) == 0 && au.port == PASS_PORT,
	      "peer: alloc_unbound gave port %u", au.port);
	CHECK(evtchn_op(EVTCHNOP_alloc_unbound, &au) == 0 && au.port == FAIL_PORT,
	      "peer: alloc_unbound gave port %u", au.port);
	await_dom0();
	r = attack();
	/* Both report ports moved over to FIFO with the domain. */
	evtchn_send(r == TEST_PASS ? PASS_PORT : FAIL_PORT);
	printf("peer: done, powering off\n");
	shutdown(SHUTDOWN_poweroff);
}

/* Whether the peer is gone (Lamina destroys a powered-off domU itself). */
static bool peer_destroyed(void)
{
	struct domctl op = { .domain = PEER };

	op.cmd = DOMCTL_getdomaininfo;
	op.interface_version = DOMCTL_INTERFACE_VERSION;
	return hypercall1(__HYPERVISOR_domctl, &op) == -ESRCH ||
	       op.u.getdomaininfo.domain != PEER;
}

static int dom0_side(struct start_info *si)
{
	int peer_id = peer_start(si, "role=peer", 16);
	struct evtchn_bind_interdomain bi = { (domid_t)peer_id, 0, PASS_PORT, 0 };
	evtchn_port_t pass, fail_port;
	unsigned int tries = 0;
	long rc;

	CHECK(peer_id == PEER, "the peer domain could not be started (%d)", peer_id);
	while ((rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi)) == -EINVAL &&
	       peer_wait_more(&tries, 5000))
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	CHECK(rc == 0, "bind_interdomain to the peer's port %u gave %ld", PASS_PORT, rc);
	pass = bi.local_port;
	bi.remote_port = FAIL_PORT;
	while ((rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi)) == -EINVAL &&
	       peer_wait_more(&tries, 5000))
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	CHECK(rc == 0, "bind_interdomain to the peer's port %u gave %ld", FAIL_PORT, rc);
	fail_port = bi.local_port;
	port_test_and_clear(pass);	/* each bind raised ours once */
	port_test_and_clear(fail_port);
	while (!port_pending(pass) && !port_pending(fail_port)) {
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_block, 0);
		shared->vcpu_info[0].evtchn_upcall_mask = 1;
	}
	peer_console_flush();
	CHECK(port_pending(pass), "the peer reports a failure (its console says why)");
	if (on_lamina()) {
		for (tries = 0; !peer_destroyed() && peer_wait_more(&tries, 100000);)
			hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
		CHECK(peer_destroyed(), "the peer is still listed after %u yields", tries);
	}
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	start = si;
	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		return peer();
	return dom0_side(si);
}
