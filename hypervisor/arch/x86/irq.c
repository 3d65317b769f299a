// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device interrupts for the hardware domain, as Xen 4.17 gives them to a
 * PV dom0 (docs/abi-core.md §2.14, §7.6).
 *
 * The hypervisor owns the local APIC and the IO-APIC; dom0 never writes
 * either. It learns the IO-APIC's registers through PHYSDEVOP_apic_read,
 * asks for a PIRQ per GSI (PHYSDEVOP_map_pirq, the GSI's trigger and
 * polarity from ACPI through PHYSDEVOP_setup_gsi) and binds an event
 * channel to it (EVTCHNOP_bind_pirq). Only then is the GSI's pin unmasked,
 * with vector IRQ_VECTOR_FIRST + GSI, fixed delivery to this CPU.
 *
 * An interrupt raises the bound port. Edge: the local APIC is EOIed at
 * once. Level: the pin is masked first, then the local APIC EOIed (which
 * clears the pin's Remote IRR), the PIRQ's bit set in dom0's EOI map;
 * dom0's PHYSDEVOP_eoi unmasks the pin, which fires again if the device
 * still asserts it (Xen's "unmask" acknowledgement: a line dom0 has not
 * serviced can never storm the CPU). An interrupt on a GSI no port
 * hears is counted (unbound) and, if level, its pin stays masked; a
 * vector with no GSI is counted as spurious. Debug key 'i' prints them.
 *
 * Which GSIs dom0 may have: all the IO-APIC's pins but 0 and 2 (the PIT,
 * the hypervisor's; ISA IRQ 0 arrives on pin 2). GSI 0 is -EPERM to map,
 * as Xen's IRQ 0; GSI 2 maps (Linux's dom0 maps every legacy GSI at boot)
 * but its PIRQ cannot be bound, -EBUSY, as Xen 4.17's IRQ 2 is the PIC
 * cascade's ("In use by 'cascade'"), so its pin is never unmasked. An MSI-X entry or the
 * plain MSI of a function dom0 reported (pci_device_add) is mapped too:
 * msi.c aims it at one of the vectors the GSIs leave (MSIX_MAX at most,
 * shared by both), masked until the PIRQ is bound; its interrupts are
 * edge, nothing to EOI. A plain MSI without a per-vector mask bit is held
 * in software instead, as Xen's "EOI" acknowledgement of a non-maskable
 * MSI holds the local APIC: it raises the port and sets the PIRQ's bit in
 * the EOI map, and one more interrupt before dom0's eoi is kept and
 * raised at that eoi. Multi-message MSI is -EOPNOTSUPP (Xen 4.17 without
 * interrupt remapping), a PIRQ for another domain too (no passthrough).
 *
 * A domU has no PIRQs. It gets Xen's answers: eoi -EINVAL, bind_pirq
 * -EINVAL beyond its PIRQ range (the GSIs + 32, as Xen's
 * extra_domU_irqs) and -EPERM within, irq_status_query flags for any
 * PIRQ in range, the privileged sub-ops -EPERM.
 *
 * One CPU takes every interrupt, and hypervisor code runs with
 * interrupts off but in the idle loop, so irq_lock (lock_order.h: after
 * d->evtchn_lock) is never contended by the handler on the same CPU.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/mm.h>
#include <hv/nospec.h>
#include <hv/page_alloc.h>
#include <hv/smp.h>
#include <hv/spinlock.h>
#include <lamina/physdev.h>
#include <lamina/event_channel.h>
#include <asm/irq.h>
#include <asm/layout.h>
#include <asm/page.h>
#include <asm/x86.h>

#define IOAPIC_BASE		0xfec00000ULL	/* mm.c: IOAPIC_DEFAULT_MFN */
#define IOAPIC_VA		(HV_GDT_AREA + 17 * PAGE_SIZE)	/* after the LAPIC's */
#define IOAPIC_REGSEL		0x00
#define IOAPIC_WIN		0x10
#define IOAPIC_REG_VER		0x01
#define IOAPIC_RTE(pin)		(0x10 + 2 * (pin))

#define RTE_ACTIVE_LOW		(1U << 13)
#define RTE_LEVEL		(1U << 15)
#define RTE_MASKED		(1U << 16)

#define EXTRA_DOMU_PIRQS	32	/* Xen's extra_domU_irqs default */
#define HW_DYNAMIC_PIRQS	192	/* Xen's NR_DYNAMIC_VECTORS, one CPU */
#define XEN_DYNAMIC_VECTORS	208	/* Xen 4.17's NR_DYNAMIC_VECTORS (0x20-0xef) */
#define MAX_PIRQS		(IRQ_VECTORS + HW_DYNAMIC_PIRQS)
#define PORT_BINDING		0xFFFFFFFFU	/* bind_pirq between its two steps */
#define PIT_PIN			2	/* ISA IRQ 0's pin: mapped, never bound */

void apic_eoi(void);
extern pte_t *gdt_area_l1(void);

struct gsi {
	int16_t pirq;		/* dom0's PIRQ for this GSI, -1: none */
	bool set_up;		/* setup_gsi gave level/active_low */
	bool level, active_low;
	bool in_flight;		/* level, masked until dom0's eoi */
	bool denied;		/* unmapped once: dom0 may not map it again */
	uint64_t count, unbound;
};

struct pirq {
	int16_t gsi;		/* -1: not mapped to a GSI */
	int8_t msix;		/* the MSI(-X) slot it is mapped to (msi.c), or -1 */
	bool reserved;		/* get_free_pirq, not mapped yet */
	bool held;		/* MSI without a mask bit: acknowledged by dom0's eoi */
	bool in_flight, again;	/* held: raised, awaiting eoi; one more came */
	int8_t stale;		/* unmapped with its port bound: the slot it had, or -1 */
	bool deaf;		/* unmapped with its port bound: nothing delivered
				 * to that port, whatever GSI it names next, until
				 * it is closed (Xen 4.17: the new IRQ has no guest
				 * binding; guest/dom0-gsi-stale-port) */
	uint32_t port;		/* 0: no port; PORT_BINDING: being bound */
};

static spinlock_t irq_lock = SPINLOCK_INIT_LEVEL(LOCK_LEVEL_IRQ);	/* everything below */
static bool ioapic_present;
static unsigned int nr_gsis = 16;	/* pins, at least 16 (Xen's nr_irqs_gsi) */
static struct gsi gsis[IRQ_VECTORS];
static struct pirq pirqs[MAX_PIRQS];	/* the hardware domain's */
static struct domain *hw_dom;		/* who mapped PIRQs: dom0 */
static int16_t msix_pirq[MSIX_MAX];	/* the PIRQ of each MSI-X slot, or -1 */
static int16_t stale_pirq[MSIX_MAX];	/* the unmapped PIRQ a free slot still names, or -1 */
static uint64_t *eoi_map;		/* dom0's pirq_eoi_gmfn page, or NULL */
static mfn_t eoi_map_mfn;
static uint64_t spurious;

/* ------------------------------------------------------------ IO-APIC */

static uint32_t ioapic_read(uint32_t reg)
{
	*(volatile uint32_t *)(IOAPIC_VA + IOAPIC_REGSEL) = reg;
	return *(volatile uint32_t *)(IOAPIC_VA + IOAPIC_WIN);
}

static void ioapic_write(uint32_t reg, uint32_t val)
{
	*(volatile uint32_t *)(IOAPIC_VA + IOAPIC_REGSEL) = reg;
	*(volatile uint32_t *)(IOAPIC_VA + IOAPIC_WIN) = val;
}

/*
 * A pin is opened only for a PIRQ with a port bound to it that is not
 * deaf, so never the PIT's: its bind_pirq is refused, and a PIRQ whose
 * port stayed bound through an unmap and is then mapped to GSI 2 is deaf
 * (struct pirq; guest/dom0-gsi2-stale, dom0-gsi-stale-port).
 */
static void pin_mask(unsigned int gsi, bool masked)
{
	uint32_t lo = ioapic_read(IOAPIC_RTE(gsi));

	ioapic_write(IOAPIC_RTE(gsi), masked ? lo | RTE_MASKED : lo & ~RTE_MASKED);
}

/* The pin's entry from the GSI's trigger and polarity, unmasked or not. */
static void pin_program(unsigned int gsi, bool masked)
{
	struct gsi *g = &gsis[gsi];
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	ioapic_write(IOAPIC_RTE(gsi), RTE_MASKED);
	ioapic_write(IOAPIC_RTE(gsi) + 1, (b >> 24) << 24);	/* this CPU's APIC ID */
	ioapic_write(IOAPIC_RTE(gsi), (IRQ_VECTOR_FIRST + gsi) | (g->level ? RTE_LEVEL : 0) |
		     (g->active_low ? RTE_ACTIVE_LOW : 0) | (masked ? RTE_MASKED : 0));
}

void irq_init(void)
{
	uint32_t ver;
	unsigned int i;

	for (i = 0; i < IRQ_VECTORS; i++)
		gsis[i] = (struct gsi){ .pirq = -1, .level = i >= 16, .active_low = i >= 16 };
	for (i = 0; i < MAX_PIRQS; i++)
		pirqs[i] = (struct pirq){ .gsi = -1, .msix = -1, .stale = -1 };
	for (i = 0; i < MSIX_MAX; i++)
		msix_pirq[i] = stale_pirq[i] = -1;
	gdt_area_l1()[17] = IOAPIC_BASE | _PAGE_PRESENT | _PAGE_RW | _PAGE_PCD | _PAGE_PWT |
			    _PAGE_NX;
	invlpg(IOAPIC_VA);
	ver = ioapic_read(IOAPIC_REG_VER);
	if (ver == 0xFFFFFFFF || !(ver & 0xFF)) {
		pr_info("irq: no IO-APIC at %#llx: dom0 gets no device interrupts\n",
			IOAPIC_BASE);
		return;
	}
	ioapic_present = true;
	nr_gsis = MAX(16U, MIN(((ver >> 16) & 0xFF) + 1, (unsigned int)IRQ_VECTORS));
	for (i = 0; i < nr_gsis; i++)
		pin_program(i, true);
	pr_info("irq: IO-APIC at %#llx, version %#x, %u GSIs on vectors %#x-%#x\n",
		IOAPIC_BASE, ver & 0xFF, nr_gsis, IRQ_VECTOR_FIRST,
		IRQ_VECTOR_FIRST + nr_gsis - 1);
}

/* ------------------------------------------------------- interrupts */

static void eoi_bit(unsigned int pirq, bool set)
{
	if (!eoi_map)
		return;
	if (set)
		__atomic_fetch_or(&eoi_map[pirq / 64], 1ULL << (pirq % 64), __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(&eoi_map[pirq / 64], ~(1ULL << (pirq % 64)), __ATOMIC_SEQ_CST);
}

/*
 * An MSI(-X) vector's port (edge: nothing to mask), or 0: spurious, or
 * held until dom0's eoi (a plain MSI without a mask bit).
 */
static uint32_t msix_interrupt(unsigned int vector, struct domain **d)
{
	unsigned int slot = IRQ_VECTOR_FIRST + IRQ_VECTORS - 1 - vector;
	int pirq = slot < MSIX_MAX ? msix_pirq[slot] : -1;
	struct pirq *p = pirq >= 0 ? &pirqs[pirq] : NULL;

	if (!p || !p->port || p->port == PORT_BINDING) {
		spurious++;
		return 0;
	}
	if (p->held) {
		if (p->in_flight) {
			p->again = true;
			return 0;
		}
		p->in_flight = true;
		eoi_bit(pirq, true);
	}
	*d = hw_dom;
	return p->port;
}

void irq_interrupt(unsigned int vector)
{
	unsigned int gsi = vector - IRQ_VECTOR_FIRST;
	struct domain *d = NULL;
	uint32_t port = 0;
	struct gsi *g;

	spin_lock(&irq_lock);
	if (gsi >= nr_gsis || !ioapic_present) {
		port = msix_interrupt(vector, &d);
		apic_eoi();
		spin_unlock(&irq_lock);
		if (port)
			evtchn_set_pending(d, port);
		return;
	}
	g = &gsis[gsi];
	g->count++;
	if (g->level)
		pin_mask(gsi, true);
	apic_eoi();
	if (g->pirq >= 0 && pirqs[g->pirq].port && pirqs[g->pirq].port != PORT_BINDING &&
	    !pirqs[g->pirq].deaf) {
		d = hw_dom;
		port = pirqs[g->pirq].port;
		if (g->level) {
			g->in_flight = true;
			eoi_bit(g->pirq, true);
		}
	} else {
		g->unbound++;	/* a level pin stays masked until bound */
	}
	spin_unlock(&irq_lock);
	if (port)
		evtchn_set_pending(d, port);
}

/* -------------------------------------------------------------- PIRQs */

static unsigned int nr_pirqs(const struct domain *d)
{
	return d->is_privileged ? nr_gsis + HW_DYNAMIC_PIRQS : nr_gsis + EXTRA_DOMU_PIRQS;
}

static bool pirq_is_free(const struct pirq *p)
{
	return p->gsi < 0 && p->msix < 0 && !p->reserved && !p->port;
}

/*
 * PIRQ i of d is free: dom0's as its record says; a domU maps none, so
 * its PIRQs are free but those get_free_pirq reserved (as on Xen, where
 * they stay the domU's until it goes, as it may not unmap them).
 */
_Static_assert(IRQ_VECTORS + EXTRA_DOMU_PIRQS <= 64, "a domU's PIRQs in arch.domu_pirqs");

static bool pirq_free_for(const struct domain *d, int i)
{
	if (d->is_privileged)
		return pirq_is_free(&pirqs[i]);
	return !(d->arch.domu_pirqs & (1ULL << i));
}

/* Xen's get_free_pirq: GSI PIRQs from 16 up, others from the top down. */
static int pirq_find_free(const struct domain *d, int type)
{
	int i;

	if (type == MAP_PIRQ_TYPE_GSI)
		for (i = 16; i < (int)nr_gsis; i++)
			if (pirq_free_for(d, i))
				return i;
	for (i = nr_pirqs(d) - 1; i >= (int)nr_gsis; i--)
		if (pirq_free_for(d, i))
			return i;
	return -ENOSPC;
}

/* Xen's allocate_and_map_gsi_pirq for the hardware domain itself. */
static int map_gsi(struct domain *d, int gsi, int32_t *pirq_io)
{
	int pirq = *pirq_io, cur;
	struct pirq *p;

	if (gsi < 0 || gsi >= (int)nr_gsis)
		return trace_err(-EINVAL);
	gsi = array_index_nospec(gsi, nr_gsis);
	cur = gsis[gsi].pirq;
	if (pirq < 0) {
		pirq = cur >= 0 ? cur : pirq_find_free(d, MAP_PIRQ_TYPE_GSI);
		if (pirq < 0)
			return trace_err(pirq);
	} else if (cur >= 0 && pirq != cur) {
		return trace_err(-EEXIST);
	}
	/* The PIT's, no IO-APIC, or one dom0 unmapped (Xen: its access taken). */
	if (gsi == 0 || !ioapic_present || gsis[gsi].denied)
		return trace_err(-EPERM);
	if (pirq >= (int)nr_pirqs(d))
		return trace_err(-EINVAL);
	pirq = array_index_nospec(pirq, nr_pirqs(d));
	p = &pirqs[pirq];
	/* Xen: a PIRQ or GSI mapped elsewhere is left alone, and 0 returned. */
	if ((p->gsi >= 0 && p->gsi != gsi) || (cur >= 0 && cur != pirq)) {
		*pirq_io = pirq;
		return 0;
	}
	p->gsi = gsi;
	p->reserved = false;
	gsis[gsi].pirq = pirq;
	hw_dom = d;
	*pirq_io = pirq;
	return 0;
}

/*
 * Whom a map_pirq or unmap_pirq names, in Xen's order: no such domain
 * -ESRCH, an unprivileged caller -EPERM; then another domain than the
 * caller -EOPNOTSUPP (no passthrough).
 */
static int pirq_target_ok(const struct domain *d, domid_t dom)
{
	bool self = dom == DOMID_SELF || dom == d->domid;

	if (!self && !domain_by_id(dom))
		return trace_err(-ESRCH);
	if (!d->is_privileged)
		return trace_err(-EPERM);
	return self ? 0 : trace_err(-EOPNOTSUPP);
}

/*
 * An MSI-X entry (table_base given) or the plain MSI of a PCI function
 * dom0 reported, as Xen's allocate_and_map_msi_pirq for it: the PIRQ from
 * the top down when dom0 asks for any, the message aimed at a spare
 * vector, masked until bound.
 */
static int map_msi(struct domain *d, struct physdev_map_pirq *map, uint16_t seg)
{
	uint8_t bus = map->bus & 0xFF, devfn = map->devfn & 0xFF;
	int pirq = map->pirq, slot;
	bool maskable = true;

	if (map->table_base && map->entry_nr < 0)
		return trace_err(-EINVAL);
	/* A PIRQ named past the domain's: Xen's map_domain_pirq, before the device. */
	if (pirq >= (int)nr_pirqs(d))
		return trace_err(-EINVAL);
	if (!pci_reported(seg, bus, devfn))
		return trace_err(-ENODEV);
	if (pirq < 0)
		pirq = pirq_find_free(d, MAP_PIRQ_TYPE_MSI);
	if (pirq < 0)
		return trace_err(pirq);
	if (pirq >= (int)nr_pirqs(d) || pirq < (int)nr_gsis)
		return trace_err(-EINVAL);
	pirq = array_index_nospec(pirq, nr_pirqs(d));
	/* Mapped, or unmapped with its port still bound (pirq_port_closed). */
	if (pirqs[pirq].gsi >= 0 || pirqs[pirq].msix >= 0 || pirqs[pirq].port)
		return trace_err(-EEXIST);
	if (map->table_base)
		slot = msix_setup(seg, bus, devfn, map->entry_nr, IRQ_VECTORS - nr_gsis);
	else
		slot = msi_setup(seg, bus, devfn, IRQ_VECTORS - nr_gsis, &maskable);
	if (slot < 0)
		return slot;
	if (stale_pirq[slot] >= 0) {
		/* Xen's allocate_pirq: the IRQ still names a PIRQ, negated. */
		msix_release(slot);
		return trace_err(map->pirq < 0 ? -EBUSY : -EEXIST);
	}
	pirqs[pirq].msix = slot;
	pirqs[pirq].reserved = false;
	pirqs[pirq].held = !maskable;
	pirqs[pirq].in_flight = pirqs[pirq].again = false;
	msix_pirq[slot] = pirq;
	hw_dom = d;
	map->pirq = pirq;
	return 0;
}

/*
 * An MSI map naming its IRQ (index other than -1; Linux always gives
 * -1), as Xen 4.17's allocate_and_map_msi_pirq: an IRQ below the GSIs'
 * or past nr_irqs (max(CPUs * NR_DYNAMIC_VECTORS, 8 * GSIs)) -EINVAL,
 * and any other -EPERM, map_domain_pirq's answer for an IRQ dom0 was
 * not given: Lamina hands out no IRQ numbers, so none is dom0's.
 * MULTI_MSI ignores index (Xen creates its IRQ).
 */
static int msi_index_refused(int index)
{
	unsigned int nr_irqs = MAX(smp_nr_possible() * XEN_DYNAMIC_VECTORS, 8 * nr_gsis);

	if (index < (int)nr_gsis || index >= (int)nr_irqs)
		return trace_err(-EINVAL);
	return trace_err(-EPERM);
}

/* The mapping map asks for, seg its MSI's PCI segment; map's pirq set when done. */
static long map_pirq_one(struct domain *d, struct physdev_map_pirq *map, uint16_t seg)
{
	long rc;

	if ((rc = pirq_target_ok(d, map->domid)))
		return rc;
	switch (map->type) {
	case MAP_PIRQ_TYPE_GSI:
		spin_lock(&irq_lock);
		rc = map_gsi(d, map->index, &map->pirq);
		spin_unlock(&irq_lock);
		return rc;
	case MAP_PIRQ_TYPE_MULTI_MSI:
		/*
		 * Xen 4.17's allocate_pirq: a count out of 1-32 -EDOM, more
		 * than one -EOPNOTSUPP without interrupt remapping; one is a
		 * plain MSI.
		 */
		if (map->entry_nr <= 0 || map->entry_nr > 32)
			return trace_err(-EDOM);
		if (map->entry_nr != 1)
			return trace_err(-EOPNOTSUPP);
		/* fall through */
	case MAP_PIRQ_TYPE_MSI:
		if (map->type == MAP_PIRQ_TYPE_MSI && map->index != -1)
			return msi_index_refused(map->index);
		spin_lock(&irq_lock);
		rc = map_msi(d, map, seg);
		spin_unlock(&irq_lock);
		return rc;
	default:
		return trace_err(-EINVAL);
	}
}

/*
 * As Xen 4.17's PHYSDEVOP_map_pirq: MULTI_MSI with a table base is refused
 * before anything else, nothing written; MSI_SEG is an MSI (bus's upper
 * half its segment) and given back as one; every other answer writes the
 * whole struct back (-EFAULT if it cannot be written).
 */
static long map_pirq(struct domain *d, uint64_t arg)
{
	struct physdev_map_pirq map;
	uint16_t seg = 0;
	long rc;

	if (copy_from_guest(&map, arg, sizeof(map)))
		return -EFAULT;
	if (map.type == MAP_PIRQ_TYPE_MULTI_MSI && map.table_base)
		return trace_err(-EINVAL);
	if (map.type == MAP_PIRQ_TYPE_MSI_SEG || map.type == MAP_PIRQ_TYPE_MULTI_MSI)
		seg = (uint32_t)map.bus >> 16;
	if (map.type == MAP_PIRQ_TYPE_MSI_SEG)
		map.type = MAP_PIRQ_TYPE_MSI;
	rc = map_pirq_one(d, &map, seg);
	if (copy_to_guest(arg, &map, sizeof(map)))
		return -EFAULT;
	return rc;
}

/* Caller holds irq_lock: the pin goes quiet and any EOI owed is dropped. */
static void pirq_silence(struct pirq *p, unsigned int pirq)
{
	ASSERT_LOCKED(&irq_lock);
	if (p->gsi >= 0) {
		pin_mask(p->gsi, true);
		gsis[p->gsi].in_flight = false;
	}
	if (p->msix >= 0)
		msix_mask(p->msix, true);
	p->in_flight = p->again = false;
	eoi_bit(pirq, false);
}

static long unmap_pirq(struct domain *d, uint64_t arg)
{
	struct physdev_unmap_pirq op;
	struct pirq *p;
	int rc;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -EFAULT;
	if ((rc = pirq_target_ok(d, op.domid)))
		return rc;
	if (op.pirq < 0 || op.pirq >= (int)nr_pirqs(d))
		return trace_err(-EINVAL);
	spin_lock(&irq_lock);
	p = &pirqs[array_index_nospec(op.pirq, nr_pirqs(d))];
	if (p->gsi < 0 && p->msix < 0) {
		spin_unlock(&irq_lock);
		return trace_err(-EINVAL);
	}
	pirq_silence(p, op.pirq);
	if (p->gsi >= 0) {
		gsis[p->gsi].pirq = -1;
		gsis[p->gsi].denied = true;	/* as Xen 4.17's unmap_domain_pirq */
	}
	if (p->msix >= 0) {
		msix_release(p->msix);
		msix_pirq[p->msix] = -1;
		if (p->port) {
			p->stale = p->msix;
			stale_pirq[p->msix] = (int16_t)op.pirq;
		}
	}
	p->gsi = -1;
	p->msix = -1;
	p->held = false;
	/* A port bound stays the guest's and the PIRQ's: pirq_port_closed. */
	p->deaf = p->port != 0;
	spin_unlock(&irq_lock);
	return 0;
}

/*
 * A PIRQ unmapped while a port was bound to it (or being bound), as Xen
 * 4.17's unmap_domain_pirq with its forced unbind: the device's MSI is
 * disabled and its vector freed, but until the guest closes that port
 * the PIRQ keeps it (p->port, so the PIRQ is not free) and the vector's
 * slot keeps naming the PIRQ (stale_pirq; Xen's irq_pirq entry, negated):
 * a map_pirq that is given that slot again is -EBUSY (-EEXIST when dom0
 * named a PIRQ) and lets it go. Closing the port (pirq_unbind_port)
 * ends it. Caller holds irq_lock.
 */
static void pirq_port_closed(struct pirq *p)
{
	ASSERT_LOCKED(&irq_lock);
	if (p->stale >= 0)
		stale_pirq[p->stale] = -1;
	p->stale = -1;
	p->deaf = false;
	p->port = 0;
}

long pirq_bind(struct domain *d, struct evtchn_bind_pirq *op)
{
	struct pirq *p;
	int port;

	if (op->pirq >= nr_pirqs(d))
		return trace_err(-EINVAL);
	if (!d->is_privileged)
		return trace_err(-EPERM);
	spin_lock(&irq_lock);
	p = &pirqs[array_index_nospec(op->pirq, nr_pirqs(d))];
	if (p->gsi < 0 && p->msix < 0) {
		spin_unlock(&irq_lock);
		return trace_err(-EPERM);	/* Xen: irq access not permitted */
	}
	if (p->port) {
		spin_unlock(&irq_lock);
		return trace_err(-EEXIST);
	}
	if (p->gsi == PIT_PIN) {
		spin_unlock(&irq_lock);
		return trace_err(-EBUSY);	/* Xen: IRQ 2 is the cascade's */
	}
	p->port = PORT_BINDING;
	spin_unlock(&irq_lock);

	port = evtchn_alloc_pirq_port(d, op->pirq);

	spin_lock(&irq_lock);
	if (p->deaf || (p->gsi < 0 && p->msix < 0)) {
		/*
		 * Unmapped meanwhile (and maybe mapped again since: deaf, so
		 * its new GSI, the PIT's too, is not opened for this port):
		 * the bind is taken as made before the unmap, whose port stays
		 * the guest's and the PIRQ's (pirq_port_closed), so it is
		 * answered with its port (Xen 4.17 makes the two one after the
		 * other under the domain's event lock). Its error left the
		 * port in the PIRQ state with no one told its number: dom0
		 * lost 653 of its ports in one run of guest/attack-pirq-race.
		 */
		if (port < 0)
			pirq_port_closed(p);
		else
			p->port = (uint32_t)port;
		spin_unlock(&irq_lock);
		if (port < 0)
			return port;
		op->port = port;
		return 0;
	}
	p->port = port < 0 ? 0 : (uint32_t)port;
	if (port > 0 && p->gsi >= 0)
		pin_program(p->gsi, false);
	if (port > 0 && p->msix >= 0)
		msix_mask(p->msix, false);
	spin_unlock(&irq_lock);
	if (port < 0)
		return port;
	op->port = port;
	return 0;
}

void pirq_unbind_port(struct domain *d, uint32_t pirq, uint32_t port)
{
	struct pirq *p;

	if (!d->is_privileged || pirq >= nr_pirqs(d))
		return;
	spin_lock(&irq_lock);
	p = &pirqs[array_index_nospec(pirq, nr_pirqs(d))];
	if (p->port == port) {
		pirq_silence(p, pirq);
		pirq_port_closed(p);
	}
	spin_unlock(&irq_lock);
}

/* ------------------------------------------------------ EOI and query */

static long pirq_eoi(struct domain *d, uint64_t arg)
{
	struct physdev_eoi op;
	uint32_t port = 0;
	struct pirq *p;
	struct gsi *g;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -EFAULT;
	if (op.irq >= nr_pirqs(d) || !d->is_privileged)
		return trace_err(-EINVAL);	/* a domU has no PIRQ at all */
	spin_lock(&irq_lock);
	p = &pirqs[array_index_nospec(op.irq, nr_pirqs(d))];
	if (pirq_is_free(p)) {
		spin_unlock(&irq_lock);
		return trace_err(-EINVAL);
	}
	if (p->gsi >= 0) {
		g = &gsis[p->gsi];
		if (g->in_flight) {
			g->in_flight = false;
			eoi_bit(op.irq, false);
			if (p->port && p->port != PORT_BINDING && !p->deaf)
				pin_mask(p->gsi, false);
		}
	}
	if (p->held && p->in_flight) {
		/* As Xen's EOI of the held vector: one kept interrupt comes now. */
		p->in_flight = p->again;
		p->again = false;
		eoi_bit(op.irq, p->in_flight);
		if (p->in_flight && p->port && p->port != PORT_BINDING)
			port = p->port;
	}
	spin_unlock(&irq_lock);
	if (port)
		evtchn_set_pending(d, port);
	return 0;
}

/* Xen 4.17 says needs_eoi for every PIRQ in range (even a domU's). */
static long irq_status_query(struct domain *d, uint64_t arg)
{
	struct physdev_irq_status_query q;

	if (copy_from_guest(&q, arg, sizeof(q)))
		return -EFAULT;
	if (q.irq >= nr_pirqs(d))
		return trace_err(-EINVAL);
	q.flags = XENIRQSTAT_needs_eoi;
	return copy_to_guest(arg, &q, sizeof(q)) ? -EFAULT : 0;
}

/*
 * The EOI map: a writable page of dom0 held until the machine stops (Xen
 * keeps it for the domain's life; dom0's is the machine's). A domU's is
 * held as Xen 4.17 holds it, one a domain (-EBUSY for a second, the
 * frame checked first), until its destroy (arch_domain_destroy_begin);
 * no PIRQ of a domU has a bit there to set. v1 is taken as v2:
 * its eoi does not also unmask the port as Xen's does (Linux uses v2).
 */
static long pirq_eoi_gmfn(struct domain *d, uint64_t arg)
{
	struct physdev_pirq_eoi_gmfn op;
	long rc;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -EFAULT;
	if (op.gmfn >= frame_table_size || get_page_and_type(op.gmfn, PGT_writable, d))
		return trace_err(-EINVAL);
	if (!d->is_privileged) {
		mfn_t none = 0;	/* a domU's own frame is never 0 */

		if (__atomic_compare_exchange_n(&d->arch.pirq_eoi_mfn, &none, op.gmfn, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return 0;
		put_page_and_type(op.gmfn, d);
		return trace_err(-EBUSY);
	}
	spin_lock(&irq_lock);
	if (eoi_map) {
		rc = trace_err(-EBUSY);
	} else {
		eoi_map_mfn = op.gmfn;
		eoi_map = mfn_to_virt(op.gmfn);
		rc = 0;
	}
	spin_unlock(&irq_lock);
	if (rc)
		put_page_and_type(op.gmfn, d);
	return rc;
}

mfn_t irq_eoi_map_frame(void)
{
	return eoi_map ? eoi_map_mfn : INVALID_MFN;
}

static long setup_gsi(struct domain *d, uint64_t arg)
{
	struct physdev_setup_gsi op;
	struct gsi *g;
	long rc = 0;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -EFAULT;
	if (op.gsi < 0 || op.gsi >= (int)nr_gsis)
		return trace_err(-EINVAL);
	if (!d->is_privileged)
		return trace_err(-EPERM);
	if (!ioapic_present)
		return trace_err(-EINVAL);
	spin_lock(&irq_lock);
	g = &gsis[array_index_nospec(op.gsi, nr_gsis)];
	if (g->set_up) {
		rc = -EEXIST;	/* Xen: the pin is programmed once */
	} else {
		g->set_up = true;
		g->level = op.triggering != 0;
		g->active_low = op.polarity != 0;
		if (g->pirq >= 0 && pirqs[g->pirq].port && !pirqs[g->pirq].deaf)
			pin_program(op.gsi, false);
	}
	spin_unlock(&irq_lock);
	return rc;
}

/*
 * PHYSDEVOP_apic_read: the IO-APIC's registers (dom0 reads its ID and
 * version). apic_write is accepted and dropped: the hypervisor alone
 * programs the pins, from setup_gsi and bind_pirq (Xen 4.17 instead
 * reinterprets a redirection entry dom0 writes; Linux 6.1 never does).
 */
static long apic_op(struct domain *d, unsigned int cmd, uint64_t arg)
{
	struct physdev_apic op;
	long rc = 0;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -EFAULT;
	if (!d->is_privileged)
		return trace_err(-EPERM);
	if (op.apic_physbase != IOAPIC_BASE || !ioapic_present)
		rc = trace_err(-EINVAL);
	if (cmd == PHYSDEVOP_apic_write)
		return rc;
	if (!rc) {
		spin_lock(&irq_lock);
		op.value = ioapic_read(op.reg & 0xFF);
		spin_unlock(&irq_lock);
	}
	/* written back whatever the answer, as Xen 4.17's apic_read (conform-diff) */
	return copy_to_guest(arg, &op, sizeof(op)) ? -EFAULT : rc;
}

static long get_free_pirq(struct domain *d, uint64_t arg)
{
	struct physdev_get_free_pirq op;
	int pirq;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -EFAULT;
	spin_lock(&irq_lock);
	pirq = pirq_find_free(d, op.type);
	if (pirq >= 0 && d->is_privileged)
		pirqs[pirq].reserved = true;
	else if (pirq >= 0)
		d->arch.domu_pirqs |= 1ULL << pirq;	/* one of its own, as Xen gives */
	spin_unlock(&irq_lock);
	if (pirq < 0)
		return trace_err(pirq);
	op.pirq = pirq;
	return copy_to_guest(arg, &op, sizeof(op)) ? -EFAULT : 0;
}

/*
 * dom0's write through port 0xCFC (emul_priv.c), as Xen 4.17's pci_cfg_ok:
 * to a function dom0 reported, pci_msi_conf_write_intercept (msi.c) may
 * drop it or keep mask bits set.
 */
void dom0_pci_conf_write(uint32_t cf8, unsigned int off, unsigned int size, uint32_t val)
{
	uint8_t bus = cf8 >> 16, devfn = cf8 >> 8;
	bool ok = true;

	spin_lock(&irq_lock);
	if ((cf8 & 0x80000000U) && pci_reported(0, bus, devfn))
		ok = msi_conf_write_ok(bus, devfn, (cf8 & 0xFC) | off, size, &val);
	if (ok)
		pci_conf_write(cf8, off, size, val);
	spin_unlock(&irq_lock);
}

/* Reads the sub-op's struct: size bytes of a known layout. */
#define PHYSDEV_IN(op)	do { if (copy_from_guest(&(op), arg, sizeof(op))) return -EFAULT; } while (0)

/* --------------------------------------------------------- dispatch */

long physdev_irq_op(struct vcpu *v, unsigned int cmd, uint64_t arg)
{
	struct domain *d = v->domain;
	struct physdev_irq irq;

	switch (cmd) {
	case PHYSDEVOP_eoi:
		return pirq_eoi(d, arg);
	case PHYSDEVOP_irq_status_query:
		return irq_status_query(d, arg);
	case PHYSDEVOP_pirq_eoi_gmfn_v1:
	case PHYSDEVOP_pirq_eoi_gmfn_v2:
		return pirq_eoi_gmfn(d, arg);
	case PHYSDEVOP_map_pirq:
		return map_pirq(d, arg);
	case PHYSDEVOP_unmap_pirq:
		return unmap_pirq(d, arg);
	case PHYSDEVOP_setup_gsi:
		return setup_gsi(d, arg);
	case PHYSDEVOP_apic_read:
	case PHYSDEVOP_apic_write:
		return apic_op(d, cmd, arg);
	case PHYSDEVOP_get_free_pirq:
		return get_free_pirq(d, arg);
	case PHYSDEVOP_alloc_irq_vector:
		PHYSDEV_IN(irq);
		if (!d->is_privileged)
			return trace_err(-EPERM);
		irq.vector = irq.irq;	/* Xen: a no-op the vector mirrors */
		return copy_to_guest(arg, &irq, sizeof(irq)) ? -EFAULT : 0;
	default:
		return physdev_pci_op(d, cmd, arg);	/* pci.c */
	}
}

void arch_irq_dump(void)
{
	unsigned int i;

	spin_lock(&irq_lock);
	printk(LOG_ERR, "irq: %u GSIs, %llu spurious\n", nr_gsis, (unsigned long long)spurious);
	for (i = 0; i < nr_gsis; i++) {
		const struct gsi *g = &gsis[i];

		if (g->pirq < 0 && !g->count)
			continue;
		printk(LOG_ERR, "  gsi %2u: pirq %d port %u %s %s%s: %llu, %llu unbound\n", i,
		       g->pirq, g->pirq >= 0 ? pirqs[g->pirq].port : 0,
		       g->level ? "level" : "edge", g->active_low ? "low" : "high",
		       g->in_flight ? " (awaiting eoi)" : "", (unsigned long long)g->count,
		       (unsigned long long)g->unbound);
	}
	spin_unlock(&irq_lock);
}
