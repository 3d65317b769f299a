// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-args-diff: seeded random arguments to the small hypercall
 * sub-ops, from dom0, printed for comparison with Xen 4.17.
 *
 * From `seed=` one xorshift generator (lib/fuzz.h) makes `calls=` calls
 * (2000 unless given). Each picks an op of the table below and fills its
 * argument struct field by field from edge sets of the field's kind:
 * numbers (0, 1, small, -1, the sign bit), domain ids (self, our own,
 * none, 1, 7, DOMID_IO/XEN), vCPU ids (0..3, huge), event ports (0..40,
 * past the end), grant refs, frames (a scratch frame of ours, a frame of
 * the hypervisor's, none), guest pointers (a good buffer, NULL, a
 * hypervisor address, non-canonical, unmapped, a read-only page, a
 * struct across the end of a page onto an unmapped one), times and flag
 * words; the struct itself is passed through a pointer of those classes
 * too (mostly a good one), and grant ops take a count of 0-2 structs.
 * Sub-op and hypercall numbers Xen 4.17 does not define come in as well.
 *
 * Each call prints one line
 *
 *	D <index> <op> <field>=<value> ... = <rc> [<out>=<value> ...]
 *
 * in terms that mean the same on both hypervisors (a value's class name,
 * never an address, a frame or a time) with only outputs that are the
 * same on both by the ABI. What a call sets up is undone after it (ports
 * closed, timers stopped, debug registers, segment bases and assists
 * put back), so the next call starts from the same state on both.
 *
 * Left out, each for its reason: calls that end or stop the domain
 * (shutdown, VCPUOP_down of vCPU 0, block), that give memory
 * away or take it (reservations, exchange, grant transfer), that write
 * the guest's live memory (a grant copy onto our own frames, a
 * vcpu_info moved), that touch the machine (apic_write, setup_gsi, PCI
 * ops, set_parameter, debug keys, cpu hotplug) or that answer with the
 * machine's or the moment's numbers (page counts, e820s, times: rc only).
 * SCHEDOP_shutdown_code is set to poweroff once at the start (Xen keeps
 * the first code until the domain shuts down), so later ones change
 * nothing.
 *
 * It runs at --smp 1 only (a domain of one vCPU; SKIP on more).
 * tests/run/conform-diff --guest conform-args-diff --seed N compares a
 * seed with its golden file (Xen 4.17's); tests/run/conform-fuzz-explore
 * --guest conform-args-diff runs seeds on both (docs/testing.md).
 * @cmdline: seed=1
 * @timeout: 240
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/fuzz.h"
#define DLINE_MAX	400
#include "lib/dline.h"
#include <lamina/memory.h>
#include <lamina/mm.h>
#include <lamina/event_channel.h>
#include <lamina/grant_table.h>
#include <lamina/physdev.h>
#include <lamina/vcpu.h>
#include <lamina/callback.h>

#define DEF_CALLS	2000
#define NPORTS		64		/* ports whose use at the start is looked up */

#define UNMAPPED	0x0000100000000000ULL
#define NONCANON	0x8000000000000000ULL
#define HYPADDR		0xffff800000001000ULL

/* Field kinds: each its edge set (draw()). */
enum kind {
	K_FIX,		/* the descriptor's value */
	K_NUM,		/* 0, 1, small, -1, sign bit, ... */
	K_SMALL,	/* 0 .. 15 */
	K_DOM,		/* domain ids */
	K_ODOM,		/* domain ids but ours (self, 0): a call that would end or reset us */
	K_VCPU,		/* 0 .. 3, huge */
	K_PORT,		/* 0 .. 40, past the end */
	K_FPORT,	/* a port not in use at the start (close, bind_vcpu) */
	K_REF,		/* grant refs */
	K_MFN,		/* frames */
	K_PTR,		/* guest pointers */
	K_VA,		/* a mapping's VA (grant host_addr) */
	K_TIME,		/* absolute times and periods */
	K_FLAGS,	/* flag words */
	K_VIRQ,		/* 0 .. 24, huge */
	K_DR,		/* debug register values */
	K_DR7,		/* DR7 values with no breakpoint enabled */
	K_SEL,		/* selectors */
	K_DESC,		/* segment descriptors */
	K_CMD,		/* a sub-op number near the range (cmd_set) */
	K_PIRQT,	/* map_pirq's type */
	K_BITS,		/* random 64-bit words, their low half, one bit */
};

struct fld {
	const char *name;
	uint16_t off;
	uint8_t size;
	uint8_t kind;
	uint64_t val;			/* K_FIX: the value; K_CMD: the range */
};

/* Outputs printed: always (a status), or only when the call answered 0 (or > 0). */
struct out {
	const char *name;
	uint16_t off;
	uint8_t size;
	bool always;
};

/* How an op is called. */
enum style {
	S_REGS,		/* fields are the five argument registers (off = 8 * i) */
	S_CMD,		/* (cmd, ptr) */
	S_COUNT,	/* (cmd, ptr, count 0-2): an array of count structs */
	S_VCPU,		/* (cmd, vcpu, ptr): the vCPU is field 0, the struct the rest */
	S_PTR,		/* (ptr) */
	S_VPTR,		/* (cmd, ptr to a single value) */
};

/* After-call undo. */
enum undo {
	U_NONE, U_PORT, U_TIMERS, U_RUNSTATE, U_TIMEAREA, U_DEBUG, U_SEGBASE, U_ASSIST,
	U_DESC, U_VERSION, U_IOPL, U_IOBITMAP, U_PIN, U_WATCHDOG, U_PIRQ,
};

#define MAXF	7
#define MAXO	3

struct op {
	const char *name;
	uint16_t nr;
	uint32_t cmd;
	uint8_t style;
	uint16_t size;
	uint8_t undo;
	uint16_t out_port;		/* U_PORT: offset of the port written back */
	struct fld f[MAXF];
	struct out o[MAXO];
};

#define F(n, o, s, k)		{ n, o, s, k, 0 }
#define FX(n, o, s, v)		{ n, o, s, K_FIX, v }
#define R(i, n, k)		{ n, 8 * (i), 8, k, 0 }
#define RX(i, n, v)		{ n, 8 * (i), 8, K_FIX, v }
#define O(n, o, s)		{ n, o, s, false }
#define OS(n, o, s)		{ n, o, s, true }

#define HC(x)	__HYPERVISOR_##x

static const struct op ops[] = {
	/* ---- xen_version: every command, buffers of each class */
	{ "xen_version", HC(xen_version), 0, S_REGS, 16, 0, 0,
	  { R(0, "cmd", K_CMD), R(1, "buf", K_PTR) }, { { 0 } } },
	{ "xen_version get_features", HC(xen_version), 0, S_REGS, 16, 0, 0,
	  { RX(0, "cmd", XENVER_get_features), R(1, "buf", K_PTR) }, { { 0 } } },

	/* ---- memory_op: read-only and small sub-ops */
	{ "memory maximum_ram_page", HC(memory_op), XENMEM_maximum_ram_page, S_CMD, 8, 0, 0,
	  { F("x", 0, 8, K_NUM) }, { { 0 } } },
	{ "memory current_reservation", HC(memory_op), XENMEM_current_reservation, S_VPTR, 2,
	  0, 0, { F("dom", 0, 2, K_DOM) }, { { 0 } } },
	{ "memory maximum_reservation", HC(memory_op), XENMEM_maximum_reservation, S_VPTR, 2,
	  0, 0, { F("dom", 0, 2, K_DOM) }, { { 0 } } },
	{ "memory maximum_gpfn", HC(memory_op), XENMEM_maximum_gpfn, S_VPTR, 2, 0, 0,
	  { F("dom", 0, 2, K_DOM) }, { { 0 } } },
	{ "memory machphys_mfn_list", HC(memory_op), XENMEM_machphys_mfn_list, S_CMD, 24, 0, 0,
	  { F("max", 0, 4, K_SMALL), F("list", 8, 8, K_PTR) }, { { 0 } } },
	{ "memory machphys_mapping", HC(memory_op), XENMEM_machphys_mapping, S_CMD, 24, 0, 0,
	  { F("x", 0, 8, K_NUM) }, { O("v_start", 0, 8) } },
	{ "memory memory_map", HC(memory_op), XENMEM_memory_map, S_CMD, 16, 0, 0,
	  { F("nr", 0, 4, K_SMALL), F("buf", 8, 8, K_PTR) }, { { 0 } } },
	{ "memory machine_memory_map", HC(memory_op), XENMEM_machine_memory_map, S_CMD, 16, 0,
	  0, { F("nr", 0, 4, K_SMALL), F("buf", 8, 8, K_PTR) }, { { 0 } } },
	{ "memory get_sharing_freed", HC(memory_op), XENMEM_get_sharing_freed_pages, S_CMD, 8,
	  0, 0, { F("x", 0, 8, K_NUM) }, { { 0 } } },
	{ "memory get_sharing_shared", HC(memory_op), XENMEM_get_sharing_shared_pages, S_CMD,
	  8, 0, 0, { F("x", 0, 8, K_NUM) }, { { 0 } } },
	{ "memory add_to_physmap", HC(memory_op), XENMEM_add_to_physmap, S_CMD, 24, 0, 0,
	  { F("dom", 0, 2, K_DOM), F("size", 2, 2, K_SMALL), F("space", 4, 4, K_SMALL),
	    F("idx", 8, 8, K_NUM), F("gpfn", 16, 8, K_NUM) }, { { 0 } } },
	{ "memory remove_from_physmap", HC(memory_op), XENMEM_remove_from_physmap, S_CMD, 16,
	  0, 0, { F("dom", 0, 2, K_ODOM), F("gpfn", 8, 8, K_NUM) }, { { 0 } } },
	{ "memory get_pod_target", HC(memory_op), XENMEM_get_pod_target, S_CMD, 40, 0, 0,
	  { F("dom", 32, 2, K_DOM) }, { { 0 } } },
	{ "memory get_vnumainfo", HC(memory_op), XENMEM_get_vnumainfo, S_CMD, 40, 0, 0,
	  { F("dom", 0, 2, K_DOM), F("nodes", 4, 4, K_SMALL), F("vcpus", 8, 4, K_SMALL),
	    F("ranges", 12, 4, K_SMALL), F("dist", 16, 8, K_PTR) }, { { 0 } } },
	{ "memory acquire_resource", HC(memory_op), XENMEM_acquire_resource, S_CMD, 32, 0, 0,
	  { F("dom", 0, 2, K_DOM), F("type", 2, 2, K_SMALL), F("id", 4, 4, K_SMALL),
	    F("frame", 16, 8, K_NUM) }, { O("nr", 8, 4) } },
	{ "memory claim_pages", HC(memory_op), XENMEM_claim_pages, S_CMD, 32, 0, 0,
	  { F("list", 0, 8, K_PTR), F("nr", 8, 8, K_FIX), F("order", 16, 4, K_SMALL),
	    F("dom", 24, 2, K_ODOM) }, { { 0 } } },
	{ "memory unknown", HC(memory_op), 0, S_REGS, 16, 0, 0,
	  { R(0, "cmd", K_CMD), R(1, "arg", K_PTR) }, { { 0 } } },

	/* ---- vcpu_op */
	{ "vcpu is_up", HC(vcpu_op), VCPUOP_is_up, S_VCPU, 8, 0, 0,
	  { F("vcpu", 0, 4, K_VCPU) }, { { 0 } } },
	{ "vcpu up", HC(vcpu_op), VCPUOP_up, S_VCPU, 8, 0, 0,
	  { F("vcpu", 0, 4, K_VCPU) }, { { 0 } } },
	{ "vcpu initialise", HC(vcpu_op), VCPUOP_initialise, S_VCPU, 8, 0, 0,
	  { F("vcpu", 0, 4, K_VCPU) }, { { 0 } } },
	{ "vcpu get_runstate_info", HC(vcpu_op), VCPUOP_get_runstate_info, S_VCPU, 48, 0, 0,
	  { F("vcpu", 0, 4, K_VCPU) }, { O("state", 0, 4) } },
	{ "vcpu register_runstate", HC(vcpu_op), VCPUOP_register_runstate_memory_area, S_VCPU,
	  8, U_RUNSTATE, 0, { F("vcpu", 0, 4, K_VCPU), F("addr", 0, 8, K_PTR) }, { { 0 } } },
	{ "vcpu register_time_area", HC(vcpu_op), VCPUOP_register_vcpu_time_memory_area,
	  S_VCPU, 8, U_TIMEAREA, 0, { F("vcpu", 0, 4, K_VCPU), F("addr", 0, 8, K_PTR) },
	  { { 0 } } },
	{ "vcpu set_periodic_timer", HC(vcpu_op), VCPUOP_set_periodic_timer, S_VCPU, 8,
	  U_TIMERS, 0, { F("vcpu", 0, 4, K_VCPU), F("period", 0, 8, K_TIME) }, { { 0 } } },
	{ "vcpu stop_periodic_timer", HC(vcpu_op), VCPUOP_stop_periodic_timer, S_VCPU, 8, 0, 0,
	  { F("vcpu", 0, 4, K_VCPU) }, { { 0 } } },
	{ "vcpu set_singleshot_timer", HC(vcpu_op), VCPUOP_set_singleshot_timer, S_VCPU, 16,
	  U_TIMERS, 0, { F("vcpu", 0, 4, K_VCPU), F("timeout", 0, 8, K_TIME),
			 F("flags", 8, 4, K_FLAGS) }, { { 0 } } },
	{ "vcpu stop_singleshot_timer", HC(vcpu_op), VCPUOP_stop_singleshot_timer, S_VCPU, 8,
	  0, 0, { F("vcpu", 0, 4, K_VCPU) }, { { 0 } } },
	/* a frame we own would move vcpu 0's vcpu_info for good: only others' */
	{ "vcpu register_vcpu_info", HC(vcpu_op), VCPUOP_register_vcpu_info, S_VCPU, 16, 0, 0,
	  { F("vcpu", 0, 4, K_VCPU), F("mfn", 0, 8, K_MFN), F("offset", 8, 4, K_NUM),
	    F("rsvd", 12, 4, K_SMALL) }, { { 0 } } },
	{ "vcpu get_physid", HC(vcpu_op), VCPUOP_get_physid, S_VCPU, 8, 0, 0,
	  { F("vcpu", 0, 4, K_VCPU) }, { { 0 } } },
	{ "vcpu unknown", HC(vcpu_op), 0, S_REGS, 24, 0, 0,
	  { R(0, "cmd", K_CMD), R(1, "vcpu", K_VCPU), R(2, "arg", K_PTR) }, { { 0 } } },

	/* ---- sched_op */
	{ "sched yield", HC(sched_op), SCHEDOP_yield, S_CMD, 8, 0, 0,
	  { F("x", 0, 8, K_NUM) }, { { 0 } } },
	{ "sched poll", HC(sched_op), SCHEDOP_poll, S_CMD, 24, 0, 0,
	  { F("ports", 0, 8, K_PTR), F("nr", 8, 4, K_SMALL), F("timeout", 16, 8, K_TIME) },
	  { { 0 } } },
	{ "sched remote_shutdown", HC(sched_op), SCHEDOP_remote_shutdown, S_CMD, 8, 0, 0,
	  { F("dom", 0, 2, K_ODOM), F("reason", 4, 4, K_SMALL) }, { { 0 } } },
	{ "sched shutdown_code", HC(sched_op), SCHEDOP_shutdown_code, S_CMD, 4, 0, 0,
	  { F("reason", 0, 4, K_NUM) }, { { 0 } } },
	{ "sched watchdog", HC(sched_op), SCHEDOP_watchdog, S_CMD, 8, U_WATCHDOG, 0,
	  { F("id", 0, 4, K_SMALL), F("timeout", 4, 4, K_NUM) }, { { 0 } } },
	{ "sched pin_override", HC(sched_op), SCHEDOP_pin_override, S_CMD, 4, U_PIN, 0,
	  { F("cpu", 0, 4, K_VCPU) }, { { 0 } } },
	{ "sched unknown", HC(sched_op), 0, S_REGS, 16, 0, 0,
	  { R(0, "cmd", K_CMD), R(1, "arg", K_PTR) }, { { 0 } } },

	/* ---- event_channel_op */
	{ "ev alloc_unbound", HC(event_channel_op), EVTCHNOP_alloc_unbound, S_CMD, 8, U_PORT, 4,
	  { F("dom", 0, 2, K_DOM), F("remote", 2, 2, K_DOM) }, { O("port", 4, 4) } },
	{ "ev bind_interdomain", HC(event_channel_op), EVTCHNOP_bind_interdomain, S_CMD, 12,
	  U_PORT, 8, { F("remote", 0, 2, K_DOM), F("rport", 4, 4, K_PORT) },
	  { O("port", 8, 4) } },
	{ "ev bind_virq", HC(event_channel_op), EVTCHNOP_bind_virq, S_CMD, 12, U_PORT, 8,
	  { F("virq", 0, 4, K_VIRQ), F("vcpu", 4, 4, K_VCPU) }, { O("port", 8, 4) } },
	{ "ev bind_pirq", HC(event_channel_op), EVTCHNOP_bind_pirq, S_CMD, 12, U_PORT, 8,
	  { F("pirq", 0, 4, K_PORT), F("flags", 4, 4, K_SMALL) }, { O("port", 8, 4) } },
	{ "ev bind_ipi", HC(event_channel_op), EVTCHNOP_bind_ipi, S_CMD, 8, U_PORT, 4,
	  { F("vcpu", 0, 4, K_VCPU) }, { O("port", 4, 4) } },
	{ "ev close", HC(event_channel_op), EVTCHNOP_close, S_CMD, 4, 0, 0,
	  { F("port", 0, 4, K_FPORT) }, { { 0 } } },
	{ "ev send", HC(event_channel_op), EVTCHNOP_send, S_CMD, 4, 0, 0,
	  { F("port", 0, 4, K_PORT) }, { { 0 } } },
	{ "ev status", HC(event_channel_op), EVTCHNOP_status, S_CMD, 24, 0, 0,
	  { F("dom", 0, 2, K_DOM), F("port", 4, 4, K_PORT) },
	  { O("status", 8, 4), O("vcpu", 12, 4), O("u", 16, 4) } },
	{ "ev bind_vcpu", HC(event_channel_op), EVTCHNOP_bind_vcpu, S_CMD, 8, 0, 0,
	  { F("port", 0, 4, K_FPORT), F("vcpu", 4, 4, K_VCPU) }, { { 0 } } },
	{ "ev unmask", HC(event_channel_op), EVTCHNOP_unmask, S_CMD, 4, 0, 0,
	  { F("port", 0, 4, K_PORT) }, { { 0 } } },
	{ "ev reset", HC(event_channel_op), EVTCHNOP_reset, S_CMD, 2, 0, 0,
	  { F("dom", 0, 2, K_ODOM) }, { { 0 } } },
	{ "ev set_priority", HC(event_channel_op), EVTCHNOP_set_priority, S_CMD, 8, 0, 0,
	  { F("port", 0, 4, K_PORT), F("prio", 4, 4, K_SMALL) }, { { 0 } } },
	{ "ev unknown", HC(event_channel_op), 0, S_REGS, 16, 0, 0,
	  { R(0, "cmd", K_CMD), R(1, "arg", K_PTR) }, { { 0 } } },

	/* ---- grant_table_op: our table's entries are all empty, so no map succeeds */
	{ "gnt map", HC(grant_table_op), GNTTABOP_map_grant_ref, S_COUNT, 32, 0, 0,
	  { F("addr", 0, 8, K_VA), F("flags", 8, 4, K_FLAGS), F("ref", 12, 4, K_REF),
	    F("dom", 16, 2, K_DOM) }, { OS("st", 18, 2) } },
	{ "gnt unmap", HC(grant_table_op), GNTTABOP_unmap_grant_ref, S_COUNT, 24, 0, 0,
	  { F("addr", 0, 8, K_VA), F("bus", 8, 8, K_NUM), F("handle", 16, 4, K_REF) },
	  { OS("st", 20, 2) } },
	{ "gnt setup_table", HC(grant_table_op), GNTTABOP_setup_table, S_COUNT, 24, 0, 0,
	  { F("dom", 0, 2, K_DOM), F("nr", 4, 4, K_SMALL), F("list", 16, 8, K_PTR) },
	  { OS("st", 8, 2) } },
	{ "gnt dump_table", HC(grant_table_op), GNTTABOP_dump_table, S_COUNT, 4, 0, 0,
	  { F("dom", 0, 2, K_DOM) }, { OS("st", 2, 2) } },
	/* source and dest grant refs only: a frame of ours would be written */
	{ "gnt copy", HC(grant_table_op), GNTTABOP_copy, S_COUNT, 40, 0, 0,
	  { F("sref", 0, 4, K_REF), F("sdom", 8, 2, K_DOM), F("soff", 10, 2, K_NUM),
	    F("dref", 16, 4, K_REF), F("ddom", 24, 2, K_DOM), F("len", 32, 2, K_NUM),
	    FX("flags", 34, 2, GNTCOPY_source_gref | GNTCOPY_dest_gref) },
	  { OS("st", 36, 2) } },
	{ "gnt query_size", HC(grant_table_op), GNTTABOP_query_size, S_COUNT, 16, 0, 0,
	  { F("dom", 0, 2, K_DOM) }, { OS("st", 12, 2), O("nr", 4, 4), O("max", 8, 4) } },
	{ "gnt unmap_and_replace", HC(grant_table_op), GNTTABOP_unmap_and_replace, S_COUNT, 24,
	  0, 0, { F("addr", 0, 8, K_VA), F("new", 8, 8, K_VA), F("handle", 16, 4, K_REF) },
	  { OS("st", 20, 2) } },
	{ "gnt set_version", HC(grant_table_op), GNTTABOP_set_version, S_COUNT, 4, U_VERSION, 0,
	  { F("version", 0, 4, K_SMALL) }, { O("version", 0, 4) } },
	{ "gnt get_status_frames", HC(grant_table_op), GNTTABOP_get_status_frames, S_COUNT, 16,
	  0, 0, { F("nr", 0, 4, K_SMALL), F("dom", 4, 2, K_DOM), F("list", 8, 8, K_PTR) },
	  { OS("st", 6, 2) } },
	{ "gnt get_version", HC(grant_table_op), GNTTABOP_get_version, S_COUNT, 8, 0, 0,
	  { F("dom", 0, 2, K_DOM) }, { O("version", 4, 4) } },
	{ "gnt swap", HC(grant_table_op), GNTTABOP_swap_grant_ref, S_COUNT, 12, 0, 0,
	  { F("a", 0, 4, K_REF), F("b", 4, 4, K_REF) }, { OS("st", 8, 2) } },
	{ "gnt cache_flush", HC(grant_table_op), GNTTABOP_cache_flush, S_COUNT, 16, 0, 0,
	  { F("ref", 0, 8, K_REF), F("off", 8, 2, K_NUM), F("len", 10, 2, K_NUM),
	    F("op", 12, 4, K_FLAGS) }, { { 0 } } },
	{ "gnt transfer none", HC(grant_table_op), GNTTABOP_transfer, S_REGS, 24, 0, 0,
	  { RX(0, "cmd", GNTTABOP_transfer), R(1, "arg", K_PTR), RX(2, "count", 0) },
	  { { 0 } } },
	{ "gnt unknown", HC(grant_table_op), 0, S_REGS, 24, 0, 0,
	  { R(0, "cmd", K_CMD), R(1, "arg", K_PTR), R(2, "count", K_SMALL) }, { { 0 } } },

	/* ---- physdev_op */
	{ "physdev eoi", HC(physdev_op), PHYSDEVOP_eoi, S_CMD, 4, 0, 0,
	  { F("irq", 0, 4, K_PORT) }, { { 0 } } },
	{ "physdev irq_status_query", HC(physdev_op), PHYSDEVOP_irq_status_query, S_CMD, 8, 0,
	  0, { F("irq", 0, 4, K_PORT) }, { O("flags", 4, 4) } },
	{ "physdev set_iopl", HC(physdev_op), PHYSDEVOP_set_iopl, S_CMD, 4, U_IOPL, 0,
	  { F("iopl", 0, 4, K_SMALL) }, { { 0 } } },
	{ "physdev set_iobitmap", HC(physdev_op), PHYSDEVOP_set_iobitmap, S_CMD, 16, U_IOBITMAP,
	  0, { F("bitmap", 0, 8, K_PTR), F("nr", 8, 4, K_NUM) }, { { 0 } } },
	{ "physdev map_pirq", HC(physdev_op), PHYSDEVOP_map_pirq, S_CMD, 40, U_PIRQ, 12,
	  { F("dom", 0, 2, K_DOM), F("type", 4, 4, K_PIRQT), F("index", 8, 4, K_PORT),
	    F("pirq", 12, 4, K_PORT), F("bus", 16, 4, K_SMALL), F("entry", 24, 4, K_NUM) },
	  { O("pirq", 12, 4) } },
	{ "physdev unmap_pirq", HC(physdev_op), PHYSDEVOP_unmap_pirq, S_CMD, 8, 0, 0,
	  { F("dom", 0, 2, K_DOM), F("pirq", 4, 4, K_PORT) }, { { 0 } } },
	{ "physdev unknown", HC(physdev_op), 0, S_REGS, 16, 0, 0,
	  { R(0, "cmd", K_CMD), R(1, "arg", K_PTR) }, { { 0 } } },

	/* ---- the register-argument calls */
	{ "set_debugreg", HC(set_debugreg), 0, S_REGS, 16, U_DEBUG, 0,
	  { R(0, "reg", K_SMALL), R(1, "value", K_DR) }, { { 0 } } },
	{ "set_debugreg dr7", HC(set_debugreg), 0, S_REGS, 16, U_DEBUG, 0,
	  { RX(0, "reg", 7), R(1, "value", K_DR7) }, { { 0 } } },
	/* then read back (get=): what each keeps of the bits (DR7's enables cleared) */
	{ "set_debugreg bits", HC(set_debugreg), 0, S_REGS, 16, U_DEBUG, 0,
	  { R(0, "reg", K_SMALL), R(1, "value", K_BITS) }, { { 0 } } },
	{ "get_debugreg", HC(get_debugreg), 0, S_REGS, 8, 0, 0,
	  { R(0, "reg", K_SMALL) }, { { 0 } } },
	{ "update_descriptor", HC(update_descriptor), 0, S_REGS, 16, U_DESC, 0,
	  { R(0, "ma", K_MFN), R(1, "desc", K_DESC) }, { { 0 } } },
	{ "vm_assist", HC(vm_assist), 0, S_REGS, 16, U_ASSIST, 0,
	  { R(0, "cmd", K_SMALL), R(1, "type", K_CMD) }, { { 0 } } },
	{ "set_segment_base", HC(set_segment_base), 0, S_REGS, 16, U_SEGBASE, 0,
	  { R(0, "which", K_SMALL), R(1, "base", K_DR) }, { { 0 } } },
	{ "set_segment_base gs_sel", HC(set_segment_base), 0, S_REGS, 16, U_SEGBASE, 0,
	  { RX(0, "which", SEGBASE_GS_USER_SEL), R(1, "sel", K_SEL) }, { { 0 } } },
	{ "console_io read", HC(console_io), CONSOLEIO_read, S_REGS, 24, 0, 0,
	  { RX(0, "cmd", CONSOLEIO_read), RX(1, "count", 0), R(2, "buf", K_PTR) }, { { 0 } } },
	{ "console_io write0", HC(console_io), CONSOLEIO_write, S_REGS, 24, 0, 0,
	  { RX(0, "cmd", CONSOLEIO_write), RX(1, "count", 0), R(2, "buf", K_PTR) },
	  { { 0 } } },
	{ "console_io unknown", HC(console_io), 0, S_REGS, 24, 0, 0,
	  { R(0, "cmd", K_CMD), RX(1, "count", 0), R(2, "buf", K_PTR) }, { { 0 } } },

	/* ---- the control interfaces, right versions, read-only commands */
	{ "sysctl", HC(sysctl), 0, S_PTR, 136, 0, 0,
	  { F("cmd", 0, 4, K_CMD), FX("ver", 4, 4, 0x15), F("a", 8, 4, K_SMALL),
	    F("b", 16, 8, K_PTR) }, { { 0 } } },
	{ "domctl", HC(domctl), 0, S_PTR, 256, 0, 0,
	  { F("cmd", 0, 4, K_CMD), FX("ver", 4, 4, 0x15), F("dom", 8, 2, K_DOM),
	    F("a", 16, 4, K_VCPU), F("b", 24, 8, K_PTR) }, { { 0 } } },
	{ "platform_op", HC(platform_op), 0, S_PTR, 136, 0, 0,
	  { F("cmd", 0, 4, K_CMD), FX("ver", 4, 4, 0x03000001), F("cpu", 8, 4, K_VCPU) },
	  { { 0 } } },

	/*
	 * ---- the rest: Lamina and Xen answer these mostly with errors.
	 * kexec_op and dm_op are -ENOSYS on purpose (docs/conformance.md
	 * rows 37 and 41: no kexec, no device models), so left out.
	 */
	{ "hvm_op", HC(hvm_op), 0, S_REGS, 16, 0, 0,
	  { R(0, "cmd", K_CMD), R(1, "arg", K_PTR) }, { { 0 } } },
	{ "hvm_op param", HC(hvm_op), 1, S_CMD, 16, 0, 0,
	  { F("dom", 0, 2, K_DOM), F("index", 4, 4, K_PORT) }, { { 0 } } },
	{ "xenpmu_op", HC(xenpmu_op), 0, S_REGS, 16, 0, 0,
	  { R(0, "cmd", K_CMD), R(1, "arg", K_PTR) }, { { 0 } } },
	{ "argo_op", 39, 0, S_REGS, 40, 0, 0,
	  { R(0, "cmd", K_CMD), R(1, "a", K_PTR), R(2, "b", K_PTR), R(3, "c", K_NUM),
	    R(4, "d", K_NUM) }, { { 0 } } },
	{ "xsm_op", HC(xsm_op), 0, S_REGS, 8, 0, 0,
	  { R(0, "arg", K_PTR) }, { { 0 } } },
	/* an undefined hypercall number (nr), its arguments the rest */
	{ "hypercall", 0, 0, S_REGS, 32, 0, 0,
	  { R(0, "nr", K_CMD), R(1, "a", K_NUM), R(2, "b", K_PTR), R(3, "c", K_NUM) },
	  { { 0 } } },
};

/*
 * Sub-op numbers near each op's range (K_CMD), those that are safe to
 * make with any arguments: defined read-only ones and undefined ones.
 */
static const uint32_t cmds_version[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 64 };
/* (the bits from 6 up are a continuation's start: 64 would be increase_reservation) */
static const uint32_t cmds_memory[] = { 20, 22, 29, 30, 31, 32, 0x3f };
static const uint32_t cmds_vcpu[] = { 14, 15, 16, 17, 64, 0xffffffff };
static const uint32_t cmds_sched[] = { 8, 9, 10, 64, 0xffffffff };
static const uint32_t cmds_evtchn[] = { 15, 16, 17, 64, 0xffffffff };
static const uint32_t cmds_grant[] = { 13, 14, 15, 64, 0xfff };
static const uint32_t cmds_physdev[] = { 0, 1, 2, 3, 18, 22, 33, 64 };
static const uint32_t cmds_assist[] = { 0, 1, 2, 3, 4, 5, 6, 31, 32, 33, 64 };
static const uint32_t cmds_console[] = { 2, 3, 8, 0xffffffff };
/* sysctl: readconsole physinfo sched_id getdomaininfolist getcpuinfo availheap
 * cputopoinfo numainfo pcitopoinfo levelling_caps featureset cpu_policy, and undefined */
static const uint32_t cmds_sysctl[] = { 3, 4, 6, 8, 9, 16, 17, 22, 25, 26, 29, 0, 13, 24, 30, 99 };
/* domctl: getdomaininfo getvcpuinfo getvcpuaffinity get_address_size, and undefined */
static const uint32_t cmds_domctl[] = { 5, 14, 25, 36, 0, 6, 99, 200 };
/* platform_op: read_memtype get_cpu_version get_cpuinfo, and undefined */
static const uint32_t cmds_platform[] = { 33, 48, 55, 0, 1, 100, 255 };
/* hvm_op: get_param flush_tlbs pagetable_dying get_time get_mem_type, and undefined */
static const uint32_t cmds_hvm[] = { 1, 5, 9, 10, 15, 2, 3, 4, 30, 64 };
/* xenpmu_op: mode_get feature_get, and undefined */
static const uint32_t cmds_pmu[] = { 0, 2, 9, 64 };
static const uint32_t cmds_argo[] = { 0, 1, 2, 3, 4, 5, 64 };
/*
 * hypercall numbers Xen 4.17 does not define (x86); not 31, xenoprof_op,
 * whose init makes dom0 Xen's profiler and is -ENODEV on Lamina on
 * purpose (docs/conformance.md, xenoprof_op)
 */
static const uint32_t cmds_unknown[] = { 11, 38, 43, 44, 47, 49, 56, 63, 64, 4096 };

static struct fuzz_vcpu fz;
static uint64_t hyp_mfn, desc_mfn, desc_va, own_va;
static bool port_used[NPORTS];
static uint8_t *buf;			/* the struct, at the start of a writable page */
static uint8_t *inner;			/* a good inner pointer's page (4 then unmapped) */
static uint8_t *ro_page, *cross_end;	/* a read-only page; the end of a page before a hole */

static unsigned int below(unsigned int n)
{
	return fuzz_below(&fz, n);
}

static const uint32_t *cmd_set(const struct op *op, unsigned int *n)
{
#define SET(a)	(*n = ARRAY_SIZE(a), a)
	switch (op->nr) {
	case HC(xen_version): return SET(cmds_version);
	case HC(memory_op): return SET(cmds_memory);
	case HC(vcpu_op): return SET(cmds_vcpu);
	case HC(sched_op): return SET(cmds_sched);
	case HC(event_channel_op): return SET(cmds_evtchn);
	case HC(grant_table_op): return SET(cmds_grant);
	case HC(physdev_op): return SET(cmds_physdev);
	case HC(vm_assist): return SET(cmds_assist);
	case HC(console_io): return SET(cmds_console);
	case HC(sysctl): return SET(cmds_sysctl);
	case HC(domctl): return SET(cmds_domctl);
	case HC(platform_op): return SET(cmds_platform);
	case HC(hvm_op): return SET(cmds_hvm);
	case HC(xenpmu_op): return SET(cmds_pmu);
	case 39: return SET(cmds_argo);
	default: return SET(cmds_unknown);
	}
#undef SET
}

/*
 * A guest pointer by class, its text put; good ones point at zeroes, all
 * ones or small words.
 * no_ro: never the read-only page (drawn, it becomes a good pointer).
 */
static uint64_t draw_ptr(uint8_t *good, unsigned int size, bool no_ro)
{
	unsigned int c = below(10);

	if (c == 4 && no_ro)
		c = 9;
	switch (c) {
	case 0: put("null"); return 0;
	case 1: put("hyp"); return HYPADDR;
	case 2: put("noncanon"); return NONCANON;
	case 3: put("unmapped"); return UNMAPPED;
	case 4: put("ro"); return (uint64_t)ro_page;
	case 5: {
		unsigned int back = size > 1 ? 1 + below(size - 1) : 1;

		put("cross-%u", back);
		memset(cross_end - back, 0, back);
		return (uint64_t)(cross_end - back);
	}
	case 6:
		/* all ones: ids, counts and ports past any end */
		put("good-ff");
		memset(good, 0xff, size);
		return (uint64_t)good;
	case 7: {
		/* 32-bit words 0 .. 40: ports, vCPUs, counts in range */
		unsigned int i;

		put("good-small");
		memset(good, 0, size);
		for (i = 0; i + 4 <= size; i += 4)
			*(uint32_t *)(good + i) = below(41);
		return (uint64_t)good;
	}
	default:
		put("good");
		memset(good, 0, size);
		return (uint64_t)good;
	}
}

/* A value of kind k for field f, its text put. */
static uint64_t draw(const struct op *op, const struct fld *f, unsigned int elem)
{
	static const uint64_t nums[] = { 0, 1, 2, 3, 7, 16, 255, 4095, 4096, 0x7fffffff,
					 0x80000000, 0xffffffff, 0xffffffffffffffffULL,
					 0x8000000000000000ULL, 0x10000 };
	static const uint64_t doms[] = { DOMID_SELF, 0, DOMID_INVALID, 7, 1, DOMID_IO,
					 DOMID_XEN, 0x7fff, 0xffff };
	static const char *const domn[] = { "self", "own", "invalid", "7", "1", "io", "xen",
					    "0x7fff", "0xffff" };
	static const uint64_t vcpus[] = { 0, 1, 2, 3, 0x7fffffff, 0xffffffff, 128 };
	unsigned int i, n;
	uint64_t v;

	switch (f->kind) {
	case K_FIX:
		put("%#lx", (unsigned long)f->val);
		return f->val;
	case K_NUM:
		v = nums[below(ARRAY_SIZE(nums))];
		put("%#lx", (unsigned long)v);
		return v;
	case K_SMALL:
		v = below(4) ? below(8) : below(16);
		put("%lu", (unsigned long)v);
		return v;
	case K_DOM:
	case K_ODOM:
		do
			i = below(ARRAY_SIZE(doms));
		while (f->kind == K_ODOM && i < 2);
		put("%s", domn[i]);
		return doms[i];
	case K_VCPU:
		v = below(3) ? below(4) : vcpus[below(ARRAY_SIZE(vcpus))];
		put("%lu", (unsigned long)v);
		return v;
	case K_PORT:
	case K_FPORT:
		v = below(5) ? below(41) : (uint64_t[]){ 1023, 1024, 4095, 4096, 131071, 131072,
						       0xffffffff }[below(7)];
		if (f->kind == K_FPORT && v < NPORTS && port_used[v])
			v = 41;		/* a port in use at the start stays */
		put("%lu", (unsigned long)v);
		return v;
	case K_REF:
		v = below(3) ? below(9) : (uint64_t[]){ 511, 512, 4095, 4096, 0x7fffffff,
						      0xffffffff }[below(6)];
		put("%lu", (unsigned long)v);
		return v;
	case K_MFN:
		/* update_descriptor's machine address: in our descriptor page */
		i = below(5);
		if (op->nr == HC(update_descriptor)) {
			unsigned int off = below(3) ? 8 * below(512) : below(4096);

			switch (i) {
			case 0: put("hyp+%u", off); return (hyp_mfn << 12) + off;
			case 1: put("none+%u", off); return (0xfffffffffULL << 12) + off;
			default: put("desc+%u", off); return (desc_mfn << 12) + off;
			}
		}
		switch (i) {
		case 0: put("hyp"); return hyp_mfn;
		case 1: put("0"); return 0;
		case 2: put("huge"); return 0xffffffffffULL;
		case 3: put("-1"); return ~0ULL;
		default: put("none"); return 0xfffffffULL;
		}
	case K_PTR:
		return draw_ptr(inner, 4096, false);
	case K_VA:
		switch (below(6)) {
		case 0: put("0"); return 0;
		case 1: put("hyp"); return HYPADDR;
		case 2: put("noncanon"); return NONCANON;
		case 3: put("unmapped"); return UNMAPPED;
		default: put("scratch"); return own_va;
		}
	case K_TIME: {
		uint64_t now = pvclock_ns();

		switch (below(7)) {
		case 0: put("0"); return 0;
		case 1: put("1"); return 1;
		case 2: put("past"); return now / 2;
		case 3: put("-1"); return ~0ULL;
		case 4: put("signbit"); return 1ULL << 63;
		case 5: put("1ms"); return 1000000;
		default: put("soon"); return now + 2000000;
		}
	}
	case K_FLAGS:
		switch (below(5)) {
		case 0: v = 0; break;
		case 1: v = 1u << below(32); break;
		case 2: v = below(256); break;
		case 3: v = 0xffffffff; break;
		default: v = below(16); break;
		}
		put("%#lx", (unsigned long)v);
		return v;
	case K_VIRQ:
		v = below(5) ? below(25) : (uint64_t[]){ 31, 32, 0xffffffff }[below(3)];
		put("%lu", (unsigned long)v);
		return v;
	case K_DR:
		switch (below(7)) {
		case 0: put("0"); return 0;
		case 1: put("user"); return 0x400000;
		case 2: put("hyp"); return HYPADDR;
		case 3: put("noncanon"); return NONCANON;
		case 4: put("top-user"); return 0x00007ffffffff000ULL;
		case 5: put("-1"); return ~0ULL;
		default: put("guest-kernel"); return own_va;
		}
	case K_DR7:
		/* no local or global enable: no breakpoint fires; the rest random */
		v = (fuzz_rnd(&fz) & ~0xffULL) & (below(2) ? 0xffffffffULL : ~0ULL);
		if (below(3) == 0)
			v = below(2) ? 0x400 : 0;
		put("%#lx", (unsigned long)v);
		return v;
	case K_SEL:
		v = (uint64_t[]){ 0, 3, 0x2b, 0xe033, 0xe02b, 0xe023, 0x18, 0x1000, 0xffff,
				  0x10000 }[below(10)];
		put("%#lx", (unsigned long)v);
		return v;
	case K_DESC:
		/* a descriptor: the two words' bits from the edges of each field */
		v = fuzz_rnd(&fz);
		switch (below(5)) {
		case 0: v = 0; break;
		case 1: v &= 0x00cf9f000000ffffULL | (0xfULL << 40) | (3ULL << 45); break;
		case 2: v = 0x00cffa000000ffffULL ^ (1ULL << below(64)); break;
		case 3: {
			/* a call gate (or a neighbour type) to a selector of each kind */
			static const uint16_t sels[] = { 0xe033, 0x10, 0x13, 0xe008, 0xe02b,
							 0x1004, 0xfff8, 0 };

			v = (v & 0xffff00000000ffffULL) | (uint64_t)sels[below(8)] << 16 |
			    (0x8cULL | (uint64_t)below(4) << 5) << 40;
			if (below(4) == 0)
				v ^= 1ULL << (32 + below(12));
			break;
		}
		default: break;
		}
		put("%#lx", (unsigned long)v);
		return v;
	case K_BITS:
		switch (below(3)) {
		case 0: v = fuzz_rnd(&fz); break;
		case 1: v = fuzz_rnd(&fz) & 0xffffffff; break;
		default: v = 1ULL << below(64); break;
		}
		put("%#lx", (unsigned long)v);
		return v;
	case K_PIRQT:
		/*
		 * MSI, GSI, MSI_SEG and unknown ones; not MULTI_MSI (4), whose
		 * count Lamina checks even when dom0 names the PIRQ, on purpose
		 * (docs/conformance.md, physdev_op).
		 */
		v = (uint64_t[]){ 0, 1, 2, 3, 5, 7, 0x80000000, 0xffffffff }[below(8)];
		put("%#lx", (unsigned long)v);
		return v;
	case K_CMD: {
		const uint32_t *set = cmd_set(op, &n);

		v = set[below(n)];
		put("%lu", (unsigned long)v);
		return v;
	}
	}
	(void)elem;
	put("?");
	return 0;
}

static void store(uint8_t *p, const struct fld *f, uint64_t v)
{
	memcpy(p + f->off, &v, f->size);
}

static uint64_t load(const uint8_t *p, unsigned int off, unsigned int size)
{
	uint64_t v = 0;

	memcpy(&v, p + off, size);
	return v;
}

/* The outputs of struct p worth printing for rc. */
static void put_outs(const struct op *op, const uint8_t *p, long rc)
{
	unsigned int i;

	for (i = 0; i < MAXO && op->o[i].name; i++)
		if (op->o[i].always || rc >= 0) {
			uint64_t v = load(p, op->o[i].off, op->o[i].size);

			if (op->o[i].size == 8)
				put(" %s=%#lx", op->o[i].name, (unsigned long)v);
			else if (op->o[i].size == 2)
				put(" %s=%d", op->o[i].name, (int16_t)v);
			else
				put(" %s=%ld", op->o[i].name, (long)(int32_t)v);
		}
}

/*
 * What a register-argument call left to read: the debug register set,
 * the descriptor stored, xen_version's platform_parameters and feature
 * submap (when its buffer was a good one).
 */
static void put_regs_outs(const struct op *op, const uint64_t *regs, long rc)
{
	if (rc)
		return;
	if (op->nr == HC(set_debugreg)) {
		put(" get=%#lx", (unsigned long)hypercall1(HC(get_debugreg), regs[0]));
	} else if (op->nr == HC(update_descriptor) && regs[0] >> 12 == desc_mfn) {
		put(" stored=%#lx",
		    (unsigned long)*(volatile uint64_t *)(desc_va + (regs[0] & 4095)));
	} else if (op->nr == HC(xen_version) && regs[1] == (uint64_t)inner) {
		if (regs[0] == XENVER_platform_parameters)
			put(" virt_start=%#lx", (unsigned long)load(inner, 0, 8));
		else if (regs[0] == XENVER_get_features)
			put(" submap=%#lx", (unsigned long)load(inner, 4, 4));
	}
}

/* What the call set up undone (nothing printed). */
static void undo(const struct op *op, const uint64_t *regs, const uint8_t *p, long rc,
		 unsigned int vcpu)
{
	uint64_t zero = 0;

	switch (op->undo) {
	case U_PORT:
		if (!rc) {
			uint32_t port = (uint32_t)load(p, op->out_port, 4);

			if (port >= NPORTS || !port_used[port])
				hypercall2(HC(event_channel_op), EVTCHNOP_close, &port);
		}
		break;
	case U_TIMERS:
		hypercall3(HC(vcpu_op), VCPUOP_stop_periodic_timer, vcpu, NULL);
		hypercall3(HC(vcpu_op), VCPUOP_stop_singleshot_timer, vcpu, NULL);
		break;
	case U_RUNSTATE:
		hypercall3(HC(vcpu_op), VCPUOP_register_runstate_memory_area, vcpu, &zero);
		break;
	case U_TIMEAREA:
		hypercall3(HC(vcpu_op), VCPUOP_register_vcpu_time_memory_area, vcpu, &zero);
		break;
	case U_DEBUG:
		if (!rc) {
			unsigned int r;

			hypercall2(HC(set_debugreg), 7, 0);
			for (r = 0; r < 4; r++)
				hypercall2(HC(set_debugreg), r, 0);
			hypercall2(HC(set_debugreg), 6, 0xffff0ff0);
		}
		break;
	case U_SEGBASE:
		if (!rc) {
			hypercall2(HC(set_segment_base), SEGBASE_FS, 0);
			hypercall2(HC(set_segment_base), SEGBASE_GS_USER, 0);
			hypercall2(HC(set_segment_base), SEGBASE_GS_KERNEL, 0);
			hypercall2(HC(set_segment_base), SEGBASE_GS_USER_SEL, 0);
		}
		break;
	case U_ASSIST:
		if (!rc && regs[0] == VMASST_CMD_enable)
			hypercall2(HC(vm_assist), VMASST_CMD_disable, regs[1]);
		break;
	case U_DESC:
		if (!rc)
			hypercall2(HC(update_descriptor), regs[0], 0);
		break;
	case U_VERSION: {
		uint32_t one = 1;

		hypercall3(HC(grant_table_op), GNTTABOP_set_version, &one, 1);
		break;
	}
	case U_IOPL: {
		uint32_t iopl = 1;

		hypercall2(HC(physdev_op), PHYSDEVOP_set_iopl, &iopl);
		break;
	}
	case U_IOBITMAP: {
		uint64_t none[2] = { 0, 0 };

		hypercall2(HC(physdev_op), PHYSDEVOP_set_iobitmap, none);
		break;
	}
	case U_PIN: {
		int32_t cpu = -1;

		hypercall2(HC(sched_op), SCHEDOP_pin_override, &cpu);
		break;
	}
	case U_WATCHDOG:
		if (rc > 0) {
			uint32_t wd[2] = { (uint32_t)rc, 0 };

			hypercall2(HC(sched_op), SCHEDOP_watchdog, wd);
		}
		break;
	case U_PIRQ:
		if (!rc) {
			uint32_t un[2] = { DOMID_SELF, (uint32_t)load(p, op->out_port, 4) };

			hypercall2(HC(physdev_op), PHYSDEVOP_unmap_pirq, un);
		}
		break;
	}
}

/* One struct of op filled at p (size bytes), its fields put. */
static void fill(const struct op *op, uint8_t *p, unsigned int first, unsigned int elem)
{
	unsigned int i;

	for (i = first; i < MAXF && op->f[i].name; i++) {
		uint64_t v;

		put(" %s=", op->f[i].name);
		v = draw(op, &op->f[i], elem);
		/* what the field holds (the value printed as drawn) */
		if (op->f[i].size < 8)
			v &= (1ULL << (8 * op->f[i].size)) - 1;
		/* DR7 (DR5 its alias): no breakpoint enabled, none fires in the guest */
		if (op->nr == HC(set_debugreg) && i == 1 && (load(p, 0, 8) == 7 ||
							    load(p, 0, 8) == 5) && (v & 0xff)) {
			v &= ~0xffULL;
			put("->%#lx", (unsigned long)v);
		}
		/* a watchdog made (id 0) lives an hour, and is undone at once */
		if (op->nr == HC(sched_op) && op->cmd == SCHEDOP_watchdog && i == 1 &&
		    !load(p, 0, 4) && v < 3600) {
			v = 3600;
			put("->3600");
		}
		/* a poll with no end (0, far) would wait for good: 2 ms at most */
		if (op->nr == HC(sched_op) && op->cmd == SCHEDOP_poll && i == 2 &&
		    (v == 0 || v >= pvclock_ns() + 2000000)) {
			v = pvclock_ns() + 2000000;
			put("->soon");
		}
		/*
		 * get_cpu_featureset's and get_cpu_policy's HVM indexes (3, 5):
		 * -EOPNOTSUPP on Lamina on purpose, Xen built without HVM
		 * (docs/conformance.md, sysctl): 6 instead, past the last.
		 */
		if (op->nr == HC(sysctl) && i == 2 && (v == 3 || v == 5) &&
		    (load(p, 0, 4) == 26 || load(p, 0, 4) == 29)) {
			v = 6;
			put("->6");
		}
		store(p, &op->f[i], v);
	}
}

/* The struct's pointer: mostly buf (filled), else a class (good: filled too). */
static uint64_t arg_ptr(const struct op *op, bool *filled)
{
	/*
	 * An event-channel struct written back (a port, a status) is never
	 * read-only: Lamina refuses it -EFAULT before the op on purpose,
	 * where Xen does the op, its error first (docs/conformance.md,
	 * event_channel_op).
	 */
	bool no_ro = op->nr == HC(event_channel_op) && op->o[0].name;
	unsigned int size = op->size;
	uint64_t a;

	*filled = true;
	if (below(8)) {
		put(" @good");
		return (uint64_t)buf;
	}
	put(" @");
	a = draw_ptr(buf, size, no_ro);
	*filled = a == (uint64_t)buf;
	return a;
}

static void call(const struct op *op)
{
	uint64_t regs[5] = { 0 }, a = 0;
	unsigned int vcpu = 0, count = 1, i;
	bool filled;
	long rc;

	memset(buf, 0, 3 * 40 + 256);
	put("%s", op->name);
	switch (op->style) {
	case S_REGS:
		fill(op, (uint8_t *)regs, 0, 0);
		if (op->nr)
			rc = hypercall5(op->nr, regs[0], regs[1], regs[2], regs[3], regs[4]);
		else
			rc = hypercall5(regs[0], regs[1], regs[2], regs[3], 0, 0);
		put(" = %ld", rc);
		put_regs_outs(op, regs, rc);
		break;
	case S_VCPU:
		put(" vcpu=");
		vcpu = (unsigned int)draw(op, &op->f[0], 0);
		a = arg_ptr(op, &filled);
		if (filled)
			fill(op, buf, 1, 0);
		rc = hypercall3(op->nr, op->cmd, vcpu, a);
		put(" = %ld", rc);
		if (filled)
			put_outs(op, buf, rc);
		break;
	case S_COUNT:
		count = below(3);
		put(" count=%u", count);
		a = arg_ptr(op, &filled);
		for (i = 0; filled && i < count; i++) {
			put(" [%u]", i);
			fill(op, buf + i * op->size, 0, i);
		}
		rc = hypercall3(op->nr, op->cmd, a, count);
		put(" = %ld", rc);
		for (i = 0; filled && i < count; i++)
			put_outs(op, buf + i * op->size, rc);
		break;
	default:
		a = arg_ptr(op, &filled);
		if (filled)
			fill(op, buf, 0, 0);
		rc = op->style == S_PTR ? hypercall1(op->nr, a) : hypercall2(op->nr, op->cmd, a);
		/* page counts, frames and the like: the machine's */
		if (op->nr == HC(memory_op) && rc > 0)
			put(" = ok");
		else if ((op->nr == HC(sysctl) || op->nr == HC(platform_op)) && rc > 0)
			put(" = ok");
		else
			put(" = %ld", rc);
		if (filled)
			put_outs(op, buf, rc);
		break;
	}
	end();
	undo(op, regs, buf, rc, vcpu);
}

int test_main(struct start_info *si)
{
	static struct fuzz_run run = { .name = "conform-args-diff" };
	struct sched_shutdown code = { SHUTDOWN_poweroff };
	struct evtchn_status st;
	unsigned long calls;
	uint64_t cross;
	unsigned int i;

	/*
	 * One vCPU only: with a second one (down, never initialised)
	 * VCPUOP_initialise and up with a random context would start it
	 * anywhere.
	 */
	if (hypercall3(HC(vcpu_op), VCPUOP_is_up, 1, NULL) >= 0)
		return skip("conform-args-diff needs a domain of one vCPU (--smp 1)");
	mm_init(si);
	if (events_init(si))
		return fail("cannot map shared_info");
	fuzz_args(&run, si, 1, 2, 0);
	calls = cmdline_number((const char *)si->cmd_line, "calls=", DEF_CALLS);
	fuzz_vcpu_init(&fz, &run, run.seed, 0);
	hyp_mfn = hypervisor_l3_mfn(si);
	buf = (uint8_t *)scratch_page();
	own_va = scratch_page();
	/* inner: four pages in a row, then cross: a page before an unmapped one */
	inner = (uint8_t *)scratch_page();
	for (i = 1; i < 4; i++)
		if (scratch_page() != (uint64_t)inner + 4096 * i)
			return fail("scratch pages not in a row");
	cross = scratch_page();
	cross_end = (uint8_t *)cross + 4096;
	if (scratch_page() != cross + 4096 || update_va_mapping(cross + 4096, 0, UVMF_INVLPG))
		return fail("cannot unmap the page after cross");
	/* all ones: read as a struct, no id, port or time that acts (a watchdog of id 0) */
	ro_page = (uint8_t *)scratch_page();
	memset(ro_page, 0xff, 4096);
	if (update_va_mapping((uint64_t)ro_page, pte_ro(va_to_mfn((uint64_t)ro_page)),
			      UVMF_INVLPG))
		return fail("cannot map the read-only page");
	/* the descriptor page: mapped nowhere writable */
	desc_va = scratch_page();
	desc_mfn = va_to_mfn(desc_va);
	if (update_va_mapping(desc_va, pte_ro(desc_mfn), UVMF_INVLPG))
		return fail("cannot map the descriptor page read-only");
	for (i = 1; i < NPORTS; i++) {
		memset(&st, 0, sizeof(st));
		st.dom = DOMID_SELF;
		st.port = i;
		port_used[i] = !hypercall2(HC(event_channel_op), EVTCHNOP_status, &st) &&
			       st.status != EVTCHNSTAT_closed;
	}
	port_used[0] = false;
	if (HYPERVISOR_sched_op(SCHEDOP_shutdown_code, &code))
		return fail("shutdown_code poweroff refused");
	printf("conform-args-diff seed=%lu calls=%lu begins\n", run.seed, calls);
	while (idx < calls)
		call(&ops[below(ARRAY_SIZE(ops))]);
	printf("conform-args-diff made %u calls\n", idx);
	return TEST_PASS;
}
