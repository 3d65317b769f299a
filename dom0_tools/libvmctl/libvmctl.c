// SPDX-License-Identifier: GPL-2.0-only
/* libvmctl (see libvmctl.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <lamina/io/privcmd.h>
#include <lamina/hypercall.h>
#include <lamina/hvm_op.h>
#include "libvmctl.h"

#define PRIVCMD		"/dev/xen/privcmd"

static int privcmd = -1;

long vmctl_hypercall(uint64_t op, uint64_t a0, uint64_t a1)
{
	struct privcmd_hypercall h = { .op = op, .arg = { a0, a1 } };
	long rc;

	if (privcmd < 0) {
		privcmd = open(PRIVCMD, O_RDWR | O_CLOEXEC);
		if (privcmd < 0) {
			fprintf(stderr, "vmctl: cannot open %s: %s (not in dom0?)\n", PRIVCMD,
				strerror(errno));
			exit(1);
		}
	}
	rc = ioctl(privcmd, IOCTL_PRIVCMD_HYPERCALL, &h);
	return rc < 0 ? -errno : rc;
}

long vmctl_domain_info(unsigned int id, struct domctl_getdomaininfo *info)
{
	struct domctl op = { .cmd = DOMCTL_getdomaininfo,
			     .interface_version = DOMCTL_INTERFACE_VERSION,
			     .domain = (domid_t)id };
	long rc = vmctl_hypercall(__HYPERVISOR_domctl, (uint64_t)&op, 0);

	if (!rc)
		*info = op.u.getdomaininfo;
	return rc;
}

static long param(unsigned int id, uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = { .domid = (domid_t)id, .index = index };
	long rc = vmctl_hypercall(__HYPERVISOR_hvm_op, HVMOP_get_param, (uint64_t)&p);

	*value = p.value;
	return rc;
}

long vmctl_get_rings(unsigned int id, struct vmctl_rings *r)
{
	long rc = param(id, HVM_PARAM_STORE_PFN, &r->store_mfn);

	if (!rc)
		rc = param(id, HVM_PARAM_STORE_EVTCHN, &r->store_port);
	if (!rc)
		rc = param(id, HVM_PARAM_CONSOLE_PFN, &r->console_mfn);
	if (!rc)
		rc = param(id, HVM_PARAM_CONSOLE_EVTCHN, &r->console_port);
	return rc;
}

int vmctl_parse_id(const char *s, unsigned int *id)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno || v >= DOMID_FIRST_RESERVED) {
		fprintf(stderr, "vmctl: '%s' is not a domain id (0-%u)\n", s,
			DOMID_FIRST_RESERVED - 1);
		return -1;
	}
	*id = (unsigned int)v;
	return 0;
}

const char *vmctl_state_of(uint32_t flags)
{
	static const char *const reasons[] = { "powered off", "rebooted", "suspended",
					       "crashed" };
	unsigned int why = (flags >> DOMINF_SHUTDOWN_SHIFT) & 0xFF;

	if (flags & DOMINF_dying)
		return "dying";
	if (flags & DOMINF_shutdown)
		return why < 4 ? reasons[why] : "shut down";
	if (flags & DOMINF_running)
		return "running";
	if (flags & DOMINF_blocked)
		return "blocked";
	return "runnable";
}

struct xs_handle *vmctl_store(bool quiet)
{
	struct xs_handle *h;
	int rc = xs_open(NULL, &h);

	if (rc) {
		if (!quiet)
			fprintf(stderr, "vmctl: cannot reach xenstored at %s: %s\n",
				xs_default_socket(), strerror(-rc));
		return NULL;
	}
	return h;
}
/* /local/domain/<id>/<rel> = val (a directory when val is NULL). */
int vmctl_put(struct xs_handle *h, unsigned int id, const char *rel, const char *val)
{
	char path[96];
	int rc;

	snprintf(path, sizeof(path), "/local/domain/%u%s%s", id, *rel ? "/" : "", rel);
	rc = val ? xs_write(h, 0, path, val, strlen(val)) : xs_mkdir(h, 0, path);
	if (rc)
		fprintf(stderr, "vmctl: d%u: cannot write %s: %s\n", id, path, strerror(-rc));
	return rc;
}

int vmctl_put_num(struct xs_handle *h, unsigned int id, const char *rel, unsigned long long v)
{
	char val[24];

	snprintf(val, sizeof(val), "%llu", v);
	return vmctl_put(h, id, rel, val);
}
