/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenstored: options and the poll() loop. See xenstore/README.md.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "xenstored.h"

#define DEFAULT_SOCKET	"/run/xenstored/socket"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xenstored [options]\n"
		"  -s, --socket PATH     Unix socket (default $XENSTORED_PATH or "
		DEFAULT_SOCKET ")\n"
		"  -D, --database FILE   keep the store in this tdb file across restarts\n"
		"                        (default: in memory, lost on exit)\n"
		"  -q, --quota NAME=N    set a per-domain quota (repeatable), NAME and default:\n");
	quota_print(f);
	fprintf(f,
		"  -N, --no-domains      never touch /dev/xen, serve the socket only\n"
		"  -v, --verbose         log every request\n"
		"  -h, --help            this text\n");
}

static void serve(int lfd)
{
	struct pollfd *pfd = NULL;
	struct conn **pc = NULL;
	size_t cap = 0;

	while (!stop) {
		struct conn *c, *next;
		size_t n = 0, i;
		uint64_t now = now_ms(), wake = 0;
		int timeout = -1;

		/* domains' watch events unread too long go, write credit
		 * comes back; then the rings whose domain that, or the last
		 * round, let be read again */
		wrl_log_periodic(now);
		for (c = conn_list; c; c = c->next) {
			uint64_t next_deadline = conn_expire_events(c, now);
			long credit_wait = c->privileged ? -1 : wrl_check(c->domid, now);

			if (credit_wait >= 0 && (!next_deadline || now + credit_wait < next_deadline))
				next_deadline = now + credit_wait;
			/* a client's requests held back until now: no new byte may
			 * come to wake the poll, its stash is fed after it (sock_write) */
			if (c->fd >= 0 && c->stash_len && !c->dead && !conn_is_throttled(c))
				next_deadline = now;
			if (next_deadline && (!wake || next_deadline < wake))
				wake = next_deadline;
			n++;
		}
		if (wake)
			timeout = wake - now > 60000 ? 60000 : (int)(wake - now);
		ring_retry();
		if (n + 2 > cap) {
			cap = 2 * (n + 2);
			pfd = realloc(pfd, cap * sizeof(*pfd));
			pc = realloc(pc, cap * sizeof(*pc));
			if (!pfd || !pc) {
				log_msg("out of memory");
				exit(1);
			}
		}
		n = 0;
		pfd[n++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = ring_fd(), .events = POLLIN };
		for (c = conn_list; c; c = c->next) {
			if (c->fd < 0)
				continue;
			pc[n] = c;
			pfd[n] = (struct pollfd){ .fd = c->fd };
			if (!c->dead && !conn_is_throttled(c))
				pfd[n].events |= POLLIN;	/* else replies first */
			if (c->out_head)
				pfd[n].events |= POLLOUT;
			n++;
		}
		if (poll(pfd, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			log_msg("poll: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents & POLLIN)
			sock_accept(lfd);
		if (pfd[1].revents & POLLIN)
			ring_handle();
		for (i = 2; i < n; i++) {
			c = pc[i];
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR) && sock_read(c))
				c->dead = true;
			if (sock_write(c))
				c->dead = true;
		}
		for (c = conn_list; c; c = next) {
			next = c->next;
			if (c->dead) {
				log_debug("%s: closed", c->name);
				if (c->ring)
					ring_detach(c);	/* a corrupt ring */
				conn_free(c);
			}
		}
	}
	free(pfd);
	free(pc);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "database", required_argument, NULL, 'D' },
		{ "quota", required_argument, NULL, 'q' },
		{ "no-domains", no_argument, NULL, 'N' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sock = getenv("XENSTORED_PATH");
	const char *dbfile = NULL;
	bool domains = true;
	int opt, lfd, rc;

	if (!sock || !*sock)
		sock = DEFAULT_SOCKET;
	while ((opt = getopt_long(argc, argv, "s:D:q:Nvh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': sock = optarg; break;
		case 'D': dbfile = optarg; break;
		case 'N': domains = false; break;
		case 'v': log_verbose = 1; break;
		case 'h': usage(stdout); return 0;
		case 'q':
			if (quota_set(optarg)) {
				fprintf(stderr, "xenstored: bad quota '%s'\n", optarg);
				return 2;
			}
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	rc = store_open(dbfile);
	if (rc) {
		fprintf(stderr, "xenstored: opening the store: %s\n", strerror(-rc));
		return 1;
	}
	lfd = sock_listen(sock);
	if (lfd < 0) {
		fprintf(stderr, "xenstored: socket %s: %s (try --socket PATH)\n", sock,
			strerror(-lfd));
		store_close();
		return 1;
	}
	rc = domains ? ring_init() : -ENODEV;
	log_msg("listening on %s, %s", sock, !domains ? "socket only (--no-domains)" :
		rc ? "socket only (no Xen devices)" : "serving domain rings");
	serve(lfd);
	log_msg("exiting");
	while (conn_list)
		conn_free(conn_list);
	close(lfd);
	unlink(sock);
	store_close();
	return 0;
}
