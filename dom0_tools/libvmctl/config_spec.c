// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device specs of a domain config (config.c reads the rest): the
 * DISKSPEC strings of `disk = [ ... ]` as libxlutil's disk lexer reads
 * them, the NETSPEC strings of `vif = [ ... ]` as xl's parse_nic_config()
 * does, and libxl's numbering of virtual disk names (vmctl_vdev_devid).
 * Where vmctl is stricter than xl 4.17 (a bad NETSPEC item is an error, a
 * vdev or devid may be used once, a MAC must be unicast) is config.c's
 * essay, points 2 and 5.
 */
#define _GNU_SOURCE	/* asprintf, memrchr, strchrnul */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_internal.h"

static int device_letters(const char **p, int max_index)
{
	int index = -1;

	if (**p < 'a' || **p > 'z')
		return -1;
	while (**p >= 'a' && **p <= 'z') {
		index = (index + 1) * 26 + (*(*p)++ - 'a');
		if (index > max_index)
			return -1;
	}
	return index;
}

/* A partition number: none (0), or decimal without leading zero, <= max. */
static int device_partition(const char *p, int max)
{
	long n = 0;

	if (!*p)
		return 0;
	if (*p == '0')
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || (n = n * 10 + (*p - '0')) > max)
			return -1;
	}
	return n;
}

static bool disk_name(const char *vdev, const char *prefix, int max_disk, int max_part, int *disk, int *part)
{
	const char *p = vdev + strlen(prefix);

	if (strncmp(vdev, prefix, strlen(prefix)))
		return false;
	*disk = device_letters(&p, max_disk);
	*part = *disk < 0 ? -1 : device_partition(p, max_part);
	return *part >= 0;
}

/* dNpM: N < 2^20, M < 256, decimal. */
static bool disk_dp(const char *vdev, int *disk, int *part)
{
	char *end;
	unsigned long d, m;

	if (vdev[0] != 'd' || vdev[1] < '0' || vdev[1] > '9')
		return false;
	d = strtoul(vdev + 1, &end, 10);
	if (*end != 'p' || end[1] < '0' || end[1] > '9' || d >= 1ul << 20)
		return false;
	m = strtoul(end + 1, &end, 10);
	if (*end || m >= 256)
		return false;
	*disk = d;
	*part = m;
	return true;
}

int vmctl_vdev_devid(const char *vdev)
{
	unsigned long long n;
	int disk, part;

	if (disk_dp(vdev, &disk, &part) || disk_name(vdev, "xvd", (1 << 20) - 1, 255, &disk, &part)) {
		if (disk <= 15 && part <= 15)
			return 202 << 8 | disk << 4 | part;
		return 1 << 28 | disk << 8 | part;
	}
	if (vdev[0] >= '0' && vdev[0] <= '9')
		return cfg_parse_number(vdev, &n) && n <= 0x7fffffff ? (int)n : -1;
	if (disk_name(vdev, "hd", 3, 63, &disk, &part))
		return (disk < 2 ? 3 : 22) << 8 | (disk & 1) << 6 | part;
	if (disk_name(vdev, "sd", 15, 15, &disk, &part))
		return 8 << 8 | disk << 4 | part;
	return -1;
}

/*
 * A DISKSPEC, after libxlutil's disk lexer (util/libxlu_disk_l.l): at each
 * item (leading blanks skipped) the longest of these wins, earlier on a tie:
 * "target=" takes the rest of the string; a deprecated "word:" prefix
 * (raw: qcow: qcow2: vhd: set the format, iscsi: nbd: enbd: drbd: the
 * script, phy: file: tap: tap2: aio: ioemu: tapdisk: nothing) is consumed
 * alone and counts as the whole rest; keyword=value and flags run to the
 * next comma; anything else is the next unset positional parameter of
 * target, format (skipped after a prefix), vdev, access.
 */
struct disk_parse {
	struct ctx *c;
	const struct cval *v;
	unsigned int index;
	struct vmctl_disk *d;
	bool format_set, access_set, had_prefix, backendtype_set, spec_set;
};

static int disk_err(struct disk_parse *dp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int disk_err(struct disk_parse *dp, const char *fmt, ...)
{
	char msg[VMCTL_CONFIG_MSG_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cfg_report(dp->c->rep, &dp->v->pos, "disk %u '%.80s': %s", dp->index, dp->v->str, msg);
}

/* libxlutil's savestring(): a non-empty value may not be given twice. */
static int disk_save(struct disk_parse *dp, const char *what, char **field, const char *s, size_t len)
{
	if (*field && **field)
		return disk_err(dp, "%s respecified", what);
	free(*field);
	*field = strndup(s, len);
	return *field ? 0 : -ENOMEM;
}

static int disk_enum(struct disk_parse *dp, const char *what, const char *expected,
		     const char *const *names, unsigned int n, const char *s, size_t len,
		     bool *set, unsigned int *out)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (names[i] && strlen(names[i]) == len && !strncmp(names[i], s, len))
			break;
	if (i == n)
		return disk_err(dp, "unknown value for %s: '%.*s' (expected %s)", what, (int)len, s, expected);
	if (*set && *out != i)
		return disk_err(dp, "%s respecified", what);
	*set = true;
	*out = i;
	return 0;
}

static int disk_format(struct disk_parse *dp, const char *s, size_t len)
{
	static const char *const names[] = {
		[VMCTL_DISK_RAW] = "raw", [VMCTL_DISK_QCOW] = "qcow", [VMCTL_DISK_QCOW2] = "qcow2",
		[VMCTL_DISK_VHD] = "vhd", [VMCTL_DISK_QED] = "qed", [VMCTL_DISK_EMPTY] = "empty",
	};
	unsigned int f = dp->d->format;
	int rc;

	if (!len)	/* empty: the default, raw */
		s = "raw", len = 3;
	rc = disk_enum(dp, "format", "raw, qcow, qcow2, vhd, qed or empty", names, 6, s, len, &dp->format_set, &f);
	dp->d->format = f;
	return rc;
}

static int disk_access(struct disk_parse *dp, const char *s, size_t len)
{
	if ((len == 1 && *s == 'r') || (len == 2 && !strncmp(s, "ro", 2)))
		dp->d->readwrite = false;
	else if (!len || (len == 1 && *s == 'w') || (len == 2 && !strncmp(s, "rw", 2)))
		dp->d->readwrite = true;
	else
		return disk_err(dp, "unknown value for access: '%.*s' (expected r, ro, w or rw)", (int)len, s);
	return 0;
}

/* "vdev:cdrom" or "vdev:disk" (deprecated); 0 when s has no ':'. */
static int disk_vdev_devtype(struct disk_parse *dp, const char *s, size_t len, bool *done)
{
	const char *colon = memrchr(s, ':', len);
	size_t tlen;

	*done = colon != NULL;
	if (!colon)
		return 0;
	tlen = s + len - colon - 1;
	if (tlen == 5 && !strncmp(colon + 1, "cdrom", 5))
		dp->d->cdrom = true;
	else if (tlen == 4 && !strncmp(colon + 1, "disk", 4))
		dp->d->cdrom = false;
	else
		return disk_err(dp, "unknown deprecated type '%.*s' (expected cdrom or disk)", (int)tlen, colon + 1);
	return disk_save(dp, "vdev", &dp->d->vdev, s, colon - s);
}

static int disk_positional(struct disk_parse *dp, const char *s, size_t len)
{
	bool done;
	int rc;

	if (!dp->d->target)
		return disk_save(dp, "target", &dp->d->target, s, len);
	if (!dp->had_prefix && !dp->format_set) {
		if (!*dp->d->target) {
			rc = disk_vdev_devtype(dp, s, len, &done);
			if (rc || done) {
				dp->d->format = VMCTL_DISK_EMPTY;
				dp->format_set = true;
				return rc;
			}
		}
		return disk_format(dp, s, len);
	}
	if (!dp->d->vdev) {
		rc = disk_vdev_devtype(dp, s, len, &done);
		return rc || done ? rc : disk_save(dp, "vdev", &dp->d->vdev, s, len);
	}
	if (!dp->access_set) {
		dp->access_set = true;
		return disk_access(dp, s, len);
	}
	return disk_err(dp, "too many positional parameters at '%.*s' (target, format, vdev, access)",
			(int)len, s);
}

static bool word_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && !strncmp(s, word, len);
}

/* A deprecated "word:" prefix at s: 1 consumed (*skip bytes), 0 none. */
static int disk_prefix(struct disk_parse *dp, const char *s, size_t *skip)
{
	static const char *const ignored[] = { "tapdisk", "tap", "tap2", "aio", "ioemu", "file", "phy" };
	size_t n = 0;
	char *script;
	int rc;

	while ((s[n] >= 'a' && s[n] <= 'z') || (n && s[n] >= '0' && s[n] <= '9'))
		n++;
	if (!n || s[n] != ':')
		return 0;
	*skip = n + 1;
	if (word_is(s, n, "raw") || word_is(s, n, "qcow") || word_is(s, n, "qcow2") || word_is(s, n, "vhd")) {
		dp->had_prefix = true;
		rc = disk_format(dp, s, n);
		return rc ? rc : 1;
	}
	if (word_is(s, n, "iscsi") || word_is(s, n, "nbd") || word_is(s, n, "enbd") || word_is(s, n, "drbd")) {
		dp->had_prefix = true;
		if (asprintf(&script, "block-%.*s", (int)n, s) < 0)
			return -ENOMEM;
		rc = disk_save(dp, "script", &dp->d->script, script, strlen(script));
		free(script);
		return rc ? rc : 1;
	}
	for (unsigned int i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		if (word_is(s, n, ignored[i])) {
			dp->had_prefix = true;
			return 1;
		}
	/* "hdc:cdrom" is a positional vdev:devtype; "foo:" or "foo:/x" a bad prefix. */
	if (!s[n + 1] || !((s[n + 1] >= 'a' && s[n + 1] <= 'z') || (s[n + 1] >= '0' && s[n + 1] <= '9')))
		return disk_err(dp, "unknown deprecated disk prefix '%.*s:'", (int)n, s);
	return 0;
}

static int disk_flag(struct disk_parse *dp, const char *s, size_t len, bool *done)
{
	struct vmctl_disk *d = dp->d;

	*done = true;
	if (word_is(s, len, "cdrom"))
		d->cdrom = true;
	else if (word_is(s, len, "direct-io-safe"))
		d->direct_io_safe = true;
	else if (word_is(s, len, "discard") || word_is(s, len, "no-discard"))
		d->discard = *s != 'n';
	else if (word_is(s, len, "trusted") || word_is(s, len, "untrusted"))
		d->trusted = *s != 'u';
	else if (word_is(s, len, "no-colo"))
		;
	else if (word_is(s, len, "colo"))
		return disk_err(dp, "COLO replication is not supported");
	else
		*done = false;
	return 0;
}

static int disk_keyword(struct disk_parse *dp, const char *key, size_t klen, const char *val, size_t vlen)
{
	static const char *const backends[] = {
		[VMCTL_DISK_BACKEND_PHY] = "phy", [VMCTL_DISK_BACKEND_TAP] = "tap",
		[VMCTL_DISK_BACKEND_QDISK] = "qdisk", [VMCTL_DISK_BACKEND_STANDALONE] = "standalone",
	};
	static const char *const specs[] = { "xen", "virtio" };
	struct vmctl_disk *d = dp->d;
	unsigned int u;
	size_t i;
	int rc;

	if (word_is(key, klen, "format"))
		return disk_format(dp, val, vlen);
	if (word_is(key, klen, "access"))
		return disk_access(dp, val, vlen);
	if (word_is(key, klen, "vdev"))
		return disk_save(dp, "vdev", &d->vdev, val, vlen);
	if (word_is(key, klen, "backend"))
		return disk_save(dp, "backend", &d->backend, val, vlen);
	if (word_is(key, klen, "script"))
		return disk_save(dp, "script", &d->script, val, vlen);
	if (word_is(key, klen, "devtype")) {
		if (!word_is(val, vlen, "cdrom") && !word_is(val, vlen, "disk"))
			return disk_err(dp, "unknown value for devtype: '%.*s' (expected cdrom or disk)",
					(int)vlen, val);
		d->cdrom = *val == 'c';
		return 0;
	}
	if (word_is(key, klen, "backendtype")) {
		u = d->backendtype;
		rc = disk_enum(dp, "backendtype", "phy, tap, qdisk or standalone", backends, 5, val, vlen,
			       &dp->backendtype_set, &u);
		d->backendtype = u;
		return rc;
	}
	if (word_is(key, klen, "specification")) {
		u = d->virtio;
		rc = disk_enum(dp, "specification", "xen or virtio", specs, 2, val, vlen, &dp->spec_set, &u);
		d->virtio = u;
		return rc;
	}
	if (word_is(key, klen, "colo-host") || word_is(key, klen, "colo-port") ||
	    word_is(key, klen, "colo-export") || word_is(key, klen, "active-disk") ||
	    word_is(key, klen, "hidden-disk"))
		return disk_err(dp, "COLO replication is not supported");
	for (i = 0; i < klen; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') || (i && ((key[i] >= '0' && key[i] <= '9') || key[i] == '-'))))
			return disk_err(dp, "bad disk syntax at '%.*s'", (int)(klen + 1 + vlen), key);
	return disk_err(dp, "unknown parameter '%.*s'", (int)klen, key);
}

static int disk_finish(struct disk_parse *dp)
{
	struct vmctl_disk *d = dp->d;

	if (!dp->format_set)
		d->format = VMCTL_DISK_RAW;
	if (d->cdrom) {
		d->readwrite = false;
		if (!d->target || !*d->target)
			d->format = VMCTL_DISK_EMPTY;
	}
	if (!d->vdev || !*d->vdev)
		return disk_err(dp, "no vdev specified (expected e.g. vdev=xvda)");
	if (!d->cdrom && (!d->target || !*d->target))
		return disk_err(dp, "no target specified (and device not removable)");
	d->devid = vmctl_vdev_devid(d->vdev);
	if (d->devid < 0)
		return disk_err(dp, "vdev '%s' is not a virtual disk name (expected xvdX, hdX, sdX or dNpM)", d->vdev);
	return 0;
}

static int parse_disk(struct disk_parse *dp)
{
	const char *s = dp->v->str, *end, *eq;
	size_t len, skip;
	bool done;
	int rc = 0;

	dp->d->readwrite = true;
	dp->d->discard = dp->d->trusted = -1;
	while (!rc && *s) {
		if (*s == ' ' || *s == '\t' || *s == '\n') {
			s++;
			continue;
		}
		if (!strncmp(s, "target=", 7)) {
			len = strlen(s + 7);
			if (len && s[7 + len - 1] == ',')
				len--;
			return disk_save(dp, "target", &dp->d->target, s + 7, len);
		}
		rc = disk_prefix(dp, s, &skip);
		if (rc) {
			s += skip;
			rc = rc < 0 ? rc : 0;
			continue;
		}
		end = strchrnul(s, ',');
		len = end - s;
		eq = memchr(s, '=', len);
		if (eq)
			rc = disk_keyword(dp, s, eq - s, eq + 1, end - eq - 1);
		else {
			rc = disk_flag(dp, s, len, &done);
			if (!rc && !done)
				rc = disk_positional(dp, s, len);
		}
		s = *end ? end + 1 : end;
	}
	return rc;
}

/*
 * The list-valued key and a zeroed array of as many size-byte devices
 * (*array NULL, and 0 returned, when the key is not set or empty).
 */
static int spec_list(struct ctx *c, const char *key, size_t size, const struct cval **list,
		     void **array)
{
	int rc = cfg_get_list(c, key, list);

	*array = NULL;
	if (rc || !*list || !(*list)->n)
		return rc;
	*array = calloc((*list)->n, size);
	return *array ? 0 : -ENOMEM;
}

/* Item index (from 1) of a list of specs: a string, its place put in *where. */
static int spec_item(struct ctx *c, const struct cval *v, const char *what, const char *spec,
		     unsigned int index, char **where)
{
	if (v->is_list)
		return cfg_report(c->rep, &v->pos, "%s %u: expected a %s string, not a list", what,
				  index, spec);
	if (asprintf(where, "%s:%u:%u", v->pos.source, v->pos.line, v->pos.col) < 0) {
		*where = NULL;
		return -ENOMEM;
	}
	return 0;
}

int cfg_read_disks(struct ctx *c, struct vmctl_config *cfg)
{
	struct disk_parse dp;
	const struct cval *list;
	unsigned int i, j;
	void *array;
	int rc = spec_list(c, "disk", sizeof(*cfg->disks), &list, &array);

	cfg->disks = array;
	if (rc || !array)
		return rc;
	for (i = 0; i < list->n; i++) {
		dp = (struct disk_parse){ .c = c, .v = list->items[i], .index = i + 1, .d = &cfg->disks[i] };
		cfg->nr_disks++;
		rc = spec_item(c, dp.v, "disk", "DISKSPEC", i + 1, &dp.d->where);
		if (!rc)
			rc = parse_disk(&dp);
		if (!rc)
			rc = disk_finish(&dp);
		if (rc)
			return rc;
		for (j = 0; j < i; j++)
			if (cfg->disks[j].devid == dp.d->devid)
				return disk_err(&dp, "vdev '%s' is the same device as disk %u's '%s'",
						dp.d->vdev, j + 1, cfg->disks[j].vdev);
	}
	return 0;
}

/*
 * A NETSPEC, after xl's parse_nic_config(): comma-separated key=value
 * items (empty items skipped, leading spaces ignored), each key at most
 * meaningful once (a later one wins, as in xl).
 */
struct vif_parse {
	struct ctx *c;
	const struct cval *v;
	unsigned int index;
	struct vmctl_vif *n;
};

static int vif_err(struct vif_parse *vp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int vif_err(struct vif_parse *vp, const char *fmt, ...)
{
	char msg[VMCTL_CONFIG_MSG_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cfg_report(vp->c->rep, &vp->v->pos, "vif %u '%.80s': %s", vp->index, vp->v->str, msg);
}

static int vif_mac(struct vif_parse *vp, const char *s)
{
	int i, hi, lo;

	for (i = 0; i < 6; i++) {
		hi = cfg_hexval(*s);
		if (hi < 0)
			goto bad;
		lo = cfg_hexval(*++s);
		if (lo >= 0)
			s++;
		else
			lo = hi, hi = 0;
		vp->n->mac[i] = hi << 4 | lo;
		if (i < 5 && *s != ':' && *s != '-')
			goto bad;
		if (i < 5)
			s++;
	}
	if (*s)
		goto bad;
	if (vp->n->mac[0] & 1)
		return vif_err(vp, "mac is a multicast address (the first byte must be even)");
	vp->n->has_mac = true;
	return 0;
bad:
	return vif_err(vp, "invalid mac: expected six hex bytes separated by ':', such as 00:16:3e:12:34:56");
}

/* As libxlutil's xlu_vif_parse_rate(): RATE[GMK](B|b)/s[@INTERVAL[s|ms|us]]. */
static int vif_rate(struct vif_parse *vp, const char *rate)
{
	unsigned long long bps, usecs = 50000;
	const char *at = strchr(rate, '@'), *p = rate, *num;
	char digits[24];

	while (*p >= '0' && *p <= '9')
		p++;
	if (p == rate || (size_t)(p - rate) >= sizeof(digits))
		return vif_err(vp, "invalid rate '%s' (expected e.g. 10MB/s or 100Mb/s@20ms)", rate);
	memcpy(digits, rate, p - rate);
	digits[p - rate] = '\0';
	if (!cfg_parse_number(digits, &bps) || !bps || bps > 0xffffffffull)
		return vif_err(vp, "rate out of range in '%s'", rate);
	bps *= *p == 'G' ? 1000000000 : *p == 'M' ? 1000000 : *p == 'K' ? 1000 : 1;
	if (*p == 'G' || *p == 'M' || *p == 'K')
		p++;
	if ((*p != 'B' && *p != 'b') || strncmp(p + 1, "/s", 2) || (p[3] && p + 3 != at))
		return vif_err(vp, "invalid rate '%s' (expected e.g. 10MB/s or 100Mb/s@20ms)", rate);
	if (*p == 'b')
		bps /= 8;
	if (at) {
		num = p = at + 1;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == num || (size_t)(p - num) >= sizeof(digits) ||
		    !(!*p || !strcmp(p, "s") || !strcmp(p, "ms") || !strcmp(p, "us") || !strcmp(p, "m") || !strcmp(p, "u")))
			return vif_err(vp, "invalid replenishment interval in '%s' (expected e.g. @50ms)", rate);
		memcpy(digits, num, p - num);
		digits[p - num] = '\0';
		if (!cfg_parse_number(digits, &usecs) || !usecs || usecs > 0xffffffffull)
			return vif_err(vp, "replenishment interval out of range in '%s'", rate);
		usecs *= *p == 'm' ? 1000 : *p == 'u' ? 1 : 1000000;
		if (usecs > 0xffffffffull)
			return vif_err(vp, "replenishment interval out of range in '%s'", rate);
	}
	vp->n->rate_bytes_per_sec = bps;
	vp->n->rate_interval_usecs = usecs;
	return 0;
}

static int vif_string(char **field, const char *val)
{
	free(*field);
	*field = strdup(val);
	return *field ? 0 : -ENOMEM;
}

static int vif_item(struct vif_parse *vp, char *tok)
{
	struct vmctl_vif *n = vp->n;
	unsigned long long u;
	char *val = strchr(tok, '=');

	if (!strcmp(tok, "trusted") || !strcmp(tok, "untrusted")) {
		n->trusted = *tok == 't';
		return 0;
	}
	if (!val)
		return vif_err(vp, "unrecognized argument '%s' (expected KEY=VALUE)", tok);
	*val++ = '\0';
	if (!strcmp(tok, "mac"))
		return vif_mac(vp, val);
	if (!strcmp(tok, "bridge"))
		return vif_string(&n->bridge, val);
	if (!strcmp(tok, "ip"))
		return vif_string(&n->ip, val);
	if (!strcmp(tok, "script"))
		return vif_string(&n->script, val);
	if (!strcmp(tok, "backend"))
		return vif_string(&n->backend, val);
	if (!strcmp(tok, "vifname"))
		return vif_string(&n->vifname, val);
	if (!strcmp(tok, "model"))
		return vif_string(&n->model, val);
	if (!strcmp(tok, "gatewaydev"))
		return vif_string(&n->gatewaydev, val);
	if (!strcmp(tok, "netdev")) {
		cfg_warn(vp->c, &vp->v->pos, "vif %u: the netdev parameter is deprecated, please use gatewaydev instead",
		     vp->index);
		return vif_string(&n->gatewaydev, val);
	}
	if (!strcmp(tok, "rate"))
		return vif_rate(vp, val);
	if (!strcmp(tok, "accel")) {
		cfg_warn(vp->c, &vp->v->pos, "vif %u: the accel parameter for vifs is not supported", vp->index);
		return 0;
	}
	if (!strcmp(tok, "type")) {
		if (!strcmp(val, "vif"))
			return 0;
		if (!strcmp(val, "ioemu"))
			return vif_err(vp, "type=ioemu is for HVM guests; a PV guest's vif is type=vif");
		return vif_err(vp, "invalid type '%s' (expected vif)", val);
	}
	if (!strcmp(tok, "devid") || !strcmp(tok, "mtu")) {
		bool mtu = tok[0] == 'm';

		if (!cfg_parse_number(val, &u) || u > (mtu ? 65535 : 0x7fffffff) || (mtu && u < 68))
			return vif_err(vp, "%s must be a number %s, not '%s'", tok,
				       mtu ? "from 68 to 65535" : "from 0 to 2147483647", val);
		if (mtu)
			n->mtu = u;
		else
			n->devid = u;
		return 0;
	}
	if (!strncmp(tok, "colo_", 5) || !strcmp(tok, "forwarddev"))
		return vif_err(vp, "COLO replication is not supported");
	return vif_err(vp, "unrecognized argument '%s'", tok);
}

static int parse_vif(struct vif_parse *vp)
{
	char *copy = strdup(vp->v->str), *tok, *save = NULL;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	vp->n->trusted = -1;
	vp->n->rate_interval_usecs = 50000;
	for (tok = strtok_r(copy, ",", &save); !rc && tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		rc = vif_item(vp, tok);
	}
	free(copy);
	return rc;
}

int cfg_read_vifs(struct ctx *c, struct vmctl_config *cfg)
{
	struct vif_parse vp;
	const struct cval *list;
	unsigned int i, j;
	void *array;
	int rc = spec_list(c, "vif", sizeof(*cfg->vifs), &list, &array);

	cfg->vifs = array;
	if (rc || !array)
		return rc;
	for (i = 0; i < list->n; i++) {
		vp = (struct vif_parse){ .c = c, .v = list->items[i], .index = i + 1, .n = &cfg->vifs[i] };
		cfg->nr_vifs++;
		rc = spec_item(c, vp.v, "vif", "NETSPEC", i + 1, &vp.n->where);
		if (rc)
			return rc;
		vp.n->devid = i;
		rc = parse_vif(&vp);
		if (rc)
			return rc;
		for (j = 0; j < i; j++)
			if (cfg->vifs[j].devid == vp.n->devid)
				return vif_err(&vp, "devid %d is also vif %u's", vp.n->devid, j + 1);
	}
	return 0;
}

/*
 * A hexadecimal number at s (an optional 0x, then at least one digit, at
 * most 2^64 - 1): the character after it, or NULL.
 */
static const char *hex_number(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	int d;
	const char *p;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && cfg_hexval(s[2]) >= 0)
		s += 2;
	for (p = s; (d = cfg_hexval(*p)) >= 0; p++) {
		if (v >> 60)
			return NULL;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return p == s ? NULL : p;
}

/*
 * iomem = [ "START,NUM_PAGES[@GFN]", ... ] as xl reads it (hexadecimal,
 * sscanf's "%x,%x@%x" with nothing after), but stricter: no spaces or
 * signs, NUM_PAGES at least 1 and the range not past frame 2^64 - 1.
 */
int cfg_read_iomem(struct ctx *c, struct vmctl_config *cfg)
{
	const struct cval *list, *v;
	struct vmctl_iomem *m;
	const char *p;
	unsigned int i;
	void *array;
	int rc = spec_list(c, "iomem", sizeof(*cfg->iomem), &list, &array);

	cfg->iomem = array;
	if (rc || !array)
		return rc;
	for (i = 0; i < list->n; i++) {
		v = list->items[i];
		m = &cfg->iomem[i];
		cfg->nr_iomem++;
		rc = spec_item(c, v, "iomem", "\"START,NUM_PAGES[@GFN]\"", i + 1, &m->where);
		if (rc)
			return rc;
		p = hex_number(v->str, &m->start);
		if (p && *p == ',')
			p = hex_number(p + 1, &m->nr_pages);
		else
			p = NULL;
		if (p && *p == '@') {
			m->has_gfn = true;
			p = hex_number(p + 1, &m->gfn);
		}
		if (!p || *p)
			return cfg_report(c->rep, &v->pos,
					  "iomem %u: expected \"START,NUM_PAGES[@GFN]\" in hexadecimal, not \"%s\"",
					  i + 1, v->str);
		if (!m->nr_pages || m->start + m->nr_pages - 1 < m->start)
			return cfg_report(c->rep, &v->pos,
					  "iomem %u: %s pages from frame %#llx%s", i + 1,
					  m->nr_pages ? "too many" : "no", (unsigned long long)m->start,
					  m->nr_pages ? ": past frame 2^64 - 1" : "");
	}
	return 0;
}
