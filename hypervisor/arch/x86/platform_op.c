// SPDX-License-Identifier: GPL-2.0-only
/*
 * platform_op (7): dom0's CPU and firmware queries, in Xen 4.17's order
 * of checks (lamina/platform.h). Lamina starts the CPUs the MADT lists
 * (up to nr_cpus=) and none later, gathers no BIOS data and has no EFI.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <hv/smp.h>
#include <hv/time.h>
#include <asm/acpi.h>
#include <asm/page.h>
#include <asm/x86.h>
#include <lamina/platform.h>

/* CPU ids 0 .. smp_nr_possible() - 1 are present, as Xen's present map. */
static bool cpu_present(uint32_t cpu)
{
	return cpu < smp_nr_possible();
}

static bool cpu_up(uint32_t cpu)
{
	return cpu < 64 && (smp_online_mask() & (1ULL << cpu));
}

static void get_cpuinfo(struct xenpf_pcpuinfo *p)
{
	if (!cpu_present(p->xen_cpuid)) {
		p->flags = XEN_PCPU_FLAGS_INVALID;
	} else {
		p->apic_id = smp_cpu_apic_id(p->xen_cpuid);
		p->acpi_id = acpi_madt_uid(p->apic_id);
		p->flags = cpu_up(p->xen_cpuid) ? XEN_PCPU_FLAGS_ONLINE : 0;
	}
	p->max_present = smp_nr_possible() - 1;
}

static void get_cpu_version(struct xenpf_pcpu_version *p)
{
	uint32_t a, b, c, d;

	memset(p->vendor_id, 0, sizeof(p->vendor_id));
	p->family = p->model = p->stepping = 0;
	if (cpu_up(p->xen_cpuid)) {
		cpuid_vendor(p->vendor_id);
		cpuid(1, 0, &a, &b, &c, &d);
		cpuid_signature(a, &p->family, &p->model, &p->stepping);
	}
	p->max_present = smp_nr_possible() - 1;
}

#define MSR_MTRRCAP		0xfe
#define MSR_MTRR_PHYSBASE(n)	(0x200 + 2 * (n))
#define MSR_MTRR_PHYSMASK(n)	(0x201 + 2 * (n))

/* Variable MTRR `reg` as Xen's generic_get_mtrr reads it; false: no such register. */
static bool read_memtype(struct xenpf_read_memtype *m)
{
	uint32_t a, b, c, d, paddr_bits = 36;
	uint64_t base, mask;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(d & (1U << 12)) || m->reg >= (rdmsr(MSR_MTRRCAP) & 0xff))
		return false;
	m->mfn = m->nr_mfns = 0;
	m->type = 0;
	mask = rdmsr(MSR_MTRR_PHYSMASK(m->reg));
	if (!(mask & (1U << 11)))		/* not valid: a free range */
		return true;
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a >= 0x80000008) {
		cpuid(0x80000008, 0, &a, &b, &c, &d);
		paddr_bits = a & 0xff;
	}
	base = rdmsr(MSR_MTRR_PHYSBASE(m->reg));
	mask = ~((1ULL << (paddr_bits - PAGE_SHIFT)) - 1) | (mask >> PAGE_SHIFT);
	m->nr_mfns = (uint32_t)-(uint32_t)mask;
	m->mfn = base >> PAGE_SHIFT;
	m->type = base & 0xff;
	return true;
}

static long firmware_info(uint32_t type)
{
	switch (type) {
	case XEN_FW_DISK_INFO:
	case XEN_FW_DISK_MBR_SIGNATURE:
	case XEN_FW_VBEDDC_INFO:
	case XEN_FW_KBD_SHIFT_FLAGS:
		return trace_err(-ESRCH);	/* no BIOS data gathered */
	case XEN_FW_EFI_INFO:
		return trace_err(-ENOSYS);	/* not booted through EFI */
	default:
		return trace_err(-EINVAL);
	}
}

/* Xen's get_cpu_id: the CPU whose MADT processor UID is acpi_id, or -1. */
static int cpu_of_acpi_id(uint32_t acpi_id)
{
	uint32_t cpu;

	for (cpu = 0; cpu_present(cpu); cpu++)
		if (acpi_madt_uid(smp_cpu_apic_id(cpu)) == acpi_id)
			return (int)cpu;
	return -1;
}

/*
 * set_processor_pminfo XEN_PM_PDC, Xen 4.17's acpi_set_pdc_bits: dom0
 * (Linux 6.6 and later at boot) asks which _PDC capabilities it may give
 * the firmware. Lamina manages no C-, P- or T-states (Xen with none of its
 * xen_processor_pmbits, as start_info's SIF_PM bits say): the
 * capabilities outside the power management masks are cleared, the FFH
 * C-state bits too without MWAIT's interrupt-break extension, the rest
 * left to dom0.
 */
static long set_pdc(uint32_t acpi_id, uint64_t pdc)
{
	uint32_t bits[3], a, b, c, d, ecx = 0;

	if (copy_from_guest(bits, pdc, 2 * sizeof(uint32_t)))
		return -EFAULT;
	if (bits[0] != ACPI_PDC_REVISION_ID || !bits[1])
		return trace_err(-EINVAL);
	if (copy_from_guest(&bits[2], pdc + 2 * sizeof(uint32_t), sizeof(uint32_t)))
		return -EFAULT;
	bits[2] &= ACPI_PDC_C_MASK | ACPI_PDC_P_MASK | ACPI_PDC_T_MASK | ACPI_PDC_SMP_C1PT;
	if (acpi_id != ~0U) {
		int cpu = cpu_of_acpi_id(acpi_id);

		if (cpu < 0 || !cpu_up((uint32_t)cpu))
			return trace_err(-EINVAL);
	}
	/* MONITOR (CPUID 1 ECX bit 3) and leaf 5's extensions (ECX bits 0, 1). */
	cpuid(0, 0, &a, &b, &c, &d);
	if (a >= 5) {
		cpuid(1, 0, &a, &b, &c, &d);
		if (c & (1U << 3))
			cpuid(5, 0, &a, &b, &ecx, &d);
	}
	if ((ecx & 3) != 3)
		bits[2] &= ~(ACPI_PDC_C_C1_FFH | ACPI_PDC_C_C2C3_FFH);
	return copy_to_guest(pdc + 2 * sizeof(uint32_t), &bits[2], sizeof(uint32_t)) ? -EFAULT : 0;
}

long hc_platform_op(struct vcpu *v, struct hc_args *a)
{
	struct xen_platform_op op;
	uint32_t cpu;

	if (copy_from_guest(&op, a->arg[0], sizeof(op)))
		return -EFAULT;
	if (op.interface_version != XENPF_INTERFACE_VERSION)
		return trace_err(-EACCES);
	if (!v->domain->is_privileged)
		return trace_err(-EPERM);
	switch (op.cmd) {
	case XENPF_get_cpuinfo:
		get_cpuinfo(&op.u.pcpu_info);
		return copy_to_guest(a->arg[0] + offsetof(struct xen_platform_op, u.pcpu_info),
				     &op.u.pcpu_info, sizeof(op.u.pcpu_info)) ? -EFAULT : 0;
	case XENPF_get_cpu_version:
		get_cpu_version(&op.u.pcpu_version);
		return copy_to_guest(a->arg[0] + offsetof(struct xen_platform_op, u.pcpu_version),
				     &op.u.pcpu_version, sizeof(op.u.pcpu_version)) ? -EFAULT : 0;
	case XENPF_firmware_info:
		return firmware_info(op.u.firmware_info.type);
	case XENPF_read_memtype:
		if (!read_memtype(&op.u.read_memtype))
			return trace_err(-EINVAL);
		return copy_to_guest(a->arg[0] + offsetof(struct xen_platform_op, u.read_memtype),
				     &op.u.read_memtype, sizeof(op.u.read_memtype)) ? -EFAULT : 0;
	case XENPF_settime32:
		wallclock_set(op.u.settime32.secs, op.u.settime32.nsecs,
			      op.u.settime32.system_time);
		return 0;
	case XENPF_settime64:
		if (op.u.settime64.mbz)
			return trace_err(-EINVAL);
		wallclock_set(op.u.settime64.secs, op.u.settime64.nsecs,
			      op.u.settime64.system_time);
		return 0;
	case XENPF_cpu_online:
		cpu = op.u.cpu_ol.cpuid;
		if ((int32_t)cpu < 0 || !cpu_present(cpu))
			return trace_err(-EINVAL);
		return cpu_up(cpu) ? 0 : trace_err(-EOPNOTSUPP);
	case XENPF_cpu_offline:
		cpu = op.u.cpu_ol.cpuid;
		if (cpu == 0)
			return trace_err(-EOPNOTSUPP);
		if ((int32_t)cpu < 0 || !cpu_present(cpu))
			return trace_err(-EINVAL);
		return cpu_up(cpu) ? trace_err(-EOPNOTSUPP) : 0;
	case XENPF_set_processor_pminfo:
		switch (op.u.set_pminfo.type) {
		case XEN_PM_CX:
		case XEN_PM_PX:
		case XEN_PM_TX:
			return trace_err(-ENOSYS);	/* Xen without those pmbits */
		case XEN_PM_PDC:
			return set_pdc(op.u.set_pminfo.id, op.u.set_pminfo.pdc);
		default:
			return trace_err(-EINVAL);
		}
	case XENPF_resource_op:
		if (!op.u.resource_op.nr_entries)
			return 0;
		if (op.u.resource_op.nr_entries > XENPF_RESOURCE_MAX_ENTRIES)
			return trace_err(-EINVAL);
		return trace_err(-EOPNOTSUPP);
	default:
		return trace_err(-ENOSYS);
	}
}
