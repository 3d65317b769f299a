/* SPDX-License-Identifier: MIT */
/*
 * Hypercalls a 64-bit PV guest may make on Xen 4.17 that Lamina offers
 * only as far as their refusals go: it has no profiling, no virtual PMU,
 * no shadow paging and an empty hypervisor file system. Each answers what
 * Xen 4.17 answers a PV guest in the same state (docs/conformance.md).
 *
 * xenoprof_op (31): long xenoprof_op(int op, void *arg). No domain ever
 * becomes the primary profiler.
 *  1. op < 0 or op > XENOPROF_last_op: -EINVAL.
 *  2. Any op but init, enable_virq, disable_virq and get_buffer: -EPERM.
 *  3. init: struct xenoprof_init unreadable -EFAULT, else -ENODEV (no
 *     profiling hardware Lamina drives; Xen's answer for such a CPU).
 *  4. get_buffer: struct xenoprof_get_buffer unreadable -EFAULT, else
 *     -ENODEV (Xen would allocate sample buffers: a difference).
 *  5. enable_virq, disable_virq: -EPERM (the caller is not profiled).
 *
 * xenpmu_op (40): every call -EOPNOTSUPP (Xen with its vPMU off).
 *
 * paging_domctl_cont (49): long paging_domctl_cont(struct domctl *op),
 * the continuation of domctl shadow_op. struct domctl unreadable -EFAULT;
 * another version or cmd than DOMCTL_shadow_op -EOPNOTSUPP; no such
 * domain -ESRCH; an unprivileged caller -EPERM; the caller itself -EINVAL;
 * a dying domain 0; one without vCPUs -EINVAL; else -EBUSY (nothing to
 * continue). Then u.shadow_op is written back (-EFAULT if it cannot be).
 *
 * hypfs_op (42): long hypfs_op(unsigned int cmd, const char *path,
 * unsigned long path_len, void *buf, unsigned long buf_len). dom0 only
 * (-EPERM). get_version: 1, -EINVAL unless the other four are 0. Any
 * other cmd: path_len > 1024 -EINVAL, path unreadable -EFAULT, path not
 * ending at its first NUL (path_len 0 too) -EINVAL, not starting with '/'
 * -EINVAL; only "/", an empty directory, exists (-ENOENT). On "/": read
 * with buf_len < 12 -EINVAL, else its struct hypfs_direntry (-EFAULT),
 * 0; write_contents -EACCES; other cmds -EOPNOTSUPP.
 */
#ifndef LAMINA_REFUSED_H
#define LAMINA_REFUSED_H

#include <lamina/types.h>

#define XENOPROF_init			0
#define XENOPROF_enable_virq		8
#define XENOPROF_disable_virq		11
#define XENOPROF_get_buffer		14
#define XENOPROF_last_op		17

struct xenoprof_init {
	int32_t num_events;
	int32_t is_primary;
	char cpu_type[64];
};

struct xenoprof_get_buffer {
	int32_t max_samples;
	int32_t nbuf;
	int32_t bufsize;
	uint64_t buf_gmaddr;
};


#define HYPFS_VERSION			1
#define HYPFS_MAX_PATHLEN		1024
#define HYPFS_OP_get_version		0
#define HYPFS_OP_read			1
#define HYPFS_OP_write_contents		2
#define HYPFS_TYPE_DIR			0
#define HYPFS_ENC_PLAIN			0

struct hypfs_direntry {
	uint8_t type;			/* HYPFS_TYPE_* */
	uint8_t encoding;		/* HYPFS_ENC_* */
	uint16_t pad;
	uint32_t content_len;		/* bytes after this header */
	uint32_t max_write_len;		/* 0: read-only */
};

#endif
