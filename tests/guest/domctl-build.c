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
 * (tsc_and_nodes) before its destroy.
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
	int id;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer(si);
	before = settled_free_pages();
	id = peer_build(si, 4096, "role=peer", PEER_MIB);
	buf = (char *)scratch_page();
	CHECK(id > 0, "the peer domain could not be built (%d)", id);
	CHECK(check_running((domid_t)id) == TEST_PASS, "the running peer");
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
	CHECK(domctl(&op, DOMCTL_destroydomain, (domid_t)id) == 0, "destroying it failed");
	return TEST_PASS;
}
