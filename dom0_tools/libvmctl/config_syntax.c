// SPDX-License-Identifier: GPL-2.0-only
/*
 * The config file's syntax (config.c's essay: xl.cfg as libxlutil reads
 * it, and where vmctl differs): a lexer and a recursive descent parser
 * that turn text into the settings of a struct ctx, each value with the
 * place it was written. What the keys mean is config.c's.
 */
#define _GNU_SOURCE	/* memrchr, strchrnul */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "config_internal.h"

#define MAX_DEPTH	16		/* list nesting */

/* ---- values and settings ---- */

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

void cfg_ctx_free(struct ctx *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->set[i].name);
		cval_free(c->set[i].val);
	}
	free(c->set);
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
			return cfg_report(ps->c->rep, &ps->tpos,
				      "unterminated string: expected a closing %c on the same line", quote);
		}
		ch = *ps->p;
		if (ch == quote)
			break;
		if (ch == '\0') {
			free(out);
			return cfg_report(ps->c->rep, &ps->at, "NUL byte in a string");
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
			return cfg_report(ps->c->rep, &esc,
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
				return cfg_report(ps->c->rep, &esc,
					      "numeric escape '\\%c...': xl 4.17 misreads these; write the character itself",
					      *ps->p);
			return cfg_report(ps->c->rep, &esc,
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
			return cfg_report(ps->c->rep, &ps->tpos,
				      "unexpected %s: keys are lower case and other words need quotes",
				      show_byte(b, ch));
		if (ch && strchr("+-.():", ch))
			return cfg_report(ps->c->rep, &ps->tpos,
				      "unexpected %s: xl.cfg is not Python (no expressions); expected KEY = \"string\", number or [list]",
				      show_byte(b, ch));
		return cfg_report(ps->c->rep, &ps->tpos, "unexpected %s", show_byte(b, ch));
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
		return cfg_report(ps->c->rep, &ps->tpos, "lists nested more than %d deep", MAX_DEPTH);
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
			return cfg_report(ps->c->rep, &ps->tpos,
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
		return cfg_report(ps->c->rep, &ps->tpos,
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

struct setting *cfg_find_last(struct ctx *c, const char *name)
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
		return cfg_report(c->rep, &v->pos, "'+=' needs the same kind of value as before: a %s, as at line %u",
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
	struct setting *prev = add ? cfg_find_last(c, name) : NULL, *set;
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
		rc = cfg_report(ps->c->rep, &ps->tpos, "expected '=' or '+=' after '%s', found %s",
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
		rc = cfg_report(ps->c->rep, &ps->tpos,
			    "expected the end of the line or ';' after the value of '%s', found %s",
			    name, describe(ps));
		free(name);
		cval_free(v);
		return rc;
	}
	return store(ps->c, name, &kpos, add, v);
}

int cfg_parse_text(struct ctx *c, const char *source, unsigned int line, const char *text, size_t len)
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
			rc = cfg_report(c->rep, &ps.tpos, "expected a key (KEY = VALUE), found %s", describe(&ps));
	}
	free(ps.text);
	return rc;
}

