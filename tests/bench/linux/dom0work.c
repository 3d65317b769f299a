// SPDX-License-Identifier: GPL-2.0-only
/*
 * dom0's share of `vmctl create` (issue 17), step by step: the same work
 * vmctl does before the domain runs, each step between two rdtsc. Under
 * QEMU's `-icount shift=0,sleep=off` the TSC advances by one per
 * instruction, so a step's count is the instructions it took: the
 * program's, the kernel's and, under a PV kernel, the hypervisor's. The
 * same static program runs in dom0 of Lamina, of Xen 4.17 and on the
 * same kernel with no hypervisor (tests/bench/dom0-work). The xz and gzip
 * steps call vmctl's own vmctl_decompress (libvmctl/kernel_image.c).
 *
 *   dom0-work [BZIMAGE ELF RAMDISK]   (default /boot/vmlinuz,
 *             /boot/vmlinux.elf, /boot/domu-initramfs.cpio.gz)
 *
 * One line per step:
 *
 *   STEP <name> <tsc> <user us> <sys us> <minor faults> <ctx switches>
 *
 * and the machine's counters around the whole run: /proc/stat's cpu line
 * and every line of /proc/interrupts, before and after (COUNTERS lines).
 * As /init (pid 1) it mounts proc and devtmpfs first and powers off at
 * the end.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kernel_image.h"
#include "tsc.h"

#define BUF	(64UL << 20)

static void fail(const char *what)
{
	printf("FAIL dom0-work: %s\n", what);
	fflush(stdout);
	exit(1);
}

struct mark {
	uint64_t tsc;
	struct rusage ru;
};

static void mark(struct mark *m)
{
	getrusage(RUSAGE_SELF, &m->ru);
	m->tsc = rdtsc();
}

static long us(struct timeval t)
{
	return t.tv_sec * 1000000L + t.tv_usec;
}

static void step(const char *name, const struct mark *a)
{
	struct mark b;

	b.tsc = rdtsc();
	getrusage(RUSAGE_SELF, &b.ru);
	printf("STEP %s %llu %ld %ld %ld %ld\n", name, (unsigned long long)(b.tsc - a->tsc),
	       us(b.ru.ru_utime) - us(a->ru.ru_utime), us(b.ru.ru_stime) - us(a->ru.ru_stime),
	       b.ru.ru_minflt - a->ru.ru_minflt,
	       (b.ru.ru_nvcsw + b.ru.ru_nivcsw) - (a->ru.ru_nvcsw + a->ru.ru_nivcsw));
	fflush(stdout);
}

static void counters(const char *when)
{
	static const char *files[] = { "/proc/stat", "/proc/interrupts", "/proc/vmstat" };
	char line[1024];
	unsigned int i;

	for (i = 0; i < 3; i++) {
		FILE *f = fopen(files[i], "r");

		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (i != 0 || !strncmp(line, "cpu ", 4))
				if (i != 2 || !strncmp(line, "pgfault", 7) ||
				    !strncmp(line, "thp_", 4) || !strncmp(line, "pgalloc", 7))
					printf("COUNTERS %s %s: %s", when, files[i] + 6, line);
		fclose(f);
	}
	fflush(stdout);
}

static uint8_t *map_file(const char *path, size_t *size, int flags)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st))
		fail(path);
	p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE | flags, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		fail("mmap");
	*size = st.st_size;
	return p;
}

static uint8_t *anon(size_t n, int populate)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		fail("anonymous mmap");
	if (populate && madvise(p, n, MADV_POPULATE_WRITE))
		fail("MADV_POPULATE_WRITE");
	return p;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void decode(const char *name, const uint8_t *in, size_t len)
{
	const char *format;
	uint8_t *out;
	size_t n;
	char err[200];
	struct mark m;

	mark(&m);
	if (vmctl_decompress(in, len, &out, &n, &format, err, sizeof(err)))
		fail(err);
	step(name, &m);
	free(out);
}

int main(int argc, char **argv)
{
	const char *bz = argc > 3 ? argv[1] : "/boot/vmlinuz";
	const char *elf = argc > 3 ? argv[2] : "/boot/vmlinux.elf";
	const char *rd = argc > 3 ? argv[3] : "/boot/domu-initramfs.cpio.gz";
	volatile uint64_t sink = 0;
	size_t n, bzn, rdn, i;
	uint8_t *f, *a, *b;
	struct mark m;
	int fd;

	if (getpid() == 1) {
		mount("proc", "/proc", "proc", 0, NULL);
		mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
		fd = open("/dev/console", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	counters("before");

	/* A pure computation: any difference is interrupts and their handlers. */
	mark(&m);
	for (i = 0; i < 100000000; i++)
		sink += i * i;
	step("cpu_loop_1e8", &m);

	/* The 62 MiB kernel file, read into fresh memory (faults + copy). */
	fd = open(elf, O_RDONLY);
	if (fd < 0)
		fail(elf);
	a = anon(BUF, 0);
	mark(&m);
	n = 0;
	for (;;) {
		ssize_t r = read(fd, a + n, BUF - n);

		if (r <= 0)
			break;
		n += r;
	}
	step("read_file_fresh", &m);
	close(fd);
	munmap(a, BUF);

	/* The same file mapped as vmctl maps it (MAP_POPULATE), then dropped. */
	mark(&m);
	f = map_file(elf, &n, MAP_POPULATE);
	step("mmap_file_populate", &m);
	munmap(f, n);

	/* 16384 fresh anonymous pages, one write each: a fault per page. */
	a = anon(BUF, 0);
	mark(&m);
	for (i = 0; i < BUF; i += 4096)
		a[i] = 1;
	step("touch_16384_pages", &m);
	munmap(a, BUF);

	/* The same pages populated in one call. */
	mark(&m);
	a = anon(BUF, 1);
	step("populate_16384_pages", &m);

	/* Copies between populated buffers: no faults, the CPU's memcpy. */
	b = anon(BUF, 1);
	mark(&m);
	memcpy(b, a, BUF);
	step("memcpy_64m", &m);
	mark(&m);
	memset(b, 0, BUF);
	step("memset_64m", &m);
	munmap(a, BUF);
	munmap(b, BUF);

	/* The bzImage's xz payload, then the gzip ramdisk, decoded by vmctl's own code. */
	f = map_file(bz, &bzn, MAP_POPULATE);
	{
		size_t off = ((size_t)f[0x1f1] + 1) * 512 + le32(f + 0x248), plen = le32(f + 0x24c);

		if (memcmp(f + 0x202, "HdrS", 4) || off + plen > bzn)
			fail("not a bzImage");
		decode("xz_decode_kernel", f + off, plen);
	}
	munmap(f, bzn);
	f = map_file(rd, &rdn, MAP_POPULATE);
	decode("gunzip_ramdisk", f, rdn);
	munmap(f, rdn);

	counters("after");
	printf("dom0-work: done\n");
	fflush(stdout);
	if (getpid() == 1)
		reboot(RB_POWER_OFF);
	return 0;
}
