// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmctl resume DOM: a suspended domain runs on with its suspend
 * cancelled, as libxc's xc_domain_resume with fast set (xl calls it when
 * a save fails; xl has no verb of its own for it). Only a domain shut
 * down with reason suspend: vCPU 0's rax becomes 1, which its
 * SCHEDOP_shutdown returns (a guest with SUSPEND_CANCEL keeps its
 * devices and connections), then domctl resumedomain, then XS_RESUME
 * (as libxl, so xenstored tells the domain's next shutdown again).
 */
#include <stdio.h>
#include <string.h>
#include "dominfo.h"
#include "domctl.h"
#include "vmctl.h"

int cmd_resume(int argc, char **argv)
{
	static struct vcpu_guest_context ctx;	/* the hypervisor writes it: touched below */
	struct domctl_getdomaininfo info;
	struct xs_handle *h;
	unsigned int id;
	long rc;

	if (argc != 2 || argv[1][0] == '-')
		return vmctl_bad_args("resume", argc, argv, 1, 1, 1, "DOM");
	if (vmctl_domain_arg(argv[1], &id, false))
		return 1;
	rc = vmctl_dom_info(id, &info);
	if (!rc && dominfo_shutdown_reason(info.flags) != SHUTDOWN_suspend) {
		fprintf(stderr, "vmctl: domain %u is not suspended (%s)\n", id,
			vmctl_state_of(info.flags));
		return 1;
	}
	memset(&ctx, 0, sizeof(ctx));
	if (!rc)
		rc = vmctl_dom_getvcpucontext(id, 0, &ctx);
	if (!rc) {
		ctx.user_regs.rax = 1;
		rc = vmctl_dom_setvcpucontext(id, 0, &ctx);
	}
	if (!rc)
		rc = vmctl_dom_simple(DOMCTL_resumedomain, id);
	if (rc) {
		fprintf(stderr, "vmctl: resume of domain %u failed: %s\n", id, strerror((int)-rc));
		return 1;
	}
	h = vmctl_store(false);
	if (!h)
		return 1;
	rc = xs_resume(h, id);
	xs_close(h);
	if (rc) {
		fprintf(stderr, "vmctl: domain %u resumed; XS_RESUME failed: %s\n", id,
			strerror((int)-rc));
		return 1;
	}
	return 0;
}
