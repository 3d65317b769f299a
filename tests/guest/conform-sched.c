// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-sched: xen_version (every XENVER_), console_io, sched_op (every
 * SCHEDOP_), sched_op_compat, set_timer_op and vcpu_op (every VCPUOP_)
 * from dom0, with valid and invalid arguments, against the results Xen
 * 4.17 gives (conform.h; docs/conformance.md). Calls that would stop or
 * block the caller (shutdown, block, down of our only vCPU, send_nmi)
 * are made only with arguments that are refused before they act.
 */
#include "conform.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/physinfo.h"
#include <lamina/vcpu.h>

#define NCALL(nr, a, b, c)	hypercall3(nr, (uint64_t)(a), (uint64_t)(b), (uint64_t)(c))
#define VER(cmd, arg)		NCALL(__HYPERVISOR_xen_version, cmd, arg, 0)
#define CIO(cmd, n, buf)	NCALL(__HYPERVISOR_console_io, cmd, n, buf)
#define SCHED(cmd, arg)		NCALL(__HYPERVISOR_sched_op, cmd, arg, 0)
#define SCHEDC(cmd, arg)	NCALL(__HYPERVISOR_sched_op_compat, cmd, arg, 0)
#define VCPU(cmd, id, arg)	NCALL(__HYPERVISOR_vcpu_op, cmd, id, arg)

#define SCHEDOP_watchdog_ok	6
struct sched_watchdog {
	uint32_t id;
	uint32_t timeout;
};
struct sched_pin_override {
	int32_t pcpu;
};
struct build_id {
	uint32_t len;
	unsigned char buf[252];
};

static uint8_t page[4096] __attribute__((aligned(4096)));
static struct vcpu_runstate_info runstate;

int test_main(struct start_info *si)
{
	struct xen_feature_info fi = { 0, 0 };
	struct build_id bid;
	struct sched_poll poll;
	struct sysctl pi;
	evtchn_port_t port = 0;
	struct sched_remote_shutdown rs;
	struct sched_shutdown sd;
	struct sched_watchdog wd;
	struct sched_pin_override po;
	struct vcpu_set_periodic_timer per;
	struct vcpu_set_singleshot_timer ss;
	struct vcpu_register_runstate_memory_area ra;
	struct vcpu_register_vcpu_info vi;
	long id;

	mm_init(si);
	conform_begin();

	/* xen_version */
	ROW("xen_version version", VER(XENVER_version, 0), 0x40011);
	ROW("xen_version extraversion", VER(XENVER_extraversion, page), 0);
	ROW("xen_version extraversion bad pointer", VER(XENVER_extraversion, BADPTR), -EFAULT);
	ROW("xen_version compile_info", VER(XENVER_compile_info, page), 0);
	ROW("xen_version compile_info bad pointer", VER(XENVER_compile_info, BADPTR), -EFAULT);
	ROW("xen_version capabilities", VER(XENVER_capabilities, page), 0);
	ROW("xen_version capabilities bad pointer", VER(XENVER_capabilities, BADPTR), -EFAULT);
	ROW("xen_version changeset", VER(XENVER_changeset, page), 0);
	ROW("xen_version changeset bad pointer", VER(XENVER_changeset, BADPTR), -EFAULT);
	ROW("xen_version platform_parameters", VER(XENVER_platform_parameters, page), 0);
	ROW("xen_version platform_parameters bad pointer",
	    VER(XENVER_platform_parameters, BADPTR), -EFAULT);
	ROW("xen_version get_features submap 0", VER(XENVER_get_features, &fi), 0);
	fi.submap_idx = 1;
	ROW("xen_version get_features submap 1", VER(XENVER_get_features, &fi), -EINVAL);
	ROW("xen_version get_features bad pointer", VER(XENVER_get_features, BADPTR), -EFAULT);
	ROW("xen_version pagesize", VER(XENVER_pagesize, 0), 4096);
	ROW("xen_version guest_handle", VER(XENVER_guest_handle, page), 0);
	ROW("xen_version guest_handle bad pointer", VER(XENVER_guest_handle, BADPTR), -EFAULT);
	ROW("xen_version commandline", VER(XENVER_commandline, page), 0);
	ROW("xen_version commandline bad pointer", VER(XENVER_commandline, BADPTR), -EFAULT);
	bid.len = 0;
	ROW("xen_version build_id len 0", VER(XENVER_build_id, &bid), -EINVAL);
	bid.len = sizeof(bid.buf);
	memset(bid.buf, 0, sizeof(bid.buf));
	/* The GNU build-id note's SHA-1, as Xen (linked --build-id=sha1) gives it. */
	ROW("xen_version build_id", VER(XENVER_build_id, &bid), 20);
	{
		unsigned char first[20];
		unsigned int i, set = 0;

		for (i = 0; i < 20; i++)
			set |= bid.buf[i];
		ROW("xen_version build_id: not all zero", set != 0, 1);
		ROW("xen_version build_id: nothing past 20 bytes", bid.buf[20] | bid.buf[251], 0);
		memcpy(first, bid.buf, sizeof(first));
		memset(bid.buf, 0, sizeof(bid.buf));
		ROW("xen_version build_id again", VER(XENVER_build_id, &bid), 20);
		ROW("xen_version build_id: the same bytes", memcmp(first, bid.buf, 20), 0);
	}
	ROW("xen_version build_id no buffer: its size", VER(XENVER_build_id, 0), 20);
	{
		static const struct { const char *name; uint32_t len; long rc; } lens[] = {
			{ "xen_version build_id 19 bytes", 19, -ENOBUFS },
			{ "xen_version build_id 20 bytes", 20, 20 },
			{ "xen_version build_id len 0xffffffff", 0xffffffff, 20 },
		};
		unsigned int i;

		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			bid.len = lens[i].len;
			ROW(lens[i].name, VER(XENVER_build_id, &bid), lens[i].rc);
		}
	}
	ROW("xen_version build_id bad pointer", VER(XENVER_build_id, BADPTR), -EFAULT);
	ROW("xen_version sub-op 11", VER(11, page), -ENOSYS);
	ROW("xen_version sub-op 0x7fffffff", VER(0x7fffffff, page), -ENOSYS);

	/* console_io */
	ROW("console_io write 0 bytes", CIO(CONSOLEIO_write, 0, page), 0);
	ROW("console_io write bad pointer", CIO(CONSOLEIO_write, 4, BADPTR), -EFAULT);
	ROW("console_io write non-canonical", CIO(CONSOLEIO_write, 4, NCPTR), -EFAULT);
	ROW("console_io read 0 bytes", CIO(CONSOLEIO_read, 0, page), 0);
	ROW("console_io read bad pointer, no input", CIO(CONSOLEIO_read, 16, BADPTR), 0);
	ROW("console_io read negative count", CIO(CONSOLEIO_read, -1, page), -E2BIG);
	ROW("console_io read count 0x80000000", CIO(CONSOLEIO_read, 0x80000000u, page), -E2BIG);
	ROW("console_io sub-op 2", CIO(2, 0, page), -ENOSYS);

	/* sched_op */
	ROW("sched_op yield", SCHED(SCHEDOP_yield, 0), 0);
	ROW("sched_op shutdown bad pointer", SCHED(SCHEDOP_shutdown, BADPTR), -EFAULT);
	ROW("sched_op poll bad pointer", SCHED(SCHEDOP_poll, BADPTR), -EFAULT);
	memset(&poll, 0, sizeof(poll));
	poll.ports = (uint64_t)&port;
	poll.nr_ports = 129;
	ROW("sched_op poll 129 ports", SCHED(SCHEDOP_poll, &poll), -EINVAL);
	poll.nr_ports = 1;
	poll.ports = (uint64_t)BADPTR;
	ROW("sched_op poll bad port list", SCHED(SCHEDOP_poll, &poll), -EFAULT);
	poll.ports = (uint64_t)&port;
	port = 100000;
	ROW("sched_op poll port out of range", SCHED(SCHEDOP_poll, &poll), -EINVAL);
	ROW("sched_op remote_shutdown bad pointer", SCHED(SCHEDOP_remote_shutdown, BADPTR), -EFAULT);
	memset(&rs, 0, sizeof(rs));
	rs.domain_id = 999;
	ROW("sched_op remote_shutdown no such domain", SCHED(SCHEDOP_remote_shutdown, &rs), -ESRCH);
	rs.domain_id = 0x7ff0;
	ROW("sched_op remote_shutdown DOMID_FIRST_RESERVED",
	    SCHED(SCHEDOP_remote_shutdown, &rs), -ESRCH);
	ROW("sched_op shutdown_code bad pointer", SCHED(SCHEDOP_shutdown_code, BADPTR), -EFAULT);
	sd.reason = SHUTDOWN_poweroff;
	ROW("sched_op shutdown_code poweroff", SCHED(SCHEDOP_shutdown_code, &sd), 0);
	ROW("sched_op watchdog bad pointer", SCHED(SCHEDOP_watchdog, BADPTR), -EFAULT);
	wd.id = 99;
	wd.timeout = 0;
	ROW("sched_op watchdog stop unknown id", SCHED(SCHEDOP_watchdog, &wd), -EINVAL);
	wd.id = 0;
	wd.timeout = 3600;
	id = SCHED(SCHEDOP_watchdog, &wd);
	ROW("sched_op watchdog new (id)", id, 1);
	wd.id = (uint32_t)id;
	wd.timeout = 0;
	ROW("sched_op watchdog stop", SCHED(SCHEDOP_watchdog, &wd), 0);
	wd.id = 0;
	wd.timeout = 3600;
	ROW("sched_op watchdog first", SCHED(SCHEDOP_watchdog, &wd), 1);
	ROW("sched_op watchdog second", SCHED(SCHEDOP_watchdog, &wd), 2);
	/* -ENOSPC through an unsigned int, as Xen's: 0xffffffe4 */
	ROW("sched_op watchdog third", SCHED(SCHEDOP_watchdog, &wd), 0xffffffe4L);
	ROW("sched_op watchdog third as an int", (int)SCHED(SCHEDOP_watchdog, &wd), -ENOSPC);
	wd.id = 3;
	ROW("sched_op watchdog id 3", SCHED(SCHEDOP_watchdog, &wd), -EINVAL);
	wd.id = 2;
	ROW("sched_op watchdog rearm", SCHED(SCHEDOP_watchdog, &wd), 0);
	wd.timeout = 0;
	ROW("sched_op watchdog stop 2", SCHED(SCHEDOP_watchdog, &wd), 0);
	ROW("sched_op watchdog stop 2 again", SCHED(SCHEDOP_watchdog, &wd), -EINVAL);
	wd.id = 1;
	ROW("sched_op watchdog stop 1", SCHED(SCHEDOP_watchdog, &wd), 0);
	ROW("sched_op pin_override bad pointer", SCHED(SCHEDOP_pin_override, BADPTR), -EFAULT);
	po.pcpu = 99;
	ROW("sched_op pin_override pcpu 99", SCHED(SCHEDOP_pin_override, &po), -EINVAL);
	po.pcpu = -1;
	ROW("sched_op pin_override none", SCHED(SCHEDOP_pin_override, &po), -EINVAL);
	po.pcpu = 0;
	ROW("sched_op pin_override pcpu 0", SCHED(SCHEDOP_pin_override, &po), 0);
	ROW("sched_op pin_override pcpu 0 again", SCHED(SCHEDOP_pin_override, &po), -EBUSY);
	po.pcpu = -1;
	ROW("sched_op pin_override unpin", SCHED(SCHEDOP_pin_override, &po), 0);
	ROW("sched_op pin_override unpin again", SCHED(SCHEDOP_pin_override, &po), -EINVAL);
	ROW("sched_op sub-op 8", SCHED(8, 0), -ENOSYS);
	ROW("sched_op sub-op 0x7fffffff", SCHED(0x7fffffff, 0), -ENOSYS);

	/* sched_op_compat: the argument is the value itself */
	ROW("sched_op_compat yield", SCHEDC(SCHEDOP_yield, 0), 0);
	ROW("sched_op_compat sub-op 3", SCHEDC(SCHEDOP_poll, 0), -ENOSYS);
	ROW("sched_op_compat sub-op 99", SCHEDC(99, 0), -ENOSYS);

	/* set_timer_op: 0 stops the timer; a past deadline fires at once */
	ROW("set_timer_op 0", NCALL(__HYPERVISOR_set_timer_op, 0, 0, 0), 0);
	ROW("set_timer_op past", NCALL(__HYPERVISOR_set_timer_op, 1, 0, 0), 0);
	ROW("set_timer_op far", NCALL(__HYPERVISOR_set_timer_op, ~0ULL >> 2, 0, 0), 0);
	ROW("set_timer_op 0 again", NCALL(__HYPERVISOR_set_timer_op, 0, 0, 0), 0);

	/* vcpu_op */
	ROW("vcpu_op initialise vcpu 0", VCPU(VCPUOP_initialise, 0, page), -EEXIST);
	ROW("vcpu_op initialise vcpu 99", VCPU(VCPUOP_initialise, 99, page), -ENOENT);
	ROW("vcpu_op initialise vcpu 1", VCPU(VCPUOP_initialise, 1, page), -ENOENT);
	ROW("vcpu_op up vcpu 0", VCPU(VCPUOP_up, 0, 0), 0);
	ROW("vcpu_op up vcpu 1", VCPU(VCPUOP_up, 1, 0), -ENOENT);
	ROW("vcpu_op down vcpu 99", VCPU(VCPUOP_down, 99, 0), -ENOENT);
	ROW("vcpu_op is_up vcpu 0", VCPU(VCPUOP_is_up, 0, 0), 1);
	ROW("vcpu_op is_up vcpu 0x10000", VCPU(VCPUOP_is_up, 0x10000, 0), -ENOENT);
	ROW("vcpu_op get_runstate_info", VCPU(VCPUOP_get_runstate_info, 0, &runstate), 0);
	ROW("vcpu_op get_runstate_info bad pointer",
	    VCPU(VCPUOP_get_runstate_info, 0, BADPTR), -EFAULT);
	ROW("vcpu_op register_runstate_memory_area bad pointer",
	    VCPU(VCPUOP_register_runstate_memory_area, 0, BADPTR), -EFAULT);
	ra.addr = (uint64_t)&runstate;
	ROW("vcpu_op register_runstate_memory_area",
	    VCPU(VCPUOP_register_runstate_memory_area, 0, &ra), 0);
	ra.addr = 0;
	ROW("vcpu_op register_runstate_memory_area 0",
	    VCPU(VCPUOP_register_runstate_memory_area, 0, &ra), 0);
	ra.addr = (uint64_t)BADPTR;
	ROW("vcpu_op register_runstate_memory_area hypervisor address",
	    VCPU(VCPUOP_register_runstate_memory_area, 0, &ra), -EFAULT);
	ra.addr = 0;
	VCPU(VCPUOP_register_runstate_memory_area, 0, &ra);
	per.period_ns = 100000;
	ROW("vcpu_op set_periodic_timer 100 us", VCPU(VCPUOP_set_periodic_timer, 0, &per), -EINVAL);
	per.period_ns = 10000000;
	ROW("vcpu_op set_periodic_timer 10 ms", VCPU(VCPUOP_set_periodic_timer, 0, &per), 0);
	ROW("vcpu_op set_periodic_timer bad pointer",
	    VCPU(VCPUOP_set_periodic_timer, 0, BADPTR), -EFAULT);
	ROW("vcpu_op set_periodic_timer vcpu 1", VCPU(VCPUOP_set_periodic_timer, 1, &per), -ENOENT);
	ROW("vcpu_op stop_periodic_timer", VCPU(VCPUOP_stop_periodic_timer, 0, 0), 0);
	ss.timeout_abs_ns = 1;
	ss.flags = VCPU_SSHOTTMR_future;
	ss.pad0 = 0;
	ROW("vcpu_op set_singleshot_timer past, future flag",
	    VCPU(VCPUOP_set_singleshot_timer, 0, &ss), 0);
	ss.flags = 2;
	ROW("vcpu_op set_singleshot_timer unknown flag",
	    VCPU(VCPUOP_set_singleshot_timer, 0, &ss), 0);
	ss.flags = 0;
	ss.timeout_abs_ns = ~0ULL >> 2;
	ROW("vcpu_op set_singleshot_timer far", VCPU(VCPUOP_set_singleshot_timer, 0, &ss), 0);
	ROW("vcpu_op set_singleshot_timer bad pointer",
	    VCPU(VCPUOP_set_singleshot_timer, 0, BADPTR), -EFAULT);
	ROW("vcpu_op stop_singleshot_timer", VCPU(VCPUOP_stop_singleshot_timer, 0, 0), 0);
	ROW("vcpu_op register_vcpu_info bad pointer",
	    VCPU(VCPUOP_register_vcpu_info, 0, BADPTR), -EFAULT);
	memset(&vi, 0, sizeof(vi));
	vi.mfn = va_to_mfn((uint64_t)page);
	vi.offset = 4090;
	ROW("vcpu_op register_vcpu_info offset 4090",
	    VCPU(VCPUOP_register_vcpu_info, 0, &vi), -ENXIO);
	vi.offset = 0;
	vi.mfn = ~0ULL >> 12;
	ROW("vcpu_op register_vcpu_info bad frame",
	    VCPU(VCPUOP_register_vcpu_info, 0, &vi), -EINVAL);
	ROW("vcpu_op send_nmi vcpu 99", VCPU(VCPUOP_send_nmi, 99, 0), -ENOENT);
	/* Only a vCPU pinned to one pCPU has one: dom0's is, on one CPU. */
	ROW("vcpu_op get_physid", VCPU(VCPUOP_get_physid, 0, page),
	    physinfo(&pi) == 0 && pi.u.physinfo.nr_cpus == 1 ? 0 : -EINVAL);
	ROW("vcpu_op register_vcpu_time_memory_area bad pointer",
	    VCPU(VCPUOP_register_vcpu_time_memory_area, 0, BADPTR), -EFAULT);
	ra.addr = (uint64_t)page;
	ROW("vcpu_op register_vcpu_time_memory_area",
	    VCPU(VCPUOP_register_vcpu_time_memory_area, 0, &ra), 0);
	{
		volatile struct vcpu_time_info *t = (volatile struct vcpu_time_info *)page;

		ROW("vcpu_op register_vcpu_time_memory_area: a time info there",
		    !(t->version & 1) && t->tsc_to_system_mul && t->system_time, 1);
	}
	ra.addr = (uint64_t)BADPTR;
	ROW("vcpu_op register_vcpu_time_memory_area hypervisor address",
	    VCPU(VCPUOP_register_vcpu_time_memory_area, 0, &ra), -EFAULT);
	ra.addr = 0;
	ROW("vcpu_op register_vcpu_time_memory_area 0",
	    VCPU(VCPUOP_register_vcpu_time_memory_area, 0, &ra), 0);
	ROW("vcpu_op sub-op 14", VCPU(14, 0, 0), -ENOSYS);
	ROW("vcpu_op sub-op 99", VCPU(99, 0, 0), -ENOSYS);
	ROW("vcpu_op sub-op 99 vcpu 99", VCPU(99, 99, 0), -ENOENT);

	return conform_end("xen_version/console_io/sched_op/vcpu_op");
}
