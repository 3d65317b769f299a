// SPDX-License-Identifier: GPL-2.0-only
/* The start and end every dom0 device backend shares: see be_daemon.h. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include "be_daemon.h"

volatile sig_atomic_t be_daemon_stopping;

void be_daemon_say(const char *name, const char *fmt, va_list ap)
{
	char when[16];
	time_t now = time(NULL);

	strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
	fprintf(stderr, "%s %s: ", name, when);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void say(const struct be_daemon *bd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(const struct be_daemon *bd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	be_daemon_say(bd->name, fmt, ap);
	va_end(ap);
}

static void on_signal(int sig)
{
	(void)sig;
	be_daemon_stopping = 1;
}

/* The options; 0 to go on (type and socket set), else main's exit status. */
static int parse(const struct be_daemon *bd, int argc, char **argv, const char *usage,
		 const char **type, const char **sock)
{
	static const struct option lopt[] = {
		{ "type", required_argument, NULL, 't' },
		{ "socket", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "t:s:vh", lopt, NULL)) != -1) {
		switch (c) {
		case 't': *type = optarg; break;
		case 's': *sock = optarg; break;
		case 'v': *bd->verbose = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	return -1;
}

int be_daemon_start(const struct be_daemon *bd, int argc, char **argv, const char *default_type,
		    const char *usage, const struct xb_ops *ops)
{
	const char *type = default_type, *sock = NULL;
	int rc = parse(bd, argc, argv, usage, &type, &sock);

	if (rc >= 0)
		return rc;
	setvbuf(stderr, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	rc = xendev_open(bd->dev, XENDEV_EVTCHN | XENDEV_GNTDEV);
	if (rc) {
		say(bd, "opening /dev/xen/evtchn and gntdev: %s", strerror(-rc));
		return 1;
	}
	fcntl(bd->dev->evtchn_fd, F_SETFL, fcntl(bd->dev->evtchn_fd, F_GETFL) | O_NONBLOCK);
	rc = xs_open(sock ? sock : xs_default_socket(), bd->xs);
	if (rc) {
		say(bd, "connecting to xenstored: %s", strerror(-rc));
		return 1;
	}
	rc = xb_be_start(bd->be, *bd->xs, type, ops, NULL);
	if (rc) {
		say(bd, "watching backend/%s: %s", type, strerror(-rc));
		return 1;
	}
	say(bd, "serving /local/domain/0/backend/%s", type);
	return -1;
}

int be_daemon_lock(const struct be_daemon *bd)
{
	const char *type = strrchr(bd->be->root, '/');
	char path[300];
	int fd;

	mkdir(BE_DAEMON_LOCK_DIR, 0755);
	snprintf(path, sizeof(path), BE_DAEMON_LOCK_DIR "/%s-%s.lock", bd->name,
		 type ? type + 1 : "");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		say(bd, "%s: %s (going on without the lock)", path, strerror(errno));
		return 0;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		say(bd, "another %s serves %s (%s is locked)", bd->name, bd->be->root, path);
		close(fd);
		return -1;
	}
	return 0;	/* the descriptor stays open, and the lock with it */
}

void be_daemon_poll_fds(const struct be_daemon *bd, struct pollfd *pfd)
{
	pfd[0] = (struct pollfd){ .fd = xs_fileno(*bd->xs), .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = bd->dev->evtchn_fd, .events = POLLIN };
}

/*
 * One read for the ports that fired and one write to unmask them all, then
 * each served: the device reads out every pending port at once, so a read
 * that came back short is not repeated (it would only say EAGAIN). Ports
 * that fire again while they are served make the fd readable for the next
 * poll(). Unmasking a port closed meanwhile is a no-op in the device.
 * eoi_late (netback) unmasks after the ports were served (be_daemon.h).
 */
void be_daemon_ports(const struct be_daemon *bd, void (*fire)(int port), bool eoi_late)
{
	uint32_t ports[BE_DAEMON_PORTS];
	int n, i;

	do {
		n = xendev_pending_n(bd->dev, ports, BE_DAEMON_PORTS);
		if (n <= 0)
			return;
		if (!eoi_late)
			xendev_unmask_n(bd->dev, ports, (unsigned int)n);
		for (i = 0; i < n; i++)
			fire((int)ports[i]);
		if (eoi_late)
			xendev_unmask_n(bd->dev, ports, (unsigned int)n);
	} while (n == BE_DAEMON_PORTS);
}

int be_daemon_end(const struct be_daemon *bd)
{
	xb_be_stop(bd->be);
	xs_close(*bd->xs);
	xendev_close(bd->dev);
	return 0;
}
