// SPDX-License-Identifier: GPL-2.0-only
/*
 * dom0-memtest: a small user-space workout for a PV kernel's process and
 * memory paths, used by the dom0 boot test (tests/linux/dom0/run).
 *
 *   dom0-memtest [SECONDS]      (default 3)
 *
 * Until SECONDS have passed it repeats one round:
 *  - fork a child that writes every page of a private anonymous mapping it
 *    inherited (copy-on-write) and of a shared one; the parent checks its
 *    private copy is unchanged and sees the child's shared writes;
 *  - fork a child that execs this program again in "--child" mode, which
 *    maps fresh memory, touches and checks each page, unmaps part of it,
 *    and streams a checksummed block of data back through a pipe;
 *  - the parent reads the pipe to the end and checks the data and the
 *    child's exit status.
 * Ends with "dom0-memtest: OK ..." and status 0, or "dom0-memtest: FAIL
 * ..." and status 1 at the first error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE		4096UL
#define MAP_PAGES	256		/* 1 MiB per mapping */
#define PIPE_BYTES	(256UL << 10)	/* streamed per exec'd child */

static void fail(const char *fmt, ...)
{
	va_list ap;

	fputs("dom0-memtest: FAIL ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (errno)
		printf(" (%s)", strerror(errno));
	putchar('\n');
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The byte pattern of page i for a given seed: cheap and position-dependent. */
static uint64_t pattern(uint64_t seed, unsigned long i)
{
	return (seed ^ (i * 0x9e3779b97f4a7c15ULL)) | 1;
}

static void *map(unsigned long pages, int flags)
{
	void *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_ANONYMOUS | flags, -1, 0);

	if (p == MAP_FAILED)
		fail("mmap of %lu pages", pages);
	return p;
}

static void fill(char *mem, unsigned long pages, uint64_t seed)
{
	for (unsigned long i = 0; i < pages; i++)
		*(volatile uint64_t *)(mem + i * PAGE + (i % 511) * 8) = pattern(seed, i);
}

/* The first page whose word differs from the pattern, or -1. */
static long check(const char *mem, unsigned long pages, uint64_t seed)
{
	for (unsigned long i = 0; i < pages; i++)
		if (*(const volatile uint64_t *)(mem + i * PAGE + (i % 511) * 8) !=
		    pattern(seed, i))
			return (long)i;
	return -1;
}

static void wait_ok(pid_t pid, const char *what)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid for the %s child", what);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail("the %s child ended with status 0x%x", what, status);
}

/* Exec'd child: fresh memory, then PIPE_BYTES of data and a checksum to fd. */
static int child(int fd, uint64_t seed)
{
	char *mem = map(MAP_PAGES, MAP_PRIVATE);
	uint64_t sum = 0, block[512];
	long bad;

	fill(mem, MAP_PAGES, seed);
	if ((bad = check(mem, MAP_PAGES, seed)) >= 0)
		fail("exec'd child: page %ld lost its contents", bad);
	if (munmap(mem + PAGE * (MAP_PAGES / 2), PAGE * (MAP_PAGES / 2)))
		fail("munmap of half the mapping");
	if ((bad = check(mem, MAP_PAGES / 2, seed)) >= 0)
		fail("exec'd child: page %ld changed by the munmap", bad);
	for (unsigned long off = 0; off < PIPE_BYTES; off += sizeof(block)) {
		for (unsigned i = 0; i < 512; i++) {
			block[i] = pattern(seed, off / 8 + i);
			sum += block[i];
		}
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
			fail("exec'd child: write to the pipe");
	}
	if (write(fd, &sum, sizeof(sum)) != sizeof(sum))
		fail("exec'd child: write of the checksum");
	return 0;
}

/* Parent side of the exec round: read everything and compare. */
static void drain(int fd, uint64_t seed)
{
	uint64_t want = 0, got = 0, word;
	unsigned long n = 0;
	ssize_t r;

	for (unsigned long i = 0; i < PIPE_BYTES / 8; i++)
		want += pattern(seed, i);
	while ((r = read(fd, &word, sizeof(word))) == sizeof(word)) {
		if (n < PIPE_BYTES / 8) {
			if (word != pattern(seed, n))
				fail("pipe word %lu is %#llx", n, (unsigned long long)word);
			got += word;
		} else if (word != want || got != want) {
			fail("pipe checksum %#llx, summed %#llx, expected %#llx",
			     (unsigned long long)word, (unsigned long long)got,
			     (unsigned long long)want);
		}
		n++;
	}
	if (r != 0 || n != PIPE_BYTES / 8 + 1)
		fail("the pipe ended after %lu words", n);
}

static void fork_round(char *priv, char *shared, uint64_t seed)
{
	pid_t pid = fork();
	long bad;

	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		if ((bad = check(priv, MAP_PAGES, seed)) >= 0)
			fail("forked child: inherited page %ld differs", bad);
		fill(priv, MAP_PAGES, ~seed);
		fill(shared, MAP_PAGES, seed + 1);
		_exit(0);
	}
	wait_ok(pid, "forked");
	if ((bad = check(priv, MAP_PAGES, seed)) >= 0)
		fail("private page %ld changed by the child's writes", bad);
	if ((bad = check(shared, MAP_PAGES, seed + 1)) >= 0)
		fail("shared page %ld does not show the child's write", bad);
}

static void exec_round(const char *self, uint64_t seed)
{
	char fdarg[16], seedarg[32];
	int p[2];
	pid_t pid;

	if (pipe(p))
		fail("pipe");
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		close(p[0]);
		snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
		snprintf(seedarg, sizeof(seedarg), "%llu", (unsigned long long)seed);
		execl(self, self, "--child", fdarg, seedarg, (char *)NULL);
		fail("exec %s", self);
	}
	close(p[1]);
	drain(p[0], seed);
	close(p[0]);
	wait_ok(pid, "exec'd");
}

int main(int argc, char **argv)
{
	double seconds = 3, start, took;
	unsigned long rounds = 0;
	char *priv, *shared;

	if (argc == 4 && !strcmp(argv[1], "--child"))
		return child(atoi(argv[2]), strtoull(argv[3], NULL, 10));
	if (argc > 2 || (argc == 2 && (seconds = atof(argv[1])) <= 0)) {
		fprintf(stderr, "usage: dom0-memtest [SECONDS]\n");
		return 2;
	}
	priv = map(MAP_PAGES, MAP_PRIVATE);
	shared = map(MAP_PAGES, MAP_SHARED);
	start = now();
	do {
		uint64_t seed = 0x1a3f000 + rounds;

		fill(priv, MAP_PAGES, seed);
		fork_round(priv, shared, seed);
		exec_round("/proc/self/exe", seed);
		rounds++;
	} while (now() - start < seconds);
	took = now() - start;
	printf("dom0-memtest: OK %lu rounds in %.1f s: %lu forks, %lu execs, "
	       "%lu KiB touched, %lu KiB through pipes\n", rounds, took,
	       2 * rounds, rounds, rounds * 4 * MAP_PAGES * PAGE >> 10,
	       rounds * PIPE_BYTES >> 10);
	return 0;
}
