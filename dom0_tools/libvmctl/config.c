// SPDX-License-Identifier: GPL-2.0-only
/*
 * The domain config file: xl.cfg's syntax (Xen 4.17's libxlutil) and the
 * keys of toolstack.md §4.2 for a PV guest, read into struct vmctl_config.
 * The syntax is read in config_syntax.c, the disk and vif specs in
 * config_spec.c; this file has the keys.
 *
 * Why hand-written: xl's own parser is libxlutil (flex + bison), which
 * Debian ships only as a shared library inside the Xen tools, and whose
 * disk parser fills libxl's types, so it would drag libxenlight into a
 * static vmctl. The grammar is small enough that a lexer and a recursive
 * descent parser are shorter than the glue, and let every error carry a
 * column, which xl's messages lack.
 *
 * Syntax, as xl reads it (util/libxlu_cfg_l.l, libxlu_cfg_y.y, libxlu_cfg.c):
 *  - statements `KEY = VALUE` or `KEY += VALUE`, each ended by a newline or
 *    `;` (the last one may end the file); empty statements are fine. Keys
 *    are [a-z][._0-9a-z]*. Spaces and tabs separate tokens.
 *  - `#` starts a comment to the end of the line.
 *  - a value is a string in "..." or '...' (one line; escapes \" \' \\ \a
 *    \b \f \n \r \t \v), a number [0-9][0-9a-fx]* (kept as text and read
 *    as strtol(,0) does: 0x hex, 0 octal, decimal), or a list [ v, v, ... ]
 *    of values, possibly nested, a trailing comma allowed, newlines and
 *    comments allowed anywhere inside the brackets. Bare words are not
 *    values: `type = pv` is an error.
 *  - strings and numbers are both "single values": `memory = "256"` and
 *    `name = 7` are fine, as in xl.
 *  - the last assignment of a key wins; `+=` joins a string to the previous
 *    string, or a list to the previous list, of the same key.
 *  - KEY=VALUE arguments are read as further lines after the file.
 *
 * Where vmctl differs from xl 4.17, on purpose:
 *  1. Unknown keys: xl ignores them silently (xl_parse.c asks for the keys
 *     it knows; nothing looks at the rest), so a typo such as `memroy`
 *     quietly gives a 32 MiB guest. vmctl refuses them, naming the key, and
 *     says so differently for a key xl knows but Lamina does not implement
 *     (`vfb`, `pci`, ...). VMCTL_CONFIG_UNKNOWN_WARN restores xl's
 *     behaviour, with a warning.
 *  2. A bad value is an error: xl warns and drops the key for a list where
 *     a single value belongs (or the reverse) and for a malformed number,
 *     and prints but ignores a bad NETSPEC item. Only the first error is
 *     reported (xl's parser goes on to the next line).
 *  3. Escapes: xl 4.17's dequoting silently drops an unknown escape (`\q`)
 *     and always fails `\xHH` (its digit check can never pass) and eats
 *     octal ones without emitting a character. vmctl refuses all of these.
 *  4. Leniencies: a `\r` before a newline (a DOS file) is taken as space,
 *     and a comment may end the file without a newline; xl calls both
 *     lexical errors. So every file xl accepts is read the same way.
 *  5. Checks xl leaves to later stages or lacks: the name (non-empty, at
 *     most 64 bytes, not all digits, no '/' or control characters, since
 *     vmctl names domains by id or name and logs by name), memory >=
 *     1 MiB and <= maxmem, 1 <= vcpus <= maxvcpus <= 4096, a vdev that
 *     libxl can number, no vdev or vif devid used twice, a unicast MAC.
 *  6. type may be only "pv" (xl's prefix match: "p" is pv too); "pvh",
 *     "hvm" and the deprecated builder="hvm" are refused clearly.
 */
#define _GNU_SOURCE	/* asprintf, memrchr, strchrnul */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "config_internal.h"

#define MAX_FILE	(1u << 20)
#define MAX_NAME	64
#define MAX_VCPUS	4096
#define MAX_MEMORY_MIB	(1ul << 32)	/* 4 PiB: keeps MiB * 1024 * 1024 in 64 bits */

int cfg_report(struct vmctl_config_report *rep, const struct pos *p, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (p && p->line)
		n = snprintf(rep->error, sizeof(rep->error), "%s:%u:%u: ", p->source, p->line, p->col);
	else if (p)
		n = snprintf(rep->error, sizeof(rep->error), "%s: ", p->source);
	if (n < 0 || (size_t)n >= sizeof(rep->error))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(rep->error + n, sizeof(rep->error) - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void cfg_warn(struct ctx *c, const struct pos *p, const char *fmt, ...)
{
	char msg[VMCTL_CONFIG_MSG_MAX];
	va_list ap;
	int n;

	if (!c->rep->warn)
		return;
	n = snprintf(msg, sizeof(msg), "%s:%u:%u: warning: ", p->source, p->line, p->col);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	c->rep->warn(c->rep->warn_arg, msg);
}

/* ---- keys ---- */

static const char *const known_keys[] = {
	"name", "type", "builder", "memory", "maxmem", "vcpus", "maxvcpus", "kernel",
	"ramdisk", "cmdline", "root", "extra", "uuid", "on_poweroff", "on_reboot",
	"on_crash", "on_watchdog", "on_soft_reset", "disk", "vif", "iomem",
};

/* Keys xl.cfg(5) has that Lamina does not implement: a different refusal. */
static const char *const xl_only_keys[] = {
	"acpi", "bootloader", "bootloader_args", "cap", "channel", "claim_mode",
	"cpu_weight", "cpuid", "cpus", "cpus_soft", "device_model_version",
	"device_tree", "driver_domain", "dtdev", "e820_host", "firmware", "gfx_passthru",
	"hap", "ioports", "irqs", "localtime", "max_event_channels",
	"max_grant_frames", "max_grant_version", "max_maptrack_frames", "nomigrate",
	"p9", "pci", "pool", "pvcalls", "pvh", "rdm", "rtc_timeoffset", "seclabel",
	"serial", "tsc_mode", "usbctrl", "usbdev", "vdispl", "vfb", "vif2", "vkb",
	"vnc", "vnuma", "vsnd", "vtpm", "vuart",
};

static bool in_table(const char *const *t, size_t n, const char *s)
{
	while (n--)
		if (!strcmp(t[n], s))
			return true;
	return false;
}

#define IN(table, s) in_table(table, sizeof(table) / sizeof(table[0]), s)

static int check_unknown(struct ctx *c)
{
	const struct setting *s;
	size_t i;

	for (i = 0; i < c->n; i++) {
		s = &c->set[i];
		if (IN(known_keys, s->name))
			continue;
		if (c->flags & VMCTL_CONFIG_UNKNOWN_WARN) {
			cfg_warn(c, &s->pos, "ignoring key '%s', which Lamina does not know", s->name);
			continue;
		}
		if (IN(xl_only_keys, s->name))
			return cfg_report(c->rep, &s->pos, "key '%s' is an xl.cfg key that Lamina does not implement",
				      s->name);
		return cfg_report(c->rep, &s->pos,
			      "unknown key '%s' (expected one of name, type, memory, maxmem, vcpus, maxvcpus, kernel, ramdisk, cmdline, root, extra, uuid, on_poweroff, on_reboot, on_crash, disk, vif, iomem)",
			      s->name);
	}
	return 0;
}

/* The last value of a single-valued key; NULL when not set. */
static int get_atom(struct ctx *c, const char *key, const struct cval **v)
{
	const struct setting *s = cfg_find_last(c, key);

	*v = NULL;
	if (!s)
		return 0;
	if (s->val->is_list)
		return cfg_report(c->rep, &s->val->pos, "'%s' takes a single value, not a list", key);
	*v = s->val;
	return 0;
}

int cfg_get_list(struct ctx *c, const char *key, const struct cval **v)
{
	const struct setting *s = cfg_find_last(c, key);

	*v = NULL;
	if (!s)
		return 0;
	if (!s->val->is_list)
		return cfg_report(c->rep, &s->val->pos, "'%s' takes a list: %s = [ '...', ... ]", key, key);
	*v = s->val;
	return 0;
}

/* As strtol(s, &end, 0) with *end == 0 and no sign or space, unsigned. */
bool cfg_parse_number(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;
	unsigned int base = 10, d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0') {
		base = 8;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return false;
		if (d >= base || v > (~0ull - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

static int get_number(struct ctx *c, const char *key, unsigned long long min,
		      unsigned long long max, const char *unit, unsigned long long *out)
{
	const struct cval *v;
	int rc = get_atom(c, key, &v);

	if (rc || !v)
		return rc;
	if (!cfg_parse_number(v->str, out) || *out < min || *out > max)
		return cfg_report(c->rep, &v->pos, "'%s' must be a number%s from %llu to %llu, not \"%s\"",
			      key, unit, min, max, v->str);
	return 0;
}

static int get_string(struct ctx *c, const char *key, char **out)
{
	const struct cval *v;
	int rc = get_atom(c, key, &v);

	if (rc || !v)
		return rc;
	*out = strdup(v->str);
	return *out ? 0 : -ENOMEM;
}

static const char *const action_names[] = {
	[VMCTL_ACTION_DESTROY] = "destroy",
	[VMCTL_ACTION_RESTART] = "restart",
	[VMCTL_ACTION_RENAME_RESTART] = "rename-restart",
	[VMCTL_ACTION_PRESERVE] = "preserve",
	[VMCTL_ACTION_COREDUMP_DESTROY] = "coredump-destroy",
	[VMCTL_ACTION_COREDUMP_RESTART] = "coredump-restart",
	[VMCTL_ACTION_SOFT_RESET] = "soft-reset",
};

const char *vmctl_action_name(enum vmctl_action a)
{
	return (unsigned int)a < sizeof(action_names) / sizeof(action_names[0]) ? action_names[a] : "?";
}

static int get_action(struct ctx *c, const char *key, enum vmctl_action def, enum vmctl_action *out)
{
	const struct cval *v;
	unsigned int i;
	int rc = get_atom(c, key, &v);

	*out = def;
	if (rc || !v)
		return rc;
	for (i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++)
		if (!strcmp(v->str, action_names[i])) {
			*out = i;
			return 0;
		}
	return cfg_report(c->rep, &v->pos,
		      "unknown %s action \"%s\": expected destroy, restart, rename-restart, preserve, coredump-destroy, coredump-restart or soft-reset",
		      key, v->str);
}

/* xl: type (and the deprecated builder) match by prefix, "hvm" tried first. */
static int check_type(struct ctx *c)
{
	const struct cval *t, *b;
	int rc = get_atom(c, "type", &t);
	size_t n;

	if (!rc)
		rc = get_atom(c, "builder", &b);
	if (rc)
		return rc;
	if (t) {
		n = strlen(t->str);
		if (!strncmp(t->str, "hvm", n) || (strncmp(t->str, "pv", n) && !strncmp(t->str, "pvh", n)))
			return cfg_report(c->rep, &t->pos,
				      "type \"%s\" is not supported: Lamina runs PV guests only (type = \"pv\")", t->str);
		if (strncmp(t->str, "pv", n))
			return cfg_report(c->rep, &t->pos, "invalid domain type \"%s\": expected \"pv\"", t->str);
	}
	if (b) {
		n = strlen(b->str);
		if (!strncmp(b->str, "hvm", n))
			return cfg_report(c->rep, &b->pos,
				      "builder \"%s\" is not supported: Lamina runs PV guests only (type = \"pv\")", b->str);
		if (strncmp(b->str, "generic", n))
			return cfg_report(c->rep, &b->pos, "invalid builder \"%s\": expected \"generic\" (or type = \"pv\")",
				      b->str);
	}
	return 0;
}

static int check_name(struct ctx *c, struct vmctl_config *cfg, const struct pos *file)
{
	const struct cval *v;
	const char *s;
	bool digits = true;
	int rc = get_atom(c, "name", &v);

	if (rc)
		return rc;
	if (!v)
		return cfg_report(c->rep, file, "no name: a domain name must be specified (name = \"...\")");
	if (!*v->str)
		return cfg_report(c->rep, &v->pos, "the domain name is empty");
	if (strlen(v->str) > MAX_NAME)
		return cfg_report(c->rep, &v->pos, "the domain name is longer than %d bytes", MAX_NAME);
	for (s = v->str; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '/')
			return cfg_report(c->rep, &v->pos,
				      "the domain name has a '/' or a control character: expected a plain name");
		digits = digits && *s >= '0' && *s <= '9';
	}
	if (digits)
		return cfg_report(c->rep, &v->pos,
			      "the domain name \"%s\" is all digits: it would read as a domain id", v->str);
	cfg->name = strdup(v->str);
	return cfg->name ? 0 : -ENOMEM;
}

int cfg_hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* libuuid's uuid_parse(), which libxl uses: 8-4-4-4-12 hex digits. */
static int check_uuid(struct ctx *c, struct vmctl_config *cfg)
{
	const struct cval *v;
	const char *s;
	int rc = get_atom(c, "uuid", &v), i, hi, lo;

	if (rc || !v)
		return rc;
	s = v->str;
	if (strlen(s) != 36)
		goto bad;
	for (i = 0; i < 16; i++) {
		if (*s == '-' && (i == 4 || i == 6 || i == 8 || i == 10))
			s++;
		hi = cfg_hexval(s[0]);
		lo = hi < 0 ? -1 : cfg_hexval(s[1]);
		if (lo < 0)
			goto bad;
		cfg->uuid[i] = hi << 4 | lo;
		s += 2;
	}
	if (*s)
		goto bad;
	cfg->has_uuid = true;
	return 0;
bad:
	return cfg_report(c->rep, &v->pos,
		      "invalid uuid \"%s\": expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex digits)", v->str);
}

static int check_memory(struct ctx *c, struct vmctl_config *cfg)
{
	unsigned long long mem = 0, max = 0;
	const struct setting *ms;
	int rc;

	rc = get_number(c, "memory", 1, MAX_MEMORY_MIB, " of MiB", &mem);
	if (!rc)
		rc = get_number(c, "maxmem", 1, MAX_MEMORY_MIB, " of MiB", &max);
	if (rc)
		return rc;
	/* libxl's defaults: maxmem 32 MiB; each of the two defaults to the other. */
	if (!mem && !max)
		mem = max = 32;
	cfg->memory_mib = mem ? mem : max;
	cfg->maxmem_mib = max ? max : mem;
	if (cfg->maxmem_mib < cfg->memory_mib) {
		ms = cfg_find_last(c, "maxmem");
		return cfg_report(c->rep, &ms->val->pos, "maxmem (%lu MiB) is less than memory (%lu MiB)",
			      cfg->maxmem_mib, cfg->memory_mib);
	}
	return 0;
}

static int check_vcpus(struct ctx *c, struct vmctl_config *cfg)
{
	unsigned long long n = 1, max = 0;
	int rc;

	rc = get_number(c, "vcpus", 1, MAX_VCPUS, "", &n);
	if (!rc)
		rc = get_number(c, "maxvcpus", 1, MAX_VCPUS, "", &max);
	if (rc)
		return rc;
	cfg->vcpus = n;
	cfg->maxvcpus = max ? max : n;
	if (cfg->maxvcpus < cfg->vcpus)
		return cfg_report(c->rep, &cfg_find_last(c, "maxvcpus")->val->pos,
			      "maxvcpus (%u) is less than vcpus (%u)", cfg->maxvcpus, cfg->vcpus);
	return 0;
}

/* xl's parse_cmdline(): cmdline wins (with a warning); else root= then extra. */
static int check_cmdline(struct ctx *c, struct vmctl_config *cfg)
{
	const struct cval *cmd, *root, *extra;
	int rc = get_atom(c, "cmdline", &cmd);

	if (!rc)
		rc = get_atom(c, "root", &root);
	if (!rc)
		rc = get_atom(c, "extra", &extra);
	if (rc)
		return rc;
	if (cmd) {
		if (root || extra)
			cfg_warn(c, &cmd->pos, "ignoring root= and extra= in favour of cmdline=");
		cfg->cmdline = strdup(cmd->str);
	} else if (root && extra) {
		if (asprintf(&cfg->cmdline, "root=%s %s", root->str, extra->str) < 0)
			cfg->cmdline = NULL;
	} else if (root) {
		if (asprintf(&cfg->cmdline, "root=%s", root->str) < 0)
			cfg->cmdline = NULL;
	} else if (extra) {
		cfg->cmdline = strdup(extra->str);
	} else {
		return 0;
	}
	return cfg->cmdline ? 0 : -ENOMEM;
}

/* ---- the whole config ---- */

static int read_keys(struct ctx *c, struct vmctl_config *cfg, const char *source)
{
	const struct pos file = { source, 0, 0 };
	int rc;

	rc = check_unknown(c);
	if (!rc)
		rc = check_type(c);
	if (!rc)
		rc = check_name(c, cfg, &file);
	if (!rc)
		rc = check_uuid(c, cfg);
	if (!rc)
		rc = check_memory(c, cfg);
	if (!rc)
		rc = check_vcpus(c, cfg);
	if (!rc)
		rc = get_string(c, "kernel", &cfg->kernel);
	if (!rc && !cfg->kernel)
		rc = cfg_report(c->rep, &file, "no kernel: expected kernel = \"/path/to/vmlinuz\"");
	if (!rc && cfg->kernel && !*cfg->kernel)
		rc = cfg_report(c->rep, &cfg_find_last(c, "kernel")->val->pos, "the kernel path is empty");
	if (!rc)
		rc = get_string(c, "ramdisk", &cfg->ramdisk);
	if (!rc)
		rc = check_cmdline(c, cfg);
	if (!rc)
		rc = get_action(c, "on_poweroff", VMCTL_ACTION_DESTROY, &cfg->on_poweroff);
	if (!rc)
		rc = get_action(c, "on_reboot", VMCTL_ACTION_RESTART, &cfg->on_reboot);
	if (!rc)
		rc = get_action(c, "on_crash", VMCTL_ACTION_DESTROY, &cfg->on_crash);
	if (!rc)
		rc = get_action(c, "on_watchdog", VMCTL_ACTION_DESTROY, &cfg->on_watchdog);
	if (!rc)
		rc = get_action(c, "on_soft_reset", VMCTL_ACTION_SOFT_RESET, &cfg->on_soft_reset);
	if (!rc)
		rc = cfg_read_disks(c, cfg);
	if (!rc)
		rc = cfg_read_vifs(c, cfg);
	if (!rc)
		rc = cfg_read_iomem(c, cfg);
	return rc;
}

int vmctl_config_parse(const char *source, const char *text, size_t len,
		       char *const *overrides, int n_overrides, unsigned int flags,
		       struct vmctl_config *cfg, struct vmctl_config_report *report_to)
{
	struct ctx c = { .flags = flags, .rep = report_to };
	int i, rc;

	memset(cfg, 0, sizeof(*cfg));
	report_to->error[0] = '\0';
	rc = cfg_parse_text(&c, source, 1, text, len);
	for (i = 0; !rc && i < n_overrides; i++)
		rc = cfg_parse_text(&c, "command line", i + 1, overrides[i], strlen(overrides[i]));
	if (!rc)
		rc = read_keys(&c, cfg, source);
	cfg_ctx_free(&c);
	if (rc) {
		vmctl_config_free(cfg);
		if (rc == -ENOMEM && !report_to->error[0])
			snprintf(report_to->error, sizeof(report_to->error), "%s: out of memory", source);
	}
	return rc;
}

int vmctl_config_load(const char *path, char *const *overrides, int n_overrides,
		      unsigned int flags, struct vmctl_config *cfg,
		      struct vmctl_config_report *rep)
{
	size_t len = 0;
	ssize_t got;
	char *buf;
	int fd, rc;

	memset(cfg, 0, sizeof(*cfg));
	buf = malloc(MAX_FILE + 1);
	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(rep->error, sizeof(rep->error), "%s: cannot open: %s", path, strerror(-rc));
		goto out;
	}
	while ((got = read(fd, buf + len, MAX_FILE + 1 - len)) > 0 && (len += got) <= MAX_FILE)
		;
	rc = got < 0 ? -errno : 0;
	close(fd);
	if (rc) {
		snprintf(rep->error, sizeof(rep->error), "%s: cannot read: %s", path, strerror(-rc));
		goto out;
	}
	if (len > MAX_FILE) {
		snprintf(rep->error, sizeof(rep->error), "%s: larger than %u bytes: not a config file?",
			 path, MAX_FILE);
		rc = -EFBIG;
		goto out;
	}
	rc = vmctl_config_parse(path, buf, len, overrides, n_overrides, flags, cfg, rep);
out:
	free(buf);
	return rc;
}

void vmctl_config_free(struct vmctl_config *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_disks; i++) {
		struct vmctl_disk *d = &cfg->disks[i];

		free(d->where);
		free(d->target);
		free(d->vdev);
		free(d->backend);
		free(d->script);
	}
	for (i = 0; i < cfg->nr_vifs; i++) {
		struct vmctl_vif *v = &cfg->vifs[i];

		free(v->where);
		free(v->bridge);
		free(v->script);
		free(v->ip);
		free(v->vifname);
		free(v->backend);
		free(v->gatewaydev);
		free(v->model);
	}
	for (i = 0; i < cfg->nr_iomem; i++)
		free(cfg->iomem[i].where);
	free(cfg->disks);
	free(cfg->vifs);
	free(cfg->iomem);
	free(cfg->name);
	free(cfg->kernel);
	free(cfg->ramdisk);
	free(cfg->cmdline);
	memset(cfg, 0, sizeof(*cfg));
}
