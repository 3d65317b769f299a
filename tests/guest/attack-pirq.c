// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-pirq: device interrupts, device memory and device ports are
 * dom0's alone (issue 20). The unprivileged peer tries each and is
 * refused with Xen 4.17's answers:
 *   - PHYSDEVOP_map_pirq of GSI 16 for itself or for dom0: -EPERM, of
 *     the plain MSI of q35's AHCI (00:1f.2) for itself: -EPERM;
 *   - EVTCHNOP_bind_pirq of PIRQ 16: -EPERM (its range is the GSIs + 32),
 *     of PIRQ 9999: -EINVAL;
 *   - PHYSDEVOP_setup_gsi 16, apic_read of the IO-APIC: -EPERM;
 *     PHYSDEVOP_eoi 16: -EINVAL (it has no PIRQ);
 *   - PCI configuration space through ports 0xCF8/0xCFC at virtual IOPL 1:
 *     reads all ones (the host bridge's ID is 0x29c08086 under q35);
 *   - an L1 entry for the MMCONFIG window (0xb0000000) or the IO-APIC:
 *     -EPERM; asked through foreigndom DOMID_IO, -EINVAL for its cache
 *     bits, which a domU may not set (docs/conformance.md).
 * dom0 first does what the peer may not: maps GSI 5 (the PIRQ comes from
 * 16 up, as on Xen), binds it (EVTCHNOP_status says pirq), EOIs it, and
 * unmaps it (GSI 5 is then -EPERM to map again, as Xen). Then plain MSI
 * (issue 20) on the AHCI: before dom0 reports
 * the function (pci_device_add) map_pirq is -ENODEV on both; multi-message
 * is -EDOM for 0 or 33 messages and -EOPNOTSUPP for 2 (Xen without
 * interrupt remapping); after it, one message maps, the hypervisor has
 * written the capability's address (the local APIC) and data (a vector);
 * dom0's own write of the data through 0xCFC is dropped on Lamina (Xen
 * 4.17 lets it through: the AHCI has no per-vector mask bits); bind,
 * close and unmap, which clears MSI Enable.
 *
 * Before the fix Lamina answered -ENOSYS to every PIRQ call, dom0's too.
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include <lamina/physdev.h>
#include <lamina/event_channel.h>

#define IOAPIC_MFN	0xfec00ULL
#define MMCFG_MFN	0xb0000ULL
#define IO_PTE		(PTE_P | PTE_RW | PTE_A | PTE_D | 0x18ULL)	/* PWT PCD */

static char why[VERDICT_LEN];

static long physdev(unsigned int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_physdev_op, cmd, (uint64_t)arg);
}

static long evtchn(unsigned int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_event_channel_op, cmd, (uint64_t)arg);
}

static long map_gsi(domid_t dom, int gsi, int32_t *pirq)
{
	struct physdev_map_pirq m = { .domid = dom, .type = MAP_PIRQ_TYPE_GSI, .index = gsi,
				      .pirq = -1 };
	long rc = physdev(PHYSDEVOP_map_pirq, &m);

	*pirq = m.pirq;
	return rc;
}

static long map_mmio(uint64_t va, uint64_t mfn, domid_t foreign)
{
	struct mmu_update u = { l1e_maddr(va), (mfn << 12) | IO_PTE };

	return hypercall5(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, foreign, 0);
}

/* Vendor and device of PCI 0:0.0 through the configuration ports. */
static uint32_t pci_host_id(void)
{
	uint32_t v;

	asm volatile("outl %0, %w1" : : "a"(0x80000000U), "Nd"(0xCF8) : "memory");
	asm volatile("inl %w1, %0" : "=a"(v) : "Nd"(0xCFC) : "memory");
	return v;
}

#define AHCI_DEVFN	((0x1f << 3) | 2)

static uint32_t cfg_read(uint8_t devfn, unsigned int reg)
{
	uint32_t v;

	asm volatile("outl %0, %w1" : : "a"(0x80000000U | (devfn << 8) | reg), "Nd"(0xCF8) :
		     "memory");
	asm volatile("inl %w1, %0" : "=a"(v) : "Nd"(0xCFC) : "memory");
	return v;
}

static void cfg_write16(uint8_t devfn, unsigned int reg, uint16_t val)
{
	asm volatile("outl %0, %w1" : : "a"(0x80000000U | (devfn << 8) | (reg & 0xFC)),
		     "Nd"(0xCF8) : "memory");
	asm volatile("outw %w0, %w1" : : "a"(val), "Nd"(0xCFC + (reg & 2)) : "memory");
}

/* The function's MSI capability offset, or 0. */
static unsigned int msi_cap(uint8_t devfn)
{
	unsigned int pos = cfg_read(devfn, 0x34) & 0xFC, n;

	for (n = 0; pos >= 0x40 && n < 48; n++, pos = (cfg_read(devfn, pos) >> 8) & 0xFC)
		if ((cfg_read(devfn, pos) & 0xFF) == 0x05)
			return pos;
	return 0;
}

static long map_msi(int type, int entry_nr, int32_t *pirq)
{
	struct physdev_map_pirq m = { .domid = DOMID_SELF, .type = type, .index = -1,
				      .pirq = -1, .bus = 0, .devfn = AHCI_DEVFN,
				      .entry_nr = entry_nr };
	long rc = physdev(PHYSDEVOP_map_pirq, &m);

	*pirq = m.pirq;
	return rc;
}

static int attack(void)
{
	struct physdev_setup_gsi sg = { .gsi = 16, .triggering = 1, .polarity = 1 };
	struct physdev_apic ap = { .apic_physbase = IOAPIC_MFN << 12, .reg = 1 };
	struct physdev_set_iopl iopl = { 1 };
	struct evtchn_bind_pirq bp = { .pirq = 16 };
	struct physdev_eoi eoi = { 16 };
	uint64_t va = scratch_page();
	int32_t pirq;
	long rc;

	PEER_CHECK((rc = map_gsi(DOMID_SELF, 16, &pirq)) == -EPERM, "map_pirq GSI 16: %ld", rc);
	PEER_CHECK((rc = map_gsi(0, 16, &pirq)) == -EPERM, "map_pirq GSI 16 for dom0: %ld", rc);
	PEER_CHECK((rc = map_msi(MAP_PIRQ_TYPE_MSI_SEG, 0, &pirq)) == -EPERM,
		   "map_pirq of the AHCI's MSI: %ld", rc);
	PEER_CHECK((rc = evtchn(EVTCHNOP_bind_pirq, &bp)) == -EPERM, "bind_pirq 16: %ld", rc);
	bp.pirq = 9999;
	PEER_CHECK((rc = evtchn(EVTCHNOP_bind_pirq, &bp)) == -EINVAL, "bind_pirq 9999: %ld", rc);
	PEER_CHECK((rc = physdev(PHYSDEVOP_setup_gsi, &sg)) == -EPERM, "setup_gsi 16: %ld", rc);
	PEER_CHECK((rc = physdev(PHYSDEVOP_apic_read, &ap)) == -EPERM, "apic_read: %ld", rc);
	PEER_CHECK((rc = physdev(PHYSDEVOP_eoi, &eoi)) == -EINVAL, "eoi 16: %ld", rc);

	PEER_CHECK(physdev(PHYSDEVOP_set_iopl, &iopl) == 0, "set_iopl 1 failed");
	PEER_CHECK(pci_host_id() == 0xFFFFFFFF, "PCI 0:0.0 read %#x through 0xCFC",
		   pci_host_id());

	PEER_CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping a scratch page");
	/* Through DOMID_IO the cache bits refuse a domU first, with -EINVAL. */
	rc = map_mmio(va, MMCFG_MFN, DOMID_IO);
	PEER_CHECK(rc == -EINVAL, "mapping MMCONFIG through DOMID_IO: %ld", rc);
	rc = map_mmio(va, IOAPIC_MFN, DOMID_IO);
	PEER_CHECK(rc == -EINVAL, "mapping the IO-APIC through DOMID_IO: %ld", rc);
	PEER_CHECK((rc = map_mmio(va, MMCFG_MFN, 0)) == -EPERM, "mapping MMCONFIG: %ld", rc);
	PEER_CHECK((rc = map_mmio(va, IOAPIC_MFN, 0)) == -EPERM, "mapping the IO-APIC: %ld", rc);
	return 0;
}

static const char *peer(struct start_info *si)
{
	(void)si;
	return attack() ? why : NULL;
}

/* dom0's own use of GSI 5 (an ISA line nothing on q35 raises). */
static int dom0_pirq(void)
{
	struct evtchn_bind_pirq bp;
	struct evtchn_status st = { .dom = DOMID_SELF };
	struct physdev_irq_status_query q;
	struct physdev_eoi eoi;
	struct physdev_unmap_pirq um = { .domid = DOMID_SELF };
	struct evtchn_close cl;
	int32_t pirq;
	long rc;

	CHECK((rc = map_gsi(DOMID_SELF, 5, &pirq)) == 0, "dom0 map_pirq GSI 5: %ld", rc);
	CHECK(pirq == 16, "dom0 got PIRQ %d for GSI 5, not 16", pirq);
	CHECK((rc = map_gsi(DOMID_SELF, 5, &pirq)) == 0 && pirq == 16,
	      "mapping GSI 5 again: %ld, PIRQ %d", rc, pirq);
	q.irq = pirq;
	CHECK(physdev(PHYSDEVOP_irq_status_query, &q) == 0 && (q.flags & XENIRQSTAT_needs_eoi),
	      "irq_status_query: flags %#x", q.flags);
	bp = (struct evtchn_bind_pirq){ .pirq = pirq, .flags = BIND_PIRQ__WILL_SHARE };
	CHECK((rc = evtchn(EVTCHNOP_bind_pirq, &bp)) == 0, "dom0 bind_pirq: %ld", rc);
	CHECK((rc = evtchn(EVTCHNOP_bind_pirq, &bp)) == -EEXIST, "binding it again: %ld", rc);
	st.port = bp.port;
	CHECK(evtchn(EVTCHNOP_status, &st) == 0 && st.status == EVTCHNSTAT_pirq &&
	      st.u.pirq == (uint32_t)pirq, "status of the PIRQ port: %u", st.status);
	eoi.irq = pirq;
	CHECK((rc = physdev(PHYSDEVOP_eoi, &eoi)) == 0, "eoi: %ld", rc);
	cl.port = bp.port;
	CHECK((rc = evtchn(EVTCHNOP_close, &cl)) == 0, "closing the port: %ld", rc);
	um.pirq = pirq;
	CHECK((rc = physdev(PHYSDEVOP_unmap_pirq, &um)) == 0, "unmap_pirq: %ld", rc);
	CHECK((rc = physdev(PHYSDEVOP_unmap_pirq, &um)) == -EINVAL, "unmapping again: %ld", rc);
	/* As Xen 4.17: the unmap took dom0's access to the GSI, for good. */
	CHECK((rc = map_gsi(DOMID_SELF, 5, &pirq)) == -EPERM, "map_pirq GSI 5 again: %ld", rc);
	return TEST_PASS;
}

/* dom0's plain MSI on q35's AHCI (issue 20). */
static int dom0_msi(void)
{
	struct physdev_pci_device_add add = { .bus = 0, .devfn = AHCI_DEVFN };
	struct physdev_unmap_pirq um = { .domid = DOMID_SELF };
	struct physdev_set_iopl iopl = { 1 };
	struct evtchn_bind_pirq bp;
	struct evtchn_close cl;
	unsigned int pos, data_reg;
	uint32_t ctrl, vector;
	int32_t pirq;
	long rc;

	CHECK(physdev(PHYSDEVOP_set_iopl, &iopl) == 0, "dom0 set_iopl 1 failed");
	CHECK((cfg_read(AHCI_DEVFN, 0) & 0xFFFF) == 0x8086, "no AHCI at 00:1f.2: %#x",
	      cfg_read(AHCI_DEVFN, 0));
	pos = msi_cap(AHCI_DEVFN);
	CHECK(pos, "the AHCI has no MSI capability");
	CHECK((rc = map_msi(MAP_PIRQ_TYPE_MSI_SEG, 0, &pirq)) == -ENODEV,
	      "MSI of a function dom0 did not report: %ld", rc);
	CHECK((rc = physdev(PHYSDEVOP_pci_device_add, &add)) == 0, "pci_device_add: %ld", rc);
	CHECK((rc = map_msi(MAP_PIRQ_TYPE_MULTI_MSI, 0, &pirq)) == -EDOM, "0 messages: %ld", rc);
	CHECK((rc = map_msi(MAP_PIRQ_TYPE_MULTI_MSI, 33, &pirq)) == -EDOM, "33 messages: %ld", rc);
	CHECK((rc = map_msi(MAP_PIRQ_TYPE_MULTI_MSI, 2, &pirq)) == -EOPNOTSUPP,
	      "2 messages: %ld", rc);
	CHECK((rc = map_msi(MAP_PIRQ_TYPE_MSI_SEG, 0, &pirq)) == 0 && pirq >= 16,
	      "MSI of the reported AHCI: %ld, PIRQ %d", rc, pirq);
	ctrl = cfg_read(AHCI_DEVFN, pos) >> 16;
	data_reg = pos + ((ctrl & 0x80) ? 0x0C : 0x08);
	vector = cfg_read(AHCI_DEVFN, data_reg) & 0xFFFF;
	CHECK((cfg_read(AHCI_DEVFN, pos + 4) & 0xFFF00000U) == 0xFEE00000U &&
	      (vector & 0xFF) >= 0x20, "the MSI message: address %#x data %#x",
	      cfg_read(AHCI_DEVFN, pos + 4), vector);
	cfg_write16(AHCI_DEVFN, data_reg, 0x0003);	/* an exception's vector */
	if (on_lamina())
		CHECK((cfg_read(AHCI_DEVFN, data_reg) & 0xFFFF) == vector,
		      "dom0 rewrote the MSI data to %#x", cfg_read(AHCI_DEVFN, data_reg) & 0xFFFF);
	else
		cfg_write16(AHCI_DEVFN, data_reg, (uint16_t)vector);
	cfg_write16(AHCI_DEVFN, pos + 2, (uint16_t)(ctrl | 1));	/* dom0 enables MSI */
	CHECK(cfg_read(AHCI_DEVFN, pos) & (1U << 16), "dom0 could not set MSI Enable");
	bp = (struct evtchn_bind_pirq){ .pirq = pirq };
	CHECK((rc = evtchn(EVTCHNOP_bind_pirq, &bp)) == 0, "bind_pirq of the MSI: %ld", rc);
	cl.port = bp.port;
	CHECK((rc = evtchn(EVTCHNOP_close, &cl)) == 0, "closing the MSI's port: %ld", rc);
	um.pirq = pirq;
	CHECK((rc = physdev(PHYSDEVOP_unmap_pirq, &um)) == 0, "unmap_pirq of the MSI: %ld", rc);
	CHECK(!(cfg_read(AHCI_DEVFN, pos) & (1U << 16)), "MSI still enabled after unmap_pirq");
	CHECK((rc = map_msi(MAP_PIRQ_TYPE_MULTI_MSI, 1, &pirq)) == 0 && pirq >= 16,
	      "one message as multi-message: %ld, PIRQ %d", rc, pirq);
	um.pirq = pirq;
	CHECK((rc = physdev(PHYSDEVOP_unmap_pirq, &um)) == 0, "unmapping it: %ld", rc);
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	struct verdict v;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN)) {
		verdict_offer_frame0(&v);
		verdict_send(&v, peer(si));
	}
	if (dom0_pirq() != TEST_PASS || dom0_msi() != TEST_PASS)
		return TEST_FAIL;
	return verdict_await_peer(si);
}
