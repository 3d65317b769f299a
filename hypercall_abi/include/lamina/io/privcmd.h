/* SPDX-License-Identifier: MIT */
/*
 * Linux's /dev/xen/privcmd, the one ioctl dom0's tools use to make a
 * hypercall (pv-abi-devices.md, dom0's Linux interfaces). linux-libc-dev's
 * <xen/privcmd.h> cannot be included on its own (it wants the kernel's
 * <xen/interface/xen.h>), so the layout is here.
 *  1. IOCTL_PRIVCMD_HYPERCALL runs hypercall `op` with up to five
 *     arguments in the calling process's address space and returns its
 *     result (a negative result comes back as -1 with errno set).
 *  2. Buffers the hypercall reads or writes must be mapped (touched).
 */
#ifndef LAMINA_IO_PRIVCMD_H
#define LAMINA_IO_PRIVCMD_H

#include <stdint.h>
#include <sys/ioctl.h>

struct privcmd_hypercall {
	uint64_t op;
	uint64_t arg[5];
};

#define IOCTL_PRIVCMD_HYPERCALL	_IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))

#endif
