// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-diff: a differential sweep of hypercall arguments from dom0.
 * Each family and sub-op of docs/conformance.md's table is called with
 * arguments from classes that mean the same on Lamina and on Xen 4.17:
 * pointers (NULL, unmapped, non-canonical, in the hypervisor's range,
 * read-only, misaligned, a struct from the last byte of a page onto an
 * unmapped one, zeroed
 * and all-ones contents), counts (0, 1, huge), domain ids (self, 0,
 * none, DOMID_IO, ...), frames (our own through the p2m, one we do not
 * own), ports and grant refs in and out of range. Each call prints
 *
 *	D <index> <call> <argument classes> = <rc> [<field>=<value> ...]
 *
 * with only the outputs that are the same on both by construction (a
 * status field, a count written back), never a frame, a time or a page
 * count. tests/run/conform-diff compares the lines with a golden file
 * recorded on Xen 4.17 (tests/run/conform-diff.golden). What succeeds is
 * undone (ports closed, traps restored), unprinted, so the next call
 * starts from the same state on both.
 *
* @timeout: 240
 * The guest passes when it has made its calls; the comparison is the
 * runner's.
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include <lamina/memory.h>
#include <lamina/mm.h>
#include <lamina/event_channel.h>
#include <lamina/grant_table.h>
#include <lamina/physdev.h>
#include <lamina/vcpu.h>
#include <lamina/callback.h>
#include <lamina/hvm_op.h>
#include "lib/gnt_self.h"

/* A callback address that must never be entered: it spins, the run times out. */
void spin_forever(void);
asm(".pushsection .text\n.globl spin_forever\nspin_forever:\n1: jmp 1b\n.popsection");

/* Pointer classes. */
enum {
	C_NULL, C_UNM, C_NC, C_HYP, C_CROSS, C_RO, C_MIS, C_ZERO, C_ONES, C_NR
};
static const char *const cname[C_NR] = {
	"null", "unmapped", "noncanon", "hyp", "cross", "ro", "mis", "zero", "ones"
};
#define B(c)		(1u << (c))
/* Classes whose contents are never read (or fault before any use). */
#define NOREAD		(B(C_NULL) | B(C_UNM) | B(C_NC) | B(C_HYP) | B(C_CROSS))
#define ALL		(NOREAD | B(C_RO) | B(C_MIS) | B(C_ZERO) | B(C_ONES))
#define NOZERO		(NOREAD | B(C_ONES))
#define NOONES		(NOREAD | B(C_RO) | B(C_MIS) | B(C_ZERO))

#define EVTOP(cmd, arg)	hypercall2(__HYPERVISOR_event_channel_op, (cmd), (uint64_t)(arg))
#define MMU1(list)	hypercall5(__HYPERVISOR_mmu_update, (uint64_t)(list), 1, 0, DOMID_SELF, 0)

#define UNMAPPED	0x0000100000000000ULL
#define NONCANON	0x8000000000000000ULL
#define HYPADDR		0xffff800000001000ULL

/* pg[0] writable, pg[1] read-only (zeroed), pg[2] writable, pg[3] unmapped. */
static uint8_t pg[4][4096] __attribute__((aligned(4096)));
static uint8_t scratch[2][4096] __attribute__((aligned(4096)));
static unsigned int idx;
static struct start_info *gsi;
static uint64_t own_mfn, own_mfn2, own_pfn2, foreign_mfn;
static bool port_used[64];

/* The pointer for class c, its page filled as the class says. */
static uint64_t ptr_of(unsigned int c)
{
	switch (c) {
	case C_NULL: return 0;
	case C_UNM: return UNMAPPED;
	case C_NC: return NONCANON;
	case C_HYP: return HYPADDR;
	case C_CROSS: memset(pg[2], 0, 4096); return (uint64_t)pg[3] - 1;
	case C_RO: return (uint64_t)pg[1];
	case C_MIS: memset(pg[0], 0, 4096); return (uint64_t)pg[0] + 1;
	case C_ZERO: memset(pg[0], 0, 4096); return (uint64_t)pg[0];
	default: memset(pg[0], 0xff, 4096); return (uint64_t)pg[0];
	}
}

/* The buffer a class's outputs can be read back from, or NULL. */
static const uint8_t *out_of(unsigned int c)
{
	if (c == C_MIS)
		return pg[0] + 1;
	if (c == C_ZERO || c == C_ONES)
		return pg[0];
	return NULL;
}

static char line[256];
static int pos;

static void begin(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void begin(const char *fmt, ...)
{
	va_list ap;

	pos = snprintf(line, sizeof(line), "D %u ", idx++);
	va_start(ap, fmt);
	pos += vsnprintf(line + pos, sizeof(line) - pos, fmt, ap);
	va_end(ap);
}

static void add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void add(const char *fmt, ...)
{
	va_list ap;

	if (pos >= (int)sizeof(line) - 1)
		return;
	va_start(ap, fmt);
	pos += vsnprintf(line + pos, sizeof(line) - pos, fmt, ap);
	va_end(ap);
}

static void end(void)
{
	printf("%s\n", line);
}

static void add_rc(long rc, bool mask);

static void vbegin(const char *fmt, va_list ap)
{
	pos = snprintf(line, sizeof(line), "D %u ", idx++);
	pos += vsnprintf(line + pos, sizeof(line) - pos, fmt, ap);
}

/*
 * A whole line: its text from fmt, the call's answer rc, then an output
 * field's value (NULL: none) always or only when rc is 0.
 */
static void vsay(long rc, const char *field, long value, bool always, const char *fmt, va_list ap)
{
	vbegin(fmt, ap);
	add_rc(rc, false);
	if (field && (always || !rc))
		add(" %s=%ld", field, value);
	end();
}

static void say_field(long rc, const char *field, long value, bool always, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void say_field(long rc, const char *field, long value, bool always, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(rc, field, value, always, fmt, ap);
	va_end(ap);
}

#define say(rc, ...)			say_field(rc, NULL, 0, false, __VA_ARGS__)
/* Pass rc, not the call: the field is read after it. */
#define say_port(rc, port, ...)		say_field(rc, "port", (port), false, __VA_ARGS__)
#define say_status(rc, st, ...)		say_field(rc, "status", (st), true, __VA_ARGS__)

/* " = rc", or " = ok" for a value that is the machine's (mask). */
static void add_rc(long rc, bool mask)
{
	if (mask && rc >= 0)
		add(" = ok");
	else
		add(" = %ld", rc);
}

static uint64_t field(const uint8_t *p, unsigned int off, unsigned int size)
{
	uint64_t v = 0;

	memcpy(&v, p + off, size);
	return v;
}

/* ---- undo ---------------------------------------------------------- */

static void ports_snapshot(void)
{
	struct evtchn_status st;
	unsigned int p;

	for (p = 1; p < 64; p++) {
		memset(&st, 0, sizeof(st));
		st.dom = DOMID_SELF;
		st.port = p;
		port_used[p] = !EVTOP(EVTCHNOP_status, &st) &&
			       st.status != EVTCHNSTAT_closed;
	}
}

/* Closes every port opened since the snapshot. */
static void ports_undo(void)
{
	struct evtchn_status st;
	struct evtchn_close cl;
	unsigned int p;

	for (p = 1; p < 64; p++) {
		if (port_used[p])
			continue;
		memset(&st, 0, sizeof(st));
		st.dom = DOMID_SELF;
		st.port = p;
		if (EVTOP(EVTCHNOP_status, &st) ||
		    st.status == EVTCHNSTAT_closed)
			continue;
		cl.port = p;
		EVTOP(EVTCHNOP_close, &cl);
	}
}

static void restore_pages(void)
{
}

/* ---- one struct pointer, many classes ------------------------------ */

struct sop {
	const char *name;
	unsigned int nr;
	long cmd;
	unsigned int classes;
	unsigned int form;		/* F_* */
	uint64_t extra;			/* a third argument where the form takes one */
	bool mask;			/* rc >= 0 is the machine's: "ok" */
	short out_off;			/* a field to print from the buffer, or -1 */
	unsigned char out_size;
	const char *out_name;
};

enum { F_CMD_PTR, F_CMD_PTR_N, F_PTR, F_CMD_ID_PTR, F_CMD_N_PTR };

static long call_sop(const struct sop *o, uint64_t p)
{
	switch (o->form) {
	case F_CMD_PTR:
		return hypercall2(o->nr, o->cmd, p);
	case F_CMD_PTR_N:
		return hypercall3(o->nr, o->cmd, p, o->extra);
	case F_PTR:
		return hypercall1(o->nr, p);
	case F_CMD_ID_PTR:
		return hypercall3(o->nr, o->cmd, o->extra, p);
	default:			/* console_io: cmd, count, buf */
		return hypercall3(o->nr, o->cmd, o->extra, p);
	}
}

static void sweep(const struct sop *ops, unsigned int n, void (*undo)(void))
{
	unsigned int i, c;

	for (i = 0; i < n; i++) {
		for (c = 0; c < C_NR; c++) {
			const struct sop *o = &ops[i];
			const uint8_t *out;
			long rc;

			if (!(o->classes & B(c)))
				continue;
			rc = call_sop(o, ptr_of(c));
			begin("%s %s", o->name, cname[c]);
			add_rc(rc, o->mask);
			out = out_of(c);
			if (out && o->out_off >= 0 && o->out_size)
				add(" %s=%#lx", o->out_name,
				    (unsigned long)field(out, o->out_off, o->out_size));
			end();
			if (undo)
				undo();
			restore_pages();
		}
	}
}

#define OFF(s, f)		((short)offsetof(struct s, f))
#define EV(n, cmd, cl, off, sz, on)	{ n, __HYPERVISOR_event_channel_op, cmd, cl, F_CMD_PTR, 0, false, off, sz, on }
#define S2(n, nr, cmd, cl)		{ n, nr, cmd, cl, F_CMD_PTR, 0, false, -1, 0, NULL }
#define S2M(n, nr, cmd, cl)		{ n, nr, cmd, cl, F_CMD_PTR, 0, true, -1, 0, NULL }
#define P1(n, nr, cl)			{ n, nr, 0, cl, F_PTR, 0, false, -1, 0, NULL }
#define PH(n, cmd, cl)			S2("physdev " n, __HYPERVISOR_physdev_op, cmd, cl)
#define SC(n, cmd, cl)			S2("sched " n, __HYPERVISOR_sched_op, cmd, cl)
#define CIO(n, cmd, cnt, cl, mask)	{ "console " n, __HYPERVISOR_console_io, cmd, cl, F_CMD_N_PTR, \
					  cnt, mask, -1, 0, NULL }

/* event_channel_op: outputs are ports (the same allocator on both) or status. */
static const struct sop evtchn_ops[] = {
	EV("evtchn bind_interdomain", EVTCHNOP_bind_interdomain, ALL,
	   OFF(evtchn_bind_interdomain, local_port), 4, "local_port"),
	EV("evtchn bind_virq", EVTCHNOP_bind_virq, ALL, 8, 4, "port"),
	EV("evtchn bind_pirq", EVTCHNOP_bind_pirq, ALL, 8, 4, "port"),
	EV("evtchn close", EVTCHNOP_close, ALL, -1, 0, NULL),
	EV("evtchn send", EVTCHNOP_send, ALL, -1, 0, NULL),
	EV("evtchn status", EVTCHNOP_status, ALL, 8, 4, "status"),
	EV("evtchn alloc_unbound", EVTCHNOP_alloc_unbound, ALL, 4, 4, "port"),
	EV("evtchn bind_ipi", EVTCHNOP_bind_ipi, ALL, 4, 4, "port"),
	EV("evtchn bind_vcpu", EVTCHNOP_bind_vcpu, ALL, -1, 0, NULL),
	EV("evtchn unmask", EVTCHNOP_unmask, ALL, -1, 0, NULL),
	EV("evtchn reset", EVTCHNOP_reset, NOZERO, -1, 0, NULL),
	EV("evtchn init_control", EVTCHNOP_init_control, ALL, OFF(evtchn_init_control, link_bits),
	   1, "link_bits"),
	EV("evtchn expand_array", EVTCHNOP_expand_array, ALL, -1, 0, NULL),
	EV("evtchn set_priority", EVTCHNOP_set_priority, ALL, -1, 0, NULL),
	EV("evtchn reset_cont", EVTCHNOP_reset_cont, NOZERO, -1, 0, NULL),
	EV("evtchn op15", 15, ALL, -1, 0, NULL),
	EV("evtchn op-1", -1, ALL, -1, 0, NULL),
	P1("evtchn_compat", __HYPERVISOR_event_channel_op_compat, ALL),
};

static const struct sop physdev_ops[] = {
	PH("irq_unmask_notify", PHYSDEVOP_IRQ_UNMASK_NOTIFY, ALL),
	PH("irq_status_query", PHYSDEVOP_irq_status_query, ALL),
	PH("set_iopl", PHYSDEVOP_set_iopl, NOONES),
	PH("set_iobitmap", PHYSDEVOP_set_iobitmap, ALL),
	PH("apic_read", PHYSDEVOP_apic_read, ALL),
	PH("apic_write", PHYSDEVOP_apic_write, ALL),
	PH("alloc_irq_vector", PHYSDEVOP_alloc_irq_vector, ALL),
	PH("free_irq_vector", PHYSDEVOP_free_irq_vector, ALL),
	PH("eoi", PHYSDEVOP_eoi, ALL),
	PH("map_pirq", PHYSDEVOP_map_pirq, NOZERO),
	PH("unmap_pirq", PHYSDEVOP_unmap_pirq, ALL),
	PH("pirq_eoi_gmfn_v1", PHYSDEVOP_pirq_eoi_gmfn_v1, ALL),
	PH("pirq_eoi_gmfn_v2", PHYSDEVOP_pirq_eoi_gmfn_v2, ALL),
	PH("setup_gsi", PHYSDEVOP_setup_gsi, NOZERO),
	PH("get_free_pirq", PHYSDEVOP_get_free_pirq, NOZERO),
	PH("manage_pci_add", PHYSDEVOP_manage_pci_add, NOZERO),
	PH("manage_pci_remove", PHYSDEVOP_manage_pci_remove, NOZERO),
	PH("restore_msi", PHYSDEVOP_restore_msi, NOZERO),
	PH("manage_pci_add_ext", PHYSDEVOP_manage_pci_add_ext, NOZERO),
	PH("pci_mmcfg_reserved", PHYSDEVOP_pci_mmcfg_reserved, NOREAD),
	PH("pci_device_add", PHYSDEVOP_pci_device_add, NOZERO),
	PH("pci_device_remove", PHYSDEVOP_pci_device_remove, NOZERO),
	PH("restore_msi_ext", PHYSDEVOP_restore_msi_ext, NOZERO),
	PH("dbgp_op", PHYSDEVOP_dbgp_op, NOZERO),
	PH("prepare_msix", PHYSDEVOP_prepare_msix, NOZERO),
	PH("release_msix", PHYSDEVOP_release_msix, NOZERO),
	PH("op0", 0, NOREAD),
	PH("op18", 18, NOREAD),
	PH("op22", 22, NOREAD),
	PH("op32", 32, NOREAD),
	PH("op99", 99, ALL),
	PH("op-1", -1, ALL),
	P1("physdev_compat", __HYPERVISOR_physdev_op_compat, ALL),
};

#define GN(n, cmd, cnt, cl, off, on)	{ "gnttab " n, __HYPERVISOR_grant_table_op, cmd, cl, F_CMD_PTR_N, \
					  cnt, false, off, (off) < 0 ? 0 : 2, on }
#define GS(n, cmd, cl, st)		GN(n " n=1", cmd, 1, cl, OFF(st, status), "status")
static const struct sop grant_ops[] = {
	GS("map_grant_ref", GNTTABOP_map_grant_ref, ALL, gnttab_map_grant_ref),
	GS("unmap_grant_ref", GNTTABOP_unmap_grant_ref, ALL, gnttab_unmap_grant_ref),
	GS("setup_table", GNTTABOP_setup_table, ALL, gnttab_setup_table),
	GS("dump_table", GNTTABOP_dump_table, ALL, gnttab_dump_table),
	GS("transfer", GNTTABOP_transfer, NOZERO, gnttab_transfer),
	GS("copy", GNTTABOP_copy, ALL, gnttab_copy),
	GS("query_size", GNTTABOP_query_size, ALL, gnttab_query_size),
	GS("unmap_and_replace", GNTTABOP_unmap_and_replace, ALL, gnttab_unmap_and_replace),
	GN("set_version n=1", GNTTABOP_set_version, 1, ALL, 0, "version"),
	GS("get_status_frames", GNTTABOP_get_status_frames, ALL, gnttab_get_status_frames),
	GN("get_version n=1", GNTTABOP_get_version, 1, ALL, OFF(gnttab_get_version, version), "version"),
	GS("swap_grant_ref", GNTTABOP_swap_grant_ref, ALL, gnttab_swap_grant_ref),
	GN("cache_flush n=1", GNTTABOP_cache_flush, 1, ALL, -1, NULL),
	GN("op13 n=1", 13, 1, ALL, -1, NULL),
	GN("map_grant_ref n=0", GNTTABOP_map_grant_ref, 0, NOREAD, -1, NULL),
	GN("copy n=0", GNTTABOP_copy, 0, NOREAD, -1, NULL),
	GN("setup_table n=0", GNTTABOP_setup_table, 0, NOREAD, -1, NULL),
	GN("map_grant_ref n=2^31", GNTTABOP_map_grant_ref, 0x80000000ULL, NOREAD, -1, NULL),
	GN("unmap_grant_ref n=2^32-1", GNTTABOP_unmap_grant_ref, 0xffffffffULL, NOREAD, -1, NULL),
	GN("copy n=2^31", GNTTABOP_copy, 0x80000000ULL, NOREAD, -1, NULL),
	GN("setup_table n=2", GNTTABOP_setup_table, 2, NOREAD, -1, NULL),
	GN("query_size n=2", GNTTABOP_query_size, 2, NOREAD, -1, NULL),
	GN("get_version n=2", GNTTABOP_get_version, 2, NOREAD, -1, NULL),
	GN("set_version n=2", GNTTABOP_set_version, 2, NOREAD, -1, NULL),
	GN("cache_flush n=2^31", GNTTABOP_cache_flush, 0x80000000ULL, NOREAD, -1, NULL),
};

#define VC(n, cmd, id, cl)	{ n, __HYPERVISOR_vcpu_op, cmd, cl, F_CMD_ID_PTR, id, false, -1, 0, NULL }
static const struct sop vcpu_ops[] = {
	VC("vcpu initialise self", VCPUOP_initialise, 0, ALL),
	VC("vcpu up self", VCPUOP_up, 0, ALL),
	VC("vcpu is_up self", VCPUOP_is_up, 0, ALL),
	VC("vcpu get_runstate_info self", VCPUOP_get_runstate_info, 0, ALL),
	VC("vcpu register_runstate_memory_area self", VCPUOP_register_runstate_memory_area, 0, ALL),
	VC("vcpu set_periodic_timer self", VCPUOP_set_periodic_timer, 0, ALL),
	VC("vcpu stop_periodic_timer self", VCPUOP_stop_periodic_timer, 0, ALL),
	VC("vcpu set_singleshot_timer self", VCPUOP_set_singleshot_timer, 0, ALL),
	VC("vcpu stop_singleshot_timer self", VCPUOP_stop_singleshot_timer, 0, ALL),
	VC("vcpu register_vcpu_info self", VCPUOP_register_vcpu_info, 0, ALL),
	VC("vcpu get_physid self", VCPUOP_get_physid, 0, ALL),
	VC("vcpu register_vcpu_time_memory_area self", VCPUOP_register_vcpu_time_memory_area, 0, ALL),
	VC("vcpu op14 self", 14, 0, ALL),
	VC("vcpu initialise 4096", VCPUOP_initialise, 4096, NOREAD | B(C_ZERO)),
	VC("vcpu down 4096", VCPUOP_down, 4096, B(C_NULL) | B(C_ZERO)),
	VC("vcpu send_nmi 4096", VCPUOP_send_nmi, 4096, B(C_NULL) | B(C_ZERO)),
	VC("vcpu get_runstate_info 4096", VCPUOP_get_runstate_info, 4096, B(C_NULL) | B(C_ZERO)),
	VC("vcpu register_vcpu_info 4096", VCPUOP_register_vcpu_info, 4096, B(C_NULL) | B(C_ZERO)),
	VC("vcpu op14 4096", 14, 4096, B(C_NULL)),
	VC("vcpu is_up 2^32-1", VCPUOP_is_up, 0xffffffffULL, B(C_NULL)),
	VC("vcpu get_physid 1", VCPUOP_get_physid, 1, B(C_NULL) | B(C_ZERO)),
};

static void vcpu_undo(void)
{
	hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0);
	hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_stop_singleshot_timer, 0, 0);
	static uint64_t none;

	hypercall1(__HYPERVISOR_set_timer_op, 0);
	hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, &none);
	hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0, &none);
}

#define MO(n, cmd, cl)		S2(n, __HYPERVISOR_memory_op, cmd, cl)
#define MOM(n, cmd, cl)		S2M(n, __HYPERVISOR_memory_op, cmd, cl)
static const struct sop memory_ops[] = {
	MO("memory increase_reservation", XENMEM_increase_reservation, ALL),
	MO("memory decrease_reservation", XENMEM_decrease_reservation, ALL),
	MO("memory populate_physmap", XENMEM_populate_physmap, ALL),
	MOM("memory maximum_ram_page", XENMEM_maximum_ram_page, ALL),
	MOM("memory current_reservation", XENMEM_current_reservation, ALL),
	MOM("memory maximum_reservation", XENMEM_maximum_reservation, ALL),
	{ "memory machphys_mfn_list", __HYPERVISOR_memory_op, XENMEM_machphys_mfn_list, ALL,
	  F_CMD_PTR, 0, false, 4, 4, "nr_extents" },
	MO("memory memory_map", XENMEM_memory_map, ALL),
	MO("memory machine_memory_map", XENMEM_machine_memory_map, ALL),
	MO("memory exchange", XENMEM_exchange, ALL),
	MO("memory add_to_physmap", XENMEM_add_to_physmap, ALL),
	MO("memory machphys_mapping", XENMEM_machphys_mapping, ALL),
	MOM("memory maximum_gpfn", XENMEM_maximum_gpfn, ALL),
	MO("memory remove_from_physmap", XENMEM_remove_from_physmap, ALL),
	MO("memory set_pod_target", XENMEM_set_pod_target, ALL),
	MO("memory get_pod_target", XENMEM_get_pod_target, ALL),
	MOM("memory get_sharing_freed_pages", XENMEM_get_sharing_freed_pages, NOREAD),
	MOM("memory get_sharing_shared_pages", XENMEM_get_sharing_shared_pages, NOREAD),
	MO("memory access_op", XENMEM_access_op, ALL),
	MO("memory op22", 22, ALL),
	MO("memory add_to_physmap_batch", XENMEM_add_to_physmap_batch, ALL),
	MO("memory claim_pages", XENMEM_claim_pages, NOREAD | B(C_ONES)),
	MO("memory machphys_compat_mfn_list", XENMEM_machphys_compat_mfn_list, ALL),
	MO("memory get_vnumainfo", XENMEM_get_vnumainfo, ALL),
	MO("memory reserved_device_memory_map", XENMEM_reserved_device_memory_map, ALL),
	MO("memory acquire_resource", XENMEM_acquire_resource, ALL),
	MO("memory op29", 29, ALL),
	MO("memory op63", 63, NOREAD),
	MO("memory current_reservation|start1", XENMEM_current_reservation | (1 << 6), NOREAD),
	MO("memory exchange|start1", XENMEM_exchange | (1 << 6), NOREAD),
	MO("memory increase_reservation|start1", XENMEM_increase_reservation | (1 << 6), NOREAD),
	MO("memory machphys_mapping|start1", XENMEM_machphys_mapping | (1 << 6), NOREAD),
};

#define XV(n, cmd, cl, mask)	{ n, __HYPERVISOR_xen_version, cmd, cl, F_CMD_PTR, 0, mask, -1, 0, NULL }
static const struct sop version_ops[] = {
	XV("version version", XENVER_version, ALL, false),
	XV("version extraversion", XENVER_extraversion, ALL, false),
	XV("version compile_info", XENVER_compile_info, ALL, false),
	XV("version capabilities", XENVER_capabilities, ALL, false),
	XV("version changeset", XENVER_changeset, ALL, false),
	XV("version platform_parameters", XENVER_platform_parameters, ALL, false),
	{ "version get_features", __HYPERVISOR_xen_version, XENVER_get_features, ALL, F_CMD_PTR, 0,
	  false, 0, 4, "submap_idx" },
	XV("version pagesize", XENVER_pagesize, ALL, false),
	XV("version guest_handle", XENVER_guest_handle, ALL, false),
	XV("version commandline", XENVER_commandline, ALL, false),
	XV("version build_id", XENVER_build_id, ALL, true),
	XV("version op11", 11, ALL, false),
	XV("version op-1", -1, ALL, false),
};

static const struct sop sched_ops[] = {
	SC("yield", SCHEDOP_yield, ALL),
	SC("poll", SCHEDOP_poll, NOZERO),
	SC("remote_shutdown", SCHEDOP_remote_shutdown, NOZERO),
	SC("shutdown_code", SCHEDOP_shutdown_code, NOREAD),
	SC("watchdog", SCHEDOP_watchdog, NOZERO),
	SC("op8", 8, ALL),
	SC("op-1", -1, ALL),
	S2("sched_compat yield", __HYPERVISOR_sched_op_compat, SCHEDOP_yield, B(C_NULL) | B(C_ONES)),
	S2("sched_compat op3", __HYPERVISOR_sched_op_compat, 3, B(C_NULL)),
	S2("sched_compat op99", __HYPERVISOR_sched_op_compat, 99, B(C_NULL)),
};

static const struct sop misc_ops[] = {
	CIO("write n=0", CONSOLEIO_write, 0, NOREAD | B(C_ZERO), false),
	CIO("write n=1", CONSOLEIO_write, 1, NOREAD, false),
	CIO("read n=0", CONSOLEIO_read, 0, ALL, false),
	CIO("read n=16", CONSOLEIO_read, 16, NOREAD, true),
	CIO("read n=2^31", CONSOLEIO_read, 0x80000000ULL, B(C_NULL) | B(C_ZERO), false),
	CIO("op2", 2, 0, B(C_NULL) | B(C_ZERO), false),
	S2("callback register", __HYPERVISOR_callback_op, CALLBACKOP_register, NOREAD | B(C_ONES)),
	S2("callback unregister", __HYPERVISOR_callback_op, CALLBACKOP_unregister, ALL),
	S2("callback op2", __HYPERVISOR_callback_op, 2, ALL),
	S2("xsm_op 0", __HYPERVISOR_xsm_op, 0, NOREAD | B(C_ZERO)),
	P1("mca", __HYPERVISOR_mca, ALL),
	S2("xenpmu mode_get", __HYPERVISOR_xenpmu_op, 1, ALL),
	S2("xenpmu feature_get", __HYPERVISOR_xenpmu_op, 3, ALL),
	S2("xenpmu init", __HYPERVISOR_xenpmu_op, 4, ALL),
	S2("xenpmu op99", __HYPERVISOR_xenpmu_op, 99, ALL),
	S2("hypfs get_version", __HYPERVISOR_hypfs_op, 0, NOREAD),
	S2("hypfs op99", __HYPERVISOR_hypfs_op, 99, NOREAD),
	P1("paging_domctl_cont", __HYPERVISOR_paging_domctl_cont, ALL),
	P1("sysctl", __HYPERVISOR_sysctl, ALL),
	P1("domctl", __HYPERVISOR_domctl, ALL),
	P1("platform_op", __HYPERVISOR_platform_op, ALL),
};

/* ---- families with their own arguments ----------------------------- */

static void unknown_numbers(void)
{
	static const unsigned int nrs[] = { 11, 43, 44, 45, 46, 47, 51, 52, 55, 56, 63, 64, 100, 255 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(nrs); i++) {
		say(hypercall5(nrs[i], 0, 0, 0, 0, 0), "hypercall %u zero args", nrs[i]);
	}
	say(hypercall5(0x100000011ULL, 0, 0, 0, 0, 0), "hypercall 2^32+17 zero args");
}

/* hvm_op 0-30 on each pointer class; xenoprof_op 0-18. */
static void number_sweeps(void)
{
	unsigned int op, c;

	for (op = 0; op <= 30; op++) {
		for (c = 0; c < C_NR; c++) {
			if (c == C_ONES || c == C_CROSS)
				continue;
			say(hypercall2(__HYPERVISOR_hvm_op, op, ptr_of(c)), "hvm_op %u %s", op, cname[c]);
		}
	}
	for (op = 0; op <= 18; op++) {
		say(hypercall2(__HYPERVISOR_xenoprof_op, op, 0), "xenoprof %u null", op);
	}
	for (op = 0; op < 8; op++) {
		say(hypercall2(__HYPERVISOR_kexec_op, op, 0), "kexec %u null", op);
	}
	say(hypercall1(38, 0), "tmem_op null");
	say(hypercall5(39, 0, 0, 0, 0, 0), "argo_op 0 null");
	say(hypercall3(__HYPERVISOR_dm_op, 0, 0, 0), "dm_op 0 0 null");
}

static const struct { const char *name; uint16_t id; } domids[] = {
	{ "0", 0 }, { "self", DOMID_SELF }, { "999", 999 }, { "io", DOMID_IO },
	{ "xen", DOMID_XEN }, { "cow", DOMID_COW }, { "invalid", DOMID_INVALID },
	{ "idle", DOMID_IDLE }, { "ffff", 0xffff },
};

/* sysctl, domctl and platform_op: a good version, each command, a zeroed payload. */
static void ctl_sweeps(void)
{
	static const unsigned int sysctl_cmds[] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 15, 16, 17, 20, 21, 22,
		23, 24, 25, 26, 27, 29, 30, 99 };
	/* not cpu_hotplug (11), page_offline_op (14), cpupool_op (18),
	 * scheduler_op (19), set_parameter (28): they change the machine */
	static const unsigned int plat_cmds[] = {
		0, 1, 34, 33, 36, 40, 48, 50, 53, 55, 58, 59, 61, 63, 64, 99 };
	uint32_t *w = (uint32_t *)pg[0];
	unsigned int i, d, cmd;

	for (i = 0; i < ARRAY_SIZE(sysctl_cmds); i++) {
		memset(pg[0], 0, 4096);
		w[0] = sysctl_cmds[i];
		w[1] = 0x15;
		begin("sysctl cmd %u zeroed", sysctl_cmds[i]);
		add_rc(hypercall1(__HYPERVISOR_sysctl, pg[0]), sysctl_cmds[i] == 4);
		end();
	}
	memset(pg[0], 0, 4096);
	w[0] = 3;
	w[1] = 0x14;
	say(hypercall1(__HYPERVISOR_sysctl, pg[0]), "sysctl physinfo version 0x14");

	/* every domctl command on a domain that does not exist and on DOMID_IO */
	for (cmd = 0; cmd <= 90; cmd++) {
		for (d = 2; d < 4; d++) {
			memset(pg[0], 0, 4096);
			w[0] = cmd;
			w[1] = 0x15;
			*(uint16_t *)(pg[0] + 8) = domids[d].id;
			say(hypercall1(__HYPERVISOR_domctl, pg[0]), "domctl cmd %u dom %s zeroed", cmd, domids[d].name);
		}
	}
	/* read-only domctls on each domain id */
	static const unsigned int ro_cmds[] = { 5, 13, 14, 25, 36, 37, 45, 47 };	/* 37, 45, 47: no IOMMU */
	for (i = 0; i < ARRAY_SIZE(ro_cmds); i++) {
		for (d = 0; d < ARRAY_SIZE(domids); d++) {
			memset(pg[0], 0, 4096);
			w[0] = ro_cmds[i];
			w[1] = 0x15;
			*(uint16_t *)(pg[0] + 8) = domids[d].id;
			say(hypercall1(__HYPERVISOR_domctl, pg[0]), "domctl cmd %u dom %s zeroed",
			    ro_cmds[i], domids[d].name);
		}
	}
	/* dom0's own domctls a zeroed payload cannot harm: each fails or only reads */
	{
		static const unsigned int own[] = {
			0, 3, 4, 20, 21, 22, 27, 33, 34, 35, 38, 39, 40, 43, 46, 48, 50, 54, 55, 59,
			61, 63, 65, 66, 67, 69, 71, 72, 73, 74, 75, 77, 78, 81, 82, 84, 85, 86, 90,
		};
		static const unsigned int per_vcpu[] = { 13, 14, 25, 43, 63, 72, 73 };
		static const uint32_t vcpus[] = { 1, 4096, 0xffffffff };
		unsigned int j;

		for (i = 0; i < ARRAY_SIZE(per_vcpu); i++)
			for (j = 0; j < ARRAY_SIZE(vcpus); j++) {
				memset(pg[0], 0, 4096);
				w[0] = per_vcpu[i];
				w[1] = 0x15;
				w[4] = vcpus[j];	/* the union's first field */
				say(hypercall1(__HYPERVISOR_domctl, pg[0]),
				    "domctl cmd %u dom 0 vcpu %#x zeroed", per_vcpu[i], vcpus[j]);
			}
		for (i = 0; i < ARRAY_SIZE(own); i++) {
			memset(pg[0], 0, 4096);
			w[0] = own[i];
			w[1] = 0x15;
			say(hypercall1(__HYPERVISOR_domctl, pg[0]), "domctl cmd %u dom 0 own zeroed",
			    own[i]);
		}
	}
	memset(pg[0], 0, 4096);
	w[0] = 5;
	w[1] = 0x14;
	say(hypercall1(__HYPERVISOR_domctl, pg[0]), "domctl getdomaininfo version 0x14");

	for (i = 0; i < ARRAY_SIZE(plat_cmds); i++) {
		memset(pg[0], 0, 4096);
		w[0] = plat_cmds[i];
		w[1] = 0x03000001;
		say(hypercall1(__HYPERVISOR_platform_op, pg[0]), "platform_op cmd %u zeroed", plat_cmds[i]);
	}
	memset(pg[0], 0, 4096);
	w[0] = 55;
	w[1] = 0x03000000;
	say(hypercall1(__HYPERVISOR_platform_op, pg[0]), "platform_op get_cpuinfo version 0x03000000");
}

/* Event channels with values: ports, vCPUs, VIRQs, domains. */
static void evtchn_values(void)
{
	static const uint32_t ports[] = { 0, 1, 63, 64, 1023, 1024, 4095, 4096, 0x7fffffff, 0xffffffff };
	static const uint32_t virqs[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 24, 0xffffffff };
	struct evtchn_status st;
	struct evtchn_alloc_unbound au;
	struct evtchn_bind_virq bv;
	struct evtchn_bind_interdomain bi;
	unsigned int i, d;
	long rc;

	for (i = 0; i < ARRAY_SIZE(ports); i++) {
		memset(&st, 0, sizeof(st));
		st.dom = DOMID_SELF;
		st.port = ports[i];
		rc = EVTOP(EVTCHNOP_status, &st);
		begin("evtchn status self port %u", ports[i]);
		add_rc(rc, false);
		if (!rc)
			add(" status=%u", st.status);
		end();
		if (ports[i] < 64 && port_used[ports[i]]) {
			begin("evtchn port %u in use: not closed", ports[i]);
			end();
			continue;
		}
		say(EVTOP(EVTCHNOP_close, &ports[i]), "evtchn close port %u", ports[i]);
		say(EVTOP(EVTCHNOP_send, &ports[i]), "evtchn send port %u", ports[i]);
		say(EVTOP(EVTCHNOP_unmask, &ports[i]), "evtchn unmask port %u", ports[i]);
		{
			struct evtchn_bind_vcpu b = { ports[i], 0 };

			say(EVTOP(EVTCHNOP_bind_vcpu, &b), "evtchn bind_vcpu port %u vcpu 0", ports[i]);
		}
	}
	for (d = 0; d < ARRAY_SIZE(domids); d++) {
		memset(&st, 0, sizeof(st));
		st.dom = domids[d].id;
		st.port = 1;
		rc = EVTOP(EVTCHNOP_status, &st);
		say(rc, "evtchn status dom %s port 1", domids[d].name);
		memset(&au, 0, sizeof(au));
		au.dom = domids[d].id;
		au.remote_dom = 0;
		rc = EVTOP(EVTCHNOP_alloc_unbound, &au);
		say_port(rc, au.port, "evtchn alloc_unbound dom %s remote 0", domids[d].name);
		ports_undo();
		memset(&au, 0, sizeof(au));
		au.dom = DOMID_SELF;
		au.remote_dom = domids[d].id;
		rc = EVTOP(EVTCHNOP_alloc_unbound, &au);
		say_port(rc, au.port, "evtchn alloc_unbound self remote %s", domids[d].name);
		ports_undo();
		memset(&bi, 0, sizeof(bi));
		bi.remote_dom = domids[d].id;
		bi.remote_port = 1;
		rc = EVTOP(EVTCHNOP_bind_interdomain, &bi);
		say(rc, "evtchn bind_interdomain remote %s port 1", domids[d].name);
		ports_undo();
		{
			struct evtchn_reset r = { domids[d].id };

			if (domids[d].id != 0 && domids[d].id != DOMID_SELF) {
				say(EVTOP(EVTCHNOP_reset, &r), "evtchn reset dom %s", domids[d].name);
			}
		}
	}
	for (i = 0; i < ARRAY_SIZE(virqs); i++) {
		memset(&bv, 0, sizeof(bv));
		bv.virq = virqs[i];
		rc = EVTOP(EVTCHNOP_bind_virq, &bv);
		say_port(rc, bv.port, "evtchn bind_virq %u vcpu 0", virqs[i]);
		if (!rc) {
			rc = EVTOP(EVTCHNOP_bind_virq, &bv);
			say(rc, "evtchn bind_virq %u vcpu 0 again", virqs[i]);
		}
		ports_undo();
		bv.vcpu = 5;
		say(EVTOP(EVTCHNOP_bind_virq, &bv), "evtchn bind_virq %u vcpu 5", virqs[i]);
		ports_undo();
	}
	{
		struct evtchn_bind_ipi ipi = { 1, 0 };

		say(EVTOP(EVTCHNOP_bind_ipi, &ipi), "evtchn bind_ipi vcpu 1");
		ipi.vcpu = 0xffffffff;
		say(EVTOP(EVTCHNOP_bind_ipi, &ipi), "evtchn bind_ipi vcpu 2^32-1");
		ports_undo();
	}
}

/* A GNTTABOP_copy (src and dst refs or frames as flags say), and its line. */
static void vcopy(uint64_t src, uint16_t sdom, uint16_t soff, uint64_t dst, uint16_t ddom,
		  uint16_t doff, uint16_t len, uint16_t flags, const char *fmt, va_list ap)
{
	struct gnttab_copy cp;
	long rc;

	memset(&cp, 0, sizeof(cp));
	cp.source.u.gmfn = src;		/* a ref: its low half, the union's */
	cp.source.domid = sdom;
	cp.source.offset = soff;
	cp.dest.u.gmfn = dst;
	cp.dest.domid = ddom;
	cp.dest.offset = doff;
	cp.len = len;
	cp.flags = flags;
	rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_copy, &cp, 1);
	vsay(rc, "status", cp.status, true, fmt, ap);
}

/* A GNTTABOP_copy between two frames named DOMID_SELF, and its line. */
static void copy_frames(uint64_t src, uint16_t soff, uint64_t dst, uint16_t doff, uint16_t len,
			uint16_t flags, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static void copy_frames(uint64_t src, uint16_t soff, uint64_t dst, uint16_t doff, uint16_t len,
			uint16_t flags, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcopy(src, DOMID_SELF, soff, dst, DOMID_SELF, doff, len, flags, fmt, ap);
	va_end(ap);
}

/* grant_table_op with values: refs, domains, frames. */
static void grant_values(void)
{
	static const uint32_t refs[] = { 0, 1, 8, 511, 512, 0xffffffff };
	struct gnttab_map_grant_ref m;
	struct gnttab_query_size q;
	struct gnttab_copy cp;
	unsigned int i, d;
	long rc;

	for (d = 0; d < ARRAY_SIZE(domids); d++) {
		memset(&q, 0, sizeof(q));
		q.dom = domids[d].id;
		rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, &q, 1);
		say_status(rc, q.status, "gnttab query_size dom %s", domids[d].name);
		for (i = 0; i < ARRAY_SIZE(refs); i++) {
			memset(&m, 0, sizeof(m));
			m.host_addr = (uint64_t)scratch[1];
			m.flags = GNTMAP_host_map | GNTMAP_readonly;
			m.ref = refs[i];
			m.dom = domids[d].id;
			rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, &m, 1);
			say_status(rc, m.status, "gnttab map dom %s ref %u", domids[d].name, refs[i]);
		}
		memset(&cp, 0, sizeof(cp));
		cp.source.u.ref = 0;
		cp.source.domid = domids[d].id;
		cp.dest.u.gmfn = own_mfn2;
		cp.dest.domid = DOMID_SELF;
		cp.len = 8;
		cp.flags = GNTCOPY_source_gref;
		rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_copy, &cp, 1);
		say_status(rc, cp.status, "gnttab copy from dom %s ref 0 to own frame", domids[d].name);
	}
	/* copies between frames: own, foreign, offsets and lengths */
	{
		static const struct { const char *n; uint16_t off, len; } ol[] = {
			{ "0+0", 0, 0 }, { "0+8", 0, 8 }, { "4088+8", 4088, 8 }, { "4089+8", 4089, 8 },
			{ "0+4096", 0, 4096 }, { "0+4097", 0, 4097 }, { "4095+1", 4095, 1 },
		};
		for (i = 0; i < ARRAY_SIZE(ol); i++) {
			copy_frames(own_mfn, ol[i].off, own_mfn2, 0, ol[i].len, 0,
				    "gnttab copy own to own src %s", ol[i].n);
			copy_frames(own_mfn, 0, own_mfn2, ol[i].off, ol[i].len, 0,
				    "gnttab copy own to own dst %s", ol[i].n);
		}
		copy_frames(foreign_mfn, 0, own_mfn2, 0, 8, 0, "gnttab copy foreign frame to own");
		copy_frames(own_mfn, 0, foreign_mfn, 0, 8, 0, "gnttab copy own to foreign frame");
		copy_frames(own_mfn, 0, ~0ULL, 0, 8, 0, "gnttab copy own to frame ~0");
		copy_frames(own_mfn, 0, own_mfn2, 0, 8, 0xff, "gnttab copy own to own flags 0xff");
	}
}

/* mmu_update and mmuext_op: lists, counts, pdone and foreigndom classes. */
static void mmu_values(void)
{
	static const struct { const char *n; uint64_t v; } counts[] = {
		{ "0", 0 }, { "1", 1 }, { "2^20+1", (1 << 20) + 1 }, { "2^31", 0x80000000ULL },
		{ "2^32-1", 0xffffffffULL },
	};
	struct mmu_update *u = (struct mmu_update *)scratch[0];
	uint64_t l1e = l1e_maddr((uint64_t)pg[2]);
	uint64_t pte = pte_rw(va_to_mfn((uint64_t)pg[2]));
	unsigned int c, i, d;
	uint32_t done;
	long rc;

	/* the list pointer's classes, count 1 and 0 */
	for (c = 0; c < C_NR; c++) {
		if (c == C_CROSS)
			continue;
		rc = hypercall5(__HYPERVISOR_mmu_update, ptr_of(c), 1, 0, DOMID_SELF, 0);
		say(rc, "mmu_update list %s n=1", cname[c]);
		rc = hypercall5(__HYPERVISOR_mmu_update, ptr_of(c), 0, 0, DOMID_SELF, 0);
		say(rc, "mmu_update list %s n=0", cname[c]);
		rc = hypercall5(__HYPERVISOR_mmuext_op, ptr_of(c), 1, 0, DOMID_SELF, 0);
		say(rc, "mmuext list %s n=1", cname[c]);
		rc = hypercall5(__HYPERVISOR_mmuext_op, ptr_of(c), 0, 0, DOMID_SELF, 0);
		say(rc, "mmuext list %s n=0", cname[c]);
		restore_pages();
	}
	/* our own entry rewritten as it is, with counts and pdone */
	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		memset(scratch[0], 0, 4096);
		u[0].ptr = l1e;
		u[0].val = pte;
		done = 0x55;
		rc = hypercall5(__HYPERVISOR_mmu_update, (uint64_t)u, counts[i].v, (uint64_t)&done,
				DOMID_SELF, 0);
		begin("mmu_update own entry then zeros n=%s", counts[i].n);
		add_rc(rc, false);
		add(" done=%u", done);
		end();
	}
	for (c = 0; c < C_NR; c++) {
		if (c == C_CROSS || c == C_MIS || c == C_ZERO)
			continue;
		u[0].ptr = l1e;
		u[0].val = pte;
		rc = hypercall5(__HYPERVISOR_mmu_update, (uint64_t)u, 1, ptr_of(c), DOMID_SELF, 0);
		say(rc, "mmu_update own entry pdone %s", cname[c]);
		restore_pages();
	}
	/* foreigndom classes, with our own entry and with an empty list */
	for (d = 0; d < ARRAY_SIZE(domids); d++) {
		u[0].ptr = l1e;
		u[0].val = pte;
		rc = hypercall5(__HYPERVISOR_mmu_update, (uint64_t)u, 1, 0, domids[d].id, 0);
		say(rc, "mmu_update own entry foreigndom %s", domids[d].name);
		rc = hypercall5(__HYPERVISOR_mmu_update, (uint64_t)u, 0, 0, domids[d].id, 0);
		say(rc, "mmu_update n=0 foreigndom %s", domids[d].name);
		rc = mmuext_fd(MMUEXT_TLB_FLUSH_LOCAL, 0, 0, domids[d].id);
		say(rc, "mmuext tlb_flush_local foreigndom %s", domids[d].name);
		rc = mmuext_fd(MMUEXT_PIN_L1_TABLE, own_mfn, 0, domids[d].id);
		say(rc, "mmuext pin_l1 own data frame foreigndom %s", domids[d].name);
	}
	/* the request's address: ours, another's, misaligned, the command bits */
	{
		static const struct { const char *n; uint64_t ptr; } reqs[] = {
			{ "own l1e|normal", 0 }, { "own l1e+4", 4 },
			{ "own l1e|preserve_ad", 2 }, { "own l1e|3", 3 },
		};
		for (i = 0; i < ARRAY_SIZE(reqs); i++) {
			u[0].ptr = l1e + reqs[i].ptr;
			u[0].val = pte;
			say(MMU1(u), "mmu_update %s", reqs[i].n);
		}
		u[0].ptr = (foreign_mfn << 12);
		u[0].val = 0;
		say(MMU1(u), "mmu_update foreign frame's entry");
		u[0].ptr = (own_mfn << 12);
		u[0].val = 0;
		say(MMU1(u), "mmu_update own data frame as a table");
		u[0].ptr = ~0ULL << 12;
		say(MMU1(u), "mmu_update frame ~0");
		u[0].ptr = l1e;
		u[0].val = pte_rw(foreign_mfn);
		say(MMU1(u), "mmu_update own entry to foreign frame rw");
		u[0].val = pte | (1ULL << 51);
		say(MMU1(u), "mmu_update own entry reserved bit 51");
		u[0].val = pte | PTE_PSE;
		say(MMU1(u), "mmu_update own entry with PSE");
		/* put it back, whatever happened */
		update_va_mapping((uint64_t)pg[2], pte, UVMF_INVLPG);
		u[0].ptr = (own_mfn2 << 12) | MMU_MACHPHYS_UPDATE;
		u[0].val = own_pfn2;
		say(MMU1(u), "mmu_update machphys own frame");
		u[0].ptr = (foreign_mfn << 12) | MMU_MACHPHYS_UPDATE;
		say(MMU1(u), "mmu_update machphys foreign frame");
	}
	/* every mmuext command with frame classes */
	{
		static const struct { const char *n; uint64_t (*f)(void); } fr[] = {
			{ "0", NULL }, { "own", NULL }, { "foreign", NULL }, { "~0", NULL },
		};
		uint64_t fv[4] = { 0, own_mfn, foreign_mfn, ~0ULL };
		unsigned int cmd, f;

		(void)fr;
		for (cmd = 0; cmd <= 21; cmd++) {
			if (cmd == MMUEXT_NEW_BASEPTR || cmd == MMUEXT_NEW_USER_BASEPTR)
				continue;	/* below, own frame only */
			for (f = 0; f < 4; f++) {
				struct mmuext_op *op = (struct mmuext_op *)scratch[0];
				uint64_t vmask = 1;

				memset(op, 0, sizeof(*op));
				op->cmd = cmd;
				op->arg1.mfn = fv[f];
				if (cmd == MMUEXT_TLB_FLUSH_MULTI || cmd == MMUEXT_INVLPG_MULTI)
					op->arg2.vcpumask = f == 3 ? HYPADDR : (uint64_t)&vmask;
				else if (cmd == MMUEXT_COPY_PAGE)
					op->arg2.src_mfn = own_mfn2;
				else if (cmd == MMUEXT_SET_LDT)
					op->arg2.nr_ents = f;
				if (cmd == MMUEXT_SET_LDT || cmd == MMUEXT_INVLPG_LOCAL ||
				    cmd == MMUEXT_INVLPG_MULTI || cmd == MMUEXT_INVLPG_ALL)
					op->arg1.linear_addr = f == 1 ? (uint64_t)scratch[1] :
							       f == 2 ? HYPADDR : fv[f];
				rc = hypercall5(__HYPERVISOR_mmuext_op, (uint64_t)op, 1, 0, DOMID_SELF, 0);
				say(rc, "mmuext cmd %u arg %s", cmd, fv[f] == ~0ULL ? "~0" :
				      f == 0 ? "0" : f == 1 ? "own" : "foreign");
				/* an LDT set or a pin taken: undone */
				if (cmd == MMUEXT_SET_LDT && !rc)
					mmuext1(MMUEXT_SET_LDT, 0);
				if (cmd <= MMUEXT_PIN_L4_TABLE && !rc)
					mmuext1(MMUEXT_UNPIN_TABLE, fv[f]);
			}
		}
		rc = mmuext1(MMUEXT_NEW_BASEPTR, own_mfn);
		say(rc, "mmuext new_baseptr own data frame");
		rc = mmuext1(MMUEXT_NEW_BASEPTR, foreign_mfn);
		say(rc, "mmuext new_baseptr foreign frame");
		rc = mmuext1(MMUEXT_NEW_USER_BASEPTR, own_mfn);
		say(rc, "mmuext new_user_baseptr own data frame");
		rc = mmuext1(MMUEXT_NEW_USER_BASEPTR, 0);
		say(rc, "mmuext new_user_baseptr 0");
	}
	/* update_va_mapping and _otherdomain */
	{
		static const struct { const char *n; uint64_t va; } vas[] = {
			{ "own", 0 }, { "unmapped", UNMAPPED }, { "noncanon", NONCANON },
			{ "hyp", HYPADDR }, { "own+1", 1 },
		};
		static const struct { const char *n; uint64_t f; } flags[] = {
			{ "none", UVMF_NONE }, { "invlpg", UVMF_INVLPG }, { "tlb_flush", UVMF_TLB_FLUSH },
			{ "invlpg|all", UVMF_INVLPG | UVMF_ALL }, { "3", 3 },
		};
		for (i = 0; i < ARRAY_SIZE(vas); i++) {
			uint64_t va = vas[i].va;

			if (va <= 1)
				va += (uint64_t)pg[2];
			for (c = 0; c < ARRAY_SIZE(flags); c++) {
				rc = update_va_mapping(va, pte, flags[c].f);
				say(rc, "update_va_mapping va %s same pte flags %s", vas[i].n, flags[c].n);
			}
			rc = update_va_mapping(va, pte_ro(foreign_mfn), UVMF_INVLPG);
			say(rc, "update_va_mapping va %s foreign frame ro", vas[i].n);
			rc = update_va_mapping(va, pte | (1ULL << 51), UVMF_INVLPG);
			say(rc, "update_va_mapping va %s reserved bit", vas[i].n);
			update_va_mapping((uint64_t)pg[2], pte, UVMF_INVLPG);
		}
		{
			uint64_t m = 1;

			rc = update_va_mapping((uint64_t)pg[2], pte, UVMF_INVLPG | (uint64_t)&m);
			say(rc, "update_va_mapping own invlpg mask mapped");
			rc = update_va_mapping((uint64_t)pg[2], pte, UVMF_INVLPG | UNMAPPED);
			say(rc, "update_va_mapping own invlpg mask unmapped");
			rc = update_va_mapping((uint64_t)pg[2], pte, UVMF_INVLPG | HYPADDR);
			say(rc, "update_va_mapping own invlpg mask hyp");
		}
		for (d = 0; d < ARRAY_SIZE(domids); d++) {
			rc = hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, (uint64_t)pg[2], pte,
					UVMF_INVLPG, domids[d].id, 0);
			say(rc, "update_va_mapping_otherdomain own pte dom %s", domids[d].name);
			update_va_mapping((uint64_t)pg[2], pte, UVMF_INVLPG);
		}
	}
}

/* multicall: list classes and counts; entries that yield. */
static void multicall_values(void)
{
	struct multicall_entry *mc = (struct multicall_entry *)scratch[0];
	static const struct { const char *n; uint64_t v; } counts[] = {
		{ "0", 0 }, { "1", 1 }, { "2", 2 }, { "2^16+1", 0x10001 }, { "2^32-1", 0xffffffffULL },
	};
	unsigned int c, i;
	long rc;

	for (c = 0; c < C_NR; c++) {
		if (c == C_ZERO || c == C_MIS || c == C_RO || c == C_ONES)
			continue;
		rc = hypercall2(__HYPERVISOR_multicall, ptr_of(c), 1);
		say(rc, "multicall list %s n=1", cname[c]);
		rc = hypercall2(__HYPERVISOR_multicall, ptr_of(c), 0);
		say(rc, "multicall list %s n=0", cname[c]);
	}
	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		struct multicall_entry *l = (struct multicall_entry *)pg[2];
		unsigned int k, n = 4096 / sizeof(*l);

		/* two yields, then entries of an unknown op to pg[2]'s end, pg[3] unmapped */
		memset(pg[2], 0, 4096);
		for (k = 0; k < n; k++)
			l[k].op = k < 2 ? __HYPERVISOR_sched_op : 99;
		rc = hypercall2(__HYPERVISOR_multicall, (uint64_t)l, counts[i].v);
		begin("multicall yields then op99 to an unmapped page n=%s", counts[i].n);
		add_rc(rc, false);
		add(" r0=%ld r1=%ld r2=%ld last=%ld", (long)l[0].result, (long)l[1].result,
		    (long)l[2].result, (long)l[n - 1].result);
		end();
	}
	memset(scratch[0], 0, 4096);
	mc[0].op = __HYPERVISOR_multicall;
	mc[1].op = 0x100000000ULL | __HYPERVISOR_sched_op;
	mc[2].op = __HYPERVISOR_xen_version;
	mc[2].args[0] = XENVER_pagesize;
	mc[3].op = __HYPERVISOR_event_channel_op;
	mc[3].args[0] = EVTCHNOP_close;
	mc[3].args[1] = HYPADDR;
	rc = hypercall2(__HYPERVISOR_multicall, (uint64_t)mc, 4);
	begin("multicall nested, op>32 bits, pagesize, close hyp");
	add_rc(rc, false);
	add(" r0=%ld r1=%ld r2=%ld r3=%ld", (long)mc[0].result, (long)mc[1].result,
	    (long)mc[2].result, (long)mc[3].result);
	end();
}

/* The same calls made directly and as a multicall entry (64-bit arguments there too). */
static void multicall_mirror(void)
{
	static const struct { const char *n; uint64_t op, a[5]; } c[] = {
		{ "vm_assist cmd 2 type 6", __HYPERVISOR_vm_assist, { 2, 6 } },
		{ "vm_assist enable type 2^32+2", __HYPERVISOR_vm_assist, { 0, 0x100000002ULL } },
		{ "vm_assist cmd 2^32+2 type 64", __HYPERVISOR_vm_assist, { 0x100000002ULL, 64 } },
		{ "xen_version pagesize", __HYPERVISOR_xen_version, { XENVER_pagesize, 0 } },
		{ "xen_version pagesize|2^32", __HYPERVISOR_xen_version, { 0x100000000ULL | XENVER_pagesize, 0 } },
		{ "xen_version 99", __HYPERVISOR_xen_version, { 99, 0 } },
		{ "evtchn close hyp", __HYPERVISOR_event_channel_op, { EVTCHNOP_close, HYPADDR } },
		{ "evtchn 2^32+15", __HYPERVISOR_event_channel_op, { 0x10000000fULL, 0 } },
		{ "sched yield|2^32", __HYPERVISOR_sched_op, { 0x100000000ULL, 0 } },
		{ "sched 99", __HYPERVISOR_sched_op, { 99, 0 } },
		{ "get_debugreg 7", __HYPERVISOR_get_debugreg, { 7 } },
		{ "get_debugreg 8", __HYPERVISOR_get_debugreg, { 8 } },
		{ "get_debugreg 2^32+6", __HYPERVISOR_get_debugreg, { 0x100000006ULL } },
		{ "set_debugreg 0 hyp", __HYPERVISOR_set_debugreg, { 0, HYPADDR } },
		{ "set_debugreg 7 2^32", __HYPERVISOR_set_debugreg, { 7, 0x100000000ULL } },
		{ "memory_op 99", __HYPERVISOR_memory_op, { 99, 0 } },
		{ "memory_op current_reservation hyp", __HYPERVISOR_memory_op, { XENMEM_current_reservation, HYPADDR } },
		{ "mmu_update list hyp n=1", __HYPERVISOR_mmu_update, { HYPADDR, 1, 0, DOMID_SELF } },
		{ "mmu_update n=0 fd 999", __HYPERVISOR_mmu_update, { 0, 0, 0, 999 } },
		{ "mmuext list noncanon n=1", __HYPERVISOR_mmuext_op, { NONCANON, 1, 0, DOMID_SELF } },
		{ "set_segment_base 5", __HYPERVISOR_set_segment_base, { 5, 0 } },
		{ "set_segment_base fs noncanon", __HYPERVISOR_set_segment_base, { 0, NONCANON } },
		{ "physdev 99", __HYPERVISOR_physdev_op, { 99, 0 } },
		{ "physdev set_iopl hyp", __HYPERVISOR_physdev_op, { PHYSDEVOP_set_iopl, HYPADDR } },
		{ "gnttab query_size hyp n=1", __HYPERVISOR_grant_table_op, { GNTTABOP_query_size, HYPADDR, 1 } },
		{ "gnttab 13", __HYPERVISOR_grant_table_op, { 13, 0, 1 } },
		{ "gnttab setup_table n=2^32+1 null", __HYPERVISOR_grant_table_op, { GNTTABOP_setup_table, 0, 0x100000001ULL } },
		{ "vcpu_op 14", __HYPERVISOR_vcpu_op, { 14, 0, 0 } },
		{ "vcpu_op is_up 4096", __HYPERVISOR_vcpu_op, { VCPUOP_is_up, 4096, 0 } },
		{ "vcpu_op is_up 2^32", __HYPERVISOR_vcpu_op, { VCPUOP_is_up, 0x100000000ULL, 0 } },
		{ "console_io 2", __HYPERVISOR_console_io, { 2, 0, 0 } },
		{ "console_io read n=0 null", __HYPERVISOR_console_io, { CONSOLEIO_read, 0, 0 } },
		{ "hvm_op 2^32+1", __HYPERVISOR_hvm_op, { 0x100000001ULL, 0 } },
		{ "hvm_op 99", __HYPERVISOR_hvm_op, { 99, 0 } },
		{ "hypercall 11", 11, { 0 } },
		{ "hypercall 43", 43, { 0 } },
		{ "hypercall 64", 64, { 0 } },
		{ "multicall n=0", __HYPERVISOR_multicall, { 0, 0 } },
		{ "update_va_mapping noncanon", __HYPERVISOR_update_va_mapping, { NONCANON, 0, 0 } },
		{ "set_timer_op 0", __HYPERVISOR_set_timer_op, { 0 } },
		{ "callback_op 2", __HYPERVISOR_callback_op, { 2, 0 } },
		{ "callback_op unregister hyp", __HYPERVISOR_callback_op, { CALLBACKOP_unregister, HYPADDR } },
		{ "nmi_op 2", __HYPERVISOR_nmi_op, { 2, 0 } },
		{ "sysctl hyp", __HYPERVISOR_sysctl, { HYPADDR } },
		{ "domctl null", __HYPERVISOR_domctl, { 0 } },
		{ "platform_op noncanon", __HYPERVISOR_platform_op, { NONCANON } },
		{ "set_trap_table hyp", __HYPERVISOR_set_trap_table, { HYPADDR } },
		{ "set_gdt hyp 1", __HYPERVISOR_set_gdt, { HYPADDR, 1 } },
		{ "set_gdt null 8193", __HYPERVISOR_set_gdt, { 0, 8193 } },
		{ "update_descriptor 0 0", __HYPERVISOR_update_descriptor, { 0, 0 } },
		{ "fpu_taskswitch 0", __HYPERVISOR_fpu_taskswitch, { 0 } },
		{ "mca null", __HYPERVISOR_mca, { 0 } },
		{ "xenpmu 99", __HYPERVISOR_xenpmu_op, { 99, 0 } },
		{ "hypfs 99", __HYPERVISOR_hypfs_op, { 99, 0, 0, 0, 0 } },
		{ "xsm_op 0 null", __HYPERVISOR_xsm_op, { 0, 0 } },
		{ "xenoprof 99", __HYPERVISOR_xenoprof_op, { 99, 0 } },
		{ "paging_domctl_cont null", __HYPERVISOR_paging_domctl_cont, { 0 } },
		{ "tmem null", 38, { 0 } },
		{ "argo 0", 39, { 0 } },
		{ "sched_compat 99", __HYPERVISOR_sched_op_compat, { 99, 0 } },
		{ "evtchn_compat hyp", __HYPERVISOR_event_channel_op_compat, { HYPADDR } },
		{ "physdev_compat hyp", __HYPERVISOR_physdev_op_compat, { HYPADDR } },
		{ "update_va_mapping_otherdomain dom 999", __HYPERVISOR_update_va_mapping_otherdomain, { 0, 0, 0, 999 } },
	};
	struct multicall_entry *mc = (struct multicall_entry *)scratch[0];
	unsigned int i;
	long rc;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		rc = hypercall5(c[i].op, c[i].a[0], c[i].a[1], c[i].a[2], c[i].a[3], c[i].a[4]);
		say(rc, "direct %s", c[i].n);
		hypercall2(__HYPERVISOR_set_debugreg, 0, 0);
		memset(mc, 0, 2 * sizeof(*mc));
		mc[0].op = c[i].op;
		memcpy(mc[0].args, c[i].a, sizeof(c[i].a));
		mc[0].result = 0x5a5a;
		mc[1].op = __HYPERVISOR_sched_op;	/* a yield after it */
		mc[1].result = 0x5a5a;
		rc = hypercall2(__HYPERVISOR_multicall, (uint64_t)mc, 2);
		begin("multicall entry %s", c[i].n);
		add_rc(rc, false);
		add(" result=%ld next=%ld", (long)mc[0].result, (long)mc[1].result);
		end();
		hypercall2(__HYPERVISOR_set_debugreg, 0, 0);
	}
}

/* ---- two arguments bad at once: which check comes first ---------- */

static void combos_vcpu(void)
{
	static const uint64_t ids[] = { 1, 4096, 0x80000000ULL, 0xffffffffULL };
	static const unsigned int cls[] = { C_NULL, C_HYP, C_ZERO };
	unsigned int cmd, i, c;

	for (cmd = 0; cmd <= 14; cmd++)
		for (i = 0; i < ARRAY_SIZE(ids); i++)
			for (c = 0; c < ARRAY_SIZE(cls); c++)
				say(hypercall3(__HYPERVISOR_vcpu_op, cmd, ids[i], ptr_of(cls[c])),
				    "vcpu op %u vcpu %#lx %s", cmd, (unsigned long)ids[i], cname[cls[c]]);
	vcpu_undo();
}

static void combos_grant_map(void)
{
	static const struct { const char *n; uint64_t a; } addrs[] = {
		{ "va", 0 }, { "unmapped", UNMAPPED }, { "hyp", HYPADDR },
	};
	static const uint32_t flags[] = {
		0, GNTMAP_host_map, GNTMAP_host_map | GNTMAP_readonly, GNTMAP_device_map,
		GNTMAP_host_map | GNTMAP_contains_pte, 0xffffffff,
	};
	static const unsigned int doms[] = { 0, 2, 1, 3 };	/* 0, 999, self, io */
	static const uint32_t refs[] = { 1, 0xffffffff };
	unsigned int a, f, d, r;

	for (a = 0; a < ARRAY_SIZE(addrs); a++)
		for (f = 0; f < ARRAY_SIZE(flags); f++)
			for (d = 0; d < ARRAY_SIZE(doms); d++)
				for (r = 0; r < ARRAY_SIZE(refs); r++) {
					struct gnttab_map_grant_ref m;
					long rc;

					memset(&m, 0, sizeof(m));
					m.host_addr = addrs[a].a ? addrs[a].a : (uint64_t)pg[3];
					m.flags = flags[f];
					m.ref = refs[r];
					m.dom = domids[doms[d]].id;
					m.status = 99;
					rc = hypercall3(__HYPERVISOR_grant_table_op,
							GNTTABOP_map_grant_ref, &m, 1);
					say_status(rc, m.status, "gnttab map %s flags %#x dom %s ref %#x",
						   addrs[a].n, flags[f], domids[doms[d]].name, refs[r]);
					update_va_mapping((uint64_t)pg[3], 0, UVMF_INVLPG);
				}
}

static void combos_evtchn(void)
{
	static const uint32_t virqs[] = { 0, 1, 24, 0xffffffff };
	static const uint32_t vcpus[] = { 0, 1, 4096, 0xffffffff };
	static const unsigned int doms[] = { 0, 1, 2, 3, 6, 8 };	/* 0 self 999 io invalid ffff */
	struct evtchn_alloc_unbound au = { DOMID_SELF, 0, 0 };
	uint32_t ports[5] = { 0, 1, 0, 4096, 0xffffffff };
	unsigned int i, j;
	long rc;

	for (i = 0; i < ARRAY_SIZE(virqs); i++)
		for (j = 0; j < ARRAY_SIZE(vcpus); j++) {
			struct evtchn_bind_virq bv = { virqs[i], vcpus[j], 0 };

			rc = EVTOP(EVTCHNOP_bind_virq, &bv);
			say_port(rc, bv.port, "evtchn bind_virq %#x vcpu %#x", virqs[i], vcpus[j]);
			ports_undo();
		}
	/* ports[2]: an unbound port of ours, made again after each undo */
	for (i = 0; i < ARRAY_SIZE(ports); i++)
		for (j = 0; j < 3; j++) {
			struct evtchn_bind_vcpu b;

			EVTOP(EVTCHNOP_alloc_unbound, &au);
			ports[2] = au.port;
			b.port = ports[i];
			b.vcpu = vcpus[j == 2 ? 3 : j];
			say(EVTOP(EVTCHNOP_bind_vcpu, &b), "evtchn bind_vcpu %s vcpu %#x",
			    i == 2 ? "unbound" : i == 0 ? "0" : i == 1 ? "1 free" : i == 3 ? "4096" : "~0",
			    b.vcpu);
			ports_undo();
		}
	for (i = 0; i < 4; i++)
		for (j = 0; j < ARRAY_SIZE(doms); j++) {
			struct evtchn_alloc_unbound a = { domids[doms[i]].id, domids[doms[j]].id, 0 };

			rc = EVTOP(EVTCHNOP_alloc_unbound, &a);
			say_port(rc, a.port, "evtchn alloc_unbound dom %s remote %s",
				 domids[doms[i]].name, domids[doms[j]].name);
			ports_undo();
		}
	for (i = 0; i < 4; i++)
		for (j = 0; j < ARRAY_SIZE(ports); j++) {
			struct evtchn_bind_interdomain bi;

			EVTOP(EVTCHNOP_alloc_unbound, &au);
			ports[2] = au.port;
			memset(&bi, 0, sizeof(bi));
			bi.remote_dom = domids[doms[i]].id;
			bi.remote_port = ports[j];
			rc = EVTOP(EVTCHNOP_bind_interdomain, &bi);
			say_field(rc, "port", bi.local_port, false,
				  "evtchn bind_interdomain remote %s port %s", domids[doms[i]].name,
				  j == 2 ? "unbound" : j == 0 ? "0" : j == 1 ? "1 free" : j == 3 ? "4096" : "~0");
			ports_undo();
		}
	for (i = 0; i < ARRAY_SIZE(doms); i++)
		for (j = 0; j < ARRAY_SIZE(ports); j++) {
			struct evtchn_status st;

			if (j == 2)
				continue;
			memset(&st, 0, sizeof(st));
			st.dom = domids[doms[i]].id;
			st.port = ports[j];
			rc = EVTOP(EVTCHNOP_status, &st);
			say_field(rc, "status", st.status, false, "evtchn status dom %s port %#x",
				  domids[doms[i]].name, ports[j]);
		}
}

/* Reservations: domain, order, count and flags at once; never a frame taken or given. */
static void combos_reservation(void)
{
	static const unsigned int ops[] = {
		XENMEM_increase_reservation, XENMEM_decrease_reservation, XENMEM_populate_physmap,
	};
	static const unsigned int doms[] = { 1, 0, 2, 3 };	/* self 0 999 io */
	static const uint32_t orders[] = { 0, 10, 19, 64 };
	static const uint64_t nrs[] = { 0, 0x80000000ULL };
	static const uint32_t mflags[] = { 0, 0xffffffff };
	unsigned int o, d, k, n, f;

	for (o = 0; o < ARRAY_SIZE(ops); o++)
		for (d = 0; d < ARRAY_SIZE(doms); d++)
			for (k = 0; k < ARRAY_SIZE(orders); k++)
				for (n = 0; n < ARRAY_SIZE(nrs); n++)
					for (f = 0; f < ARRAY_SIZE(mflags); f++) {
						struct xen_memory_reservation r;

						memset(&r, 0, sizeof(r));
						r.extent_start = HYPADDR;
						r.nr_extents = nrs[n];
						r.extent_order = orders[k];
						r.mem_flags = mflags[f];
						r.domid = domids[doms[d]].id;
						say(hypercall2(__HYPERVISOR_memory_op, ops[o], &r),
						    "memory op %u dom %s order %u nr %#lx flags %#x list hyp",
						    ops[o], domids[doms[d]].name, orders[k],
						    (unsigned long)nrs[n], mflags[f]);
					}
	/* decrease_reservation of frames that are not ours */
	{
		static uint64_t list[1];
		static const struct { const char *n; uint64_t f; } fr[] = {
			{ "foreign", 0 }, { "~0", ~0ULL }, { "2^40", 1ULL << 40 },
		};
		for (k = 0; k < ARRAY_SIZE(fr); k++)
			for (o = 0; o < 2; o++) {
				struct xen_memory_reservation r;

				memset(&r, 0, sizeof(r));
				list[0] = k ? fr[k].f : foreign_mfn;
				r.extent_start = (uint64_t)list;
				r.nr_extents = 1;
				r.extent_order = o ? 9 : 0;
				r.domid = DOMID_SELF;
				say(hypercall2(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, &r),
				    "memory decrease_reservation %s frame order %u", fr[k].n, r.extent_order);
			}
	}
}

/* ---- structs with good contents on a read-only page or across its end ---- */

/* Puts len bytes of src where class c wants them: pg[1] (made read-only
 * again), pg[0] + 1, or the last bytes of pg[2] before the unmapped pg[3]. */
static uint64_t place(unsigned int c, const void *src, size_t len)
{
	uint64_t va = (uint64_t)pg[1];

	switch (c) {
	case C_RO:
		update_va_mapping(va, pte_rw(va_to_mfn(va)), UVMF_INVLPG);
		memset(pg[1], 0, 4096);
		memcpy(pg[1], src, len);
		update_va_mapping(va, pte_ro(va_to_mfn(va)), UVMF_INVLPG);
		return va;
	case C_MIS:
		memset(pg[0], 0, 4096);
		memcpy(pg[0] + 1, src, len);
		return (uint64_t)pg[0] + 1;
	default:	/* C_CROSS: the first 8 bytes readable, the rest not */
		memset(pg[2], 0, 4096);
		memcpy(pg[3] - 8, src, 8);
		return (uint64_t)pg[3] - 8;
	}
}

static void good_structs(void)
{
	static const unsigned int cls[] = { C_RO, C_MIS, C_CROSS };
	static const unsigned int sysctls[] = { 1, 3, 4, 6, 7, 8 };
	static const unsigned int domctls[] = { 5, 13, 14, 25, 36 };
	static const unsigned int plats[] = { 48, 55, 61 };
	uint8_t buf[256];
	uint32_t *w = (uint32_t *)buf;
	unsigned int c, i;

	const struct {
		const char *name, *dom;
		unsigned int nr, n;
		uint32_t version;
		const unsigned int *cmds;
	} ctls[] = {
		{ "sysctl", "", __HYPERVISOR_sysctl, ARRAY_SIZE(sysctls), 0x15, sysctls },
		{ "domctl", " dom 0", __HYPERVISOR_domctl, ARRAY_SIZE(domctls), 0x15, domctls },
		{ "platform_op", "", __HYPERVISOR_platform_op, ARRAY_SIZE(plats), 0x03000001, plats },
	};
	unsigned int k;

	for (c = 0; c < ARRAY_SIZE(cls); c++) {
		for (k = 0; k < ARRAY_SIZE(ctls); k++) {
			for (i = 0; i < ctls[k].n; i++) {
				memset(buf, 0, sizeof(buf));
				w[0] = ctls[k].cmds[i];
				w[1] = ctls[k].version;
				say(hypercall1(ctls[k].nr, place(cls[c], buf, sizeof(buf))),
				    "%s cmd %u%s good version %s", ctls[k].name, ctls[k].cmds[i],
				    ctls[k].dom, cname[cls[c]]);
			}
		}
		{
			struct evtchn_status st = { .dom = DOMID_SELF, .port = 1 };
			struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };
			struct evtchn_bind_virq bv = { VIRQ_TIMER, 0, 0 };
			struct evtchn_bind_ipi ipi = { 0, 0 };

			say(EVTOP(EVTCHNOP_status, place(cls[c], &st, sizeof(st))),
			    "evtchn status self port 1 %s", cname[cls[c]]);
			say(EVTOP(EVTCHNOP_alloc_unbound, place(cls[c], &au, sizeof(au))),
			    "evtchn alloc_unbound self self %s", cname[cls[c]]);
			ports_undo();
			say(EVTOP(EVTCHNOP_bind_virq, place(cls[c], &bv, sizeof(bv))),
			    "evtchn bind_virq timer %s", cname[cls[c]]);
			ports_undo();
			say(EVTOP(EVTCHNOP_bind_ipi, place(cls[c], &ipi, sizeof(ipi))),
			    "evtchn bind_ipi 0 %s", cname[cls[c]]);
			ports_undo();
		}
		{
			struct gnttab_query_size q = { .dom = DOMID_SELF };
			struct gnttab_get_version gv = { .dom = DOMID_SELF };
			struct gnttab_set_version sv = { 1 };
			static uint64_t frames[4];
			struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1,
							  .frame_list = (uint64_t)frames };

			say(hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_query_size,
				       place(cls[c], &q, sizeof(q)), 1), "gnttab query_size self %s", cname[cls[c]]);
			say(hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_get_version,
				       place(cls[c], &gv, sizeof(gv)), 1), "gnttab get_version self %s", cname[cls[c]]);
			say(hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_set_version,
				       place(cls[c], &sv, sizeof(sv)), 1), "gnttab set_version 1 %s", cname[cls[c]]);
			say(hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table,
				       place(cls[c], &st, sizeof(st)), 1), "gnttab setup_table self 1 %s", cname[cls[c]]);
		}
		{
			domid_t self = DOMID_SELF;
			struct xen_machphys_mfn_list ml;
			struct xen_feature_info fi = { 0, 0 };
			static uint8_t map[4096];
			struct xen_memory_map mm = { 4, 0, (uint64_t)map };

			memset(&ml, 0, sizeof(ml));
			ml.max_extents = 1;
			ml.extent_start = (uint64_t)map;
			say(hypercall2(__HYPERVISOR_memory_op, XENMEM_current_reservation,
				       place(cls[c], &self, sizeof(self))) >= 0 ? 0 : -1,
			    "memory current_reservation self %s (0: an answer)", cname[cls[c]]);
			say(hypercall2(__HYPERVISOR_memory_op, XENMEM_machphys_mfn_list,
				       place(cls[c], &ml, sizeof(ml))), "memory machphys_mfn_list 1 %s", cname[cls[c]]);
			say(hypercall2(__HYPERVISOR_memory_op, XENMEM_memory_map,
				       place(cls[c], &mm, sizeof(mm))), "memory memory_map 4 %s", cname[cls[c]]);
			say(hypercall2(__HYPERVISOR_xen_version, XENVER_get_features,
				       place(cls[c], &fi, sizeof(fi))), "version get_features 0 %s", cname[cls[c]]);
			say(hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0,
				       place(cls[c], map, 48)), "vcpu get_runstate_info self %s", cname[cls[c]]);
		}
		restore_pages();
	}
}

/* ---- page tables of our own: pins, entries, LDT and flush arguments ---- */

static void own_tables(void)
{
	static const char *const lv[] = { "l1", "l2", "l3", "l4" };
	uint64_t t, t2 = table_page(0);
	uint64_t data = own_mfn2;
	struct mmu_update u;
	unsigned int l, d;

	/* a fresh page for each level: an L4 pin writes the hypervisor's slots into it */
	for (l = 0; l < 4; l++) {
		t = table_page(0);
		say(mmuext1(MMUEXT_PIN_L1_TABLE + l, t), "mmuext pin_%s empty table", lv[l]);
		say(mmuext1(MMUEXT_PIN_L1_TABLE + l, t), "mmuext pin_%s it again", lv[l]);
		say(mmuext1(MMUEXT_PIN_L1_TABLE + (l + 1) % 4, t), "mmuext pin_%s it as the next level",
		    lv[l]);
		say(mmuext1(MMUEXT_UNPIN_TABLE, t), "mmuext unpin it (%s)", lv[l]);
		say(mmuext1(MMUEXT_UNPIN_TABLE, t), "mmuext unpin it again (%s)", lv[l]);
		say(mmuext1(MMUEXT_PIN_L1_TABLE + l, data), "mmuext pin_%s a writable data frame",
		    lv[l]);
		for (d = 2; d < 4; d++)
			say(mmuext_fd(MMUEXT_PIN_L1_TABLE + l, t, 0, domids[d].id),
			    "mmuext pin_%s foreigndom %s", lv[l], domids[d].name);
	}
	/* entries of a pinned L1: frames, rights, the table itself */
	t = table_page(0);
	say(mmuext1(MMUEXT_PIN_L1_TABLE, t), "mmuext pin_l1 for entries");
	{
		static const struct { const char *n; unsigned int f; uint64_t bits; } e[] = {
			{ "own data ro", 0, PTE_P | PTE_US | PTE_A },
			{ "own data rw", 0, PTE_DATA },
			{ "the table itself ro", 1, PTE_P | PTE_A },
			{ "the table itself rw", 1, PTE_DATA },
			{ "another table rw", 2, PTE_DATA },
			{ "foreign ro", 3, PTE_P | PTE_A },
			{ "frame 2^39 ro", 4, PTE_P | PTE_A },
			{ "own data with bit 51", 0, PTE_DATA | (1ULL << 51) },
			{ "own data not present, any bits", 0, ~0ULL & ~PTE_ADDR & ~PTE_P },
			{ "own data nx", 0, PTE_DATA | (1ULL << 63) },
		};
		uint64_t f[] = { data, t, t2, foreign_mfn, 1ULL << 39 };
		unsigned int i, m;

		for (i = 0; i < ARRAY_SIZE(e); i++) {
			for (m = 0; m < 2; m++) {
				u.ptr = (t << 12) + 8 * (1 + i) + (m ? MMU_PT_UPDATE_PRESERVE_AD : 0);
				u.val = (f[e[i].f] << 12) | e[i].bits;
				say(MMU1(&u), "mmu_update pinned l1 entry %s%s", e[i].n,
				    m ? " preserve_ad" : "");
				u.ptr = (t << 12) + 8 * (1 + i);
				u.val = 0;
				MMU1(&u);
			}
		}
	}
	say(mmuext1(MMUEXT_UNPIN_TABLE, t), "mmuext unpin after the entries");
	/* LDT and flush arguments */
	{
		static const struct { const char *n; uint64_t va, nr; } ldt[] = {
			{ "own 1", 0, 1 }, { "own+1 1", 1, 1 }, { "own 8192", 0, 8192 },
			{ "own 8193", 0, 8193 }, { "hyp 1", HYPADDR, 1 }, { "noncanon 1", NONCANON, 1 },
			{ "0 0", 2, 0 }, { "user-top 16", 0x7ffffffff000ULL, 16 },
		};
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(ldt); i++) {
			uint64_t va = ldt[i].va < 2 ? (uint64_t)scratch[1] + ldt[i].va :
				      ldt[i].va == 2 ? 0 : ldt[i].va;

			say(mmuext_fd(MMUEXT_SET_LDT, va, ldt[i].nr, DOMID_SELF), "mmuext set_ldt %s",
			    ldt[i].n);
			mmuext1(MMUEXT_SET_LDT, 0);
		}
	}
	{
		static const struct { const char *n; uint64_t m; } masks[] = {
			{ "0", 0 }, { "1", 1 }, { "2", 2 }, { "~0", ~0ULL },
		};
		static uint64_t mask;
		unsigned int i, c;

		for (c = 0; c < 2; c++) {
			unsigned int cmd = c ? MMUEXT_INVLPG_MULTI : MMUEXT_TLB_FLUSH_MULTI;

			for (i = 0; i < ARRAY_SIZE(masks); i++) {
				struct mmuext_op op = { .cmd = cmd, .arg1.linear_addr = (uint64_t)pg[0] };

				mask = masks[i].m;
				op.arg2.vcpumask = (uint64_t)&mask;
				say(hypercall5(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF, 0),
				    "mmuext %s mask %s", c ? "invlpg_multi" : "tlb_flush_multi", masks[i].n);
			}
		}
		{
			struct mmuext_op op = { .cmd = MMUEXT_INVLPG_LOCAL, .arg1.linear_addr = NONCANON };

			say(hypercall5(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF, 0),
			    "mmuext invlpg_local noncanon");
			op.cmd = MMUEXT_INVLPG_ALL;
			say(hypercall5(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF, 0),
			    "mmuext invlpg_all noncanon");
		}
	}
}

/* ---- grant table version 2 and back, FIFO event channels and back ---- */

static void versions(void)
{
	static const uint32_t vers[] = { 2, 2, 0, 3, 1, 1 };
	static const uint32_t nrs[] = { 0, 1, 2, 64, 0xffffffff };
	static uint64_t frames[4];
	unsigned int i, c;
	long rc;

	for (i = 0; i < ARRAY_SIZE(vers); i++) {
		struct gnttab_set_version sv = { vers[i] };

		rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_set_version, &sv, 1);
		say_field(rc, "version", sv.version, true, "gnttab set_version %u", vers[i]);
		if (vers[i] != 2 || i)
			continue;
		for (c = 0; c < ARRAY_SIZE(nrs); c++) {
			struct gnttab_get_status_frames gs = { nrs[c], DOMID_SELF, 99,
							       (uint64_t)frames };

			rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_get_status_frames, &gs, 1);
			say_status(rc, gs.status, "gnttab v2 get_status_frames nr %#x", nrs[c]);
		}
		{
			static const unsigned int cls[] = { C_NULL, C_HYP, C_NC };
			struct gnttab_get_status_frames gs = { 1, DOMID_SELF, 99, 0 };

			for (c = 0; c < ARRAY_SIZE(cls); c++) {
				gs.frame_list = ptr_of(cls[c]);
				gs.status = 99;
				rc = hypercall3(__HYPERVISOR_grant_table_op,
						GNTTABOP_get_status_frames, &gs, 1);
				say_status(rc, gs.status, "gnttab v2 get_status_frames list %s",
					   cname[cls[c]]);
			}
			gs.frame_list = (uint64_t)frames;
			gs.dom = 999;
			gs.status = 99;
			rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_get_status_frames, &gs, 1);
			say_status(rc, gs.status, "gnttab v2 get_status_frames dom 999");
		}
		{
			struct gnttab_query_size q = { .dom = DOMID_SELF, .status = 99 };

			rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, &q, 1);
			say_status(rc, q.status, "gnttab v2 query_size");
		}
	}
}

static long init_control(uint64_t gfn, uint32_t offset, uint32_t vcpu, uint8_t *bits)
{
	struct evtchn_init_control ic;
	long rc;

	memset(&ic, 0, sizeof(ic));
	ic.control_gfn = gfn;
	ic.offset = offset;
	ic.vcpu = vcpu;
	rc = EVTOP(EVTCHNOP_init_control, &ic);
	*bits = ic.link_bits;
	return rc;
}

/* The FIFO ABI: init_control's checks, then on, its sub-ops, and reset back to 2-level. */
static void fifo(void)
{
	static const struct { const char *n; uint32_t off; } offs[] = {
		{ "0", 0 }, { "8", 8 }, { "4", 4 }, { "4032", 4032 }, { "4064", 4064 },
		{ "4096", 4096 }, { "~0", 0xffffffff },
	};
	static const uint32_t vcpus[] = { 1, 4096, 0xffffffff };
	uint64_t ctl = va_to_mfn(scratch_page()), arr = va_to_mfn(scratch_page());
	uint64_t gfns[3] = { foreign_mfn, ~0ULL, 1ULL << 40 };
	static const char *const gn[3] = { "foreign", "~0", "2^40" };
	unsigned int i, j;
	uint8_t bits;
	long rc;

	for (i = 0; i < 3; i++)
		for (j = 0; j < ARRAY_SIZE(offs); j++)
			say(init_control(gfns[i], offs[j].off, 0, &bits),
			    "evtchn init_control %s offset %s vcpu 0", gn[i], offs[j].n);
	for (i = 0; i < ARRAY_SIZE(vcpus); i++)
		for (j = 0; j < ARRAY_SIZE(offs); j++)
			say(init_control(ctl, offs[j].off, vcpus[i], &bits),
			    "evtchn init_control own offset %s vcpu %#x", offs[j].n, vcpus[i]);
	for (j = 1; j < ARRAY_SIZE(offs); j++)
		if (offs[j].off != 8 && offs[j].off != 4032)
			say(init_control(ctl, offs[j].off, 0, &bits),
			    "evtchn init_control own offset %s vcpu 0", offs[j].n);
	{
		struct evtchn_expand_array ea = { arr };
		struct evtchn_set_priority sp = { 1, 0 };

		say(EVTOP(EVTCHNOP_expand_array, &ea), "evtchn expand_array before fifo");
		say(EVTOP(EVTCHNOP_set_priority, &sp), "evtchn set_priority before fifo");
	}
	rc = init_control(ctl, 8, 0, &bits);
	say_field(rc, "link_bits", bits, false, "evtchn init_control own offset 8 vcpu 0");
	say(init_control(ctl, 8, 0, &bits), "evtchn init_control again");
	say(init_control(arr, 0, 0, &bits), "evtchn init_control another page");
	{
		static const struct { const char *n; unsigned int k; } ea[] = {
			{ "foreign", 0 }, { "~0", 1 }, { "the control page", 2 }, { "own", 3 },
			{ "own again", 3 },
		};
		uint64_t g[4] = { foreign_mfn, ~0ULL, ctl, arr };

		for (i = 0; i < ARRAY_SIZE(ea); i++) {
			struct evtchn_expand_array e = { g[ea[i].k] };

			say(EVTOP(EVTCHNOP_expand_array, &e), "evtchn fifo expand_array %s", ea[i].n);
		}
	}
	{
		struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };
		static const uint32_t prios[] = { 0, 7, 15, 16, 0xffffffff };

		rc = EVTOP(EVTCHNOP_alloc_unbound, &au);
		say_port(rc, au.port, "evtchn fifo alloc_unbound");
		for (i = 0; i < ARRAY_SIZE(prios); i++) {
			struct evtchn_set_priority sp = { au.port, prios[i] };

			say(EVTOP(EVTCHNOP_set_priority, &sp), "evtchn fifo set_priority port priority %u",
			    prios[i]);
			sp.port = 4095;
			say(EVTOP(EVTCHNOP_set_priority, &sp), "evtchn fifo set_priority 4095 priority %u",
			    prios[i]);
			sp.port = 0;
			say(EVTOP(EVTCHNOP_set_priority, &sp), "evtchn fifo set_priority 0 priority %u",
			    prios[i]);
		}
		say(EVTOP(EVTCHNOP_send, &au.port), "evtchn fifo send unbound");
		say(EVTOP(EVTCHNOP_unmask, &au.port), "evtchn fifo unmask unbound");
		{
			uint32_t big = 1024;	/* past the one array page: 1024 ports */

			say(EVTOP(EVTCHNOP_unmask, &big), "evtchn fifo unmask 1024");
			big = 131072;
			say(EVTOP(EVTCHNOP_close, &big), "evtchn fifo close 131072");
		}
	}
	{
		struct evtchn_reset r = { DOMID_SELF };

		say(EVTOP(EVTCHNOP_reset, &r), "evtchn reset self (back to 2-level)");
		say(EVTOP(EVTCHNOP_reset, &r), "evtchn reset self again");
	}
	{
		struct evtchn_expand_array e = { arr };
		struct evtchn_set_priority sp = { 1, 0 };

		say(EVTOP(EVTCHNOP_expand_array, &e), "evtchn expand_array after reset");
		say(EVTOP(EVTCHNOP_set_priority, &sp), "evtchn set_priority after reset");
	}
	ports_snapshot();
}

/* hvm_op's parameter calls on each domain id and index (PV: refusals). */
static void hvm_params(void)
{
	static const uint32_t idx[] = { 0, 1, 2, 38, 39, 0x7fffffff, 0xffffffff };
	unsigned int d, i, op;

	for (op = 0; op < 2; op++)
		for (d = 0; d < ARRAY_SIZE(domids); d++)
			for (i = 0; i < ARRAY_SIZE(idx); i++) {
				struct xen_hvm_param p = { domids[d].id, 0, idx[i], 0 };

				/* setting: only where no domain or index can take it */
				if (op == 0 && idx[i] < 39 && (domids[d].id == 0 ||
							       domids[d].id == DOMID_SELF))
					continue;
				say(hypercall2(__HYPERVISOR_hvm_op, op, &p),
				    "hvm_op %s_param dom %s index %#x", op ? "get" : "set",
				    domids[d].name, idx[i]);
			}
	for (d = 0; d < ARRAY_SIZE(domids); d++) {
		uint8_t mt[16];

		memset(mt, 0, sizeof(mt));
		*(uint16_t *)mt = domids[d].id;
		say(hypercall2(__HYPERVISOR_hvm_op, 15, mt), "hvm_op get_mem_type dom %s pfn 0",
		    domids[d].name);
		memset(mt, 0, sizeof(mt));
		*(uint16_t *)mt = domids[d].id;
		say(hypercall2(__HYPERVISOR_hvm_op, 9, mt), "hvm_op pagetable_dying dom %s",
		    domids[d].name);
	}
}

/* CPU state calls: each undone. */
static void cpu_values(void)
{
	static const struct { const char *n; uint64_t v; } vals[] = {
		{ "0", 0 }, { "user", 0x1000 }, { "kernel", 0xffffffff80000000ULL },
		{ "hyp", HYPADDR }, { "noncanon", NONCANON }, { "ones", ~0ULL },
		{ "user-top", 0x00007ffffffffff8ULL },
	};
	static const int regs[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 16, -1 };
	unsigned int i, r, c;
	long rc;

	for (r = 0; r < ARRAY_SIZE(regs); r++) {
		for (i = 0; i < ARRAY_SIZE(vals); i++) {
			if (regs[r] == 7 && vals[i].v != 0 && vals[i].v != ~0ULL)
				continue;	/* DR7 enabling breakpoints: below */
			rc = hypercall2(__HYPERVISOR_set_debugreg, regs[r], vals[i].v);
			say(rc, "set_debugreg %d %s", regs[r], vals[i].n);
			rc = hypercall1(__HYPERVISOR_get_debugreg, regs[r]);
			say(rc, "get_debugreg %d after", regs[r]);
			if (regs[r] >= 0 && regs[r] < 8 && regs[r] != 4 && regs[r] != 6)
				hypercall2(__HYPERVISOR_set_debugreg, regs[r], regs[r] == 5 || regs[r] == 7 ? 0 : 0);
		}
	}
	{
		static const uint64_t dr7s[] = { 0x400, 0x401, 0x2, 0x30001, 0x20001, 0xffffffff00000000ULL, 0x2000 };
		for (i = 0; i < ARRAY_SIZE(dr7s); i++) {
			hypercall2(__HYPERVISOR_set_debugreg, 0, 0x1000);	/* a user address never used */
			rc = hypercall2(__HYPERVISOR_set_debugreg, 7, dr7s[i]);
			say(rc, "set_debugreg 7 %#lx dr0 user", (unsigned long)dr7s[i]);
			rc = hypercall1(__HYPERVISOR_get_debugreg, 7);
			say(rc, "get_debugreg 7 after");
			hypercall2(__HYPERVISOR_set_debugreg, 7, 0);
			hypercall2(__HYPERVISOR_set_debugreg, 0, 0);
		}
	}
	for (i = 0; i < 6; i++) {
		static const uint64_t fs[] = { 0, 1, 2, 0x100000001ULL, ~0ULL, 0x80000000ULL };

		rc = hypercall1(__HYPERVISOR_fpu_taskswitch, fs[i]);
		say(rc, "fpu_taskswitch %#lx", (unsigned long)fs[i]);
		hypercall1(__HYPERVISOR_fpu_taskswitch, 0);
	}
	for (r = 0; r < 6; r++) {
		static const uint64_t which[] = { 0, 1, 2, 3, 4, 0xffffffff };

		for (i = 0; i < ARRAY_SIZE(vals); i++) {
			if (which[r] == 3 && i > 1)
				continue;
			rc = hypercall2(__HYPERVISOR_set_segment_base, which[r], which[r] == 3 ? 0 : vals[i].v);
			say(rc, "set_segment_base %lu %s", (unsigned long)which[r], which[r] == 3 ? "sel0" : vals[i].n);
		}
		hypercall2(__HYPERVISOR_set_segment_base, 0, 0);
		hypercall2(__HYPERVISOR_set_segment_base, 1, 0);
		hypercall2(__HYPERVISOR_set_segment_base, 2, 0);
	}
	{
		static const uint64_t cmds[] = { 0, 1, 2, 0xffffffff };
		static const uint64_t types[] = { 0, 1, 2, 3, 4, 5, 6, 31, 32, 33, 63, 64, 0xffffffff };

		for (c = 0; c < ARRAY_SIZE(cmds); c++) {
			for (i = 0; i < ARRAY_SIZE(types); i++) {
				/* enabling changes nothing a later call sees but
				 * m2p_strict and architectural_iopl: their enable is undone */
				if (cmds[c] == VMASST_CMD_disable && types[i] < 64 &&
				    types[i] != VMASST_TYPE_m2p_strict && types[i] != VMASST_TYPE_architectural_iopl &&
				    types[i] != VMASST_TYPE_4gb_segments_notify && types[i] != VMASST_TYPE_4gb_segments)
					continue;
				rc = hypercall2(__HYPERVISOR_vm_assist, cmds[c], types[i]);
				say(rc, "vm_assist cmd %lu type %lu", (unsigned long)cmds[c], (unsigned long)types[i]);
				if (cmds[c] == VMASST_CMD_enable && !rc &&
				    (types[i] == VMASST_TYPE_m2p_strict || types[i] == VMASST_TYPE_architectural_iopl))
					hypercall2(__HYPERVISOR_vm_assist, VMASST_CMD_disable, types[i]);
			}
		}
	}
	/* update_descriptor */
	{
		static const struct { const char *n; uint64_t ma; } mas[] = {
			{ "0", 0 }, { "own data", 1 }, { "own data+4", 2 }, { "foreign", 3 }, { "~0", ~0ULL },
		};
		static const uint64_t descs[] = { 0, ~0ULL, 0x00cf9a000000ffffULL };

		for (i = 0; i < ARRAY_SIZE(mas); i++) {
			uint64_t ma = mas[i].ma;

			if (ma == 1)
				ma = own_mfn << 12;
			else if (ma == 2)
				ma = (own_mfn << 12) + 4;
			else if (ma == 3)
				ma = foreign_mfn << 12;
			for (c = 0; c < ARRAY_SIZE(descs); c++) {
				rc = hypercall2(__HYPERVISOR_update_descriptor, ma, descs[c]);
				say(rc, "update_descriptor %s desc %u", mas[i].n, c);
			}
		}
	}
	/* set_gdt: frame list classes, entry counts (never 0) */
	{
		static const struct { const char *n; uint64_t v; } ents[] = {
			{ "1", 1 }, { "512", 512 }, { "513", 513 }, { "8192", 8192 }, { "8193", 8193 },
			{ "2^32-1", 0xffffffffULL },
		};
		uint64_t *frames = (uint64_t *)scratch[0];

		for (i = 0; i < ARRAY_SIZE(ents); i++) {
			for (c = 0; c < C_NR; c++) {
				if (c == C_MIS || c == C_ZERO || c == C_ONES || c == C_RO)
					continue;
				rc = hypercall2(__HYPERVISOR_set_gdt, ptr_of(c), ents[i].v);
				say(rc, "set_gdt list %s entries %s", cname[c], ents[i].n);
			}
			memset(scratch[0], 0, 4096);
			frames[0] = own_mfn;
			frames[1] = foreign_mfn;
			rc = hypercall2(__HYPERVISOR_set_gdt, (uint64_t)frames, ents[i].v);
			say(rc, "set_gdt own writable frame entries %s", ents[i].n);
			frames[0] = foreign_mfn;
			rc = hypercall2(__HYPERVISOR_set_gdt, (uint64_t)frames, ents[i].v);
			say(rc, "set_gdt foreign frame entries %s", ents[i].n);
		}
	}
	/* set_trap_table: each class, then the framework's table again */
	for (c = 0; c < C_NR; c++) {
		if (c == C_NULL || c == C_ZERO || c == C_RO || c == C_MIS)
			continue;
		rc = hypercall1(__HYPERVISOR_set_trap_table, ptr_of(c));
		say(rc, "set_trap_table %s", cname[c]);
		hypercall1(__HYPERVISOR_set_trap_table, 0);
		traps_install(true);
		restore_pages();
	}
	/* nmi_op and set_timer_op */
	{
		static const struct { const char *n; uint64_t v; } t[] = {
			{ "0", 0 }, { "1", 1 }, { "2^50", 1ULL << 50 }, { "2^63", 1ULL << 63 }, { "~0", ~0ULL },
		};
		for (i = 0; i < ARRAY_SIZE(t); i++) {
			rc = hypercall1(__HYPERVISOR_set_timer_op, t[i].v);
			say(rc, "set_timer_op %s", t[i].n);
			hypercall1(__HYPERVISOR_set_timer_op, 0);
		}
		rc = hypercall2(__HYPERVISOR_nmi_op, 0, NONCANON);
		say(rc, "nmi_op register noncanon");
		rc = hypercall2(__HYPERVISOR_nmi_op, 0, HYPADDR);
		say(rc, "nmi_op register hyp");
		rc = hypercall2(__HYPERVISOR_nmi_op, 1, 0);
		say(rc, "nmi_op unregister");
		rc = hypercall2(__HYPERVISOR_nmi_op, 2, 0);
		say(rc, "nmi_op 2");
	}
}

/* ---- live state: ports, own grants, timers, pins, I/O, callbacks ---- */

static void port_lines(const char *kind, uint32_t p)
{
	static const uint32_t vcpus[] = { 0, 1, 0xffffffff };
	struct evtchn_status st;
	unsigned int i;
	long rc;

	memset(&st, 0, sizeof(st));
	st.dom = DOMID_SELF;
	st.port = p;
	rc = EVTOP(EVTCHNOP_status, &st);
	begin("evtchn %s port: status", kind);
	add_rc(rc, false);
	add(" status=%u vcpu=%u u=%#x,%#x", st.status, st.vcpu, ((uint32_t *)&st)[4],
	    ((uint32_t *)&st)[5]);
	end();
	say(EVTOP(EVTCHNOP_send, &p), "evtchn %s port: send", kind);
	say(EVTOP(EVTCHNOP_unmask, &p), "evtchn %s port: unmask", kind);
	for (i = 0; i < ARRAY_SIZE(vcpus); i++) {
		struct evtchn_bind_vcpu b = { p, vcpus[i] };

		say(EVTOP(EVTCHNOP_bind_vcpu, &b), "evtchn %s port: bind_vcpu %u", kind, vcpus[i]);
	}
	{
		struct evtchn_set_priority sp = { p, 0 };

		say(EVTOP(EVTCHNOP_set_priority, &sp), "evtchn %s port: set_priority 0", kind);
	}
}

static void port_close_lines(const char *kind, uint32_t p)
{
	say(EVTOP(EVTCHNOP_close, &p), "evtchn %s port: close", kind);
	say(EVTOP(EVTCHNOP_close, &p), "evtchn %s port: close again", kind);
}

static void live_ports(void)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };
	struct evtchn_bind_interdomain bi;
	struct evtchn_bind_virq bv = { VIRQ_TIMER, 0, 0 };
	struct evtchn_bind_ipi ipi = { 0, 0 };
	long rc;

	rc = EVTOP(EVTCHNOP_alloc_unbound, &au);
	say_port(rc, au.port, "evtchn live alloc_unbound self self");
	memset(&bi, 0, sizeof(bi));
	bi.remote_dom = DOMID_SELF;
	bi.remote_port = au.port;
	rc = EVTOP(EVTCHNOP_bind_interdomain, &bi);
	say_port(rc, bi.local_port, "evtchn live bind_interdomain to it");
	rc = EVTOP(EVTCHNOP_bind_interdomain, &bi);
	say(rc, "evtchn live bind_interdomain to it again");
	rc = EVTOP(EVTCHNOP_bind_virq, &bv);
	say_port(rc, bv.port, "evtchn live bind_virq timer");
	rc = EVTOP(EVTCHNOP_bind_ipi, &ipi);
	say_port(rc, ipi.port, "evtchn live bind_ipi 0");
	port_lines("unbound", au.port);
	port_lines("interdomain", bi.local_port);
	port_lines("virq", bv.port);
	port_lines("ipi", ipi.port);
	port_close_lines("interdomain", bi.local_port);
	port_lines("unbound after its peer closed", au.port);
	port_close_lines("unbound", au.port);
	port_close_lines("virq", bv.port);
	port_close_lines("ipi", ipi.port);
	ports_undo();
}

static uint32_t gref_frame(unsigned int kind)
{
	return kind == 5 ? (uint32_t)foreign_mfn : kind == 6 ? 0xffffffff : (uint32_t)own_mfn2;
}

/* Our own grants of each kind mapped and copied with each flag set. */
static void live_grants(void)
{
	static const struct { const char *n; uint16_t flags; domid_t dom; } kinds[] = {
		{ "none", 0, 0 }, { "rw", GTF_permit_access, 0 },
		{ "ro", GTF_permit_access | GTF_readonly, 0 }, { "to 999", GTF_permit_access, 999 },
		{ "transfer", GTF_accept_transfer, 0 }, { "foreign frame", GTF_permit_access, 0 },
		{ "frame ~0", GTF_permit_access, 0 }, { "flags 0xff00", GTF_permit_access | 0xff00, 0 },
	};
	static const struct { const char *n; uint32_t f; } mflags[] = {
		{ "host", GNTMAP_host_map }, { "host|ro", GNTMAP_host_map | GNTMAP_readonly },
		{ "device", GNTMAP_device_map }, { "host|device", GNTMAP_host_map | GNTMAP_device_map },
		{ "pte", GNTMAP_host_map | GNTMAP_contains_pte }, { "0", 0 },
		{ "host|app", GNTMAP_host_map | GNTMAP_application_map },
	};
	struct grant_entry_v1 *t = gnt_self_table();
	uint64_t pte_ma = l1e_maddr((uint64_t)pg[3]);
	unsigned int k, f;

	begin("gnttab own table set up and mapped");
	add(" = %d", t ? 0 : -1);
	end();
	if (!t)
		return;
	for (k = 0; k < ARRAY_SIZE(kinds); k++) {
		unsigned int ref = 1 + k;

		t[ref].domid = kinds[k].dom;
		t[ref].frame = gref_frame(k);
		__atomic_store_n(&t[ref].flags, kinds[k].flags, __ATOMIC_RELEASE);
		for (f = 0; f < ARRAY_SIZE(mflags); f++) {
			struct gnttab_map_grant_ref m;
			struct gnttab_unmap_grant_ref u;
			long rc;

			memset(&m, 0, sizeof(m));
			m.host_addr = mflags[f].f & GNTMAP_contains_pte ? pte_ma : (uint64_t)pg[3];
			m.flags = mflags[f].f;
			m.ref = ref;
			m.dom = 0;
			m.status = 99;
			rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, &m, 1);
			begin("gnttab map own %s grant %s", kinds[k].n, mflags[f].n);
			add_rc(rc, false);
			add(" status=%d entry=%#x", m.status, __atomic_load_n(&t[ref].flags, __ATOMIC_ACQUIRE));
			end();
			if (rc || m.status)
				continue;
			memset(&u, 0, sizeof(u));
			u.host_addr = m.host_addr;
			u.dev_bus_addr = mflags[f].f & GNTMAP_device_map ? m.dev_bus_addr : 0;
			u.handle = m.handle;
			rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref, &u, 1);
			begin("gnttab unmap it");
			add_rc(rc, false);
			add(" status=%d entry=%#x", u.status, __atomic_load_n(&t[ref].flags, __ATOMIC_ACQUIRE));
			end();
			rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref, &u, 1);
			say_status(rc, u.status, "gnttab unmap it again");
			update_va_mapping((uint64_t)pg[3], 0, UVMF_INVLPG);
		}
		{
			static const uint16_t cflags[] = { GNTCOPY_source_gref, GNTCOPY_dest_gref };
			unsigned int c;

			for (c = 0; c < 2; c++) {
				struct gnttab_copy cp;
				long rc;

				memset(&cp, 0, sizeof(cp));
				cp.flags = cflags[c];
				if (c == 0) {
					cp.source.u.ref = ref;
					cp.source.domid = 0;
					cp.dest.u.gmfn = own_mfn;
					cp.dest.domid = DOMID_SELF;
				} else {
					cp.source.u.gmfn = own_mfn;
					cp.source.domid = DOMID_SELF;
					cp.dest.u.ref = ref;
					cp.dest.domid = 0;
				}
				cp.len = 16;
				cp.status = 99;
				rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_copy, &cp, 1);
				begin("gnttab copy %s own %s grant", c ? "to" : "from", kinds[k].n);
				add_rc(rc, false);
				add(" status=%d entry=%#x", cp.status,
				    __atomic_load_n(&t[ref].flags, __ATOMIC_ACQUIRE));
				end();
			}
		}
		__atomic_store_n(&t[ref].flags, 0, __ATOMIC_RELEASE);
	}
	{
		struct gnttab_query_size q = { .dom = DOMID_SELF, .status = 99 };
		long rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, &q, 1);

		say_status(rc, q.status, "gnttab query_size self after");
	}
	{
		static const uint32_t nrs[] = { 0, 1, 2, 64, 65, 0xffffffff };
		static uint64_t frames[128];
		unsigned int i;
		long rc;

		for (i = 0; i < ARRAY_SIZE(nrs); i++) {
			struct gnttab_setup_table st;

			memset(&st, 0, sizeof(st));
			st.dom = DOMID_SELF;
			st.nr_frames = nrs[i];
			st.frame_list = (uint64_t)frames;
			st.status = 99;
			rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, &st, 1);
			say_status(rc, st.status, "gnttab setup_table self nr_frames %u", nrs[i]);
		}
	}
}

static void live_timers_and_more(void)
{
	static const uint64_t periods[] = { 0, 999999, 1000000, (1ULL << 62) - 1, 1ULL << 62, ~0ULL };
	static const uint64_t shots[] = { 0, 1, 1ULL << 62, 1ULL << 63, ~0ULL };
	unsigned int i, f;
	long rc;

	for (i = 0; i < ARRAY_SIZE(periods); i++) {
		struct vcpu_set_periodic_timer pt = { periods[i] };

		rc = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, &pt);
		say(rc, "vcpu set_periodic_timer %#lx", (unsigned long)periods[i]);
		vcpu_undo();
	}
	for (i = 0; i < ARRAY_SIZE(shots); i++) {
		for (f = 0; f < 3; f++) {
			static const uint32_t fl[] = { 0, VCPU_SSHOTTMR_future, 0xfffffffe };
			struct vcpu_set_singleshot_timer st = { shots[i], fl[f], 0 };

			rc = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, &st);
			say(rc, "vcpu set_singleshot_timer %#lx flags %#x", (unsigned long)shots[i], fl[f]);
			vcpu_undo();
		}
	}
	/* SCHEDOP_pin_override: each pin undone */
	{
		static const int32_t pcpus[] = { -1, 0, 0, -1, 1, 99, -2, 0x7fffffff };

		for (i = 0; i < ARRAY_SIZE(pcpus); i++) {
			int32_t pc = pcpus[i];

			rc = hypercall2(__HYPERVISOR_sched_op, SCHEDOP_pin_override, &pc);
			say(rc, "sched pin_override %d", pcpus[i]);
			if (i != 1) {
				pc = -1;
				hypercall2(__HYPERVISOR_sched_op, SCHEDOP_pin_override, &pc);
			}
		}
	}
	/* set_iopl and set_iobitmap, then none */
	{
		static const uint32_t iopls[] = { 0, 1, 2, 3, 4, 0xffffffff };

		for (i = 0; i < ARRAY_SIZE(iopls); i++) {
			struct physdev_set_iopl io = { iopls[i] };

			rc = hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &io);
			say(rc, "physdev set_iopl %u", iopls[i]);
		}
		{
			struct physdev_set_iopl io = { 0 };

			hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &io);
		}
	}
	{
		static const struct { const char *n; uint64_t p; uint32_t nr; } bm[] = {
			{ "own", 0, 0 }, { "own", 0, 1 }, { "own", 0, 65536 }, { "own", 0, 65537 },
			{ "null", 1, 1 }, { "hyp", 2, 1 }, { "noncanon", 3, 8 }, { "own", 0, 0xffffffff },
		};
		for (i = 0; i < ARRAY_SIZE(bm); i++) {
			struct physdev_set_iobitmap b;

			memset(&b, 0, sizeof(b));
			memset(scratch[0], 0xff, 4096);
			b.bitmap = bm[i].p == 0 ? (uint64_t)scratch[0] : bm[i].p == 1 ? 0 :
				   bm[i].p == 2 ? HYPADDR : NONCANON;
			b.nr_ports = bm[i].nr;
			rc = hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iobitmap, &b);
			say(rc, "physdev set_iobitmap %s nr_ports %u", bm[i].n, bm[i].nr);
			memset(&b, 0, sizeof(b));
			hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iobitmap, &b);
		}
	}
	/* get_features of each submap */
	for (i = 0; i < 5; i++) {
		static const uint32_t idx[] = { 0, 1, 2, 32, 0xffffffff };
		struct xen_feature_info fi = { idx[i], 0x5a5a5a5a };

		rc = hypercall2(__HYPERVISOR_xen_version, XENVER_get_features, &fi);
		begin("version get_features submap %u", idx[i]);
		add_rc(rc, false);
		add(" submap=%#x", fi.submap);
		end();
	}
	/* set_segment_base's user GS selector */
	{
		static const uint64_t sels[] = { 0, 3, 0x2b, 0xe02b, 0xe033, 0xfff3, 0x10003, 0x4 };

		for (i = 0; i < ARRAY_SIZE(sels); i++) {
			rc = hypercall2(__HYPERVISOR_set_segment_base, 3, sels[i]);
			say(rc, "set_segment_base gs_user_sel %#lx", (unsigned long)sels[i]);
			hypercall2(__HYPERVISOR_set_segment_base, 3, 0);
			hypercall2(__HYPERVISOR_set_segment_base, 1, 0);
		}
	}
	/* callback_op register of each type, a spinning address; NMI's taken back */
	{
		static const uint64_t addrs[] = { 0, 1, NONCANON, HYPADDR };
		struct callback_register cb;
		unsigned int t, a;

		for (t = 0; t < 9; t++) {
			for (a = 0; a < ARRAY_SIZE(addrs) + 1; a++) {
				if (t == CALLBACKTYPE_event && a < ARRAY_SIZE(addrs) && addrs[a] < 2)
					continue;	/* the event callback stays a good address */
				memset(&cb, 0, sizeof(cb));
				cb.type = t;
				cb.flags = a == ARRAY_SIZE(addrs) ? 0xffff : 0;
				cb.address = a == ARRAY_SIZE(addrs) || addrs[a] == 1 ?
					     (uint64_t)spin_forever : addrs[a];
				rc = hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, &cb);
				say(rc, "callback register type %u %s%s", t,
				      a == ARRAY_SIZE(addrs) ? "spin" : addrs[a] == 0 ? "0" :
				      addrs[a] == 1 ? "spin" : addrs[a] == NONCANON ? "noncanon" : "hyp",
				      a == ARRAY_SIZE(addrs) ? " flags 0xffff" : "");
			}
		}
		hypercall2(__HYPERVISOR_nmi_op, 1, 0);
	}
}

/* sched_op with values: remote_shutdown's domains, poll's ports, watchdog ids. */
static void sched_values(void)
{
	unsigned int d, i;
	long rc;

	for (d = 2; d < ARRAY_SIZE(domids); d++) {
		struct sched_remote_shutdown rs = { .domain_id = domids[d].id, .reason = SHUTDOWN_poweroff };

		rc = hypercall2(__HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, &rs);
		say(rc, "sched remote_shutdown dom %s", domids[d].name);
	}
	for (i = 0; i < 6; i++) {
		static const uint32_t ids[] = { 1, 2, 3, 4, 0x80000000, 0xffffffff };
		struct { uint32_t id, timeout; } w = { ids[i], 0 };

		rc = hypercall2(__HYPERVISOR_sched_op, SCHEDOP_watchdog, &w);
		say(rc, "sched watchdog free id %#x", ids[i]);
	}
	{
		static const uint32_t bad[] = { 0, 4096, 0xffffffff };
		uint32_t port;
		struct sched_poll p;

		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			port = bad[i];
			p.ports = (uint64_t)&port;
			p.nr_ports = 1;
			p.timeout = 1;
			rc = hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, &p);
			say(rc, "sched poll port %u", bad[i]);
		}
		p.nr_ports = 129;
		rc = hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, &p);
		say(rc, "sched poll 129 ports");
		p.nr_ports = 1;
		p.ports = HYPADDR;
		rc = hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, &p);
		say(rc, "sched poll ports hyp");
	}
}

int test_main(struct start_info *si)
{
	gsi = si;
	mm_init(si);
	traps_install(true);
	/* pg[1] read-only, zeroed; pg[3] unmapped */
	memset(pg, 0, sizeof(pg));
	if (update_va_mapping((uint64_t)pg[1], pte_ro(va_to_mfn((uint64_t)pg[1])), UVMF_INVLPG) ||
	    update_va_mapping((uint64_t)pg[3], 0, UVMF_INVLPG))
		return fail("cannot set up the read-only and unmapped pages");
	own_mfn = va_to_mfn((uint64_t)scratch[0]);
	own_mfn2 = va_to_mfn((uint64_t)scratch[1]);
	foreign_mfn = hypervisor_l3_mfn(si);
	/* scratch[1]'s pfn, through the p2m */
	for (own_pfn2 = 0; own_pfn2 < si->nr_pages; own_pfn2++)
		if (((uint64_t *)si->mfn_list)[own_pfn2] == own_mfn2)
			break;
	if (own_pfn2 == si->nr_pages)
		return fail("scratch page not in the p2m");
	ports_snapshot();

	printf("conform-diff begins\n");
	unknown_numbers();
	sweep(version_ops, ARRAY_SIZE(version_ops), NULL);
	sweep(sched_ops, ARRAY_SIZE(sched_ops), NULL);
	sched_values();
	sweep(evtchn_ops, ARRAY_SIZE(evtchn_ops), ports_undo);
	evtchn_values();
	sweep(physdev_ops, ARRAY_SIZE(physdev_ops), ports_undo);
	sweep(grant_ops, ARRAY_SIZE(grant_ops), NULL);
	grant_values();
	sweep(vcpu_ops, ARRAY_SIZE(vcpu_ops), vcpu_undo);
	sweep(memory_ops, ARRAY_SIZE(memory_ops), NULL);
	sweep(misc_ops, ARRAY_SIZE(misc_ops), NULL);
	number_sweeps();
	ctl_sweeps();
	mmu_values();
	multicall_values();
	cpu_values();
	live_ports();
	live_grants();
	live_timers_and_more();
	multicall_mirror();
	combos_vcpu();
	combos_grant_map();
	combos_evtchn();
	combos_reservation();
	good_structs();
	own_tables();
	versions();
	fifo();
	hvm_params();
	ports_undo();
	printf("conform-diff made %u calls\n", idx);
	return TEST_PASS;
}
