/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Linux dom0 devices the backends, xenstored and vmctl use
 * (docs/abi-devices.md §2, §6): /dev/xen/evtchn for event channels,
 * /dev/xen/gntdev to map a guest's granted pages, /dev/xen/gntalloc to
 * grant pages of ours, /dev/xen/privcmd for hypercalls and foreign
 * mappings. One copy of this glue for all of them,
 * in libdom0 (dom0_tools/lib).
 *
 * Functions return 0 (or a port, a count, a pointer) on success and a
 * negative errno (or NULL with errno set) on failure; they never print or
 * exit. A device that is not open gives -EBADF, an argument out of the
 * ABI's range -EINVAL before any device is asked.
 */
#ifndef DOM0_XENDEV_H
#define DOM0_XENDEV_H

#include <stddef.h>
#include <stdint.h>
#include <lamina/domctl.h>

#define XENDEV_EVTCHN	(1U << 0)
#define XENDEV_GNTDEV	(1U << 1)
#define XENDEV_PRIVCMD	(1U << 2)
#define XENDEV_GNTALLOC	(1U << 3)

#define XENDEV_DIR	"/dev/xen"

struct xendev {
	int evtchn_fd;
	int gntdev_fd;
	int privcmd_fd;
	int gntalloc_fd;
	void *hcall_buf;		/* xendev_hcall_alloc()'s pages; NULL: none */
	unsigned int hcall_pages;
};

#define XENDEV_INIT	{ -1, -1, -1, -1, NULL, 0 }

/*
 * Opens the devices named in @want that are not open yet; the first
 * failure's -errno (those opened before it stay open). Call again for
 * devices a program can do without. privcmd missing from /dev/xen is
 * looked for in xenfs (/proc/xen/privcmd). xendev_open_dir() takes them
 * from @dir ("evtchn", "gntdev", "privcmd", "gntalloc") instead: for tests.
 */
int xendev_open(struct xendev *x, unsigned int want);
int xendev_open_dir(struct xendev *x, unsigned int want, const char *dir);
void xendev_close(struct xendev *x);

/* evtchn. Binds the guest's port; returns our local port. */
int xendev_bind(struct xendev *x, unsigned int domid, unsigned int remote_port);
int xendev_bind_virq(struct xendev *x, unsigned int virq);
int xendev_unbind(struct xendev *x, unsigned int local_port);
int xendev_notify(struct xendev *x, unsigned int local_port);
/* The next pending local port (the fd is readable), or -errno. */
int xendev_pending(struct xendev *x);
/* Lets a port fire again after xendev_pending() returned it. */
int xendev_unmask(struct xendev *x, unsigned int local_port);
/*
 * The same for up to @max ports in one read (one system call however many
 * fired): how many were stored in @ports (0 when none is pending), or
 * -errno; ports out of range are dropped. xendev_unmask_n() unmasks @n
 * ports in one write.
 */
#define XENDEV_PORTS_MAX	1024	/* Linux's evtchn moves at most a page of ports a call */
int xendev_pending_n(struct xendev *x, uint32_t *ports, unsigned int max);
int xendev_unmask_n(struct xendev *x, const uint32_t *ports, unsigned int n);

/* gntdev. One granted page, mapped writable; *handle is for xendev_unmap. */
void *xendev_map(struct xendev *x, unsigned int domid, uint32_t ref, uint64_t *handle);
int xendev_unmap(struct xendev *x, void *page, uint64_t handle);
/*
 * Has dom0's kernel make its pool of pages for grant mappings now rather
 * than at the first xendev_map(): a Linux dom0 with XEN_UNPOPULATED_ALLOC
 * (Debian's 6.1) fills that pool a memory section (128 MiB of address
 * space, its struct pages and p2m entries) at a time, on the first gntdev
 * map after boot, which then takes tens of milliseconds. A map ioctl of
 * one reference takes its page from the pool without any hypercall; it is
 * unmapped again at once, so the page goes back to the pool. 0, or -errno
 * (nothing is left mapped either way).
 */
int xendev_gntdev_prefill(struct xendev *x);

/*
 * gntalloc. @n (1..XENDEV_GRANT_MAX) fresh zeroed pages of ours granted
 * writable to @domid and mapped here, consecutively; their refs in
 * @refs[0..n), *handle for xendev_ungrant(). Granted to our own domid,
 * they let a grant copy name both sides by ref (no user page for gntdev
 * to pin). xendev_ungrant() unmaps them and ends the grants (Linux ends a
 * grant still in use by its grantee once that use ends).
 */
#define XENDEV_GRANT_MAX	1024	/* pages a call: gntalloc's default limit (dom0's rcS raises it) */
void *xendev_grant(struct xendev *x, unsigned int domid, unsigned int n, uint32_t *refs,
		   uint64_t *handle);
int xendev_ungrant(struct xendev *x, void *addr, unsigned int n, uint64_t handle);

/* privcmd. A hypercall with up to three arguments: its result, or -errno. */
long xendev_hypercall(struct xendev *x, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2);
/* The same with @nargs (at most 5) arguments from @args. */
long xendev_hypercall_v(struct xendev *x, uint64_t op, const uint64_t *args, unsigned int nargs);
/*
 * privcmd-buf (/dev/xen/hypercall): @pages (1..XENDEV_HCALL_MAX) zeroed
 * pages of locked kernel memory mapped here, as x->hcall_buf, for the
 * arguments of hypercalls issued through privcmd (the hypervisor reads
 * and writes them by address and faults no page in; memory of our own
 * may be swapped out or not yet touched). One such area a struct xendev:
 * -EEXIST (errno) when it has one. xendev_hcall_free() or xendev_close()
 * unmaps it.
 */
#define XENDEV_HCALL_MAX	64
void *xendev_hcall_alloc(struct xendev *x, unsigned int pages);
void xendev_hcall_free(struct xendev *x);
/* domctl getdomaininfo: the first domain with an id >= id; -ESRCH past the last. */
long xendev_domain_info(struct xendev *x, unsigned int id, struct domctl_getdomaininfo *info);

/*
 * @n frames of domain @domid (machine frame numbers, as a PV dom0 names
 * them) mapped writable at consecutive pages; xendev_unmap_foreign() with
 * the same @n undoes it. When @errs is given it receives each page's
 * result (0 or -errno) and one bad frame fails only its page (the call
 * still succeeds); without it, any bad frame fails the whole call.
 */
void *xendev_map_foreign(struct xendev *x, unsigned int domid, const uint64_t *mfns,
			 unsigned int n, int *errs);
int xendev_unmap_foreign(struct xendev *x, void *addr, unsigned int n);
/*
 * @n frames of a resource of domain @domid (XENMEM_acquire_resource's
 * @type, @id, from frame @idx) mapped writable; xendev_unmap_foreign()
 * undoes it. -EOPNOTSUPP (errno) when the hypervisor has no such resource.
 */
void *xendev_map_resource(struct xendev *x, unsigned int domid, unsigned int type,
			  unsigned int id, unsigned int idx, unsigned int n);

#endif
