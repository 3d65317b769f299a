/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Permission lists: "<letter><domid>" with letter n(one), r(ead), w(rite) or
 * b(oth). Entry 0 names the owner and the access of every domain not listed.
 */
#include <errno.h>
#include <stdio.h>
#include "xenstored.h"

static const char letters[] = { [PERM_NONE] = 'n', [PERM_READ] = 'r',
				[PERM_WRITE] = 'w', [PERM_BOTH] = 'b' };

int perms_parse(const char *const *s, unsigned int num, struct xs_perm *out)
{
	unsigned int i, j;

	if (!num || num > XS_PERMS_MAX)
		return -EINVAL;
	for (i = 0; i < num; i++) {
		unsigned long id;

		for (j = 0; j < sizeof(letters); j++)
			if (s[i][0] == letters[j])
				break;
		if (j == sizeof(letters) || parse_uint(s[i] + 1, 0xffff, &id))
			return -EINVAL;
		out[i] = (struct xs_perm){ .id = id, .perm = j };
	}
	return 0;
}

/* NUL-separated strings into buf; returns the bytes used or -E2BIG. */
int perms_format(const struct xs_perm *p, unsigned int num, char *buf, size_t size)
{
	size_t used = 0;
	unsigned int i;

	for (i = 0; i < num; i++) {
		int n = snprintf(buf + used, size - used, "%c%u",
				 letters[p[i].perm & PERM_BOTH], p[i].id);

		if (n < 0 || (size_t)n + 1 > size - used)
			return -E2BIG;
		used += n + 1;
	}
	return used;
}

/* Access of connection @c to a node with this list (docs/abi-devices.md §3.3). */
unsigned int perms_for(const struct conn *c, const struct xs_perm *p, unsigned int num)
{
	const struct domain *d;
	unsigned int target, i;

	if (c->privileged)
		return PERM_BOTH;
	d = domain_get(c->domid, false);
	/* DOMID_INVALID means no target; lists may name any 16-bit id */
	if (d && d->target != DOMID_INVALID)
		target = d->target;
	else
		target = c->domid;
	if (p[0].id == c->domid || p[0].id == target)
		return PERM_BOTH;
	for (i = 1; i < num; i++)
		if (p[i].id == c->domid || p[i].id == target)
			return p[i].perm & PERM_BOTH;
	return p[0].perm & PERM_BOTH;
}
