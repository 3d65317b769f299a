/* SPDX-License-Identifier: MIT */
/*
 * physdev_op (33): long physdev_op(int cmd, void *arg) (docs/abi-core.md
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
