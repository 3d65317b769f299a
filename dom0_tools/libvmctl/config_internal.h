/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the config reader: what config_syntax.c (the file's syntax),
 * config.c (its single-valued keys) and config_spec.c (the disk and vif
 * specs) share.
 * Not part of libvmctl's API; that is config.h.
 */
#ifndef VMCTL_CONFIG_INTERNAL_H
#define VMCTL_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include "config.h"

/* Where a value or key was written: file (or "command line") and place. */
struct pos {
	const char *source;
	unsigned int line, col;
};

/* A value as written: a string or number (kept as text), or a list. */
struct cval {
	struct pos pos;
	bool is_list;
	char *str;			/* !is_list */
	struct cval **items;		/* is_list */
	size_t n, cap;
};

/* A key's value as last assigned (+= joined into it). */
struct setting {
	char *name;
	struct pos pos;			/* of the key */
	struct cval *val;
};

/* The settings read so far, and where errors and warnings go. */
struct ctx {
	struct setting *set;
	size_t n, cap;
	unsigned int flags;
	struct vmctl_config_report *rep;
};

/* config_syntax.c: reads text (from source, line on) into c's settings. */
int cfg_parse_text(struct ctx *c, const char *source, unsigned int line, const char *text,
		   size_t len);
/* The setting of key name, or NULL. */
struct setting *cfg_find_last(struct ctx *c, const char *name);
/* Frees c's settings. */
void cfg_ctx_free(struct ctx *c);

/* Puts "source:line:col: " and the message in rep; returns -EINVAL. */
int cfg_report(struct vmctl_config_report *rep, const struct pos *p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Passes "source:line:col: warning: " and the message to rep's warn. */
void cfg_warn(struct ctx *c, const struct pos *p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The last value of a list-valued key (*v NULL when not set); 0 or -EINVAL. */
int cfg_get_list(struct ctx *c, const char *key, const struct cval **v);
/* As strtol(s, &end, 0) with *end == 0 and no sign or space, unsigned. */
bool cfg_parse_number(const char *s, unsigned long long *out);
/* A hex digit's value, or -1. */
int cfg_hexval(char ch);

/* disk = [ DISKSPEC, ... ] and vif = [ NETSPEC, ... ] into cfg (config_spec.c). */
int cfg_read_disks(struct ctx *c, struct vmctl_config *cfg);
int cfg_read_vifs(struct ctx *c, struct vmctl_config *cfg);
/* iomem = [ "START,NUM_PAGES[@GFN]", ... ] into cfg (config_spec.c). */
int cfg_read_iomem(struct ctx *c, struct vmctl_config *cfg);

#endif
