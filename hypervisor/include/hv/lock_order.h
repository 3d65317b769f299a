/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The global lock order: take them top to bottom, release in reverse.
 * A debug build checks it on every spin_lock (hv/spinlock.h): each class
 * has the level below, and a CPU takes a lock only above the levels it
 * holds. Two locks of one class are taken through the class's ordering
 * helper (the second by spin_lock_nested).
 *
 *   create_lock           domctl createdomain, one at a time: its id
 *                         chosen and the domain made and put on the list
 *                         (common/domctl.c)
 *   d->vcpu_ctx_lock      setting or resetting a vCPU's context
 *                         (VCPUOP_initialise, domctl setvcpucontext):
 *                         its "initialised" checked and set with the
 *                         tables' references in one step, as Xen 4.17's
 *                         domain_lock there; and the placing of its
 *                         vcpu_info (VCPUOP_register_vcpu_info); and
 *                         the making of its vCPUs (domctl max_vcpus);
 *                         a vCPU's SCHEDOP_pin_override against dom0's
 *                         setvcpuaffinity of it; taken once by a destroy
 *                         before its vCPUs let go (a context is refused
 *                         once the domain is dying)
 *   d->grant_lock         a domain's grant table (common/grant_internal.h),
 *                         around each element of a grant operation that
 *                         touches it (a copy batch: up to 16 elements
 *                         naming the same granters, grant_internal.h
 *                         struct copy_batch): two domains' lower domid first
 *                         (grant_lock_two); an unmap's granter found in
 *                         the mapper's maptrack, or a transitive entry's
 *                         table, below one held is only tried, and on
 *                         failure all are taken again in order; also a
 *                         frame given to the domain (grant transfer,
 *                         memory_op) against its destroy's frame walk
 *   d->arch.pt.lock       a domain's page-table work (arch/x86/page_type.c):
 *                         its validation walks, its release list, a
 *                         table's last type reference, each entry write
 *                         (not taken by the one vCPU of a one-vCPU domain).
 *                         Recursive (rspin_lock); never two domains' at
 *                         once (a foreign entry's frame takes a writable
 *                         type or none, which never reaches a table)
 *   d->evtchn_lock        a domain's event channels; two domains' locks
 *                         are taken lower domid first (evtchn_lock_pair)
 *   fifo->lock            a domain's FIFO event queues (evtchn_fifo.c)
 *   irq_lock              device interrupts and PIRQs (arch/x86/irq.c)
 *   pci_lock              the PCI functions dom0 reported (arch/x86/pci.c)
 *   pci_cfg_lock          ports 0xCF8/0xCFC, one access through them
 *                         (arch/x86/pci.c: pci_conf_read/write)
 *   rtc_lock              ports 0x70/0x71: a domain's latched RTC index
 *                         written to 0x70, then its 0x71 access, as one
 *                         (arch/x86/emul_priv.c)
 *   d->watchdog_lock      a domain's SCHEDOP_watchdog timers: which are in
 *                         use, and their first initialisation (as Xen
 *                         4.17's watchdog_lock)
 *   d->pause_lock         a domain's pause counts (d->pause_count and
 *                         the controller's) with the hold each pause
 *                         puts on every vCPU, a new vCPU's place in
 *                         d->vcpu[] with the holds it starts with, and
 *                         the domain's shutdown state; never held while
 *                         waiting for a vCPU to stop (domain_pause waits
 *                         after dropping it)
 *   rq->lock              a CPU's run queue; two CPUs' queues are taken
 *                         lower CPU first (rq_lock_pair: a vCPU moving,
 *                         work stealing)
 *   tq->lock              a CPU's timer queue; two CPUs' queues are
 *                         taken lower CPU first (migrate_timer)
 *   domlist_lock          the domain list (common/domain.c); nothing
 *                         but wc_lock and the frame allocator is taken
 *                         inside it
 *   wc_lock               writing a domain's wall clock in its
 *                         shared_info (arch/x86/time.c)
 *   d->ioport_lock        a domain's I/O port list (common/domain.c),
 *                         changed by dom0's ioport_permission, read by
 *                         the domain's emulated in/out
 *   d->e820_lock          a domain's set_memory_map entries: swapped by
 *                         set_memory_map (the old ones freed after it),
 *                         read by memory_map, which copies them to the
 *                         guest under it, as Xen 4.17's e820_lock
 *                         (arch/x86/memory_op_toolstack.c)
 *   virq_handler_lock     which domain handles each global VIRQ
 *                         (common/event_channel.c): looked up and
 *                         referenced under it, sent to after it
 *   pool->lock            a frame pool (common/page_alloc.c)
 *
 * Frame counts take no lock: they change by compare-and-exchange
 * (arch/x86/page_type.c), so they may change under any of these.
 */
#ifndef HV_LOCK_ORDER_H
#define HV_LOCK_ORDER_H

enum {
	LOCK_LEVEL_NONE,	/* not set: owner and interrupt checks only */
	LOCK_LEVEL_CREATE,
	LOCK_LEVEL_VCPUCTX,
	LOCK_LEVEL_GRANT,
	LOCK_LEVEL_PT,
	LOCK_LEVEL_EVTCHN,
	LOCK_LEVEL_FIFO,
	LOCK_LEVEL_IRQ,
	LOCK_LEVEL_PCI,
	LOCK_LEVEL_PCICFG,
	LOCK_LEVEL_RTC,
	LOCK_LEVEL_WATCHDOG,
	LOCK_LEVEL_PAUSE,
	LOCK_LEVEL_RQ,
	LOCK_LEVEL_TQ,
	LOCK_LEVEL_DOMLIST,
	LOCK_LEVEL_WALLCLOCK,
	LOCK_LEVEL_IOPORT,
	LOCK_LEVEL_E820,
	LOCK_LEVEL_VIRQ_HANDLER,
	LOCK_LEVEL_HEAP,
	LOCK_LEVELS
};

#endif
