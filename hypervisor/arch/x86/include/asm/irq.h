/* SPDX-License-Identifier: GPL-2.0-only */
/* Device interrupts and PIRQs (arch/x86/irq.c). */
#ifndef ASM_IRQ_H
#define ASM_IRQ_H

#include <hv/types.h>

struct domain;
struct vcpu;
struct hc_args;
struct evtchn_bind_pirq;

/* One vector a GSI, from IRQ_VECTOR_FIRST (stubs in entry.S: irq_stubs). */
#define IRQ_VECTOR_FIRST	0x30
#define IRQ_VECTORS		32

/*
 * MSI-X entries and plain MSIs of dom0's devices (msi.c) take the vectors
 * the GSIs leave, from the top down: slot n is vector MSIX_VECTOR(n).
 */
#define MSIX_MAX		8
#define MSIX_VECTOR(slot)	(IRQ_VECTOR_FIRST + IRQ_VECTORS - 1 - (slot))
/* Entry nr of the device's MSI-X table aimed at a free slot's vector, masked; the slot or -E. */
int msix_setup(uint16_t seg, uint8_t bus, uint8_t devfn, unsigned int nr, unsigned int slots);
/* The function's MSI aimed at a free slot's vector, one message, masked if it can be; the slot or -E. */
int msi_setup(uint16_t seg, uint8_t bus, uint8_t devfn, unsigned int slots, bool *maskable);
/* The slot's entry (MSI-X) or per-vector mask bit (MSI, if any) set or cleared. */
void msix_mask(unsigned int slot, bool masked);
/* The entry masked and the slot free again. */
void msix_release(unsigned int slot);
/* A function dom0 reported: its MSI-X table and PBA frames become read-only to it. */
void msix_protect(uint16_t seg, uint8_t bus, uint8_t devfn);
bool msix_frame_is_table(mfn_t mfn);
/* dom0's config write to a function it reported: false drops it (irq_lock held). */
bool msi_conf_write_ok(uint8_t bus, uint8_t devfn, unsigned int reg, unsigned int size,
		       uint32_t *data);

/* pci.c: physdev_op's PCI sub-ops; whether dom0 reported a function (true if so). */
long physdev_pci_op(struct domain *d, unsigned int cmd, uint64_t arg);
bool pci_reported(uint16_t seg, uint8_t bus, uint8_t devfn);
/* Mechanism #1: size bytes at offset off (0-3) of the dword cf8 names. */
uint32_t pci_conf_read(uint32_t cf8, unsigned int off, unsigned int size);
void pci_conf_write(uint32_t cf8, unsigned int off, unsigned int size, uint32_t val);
/* irq.c: dom0's write through port 0xCFC, mediated as Xen 4.17's pci_cfg_ok. */
void dom0_pci_conf_write(uint32_t cf8, unsigned int off, unsigned int size, uint32_t val);

/* Finds and masks the IO-APIC; before any domain maps a PIRQ. */
void irq_init(void);
/* A device interrupt arrived on vector (IRQ_VECTOR_FIRST + n). */
void irq_interrupt(unsigned int vector);
/* physdev_op's interrupt and PCI sub-ops; -ENOSYS for the others. */
long physdev_irq_op(struct vcpu *v, unsigned int cmd, uint64_t arg);
/* EVTCHNOP_bind_pirq, called with no lock held. */
long pirq_bind(struct domain *d, struct evtchn_bind_pirq *op);
/* Port `port`, bound to `pirq`, is being closed (d->evtchn_lock held). */
void pirq_unbind_port(struct domain *d, uint32_t pirq, uint32_t port);
/* Debug key: the GSIs, their PIRQs and counters. */
void arch_irq_dump(void);
/* For the frame audit: the pirq_eoi_gmfn page (held writable), or INVALID_MFN. */
mfn_t irq_eoi_map_frame(void);

#endif
