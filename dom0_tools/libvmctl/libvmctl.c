// SPDX-License-Identifier: GPL-2.0-only
/* libvmctl (see libvmctl.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lamina/hypercall.h>
#include <lamina/hvm_op.h>
#include "libvmctl.h"
#include "dominfo.h"	/* dom0_tools/lib: getdomaininfo's shutdown reason */
#include "xendev.h"	/* dom0_tools/lib: the /dev/xen glue */

static vmctl_log_fn *log_fn;

void vmctl_set_log(vmctl_log_fn *fn)
{
	log_fn = fn;
}

void vmctl_log(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!log_fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_fn(msg);
}

int vmctl_privcmd(struct xendev **out)
{
	static struct xendev dev = XENDEV_INIT;
	static int said;
	int rc = xendev_open(&dev, XENDEV_PRIVCMD);

	if (rc) {
		if (!said++)
			vmctl_log("cannot open /dev/xen/privcmd: %s (not in dom0?)", strerror(-rc));
		return rc == -ENOENT ? -ENODEV : rc;	/* -ENOENT means "no rings" below */
	}
	*out = &dev;
	return 0;
}

long vmctl_hypercall(uint64_t op, uint64_t a0, uint64_t a1)
{
	struct xendev *dev;
	int rc = vmctl_privcmd(&dev);

	return rc ? rc : xendev_hypercall(dev, op, a0, a1, 0);
}

long vmctl_domain_info(unsigned int id, struct domctl_getdomaininfo *info)
{
	struct xendev *dev;
	int rc = vmctl_privcmd(&dev);

	return rc ? rc : xendev_domain_info(dev, id, info);
}

static long param(unsigned int id, uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = { .domid = (domid_t)id, .index = index };
	long rc = vmctl_hypercall(__HYPERVISOR_hvm_op, HVMOP_get_param, (uint64_t)&p);

	if (!rc)
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

const char *vmctl_state_of(uint32_t flags)
{
	static const char *const reasons[] = { "powered off", "rebooted", "suspended",
					       "crashed" };
	int why = dominfo_shutdown_reason(flags);

	if (flags & DOMINF_dying)
		return "dying";
	if (why >= 0)
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
			vmctl_log("cannot reach xenstored at %s: %s", xs_default_socket(),
				  strerror(-rc));
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
		vmctl_log("d%u: cannot write %s: %s", id, path, strerror(-rc));
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
		vmctl_log("d%u: cannot set the permissions of %s: %s", id, path, strerror(-rc));
	return rc;
}
