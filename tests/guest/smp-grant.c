// SPDX-License-Identifier: GPL-2.0-only
/*
 * smp-grant: one grant entry used from two vCPUs while its granter keeps
 * giving and taking it back (issue 21: "map/unmap/copy of one grant
 * racing from two domains on two CPUs"), on Lamina and on Xen 4.17.
 *
 * The peer (one vCPU) is the granter. It grants dom0 a control page
 * (REF_CTL, mapped by dom0 for the whole race) and, over and over, a data
 * page P (REF_RACE): grant, give the CPU away, then end access as Linux
 * does (a cmpxchg of the flags to 0 that refuses while GTF_reading or
 * GTF_writing is set), retrying until it succeeds. dom0's vCPUs 0 and 1
 * (dom0 has the two vCPUs here) each loop over: map P writable, read its
 * tag and write through the mapping, unmap; map it read-only, unmap;
 * GNTTABOP_copy out of it; GNTTABOP_copy into it.
 * Checks:
 *   - every map and copy gives GNTST_okay or GNTST_general_error (the
 *     entry was not granted at that moment, or changed under the map:
 *     Xen's answers), every unmap of a handle we got GNTST_okay, and
 *     whatever succeeded reached P (its tag);
 *   - a revoke never succeeds while dom0 holds a mapping: dom0 counts
 *     its live mappings of P in the control page (one more after a map
 *     succeeded, one less before its unmap), and after each successful
 *     revoke the peer must read 0 there;
 *   - at the end (dom0's vCPUs done, the control page unmapped) both
 *     entries can be taken back at once and P's tag is intact; then the
 *     peer powers off and, on Lamina, is destroyed with all its frames
 *     freed (the frame audit runs then and at exit).
 * On one CPU the three vCPUs interleave by preemption; on two they run
 * at once (on Xen 4.17; on Lamina once vCPUs are placed on the APs).
 * Not pinned to different CPUs (TODO with smp-evtchn's): Lamina still
 * places every vCPU on CPU 0.
 * @hvargs: dom0_max_vcpus=2
 * @domus: self:peer:role=peer
 * @expect-log: d1 destroyed: \d+ frames freed, 0 still mapped by other domains
 */
#define VERDICT_REF	3
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/smp.h"
#include "lib/wait.h"
#include <lamina/grant_table.h>
#include "lib/grant_end.h"

#define REF_CTL		8
#define REF_RACE	9
#define ROUNDS		3000	/* per dom0 vCPU, on Lamina and Xen */
#define TAG		0x5a5a1234c0ffee00ULL
#define STACK_SIZE	8192
#define OFF_COPY	64	/* + 8 * vCPU: where dom0's copies into P land */
#define OFF_WRITE	128	/* + 8 * vCPU: where dom0 writes through its mapping */

/* The control page, the peer's, mapped by dom0 during the race. */
struct ctl {
	volatile uint32_t stop;		/* dom0: the race is over */
	volatile uint32_t mapped;	/* dom0: its live mappings of P */
};

/* One dom0 vCPU's counts. */
struct tally {
	unsigned long ok[4], refused[4];	/* by op: map rw, map ro, copy out, copy in */
	char why[VERDICT_LEN];			/* the first bad result, if any */
	volatile bool done;
};

static char why[VERDICT_LEN];
static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static struct tally tally[2];
static struct ctl *ctl;			/* dom0: its mapping of the peer's control page */
static domid_t peer_dom;
static uint64_t map_va[2], local_page[2];	/* dom0: per vCPU */
static struct grant_entry_v1 *table;	/* peer */

static long gnttab(unsigned int cmd, void *arg, unsigned int count)
{
	return hypercall3(__HYPERVISOR_grant_table_op, cmd, arg, count);
}

static void yield(void)
{
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

/* ------------------------------------------------------------ the peer */

static void grant(grant_ref_t ref, uint64_t va)
{
	table[ref].domid = 0;
	table[ref].frame = (uint32_t)va_to_mfn(va);
	__atomic_store_n(&table[ref].flags, GTF_permit_access, __ATOMIC_RELEASE);
}

/* The granter's loop: grant P, let dom0 at it, take it back; until stop. */
static int race(struct ctl *c, uint64_t p, unsigned long *revokes, unsigned long *busy)
{
	unsigned int n;

	while (!c->stop) {
		grant(REF_RACE, p);
		yield();
		while (!grant_end_access(&table[REF_RACE])) {
			++*busy;
			yield();
		}
		++*revokes;
		n = __atomic_load_n(&c->mapped, __ATOMIC_SEQ_CST);
		PEER_CHECK(n == 0, "revoke %lu succeeded while dom0 held %u mappings of the page",
			   *revokes, n);
		yield();
	}
	return 0;
}

/* The checks after the race, once dom0 is done and has unmapped c. */
static int peer_end(struct ctl *c, uint64_t p, unsigned long revokes, unsigned long busy)
{
	PEER_CHECK(grant_end_access(&table[REF_RACE]), "the race entry is still in use at the end");
	PEER_CHECK(grant_end_access(&table[REF_CTL]),
		   "the control page is still in use after dom0's unmap");
	PEER_CHECK(c->mapped == 0, "dom0 says it still holds %u mappings", c->mapped);
	PEER_CHECK(*(volatile uint64_t *)p == TAG, "the page's tag changed: %lx",
		   (unsigned long)*(volatile uint64_t *)p);
	PEER_CHECK(revokes > 0, "no revoke succeeded");
	printf("peer: %lu grants revoked, %lu revokes refused while in use\n", revokes, busy);
	return 0;
}

static int peer(void)
{
	uint64_t frame = 0, t0 = scratch_page(), p = scratch_page(), cp = scratch_page();
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)&frame };
	struct ctl *c = (struct ctl *)cp;
	unsigned long revokes = 0, busy = 0;
	struct verdict v;
	int bad;

	if (gnttab(GNTTABOP_setup_table, &st, 1) || st.status ||
	    update_va_mapping(t0, (frame << 12) | PTE_DATA, UVMF_INVLPG)) {
		printf("peer: no grant table\n");
		shutdown(SHUTDOWN_crash);
	}
	table = (struct grant_entry_v1 *)t0;
	*(volatile uint64_t *)p = TAG;
	grant(REF_CTL, cp);
	bad = race(c, p, &revokes, &busy);
	while (!c->stop)	/* a failed race still waits for dom0's end */
		yield();
	/* dom0 binds our verdict port once it has unmapped c. */
	if (verdict_offer(&v, table, (char *)scratch_page())) {
		printf("peer: no verdict port\n");
		shutdown(SHUTDOWN_crash);
	}
	verdict_send(&v, bad || peer_end(c, p, revokes, busy) ? why : NULL);
}

/* ------------------------------------------------------------ dom0 */

static int16_t map(grant_ref_t ref, uint64_t va, bool ro, grant_handle_t *h)
{
	struct gnttab_map_grant_ref op = { va, GNTMAP_host_map | (ro ? GNTMAP_readonly : 0),
					   ref, peer_dom, 0, ~0U, 0 };

	if (gnttab(GNTTABOP_map_grant_ref, &op, 1))
		return (int16_t)-100;	/* never a status: the call itself failed */
	*h = op.handle;
	return op.status;
}

static int16_t unmap(uint64_t va, grant_handle_t h)
{
	struct gnttab_unmap_grant_ref op = { va, 0, h, 0, 0 };

	return gnttab(GNTTABOP_unmap_grant_ref, &op, 1) ? (int16_t)-100 : op.status;
}

/* Copies 8 bytes between P (at off) and our page: in says into P. */
static int16_t copy(unsigned int id, bool in, uint16_t off)
{
	struct gnttab_copy c;

	memset(&c, 0, sizeof(c));
	if (in) {
		c.source.u.gmfn = va_to_mfn(local_page[id]);
		c.source.domid = DOMID_SELF;
		c.dest.u.ref = REF_RACE;
		c.dest.domid = peer_dom;
		c.dest.offset = off;
		c.flags = GNTCOPY_dest_gref;
	} else {
		c.source.u.ref = REF_RACE;
		c.source.domid = peer_dom;
		c.source.offset = off;
		c.dest.u.gmfn = va_to_mfn(local_page[id]);
		c.dest.domid = DOMID_SELF;
		c.flags = GNTCOPY_source_gref;
	}
	c.len = 8;
	return gnttab(GNTTABOP_copy, &c, 1) ? (int16_t)-100 : c.status;
}

#define BAD(t, ...)	do { if (!(t)->why[0]) snprintf((t)->why, VERDICT_LEN, __VA_ARGS__); } while (0)

/* A map (rw or ro) of P, used and unmapped; false once something was wrong. */
static bool map_round(unsigned int id, bool ro, bool hold)
{
	struct tally *t = &tally[id];
	volatile uint64_t *va = (volatile uint64_t *)map_va[id];
	grant_handle_t h = 0;
	int16_t st = map(REF_RACE, map_va[id], ro, &h), un;

	if (st == GNTST_general_error) {
		t->refused[ro]++;
		return true;
	}
	if (st != GNTST_okay) {
		BAD(t, "vCPU %u: map%s gave %d", id, ro ? " ro" : "", st);
		return false;
	}
	__atomic_fetch_add(&ctl->mapped, 1, __ATOMIC_SEQ_CST);
	t->ok[ro]++;
	if (va[0] != TAG)
		BAD(t, "vCPU %u: map %lu reads %lx, not the tag", id, t->ok[ro], (unsigned long)va[0]);
	if (!ro)
		va[OFF_WRITE / 8 + id] = t->ok[0];
	if (hold)
		yield();	/* the granter tries to revoke while we hold it */
	__atomic_fetch_sub(&ctl->mapped, 1, __ATOMIC_SEQ_CST);
	un = unmap(map_va[id], h);
	if (un != GNTST_okay) {
		BAD(t, "vCPU %u: unmap of a mapping we had gave %d", id, un);
		return false;
	}
	return !t->why[0];
}

static bool copy_round(unsigned int id, bool in)
{
	struct tally *t = &tally[id];
	volatile uint64_t *local = (volatile uint64_t *)local_page[id];
	int16_t st;

	local[0] = in ? t->ok[3] : 0;
	st = copy(id, in, in ? OFF_COPY + 8 * id : 0);
	if (st == GNTST_general_error) {
		t->refused[2 + in]++;
		return true;
	}
	if (st != GNTST_okay) {
		BAD(t, "vCPU %u: copy %s gave %d", id, in ? "in" : "out", st);
		return false;
	}
	t->ok[2 + in]++;
	if (!in && local[0] != TAG)
		BAD(t, "vCPU %u: copied %lx out of the page, not the tag", id, (unsigned long)local[0]);
	return !t->why[0];
}

static void work(unsigned int id)
{
	unsigned int i;

	uint32_t r = 12345 + id;

	/*
	 * On one CPU the granter runs only when we yield: a yield while a
	 * mapping is held (the revoke must be refused) or between ops, in a
	 * varying pattern.
	 */
	for (i = 0; i < ROUNDS; i++) {
		r = r * 1103515245 + 12345;
		if (!map_round(id, false, r >> 30 == 1) || !map_round(id, true, r >> 30 == 2) ||
		    !copy_round(id, false) || !copy_round(id, true))
			break;
		if (r & 0x10000)
			yield();
	}
	tally[id].done = true;
}

static void __attribute__((noreturn, used)) vcpu1(unsigned long id)
{
	work((unsigned int)id);
	for (;;)
		yield();
}

static int dom0_side(struct start_info *si)
{
	static const char *const name[4] = { "map", "map ro", "copy out", "copy in" };
	uint64_t ctl_va = scratch_page();
	grant_handle_t ch = 0;
	unsigned int i, tries;
	int16_t st;
	int id;
	long rc;

	rc = vcpu_op(VCPUOP_is_up, 1, NULL);
	if (rc == -ENOENT)
		return skip("one vCPU only (dom0_max_vcpus=2 not honoured)");
	/*
	 * The map addresses start not present: a map over a present PTE is
	 * not flushed on Xen (a stale TLB entry of the scratch page was seen
	 * read through the grant mapping there), and unmap leaves them so.
	 */
	for (i = 0; i < 2; i++) {
		map_va[i] = scratch_page();
		local_page[i] = scratch_page();
		CHECK(update_va_mapping(map_va[i], 0, UVMF_INVLPG | UVMF_ALL) == 0,
		      "clearing a map address failed");
	}
	id = peer_start(si, "role=peer", 16);
	CHECK(id > 0, "the peer domain could not be started (%d)", id);
	peer_dom = (domid_t)id;
	for (tries = 0; (st = map(REF_CTL, ctl_va, false, &ch)) != GNTST_okay &&
	     peer_wait_more(&tries, 100000);)
		yield();
	CHECK(st == GNTST_okay, "mapping the peer's control page gave %d", st);
	ctl = (struct ctl *)ctl_va;
	rc = smp_start_vcpu(si, 1, vcpu1, stack1, sizeof(stack1));
	CHECK(rc == 0, "starting vCPU 1: %ld", rc);
	work(0);
	CHECK(WAIT_UNTIL(tally[1].done), "vCPU 1 never finished");
	ctl->stop = 1;
	st = unmap(ctl_va, ch);
	CHECK(st == GNTST_okay, "unmapping the control page gave %d", st);
	CHECK(vcpu_op(VCPUOP_down, 1, NULL) == 0, "down of vCPU 1 failed");
	for (i = 0; i < 2; i++) {
		CHECK(!tally[i].why[0], "%s", tally[i].why);
		printf("vCPU %u:", i);
		for (id = 0; id < 4; id++)
			printf(" %s %lu ok %lu refused%s", name[id], tally[i].ok[id],
			       tally[i].refused[id], id < 3 ? "," : "\n");
	}
	CHECK(tally[0].ok[0] + tally[1].ok[0] > 0, "no map ever succeeded");
	return verdict_result(peer_dom);
}

int test_main(struct start_info *si)
{
	return peer_or_dom0(si, peer, dom0_side);
}
