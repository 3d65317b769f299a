// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-poll: SCHEDOP_poll's port list at its edges, from dom0, against
 * Xen 4.17's answers (conform.h). Xen checks the list's start once (a
 * start in the hypervisor's range or non-canonical is -EFAULT, even for
 * no ports), returns 0 at once when an event is deliverable (the upcall
 * pending and not masked) whatever the list holds, and then reads the
 * ports one by one, stopping at the first pending one (0), unreadable one
 * (-EFAULT) or invalid one (-EINVAL). Rows: lists running into an
 * unmapped page after a pending port and after an idle one, invalid
 * ports after pending ones, the upcall pending with an invalid list
 * (masked: -EINVAL; unmasked: 0), 128 ports (the last pending, none
 * pending with the timeout passed), 129, a list of one port repeated,
 * no ports with a timeout shortly ahead.
 */
#include "conform.h"
#include "lib/events.h"
#include "lib/mm.h"

#define NPORTS	128

static uint32_t many[NPORTS + 1];

static long poll(const void *ports, uint32_t nr, uint64_t timeout)
{
	struct sched_poll p = { (uint64_t)ports, nr, 0, timeout };

	return hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, (uint64_t)&p);
}

static evtchn_port_t bind_ipi0(void)
{
	struct evtchn_bind_ipi bi = { 0, 0 };

	return evtchn_op(EVTCHNOP_bind_ipi, &bi) ? 0 : bi.port;
}

static evtchn_port_t unbound(void)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };

	return evtchn_op(EVTCHNOP_alloc_unbound, &au) ? 0 : au.port;
}

static long ev_close(evtchn_port_t p)
{
	struct evtchn_close c = { p };

	return evtchn_op(EVTCHNOP_close, &c);
}

int test_main(struct start_info *si)
{
	uint64_t gap;
	uint32_t *end;
	volatile uint8_t *mask;
	evtchn_port_t ipi, idle, ports[2];
	unsigned int i;

	CHECK(events_init(si) == 0, "events_init failed");
	mask = &shared->vcpu_info[0].evtchn_upcall_mask;
	scratch_page();
	gap = scratch_page();
	end = (uint32_t *)gap - 1;	/* the last port of a page, the next unmapped */
	conform_begin();
	CHECK(!update_va_mapping(gap, 0, UVMF_INVLPG), "unmapping the gap page failed");
	*mask = 1;
	ipi = bind_ipi0();
	idle = unbound();
	CHECK(ipi && idle, "ports %u %u", ipi, idle);

	ROW("poll no ports at a hypervisor address", poll(BADPTR, 0, 1), -EFAULT);
	ROW("poll no ports non-canonical", poll(NCPTR, 0, 1), -EFAULT);
	ROW("poll no ports at an unmapped page, timeout passed", poll((void *)gap, 0, 1), 0);
	ROW("poll one port at an unmapped page", poll((void *)gap, 1, 1), -EFAULT);
	ROW("poll 129 ports", poll(many, NPORTS + 1, 1), -EINVAL);

	ROW("send on the IPI port", evtchn_send(ipi), 0);
	ROW("the IPI port pending", port_pending(ipi), 1);
	*end = ipi;
	ROW("poll a pending port, then an unmapped page", poll(end, 2, 1), 0);
	*end = idle;
	ROW("poll an idle port, then an unmapped page", poll(end, 2, 1), -EFAULT);
	ports[0] = ipi;
	ports[1] = 0;
	ROW("poll a pending port, then port 0", poll(ports, 2, 1), 0);
	ports[0] = idle;
	ROW("poll an idle port, then port 0", poll(ports, 2, 1), -EINVAL);
	ports[1] = ipi;
	ROW("poll an idle port, then a pending one", poll(ports, 2, 1), 0);

	for (i = 0; i < NPORTS; i++)
		many[i] = idle;
	ROW("poll 128 idle ports, timeout passed", poll(many, NPORTS, 1), 0);
	many[NPORTS - 1] = ipi;
	ROW("poll 128 ports, the last pending", poll(many, NPORTS, 0), 0);
	many[NPORTS - 1] = 0;
	ROW("poll 128 ports, the last invalid", poll(many, NPORTS, 1), -EINVAL);
	ROW("poll no ports, a timeout 2 ms ahead", poll(many, 0, pvclock_ns() + 2000000), 0);

	/* The upcall pending (the IPI port is): invalid lists, masked and not. */
	ROW("the upcall pending", shared->vcpu_info[0].evtchn_upcall_pending, 1);
	ports[0] = 0;
	ROW("poll port 0, the upcall pending, masked", poll(ports, 1, 1), -EINVAL);
	ROW("poll a list in the hypervisor, the upcall pending, masked", poll(BADPTR, 1, 1),
	    -EFAULT);
	*mask = 0;
	ROW("poll port 0, the upcall pending, unmasked", poll(ports, 1, 1), 0);
	*mask = 1;
	port_test_and_clear(ipi);
	ROW("close the IPI port", ev_close(ipi), 0);
	ROW("close the idle port", ev_close(idle), 0);
	*mask = 0;
	return conform_end("poll");
}
