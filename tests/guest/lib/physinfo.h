/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sysctl physinfo for test guests: the host's free pages, and the count
 * once it stops moving.
 */
#ifndef GUEST_PHYSINFO_H
#define GUEST_PHYSINFO_H

#include "guest.h"
#include "events.h"
#include <lamina/sysctl.h>

/* sysctl cmd on *op (its argument already filled); the hypercall's result. */
static inline long sysctl_call(struct sysctl *op, uint32_t cmd)
{
	op->cmd = cmd;
	op->interface_version = SYSCTL_INTERFACE_VERSION;
	return hypercall1(__HYPERVISOR_sysctl, op);
}

/* Fills *op with SYSCTL_physinfo's answer; returns the hypercall's result. */
static inline long physinfo(struct sysctl *op)
{
	memset(op, 0, sizeof(*op));
	return sysctl_call(op, SYSCTL_physinfo);
}

/* The host's free pages, 0 when physinfo fails. */
static inline uint64_t physinfo_free_pages(void)
{
	struct sysctl op;

	return physinfo(&op) ? 0 : op.u.physinfo.free_pages;
}

/*
 * Free pages once they stop moving: Xen frees a destroyed domain's
 * record a little later (after an RCU grace period), so the count is
 * read until it stays the same over 20 yields.
 */
static inline uint64_t settled_free_pages(void)
{
	uint64_t now = physinfo_free_pages(), last = ~0ULL;
	unsigned int same = 0, n;

	for (n = 0; same < 20 && n < 2000; n++) {
		same = now == last ? same + 1 : 0;
		last = now;
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
		now = physinfo_free_pages();
	}
	return now;
}

/*
 * The start of a guest racing its vCPUs 0 and 1: events on, both vCPUs'
 * upcalls masked (they poll), and whether the host has a single CPU (the
 * vCPUs then take turns). 0, or -1 when events_init or physinfo failed.
 */
static inline int two_vcpu_start(struct start_info *si, bool *one_cpu)
{
	struct sysctl op;

	if (events_init(si) || physinfo(&op))
		return -1;
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	shared->vcpu_info[1].evtchn_upcall_mask = 1;
	*one_cpu = op.u.physinfo.nr_cpus < 2;
	return 0;
}

/*
 * Free pages once they are back at want, or after 10 s: Xen frees a
 * destroyed domain's record after an RCU grace period, so the count of
 * many domains just destroyed comes back a little at a time.
 */
static inline uint64_t free_pages_back(uint64_t want)
{
	uint64_t end = pvclock_ns() + 10000000000ULL, now;

	while ((now = physinfo_free_pages()) != want && pvclock_ns() < end)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	return now;
}

#endif
