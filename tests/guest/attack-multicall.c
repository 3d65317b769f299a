// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-multicall: multicall batches against their own list, from dom0
 * and then from an unprivileged peer (this guest again), each answer
 * against Xen 4.17's (conform.h; docs/conformance.md, multicall):
 *   - the list's start checked once, as Xen's guest_handle_okay: a start
 *     in the hypervisor's range or non-canonical is -EFAULT even for 0
 *     entries, any count is taken (2^16 + 1 and 2^32 - 1 entries whose
 *     third runs into an unmapped page: two done, then -EFAULT);
 *   - a list in a read-only page: its first entry runs, its result cannot
 *     be written, the batch ends with -EFAULT, the second never runs;
 *   - an entry that makes its own list read-only or unmaps it (the same
 *     end), or maps another page there (the next entry read from the new
 *     page, the result of the first written into it);
 *   - an entry preempted mid-batch (a long mmu_update): in a writable list
 *     it goes on where it stopped, the entries before it run once, those
 *     after once; in a read-only list the batch ends with -EFAULT on
 *     Lamina (-ENOSYS on Xen, whose continuation stays set: a difference
 *     on purpose), the entries after it not run;
 *   - the calls outside memory (domctl, sysctl, platform_op, physdev,
 *     xen_version, console_io, sched_op, vcpu_op, hvm_op, kexec, xsm,
 *     argo, tmem, xenoprof, hypfs, dm_op) give an entry the direct call's
 *     answer;
 *   - last, an entry giving the list's own frame back (decrease_reservation
 *     while it is mapped): done, its result written, the next entry runs.
 * The peer reports through lib/peer_verdict.h; dom0's result line counts.
 * @domus: self:peer:role=peer
 * @timeout-smp: 180
 */
#include "conform_peer.h"
#include <lamina/memory.h>
#include <lamina/mm.h>
#include <lamina/vcpu.h>
#include <lamina/physdev.h>

#define NCALL(nr, a, b, c)	hypercall3(nr, (uint64_t)(a), (uint64_t)(b), (uint64_t)(c))
#define MC(list, nr)		NCALL(__HYPERVISOR_multicall, list, nr, 0)
#define UNTOUCHED		0x5555LL	/* a result nobody wrote */
#define PER_PAGE		(4096 / sizeof(struct multicall_entry))
#define LONG_UPDATES		32768		/* an mmu_update long enough to be preempted */

static struct mmu_update updates[LONG_UPDATES];
static struct evtchn_alloc_unbound au[4];
static uint8_t zero_arg[4096] __attribute__((aligned(4096)));

static void entry(struct multicall_entry *e, uint64_t op, uint64_t a0, uint64_t a1,
		  uint64_t a2)
{
	memset(e, 0, sizeof(*e));
	e->op = op;
	e->result = UNTOUCHED;
	e->args[0] = a0;
	e->args[1] = a1;
	e->args[2] = a2;
}

/* An entry binding a fresh unbound port of ours into *a (port 0: not run). */
static void entry_alloc(struct multicall_entry *e, struct evtchn_alloc_unbound *a)
{
	a->dom = DOMID_SELF;
	a->remote_dom = DOMID_SELF;
	a->port = 0;
	entry(e, __HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, (uint64_t)a, 0);
}

static void close_port(struct evtchn_alloc_unbound *a)
{
	struct evtchn_close c = { a->port };

	if (a->port)
		evtchn_op(EVTCHNOP_close, &c);
	a->port = 0;
}

static long map(uint64_t va, uint64_t mfn, bool writable)
{
	uint64_t pte = mfn ? (mfn << 12) | (writable ? PTE_DATA : PTE_P | PTE_US | PTE_A) : 0;

	return update_va_mapping(va, pte, UVMF_INVLPG);
}

/* Whether the hypervisor can write into va (XENVER_extraversion, 16 bytes). */
static long writable_by_hv(uint64_t va)
{
	return NCALL(__HYPERVISOR_xen_version, XENVER_extraversion, va, 0);
}

/* The list's start, checked once; any count. */
static void rows_bounds(uint64_t gap)
{
	struct multicall_entry *e = (struct multicall_entry *)(gap - 2 * sizeof(*e));
	uint32_t counts[2] = { 0x10001, 0xffffffff };
	unsigned int k;

	ROW("multicall 0 entries at a hypervisor address", MC(BADPTR, 0), -EFAULT);
	ROW("multicall 0 entries non-canonical", MC(NCPTR, 0), -EFAULT);
	ROW("multicall 0 entries at the user half's last byte", MC(0x00007fffffffffffULL, 0), 0);
	ROW("multicall 0 entries at an unmapped page", MC(gap, 0), 0);
	ROW("multicall 1 entry at an unmapped page", MC(gap, 1), -EFAULT);
	ROW("multicall 1 entry at a hypervisor address", MC(BADPTR, 1), -EFAULT);
	for (k = 0; k < 2; k++) {
		entry(&e[0], __HYPERVISOR_xen_version, XENVER_version, 0, 0);
		entry(&e[1], __HYPERVISOR_xen_version, XENVER_version, 0, 0);
		ROW(k ? "multicall 2^32-1 entries, the third unmapped"
		      : "multicall 2^16+1 entries, the third unmapped", MC(e, counts[k]), -EFAULT);
		ROW(k ? "multicall 2^32-1 entries: the first's result"
		      : "multicall 2^16+1 entries: the first's result", e[0].result, 0x40011);
		ROW(k ? "multicall 2^32-1 entries: the second's result"
		      : "multicall 2^16+1 entries: the second's result", e[1].result, 0x40011);
	}
}

/* A list in a read-only page, or made read-only, unmapped or moved by its own entry. */
static void rows_own_page(uint64_t lpage, uint64_t other)
{
	struct multicall_entry *e = (struct multicall_entry *)lpage;
	struct multicall_entry *o = (struct multicall_entry *)other;
	uint64_t lmfn = va_to_mfn(lpage), omfn = va_to_mfn(other);

	entry_alloc(&e[0], &au[0]);
	entry_alloc(&e[1], &au[1]);
	ROW("read-only remap of the list", map(lpage, lmfn, false), 0);
	ROW("multicall in a read-only page", MC(e, 2), -EFAULT);
	ROW("multicall in a read-only page: the first ran", au[0].port != 0, 1);
	ROW("multicall in a read-only page: the second did not", au[1].port, 0);
	ROW("multicall in a read-only page: its result unwritten", e[0].result, UNTOUCHED);
	close_port(&au[0]);
	ROW("writable remap of the list", map(lpage, lmfn, true), 0);

	entry(&e[0], __HYPERVISOR_update_va_mapping, lpage,
	      (lmfn << 12) | PTE_P | PTE_US | PTE_A, UVMF_INVLPG);
	entry_alloc(&e[1], &au[1]);
	ROW("multicall making its list read-only", MC(e, 2), -EFAULT);
	ROW("multicall making its list read-only: the second did not run", au[1].port, 0);
	ROW("multicall making its list read-only: the list is read-only",
	    writable_by_hv(lpage), -EFAULT);
	ROW("writable remap of the list", map(lpage, lmfn, true), 0);
	ROW("the list is writable again", writable_by_hv(lpage), 0);

	entry(&e[0], __HYPERVISOR_update_va_mapping, lpage, 0, UVMF_INVLPG);
	entry_alloc(&e[1], &au[1]);
	ROW("multicall unmapping its list", MC(e, 2), -EFAULT);
	ROW("multicall unmapping its list: the second did not run", au[1].port, 0);
	ROW("multicall unmapping its list: the list is gone", writable_by_hv(lpage), -EFAULT);
	ROW("writable remap of the list", map(lpage, lmfn, true), 0);

	/* The list's page replaced by another: the next entry is read from it. */
	entry(&e[0], __HYPERVISOR_update_va_mapping, lpage, (omfn << 12) | PTE_DATA, UVMF_INVLPG);
	entry_alloc(&e[1], &au[1]);
	entry(&o[0], __HYPERVISOR_xen_version, XENVER_version, 0, 0);
	entry_alloc(&o[1], &au[2]);
	ROW("multicall moving its list", MC(e, 2), 0);
	ROW("multicall moving its list: the new page's entry ran", au[2].port != 0, 1);
	ROW("multicall moving its list: the old page's entry did not", au[1].port, 0);
	ROW("multicall moving its list: the first's result in the new page", o[0].result, 0);
	close_port(&au[2]);
	ROW("writable remap of the list", map(lpage, lmfn, true), 0);
	ROW("the old page's first result unwritten", e[0].result, UNTOUCHED);
}

static long port_status(evtchn_port_t p)
{
	struct evtchn_status st = { DOMID_SELF, p, 0, 0, 0, { { 0 } } };
	long rc = evtchn_op(EVTCHNOP_status, &st);

	return rc ? rc : (long)st.status;
}

/* The lowest free port: the one the next alloc_unbound takes. */
static evtchn_port_t lowest_free(void)
{
	struct evtchn_alloc_unbound a = { DOMID_SELF, DOMID_SELF, 0 };
	evtchn_port_t p;

	if (evtchn_op(EVTCHNOP_alloc_unbound, &a))
		return 0;
	p = a.port;
	close_port(&a);
	return p;
}

/*
 * An entry preempted mid-batch (the guest sees no continuation: its
 * hypercall is made again from where it stopped), in a writable list and
 * in a read-only one. The entries around it bind ports: each ran once
 * when they took the two lowest free ports and the one after is free.
 */
static void rows_preempted(uint64_t lpage, uint64_t gap)
{
	struct multicall_entry *e = (struct multicall_entry *)lpage;
	uint64_t lmfn = va_to_mfn(lpage), ptr = l1e_maddr(gap) | MMU_NORMAL_PT_UPDATE;
	evtchn_port_t p;
	unsigned int i;

	for (i = 0; i < LONG_UPDATES; i++) {
		updates[i].ptr = ptr;
		updates[i].val = 0;		/* the unmapped page's entry, 0 already */
	}
	p = lowest_free();
	entry_alloc(&e[0], &au[0]);
	entry(&e[1], __HYPERVISOR_mmu_update, (uint64_t)updates, LONG_UPDATES, 0);
	e[1].args[3] = DOMID_SELF;
	entry_alloc(&e[2], &au[1]);
	ROW("multicall with a long entry", MC(e, 3), 0);
	ROW("multicall with a long entry: its result", e[1].result, 0);
	ROW("multicall with a long entry: the first took the lowest port", au[0].port - p, 0);
	ROW("multicall with a long entry: the last took the next", au[1].port - p, 1);
	ROW("multicall with a long entry: the port after free", port_status(p + 2),
	    EVTCHNSTAT_closed);
	close_port(&au[0]);
	close_port(&au[1]);

	entry(&e[0], __HYPERVISOR_mmu_update, (uint64_t)updates, LONG_UPDATES, 0);
	e[0].args[3] = DOMID_SELF;
	entry_alloc(&e[1], &au[1]);
	ROW("read-only remap of the list", map(lpage, lmfn, false), 0);
	/*
	 * Xen 4.17 leaves the preempted entry's continuation set when its
	 * result cannot be written: the guest's hypercall instruction runs
	 * again with -EFAULT as the number (-ENOSYS). Lamina answers -EFAULT
	 * (docs/conformance.md, multicall).
	 */
	ROWL("multicall with a long entry in a read-only page", MC(e, 2), -ENOSYS, -EFAULT);
	ROW("multicall with a long entry in a read-only page: the second did not run",
	    au[1].port, 0);
	ROW("writable remap of the list", map(lpage, lmfn, true), 0);
	entry_alloc(&e[0], &au[0]);
	ROW("a multicall after it", MC(e, 1), 0);
	ROW("a multicall after it: its entry", e[0].result, 0);
	close_port(&au[0]);
}

/* The calls outside memory: an entry answers as the direct call. */
struct direct {
	const char *name;
	uint64_t op, a0, a1, a2;
};

static void rows_outside(uint64_t lpage)
{
	struct multicall_entry *e = (struct multicall_entry *)lpage;
	uint64_t z = (uint64_t)zero_arg;
	const struct direct calls[] = {
		{ "domctl zeroed", __HYPERVISOR_domctl, z, 0, 0 },
		{ "domctl bad pointer", __HYPERVISOR_domctl, (uint64_t)BADPTR, 0, 0 },
		{ "sysctl zeroed", __HYPERVISOR_sysctl, z, 0, 0 },
		{ "platform_op zeroed", __HYPERVISOR_platform_op, z, 0, 0 },
		{ "physdev apic_read", __HYPERVISOR_physdev_op, PHYSDEVOP_apic_read, z, 0 },
		{ "physdev irq_status_query", __HYPERVISOR_physdev_op, 5, z, 0 },
		{ "physdev 99", __HYPERVISOR_physdev_op, 99, z, 0 },
		{ "xen_version version", __HYPERVISOR_xen_version, XENVER_version, 0, 0 },
		{ "xen_version commandline", __HYPERVISOR_xen_version, 9, z, 0 },
		{ "xen_version build_id", __HYPERVISOR_xen_version, 10, z, 0 },
		{ "console_io read 0", __HYPERVISOR_console_io, 1, 0, z },
		{ "console_io 99", __HYPERVISOR_console_io, 99, 0, z },
		{ "sched_op yield", __HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0 },
		{ "sched_op remote_shutdown bad pointer", __HYPERVISOR_sched_op,
		  SCHEDOP_remote_shutdown, (uint64_t)BADPTR, 0 },
		{ "sched_op 99", __HYPERVISOR_sched_op, 99, 0, 0 },
		{ "vcpu_op is_up 0", __HYPERVISOR_vcpu_op, VCPUOP_is_up, 0, 0 },
		{ "vcpu_op is_up 99", __HYPERVISOR_vcpu_op, VCPUOP_is_up, 99, 0 },
		{ "vcpu_op get_physid", __HYPERVISOR_vcpu_op, VCPUOP_get_physid, 0, z },
		{ "hvm_op get_time", __HYPERVISOR_hvm_op, 10, z, 0 },
		{ "kexec_op 99", __HYPERVISOR_kexec_op, 99, z, 0 },
		{ "xsm_op", __HYPERVISOR_xsm_op, z, 0, 0 },
		{ "argo_op", 39, 0, 0, 0 },
		{ "tmem_op", 38, z, 0, 0 },
		{ "xenoprof_op 99", __HYPERVISOR_xenoprof_op, 99, z, 0 },
		{ "hypfs_op get_version", __HYPERVISOR_hypfs_op, 0, 0, 0 },
		{ "dm_op", __HYPERVISOR_dm_op, DOMID_SELF, 0, 0 },
		{ "evtchn 99", __HYPERVISOR_event_channel_op, 99, z, 0 },
	};
	char name[96];
	unsigned int i;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		const struct direct *c = &calls[i];
		long direct;

		memset(zero_arg, 0, sizeof(zero_arg));
		direct = NCALL(c->op, c->a0, c->a1, c->a2);
		memset(zero_arg, 0, sizeof(zero_arg));
		entry(&e[0], c->op, c->a0, c->a1, c->a2);
		snprintf(name, sizeof(name), "multicall %s", c->name);
		ROW(name, MC(e, 1), 0);
		snprintf(name, sizeof(name), "multicall %s: the direct call's answer", c->name);
		conform_row(name, e[0].result, direct, direct);
	}
}

/* Last: the list's own frame given back by its first entry, still mapped. */
static void rows_freed(uint64_t lpage)
{
	struct multicall_entry *e = (struct multicall_entry *)lpage;
	static uint64_t extent;
	static struct xen_memory_reservation r;

	extent = va_to_mfn(lpage);
	r.extent_start = (uint64_t)&extent;
	r.nr_extents = 1;
	r.domid = DOMID_SELF;
	entry(&e[0], __HYPERVISOR_memory_op, XENMEM_decrease_reservation, (uint64_t)&r, 0);
	entry_alloc(&e[1], &au[3]);
	ROW("multicall giving its list's frame back", MC(e, 2), 0);
	ROW("multicall giving its list's frame back: one extent", e[0].result, 1);
	ROW("multicall giving its list's frame back: the next ran", au[3].port != 0, 1);
	ROW("multicall giving its list's frame back: its result", e[1].result, 0);
	close_port(&au[3]);
	ROW("the list's page unmapped (the frame freed)", map(lpage, 0, false), 0);
}

static void rows(void *arg)
{
	uint64_t lpage = scratch_page(), gap = scratch_page(), other = scratch_page();

	(void)arg;
	if (map(gap, 0, false))
		printf("ERROR unmapping the gap page failed\n");
	rows_bounds(gap);
	rows_own_page(lpage, other);
	rows_preempted(lpage, gap);
	rows_outside(lpage);
	rows_freed(lpage);
}

int test_main(struct start_info *si)
{
	return conform_dom0_and_peer(si, rows, NULL, "dom0 multicall");
}
