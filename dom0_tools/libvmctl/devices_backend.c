// SPDX-License-Identifier: GPL-2.0-only
/* Starting a dom0 device backend when none runs: see devices_backend.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "devices_backend.h"

bool vmctl_backend_running(const char *lock)
{
	int fd = open(lock, O_RDONLY | O_CLOEXEC);
	bool held;

	if (fd < 0)
		return false;
	held = flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

/* In the child: a session of its own, @log as stdout and stderr, then @prog. */
static void run_detached(const char *prog, const char *log)
{
	int fd;

	setsid();
	if (fork())
		_exit(0);	/* double fork: no zombie for the caller to reap */
	mkdir("/var/log", 0755);
	mkdir("/var/log/lamina", 0755);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0)
		dup2(fd, 0);
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	execlp(prog, prog, "-v", (char *)NULL);
	dprintf(2, "vmctl: cannot run %s: %s\n", prog, strerror(errno));
	_exit(127);
}

int vmctl_backend_ensure(const char *prog, const char *lock, const char *log, char *err,
			 size_t errlen)
{
	int i, status;
	pid_t pid;

	if (vmctl_backend_running(lock))
		return 0;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "cannot start %s: fork: %s", prog, strerror(errno));
		return -errno;
	}
	if (!pid)
		run_detached(prog, log);
	waitpid(pid, &status, 0);
	for (i = 0; i < 60; i++) {
		if (vmctl_backend_running(lock))
			return 0;
		poll(NULL, 0, 50);
	}
	snprintf(err, errlen, "%s did not start (see %s)", prog, log);
	return -ESRCH;
}

int vmctl_xs_put(struct xs_handle *xs, uint32_t tx, const char *dir, const char *key,
		 const char *val)
{
	char path[256];

	if (snprintf(path, sizeof(path), "%s/%s", dir, key) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return xs_write(xs, tx, path, val, (unsigned int)strlen(val));
}

void vmctl_backend_close_wait(struct xs_handle *xs, const char *be, unsigned int wait_ms)
{
	char path[256], *val;
	unsigned int len, waited;
	int st;

	vmctl_xs_put(xs, 0, be, "online", "0");
	vmctl_xs_put(xs, 0, be, "state", "5");
	if (snprintf(path, sizeof(path), "%s/state", be) >= (int)sizeof(path))
		return;
	for (waited = 0; waited < wait_ms; waited += 50) {
		if (xs_read(xs, 0, path, &val, &len))
			return;
		st = atoi(val);
		free(val);
		if (st == 6)
			return;
		poll(NULL, 0, 50);
	}
}
