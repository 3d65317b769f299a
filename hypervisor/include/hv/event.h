/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef HV_EVENT_H
#define HV_EVENT_H

#include <hv/types.h>
#include <lamina/event_channel.h>

struct domain;
struct vcpu;

enum { ECS_FREE, ECS_RESERVED, ECS_UNBOUND, ECS_INTERDOMAIN, ECS_VIRQ, ECS_IPI };

int evtchn_domain_init(struct domain *d);
/* A port of d that `remote` may bind; the port, or -ENOSPC. */
int evtchn_alloc_unbound(struct domain *d, domid_t remote);
/*
 * A dying domain: closes its ports (its peers see their ends unbound) from
 * *cursor on, until about 1 ms after `start`; true when all are closed.
 */
bool evtchn_domain_destroy(struct domain *d, uint64_t *cursor, uint64_t start);
void evtchn_set_pending(struct domain *d, evtchn_port_t port);
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq);
void send_global_virq(struct domain *d, unsigned int virq);
bool vcpu_events_deliverable(const struct vcpu *v);
void vcpu_init(struct vcpu *v);

#endif
