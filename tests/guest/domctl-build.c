// SPDX-License-Identifier: GPL-2.0-only
/*
 * domctl-build: dom0 builds a domain at run time and ends it, the same
 * raw hypercalls on Lamina and on Xen 4.17 (lib/peer.c: createdomain,
 * max_vcpus, max_mem, populate_physmap for it, its memory written through
 * foreign mmu_update, its L4 pinned with foreigndom, setvcpucontext,
 * unpausedomain), from this guest's own ELF given to dom0 as its initrd.
 * The peer runs (XENVER_guest_handle gives it the handle createdomain
 * was given), reports through lib/peer_verdict.h and powers off; dom0
 * sees it running, then shut down with code 0 (a domain the toolstack
 * made waits for it), destroys it (twice: the second is 0 too), sees it
 * listed dying while dom0 still maps its console page, and gone once
 * that mapping goes; free memory (physinfo) is then exactly what it was
 * before the build, and the id can be taken again. Right after the
 * destroy, physinfo's scrub_pages (freed frames not yet zeroed) has not
 * grown by the peer's memory: Lamina's destroy zeroes the frames it frees
 * (issue 17) before it returns; Xen 4.17 reports 0 there. The id taken
 * again gets settscinfo and setnodeaffinity as libxl's build gives them
 * (tsc_and_nodes) and set_cpu_policy's answers (cpu_policy_rows) before
 * its destroy; set_cpu_policy on dom0 itself is -EINVAL, on the running
 * peer -EEXIST. The peer is given a policy without CX8 before it runs
 * (without_cx8), which its forced CPUID shows (peer_cpuid).
 * @initrd: self
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/physinfo.h"
#include <lamina/domctl.h>
#include <lamina/sysctl.h>

#define PEER_MIB	16
/*
 * Frames the destroy may free and leave to be zeroed later: its
 * hypervisor-side pages (the domain's and vCPU's records, grant table,
 * p2m: 265 seen on Lamina), not the peer's own 4095, which it must zero
 * itself (without that, 4360 more at --smp 1).
 */
#define DESTROY_DIRTY_SLACK	(PEER_MIB * 256 / 2)

static long domctl(struct domctl *op, uint32_t cmd, domid_t dom)
{
	op->cmd = cmd;
	op->interface_version = DOMCTL_INTERFACE_VERSION;
	op->domain = dom;
	return hypercall1(__HYPERVISOR_domctl, op);
}

static long info_of(domid_t dom, struct domctl_getdomaininfo *info)
{
	struct domctl op;
	long rc = domctl(&op, DOMCTL_getdomaininfo, dom);

	*info = op.u.getdomaininfo;
	return rc ? rc : op.domain != dom ? -ESRCH : 0;
}

/*
 * On a domain just made, as libxl's build makes them (Xen's own xl on
 * Lamina, docs/toolstack.md §8): settscinfo in the modes that need no
 * rdtsc emulation 0 (libxl's: DEFAULT, no frequency), an unknown mode
 * -EINVAL, ALWAYS_EMULATE 0 on Xen 4.17 and -EOPNOTSUPP on Lamina (it
 * never emulates rdtsc); setnodeaffinity with node 0 0 and read back,
 * without it -EINVAL.
 */
static long tsc_info(domid_t dom, uint32_t mode, uint32_t khz)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	op.u.tsc_info.tsc_mode = mode;
	op.u.tsc_info.gtsc_khz = khz;
	return domctl(&op, DOMCTL_settscinfo, dom);
}

static long node_map(domid_t dom, uint32_t cmd, uint8_t *map)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	op.u.nodeaffinity.bitmap = (uint64_t)map;
	op.u.nodeaffinity.nr_bits = 64;
	return domctl(&op, cmd, dom);
}

static int tsc_and_nodes(domid_t dom)
{
	uint8_t map[8] = { 0x02 };
	long rc;

	CHECK((rc = tsc_info(dom, TSC_MODE_DEFAULT, 0)) == 0, "settscinfo default: %ld", rc);
	CHECK((rc = tsc_info(dom, TSC_MODE_NEVER_EMULATE, 0)) == 0,
	      "settscinfo never_emulate: %ld", rc);
	CHECK((rc = tsc_info(dom, 7, 0)) == -EINVAL, "settscinfo mode 7: %ld", rc);
	rc = tsc_info(dom, TSC_MODE_ALWAYS_EMULATE, 0);
	CHECK(rc == (on_lamina() ? -EOPNOTSUPP : 0), "settscinfo always_emulate: %ld", rc);
	if (!rc)	/* back to the default on Xen */
		CHECK((rc = tsc_info(dom, TSC_MODE_DEFAULT, 0)) == 0, "settscinfo default: %ld", rc);
	CHECK((rc = node_map(dom, DOMCTL_setnodeaffinity, map)) == -EINVAL,
	      "setnodeaffinity without node 0: %ld", rc);
	map[0] = 0x05;
	CHECK((rc = node_map(dom, DOMCTL_setnodeaffinity, map)) == 0,
	      "setnodeaffinity nodes 0 and 2: %ld", rc);
	memset(map, 0xa5, sizeof(map));
	CHECK((rc = node_map(dom, DOMCTL_getnodeaffinity, map)) == 0 && map[0] == 0x05 &&
	      !map[1] && !map[7], "getnodeaffinity after it: %ld, %#x %#x", rc, map[0], map[1]);
	return TEST_PASS;
}

/*
 * set_cpu_policy (Xen 4.17's update_domain_cpu_policy) on a domain that
 * has not run, each value equal on Lamina and Xen by construction: its
 * own policy given back 0 and read back the same; CX8 (1.EDX[8], which
 * no feature depends on) taken away 0 and read back without it, the
 * rest of 1.EDX kept; the refusals with their err_* (~0 but the one at
 * fault): a leaf or subleaf with no room -ERANGE, an unknown MSR -ERANGE,
 * MSR flags -EINVAL, PLATFORM_INFO past 32 bits -EOVERFLOW, too many
 * entries -E2BIG, an unreadable array -EFAULT, leaf 0's or 0x80000000's
 * limit past the PV maximum -EINVAL; none of them changes the policy.
 * PLATFORM_INFO's CPUID faulting bit -EINVAL (err_msr 0xCE): Lamina never
 * offers it; Xen 4.17's PV maximum has it where the host CPU has CPUID
 * faulting, which QEMU's does not.
 */
#define NONE	0xffffffffU
static struct cpuid_leaf_entry pol[CPUID_MAX_SERIALISED_LEAVES], back[CPUID_MAX_SERIALISED_LEAVES];
static struct msr_entry pol_msr[MSR_MAX_SERIALISED], back_msr[MSR_MAX_SERIALISED];

static long cpu_policy(domid_t dom, uint32_t cmd, struct cpuid_leaf_entry *l, uint32_t nl,
		       struct msr_entry *m, uint32_t nm, struct domctl *op)
{
	memset(op, 0, sizeof(*op));
	op->u.cpu_policy.nr_leaves = nl;
	op->u.cpu_policy.nr_msrs = nm;
	op->u.cpu_policy.leaves = (uint64_t)l;
	op->u.cpu_policy.msrs = (uint64_t)m;
	return domctl(op, cmd, dom);
}

/* Read back: the same count and entries as pol/pol_msr. */
static int same_policy(domid_t dom, uint32_t nl, uint32_t nm)
{
	struct domctl op;
	long rc = cpu_policy(dom, DOMCTL_get_cpu_policy, back, CPUID_MAX_SERIALISED_LEAVES,
			     back_msr, MSR_MAX_SERIALISED, &op);

	CHECK(rc == 0 && op.u.cpu_policy.nr_leaves == nl && op.u.cpu_policy.nr_msrs == nm,
	      "get_cpu_policy: %ld, %u leaves, %u MSRs", rc, op.u.cpu_policy.nr_leaves,
	      op.u.cpu_policy.nr_msrs);
	for (uint32_t i = 0; i < nl; i++)
		CHECK(!memcmp(&pol[i], &back[i], sizeof(pol[i])),
		      "leaf %#x.%#x: %08x %08x %08x %08x, was %08x %08x %08x %08x", pol[i].leaf,
		      pol[i].subleaf, back[i].a, back[i].b, back[i].c, back[i].d, pol[i].a,
		      pol[i].b, pol[i].c, pol[i].d);
	CHECK(!memcmp(pol_msr, back_msr, nm * sizeof(pol_msr[0])), "the MSRs read back differ");
	return TEST_PASS;
}

/* One bad entry: its answer and err_* (e for leaf, subleaf, msr). */
static int refused(domid_t dom, const char *what, struct cpuid_leaf_entry *l, uint32_t nl,
		   struct msr_entry *m, uint32_t nm, long want, uint32_t el, uint32_t es,
		   uint32_t em)
{
	struct domctl op;
	long rc = cpu_policy(dom, DOMCTL_set_cpu_policy, l, nl, m, nm, &op);

	CHECK(rc == want && op.u.cpu_policy.err_leaf == el && op.u.cpu_policy.err_subleaf == es &&
	      op.u.cpu_policy.err_msr == em, "set_cpu_policy %s: %ld, err %#x %#x %#x", what, rc,
	      op.u.cpu_policy.err_leaf, op.u.cpu_policy.err_subleaf, op.u.cpu_policy.err_msr);
	return TEST_PASS;
}

static int cpu_policy_rows(domid_t dom)
{
	struct cpuid_leaf_entry e;
	struct msr_entry me;
	struct domctl op;
	uint32_t nl, nm, i, l1 = NONE, e1 = NONE;
	long rc = cpu_policy(dom, DOMCTL_get_cpu_policy, pol, CPUID_MAX_SERIALISED_LEAVES, pol_msr,
			     MSR_MAX_SERIALISED, &op);

	nl = op.u.cpu_policy.nr_leaves;
	nm = op.u.cpu_policy.nr_msrs;
	CHECK(rc == 0 && nl > 2 && nm == 2, "get_cpu_policy: %ld, %u leaves, %u MSRs", rc, nl, nm);
	CHECK((rc = cpu_policy(dom, DOMCTL_set_cpu_policy, pol, nl, pol_msr, nm, &op)) == 0,
	      "set_cpu_policy of its own policy: %ld, err %#x %#x %#x", rc,
	      op.u.cpu_policy.err_leaf, op.u.cpu_policy.err_subleaf, op.u.cpu_policy.err_msr);
	CHECK(same_policy(dom, nl, nm) == TEST_PASS, "its own policy read back");
	for (i = 0; i < nl; i++)
		if (pol[i].leaf == 1)
			l1 = i;
		else if (pol[i].leaf == 0x80000001)
			e1 = i;
	CHECK(l1 != NONE && e1 != NONE && (pol[l1].d & (1U << 8)),
	      "no leaf 1 with CX8");
	/* AMD repeats it in 0x80000001 EDX (Xen's common_1d); Intel has 0 there */
	pol[l1].d &= ~(1U << 8);
	pol[e1].d &= ~(1U << 8);
	e = pol[e1];
	CHECK((rc = cpu_policy(dom, DOMCTL_set_cpu_policy, &pol[l1], 1, NULL, 0, &op)) == 0,
	      "set_cpu_policy without CX8 (leaf 1): %ld", rc);
	CHECK((rc = cpu_policy(dom, DOMCTL_set_cpu_policy, &e, 1, NULL, 0, &op)) == 0,
	      "set_cpu_policy without CX8 (leaf 0x80000001): %ld", rc);
	CHECK(same_policy(dom, nl, nm) == TEST_PASS, "the policy without CX8 read back");

#define REFUSED(...) CHECK(refused(dom, __VA_ARGS__) == TEST_PASS, "a refusal")
	e = (struct cpuid_leaf_entry){ .leaf = 0xE, .subleaf = NONE };
	REFUSED("leaf 0xe", &e, 1, NULL, 0, -ERANGE, 0xE, NONE, NONE);
	e = (struct cpuid_leaf_entry){ .leaf = 4, .subleaf = 6 };
	REFUSED("leaf 4.6", &e, 1, NULL, 0, -ERANGE, 4, 6, NONE);
	e = (struct cpuid_leaf_entry){ .leaf = 1, .subleaf = 0 };
	REFUSED("leaf 1.0", &e, 1, NULL, 0, -ERANGE, 1, 0, NONE);
	e = (struct cpuid_leaf_entry){ .leaf = 0x80000022, .subleaf = NONE };
	REFUSED("leaf 0x80000022", &e, 1, NULL, 0, -ERANGE, 0x80000022, NONE, NONE);
	me = (struct msr_entry){ .idx = 0x10 };
	REFUSED("MSR 0x10", NULL, 0, &me, 1, -ERANGE, NONE, NONE, 0x10);
	me = (struct msr_entry){ .idx = 0x10A, .flags = 1 };
	REFUSED("MSR flags", NULL, 0, &me, 1, -EINVAL, NONE, NONE, 0x10A);
	me = (struct msr_entry){ .idx = 0xCE, .val = 1ULL << 32 };
	REFUSED("PLATFORM_INFO 1 << 32", NULL, 0, &me, 1, -EOVERFLOW, NONE, NONE, 0xCE);
	REFUSED("121 leaves", pol, CPUID_MAX_SERIALISED_LEAVES + 1, NULL, 0, -E2BIG, NONE, NONE,
		NONE);
	REFUSED("3 MSRs", NULL, 0, pol_msr, MSR_MAX_SERIALISED + 1, -E2BIG, NONE, NONE, NONE);
	REFUSED("leaves at 8", (struct cpuid_leaf_entry *)8, 1, NULL, 0, -EFAULT, NONE, NONE, NONE);
	e = pol[0];
	e.a = 0x100;
	REFUSED("leaf 0 limit 0x100", &e, 1, NULL, 0, -EINVAL, 0, NONE, NONE);
	e = (struct cpuid_leaf_entry){ .leaf = 0x80000000, .subleaf = NONE, .a = 0x80000100 };
	REFUSED("leaf 0x80000000 limit 0x80000100", &e, 1, NULL, 0, -EINVAL, 0x80000000, NONE, NONE);
	CHECK(same_policy(dom, nl, nm) == TEST_PASS, "the policy after the refusals");
	me = (struct msr_entry){ .idx = 0xCE, .val = 1 };
	REFUSED("CPUID faulting", NULL, 0, &me, 1, -EINVAL, NONE, NONE, 0xCE);
#undef REFUSED
	return TEST_PASS;
}

/*
 * The policy dom0 set for the peer before it ran (without_cx8): its
 * forced CPUID's leaf 1 has no CX8 on both; on Lamina a plain CPUID
 * still runs on the CPU and has it (no CPUID faulting; Xen 4.17 under
 * QEMU masks the plain one too, its levelling).
 */
static const char *peer_cpuid(void)
{
	uint32_t a, b, c, d;

	asm volatile("ud2; .ascii \"xen\"; cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(1), "c"(0));
	if (d & (1U << 8))
		return "its forced CPUID has CX8, which its policy took away";
	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (on_lamina() && !(d & (1U << 8)))
		return "its plain CPUID lost CX8: Lamina does not fault CPUID";
	return NULL;
}

/* The peer's hook, before it runs: its policy without CX8 (leaf 1 and AMD's copy). */
static long hook_rc = -1;

static void without_cx8(struct vcpu_guest_context *c)
{
	struct domctl op;
	uint32_t i, n;

	(void)c;
	if (cpu_policy(peer_building(), DOMCTL_get_cpu_policy, pol, CPUID_MAX_SERIALISED_LEAVES,
		       NULL, 0, &op))
		return;
	n = op.u.cpu_policy.nr_leaves;
	for (i = 0; i < n; i++)
		if (pol[i].leaf == 1 || pol[i].leaf == 0x80000001)
			pol[i].d &= ~(1U << 8);
	hook_rc = cpu_policy(peer_building(), DOMCTL_set_cpu_policy, pol, n, NULL, 0, &op);
}

/* The peer: a domain like any other, its start of day as a builder left it. */
static void __attribute__((noreturn)) peer(struct start_info *si)
{
	uint64_t frame = 0, t0 = scratch_page(), t1;
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)&frame };
	struct evtchn_alloc_unbound au = { DOMID_SELF, 0, 0 };
	struct verdict v;
	const char *why = NULL;
	uint8_t handle[16];

	if (verdict_gnttab(GNTTABOP_setup_table, &st, 1) || st.status ||
	    update_va_mapping(t0, (frame << 12) | PTE_DATA, UVMF_INVLPG) ||
	    verdict_offer(&v, (struct grant_entry_v1 *)t0, (char *)scratch_page())) {
		printf("peer: no grant table or port\n");
		shutdown(SHUTDOWN_crash);
	}
	t1 = pvclock_ns();
	if (si->nr_pages != PEER_MIB * 256 || (si->flags & SIF_INITDOMAIN))
		why = "its start_info is wrong";
	else if (evtchn_op(EVTCHNOP_alloc_unbound, &au) || au.port != 2)
		why = "alloc_unbound did not give port 2";
	else if (pvclock_ns() < t1)
		why = "its clock went back";
	else if (hypercall2(__HYPERVISOR_xen_version, XENVER_guest_handle, (uint64_t)handle) ||
		 memcmp(handle, "lamina-test-peer", 16))
		why = "xen_version guest_handle is not the handle createdomain gave";
	else
		why = peer_cpuid();
	printf("peer: running, built at run time with %lu pages\n", (unsigned long)si->nr_pages);
	verdict_send(&v, why);
}

/* Running, unpaused, its memory and vCPU as the builder set them. */
static int check_running(domid_t id)
{
	struct domctl_getdomaininfo i;
	long rc = info_of(id, &i);

	CHECK(rc == 0 && !(i.flags & (DOMINF_paused | DOMINF_shutdown | DOMINF_dying)) &&
	      (i.flags & 0xffff0000U) == 0xffff0000U && i.nr_online_vcpus == 1 &&
	      i.max_vcpu_id == 0 && i.tot_pages == PEER_MIB * 256 &&
	      i.max_pages == PEER_MIB * 256 && !memcmp(i.handle, "lamina-test-peer", 16),
	      "the built peer: %ld, flags %#x, %u online, %lu of %lu pages", rc, i.flags,
	      i.nr_online_vcpus, (unsigned long)i.tot_pages, (unsigned long)i.max_pages);
	return TEST_PASS;
}

/* Powered off, destroyed, dying while we map a page of it, then gone. */
static int end_peer(domid_t id)
{
	struct domctl_getdomaininfo i;
	struct domctl op;
	struct sysctl pi;
	unsigned int tries;
	uint64_t dirty;
	long rc = 0;

	for (tries = 0; peer_wait_more(&tries, 100000);) {
		rc = info_of(id, &i);
		if (rc || (i.flags & DOMINF_shutdown))
			break;
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	}
	CHECK(rc == 0 && (i.flags & 0x00ff0005U) == DOMINF_shutdown,
	      "the powered-off peer: %ld, flags %#x", rc, i.flags);
	dirty = physinfo(&pi) ? ~0ULL : pi.u.physinfo.scrub_pages;
	CHECK((rc = domctl(&op, DOMCTL_destroydomain, id)) == 0, "destroying it: %ld", rc);
	CHECK(physinfo(&pi) == 0 && dirty != ~0ULL &&
	      pi.u.physinfo.scrub_pages <= dirty + DESTROY_DIRTY_SLACK,
	      "the destroy left its frames to be zeroed: %lu frames not zeroed before, %lu after",
	      (unsigned long)dirty, (unsigned long)pi.u.physinfo.scrub_pages);
	printf("destroy: %lu frames freed not zeroed before, %lu after\n", (unsigned long)dirty,
	       (unsigned long)pi.u.physinfo.scrub_pages);
	rc = info_of(id, &i);
	CHECK(rc == 0 && (i.flags & DOMINF_dying) && i.tot_pages == 1,
	      "destroyed, its console page still mapped: %ld, flags %#x, %lu pages", rc, i.flags,
	      (unsigned long)i.tot_pages);
	CHECK((rc = domctl(&op, DOMCTL_destroydomain, id)) == 0, "destroying it again: %ld", rc);
	peer_unmap_console();
	for (tries = 0; info_of(id, &i) != -ESRCH && peer_wait_more(&tries, 10000);)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	CHECK(info_of(id, &i) == -ESRCH, "still listed with its last page unmapped: flags %#x",
	      i.flags);
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	struct domctl op;
	uint64_t before, after;
	char *buf;
	long rc;
	int id;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer(si);
	before = settled_free_pages();
	peer_context_hook = without_cx8;
	id = peer_build(si, 4096, "role=peer", PEER_MIB);
	peer_context_hook = NULL;
	buf = (char *)scratch_page();
	CHECK(id > 0, "the peer domain could not be built (%d)", id);
	CHECK(hook_rc == 0, "set_cpu_policy on the peer before it ran: %ld", hook_rc);
	CHECK(check_running((domid_t)id) == TEST_PASS, "the running peer");
	CHECK((rc = cpu_policy((domid_t)id, DOMCTL_set_cpu_policy, NULL, 0, NULL, 0, &op)) ==
	      -EEXIST, "set_cpu_policy on the running peer: %ld", rc);
	CHECK((rc = cpu_policy(0, DOMCTL_set_cpu_policy, NULL, 0, NULL, 0, &op)) == -EINVAL,
	      "set_cpu_policy on dom0 itself: %ld", rc);
	CHECK(verdict_receive((domid_t)id, buf) == 0, "%s", buf);
	peer_console_flush();
	CHECK(!strcmp(buf, "ok"), "peer: %s", buf);
	CHECK(end_peer((domid_t)id) == TEST_PASS, "the peer's end");
	after = settled_free_pages();
	printf("d%d built, run and destroyed: %lu free pages before, %lu after\n", id,
	       (unsigned long)before, (unsigned long)after);
	CHECK(after == before, "free pages %lu before the peer, %lu after", (unsigned long)before,
	      (unsigned long)after);
	memset(&op, 0, sizeof(op));
	op.u.createdomain.max_vcpus = 1;
	op.u.createdomain.max_grant_frames = -1;
	op.u.createdomain.max_maptrack_frames = -1;
	op.u.createdomain.grant_opts = 1;
	CHECK(domctl(&op, DOMCTL_createdomain, (domid_t)id) == 0 && op.domain == id,
	      "taking d%d's id again failed", id);
	CHECK(tsc_and_nodes((domid_t)id) == TEST_PASS, "settscinfo or setnodeaffinity");
	CHECK(cpu_policy_rows((domid_t)id) == TEST_PASS, "set_cpu_policy");
	CHECK(domctl(&op, DOMCTL_destroydomain, (domid_t)id) == 0, "destroying it failed");
	return TEST_PASS;
}
