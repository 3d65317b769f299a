/* SPDX-License-Identifier: GPL-2.0-only */
/* What domctl (common/domctl.c) shares with sysctl and the arch code. */
#ifndef HV_DOMCTL_H
#define HV_DOMCTL_H

#include <hv/types.h>

struct domain;
struct vcpu;
struct domctl_getdomaininfo;
struct vcpu_guest_context;

/* getdomaininfo's record of d, as Xen 4.17 fills it. */
void domctl_get_info(const struct domain *d, struct domctl_getdomaininfo *info);

/* A vCPU's context (arch/x86/vcpu_context.c): 0 or a negative errno. */
/* ns the vCPU has run, this turn included (common/domctl.c). */
uint64_t vcpu_cpu_time(const struct vcpu *v);
int arch_set_vcpu_context(struct vcpu *v, const struct vcpu_guest_context *c);
void arch_get_vcpu_context(const struct vcpu *v, struct vcpu_guest_context *c);
/* setvcpucontext with a NULL context: the vCPU down, its tables let go. */
int arch_vcpu_reset(struct vcpu *v);

#endif
