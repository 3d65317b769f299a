// SPDX-License-Identifier: GPL-2.0-only
/*
 * xs-view: the xenstore a domU sees through its own ring, for
 * tests/run/conform-start-diff-domu --guest xs-view (the toolstack's
 * nodes, docs/toolstack.md §5, vmctl's against Debian's xl on Xen 4.17).
 * One line per item on its console,
 *
 *	D <index> <item>
 *
 * then "xs-view: <n> lines". Items: GET_DOMAIN_PATH of itself and of
 * dom0; a walk of its home /local/domain/<id> (every node: its value and
 * GET_PERMS answer), of /vm/<uuid> and of every backend directory its
 * device/ and console/ nodes name; then reads, directory listings and
 * GET_PERMS of the paths a PV kernel may try outside them, each with its
 * answer (a value, or the error's name). Names are sorted (xenstored's
 * order is its own); values normalized: its own domid as D (in paths,
 * permissions and the id-valued keys), a uuid as U, a MAC, tty, port,
 * ring ref and start time by their kind. It writes nothing.
 */
#include "../../guest/lib/guest.h"
#include "../../guest/lib/mm.h"
#include "../../guest/lib/peer.h"
#include "../../guest/lib/events.h"
#include <lamina/io/xs_wire.h>
#include "common/xenbus_fe.h"

#define WAIT_MS		300000
#define PAYLOAD		4096
#define MAX_DEPTH	8

static unsigned int xv_line;
static char domid[16];
static uint32_t next_req = 1;

static void __attribute__((format(printf, 1, 2))) D(const char *fmt, ...)
{
	char buf[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("D %u %s\n", xv_line++, buf);
}

/*
 * One request ("a\0"), its reply in @out (NUL-terminated, @len its
 * payload's length); the reply's type, or a negative errno.
 */
static int xs_req(uint32_t type, const char *a, char *out, uint32_t *len)
{
	struct xsd_sockmsg m = { type, next_req++, 0, (uint32_t)strlen(a) + 1 };
	int rc;

	if (xbf_put(&m, sizeof(m), WAIT_MS) || xbf_put(a, strlen(a) + 1, WAIT_MS))
		return -ETIMEDOUT;
	xbf_kick();
	do {
		rc = xbf_recv(&m, out, PAYLOAD, WAIT_MS);
		if (rc)
			return rc;
	} while (m.type == XS_WATCH_EVENT);
	*len = m.len;
	return (int)m.type;
}

static bool is_num(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* 8-4-4-4-12 hex digits. */
static bool is_uuid(const char *s, size_t n)
{
	size_t i;

	if (n != 36)
		return false;
	for (i = 0; i < 36; i++)
		if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' : !is_hex(s[i]))
			return false;
	return true;
}

static bool is_mac(const char *s)
{
	unsigned int i;

	if (strlen(s) != 17)
		return false;
	for (i = 0; i < 17; i++)
		if ((i % 3 == 2) ? s[i] != ':' : !is_hex(s[i]))
			return false;
	return true;
}

/*
 * A path with its own domid as D where a path names a domain (after
 * "domain", "device-model", "libxl", or a backend's type), uuids as U.
 */
static void norm_path(const char *p, char *o, size_t size)
{
	char prev[32] = "", prev2[32] = "";
	size_t k = 0;

	while (*p && k + 40 < size) {
		const char *e = p;
		size_t n;
		bool dom;

		while (*e && *e != '/')
			e++;
		n = e - p;
		dom = !strcmp(prev, "domain") || !strcmp(prev, "device-model") ||
		      !strcmp(prev, "libxl") || !strcmp(prev2, "backend");
		if (dom && n && n == strlen(domid) && !strncmp(p, domid, n))
			o[k++] = 'D';
		else if (is_uuid(p, n))
			o[k++] = 'U';
		else {
			memcpy(o + k, p, n);
			k += n;
		}
		if (n) {
			snprintf(prev2, sizeof(prev2), "%s", prev);
			snprintf(prev, sizeof(prev), "%.*s", (int)(n < 31 ? n : 31), p);
		}
		if (*e == '/')
			o[k++] = '/', e++;
		p = e;
	}
	o[k] = '\0';
}

static const char *last(const char *path)
{
	const char *s = path;

	for (; *path; path++)
		if (*path == '/')
			s = path + 1;
	return s;
}

/* A node's value, normalized by its name. */
static void norm_value(const char *path, const char *v, char *o, size_t size)
{
	const char *k = last(path);

	if (!strcmp(k, "tty")) {	/* "" until the console daemon has its pty */
		snprintf(o, size, "<tty>");
	} else if (!*v) {
		snprintf(o, size, "\"\"");
	} else if (v[0] == '/') {
		char p[300];

		norm_path(v, p, sizeof(p));
		snprintf(o, size, "\"%s\"", p);
	} else if (is_uuid(v, strlen(v))) {
		snprintf(o, size, "<uuid>");
	} else if (is_mac(v)) {
		snprintf(o, size, "<mac>");
	} else if (!strcmp(k, "start_time")) {
		snprintf(o, size, "<time>");
	} else if (is_num(v) && (!strcmp(k, "port") || !strcmp(k, "event-channel"))) {
		snprintf(o, size, "<port>");
	} else if (is_num(v) && !strcmp(k, "ring-ref")) {
		snprintf(o, size, "<ring-ref>");
	} else if ((!strcmp(k, "domid") || !strcmp(k, "frontend-id")) && !strcmp(v, domid)) {
		snprintf(o, size, "D");
	} else {
		snprintf(o, size, "\"%s\"", v);
	}
}

/* GET_PERMS's answer: the entries joined by commas, D for its own id. */
static void perms_of(const char *path, char *o, size_t size)
{
	static char buf[PAYLOAD + 1];
	uint32_t len, i;
	size_t k = 0;
	int t = xs_req(XS_GET_PERMS, path, buf, &len);

	if (t != XS_GET_PERMS) {
		if (t == XS_ERROR)
			snprintf(o, size, "%s", buf);
		else
			snprintf(o, size, "(reply %d)", t);
		return;
	}
	for (i = 0; i < len && k + 24 < size;) {
		const char *e = buf + i;
		size_t n = strlen(e);

		if (k)
			o[k++] = ',';
		if (n > 1 && !strcmp(e + 1, domid))
			k += snprintf(o + k, size - k, "%cD", e[0]);
		else
			k += snprintf(o + k, size - k, "%s", e);
		i += n + 1;
	}
	o[k] = '\0';
}

/* One node: "<item> <path> = <value or error> perms <perms>". */
static void node(const char *item, const char *path)
{
	static char buf[PAYLOAD + 1];
	char p[300], v[600], perms[120];
	uint32_t len;
	int t = xs_req(XS_READ, path, buf, &len);

	norm_path(path, p, sizeof(p));
	if (t == XS_READ)
		norm_value(path, buf, v, sizeof(v));
	else if (t == XS_ERROR)
		snprintf(v, sizeof(v), "error %s", buf);
	else
		snprintf(v, sizeof(v), "(reply %d)", t);
	perms_of(path, perms, sizeof(perms));
	D("%s %s = %s perms %s", item, p, v, perms);
}

/*
 * A directory's children, sorted, in @names (NUL-separated, @n of them,
 * pointers in @ptr); the reply type.
 */
static int children(const char *path, char *names, const char **ptr, unsigned int max,
		    unsigned int *n)
{
	uint32_t len, i;
	unsigned int a, b;
	int t = xs_req(XS_DIRECTORY, path, names, &len);

	*n = 0;
	if (t != XS_DIRECTORY)
		return t;
	for (i = 0; i < len && *n < max; i += strlen(names + i) + 1)
		ptr[(*n)++] = names + i;
	for (a = 1; a < *n; a++)
		for (b = a; b && strcmp(ptr[b - 1], ptr[b]) > 0; b--) {
			const char *x = ptr[b];

			ptr[b] = ptr[b - 1];
			ptr[b - 1] = x;
		}
	return t;
}

/* A directory listing: "dir <path> = a b c" or its error. */
static void listing(const char *path)
{
	static char names[PAYLOAD + 1];
	static const char *ptr[256];
	char p[300], line[500];
	unsigned int n, i;
	size_t k = 0;
	int t = children(path, names, ptr, 256, &n);

	norm_path(path, p, sizeof(p));
	if (t != XS_DIRECTORY) {
		D("dir %s = %s%s", p, t == XS_ERROR ? "error " : "(reply)", t == XS_ERROR ? names : "");
		return;
	}
	line[0] = '\0';
	for (i = 0; i < n && k + 40 < sizeof(line); i++) {
		char c[60];

		norm_path(ptr[i], c, sizeof(c));
		k += snprintf(line + k, sizeof(line) - k, " %s", c);
	}
	D("dir %s =%s", p, n ? line : " (none)");
}

/* Every node under @path (itself first), children sorted. */
static void walk(const char *item, const char *path, unsigned int depth)
{
	static char names[MAX_DEPTH][PAYLOAD + 1];
	static const char *ptr[MAX_DEPTH][128];
	unsigned int n, i;
	char sub[300];

	node(item, path);
	if (depth >= MAX_DEPTH)
		return;
	if (children(path, names[depth], ptr[depth], 128, &n) != XS_DIRECTORY)
		return;
	for (i = 0; i < n; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", path, ptr[depth][i]);
		walk(item, sub, depth + 1);
	}
}

/* The value of @path in @v (empty when it cannot be read). */
static void value(const char *path, char *v, size_t size)
{
	static char buf[PAYLOAD + 1];
	uint32_t len;

	v[0] = '\0';
	if (xs_req(XS_READ, path, buf, &len) == XS_READ)
		snprintf(v, size, "%s", buf);
}

/* The backend directories its device/<class>/<devid>/backend and console/backend name. */
static void walk_backends(const char *home)
{
	static char classes[PAYLOAD + 1], devs[PAYLOAD + 1];
	static const char *cp[32], *dp[64];
	char path[300], be[300];
	unsigned int nc, nd, i, j;

	snprintf(path, sizeof(path), "%s/device", home);
	if (children(path, classes, cp, 32, &nc) == XS_DIRECTORY)
		for (i = 0; i < nc; i++) {
			snprintf(path, sizeof(path), "%s/device/%s", home, cp[i]);
			if (children(path, devs, dp, 64, &nd) != XS_DIRECTORY)
				continue;
			for (j = 0; j < nd; j++) {
				snprintf(path, sizeof(path), "%s/device/%s/%s/backend", home,
					 cp[i], dp[j]);
				value(path, be, sizeof(be));
				if (be[0] == '/')
					walk("backend", be, 0);
			}
		}
	snprintf(path, sizeof(path), "%s/console/backend", home);
	value(path, be, sizeof(be));
	if (be[0] == '/')
		walk("backend", be, 0);
}

/* Relative reads a PV kernel makes of its own home (some absent on purpose). */
static const char *const relative[] = {
	"domid", "name", "vm", "memory/target", "memory/static-max", "memory/videoram",
	"control/shutdown", "control/feature-poweroff", "control/feature-reboot",
	"control/feature-suspend", "control/feature-s3", "control/feature-s4", "control/sysrq",
	"control/platform-feature-multiprocessor-suspend",
	"control/platform-feature-xs_reset_watches", "console/port", "console/ring-ref",
	"console/tty", "console/type", "console/limit", "console/output", "console/backend",
	"console/backend-id", "console/state", "store/port", "store/ring-ref",
	"cpu/0/availability", "cpu/1/availability", "cpu/2/availability", "data", "drivers",
	"feature", "attr", "error", "image", "serial", "serial/0", "device",
	"device/suspend/event-channel", "device/vbd", "device/vif", "device/console",
	"device/vkbd", "device/vfb", "device/pci", "hvmloader", "platform", "target",
};

/* Paths outside its home ("D" is its own id, "U" its uuid). */
static const char *const outside[] = {
	"/", "/local", "/local/domain", "/local/domain/0", "/local/domain/0/name",
	"/local/domain/0/domid", "/local/domain/0/backend", "/local/domain/0/backend/vbd",
	"/local/domain/0/backend/vbd/D", "/local/domain/0/backend/qdisk",
	"/local/domain/0/backend/qdisk/D", "/local/domain/0/backend/vif",
	"/local/domain/0/backend/vif/D", "/local/domain/0/backend/console",
	"/local/domain/0/backend/console/D", "/local/domain/0/device-model",
	"/local/domain/0/device-model/D", "/vm", "/vm/U", "/vm/U/image", "/vm/U/memory",
	"/vm/U/vcpus", "/vm/U/vcpu_avail", "/libxl", "/libxl/D", "/libxl/D/type", "/tool",
	"/tool/xenstored", "/tool/xenstored/domid", "/tool/xenconsoled/domid",
	"/local/domain/D/device/vbd/51712", "/local/domain/D/device/vif/0",
};

/* @t with D and U put back: its own id and uuid. */
static void expand(const char *t, const char *uuid, char *o, size_t size)
{
	size_t k = 0;

	for (; *t && k + 40 < size; t++) {
		if (*t == 'D' && t[-1] == '/' && (!t[1] || t[1] == '/'))
			k += snprintf(o + k, size - k, "%s", domid);
		else if (*t == 'U' && t[-1] == '/' && (!t[1] || t[1] == '/'))
			k += snprintf(o + k, size - k, "%s", uuid);
		else
			o[k++] = *t;
	}
	o[k] = '\0';
}

int test_main(struct start_info *si)
{
	static char buf[PAYLOAD + 1];
	char home[64], vm[128], uuid[64], path[300], p[300];
	uint32_t len;
	unsigned int i;
	int rc, t;

	mm_init(si);
	if (console_page)	/* no line may be lost */
		console_page_domu(si->console.domU.evtchn);
	rc = xbf_init(si);
	if (rc)
		return fail("no store ring or events: %d", rc);
	/* the first request waits in the ring until dom0 introduces us */
	t = xs_req(XS_READ, "domid", buf, &len);
	if (t != XS_READ || !is_num(buf))
		return fail("read domid: reply %d '%s'", t, buf);
	snprintf(domid, sizeof(domid), "%s", buf);
	t = xs_req(XS_GET_DOMAIN_PATH, domid, buf, &len);
	norm_path(buf, p, sizeof(p));
	D("get_domain_path D = %s%s", t == XS_GET_DOMAIN_PATH ? "" : "error ", p);
	snprintf(home, sizeof(home), "%s", buf);
	t = xs_req(XS_GET_DOMAIN_PATH, "0", buf, &len);
	D("get_domain_path 0 = %s%s", t == XS_GET_DOMAIN_PATH ? "" : "error ", buf);
	if (strncmp(home, "/local/domain/", 14))
		snprintf(home, sizeof(home), "/local/domain/%s", domid);
	walk("home", home, 0);
	snprintf(path, sizeof(path), "%s/vm", home);
	value(path, vm, sizeof(vm));
	snprintf(uuid, sizeof(uuid), "%s", !strncmp(vm, "/vm/", 4) ? vm + 4 : "none");
	if (!strncmp(vm, "/vm/", 4))
		walk("vm", vm, 0);
	walk_backends(home);
	for (i = 0; i < sizeof(relative) / sizeof(relative[0]); i++) {
		t = xs_req(XS_READ, relative[i], buf, &len);
		if (t == XS_READ) {
			char v[600];

			norm_value(relative[i], buf, v, sizeof(v));
			D("relative %s = %s", relative[i], v);
		} else {
			D("relative %s = error %s", relative[i], t == XS_ERROR ? buf : "(reply)");
		}
	}
	for (i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		expand(outside[i], uuid, path, sizeof(path));
		node("read", path);
		listing(path);
	}
	printf("xs-view: %u lines\n", xv_line);
	console_page_drain();
	return TEST_PASS;
}
