// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PCI functions dom0 reports (docs/abi-core.md §2.14): physdev_op's
 * manage_pci_add(_ext)/remove, pci_device_add/remove, restore_msi(_ext),
 * prepare/release_msix, dbgp_op and pci_mmcfg_reserved, as Xen 4.17
 * answers them, from dom0 only (a domU: -EPERM). The record lets irq.c
 * map MSI and MSI-X only for a function dom0 reported, makes that
 * function's MSI-X table read-only to dom0 (msi.c), and names the
 * functions whose configuration writes msi.c checks. Configuration
 * mechanism #1 itself is here too (pci_conf_read/write).
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/spinlock.h>
#include <lamina/physdev.h>
#include <asm/irq.h>
#include <asm/x86.h>

static spinlock_t pci_lock = SPINLOCK_INIT_LEVEL(LOCK_LEVEL_PCI);	/* the record below */
static spinlock_t pci_cfg_lock = SPINLOCK_INIT_LEVEL(LOCK_LEVEL_PCICFG);	/* ports 0xCF8/0xCFC */

/*
 * Configuration mechanism #1, the hypervisor's and dom0's (whose port
 * 0xCF8 is a latch in its domain: emul_priv.c): the address and the data
 * access together under pci_cfg_lock, so no other access comes between.
 */
uint32_t pci_conf_read(uint32_t cf8, unsigned int off, unsigned int size)
{
	uint32_t val;

	spin_lock(&pci_cfg_lock);
	outl(0xCF8, cf8);
	val = size == 1 ? inb(0xCFC + off) : size == 2 ? inw(0xCFC + off) : inl(0xCFC);
	spin_unlock(&pci_cfg_lock);
	return val;
}

void pci_conf_write(uint32_t cf8, unsigned int off, unsigned int size, uint32_t val)
{
	spin_lock(&pci_cfg_lock);
	outl(0xCF8, cf8);
	if (size == 1)
		outb(0xCFC + off, (uint8_t)val);
	else if (size == 2)
		outw(0xCFC + off, (uint16_t)val);
	else
		outl(0xCFC, val);
	spin_unlock(&pci_cfg_lock);
}

/* Reads the sub-op's struct: size bytes of a known layout. */
#define PHYSDEV_IN(op)	do { if (copy_from_guest(&(op), arg, sizeof(op))) return -EFAULT; } while (0)

/*
 * The PCI functions dom0 reported (manage_pci_add*, pci_device_add):
 * irq.c maps MSI and MSI-X only for these, and msi.c protects their tables.
 * Segment, bus, devfn as one 32-bit key.
 */
#define MAX_PCI_DEVS	256
static uint32_t pci_devs[MAX_PCI_DEVS];
static unsigned int nr_pci_devs;

/* The function's slot in pci_devs, or nr_pci_devs (caller holds pci_lock). */
static unsigned int pci_find(uint16_t seg, uint8_t bus, uint8_t devfn)
{
	uint32_t key = ((uint32_t)seg << 16) | (bus << 8) | devfn;
	unsigned int i;

	ASSERT_LOCKED(&pci_lock);
	for (i = 0; i < nr_pci_devs; i++)
		if (pci_devs[i] == key)
			break;
	return i;
}

static int pci_record(uint16_t seg, uint8_t bus, uint8_t devfn, bool add)
{
	unsigned int i = pci_find(seg, bus, devfn);

	if (!add) {
		if (i == nr_pci_devs)
			return trace_err(-ENODEV);
		pci_devs[i] = pci_devs[--nr_pci_devs];
		return 0;
	}
	if (i < nr_pci_devs)
		return 0;		/* Xen: adding it again is fine */
	if (nr_pci_devs == MAX_PCI_DEVS)
		return trace_err(-ENOMEM);
	pci_devs[nr_pci_devs++] = ((uint32_t)seg << 16) | (bus << 8) | devfn;
	msix_protect(seg, bus, devfn);
	return 0;
}

/* 0 if dom0 reported the function, else -ENODEV (caller holds pci_lock). */
static int known(uint16_t seg, uint8_t bus, uint8_t devfn)
{
	return pci_find(seg, bus, devfn) < nr_pci_devs ? 0 : trace_err(-ENODEV);
}

bool pci_reported(uint16_t seg, uint8_t bus, uint8_t devfn)
{
	bool found;

	spin_lock(&pci_lock);
	found = pci_find(seg, bus, devfn) < nr_pci_devs;
	spin_unlock(&pci_lock);
	return found;
}

long physdev_pci_op(struct domain *d, unsigned int cmd, uint64_t arg)
{
	union {
		struct physdev_manage_pci m;
		struct physdev_manage_pci_ext x;
		struct physdev_pci_device_add a;
		struct physdev_pci_device p;
		struct physdev_pci_mmcfg_reserved r;
		struct physdev_dbgp_op g;
	} u;
	long rc;

	switch (cmd) {
	case PHYSDEVOP_manage_pci_add:
	case PHYSDEVOP_manage_pci_remove:
		PHYSDEV_IN(u.m);
		if (!d->is_privileged)
			return trace_err(-EPERM);
		spin_lock(&pci_lock);
		rc = pci_record(0, u.m.bus, u.m.devfn, cmd == PHYSDEVOP_manage_pci_add);
		break;
	case PHYSDEVOP_manage_pci_add_ext:
		PHYSDEV_IN(u.x);
		if (u.x.is_extfn > 1 || u.x.is_virtfn > 1)
			return trace_err(-EINVAL);
		if (!d->is_privileged)
			return trace_err(-EPERM);
		spin_lock(&pci_lock);
		rc = pci_record(0, u.x.bus, u.x.devfn, true);
		break;
	case PHYSDEVOP_pci_device_add:
		PHYSDEV_IN(u.a);
		if (!d->is_privileged)
			return trace_err(-EPERM);
		spin_lock(&pci_lock);
		rc = pci_record(u.a.seg, u.a.bus, u.a.devfn, true);
		break;
	case PHYSDEVOP_pci_device_remove:
		PHYSDEV_IN(u.p);
		if (!d->is_privileged)
			return trace_err(-EPERM);
		spin_lock(&pci_lock);
		rc = pci_record(u.p.seg, u.p.bus, u.p.devfn, false);
		break;
	case PHYSDEVOP_restore_msi:
		PHYSDEV_IN(u.m);
		spin_lock(&pci_lock);
		rc = known(0, u.m.bus, u.m.devfn);
		break;
	case PHYSDEVOP_restore_msi_ext:
	case PHYSDEVOP_prepare_msix:
	case PHYSDEVOP_release_msix:
		PHYSDEV_IN(u.p);
		if (cmd != PHYSDEVOP_restore_msi_ext && !d->is_privileged)
			return trace_err(-EPERM);
		spin_lock(&pci_lock);
		rc = known(u.p.seg, u.p.bus, u.p.devfn);	/* no MSI to restore */
		break;
	case PHYSDEVOP_dbgp_op:
		if (!d->is_privileged)
			return trace_err(-EPERM);
		PHYSDEV_IN(u.g);
		return 0;	/* Xen without an EHCI debug port: nothing to do */
	case PHYSDEVOP_pci_mmcfg_reserved:
		if (!d->is_privileged)
			return trace_err(-EPERM);
		PHYSDEV_IN(u.r);
		/* Recorded by dom0's own page tables: the range is DOMID_IO. */
		return u.r.flags & ~XEN_PCI_MMCFG_RESERVED ? trace_err(-EINVAL) : 0;
	default:
		return -ENOSYS;
	}
	spin_unlock(&pci_lock);
	return rc;
}
