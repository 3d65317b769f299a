// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz-state: a hypercall fuzzer that builds state before it abuses it.
 *
 * Uniformly random hypercalls almost never get past the first argument
 * check; the holes are found by building valid objects and then calling
 * with something slightly wrong about them. So dom0 and an unprivileged
 * peer each keep a pool of their own frames and a handful of "window"
 * pages, and every step is one action on those objects, with its
 * arguments drawn mostly valid and sometimes mutated (an index off by
 * one, a frame repeated, a frame given back, the other domain's frame, a
 * hypervisor frame, a count at a boundary, one buffer for two arguments):
 *
 *   page tables  pool frames zeroed, mapped read-only, pinned at a level,
 *                filled by mmu_update, hooked into L4 slots 1-3, unpinned;
 *   memory       decrease/increase reservation and XENMEM_exchange of pool
 *                frames (after unmapping them with or without a flush);
 *   grants       entries of our own table (v1, or v2 once set_version(2)
 *                succeeds) naming shared-pool frames and wrong ones, the
 *                other side's refs mapped, unmapped, copied, swapped;
 *   events       unbound, interdomain, VIRQ and IPI ports, sent and closed;
 *   foreign      dom0 maps the peer's frames (mmu_update with foreigndom,
 *                update_va_mapping_otherdomain); the peer tries the same;
 *   misc         mmuext clear/copy page, flushes, M2P updates, multicalls;
 *   reuse        issue 16 A.2's shape: touch pages, unmap them unflushed,
 *                give them back, make the hypervisor allocate for itself.
 *
 * After every step the guest checks what it can see for itself:
 *
 *  1. every mapping it holds (a walk from its L4, and from every table it
 *     pinned) reaches a frame it owns (M2P and p2m agree), a frame the
 *     other domain published as grantable, its shared_info, grant or
 *     status frames, or (dom0) an I/O frame; failing all those, one the
 *     hypervisor itself answers is ours (or, for dom0, the peer's) when
 *     asked by a no-op M2P update, since frames reach a domain in ways
 *     a guest cannot follow; never the LAPIC, nor the IOAPIC writable; no
 *     table frame writable through a writable path; no superpages (an
 *     L4 met one level down is Xen's linear page table, not walked);
 *  2. an address in the hypervisor's range (outside the read-only M2P)
 *     cannot be read;
 *  3. a frame it gave back still holds the marker it left in it for as
 *     long as any translation (a PTE, or a stale TLB entry after an
 *     unflushed unmap) still reaches it: the hypervisor must not hand the
 *     frame to anyone before that translation is gone. A translation made
 *     after the frame reached the other side (dom0 maps the peer's frames
 *     with it as foreigndom, which the hypervisor checks) is not one of
 *     those: such a frame counts as reached, like a published one. So
 *     does one a map of the other side's grant gave: a grant entry may
 *     name a frame its side did not own when it wrote it but got back
 *     since, or one the other side wrote there itself (a side may grant
 *     its own grant-table frames); before it calls the frame never
 *     offered, the mapper asks the hypervisor whose it is (dom0), or
 *     asks dom0 to ask (the peer, which may not ask about dom0's
 *     frames); the mapping holds the frame, so the answer stays true.
 *
 * The hypervisor's own frame audit ("mm audit dN") runs when each domain
 * ends and the runner fails the test if it says FAILED. The peer reports
 * its verdict to dom0 through a mailbox page it grants (ref 7, a reserved
 * ref so switching the grant version stays possible), and dom0 prints the
 * one result line; the peer stays up until dom0 has made its last check
 * (a dying domain's frames that dom0 still maps are no one's to ask the
 * hypervisor about), and dom0 waits for its shutdown, where Lamina audits
 * it. Everything comes from one xorshift generator seeded by
 * `seed=` (the peer's from dom0's), so a failure replays with the same
 * `seed=` and `calls=` (hypercalls per domain); the two domains interleave
 * as the scheduler lets them, so a replay starts the same way but may
 * drift once the other side's state is met at other moments. `trace=1`
 * prints every fuzzing hypercall (and, being slower, drifts more). `off=`
 * leaves actions (by name, see actions[]) or named mutations out, to get
 * past a known bug: exchange-dup (an input frame twice), noflush
 * (unmapping without a flush), lapic, ioapic (dom0 mapping them; a
 * writable IOAPIC mapping is made read-only, as on Xen 4.17).
 * `make fuzz` runs long ones, seed after seed.
 * The parts are in fuzz/: model.c (the state and what a frame is to us),
 * checks.c (the invariants), pick.c (the generators), act_mm.c,
 * act_grant.c and act_misc.c (the actions); fuzz/fuzz.h is what they
 * share. This file has the loop, the setup and the two roles.
 * @cmdline: seed=1 calls=15000
 * @domus: self:peer:role=peer
 */
#include "fuzz/fuzz.h"
#include "lib/peer_verdict.h"

/* ------------------------------------------------------------ the loop */

/* The actions, by weight; `off=name,name` on the command line drops some. */
static struct {
	void (*fn)(void);
	const char *name;
	unsigned int weight;
} actions[] = {
	{ act_pin, "pin", 8 }, { act_unpin, "unpin", 6 }, { act_pt_entry, "mmu_update", 14 },
	{ act_map_window, "update_va_mapping", 10 }, { act_foreign, "foreign", 5 },
	{ act_decrease, "decrease", 6 }, { act_increase, "increase", 6 },
	{ act_exchange, "exchange", 4 }, { act_grant_entry, "grant_entry", 8 },
	{ act_setup_table, "setup_table", 2 }, { act_set_version, "set_version", 2 },
	{ act_map_grant, "map_grant", 8 }, { act_unmap_grant, "unmap_grant", 6 },
	{ act_copy, "copy", 6 }, { act_swap, "swap", 3 }, { act_event, "event", 6 },
	{ act_mmuext_misc, "mmuext", 4 }, { act_multicall, "multicall", 4 },
	{ act_machphys, "machphys", 2 }, { act_reuse, "reuse", 2 },
};

bool in_list(const char *list, const char *name)
{
	const char *p;
	size_t n = strlen(name);

	for (p = list; *p && *p != ' '; p++)
		if ((p == list || p[-1] == ',') && !strncmp(p, name, n) &&
		    (p[n] == ',' || p[n] == ' ' || !p[n]))
			return true;
	return false;
}

static void actions_off(const char *list)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(actions); i++)
		if (in_list(list, actions[i].name))
			actions[i].weight = 0;
	off_list = list;
}

static void one_step(void)
{
	unsigned int total = 0, i, r;

	for (i = 0; i < ARRAY_SIZE(actions); i++)
		total += actions[i].weight;
	if (!total)
		return;
	r = pick(total);
	for (i = 0; r >= actions[i].weight; i++)
		r -= actions[i].weight;
	actions[i].fn();
}

/* Runs until max_calls hypercalls or the first broken invariant. */
static bool fuzz(uint64_t seed)
{
	uint64_t report = max_calls / 5 > 1000 ? max_calls / 5 : 1000, next = report;

	state = seed * 0x9E3779B97F4A7C15ULL + (me ? 0xD1B54A32D192ED03ULL : 0);
	if (!state)
		state = 1;
	while (calls < max_calls) {
		step++;
		one_step();
		if (check_all()) {
			printf("fuzz: %s: step %lu (%s, after %lu calls) broke an invariant: %s\n",
			       me ? "peer" : "dom0", (unsigned long)step, action,
			       (unsigned long)calls, why);
			return false;
		}
		box->progress[me] = calls;
		answer_peer();
		if (calls >= next) {
			printf("fuzz: %s: %lu calls, %lu steps\n", me ? "peer" : "dom0",
			       (unsigned long)calls, (unsigned long)step);
			next += report;
		}
		if (chance(2))
			hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
		if (step % 64 == 0)
			publish();	/* keeps the live pool in the ring */
	}
	return true;
}

/* ------------------------------------------------------------ setup */

/* The text after `key` in the command line ("" if absent). */
static const char *strstr_arg(const char *cmdline, const char *key)
{
	const char *p = cmdline;
	size_t n = strlen(key);

	for (; *p; p++)
		if ((p == cmdline || p[-1] == ' ') && !strncmp(p, key, n))
			return p + n;
	return p;
}

static uint64_t arg(const char *cmdline, const char *key, uint64_t dflt)
{
	const char *p = strstr_arg(cmdline, key);
	uint64_t v = 0;

	if (!*p)
		return dflt;
	for (; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (*p - '0');
	return v;
}

static int setup(struct start_info *start)
{
	unsigned int i;

	si = start;
	if (events_init(si) || traps_install(false))
		return -1;
	find_region_l1s();
	on_lamina_cached = on_lamina();
	p2m = (uint64_t *)si->mfn_list;
	l4_mfn = va_to_mfn(si->pt_base);
	shinfo_mfn = si->shared_info >> 12;
	if (si->flags & SIF_INITDOMAIN)
		read_machine_memory_map();
	peek_va = scratch_page();
	for (i = 0; i < NGNT; i++)
		gnt_va[i] = scratch_page();
	for (i = 0; i < NWIN; i++) {
		win[i].va = scratch_page();
		win[i].last_mfn = va_to_mfn(win[i].va);
	}
	for (i = 0; i < NPOOL + NSHARE; i++) {
		pool[i].va = scratch_page();
		pool[i].pfn = (pool[i].va - GUEST_VIRT_BASE) >> 12;
		pool[i].mfn = va_to_mfn(pool[i].va);
		pool[i].old_mfn = NO_MFN;
	}
	return 0;
}

static void grant_shared_pool(void)
{
	unsigned int i;

	for (i = 0; i < NSHARE; i++)
		grant_write(REF_SHARE + i, other, pool[NPOOL + i].mfn, GTF_permit_access);
}

static uint64_t now_ns(void)
{
	return pvclock_ns();
}

/*
 * Waits, yielding, until *flag is set (true) or the other side's count of
 * calls (side: 0 dom0, 1 the peer) stops moving for PEER_WAIT_NS (false,
 * with the last count in *seen).
 */
static bool wait_flag(volatile uint32_t *flag, int side, uint64_t *seen)
{
	uint64_t t0 = now_ns();

	*seen = box->progress[side];
	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE)) {
		if (box->progress[side] != *seen) {
			*seen = box->progress[side];
			t0 = now_ns();
		}
		if (now_ns() - t0 > PEER_WAIT_NS)
			return false;
		answer_peer();
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	}
	return true;
}

/*
 * The peer stays up until dom0 has made its last check (or stopped
 * moving): dom0 may map any of the peer's frames, and a dying domain's
 * frames are no one's to ask the hypervisor about (mmu_update refuses a
 * dying foreigndom), so its walk would find them "not ours".
 */
static void wait_for_dom0(void)
{
	uint64_t seen;

	if (!wait_flag(&box->dom0_done, 0, &seen))
		printf("peer: dom0 stopped after %lu calls\n", (unsigned long)seen);
}

static void __attribute__((noreturn)) peer(struct start_info *start)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, 0, 0 };
	uint64_t t0;
	bool ok;

	me = 1;
	other = 0;
	if (setup(start)) {
		printf("peer: setup failed\n");
		shutdown(SHUTDOWN_crash);
	}
	box = (struct mailbox *)scratch_page();
	if (grant_frames(1)) {
		printf("peer: no grant table\n");
		shutdown(SHUTDOWN_crash);
	}
	hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, &au);
	box->port[1] = au.port;
	grant_shared_pool();
	grant_write(REF_MAILBOX, 0, va_to_mfn((uint64_t)box), GTF_permit_access);
	for (t0 = now_ns(); !box->go; )
		if (now_ns() - t0 > PEER_WAIT_NS) {
			printf("peer: dom0 never said go\n");
			shutdown(SHUTDOWN_poweroff);
		} else {
			hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
		}
	max_calls = box->calls;
	self_id = (domid_t)box->peer_id;
	trace = box->trace;
	actions_off(box->off);
	ok = fuzz(box->seed);
	if (!ok)
		snprintf(box->why, sizeof(box->why), "step %lu (%s, after %lu calls): %s",
			 (unsigned long)step, action, (unsigned long)calls, why);
	__atomic_store_n(&box->done, ok ? 1 : 2, __ATOMIC_RELEASE);
	printf("peer: %s after %lu calls\n", ok ? "done" : "FAILED", (unsigned long)calls);
	wait_for_dom0();
	shutdown(SHUTDOWN_poweroff);
}

/* Maps the peer's mailbox (its ref 7), which it grants once it is up. */
static long map_mailbox(void)
{
	struct gnttab_map_grant_ref op;
	uint64_t va = scratch_page(), t0 = now_ns();

	do {
		op = (struct gnttab_map_grant_ref){ va, GNTMAP_host_map, REF_MAILBOX, other, 0, 0, 0 };
		if (!hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, &op, 1) &&
		    op.status == GNTST_okay) {
			box = (struct mailbox *)va;
			while (!__atomic_load_n(&box->npub[1], __ATOMIC_ACQUIRE))
				hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
			return 0;
		}
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	} while (now_ns() - t0 < PEER_WAIT_NS);
	return op.status;
}

/* Waits for the peer's verdict; a peer that stops moving is a failure too. */
static int wait_for_peer(void)
{
	uint64_t seen;

	CHECK(wait_flag(&box->done, 1, &seen), "the peer stopped after %lu calls (seed=%lu)",
	      (unsigned long)seen, (unsigned long)box->seed);
	CHECK(box->done == 1, "peer (seed=%lu calls=%lu): %s", (unsigned long)box->seed,
	      (unsigned long)box->calls, box->why);
	return TEST_PASS;
}

int test_main(struct start_info *start)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, 0, 0 };
	uint64_t seed = arg(start->cmd_line, "seed=", 1);
	struct domctl dc;
	const char *off;
	int peer_id;
	bool ok;
	long rc;

	if (!(start->flags & SIF_INITDOMAIN))
		peer(start);
	max_calls = arg(start->cmd_line, "calls=", 3000);
	trace = arg(start->cmd_line, "trace=", 0);
	printf("fuzz: seed=%lu calls=%lu (per domain)\n", (unsigned long)seed,
	       (unsigned long)max_calls);
	CHECK(setup(start) == 0, "setup failed");
	peer_id = peer_start(start, "role=peer", 16);
	CHECK(peer_id > 0, "the peer domain could not be started (%d)", peer_id);
	other = (domid_t)peer_id;
	CHECK(grant_frames(1) == 0, "no grant table");
	rc = map_mailbox();
	CHECK(rc == 0, "mapping the peer's mailbox (its ref %u) gave %ld", REF_MAILBOX, rc);
	publish();
	au.remote_dom = other;
	hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, &au);
	box->port[0] = au.port;
	grant_shared_pool();
	box->seed = seed;
	box->calls = max_calls;
	box->peer_id = other;
	box->trace = trace;
	off = strstr_arg(start->cmd_line, "off=");
	strlcpy(box->off, off, sizeof(box->off));
	actions_off(box->off);
	__atomic_store_n(&box->go, 1, __ATOMIC_RELEASE);

	ok = fuzz(seed);
	__atomic_store_n(&box->dom0_done, 1, __ATOMIC_RELEASE);
	if (!ok)
		return fail("dom0 step %lu (%s): %s (replay: seed=%lu calls=%lu)",
			    (unsigned long)step, action, why, (unsigned long)seed,
			    (unsigned long)max_calls);
	printf("fuzz: dom0 done after %lu calls, %lu steps; waiting for the peer\n",
	       (unsigned long)calls, (unsigned long)step);
	if (wait_for_peer() != TEST_PASS)
		return TEST_FAIL;
	/* Its shutdown runs the hypervisor's audit of it (Lamina): let it print. */
	peer_wait_shutdown(other, &dc);
	printf("fuzz: seed=%lu: both domains done, every invariant held\n", (unsigned long)seed);
	return TEST_PASS;
}
