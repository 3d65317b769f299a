// SPDX-License-Identifier: GPL-2.0-only
/*
 * domctl-memmap: the memory_op commands a toolstack issues for the domain
 * it builds, on Lamina and Xen 4.17. While dom0 builds a peer (lib/peer.c,
 * in the context hook, before the peer runs):
 *   - set_memory_map for it: more than E820MAX entries -EINVAL, domain 999
 *     -ESRCH, an unreadable list -EFAULT, then a two-entry map: 0;
 *   - claim_pages for it: no more than it has -EINVAL, above its max_pages
 *     -EINVAL, more than is free -ENOMEM, 1024 pages more than it has 0
 *     (physinfo then shows them outstanding), a second claim -EINVAL,
 *     cancelling 0 (outstanding back to what it was).
 * The peer's own memory_map then answers the toolstack's map (both
 * entries; one with room for one), as a domain built by libxl sees it.
 * @initrd: self
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/physinfo.h"
#include <lamina/domctl.h>
#include <lamina/memory.h>
#include <lamina/sysctl.h>

#define PEER_MIB	16
#define XENMEM_claim	24

static const struct e820_entry map[2] = {
	{ 0, PEER_MIB << 20, 1 },			/* RAM */
	{ (PEER_MIB + 1ULL) << 20, 1 << 20, 2 },	/* reserved */
};
static long hook_rc;
static char hook_why[120];

static long domctl(struct domctl *op, uint32_t cmd, domid_t dom)
{
	op->cmd = cmd;
	op->interface_version = DOMCTL_INTERFACE_VERSION;
	op->domain = dom;
	return hypercall1(__HYPERVISOR_domctl, op);
}

static uint64_t outstanding(void)
{
	struct sysctl op;

	return physinfo(&op) ? ~0ULL : op.u.physinfo.outstanding_pages;
}

/* The domain being built: the newest paused one with the peer's handle. */
static domid_t building(void)
{
	struct domctl op;
	domid_t id = 1, found = 0;

	while (domctl(&op, DOMCTL_getdomaininfo, id) == 0) {
		if (!memcmp(op.u.getdomaininfo.handle, "lamina-test-peer", 16) &&
		    (op.u.getdomaininfo.flags & DOMINF_paused))
			found = op.domain;
		id = op.domain + 1;
	}
	return found;
}

static long set_map(domid_t dom, uint32_t n, const void *buf)
{
	struct xen_foreign_memory_map f;

	memset(&f, 0, sizeof(f));
	f.domid = dom;
	f.map.nr_entries = n;
	f.map.buffer = (uint64_t)buf;
	return hypercall2(__HYPERVISOR_memory_op, XENMEM_set_memory_map, &f);
}

static long claim(domid_t dom, uint64_t pages)
{
	struct xen_memory_reservation r = { 0, pages, 0, 0, dom, { 0 } };

	return hypercall2(__HYPERVISOR_memory_op, XENMEM_claim, &r);
}

#define HOOK_CHECK(cond, ...)						\
	do {								\
		if (!hook_rc && !(cond)) {				\
			hook_rc = -1;					\
			snprintf(hook_why, sizeof(hook_why), __VA_ARGS__);	\
		}							\
	} while (0)

static void toolstack_calls(struct vcpu_guest_context *c)
{
	domid_t id = building();
	uint64_t pages = PEER_MIB << 8, before = outstanding();
	struct domctl op;
	long rc;

	(void)c;
	HOOK_CHECK(id, "the peer being built is not listed");
	HOOK_CHECK((rc = set_map(id, E820MAX + 1, map)) == -EINVAL, "%u entries gave %ld",
		   E820MAX + 1, rc);
	HOOK_CHECK((rc = set_map(999, 2, map)) == -ESRCH, "domain 999 gave %ld", rc);
	HOOK_CHECK((rc = set_map(id, 2, (void *)0xffff800000001000ULL)) == -EFAULT,
		   "a list in the hypervisor gave %ld", rc);
	HOOK_CHECK((rc = set_map(id, 2, map)) == 0, "set_memory_map gave %ld", rc);
	op.u.max_mem.max_memkb = ~0ULL >> 2;
	HOOK_CHECK(domctl(&op, DOMCTL_max_mem, id) == 0, "max_mem failed");
	HOOK_CHECK((rc = claim(id, pages)) == -EINVAL, "claiming what it has gave %ld", rc);
	HOOK_CHECK((rc = claim(id, pages + physinfo_free_pages() + 4096)) == -ENOMEM,
		   "claiming more than is free gave %ld", rc);
	HOOK_CHECK((rc = claim(id, pages + 1024)) == 0, "claiming 1024 more gave %ld", rc);
	HOOK_CHECK(outstanding() == before + 1024, "outstanding %lu after the claim, %lu before",
		   (unsigned long)outstanding(), (unsigned long)before);
	HOOK_CHECK((rc = claim(id, pages + 2048)) == -EINVAL, "a second claim gave %ld", rc);
	HOOK_CHECK((rc = claim(id, 0)) == 0, "cancelling the claim gave %ld", rc);
	HOOK_CHECK(outstanding() == before, "outstanding %lu after cancelling, %lu before",
		   (unsigned long)outstanding(), (unsigned long)before);
	op.u.max_mem.max_memkb = pages * 4;
	HOOK_CHECK(domctl(&op, DOMCTL_max_mem, id) == 0, "max_mem back failed");
	HOOK_CHECK((rc = claim(id, pages + 1)) == -EINVAL, "claiming above max_pages gave %ld",
		   rc);
}

static void __attribute__((noreturn)) peer(struct start_info *si)
{
	static struct e820_entry got[4];
	static char why[VERDICT_LEN];
	uint64_t frame = 0, t0 = scratch_page();
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)&frame };
	struct xen_memory_map mm = { 4, 0, (uint64_t)got };
	struct verdict v;
	long rc1, rc2;
	uint32_t n1;

	rc1 = hypercall2(__HYPERVISOR_memory_op, XENMEM_memory_map, &mm);
	n1 = mm.nr_entries;
	mm.nr_entries = 1;
	rc2 = hypercall2(__HYPERVISOR_memory_op, XENMEM_memory_map, &mm);
	if (verdict_gnttab(GNTTABOP_setup_table, &st, 1) || st.status ||
	    update_va_mapping(t0, (frame << 12) | PTE_DATA, UVMF_INVLPG) ||
	    verdict_offer(&v, (struct grant_entry_v1 *)t0, (char *)scratch_page())) {
		printf("peer: no grant table or port\n");
		shutdown(SHUTDOWN_crash);
	}
	(void)si;
	if (rc1 || n1 != 2 || memcmp(got, map, sizeof(map)) || rc2 || mm.nr_entries != 1) {
		snprintf(why, sizeof(why), "memory_map gave %ld with %u entries (type %u), then "
			 "%ld with %u", rc1, n1, got[1].type, rc2, mm.nr_entries);
		verdict_send(&v, why);
	}
	printf("peer: my memory_map is the toolstack's\n");
	verdict_send(&v, NULL);
}

int test_main(struct start_info *si)
{
	struct domctl op;
	int id, rc;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer(si);
	peer_context_hook = toolstack_calls;
	id = peer_build(si, 4096, "role=peer", PEER_MIB);
	CHECK(id > 0, "the peer could not be built (%d)", id);
	CHECK(hook_rc == 0, "%s", hook_why);
	rc = verdict_result((domid_t)id);
	if (rc != TEST_PASS)
		return rc;
	peer_wait_shutdown((domid_t)id, &op);
	CHECK(domctl(&op, DOMCTL_destroydomain, (domid_t)id) == 0, "destroying the peer failed");
	peer_unmap_console();
	return TEST_PASS;
}
