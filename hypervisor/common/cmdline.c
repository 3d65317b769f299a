// SPDX-License-Identifier: GPL-2.0-only
/*
 * Parsing of the hypervisor command line. Pure code: no console, no
 * allocation, so the unit tests run it on the host. Problems are collected
 * in o->warnings because the console is set up from the parse result.
 */
#include <generated/config.h>
#include <hv/cmdline.h>
#include <hv/string.h>
#include <hv/printk.h>

void cmdline_defaults(struct hv_options *o)
{
	memset(o, 0, sizeof(*o));
	o->loglvl = -1;
	o->com1_baud = CONFIG_SERIAL_BAUD;
	o->com1_port = CONFIG_SERIAL_PORT;
	o->console_serial = true;
	o->gnttab_max_frames = CONFIG_GNTTAB_MAX_FRAMES;
	o->gnttab_max_maptrack = CONFIG_GNTTAB_MAX_MAPTRACK;
	o->gnttab_max_version = 2;
	o->evtchn_fifo_max_ports = EVTCHN_FIFO_PORTS_LIMIT;
	o->pv_linear_pt = true;
	o->sched_spread = true;
	o->dom0_vcpus_min = 1;
	o->dom0_vcpus_max = ~0U;
	o->destroy_zero_ms = 1000;
}

static void warn(struct hv_options *o, const char *what, const char *tok, size_t len)
{
	size_t used = strlen(o->warnings);

	snprintf(o->warnings + used, sizeof(o->warnings) - used,
		 "cmdline: %s '%.*s'\n", what, (int)len, tok);
}

static bool parse_uint(const char *s, const char **end, uint64_t *val)
{
	unsigned int base = 10;
	uint64_t v = 0;
	const char *p = s;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (;; p++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	if (p == s || (base == 16 && p == s + 2))
		return false;
	*end = p;
	*val = v;
	return true;
}

/* "<n>[B|K|M|G|T]", no unit meaning KiB. Returns 0 or -1. */
int parse_size(const char *s, const char **end, uint64_t *bytes)
{
	uint64_t v;
	unsigned int shift = 10;

	if (!parse_uint(s, &s, &v))
		return -1;
	switch (*s) {
	case 'B': case 'b': shift = 0; s++; break;
	case 'K': case 'k': shift = 10; s++; break;
	case 'M': case 'm': shift = 20; s++; break;
	case 'G': case 'g': shift = 30; s++; break;
	case 'T': case 't': shift = 40; s++; break;
	}
	if (v > (UINT64_MAX >> shift))
		return -1;
	*bytes = v << shift;
	*end = s;
	return 0;
}

static bool opt_loglvl(struct hv_options *o, const char *v, const char *end)
{
	static const char *const names[] = { "err", "warning", "info", "debug", "all" };
	size_t len = end - v;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (strlen(names[i]) == len && !strncmp(v, names[i], len)) {
			o->loglvl = i > LOG_DEBUG ? LOG_DEBUG : (int)i;
			return true;
		}
	}
	if (len == 1 && *v >= '0' && *v <= '3') {
		o->loglvl = *v - '0';
		return true;
	}
	return false;
}

/*
 * dom0_mem=<size>, max:<size> or both, comma-separated, each at least
 * 1 MiB (Xen's min: and its negative and percent amounts are not taken:
 * the whole value is refused).
 */
static bool opt_dom0_mem(struct hv_options *o, const char *v, const char *end)
{
	uint64_t size = 0, max = 0, bytes;
	const char *p = v;

	for (;;) {
		bool is_max = (size_t)(end - p) > 4 && !strncmp(p, "max:", 4);

		if (is_max)
			p += 4;
		if (parse_size(p, &p, &bytes) || (p != end && *p != ',') || bytes < (1ULL << 20))
			return false;
		*(is_max ? &max : &size) = bytes;
		if (p == end)
			break;
		p++;
	}
	o->dom0_mem = size;
	o->dom0_mem_max = max;
	return true;
}

/* dom0_max_vcpus=<n> (min = max = n) or <min>-<max> (either may be left out). */
static bool opt_dom0_max_vcpus(struct hv_options *o, const char *v, const char *end)
{
	const char *p = v;
	uint64_t min = 1, max = ~0U;

	if (*p != '-' && !parse_uint(p, &p, &min))
		return false;
	if (p == end) {
		max = min;
	} else if (*p == '-') {
		if (p + 1 != end && (!parse_uint(p + 1, &p, &max) || p != end))
			return false;
	} else {
		return false;
	}
	if (min < 1 || max < min || max > 0xffffffffULL)
		return false;
	o->dom0_vcpus_min = min;
	o->dom0_vcpus_max = max;
	return true;
}

/* com1=<baud>[,8n1][,<io-base>[,<irq>]] */
static bool opt_com1(struct hv_options *o, const char *v, const char *end)
{
	const char *p = v;
	uint64_t baud, port;

	if (!parse_uint(p, &p, &baud) || baud == 0 || baud > 115200)
		return false;
	if (p < end && *p == ',' && !strncmp(p + 1, "8n1", 3))
		p += 4;
	if (p < end && *p == ',') {
		if (!parse_uint(p + 1, &p, &port) || port == 0 || port > 0xfff8)
			return false;
		o->com1_port = (uint16_t)port;
	}
	if (p < end && *p == ',') {		/* an IRQ: accepted, not used yet */
		uint64_t irq;

		if (!parse_uint(p + 1, &p, &irq))
			return false;
	}
	if (p != end)
		return false;
	o->com1_baud = (uint32_t)baud;
	return true;
}

static bool opt_console(struct hv_options *o, const char *v, const char *end)
{
	bool serial = false;

	while (v < end) {
		const char *c = v;
		size_t len;

		while (c < end && *c != ',')
			c++;
		len = c - v;
		if (len == 4 && !strncmp(v, "com1", 4))
			serial = true;
		else if (!(len == 4 && !strncmp(v, "none", 4)))
			return false;
		v = c < end ? c + 1 : c;
	}
	o->console_serial = serial;
	return true;
}

static bool opt_testexit(struct hv_options *o, const char *v, const char *end)
{
	uint64_t port = 0xf4;
	const char *p = v;

	if (v && (!parse_uint(v, &p, &port) || p != end || !port || port > 0xffff))
		return false;
	o->testexit_port = (uint16_t)port;
	return true;
}

static bool opt_bounded(uint32_t *out, const char *v, const char *end, uint64_t max)
{
	uint64_t n;
	const char *p;

	if (!parse_uint(v, &p, &n) || p != end || !n || n > max)
		return false;
	*out = (uint32_t)n;
	return true;
}

static bool opt_gnttab_frames(struct hv_options *o, const char *v, const char *end)
{
	return opt_bounded(&o->gnttab_max_frames, v, end, GNTTAB_FRAMES_LIMIT);
}

static bool opt_gnttab_maptrack(struct hv_options *o, const char *v, const char *end)
{
	return opt_bounded(&o->gnttab_max_maptrack, v, end, MAPTRACK_FRAMES_LIMIT);
}

/* Xen spells it gnttab=max-ver:<n>; the bounds are the same. */
static bool opt_gnttab_version(struct hv_options *o, const char *v, const char *end)
{
	return opt_bounded(&o->gnttab_max_version, v, end, 2);
}

static bool opt_evtchn_fifo_ports(struct hv_options *o, const char *v, const char *end)
{
	return opt_bounded(&o->evtchn_fifo_max_ports, v, end, EVTCHN_FIFO_PORTS_LIMIT);
}

/* Any count Xen takes; smp.c bounds it by the MADT and MAX_CPUS. */
static bool opt_nr_cpus(struct hv_options *o, const char *v, const char *end)
{
	return opt_bounded(&o->nr_cpus, v, end, 0xFFFFFFFF);
}

static bool opt_maxcpus(struct hv_options *o, const char *v, const char *end)
{
	return opt_bounded(&o->maxcpus, v, end, 0xFFFFFFFF);
}

/* A Xen boolean: no value, 1/0, yes/no, on/off, true/false, enable/disable. */
static bool opt_bool(bool *out, const char *v, const char *end)
{
	static const char *const yes[] = { "1", "yes", "on", "true", "enable" };
	static const char *const no[] = { "0", "no", "off", "false", "disable" };
	size_t len = v ? (size_t)(end - v) : 0;
	unsigned int i;

	if (!v) {
		*out = true;
		return true;
	}
	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strlen(yes[i]) == len && !strncmp(v, yes[i], len)) {
			*out = true;
			return true;
		}
		if (strlen(no[i]) == len && !strncmp(v, no[i], len)) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool opt_pv_linear_pt(struct hv_options *o, const char *v, const char *end)
{
	return opt_bool(&o->pv_linear_pt, v, end);
}

static bool opt_sched_spread(struct hv_options *o, const char *v, const char *end)
{
	return opt_bool(&o->sched_spread, v, end);
}

/* 0 (a destroy zeroes nothing: Xen's way) to a minute. */
static bool opt_destroy_zero_ms(struct hv_options *o, const char *v, const char *end)
{
	uint64_t n;
	const char *p;

	if (!parse_uint(v, &p, &n) || p != end || n > 60000)
		return false;
	o->destroy_zero_ms = (uint32_t)n;
	return true;
}

struct option {
	const char *name;
	bool takes_value;	/* value required; false = a flag, or optional */
	bool (*parse)(struct hv_options *o, const char *v, const char *end);
};

static bool opt_noreboot(struct hv_options *o, const char *v, const char *end)
{
	(void)end;
	if (v)
		return false;
	o->noreboot = true;
	return true;
}

static const struct option options[] = {
	{ "loglvl",	true,	opt_loglvl },
	{ "dom0_mem",	true,	opt_dom0_mem },
	{ "dom0_max_vcpus",	true,	opt_dom0_max_vcpus },
	{ "com1",	true,	opt_com1 },
	{ "console",	true,	opt_console },
	{ "noreboot",	false,	opt_noreboot },
	{ "testexit",	false,	opt_testexit },
	{ "gnttab_max_frames",	true,	opt_gnttab_frames },
	{ "gnttab_max_maptrack_frames",	true,	opt_gnttab_maptrack },
	{ "gnttab_max_version",	true,	opt_gnttab_version },
	{ "evtchn_fifo_max_ports",	true,	opt_evtchn_fifo_ports },
	{ "pv-linear-pt",	false,	opt_pv_linear_pt },
	{ "nr_cpus",	true,	opt_nr_cpus },
	{ "maxcpus",	true,	opt_maxcpus },
	{ "sched_spread",	false,	opt_sched_spread },
	{ "destroy_zero_ms",	true,	opt_destroy_zero_ms },
};

static void parse_one(struct hv_options *o, const char *tok, size_t len)
{
	const char *eq = tok, *end = tok + len;
	size_t nlen;
	unsigned int i;

	while (eq < end && *eq != '=')
		eq++;
	nlen = eq - tok;
	for (i = 0; i < ARRAY_SIZE(options); i++) {
		const struct option *opt = &options[i];
		const char *val = eq < end ? eq + 1 : NULL;

		if (strlen(opt->name) != nlen || strncmp(tok, opt->name, nlen))
			continue;
		if (opt->takes_value && (!val || val == end)) {
			warn(o, "option needs a value:", tok, len);
			return;
		}
		if (!opt->parse(o, val, end))
			warn(o, "bad value ignored:", tok, len);
		return;
	}
	warn(o, "unknown option ignored:", tok, len);
}

void cmdline_parse(const char *cmdline, struct hv_options *o)
{
	const char *p = cmdline;

	while (p && *p) {
		const char *tok;

		while (*p == ' ' || *p == '\t')
			p++;
		tok = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (p > tok)
			parse_one(o, tok, p - tok);
	}
}

/*
 * Boot loaders put the image's file name first (QEMU and GRUB do for the
 * hypervisor and for modules); options never contain '/', so a first word
 * with a '/' or a '.' and no '=' is the file name.
 */
const char *cmdline_skip_image_name(const char *cmdline)
{
	const char *p = cmdline, *w;
	bool name = false;

	while (*p == ' ')
		p++;
	for (w = p; *w && *w != ' '; w++) {
		if (*w == '=')
			return p;
		if (*w == '/' || *w == '.')
			name = true;
	}
	if (!name)
		return p;
	while (*w == ' ')
		w++;
	return w;
}
