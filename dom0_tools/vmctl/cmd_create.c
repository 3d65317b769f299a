// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmctl create [-c] [-p] [-n|--dry-run] [-q] [--no-cache] FILE [KEY=VALUE...]: parse
 * the config (libvmctl/config.c), build the domain (libvmctl/builder.c),
 * start it, and leave a monitor behind (monitor.c) that applies the
 * config's on_poweroff / on_reboot / on_crash when the domain shuts down.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "builder.h"
#include "vmctl.h"

/* VMCTL_TIMES=1: each progress line starts with dom0's monotonic clock (s). */
static bool times;

static void print_progress(void *arg, const char *msg)
{
	struct timespec t;

	(void)arg;
	if (times && !clock_gettime(CLOCK_MONOTONIC, &t))
		fprintf(stderr, "vmctl: [%ld.%06ld] %s\n", (long)t.tv_sec, t.tv_nsec / 1000, msg);
	else
		fprintf(stderr, "vmctl: %s\n", msg);
}

/* The monitor is started before the unpause (builder.h's before_unpause). */
struct monitor_ctx {
	struct vmctl_config *cfg;
	int rc;
};

static void start_monitor(void *arg, unsigned int domid)
{
	struct monitor_ctx *m = arg;

	m->rc = vmctl_monitor_start(m->cfg, domid);
}

/*
 * SIGINT, SIGTERM and SIGHUP while the domain is built (Ctrl-C, a closed
 * terminal) stop the build, which undoes itself (builder.h), and then end
 * vmctl as the signal would have: until session 32's review they ended it
 * at once, leaving the half-built domain (paused, its memory, from step
 * 12 its store nodes). A signal ignored when vmctl started (a background
 * job's SIGINT) stays ignored.
 */
static volatile sig_atomic_t stop_signal;
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
static struct sigaction stop_old[3];

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void catch_stops(bool on)
{
	struct sigaction sa = { .sa_handler = on_stop, .sa_flags = SA_RESTART };
	unsigned int i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++) {
		if (!on)
			sigaction(stop_signals[i], &stop_old[i], NULL);
		else if (!sigaction(stop_signals[i], NULL, &stop_old[i]) &&
			 stop_old[i].sa_handler != SIG_IGN)
			sigaction(stop_signals[i], &sa, NULL);
	}
}

/*
 * SIGCHLD at its default while vmctl builds: ignored (as a parent can leave
 * it across the exec), the kernel reaps the loader and the monitor's first
 * fork at their exit, and waitpid finds no status: a killed loader then
 * read "ended without an answer (status 0)" (session 32's review). The
 * monitor, forked during the build, starts with the default too.
 */
static struct sigaction chld_old;

static void default_chld(bool on)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };

	sigemptyset(&sa.sa_mask);
	if (!on)
		sigaction(SIGCHLD, &chld_old, NULL);
	else if (sigaction(SIGCHLD, &sa, &chld_old))
		chld_old = sa;
}

/* A stop caught during the build: vmctl ends by it now (its default action). */
static void end_if_stopped(void)
{
	if (!stop_signal)
		return;
	signal(stop_signal, SIG_DFL);
	raise(stop_signal);
}

static void print_warning(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "vmctl: %s\n", msg);
}

int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' }, { "dryrun", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' }, { "help", no_argument, NULL, 'h' },
		{ "no-cache", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	bool console = false, quiet = false;
	struct monitor_ctx mon = { 0 };
	struct vmctl_build_opts bo = { .progress = print_progress,
				       .before_unpause = start_monitor, .arg = &mon,
				       .stop = &stop_signal };
	struct vmctl_config_report rep = { .warn = print_warning };
	struct vmctl_build_result res;
	struct vmctl_config cfg;
	char err[VMCTL_ERR_MAX];
	const char *file;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "cpnqh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': console = true; break;
		case 'p': bo.paused = true; break;
		case 'n': bo.dry_run = true; break;
		case 'q': quiet = true; break;
		case 'N': bo.no_cache = true; break;
		case 'h': vmctl_verb_usage("create", stdout); return 0;
		default: vmctl_verb_usage("create", stderr); return 2;
		}
	}
	if (optind >= argc)
		return vmctl_bad_usage("create", "missing FILE (an xl.cfg file)");
	file = argv[optind++];
	/* The monitor's restarts build with the environment it inherits. */
	if (bo.no_cache)
		setenv("VMCTL_CACHE", "off", 1);
	times = getenv("VMCTL_TIMES") && !quiet;
	if (times)
		print_progress(NULL, "start");
	if (quiet)
		bo.progress = NULL;
	else
		fprintf(stderr, "Parsing config from %s\n", file);
	if (vmctl_config_load(file, argv + optind, argc - optind, 0, &cfg, &rep)) {
		fprintf(stderr, "vmctl: %s\n", rep.error);
		return 1;
	}
	mon.cfg = &cfg;
	catch_stops(true);
	default_chld(true);
	rc = vmctl_domain_build(&cfg, &bo, &res, err, sizeof(err));
	default_chld(false);
	catch_stops(false);
	if (rc) {
		fprintf(stderr, "vmctl: cannot create '%s': %s\n", cfg.name, err);
		vmctl_config_free(&cfg);
		end_if_stopped();
		return 1;
	}
	if (times)
		print_progress(NULL, bo.paused ? "built" : "built and unpaused");
	if (bo.dry_run) {
		printf("dry run: '%s' would be created: %lu MiB, %u vCPU(s), kernel %s (%s)\n",
		       cfg.name, cfg.memory_mib, cfg.vcpus, cfg.kernel, res.kernel_format);
		vmctl_config_free(&cfg);
		fflush(stdout);
		end_if_stopped();
		return 0;
	}
	printf("created domain %s (id %u)%s\n", cfg.name, res.domid, bo.paused ? ", paused" : "");
	fflush(stdout);
	end_if_stopped();	/* after the last step: the domain stays, vmctl ends */
	if (mon.rc)
		fprintf(stderr, "vmctl: d%u: no monitor (%s): on_poweroff/on_reboot/on_crash will "
			"not be applied\n", res.domid, strerror(-mon.rc));
	vmctl_config_free(&cfg);
	if (console) {
		char id[16], *args[] = { "console", id, NULL };

		snprintf(id, sizeof(id), "%u", res.domid);
		return cmd_console(2, args);
	}
	return 0;
}
