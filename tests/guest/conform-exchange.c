// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-exchange: XENMEM_exchange's order of work, from dom0, against
 * Xen 4.17 (conform.h; docs/conformance.md, memory_op). Xen exchanges
 * chunk by chunk (one output extent, or one input extent, each), writes
 * each output MFN over its entry as the chunk commits, and counts in
 * nr_exchanged the chunks done before the one that failed:
 *  - an output list whose later entries lie on a read-only or unmapped
 *    page: the chunks before it done and written, the failing chunk's
 *    inputs gone all the same, -EFAULT;
 *  - an input that cannot go (a hypervisor frame, one past RAM) or an
 *    input list running onto an unmapped page part way: the chunks before
 *    it done, the rest untouched, -EINVAL / -EFAULT;
 *  - an order-1 input for two order-0 outputs whose second entry is
 *    read-only: the first entry written, nr_exchanged 0;
 *  - progress given in nr_exchanged: the chunks before it left alone;
 *  - 256 chunks in one call (long enough to continue part way);
 *  - an output entry of ~0: an M2P base like any other number;
 *  - the argument struct read-only: the exchange done, then -EFAULT
 *    (nr_exchanged written last), and -EFAULT for a refused call too.
 *  - a chunk of 1024 extents on a side (orders 10 apart), both ways,
 *    and one whose input 700 cannot go (nothing of it done);
 *  - an exchange for another domain (one dom0 makes): its frames go, its
 *    new ones are its own, its reservation the same; dom0's frame in the
 *    list is not its to give (-EINVAL); DOMID_XEN, DOMID_IO, DOMID_COW
 *    and DOMID_INVALID are no domain to name (-ESRCH).
 * Inputs are dom0's own frames at the end of its memory, which nothing
 * maps. Before 5 Dec (h-misc26) Lamina exchanged all or nothing.
 */
#include "conform.h"
#include "lib/mm.h"
#include "lib/domctl.h"
#include <lamina/memory.h>

#define MEM(cmd, arg)	hypercall2(__HYPERVISOR_memory_op, (uint64_t)(cmd), (uint64_t)(arg))
#define BIG		256
#define WIDE		1024		/* a chunk side past 512 extents: orders 10 apart */

static struct start_info *si;
static uint64_t next_spare;		/* frames from the end of memory, taken in turn */
static uint64_t probe;			/* a scratch VA to try mappings at */
static uint64_t in_buf[BIG], out_buf[BIG];
static uint64_t wide_buf[WIDE] __attribute__((aligned(4096)));
static uint64_t pa, pb;			/* two adjacent scratch pages: pb's mapping changes */

static uint64_t spare(void)
{
	return ((const uint64_t *)si->mfn_list)[si->nr_pages - 1 - next_spare++];
}

static long tot(void)
{
	domid_t self = DOMID_SELF;

	return MEM(XENMEM_current_reservation, &self);
}

/* Is mfn still ours: may it be mapped writable. */
static bool ours(uint64_t mfn)
{
	bool ok = update_va_mapping(probe, pte_rw(mfn), UVMF_INVLPG) == 0;

	update_va_mapping(probe, 0, UVMF_INVLPG);
	return ok;
}

static void set_exchange(struct xen_memory_exchange *x, uint64_t *in, uint64_t n_in,
			 unsigned int in_order, uint64_t *out, uint64_t n_out, unsigned int out_order)
{
	memset(x, 0, sizeof(*x));
	x->in.extent_start = (uint64_t)in;
	x->in.nr_extents = n_in;
	x->in.extent_order = in_order;
	x->in.domid = DOMID_SELF;
	x->out.extent_start = (uint64_t)out;
	x->out.nr_extents = n_out;
	x->out.extent_order = out_order;
	x->out.domid = DOMID_SELF;
}

/* pb as it was (writable), or read-only, or unmapped. */
static void pb_map(int how)
{
	uint64_t mfn = va_to_mfn(pb);

	if (update_va_mapping(pb, how == 0 ? pte_rw(mfn) : how == 1 ? pte_ro(mfn) : 0, UVMF_INVLPG))
		printf("ERROR remapping the second list page\n");
}

/*
 * Four order-0 inputs for four order-0 outputs, output entries 2 and 3 on
 * pb (read-only or unmapped): chunks 0 and 1 done and written, chunk 2's
 * input gone, its entry not written, chunk 3 untouched.
 */
static void out_fault_rows(int how, const char *what)
{
	uint64_t *out = (uint64_t *)(pb - 16), in[4], keep[4];
	struct xen_memory_exchange x;
	long before = tot(), rc;
	char name[96];
	unsigned int i, back;

	pb_map(0);
	for (i = 0; i < 4; i++) {
		in[i] = spare();
		out[i] = 0x100 + i;	/* pseudo-physical numbers, ignored by a PV dom0 */
	}
	memcpy(keep, in, sizeof(in));
	pb_map(how);
	set_exchange(&x, in, 4, 0, out, 4, 0);
	rc = MEM(XENMEM_exchange, &x);
	snprintf(name, sizeof(name), "exchange, out entries 2-3 %s", what);
	ROW(name, rc, -EFAULT);
	snprintf(name, sizeof(name), "exchange, out entries 2-3 %s: nr_exchanged", what);
	ROW(name, x.nr_exchanged, 2);
	snprintf(name, sizeof(name), "exchange, out entries 2-3 %s: entries 0-1 new frames", what);
	ROW(name, out[0] != 0x100 && out[1] != 0x101 && out[0] != out[1], 1);
	pb_map(0);
	snprintf(name, sizeof(name), "exchange, out entries 2-3 %s: entries 2-3 as given", what);
	ROW(name, out[2] == 0x102 && out[3] == 0x103, 1);
	/*
	 * Input 2 went with its chunk; inputs 0 and 1 went too, but a later
	 * chunk's output may be one of them again: entries 0-1 say which, and
	 * chunk 2's output, which no entry reports, may be the other.
	 */
	for (i = 0, back = 0; i < 2; i++)
		back += ours(keep[i]) && keep[i] != out[0] && keep[i] != out[1];
	snprintf(name, sizeof(name), "exchange, out entries 2-3 %s: input 2 gone, 3 ours", what);
	ROW(name, !ours(keep[2]) && ours(keep[3]), 1);
	snprintf(name, sizeof(name),
		 "exchange, out entries 2-3 %s: inputs 0-1 gone but for outputs", what);
	ROW(name, back <= 1, 1);
	snprintf(name, sizeof(name), "exchange, out entries 2-3 %s: current_reservation the same",
		 what);
	ROW(name, tot() - before, 0);
}

/* Input entry 2 a frame that cannot go, or entries 2-3 on an unmapped page. */
static void in_fault_rows(void)
{
	uint64_t *in = (uint64_t *)(pb - 16), out[4], keep[4];
	struct xen_memory_exchange x;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		in[i] = keep[i] = spare();
		out[i] = 0x200 + i;
	}
	in[2] = hypervisor_l3_mfn(si);
	set_exchange(&x, in, 4, 0, out, 4, 0);
	ROW("exchange, input 2 a hypervisor frame", MEM(XENMEM_exchange, &x), -EINVAL);
	ROW("exchange, input 2 a hypervisor frame: nr_exchanged", x.nr_exchanged, 2);
	ROW("exchange, input 2 a hypervisor frame: entries 0-1 written, 2-3 as given",
	    out[0] != 0x200 && out[1] != 0x201 && out[2] == 0x202 && out[3] == 0x203, 1);
	ROW("exchange, input 2 a hypervisor frame: input 3 still ours", ours(keep[3]), 1);

	in[0] = spare();
	in[1] = ~0ULL >> 12;
	in[2] = keep[3];
	x.nr_exchanged = 0;
	x.in.nr_extents = x.out.nr_extents = 3;
	out[0] = 0x300;
	ROW("exchange, input 1 past RAM", MEM(XENMEM_exchange, &x), -EINVAL);
	ROW("exchange, input 1 past RAM: nr_exchanged, entry 0 written",
	    x.nr_exchanged == 1 && out[0] != 0x300, 1);
	ROW("exchange, input 1 past RAM: input 2 still ours", ours(keep[3]), 1);

	in[0] = spare();
	in[1] = spare();
	in[2] = keep[3];
	in[3] = spare();
	for (i = 0; i < 4; i++)
		out[i] = 0x400 + i;
	pb_map(2);
	set_exchange(&x, in, 4, 0, out, 4, 0);
	ROW("exchange, input entries 2-3 unmapped", MEM(XENMEM_exchange, &x), -EFAULT);
	pb_map(0);
	ROW("exchange, input entries 2-3 unmapped: nr_exchanged", x.nr_exchanged, 2);
	ROW("exchange, input entries 2-3 unmapped: entries 0-1 written, 2-3 as given",
	    out[0] != 0x400 && out[1] != 0x401 && out[2] == 0x402 && out[3] == 0x403, 1);
	ROW("exchange, input entries 2-3 unmapped: input 2 still ours", ours(keep[3]), 1);
}

/* One order-1 input extent for two order-0 outputs, the second entry read-only. */
static void split_rows(void)
{
	uint64_t *out = (uint64_t *)(pb - 8), pair = 0;
	struct xen_memory_reservation r = { (uint64_t)&pair, 1, 1, 0, DOMID_SELF, { 0 } };
	struct xen_memory_exchange x;
	long before;

	ROW("increase_reservation of an order-1 pair", MEM(XENMEM_increase_reservation, &r), 1);
	before = tot();
	pb_map(0);
	out[0] = 0x500;
	out[1] = 0x501;
	pb_map(1);
	set_exchange(&x, &pair, 1, 1, out, 2, 0);
	ROW("exchange, order 1 for two order 0, entry 1 read-only", MEM(XENMEM_exchange, &x),
	    -EFAULT);
	ROW("exchange, order 1 for two order 0, entry 1 read-only: nr_exchanged 0, entry 0 written",
	    x.nr_exchanged == 0 && out[0] != 0x500 && out[1] == 0x501, 1);
	ROW("exchange, order 1 for two order 0, entry 1 read-only: the pair gone",
	    !ours(pair) && !ours(pair + 1), 1);
	ROW("exchange, order 1 for two order 0: current_reservation the same", tot() - before, 0);
	pb_map(0);
}

/* nr_exchanged given as progress: chunks 0-1 are not looked at. */
static void progress_rows(void)
{
	uint64_t in[4], out[4], keep[4];
	struct xen_memory_exchange x;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		in[i] = keep[i] = spare();
		out[i] = 0x600 + i;
	}
	set_exchange(&x, in, 4, 0, out, 4, 0);
	x.nr_exchanged = 2;
	ROW("exchange, nr_exchanged 2 of 4 given", MEM(XENMEM_exchange, &x), 0);
	ROW("exchange, nr_exchanged 2 of 4 given: now 4, entries 0-1 as given, 2-3 written",
	    x.nr_exchanged == 4 && out[0] == 0x600 && out[1] == 0x601 && out[2] != 0x602 &&
	    out[3] != 0x603, 1);
	ROW("exchange, nr_exchanged 2 of 4 given: frames 0-1 still ours",
	    ours(keep[0]) && ours(keep[1]), 1);
}

static void big_rows(void)
{
	struct xen_memory_exchange x;
	long before = tot();
	unsigned int i, written = 0;

	for (i = 0; i < BIG; i++) {
		in_buf[i] = spare();
		out_buf[i] = 0x1000 + i;
	}
	set_exchange(&x, in_buf, BIG, 0, out_buf, BIG, 0);
	ROW("exchange of 256 single frames", MEM(XENMEM_exchange, &x), 0);
	ROW("exchange of 256 single frames: nr_exchanged", x.nr_exchanged, BIG);
	for (i = 0; i < BIG; i++)
		written += out_buf[i] != 0x1000 + i;
	ROW("exchange of 256 single frames: every entry written", written, BIG);
	ROW("exchange of 256 single frames: current_reservation the same", tot() - before, 0);
}

/*
 * What an output entry holds is the new extent's M2P base, whatever the
 * number: ~0 too (Xen's set_gpfn_from_mfn takes it as any other; an
 * order-1 extent's second frame then maps to 0). Lamina took ~0 for an
 * entry it could not read until 5 Dec: -EFAULT, the MFN not written.
 */
static void m2p_rows(void)
{
	const uint64_t *m2p = (const uint64_t *)MACH2PHYS_VIRT_START;
	struct xen_memory_reservation r = { 0, 1, 1, 0, DOMID_SELF, { 0 } };
	struct xen_memory_exchange x;
	uint64_t in = spare(), keep = in, out = 0x1234, pair = 0;
	long before = tot();

	set_exchange(&x, &in, 1, 0, &out, 1, 0);
	ROW("exchange, out entry 0x1234", MEM(XENMEM_exchange, &x), 0);
	ROW("exchange, out entry 0x1234: written, its M2P entry 0x1234",
	    x.nr_exchanged == 1 && out != 0x1234 && m2p[out] == 0x1234, 1);
	in = spare();
	keep = in;
	out = ~0ULL;
	set_exchange(&x, &in, 1, 0, &out, 1, 0);
	ROW("exchange, out entry ~0", MEM(XENMEM_exchange, &x), 0);
	ROW("exchange, out entry ~0: nr_exchanged", x.nr_exchanged, 1);
	ROW("exchange, out entry ~0: written, input gone",
	    out != ~0ULL && ours(out) && !ours(keep), 1);
	ROW("exchange, out entry ~0: its M2P entry ~0", out != ~0ULL && m2p[out] == ~0ULL, 1);
	r.extent_start = (uint64_t)&pair;
	ROW("increase_reservation of an order-1 pair for ~0", MEM(XENMEM_increase_reservation, &r),
	    1);
	out = ~0ULL;
	set_exchange(&x, &pair, 1, 1, &out, 1, 1);
	ROW("exchange, order-1 out entry ~0", MEM(XENMEM_exchange, &x), 0);
	ROW("exchange, order-1 out entry ~0: written, M2P ~0 then 0",
	    x.nr_exchanged == 1 && out != ~0ULL && m2p[out] == ~0ULL && m2p[out + 1] == 0, 1);
	r.extent_start = (uint64_t)&out;
	ROW("exchange, order-1 out entry ~0: the pair given back",
	    MEM(XENMEM_decrease_reservation, &r), 1);
	ROW("exchange, out entry ~0: current_reservation the same", tot() - before, 0);
}

/*
 * A chunk of 1024 extents on one side (orders 10 apart; dom0's limit is
 * 18): 1024 single frames for one order-10 extent, and back. Until 5 Dec
 * (h-misc28) Lamina held a chunk's extents on its stack and refused more
 * than 512 (-EINVAL). First a chunk whose input 700 cannot go: nothing of
 * it done, every input still ours.
 */
static void wide_rows(void)
{
	const uint64_t *m2p = (const uint64_t *)MACH2PHYS_VIRT_START;
	struct xen_memory_exchange x;
	uint64_t big = 0x4000, keep700;
	long before = tot();
	unsigned int i, mine = 0, written = 0;

	for (i = 0; i < WIDE; i++)
		wide_buf[i] = spare();
	keep700 = wide_buf[700];
	wide_buf[700] = hypervisor_l3_mfn(si);
	set_exchange(&x, wide_buf, WIDE, 0, &big, 1, 10);
	ROW("exchange, 1024 frames for order 10, input 700 a hypervisor frame",
	    MEM(XENMEM_exchange, &x), -EINVAL);
	ROW("exchange, 1024 frames for order 10, input 700 bad: nr_exchanged 0, entry as given",
	    x.nr_exchanged == 0 && big == 0x4000, 1);
	wide_buf[700] = keep700;
	for (i = 0; i < WIDE; i++)
		mine += ours(wide_buf[i]);
	ROW("exchange, 1024 frames for order 10, input 700 bad: all 1024 still ours", mine, WIDE);

	set_exchange(&x, wide_buf, WIDE, 0, &big, 1, 10);
	ROW("exchange, 1024 frames for one of order 10", MEM(XENMEM_exchange, &x), 0);
	ROW("exchange, 1024 frames for one of order 10: nr_exchanged, written, aligned",
	    x.nr_exchanged == WIDE && big != 0x4000 && !(big & (WIDE - 1)), 1);
	ROW("exchange, 1024 frames for one of order 10: its M2P 0x4000 on",
	    big != 0x4000 && m2p[big] == 0x4000 && m2p[big + WIDE - 1] == 0x4000 + WIDE - 1, 1);
	for (i = 0, mine = 0; i < WIDE; i++)
		mine += (wide_buf[i] < big || wide_buf[i] >= big + WIDE) && ours(wide_buf[i]);
	ROW("exchange, 1024 frames for one of order 10: the inputs gone", mine, 0);
	ROW("exchange, 1024 frames for one of order 10: current_reservation the same",
	    tot() - before, 0);

	for (i = 0; i < WIDE; i++)
		wide_buf[i] = 0x5000 + i;
	set_exchange(&x, &big, 1, 10, wide_buf, WIDE, 0);
	ROW("exchange, one of order 10 for 1024 frames", MEM(XENMEM_exchange, &x), 0);
	for (i = 0, mine = 0; i < WIDE; i++) {
		written += wide_buf[i] != 0x5000 + i && m2p[wide_buf[i]] == 0x5000 + i;
		mine += ours(wide_buf[i]);
	}
	ROW("exchange, one of order 10 for 1024 frames: nr_exchanged", x.nr_exchanged, 1);
	ROW("exchange, one of order 10 for 1024 frames: every entry written, its M2P", written,
	    WIDE);
	ROW("exchange, one of order 10 for 1024 frames: all ours", mine, WIDE);
	ROW("exchange, one of order 10 for 1024 frames: current_reservation the same",
	    tot() - before, 0);
}

static long reservation_of(domid_t id)
{
	return MEM(XENMEM_current_reservation, &id);
}

/* Frames of domain id (PV: MFNs) given back one by one: how many went. */
static unsigned int give_back_each(domid_t id, const uint64_t *mfn, unsigned int n)
{
	struct xen_memory_reservation r = { 0, 1, 0, 0, id, { 0 } };
	unsigned int i, done = 0;

	for (i = 0; i < n; i++) {
		r.extent_start = (uint64_t)&mfn[i];
		done += MEM(XENMEM_decrease_reservation, &r) == 1;
	}
	return done;
}

/*
 * dom0 exchanges for another domain (one it made, which never runs), as
 * Xen 4.17 lets a privileged caller: that domain's frames go, the new
 * ones are its own, counted as the old were (at its max_mem too, as the
 * exchange charges nothing), and the MFNs come back in dom0's list. A
 * frame of dom0's own in the list is not that domain's: -EINVAL at it.
 * Until 5 Dec (h-misc28) Lamina answered -EPERM.
 */
static void other_rows(void)
{
	const uint64_t *m2p = (const uint64_t *)MACH2PHYS_VIRT_START;
	uint64_t in[5], out[4], keep[5], mine = spare(), pair_out[2] = { 0x40, 0x41 };
	struct xen_memory_reservation r = { (uint64_t)in, 5, 0, 0, 0, { 0 } };
	struct xen_memory_exchange x;
	struct domctl op;
	long before = tot(), theirs;
	unsigned int i, gone, kept;
	domid_t id;

	/* The hypervisor's pseudo-domains are no domain to name (Xen: not looked up). */
	set_exchange(&x, &mine, 1, 0, pair_out, 1, 0);
	x.in.domid = x.out.domid = DOMID_XEN;
	ROW("exchange for DOMID_XEN", MEM(XENMEM_exchange, &x), -ESRCH);
	x.in.domid = x.out.domid = DOMID_IO;
	ROW("exchange for DOMID_IO", MEM(XENMEM_exchange, &x), -ESRCH);
	x.in.domid = x.out.domid = DOMID_COW;
	ROW("exchange for DOMID_COW", MEM(XENMEM_exchange, &x), -ESRCH);
	x.in.domid = x.out.domid = DOMID_INVALID;
	ROW("exchange for DOMID_INVALID", MEM(XENMEM_exchange, &x), -ESRCH);
	ROW("exchange for DOMID_XEN, _IO, _COW, _INVALID: our frame still ours, entry as given",
	    ours(mine) && pair_out[0] == 0x40, 1);
	if (domctl_create(&id, "conform-exchange")) {
		ROW("exchange for another domain: a domain made", 0, 1);
		return;
	}
	memset(&op, 0, sizeof(op));
	op.u.max_mem.max_memkb = 5 * 4;		/* its max_mem: exactly the 5 frames below */
	r.domid = id;
	for (i = 0; i < 5; i++)
		in[i] = 0x10 + i;
	if (domctl_call(&op, DOMCTL_max_mem, id) || MEM(XENMEM_populate_physmap, &r) != 5) {
		ROW("exchange for another domain: its 5 frames", 0, 1);
		domctl_destroy(id);
		return;
	}
	memcpy(keep, in, sizeof(in));
	theirs = reservation_of(id);
	for (i = 0; i < 4; i++)
		out[i] = 0x20 + i;
	set_exchange(&x, in, 4, 0, out, 4, 0);
	x.in.domid = x.out.domid = id;
	ROW("exchange for another domain, at its max_mem", MEM(XENMEM_exchange, &x), 0);
	ROW("exchange for another domain: nr_exchanged", x.nr_exchanged, 4);
	ROW("exchange for another domain: entries written, its M2P as given",
	    out[0] != 0x20 && m2p[out[0]] == 0x20 && out[1] != 0x21 && m2p[out[1]] == 0x21 &&
	    out[2] != 0x22 && m2p[out[2]] == 0x22 && out[3] != 0x23 && m2p[out[3]] == 0x23, 1);
	ROW("exchange for another domain: its current_reservation the same",
	    reservation_of(id) - theirs, 0);
	ROW("exchange for another domain: ours the same", tot() - before, 0);
	/* The old frames are not its any more (but one that came back as a new one). */
	for (i = 0, gone = 0, kept = 0; i < 4; i++) {
		if (keep[i] == out[0] || keep[i] == out[1] || keep[i] == out[2] || keep[i] == out[3])
			continue;
		kept++;
		gone += give_back_each(id, &keep[i], 1) == 0;
	}
	ROW("exchange for another domain: its old frames not its", gone == kept, 1);
	ROW("exchange for another domain: the new frames its", give_back_each(id, out, 4), 4);

	/* Its frame 4, then one of ours: the second is not its to give. */
	in[0] = keep[4];
	in[1] = mine;
	set_exchange(&x, in, 2, 0, pair_out, 2, 0);
	x.in.domid = x.out.domid = id;
	ROW("exchange for another domain, input 1 a frame of ours", MEM(XENMEM_exchange, &x),
	    -EINVAL);
	ROW("exchange for another domain, input 1 ours: nr_exchanged 1, entry 0 written",
	    x.nr_exchanged == 1 && pair_out[0] != 0x40 && pair_out[1] == 0x41, 1);
	ROW("exchange for another domain, input 1 ours: still ours", ours(mine), 1);
	ROW("exchange for another domain, input 1 ours: entry 0's frame its",
	    pair_out[0] != 0x40 && give_back_each(id, pair_out, 1) == 1, 1);
	ROW("exchange for another domain: its frames all given back", reservation_of(id), 0);
	ROW("exchange for another domain: destroying it", domctl_destroy(id), 0);
	ROW("exchange for another domain: ours the same at the end", tot() - before, 0);
}

/* The struct itself read-only: nr_exchanged cannot be written. */
static void struct_rows(void)
{
	struct xen_memory_exchange *x = (struct xen_memory_exchange *)pb;
	uint64_t in = spare(), out = 0x700;

	pb_map(0);
	set_exchange(x, &in, 1, 0, &out, 1, 0);
	pb_map(1);
	ROW("exchange, struct read-only", MEM(XENMEM_exchange, x), -EFAULT);
	ROW("exchange, struct read-only: done all the same", out != 0x700 && !ours(in), 1);
	pb_map(0);
	x->in.extent_order = 19;
	pb_map(1);
	ROW("exchange of order 19, struct read-only", MEM(XENMEM_exchange, x), -EFAULT);
	pb_map(0);
	x->in.extent_order = 0;
	x->in.domid = x->out.domid = 0x7000;
	pb_map(1);
	ROW("exchange for no such domain, struct read-only", MEM(XENMEM_exchange, x), -EFAULT);
	pb_map(0);
}

int test_main(struct start_info *start)
{
	si = start;
	mm_init(si);
	conform_begin();
	probe = scratch_page();
	pa = scratch_page();
	pb = scratch_page();
	if (pb != pa + 4096)
		return fail("scratch pages not adjacent");
	out_fault_rows(1, "read-only");
	out_fault_rows(2, "unmapped");
	in_fault_rows();
	split_rows();
	progress_rows();
	big_rows();
	m2p_rows();
	wide_rows();
	other_rows();
	struct_rows();
	return conform_end("exchange");
}
