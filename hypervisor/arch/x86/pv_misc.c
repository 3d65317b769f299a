// SPDX-License-Identifier: GPL-2.0-only
/*
 * Small per-vCPU CPU state of a PV guest: the virtual CR0.TS
 * (fpu_taskswitch), debug registers (set_debugreg, get_debugreg, and
 * `mov %drN` emulated in emul_priv.c with the same rules) and the
 * virtual IOPL (physdev_op set_iopl). docs/abi-core.md §2.20, §2.22, §2.14.
 *
 * While there is one vCPU per CPU the guest's values live in the real
 * registers too; vcpu_load_state() puts them back when a vCPU starts (and
 * will on every switch once there are several).
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <asm/pv.h>
#include <asm/x86.h>
#include <lamina/physdev.h>
#include <asm/irq.h>
#include <lamina/xen_x86_64.h>

#define X86_CR0_TS		(1ULL << 3)
#define DR6_DEFAULT		0xFFFF0FF0ULL
#define DR7_DEFAULT		0x00000400ULL
#define DR7_GD			(1ULL << 13)
#define DR7_RESERVED		0x0000D800ULL	/* bits 11, 12, 14, 15: must be 0 */

void vcpu_set_ts(struct vcpu *v, bool ts)
{
	v->arch.fpu_ts = ts;
	write_cr0(ts ? read_cr0() | X86_CR0_TS : read_cr0() & ~X86_CR0_TS);
}

long hc_fpu_taskswitch(struct vcpu *v, struct hc_args *a)
{
	vcpu_set_ts(v, (uint32_t)a->arg[0] != 0);	/* Xen's `int set` */
	return 0;
}

#define DEFINE_DR(n)							\
static void write_dr##n(uint64_t v)					\
{									\
	asm volatile("mov %0, %%db" #n : : "r"(v));			\
}
DEFINE_DR(0)
DEFINE_DR(1)
DEFINE_DR(2)
DEFINE_DR(3)
DEFINE_DR(7)
#undef DEFINE_DR

static void load_debugregs(const struct vcpu *v)
{
	write_dr0(v->arch.dr[0]);
	write_dr1(v->arch.dr[1]);
	write_dr2(v->arch.dr[2]);
	write_dr3(v->arch.dr[3]);
	write_dr7(v->arch.dr[7]);
}

/*
 * A breakpoint's address: Xen 4.17's check of its start alone (the lower
 * canonical half, or above the hypervisor's range). A breakpoint starting
 * there never covers the hypervisor's range: one below 2^47 runs at most
 * into the non-canonical hole, one at the top wraps to the lower half
 * (~0 is taken, as Xen: conform-diff).
 */
static bool breakpoint_ok(uint64_t addr)
{
	return guest_start_ok(addr);
}

/* DR7.L0-3/G0-3: a DR7 without them leaves debugging off. */
#define DR7_ACTIVE		0xFFULL

/* The L/G enable pairs (bits 2i, 2i + 1) of DR7's I/O breakpoints (R/W = 10b). */
static uint8_t dr7_io_enables(uint64_t val)
{
	unsigned int i;
	uint8_t io = 0;

	for (i = 0; i < 4; i++)
		if (((val >> (16 + 4 * i)) & 3) == 2)
			io |= (val >> (2 * i) & 3) << (2 * i);
	return io;
}

/*
 * Xen 4.17's set_debugreg rules, for the hypercall and for an emulated
 * `mov reg, %drN` alike: DR0-3 may not point into the hypervisor
 * (-EPERM); DR6/DR7 take no upper half (-EINVAL) and get their reserved
 * bits forced (not refused); DR7.GD is -EPERM. Without the guest's
 * CR4.DE (de) an I/O breakpoint in an active DR7 is -EPERM and DR4/DR5
 * alias DR6/DR7; with it DR4/DR5 are -ENODEV (a #UD by mov) and the I/O
 * breakpoints' enables go to *io (dr7_emul): emulated for in/out
 * (vcpu_io_breakpoint), never loaded. Any other register is -ENODEV. The
 * check alone gives the register's number and the value to store.
 */
int vcpu_check_debugreg(bool de, unsigned int *regp, uint64_t *valp, uint8_t *io)
{
	unsigned int reg = *regp;
	uint64_t val = *valp;
	uint8_t io_on = 0;

	if ((reg == 4 || reg == 5) && de)
		return trace_err(-ENODEV);
	if (reg == 4 || reg == 5)
		reg += 2;
	switch (reg) {
	case 0: case 1: case 2: case 3:
		if (!breakpoint_ok(val))
			return trace_err(-EPERM);
		break;
	case 6:
		if (val >> 32)
			return trace_err(-EINVAL);
		val = (val & 0xE00F) | DR6_DEFAULT;
		break;
	case 7:
		if (val >> 32)
			return trace_err(-EINVAL);
		val = (val & ~DR7_RESERVED) | DR7_DEFAULT;
		if (val & DR7_ACTIVE)
			io_on = dr7_io_enables(val);
		if ((val & DR7_GD) || (io_on && !de))
			return trace_err(-EPERM);
		val &= ~(uint64_t)io_on;
		*io = io_on;
		break;
	default:
		/* What Xen 4.17 answers, seen by tests/guest/cpustate on it
		 * (docs/abi-core.md §2.22 says -EINVAL). */
		return trace_err(-ENODEV);
	}
	*regp = reg;
	*valp = val;
	return 0;
}

int vcpu_set_debugreg(struct vcpu *v, unsigned int reg, uint64_t val)
{
	int rc = vcpu_check_debugreg(v->arch.cr4_de, &reg, &val, &v->arch.dr7_emul);

	if (rc)
		return rc;
	v->arch.dr[array_index_nospec(reg, ARRAY_SIZE(v->arch.dr))] = val;
	load_debugregs(v);
	return 0;
}

/*
 * DR0-7 (4 and 5 alias 6 and 7 without CR4.DE, else -ENODEV); DR7 with
 * its I/O breakpoints' enables; -ENODEV for any other register.
 */
int vcpu_get_debugreg(const struct vcpu *v, unsigned int reg, uint64_t *val)
{
	if ((reg == 4 || reg == 5) && v->arch.cr4_de)
		return trace_err(-ENODEV);
	if (reg == 4 || reg == 5)
		reg += 2;
	if (reg > 7)
		return trace_err(-ENODEV);
	*val = v->arch.dr[array_index_nospec(reg, ARRAY_SIZE(v->arch.dr))];
	if (reg == 7)
		*val |= v->arch.dr7_emul;
	return 0;
}

/*
 * The guest's enabled I/O breakpoints (only with its CR4.DE) that an
 * in/out of size bytes at port hits, as a B0-B3 mask, as Xen 4.17's
 * check_guest_io_breakpoint. A breakpoint's address is masked to its
 * width, as the hardware and Debian's Xen 4.17 do (tests/guest/conform-cr4).
 */
unsigned int vcpu_io_breakpoints(const struct vcpu *v, uint16_t port, unsigned int size)
{
	static const uint8_t width[4] = { 1, 2, 8, 4 };	/* by DR7's LEN */
	unsigned int i, w, hit = 0;
	uint64_t start;

	if (!v->arch.cr4_de)
		return 0;
	for (i = 0; i < 4; i++) {
		if (!(v->arch.dr7_emul & (3U << (2 * i))))
			continue;
		w = width[(v->arch.dr[7] >> (18 + 4 * i)) & 3];
		start = v->arch.dr[i] & ~(uint64_t)(w - 1);
		if (start < (uint64_t)port + size && start + w > port)
			hit |= 1U << i;
	}
	return hit;
}

/* Xen's `int reg`: the upper half of the register ignored. */
static unsigned int debugreg_arg(const struct hc_args *a)
{
	uint32_t reg = (uint32_t)a->arg[0];

	return reg > 7 ? 8 : reg;
}

/*
 * The #DB ending an emulated instruction: the B bits of the I/O
 * breakpoints it hit and BS (DR6_BS) for a single step, added to DR6.
 */
void vcpu_raise_db(struct vcpu *v, struct cpu_regs *r, unsigned int dr6)
{
	v->arch.dr[6] |= dr6 | DR6_DEFAULT;
	pv_inject_trap(v, r, 1, 0);
}

long hc_set_debugreg(struct vcpu *v, struct hc_args *a)
{
	return vcpu_set_debugreg(v, debugreg_arg(a), a->arg[1]);
}

long hc_get_debugreg(struct vcpu *v, struct hc_args *a)
{
	uint64_t val;
	int rc = vcpu_get_debugreg(v, debugreg_arg(a), &val);

	return rc ? rc : (long)val;
}

/*
 * #DB for the guest: its virtual DR6 records why (B0-B3, BD, BS, BT).
 * Merged as Xen 4.17's do_debug merges: the bits the CPU set are added
 * to what the guest's DR6 held (sticky until the guest clears them, so
 * a breakpoint's #DB after a single step reads B0 and BS), and an
 * active-low bit the CPU cleared (RTM) is cleared. Lamina replaced the
 * B and BS bits with this #DB's alone (conform-trap-diff's bp-* and
 * popf-tf lines, 6 Dec).
 */
void vcpu_note_debug_trap(struct vcpu *v)
{
	uint64_t dr6, d;

	asm volatile("mov %%db6, %0" : "=r"(dr6));
	d = v->arch.dr[6] | (dr6 & ~DR6_DEFAULT);
	v->arch.dr[6] = d & (dr6 | ~DR6_DEFAULT);
	asm volatile("mov %0, %%db6" : : "r"(DR6_DEFAULT));
}

void vcpu_load_state(struct vcpu *v)
{
	if (!v->arch.dr[6])
		v->arch.dr[6] = DR6_DEFAULT;
	if (!v->arch.dr[7])
		v->arch.dr[7] = DR7_DEFAULT;
	load_debugregs(v);
	vcpu_set_ts(v, v->arch.fpu_ts);
}

long hc_physdev_op(struct vcpu *v, struct hc_args *a)
{
	struct physdev_set_iopl iopl;
	struct physdev_set_iobitmap iobmp;

	switch ((uint32_t)a->arg[0]) {	/* Xen's `int cmd`: the upper half ignored */
	case PHYSDEVOP_set_iobitmap:
		/*
		 * As Xen 4.17: the first nr_ports ports are governed by the
		 * guest's bitmap (a clear bit allows the port) when the
		 * virtual IOPL does not allow them (emul_priv.c); 0 ports,
		 * the default, means none. The bitmap must start in guest
		 * space; like Xen's access_ok, only its first byte is looked at
		 * (the rest is read with checks, port by port, emul_priv.c).
		 */
		if (copy_from_guest(&iobmp, a->arg[1], sizeof(iobmp)))
			return -EFAULT;
		if (!guest_range_ok(iobmp.bitmap, 1) || iobmp.nr_ports > 65536)
			return trace_err(-EINVAL);
		v->arch.iobmp = iobmp.bitmap;
		v->arch.iobmp_limit = iobmp.nr_ports;
		return 0;
	case PHYSDEVOP_IRQ_UNMASK_NOTIFY:
		return 0;	/* legacy: no physical IRQ is ever masked for a guest */
	case PHYSDEVOP_set_iopl:
		if (copy_from_guest(&iopl, a->arg[1], sizeof(iopl)))
			return -EFAULT;
		if (iopl.iopl > 3)
			return trace_err(-EINVAL);
		v->arch.iopl = iopl.iopl;
		return 0;
	default:
		return physdev_irq_op(v, a->arg[0], a->arg[1]);	/* irq.c */
	}
}
