// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-domain monitor `vmctl create` leaves behind, as xl's daemon
 * (docs/toolstack.md §2.5): a forked process that watches @releaseDomain (and
 * looks every second anyway) and, when the domain shuts down, applies the
 * config's action for the reason: destroy (its store nodes removed too),
 * restart (destroy, then build again from the same config), rename-restart
 * (keep the old one as NAME-YYYYmmddTHHMMZ, build a new one), preserve
 * (leave it). coredump-* act as their plain forms (no dump directory yet),
 * soft-reset as restart. It ends once its domain is gone or preserved, or
 * has suspended (xl's "Domain has suspended.": the domain is left, shut
 * down with code 2, for `vmctl destroy` or `vmctl resume`).
 * It logs to /var/log/lamina/vmctl-<name>.log.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "builder.h"
#include "devices_disk.h"
#include "dominfo.h"
#include "devices_vif.h"
#include "domctl.h"
#include "vmctl.h"

#define LOG_DIR	"/var/log/lamina"

static void logf_(const char *fmt, ...)
{
	char stamp[32];
	time_t t = time(NULL);
	va_list ap;

	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", gmtime(&t));
	printf("%s ", stamp);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* Builds cfg again; the new id or -1. */
static int rebuild(struct vmctl_config *cfg)
{
	struct vmctl_build_opts bo = { 0 };
	struct vmctl_build_result res;
	char err[VMCTL_ERR_MAX];

	if (vmctl_domain_build(cfg, &bo, &res, err, sizeof(err))) {
		logf_("restart of '%s' failed: %s", cfg->name, err);
		return -1;
	}
	logf_("'%s' restarted as domain %u", cfg->name, res.domid);
	return (int)res.domid;
}

static void monitor(struct vmctl_config *cfg, unsigned int domid)
{
	struct xs_handle *h = NULL;

	xs_open(NULL, &h);
	if (h)
		xs_watch(h, "@releaseDomain", "vmctl-monitor");
	logf_("monitoring domain %u ('%s'): on_poweroff=%s on_reboot=%s on_crash=%s", domid,
	      cfg->name, vmctl_action_name(cfg->on_poweroff), vmctl_action_name(cfg->on_reboot),
	      vmctl_action_name(cfg->on_crash));
	for (;;) {
		struct domctl_getdomaininfo info;
		enum vmctl_action act;
		char err[VMCTL_ERR_MAX], *path = NULL, *token = NULL;
		const char *why;
		int reason;
		long rc;

		if (h) {
			rc = xs_read_watch(h, 1000, &path, &token);
			free(path);
			free(token);
			if (rc && rc != -ETIMEDOUT) {
				xs_close(h);	/* xenstored went away: poll instead */
				h = NULL;
			}
		} else {
			sleep(1);
		}
		rc = vmctl_dom_info(domid, &info);
		if (rc || (info.flags & DOMINF_dying)) {
			logf_("domain %u is gone%s", domid, rc ? "" : " (dying)");
			if (h)
				vmctl_vifs_remove(h, domid);
			if (h)
				vmctl_disks_gone(h, domid, cfg->name);
			break;
		}
		reason = dominfo_shutdown_reason(info.flags);
		if (reason < 0)
			continue;
		if (reason == SHUTDOWN_suspend) {
			/* As xl's: a suspended domain is left as it is, to its toolstack. */
			logf_("domain %u has suspended: left as it is", domid);
			break;
		}
		switch (reason) {
		case SHUTDOWN_poweroff: act = cfg->on_poweroff; break;
		case SHUTDOWN_reboot: act = cfg->on_reboot; break;
		case SHUTDOWN_crash: act = cfg->on_crash; break;
		case SHUTDOWN_watchdog: act = cfg->on_watchdog; break;
		case SHUTDOWN_soft_reset: act = cfg->on_soft_reset; break;
		default: act = VMCTL_ACTION_DESTROY; break;
		}
		why = dominfo_reason_name(reason);
		logf_("domain %u shut down (%s): %s", domid, why ? why : "unknown",
		      vmctl_action_name(act));
		if (act == VMCTL_ACTION_PRESERVE)
			break;
		if (act == VMCTL_ACTION_RENAME_RESTART) {
			char name[200], stamp[32];
			time_t t = time(NULL);

			strftime(stamp, sizeof(stamp), "%Y%m%dT%H%MZ", gmtime(&t));
			snprintf(name, sizeof(name), "%s-%s", cfg->name, stamp);
			if (vmctl_domain_rename(domid, name, err, sizeof(err)))
				logf_("rename of domain %u failed: %s", domid, err);
			else
				logf_("domain %u kept as '%s'", domid, name);
			cfg->has_uuid = false;
		} else if (vmctl_domain_destroy(domid, err, sizeof(err))) {
			logf_("destroy of domain %u failed: %s", domid, err);
		} else {
			logf_("domain %u destroyed", domid);
		}
		if (act == VMCTL_ACTION_DESTROY || act == VMCTL_ACTION_COREDUMP_DESTROY)
			break;
		rc = rebuild(cfg);
		if (rc < 0)
			break;
		domid = (unsigned int)rc;
	}
	if (h)
		xs_close(h);
	logf_("monitor ends");
}

int vmctl_monitor_start(struct vmctl_config *cfg, unsigned int domid)
{
	char path[300];
	pid_t pid;
	int status, fd;

	mkdir("/var/log", 0755);
	mkdir(LOG_DIR, 0755);
	snprintf(path, sizeof(path), LOG_DIR "/vmctl-%s.log", cfg->name);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		/* The child forks the monitor and exits at once: no zombie is left. */
		if (waitpid(pid, &status, 0) != pid)
			return -errno;
		return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -ECHILD;
	}
	setsid();
	signal(SIGHUP, SIG_IGN);
	/* The default action, not vmctl create's handlers of the build (cmd_create.c). */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	/* Its restarts wait for their loader (builder.c): SIGCHLD not ignored. */
	signal(SIGCHLD, SIG_DFL);
	pid = fork();
	if (pid)
		_exit(pid < 0);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		fd = open("/dev/null", O_WRONLY);
	dup2(fd, 1);
	dup2(fd, 2);
	close(fd);
	fd = open("/dev/null", O_RDONLY);
	dup2(fd, 0);
	if (fd > 2)
		close(fd);
	monitor(cfg, domid);
	_exit(0);
}
