// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-fifo-leave-race: a port past the 2-level ABI's 4096, named by
 * one vCPU while the other takes the domain back to 2-level. dom0 goes
 * to FIFO, takes ports until one is past 4095 (HIGH), then resets: every
 * port closed, 2-level again, but the domain's valid-port mark stays
 * past HIGH. Then:
 *   vCPU 0, ROUNDS times: init_control (FIFO: HIGH exists again) and
 *   EVTCHNOP_reset (2-level: HIGH is past the ABI's ports);
 *   vCPU 1, meanwhile: close, bind_vcpu, status, unmask, send and
 *   set_priority of HIGH, a free port in either ABI, over and over.
 * close and bind_vcpu of a free port are -EINVAL in both ABIs (Xen 4.17
 * and Lamina); status, unmask and send are 0 or -EINVAL, set_priority
 * -EINVAL, -ENOSYS or -EACCES. The test asserts those answers and that
 * the hypervisor lives through it (then FIFO again and an IPI bound).
 * Before the fix Lamina checked HIGH before taking the domain's port
 * lock (FIFO: it exists) and looked it up again under the lock, where a
 * reset in between had made the lookup NULL (2-level): close and
 * bind_vcpu dereferenced it, a #PF in the hypervisor, from any domain
 * with two vCPUs. Last, an IPI bound to vCPU 1, which has no FIFO control
 * block, is sent: Xen 4.17 drops the event (its word stays 0); Lamina
 * set PENDING in it.
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/fifo.h"
#include "lib/smp.h"
#include "lib/physinfo.h"

#define STACK_SIZE	8192
#define ROUNDS		4000
#define HIGH_FLOOR	4100	/* the port taken past 2-level's */

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile evtchn_port_t high;	/* vCPU 1 names it while non-zero */
static volatile bool started, stop;
static volatile unsigned long calls1, wrong1;
static volatile long wrong_rc;
static volatile unsigned int wrong_op;
static bool one_cpu;

static void note(unsigned int op, long rc, bool ok)
{
	if (ok)
		return;
	wrong1++;
	wrong_op = op;
	wrong_rc = rc;
}

static void vcpu1(unsigned long id)
{
	(void)id;
	started = true;
	while (!stop) {
		evtchn_port_t p = high;
		struct evtchn_close c = { p };
		struct evtchn_bind_vcpu bv = { p, 0 };
		struct evtchn_status s = { .dom = DOMID_SELF, .port = p };
		struct evtchn_unmask u = { p };
		struct evtchn_set_priority sp = { p, EVTCHN_FIFO_PRIORITY_DEFAULT };
		long rc;

		if (!p)
			continue;
		rc = evtchn_op(EVTCHNOP_close, &c);
		note(EVTCHNOP_close, rc, rc == -EINVAL);
		rc = evtchn_op(EVTCHNOP_bind_vcpu, &bv);
		note(EVTCHNOP_bind_vcpu, rc, rc == -EINVAL);
		rc = evtchn_op(EVTCHNOP_status, &s);
		note(EVTCHNOP_status, rc, rc == 0 || rc == -EINVAL);
		rc = evtchn_op(EVTCHNOP_unmask, &u);
		note(EVTCHNOP_unmask, rc, rc == 0 || rc == -EINVAL);
		rc = evtchn_send(p);
		note(EVTCHNOP_send, rc, rc == -EINVAL);
		rc = evtchn_op(EVTCHNOP_set_priority, &sp);
		note(EVTCHNOP_set_priority, rc, rc == -EINVAL || rc == -ENOSYS || rc == -EACCES);
		calls1++;
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	stop = false;			/* seen */
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

static long fifo_on(uint64_t cb_mfn)
{
	struct evtchn_init_control ic = { cb_mfn, 0, 0, 0, { 0 } };

	return evtchn_op(EVTCHNOP_init_control, &ic);
}

int test_main(struct start_info *si)
{
	struct evtchn_reset r = { DOMID_SELF };
	struct evtchn_alloc_unbound au;
	struct evtchn_bind_ipi bi;
	volatile event_word_t *arr;
	uint64_t cb_mfn;
	evtchn_port_t p = 0;
	unsigned int i;
	long rc;

	CHECK(two_vcpu_start(si, &one_cpu) == 0, "events_init or physinfo failed");
	cb_mfn = va_to_mfn(scratch_page());
	CHECK(fifo_on(cb_mfn) == 0, "going to FIFO failed");
	while (p < HIGH_FLOOR) {
		au = (struct evtchn_alloc_unbound){ DOMID_SELF, DOMID_SELF, 0 };
		rc = evtchn_op(EVTCHNOP_alloc_unbound, &au);
		CHECK(rc == 0, "alloc_unbound after port %u gave %ld", p, rc);
		p = au.port;
	}
	CHECK((rc = evtchn_op(EVTCHNOP_reset, &r)) == 0, "the first reset gave %ld", rc);
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started, one_cpu);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	high = p;
	for (i = 0; i < ROUNDS; i++) {
		CHECK((rc = fifo_on(cb_mfn)) == 0, "round %u: going to FIFO gave %ld", i, rc);
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		CHECK((rc = evtchn_op(EVTCHNOP_reset, &r)) == 0, "round %u: reset gave %ld", i, rc);
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	high = 0;
	stop = true;
	while (stop)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	CHECK(wrong1 == 0, "%lu answers of vCPU 1 wrong (last: op %u gave %ld)", wrong1, wrong_op,
	      wrong_rc);
	CHECK(fifo_on(cb_mfn) == 0, "going to FIFO after the race failed");
	memset(&bi, 0, sizeof(bi));
	CHECK(evtchn_op(EVTCHNOP_bind_ipi, &bi) == 0, "bind_ipi after the race failed");
	/*
	 * An event for vCPU 1, which has no control block (only vCPU 0 gave
	 * one): Xen 4.17 drops it, its word left as it was (no PENDING);
	 * Lamina set PENDING, so the event came once the guest unmasked.
	 */
	arr = (volatile event_word_t *)scratch_page();
	memset((void *)arr, 0, 4096);
	CHECK(evtchn_op(EVTCHNOP_expand_array, &(struct evtchn_expand_array){ va_to_mfn((uint64_t)arr) })
	      == 0, "expand_array failed");
	memset(&bi, 0, sizeof(bi));
	bi.vcpu = 1;
	CHECK(evtchn_op(EVTCHNOP_bind_ipi, &bi) == 0, "bind_ipi to vCPU 1 failed");
	arr[bi.port] = 0;
	CHECK(evtchn_send(bi.port) == 0, "send to vCPU 1's IPI failed");
	CHECK(arr[bi.port] == 0, "an event for vCPU 1, which has no control block: word %#x "
	      "(Xen 4.17 drops it: 0)", arr[bi.port]);
	CHECK(evtchn_op(EVTCHNOP_reset, &r) == 0, "the last reset failed");
	printf("attack-fifo-leave-race: port %u, %u FIFO/2-level rounds against %lu rounds of"
	       " vCPU 1's six calls\n", p, ROUNDS, calls1);
	return TEST_PASS;
}
