// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmctl: the toolstack's command line, in dom0. The start of libvmctl:
 * hypercalls through Linux's /dev/xen/privcmd, the store through our libxs.
 *
 *   vmctl list                       the domains: id, name, memory, state
 *   vmctl introduce [--all | ID [NAME]]
 *                                    hand boot-time domUs to xenstored
 *   vmctl params ID                  a boot-time domain's rings (hvm_op)
 *   vmctl console ID [--wait S]      the domain's console, through consoled's
 *                                    terminal (console/tty); Ctrl-] leaves
 *
 * introduce does what a toolstack does for a domain it built: it creates
 * /local/domain/ID (owned by the domain, so its kernel may write there)
 * with name, domid, cpu/0/availability, memory/{static-max,target} and
 * console/{ring-ref,port,type}, then sends
 * XS_INTRODUCE with the store ring's frame and port, after which xenstored
 * maps the ring (grant ref 1) and serves the domain. The frames and ports
 * come from the hypervisor (hvm_op get_param, lamina/hvm_op.h); domains
 * are listed with domctl getdomaininfo (lamina/domctl.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <lamina/io/privcmd.h>
#include <lamina/hypercall.h>
#include <lamina/domctl.h>
#include <lamina/hvm_op.h>
#include "xs.h"

#define PRIVCMD		"/dev/xen/privcmd"

static int privcmd = -1;

static const char usage[] =
	"usage: vmctl COMMAND [ARGS]\n"
	"  list                        the domains: id, name, memory, state\n"
	"  introduce [--all | ID [NAME]]\n"
	"                              hand boot-time domUs (all not yet introduced, or\n"
	"                              one, named NAME) to xenstored\n"
	"  params ID                   a boot-time domain's xenstore and console rings\n"
	"  console ID [--wait S]       the domain's console (served by consoled); Ctrl-]\n"
	"                              leaves. With input from a pipe or file: type it,\n"
	"                              then show the output for S more seconds (default 1)\n"
	"  help                        this text\n"
	"xenstored is reached at $XENSTORED_PATH or /run/xenstored/socket.\n";

/* A hypercall through privcmd: its result, or -errno. */
static long hypercall(uint64_t op, uint64_t a0, uint64_t a1)
{
	struct privcmd_hypercall h = { .op = op, .arg = { a0, a1 } };
	long rc;

	if (privcmd < 0) {
		privcmd = open(PRIVCMD, O_RDWR | O_CLOEXEC);
		if (privcmd < 0) {
			fprintf(stderr, "vmctl: cannot open %s: %s (not in dom0?)\n", PRIVCMD,
				strerror(errno));
			exit(1);
		}
	}
	rc = ioctl(privcmd, IOCTL_PRIVCMD_HYPERCALL, &h);
	return rc < 0 ? -errno : rc;
}

/* The first domain with an id >= id; 0, -ESRCH past the last, or -errno. */
static long domain_info(unsigned int id, struct domctl_getdomaininfo *info)
{
	struct domctl op = { .cmd = DOMCTL_getdomaininfo,
			     .interface_version = DOMCTL_INTERFACE_VERSION,
			     .domain = (domid_t)id };
	long rc = hypercall(__HYPERVISOR_domctl, (uint64_t)&op, 0);

	if (!rc)
		*info = op.u.getdomaininfo;
	return rc;
}

static long param(unsigned int id, uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = { .domid = (domid_t)id, .index = index };
	long rc = hypercall(__HYPERVISOR_hvm_op, HVMOP_get_param, (uint64_t)&p);

	*value = p.value;
	return rc;
}

struct rings {
	uint64_t store_mfn, store_port, console_mfn, console_port;
};

static long get_rings(unsigned int id, struct rings *r)
{
	long rc = param(id, HVM_PARAM_STORE_PFN, &r->store_mfn);

	if (!rc)
		rc = param(id, HVM_PARAM_STORE_EVTCHN, &r->store_port);
	if (!rc)
		rc = param(id, HVM_PARAM_CONSOLE_PFN, &r->console_mfn);
	if (!rc)
		rc = param(id, HVM_PARAM_CONSOLE_EVTCHN, &r->console_port);
	return rc;
}

static int parse_id(const char *s, unsigned int *id)
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

static const char *state_of(uint32_t flags)
{
	static const char *const reasons[] = { "powered off", "rebooted", "suspended",
					       "crashed" };
	unsigned int why = (flags >> DOMINF_SHUTDOWN_SHIFT) & 0xFF;

	if (flags & DOMINF_dying)
		return "dying";
	if (flags & DOMINF_shutdown)
		return why < 4 ? reasons[why] : "shut down";
	if (flags & DOMINF_running)
		return "running";
	if (flags & DOMINF_blocked)
		return "blocked";
	return "runnable";
}

/* The store, or NULL after saying why (callers that can do without go on). */
static struct xs_handle *store(bool quiet)
{
	struct xs_handle *h;
	int rc = xs_open(NULL, &h);

	if (rc) {
		if (!quiet)
			fprintf(stderr, "vmctl: cannot reach xenstored at %s: %s\n",
				xs_default_socket(), strerror(-rc));
		return NULL;
	}
	return h;
}

static int cmd_list(void)
{
	struct domctl_getdomaininfo info;
	struct xs_handle *h = store(true);
	unsigned int id = 0;
	long rc;

	printf("%-5s %-16s %9s  %s\n", "ID", "Name", "Mem(MiB)", "State");
	while ((rc = domain_info(id, &info)) == 0) {
		char path[64], *name = NULL;
		unsigned int len;

		snprintf(path, sizeof(path), "/local/domain/%u/name", info.domain);
		if (h && xs_read(h, 0, path, &name, &len))
			name = NULL;
		printf("%-5u %-16s %9llu  %s\n", info.domain,
		       name ? name : info.domain ? "-" : "Domain-0",
		       (unsigned long long)(info.tot_pages >> 8), state_of(info.flags));
		free(name);
		id = info.domain + 1u;
	}
	if (h)
		xs_close(h);
	if (rc != -ESRCH) {
		fprintf(stderr, "vmctl: domctl getdomaininfo: %s\n", strerror((int)-rc));
		return 1;
	}
	return 0;
}

/* /local/domain/<id>/<rel> = val (a directory when val is NULL). */
static int put(struct xs_handle *h, unsigned int id, const char *rel, const char *val)
{
	char path[96];
	int rc;

	snprintf(path, sizeof(path), "/local/domain/%u%s%s", id, *rel ? "/" : "", rel);
	rc = val ? xs_write(h, 0, path, val, strlen(val)) : xs_mkdir(h, 0, path);
	if (rc)
		fprintf(stderr, "vmctl: d%u: cannot write %s: %s\n", id, path, strerror(-rc));
	return rc;
}

static int put_num(struct xs_handle *h, unsigned int id, const char *rel, unsigned long long v)
{
	char val[24];

	snprintf(val, sizeof(val), "%llu", v);
	return put(h, id, rel, val);
}

/* One domain: its nodes, owned by it, then XS_INTRODUCE. */
static int introduce(struct xs_handle *h, unsigned int id, const char *name)
{
	char base[48], owner[16], dflt[32];
	const char *perms[] = { owner };
	struct domctl_getdomaininfo info;
	unsigned long long pages = 0;
	struct rings r;
	long rc = get_rings(id, &r);

	if (!domain_info(id, &info) && info.domain == id)
		pages = info.tot_pages;		/* KiB below, as the balloon driver reads them */
	if (rc == -ENOENT) {
		fprintf(stderr, "vmctl: d%u has no xenstore ring (built with rings=off?)\n", id);
		return 1;
	}
	if (rc) {
		fprintf(stderr, "vmctl: d%u: %s\n", id,
			rc == -ESRCH ? "no such domain" : strerror((int)-rc));
		return 1;
	}
	if (!name) {
		snprintf(dflt, sizeof(dflt), "domU-%u", id);
		name = dflt;
	}
	snprintf(base, sizeof(base), "/local/domain/%u", id);
	snprintf(owner, sizeof(owner), "n%u", id);
	if (put(h, id, "", NULL))
		return 1;
	rc = xs_set_perms(h, 0, base, perms, 1);
	if (rc) {
		fprintf(stderr, "vmctl: d%u: cannot make it the owner of %s: %s\n", id, base,
			strerror((int)-rc));
		return 1;
	}
	if (put(h, id, "name", name) || put_num(h, id, "domid", id) ||
	    put(h, id, "cpu/0/availability", "online") ||
	    (pages && (put_num(h, id, "memory/static-max", pages * 4) ||
		       put_num(h, id, "memory/target", pages * 4))) ||
	    put_num(h, id, "console/ring-ref", r.console_mfn) ||
	    put_num(h, id, "console/port", r.console_port) ||
	    put(h, id, "console/type", "lamina-consoled") || put(h, id, "data", NULL))
		return 1;
	rc = xs_introduce(h, id, r.store_mfn, (unsigned int)r.store_port);
	if (rc) {
		fprintf(stderr, "vmctl: d%u: xenstored refused the introduction: %s\n", id,
			strerror((int)-rc));
		return 1;
	}
	printf("d%u (%s): introduced, store ring mfn %#llx port %llu\n", id, name,
	       (unsigned long long)r.store_mfn, (unsigned long long)r.store_port);
	return 0;
}

static int cmd_introduce(int argc, char **argv)
{
	struct domctl_getdomaininfo info;
	struct xs_handle *h;
	unsigned int id = 1, done = 0;
	int failed = 0;
	long rc;

	if (argc < 2 || argc > 3 || (argc == 3 && !strcmp(argv[1], "--all"))) {
		fputs(usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "--all") && parse_id(argv[1], &id))
		return 2;
	if (id == 0) {
		fprintf(stderr, "vmctl: dom0 is always introduced\n");
		return 1;
	}
	h = store(false);
	if (!h)
		return 1;
	if (strcmp(argv[1], "--all")) {
		failed = introduce(h, id, argc == 3 ? argv[2] : NULL);
		xs_close(h);
		return failed;
	}
	while ((rc = domain_info(id, &info)) == 0) {
		struct rings r;

		id = info.domain + 1u;
		if (info.flags & (DOMINF_dying | DOMINF_shutdown) ||
		    xs_is_domain_introduced(h, info.domain) == 1 ||
		    get_rings(info.domain, &r) == -ENOENT)
			continue;
		failed |= introduce(h, info.domain, NULL);
		done++;
	}
	xs_close(h);
	if (rc != -ESRCH) {
		fprintf(stderr, "vmctl: domctl getdomaininfo: %s\n", strerror((int)-rc));
		return 1;
	}
	if (!done)
		printf("no boot-time domain waiting to be introduced\n");
	return failed;
}

static int cmd_params(int argc, char **argv)
{
	unsigned int id;
	struct rings r;
	long rc;

	if (argc != 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (parse_id(argv[1], &id))
		return 2;
	rc = get_rings(id, &r);
	if (rc) {
		fprintf(stderr, "vmctl: d%u: %s\n", id, rc == -ESRCH ? "no such domain" :
			rc == -ENOENT ? "no rings" : strerror((int)-rc));
		return 1;
	}
	printf("store-mfn %#llx store-port %llu console-mfn %#llx console-port %llu\n",
	       (unsigned long long)r.store_mfn, (unsigned long long)r.store_port,
	       (unsigned long long)r.console_mfn, (unsigned long long)r.console_port);
	return 0;
}

#define CTRL_RBRACKET	0x1d

/* consoled's terminal for the domain, waiting up to 5 s for it to appear. */
static int console_tty(unsigned int id, char **tty)
{
	struct xs_handle *h = store(false);
	char path[64];
	unsigned int len, tries;
	int rc = -ENOENT;

	if (!h)
		return -1;
	snprintf(path, sizeof(path), "/local/domain/%u/console/tty", id);
	for (tries = 0; tries < 50; tries++) {
		rc = xs_read(h, 0, path, tty, &len);
		if (!rc && len)
			break;
		if (!rc)
			free(*tty);
		usleep(100000);
	}
	xs_close(h);
	if (rc || !len) {
		fprintf(stderr, "vmctl: d%u has no console terminal in %s (%s): is consoled "
			"running, and the domain introduced?\n", id, path,
			rc ? strerror(-rc) : "empty");
		return -1;
	}
	return 0;
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* Copies one read's worth from in to out; false at end of input. */
static bool relay(int in, int out, bool *leave)
{
	char buf[1024];
	ssize_t n = read(in, buf, sizeof(buf));
	char *stop;

	if (n <= 0)
		return n < 0 && errno == EAGAIN;
	stop = leave ? memchr(buf, CTRL_RBRACKET, (size_t)n) : NULL;
	if (stop) {
		n = stop - buf;
		*leave = true;
	}
	return write(out, buf, (size_t)n) == n || errno == EAGAIN;
}

static int cmd_console(int argc, char **argv)
{
	struct termios saved, raw;
	bool interactive = isatty(0), leave = false, input = true;
	long long linger_ms = 1000, end = 0;
	unsigned int id;
	char *tty, *endp;
	int fd;

	if (argc == 4 && !strcmp(argv[2], "--wait")) {
		linger_ms = (long long)(strtod(argv[3], &endp) * 1000);
		if (*endp || endp == argv[3] || linger_ms < 0) {
			fprintf(stderr, "vmctl: --wait takes seconds, not '%s'\n", argv[3]);
			return 2;
		}
	} else if (argc != 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (parse_id(argv[1], &id))
		return 2;
	if (id == 0) {
		fprintf(stderr, "vmctl: dom0's console is the hypervisor's serial line\n");
		return 1;
	}
	if (console_tty(id, &tty))
		return 1;
	fd = open(tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "vmctl: cannot open d%u's console %s: %s\n", id, tty,
			strerror(errno));
		free(tty);
		return 1;
	}
	free(tty);
	tcflush(fd, TCIFLUSH);	/* output from before we came is in consoled's log */
	if (interactive) {
		tcgetattr(0, &saved);
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
		printf("Connected to d%u's console (Ctrl-] leaves)\r\n", id);
		fflush(stdout);
	}
	while (!leave) {
		struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN },
					 { .fd = 0, .events = POLLIN } };
		int wait = input ? -1 : (int)(end - now_ms() > 0 ? end - now_ms() : 0);

		if (!input && !wait)
			break;
		if (poll(pfd, input ? 2 : 1, wait) < 0 && errno != EINTR)
			break;
		if ((pfd[0].revents & POLLIN) && !relay(fd, 1, NULL))
			break;
		if (input && (pfd[1].revents & (POLLIN | POLLHUP)) &&
		    !relay(0, fd, interactive ? &leave : NULL)) {
			input = false;		/* end of piped input: linger for output */
			end = now_ms() + linger_ms;
		}
	}
	if (interactive) {
		tcsetattr(0, TCSANOW, &saved);
		printf("\n");
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "list") && argc == 2)
		return cmd_list();
	if (!strcmp(argv[1], "introduce"))
		return cmd_introduce(argc - 1, argv + 1);
	if (!strcmp(argv[1], "params"))
		return cmd_params(argc - 1, argv + 1);
	if (!strcmp(argv[1], "console"))
		return cmd_console(argc - 1, argv + 1);
	fprintf(stderr, "vmctl: unknown command '%s'\n%s", argv[1], usage);
	return 2;
}
