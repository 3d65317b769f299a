// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPUs: their creation and end, vcpu_op (24) and set_timer_op (15): a
 * vCPU's context, up and down, its timers, its vcpu_info location and its
 * runstate (docs/abi-core.md §2.10, §2.23, §6). vcpu_op names any vCPU of
 * the caller's domain (-ENOENT for an id that does not exist); as in Xen
 * 4.17 the single-shot timer is only the caller's own (-EINVAL), and a
 * vcpu_info moves only for the caller or a vCPU that is down.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <hv/mm.h>
#include <hv/sched.h>
#include <hv/smp.h>
#include <hv/time.h>
#include <hv/domctl.h>
#include <hv/page_alloc.h>
#include <hv/nospec.h>
#include <asm/page.h>
#include <lamina/domctl.h>
#include <asm/x86.h>
#include <asm/acpi.h>
#include <lamina/vcpu.h>
#include <lamina/sched.h>
#include <lamina/event_channel.h>
#include <lamina/mm.h>

static void singleshot_fired(void *data)
{
	send_guest_vcpu_virq(data, VIRQ_TIMER);
}

/*
 * The periodic timer ticks only while its vCPU runs, as Xen's (which stops
 * it when the vCPU is switched out): falling due while the vCPU is out or
 * blocked it does nothing and stays stopped, so it never wakes a blocked
 * vCPU, and the scheduler calls this when the vCPU runs again: the missed
 * tick comes then, the next a period later. Leaving the timer armed over a
 * switch costs nothing on the switch itself. Also set_periodic_timer's.
 */
void vcpu_periodic_work(struct vcpu *v)
{
	uint64_t now, next;

	if (!v->period_ns || v->periodic.active)
		return;		/* off, or due later */
	now = now_ns();
	next = v->period_last + v->period_ns;
	if (now >= next) {
		send_guest_vcpu_virq(v, VIRQ_TIMER);
		v->period_last = now;
		next = now + v->period_ns;
	}
	set_timer(&v->periodic, next);
}

static void periodic_fired(void *data)
{
	struct vcpu *v = data;

	if (v == current_vcpu() && v->state == VCPU_RUNNABLE && !v->pause_count)
		vcpu_periodic_work(v);
}

#define PERIOD_DEFAULT_NS	10000000ULL
/* Xen's STIME_DELTA_MAX: the longest period set_periodic_timer takes. */
#define PERIOD_MAX_NS		(~0ULL >> 2)

#define VCPU_FRAMES	DIV_ROUND_UP(sizeof(struct vcpu), PAGE_SIZE)
_Static_assert(CONFIG_MAX_VCPUS * sizeof(struct vcpu *) <= PAGE_SIZE, "d->vcpu[] is one frame");

int domain_vcpus_alloc(struct domain *d, unsigned int max)
{
	mfn_t mfn;

	if (max < 1 || max > CONFIG_MAX_VCPUS)
		return trace_err(-EINVAL);
	mfn = alloc_frame();		/* zeroed: no vCPU yet */
	if (mfn == INVALID_MFN)
		return -ENOMEM;
	d->vcpu = frame_va(mfn);
	d->max_vcpus = max;
	return 0;
}

/*
 * Down, uninitialised, held by each pause of its domain made so far
 * (d->pause_count) and by those to come; events masked in its
 * vcpu_info (the shared_info slot below 32, else a dummy until it
 * registers one, as Xen's dummy_vcpu_info). Offline from now, as Xen
 * 4.17's vcpu_create stamps it: its runstate times count from its
 * creation, not from the hypervisor's boot (Linux's steal clock is
 * time[runnable] + time[offline]).
 */
struct vcpu *vcpu_create(struct domain *d, unsigned int id)
{
	struct vcpu *v;
	mfn_t mfn;

	/* Upwards from 0, as Xen creates them: for_each_vcpu follows. */
	ASSERT(id < d->max_vcpus && !d->vcpu[id] && d->shared_info && (!id || d->vcpu[id - 1]));
	mfn = alloc_frames_contig(VCPU_FRAMES);		/* zeroed */
	if (mfn == INVALID_MFN)
		return NULL;
	v = frame_va(mfn);
	v->domain = d;
	v->vcpu_id = id;
	v->arch.kernel_mode = true;
	v->state = VCPU_DOWN;
	v->runstate = RUNSTATE_offline;
	v->runstate_entry = now_ns();	/* 0 before time_init: boot-time domains */
	v->dummy_info.evtchn_upcall_mask = 1;
	v->hard_affinity = v->soft_affinity = SCHED_ALL_CPUS;
	v->vcpu_info = id < XEN_LEGACY_MAX_VCPUS ? &d->shared_info->vcpu_info[id] : &v->dummy_info;
	timer_init(&v->singleshot, singleshot_fired, v);
	timer_init(&v->periodic, periodic_fired, v);
	v->period_ns = PERIOD_DEFAULT_NS;	/* 100 Hz until the guest changes it, as on Xen */
	/* Seen by for_each_vcpu with the domain's pauses, or by the next pause. */
	spin_lock(&d->pause_lock);
	v->pause_count = d->pause_count;
	d->vcpu[id] = v;
	if (id)
		d->vcpu[id - 1]->next_in_list = v;
	spin_unlock(&d->pause_lock);
	return v;
}

/* Its domain is gone (common/domain.c): nothing refers to it any more. */
void vcpu_free(struct vcpu *v)
{
	kill_timer(&v->singleshot);
	kill_timer(&v->periodic);
	if (v->poll_timeout.fn)
		kill_timer(&v->poll_timeout);
	free_frames(virt_to_maddr(v) >> PAGE_SHIFT, VCPU_FRAMES);
}

/* The caller's own runstate (it changes only on this CPU, not now). */
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
 * (even) version, so a reader that raced the copy retries. A copy that
 * fails (nothing writable mapped there now) is skipped: the area stays
 * registered and is written at the next update, as Xen 4.17 looks the
 * address up afresh each time (attack-runstate-area). False when it failed.
 */
static bool vcpu_update_time_area(struct vcpu *v)
{
	struct vcpu_time_info t = v->vcpu_info->time;
	uint32_t odd = t.version | 1;

	if (copy_to_guest(v->time_area, &odd, sizeof(odd)))
		return false;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	t.version = odd;
	if (copy_to_guest(v->time_area, &t, sizeof(t)))
		return false;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	t.version = v->vcpu_info->time.version & ~1U;
	return !copy_to_guest(v->time_area, &t.version, sizeof(t.version));
}

/*
 * The runstate area, with VMASST_TYPE_runstate_update_flag's protocol as
 * Xen 4.17's update_runstate_area: XEN_RUNSTATE_UPDATE set in
 * state_entry_time's top byte (one byte: a store a reader on another CPU
 * sees whole or not at all) before the copy and cleared after it, so a
 * reader retries while the area is half written (attack-runstate-torn).
 * False when a copy failed.
 */
static bool vcpu_write_runstate(struct vcpu *v, struct vcpu_runstate_info *info)
{
	uint64_t top = v->runstate_area + offsetof(struct vcpu_runstate_info, state_entry_time) + 7;
	bool flag = v->domain->vm_assist & (1ULL << VMASST_TYPE_runstate_update_flag);
	uint8_t b;
	bool ok;

	if (flag) {
		info->state_entry_time |= XEN_RUNSTATE_UPDATE;
		b = (uint8_t)(info->state_entry_time >> 56);
		if (copy_to_guest(top, &b, 1))
			return false;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	ok = !copy_to_guest(v->runstate_area, info, sizeof(*info));
	if (flag) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		b = (uint8_t)((info->state_entry_time & ~XEN_RUNSTATE_UPDATE) >> 56);
		ok &= !copy_to_guest(top, &b, 1);
	}
	return ok;
}

/*
 * A write that fails in guest user mode (Linux's user page tables do not
 * map the kernel's areas) is made again when the vCPU enters kernel mode
 * (switch_mode), as Xen 4.17's toggle_guest_mode does.
 */
static void __attribute__((noinline)) vcpu_write_areas(struct vcpu *v)
{
	struct vcpu_runstate_info info;
	bool ok = true;

	if (v->time_area)
		ok = vcpu_update_time_area(v);
	if (v->runstate_area) {
		runstate_info(v, &info);
		ok &= vcpu_write_runstate(v, &info);
	}
	v->arch.areas_pending = !ok && !v->arch.kernel_mode;
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

/*
 * The caller's own vcpu_info, or that of one of its vCPUs that is down.
 * Xen 4.17's order: the offset (-ENXIO), then one already placed or a
 * vCPU neither the caller nor down (-EINVAL).
 */
static long place_vcpu_info(struct vcpu *v, const struct vcpu *caller,
			    const struct vcpu_register_vcpu_info *r)
{
	struct vcpu_info *new;

	if ((r->offset & 7) || r->offset > PAGE_SIZE - sizeof(struct vcpu_info))
		return trace_err(-ENXIO);
	if (v->vcpu_info_registered)
		return trace_err(-EINVAL);
	if (v != caller && v->state != VCPU_DOWN)
		return trace_err(-EINVAL);
	if (get_page_and_type(r->mfn, PGT_writable, v->domain))
		return trace_err(-EINVAL);
	new = (struct vcpu_info *)((uint8_t *)frame_va(r->mfn) + r->offset);
	memcpy(new, v->vcpu_info, sizeof(*new));
	new->evtchn_pending_sel = ~0ULL;
	new->evtchn_upcall_pending = 1;
	v->vcpu_info = new;
	v->vcpu_info_mfn = r->mfn;
	v->vcpu_info_registered = true;
	pvclock_update(v);
	return 0;
}

/*
 * Places v's vcpu_info once. Under the domain's vcpu_ctx_lock, as Xen
 * 4.17 under its domain lock: two vCPUs placing a third's at once would
 * both pass the check and both take a reference, one of them never let go.
 */
static long register_vcpu_info(struct vcpu *v, const struct vcpu *caller, uint64_t arg)
{
	struct vcpu_register_vcpu_info r;
	long rc;

	if (copy_from_guest(&r, arg, sizeof(r)))
		return -EFAULT;
	spin_lock(&v->domain->vcpu_ctx_lock);
	rc = place_vcpu_info(v, caller, &r);
	spin_unlock(&v->domain->vcpu_ctx_lock);
	return rc;
}

static long singleshot(struct vcpu *v, uint64_t arg)
{
	struct vcpu_set_singleshot_timer t;

	if (copy_from_guest(&t, arg, sizeof(t)))
		return -EFAULT;
	/*
	 * VCPU_SSHOTTMR_future is ignored, as Debian's Xen 4.17 (4.17.3 on): a
	 * past deadline fires. Xen's deadlines are signed: one from 2^63 up is
	 * in the past too (guest/attack-xsa-sched).
	 */
	if ((int64_t)t.timeout_abs_ns <= (int64_t)now_ns()) {
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
	if (t.period_ns < 1000000 || t.period_ns > PERIOD_MAX_NS)	/* Xen's: 1 ms at least */
		return trace_err(-EINVAL);
	stop_timer(&v->periodic);
	v->period_ns = t.period_ns;
	vcpu_periodic_work(v);		/* a tick at once if one is overdue, as Xen */
	return 0;
}

/*
 * VCPUOP_initialise: the first context of a vCPU that has none, checked
 * as setvcpucontext's (arch_set_vcpu_context); it stays down unless the
 * context says VGCF_online. -EINVAL for a vCPU without a vcpu_info
 * (ids from 32 that registered none), -EEXIST once initialised.
 */
static long initialise(struct vcpu *v, uint64_t arg)
{
	const unsigned int frames = DIV_ROUND_UP(sizeof(struct vcpu_guest_context), PAGE_SIZE);
	struct vcpu_guest_context *c;
	mfn_t mfn;
	long rc;

	if (v->vcpu_info == &v->dummy_info)
		return trace_err(-EINVAL);
	mfn = alloc_frames_contig(frames);
	if (mfn == INVALID_MFN)
		return -ENOMEM;
	c = frame_va(mfn);
	if (copy_from_guest(c, arg, sizeof(*c))) {
		rc = -EFAULT;
	} else {
		/*
		 * Another vCPU may initialise v at once: one of the two only.
		 * The L4s' validation gives the CPU back as mmu_update's does
		 * and the call runs again (Xen 4.17's -ERESTART from
		 * arch_set_info_guest): until 5 Dec an L4 over a tree of the
		 * guest's memory, made invalid at its last entry so that the
		 * call could be made again and again, held the CPU each time
		 * until every entry was checked.
		 */
		spin_lock(&v->domain->vcpu_ctx_lock);
		pt_preemptible_begin();
		rc = v->initialised ? trace_err(-EEXIST) : arch_set_vcpu_context(v, c);
		pt_preemptible_end();
		spin_unlock(&v->domain->vcpu_ctx_lock);
	}
	free_frames(mfn, frames);
	return rc == -ERESTART ? hypercall_continue() : rc;
}

/*
 * VCPUOP_down: as Xen 4.17, the last vCPU up going down is the domain
 * powering off; otherwise the vCPU stops (the caller's own call returns
 * once it is brought up again).
 */
static long down(struct vcpu *v)
{
	if (domain_others_down(v->domain, v)) {
		domain_shutdown(v->domain, SHUTDOWN_poweroff);
		return 0;
	}
	vcpu_set_online(v, false);
	return 0;
}

/*
 * VCPUOP_up: the check and the up under the domain's vcpu_ctx_lock, as
 * Xen 4.17 under its domain lock. dom0's reset of the vCPU (domctl.c)
 * takes it down, lets go of its tables and marks it uninitialised under
 * that lock; an up that looked before and acted after made it runnable
 * with no L4 (cr3 0 loaded at its next run: the hypervisor down) until
 * 5 Dec (guest/attack-vcpu-reset-up-race). A vcpu_info placed for a vCPU
 * that is down no longer sees it come up in between either.
 */
static long up(struct vcpu *v)
{
	long rc = 0;

	spin_lock(&v->domain->vcpu_ctx_lock);
	if (!v->initialised)
		rc = trace_err(-EINVAL);
	else
		vcpu_set_online(v, true);
	spin_unlock(&v->domain->vcpu_ctx_lock);
	return rc;
}

static long runstate_op(struct vcpu *v, unsigned int cmd, uint64_t arg)
{
	struct vcpu_runstate_info info;
	struct vcpu_register_runstate_memory_area area;

	if (cmd == VCPUOP_get_runstate_info) {
		/*
		 * A consistent copy with the current state's time so far (Xen's
		 * vcpu_runstate_get, which takes the vCPU's scheduler lock):
		 * until 5 Dec another vCPU's was read field by field while its
		 * CPU switched it, the state, its entry time and the sums of two
		 * moments. The caller's own takes the same path (its count is
		 * never odd here).
		 */
		vcpu_runstate_get(v, &info);
		return copy_to_guest(arg, &info, sizeof(info));
	}
	if (copy_from_guest(&area, arg, sizeof(area)))
		return -EFAULT;
	if (!guest_start_ok(area.addr))	/* as Xen: its start only (guest_access.h) */
		return trace_err(-EFAULT);
	/* Written now through the caller's tables: the same domain's. */
	v->runstate_area = area.addr;
	if (v == current_vcpu()) {
		vcpu_update_runstate_area(v);
		return 0;
	}
	/*
	 * Another vCPU's, maybe running elsewhere: a consistent copy with its
	 * current state's time so far, as Xen 4.17's vcpu_runstate_get (until
	 * 5 Dec read field by field, as get_runstate_info had been).
	 */
	if (area.addr) {
		vcpu_runstate_get(v, &info);
		vcpu_write_runstate(v, &info);
	}
	return 0;
}

static long time_area(struct vcpu *v, uint64_t arg)
{
	struct vcpu_register_runstate_memory_area area;

	/* Xen 4.17: any guest address (0 = none), written at once. */
	if (copy_from_guest(&area, arg, sizeof(area)))
		return -EFAULT;
	if (!guest_start_ok(area.addr))	/* as Xen: its start only (guest_access.h) */
		return trace_err(-EFAULT);
	v->time_area = area.addr;
	pvclock_update(v);
	if (v->time_area)
		vcpu_update_time_area(v);
	return 0;
}

static long physid(struct vcpu *v, uint64_t arg)
{
	/*
	 * Xen 4.17 answers for the hardware domain's vCPUs whose hard
	 * affinity is one pCPU: the APIC ID (bits 0-31) and ACPI processor
	 * ID (bits 32-63) of the pCPU whose number is the vCPU's id (its
	 * x86_cpu_to_apicid[v->vcpu_id]), not of the pCPU it is pinned to or
	 * the caller runs on; all ones for a number no CPU has. Others get
	 * -EINVAL. The default affinity is every pCPU, so with two CPUs up a
	 * vCPU is pinned only once vcpu-pin makes its hard map one online
	 * CPU, as on Xen.
	 */
	uint64_t hard = v->hard_affinity & smp_online_mask();
	uint32_t apic = smp_cpu_apic_id(v->vcpu_id);
	uint64_t phys_id = apic | (uint64_t)(apic == ~0U ? ~0U : acpi_madt_uid(apic)) << 32;

	if (!v->domain->is_privileged || !hard || (hard & (hard - 1)))
		return trace_err(-EINVAL);
	return copy_to_guest_bytes(arg, &phys_id, sizeof(phys_id));
}

long hc_vcpu_op(struct vcpu *caller, struct hc_args *a)
{
	/*
	 * vcpuid is an unsigned int in Xen's prototype (the upper half of the
	 * register is ignored); the caller's own, the common case, without
	 * the lookup.
	 */
	unsigned int id = (unsigned int)a->arg[1];
	struct vcpu *v = id == caller->vcpu_id ? caller : domain_vcpu(caller->domain, id);
	uint64_t arg = a->arg[2];
	unsigned int cmd = (unsigned int)a->arg[0];	/* Xen's `int cmd`, likewise */

	if (!v)
		return -ENOENT;
	switch (cmd) {
	case VCPUOP_initialise:
		return initialise(v, arg);
	case VCPUOP_up:
		return up(v);
	case VCPUOP_down:
		return down(v);
	case VCPUOP_is_up:
		return v->state != VCPU_DOWN;
	case VCPUOP_get_runstate_info:
	case VCPUOP_register_runstate_memory_area:
		return runstate_op(v, cmd, arg);
	case VCPUOP_set_periodic_timer:
		return periodic(v, arg);
	case VCPUOP_stop_periodic_timer:
		v->period_ns = 0;
		stop_timer(&v->periodic);
		return 0;
	case VCPUOP_set_singleshot_timer:
		if (v != caller)
			return trace_err(-EINVAL);
		return singleshot(v, arg);
	case VCPUOP_stop_singleshot_timer:
		if (v != caller)
			return trace_err(-EINVAL);
		stop_timer(&v->singleshot);
		return 0;
	case VCPUOP_register_vcpu_info:
		return register_vcpu_info(v, caller, arg);
	case VCPUOP_register_vcpu_time_memory_area:
		return time_area(v, arg);
	case VCPUOP_get_physid:
		return physid(v, arg);
	case VCPUOP_send_nmi:
		/* As Xen 4.17: no argument; pending once, however often sent. */
		if (arg)
			return trace_err(-EINVAL);
		arch_vcpu_send_nmi(v);
		return 0;
	default:
		return trace_err(-ENOSYS);
	}
}

/*
 * set_timer_op: as Xen 4.17's, a deadline that is negative as a signed
 * time, or more than 2^50 ns (13 days) ahead, is taken for a guest's
 * wrapped time and set 100 ms from now (guest/attack-xsa-sched).
 */
long hc_set_timer_op(struct vcpu *v, struct hc_args *a)
{
	int64_t at = (int64_t)a->arg[0], now = (int64_t)now_ns();

	if (!at) {
		stop_timer(&v->singleshot);
		return 0;
	}
	if (at < 0 || (at > now && ((uint64_t)(at - now) >> 50)))
		at = now + 100000000;
	set_timer(&v->singleshot, (uint64_t)at);
	return 0;
}
