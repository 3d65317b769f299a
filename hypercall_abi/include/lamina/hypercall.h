/* SPDX-License-Identifier: MIT */
/*
 * Hypercall numbers and calling convention.
 *
 * A 64-bit PV guest makes hypercall <nr> by executing `syscall` in guest
 * kernel mode with rax = nr and arguments in rdi, rsi, rdx, r10, r8; the
 * result (negative = -errno) comes back in rax. rcx and r11 are destroyed
 * by the instruction itself; callers save them. The argument registers may
 * be changed by the hypervisor; every other register is preserved.
 */
#ifndef LAMINA_HYPERCALL_H
#define LAMINA_HYPERCALL_H

/* Every number of the ABI, implemented or not. */
#define __HYPERVISOR_set_trap_table		0
#define __HYPERVISOR_mmu_update			1
#define __HYPERVISOR_set_gdt			2
#define __HYPERVISOR_stack_switch		3
#define __HYPERVISOR_set_callbacks		4
#define __HYPERVISOR_fpu_taskswitch		5
#define __HYPERVISOR_sched_op_compat		6
#define __HYPERVISOR_platform_op		7
#define __HYPERVISOR_set_debugreg		8
#define __HYPERVISOR_get_debugreg		9
#define __HYPERVISOR_update_descriptor		10
#define __HYPERVISOR_memory_op			12
#define __HYPERVISOR_multicall			13
#define __HYPERVISOR_update_va_mapping		14
#define __HYPERVISOR_set_timer_op		15
#define __HYPERVISOR_event_channel_op_compat	16
#define __HYPERVISOR_xen_version		17
#define __HYPERVISOR_console_io			18
#define __HYPERVISOR_physdev_op_compat		19
#define __HYPERVISOR_grant_table_op		20
#define __HYPERVISOR_vm_assist			21
#define __HYPERVISOR_update_va_mapping_otherdomain 22
#define __HYPERVISOR_iret			23
#define __HYPERVISOR_vcpu_op			24
#define __HYPERVISOR_set_segment_base		25
#define __HYPERVISOR_mmuext_op			26
#define __HYPERVISOR_xsm_op			27
#define __HYPERVISOR_nmi_op			28
#define __HYPERVISOR_sched_op			29
#define __HYPERVISOR_callback_op		30
#define __HYPERVISOR_xenoprof_op		31
#define __HYPERVISOR_event_channel_op		32
#define __HYPERVISOR_physdev_op			33
#define __HYPERVISOR_hvm_op			34
#define __HYPERVISOR_sysctl			35
#define __HYPERVISOR_domctl			36
#define __HYPERVISOR_kexec_op			37
#define __HYPERVISOR_xenpmu_op			40
#define __HYPERVISOR_dm_op			41
#define __HYPERVISOR_hypfs_op			42
#define __HYPERVISOR_arch_0			48
#define __HYPERVISOR_mca			48	/* arch_0 */
#define __HYPERVISOR_paging_domctl_cont		49
#define __HYPERVISOR_release_continue		50	/* Lamina's own: see hypercalls.def */

/* Size of the legacy hypercall page's slots (docs/abi-core.md §1.4). */
#define HYPERCALL_PAGE_SLOT_SIZE		32
#define HYPERCALL_PAGE_SLOTS			128

#endif
