// SPDX-License-Identifier: GPL-2.0-only
/*
 * The domain config file: xl.cfg's syntax (Xen 4.17's libxlutil) and the
 * keys of toolstack.md §4.2 for a PV guest, read into struct vmctl_config.
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

#define MAX_DEPTH	16		/* list nesting */
#define MAX_FILE	(1u << 20)
#define MAX_NAME	64
#define MAX_VCPUS	4096
#define MAX_MEMORY_MIB	(1ul << 32)	/* 4 PiB: keeps MiB * 1024 * 1024 in 64 bits */

/* ---- values and settings ---- */

struct pos {
	const char *source;
	unsigned int line, col;
};

struct cval {
	struct pos pos;
	bool is_list;
	char *str;			/* !is_list */
	struct cval **items;		/* is_list */
	size_t n, cap;
};

struct setting {
	char *name;
	struct pos pos;			/* of the key */
	struct cval *val;
};

struct ctx {
	struct setting *set;
	size_t n, cap;
	unsigned int flags;
	struct vmctl_config_report *rep;
};

static void cval_free(struct cval *v)
{
	size_t i;

	if (!v)
		return;
	free(v->str);
	for (i = 0; i < v->n; i++)
		cval_free(v->items[i]);
	free(v->items);
	free(v);
}

static void ctx_free(struct ctx *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->set[i].name);
		cval_free(c->set[i].val);
	}
	free(c->set);
}

static int report(struct vmctl_config_report *rep, const struct pos *p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int report(struct vmctl_config_report *rep, const struct pos *p, const char *fmt, ...)
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

static void warn(struct ctx *c, const struct pos *p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void warn(struct ctx *c, const struct pos *p, const char *fmt, ...)
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

/* ---- lexer ---- */

enum tok_kind { T_EOF, T_NL, T_SEMI, T_EQ, T_ADD, T_LBR, T_RBR, T_COMMA, T_IDENT, T_NUMBER, T_STRING };

struct parser {
	const char *p, *end;
	struct pos at;			/* of *p */
	enum tok_kind kind;
	struct pos tpos;		/* of the current token */
	char *text;			/* IDENT, NUMBER: as written; STRING: dequoted */
	int depth;
	struct ctx *c;
};

static void advance(struct parser *ps)
{
	if (*ps->p++ == '\n') {
		ps->at.line++;
		ps->at.col = 1;
	} else {
		ps->at.col++;
	}
}

/* A byte as a message shows it: 'c' or \xHH. */
static const char *show_byte(char buf[8], unsigned char ch)
{
	if (ch >= 0x20 && ch < 0x7f)
		snprintf(buf, 8, "'%c'", ch);
	else
		snprintf(buf, 8, "\\x%02x", ch);
	return buf;
}

static int lex_string(struct parser *ps)
{
	const char quote = *ps->p;
	char *out, *q, b[8];
	struct pos esc;
	char ch;

	out = q = malloc(ps->end - ps->p);	/* the dequoted text is shorter */
	if (!out)
		return -ENOMEM;
	advance(ps);
	for (;;) {
		if (ps->p == ps->end || *ps->p == '\n') {
			free(out);
			return report(ps->c->rep, &ps->tpos,
				      "unterminated string: expected a closing %c on the same line", quote);
		}
		ch = *ps->p;
		if (ch == quote)
			break;
		if (ch == '\0') {
			free(out);
			return report(ps->c->rep, &ps->at, "NUL byte in a string");
		}
		if (ch != '\\') {
			*q++ = ch;
			advance(ps);
			continue;
		}
		esc = ps->at;
		advance(ps);
		if (ps->p == ps->end || *ps->p == '\n') {
			free(out);
			return report(ps->c->rep, &esc,
				      "backslash at the end of a line: xl.cfg has no line continuation");
		}
		switch (*ps->p) {
		case '"': case '\'': case '\\': *q++ = *ps->p; break;
		case 'a': *q++ = '\a'; break;
		case 'b': *q++ = '\b'; break;
		case 'f': *q++ = '\f'; break;
		case 'n': *q++ = '\n'; break;
		case 'r': *q++ = '\r'; break;
		case 't': *q++ = '\t'; break;
		case 'v': *q++ = '\v'; break;
		default:
			free(out);
			if (*ps->p == 'x' || (*ps->p >= '0' && *ps->p <= '7'))
				return report(ps->c->rep, &esc,
					      "numeric escape '\\%c...': xl 4.17 misreads these; write the character itself",
					      *ps->p);
			return report(ps->c->rep, &esc,
				      "unknown escape '\\' followed by %s: expected one of \\\" \\' \\\\ \\a \\b \\f \\n \\r \\t \\v",
				      show_byte(b, *ps->p));
		}
		advance(ps);
	}
	advance(ps);
	*q = '\0';
	ps->text = out;
	ps->kind = T_STRING;
	return 0;
}

static bool is_ident_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.';
}

static bool is_number_char(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || ch == 'x';
}

static int lex_word(struct parser *ps, enum tok_kind kind)
{
	const char *start = ps->p;

	do
		advance(ps);
	while (ps->p < ps->end && (kind == T_IDENT ? is_ident_char(*ps->p) : is_number_char(*ps->p)));
	ps->text = strndup(start, ps->p - start);
	if (!ps->text)
		return -ENOMEM;
	ps->kind = kind;
	return 0;
}

static int lex(struct parser *ps)
{
	char ch, b[8];

	free(ps->text);
	ps->text = NULL;
	for (;;) {
		while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
		       (*ps->p == '\r' && ps->p + 1 < ps->end && ps->p[1] == '\n')))
			advance(ps);
		if (ps->p == ps->end || *ps->p != '#')
			break;
		while (ps->p < ps->end && *ps->p != '\n')
			advance(ps);
	}
	ps->tpos = ps->at;
	if (ps->p == ps->end) {
		ps->kind = T_EOF;
		return 0;
	}
	ch = *ps->p;
	if (ch >= 'a' && ch <= 'z')
		return lex_word(ps, T_IDENT);
	if (ch >= '0' && ch <= '9')
		return lex_word(ps, T_NUMBER);
	if (ch == '"' || ch == '\'')
		return lex_string(ps);
	switch (ch) {
	case '\n': ps->kind = T_NL; break;
	case ';': ps->kind = T_SEMI; break;
	case '=': ps->kind = T_EQ; break;
	case '[': ps->kind = T_LBR; break;
	case ']': ps->kind = T_RBR; break;
	case ',': ps->kind = T_COMMA; break;
	case '+':
		if (ps->p + 1 < ps->end && ps->p[1] == '=') {
			advance(ps);
			ps->kind = T_ADD;
			break;
		}
		/* fall through */
	default:
		if (ch >= 'A' && ch <= 'Z')
			return report(ps->c->rep, &ps->tpos,
				      "unexpected %s: keys are lower case and other words need quotes",
				      show_byte(b, ch));
		if (ch && strchr("+-.():", ch))
			return report(ps->c->rep, &ps->tpos,
				      "unexpected %s: xl.cfg is not Python (no expressions); expected KEY = \"string\", number or [list]",
				      show_byte(b, ch));
		return report(ps->c->rep, &ps->tpos, "unexpected %s", show_byte(b, ch));
	}
	advance(ps);
	return 0;
}

static const char *describe(const struct parser *ps)
{
	static const char *const names[] = {
		[T_EOF] = "the end of the input", [T_NL] = "the end of the line",
		[T_SEMI] = "';'", [T_EQ] = "'='", [T_ADD] = "'+='", [T_LBR] = "'['",
		[T_RBR] = "']'", [T_COMMA] = "','", [T_IDENT] = "a bare word",
		[T_NUMBER] = "a number", [T_STRING] = "a string",
	};
	return names[ps->kind];
}

/* ---- parser ---- */

static int skip_newlines(struct parser *ps)
{
	int rc = 0;

	while (!rc && ps->kind == T_NL)
		rc = lex(ps);
	return rc;
}

static int list_append(struct cval *list, struct cval *v)
{
	struct cval **items;

	if (list->n == list->cap) {
		list->cap = list->cap ? 2 * list->cap : 4;
		items = realloc(list->items, list->cap * sizeof(*items));
		if (!items)
			return -ENOMEM;
		list->items = items;
	}
	list->items[list->n++] = v;
	return 0;
}

static int parse_value(struct parser *ps, struct cval **out);

static int parse_list(struct parser *ps, struct cval *list)
{
	struct cval *v;
	int rc;

	if (++ps->depth > MAX_DEPTH)
		return report(ps->c->rep, &ps->tpos, "lists nested more than %d deep", MAX_DEPTH);
	rc = lex(ps);
	if (!rc)
		rc = skip_newlines(ps);
	while (!rc && ps->kind != T_RBR) {
		rc = parse_value(ps, &v);
		if (rc)
			break;
		rc = list_append(list, v);
		if (rc) {
			cval_free(v);
			break;
		}
		rc = skip_newlines(ps);
		if (rc || ps->kind == T_RBR)
			break;
		if (ps->kind != T_COMMA)
			return report(ps->c->rep, &ps->tpos,
				      "expected ',' or ']' in the list, found %s", describe(ps));
		rc = lex(ps);
		if (!rc)
			rc = skip_newlines(ps);
	}
	ps->depth--;
	return rc;
}

static int parse_value(struct parser *ps, struct cval **out)
{
	struct cval *v;
	int rc;

	if (ps->kind != T_STRING && ps->kind != T_NUMBER && ps->kind != T_LBR)
		return report(ps->c->rep, &ps->tpos,
			      "expected a value (\"string\", 'string', number or [list]), found %s%s",
			      describe(ps), ps->kind == T_IDENT ? ": words need quotes" : "");
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->pos = ps->tpos;
	if (ps->kind == T_LBR) {
		v->is_list = true;
		rc = parse_list(ps, v);
	} else {
		v->str = ps->text;
		ps->text = NULL;
		rc = 0;
	}
	if (!rc)
		rc = lex(ps);	/* past the atom or the ']' */
	if (rc) {
		cval_free(v);
		return rc;
	}
	*out = v;
	return 0;
}

static struct setting *find_last(struct ctx *c, const char *name)
{
	size_t i;

	for (i = c->n; i-- > 0;)
		if (!strcmp(c->set[i].name, name))
			return &c->set[i];
	return NULL;
}

/* KEY += VALUE: VALUE becomes the previous value joined with itself. */
static int concat(struct ctx *c, const struct setting *prev, struct cval *v)
{
	struct cval **items;
	char *s;

	if (prev->val->is_list != v->is_list)
		return report(c->rep, &v->pos, "'+=' needs the same kind of value as before: a %s, as at line %u",
			      prev->val->is_list ? "list" : "string or number", prev->val->pos.line);
	if (!v->is_list) {
		if (asprintf(&s, "%s%s", prev->val->str, v->str) < 0)
			return -ENOMEM;
		free(v->str);
		v->str = s;
		return 0;
	}
	items = malloc((prev->val->n + v->n + 1) * sizeof(*items));
	if (!items)
		return -ENOMEM;
	memcpy(items, prev->val->items, prev->val->n * sizeof(*items));
	memcpy(items + prev->val->n, v->items, v->n * sizeof(*items));
	free(v->items);
	v->items = items;
	v->n = v->cap = prev->val->n + v->n;
	prev->val->n = 0;	/* its items moved; the setting stays, shadowed */
	return 0;
}

static int store(struct ctx *c, char *name, const struct pos *kpos, bool add, struct cval *v)
{
	struct setting *prev = add ? find_last(c, name) : NULL, *set;
	int rc;

	if (prev) {
		rc = concat(c, prev, v);
		if (rc)
			goto fail;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		set = realloc(c->set, c->cap * sizeof(*set));
		if (!set) {
			rc = -ENOMEM;
			goto fail;
		}
		c->set = set;
	}
	c->set[c->n++] = (struct setting){ name, *kpos, v };
	return 0;
fail:
	free(name);
	cval_free(v);
	return rc;
}

static int parse_statement(struct parser *ps)
{
	struct pos kpos = ps->tpos;
	char *name = ps->text;
	struct cval *v;
	bool add;
	int rc;

	ps->text = NULL;
	rc = lex(ps);
	if (!rc && ps->kind != T_EQ && ps->kind != T_ADD)
		rc = report(ps->c->rep, &ps->tpos, "expected '=' or '+=' after '%s', found %s",
			    name, describe(ps));
	add = ps->kind == T_ADD;
	if (!rc)
		rc = lex(ps);
	if (!rc)
		rc = parse_value(ps, &v);
	if (rc) {
		free(name);
		return rc;
	}
	if (ps->kind != T_NL && ps->kind != T_SEMI && ps->kind != T_EOF) {
		rc = report(ps->c->rep, &ps->tpos,
			    "expected the end of the line or ';' after the value of '%s', found %s",
			    name, describe(ps));
		free(name);
		cval_free(v);
		return rc;
	}
	return store(ps->c, name, &kpos, add, v);
}

static int parse_text(struct ctx *c, const char *source, unsigned int line, const char *text, size_t len)
{
	struct parser ps = {
		.p = text, .end = text + len, .at = { source, line, 1 }, .c = c,
	};
	int rc = lex(&ps);

	while (!rc && ps.kind != T_EOF) {
		if (ps.kind == T_NL || ps.kind == T_SEMI)
			rc = lex(&ps);
		else if (ps.kind == T_IDENT)
			rc = parse_statement(&ps);
		else
			rc = report(c->rep, &ps.tpos, "expected a key (KEY = VALUE), found %s", describe(&ps));
	}
	free(ps.text);
	return rc;
}

/* ---- keys ---- */

static const char *const known_keys[] = {
	"name", "type", "builder", "memory", "maxmem", "vcpus", "maxvcpus", "kernel",
	"ramdisk", "cmdline", "root", "extra", "uuid", "on_poweroff", "on_reboot",
	"on_crash", "on_watchdog", "on_soft_reset", "disk", "vif",
};

/* Keys xl.cfg(5) has that Lamina does not implement: a different refusal. */
static const char *const xl_only_keys[] = {
	"acpi", "bootloader", "bootloader_args", "cap", "channel", "claim_mode",
	"cpu_weight", "cpuid", "cpus", "cpus_soft", "device_model_version",
	"device_tree", "driver_domain", "dtdev", "e820_host", "firmware", "gfx_passthru",
	"hap", "iomem", "ioports", "irqs", "localtime", "max_event_channels",
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
			warn(c, &s->pos, "ignoring key '%s', which Lamina does not know", s->name);
			continue;
		}
		if (IN(xl_only_keys, s->name))
			return report(c->rep, &s->pos, "key '%s' is an xl.cfg key that Lamina does not implement",
				      s->name);
		return report(c->rep, &s->pos,
			      "unknown key '%s' (expected one of name, type, memory, maxmem, vcpus, maxvcpus, kernel, ramdisk, cmdline, root, extra, uuid, on_poweroff, on_reboot, on_crash, disk, vif)",
			      s->name);
	}
	return 0;
}

/* The last value of a single-valued key; NULL when not set. */
static int get_atom(struct ctx *c, const char *key, const struct cval **v)
{
	const struct setting *s = find_last(c, key);

	*v = NULL;
	if (!s)
		return 0;
	if (s->val->is_list)
		return report(c->rep, &s->val->pos, "'%s' takes a single value, not a list", key);
	*v = s->val;
	return 0;
}

static int get_list(struct ctx *c, const char *key, const struct cval **v)
{
	const struct setting *s = find_last(c, key);

	*v = NULL;
	if (!s)
		return 0;
	if (!s->val->is_list)
		return report(c->rep, &s->val->pos, "'%s' takes a list: %s = [ '...', ... ]", key, key);
	*v = s->val;
	return 0;
}

/* As strtol(s, &end, 0) with *end == 0 and no sign or space, unsigned. */
static bool parse_number(const char *s, unsigned long long *out)
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
	if (!parse_number(v->str, out) || *out < min || *out > max)
		return report(c->rep, &v->pos, "'%s' must be a number%s from %llu to %llu, not \"%s\"",
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
	return report(c->rep, &v->pos,
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
			return report(c->rep, &t->pos,
				      "type \"%s\" is not supported: Lamina runs PV guests only (type = \"pv\")", t->str);
		if (strncmp(t->str, "pv", n))
			return report(c->rep, &t->pos, "invalid domain type \"%s\": expected \"pv\"", t->str);
	}
	if (b) {
		n = strlen(b->str);
		if (!strncmp(b->str, "hvm", n))
			return report(c->rep, &b->pos,
				      "builder \"%s\" is not supported: Lamina runs PV guests only (type = \"pv\")", b->str);
		if (strncmp(b->str, "generic", n))
			return report(c->rep, &b->pos, "invalid builder \"%s\": expected \"generic\" (or type = \"pv\")",
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
		return report(c->rep, file, "no name: a domain name must be specified (name = \"...\")");
	if (!*v->str)
		return report(c->rep, &v->pos, "the domain name is empty");
	if (strlen(v->str) > MAX_NAME)
		return report(c->rep, &v->pos, "the domain name is longer than %d bytes", MAX_NAME);
	for (s = v->str; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '/')
			return report(c->rep, &v->pos,
				      "the domain name has a '/' or a control character: expected a plain name");
		digits = digits && *s >= '0' && *s <= '9';
	}
	if (digits)
		return report(c->rep, &v->pos,
			      "the domain name \"%s\" is all digits: it would read as a domain id", v->str);
	cfg->name = strdup(v->str);
	return cfg->name ? 0 : -ENOMEM;
}

static int hexval(char ch)
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
		hi = hexval(s[0]);
		lo = hi < 0 ? -1 : hexval(s[1]);
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
	return report(c->rep, &v->pos,
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
		ms = find_last(c, "maxmem");
		return report(c->rep, &ms->val->pos, "maxmem (%lu MiB) is less than memory (%lu MiB)",
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
		return report(c->rep, &find_last(c, "maxvcpus")->val->pos,
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
			warn(c, &cmd->pos, "ignoring root= and extra= in favour of cmdline=");
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

/* ---- disk and vif specs ---- */

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
		return parse_number(vdev, &n) && n <= 0x7fffffff ? (int)n : -1;
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
	return report(dp->c->rep, &dp->v->pos, "disk %u '%.80s': %s", dp->index, dp->v->str, msg);
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

static int read_disks(struct ctx *c, struct vmctl_config *cfg)
{
	struct disk_parse dp = { .c = c };
	const struct cval *list;
	unsigned int i, j;
	int rc = get_list(c, "disk", &list);

	if (rc || !list || !list->n)
		return rc;
	cfg->disks = calloc(list->n, sizeof(*cfg->disks));
	if (!cfg->disks)
		return -ENOMEM;
	for (i = 0; i < list->n; i++) {
		dp = (struct disk_parse){ .c = c, .v = list->items[i], .index = i + 1, .d = &cfg->disks[i] };
		cfg->nr_disks++;
		if (dp.v->is_list)
			return report(c->rep, &dp.v->pos, "disk %u: expected a DISKSPEC string, not a list", i + 1);
		if (asprintf(&dp.d->where, "%s:%u:%u", dp.v->pos.source, dp.v->pos.line, dp.v->pos.col) < 0) {
			dp.d->where = NULL;
			return -ENOMEM;
		}
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
	return report(vp->c->rep, &vp->v->pos, "vif %u '%.80s': %s", vp->index, vp->v->str, msg);
}

static int vif_mac(struct vif_parse *vp, const char *s)
{
	int i, hi, lo;

	for (i = 0; i < 6; i++) {
		hi = hexval(*s);
		if (hi < 0)
			goto bad;
		lo = hexval(*++s);
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
	if (!parse_number(digits, &bps) || !bps || bps > 0xffffffffull)
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
		if (!parse_number(digits, &usecs) || !usecs || usecs > 0xffffffffull)
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
		warn(vp->c, &vp->v->pos, "vif %u: the netdev parameter is deprecated, please use gatewaydev instead",
		     vp->index);
		return vif_string(&n->gatewaydev, val);
	}
	if (!strcmp(tok, "rate"))
		return vif_rate(vp, val);
	if (!strcmp(tok, "accel")) {
		warn(vp->c, &vp->v->pos, "vif %u: the accel parameter for vifs is not supported", vp->index);
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

		if (!parse_number(val, &u) || u > (mtu ? 65535 : 0x7fffffff) || (mtu && u < 68))
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

static int read_vifs(struct ctx *c, struct vmctl_config *cfg)
{
	struct vif_parse vp;
	const struct cval *list;
	unsigned int i, j;
	int rc = get_list(c, "vif", &list);

	if (rc || !list || !list->n)
		return rc;
	cfg->vifs = calloc(list->n, sizeof(*cfg->vifs));
	if (!cfg->vifs)
		return -ENOMEM;
	for (i = 0; i < list->n; i++) {
		vp = (struct vif_parse){ .c = c, .v = list->items[i], .index = i + 1, .n = &cfg->vifs[i] };
		cfg->nr_vifs++;
		if (vp.v->is_list)
			return report(c->rep, &vp.v->pos, "vif %u: expected a NETSPEC string, not a list", i + 1);
		if (asprintf(&vp.n->where, "%s:%u:%u", vp.v->pos.source, vp.v->pos.line, vp.v->pos.col) < 0) {
			vp.n->where = NULL;
			return -ENOMEM;
		}
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
		rc = report(c->rep, &file, "no kernel: expected kernel = \"/path/to/vmlinuz\"");
	if (!rc && cfg->kernel && !*cfg->kernel)
		rc = report(c->rep, &find_last(c, "kernel")->val->pos, "the kernel path is empty");
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
		rc = read_disks(c, cfg);
	if (!rc)
		rc = read_vifs(c, cfg);
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
	rc = parse_text(&c, source, 1, text, len);
	for (i = 0; !rc && i < n_overrides; i++)
		rc = parse_text(&c, "command line", i + 1, overrides[i], strlen(overrides[i]));
	if (!rc)
		rc = read_keys(&c, cfg, source);
	ctx_free(&c);
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
	free(cfg->disks);
	free(cfg->vifs);
	free(cfg->name);
	free(cfg->kernel);
	free(cfg->ramdisk);
	free(cfg->cmdline);
	memset(cfg, 0, sizeof(*cfg));
}
