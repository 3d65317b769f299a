// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-cont: the continuation encodings and list handles every batch
 * hypercall shares, as a guest may forge them, each answer against Xen
 * 4.17's (conform.h; docs/security.md, "Continuations and guest handles"):
 *   - mmu_update and mmuext_op entered "preempted" (bit 31 of the count)
 *     with a *done of the guest's choosing: the call adds to it, wrapping
 *     at 2^32, and a bad *done pointer is ignored; the count exactly that
 *     bit with no list is Xen's own continuation carrying a result in
 *     foreigndom, which Xen returns as an int, -ERESTART (0xffffffab)
 *     included: -85, never a continuation, also as a multicall's entry
 *     (and Lamina's release_continue of -ERESTART: -85). Those calls run
 *     on vCPU 1 and vCPU 0 gives up on an answer after 2 s, so a call
 *     re-executed for ever fails its row instead of hanging the test;
 *   - their list's start checked once (-EFAULT for an empty list in the
 *     hypervisor's range or the non-canonical hole, before the foreigndom,
 *     *done untouched), any count taken (2^31 - 1 and 2^20 + 1 entries
 *     whose third is unmapped: two done, then -EFAULT, the progress added
 *     to a forged *done);
 *   - lists and grant batches at the top of the lower canonical half whose
 *     last element runs into the hole: the elements before it done, then
 *     -EFAULT; an empty grant batch at a bad address -EFAULT;
 *   - a decrease_reservation list whose second extent is in the hole:
 *     the first given back, 1;
 *   - grant_table_op counts negative as an int (-EINVAL for any op) and
 *     cache_flush's continuation state (the entry its scan of another's
 *     table goes on from) forged: -EILSEQ for an element with nothing to
 *     flush, ignored for an own frame;
 *   - memory_op start extents above 2^32 (no truncation to 32 bits);
 *   - a copy-out that runs into the hole (xen_version's 16 bytes at the
 *     last 8 of the half): the 8 bytes below the hole written, then
 *     -EFAULT, as Xen's copy_to_guest (Lamina wrote nothing until 5 Dec);
 *   - buffers and frame lists checked at their start only, as Xen's
 *     guest_handle_okay: machine_memory_map's (its first entry written,
 *     -EFAULT), setup_table's and get_status_frames' (the first frame
 *     written, bad_virt_addr; v1's general_error), console_io's write.
 * dom0 only: every row is about the caller's own memory.
 *
 * @hvargs: dom0_max_vcpus=2
 */
#include "conform.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/smp.h"
#include <lamina/console.h>
#include <lamina/grant_table.h>
#include <lamina/memory.h>
#include <lamina/version.h>

#define NCALL(nr, a, b, c, d)	hypercall5(nr, (uint64_t)(a), (uint64_t)(b), (uint64_t)(c), \
					   (uint64_t)(d), 0)
#define MMU(list, n, done, fd)	NCALL(__HYPERVISOR_mmu_update, list, n, done, fd)
#define EXT(list, n, done, fd)	NCALL(__HYPERVISOR_mmuext_op, list, n, done, fd)
#define GNT(cmd, arg, n)	NCALL(__HYPERVISOR_grant_table_op, cmd, arg, n, 0)
#define MEM(cmd, arg)		NCALL(__HYPERVISOR_memory_op, cmd, arg, 0, 0)
#define PREEMPTED		0x80000000U
#define UNTOUCHED		0x5555U
#define TOP			0x0000800000000000ULL	/* the lower half's end */

static uint32_t done;

/* An mmu_update that changes nothing: frame mfn's M2P entry set to itself. */
static struct mmu_update noop_update(uint64_t mfn)
{
	struct mmu_update u = { (mfn << 12) | MMU_MACHPHYS_UPDATE,
				((const uint64_t *)MACH2PHYS_VIRT_START)[mfn] };

	return u;
}

/* A page table to be: a scratch page holding entry in slot, read-only. */
static uint64_t table_with(unsigned int slot, uint64_t entry)
{
	uint64_t va = scratch_page(), mfn = va_to_mfn(va);

	((volatile uint64_t *)va)[slot] = entry;
	if (update_va_mapping(va, pte_ro(mfn), UVMF_INVLPG))
		printf("ERROR read-only remap of %#lx failed\n", (unsigned long)va);
	return mfn;
}

/* Maps a scratch page at the lower half's last page (TOP - 4096): 0 or the error. */
static long map_top_page(const struct start_info *si)
{
	uint64_t data = va_to_mfn(scratch_page());
	uint64_t l1 = table_with(511, pte_rw(data)), l2 = table_with(511, pte_rw(l1));
	uint64_t l3 = table_with(511, pte_rw(l2)), l4 = va_to_mfn(si->pt_base);

	return mmu_update1((l4 << 12) + 255 * 8, pte_rw(l3));
}

static long mmu_done(uint64_t list, uint32_t n, uint32_t before, uint32_t fd)
{
	done = before;
	return MMU(list, n, &done, fd);
}

static void forged_rows(uint64_t mfn)
{
	static struct mmu_update two[2];
	static struct mmuext_op flush2[2];

	two[0] = two[1] = noop_update(mfn);
	flush2[0].cmd = flush2[1].cmd = MMUEXT_TLB_FLUSH_LOCAL;
	ROW("mmu_update preempted, 0 entries, no list: foreigndom back",
	    MMU(0, PREEMPTED, 0, 5), 5);
	ROW("mmu_update preempted, 0 entries, no list: foreigndom as an int",
	    mmu_done(0, PREEMPTED, UNTOUCHED, 0xfffffff6U), -10);
	ROW("... *done untouched", done, UNTOUCHED);
	ROW("mmu_update preempted, 0 entries, no list, foreigndom above 32 bits",
	    MMU(0, PREEMPTED, 0, 0x100000007ULL), 7);
	ROW("mmuext_op preempted, 0 entries, no list: foreigndom back",
	    EXT(0, PREEMPTED, 0, 0x7ff0), 0x7ff0);
	ROW("mmu_update preempted, 1 entry at 0", mmu_done(0, PREEMPTED | 1, 7, DOMID_SELF),
	    -EFAULT);
	ROW("... *done as it was", done, 7);
	ROW("mmu_update preempted, 2 entries, *done 100", mmu_done((uint64_t)two, PREEMPTED | 2,
								  100, DOMID_SELF), 0);
	ROW("... *done 102", done, 102);
	ROW("mmu_update preempted, 2 entries, *done 2^32 - 1",
	    mmu_done((uint64_t)two, PREEMPTED | 2, 0xffffffffU, DOMID_SELF), 0);
	ROW("... *done wrapped to 1", done, 1);
	ROW("mmu_update preempted, 2 entries, *done in the hypervisor",
	    MMU(two, PREEMPTED | 2, BADPTR, DOMID_SELF), 0);
	ROW("mmu_update preempted, 2 entries, *done non-canonical",
	    MMU(two, PREEMPTED | 2, NCPTR, DOMID_SELF), 0);
	done = 40;
	ROW("mmuext_op preempted, 2 flushes, *done 40", EXT(flush2, PREEMPTED | 2, &done,
							    DOMID_SELF), 0);
	ROW("... *done 42", done, 42);
}

/*
 * A result of -ERESTART the guest chose (foreigndom) passing for a
 * continuation would re-enter the call for ever: vCPU 1 makes the calls,
 * each answer counted in forged_answered, and vCPU 0 waits for them.
 */
#define FORGED_CALLS		4
#define FORGED_WAIT_NS		2000000000ULL
#define NO_ANSWER		1	/* a row's value while its call never returned */

static volatile long forged_rc[FORGED_CALLS];
static volatile unsigned int forged_answered;
static volatile bool forged_started;
static uint8_t forged_stack[8192] __attribute__((aligned(16)));
static struct multicall_entry forged_entry;

static void forged_restart_vcpu1(unsigned long id)
{
	uint32_t restart = (uint32_t)-ERESTART;

	(void)id;
	forged_started = true;
	forged_rc[0] = MMU(0, PREEMPTED, 0, restart);
	forged_answered = 1;
	forged_rc[1] = EXT(0, PREEMPTED, 0, restart);
	forged_answered = 2;
	forged_entry.op = __HYPERVISOR_mmu_update;
	forged_entry.result = UNTOUCHED;
	forged_entry.args[1] = PREEMPTED;
	forged_entry.args[3] = restart;
	forged_rc[2] = hypercall2(__HYPERVISOR_multicall, &forged_entry, 1);
	forged_answered = 3;
	forged_rc[3] = NCALL(__HYPERVISOR_release_continue, -ERESTART, 0, 0, 0);
	forged_answered = 4;
	vcpu_op(VCPUOP_down, 1, NULL);
	for (;;)
		asm volatile("pause");
}

/* Call k's answer, or NO_ANSWER once FORGED_WAIT_NS have passed without it. */
static long forged_answer(unsigned int k, uint64_t deadline)
{
	while (forged_answered <= k && pvclock_ns() < deadline)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	return forged_answered > k ? forged_rc[k] : NO_ANSWER;
}

static void forged_restart_rows(const struct start_info *si)
{
	uint64_t deadline;
	long rc = smp_start_vcpu(si, 1, forged_restart_vcpu1, forged_stack, sizeof(forged_stack));

	if (rc) {
		printf("ERROR starting vCPU 1: %ld\n", rc);
		ROW("vCPU 1 started", rc, 0);
		return;
	}
	deadline = pvclock_ns() + FORGED_WAIT_NS;
	ROW("mmu_update preempted, 0 entries, no list, foreigndom -ERESTART: -85, once",
	    forged_answer(0, deadline), -ERESTART);
	ROW("mmuext_op preempted, 0 entries, no list, foreigndom -ERESTART: -85, once",
	    forged_answer(1, deadline), -ERESTART);
	ROW("multicall of that mmu_update", forged_answer(2, deadline), 0);
	ROW("... its entry's result -85", forged_entry.result, -ERESTART);
	ROW("... its entry's arguments as they were", forged_entry.args[1] == PREEMPTED &&
	    forged_entry.args[3] == (uint32_t)-ERESTART && !forged_entry.args[0], 1);
	ROWL("release_continue of -ERESTART (Lamina's own call): -85, once",
	     forged_answer(3, deadline), -ENOSYS, -ERESTART);
}

static void start_rows(void)
{
	ROW("mmu_update 0 entries in the hypervisor", mmu_done((uint64_t)BADPTR, 0, UNTOUCHED,
							       DOMID_SELF), -EFAULT);
	ROW("... *done untouched", done, UNTOUCHED);
	ROW("mmu_update 0 entries non-canonical", MMU(NCPTR, 0, 0, DOMID_SELF), -EFAULT);
	ROW("mmu_update 0 entries at the hole's start", MMU(TOP, 0, 0, DOMID_SELF), -EFAULT);
	ROW("mmu_update 0 entries, preempted, in the hypervisor",
	    mmu_done((uint64_t)BADPTR, PREEMPTED, 3, DOMID_SELF), -EFAULT);
	ROW("... *done untouched", done, 3);
	ROW("mmu_update 1 entry in the hypervisor, no such foreigndom",
	    MMU(BADPTR, 1, 0, 0x1234), -EFAULT);
	ROW("mmu_update 0 entries, no such foreigndom", MMU(0, 0, 0, 0x1234), -ESRCH);
	ROW("mmuext_op 0 entries in the hypervisor", EXT(BADPTR, 0, 0, DOMID_SELF), -EFAULT);
	ROW("mmuext_op 1 entry non-canonical, DOMID_XEN", EXT(NCPTR, 1, 0, DOMID_XEN), -EFAULT);
	ROW("mmu_update 0 entries at the user half's last byte",
	    mmu_done(TOP - 1, 0, UNTOUCHED, DOMID_SELF), 0);
	ROW("... *done 0", done, 0);
}

/* Lists whose third entry is on an unmapped page, counts up to 2^31 - 1. */
static void count_rows(uint64_t mfn)
{
	uint64_t b = (scratch_page(), scratch_page());	/* the page before b mapped */
	struct mmu_update *u = (struct mmu_update *)(b - 2 * sizeof(*u));
	struct mmuext_op *x = (struct mmuext_op *)(b - 2 * sizeof(*x));
	static const uint32_t counts[] = { 3, (1U << 20) + 1, 0x7fffffff };
	char name[96];
	unsigned int i;

	u[0] = u[1] = noop_update(mfn);
	if (update_va_mapping(b, 0, UVMF_INVLPG))
		printf("ERROR unmapping %#lx failed\n", (unsigned long)b);
	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		snprintf(name, sizeof(name), "mmu_update %u entries, the third unmapped", counts[i]);
		ROW(name, mmu_done((uint64_t)u, counts[i], UNTOUCHED, DOMID_SELF), -EFAULT);
		ROW("... *done 2", done, 2);
		snprintf(name, sizeof(name), "mmu_update preempted, %u entries, the third unmapped",
			 counts[i]);
		ROW(name, mmu_done((uint64_t)u, PREEMPTED | counts[i], 10, DOMID_SELF), -EFAULT);
		ROW("... *done 12", done, 12);
	}
	memset(x, 0, 2 * sizeof(*x));
	x[0].cmd = x[1].cmd = MMUEXT_TLB_FLUSH_LOCAL;
	done = UNTOUCHED;
	ROW("mmuext_op 2^31 - 1 entries, the third unmapped",
	    EXT(x, 0x7fffffff, &done, DOMID_SELF), -EFAULT);
	ROW("... *done 2", done, 2);
}

static long res_before;

/* decrease_reservation of an unmapped scratch frame and one in the hole. */
static long give_back_at_top(void)
{
	uint64_t va = scratch_page(), *list = (uint64_t *)(TOP - 8);
	struct xen_memory_reservation r = { .extent_start = (uint64_t)list, .nr_extents = 2,
					    .domid = DOMID_SELF };

	*list = va_to_mfn(va);
	if (update_va_mapping(va, 0, UVMF_INVLPG))
		printf("ERROR unmapping %#lx failed\n", (unsigned long)va);
	res_before = current_reservation();
	return MEM(XENMEM_decrease_reservation, &r);
}

/* Batches at the top of the lower half, their last element in the hole. */
static void hole_rows(uint64_t mfn)
{
	struct mmu_update *u = (struct mmu_update *)(TOP - 24);
	struct mmuext_op *x = (struct mmuext_op *)(TOP - sizeof(*x) - 8);
	struct gnttab_copy *c = (struct gnttab_copy *)(TOP - 60);
	uint8_t *out = (uint8_t *)(TOP - 8);
	xen_extraversion_t extra;

	*u = noop_update(mfn);
	ROW("mmu_update 2 entries, the second into the hole",
	    mmu_done((uint64_t)u, 2, UNTOUCHED, DOMID_SELF), -EFAULT);
	ROW("... *done 1", done, 1);
	ROW("mmu_update 2^31 - 1 entries from the half's end",
	    mmu_done((uint64_t)u, 0x7fffffff, UNTOUCHED, DOMID_SELF), -EFAULT);
	ROW("... *done 1", done, 1);
	memset(x, 0, sizeof(*x));
	x->cmd = MMUEXT_TLB_FLUSH_LOCAL;
	done = UNTOUCHED;
	ROW("mmuext_op 2 entries, the second into the hole", EXT(x, 2, &done, DOMID_SELF),
	    -EFAULT);
	ROW("... *done 1", done, 1);
	/* A copy from a domain that does not exist: its status is written. */
	memset(c, 0, sizeof(*c));
	c->source.domid = 0x1234;
	c->dest.domid = DOMID_SELF;
	c->flags = GNTCOPY_source_gref;
	c->status = (int16_t)UNTOUCHED;
	ROW("gnttab copy 2 elements, the second into the hole",
	    GNT(GNTTABOP_copy, c, 2), -EFAULT);
	ROW("... the first's status written", c->status != (int16_t)UNTOUCHED, 1);
	ROW("decrease_reservation of 2, the second extent in the hole", give_back_at_top(), 1);
	ROW("... one frame less", current_reservation() == res_before - 1, 1);
	memset(extra, 0x55, sizeof(extra));
	ROW("xen_version extraversion", NCALL(__HYPERVISOR_xen_version, XENVER_extraversion, extra,
					      0, 0), 0);
	memset(out, 0x55, 8);
	ROW("xen_version extraversion into the half's last 8 bytes",
	    NCALL(__HYPERVISOR_xen_version, XENVER_extraversion, out, 0, 0), -EFAULT);
	ROW("... those 8 bytes written", out[0] != 0x55 && !memcmp(out, extra, 8), 1);
}

/*
 * Frame lists and buffers whose start is below the hole and whose rest
 * runs into it: Xen checks the start alone (guest_handle_okay), writes
 * the elements below the hole and then fails (Lamina refused them whole
 * until 5 Dec).
 */
static void hole_list_rows(void)
{
	static struct e820_entry good[64];
	struct e820_entry *top = (struct e820_entry *)(TOP - sizeof(*top));
	struct xen_memory_map mm = { .nr_entries = 64, .buffer = (uint64_t)good };
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
	struct gnttab_get_status_frames gs = { .nr_frames = 2, .dom = DOMID_SELF };
	uint64_t frame0, *flist = (uint64_t *)(TOP - 8);

	ROW("machine_memory_map", MEM(XENMEM_machine_memory_map, &mm), 0);
	memset(top, 0x55, sizeof(*top));
	mm.nr_entries = 64;
	mm.buffer = (uint64_t)top;
	ROW("machine_memory_map, the first entry the half's last 20 bytes",
	    MEM(XENMEM_machine_memory_map, &mm), -EFAULT);
	ROW("... the first entry written", !memcmp(top, good, sizeof(*top)), 1);
	st.frame_list = (uint64_t)&frame0;
	st.status = (int16_t)UNTOUCHED;
	ROW("gnttab setup_table of 1", GNT(GNTTABOP_setup_table, &st, 1), 0);
	ROW("... status", st.status, GNTST_okay);
	*flist = 0x5555;
	st.nr_frames = 2;
	st.frame_list = (uint64_t)flist;
	st.status = (int16_t)UNTOUCHED;
	ROW("gnttab setup_table of 2, the second frame's slot in the hole",
	    GNT(GNTTABOP_setup_table, &st, 1), 0);
	ROW("... status", st.status, GNTST_bad_virt_addr);
	ROW("... the first frame written", *flist == frame0, 1);
	gs.frame_list = (uint64_t)flist;
	gs.status = (int16_t)UNTOUCHED;
	ROW("gnttab get_status_frames of 2 (v1: none), the second's slot in the hole",
	    GNT(GNTTABOP_get_status_frames, &gs, 1), 0);
	ROW("... status", gs.status, GNTST_general_error);
	memset((char *)(TOP - 150), '.', 149);	/* printed: printable */
	*(char *)(TOP - 1) = '\n';
	ROW("console_io write of 200 bytes, the last 50 in the hole",
	    NCALL(__HYPERVISOR_console_io, CONSOLEIO_write, 200, TOP - 150, 0), -EFAULT);
	ROW("console_io write of 0 bytes in the hole",
	    NCALL(__HYPERVISOR_console_io, CONSOLEIO_write, 0, TOP, 0), 0);
}

static void grant_rows(uint64_t own_frame)
{
	struct gnttab_cache_flush cf;

	memset(&cf, 0, sizeof(cf));
	ROW("gnttab copy 0 elements in the hypervisor", GNT(GNTTABOP_copy, BADPTR, 0), -EFAULT);
	ROW("gnttab copy 0 elements non-canonical", GNT(GNTTABOP_copy, NCPTR, 0), -EFAULT);
	ROW("gnttab map 0 elements in the hypervisor", GNT(GNTTABOP_map_grant_ref, BADPTR, 0),
	    -EFAULT);
	ROW("gnttab unmap 0 elements in the hypervisor",
	    GNT(GNTTABOP_unmap_grant_ref, BADPTR, 0), -EFAULT);
	ROW("gnttab swap 0 elements in the hypervisor", GNT(GNTTABOP_swap_grant_ref, BADPTR, 0),
	    -EFAULT);
	ROW("gnttab transfer 0 elements in the hypervisor", GNT(GNTTABOP_transfer, BADPTR, 0),
	    -EFAULT);
	ROW("gnttab cache_flush 0 elements in the hypervisor",
	    GNT(GNTTABOP_cache_flush, BADPTR, 0), -EFAULT);
	ROW("gnttab query_size 0 elements in the hypervisor",
	    GNT(GNTTABOP_query_size, BADPTR, 0), -EINVAL);
	ROW("gnttab copy 0 elements, count 2^31", GNT(GNTTABOP_copy, 0, 0x80000000U), -EINVAL);
	ROW("gnttab cache_flush, count 2^31", GNT(GNTTABOP_cache_flush, 0, 0x80000000U), -EINVAL);
	ROW("gnttab set_version, count 2^31", GNT(GNTTABOP_set_version, 0, 0x80000000U), -EINVAL);
	ROW("gnttab op 42, count 2^31", GNT(42, 0, 0x80000000U), -EINVAL);
	ROW("gnttab cache_flush, a scan at entry 5 forged, nothing to flush",
	    GNT(GNTTABOP_cache_flush | 5U << GNTTABOP_ARG_SHIFT, &cf, 1), -EILSEQ);
	ROW("gnttab cache_flush, a scan at entry 2^20 - 1 forged, nothing to flush",
	    GNT(GNTTABOP_cache_flush | 0xfffffU << GNTTABOP_ARG_SHIFT, &cf, 1), -EILSEQ);
	cf.a.dev_bus_addr = own_frame << 12;
	cf.length = 64;
	cf.op = GNTTAB_CACHE_CLEAN;
	ROW("gnttab cache_flush of an own frame, a scan at entry 5 forged",
	    GNT(GNTTABOP_cache_flush | 5U << GNTTABOP_ARG_SHIFT, &cf, 1), 0);
	ROW("gnttab copy 0 elements, continuation bits in cmd",
	    GNT(GNTTABOP_copy | 1U << GNTTABOP_ARG_SHIFT, 0, 0), -EINVAL);
}

static void memop_rows(void)
{
	static uint64_t frames[2];
	struct xen_memory_reservation r = { .extent_start = (uint64_t)frames, .nr_extents = 2,
					    .domid = DOMID_SELF };
	long before = current_reservation();

	ROW("increase_reservation of 2, start extent 2^32 + 1",
	    MEM((1ULL << 32 | 1) << MEMOP_EXTENT_SHIFT | XENMEM_increase_reservation, &r),
	    (long)(1ULL << 32 | 1));
	ROW("decrease_reservation of 2, start extent 2^57",
	    MEM(1ULL << 57 | XENMEM_decrease_reservation, &r), (long)(1ULL << 51));
	ROW("populate_physmap of 2, start extent 2^32",
	    MEM(1ULL << 32 << MEMOP_EXTENT_SHIFT | XENMEM_populate_physmap, &r), (long)(1ULL << 32));
	ROW("... the reservation unchanged", current_reservation() == before, 1);
}

int test_main(struct start_info *si)
{
	uint64_t mfn;

	if (events_init(si)) {	/* mm_init too; pvclock_ns for forged_restart_rows */
		printf("ERROR events_init failed\n");
		return TEST_ERROR;
	}
	mfn = va_to_mfn(scratch_page());
	conform_begin();
	forged_rows(mfn);
	forged_restart_rows(si);
	start_rows();
	count_rows(mfn);
	if (map_top_page(si)) {
		printf("ERROR mapping the lower half's last page failed\n");
		return TEST_ERROR;
	}
	hole_rows(mfn);
	hole_list_rows();
	grant_rows(mfn);
	memop_rows();
	return conform_end("continuation and handle");
}
