// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-evtchn-reset: EVTCHNOP_reset on one vCPU while another vCPU of
 * the domain unmasks and sends on a port, in the FIFO ABI. The reset
 * closes every port and frees the FIFO state (the control block's and
 * the event array's references go, the hypervisor's own page too); an
 * unmask or a send that looked at the FIFO state before must not use it
 * after (Xen 4.17 holds the port's lock in both, and its reset frees the
 * FIFO state only with every port closed, under that port's lock).
 *   vCPU 0, ROUNDS times: init_control and expand_array on the same two
 *   pages, bind_ipi (a port whose word is MASKED), send on it (pending),
 *   then EVTCHNOP_reset of itself;
 *   vCPU 1, meanwhile: unmask that port, mask it again in its word, send
 *   on it, and expand_array with a page of its own, over and over
 *   (answers ignored: the port comes and goes; its pages may fill the
 *   array before vCPU 0's, whose expand_array is then -ENOSPC).
 * With two CPUs (vCPU 1 pinned to the second) the calls overlap; the
 * test asserts that the hypervisor lives through it and that, after the
 * race, the domain can go to FIFO again and get an event through it.
 * Before the fix Lamina read the domain's FIFO state pointer again after
 * checking it, with no lock against the reset: at --smp 2 the hypervisor
 * took a page fault on a NULL FIFO state in evtchn_fifo_unmask and died
 * (at --smp 2 within the first 400 rounds). XSA-505: expand_array looked
 * at the FIFO state before taking the lock and used it after: a reset in
 * between made it a #PF on NULL in evtchn_fifo_expand_array (3 runs of 3
 * at --smp 2 before the fix, none of 3 after; Xen 4.17 passes).
 * All of it runs in dom0, then in an unprivileged domU of two vCPUs that
 * dom0 builds (lib/peer_smp.h). The resets close every port of the
 * domU's, so it offers its verdict port only once its rounds are done
 * (verdict_test_smp_after).
 * @hvargs: dom0_max_vcpus=2
 * @initrd: self
 * @timeout: 240
 * @timeout-smp: 600
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/fifo.h"
#include "lib/peer_smp.h"

#define STACK_SIZE	8192
#define ROUNDS		2000

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile evtchn_port_t race_port;
static volatile bool started, stop;
static volatile unsigned long calls1;
static volatile event_word_t *array;	/* the event array page, ours */
static uint64_t array2_mfn;		/* vCPU 1's page for expand_array */
static volatile unsigned long expands1;	/* ... that it added */
static bool one_cpu;			/* the vCPUs take turns: yield after each step */
static char why[VERDICT_LEN];

static void vcpu1(unsigned long id)
{
	(void)id;
	started = true;
	while (!stop) {
		evtchn_port_t p = race_port;
		struct evtchn_unmask u = { p };

		if (!p)
			continue;
		evtchn_op(EVTCHNOP_unmask, &u);
		__atomic_fetch_or(&array[p], FIFO_MASKED, __ATOMIC_SEQ_CST);
		evtchn_send(p);
		if (evtchn_op(EVTCHNOP_expand_array, &(struct evtchn_expand_array){ array2_mfn }) == 0)
			expands1++;
		calls1++;
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	stop = false;			/* seen */
	/*
	 * Down, not SCHEDOP_block: blocking unmasks events, and an upcall
	 * taken here would clear vCPU 0's upcall_pending while it waits.
	 */
	vcpu_op(VCPUOP_down, 1, NULL);
	for (;;)
		asm volatile("pause");
}

static long fifo_on(uint64_t cb_mfn, uint64_t arr_mfn)
{
	struct evtchn_init_control ic = { cb_mfn, 0, 0, 0, { 0 } };
	struct evtchn_expand_array ea = { arr_mfn };
	long rc = evtchn_op(EVTCHNOP_init_control, &ic);

	return rc ? rc : evtchn_op(EVTCHNOP_expand_array, &ea);
}

static const char *body(struct start_info *si, bool one)
{
	struct evtchn_reset r = { DOMID_SELF };
	uint64_t cb, cb_mfn, arr_mfn;
	volatile struct evtchn_fifo_control_block *ctl;
	struct evtchn_bind_ipi bi;
	unsigned int i, w;
	long rc;

	one_cpu = one;
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	shared->vcpu_info[1].evtchn_upcall_mask = 1;
	cb = scratch_page();
	cb_mfn = va_to_mfn(cb);
	ctl = (volatile struct evtchn_fifo_control_block *)cb;
	array = (volatile event_word_t *)scratch_page();
	arr_mfn = va_to_mfn((uint64_t)array);
	array2_mfn = va_to_mfn(scratch_page());
	/* No 2-level event now; none may come while ports live and die in FIFO. */
	for (w = 0; w < ARRAY_SIZE(shared->evtchn_pending); w++)
		__atomic_store_n(&shared->evtchn_pending[w], 0, __ATOMIC_SEQ_CST);
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started, one_cpu);
	BODY_CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	for (i = 0; i < ROUNDS; i++) {
		for (w = 0; w < EVTCHN_FIFO_WORDS_PER_PAGE; w++)
			array[w] = FIFO_MASKED;
		memset((void *)ctl, 0, sizeof(*ctl));
		rc = fifo_on(cb_mfn, arr_mfn);
		/* vCPU 1's expand_array calls may have filled the array first. */
		BODY_CHECK(rc == 0 || rc == -ENOSPC, "round %u: going to FIFO gave %ld", i, rc);
		memset(&bi, 0, sizeof(bi));
		BODY_CHECK(evtchn_op(EVTCHNOP_bind_ipi, &bi) == 0, "round %u: bind_ipi failed", i);
		race_port = bi.port;
		evtchn_send(bi.port);
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		rc = evtchn_op(EVTCHNOP_reset, &r);
		BODY_CHECK(rc == 0, "round %u: reset gave %ld", i, rc);
	}
	stop = true;
	while (stop)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	/* FIFO again, and an event through it: linked on vCPU 0's queue. */
	for (w = 0; w < EVTCHN_FIFO_WORDS_PER_PAGE; w++)
		array[w] = FIFO_MASKED;
	memset((void *)ctl, 0, sizeof(*ctl));
	BODY_CHECK(fifo_on(cb_mfn, arr_mfn) == 0, "going to FIFO after the race failed");
	memset(&bi, 0, sizeof(bi));
	BODY_CHECK(evtchn_op(EVTCHNOP_bind_ipi, &bi) == 0, "bind_ipi after the race failed");
	array[bi.port] = 0;
	BODY_CHECK(evtchn_send(bi.port) == 0, "send after the race failed");
	BODY_CHECK((array[bi.port] & (FIFO_PENDING | FIFO_LINKED)) == (FIFO_PENDING | FIFO_LINKED),
		   "the event after the race: word %#x", array[bi.port]);
	BODY_CHECK(ctl->head[EVTCHN_FIFO_PRIORITY_DEFAULT] == bi.port, "queue head %u, port %u",
		   ctl->head[EVTCHN_FIFO_PRIORITY_DEFAULT], bi.port);
	BODY_CHECK(evtchn_op(EVTCHNOP_reset, &r) == 0, "the last reset failed");
	/*
	 * Back on 2-level with every port closed: no port is pending there.
	 * Xen raises a port under its lock, which the reset's close takes;
	 * Lamina raised an IPI after dropping it, and once the reset was
	 * through, on the 2-level bitmap: the next port given the number
	 * (the peer's verdict port) started pending.
	 */
	for (w = 0; w < ARRAY_SIZE(shared->evtchn_pending); w++)
		BODY_CHECK(!shared->evtchn_pending[w], "after the last reset, 2-level ports %u-%u "
			   "pending: %#lx", w * 64, w * 64 + 63,
			   (unsigned long)shared->evtchn_pending[w]);
	printf("%s: %u resets against %lu unmask+send+expand rounds of vCPU 1 (%lu pages added)\n",
	       si->flags & SIF_INITDOMAIN ? "dom0" : "domU", ROUNDS, calls1, expands1);
	return NULL;
}

int test_main(struct start_info *si)
{
	return verdict_test_smp_after(si, body);
}
