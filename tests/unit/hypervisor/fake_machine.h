/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake machine for host unit tests of the hypervisor's core state
 * machines (page types, event channels, grant tables): FAKE_FRAMES frames
 * of host memory at the fake direct map (host_arch.h), a frame table over
 * them, the real frame allocator (page_alloc.c) handing them out, a few
 * domains, guest "virtual addresses" that are host pointers, and counted
 * TLB flushes and vCPU wake-ups. A panic or BUG_ON prints FAIL and exits.
 */
#ifndef UNIT_FAKE_MACHINE_H
#define UNIT_FAKE_MACHINE_H

#include <hv/types.h>
#include <hv/domain.h>
#include <hv/smp.h>
#include <hv/mm.h>

#define FAKE_FRAMES		1024
#define FAKE_IO_FRAMES		16	/* frames 0-15 are DOMID_IO, like the first MiB */
#define FAKE_DOMAINS		4

/* A guest address copy_from_guest/copy_to_guest refuse with -EFAULT. */
#define FAKE_BAD_VA		0x1000ULL

extern unsigned int fake_flushes;	/* CR3 loads (TLB flushes) so far */
/* CPUs a flush may reach (bit 0: CPU 0); each CPU's flush time (hv/flushtlb.h). */
extern cpumask_t fake_online;
extern uint64_t fake_tlbflush_time[MAX_CPUS];
extern cpumask_t fake_flushed_cpus;	/* every CPU any flush_tlb_mask named, online */
extern unsigned int fake_invlpgs;	/* single-page flushes so far */
/* Called after each CR3 load (the flush): another CPU acting meanwhile. */
extern void (*fake_on_flush)(void);
extern unsigned int fake_wakes;		/* vcpu_wake calls so far */
/*
 * Called once (then cleared) by the next get_domain_by_id that found its
 * domain, after taking the reference: another CPU acting between a
 * caller's lookup of a domain and its use of it.
 */
extern void (*fake_on_domain_lookup)(void);
/*
 * hypercall_preempt_now's answer: fake_preempt, except that when
 * fake_preempt_in is set, the fake_preempt_in-th check from now says yes.
 */
extern bool fake_preempt;
extern unsigned int fake_preempt_in;
/* Called by every hypercall_preempt_now: a batch between two elements. */
extern void (*fake_on_preempt_check)(void);

/* Everything back to the start: frames free, no domains, counters 0. */
void fake_machine_reset(void);
/* A new domain with a shared_info page (ours, shared with it) and its vCPU. */
struct domain *fake_domain(domid_t domid, bool privileged);
/* A frame given to d (one allocation reference, writable to nobody yet). */
mfn_t fake_give_frame(struct domain *d);
/* A guest address (a host pointer) for the hypercall arguments. */
static inline uint64_t fake_va(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

#endif
