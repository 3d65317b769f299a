/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Domain rings over Linux's /dev/xen devices (docs/abi-devices.md §3.5, §3.6,
 * §3.8). Without /dev/xen (the development host) ring_init() and
 * ring_attach() return -ENODEV and xenstored serves its socket only.
 * dom0's ring is exercised in Linux dom0 on Lamina and Xen 4.17 (the
 * linux/xenstored check), domUs' rings on Lamina (linux/domu-xenstore and
 * linux/domu-linux).
 *
 *  - dom0's own kernel: its store page comes from /dev/xen/xenbus_backend
 *    (mmap) or /proc/xen/xsd_kva, its port from the backend's ioctl or
 *    /proc/xen/xsd_port; we bind to it and notify once so the kernel's
 *    xenbus probe starts.
 *  - an introduced domU: grant ref 1 of the domain mapped through gntdev
 *    (the INTRODUCE mfn is ignored, as Xen 4.17 does), its port bound with
 *    IOCTL_EVTCHN_BIND_INTERDOMAIN.
 *  - VIRQ_DOM_EXC, bound on the same evtchn device: when it fires, each
 *    introduced domU is looked up with domctl getdomaininfo through
 *    /dev/xen/privcmd, and those gone, dying or shut down are released.
 *
 * The byte streams themselves are moved by ring_io.c, which is tested;
 * this file is only the device glue.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <lamina/event_channel.h>
#include "xenstored.h"
#include "xendev.h"	/* dom0_tools/lib: the /dev/xen glue */

#define IOCTL_XENBUS_BACKEND_EVTCHN	0x4200	/* _IOC(_IOC_NONE, 'B', 0, 0) */
#define GRANT_REF_XENSTORE		1

struct ring {
	struct xenstore_domain_interface *intf;
	unsigned int local_port;
	uint64_t gnt_handle;		/* a domU's page, mapped through gntdev */
	bool granted;
};

static struct xendev dev = XENDEV_INIT;
static int dom_exc_port = -1;	/* VIRQ_DOM_EXC: a domain shut down or died */

int ring_fd(void)
{
	return dev.evtchn_fd;
}

static void notify(struct ring *r)
{
	xendev_notify(&dev, r->local_port);
}

/*
 * A ring beyond repair, as Xen 4.17's ignore_connection: the guest is told
 * why in the page's error field and the connection is given up (the main
 * loop frees it: its watches, transactions and queued output go); the
 * domain stays introduced, its nodes stay, until it is released.
 */
static void ring_broken(struct conn *c, struct ring *r, uint32_t error)
{
	log_msg("%s: corrupt ring (%s), connection stopped", c->name,
		error == XENSTORE_ERROR_PROTO ? "protocol" : "indices");
	r->intf->error = error;
	c->dead = true;
}

static void ring_write(struct conn *c, struct ring *r)
{
	int rc = c->dead ? 0 : ring_io_write(c, r->intf);

	if (rc > 0)
		notify(r);
	if (rc < 0)
		ring_broken(c, r, XENSTORE_ERROR_RINGIDX);
}

void ring_kick(struct conn *c)
{
	ring_write(c, c->ring);
}

static struct conn *ring_conn(unsigned int domid, struct ring *r)
{
	char name[32];
	struct conn *c;

	snprintf(name, sizeof(name), "domain%u", domid);
	c = conn_new(domid, domid == 0, name);
	if (c)
		c->ring = r;
	return c;
}

/*
 * Take the requests waiting in @c's ring, answer what the ring has room
 * for. Replies go out first: the guest may have taken some, and the room
 * that makes in the queue may lift the throttle on its requests.
 */
static void ring_service(struct conn *c)
{
	struct ring *r = c->ring;
	int rc;

	ring_write(c, r);
	rc = ring_io_read(c, r->intf);

	if (rc > 0)
		notify(r);	/* the guest may wait for space */
	if (rc < 0)
		ring_broken(c, r, rc == -EPROTO ? XENSTORE_ERROR_PROTO :
						 XENSTORE_ERROR_RINGIDX);
	ring_write(c, r);
}

/* What the hypervisor says of domid: 0 and its flags, -ESRCH, or -errno. */
static int hv_domain_info(unsigned int domid, uint32_t *flags)
{
	struct domctl_getdomaininfo info;
	long rc = xendev_domain_info(&dev, domid, &info);

	if (rc)
		return (int)rc;
	if (info.domain != domid)	/* it answers the next one up */
		return -ESRCH;
	*flags = info.flags;
	return 0;
}

void ring_handle(void)
{
	struct conn *c;
	int port = xendev_pending(&dev);

	if (port < 0)
		return;
	if (port == dom_exc_port)
		domain_release_gone(hv_domain_info);
	for (c = conn_list; c; c = c->next) {
		struct ring *r = c->ring;

		if (r && r->local_port == (unsigned int)port && !c->dead)
			ring_service(c);
	}
	xendev_unmask(&dev, (unsigned int)port);
}

/*
 * A ring is read when its domain sends an event. One whose domain was
 * stalled by a limit of Xen's (domain_stalled: its memory quota) may be
 * freed by another's request, dom0 removing its nodes, which sends it no
 * event: after every round of the main loop, look at the rings again.
 */
void ring_retry(void)
{
	struct conn *c;

	for (c = conn_list; c; c = c->next)
		if (c->ring && !c->dead && !conn_is_throttled(c))
			ring_service(c);
}

/* A domU's ring: its page goes through gntdev, dom0's is the kernel's own. */
static void unmap_ring(struct ring *r)
{
	if (r->granted)
		xendev_unmap(&dev, r->intf, r->gnt_handle);
	else
		munmap(r->intf, 4096);
}

int ring_attach(struct domain *d, unsigned long mfn, unsigned int port)
{
	struct ring *r;
	int local;

	(void)mfn;
	if (dev.evtchn_fd < 0 || dev.gntdev_fd < 0)
		return -ENODEV;
	if (d->ring) {		/* re-introduce: new event channel only */
		r = d->ring->ring;
		local = xendev_bind(&dev, d->domid, port);
		if (local < 0)
			return local;
		xendev_unbind(&dev, r->local_port);
		r->local_port = local;
		r->intf->req_cons = r->intf->req_prod = 0;
		r->intf->rsp_cons = r->intf->rsp_prod = 0;
		if (r->intf->connection == XENSTORE_RECONNECT)
			r->intf->connection = XENSTORE_CONNECTED;
		notify(r);
		return 0;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->intf = xendev_map(&dev, d->domid, GRANT_REF_XENSTORE, &r->gnt_handle);
	if (!r->intf) {
		free(r);
		return -EIO;
	}
	r->granted = true;
	local = xendev_bind(&dev, d->domid, port);
	if (local < 0)
		goto fail;
	r->local_port = local;
	r->intf->server_features = 0;
	d->ring = ring_conn(d->domid, r);
	if (!d->ring) {
		xendev_unbind(&dev, local);
		local = -ENOMEM;
		goto fail;
	}
	log_msg("ring: serving domain %u through its grant ref %u, its port %u bound as %d",
		d->domid, GRANT_REF_XENSTORE, port, local);
	return 0;
fail:
	unmap_ring(r);
	free(r);
	return local;
}

/* The connection is freed by the main loop: we may be inside its caller. */
void ring_detach(struct conn *c)
{
	struct ring *r = c->ring;

	xendev_unbind(&dev, r->local_port);
	unmap_ring(r);
	free(r);
	c->ring = NULL;
	c->dead = true;
}

/* dom0's kernel page and port: the xenbus_backend device, else xenfs. */
static int dom0_page(void **page, unsigned int *port)
{
	int fd = open("/dev/xen/xenbus_backend", O_RDWR | O_CLOEXEC);
	unsigned long p;
	FILE *f;
	int rc;

	if (fd >= 0) {
		rc = ioctl(fd, IOCTL_XENBUS_BACKEND_EVTCHN, 0);
		*page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		if (rc > 0 && *page != MAP_FAILED) {
			*port = rc;
			return 0;
		}
	}
	fd = open("/proc/xen/xsd_kva", O_RDWR | O_CLOEXEC);
	f = fopen("/proc/xen/xsd_port", "r");
	rc = -ENODEV;
	if (fd >= 0 && f && fscanf(f, "%lu", &p) == 1 && p) {
		*page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		*port = p;
		rc = *page == MAP_FAILED ? -errno : 0;
	}
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	return rc;
}

int ring_init(void)
{
	struct ring *r;
	struct conn *c;
	unsigned int port;
	void *page;
	int local, rc;

	if (access("/dev/xen/evtchn", F_OK))
		return -ENODEV;
	rc = xendev_open(&dev, XENDEV_EVTCHN);
	if (rc) {
		log_msg("ring: /dev/xen/evtchn: %s", strerror(-rc));
		return -ENODEV;
	}
	rc = xendev_open(&dev, XENDEV_GNTDEV);		/* domUs' rings only */
	if (rc)
		log_msg("ring: /dev/xen/gntdev: %s; no domU rings", strerror(-rc));
	else if ((rc = xendev_gntdev_prefill(&dev)))	/* not at the first create */
		log_msg("ring: gntdev's page pool not filled ahead: %s", strerror(-rc));
	rc = xendev_open(&dev, XENDEV_PRIVCMD);		/* VIRQ_DOM_EXC's lookups */
	if (!rc)
		domain_info_hook = hv_domain_info;	/* SET_PERMS asks too */
	dom_exc_port = rc ? rc : xendev_bind_virq(&dev, VIRQ_DOM_EXC);
	if (dom_exc_port < 0)
		log_msg("ring: no VIRQ_DOM_EXC (%s): dead domains wait for RELEASE",
			strerror(-dom_exc_port));
	rc = dom0_page(&page, &port);
	if (rc) {
		log_msg("ring: no dom0 store page (%s); guests only", strerror(-rc));
		return 0;
	}
	r = calloc(1, sizeof(*r));
	local = xendev_bind(&dev, 0, port);
	if (!r || local < 0) {
		log_msg("ring: cannot bind dom0's store port %u", port);
		free(r);
		return 0;
	}
	r->intf = page;
	r->local_port = local;
	c = ring_conn(0, r);
	if (!c) {
		xendev_unbind(&dev, local);
		free(r);
		return 0;
	}
	domain_get(0, true)->ring = c;
	log_msg("ring: serving dom0's kernel, its port %u bound as %d", port, local);
	/*
	 * Requests the kernel queued before we bound were notified to no one:
	 * take them now. The notification also wakes the dom0 kernel's
	 * xenbus probe, which waits for the first event on this channel.
	 */
	ring_service(c);
	notify(r);
	return 0;
}
