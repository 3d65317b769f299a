// SPDX-License-Identifier: GPL-2.0-only
/* vmctl console: attach to a domain's console through consoled's terminal. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "cons_tty.h"	/* dom0_tools/lib: what a console terminal is */
#include "builder.h"	/* vmctl_find_domain */
#include "vmctl.h"

#define CTRL_RBRACKET	0x1d

/*
 * console/tty and whether dom0 owns it, read at one instant (one
 * transaction): 0, -EAGAIN when the store changed meanwhile, or -errno.
 */
static int read_tty(struct xs_handle *h, const char *path, char **tty, bool *dom0s)
{
	char *perms = NULL;
	unsigned int len;
	uint32_t tx;
	int rc = xs_transaction_start(h, &tx);

	if (rc)
		return rc;
	*tty = NULL;
	rc = xs_read(h, tx, path, tty, &len);
	if (!rc && !len)
		rc = -ENOENT;		/* consoled has not written it yet */
	if (!rc)
		rc = xs_get_perms(h, tx, path, &perms, &len) > 0 ? 0 : -EIO;
	if (!rc)
		*dom0s = perms[0] && !strcmp(perms + 1, "0");	/* entry 0: owner */
	free(perms);
	if (!rc)
		rc = xs_transaction_end(h, tx, true);
	else
		xs_transaction_end(h, tx, false);
	if (rc) {
		free(*tty);
		*tty = NULL;
	}
	return rc;
}

/*
 * consoled's terminal for the domain, waiting up to 5 s for it to appear.
 * It is opened as root, so it must be a node no guest can write (dom0 owns
 * it) naming a pty slave (cons_tty_open checks). The fd, or -1 after
 * saying why.
 */
static int console_tty(unsigned int id)
{
	struct xs_handle *h = vmctl_store(false);
	char path[64], *tty = NULL;
	bool dom0s = false;
	unsigned int tries;
	int rc = -ENOENT, fd;

	if (!h)
		return -1;
	snprintf(path, sizeof(path), "/local/domain/%u/console/tty", id);
	for (tries = 0; tries < 50; tries++) {
		rc = read_tty(h, path, &tty, &dom0s);
		if (rc != -ENOENT && rc != -EAGAIN)
			break;
		usleep(100000);
	}
	xs_close(h);
	if (rc) {
		fprintf(stderr, "vmctl: d%u has no console terminal in %s (%s): is consoled "
			"running, and the domain introduced?\n", id, path, strerror(-rc));
		return -1;
	}
	if (!dom0s) {
		fprintf(stderr, "vmctl: d%u: %s is not owned by dom0 (the guest could have "
			"written it); not opening it\n", id, path);
		free(tty);
		return -1;
	}
	fd = cons_tty_open(tty);
	if (fd < 0)
		fprintf(stderr, "vmctl: d%u: not opening %s: %s\n", id, tty,
			fd == -EPERM ? "not a /dev/pts/<n> terminal" : strerror(-fd));
	free(tty);
	return fd < 0 ? -1 : fd;
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

int cmd_console(int argc, char **argv)
{
	struct termios saved, raw;
	bool interactive = isatty(0), leave = false, input = true;
	long long linger_ms, end = 0;
	double linger = 1;
	unsigned int id;
	int fd;

	if (argc == 4 && !strcmp(argv[2], "--wait")) {
		if (vmctl_parse_seconds(argv[3], &linger))
			return 2;
	} else if (argc == 3 && !strcmp(argv[2], "--wait")) {
		return vmctl_bad_usage("console", "--wait needs a time in seconds");
	} else if (argc != 2 || argv[1][0] == '-') {
		return vmctl_bad_args("console", argc, argv, 1, 1, 1, "DOM");
	}
	linger_ms = (long long)(linger * 1000);
	if (vmctl_domain_arg(argv[1], &id, true))
		return 1;
	if (id == 0) {
		fprintf(stderr, "vmctl: dom0's console is the hypervisor's serial line\n");
		return 1;
	}
	fd = console_tty(id);
	if (fd < 0)
		return 1;
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
