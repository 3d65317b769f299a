// SPDX-License-Identifier: GPL-2.0-only
/*
 * console_io (18). Writes go to the hypervisor console in chunks copied
 * from the guest first, so a bad pointer prints nothing of that chunk and
 * returns -EFAULT. dom0's output is printed as it is; other domains'
 * lines get a "(dN) " prefix.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <hv/console.h>
#include <lamina/console.h>

#define CHUNK	256

static long console_write_guest(struct domain *d, uint64_t buf, long count)
{
	static bool line_start = true;
	char tmp[CHUNK];

	if (count < 0)
		return trace_err(-EINVAL);
	if (!guest_range_ok(buf, count))
		return trace_err(-EFAULT);
	while (count > 0) {
		size_t n = MIN((size_t)count, sizeof(tmp));
		size_t i, start = 0;

		if (copy_from_guest(tmp, buf, n))
			return trace_err(-EFAULT);
		for (i = 0; i < n; i++) {
			if (line_start && d != dom0) {
				char prefix[12];

				console_write(tmp + start, i - start);
				start = i;
				console_write(prefix, snprintf(prefix, sizeof(prefix), "(d%u) ", d->domid));
			}
			line_start = tmp[i] == '\n';
		}
		console_write(tmp + start, n - start);
		buf += n;
		count -= n;
	}
	return 0;
}

static long console_read_guest(struct domain *d, uint64_t buf, long count)
{
	char tmp[CHUNK];
	size_t n;

	if (!d->is_privileged)
		return trace_err(-EPERM);
	if (count < 0)
		return trace_err(-EINVAL);
	n = console_read(tmp, MIN((size_t)count, sizeof(tmp)));
	if (n && copy_to_guest(buf, tmp, n))
		return -EFAULT;	/* those bytes are lost, as on a bad pointer */
	return (long)n;
}

long hc_console_io(struct vcpu *v, struct hc_args *a)
{
	switch (a->arg[0]) {
	case CONSOLEIO_write:
		return console_write_guest(v->domain, a->arg[2], (int)a->arg[1]);
	case CONSOLEIO_read:
		return console_read_guest(v->domain, a->arg[2], (int)a->arg[1]);
	default:
		return trace_err(-ENOSYS);
	}
}
