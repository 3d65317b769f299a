/* SPDX-License-Identifier: MIT */
/*
 * sysctl (35): long sysctl(struct sysctl *op), the toolstack's view of the
 * whole machine, dom0 only. Layouts follow Xen 4.17's public sysctl.h
 * (interface version 0x15, the same number as domctl's). Lamina answers
 * readconsole, physinfo, sched_id, getdomaininfolist, debug_keys,
 * getcpuinfo, availheap, cputopoinfo, numainfo, pcitopoinfo,
 * get_cpu_levelling_caps, get_cpu_featureset and get_cpu_policy, and
 * tbuf_op, livepatch_op, get_pmstat, psr_*, coverage_op as Xen without
 * those features; other commands get -ENOSYS. A wrong
 * interface_version is -EACCES, a caller other than dom0 -EPERM.
 */
#ifndef LAMINA_SYSCTL_H
#define LAMINA_SYSCTL_H

#include <stdint.h>
#include <lamina/types.h>
#include <lamina/domctl.h>

#define SYSCTL_INTERFACE_VERSION	0x00000015

#define SYSCTL_readconsole		1
#define SYSCTL_physinfo			3
#define SYSCTL_sched_id			4
#define SYSCTL_getdomaininfolist	6
#define SYSCTL_debug_keys		7
#define SYSCTL_getcpuinfo		8
#define SYSCTL_availheap		9
#define SYSCTL_cputopoinfo		16
#define SYSCTL_numainfo			17
#define SYSCTL_cpupool_op		18	/* one pool, 0, of every CPU up (below) */
#define SYSCTL_get_pmstat		10	/* no power statistics: Xen's answers without them */
#define SYSCTL_coverage_op		20	/* no coverage build: -EOPNOTSUPP */
#define SYSCTL_psr_cmt_op		21	/* no PSR: -ENODEV */
#define SYSCTL_pcitopoinfo		22
#define SYSCTL_psr_alloc		23	/* no PSR: -ENODEV, unknown cmd -EOPNOTSUPP */
#define SYSCTL_get_cpu_levelling_caps	25	/* OUT u32 caps at 0: 0, no masking or faulting used */
#define SYSCTL_tbuf_op			2	/* no trace buffers allocated */
#define SYSCTL_get_cpu_featureset	26
#define SYSCTL_livepatch_op		27	/* no patches loaded */
#define SYSCTL_get_cpu_policy		29

/* physinfo capabilities (PHYSCAP_*). */
#define PHYSCAP_hvm			(1U << 0)
#define PHYSCAP_pv			(1U << 1)
#define PHYSCAP_directio		(1U << 2)
#define PHYSCAP_hap			(1U << 3)
#define PHYSCAP_shadow			(1U << 4)
#define PHYSCAP_iommu_hap_pt_share	(1U << 5)
#define PHYSCAP_vmtrace			(1U << 6)
#define PHYSCAP_vpmu			(1U << 7)
#define PHYSCAP_gnttab_v1		(1U << 8)
#define PHYSCAP_gnttab_v2		(1U << 9)

struct sysctl_physinfo {
	uint32_t threads_per_core;
	uint32_t cores_per_socket;
	uint32_t nr_cpus;		/* online */
	uint32_t max_cpu_id;
	uint32_t nr_nodes;
	uint32_t max_node_id;
	uint32_t cpu_khz;
	uint32_t capabilities;		/* PHYSCAP_* */
	uint32_t arch_capabilities;	/* x86: assisted xAPIC/x2APIC, 0 here */
	uint32_t pad;
	uint64_t total_pages;		/* RAM the hypervisor manages */
	uint64_t free_pages;		/* of which free now */
	uint64_t scrub_pages;		/* freed, not zeroed yet (Xen 4.17: 0) */
	uint64_t outstanding_pages;	/* claimed, not yet allocated */
	uint64_t max_mfn;		/* the highest machine frame there may be */
	uint32_t hw_cap[8];
};

/*
 * readconsole: copies the hypervisor's console ring (its last 16 KiB of
 * output) to buffer, from the oldest byte kept, or with incremental from
 * index if that still lies in the ring; at most count bytes. OUT: count
 * = bytes written, index = where the next incremental read starts.
 * clear: forget what was read. Xen 4.17's layout and rules.
 */
struct sysctl_readconsole {
	uint8_t clear;			/* IN */
	uint8_t incremental;		/* IN */
	uint8_t pad0, pad1;
	uint32_t index;			/* IN/OUT */
	uint64_t buffer;		/* IN: guest VA */
	uint32_t count;			/* IN: buffer size; OUT: bytes written */
	uint32_t pad2;
};

/*
 * sched_id: OUT the scheduler's XEN_SCHEDULER_* number. Lamina answers
 * XEN_SCHEDULER_NULL: it has no per-domain scheduling parameters, so a
 * toolstack asks for none (Xen 4.17's default scheduler is credit2, 6).
 */
#define XEN_SCHEDULER_CREDIT2		6
#define XEN_SCHEDULER_NULL		9
struct sysctl_sched_id {
	uint32_t sched_id;		/* OUT */
};

/* IN: first_domain, max_domains, buffer; OUT: num_domains records filled. */
struct sysctl_getdomaininfolist {
	domid_t first_domain;
	uint16_t pad;
	uint32_t max_domains;
	uint64_t buffer;		/* struct domctl_getdomaininfo[max_domains] */
	uint32_t num_domains;
	uint32_t pad2;
};

/*
 * debug_keys: runs the hypervisor's debug key handlers for keys[0 ..
 * nr_keys - 1] in order, as if typed on its console (their output goes to
 * the console and its ring, readconsole); a key without a handler is
 * ignored. A key that cannot be read is -EFAULT, the ones before it have
 * run. Nothing is written back. Xen 4.17's layout and rules; Lamina's keys
 * are its own (docs/debugging.md), and a build without CONFIG_DEBUG_KEYS
 * answers -ENOSYS.
 */
struct sysctl_debug_keys {
	uint64_t keys;			/* IN: guest VA of nr_keys characters */
	uint32_t nr_keys;		/* IN */
	uint32_t pad;
};

/*
 * getcpuinfo: writes info[i] for CPUs 0 .. min(max_cpus, the hypervisor's
 * CPU count) - 1; OUT nr_cpus = records written. max_cpus 0 writes none
 * and answers 0 (info is not looked at); a record that cannot be written
 * is -EFAULT, the records before it stay written and nr_cpus is not
 * updated. Xen 4.17's layout and rules.
 */
struct sysctl_cpuinfo {
	uint64_t idletime;		/* ns the CPU has spent idle since boot */
};
struct sysctl_getcpuinfo {
	uint32_t max_cpus;		/* IN */
	uint32_t pad;
	uint64_t info;			/* IN: struct sysctl_cpuinfo[max_cpus] */
	uint32_t nr_cpus;		/* OUT */
	uint32_t pad2;
};

/*
 * availheap: OUT avail_bytes = the free memory of NUMA node `node` (-1:
 * every node) whose frames fall in Xen's zones from min_bitwidth's to
 * max_bitwidth's (0: no bound). Zone z holds the frames with 2^(z-1) <=
 * mfn < 2^z, a width w's zone is w - 12 (1 for w <= 12), the lowest zone
 * counted is 1 (frame 0 never is) and the highest 40; so max_bitwidth w
 * counts frames below 2^w bytes, min_bitwidth w those from 2^(w-1)
 * bytes. A node that is not there, or min above max, gives 0. Xen 4.17's
 * layout and rules; Lamina has one node, 0.
 */
struct sysctl_availheap {
	uint32_t min_bitwidth;		/* IN */
	uint32_t max_bitwidth;		/* IN */
	int32_t node;			/* IN */
	uint32_t pad;
	uint64_t avail_bytes;		/* OUT */
};

/*
 * cputopoinfo: the CPUs 0 .. N - 1, N the highest present CPU + 1. A NULL
 * cputopo asks for N (OUT num_cpus = N); otherwise cputopo[i] is written
 * for i < min(num_cpus, N) and num_cpus set to the records written. A
 * record that cannot be written is -EFAULT, those before it written and
 * nothing copied back. Xen 4.17's layout and rules; a CPU not present
 * would have the INVALID ids.
 */
#define SYSCTL_INVALID_CORE_ID		(~0U)
#define SYSCTL_INVALID_SOCKET_ID	(~0U)
#define SYSCTL_INVALID_NODE_ID		(~0U)
struct sysctl_cputopo {
	uint32_t core;
	uint32_t socket;
	uint32_t node;
};
struct sysctl_cputopoinfo {
	uint32_t num_cpus;		/* IN/OUT */
	uint32_t pad;
	uint64_t cputopo;		/* IN: struct sysctl_cputopo[num_cpus], or 0 */
};

/*
 * numainfo: the nodes 0 .. N - 1 (N = the highest online node + 1; 1 on
 * Lamina). Both handles NULL asks for N (OUT num_nodes = N); otherwise,
 * for i < n = min(num_nodes, N), meminfo[i] (when not NULL) and the row
 * distance[i * n .. i * n + n - 1] (when not NULL: 10 to itself, as
 * ACPI's SLIT) are written, and num_nodes set to n. A write that fails
 * is -EFAULT, nothing copied back. Xen 4.17's layout and rules.
 */
#define SYSCTL_INVALID_MEM_SZ		(~0U)
#define SYSCTL_INVALID_NODE_DIST	(~0U)
struct sysctl_meminfo {
	uint64_t memsize;		/* bytes the node spans */
	uint64_t memfree;		/* bytes free in it */
};
struct sysctl_numainfo {
	uint32_t num_nodes;		/* IN/OUT */
	uint32_t pad;
	uint64_t meminfo;		/* IN: struct sysctl_meminfo[num_nodes], or 0 */
	uint64_t distance;		/* IN: uint32_t[num_nodes * num_nodes], or 0 */
};

/*
 * pcitopoinfo: for each devs[i], i < num_devs, nodes[i] = the function's
 * node when the hypervisor knows the PCI function (dom0 reported it;
 * SYSCTL_INVALID_NODE_ID, no ACPI proximity being known, as Xen 4.17
 * without SRAT), SYSCTL_INVALID_DEV when not (Xen 4.17 without an IOMMU
 * scans no bus itself either).
 * A NULL devs or nodes is -EINVAL; an entry that cannot be read or written
 * -EFAULT with those before done, nothing copied back. Past 64 entries the
 * call may stop early when the CPU is wanted: num_devs is then the count
 * done (the caller asks again for the rest). Xen 4.17's layout and rules.
 *
 * get_pmstat: a CPU not online (cpuid past them) -EINVAL, else -ENODEV:
 * Xen 4.17's answers with neither C-state nor P-state statistics.
 * coverage_op: -EOPNOTSUPP with the struct written back as given (a
 * read-only one -EFAULT), as a Xen built without coverage.
 */
#define SYSCTL_INVALID_DEV		(~0U - 1)
struct sysctl_pci_dev {
	uint16_t seg;
	uint8_t bus;
	uint8_t devfn;
};
struct sysctl_pcitopoinfo {
	uint32_t num_devs;		/* IN/OUT */
	uint32_t pad;
	uint64_t devs;			/* IN: struct sysctl_pci_dev[num_devs] */
	uint64_t nodes;			/* OUT: uint32_t[num_devs] */
};
struct sysctl_get_pmstat {
	uint32_t type;
	uint32_t cpuid;
};
struct sysctl_psr_alloc {
	uint32_t cmd;
	uint32_t target;
};

/*
 * tbuf_op: Xen's trace buffers, none allocated (Lamina records no
 * trace). get_info: OUT evt_mask (as last set; TRC_ALL at boot),
 * buffer_mfn 0, size 0. set_cpu_mask reads the map (-EFAULT) and keeps
 * nothing; set_evt_mask keeps the mask; set_size 0 -EINVAL, else
 * -EOPNOTSUPP (Xen would allocate: a documented difference); enable
 * -EINVAL (no buffers, as Xen); disable 0; other cmds -EINVAL. Xen
 * 4.17's layout; the struct is written back when the answer is 0.
 */
#define TBUFOP_get_info			0
#define TBUFOP_set_cpu_mask		1
#define TBUFOP_set_evt_mask		2
#define TBUFOP_set_size			3
#define TBUFOP_enable			4
#define TBUFOP_disable			5
#define TRC_ALL				0x0ffff000U
struct sysctl_tbuf_op {
	uint32_t cmd;			/* IN: TBUFOP_* */
	uint32_t pad;
	struct domctl_bitmap cpu_mask;	/* IN/OUT */
	uint32_t evt_mask;		/* IN/OUT */
	uint32_t pad2;
	uint64_t buffer_mfn;		/* OUT */
	uint32_t size;			/* IN/OUT: pages per CPU */
	uint32_t pad3;
};

/*
 * get_cpu_featureset: the featureset `index` (raw, host, pv, hvm, pv_max,
 * hvm_max) as 32-bit words in Xen 4.17.7's order (FEATURESET_NR words:
 * 1.EDX, 1.ECX, 0x80000001.EDX, .ECX, 0xD:1.EAX, 7:0.EBX, .ECX,
 * 0x80000007.EDX, 0x80000008.EBX, 7:0.EDX, 7:1.EAX, 0x80000021.EAX,
 * 7:1.EBX, 7:2.EDX, 7:1.ECX, 7:1.EDX, MSR_ARCH_CAPS's low and high
 * halves, 0x80000021.ECX; 4.17.0 had the first 14). A NULL
 * features asks for the count (OUT nr_features = FEATURESET_NR, 0);
 * otherwise n = min(nr_features, FEATURESET_NR) words are written,
 * nr_features = n, and -ENOBUFS when n < FEATURESET_NR. An index past 5
 * -EINVAL, an HVM one -EOPNOTSUPP (Lamina has no HVM: Xen's answer
 * without it). Xen 4.17's layout and rules.
 */
#define FEATURESET_NR			19
#define CPU_FEATURESET_raw		0
#define CPU_FEATURESET_host		1
#define CPU_FEATURESET_pv		2
#define CPU_FEATURESET_hvm		3
#define CPU_FEATURESET_pv_max		4
#define CPU_FEATURESET_hvm_max		5
struct sysctl_cpu_featureset {
	uint32_t index;			/* IN */
	uint32_t nr_features;		/* IN/OUT */
	uint64_t features;		/* OUT: uint32_t[nr_features], or 0 */
};

/*
 * get_cpu_policy (sysctl, by index; domctl, of a domain): the CPUID
 * leaves and MSRs of a policy, in Xen 4.17's order (its
 * x86_cpuid_copy_to_buffer and x86_msr_copy_to_buffer). A NULL leaves
 * asks for the most there can be (CPUID_MAX_SERIALISED_LEAVES), a NULL
 * msrs likewise (MSR_MAX_SERIALISED); otherwise the entries are written
 * and the count set to those written, or -ENOBUFS (nothing written back)
 * when the buffer is too small. sysctl: _rsvd not 0 or an index past 5
 * -EINVAL, an HVM one -EOPNOTSUPP.
 */
#define CPUID_MAX_SERIALISED_LEAVES	120
#define MSR_MAX_SERIALISED		2
#define CPUID_NO_SUBLEAF		0xffffffffU
#define CPU_POLICY_raw			0
#define CPU_POLICY_host			1
#define CPU_POLICY_pv_max		2
#define CPU_POLICY_hvm_max		3
#define CPU_POLICY_pv_default		4
#define CPU_POLICY_hvm_default		5
struct cpuid_leaf_entry {
	uint32_t leaf, subleaf;
	uint32_t a, b, c, d;
};
struct msr_entry {
	uint32_t idx;
	uint32_t flags;			/* 0 */
	uint64_t val;
};
struct sysctl_cpu_policy {
	uint32_t index;			/* IN: CPU_POLICY_* */
	uint32_t nr_leaves;		/* IN/OUT */
	uint32_t nr_msrs;		/* IN/OUT */
	uint32_t _rsvd;			/* IN: 0 */
	uint64_t leaves;		/* OUT: struct cpuid_leaf_entry[nr_leaves], or 0 */
	uint64_t msrs;			/* OUT: struct msr_entry[nr_msrs], or 0 */
};

/*
 * livepatch_op: answered as a Xen with live patching and no patch
 * loaded. Every name is checked as Xen's get_name (size 1-128, pad 0,
 * readable, NUL-terminated: else -EINVAL or -EFAULT). get and action:
 * no such payload, -ENOENT; list: none (nr 0, version 1, the totals 0;
 * nr past 1024 -E2BIG, pad -EINVAL); upload: Xen's checks (-EINVAL for
 * a bad name or size, -EFAULT for a payload outside the guest), then
 * -EOPNOTSUPP: Lamina loads no patch (a documented difference). A cmd
 * past 3 -EOPNOTSUPP, op pad -EINVAL. The struct is written back
 * unless the answer is -EOPNOTSUPP (or -ENOSYS), as Xen.
 */
#define LIVEPATCH_UPLOAD		0
#define LIVEPATCH_GET			1
#define LIVEPATCH_LIST			2
#define LIVEPATCH_ACTION		3
#define LIVEPATCH_NAME_SIZE		128
#define LIVEPATCH_MAX_SIZE		(2U << 20)	/* Xen 4.17's MB(2) */
struct livepatch_name {
	uint64_t name;			/* IN: guest pointer */
	uint16_t size;			/* IN: with the NUL */
	uint16_t pad[3];
};
struct sysctl_livepatch_op {
	uint32_t cmd;
	uint32_t pad;
	union {
		struct {
			struct livepatch_name name;
			uint64_t size;
			uint64_t payload;
		} upload;
		struct {
			struct livepatch_name name;
			uint32_t state;
			int32_t rc;
		} get;
		struct {
			uint32_t version;	/* OUT */
			uint32_t idx;		/* IN */
			uint32_t nr;		/* IN; OUT: payloads left */
			uint32_t pad;
			uint32_t name_total_size;	/* OUT */
			uint32_t metadata_total_size;	/* OUT */
			uint64_t status, name, len, metadata, metadata_len;
		} list;
		struct {
			struct livepatch_name name;
			uint32_t cmd, timeout, flags, pad;
		} action;
	} u;
};

/*
 * cpupool_op: Lamina has one CPU pool, 0, the scheduler's (sched_id's
 * XEN_SCHEDULER_NULL), holding every CPU up and every domain; no CPU is
 * free. INFO gives the first pool with an id at or above cpupool_id (as
 * Xen: -ENOENT past pool 0), FREEINFO the empty map of free CPUs; the
 * others answer as Xen 4.17 does for such a partition, except that a
 * new pool (CREATE of another id) and a CPU taken out of pool 0 (RMCPU)
 * are -EOPNOTSUPP (docs/conformance.md).
 */
#define CPUPOOL_OP_CREATE	1
#define CPUPOOL_OP_DESTROY	2
#define CPUPOOL_OP_INFO		3
#define CPUPOOL_OP_ADDCPU	4
#define CPUPOOL_OP_RMCPU	5
#define CPUPOOL_OP_MOVEDOMAIN	6
#define CPUPOOL_OP_FREEINFO	7
#define CPUPOOL_PAR_ANY		0xFFFFFFFFU
struct sysctl_cpupool_op {
	uint32_t op;			/* CPUPOOL_OP_* */
	uint32_t cpupool_id;		/* IN: create, destroy, info, add, rm, move; OUT: create, info */
	uint32_t sched_id;		/* IN: create; OUT: info */
	uint32_t domid;			/* IN: move */
	uint32_t cpu;			/* IN: add, rm */
	uint32_t n_dom;			/* OUT: info */
	struct domctl_bitmap cpumap;	/* OUT: info, freeinfo */
};

struct sysctl {
	uint32_t cmd;			/* SYSCTL_* */
	uint32_t interface_version;	/* SYSCTL_INTERFACE_VERSION */
	union {
		struct sysctl_readconsole readconsole;
		struct sysctl_physinfo physinfo;
		struct sysctl_sched_id sched_id;
		struct sysctl_getdomaininfolist getdomaininfolist;
		struct sysctl_debug_keys debug_keys;
		struct sysctl_getcpuinfo getcpuinfo;
		struct sysctl_availheap availheap;
		struct sysctl_cputopoinfo cputopoinfo;
		struct sysctl_numainfo numainfo;
		struct sysctl_pcitopoinfo pcitopoinfo;
		struct sysctl_get_pmstat get_pmstat;
		struct sysctl_psr_alloc psr_alloc;
		struct sysctl_tbuf_op tbuf_op;
		struct sysctl_cpu_featureset cpu_featureset;
		struct sysctl_cpu_policy cpu_policy;
		struct sysctl_livepatch_op livepatch;
		struct sysctl_cpupool_op cpupool_op;
		uint8_t raw[128];
	} u;
};

_Static_assert(sizeof(struct sysctl_tbuf_op) == 48, "Xen's xen_sysctl_tbuf_op");
_Static_assert(__builtin_offsetof(struct sysctl_tbuf_op, buffer_mfn) == 32, "buffer_mfn");
_Static_assert(sizeof(struct cpuid_leaf_entry) == 24, "xen_cpuid_leaf_t");
_Static_assert(sizeof(struct msr_entry) == 16, "xen_msr_entry_t");
_Static_assert(sizeof(struct sysctl_cpu_policy) == 32, "xen_sysctl_cpu_policy");
_Static_assert(__builtin_offsetof(struct sysctl_livepatch_op, u.list.metadata_len) == 64,
	       "xen_sysctl_livepatch_list");
_Static_assert(__builtin_offsetof(struct sysctl_livepatch_op, u.action.pad) == 36,
	       "xen_sysctl_livepatch_action");
_Static_assert(sizeof(struct sysctl) == 136, "xen_sysctl");

#endif
