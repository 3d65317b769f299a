// SPDX-License-Identifier: GPL-2.0-only
/* libvmctl (see libvmctl.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lamina/hypercall.h>
#include <lamina/hvm_op.h>
#include "libvmctl.h"
#include "xendev.h"	/* dom0_tools/lib: the /dev/xen glue */

/* privcmd, opened on first use; without it vmctl can do nothing. */
static struct xendev *privcmd(void)
{
	static struct xendev dev = XENDEV_INIT;
	int rc = xendev_open(&dev, XENDEV_PRIVCMD);

	if (rc) {
		fprintf(stderr, "vmctl: cannot open /dev/xen/privcmd: %s (not in dom0?)\n",
			strerror(-rc));
		exit(1);
	}
	return &dev;
}

long vmctl_hypercall(uint64_t op, uint64_t a0, uint64_t a1)
{
	return xendev_hypercall(privcmd(), op, a0, a1, 0);
}

long vmctl_domain_info(unsigned int id, struct domctl_getdomaininfo *info)
{
	return xendev_domain_info(privcmd(), id, info);
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

int vmctl_domu_arg(const char *s, unsigned int *id, const char *dom0_note)
{
	struct domctl_getdomaininfo info;

	if (vmctl_parse_id(s, id))
		return 2;
	if (*id == 0) {
		fprintf(stderr, "vmctl: %s\n", dom0_note);
		return 1;
	}
	if (vmctl_domain_info(*id, &info) || info.domain != *id) {
		fprintf(stderr, "vmctl: d%u: no such domain\n", *id);
		return 1;
	}
	return 0;
}

int vmctl_parse_seconds(const char *s, double *secs)
{
	char *end;

	*secs = strtod(s, &end);
	if (*end || end == s || !(*secs >= 0)) {
		fprintf(stderr, "vmctl: a time in seconds, not '%s'\n", s);
		return -1;
	}
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

int vmctl_set_owner(struct xs_handle *h, unsigned int id, const char *rel, bool guest)
{
	char path[96], own[16], rd[16];
	const char *perms[] = { own, rd };
	int rc;

	snprintf(path, sizeof(path), "/local/domain/%u%s%s", id, *rel ? "/" : "", rel);
	snprintf(own, sizeof(own), "n%u", guest ? id : 0);
	snprintf(rd, sizeof(rd), "r%u", id);
	rc = xs_set_perms(h, 0, path, perms, guest ? 1 : 2);
	if (rc)
		fprintf(stderr, "vmctl: d%u: cannot set the permissions of %s: %s\n", id, path,
			strerror(-rc));
	return rc;
}
