// SPDX-License-Identifier: GPL-2.0-only
/*
 * dom0-granttest: grant tables used for real by dom0 Linux, with dom0 as
 * both granter and grantee, for the dom0 boot test (tests/linux/dom0/run).
 *
 *   dom0-granttest
 *
 * One run, in order (docs/abi-devices.md §1.6, §1.7):
 *  1. gntalloc grants 4 fresh pages to domid 0, writable; the program maps
 *     them through gntalloc and writes a pattern.
 *  2. gntdev maps the 4 (domid 0, ref) pairs: its mmap is where Linux asks
 *     the hypervisor for GNTMAP_contains_pte maps of the user PTEs and for
 *     the kernel's own maps. Reads must see the pattern, a write through
 *     gntdev must show in the gntalloc view. One ref is mapped again
 *     read-only: it reads the same data, and a write to it must fault (a
 *     writable PTE would let it through). A fifth page, granted read-only,
 *     must not map writable.
 *  3. IOCTL_GNTDEV_GRANT_COPY (GNTTABOP_copy): a page from a ref, a page
 *     into a ref, part of a page at an offset, and a bad ref in between,
 *     which must fail with GNTST_bad_gntref while the others succeed.
 *  4. GNTTABOP_copy through privcmd, both sides by ref, its ops in a page
 *     of /dev/xen/hypercall (the backends' way): a page copied whole into
 *     another, part of it back at another offset, a bad ref between.
 *  5. Everything is unmapped and the grants are ended; the pages keep
 *     their data in the gntalloc view until then.
 * Ends with "dom0-granttest: OK ..." and status 0, or "dom0-granttest:
 * FAIL ..." and status 1 at the first error. (On failure the exit closes
 * the devices, which unmaps and ends whatever is left.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <lamina/grant_table.h>	/* grant_ref_t, domid_t, GNTCOPY_*, GNTST_* */
#include <lamina/hypercall.h>
#include <lamina/io/privcmd.h>
#include <xen/gntalloc.h>	/* Linux's ioctls (linux-libc-dev) */
#include <xen/gntdev.h>

/* The values docs/abi-devices.md §1.6/§1.7 gives: the headers agree. */
_Static_assert(IOCTL_GNTDEV_MAP_GRANT_REF == 0x00184700, "gntdev map ioctl");
_Static_assert(IOCTL_GNTDEV_UNMAP_GRANT_REF == 0x00104701, "gntdev unmap ioctl");
_Static_assert(IOCTL_GNTDEV_GRANT_COPY == 0x00104708, "gntdev copy ioctl");
_Static_assert(IOCTL_GNTALLOC_ALLOC_GREF == 0x00184705, "gntalloc alloc ioctl");
_Static_assert(IOCTL_GNTALLOC_DEALLOC_GREF == 0x00104706, "gntalloc dealloc ioctl");
_Static_assert(sizeof(struct gntdev_grant_copy_segment) == 24, "copy segment layout");

#define PAGE		4096UL
#define WORDS		(PAGE / 8)
#define NPAGES		4		/* the OK line names 4 refs */
#define DOM0		0		/* granter and grantee */
#define BAD_REF		100000		/* far past dom0's table */

static const char *step = "start";	/* for the FAIL line */

static void fail(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	printf("dom0-granttest: FAIL %s: ", step);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (err)
		printf(" (%s)", strerror(err));
	putchar('\n');
	exit(1);
}

/* Word w of page p under a seed: every word of every page differs. */
static uint64_t pattern(uint64_t seed, unsigned long p, unsigned long w)
{
	return (seed ^ ((p * WORDS + w) * 0x9e3779b97f4a7c15ULL)) | 1;
}

static void fill(void *mem, unsigned long pages, unsigned long first, uint64_t seed)
{
	volatile uint64_t *q = mem;

	for (unsigned long p = 0; p < pages; p++)
		for (unsigned long w = 0; w < WORDS; w++)
			q[p * WORDS + w] = pattern(seed, first + p, w);
}

/* Fails naming the first word of `pages` pages that is not the pattern. */
static void expect(const void *mem, unsigned long pages, unsigned long first,
		   uint64_t seed, const char *what)
{
	const volatile uint64_t *q = mem;

	for (unsigned long p = 0; p < pages; p++)
		for (unsigned long w = 0; w < WORDS; w++)
			if (q[p * WORDS + w] != pattern(seed, first + p, w)) {
				errno = 0;
				fail("%s: page %lu word %lu is %#llx, expected %#llx",
				     what, p, w, (unsigned long long)q[p * WORDS + w],
				     (unsigned long long)pattern(seed, first + p, w));
			}
}

static int open_dev(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fail("open %s", path);
	return fd;
}

static void *map_dev(int fd, unsigned long pages, int prot, uint64_t index,
		     const char *what)
{
	void *p = mmap(NULL, pages * PAGE, prot, MAP_SHARED, fd, (off_t)index);

	if (p == MAP_FAILED)
		fail("mmap of the %s (%lu pages at offset %#llx)", what, pages,
		     (unsigned long long)index);
	return p;
}

/* gntalloc: `count` fresh pages granted to dom0; their refs into refs[]. */
static uint64_t grant_pages(int fd, unsigned count, int writable, grant_ref_t *refs)
{
	struct ioctl_gntalloc_alloc_gref *op;
	uint64_t index;

	op = calloc(1, sizeof(*op) + count * sizeof(op->gref_ids[0]));
	if (!op)
		fail("calloc");
	op->domid = DOM0;
	op->flags = writable ? GNTALLOC_FLAG_WRITABLE : 0;
	op->count = count;
	if (ioctl(fd, IOCTL_GNTALLOC_ALLOC_GREF, op))
		fail("IOCTL_GNTALLOC_ALLOC_GREF of %u %s pages", count,
		     writable ? "writable" : "read-only");
	memcpy(refs, op->gref_ids, count * sizeof(refs[0]));
	index = op->index;
	free(op);
	return index;
}

static void ungrant_pages(int fd, uint64_t index, unsigned count)
{
	struct ioctl_gntalloc_dealloc_gref op = { .index = index, .count = count };

	if (ioctl(fd, IOCTL_GNTALLOC_DEALLOC_GREF, &op))
		fail("IOCTL_GNTALLOC_DEALLOC_GREF at %#llx", (unsigned long long)index);
}

/* gntdev: record dom0's refs[0..count) for a later mmap at the result. */
static uint64_t gntdev_add(int fd, const grant_ref_t *refs, unsigned count)
{
	struct ioctl_gntdev_map_grant_ref *op;
	uint64_t index;

	op = calloc(1, sizeof(*op) + count * sizeof(op->refs[0]));
	if (!op)
		fail("calloc");
	op->count = count;
	for (unsigned i = 0; i < count; i++) {
		op->refs[i].domid = DOM0;
		op->refs[i].ref = refs[i];
	}
	if (ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, op))
		fail("IOCTL_GNTDEV_MAP_GRANT_REF of %u refs", count);
	index = op->index;
	free(op);
	return index;
}

static void gntdev_remove(int fd, uint64_t index, unsigned count)
{
	struct ioctl_gntdev_unmap_grant_ref op = { .index = index, .count = count };

	if (ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &op))
		fail("IOCTL_GNTDEV_UNMAP_GRANT_REF at %#llx", (unsigned long long)index);
}

static sigjmp_buf fault_jmp;

static void on_fault(int sig)
{
	siglongjmp(fault_jmp, sig);
}

/* Whether a write of one word at p faults (SIGSEGV or SIGBUS). */
static int write_faults(volatile uint64_t *p, uint64_t value)
{
	struct sigaction sa = { .sa_handler = on_fault }, old_segv, old_bus;
	int sig;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	sig = sigsetjmp(fault_jmp, 1);
	if (!sig)
		*p = value;
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return sig != 0;
}

/* A read-only grant must not map writable: the mmap fails. */
static void readonly_grant_refused(int ga, int gd)
{
	grant_ref_t ref;
	uint64_t ga_index, gd_index;
	void *p;

	step = "read-only grant";
	ga_index = grant_pages(ga, 1, 0, &ref);
	gd_index = gntdev_add(gd, &ref, 1);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, gd, (off_t)gd_index);
	if (p != MAP_FAILED) {
		errno = 0;
		fail("ref %u, granted read-only, was mapped writable", ref);
	}
	gntdev_remove(gd, gd_index, 1);
	ungrant_pages(ga, ga_index, 1);
}

static const char *gntst_name(int st)
{
	static const char *names[] = { "okay", "general_error", "bad_domain",
		"bad_gntref", "bad_handle", "bad_virt_addr", "bad_dev_addr",
		"no_device_space", "permission_denied", "bad_page",
		"bad_copy_arg", "address_too_big", "eagain", "no_space" };

	return st <= 0 && -st < (int)(sizeof(names) / sizeof(names[0])) ?
	       names[-st] : "?";
}

static void copy_side_ref(struct gntdev_grant_copy_segment *s, int dest,
			  grant_ref_t ref, uint16_t offset)
{
	if (dest) {
		s->dest.foreign.ref = ref;
		s->dest.foreign.offset = offset;
		s->dest.foreign.domid = DOM0;
		s->flags |= GNTCOPY_dest_gref;
	} else {
		s->source.foreign.ref = ref;
		s->source.foreign.offset = offset;
		s->source.foreign.domid = DOM0;
		s->flags |= GNTCOPY_source_gref;
	}
}

/*
 * GNTTABOP_copy through gntdev. `shared` is the gntalloc view of the 4
 * pages, whose page p holds pattern(seed, p) on entry; returns the new seed
 * of page 3, which the copy rewrote.
 */
static uint64_t grant_copy(int gd, const grant_ref_t *refs, volatile uint64_t *shared,
			   uint64_t seed)
{
	/* The bad segment comes before the last good one: the batch goes on. */
	enum { FROM_REF, TO_REF, BAD, PART, NSEG };
	struct gntdev_grant_copy_segment seg[NSEG];
	struct ioctl_gntdev_grant_copy op = { .count = NSEG, .segments = seg };
	/*
	 * gntdev splits the local side at page boundaries: `from` straddles
	 * two pages (two GNTTABOP_copy ops for one segment), the others are
	 * page-aligned.
	 */
	static uint64_t local[5 * WORDS] __attribute__((aligned(4096)));
	uint64_t *from = local + WORDS / 2, *to = local + 2 * WORDS;
	uint64_t *part = local + 3 * WORDS, *bad = local + 4 * WORDS;
	const uint64_t to_seed = seed ^ 0x5a5a;
	const unsigned part_off = 1000, part_len = 1200;	/* 8-byte multiples */

	step = "grant copy";
	memset(from, 0, PAGE);
	memset(part, 0, PAGE);
	memset(bad, 0xee, PAGE);
	fill(to, 1, 3, to_seed);
	memset(seg, 0, sizeof(seg));
	copy_side_ref(&seg[FROM_REF], 0, refs[2], 0);	/* page 2 -> from */
	seg[FROM_REF].dest.virt = from;
	seg[FROM_REF].len = PAGE;
	seg[TO_REF].source.virt = to;			/* to -> page 3 */
	copy_side_ref(&seg[TO_REF], 1, refs[3], 0);
	seg[TO_REF].len = PAGE;
	copy_side_ref(&seg[PART], 0, refs[0], part_off);	/* part of page 0 */
	seg[PART].dest.virt = (char *)part + part_off;
	seg[PART].len = part_len;
	copy_side_ref(&seg[BAD], 0, BAD_REF, 0);	/* no such ref */
	seg[BAD].dest.virt = bad;
	seg[BAD].len = PAGE;
	for (unsigned i = 0; i < NSEG; i++)
		seg[i].status = 1;			/* not a GNTST_* value */
	if (ioctl(gd, IOCTL_GNTDEV_GRANT_COPY, &op))
		fail("IOCTL_GNTDEV_GRANT_COPY of %d segments", NSEG);
	errno = 0;
	if (seg[FROM_REF].status || seg[TO_REF].status || seg[PART].status)
		fail("segment status from ref %d (%s), to ref %d (%s), "
		     "part of a ref %d (%s): all should be 0", seg[FROM_REF].status,
		     gntst_name(seg[FROM_REF].status), seg[TO_REF].status,
		     gntst_name(seg[TO_REF].status), seg[PART].status,
		     gntst_name(seg[PART].status));
	if (seg[BAD].status != GNTST_bad_gntref)
		fail("a copy from ref %u gave status %d (%s), expected %d (bad_gntref)",
		     BAD_REF, seg[BAD].status, gntst_name(seg[BAD].status),
		     GNTST_bad_gntref);
	expect(from, 1, 2, seed, "page copied from a ref");
	expect((const void *)(shared + 3 * WORDS), 1, 3, to_seed, "page copied into a ref");
	for (unsigned w = 0; w < WORDS; w++) {
		uint64_t want = w >= part_off / 8 && w < (part_off + part_len) / 8 ?
				pattern(seed, 0, w) : 0;
		if (part[w] != want)
			fail("partial copy: word %u is %#llx, expected %#llx", w,
			     (unsigned long long)part[w], (unsigned long long)want);
	}
	for (unsigned w = 0; w < WORDS; w++)
		if (bad[w] != 0xeeeeeeeeeeeeeeeeULL)
			fail("the failed copy wrote word %u of its destination", w);
	return to_seed;
}

/*
 * GNTTABOP_copy issued through privcmd (IOCTL_PRIVCMD_HYPERCALL), both
 * sides by ref, its ops in a page of /dev/xen/hypercall (privcmd-buf), as
 * the backends' copies by ref (backend_drivers/common/gnt_be.c): two fresh
 * pages granted to dom0, the first copied whole into the second, then
 * part of it back at another offset, a bad ref between them.
 */
static void hypercall_copy(int ga)
{
	enum { WHOLE, BAD, PART, NOPS };
	const unsigned part_from = 2048, part_to = 8, part_len = 512;
	grant_ref_t r[2];
	struct gnttab_copy *op;
	struct privcmd_hypercall h = { .op = __HYPERVISOR_grant_table_op };
	volatile uint64_t *pg;
	uint64_t index;
	const uint64_t seed = 0x7c0b0000;
	int fd;
	long rc;

	step = "privcmd grant copy";
	index = grant_pages(ga, 2, 1, r);
	pg = map_dev(ga, 2, PROT_READ | PROT_WRITE, index, "gntalloc pages for the copy");
	fill((void *)pg, 1, 0, seed);
	memset((void *)(pg + WORDS), 0, PAGE);
	fd = open_dev("/dev/xen/hypercall");
	op = map_dev(fd, 1, PROT_READ | PROT_WRITE, 0, "privcmd-buf page");
	op[WHOLE] = (struct gnttab_copy){ .source = { .u.ref = r[0], .domid = DOM0 },
		.dest = { .u.ref = r[1], .domid = DOM0 }, .len = PAGE,
		.flags = GNTCOPY_source_gref | GNTCOPY_dest_gref, .status = 1 };
	op[BAD] = (struct gnttab_copy){ .source = { .u.ref = BAD_REF, .domid = DOM0 },
		.dest = { .u.ref = r[1], .domid = DOM0 }, .len = PAGE,
		.flags = GNTCOPY_source_gref | GNTCOPY_dest_gref, .status = 1 };
	op[PART] = (struct gnttab_copy){
		.source = { .u.ref = r[1], .domid = DOM0, .offset = part_from },
		.dest = { .u.ref = r[0], .domid = DOM0, .offset = part_to }, .len = part_len,
		.flags = GNTCOPY_source_gref | GNTCOPY_dest_gref, .status = 1 };
	h.arg[0] = GNTTABOP_copy;
	h.arg[1] = (uint64_t)(uintptr_t)op;
	h.arg[2] = NOPS;
	{
		int pc = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);

		if (pc < 0)
			pc = open_dev("/proc/xen/privcmd");
		rc = ioctl(pc, IOCTL_PRIVCMD_HYPERCALL, &h);
		if (rc)
			fail("GNTTABOP_copy through privcmd returned %ld", rc);
		close(pc);
	}
	errno = 0;
	if (op[WHOLE].status || op[PART].status || op[BAD].status != GNTST_bad_gntref)
		fail("statuses whole %d (%s), bad ref %d (%s), part %d (%s): want 0, %d, 0",
		     op[WHOLE].status, gntst_name(op[WHOLE].status), op[BAD].status,
		     gntst_name(op[BAD].status), op[PART].status, gntst_name(op[PART].status),
		     GNTST_bad_gntref);
	expect((const void *)(pg + WORDS), 1, 0, seed, "page copied ref to ref");
	for (unsigned w = 0; w < WORDS; w++) {
		uint64_t want = w >= part_to / 8 && w < (part_to + part_len) / 8 ?
				pattern(seed, 0, w - part_to / 8 + part_from / 8) : pattern(seed, 0, w);

		if (pg[w] != want)
			fail("part copied back: word %u is %#llx, expected %#llx", w,
			     (unsigned long long)pg[w], (unsigned long long)want);
	}
	if (munmap(op, PAGE) || close(fd) || munmap((void *)pg, 2 * PAGE))
		fail("unmapping the privcmd-buf page or the copy's pages");
	ungrant_pages(ga, index, 2);
}

int main(int argc, char **argv)
{
	grant_ref_t refs[NPAGES];
	uint64_t ga_index, rw_index, ro_index, seed = 0x6e7a0000, seed3;
	volatile uint64_t *shared, *rw, *ro;
	int ga, gd;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: dom0-granttest\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	step = "gntalloc";
	ga = open_dev("/dev/xen/gntalloc");
	ga_index = grant_pages(ga, NPAGES, 1, refs);
	shared = map_dev(ga, NPAGES, PROT_READ | PROT_WRITE, ga_index, "gntalloc pages");
	fill((void *)shared, NPAGES, 0, seed);

	step = "gntdev map";
	gd = open_dev("/dev/xen/gntdev");
	rw_index = gntdev_add(gd, refs, NPAGES);
	rw = map_dev(gd, NPAGES, PROT_READ | PROT_WRITE, rw_index, "gntdev map");
	expect((const void *)rw, NPAGES, 0, seed, "gntdev view of gntalloc's pattern");
	seed++;
	fill((void *)rw, NPAGES, 0, seed);
	expect((const void *)shared, NPAGES, 0, seed, "gntalloc view of a gntdev write");

	step = "gntdev read-only map";
	ro_index = gntdev_add(gd, &refs[1], 1);
	ro = map_dev(gd, 1, PROT_READ, ro_index, "read-only gntdev map");
	expect((const void *)ro, 1, 1, seed, "read-only view");
	if (!write_faults(ro + 7, 0)) {
		errno = 0;
		fail("a write to the read-only mapping of ref %u did not fault", refs[1]);
	}
	expect((const void *)ro, 1, 1, seed, "read-only view after the refused write");
	shared[WORDS + 7] = ~pattern(seed, 1, 7);
	if (ro[7] != ~pattern(seed, 1, 7)) {
		errno = 0;
		fail("the read-only view missed a write through gntalloc");
	}
	shared[WORDS + 7] = pattern(seed, 1, 7);

	readonly_grant_refused(ga, gd);
	seed3 = grant_copy(gd, refs, shared, seed);
	hypercall_copy(ga);
	expect((const void *)(rw + 3 * WORDS), 1, 3, seed3, "gntdev view after a copy into its ref");

	step = "unmap";
	if (munmap((void *)ro, PAGE) || munmap((void *)rw, NPAGES * PAGE))
		fail("munmap of the gntdev maps");
	gntdev_remove(gd, ro_index, 1);
	gntdev_remove(gd, rw_index, NPAGES);
	if (close(gd))
		fail("close gntdev");
	expect((const void *)shared, 3, 0, seed, "gntalloc view after the unmap");
	expect((const void *)(shared + 3 * WORDS), 1, 3, seed3, "gntalloc view after the unmap");
	if (munmap((void *)shared, NPAGES * PAGE))
		fail("munmap of the gntalloc pages");
	ungrant_pages(ga, ga_index, NPAGES);
	if (close(ga))
		fail("close gntalloc");

	printf("dom0-granttest: OK refs %u,%u,%u,%u: gntalloc to dom0, gntdev rw "
	       "and ro maps (ro write faults), ro grant not mappable rw, copy "
	       "from/to/part of a ref ok, bad ref status %d, GNTTABOP_copy ref to ref "
	       "through privcmd ok, all unmapped\n",
	       refs[0], refs[1], refs[2], refs[3], GNTST_bad_gntref);
	return 0;
}
