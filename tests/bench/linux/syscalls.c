// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux-level figures (issue 22, item 4): what a process pays for getpid,
 * a pipe round trip between two processes, fork + exit + wait and fork +
 * exec + wait, timed with rdtsc. Meant to run under QEMU's
 * `-icount shift=0,sleep=off`, where the TSC advances by one per
 * instruction, so the figures are instructions (user and kernel, and the
 * hypervisor's under a PV kernel), deterministic for a given run.
 *
 * Each figure: some unmeasured warm-up operations, then BLOCKS blocks of
 * PER operations, each block between two rdtsc; a block's count minus the
 * median of an empty block (two rdtsc back to back: under Xen a domU's
 * rdtsc may be emulated) divided by PER is one sample. One line per
 * figure, as the benchmark guests print theirs (tests/bench/run-bench):
 *
 *   BENCH linux_<figure> <median> <min> <max> <samples>
 *
 * Run as a static program from a shell, or as /init of an initramfs: as
 * pid 1 it mounts devtmpfs for its console and powers the machine (or
 * domain) off at the end. argv[1] (or `bench_exec=` on the kernel command
 * line when it is init) names the program fork + exec runs: a static one
 * that only exits (nop.c); default /bin/bench-nop.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tsc.h"

#define MAX_BLOCKS 400

static const char *exec_path = "/bin/bench-nop";

static void fail(const char *what)
{
	printf("FAIL linux-bench: %s\n", what);
	fflush(stdout);
	exit(1);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

/* The raw system call, so no C library work is counted with it. */
static inline long raw_getpid(void)
{
	long ret;

	asm volatile("syscall" : "=a"(ret) : "0"((long)SYS_getpid)
		     : "rcx", "r11", "memory");
	return ret;
}

static uint64_t empty_block;

struct figure {
	const char *name;
	int warm, blocks, per;
	void (*setup)(void);
	void (*op)(void);
	void (*teardown)(void);
};

static void op_getpid(void)
{
	if (raw_getpid() <= 0)
		fail("getpid");
}

/* Pipe ping-pong: one byte to a child, which sends it back. */
static int to_child[2], to_parent[2];
static pid_t partner;

static void pipe_setup(void)
{
	char c;

	if (pipe(to_child) || pipe(to_parent))
		fail("pipe");
	partner = fork();
	if (partner < 0)
		fail("fork for the pipe partner");
	if (partner == 0) {
		close(to_child[1]);
		close(to_parent[0]);
		while (read(to_child[0], &c, 1) == 1)
			if (write(to_parent[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(to_child[0]);
	close(to_parent[1]);
}

static void op_pipe(void)
{
	char c = 'x';

	if (write(to_child[1], &c, 1) != 1 || read(to_parent[0], &c, 1) != 1)
		fail("pipe round trip");
}

static void pipe_teardown(void)
{
	int st;

	close(to_child[1]);
	waitpid(partner, &st, 0);
	close(to_parent[0]);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fail("pipe partner");
}

static void reap(pid_t pid)
{
	int st;

	if (pid < 0)
		fail("fork");
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("child status");
}

static void op_fork_exit(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	reap(pid);
}

static void op_fork_exec(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		char *argv[] = { (char *)exec_path, NULL }, *envp[] = { NULL };

		execve(exec_path, argv, envp);
		_exit(127);
	}
	reap(pid);
}

static const struct figure figures[] = {
	{ "linux_getpid", 1000, 200, 100, NULL, op_getpid, NULL },
	{ "linux_pipe_roundtrip", 100, 100, 20, pipe_setup, op_pipe, pipe_teardown },
	{ "linux_fork_exit", 10, 60, 1, NULL, op_fork_exit, NULL },
	{ "linux_fork_exec", 10, 60, 1, NULL, op_fork_exec, NULL },
};

static void run(const struct figure *f)
{
	static uint64_t v[MAX_BLOCKS];
	uint64_t t0, t1, lo = ~0ull, hi = 0;
	int b, i;

	if (f->setup)
		f->setup();
	for (i = 0; i < f->warm; i++)
		f->op();
	for (b = 0; b < f->blocks; b++) {
		t0 = rdtsc();
		for (i = 0; i < f->per; i++)
			f->op();
		t1 = rdtsc();
		t1 -= t0;
		v[b] = (t1 > empty_block ? t1 - empty_block : 0) / f->per;
		lo = v[b] < lo ? v[b] : lo;
		hi = v[b] > hi ? v[b] : hi;
	}
	if (f->teardown)
		f->teardown();
	printf("BENCH %s %llu %llu %llu %d\n", f->name,
	       (unsigned long long)median(v, f->blocks),
	       (unsigned long long)lo, (unsigned long long)hi, f->blocks);
	fflush(stdout);
}

/*
 * What the kernel says of the CPU's vulnerabilities and its mitigations
 * (the same kernel mitigates differently natively and as a PV guest).
 */
static void print_mitigations(void)
{
	static const char dir[] = "/sys/devices/system/cpu/vulnerabilities";
	char path[512], text[256];
	struct dirent *e;
	DIR *d = opendir(dir);
	ssize_t n;
	int fd;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
		text[n > 0 ? n : 0] = 0;
		text[strcspn(text, "\n")] = 0;
		printf("NOTE linux-bench: %s: %s\n", e->d_name, text);
	}
	closedir(d);
}

/* As /init: a console, and the exec target from the command line. */
static void be_init(void)
{
	char line[1024], *p;
	int fd;
	ssize_t n;

	mkdir("/dev", 0755);
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	fd = open("/dev/console", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	fd = open("/proc/cmdline", O_RDONLY);
	if (fd >= 0) {
		n = read(fd, line, sizeof(line) - 1);
		close(fd);
		line[n > 0 ? n : 0] = 0;
		p = strstr(line, "bench_exec=");
		if (p) {
			p += strlen("bench_exec=");
			p[strcspn(p, " \n")] = 0;
			exec_path = strdup(p);
		}
	}
}

int main(int argc, char **argv)
{
	uint64_t v[MAX_BLOCKS], t0;
	int init = getpid() == 1, i;
	size_t f;

	if (init)
		be_init();
	else if (argc > 1)
		exec_path = argv[1];
	if (access(exec_path, X_OK))
		fail("no program to exec (argv[1] or bench_exec=)");
	for (i = 0; i < MAX_BLOCKS; i++) {
		t0 = rdtsc();
		v[i] = rdtsc() - t0;
	}
	empty_block = median(v, MAX_BLOCKS);
	print_mitigations();
	printf("NOTE linux-bench: empty block %llu\n", (unsigned long long)empty_block);
	for (f = 0; f < sizeof(figures) / sizeof(figures[0]); f++)
		run(&figures[f]);
	printf("linux-bench: done\n");
	fflush(stdout);
	if (init) {
		sync();
		reboot(RB_POWER_OFF);
		for (;;)
			pause();
	}
	return 0;
}
