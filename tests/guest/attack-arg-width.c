// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-arg-width: hypercall arguments Xen 4.17 declares 32 bits wide
 * (`int cmd`, `unsigned int count`, ...: xen/include/hypercall-defs.c)
 * given with their upper half set. Xen's handlers are called with the
 * argument converted to its declared type, so the upper half is ignored:
 * each call here must answer as the same call with a clean argument (made
 * just before, its answer the expected value), on Lamina as on Xen 4.17
 * (conform.h). The calls are the ones outside memory (sched_op and its
 * compat form, event_channel_op, vcpu_op, xen_version, console_io,
 * physdev_op, hypfs_op, xenpmu_op, nmi_op, callback_op, get/set_debugreg,
 * grant_table_op's count, set_segment_base, vm_assist, fpu_taskswitch
 * (its TS read back through the emulated `mov %cr0`), each with no
 * lasting effect. From dom0; a domU's handlers are the same.
 */
#include "conform.h"
#include "lib/events.h"
#include <lamina/vcpu.h>
#include <lamina/physdev.h>
#include <lamina/grant_table.h>
#include <lamina/callback.h>
#include <lamina/mm.h>

#define NCALL(nr, a, b, c)	hypercall3(nr, (uint64_t)(a), (uint64_t)(b), (uint64_t)(c))
#define HI			0x5a5a5a5a00000000ULL

static uint8_t buf[4096] __attribute__((aligned(4096)));

/* One call clean, then with hi or'ed into its 32-bit arguments: the same answer. */
static void pair(const char *name, unsigned int nr, uint64_t a0, uint64_t a1, uint64_t a2,
		 uint64_t h0, uint64_t h1, uint64_t h2)
{
	long clean, wide;

	memset(buf, 0, sizeof(buf));
	clean = NCALL(nr, a0, a1, a2);
	memset(buf, 0, sizeof(buf));
	wide = NCALL(nr, a0 | h0, a1 | h1, a2 | h2);
	printf("row %s clean = %ld\n", name, clean);
	conform_row(name, wide, clean, clean);
}

static void rows_events(void)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };
	struct evtchn_status st = { DOMID_SELF, 0, 0, 0, 0, { { 0 } } };
	struct evtchn_close c;

	ROW("event_channel_op alloc_unbound, cmd's upper half set",
	    NCALL(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound | HI, &au, 0), 0);
	st.port = au.port;
	ROW("event_channel_op status, cmd's upper half set",
	    NCALL(__HYPERVISOR_event_channel_op, EVTCHNOP_status | HI, &st, 0), 0);
	ROW("event_channel_op status: unbound", st.status, EVTCHNSTAT_unbound);
	c.port = au.port;
	ROW("event_channel_op close, cmd's upper half set",
	    NCALL(__HYPERVISOR_event_channel_op, EVTCHNOP_close | HI, &c, 0), 0);
	ROW("event_channel_op status after the close",
	    NCALL(__HYPERVISOR_event_channel_op, EVTCHNOP_status, &st, 0), 0);
	ROW("event_channel_op status after the close: free", st.status, EVTCHNSTAT_closed);
}

static uint64_t guest_cr0(void)
{
	uint64_t v;

	asm volatile("mov %%cr0, %0" : "=r"(v));	/* emulated: the virtual TS */
	return v;
}

/* fpu_taskswitch's `int set`: only the upper half set clears TS. */
static void rows_fpu(void)
{
	ROW("fpu_taskswitch 1", NCALL(__HYPERVISOR_fpu_taskswitch, 1, 0, 0), 0);
	ROW("fpu_taskswitch 1: TS set", (guest_cr0() >> 3) & 1, 1);
	ROW("fpu_taskswitch 0, the upper half set", NCALL(__HYPERVISOR_fpu_taskswitch, HI, 0, 0),
	    0);
	ROW("fpu_taskswitch 0, the upper half set: TS clear", (guest_cr0() >> 3) & 1, 0);
	ROW("fpu_taskswitch 0", NCALL(__HYPERVISOR_fpu_taskswitch, 0, 0, 0), 0);
}

int test_main(struct start_info *si)
{
	struct physdev_irq_status_query q = { 0, 0 };
	struct physdev_set_iobitmap iob = { .nr_ports = 0 };
	struct gnttab_query_size qs = { .dom = DOMID_SELF };
	struct callback_unregister cb = { CALLBACKTYPE_event, 0 };
	uint64_t b = (uint64_t)buf;

	(void)si;
	conform_begin();
	pair("xen_version version", __HYPERVISOR_xen_version, XENVER_version, 0, 0, HI, 0, 0);
	pair("xen_version extraversion", __HYPERVISOR_xen_version, XENVER_extraversion, b, 0,
	     HI, 0, 0);
	pair("xen_version pagesize", __HYPERVISOR_xen_version, XENVER_pagesize, 0, 0, HI, 0, 0);
	pair("xen_version 99", __HYPERVISOR_xen_version, 99, 0, 0, HI, 0, 0);
	pair("sched_op yield", __HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, HI, 0, 0);
	pair("sched_op remote_shutdown bad pointer", __HYPERVISOR_sched_op,
	     SCHEDOP_remote_shutdown, (uint64_t)BADPTR, 0, HI, 0, 0);
	pair("sched_op_compat yield", __HYPERVISOR_sched_op_compat, SCHEDOP_yield, 0, 0,
	     HI, 0, 0);
	pair("vcpu_op is_up", __HYPERVISOR_vcpu_op, VCPUOP_is_up, 0, 0, HI, 0, 0);
	pair("vcpu_op is_up, vcpuid's upper half set", __HYPERVISOR_vcpu_op, VCPUOP_is_up, 0, 0,
	     0, HI, 0);
	pair("vcpu_op get_runstate_info", __HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, b,
	     HI, 0, 0);
	pair("vcpu_op is_up of vCPU 99", __HYPERVISOR_vcpu_op, VCPUOP_is_up, 99, 0, HI, HI, 0);
	pair("console_io read 0", __HYPERVISOR_console_io, CONSOLEIO_read, 0, b, HI, 0, 0);
	pair("console_io read 16, count's upper half set", __HYPERVISOR_console_io,
	     CONSOLEIO_read, 16, b, 0, HI, 0);
	pair("console_io 99", __HYPERVISOR_console_io, 99, 0, b, HI, 0, 0);
	pair("physdev_op irq_status_query", __HYPERVISOR_physdev_op,
	     PHYSDEVOP_irq_status_query, (uint64_t)&q, 0, HI, 0, 0);
	pair("physdev_op set_iobitmap none", __HYPERVISOR_physdev_op, PHYSDEVOP_set_iobitmap,
	     (uint64_t)&iob, 0, HI, 0, 0);
	pair("physdev_op 99", __HYPERVISOR_physdev_op, 99, (uint64_t)&q, 0, HI, 0, 0);
	pair("hypfs_op get_version", __HYPERVISOR_hypfs_op, 0, 0, 0, HI, 0, 0);
	pair("xenpmu_op mode_get", __HYPERVISOR_xenpmu_op, 0, b, 0, HI, 0, 0);
	pair("nmi_op unregister", __HYPERVISOR_nmi_op, 1, 0, 0, HI, 0, 0);
	pair("callback_op 99", __HYPERVISOR_callback_op, 99, b, 0, HI, 0, 0);
	pair("callback_op unregister event", __HYPERVISOR_callback_op, 1, (uint64_t)&cb, 0,
	     HI, 0, 0);
	pair("get_debugreg 7", __HYPERVISOR_get_debugreg, 7, 0, 0, HI, 0, 0);
	pair("set_debugreg 0 to 0", __HYPERVISOR_set_debugreg, 0, 0, 0, HI, 0, 0);
	pair("grant_table_op query_size, count's upper half set", __HYPERVISOR_grant_table_op,
	     GNTTABOP_query_size, (uint64_t)&qs, 1, 0, 0, HI);
	pair("set_segment_base FS 0", __HYPERVISOR_set_segment_base, SEGBASE_FS, 0, 0, HI, 0, 0);
	pair("vm_assist enable runstate_update_flag", __HYPERVISOR_vm_assist, VMASST_CMD_enable,
	     VMASST_TYPE_runstate_update_flag, 0, HI, HI, 0);
	pair("vm_assist disable runstate_update_flag", __HYPERVISOR_vm_assist, VMASST_CMD_disable,
	     VMASST_TYPE_runstate_update_flag, 0, HI, HI, 0);
	rows_events();
	rows_fpu();
	return conform_end("argument-width");
}
