// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-vcpu-edges: vcpu_op and the event-channel binds on vCPUs in
 * each state, against Xen 4.17's answers (conform.h): dom0 with three
 * vCPUs, vCPU 1 up and spinning (on the second CPU at --smp 2, runnable
 * at --smp 1), vCPU 2 never initialised.
 *   - register_vcpu_info checks its offset first (-ENXIO past the page
 *     or misaligned), then whether the vCPU already has one and whether it
 *     is the caller or down (-EINVAL), as Xen's map_vcpu_info: on vCPU 1
 *     (up) and on the caller after its own registration;
 *   - vCPU 2, never initialised: runstate offline, not up, up -EINVAL,
 *     down 0 (already down), send_nmi 0, a runstate and a time area 0,
 *     vcpu_info 0 (down), its single-shot timer -EINVAL (not the caller),
 *     an IPI port, a per-vCPU VIRQ and an interdomain port bound or moved
 *     to it, a send on the IPI port 0;
 *   - the runstate and time areas' address checked by its start only, as
 *     Xen's guest_handle_okay: an area running off the lower half's end or
 *     the top of the address space is accepted (its writes fail quietly),
 *     a start in the hypervisor's range or non-canonical is -EFAULT.
 * @hvargs: dom0_max_vcpus=3
 * @timeout-smp: 120
 */
#include "conform.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/smp.h"

#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile unsigned long spins;

static void vcpu1(unsigned long id)
{
	(void)id;
	for (;;) {
		spins++;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
}

static long vcpu_info_at(unsigned int vcpu, uint64_t mfn, uint32_t offset)
{
	struct vcpu_register_vcpu_info r = { mfn, offset, 0 };

	return vcpu_op(VCPUOP_register_vcpu_info, vcpu, &r);
}

static long area(unsigned int cmd, unsigned int vcpu, uint64_t addr)
{
	struct vcpu_register_runstate_memory_area a = { .addr = addr };

	return vcpu_op(cmd, vcpu, &a);
}

static long ev_close(evtchn_port_t p)
{
	struct evtchn_close c = { p };

	return evtchn_op(EVTCHNOP_close, &c);
}

static void rows_vcpu_info(void)
{
	uint64_t mfn = va_to_mfn(scratch_page()), own = va_to_mfn(scratch_page());

	ROW("vcpu_info of vCPU 1 (up) past the page", vcpu_info_at(1, mfn, 4093), -ENXIO);
	ROW("vcpu_info of vCPU 1 (up) misaligned", vcpu_info_at(1, mfn, 4), -ENXIO);
	ROW("vcpu_info of vCPU 1 (up)", vcpu_info_at(1, mfn, 64), -EINVAL);
	ROW("vcpu_info of the caller", vcpu_info_at(0, own, 128), 0);
	ROW("vcpu_info of the caller again, past the page", vcpu_info_at(0, own, 4040), -ENXIO);
	ROW("vcpu_info of the caller again, misaligned", vcpu_info_at(0, own, 12), -ENXIO);
	ROW("vcpu_info of the caller again", vcpu_info_at(0, own, 256), -EINVAL);
	ROW("vcpu_info of vCPU 2 (never up) past the page", vcpu_info_at(2, mfn, 4093), -ENXIO);
	ROW("vcpu_info of vCPU 2 (never up)", vcpu_info_at(2, mfn, 64), 0);
	ROW("vcpu_info of vCPU 2 again", vcpu_info_at(2, mfn, 64), -EINVAL);
}

static void rows_never_up(void)
{
	struct vcpu_runstate_info rs;
	struct vcpu_set_singleshot_timer ss = { 0, 0, 0 };
	struct evtchn_bind_ipi bi = { 2, 0 };
	struct evtchn_bind_virq bv = { VIRQ_TIMER, 2, 0 };
	struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };
	struct evtchn_bind_vcpu bc;
	struct evtchn_status st = { DOMID_SELF, 0, 0, 0, 0, { { 0 } } };

	memset(&rs, 0xff, sizeof(rs));
	ROW("get_runstate_info of vCPU 2", vcpu_op(VCPUOP_get_runstate_info, 2, &rs), 0);
	ROW("get_runstate_info of vCPU 2: offline", rs.state, RUNSTATE_offline);
	ROW("is_up of vCPU 2", vcpu_op(VCPUOP_is_up, 2, NULL), 0);
	ROW("up of vCPU 2", vcpu_op(VCPUOP_up, 2, NULL), -EINVAL);
	ROW("down of vCPU 2", vcpu_op(VCPUOP_down, 2, NULL), 0);
	ROW("is_up of vCPU 2 after", vcpu_op(VCPUOP_is_up, 2, NULL), 0);
	ROW("send_nmi to vCPU 2", vcpu_op(VCPUOP_send_nmi, 2, NULL), 0);
	ROW("runstate area of vCPU 2", area(VCPUOP_register_runstate_memory_area, 2,
					    scratch_page()), 0);
	ROW("time area of vCPU 2", area(VCPUOP_register_vcpu_time_memory_area, 2,
					scratch_page()), 0);
	ROW("single-shot timer of vCPU 2", vcpu_op(VCPUOP_set_singleshot_timer, 2, &ss), -EINVAL);
	ROW("stop single-shot timer of vCPU 2", vcpu_op(VCPUOP_stop_singleshot_timer, 2, NULL),
	    -EINVAL);
	ROW("bind_ipi to vCPU 2", evtchn_op(EVTCHNOP_bind_ipi, &bi), 0);
	ROW("send on vCPU 2's IPI port", evtchn_send(bi.port), 0);
	st.port = bi.port;
	ROW("status of vCPU 2's IPI port", evtchn_op(EVTCHNOP_status, &st), 0);
	ROW("status of vCPU 2's IPI port: its vCPU", st.vcpu, 2);
	memset(&st.u, 0xa5, sizeof(st.u));
	ROW("status of the IPI port again", evtchn_op(EVTCHNOP_status, &st), 0);
	ROW("status of the IPI port: the union as the caller left it", st.u.interdomain.port,
	    0xa5a5a5a5);
	st.port = bi.port + 1;
	memset(&st.u, 0xa5, sizeof(st.u));
	ROW("status of a free port", evtchn_op(EVTCHNOP_status, &st), 0);
	ROW("status of a free port: closed", st.status, EVTCHNSTAT_closed);
	ROW("status of a free port: the union as the caller left it", st.u.interdomain.port,
	    0xa5a5a5a5);
	st.port = bi.port;
	ROW("bind_virq TIMER to vCPU 2", evtchn_op(EVTCHNOP_bind_virq, &bv), 0);
	ROW("bind_virq TIMER to vCPU 2 again", evtchn_op(EVTCHNOP_bind_virq, &bv), -EEXIST);
	ROW("bind_virq DEBUG to vCPU 2", evtchn_op(EVTCHNOP_bind_virq,
				&(struct evtchn_bind_virq){ VIRQ_DEBUG, 2, 0 }), 0);
	ROW("alloc_unbound", evtchn_op(EVTCHNOP_alloc_unbound, &au), 0);
	bc = (struct evtchn_bind_vcpu){ au.port, 2 };
	ROW("bind_vcpu of an unbound port to vCPU 2", evtchn_op(EVTCHNOP_bind_vcpu, &bc), 0);
	bc = (struct evtchn_bind_vcpu){ bv.port, 0 };
	ROW("bind_vcpu of vCPU 2's TIMER port", evtchn_op(EVTCHNOP_bind_vcpu, &bc), -EINVAL);
	bc = (struct evtchn_bind_vcpu){ bi.port, 0 };
	ROW("bind_vcpu of vCPU 2's IPI port", evtchn_op(EVTCHNOP_bind_vcpu, &bc), -EINVAL);
	ROW("close vCPU 2's IPI port", ev_close(bi.port), 0);
	ROW("close vCPU 2's TIMER port", ev_close(bv.port), 0);
	ROW("bind_virq TIMER to vCPU 2 after the close", evtchn_op(EVTCHNOP_bind_virq, &bv), 0);
	ROW("close it", ev_close(bv.port), 0);
	ROW("close the unbound port", ev_close(au.port), 0);
}

static void rows_areas(void)
{
	static const struct { const char *name; uint64_t addr; long xen; } a[] = {
		{ "ending at the lower half's end", 0x00007fffffffffd0ULL, 0 },
		{ "running off the lower half", 0x00007ffffffffff0ULL, 0 },
		{ "running off the address space", 0xfffffffffffffff0ULL, 0 },
		{ "at the lower half's last byte", 0x00007fffffffffffULL, 0 },
		{ "non-canonical", 0x0000800000000000ULL, -EFAULT },
		{ "in the hypervisor's range", 0xffff800000001000ULL, -EFAULT },
		{ "at the hypervisor's last byte", 0xffff87ffffffffffULL, -EFAULT },
		{ "just above the hypervisor", 0xffff880000000000ULL, 0 },
	};
	char name[96];
	unsigned int i;

	for (i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
		snprintf(name, sizeof(name), "runstate area %s", a[i].name);
		ROW(name, area(VCPUOP_register_runstate_memory_area, 0, a[i].addr), a[i].xen);
		snprintf(name, sizeof(name), "time area %s", a[i].name);
		ROW(name, area(VCPUOP_register_vcpu_time_memory_area, 0, a[i].addr), a[i].xen);
	}
	ROW("runstate area none", area(VCPUOP_register_runstate_memory_area, 0, 0), 0);
	ROW("time area none", area(VCPUOP_register_vcpu_time_memory_area, 0, 0), 0);
}

int test_main(struct start_info *si)
{
	unsigned long before;

	CHECK(events_init(si) == 0, "events_init failed");
	conform_begin();
	CHECK(smp_start_vcpu(si, 1, vcpu1, stack1, sizeof(stack1)) == 0, "vCPU 1 did not start");
	before = spins;
	while (spins == before)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	rows_vcpu_info();
	rows_never_up();
	rows_areas();
	ROW("vCPU 1 still up", vcpu_op(VCPUOP_is_up, 1, NULL), 1);
	return conform_end("vCPU-state");
}
