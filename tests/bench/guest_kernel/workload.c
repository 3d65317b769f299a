/*
 * Guest workloads for comparing PTE-update strategies (xen_pte_update=):
 * each runs an operation ROUNDS times and prints, per operation, the
 * median, minimum and maximum TSC cycles over the rounds.
 *
 *   fork_exit     fork(); the child _exit()s; the parent waits
 *   fork_exec     fork(); the child execs ourselves with "noop"; wait
 *   mmap_64m      mmap 64 MiB anonymous, write one byte per page, munmap
 *
 * Output, one line each, in the same shape as pvbench's:
 *   workload <name> <rounds> <median> <min> <max>
 *
 * Built static (the test initramfs holds no shared libraries) by
 * tests/linux/guest_kernel/boot-dom0.
 * usage: workload [ROUNDS]   (default 20)   |   workload noop
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAP_BYTES (64UL << 20)

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static char *self;

static int fork_exit(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(0);
	return waitpid(pid, &status, 0) == pid && status == 0 ? 0 : -1;
}

static int fork_exec(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl(self, self, "noop", (char *)NULL);
		_exit(127);
	}
	return waitpid(pid, &status, 0) == pid && status == 0 ? 0 : -1;
}

static int mmap_64m(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, MAP_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long off;

	if (p == MAP_FAILED)
		return -1;
	for (off = 0; off < MAP_BYTES; off += page)
		p[off] = 1;
	return munmap(p, MAP_BYTES);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int run(const char *name, int (*op)(void), int rounds, uint64_t *t)
{
	int i;

	for (i = 0; i < rounds; i++) {
		uint64_t t0 = rdtsc();

		if (op()) {
			printf("workload %s %d error\n", name, rounds);
			return -1;
		}
		t[i] = rdtsc() - t0;
	}
	qsort(t, rounds, sizeof(*t), cmp_u64);
	printf("workload %s %d %llu %llu %llu\n", name, rounds,
	       (unsigned long long)t[rounds / 2], (unsigned long long)t[0],
	       (unsigned long long)t[rounds - 1]);
	return 0;
}

int main(int argc, char **argv)
{
	int rounds = 20, rc = 0;
	uint64_t *t;

	if (argc > 1 && !strcmp(argv[1], "noop"))
		return 0;
	if (argc > 1)
		rounds = atoi(argv[1]);
	if (rounds < 1) {
		fprintf(stderr, "usage: workload [ROUNDS>0] | workload noop\n");
		return 2;
	}
	self = argv[0];
	t = calloc(rounds, sizeof(*t));
	if (!t)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc |= run("fork_exit", fork_exit, rounds, t);
	rc |= run("fork_exec", fork_exec, rounds, t);
	rc |= run("mmap_64m", mmap_64m, rounds, t);
	free(t);
	return rc ? 1 : 0;
}
