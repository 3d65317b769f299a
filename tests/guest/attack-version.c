// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-version: xen_version sub-ops at their edges, against Xen 4.17's
 * answers (conform.h), from dom0 and then from an unprivileged peer (this
 * guest again): XENVER_pagesize with an argument (-EINVAL: it takes none),
 * get_features for submaps past the first (-EINVAL), its submap 0 before,
 * while and after VMASST_TYPE_pae_extended_cr3 is on (XENFEAT_pae_pgdir_
 * above_4gb follows it, as Xen's), every other bit as before; unknown
 * sub-ops 11, 12, 0x7fffffff and -1 (-ENOSYS). The peer reports through
 * lib/peer_verdict.h; dom0's result line counts.
 * @domus: self:peer:role=peer
 */
#include "conform_peer.h"

#define VER(cmd, arg)	hypercall2(__HYPERVISOR_xen_version, (uint64_t)(cmd), (uint64_t)(arg))
#define PAE_BIT		(1U << XENFEAT_pae_pgdir_above_4gb)


static long vm_assist(unsigned int cmd, unsigned int type)
{
	return hypercall2(__HYPERVISOR_vm_assist, cmd, type);
}

static void rows(void *arg)
{
	struct xen_feature_info fi = { 0, 0 };
	uint32_t before;
	static uint8_t page[64];

	(void)arg;
	ROW("xen_version pagesize", VER(XENVER_pagesize, 0), 4096);
	ROW("xen_version pagesize with an argument", VER(XENVER_pagesize, page), -EINVAL);
	ROW("xen_version pagesize with a hypervisor address", VER(XENVER_pagesize, BADPTR),
	    -EINVAL);
	ROW("get_features 0", VER(XENVER_get_features, &fi), 0);
	before = fi.submap;
	ROW("get_features 0: no pae_pgdir_above_4gb", before & PAE_BIT, 0);
	ROW("vm_assist enable pae_extended_cr3", vm_assist(VMASST_CMD_enable,
							   VMASST_TYPE_pae_extended_cr3), 0);
	ROW("get_features 0 with it", VER(XENVER_get_features, &fi), 0);
	ROW("get_features 0 with it: pae_pgdir_above_4gb and the rest", fi.submap,
	    before | PAE_BIT);
	ROW("vm_assist disable pae_extended_cr3", vm_assist(VMASST_CMD_disable,
							    VMASST_TYPE_pae_extended_cr3), 0);
	ROW("get_features 0 after", VER(XENVER_get_features, &fi), 0);
	ROW("get_features 0 after: as before", fi.submap, before);
	fi.submap_idx = 1;
	ROW("get_features 1", VER(XENVER_get_features, &fi), -EINVAL);
	fi.submap_idx = 0xffffffff;
	ROW("get_features 0xffffffff", VER(XENVER_get_features, &fi), -EINVAL);
	ROW("xen_version 11", VER(11, page), -ENOSYS);
	ROW("xen_version 12", VER(12, page), -ENOSYS);
	ROW("xen_version 0x7fffffff", VER(0x7fffffff, page), -ENOSYS);
	ROW("xen_version -1", VER(0xffffffff, page), -ENOSYS);
}

int test_main(struct start_info *si)
{
	return conform_dom0_and_peer(si, rows, NULL, "dom0 xen_version");
}
