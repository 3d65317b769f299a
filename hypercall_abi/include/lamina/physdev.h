/* SPDX-License-Identifier: MIT */
/*
 * physdev_op (33): long physdev_op(int cmd, void *arg) (docs/abi-core.md
 * §2.14): the I/O privilege every PV guest uses, and for the hardware
 * domain (dom0) the interrupt and PCI operations Linux 6.1's
 * arch/x86/xen/ and drivers/xen/ use, laid out as Xen 4.17's
 * public/physdev.h.
 */
#ifndef LAMINA_PHYSDEV_H
#define LAMINA_PHYSDEV_H

#include <lamina/types.h>

/*
 * PHYSDEVOP_set_iopl: the vCPU's virtual IOPL (0-3). Guest kernel mode may
 * use I/O ports when it is >= 1, guest user mode when it is 3 (§4.4);
 * otherwise port instructions raise #GP. A domain without I/O privilege
 * reads all ones and its writes are dropped.
 */
#define PHYSDEVOP_set_iopl	6
struct physdev_set_iopl {
	uint32_t iopl;		/* IN */
};

/*
 * PHYSDEVOP_set_iobitmap: a bitmap of 65536 bits (8 KiB) in guest space;
 * where the IOPL refuses a port below nr_ports, a clear bit allows it.
 * nr_ports 0 (the default) means no bitmap; more than 65536 is -EINVAL.
 */
#define PHYSDEVOP_set_iobitmap	7
struct physdev_set_iobitmap {
	uint64_t bitmap;	/* IN: guest VA */
	uint32_t nr_ports;	/* IN */
	uint32_t pad;
};

/* PHYSDEVOP_IRQ_UNMASK_NOTIFY: the legacy form of an EOI of every pirq. */
#define PHYSDEVOP_IRQ_UNMASK_NOTIFY	4

/*
 * PHYSDEVOP_eoi: end of a level-triggered (or masked) PIRQ's interrupt;
 * the line is unmasked again. An unknown PIRQ is -EINVAL.
 */
#define PHYSDEVOP_eoi			12
struct physdev_eoi {
	uint32_t irq;		/* IN: the PIRQ */
};

/*
 * PHYSDEVOP_pirq_eoi_gmfn_v2: a page of the caller, one bit a PIRQ, set
 * by the hypervisor while that PIRQ waits for PHYSDEVOP_eoi (Linux then
 * calls eoi only when its bit is set). Once per domain (-EBUSY after).
 * v1 (17) also unmasks the event channel on eoi.
 */
#define PHYSDEVOP_pirq_eoi_gmfn_v1	17
#define PHYSDEVOP_pirq_eoi_gmfn_v2	28
struct physdev_pirq_eoi_gmfn {
	uint64_t gmfn;		/* IN */
};

/* PHYSDEVOP_irq_status_query: whether a PIRQ wants PHYSDEVOP_eoi. */
#define PHYSDEVOP_irq_status_query	5
#define XENIRQSTAT_needs_eoi		(1U << 0)
#define XENIRQSTAT_shared		(1U << 1)
struct physdev_irq_status_query {
	uint32_t irq;		/* IN: the PIRQ */
	uint32_t flags;		/* OUT: XENIRQSTAT_* */
};

/*
 * PHYSDEVOP_apic_read / apic_write: a register of the IO-APIC at
 * apic_physbase (dom0 only; Linux reads the IO-APIC's ID and version).
 */
#define PHYSDEVOP_apic_read		8
#define PHYSDEVOP_apic_write		9
struct physdev_apic {
	uint64_t apic_physbase;	/* IN */
	uint32_t reg;		/* IN */
	uint32_t value;		/* IN (write) / OUT (read) */
};

/* PHYSDEVOP_alloc_irq_vector (a no-op kept for old dom0s): vector = irq. */
#define PHYSDEVOP_alloc_irq_vector	10
#define PHYSDEVOP_free_irq_vector	11
struct physdev_irq {
	uint32_t irq;		/* IN */
	uint32_t vector;	/* OUT */
};

/*
 * PHYSDEVOP_map_pirq: give a domain a PIRQ for a GSI (index) or an MSI
 * of the PCI device bus:devfn. pirq < 0 asks the hypervisor to choose;
 * the PIRQ comes back in pirq.
 */
#define PHYSDEVOP_map_pirq		13
#define MAP_PIRQ_TYPE_MSI		0x0
#define MAP_PIRQ_TYPE_GSI		0x1
#define MAP_PIRQ_TYPE_UNKNOWN		0x2
#define MAP_PIRQ_TYPE_MSI_SEG		0x3
#define MAP_PIRQ_TYPE_MULTI_MSI		0x4
struct physdev_map_pirq {
	domid_t domid;		/* IN: DOMID_SELF or a domain */
	uint16_t pad0;
	int32_t type;		/* IN: MAP_PIRQ_TYPE_* */
	int32_t index;		/* IN: the GSI (GSI) or -1 (MSI) */
	int32_t pirq;		/* IN/OUT */
	int32_t bus;		/* IN (MSI; MSI_SEG: segment << 16 | bus) */
	int32_t devfn;		/* IN (MSI) */
	int32_t entry_nr;	/* IN (MSI-X entry; MULTI_MSI: IN/OUT count, 1-32) */
	uint32_t pad1;
	uint64_t table_base;	/* IN (MSI-X: the table BAR's address; 0: plain MSI) */
};

/* PHYSDEVOP_unmap_pirq: the mapping goes; a bound port stops hearing it. */
#define PHYSDEVOP_unmap_pirq		14
struct physdev_unmap_pirq {
	domid_t domid;		/* IN */
	uint16_t pad0;
	int32_t pirq;		/* IN */
};

/*
 * PHYSDEVOP_setup_gsi: a GSI's trigger (0 edge, 1 level) and polarity
 * (0 active high, 1 active low), as ACPI gives them to dom0. Once per
 * GSI: -EEXIST after.
 */
#define PHYSDEVOP_setup_gsi		21
struct physdev_setup_gsi {
	int32_t gsi;		/* IN */
	uint8_t triggering;	/* IN */
	uint8_t polarity;	/* IN */
	uint16_t pad;
};

/* PHYSDEVOP_get_free_pirq: reserve a PIRQ the domain may map later. */
#define PHYSDEVOP_get_free_pirq		23
struct physdev_get_free_pirq {
	int32_t type;		/* IN: MAP_PIRQ_TYPE_* */
	uint32_t pirq;		/* OUT */
};

/* PCI devices dom0 found, so the hypervisor knows them (MSI, passthrough). */
#define PHYSDEVOP_manage_pci_add	15
#define PHYSDEVOP_manage_pci_remove	16
#define PHYSDEVOP_restore_msi		19
struct physdev_manage_pci {
	uint8_t bus;		/* IN */
	uint8_t devfn;		/* IN */
};

#define PHYSDEVOP_manage_pci_add_ext	20
struct physdev_manage_pci_ext {
	uint8_t bus;		/* IN */
	uint8_t devfn;		/* IN */
	uint16_t pad0;
	uint32_t is_extfn;	/* IN: 0 or 1 */
	uint32_t is_virtfn;	/* IN: 0 or 1 */
	struct {
		uint8_t bus;
		uint8_t devfn;
	} physfn;		/* IN (virtfn) */
	uint16_t pad1;
};

/* PHYSDEVOP_pci_mmcfg_reserved: an MCFG range dom0 found reserved. */
#define PHYSDEVOP_pci_mmcfg_reserved	24
#define XEN_PCI_MMCFG_RESERVED		1
struct physdev_pci_mmcfg_reserved {
	uint64_t address;	/* IN */
	uint16_t segment;	/* IN */
	uint8_t start_bus;	/* IN */
	uint8_t end_bus;	/* IN */
	uint32_t flags;		/* IN: XEN_PCI_MMCFG_RESERVED */
};

/*
 * PHYSDEVOP_pci_device_add: the form Linux uses first (segment, flags;
 * a proximity domain follows in optarr[0] with XEN_PCI_DEV_PXM).
 */
#define PHYSDEVOP_pci_device_add	25
#define XEN_PCI_DEV_EXTFN		0x1
#define XEN_PCI_DEV_VIRTFN		0x2
#define XEN_PCI_DEV_PXM			0x4
struct physdev_pci_device_add {
	uint16_t seg;		/* IN */
	uint8_t bus;		/* IN */
	uint8_t devfn;		/* IN */
	uint32_t flags;		/* IN: XEN_PCI_DEV_* */
	struct {
		uint8_t bus;
		uint8_t devfn;
	} physfn;		/* IN (virtfn) */
	uint16_t pad;
	/* uint32_t optarr[] follows */
};

/* PHYSDEVOP_dbgp_op: dom0 tells of an EHCI debug port's reset (op). */
#define PHYSDEVOP_dbgp_op		29
struct physdev_dbgp_op {
	uint8_t op;		/* IN */
	uint8_t bus;		/* IN: 0 unknown, 1 PCI */
	struct {
		uint16_t seg;
		uint8_t bus;
		uint8_t devfn;
	} pci;			/* IN (bus 1) */
};

/* One PCI function: pci_device_remove, restore_msi_ext, prepare/release_msix. */
#define PHYSDEVOP_pci_device_remove	26
#define PHYSDEVOP_restore_msi_ext	27
#define PHYSDEVOP_prepare_msix		30
#define PHYSDEVOP_release_msix		31
struct physdev_pci_device {
	uint16_t seg;		/* IN */
	uint8_t bus;		/* IN */
	uint8_t devfn;		/* IN */
};

/*
 * physdev_op_compat (19): long physdev_op_compat(struct physdev_op *op),
 * the form before Xen 3.2. The whole struct is read (-EFAULT otherwise),
 * then the call is physdev_op(op->cmd, &op->u). The union is 8-aligned
 * (Xen's set_iobitmap holds a guest handle): u sits at offset 8.
 */
struct physdev_op {
	uint32_t cmd;			/* IN: PHYSDEVOP_* */
	uint32_t pad;
	union {
		struct physdev_set_iopl set_iopl;
		struct physdev_set_iobitmap set_iobitmap;
		uint32_t raw[4];	/* Xen's largest member: 16 bytes */
	} u;				/* IN/OUT: the sub-op's struct */
};

#endif
