/* SPDX-License-Identifier: GPL-2.0-only */
/* What domctl (common/domctl.c) shares with sysctl and the arch code. */
#ifndef HV_DOMCTL_H
#define HV_DOMCTL_H

#include <hv/types.h>

struct domain;
struct vcpu;
struct domctl_getdomaininfo;
struct vcpu_guest_context;
struct sysctl_cpu_featureset;
struct sysctl_cpu_policy;
struct domctl_cpu_policy;
struct domctl_bitmap;

/* getdomaininfo's record of d, as Xen 4.17 fills it. */
void domctl_get_info(const struct domain *d, struct domctl_getdomaininfo *info);

/*
 * A CPU mask into the guest's bitmap b as Xen's bitmap_to_xenctl_bitmap:
 * its first nr_bits bits (CPUs past smp_nr_possible() clear), the rest of
 * its bytes zero. 0 or -EFAULT.
 */
long domctl_bitmap_out(const struct domctl_bitmap *b, uint64_t mask);

/* A vCPU's context (arch/x86/vcpu_context.c): 0 or a negative errno. */
/* ns the vCPU has run, this turn included (common/domctl.c). */
uint64_t vcpu_cpu_time(const struct vcpu *v);
int arch_set_vcpu_context(struct vcpu *v, const struct vcpu_guest_context *c);
void arch_get_vcpu_context(const struct vcpu *v, struct vcpu_guest_context *c);
/* setvcpucontext with a NULL context: the vCPU down, its tables let go. */
int arch_vcpu_reset(struct vcpu *v);

/* A guest's CPU map as a mask of the first 64 CPUs, Xen's read: 0 or -EFAULT. */
long domctl_cpumask_in(const struct domctl_bitmap *b, uint64_t *mask);

/*
 * The CPU policies (arch/x86/cpu_policy.c): sysctl get_cpu_featureset and
 * get_cpu_policy, which write their counts back themselves (uop: the
 * guest's struct sysctl), and domctl get_cpu_policy of d. 0 or -errno.
 */
long sysctl_cpu_featureset(uint64_t uop, struct sysctl_cpu_featureset *f);
void cpu_policy_hw_cap(uint32_t *caps, unsigned int nr);
long sysctl_cpu_policy(uint64_t uop, struct sysctl_cpu_policy *p);
long domctl_cpu_policy(const struct domain *d, struct domctl_cpu_policy *p);
long domctl_set_cpu_policy(struct domain *d, struct domctl_cpu_policy *p);
void cpu_policy_apply(const struct domain *d, uint32_t leaf, uint32_t sub, uint32_t r[4]);

#endif
