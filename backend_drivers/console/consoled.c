// SPDX-License-Identifier: GPL-2.0-only
/*
 * consoled: the console backend in dom0 (docs/abi-devices.md §4.5, §6.1).
 *
 * It serves the primary console of every domain the toolstack has put in
 * the store with a console/port (vmctl introduce writes it): it maps the
 * domain's console page through gntdev (grant ref 0, which the hypervisor
 * seeds for dom0), binds the console port, and then
 *   - the guest's output goes to <log dir>/d<id>.log (without carriage
 *     returns; capped in size, the previous file kept as d<id>.log.1, so
 *     a chatty guest cannot fill dom0's memory-backed root) and to a
 *     pseudo-terminal whose path it writes to console/tty (a node dom0
 *     owns and the guest may only read), where `vmctl console <id>`
 *     attaches;
 *   - what is typed on that terminal goes into the ring as the guest's
 *     keyboard input, as much as the ring has room for.
 * It looks again on every @introduceDomain and @releaseDomain, and lets a
 * console go once xenstored no longer knows its domain (output already in
 * the ring is written out first).
 *
 * The ring is the guest's: its indices are checked on every pass
 * (cons_ring.c) and a guest that breaks them loses its console, not the
 * daemon. A guest's output is taken BATCH_US after its event, its port
 * masked till then (at once if its ring is half full), so a storm of
 * events is one pass each BATCH_US at most; a guest is answered at most
 * 30 events each 200 ms besides, as by Xen 4.17's xenconsoled (past that
 * its port stays masked until the period ends; cons_ring.h), and a pass
 * takes at most DRAIN_MAX bytes of its output, a further pass costing it
 * an event of that budget: neither an event storm nor a guest writing as
 * fast as it can holds the daemon from the other consoles and the store.
 * Output to a terminal nobody reads is dropped when the terminal's buffer
 * is full; the log keeps the last of it (up to twice --log-size).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <lamina/grant_table.h>
#include "cons_log.h"
#include "cons_ring.h"
#include "xendev.h"	/* dom0_tools/lib: the /dev/xen glue */
#include "xs.h"

#define DEFAULT_LOG_DIR	"/var/log/lamina/console"
#define MAX_GUESTS	64

struct guest {
	unsigned int domid;
	struct xencons_interface *intf;
	uint64_t map_handle;
	int local_port;
	int pty;		/* master side */
	int pty_slave;		/* held open so the master never hangs up */
	struct cons_log log;
	char tty[64];
	struct cons_rate rate;	/* its events answered this period */
	bool more;		/* output left in its ring by take_output()'s cap */
	bool masked;		/* its port left masked by on_event() until the period ends */
	long long take_at;	/* a pass due then (us, its port masked till then); 0: none */
};

/*
 * After an event, the guest's output is taken BATCH_US later, not at once
 * (unless its ring is half full already): its port stays masked
 * meanwhile, so the lines a booting guest writes in that time are one
 * event and one pass, not one each (on Lamina an event wakes dom0 at
 * once: the scheduler's wake boost), and the guest is not stopped line by
 * line. Short enough that a guest filling its ring (Linux's hvc_xen spins
 * on a full one) is not held long: docs/benchmarks.md, "consoled's event
 * budget".
 */
#define BATCH_US	300

/*
 * Output taken from one ring in one go: a guest refilling its ring from
 * another vCPU as fast as we empty it must not keep the daemon from the
 * other consoles and the store; what it leaves is taken on the next pass.
 */
#define DRAIN_MAX	(4 * XENCONS_OUT_SIZE)

static struct guest guests[MAX_GUESTS];
static unsigned int nr_guests;
static struct xendev dev = XENDEV_INIT;
static struct xs_handle *xs;
static const char *log_dir = DEFAULT_LOG_DIR;
static off_t log_size = CONS_LOG_DEFAULT;
/*
 * For tests only (CONSOLED_PUBLISH_DELAY_MS in the environment): a pause
 * between taking up a console and writing its console/tty, which makes
 * the race with a toolstack removing the domain's home at that moment
 * happen every time (tests/linux/dom0/run, vmctl-bad-input).
 */
static unsigned int publish_delay_ms;

static const char usage[] =
	"usage: consoled [--log-dir DIR] [--log-size BYTES] [--socket PATH]\n"
	"Serves the console ring of every domain with /local/domain/<id>/console/port\n"
	"in xenstore: output to DIR/d<id>.log (default " DEFAULT_LOG_DIR ")\n"
	"and to a terminal named in console/tty (`vmctl console <id>` attaches).\n"
	"A log reaching BYTES (default 1M; K and M suffixes, at least 4K) becomes\n"
	"d<id>.log.1, replacing the previous one, and a new log is started.\n"
	"xenstored is reached at PATH, else $XENSTORED_PATH or /run/xenstored/socket.\n"
	"Runs in the foreground; messages go to stderr.\n";

static void say(const char *fmt, ...)
{
	char when[16];
	time_t now = time(NULL);
	va_list ap;

	strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
	fprintf(stderr, "consoled %s: ", when);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long now_ms(void)
{
	return now_us() / 1000;
}

static struct guest *find_guest(unsigned int domid)
{
	unsigned int i;

	for (i = 0; i < nr_guests; i++)
		if (guests[i].domid == domid)
			return &guests[i];
	return NULL;
}

static int mkdir_p(const char *path)
{
	char tmp[256];
	char *p;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(tmp, 0755) && errno != EEXIST ? -errno : 0;
}

/* A number from /local/domain/<id>/<rel>; -errno if absent or not a number. */
static long read_num(unsigned int domid, const char *rel)
{
	char path[96], *val, *end;
	unsigned int len;
	long v;
	int rc;

	snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, rel);
	rc = xs_read(xs, 0, path, &val, &len);
	if (rc)
		return rc;
	v = strtol(val, &end, 10);
	rc = (!len || *end || v < 0) ? -EINVAL : 0;
	free(val);
	return rc ? rc : v;
}

/* A pseudo-terminal in raw mode: the guest's own tty does the echoing. */
static int open_pty(struct guest *g)
{
	struct termios t;
	const char *name;

	g->pty = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (g->pty < 0 || grantpt(g->pty) || unlockpt(g->pty) || !(name = ptsname(g->pty)))
		return -errno;
	snprintf(g->tty, sizeof(g->tty), "%s", name);
	g->pty_slave = open(g->tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (g->pty_slave < 0)
		return -errno;
	if (!tcgetattr(g->pty_slave, &t)) {
		cfmakeraw(&t);
		tcsetattr(g->pty_slave, TCSANOW, &t);
	}
	return 0;
}

static void release_guest(struct guest *g)
{
	if (g->local_port >= 0)
		xendev_unbind(&dev, (unsigned int)g->local_port);
	if (g->intf)
		xendev_unmap(&dev, g->intf, g->map_handle);
	if (g->pty >= 0)
		close(g->pty);
	if (g->pty_slave >= 0)
		close(g->pty_slave);
	cons_log_close(&g->log);
	*g = guests[--nr_guests];
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n <= 0)
			return;		/* a full terminal: the log has it */
		buf += n;
		len -= (size_t)n;
	}
}

/* To the log while it works; a log that fails is said once and closed. */
static void log_output(struct guest *g, const char *buf, size_t len)
{
	int rc;

	if (g->log.fd < 0)
		return;
	rc = cons_log_write(&g->log, buf, len);
	if (rc)
		say("d%u: writing %s: %s; its output is no longer logged", g->domid,
		    g->log.path, strerror(-rc));
}

/* Moves the guest's output to its log and terminal. False if its ring is bad. */
static bool take_output(struct guest *g)
{
	char buf[XENCONS_OUT_SIZE], plain[XENCONS_OUT_SIZE];
	size_t taken = 0;
	int n = 0;

	while (taken < DRAIN_MAX && (n = cons_take_output(g->intf, buf, sizeof(buf))) > 0) {
		log_output(g, plain, cons_strip_cr(plain, buf, (size_t)n));
		write_all(g->pty, buf, (size_t)n);
		taken += (size_t)n;
	}
	g->more = taken >= DRAIN_MAX;
	if (taken)
		xendev_notify(&dev, (unsigned int)g->local_port);
	if (n < 0) {
		say("d%u: the guest broke its console ring's indices; console closed", g->domid);
		return false;
	}
	return true;
}

/* Input typed on the terminal, as much as the ring has room for. */
static bool give_input(struct guest *g)
{
	struct xencons_interface *r = g->intf;
	/* A first look, to size the read: cons_put_input() reads both again and checks them. */
	uint32_t used = __atomic_load_n(&r->in_prod, __ATOMIC_RELAXED) -
			__atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE);
	char buf[XENCONS_IN_SIZE];
	ssize_t n;
	int put;

	if (used >= XENCONS_IN_SIZE)
		return used == XENCONS_IN_SIZE;
	n = read(g->pty, buf, XENCONS_IN_SIZE - used);
	if (n <= 0)
		return true;
	put = cons_put_input(r, buf, (size_t)n);
	if (put < 0) {
		say("d%u: the guest broke its console ring's indices; console closed", g->domid);
		return false;
	}
	xendev_notify(&dev, (unsigned int)g->local_port);
	return true;
}

/* Room for input: the terminal is worth reading only then. */
static bool input_room(const struct guest *g)
{
	return __atomic_load_n(&g->intf->in_prod, __ATOMIC_RELAXED) -
	       __atomic_load_n(&g->intf->in_cons, __ATOMIC_RELAXED) < XENCONS_IN_SIZE;
}

/*
 * console/tty = our terminal, owned by dom0 and only readable by the guest
 * (as Xen's toolstack keeps it), both at once: `vmctl console` opens what
 * it names as root, so the guest must never have written it.
 *
 * Only while the domain's console/port is still there, read in the same
 * transaction: a write creates every missing parent, so a toolstack that
 * removed the domain's home meanwhile (a `vmctl create` undoing a failed
 * build right after XS_INTRODUCE) would otherwise find
 * /local/domain/<id>/console/tty back after it, with nobody left to remove
 * it. Its removal after our read makes the commit fail (-EAGAIN) and the
 * retry finds the port gone: -ENOENT, nothing written.
 */
static int write_tty_node(unsigned int domid, const char *path, const char *tty,
			  const char *const *perms)
{
	char port[64], *val;
	unsigned int tries, len;
	uint32_t tx;
	int rc;

	snprintf(port, sizeof(port), "/local/domain/%u/console/port", domid);
	for (tries = 0; tries < 10; tries++) {
		rc = xs_transaction_start(xs, &tx);
		if (rc)
			return rc;
		rc = xs_read(xs, tx, port, &val, &len);
		if (!rc) {
			free(val);
			rc = xs_write(xs, tx, path, tty, strlen(tty));
		}
		if (!rc)
			rc = xs_set_perms(xs, tx, path, perms, 2);
		if (rc) {
			xs_transaction_end(xs, tx, false);
			return rc;
		}
		rc = xs_transaction_end(xs, tx, true);
		if (rc != -EAGAIN)	/* -EAGAIN: the store changed meanwhile */
			return rc;
	}
	return rc;
}

static void publish_tty(struct guest *g)
{
	char path[64], owner[16] = "n0", reader[16];
	const char *perms[] = { owner, reader };
	int rc;

	snprintf(path, sizeof(path), "/local/domain/%u/console/tty", g->domid);
	snprintf(reader, sizeof(reader), "r%u", g->domid);
	rc = write_tty_node(g->domid, path, g->tty, perms);
	if (rc == -ENOENT)
		say("d%u: its console/port is gone (the domain's home was removed); "
		    "console/tty not written", g->domid);
	else if (rc)
		say("d%u: cannot write %s: %s", g->domid, path, strerror(-rc));
}

static void serve(unsigned int domid, long port)
{
	struct guest *g;
	char path[320];
	int rc;

	if (nr_guests == MAX_GUESTS) {
		say("d%u: already serving %u consoles; not this one", domid, MAX_GUESTS);
		return;
	}
	g = &guests[nr_guests++];
	*g = (struct guest){ .domid = domid, .local_port = -1, .pty = -1, .pty_slave = -1,
			     .log.fd = -1 };
	cons_rate_init(&g->rate, now_ms());
	g->intf = xendev_map(&dev, domid, GNTTAB_RESERVED_CONSOLE, &g->map_handle);
	if (!g->intf) {
		say("d%u: cannot map its console page (grant ref %u): %s", domid,
		    GNTTAB_RESERVED_CONSOLE, strerror(errno));
		goto fail;
	}
	g->local_port = xendev_bind(&dev, domid, (unsigned int)port);
	if (g->local_port < 0) {
		say("d%u: cannot bind its console port %ld: %s", domid, port,
		    strerror(-g->local_port));
		goto fail;
	}
	rc = open_pty(g);
	if (rc) {
		say("d%u: no terminal: %s", domid, strerror(-rc));
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/d%u.log", log_dir, domid);
	rc = cons_log_open(&g->log, path, log_size);
	if (rc) {
		say("d%u: cannot open %s: %s", domid, path, strerror(-rc));
		goto fail;
	}
	if (publish_delay_ms)
		poll(NULL, 0, (int)publish_delay_ms);
	publish_tty(g);
	say("d%u: console served: its port %ld bound as %d, output to %s/d%u.log and %s",
	    domid, port, g->local_port, log_dir, domid, g->tty);
	if (!take_output(g))
		goto fail;
	return;
fail:
	release_guest(g);
}

/* Consoles for new domains; the end of those xenstored let go. */
static void rescan(void)
{
	char *names = NULL, *name;
	unsigned int len, i;
	int n, k;

	for (i = 0; i < nr_guests; i++) {
		struct guest *g = &guests[i];

		if (xs_is_domain_introduced(xs, g->domid) == 0) {
			take_output(g);
			say("d%u: domain released; console closed", g->domid);
			release_guest(g);
			i--;
		}
	}
	n = xs_directory(xs, 0, "/local/domain", &names, &len);
	for (k = 0, name = names; k < n; k++, name += strlen(name) + 1) {
		char *end;
		unsigned long id = strtoul(name, &end, 10);
		long port;

		if (*end || id == 0 || id >= DOMID_FIRST_RESERVED || find_guest((unsigned int)id) ||
		    xs_is_domain_introduced(xs, (unsigned int)id) != 1)
			continue;
		port = read_num((unsigned int)id, "console/port");
		if (port > 0)
			serve((unsigned int)id, port);
	}
	free(names);
}

/* Its ring at least half full (or its indices garbage): take the output now. */
static bool ring_half_full(const struct guest *g)
{
	uint32_t used = __atomic_load_n(&g->intf->out_prod, __ATOMIC_ACQUIRE) -
			__atomic_load_n(&g->intf->out_cons, __ATOMIC_RELAXED);

	return used >= XENCONS_OUT_SIZE / 2;
}

/*
 * An event: counted in the guest's budget; its output is taken BATCH_US
 * later with its port masked till then, or at once if its ring is half
 * full or the budget is spent (the port then stays masked until the
 * period ends). With a pass already due nothing more is done: that pass
 * unmasks the port.
 */
static void on_event(void)
{
	int port = xendev_pending(&dev);
	unsigned int i;

	if (port < 0)
		return;
	for (i = 0; i < nr_guests; i++) {
		struct guest *g = &guests[i];
		long long now = now_us();
		bool within;

		if (g->local_port != port)
			continue;
		within = cons_rate_event(&g->rate, now / 1000);
		if (g->take_at) {		/* a pass is due: it unmasks */
			g->masked |= !within;
			return;
		}
		if (within && !ring_half_full(g)) {
			g->take_at = now + BATCH_US;
			return;
		}
		if (!take_output(g)) {
			release_guest(g);
			return;
		}
		if (!within) {
			g->masked = true;	/* over its budget: until cons_rate_tick() */
			return;
		}
		break;
	}
	xendev_unmask(&dev, (unsigned int)port);
}

/*
 * Guests whose pass after an event is due (on_event() set it BATCH_US
 * ahead), those whose rate-limit period ended with their port masked
 * (events that came meanwhile are pending: the unmask delivers them), and
 * those whose output take_output() left in the ring, for one more pass if
 * their budget has an event left (else at the period's end). A guest that
 * breaks its ring here is let go. Returns the wait for what is left, in
 * microseconds, or -1.
 */
static long long serve_deferred(void)
{
	long long now_u = now_us(), now = now_u / 1000, wait = -1;
	unsigned int i;

	for (i = nr_guests; i-- > 0;) {
		struct guest *g = &guests[i];
		bool due = g->take_at && g->take_at <= now_u;
		/* a deferred pass spends an event too, but masks nothing */
		bool unmask = (cons_rate_tick(&g->rate, now) && g->masked && !g->take_at) || due;
		bool again = g->more && !due && cons_rate_wait(&g->rate, now) < 0;

		if (again)
			cons_rate_event(&g->rate, now);
		if ((unmask || again) && !take_output(g)) {
			release_guest(g);
			continue;
		}
		if (due)
			g->take_at = 0;
		if (due && g->masked && cons_rate_wait(&g->rate, now) >= 0)
			unmask = false;		/* over its budget: at the period's end */
		if (unmask) {
			g->masked = false;
			xendev_unmask(&dev, (unsigned int)g->local_port);
		}
	}
	for (i = 0; i < nr_guests; i++) {
		const struct guest *g = &guests[i];
		long long w = cons_rate_wait(&g->rate, now);

		w = w < 0 ? -1 : w * 1000;
		if (g->more && w < 0)
			w = 0;
		if (g->take_at && (w < 0 || g->take_at - now_u < w))
			w = g->take_at - now_u;
		if (w >= 0 && (wait < 0 || w < wait))
			wait = w;
	}
	return wait;
}

/* Watch events: true if any came (queued ones included), -errno if the store went. */
static int drain_watches(void)
{
	char *path, *token;
	int rc, any = 0;

	while ((rc = xs_read_watch(xs, 0, &path, &token)) == 0) {
		free(path);
		free(token);
		any = 1;
	}
	return rc == -ETIMEDOUT ? any : rc;
}

static int loop(void)
{
	for (;;) {
		struct pollfd pfd[2 + MAX_GUESTS];
		unsigned int i, n = 2;
		long long wait = serve_deferred();
		struct timespec timeout = { .tv_sec = wait / 1000000,
					    .tv_nsec = wait % 1000000 * 1000 };
		int rc;

		pfd[0] = (struct pollfd){ .fd = xs_fileno(xs), .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = dev.evtchn_fd, .events = POLLIN };
		for (i = 0; i < nr_guests; i++)
			pfd[n++] = (struct pollfd){ .fd = guests[i].pty,
						    .events = input_room(&guests[i]) ? POLLIN : 0 };
		if (ppoll(pfd, n, wait < 0 ? NULL : &timeout, NULL) < 0 && errno != EINTR)
			return -errno;
		if (pfd[1].revents & POLLIN)
			on_event();
		for (i = nr_guests; i-- > 0;)
			if (2 + i < n && (pfd[2 + i].revents & POLLIN) && !give_input(&guests[i]))
				release_guest(&guests[i]);
		/* A rescan's requests may queue further events: take them all. */
		while ((rc = drain_watches()) > 0)
			rescan();
		if (rc < 0)
			return rc;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log-dir", required_argument, NULL, 'l' },
		{ "log-size", required_argument, NULL, 'S' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *socket_path = NULL;
	int c, rc;

	while ((c = getopt_long(argc, argv, "l:S:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			log_dir = optarg;
			break;
		case 'S':
			log_size = cons_log_parse_size(optarg);
			if (log_size < 0) {
				fprintf(stderr, "consoled: bad --log-size '%s'\n%s", optarg, usage);
				return 2;
			}
			break;
		case 's':
			socket_path = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "consoled: unexpected argument '%s'\n%s", argv[optind], usage);
		return 2;
	}
	if (getenv("CONSOLED_PUBLISH_DELAY_MS"))
		publish_delay_ms = (unsigned int)strtoul(getenv("CONSOLED_PUBLISH_DELAY_MS"), NULL,
							 10);
	signal(SIGPIPE, SIG_IGN);
	rc = mkdir_p(log_dir);
	if (rc) {
		fprintf(stderr, "consoled: cannot create %s: %s\n", log_dir, strerror(-rc));
		return 1;
	}
	rc = xendev_open(&dev, XENDEV_EVTCHN | XENDEV_GNTDEV);
	if (rc) {
		fprintf(stderr, "consoled: cannot open /dev/xen/evtchn and gntdev: %s "
			"(not in dom0, or xen-evtchn/xen-gntdev not loaded?)\n", strerror(-rc));
		return 1;
	}
	rc = xs_open(socket_path, &xs);
	if (rc) {
		fprintf(stderr, "consoled: cannot reach xenstored at %s: %s\n",
			socket_path ? socket_path : xs_default_socket(), strerror(-rc));
		return 1;
	}
	/* Each watch fires once at once, which makes the first scan. */
	rc = xs_watch(xs, "@introduceDomain", "introduce");
	if (!rc)
		rc = xs_watch(xs, "@releaseDomain", "release");
	if (rc) {
		fprintf(stderr, "consoled: cannot watch the domain list: %s\n", strerror(-rc));
		return 1;
	}
	say("serving consoles, logs in %s (%lld bytes each, one older file kept)", log_dir,
	    (long long)log_size);
	rc = loop();
	say("xenstored went away (%s); stopping", strerror(-rc));
	return 1;
}
