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

/* The id whose nodes @c may treat as its own: its target's, else its own. */
static unsigned int target_of(const struct conn *c)
{
	const struct domain *d = domain_get(c->domid, false);

	/* DOMID_INVALID means no target; lists may name any 16-bit id */
	return d && d->target != DOMID_INVALID ? d->target : c->domid;
}

/*
 * Does @c own a node with this list? Privileged connections own every
 * node; a domain, those whose entry 0 names it or its target (Xen 4.17's
 * XS_PERM_OWNER: only an owner may change the list).
 */
static bool owns(const struct conn *c, unsigned int target, const struct xs_perm *p)
{
	return c->privileged || p[0].id == c->domid || p[0].id == target;
}

bool perms_owns(const struct conn *c, const struct xs_perm *p)
{
	return owns(c, target_of(c), p);
}

/*
 * Access of connection @c to a node with this list (docs/abi-devices.md
 * §3.3); the domain is looked up once, for its target.
 */
unsigned int perms_for(const struct conn *c, const struct xs_perm *p, unsigned int num)
{
	unsigned int target = target_of(c), i;

	if (owns(c, target, p))
		return PERM_BOTH;
	for (i = 1; i < num; i++)
		if (!(p[i].perm & PERM_IGNORE) &&
		    (p[i].id == c->domid || p[i].id == target))
			return p[i].perm & PERM_BOTH;
	return p[0].perm & PERM_BOTH;
}
