/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The global lock order (take them top to bottom, release in reverse):
 *
 *   d->evtchn_lock        a domain's event channels; two domains' locks
 *                         are taken lower domid first (evtchn_lock_pair)
 *   irq_lock              device interrupts and PIRQs (arch/x86/irq.c)
 *   pci_lock              the PCI functions dom0 reported (arch/x86/pci.c)
 *   rq->lock              a CPU's run queue
 *   tq->lock              a CPU's timer queue
 */
