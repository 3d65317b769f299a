// SPDX-License-Identifier: MIT
/*
 * Layout checks for every public structure: sizes and the offsets guests
 * hard-code (docs/abi-core.md). Compiled into the hypervisor, the host unit
 * tests and the test guests, so all three agree with the ABI.
 */
#include <stddef.h>
#include <lamina/types.h>
#include <lamina/start_info.h>
#include <lamina/shared_info.h>
#include <lamina/version.h>
#include <lamina/sched.h>

#define CHECK_SIZE(t, n)	_Static_assert(sizeof(t) == (n), "sizeof " #t)
#define CHECK_OFF(t, f, n)	_Static_assert(offsetof(t, f) == (n), "offsetof " #t "." #f)

CHECK_SIZE(struct start_info, 1168);
CHECK_OFF(struct start_info, nr_pages, 32);
CHECK_OFF(struct start_info, shared_info, 40);
CHECK_OFF(struct start_info, flags, 48);
CHECK_OFF(struct start_info, store_mfn, 56);
CHECK_OFF(struct start_info, store_evtchn, 64);
CHECK_OFF(struct start_info, console.domU.mfn, 72);
CHECK_OFF(struct start_info, console.domU.evtchn, 80);
CHECK_OFF(struct start_info, console.dom0.info_size, 76);
CHECK_OFF(struct start_info, pt_base, 88);
CHECK_OFF(struct start_info, nr_pt_frames, 96);
CHECK_OFF(struct start_info, mfn_list, 104);
CHECK_OFF(struct start_info, mod_start, 112);
CHECK_OFF(struct start_info, mod_len, 120);
CHECK_OFF(struct start_info, cmd_line, 128);
CHECK_OFF(struct start_info, first_p2m_pfn, 1152);
CHECK_OFF(struct start_info, nr_p2m_frames, 1160);
CHECK_SIZE(struct dom0_vga_console_info, 40);
CHECK_OFF(struct dom0_vga_console_info, u.text_mode_3.font_height, 4);
CHECK_OFF(struct dom0_vga_console_info, u.text_mode_3.columns, 12);
CHECK_OFF(struct dom0_vga_console_info, u.vesa_lfb.lfb_base, 12);
CHECK_OFF(struct dom0_vga_console_info, u.vesa_lfb.ext_lfb_base, 36);

CHECK_SIZE(struct vcpu_time_info, 32);
CHECK_SIZE(struct vcpu_info, 64);
CHECK_OFF(struct vcpu_info, evtchn_upcall_mask, 1);
CHECK_OFF(struct vcpu_info, evtchn_pending_sel, 8);
CHECK_OFF(struct vcpu_info, arch.cr2, 16);
CHECK_OFF(struct vcpu_info, time, 32);
CHECK_OFF(struct shared_info, evtchn_pending, 2048);
CHECK_OFF(struct shared_info, evtchn_mask, 2560);
CHECK_OFF(struct shared_info, wc_version, 3072);
CHECK_OFF(struct shared_info, wc_sec_hi, 3084);
CHECK_OFF(struct shared_info, arch.max_pfn, 3088);
CHECK_OFF(struct shared_info, arch.p2m_generation, 3128);
CHECK_SIZE(struct shared_info, 3136);

CHECK_SIZE(struct xen_compile_info, 144);
CHECK_SIZE(struct xen_feature_info, 8);
CHECK_SIZE(struct sched_shutdown, 4);

#include <lamina/callback.h>
CHECK_SIZE(struct trap_info, 16);
CHECK_OFF(struct trap_info, address, 8);
CHECK_SIZE(struct callback_register, 16);
CHECK_OFF(struct callback_register, address, 8);
CHECK_SIZE(struct iret_context, 72);
CHECK_OFF(struct iret_context, flags, 24);
CHECK_OFF(struct iret_context, ss, 64);

#include <lamina/mm.h>
CHECK_SIZE(struct mmu_update, 16);
CHECK_SIZE(struct mmuext_op, 24);
CHECK_OFF(struct mmuext_op, arg1, 8);
CHECK_OFF(struct mmuext_op, arg2, 16);
CHECK_SIZE(struct multicall_entry, 64);
CHECK_OFF(struct multicall_entry, args, 16);

#include <lamina/memory.h>
CHECK_SIZE(struct xen_foreign_memory_map, 24);
CHECK_OFF(struct xen_foreign_memory_map, map, 8);
CHECK_SIZE(struct xen_memory_reservation, 32);
CHECK_OFF(struct xen_memory_reservation, extent_order, 16);
CHECK_OFF(struct xen_memory_reservation, domid, 24);
CHECK_SIZE(struct xen_memory_map, 16);
CHECK_OFF(struct xen_memory_map, buffer, 8);
CHECK_SIZE(struct e820_entry, 20);
CHECK_SIZE(struct xen_machphys_mapping, 24);
CHECK_SIZE(struct xen_machphys_mfn_list, 24);

#include <lamina/physdev.h>
CHECK_SIZE(struct physdev_set_iopl, 4);
CHECK_SIZE(struct physdev_op, 24);
CHECK_OFF(struct physdev_op, u, 8);
CHECK_SIZE(struct physdev_eoi, 4);
CHECK_SIZE(struct physdev_pirq_eoi_gmfn, 8);
CHECK_SIZE(struct physdev_irq_status_query, 8);
CHECK_SIZE(struct physdev_apic, 16);
CHECK_OFF(struct physdev_apic, value, 12);
CHECK_SIZE(struct physdev_irq, 8);
CHECK_SIZE(struct physdev_map_pirq, 40);
CHECK_OFF(struct physdev_map_pirq, type, 4);
CHECK_OFF(struct physdev_map_pirq, pirq, 12);
CHECK_OFF(struct physdev_map_pirq, entry_nr, 24);
CHECK_OFF(struct physdev_map_pirq, table_base, 32);
CHECK_SIZE(struct physdev_unmap_pirq, 8);
CHECK_SIZE(struct physdev_setup_gsi, 8);
CHECK_OFF(struct physdev_setup_gsi, polarity, 5);
CHECK_SIZE(struct physdev_get_free_pirq, 8);
CHECK_SIZE(struct physdev_manage_pci, 2);
CHECK_SIZE(struct physdev_manage_pci_ext, 16);
CHECK_OFF(struct physdev_manage_pci_ext, physfn, 12);
CHECK_SIZE(struct physdev_pci_mmcfg_reserved, 16);
CHECK_OFF(struct physdev_pci_mmcfg_reserved, flags, 12);
CHECK_SIZE(struct physdev_pci_device_add, 12);
CHECK_OFF(struct physdev_pci_device_add, physfn, 8);
CHECK_SIZE(struct physdev_pci_device, 4);
CHECK_SIZE(struct physdev_dbgp_op, 6);
CHECK_OFF(struct physdev_dbgp_op, pci, 2);
CHECK_SIZE(struct xennmi_callback, 16);

#include <lamina/event_channel.h>
CHECK_SIZE(struct evtchn_alloc_unbound, 8);
CHECK_SIZE(struct evtchn_bind_interdomain, 12);
CHECK_SIZE(struct evtchn_bind_pirq, 12);
CHECK_OFF(struct evtchn_bind_interdomain, local_port, 8);
CHECK_SIZE(struct evtchn_bind_virq, 12);
CHECK_SIZE(struct evtchn_bind_ipi, 8);
CHECK_SIZE(struct evtchn_status, 24);
CHECK_OFF(struct evtchn_status, u, 16);
CHECK_OFF(struct evtchn_status, u.interdomain.port, 20);
CHECK_SIZE(struct evtchn_op, 28);
CHECK_OFF(struct evtchn_op, u, 4);
CHECK_SIZE(struct evtchn_fifo_control_block, 72);
CHECK_OFF(struct evtchn_fifo_control_block, head, 8);
CHECK_SIZE(struct evtchn_init_control, 24);
CHECK_OFF(struct evtchn_init_control, link_bits, 16);
CHECK_SIZE(struct evtchn_expand_array, 8);
CHECK_SIZE(struct evtchn_set_priority, 8);
CHECK_SIZE(struct sched_poll, 24);
CHECK_OFF(struct sched_poll, timeout, 16);
CHECK_SIZE(struct sched_remote_shutdown, 8);

#include <lamina/vcpu.h>
CHECK_SIZE(struct vcpu_runstate_info, 48);
CHECK_OFF(struct vcpu_runstate_info, time, 16);
CHECK_SIZE(struct vcpu_set_singleshot_timer, 16);
CHECK_SIZE(struct vcpu_register_vcpu_info, 16);
CHECK_OFF(struct vcpu_register_vcpu_info, offset, 8);
CHECK_SIZE(struct xen_memory_exchange, 72);
CHECK_OFF(struct xen_memory_exchange, out, 32);
CHECK_OFF(struct xen_memory_exchange, nr_exchanged, 64);
CHECK_SIZE(struct xen_mem_acquire_resource, 32);
CHECK_OFF(struct xen_mem_acquire_resource, nr_frames, 8);
CHECK_OFF(struct xen_mem_acquire_resource, frame, 16);
CHECK_OFF(struct xen_mem_acquire_resource, frame_list, 24);

#include <lamina/hvm_op.h>
CHECK_SIZE(struct xen_hvm_param, 16);
CHECK_OFF(struct xen_hvm_param, index, 4);
CHECK_OFF(struct xen_hvm_param, value, 8);
CHECK_SIZE(struct hvm_domain_arg, 16);
CHECK_SIZE(struct xen_hvm_xentrace, 32);

#include <lamina/refused.h>
CHECK_SIZE(struct xenoprof_init, 72);
CHECK_SIZE(struct xenoprof_get_buffer, 24);
CHECK_OFF(struct xenoprof_get_buffer, buf_gmaddr, 16);
CHECK_SIZE(struct hypfs_direntry, 12);

#include <lamina/platform.h>
CHECK_SIZE(struct xen_platform_op, 136);
CHECK_SIZE(struct xenpf_pcpuinfo, 20);
CHECK_SIZE(struct xenpf_pcpu_version, 32);
CHECK_OFF(struct xenpf_read_memtype, type, 24);

#include <lamina/mca.h>
CHECK_SIZE(struct xen_mc, 152);
CHECK_OFF(struct xen_mc, u.fetch.data, 24);
CHECK_OFF(struct xen_mc, u.physcpuinfo.info, 16);
CHECK_SIZE(struct xen_mc_logical_cpu, 304);
CHECK_OFF(struct xen_mc_logical_cpu, mc_vendorid, 52);
CHECK_OFF(struct xen_mc_logical_cpu, mc_cpu_caps, 132);
CHECK_OFF(struct xen_mc_logical_cpu, mc_nmsrvals, 168);
CHECK_OFF(struct xen_mc_logical_cpu, mc_msrvalues, 176);

#include <lamina/domctl.h>
CHECK_SIZE(struct domctl, 144);
CHECK_OFF(struct domctl, u, 16);
CHECK_SIZE(struct domctl_createdomain, 64);
CHECK_SIZE(struct domctl_vcpuaffinity, 40);
CHECK_OFF(struct domctl_vcpuaffinity, cpumap_hard, 8);
CHECK_OFF(struct domctl_vcpuaffinity, cpumap_soft, 24);
CHECK_OFF(struct domctl_bitmap, nr_bits, 8);
CHECK_OFF(struct domctl_createdomain, handle, 4);
CHECK_OFF(struct domctl_createdomain, flags, 20);
CHECK_OFF(struct domctl_createdomain, max_vcpus, 28);
CHECK_OFF(struct domctl_createdomain, max_grant_frames, 36);
CHECK_OFF(struct domctl_createdomain, grant_opts, 44);
CHECK_OFF(struct domctl_createdomain, emulation_flags, 56);
CHECK_SIZE(struct domctl_getdomaininfo, 112);
CHECK_OFF(struct domctl_getdomaininfo, flags, 4);
CHECK_OFF(struct domctl_getdomaininfo, tot_pages, 8);
CHECK_OFF(struct domctl_getdomaininfo, max_pages, 16);
CHECK_OFF(struct domctl_getdomaininfo, shared_info_frame, 48);
CHECK_OFF(struct domctl_getdomaininfo, cpu_time, 56);
CHECK_OFF(struct domctl_getdomaininfo, nr_online_vcpus, 64);
CHECK_OFF(struct domctl_getdomaininfo, max_vcpu_id, 68);
CHECK_OFF(struct domctl_getdomaininfo, ssidref, 72);
CHECK_OFF(struct domctl_getdomaininfo, handle, 76);
CHECK_OFF(struct domctl_getdomaininfo, cpupool, 92);
CHECK_OFF(struct domctl_getdomaininfo, emulation_flags, 104);
CHECK_SIZE(struct domctl_getvcpuinfo, 24);
CHECK_OFF(struct domctl_getvcpuinfo, online, 4);
CHECK_OFF(struct domctl_getvcpuinfo, running, 6);
CHECK_OFF(struct domctl_getvcpuinfo, cpu_time, 8);
CHECK_OFF(struct domctl_getvcpuinfo, cpu, 16);
CHECK_OFF(struct domctl, u.vcpucontext.ctxt, 24);
CHECK_OFF(struct domctl, u.hypercall_init.gmfn, 16);
CHECK_OFF(struct domctl, u.settimeoffset.time_offset_seconds, 16);
CHECK_OFF(struct domctl, u.address_size.size, 16);
CHECK_SIZE(struct vcpu_guest_context, 5168);
CHECK_OFF(struct vcpu_guest_context, flags, 512);
CHECK_OFF(struct vcpu_guest_context, user_regs, 520);
CHECK_OFF(struct vcpu_guest_context, user_regs.rip, 648);
CHECK_OFF(struct vcpu_guest_context, user_regs.cs, 656);
CHECK_OFF(struct vcpu_guest_context, user_regs.rsp, 672);
CHECK_OFF(struct vcpu_guest_context, user_regs.ss, 680);
CHECK_OFF(struct vcpu_guest_context, trap_ctxt, 720);
CHECK_OFF(struct vcpu_guest_context, ldt_base, 4816);
CHECK_OFF(struct vcpu_guest_context, gdt_frames, 4832);
CHECK_OFF(struct vcpu_guest_context, gdt_ents, 4960);
CHECK_OFF(struct vcpu_guest_context, kernel_ss, 4968);
CHECK_OFF(struct vcpu_guest_context, ctrlreg, 4984);
CHECK_OFF(struct vcpu_guest_context, debugreg, 5048);
CHECK_OFF(struct vcpu_guest_context, event_callback_eip, 5112);
CHECK_OFF(struct vcpu_guest_context, vm_assist, 5136);
CHECK_OFF(struct vcpu_guest_context, gs_base_user, 5160);

#include <lamina/sysctl.h>
CHECK_SIZE(struct sysctl, 136);
CHECK_OFF(struct sysctl, u, 8);
CHECK_SIZE(struct sysctl_physinfo, 112);
CHECK_OFF(struct sysctl_physinfo, capabilities, 28);
CHECK_OFF(struct sysctl_physinfo, arch_capabilities, 32);
CHECK_OFF(struct sysctl_physinfo, total_pages, 40);
CHECK_OFF(struct sysctl_physinfo, free_pages, 48);
CHECK_OFF(struct sysctl_physinfo, outstanding_pages, 64);
CHECK_OFF(struct sysctl_physinfo, max_mfn, 72);
CHECK_OFF(struct sysctl_physinfo, hw_cap, 80);
CHECK_SIZE(struct sysctl_getdomaininfolist, 24);
CHECK_OFF(struct sysctl_getdomaininfolist, max_domains, 4);
CHECK_OFF(struct sysctl_getdomaininfolist, buffer, 8);
CHECK_OFF(struct sysctl_getdomaininfolist, num_domains, 16);
CHECK_SIZE(struct sysctl_readconsole, 24);
CHECK_OFF(struct sysctl_readconsole, index, 4);
CHECK_OFF(struct sysctl_readconsole, buffer, 8);
CHECK_OFF(struct sysctl_readconsole, count, 16);
CHECK_SIZE(struct sysctl_sched_id, 4);
CHECK_SIZE(struct sysctl_cpupool_op, 40);
CHECK_OFF(struct sysctl_cpupool_op, n_dom, 20);
CHECK_OFF(struct sysctl_cpupool_op, cpumap, 24);
CHECK_SIZE(struct sysctl_debug_keys, 16);
CHECK_OFF(struct sysctl_debug_keys, nr_keys, 8);
CHECK_SIZE(struct sysctl_cpuinfo, 8);
CHECK_SIZE(struct sysctl_getcpuinfo, 24);
CHECK_OFF(struct sysctl_getcpuinfo, info, 8);
CHECK_OFF(struct sysctl_getcpuinfo, nr_cpus, 16);

#include <lamina/grant_table.h>
CHECK_SIZE(struct gnttab_dump_table, 4);
CHECK_SIZE(struct gnttab_swap_grant_ref, 12);
CHECK_OFF(struct gnttab_swap_grant_ref, status, 8);
CHECK_SIZE(union grant_entry_v2, 16);
CHECK_OFF(union grant_entry_v2, full_page.frame, 8);
CHECK_OFF(union grant_entry_v2, sub_page.page_off, 4);
CHECK_OFF(union grant_entry_v2, sub_page.length, 6);
CHECK_OFF(union grant_entry_v2, sub_page.frame, 8);
CHECK_OFF(union grant_entry_v2, transitive.trans_domid, 4);
CHECK_OFF(union grant_entry_v2, transitive.gref, 8);
CHECK_SIZE(struct gnttab_get_status_frames, 16);
CHECK_OFF(struct gnttab_get_status_frames, status, 6);
CHECK_OFF(struct gnttab_get_status_frames, frame_list, 8);

#include <lamina/io/console.h>
CHECK_SIZE(struct xencons_interface, 3088);
CHECK_OFF(struct xencons_interface, out, 1024);
CHECK_OFF(struct xencons_interface, in_cons, 3072);
CHECK_OFF(struct xencons_interface, out_cons, 3080);
CHECK_OFF(struct xencons_interface, out_prod, 3084);

#include <lamina/io/netif.h>
CHECK_SIZE(struct netif_tx_request, NETIF_TX_SLOT);
CHECK_OFF(struct netif_tx_request, offset, 4);
CHECK_OFF(struct netif_tx_request, flags, 6);
CHECK_OFF(struct netif_tx_request, id, 8);
CHECK_OFF(struct netif_tx_request, size, 10);
CHECK_SIZE(struct netif_tx_response, 4);
CHECK_SIZE(struct netif_rx_request, NETIF_RX_SLOT);
CHECK_OFF(struct netif_rx_request, gref, 4);
CHECK_SIZE(struct netif_rx_response, 8);
CHECK_OFF(struct netif_rx_response, offset, 2);
CHECK_OFF(struct netif_rx_response, flags, 4);
CHECK_OFF(struct netif_rx_response, status, 6);
CHECK_SIZE(struct netif_extra_info, 8);
CHECK_OFF(struct netif_extra_info, u.gso.size, 2);
CHECK_OFF(struct netif_extra_info, u.gso.features, 6);
