/* SPDX-License-Identifier: MIT */
/*
 * vcpu_op (24): long vcpu_op(int cmd, unsigned vcpuid, void *arg)
 * (docs/abi-core.md §2.10). A vcpuid the domain does not have: -ENOENT.
 */
#ifndef LAMINA_VCPU_H
#define LAMINA_VCPU_H

#include <lamina/types.h>

#define VCPUOP_initialise		0
#define VCPUOP_up			1
#define VCPUOP_down			2
#define VCPUOP_is_up			3	/* returns 1 or 0 */

/* get_runstate_info, and the area register_runstate_memory_area names. */
#define VCPUOP_get_runstate_info	4
struct vcpu_runstate_info {
	int32_t state;			/* RUNSTATE_* */
	uint32_t pad0;
	uint64_t state_entry_time;	/* bit 63: being updated */
	uint64_t time[4];		/* ns in each state */
};
#define RUNSTATE_running	0
#define RUNSTATE_runnable	1
#define RUNSTATE_blocked	2
#define RUNSTATE_offline	3
#define XEN_RUNSTATE_UPDATE	(1ULL << 63)

#define VCPUOP_register_runstate_memory_area 5
struct vcpu_register_runstate_memory_area {
	uint64_t addr;			/* IN: guest VA of a vcpu_runstate_info */
};

/* Periodic VIRQ_TIMER. */
#define VCPUOP_set_periodic_timer	6
struct vcpu_set_periodic_timer {
	uint64_t period_ns;		/* IN */
};
#define VCPUOP_stop_periodic_timer	7

/* One-shot VIRQ_TIMER at an absolute system time; a past one fires now. */
#define VCPUOP_set_singleshot_timer	8
struct vcpu_set_singleshot_timer {
	uint64_t timeout_abs_ns;	/* IN */
	uint32_t flags;			/* IN: VCPU_SSHOTTMR_future, ignored as Xen 4.17.3 on */
	uint32_t pad0;
};
#define VCPU_SSHOTTMR_future		(1U << 0)
#define VCPUOP_stop_singleshot_timer	9

/*
 * register_vcpu_info: move this vCPU's vcpu_info to (mfn, offset); the
 * current contents are copied, every selector bit and upcall_pending set.
 * Once per vCPU; offset 8-aligned with the structure inside the page.
 */
#define VCPUOP_register_vcpu_info	10
struct vcpu_register_vcpu_info {
	uint64_t mfn;			/* IN */
	uint32_t offset;		/* IN */
	uint32_t rsvd;
};

#define VCPUOP_send_nmi			11
#define VCPUOP_get_physid		12
#define VCPUOP_register_vcpu_time_memory_area 13

#endif
