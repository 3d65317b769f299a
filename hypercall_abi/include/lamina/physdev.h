/* SPDX-License-Identifier: MIT */
/*
 * physdev_op (33): long physdev_op(int cmd, void *arg) (pv-abi-core.md
 * §2.14). Only what a PV guest without device passthrough needs so far.
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

#endif
