// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioport-grant: dom0's DOMCTL_ioport_permission for a PV domU, and the
 * domU's port I/O with it, against Xen 4.17 (its arch.ioport_caps, and
 * guest_io_okay / admin_io_okay in pv/emul-priv-op.c: the virtual IOPL
 * decides whether in/out is a #GP, the domain's ports whether it reaches
 * the port or reads all ones).
 *   dom0 starts the peer, gives it ports 0x90-0x93, takes back 0x90-0x91
 *   and 0x93 (0x92 stays: a cut from the front, one from the back), and
 *   is refused the PIT's 0x40-0x43 (not dom0's to give: -EPERM), all
 *   before it binds the peer's verdict port, which the peer waits for.
 *   The peer, at IOPL 1 (PHYSDEVOP_set_iopl, kernel mode): inb 0x92
 *   (system control port A, only read) reaches the port, so not all
 *   ones; inw 0x92 (0x93 not given) goes a byte at a time, as Xen's: the
 *   port's byte and all ones; inb 0x80 (never given) reads all ones. Then dom0 takes 0x92 back too, and gives a second domain it
 *   makes 17 ranges apart (the 17th: Lamina's list holds 16, -ENOMEM;
 *   Xen 0), one range over those 16 (merged: 15 more apart fit), takes
 *   them all back, gives one range and cuts a hole in it; then it gives
 *   that domain VGA's frames (0 on both; the mappings: iomem-grant),
 *   takes them back, is refused the MSI range, and reads its CPU
 *   policy: the default PV one (sysctl get_cpu_policy), leaf for leaf.
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/domctl.h"
#include <lamina/physdev.h>
#include <lamina/sysctl.h>

static char why[VERDICT_LEN];

/* ioport_permission or iomem_permission of dom: ports or frames first to first + nr - 1. */
static long grant(uint32_t cmd, domid_t dom, uint64_t first, uint64_t nr, uint8_t allow)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	if (cmd == DOMCTL_iomem_permission) {
		op.u.iomem_permission.first_mfn = first;
		op.u.iomem_permission.nr_mfns = nr;
		op.u.iomem_permission.allow_access = allow;
	} else {
		op.u.ioport_permission.first_port = (uint32_t)first;
		op.u.ioport_permission.nr_ports = (uint32_t)nr;
		op.u.ioport_permission.allow_access = allow;
	}
	return domctl_call(&op, cmd, dom);
}

static long ioport(domid_t dom, uint32_t first, uint32_t nr, uint8_t allow)
{
	return grant(DOMCTL_ioport_permission, dom, first, nr, allow);
}

static long iomem(domid_t dom, uint64_t first, uint64_t nr, uint8_t allow)
{
	return grant(DOMCTL_iomem_permission, dom, first, nr, allow);
}

static int peer_body(void)
{
	struct physdev_set_iopl iopl = { 1 };
	uint8_t b, given;
	uint16_t w;
	long rc;

	rc = hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &iopl);
	PEER_CHECK(rc == 0, "set_iopl(1) gave %ld", rc);
	asm volatile("inb %%dx, %%al" : "=a"(given) : "d"(0x92));
	PEER_CHECK(given != 0xff, "inb 0x92 (given) read %#x: not the port", given);
	asm volatile("inw %%dx, %%ax" : "=a"(w) : "d"(0x92));
	PEER_CHECK(w == (0xff00 | given), "inw 0x92 (0x93 not given) read %#x, not %#x", w,
		   0xff00 | given);
	asm volatile("inb %%dx, %%al" : "=a"(b) : "d"(0x80));
	PEER_CHECK(b == 0xff, "inb 0x80 (not given) read %#x, not all ones", b);
	printf("peer: inb 0x92 (given) %#x, inw 0x92 %#x (0x93 not given), inb 0x80 (not given) "
	       "all ones\n", given, w);
	return 0;
}

static void __attribute__((noreturn)) peer(void)
{
	struct verdict v;

	verdict_offer_frame0(&v);
	verdict_send(&v, peer_body() ? why : NULL);
}

static struct cpuid_leaf_entry dom_leaves[CPUID_MAX_SERIALISED_LEAVES];
static struct cpuid_leaf_entry def_leaves[CPUID_MAX_SERIALISED_LEAVES];
static struct msr_entry dom_msrs[MSR_MAX_SERIALISED], def_msrs[MSR_MAX_SERIALISED];

/*
 * MMIO and the CPU policy of a domU dom0 made (never started): a grant
 * of VGA's frames (0), taking them back (0), the MSI range (-EPERM: not
 * dom0's); its
 * policy has the default PV one's leaves, and their values for the basic
 * ones, on both (a domain the toolstack gave no policy: on Xen pv_def's
 * after its recalculation, which under QEMU changes 0x80000001's EDX and
 * 0x80000008's address widths; Lamina's one PV view, all alike).
 */
static int domu_iomem_policy(domid_t id)
{
	struct domctl op;
	struct sysctl sop;
	uint32_t n, i;
	long rc;

	rc = iomem(id, 0xa0, 0x20, 1);
	printf("iomem_permission VGA to d%u: %ld\n", id, rc);
	CHECK(rc == 0, "giving VGA's frames to a domU gave %ld", rc);
	CHECK((rc = iomem(id, 0xa0, 0x20, 0)) == 0, "taking them back gave %ld", rc);
	CHECK((rc = iomem(id, 0xfee00, 0x100, 1)) == -EPERM, "giving the MSI range gave %ld", rc);

	memset(&op, 0, sizeof(op));
	op.u.cpu_policy.nr_leaves = CPUID_MAX_SERIALISED_LEAVES;
	op.u.cpu_policy.nr_msrs = MSR_MAX_SERIALISED;
	op.u.cpu_policy.leaves = (uint64_t)dom_leaves;
	op.u.cpu_policy.msrs = (uint64_t)dom_msrs;
	CHECK((rc = domctl_call(&op, DOMCTL_get_cpu_policy, id)) == 0,
	      "get_cpu_policy of the domU gave %ld", rc);
	n = op.u.cpu_policy.nr_leaves;
	memset(&sop, 0, sizeof(sop));
	sop.cmd = SYSCTL_get_cpu_policy;
	sop.interface_version = SYSCTL_INTERFACE_VERSION;
	sop.u.cpu_policy.index = CPU_POLICY_pv_default;
	sop.u.cpu_policy.nr_leaves = CPUID_MAX_SERIALISED_LEAVES;
	sop.u.cpu_policy.nr_msrs = MSR_MAX_SERIALISED;
	sop.u.cpu_policy.leaves = (uint64_t)def_leaves;
	sop.u.cpu_policy.msrs = (uint64_t)def_msrs;
	CHECK((rc = hypercall1(__HYPERVISOR_sysctl, &sop)) == 0,
	      "get_cpu_policy pv_default gave %ld", rc);
	printf("the domU's policy: %u leaves, pv_default's %u\n", n, sop.u.cpu_policy.nr_leaves);
	CHECK(n == sop.u.cpu_policy.nr_leaves, "the domU's policy has %u leaves, pv_default's %u",
	      n, sop.u.cpu_policy.nr_leaves);
	for (i = 0; i < n; i++) {
		CHECK(dom_leaves[i].leaf == def_leaves[i].leaf &&
		      dom_leaves[i].subleaf == def_leaves[i].subleaf,
		      "entry %u: the domU's leaf %#x.%#x, pv_default's %#x.%#x", i,
		      dom_leaves[i].leaf, dom_leaves[i].subleaf, def_leaves[i].leaf,
		      def_leaves[i].subleaf);
		CHECK(dom_leaves[i].leaf >= 0x80000000U ||
		      !memcmp(&dom_leaves[i], &def_leaves[i], sizeof(dom_leaves[0])),
		      "leaf %#x.%#x: the domU's %08x %08x %08x %08x, pv_default's %08x %08x %08x %08x",
		      dom_leaves[i].leaf, dom_leaves[i].subleaf, dom_leaves[i].a, dom_leaves[i].b,
		      dom_leaves[i].c, dom_leaves[i].d, def_leaves[i].a, def_leaves[i].b,
		      def_leaves[i].c, def_leaves[i].d);
	}
	CHECK(dom_msrs[0].idx == def_msrs[0].idx && dom_msrs[1].idx == def_msrs[1].idx,
	      "the MSRs' order");
	return TEST_PASS;
}

/* A second domain of dom0's: 16 ranges apart fit, the 17th is Lamina's -ENOMEM. */
static int ranges_limit(void)
{
	unsigned int i;
	domid_t id;
	long rc = 0;

	CHECK(domctl_create(&id, "lamina-ioport-16") == 0, "createdomain failed");
	for (i = 0; i < 17 && !rc; i++)
		rc = ioport(id, 0x100 + 4 * i, 2, 1);
	printf("17 ranges apart: the %uth answered %ld\n", i, rc);
	CHECK(on_lamina() ? (i == 17 && rc == -ENOMEM) : rc == 0,
	      "17 ranges apart: the %uth answered %ld", i, rc);
	/* One range over all 16 takes them in: room for 15 more apart. */
	CHECK((rc = ioport(id, 0x100, 0x40, 1)) == 0, "a range over the 16 gave %ld", rc);
	for (i = 0, rc = 0; i < 15 && !rc; i++)
		rc = ioport(id, 0x200 + 4 * i, 2, 1);
	CHECK(rc == 0, "15 more ranges apart after the merge: the %uth answered %ld", i, rc);
	CHECK((rc = ioport(id, 0x100, 0x200, 0)) == 0, "taking all back gave %ld", rc);
	CHECK((rc = ioport(id, 0x100, 0x40, 1)) == 0, "one range after that gave %ld", rc);
	CHECK((rc = ioport(id, 0x110, 0x10, 0)) == 0, "a hole in it gave %ld", rc);
	CHECK(domu_iomem_policy(id) == TEST_PASS, "the domU's MMIO and CPU policy");
	CHECK(domctl_destroy(id) == 0, "destroying it failed");
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	int peer_id;
	long rc;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer();
	peer_id = peer_start(si, "role=peer", 16);
	CHECK(peer_id > 0, "the peer domain could not be started (%d)", peer_id);
	CHECK((rc = ioport(peer_id, 0x90, 4, 1)) == 0, "giving 0x90-0x93 gave %ld", rc);
	CHECK((rc = ioport(peer_id, 0x90, 2, 0)) == 0, "taking 0x90-0x91 back gave %ld", rc);
	CHECK((rc = ioport(peer_id, 0x93, 1, 0)) == 0, "taking 0x93 back gave %ld", rc);
	CHECK((rc = ioport(peer_id, 0x40, 4, 1)) == -EPERM, "giving the PIT gave %ld", rc);
	CHECK(verdict_result((domid_t)peer_id) == TEST_PASS, "the peer's verdict");
	CHECK((rc = ioport(peer_id, 0x92, 1, 0)) == 0 || rc == -ESRCH,
	      "taking 0x92 back gave %ld", rc);
	CHECK(ranges_limit() == TEST_PASS, "the list's bound");
	return TEST_PASS;
}
