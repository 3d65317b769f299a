// SPDX-License-Identifier: GPL-2.0-only
/*
 * vcpu_op (24) and set_timer_op (15): a vCPU's timers, its vcpu_info
 * location and its runstate (docs/abi-core.md §2.10, §2.23, §6). One vCPU
 * per domain so far: vcpuid 0 exists, every other id answers -ENOENT.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <hv/mm.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <asm/x86.h>
#include <lamina/vcpu.h>
#include <lamina/sched.h>
#include <lamina/event_channel.h>

static void singleshot_fired(void *data)
{
	send_guest_vcpu_virq(data, VIRQ_TIMER);
}

static void periodic_fired(void *data)
{
	struct vcpu *v = data;

	send_guest_vcpu_virq(v, VIRQ_TIMER);
	if (v->period_ns)
		set_timer(&v->periodic, v->periodic.deadline + v->period_ns);
}

void vcpu_init(struct vcpu *v)
{
	timer_init(&v->singleshot, singleshot_fired, v);
	timer_init(&v->periodic, periodic_fired, v);
}

static void runstate_info(const struct vcpu *v, struct vcpu_runstate_info *info)
{
	info->state = v->runstate;
	info->pad0 = 0;
	info->state_entry_time = v->runstate_entry;
	memcpy(info->time, v->runstate_time, sizeof(info->time));
}

/*
 * Copies the vCPU's time info to its VCPUOP_register_vcpu_time_memory_area
 * area with the version protocol: odd version, the fields, the primary's
 * (even) version, so a reader that raced the copy retries.
 */
static void vcpu_update_time_area(struct vcpu *v)
{
	struct vcpu_time_info t = v->vcpu_info->time;
	uint32_t odd = t.version | 1;

	if (copy_to_guest(v->time_area, &odd, sizeof(odd)))
		goto gone;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	t.version = odd;
	if (copy_to_guest(v->time_area, &t, sizeof(t)))
		goto gone;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	t.version = v->vcpu_info->time.version & ~1U;
	if (!copy_to_guest(v->time_area, &t.version, sizeof(t.version)))
		return;
gone:
	v->time_area = 0;		/* stop writing it */
}

static void __attribute__((noinline)) vcpu_write_areas(struct vcpu *v)
{
	struct vcpu_runstate_info info;

	if (v->time_area)
		vcpu_update_time_area(v);
	if (!v->runstate_area)
		return;
	runstate_info(v, &info);
	if (copy_to_guest(v->runstate_area, &info, sizeof(info)))
		v->runstate_area = 0;	/* gone: stop writing it */
}

/*
 * Writes the runstate area and the time area (through the vCPU's own
 * page tables: called as it is switched in, and by its own hypercalls).
 * Every switch-in and yield comes here, so a vCPU that registered
 * neither pays two tests.
 */
void vcpu_update_runstate_area(struct vcpu *v)
{
	if (v->time_area || v->runstate_area)
		vcpu_write_areas(v);
}

static long register_vcpu_info(struct vcpu *v, uint64_t arg)
{
	struct vcpu_register_vcpu_info r;
	struct vcpu_info *new;

	if (copy_from_guest(&r, arg, sizeof(r)))
		return -EFAULT;
	if (v->vcpu_info_registered)
		return trace_err(-EINVAL);
	if ((r.offset & 7) || r.offset > PAGE_SIZE - sizeof(struct vcpu_info))
		return trace_err(-ENXIO);
	if (get_page_and_type(r.mfn, PGT_writable, v->domain))
		return trace_err(-EINVAL);
	new = (struct vcpu_info *)((uint8_t *)frame_va(r.mfn) + r.offset);
	memcpy(new, v->vcpu_info, sizeof(*new));
	new->evtchn_pending_sel = ~0ULL;
	new->evtchn_upcall_pending = 1;
	v->vcpu_info = new;
	v->vcpu_info_mfn = r.mfn;
	v->vcpu_info_registered = true;
	pvclock_update(v);
	return 0;
}

static long singleshot(struct vcpu *v, uint64_t arg)
{
	struct vcpu_set_singleshot_timer t;

	if (copy_from_guest(&t, arg, sizeof(t)))
		return -EFAULT;
	if ((t.flags & VCPU_SSHOTTMR_future) && t.timeout_abs_ns < now_ns())
		return -ETIME;
	if (t.timeout_abs_ns <= now_ns()) {
		/* Already due: VIRQ_TIMER now, not after an interrupt (§6.3). */
		stop_timer(&v->singleshot);
		send_guest_vcpu_virq(v, VIRQ_TIMER);
		return 0;
	}
	set_timer(&v->singleshot, t.timeout_abs_ns);
	return 0;
}

static long periodic(struct vcpu *v, uint64_t arg)
{
	struct vcpu_set_periodic_timer t;

	if (copy_from_guest(&t, arg, sizeof(t)))
		return -EFAULT;
	if (t.period_ns < 1000000)		/* Xen's minimum: 1 ms */
		return trace_err(-EINVAL);
	v->period_ns = t.period_ns;
	set_timer(&v->periodic, now_ns() + t.period_ns);
	return 0;
}

long hc_vcpu_op(struct vcpu *v, struct hc_args *a)
{
	uint64_t arg = a->arg[2];
	struct vcpu_runstate_info info;
	struct vcpu_register_runstate_memory_area area;

	if (a->arg[1] != 0)
		return -ENOENT;		/* one vCPU per domain so far */
	switch (a->arg[0]) {
	case VCPUOP_is_up:
		return 1;
	case VCPUOP_up:
		return 0;
	case VCPUOP_down:
		/* The last vCPU going down is the domain powering off (§2.10). */
		domain_shutdown(v->domain, SHUTDOWN_poweroff);
		return 0;
	case VCPUOP_initialise:
		return -EEXIST;		/* vCPU 0 was initialised by the builder */
	case VCPUOP_get_runstate_info:
		runstate_info(v, &info);
		info.time[info.state] += now_ns() - info.state_entry_time;	/* so far */
		return copy_to_guest(arg, &info, sizeof(info));
	case VCPUOP_register_runstate_memory_area:
		if (copy_from_guest(&area, arg, sizeof(area)))
			return -EFAULT;
		/* As Xen 4.17: an area the guest could never hold is -EFAULT. */
		if (!guest_range_ok(area.addr, sizeof(info)))
			return trace_err(-EFAULT);
		v->runstate_area = area.addr;
		vcpu_update_runstate_area(v);
		return 0;
	case VCPUOP_set_periodic_timer:
		return periodic(v, arg);
	case VCPUOP_stop_periodic_timer:
		v->period_ns = 0;
		stop_timer(&v->periodic);
		return 0;
	case VCPUOP_set_singleshot_timer:
		return singleshot(v, arg);
	case VCPUOP_stop_singleshot_timer:
		stop_timer(&v->singleshot);
		return 0;
	case VCPUOP_register_vcpu_info:
		return register_vcpu_info(v, arg);
	case VCPUOP_register_vcpu_time_memory_area:
		/* Xen 4.17: any guest address (0 = none), written at once. */
		if (copy_from_guest(&area, arg, sizeof(area)))
			return -EFAULT;
		if (!guest_range_ok(area.addr, sizeof(struct vcpu_time_info)))
			return trace_err(-EFAULT);
		v->time_area = area.addr;
		pvclock_update(v);
		if (v->time_area)
			vcpu_update_time_area(v);
		return 0;
	case VCPUOP_get_physid: {
		/*
		 * Xen 4.17 answers for the hardware domain's vCPUs pinned to
		 * one pCPU, as dom0's one vCPU is here: the pCPU's APIC ID
		 * (bits 0-31) and ACPI processor ID (bits 32-63; Lamina reads
		 * no ACPI tables and gives 0, the boot CPU's usual one).
		 * Others get -EINVAL.
		 */
		uint32_t eax, ebx, ecx, edx;
		uint64_t phys_id;

		cpuid(1, 0, &eax, &ebx, &ecx, &edx);
		phys_id = ebx >> 24;	/* the initial APIC ID */
		if (!v->domain->is_privileged)
			return trace_err(-EINVAL);
		return copy_to_guest(arg, &phys_id, sizeof(phys_id));
	}
	default:
		return trace_err(-ENOSYS);
	}
}

long hc_set_timer_op(struct vcpu *v, struct hc_args *a)
{
	if (a->arg[0])
		set_timer(&v->singleshot, a->arg[0]);
	else
		stop_timer(&v->singleshot);
	return 0;
}
