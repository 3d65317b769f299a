/* SPDX-License-Identifier: MIT */
/*
 * Linux's /dev/xen/privcmd, the ioctls dom0's tools use to make a
 * hypercall and to map another domain's frames (docs/abi-devices.md, dom0's
 * Linux interfaces). linux-libc-dev's <xen/privcmd.h> cannot be included
 * on its own (it wants the kernel's <xen/interface/xen.h>), so the
 * layouts are here.
 *  1. IOCTL_PRIVCMD_HYPERCALL runs hypercall `op` with up to five
 *     arguments in the calling process's address space and returns its
 *     result (a negative result comes back as -1 with errno set).
 *  2. Buffers the hypercall reads or writes must be mapped (touched).
 *  3. IOCTL_PRIVCMD_MMAPBATCH_V2 fills `num` pages of a mapping made by
 *     mmap() of the privcmd fd (at `addr`) with domain `dom`'s frames
 *     `arr[i]` (machine frames for a PV caller), writing each page's
 *     result (0 or -errno) to `err[i]`. It returns 0 when every err[] is
 *     valid; -1 with errno ENOENT when that holds but some frame failed
 *     with -ENOENT; -1 with another errno otherwise.
 *  4. IOCTL_PRIVCMD_MMAP_RESOURCE maps `num` frames of a resource of
 *     domain `dom` (XENMEM_acquire_resource: `type`, `id`, from frame
 *     `idx`) at `addr` of a privcmd mapping; a hypervisor without the
 *     resource answers EOPNOTSUPP (Lamina's answer for every one today).
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

/* Linux's layout with its pointers as 64-bit addresses (x86-64 only). */
struct privcmd_mmapbatch_v2 {
	uint32_t num;		/* IN: pages */
	uint16_t dom;		/* IN: the domain whose frames are mapped */
	uint16_t pad0;
	uint64_t addr;		/* IN: start of the privcmd mapping */
	uint64_t arr;		/* IN: const xen_pfn_t[num] */
	uint64_t err;		/* OUT: int[num] */
};

#define IOCTL_PRIVCMD_MMAPBATCH_V2 \
	_IOC(_IOC_NONE, 'P', 4, sizeof(struct privcmd_mmapbatch_v2))

struct privcmd_mmap_resource {
	uint16_t dom;		/* IN */
	uint16_t pad0;
	uint32_t type;		/* IN: XENMEM_resource_* */
	uint32_t id;		/* IN */
	uint32_t idx;		/* IN: first frame */
	uint64_t num;		/* IN: frames */
	uint64_t addr;		/* IN: start of the privcmd mapping */
};

#define IOCTL_PRIVCMD_MMAP_RESOURCE \
	_IOC(_IOC_NONE, 'P', 7, sizeof(struct privcmd_mmap_resource))

#endif
