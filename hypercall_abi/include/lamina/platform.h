/* SPDX-License-Identifier: MIT */
/*
 * platform_op (7): long platform_op(struct xen_platform_op *op), dom0's
 * firmware and CPU queries. Xen 4.17's order of checks: op unreadable
 * (the whole 136 bytes) -EFAULT, another interface_version -EACCES, an
 * unprivileged caller -EPERM, an unknown cmd -ENOSYS. Lamina answers:
 *  - get_cpuinfo: for a CPU Lamina may start (MADT and nr_cpus=) its APIC
 *    and ACPI ids and flags ONLINE if up; for any other id flags INVALID;
 *    max_present the highest such CPU. Written back (-EFAULT).
 *  - get_cpu_version: for a CPU up, the vendor string, family, model and
 *    stepping as Xen derives them from CPUID leaf 1 (read on the calling
 *    CPU: Lamina's CPUs are alike); for any other id zeros; max_present.
 *  - firmware_info: type disk_info, disk_mbr_signature, vbeddc_info and
 *    kbd_shift_flags -ESRCH (Lamina gathers no BIOS data at boot: Xen's
 *    answer when it has none); efi_info -ENOSYS (no EFI boot); another
 *    type -EINVAL.
 *  - cpu_online: an id not present -EINVAL, an online CPU 0, else
 *    -EOPNOTSUPP. cpu_offline: CPU 0 -EOPNOTSUPP, an id not present
 *    -EINVAL, an offline CPU 0, else -EOPNOTSUPP (no CPU hotplug).
 *  - read_memtype: reg at or above the variable MTRR count (0 without
 *    MTRRs) -EINVAL, else the range as Xen's generic_get_mtrr (mfn,
 *    nr_mfns the 32-bit negation of the page mask, type; zeros for a free
 *    one), written back.
 *  - settime32, settime64: the wall clock was secs.nsecs at system time
 *    system_time; every domain's shared_info wall clock (wc_sec, wc_nsec,
 *    wc_sec_hi) becomes (secs * 10^9 + nsecs - system_time) modulo 2^64,
 *    plus its own settimeoffset, at once (Linux dom0 calls settime64 when
 *    its clock is set, and every 11 minutes). settime64 with mbz set -EINVAL.
 *  - resource_op: 0 entries 0, more than 16 -EINVAL, else -EOPNOTSUPP.
 *  - the others (memtype add/del, microcode, quirks, EFI calls, ACPI sleep
 *    and power data, hotadd, core parking, symbols): -ENOSYS.
 */
#ifndef LAMINA_PLATFORM_H
#define LAMINA_PLATFORM_H

#include <lamina/types.h>

#define XENPF_INTERFACE_VERSION		0x03000001

#define XENPF_settime32			17
#define XENPF_read_memtype		33
#define XENPF_get_cpu_version		48
#define XENPF_firmware_info		50
#define XENPF_set_processor_pminfo	54
#define XENPF_get_cpuinfo		55
#define XENPF_cpu_online		56
#define XENPF_cpu_offline		57
#define XENPF_resource_op		61
#define XENPF_settime64			62

#define XEN_FW_DISK_INFO		1
#define XEN_FW_DISK_MBR_SIGNATURE	2
#define XEN_FW_VBEDDC_INFO		3
#define XEN_FW_EFI_INFO			4
#define XEN_FW_KBD_SHIFT_FLAGS		5

#define XEN_PCPU_FLAGS_ONLINE		1
#define XEN_PCPU_FLAGS_INVALID		2

#define XENPF_RESOURCE_MAX_ENTRIES	16

struct xenpf_pcpuinfo {
	uint32_t xen_cpuid;		/* IN */
	uint32_t max_present;		/* OUT */
	uint32_t flags;			/* OUT: XEN_PCPU_FLAGS_* */
	uint32_t apic_id;
	uint32_t acpi_id;
};

struct xenpf_pcpu_version {
	uint32_t xen_cpuid;		/* IN */
	uint32_t max_present;		/* OUT */
	char vendor_id[12];
	uint32_t family;
	uint32_t model;
	uint32_t stepping;
};

struct xenpf_read_memtype {
	uint32_t reg;			/* IN */
	uint32_t pad;
	uint64_t mfn;			/* OUT */
	uint64_t nr_mfns;
	uint32_t type;
};

/* set_processor_pminfo's types; only _PDC is answered (no power management). */
#define XEN_PM_CX			0
#define XEN_PM_PX			1
#define XEN_PM_TX			2
#define XEN_PM_PDC			3

/*
 * _PDC capability bits (ACPI processor "Processor Driver Capabilities"):
 * the buffer is { revision (1), count, capabilities }.
 */
#define ACPI_PDC_REVISION_ID		1
#define ACPI_PDC_P_FFH			0x0001
#define ACPI_PDC_C_C1_HALT		0x0002
#define ACPI_PDC_T_FFH			0x0004
#define ACPI_PDC_SMP_C1PT		0x0008
#define ACPI_PDC_SMP_C2C3		0x0010
#define ACPI_PDC_SMP_P_SWCOORD		0x0020
#define ACPI_PDC_SMP_C_SWCOORD		0x0040
#define ACPI_PDC_SMP_T_SWCOORD		0x0080
#define ACPI_PDC_C_C1_FFH		0x0100
#define ACPI_PDC_C_C2C3_FFH		0x0200
#define ACPI_PDC_SMP_P_HWCOORD		0x0800
#define ACPI_PDC_C_MASK			(ACPI_PDC_C_C1_HALT | ACPI_PDC_C_C1_FFH | \
					 ACPI_PDC_SMP_C2C3 | ACPI_PDC_SMP_C_SWCOORD | \
					 ACPI_PDC_C_C2C3_FFH)
#define ACPI_PDC_P_MASK			(ACPI_PDC_P_FFH | ACPI_PDC_SMP_P_SWCOORD | \
					 ACPI_PDC_SMP_P_HWCOORD)
#define ACPI_PDC_T_MASK			(ACPI_PDC_T_FFH | ACPI_PDC_SMP_T_SWCOORD)

struct xenpf_set_processor_pminfo {
	uint32_t id;			/* ACPI processor id; ~0: the boot CPU (_PDC) */
	uint32_t type;			/* XEN_PM_* */
	uint64_t pdc;			/* XEN_PM_PDC: the guest's uint32_t[3] */
};

struct xen_platform_op {
	uint32_t cmd;			/* XENPF_* */
	uint32_t interface_version;	/* XENPF_INTERFACE_VERSION */
	union {
		struct xenpf_pcpuinfo pcpu_info;
		struct xenpf_pcpu_version pcpu_version;
		struct xenpf_read_memtype read_memtype;
		struct xenpf_set_processor_pminfo set_pminfo;
		struct { uint32_t secs, nsecs; uint64_t system_time; } settime32;
		struct { uint64_t secs; uint32_t nsecs, mbz; uint64_t system_time; } settime64;
		struct { uint32_t type, index; } firmware_info;
		struct { uint32_t cpuid; } cpu_ol;
		struct { uint32_t nr_entries, cpu; uint64_t entries; } resource_op;
		uint8_t pad[128];
	} u;
};

#endif
