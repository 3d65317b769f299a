// SPDX-License-Identifier: GPL-2.0-only
/* The domain builder (see builder.h; docs/toolstack.md §1.4-§1.11, §2.4, §5). */
#define _GNU_SOURCE		/* clone: VMCTL_FAIL_STEP=8h */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <lamina/grant_table.h>
#include <lamina/shared_info.h>
#include <lamina/start_info.h>
#include <hv/pv_layout.h>
#include "builder.h"
#include "devices_disk.h"
#include "devices_vif.h"
#include "domctl.h"
#include "guest_mem.h"
#include "kcache.h"
#include "kernel_image.h"
#include "xs.h"

#define PG		4096ULL
#define PAGES(b)	(((uint64_t)(b) + PG - 1) / PG)
#define XENFEAT_gnttab_v2_cap	(1U << 9)	/* PHYSCAP_gnttab_v2 */

static const char *const step_names[] = {
	"createdomain", "max_vcpus", "max_mem", "alloc_unbound", "populate_physmap",
	"load kernel", "page tables", "pin", "shared_info", "setvcpucontext",
	"grant seeding", "xenstore", "introduce", "disks", "unpause",
};
#define NR_STEPS (sizeof(step_names) / sizeof(step_names[0]))

const char *vmctl_build_step_name(unsigned int n)
{
	return n >= 1 && n <= NR_STEPS ? step_names[n - 1] : NULL;
}

/*
 * One build in progress: what to undo. It lives in memory shared with the
 * loader (see loader_start); k, rd and pt_buf point into the loader's own
 * memory and are used there only.
 */
struct build {
	const struct vmctl_config *cfg;
	const struct vmctl_build_opts *opts;
	char *err;
	size_t errlen;
	int fail_step;
	unsigned int domid;
	bool created, introduced;
	struct xs_handle *xs;
	char uuid[37];

	struct vmctl_kernel k;
	uint8_t *rd;
	size_t rd_len;
	bool rd_unpacked, rd_cached;	/* rd_cached: rd maps a cache entry */

	uint64_t nr_pages, *p2m;
	uint64_t vb;			/* VIRT_BASE */
	/* pfns of the layout (§1.7) */
	uint64_t kstart_pfn, kend_pfn, rd_pfn, rd_pages, p2m_pfn, p2m_list_pages;
	uint64_t si_pfn, store_pfn, cons_pfn, pt_pfn, nr_pt, stack_pfn, vend_pfn;
	uint64_t p2m_pt_pfn, nr_p2m_pt;
	bool rd_mapped, init_p2m;
	uint64_t shinfo_mfn;
	unsigned int store_port, cons_port;
	/* page tables being written, before they go to the domain */
	uint8_t *pt_buf;		/* nr_pt + nr_p2m_pt pages */
	struct pv_layout lay;
};

static int fail(struct build *b, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->err, b->errlen, fmt, ap);
	va_end(ap);
	return rc < 0 ? rc : -EIO;
}

static void progress(struct build *b, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!b->opts->progress)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	b->opts->progress(b->opts->arg, msg);
}

/* The signal that told the build to stop (vmctl_build_opts' stop), or 0. */
static int stopped(const struct build *b)
{
	return b->opts->stop ? (int)*b->opts->stop : 0;
}

/* Step n is about to run: the injected failure, a stop, or 0. */
static int step(struct build *b, unsigned int n)
{
	if (stopped(b))
		return fail(b, -EINTR, "step %u (%s): stopped by signal %d (%s)", n,
			    step_names[n - 1], stopped(b), strsignal(stopped(b)));
	if (b->fail_step == (int)n)
		return fail(b, -EIO, "step %u (%s): injected failure (VMCTL_FAIL_STEP)", n,
			    step_names[n - 1]);
	return 0;
}

/* ------------------------------------------------------------------ store */

static int xs_put(struct xs_handle *h, uint32_t tx, const char *path, const char *val)
{
	return xs_write(h, tx, path, val, strlen(val));
}

static int xs_putf(struct xs_handle *h, uint32_t tx, const char *path, const char *fmt, ...)
{
	char val[1100];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	return xs_put(h, tx, path, val);
}

/* Path node with permissions: owner n<own>, read for <rd> if rd >= 0. */
static int xs_mk(struct xs_handle *h, uint32_t tx, const char *path, unsigned int own, int rd)
{
	char o[16], r[16];
	const char *perms[] = { o, r };
	int rc = xs_write(h, tx, path, "", 0);

	snprintf(o, sizeof(o), "n%u", own);
	snprintf(r, sizeof(r), "r%d", rd);
	return rc ? rc : xs_set_perms(h, tx, path, perms, rd >= 0 ? 2 : 1);
}

static struct xs_handle *store_open(void)
{
	struct xs_handle *h = NULL;

	return xs_open(NULL, &h) ? NULL : h;
}

char *vmctl_domain_name(unsigned int domid)
{
	struct xs_handle *h = store_open();
	char path[64], *v = NULL;
	unsigned int len;

	if (!h)
		return NULL;
	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	if (xs_read(h, 0, path, &v, &len))
		v = NULL;
	xs_close(h);
	return v;
}

/* The id of the domain named @name in the store (other than @except): 0 or -ENOENT. */
static int find_by_name(struct xs_handle *h, const char *name, int except, unsigned int *domid)
{
	char *names = NULL, *n;
	int count, i, rc = -ENOENT;
	unsigned int len;

	count = xs_directory(h, 0, "/local/domain", &names, &len);
	for (i = 0, n = names; i < count && rc; i++, n += strlen(n) + 1) {
		char path[64], *v = NULL, *end;
		unsigned long id = strtoul(n, &end, 10);
		struct domctl_getdomaininfo info;

		if (*end || (int)id == except)
			continue;
		snprintf(path, sizeof(path), "/local/domain/%lu/name", id);
		if (xs_read(h, 0, path, &v, &len))
			continue;
		/* A name left by a domain the hypervisor no longer has does not count. */
		if (!strcmp(v, name) && (id == 0 || !vmctl_dom_info((unsigned int)id, &info))) {
			*domid = (unsigned int)id;
			rc = 0;
		}
		free(v);
	}
	free(names);
	return rc;
}

int vmctl_find_domain(const char *arg, unsigned int *domid)
{
	struct domctl_getdomaininfo info;
	struct xs_handle *h;
	char *end;
	unsigned long id;
	int rc;

	if (!*arg)
		return -EINVAL;
	id = strtoul(arg, &end, 10);
	if (!*end && *arg >= '0' && *arg <= '9') {
		if (id >= DOMID_FIRST_RESERVED || vmctl_dom_info((unsigned int)id, &info))
			return -ENOENT;
		*domid = (unsigned int)id;
		return 0;
	}
	if (!strcmp(arg, "Domain-0")) {
		*domid = 0;
		return 0;
	}
	h = store_open();
	if (!h)
		return -ENOENT;
	rc = find_by_name(h, arg, -1, domid);
	xs_close(h);
	return rc;
}

int vmctl_domain_rename(unsigned int domid, const char *name, char *err, size_t errlen)
{
	struct xs_handle *h = store_open();
	char path[96], *vm = NULL;
	unsigned int len, other;
	uint32_t tx;
	int rc;

	if (!h)
		return snprintf(err, errlen, "cannot reach xenstored"), -ENOENT;
	if (!find_by_name(h, name, (int)domid, &other)) {
		xs_close(h);
		snprintf(err, errlen, "the name '%s' is already used by domain %u", name, other);
		return -EEXIST;
	}
	do {
		rc = xs_transaction_start(h, &tx);
		if (rc)
			break;
		snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
		rc = xs_put(h, tx, path, name);
		snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
		if (!rc && !xs_read(h, tx, path, &vm, &len) && *vm) {
			snprintf(path, sizeof(path), "%s/name", vm);
			rc = xs_put(h, tx, path, name);
		}
		free(vm);
		vm = NULL;
		if (rc) {
			xs_transaction_end(h, tx, false);
			break;
		}
		rc = xs_transaction_end(h, tx, true);
	} while (rc == -EAGAIN);
	xs_close(h);
	if (rc)
		snprintf(err, errlen, "cannot rename domain %u: %s", domid, strerror(-rc));
	return rc;
}

/* The nodes of docs/toolstack.md §5.1, §5.3, §5.5 in one transaction. */
static int write_home(struct build *b, uint32_t tx)
{
	static const char *const dom0_dirs[] = { "cpu", "memory", "device", "control", "console" };
	static const char *const guest_nodes[] = {
		"device/suspend/event-channel", "control/shutdown", "control/feature-poweroff",
		"control/feature-reboot", "control/feature-suspend", "control/sysrq",
		"data", "drivers", "feature", "attr", "error",
	};
	const struct vmctl_config *c = b->cfg;
	struct xs_handle *h = b->xs;
	unsigned int d = b->domid, i;
	char home[40], vm[64], p[160];
	int rc;

	snprintf(home, sizeof(home), "/local/domain/%u", d);
	snprintf(vm, sizeof(vm), "/vm/%s", b->uuid);
#define P(fmt, ...) (snprintf(p, sizeof(p), fmt, __VA_ARGS__), p)
	rc = xs_rm(h, tx, home);
	if (rc == -ENOENT)
		rc = 0;
	if (!rc && (rc = xs_rm(h, tx, vm)) == -ENOENT)
		rc = 0;
	if (!rc && (rc = xs_rm(h, tx, P("/libxl/%u", d))) == -ENOENT)
		rc = 0;
	if (!rc && (rc = xs_rm(h, tx, P("/local/domain/0/backend/console/%u", d))) == -ENOENT)
		rc = 0;
	if (rc)
		return rc;
	/*
	 * The rest goes as one batch (xs.h): the ~70 requests written
	 * together, their replies read at the end, instead of a round trip to
	 * xenstored each. The first error is the batch's; store_nodes then
	 * ends the transaction without commit.
	 */
	xs_batch_begin(h);
	if (!rc)
		rc = xs_mk(h, tx, home, 0, (int)d);
	if (!rc)
		rc = xs_mk(h, tx, vm, 0, (int)d);
	if (!rc)
		rc = xs_mk(h, tx, P("/libxl/%u", d), 0, -1);
	for (i = 0; !rc && i < sizeof(dom0_dirs) / sizeof(dom0_dirs[0]); i++)
		rc = xs_mk(h, tx, P("%s/%s", home, dom0_dirs[i]), 0, (int)d);
	for (i = 0; !rc && i < sizeof(guest_nodes) / sizeof(guest_nodes[0]); i++)
		rc = xs_mk(h, tx, P("%s/%s", home, guest_nodes[i]), d, -1);
	if (!rc)
		rc = xs_put(h, tx, P("%s/vm", home), vm);
	if (!rc)
		rc = xs_put(h, tx, P("%s/name", home), c->name);
	if (!rc)
		rc = xs_put(h, tx, P("%s/uuid", vm), b->uuid);
	if (!rc)
		rc = xs_put(h, tx, P("%s/name", vm), c->name);
	if (!rc)
		rc = xs_put(h, tx, P("%s/control/platform-feature-multiprocessor-suspend", home), "1");
	if (!rc)
		rc = xs_put(h, tx, P("%s/control/platform-feature-xs_reset_watches", home), "1");
	if (!rc)
		rc = xs_put(h, tx, P("/libxl/%u/type", d), "pv");
	/* T2 (§5.3) */
	if (!rc)
		rc = xs_putf(h, tx, P("%s/memory/static-max", home), "%lu", c->maxmem_mib * 1024);
	if (!rc)
		rc = xs_putf(h, tx, P("%s/memory/target", home), "%lu", c->memory_mib * 1024);
	if (!rc)
		rc = xs_put(h, tx, P("%s/memory/videoram", home), "0");
	if (!rc)
		rc = xs_putf(h, tx, P("%s/domid", home), "%u", d);
	if (!rc)
		rc = xs_putf(h, tx, P("%s/store/port", home), "%u", b->store_port);
	if (!rc)
		rc = xs_putf(h, tx, P("%s/store/ring-ref", home), "%llu",
			     (unsigned long long)b->p2m[b->store_pfn]);
	for (i = 0; !rc && i < c->maxvcpus; i++)
		rc = xs_put(h, tx, P("%s/cpu/%u/availability", home, i),
			    i < c->vcpus ? "online" : "offline");
	if (!rc)
		rc = xs_put(h, tx, P("%s/image/ostype", vm), "linux");
	if (!rc)
		rc = xs_put(h, tx, P("%s/image/kernel", vm), c->kernel);
	if (!rc && c->ramdisk)
		rc = xs_put(h, tx, P("%s/image/ramdisk", vm), c->ramdisk);
	if (!rc && c->cmdline)
		rc = xs_put(h, tx, P("%s/image/cmdline", vm), c->cmdline);
	if (!rc) {
		struct timespec t;

		clock_gettime(CLOCK_REALTIME, &t);
		rc = xs_putf(h, tx, P("%s/start_time", vm), "%lld.%02ld", (long long)t.tv_sec,
			     t.tv_nsec / 10000000);
	}
	/* T4, console 0 (§5.5): the guest owns backend-id; consoled writes tty. */
	if (!rc) {
		char be[64];

		/* not P() twice in one call: both arguments would be p */
		snprintf(be, sizeof(be), "/local/domain/0/backend/console/%u/0", d);
		rc = xs_put(h, tx, P("%s/console/backend", home), be);
	}
	if (!rc)
		rc = xs_put(h, tx, P("%s/console/backend-id", home), "0");
	if (!rc) {
		char o[16];
		const char *perms[] = { o, "r0" };

		snprintf(o, sizeof(o), "n%u", d);
		rc = xs_set_perms(h, tx, p, perms, 2);
	}
	if (!rc)
		rc = xs_put(h, tx, P("%s/console/limit", home), "1048576");
	if (!rc)
		rc = xs_put(h, tx, P("%s/console/type", home), "xenconsoled");
	if (!rc)
		rc = xs_put(h, tx, P("%s/console/output", home), "pty");
	if (!rc)
		rc = xs_putf(h, tx, P("%s/console/port", home), "%u", b->cons_port);
	if (!rc)
		rc = xs_putf(h, tx, P("%s/console/ring-ref", home), "%llu",
			     (unsigned long long)b->p2m[b->cons_pfn]);
	/*
	 * Console 0's backend directory as libxl writes it (toolstack.md
	 * §5.5), readable by the guest; consoled reads only the frontend's
	 * keys. The domain's home was new, so was this (removed with it).
	 */
	if (!rc) {
		char be[64], fe[48];

		snprintf(be, sizeof(be), "/local/domain/0/backend/console/%u/0", d);
		snprintf(fe, sizeof(fe), "%s/console", home);
		rc = xs_mk(h, tx, be, 0, (int)d);
		if (!rc)
			rc = xs_put(h, tx, P("%s/frontend", be), fe);
		if (!rc)
			rc = xs_putf(h, tx, P("%s/frontend-id", be), "%u", d);
		if (!rc)
			rc = xs_put(h, tx, P("%s/online", be), "1");
		if (!rc)
			rc = xs_put(h, tx, P("%s/state", be), "1");
		if (!rc)
			rc = xs_put(h, tx, P("%s/protocol", be), "vt100");
	}
	/* What the monitor and `vmctl list -l` read back. */
	if (!rc)
		rc = xs_put(h, tx, P("/libxl/%u/on_poweroff", d), vmctl_action_name(c->on_poweroff));
	if (!rc)
		rc = xs_put(h, tx, P("/libxl/%u/on_reboot", d), vmctl_action_name(c->on_reboot));
	if (!rc)
		rc = xs_put(h, tx, P("/libxl/%u/on_crash", d), vmctl_action_name(c->on_crash));
#undef P
	{
		int brc = xs_batch_end(h);

		return rc ? rc : brc;
	}
}

static int store_nodes(struct build *b)
{
	uint32_t tx;
	int rc, tries = 0;

	do {
		rc = xs_transaction_start(b->xs, &tx);
		if (rc)
			break;
		rc = write_home(b, tx);
		if (rc) {
			xs_transaction_end(b->xs, tx, false);
			break;
		}
		rc = xs_transaction_end(b->xs, tx, true);
	} while (rc == -EAGAIN && ++tries < 20);
	return rc;
}

/* Removes what write_home wrote (outside a transaction; missing nodes are fine). */
static void remove_nodes(struct xs_handle *h, unsigned int domid, const char *vm)
{
	char p[64];

	if (vm && *vm)
		xs_rm(h, 0, vm);
	snprintf(p, sizeof(p), "/local/domain/%u", domid);
	xs_rm(h, 0, p);
	snprintf(p, sizeof(p), "/libxl/%u", domid);
	xs_rm(h, 0, p);
	snprintf(p, sizeof(p), "/local/domain/0/backend/console/%u", domid);
	xs_rm(h, 0, p);
}

/* ----------------------------------------------------------------- layout */

/*
 * The start-of-day layout of docs/toolstack.md §1.7, planned by the hypervisor's
 * common/pv_layout.c (one planner for every Lamina builder), copied into
 * the pfn fields the rest of the build uses.
 */
static int plan(struct build *b)
{
	struct pv_layout_request r = { .k = &b->k.pv, .nr_pages = b->nr_pages,
				       .initrd_bytes = b->rd ? b->rd_len : 0, .rings = true };
	struct pv_layout *l = &b->lay;
	const char *why = NULL;
	int rc = pv_layout_plan(&r, l, &why);

	if (rc == -ENOMEM)
		return fail(b, -ENOMEM, "memory = %lu MiB is too small for this kernel%s: %s",
			    b->cfg->memory_mib, b->rd ? " and ramdisk" : "", why ? why : "");
	if (rc)
		return fail(b, -ENOEXEC, "the kernel's layout is refused: %s", why ? why : "");
	b->vb = l->v_start;
	b->kstart_pfn = pv_layout_pfn(l, b->k.pv.kstart);
	b->kend_pfn = PAGES(b->k.pv.kend - l->v_start);
	b->rd_pfn = l->initrd_pfn;
	b->rd_pages = l->initrd_pages;
	b->rd_mapped = b->rd && !l->initrd_unmapped;
	b->init_p2m = l->nr_p2m_frames != 0;
	b->p2m_pfn = l->p2m_pfn;
	b->p2m_list_pages = l->p2m_pages;
	b->si_pfn = pv_layout_pfn(l, l->start_info);
	b->store_pfn = pv_layout_pfn(l, l->store);
	b->cons_pfn = pv_layout_pfn(l, l->console);
	b->pt_pfn = pv_layout_l4_pfn(l);
	b->nr_pt = l->nr_pt_frames;
	b->stack_pfn = pv_layout_pfn(l, l->stack);
	b->vend_pfn = pv_layout_pfn(l, l->v_end);
	b->p2m_pt_pfn = l->p2m_pfn + l->p2m_pages;
	b->nr_p2m_pt = b->init_p2m ? l->nr_p2m_frames - l->p2m_pages : 0;
	return 0;
}

/* ------------------------------------------------------------ page tables */

static uint64_t *table_at(struct build *b, uint64_t pfn)
{
	uint64_t i = pfn >= b->pt_pfn && pfn < b->pt_pfn + b->nr_pt ? pfn - b->pt_pfn :
		     b->nr_pt + (pfn - b->p2m_pt_pfn);

	return (uint64_t *)(b->pt_buf + i * PG);
}

static int write_pte(void *ctx, uint64_t table, unsigned int index, uint64_t target,
		     uint64_t flags)
{
	struct build *b = ctx;
	bool main_pt = table >= b->pt_pfn && table < b->pt_pfn + b->nr_pt;
	bool p2m_pt = b->nr_p2m_pt && table >= b->p2m_pt_pfn &&
		      table < b->p2m_pt_pfn + b->nr_p2m_pt;

	if ((!main_pt && !p2m_pt) || index >= 512 || target >= b->nr_pages)
		return -EINVAL;
	table_at(b, table)[index] = b->p2m[target] * PG | flags;
	return 0;
}

static int build_tables(struct build *b)
{
	int rc;

	b->pt_buf = calloc(b->nr_pt + b->nr_p2m_pt, PG);
	if (!b->pt_buf)
		return fail(b, -ENOMEM, "out of memory for the page tables");
	rc = pv_layout_for_each_pte(&b->lay, write_pte, b);
	if (rc)
		return fail(b, rc, "page tables: an entry outside the planned tables");
	return 0;
}

/* ------------------------------------------------------------ guest memory */

/*
 * Maps pfns [pfn, pfn + n) of the domain; NULL after fail(). Only the
 * loader (see loader_start) maps this way, and it never unmaps: its exit
 * does, at a fraction of munmap's cost in a PV dom0.
 */
static uint8_t *map_pfns(struct build *b, uint64_t pfn, uint64_t n, const char *what)
{
	void *p = vmctl_map_foreign(b->domid, b->p2m + pfn, n);

	if (!p)
		fail(b, -errno, "cannot map the domain's %s (%llu pages at pfn %#llx): %s", what,
		     (unsigned long long)n, (unsigned long long)pfn, strerror(errno));
	return p;
}

/* Writes len bytes (the rest of the pages zeroed) at pfn. */
static int put_pages(struct build *b, uint64_t pfn, uint64_t pages, const void *src,
		     uint64_t len, const char *what)
{
	uint8_t *p = map_pfns(b, pfn, pages, what);
	int rc = 0;

	if (!p)
		return -EIO;
	/* src may map a file (the ramdisk's cache entry): a truncation fails here */
	if (len)
		rc = vmctl_mapped_copy(p, src, len);
	if (!rc)
		guest_zero(p + len, pages * PG - len);
	return rc ? fail(b, rc, "copying the %s: %s", what, "its file was truncated while "
			 "it was read (SIGBUS)") : 0;
}

/*
 * The kernel's pages are written once: each PT_LOAD segment's file bytes
 * copied, everything else (the gaps, each segment's bss, the tail of the
 * extent) zeroed, in address order. ELF wants PT_LOAD segments sorted by
 * address; for a kernel whose segments are not, the whole extent is
 * zeroed first instead (sorted says which: the first pass only checks).
 */
struct load_ctx {
	struct build *b;
	uint8_t *base;			/* the kernel's pages, mapped */
	uint64_t done;			/* offset up to which the pages are written */
	bool sorted;
	bool check_only;
	int copy_rc;			/* copying from the kernel's mapping failed */
};

static int load_segment(void *ctx, uint64_t va, const void *src, uint64_t filesz,
			uint64_t memsz)
{
	struct load_ctx *l = ctx;
	uint64_t off = va - (l->b->vb + l->b->kstart_pfn * PG);

	(void)memsz;			/* zeroed with the gap after it */
	if (off + filesz > (l->b->kend_pfn - l->b->kstart_pfn) * PG || off + filesz < off)
		return -EINVAL;
	if (l->check_only) {
		if (off < l->done)
			l->sorted = false;
		l->done = off + filesz;
		return 0;
	}
	if (l->sorted && off > l->done)
		guest_zero(l->base + l->done, off - l->done);
	/*
	 * From the kernel's mapping, faulted in by the copy where it is not
	 * populated (kernel_image.h's lazy): the kernel maps a run of pages
	 * around each fault, and the loader's exit tears the mapping down.
	 * That beats a pread into the pages (dom0's copy_to_user, a counted
	 * instruction a byte): docs/benchmarks.md, issue 17, session 32.
	 */
	l->copy_rc = vmctl_mapped_copy(l->base + off, src, filesz);
	if (l->copy_rc)
		return l->copy_rc;
	if (off + filesz > l->done)
		l->done = off + filesz;
	return 0;
}

static int populate(struct build *b)
{
	uint64_t n = b->nr_pages, chunks = n / 512, done = 0, i, *ext;
	long rc;

	ext = calloc(n, sizeof(*ext));
	if (!ext)
		return fail(b, -ENOMEM, "out of memory for the extents");
	/* 2 MiB extents first, as libxenguest; what they do not cover page by page. */
	for (i = 0; i < chunks; i++)
		ext[i] = i * 512;
	rc = chunks ? vmctl_populate_physmap(b->domid, ext, chunks, 9) : 0;
	if (rc > 0)
		for (i = 0; i < (uint64_t)rc; i++) {
			uint64_t j;

			for (j = 0; j < 512; j++)
				b->p2m[i * 512 + j] = ext[i] + j;
		}
	done = rc > 0 ? (uint64_t)rc * 512 : 0;
	while (done < n) {
		uint64_t want = n - done;

		for (i = 0; i < want; i++)
			ext[i] = done + i;
		rc = vmctl_populate_physmap(b->domid, ext, want, 0);
		if (rc <= 0) {
			free(ext);
			return fail(b, rc < 0 ? (int)rc : -ENOMEM, "populate_physmap: %llu of %llu "
				    "pages allocated: %s", (unsigned long long)done,
				    (unsigned long long)n, rc < 0 ? strerror((int)-rc) :
				    "no more memory");
		}
		for (i = 0; i < (uint64_t)rc; i++)
			b->p2m[done + i] = ext[i];
		done += (uint64_t)rc;
	}
	free(ext);
	return 0;
}

/*
 * elf_for_each_load under the SIGBUS guard: it reads the program headers
 * from the kernel's mapping, and load_segment copies from it where the
 * kernel is not read from its file.
 */
static int each_load_fn(void *arg)
{
	struct load_ctx *l = arg;

	return elf_for_each_load(&l->b->k.pv, load_segment, l);
}

static int each_load(struct load_ctx *l, bool *bus)
{
	return vmctl_mapped_run(each_load_fn, l, bus);
}

static int load_image(struct build *b)
{
	struct load_ctx l = { .b = b };
	uint64_t kpages = b->kend_pfn - b->kstart_pfn;
	bool bus;
	int rc;

	progress(b, "loading the kernel (%llu KiB)", (unsigned long long)(kpages * 4));
	l.sorted = l.check_only = true;
	rc = each_load(&l, &bus);
	if (rc)
		return fail(b, bus ? rc : -EINVAL, "the kernel %s: %s", b->cfg->kernel, bus ?
			    "its file was truncated while it was read (SIGBUS)" :
			    "its segments do not fit its extent");
	l.base = map_pfns(b, b->kstart_pfn, kpages, "kernel pages");
	if (!l.base)
		return -EIO;
	if (!l.sorted)
		guest_zero(l.base, kpages * PG);
	l.check_only = false;
	l.done = 0;
	rc = each_load(&l, &bus);
	if (!rc && l.sorted)
		guest_zero(l.base + l.done, kpages * PG - l.done);
	if (rc && bus)
		return fail(b, rc, "reading the kernel %s into the domain's pages: its file was "
			    "truncated while it was read (SIGBUS)", b->cfg->kernel);
	if (rc && l.copy_rc)
		return fail(b, l.copy_rc, "reading the kernel %s into the domain's pages: %s",
			    b->cfg->kernel, l.copy_rc == -EIO ? "its file is shorter than it was "
			    "(truncated while it was read)" : strerror(-l.copy_rc));
	if (rc)
		return fail(b, -EINVAL, "the kernel's segments do not fit its extent");
	if (b->rd) {
		progress(b, "loading the ramdisk (%zu KiB%s)", b->rd_len >> 10,
			 b->rd_unpacked ? ", gunzipped" : "");
		rc = put_pages(b, b->rd_pfn, b->rd_pages, b->rd, b->rd_len, "ramdisk pages");
		if (rc)
			return rc;
	}
	if (!b->init_p2m) {
		rc = put_pages(b, b->p2m_pfn, b->p2m_list_pages, b->p2m, b->nr_pages * 8, "p2m");
		if (rc)
			return rc;
	}
	rc = put_pages(b, b->store_pfn, 1, NULL, 0, "xenstore page");
	if (!rc)
		rc = put_pages(b, b->cons_pfn, 1, NULL, 0, "console page");
	if (!rc)
		rc = put_pages(b, b->stack_pfn, 1, NULL, 0, "boot stack");
	return rc;
}

static int write_start_info(struct build *b)
{
	const struct vmctl_config *c = b->cfg;
	struct start_info si;

	memset(&si, 0, sizeof(si));
	strcpy(si.magic, START_INFO_MAGIC);
	si.nr_pages = b->nr_pages;
	si.shared_info = b->shinfo_mfn * PG;
	si.store_mfn = b->p2m[b->store_pfn];
	si.store_evtchn = b->store_port;
	si.console.domU.mfn = b->p2m[b->cons_pfn];
	si.console.domU.evtchn = b->cons_port;
	si.pt_base = b->vb + b->pt_pfn * PG;
	si.nr_pt_frames = b->nr_pt;
	si.mfn_list = b->lay.p2m;
	si.first_p2m_pfn = b->lay.first_p2m_pfn;
	si.nr_p2m_frames = b->lay.nr_p2m_frames;
	if (b->rd) {
		si.mod_start = b->lay.mod_start;
		si.mod_len = b->lay.mod_len;
		if (b->lay.initrd_unmapped)
			si.flags |= SIF_MOD_START_PFN;
	}
	if (c->cmdline)
		snprintf(si.cmd_line, sizeof(si.cmd_line), "%s", c->cmdline);
	return put_pages(b, b->si_pfn, 1, &si, sizeof(si), "start_info page");
}

/* The page tables (and an INIT_P2M p2m) written (the L4 is pinned after the loader). */
static int write_tables(struct build *b)
{
	uint8_t *p;

	p = map_pfns(b, b->pt_pfn, b->nr_pt, "page tables");
	if (!p)
		return -EIO;
	guest_copy(p, b->pt_buf, b->nr_pt * PG);
	if (b->init_p2m) {
		uint64_t n = b->p2m_list_pages + b->nr_p2m_pt;

		p = map_pfns(b, b->p2m_pfn, n, "p2m segment");
		if (!p)
			return -EIO;
		guest_copy(p, b->p2m, b->nr_pages * 8);
		guest_zero(p + b->nr_pages * 8, b->p2m_list_pages * PG - b->nr_pages * 8);
		guest_copy(p + b->p2m_list_pages * PG, b->pt_buf + b->nr_pt * PG,
			   b->nr_p2m_pt * PG);
	}
	return 0;
}

static int init_shared_info(struct build *b)
{
	struct shared_info *s = (struct shared_info *)(void *)vmctl_map_foreign(
		b->domid, &b->shinfo_mfn, 1);
	unsigned int i;

	if (!s)
		return fail(b, -errno, "cannot map the domain's shared_info (mfn %#llx): %s",
			    (unsigned long long)b->shinfo_mfn, strerror(errno));
	memset(s, 0, PG);
	for (i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
		s->vcpu_info[i].evtchn_upcall_mask = 1;
	vmctl_unmap_foreign(s, 1);
	return 0;
}

static int set_vcpu0(struct build *b)
{
	struct vcpu_guest_context *v = calloc(1, sizeof(*v));
	long rc;

	if (!v)
		return fail(b, -ENOMEM, "out of memory");
	v->flags = VGCF_in_kernel | VGCF_online;
	v->user_regs.rip = b->k.pv.entry;
	v->user_regs.rsp = b->vb + (b->stack_pfn + 1) * PG;
	v->user_regs.rsi = b->vb + b->si_pfn * PG;
	v->user_regs.rflags = 0x200;
	v->user_regs.cs = 0xe033;
	v->user_regs.ss = 0xe02b;
	v->kernel_ss = 0xe02b;
	v->kernel_sp = v->user_regs.rsp;
	v->ctrlreg[3] = b->p2m[b->pt_pfn] * PG;
	v->debugreg[6] = 0xffff0ff0;
	v->debugreg[7] = 0x400;
	rc = vmctl_dom_setvcpucontext(b->domid, 0, v);
	free(v);
	return rc ? fail(b, (int)rc, "setvcpucontext: %s", strerror((int)-rc)) : 0;
}

static int seed_grants(struct build *b)
{
	struct grant_entry_v1 *g = vmctl_map_grant_table(b->domid);

	if (!g)
		return fail(b, -errno, "cannot map the domain's grant table: %s", strerror(errno));
	g[GNTTAB_RESERVED_CONSOLE].domid = 0;
	g[GNTTAB_RESERVED_CONSOLE].frame = (uint32_t)b->p2m[b->cons_pfn];
	g[GNTTAB_RESERVED_XENSTORE].domid = 0;
	g[GNTTAB_RESERVED_XENSTORE].frame = (uint32_t)b->p2m[b->store_pfn];
	__atomic_thread_fence(__ATOMIC_RELEASE);
	g[GNTTAB_RESERVED_CONSOLE].flags = GTF_permit_access;
	g[GNTTAB_RESERVED_XENSTORE].flags = GTF_permit_access;
	vmctl_unmap_foreign(g, 1);
	return 0;
}

/* ----------------------------------------------------------------- loader */

/*
 * The loader runs in a child. It reads the kernel and the ramdisk (their
 * decoding into the cache's entries included), plans the layout, and,
 * once the build has made and populated the domain, maps the domain's
 * pages and writes them (steps 6 and 7: the kernel, the ramdisk, the p2m,
 * the store and console pages, start_info, the page tables); then it
 * exits, and the build goes on (the L4's pin first) once it is gone.
 *
 * Why: the teardown of big mappings. In a PV dom0 a munmap clears each
 * entry with an atomic exchange on a page-table page the hypervisor keeps
 * read-only: a trap and an emulated write per page, about 1600
 * instructions (0.024 10^9 for the kernel's 14848 foreign pages, about as
 * much again for a decoded kernel's 16384 pages of the cache's entry). When a
 * process exits, Linux (6.1: exit_mmap -> arch_exit_mmap -> xen_exit_mmap,
 * arch/x86/xen/mmu_pv.c) first unpins its whole page-table tree (one
 * MMUEXT_UNPIN_TABLE, the table pages made writable), so the zap that
 * follows clears plain memory. So nothing the loader maps is unmapped:
 * its exit does it. The child is forked before anything big is mapped,
 * so the fork copies little.
 *
 * The build's state (struct build, its message, the p2m) is in memory
 * shared with the loader (MAP_SHARED anonymous, made before the fork), so
 * each reads what the other wrote; the loader's own pointers in it (the
 * kernel's and ramdisk's mappings, the page tables' buffer) are not used
 * by the build. One socket pair carries the rest: the loader's rc after
 * its checks, the build's go (or the end of the socket: stop), the
 * loader's rc after the load. A loader that dies without an answer (a
 * signal) is the step's failure; in every case the build waits for the
 * child's end before it goes on or undoes (vmctl_domain_build), so no
 * mapping of the domain outlives it. The child leaves by _exit (no atexit
 * handler, no stdio buffer flushed twice). VMCTL_FAIL_STEP=6k kills the
 * loader with SIGKILL at the go (the tests' case of a child that dies).
 */
struct loader {
	pid_t pid;			/* -1: none (not started, or reaped) */
	int fd;				/* the build's end of the socket pair */
	int status;			/* waitpid's, once reaped; -1: not known */
};

/* Steps 6 and 7, in the loader. */
static int load(struct build *b)
{
	int rc;

	if ((rc = step(b, 6)) || (rc = load_image(b)))
		return rc;
	if ((rc = step(b, 7)) || (rc = build_tables(b)) || (rc = write_start_info(b)) ||
	    (rc = write_tables(b)))
		return rc;
	return 0;
}

static int check_images(struct build *b);

static void loader_send(int fd, int rc)
{
	while (send(fd, &rc, sizeof(rc), MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

/* The other side's int: 0, or -EPIPE when it closed its end (or died). */
static int loader_recv(int fd, int *v)
{
	size_t got = 0;

	while (got < sizeof(*v)) {
		ssize_t n = recv(fd, (char *)v + got, sizeof(*v) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		got += (size_t)n;
	}
	return 0;
}

/* VMCTL_FAIL_STEP=8h: a process sharing the loader's memory for 150 ms. */
static int hold_mm(void *arg)
{
	struct timespec t = { 0, 150 * 1000 * 1000 };

	(void)arg;
	while (nanosleep(&t, &t) && errno == EINTR)
		;
	return 0;
}

/*
 * As a /proc/PID/mem reader of the loader (it takes a reference to the
 * loader's memory for each read) at its exit: the memory, and with it the
 * writable mappings of the domain's tables, outlives the loader's
 * waitpid. A child with CLONE_VM holds it 150 ms (init reaps it).
 */
static void hold_loader_mm(void)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));

	(void)clone(hold_mm, stack + sizeof(stack), CLONE_VM | SIGCHLD, NULL);
}

static void loader_main(struct build *b, int fd)
{
	const char *inject = getenv("VMCTL_FAIL_STEP");
	int rc = check_images(b), go;

	loader_send(fd, rc);
	if (!rc && !loader_recv(fd, &go)) {
		if (inject && !strcmp(inject, "6k"))
			raise(SIGKILL);
		rc = load(b);
		if (!rc && inject && !strcmp(inject, "8h"))
			hold_loader_mm();
		loader_send(fd, rc);
	}
	fflush(NULL);
	_exit(0);
}

static int loader_start(struct build *b, struct loader *l)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return fail(b, -errno, "cannot start the loader: socketpair: %s", strerror(errno));
	fflush(NULL);
	l->pid = fork();
	if (l->pid < 0) {
		int e = errno;

		close(sv[0]);
		close(sv[1]);
		return fail(b, -e, "cannot start the loader: fork: %s", strerror(e));
	}
	if (l->pid == 0) {
		close(sv[0]);
		loader_main(b, sv[1]);
	}
	close(sv[1]);
	l->fd = sv[0];
	return 0;
}

/* Tells the loader to stop (if it still waits) and waits for its end. */
static void loader_end(struct loader *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	if (l->pid > 0) {
		pid_t r;

		while ((r = waitpid(l->pid, &l->status, 0)) < 0 && errno == EINTR)
			;
		if (r != l->pid)	/* reaped by the kernel: SIGCHLD ignored */
			l->status = -1;
	}
	l->pid = -1;
}

/*
 * A loader that died without an answer may have died in a decode into the
 * cache: where the cache's temporary files have names (no O_TMPFILE,
 * kcache.c), its own go now, not an hour on. Only while its zombie still
 * holds its PID (waitid WNOWAIT, before loader_end reaps it): once reaped,
 * the PID may be another create's loader already, whose live `.tmp-PID-N`
 * would go and its store fail (session 33's review; until then the files
 * were removed after the reap). One the kernel reaped (SIGCHLD ignored)
 * leaves them to make_room, once stale. The socket is closed first: a
 * loader still waiting for its word ends.
 */
static void drop_loader_temps(struct build *b, struct loader *l)
{
	struct vmctl_kcache cache;
	siginfo_t si;
	int r;

	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	if (l->pid <= 0)
		return;
	while ((r = waitid(P_PID, (id_t)l->pid, &si, WEXITED | WNOWAIT)) < 0 && errno == EINTR)
		;
	if (r)
		return;
	vmctl_kcache_init(&cache);
	if (!cache.off && !b->opts->no_cache)
		(void)vmctl_kcache_drop_temps(&cache, (long)l->pid);
}

/* The loader's next answer: its rc, or a failure saying how it ended. */
static int loader_answer(struct build *b, struct loader *l, const char *what)
{
	int rc;

	if (!loader_recv(l->fd, &rc))
		return rc ? (b->err[0] ? rc : fail(b, rc, "%s: %s", what, strerror(-rc))) : 0;
	drop_loader_temps(b, l);	/* before the reap: the PID still the loader's */
	loader_end(l);
	if (l->status == -1)
		return fail(b, -EIO, "%s: the loader ended without an answer (its status is "
			    "lost: SIGCHLD ignored)", what);
	if (WIFSIGNALED(l->status))
		return fail(b, -EIO, "%s: the loader was killed by signal %d (%s)", what,
			    WTERMSIG(l->status), strsignal(WTERMSIG(l->status)));
	return fail(b, -EIO, "%s: the loader ended without an answer (status %#x)", what,
		    (unsigned int)l->status);
}

/* Steps 6 and 7 by the loader, then its end (its mappings gone with it). */
static int loader_load(struct build *b, struct loader *l)
{
	int go = 1, rc;

	loader_send(l->fd, go);
	rc = loader_answer(b, l, "loading the domain's memory");
	loader_end(l);
	return rc;
}

/* console/tty has a value: 1; not yet: 0. */
static int console_taken(struct build *b, const char *path)
{
	char *v = NULL;
	unsigned int len;
	int ok;

	if (xs_read(b->xs, 0, path, &v, &len))
		return 0;
	ok = len > 0;
	free(v);
	return ok;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)(t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * As libxl (docs/toolstack.md §1.4 step 32), wait up to 10 s for the console
 * backend to write console/tty, so that it sees the guest's first output;
 * without a console daemon the domain starts anyway. A watch on the node
 * wakes the wait as soon as consoled writes it (consoled takes a fraction
 * of a millisecond once XS_INTRODUCE has fired @introduceDomain); where the
 * watch cannot be set, the node is read every 10 ms as before.
 */
static void wait_console(struct build *b)
{
	static const char token[] = "vmctl-console";
	struct timespec t0;
	char path[64], *wp, *wt;
	bool watching, told = false;
	long left;
	int rc;

	snprintf(path, sizeof(path), "/local/domain/%u/console/tty", b->domid);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	watching = !xs_watch(b->xs, path, token);
	while (!console_taken(b, path) && !stopped(b)) {	/* stopped: the next step says so */
		left = 10000 - ms_since(&t0);
		if (left <= 0) {
			progress(b, "no console backend after 10 s (is consoled running?); "
				 "starting anyway");
			break;
		}
		if (!told && left <= 9500) {
			progress(b, "waiting for the console backend to take the console");
			told = true;
		}
		if (!watching) {
			usleep(10000);
			continue;
		}
		/* Any event (the watch fires once when set) means: read again. */
		rc = xs_read_watch(b->xs, (int)(told ? left : left - 9500), &wp, &wt);
		if (!rc) {
			free(wp);
			free(wt);
		} else if (rc != -ETIMEDOUT) {
			watching = false;	/* poll from here on */
		}
	}
	if (watching)
		xs_unwatch(b->xs, path, token);
}

static void make_uuid(struct build *b)
{
	uint8_t u[16];
	int fd;

	if (b->cfg->has_uuid) {
		memcpy(u, b->cfg->uuid, 16);
	} else {
		fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read(fd, u, 16) != 16) {
			unsigned int i;

			srand((unsigned int)time(NULL) ^ (unsigned int)getpid());
			for (i = 0; i < 16; i++)
				u[i] = (uint8_t)rand();
		}
		if (fd >= 0)
			close(fd);
		u[6] = (u[6] & 0x0f) | 0x40;
		u[8] = (u[8] & 0x3f) | 0x80;
	}
	snprintf(b->uuid, sizeof(b->uuid),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		 u[13], u[14], u[15]);
}

/* What the build checks before it touches the hypervisor: the host's side. */
static int check_host(struct build *b)
{
	const struct vmctl_config *c = b->cfg;
	unsigned int other;
	long rc;

	rc = vmctl_disks_check(c, b->err, b->errlen);
	if (rc)
		return (int)rc;
	rc = vmctl_vifs_check(c, b->err, b->errlen);
	if (rc)
		return (int)rc;
	rc = vmctl_xc_open();
	if (rc)
		return fail(b, (int)rc, "cannot open /dev/xen/privcmd: %s (not in dom0?)",
			    strerror((int)-rc));
	b->xs = store_open();
	if (!b->xs)
		return fail(b, -ENOENT, "cannot reach xenstored (is it running?)");
	if (!find_by_name(b->xs, c->name, -1, &other))
		return fail(b, -EEXIST, "the name '%s' is already used by domain %u", c->name,
			    other);
	/* The p2m, shared with the loader (filled by populate, which it then reads). */
	b->nr_pages = (uint64_t)c->memory_mib * 256;
	b->p2m = mmap(NULL, b->nr_pages * sizeof(*b->p2m), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b->p2m == MAP_FAILED) {
		b->p2m = NULL;
		return fail(b, -ENOMEM, "out of memory for the p2m");
	}
	return 0;
}

/* VMCTL_FAIL_STEP=rk: the loader is killed in its decode, its temporary file made. */
static void kill_in_decode(struct vmctl_kcache *c)
{
	(void)c;
	raise(SIGKILL);
}

/* The images' side of the checks, in the loader: kernel, ramdisk, memory, layout. */
static int check_images(struct build *b)
{
	const struct vmctl_config *c = b->cfg;
	const char *inject = getenv("VMCTL_FAIL_STEP");
	struct vmctl_kcache cache;
	struct sysctl_physinfo pi;
	long rc;

	vmctl_kcache_init(&cache);
	if (b->opts->no_cache)
		cache.off = true;
	if (inject && !strcmp(inject, "rk"))
		cache.after_reserve = kill_in_decode;
	progress(b, "reading the kernel %s", c->kernel);
	rc = vmctl_kernel_load_cached(&cache, c->kernel, &b->k, b->err, b->errlen);
	if (rc)
		return (int)rc;
	if (!cache.off)
		progress(b, "kernel %s", cache.note);
	if (c->ramdisk) {
		rc = vmctl_ramdisk_load_cached(&cache, c->ramdisk, &b->rd, &b->rd_len,
					       &b->rd_unpacked, &b->rd_cached, b->err, b->errlen);
		if (rc)
			return (int)rc;
		if (!cache.off || cache.kept_packed)
			progress(b, "ramdisk %s", cache.note);
	}
	rc = vmctl_physinfo(&pi);
	if (rc)
		return fail(b, (int)rc, "sysctl physinfo: %s", strerror((int)-rc));
	if (b->nr_pages > pi.free_pages)
		return fail(b, -ENOMEM, "memory = %lu MiB is more than the hypervisor has free "
			    "(%llu MiB)", c->memory_mib,
			    (unsigned long long)(pi.free_pages >> 8));
	return plan(b);
}

/*
 * Step 8's pin of the L4. The loader's mappings of the domain's tables go
 * with its memory, which its exit releases before its waitpid returns,
 * unless another process holds that memory then (a /proc/PID/mem or
 * cmdline reader takes a reference for each read): the tables are then
 * still mapped writable and the pin is refused. The refusal cannot be told
 * from that of a bad table (-EINVAL on Xen 4.17 and Lamina alike; -EBUSY
 * is taken too), and the builder makes no bad table, so a refusal is
 * tried again, 6 times over 0.63 s (10 ms, doubling), before the build
 * fails and is undone.
 */
#define PIN_RETRIES	6

static long pin_l4(struct build *b)
{
	struct timespec t;
	unsigned int i;
	long rc;

	for (i = 0;; i++) {
		rc = vmctl_pin_l4(b->domid, b->p2m[b->pt_pfn]);
		if ((rc != -EINVAL && rc != -EBUSY) || i == PIN_RETRIES || stopped(b))
			return rc;
		if (!i)
			progress(b, "pinning the L4: refused (%s: the loader's memory still held?); "
				 "trying again", strerror((int)-rc));
		t = (struct timespec){ 0, (10L << i) * 1000 * 1000 };
		while (nanosleep(&t, &t) && errno == EINTR && !stopped(b))
			;
	}
}

static int build(struct build *b, struct loader *l, struct vmctl_build_result *res)
{
	const struct vmctl_config *c = b->cfg;
	struct domctl_createdomain cd = {
		.max_vcpus = c->maxvcpus, .max_evtchn_port = 1023,
		.max_grant_frames = -1, .max_maptrack_frames = -1, .grant_opts = 1,
	};
	struct domctl_getdomaininfo info;
	struct sysctl_physinfo pi;
	unsigned int i;
	long rc;

	if (!vmctl_physinfo(&pi) && (pi.capabilities & XENFEAT_gnttab_v2_cap))
		cd.grant_opts = 2;
	for (i = 0; i < 16; i++) {
		unsigned int x;

		sscanf(b->uuid + 2 * i + (i >= 4) + (i >= 6) + (i >= 8) + (i >= 10), "%2x", &x);
		cd.handle[i] = (uint8_t)x;
	}
	if ((rc = step(b, 1)) || (rc = vmctl_dom_create(&cd, &b->domid)))
		return b->err[0] ? (int)rc : fail(b, (int)rc, "createdomain: %s",
						  strerror((int)-rc));
	b->created = true;
	progress(b, "domain %u created", b->domid);
	if ((rc = step(b, 2)) || (rc = vmctl_dom_max_vcpus(b->domid, c->maxvcpus)))
		return b->err[0] ? (int)rc : fail(b, (int)rc, "max_vcpus: %s", strerror((int)-rc));
	if ((rc = step(b, 3)) || (rc = vmctl_dom_max_mem(b->domid, c->memory_mib * 1024 + 1024)))
		return b->err[0] ? (int)rc : fail(b, (int)rc, "max_mem: %s", strerror((int)-rc));
	/*
	 * The guest's memory map, as libxl's (maxmem, no slack): without one
	 * Xen 4.17 answers memory_map with -ENOSYS and Linux makes up its own
	 * of its pages plus 8 MiB, while Lamina answers one entry of max_pages;
	 * the guest then sized itself differently on the two.
	 */
	if ((rc = vmctl_set_memory_map(b->domid, c->maxmem_mib * 1024)))
		return fail(b, (int)rc, "set_memory_map: %s", strerror((int)-rc));
	/* iomem=: the frames the domain may map, as libxl gives them (a PV domain has no p2m to map them into) */
	for (i = 0; i < c->nr_iomem; i++) {
		rc = vmctl_dom_iomem_permission(b->domid, c->iomem[i].start, c->iomem[i].nr_pages, true);
		if (rc)
			return fail(b, (int)rc, "%s: iomem %u: iomem_permission: %s", c->iomem[i].where,
				    i + 1, strerror((int)-rc));
	}
	rc = step(b, 4);
	if (rc)
		return (int)rc;
	rc = vmctl_evtchn_alloc_unbound(b->domid, 0);
	if (rc < 0)
		return fail(b, (int)rc, "alloc_unbound (store): %s", strerror((int)-rc));
	b->store_port = (unsigned int)rc;
	rc = vmctl_evtchn_alloc_unbound(b->domid, 0);
	if (rc < 0)
		return fail(b, (int)rc, "alloc_unbound (console): %s", strerror((int)-rc));
	b->cons_port = (unsigned int)rc;
	progress(b, "allocating %lu MiB", c->memory_mib);
	if ((rc = step(b, 5)) || (rc = populate(b)))
		return (int)rc;
	rc = vmctl_dom_info(b->domid, &info);
	if (rc)
		return fail(b, (int)rc, "getdomaininfo: %s", strerror((int)-rc));
	b->shinfo_mfn = info.shared_info_frame;
	if ((rc = loader_load(b, l)))
		return (int)rc;
	if (b->k.pv.hypercall_page != PV_UNSET) {
		struct domctl d = { .cmd = DOMCTL_hypercall_init, .domain = (domid_t)b->domid };

		d.u.hypercall_init.gmfn = b->p2m[(b->k.pv.hypercall_page - b->vb) / PG];
		rc = vmctl_domctl(&d);
		if (rc)
			return fail(b, (int)rc, "hypercall_init: %s", strerror((int)-rc));
	}
	if ((rc = step(b, 8)) || (rc = pin_l4(b)))
		return b->err[0] ? (int)rc : fail(b, (int)rc, "pinning the L4 (mfn %#llx): %s",
						  (unsigned long long)b->p2m[b->pt_pfn],
						  strerror((int)-rc));
	if ((rc = step(b, 9)) || (rc = init_shared_info(b)))
		return (int)rc;
	if ((rc = step(b, 10)) || (rc = set_vcpu0(b)))
		return (int)rc;
	if ((rc = step(b, 11)) || (rc = seed_grants(b)))
		return (int)rc;
	if ((rc = step(b, 12)) || (rc = store_nodes(b)))
		return b->err[0] ? (int)rc : fail(b, (int)rc, "writing the domain's xenstore "
						  "nodes: %s", strerror((int)-rc));
	if ((rc = step(b, 13)) ||
	    (rc = xs_introduce(b->xs, b->domid, b->p2m[b->store_pfn], b->store_port)))
		return b->err[0] ? (int)rc : fail(b, (int)rc, "XS_INTRODUCE: %s",
						  strerror((int)-rc));
	b->introduced = true;
	if ((rc = step(b, 14)) ||
	    (rc = vmctl_disks_attach(b->xs, b->domid, c->disks, c->nr_disks, b->err, b->errlen)))
		return (int)rc;
	rc = vmctl_vifs_attach(b->xs, b->domid, c->vifs, c->nr_vifs, b->err, b->errlen);
	if (rc)
		return (int)rc;
	wait_console(b);
	res->domid = b->domid;
	memcpy(res->uuid, b->uuid, sizeof(res->uuid));
	res->store_mfn = b->p2m[b->store_pfn];
	res->console_mfn = b->p2m[b->cons_pfn];
	res->store_port = b->store_port;
	res->console_port = b->cons_port;
	return 0;
}

/*
 * What the build holds of its inputs: the p2m (the kernel, the ramdisk and
 * the page tables were the loader's, gone with it).
 */
static void release_inputs(struct build *b)
{
	if (b->p2m)
		munmap(b->p2m, b->nr_pages * sizeof(*b->p2m));
	b->p2m = NULL;
}

/*
 * The last step: the domain runs. Nothing of the create is left to do after
 * the unpause but vmctl's exit: the domain's vCPU, woken, takes the CPU
 * from dom0 at once (on Lamina and on Xen), so any work of ours left after
 * it would wait for the domain's time slices before create returns.
 */
static int start(struct build *b)
{
	long rc;

	if (b->xs) {			/* reopened if the unpause fails (the undo) */
		xs_close(b->xs);
		b->xs = NULL;
	}
	if (b->opts->before_unpause)
		b->opts->before_unpause(b->opts->arg, b->domid);
	if ((rc = step(b, (unsigned int)NR_STEPS)) ||
	    (!b->opts->paused && (rc = vmctl_dom_simple(DOMCTL_unpausedomain, b->domid))))
		return b->err[0] ? (int)rc : fail(b, (int)rc, "unpause: %s", strerror((int)-rc));
	return 0;
}

/* The build's state, shared with the loader (see loader_start). */
struct shared {
	struct build b;
	char err[VMCTL_ERR_MAX];
};

int vmctl_domain_build(const struct vmctl_config *cfg, const struct vmctl_build_opts *opts,
		       struct vmctl_build_result *res, char *err, size_t errlen)
{
	const char *inject = getenv("VMCTL_FAIL_STEP");
	struct loader l = { .pid = -1, .fd = -1 };
	struct shared *sh;
	struct build *b;
	int rc;

	err[0] = 0;
	memset(res, 0, sizeof(*res));
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return snprintf(err, errlen, "out of memory"), -ENOMEM;
	b = &sh->b;
	*b = (struct build){ .cfg = cfg, .opts = opts, .err = sh->err,
			     .errlen = sizeof(sh->err) };
	/* A step's number alone: "6k", "8h" and "rk" are the loader's own. */
	if (inject && *inject >= '0' && *inject <= '9' && !inject[strspn(inject, "0123456789")])
		b->fail_step = atoi(inject);
	make_uuid(b);
	rc = check_host(b);
	if (!rc)
		rc = loader_start(b, &l);
	if (!rc)
		rc = loader_answer(b, &l, "reading the kernel and ramdisk");
	if (!rc) {
		snprintf(res->kernel_format, sizeof(res->kernel_format), "%s", b->k.format);
		if (!opts->dry_run)
			rc = build(b, &l, res);
	}
	loader_end(&l);			/* if the build stopped before the load */
	release_inputs(b);
	if (!rc && !opts->dry_run)
		rc = start(b);
	snprintf(err, errlen, "%s", sh->err);
	if (rc && b->created) {
		char why[VMCTL_ERR_MAX];

		/* Undo: the store nodes, xenstored's knowledge, the domain. */
		if (!b->xs)
			b->xs = store_open();
		if (b->xs) {
			char vm[64];

			snprintf(vm, sizeof(vm), "/vm/%s", b->uuid);
			vmctl_vifs_remove(b->xs, b->domid);
			vmctl_disks_remove(b->xs, b->domid);
			remove_nodes(b->xs, b->domid, vm);
			if (b->introduced)
				xs_release(b->xs, b->domid);
		}
		if (vmctl_domain_destroy(b->domid, why, sizeof(why)))
			snprintf(err + strlen(err), errlen - strlen(err),
				 "; and undoing it failed: %s", why);
	}
	if (b->xs)
		xs_close(b->xs);
	munmap(sh, sizeof(*sh));
	return rc;
}

int vmctl_domain_destroy(unsigned int domid, char *err, size_t errlen)
{
	struct xs_handle *h = store_open();
	struct domctl_getdomaininfo info;
	char path[64], *vm = NULL;
	unsigned int len;
	long rc;

	if (domid == 0)
		return snprintf(err, errlen, "domain 0 cannot be destroyed"), -EINVAL;
	rc = vmctl_dom_info(domid, &info);
	if (rc)
		return snprintf(err, errlen, "domain %u: %s", domid,
				rc == -ESRCH ? "no such domain" : strerror((int)-rc)), (int)rc;
	vmctl_dom_simple(DOMCTL_pausedomain, domid);
	if (h) {
		snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
		if (xs_read(h, 0, path, &vm, &len))
			vm = NULL;
		vmctl_vifs_remove(h, domid);
		vmctl_disks_remove(h, domid);
		remove_nodes(h, domid, vm);
		free(vm);
	}
	rc = vmctl_dom_simple(DOMCTL_destroydomain, domid);
	if (h) {
		if (xs_is_domain_introduced(h, domid) == 1)
			xs_release(h, domid);
		xs_close(h);
	}
	if (rc)
		return snprintf(err, errlen, "destroydomain %u: %s", domid, strerror((int)-rc)),
		       (int)rc;
	return 0;
}
