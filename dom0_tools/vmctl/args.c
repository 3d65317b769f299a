// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the verbs read from the command line: domain ids and times. These
 * print why an argument is refused; they are vmctl's, not libvmctl's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vmctl.h"

int vmctl_bad_usage(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vmctl %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	vmctl_verb_usage(verb, stderr);
	return 2;
}

int vmctl_bad_args(const char *verb, int argc, char **argv, int first, int nmin, int nmax,
		   const char *missing)
{
	int i;

	for (i = first; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1])
			return vmctl_bad_usage(verb, "unknown option '%s'", argv[i]);
	if (argc - first < nmin)
		return vmctl_bad_usage(verb, "missing %s", missing);
	if (argc - first > nmax)
		return vmctl_bad_usage(verb, "unexpected argument '%s'", argv[first + nmax]);
	return vmctl_bad_usage(verb, "bad arguments");
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

char *vmctl_spec_config(const char *verb, const char *key, int n, char **pieces,
			const char *more)
{
	size_t len = 64 + strlen(verb) + strlen(key) + (more ? 2 * strlen(more) + 1 : 0);
	char *text, *p;
	int i;

	for (i = 0; i < n; i++)
		len += 2 * strlen(pieces[i]) + 1;
	text = malloc(len);
	if (!text)
		return NULL;
	p = text + sprintf(text, "name = \"%s\"\nkernel = \"-\"\n%s = [ \"", verb, key);
	for (i = 0; i <= n; i++) {
		const char *s = i < n ? pieces[i] : more;

		if (!s)
			continue;
		if (i)
			*p++ = ',';
		for (; *s; s++) {
			if (*s == '"' || *s == '\\')
				*p++ = '\\';
			*p++ = *s;
		}
	}
	strcpy(p, "\" ]\n");
	return text;
}
