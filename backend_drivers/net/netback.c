// SPDX-License-Identifier: GPL-2.0-only
/*
 * netback: the network backend in dom0 (docs/abi-devices.md §4.6, §5.3,
 * §6.3), serving Linux's xen-netfront.
 *
 * For every device the toolstack puts under /local/domain/0/backend/<type>
 * (default type "vif"; dom0 does not load xen-netback) it creates a tap,
 * vif<domid>.<devid> (or the backend's `vifname`), with a virtio-net
 * header, MAC fe:ff:ff:ff:ff:ff, attaches it to the backend's `bridge`
 * (default xenbr0) and brings it up with its carrier off; once the
 * frontend has published its rings it maps them (gntdev), binds the event
 * channel, turns the carrier on and moves packets:
 *   tx  guest -> tap: slots gathered (scatter-gather, extras), the data
 *       grant-copied from the guest's pages, partial checksums and TCP GSO
 *       handed to the tap in the virtio-net header
 *   rx  tap -> guest: frames grant-copied into the guest's posted pages,
 *       up to NB_RX_BATCH frames per batch; partial checksums passed as
 *       csum_blank, TCP GSO as a GSO extra when the frontend takes it
 * Every slot is checked (net_ring.c): a bad packet is answered
 * NETIF_RSP_ERROR and dropped, and the vif goes on; a frontend that breaks
 * its ring loses its own vif only. The xenbus handshake is the shared
 * state machine (common/xenbus_be.c). Removing the device removes the tap.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sys/epoll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "gnt_be.h"
#include "be_daemon.h"
#include "be_stats.h"
#include "net_prof.h"
#include "net_ring.h"
#include "ring_be.h"
#include "xenbus_be.h"
#include "xendev.h"
#include "xs.h"

struct vif {
	struct xb_dev *xb;
	char ifname[IFNAMSIZ];
	char bridge[IFNAMSIZ];
	int tap;
	bool gso_ok;		/* the tap takes our GSO (TUNSETOFFLOAD accepted) */
	/* while connected */
	void *tx_page, *rx_page;
	uint64_t tx_handle, rx_handle;
	int port;
	bool kick;		/* serve it once without an event */
	bool rx_wait;		/* a frame waits for rx requests: the tap is not polled */
	bool rx_poll;		/* no feature-rx-notify: look for rx requests every NB_RX_POLL_MS */
	bool in_ep;		/* the tap is in the main loop's epoll set (tap_watch) */
	size_t pend_len;
	struct virtio_net_hdr pend_vh;
	uint8_t (*rxbuf)[NB_FRAME_BUF];	/* NB_RX_BATCH + 1 frames, page-aligned */
	uint8_t *txbuf;		/* NB_TX_BATCH packets' buffers, page-aligned */
	struct be_selfbuf rxsb, txsb;	/* rxbuf, txbuf when granted to ourselves */
	struct nb_vif nv;
	unsigned long tx_written, tx_lost;
	struct be_stats stats;		/* while connected: its file for vmtop (vif_stats) */
	uint8_t mac[6];			/* the backend's `mac` (the toolstack's), when has_mac */
	bool has_mac;
	unsigned long long sw_rx_seen, sw_tx_seen;	/* switched bytes already in stats */
	struct nb_prof prof;		/* -DNB_PROF only (net_prof.h) */
};

/* The vif's stats file (docs/io-stats.md): rx is what the guest receives. */
enum { VS_RX_PKTS, VS_RX_BYTES, VS_TX_PKTS, VS_TX_BYTES, VS_RX_DROPS, VS_TX_DROPS, VS_NR };
static const char *const vif_stat_keys[VS_NR] = {
	"rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "rx_drops", "tx_drops",
};

static struct xendev dev = XENDEV_INIT;
static struct xs_handle *xs;
static struct xb_backend be;
static int verbose;
static int ctl = -1;		/* an AF_INET socket for interface ioctls */
static const struct be_daemon bd = { "netback", &dev, &xs, &be, &verbose };
#ifndef NB_SWITCH_DEFAULT	/* -DNB_SWITCH_DEFAULT=0: a build for A/B runs (net-bench --netback) */
#define NB_SWITCH_DEFAULT 1
#endif
static bool sw_on = NB_SWITCH_DEFAULT;	/* --switch: guest to guest without the bridge */
static unsigned int fatal_slots = NB_FATAL_SLOTS;	/* --fatal-skb-slots */
/*
 * --copies gntdev is the default: through privcmd a ping 1 s apart was no
 * faster (0.0705-0.071 ms against 0.071, net-ping-probe, 6 Dec; README).
 * -DNB_COPY_HCALL=1 makes hypercall the default (a binary for A/B runs).
 */
#ifndef NB_COPY_HCALL
#define NB_COPY_HCALL 0
#endif
static bool copy_hcall = NB_COPY_HCALL;	/* --copies: gnt_be's copies by ref through privcmd */
/*
 * The tx and rx buffers in pages dom0 grants to itself (gntalloc), so
 * each grant copy names both sides by ref and gntdev pins none of our
 * pages (docs/benchmarks.md); where gntalloc is missing or its limit
 * reached, plain memory. -DNB_SELF_GRANTS=0: always plain (to compare).
 */
#ifndef NB_SELF_GRANTS
#define NB_SELF_GRANTS 1
#endif
#define NB_SELF_DOMID	0	/* netback runs in dom0 */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	be_daemon_say("netback", fmt, ap);
	va_end(ap);
}

static void xb_log(struct xb_backend *b, struct xb_dev *d, const char *msg)
{
	(void)b;
	if (d)
		say("d%u/%u: %s", d->fe_id, d->devid, msg);
	else
		say("%s", msg);
}

/* ---- the tap ---- */

static int ifreq_ioctl(unsigned long req, struct ifreq *ifr)
{
	if (ctl < 0)
		ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ctl < 0)
		return -errno;
	return ioctl(ctl, req, ifr) ? -errno : 0;
}

static int tap_open(struct vif *vf, const char *mac_unused)
{
	struct ifreq ifr;
	int fd, rc, on = 0;

	(void)mac_unused;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", vf->ifname);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	vf->tap = fd;
	/*
	 * Can the tap hand us partial checksums and TCP segments whole? What
	 * it may is set at connect, from what the frontend takes; until then
	 * the kernel completes and segments every frame itself.
	 */
	vf->gso_ok = !ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6);
	ioctl(fd, TUNSETOFFLOAD, 0);
	ioctl(fd, TUNSETCARRIER, &on);
	/* fe:ff:ff:ff:ff:ff: never the guest's own */
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", vf->ifname);
	ifr.ifr_hwaddr.sa_family = 1;	/* ARPHRD_ETHER */
	memset(ifr.ifr_hwaddr.sa_data, 0xff, 6);
	ifr.ifr_hwaddr.sa_data[0] = (char)0xfe;
	ifreq_ioctl(SIOCSIFHWADDR, &ifr);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", vf->ifname);
	if (!ifreq_ioctl(SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		ifreq_ioctl(SIOCSIFFLAGS, &ifr);
	}
	/* onto the bridge */
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", vf->ifname);
	rc = ifreq_ioctl(SIOCGIFINDEX, &ifr);
	if (!rc) {
		int idx = ifr.ifr_ifindex;

		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, IFNAMSIZ, "%s", vf->bridge);
		ifr.ifr_ifindex = idx;
		rc = ifreq_ioctl(SIOCBRADDIF, &ifr);
	}
	return rc;
}

/*
 * What the tap may hand us, from the frontend's features as Linux's
 * xen-netback reads them: partial checksums unless it wrote
 * feature-no-csum-offload = 1 (and, the tap having one flag for both, only
 * when it takes IPv6 ones too: feature-ipv6-csum-offload), TCP segments
 * of the types its feature-gso-tcpv4/6 name, when it does scatter-gather
 * (feature-sg) and takes partial checksums. The rest the kernel completes
 * or segments before the frame reaches us.
 */
static void tap_offload(struct vif *vf, struct xb_backend *b, struct xb_dev *d)
{
	bool csum = xb_be_read_num(b, d, true, "feature-no-csum-offload", 1) != 1 &&
		    xb_be_read_num(b, d, true, "feature-ipv6-csum-offload", 1) == 1;
	bool sg = xb_be_read_num(b, d, true, "feature-sg", 1) == 1;
	unsigned int off = 0, gso = 0;

	if (csum)
		off |= TUN_F_CSUM;
	if (csum && sg && vf->gso_ok) {
		if (xb_be_read_num(b, d, true, "feature-gso-tcpv4", 1) == 1)
			off |= TUN_F_TSO4, gso |= NB_GSO_BIT(XEN_NETIF_GSO_TYPE_TCPV4);
		if (xb_be_read_num(b, d, true, "feature-gso-tcpv6", 1) == 1)
			off |= TUN_F_TSO6, gso |= NB_GSO_BIT(XEN_NETIF_GSO_TYPE_TCPV6);
	}
	if (ioctl(vf->tap, TUNSETOFFLOAD, off)) {
		off = gso = 0;
		ioctl(vf->tap, TUNSETOFFLOAD, 0);
	}
	vf->nv.rx_no_csum = !(off & TUN_F_CSUM);
	vf->nv.rx_gso = (uint8_t)gso;
}

static void tap_carrier(struct vif *vf, int on)
{
	if (vf->tap >= 0)
		ioctl(vf->tap, TUNSETCARRIER, &on);
}

/*
 * The main loop waits in epoll_wait() on one set, changed only when a
 * tap joins or leaves it: a poll() of every descriptor registered and
 * removed a wait on each at every sleep and wake (about 2000 of a 1 s
 * apart ping's instructions in dom0's kernel, tests/bench/net-ping-trace).
 * The two fixed members are told apart by these addresses, a tap by its vif.
 */
static int nb_ep = -1;
static char ep_store, ep_ports, ep_tick;

/*
 * Stats files (docs/io-stats.md) are written from a tick, a timerfd in
 * the set firing about every BE_STATS_EVERY_NS while a vif is connected, not
 * from a timeout on every wait: a wait with a timeout arms a kernel timer
 * at each sleep, and in a PV dom0 that is a set_timer hypercall in every
 * round trip of a ping whose change to the file is pending. Only when a
 * tick finds a change not yet due (it came in the last
 * BE_STATS_QUIET_NS) does the wait time out for it (stats_late). Without
 * a timerfd every wait times out as be_stats_poll_ms() says.
 */
#define TICK_NS	(BE_STATS_EVERY_NS + BE_STATS_QUIET_NS)
static int nb_tick = -1;
static bool tick_on, stats_late;

static void tick_watch(bool want)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };

	if (nb_tick < 0 || want == tick_on)
		return;
	if (want) {
		/* a quiet period more than the second: a file the last tick wrote is due */
		its.it_interval.tv_sec = (time_t)(TICK_NS / 1000000000ULL);
		its.it_interval.tv_nsec = (long)(TICK_NS % 1000000000ULL);
		its.it_value = its.it_interval;
	}
	if (!timerfd_settime(nb_tick, 0, &its, NULL))
		tick_on = want;
}

static void tick_fired(void)
{
	uint64_t n;

	if (read(nb_tick, &n, sizeof(n)) < 0 && errno != EAGAIN)
		say("tick: %s", strerror(errno));
	stats_late = true;
}

static void tap_close(struct vif *vf)
{
	if (vf->in_ep)
		epoll_ctl(nb_ep, EPOLL_CTL_DEL, vf->tap, NULL);
	vf->in_ep = false;
	if (vf->tap >= 0)
		close(vf->tap);	/* a non-persistent tap goes with its fd */
	vf->tap = -1;
}

/* ---- xenbus ---- */

static int copy_cb(void *ctx, struct be_copy *c, unsigned int n, int to_guest)
{
	struct vif *vf = ctx;

	if (NB_PROF_ON) {
		/* gntdev: an op per local page a piece touches, 16 ops a hypercall */
		unsigned int i, ops = 0, calls = 0;

		for (i = 0; i < n; i++) {
			uintptr_t a = (uintptr_t)c[i].local;

			ops += (unsigned int)((a + c[i].len - 1) / 4096 - a / 4096 + 1);
			if (i % 64 == 63 || i == n - 1)
				calls += (ops + 15) / 16, vf->prof.n[to_guest ? NC_RX_OPS : NC_TX_OPS] += ops,
					ops = 0;
		}
		NB_PROF_ADD(&vf->prof, to_guest ? NC_RX_HCALL : NC_TX_HCALL, calls);
		NB_PROF_ADD(&vf->prof, NC_TX_IOCTL, to_guest ? 0 : (n + 63) / 64);
	}
	if ((to_guest ? vf->rxsb.addr : vf->txsb.addr) != NULL) {
		int rc = be_grant_copy_self(&dev, vf->xb->fe_id, to_guest ? &vf->rxsb : &vf->txsb, c,
					    n, to_guest);

		if (copy_hcall && !be_copy_by_hcall(&dev)) {
			copy_hcall = false;
			say("grant copies by ref on both sides: GNTTABOP_copy could not read its ops "
			    "(EFAULT); through gntdev from now on");
		}
		if (rc != -EINVAL)
			return rc;
		/* a piece outside the granted pages or across two: the plain way */
	}
	return be_grant_copy(&dev, vf->xb->fe_id, c, n, to_guest);
}

static int xcopy_cb(void *ctx, struct be_xcopy *c, unsigned int n)
{
	struct vif *vf = ctx;

	/* A switched frame's first bytes come from the sender's tx buffer. */
	return be_grant_xcopy_self(&dev, vf->txsb.addr ? &vf->txsb : NULL, c, n);
}

#ifdef NB_PROF
static const char *const prof_phase[NP_NR] = { "tx_take", "tx_write", "tx_push", "rx_read", "rx_put",
					       "rx_flush", "notify" };
static const char *const prof_count[NC_NR] = {
	"serve", "event", "tap_wake", "tx_pkt", "tx_gso", "tx_bytes", "tx_slots", "tx_ioctl",
	"tx_ops", "tx_hcall", "writev", "rx_pkt", "rx_gso", "rx_bytes", "readv", "readv_empty",
	"rx_flush", "rx_ops", "rx_hcall", "rx_wait", "notify",
};

/* The vif's totals, one line: counts, then TSC per phase. */
static void prof_show(struct vif *vf, const char *when)
{
	char line[1024];
	size_t at = 0;
	unsigned int i;

	for (i = 0; i < NC_NR; i++)
		at += (size_t)snprintf(line + at, sizeof(line) - at, " %s=%llu", prof_count[i],
				       (unsigned long long)vf->prof.n[i]);
	for (i = 0; i < NP_NR && at < sizeof(line); i++)
		at += (size_t)snprintf(line + at, sizeof(line) - at, " tsc_%s=%llu", prof_phase[i],
				       (unsigned long long)vf->prof.tsc[i]);
	say("d%u/%u: prof %s:%s", vf->xb->fe_id, vf->xb->devid, when, line);
	vf->prof.shown_pkts = vf->prof.n[NC_TX_PKT] + vf->prof.n[NC_RX_PKT];
}

/* The main loop's own costs: from poll()'s return to the next poll(). */
static struct {
	uint64_t iters, polls, tsc_xb, tsc_ports, tsc_serve, tsc_rest, tsc_poll, shown;
} loop_prof;

/* Every 2 s while packets move. */
static void prof_tick(void)
{
	static struct timespec last;
	struct timespec now;
	unsigned int i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec < last.tv_sec + 2)
		return;
	last = now;
	for (i = 0; i < be.ndev; i++) {
		struct vif *vf = be.dev[i]->priv;

		if (vf && vf->prof.n[NC_TX_PKT] + vf->prof.n[NC_RX_PKT] != vf->prof.shown_pkts)
			prof_show(vf, "tick");
	}
	if (loop_prof.iters != loop_prof.shown) {
		loop_prof.shown = loop_prof.iters;
		say("loop prof: iters=%llu polls=%llu tsc_xb=%llu tsc_ports=%llu tsc_serve=%llu "
		    "tsc_rest=%llu tsc_poll=%llu", (unsigned long long)loop_prof.iters,
		    (unsigned long long)loop_prof.polls, (unsigned long long)loop_prof.tsc_xb,
		    (unsigned long long)loop_prof.tsc_ports, (unsigned long long)loop_prof.tsc_serve,
		    (unsigned long long)loop_prof.tsc_rest, (unsigned long long)loop_prof.tsc_poll);
	}
}
#endif

static int nb_probe(struct xb_backend *b, struct xb_dev *d)
{
	struct vif *vf = calloc(1, sizeof(*vf));
	char *s = NULL;
	int rc;

	if (!vf)
		return -ENOMEM;
	vf->xb = d;
	vf->tap = -1;
	vf->port = -1;
	if (!xb_be_read(b, d, false, "vifname", &s) && s[0] && strlen(s) < IFNAMSIZ &&
	    !strchr(s, '/') && !strchr(s, ' '))
		snprintf(vf->ifname, IFNAMSIZ, "%s", s);
	else
		snprintf(vf->ifname, IFNAMSIZ, "vif%u.%u", d->fe_id, d->devid);
	free(s);
	s = NULL;
	if (!xb_be_read(b, d, false, "bridge", &s) && s[0] && strlen(s) < IFNAMSIZ)
		snprintf(vf->bridge, IFNAMSIZ, "%s", s);
	else
		snprintf(vf->bridge, IFNAMSIZ, "xenbr0");
	free(s);
	s = NULL;
	/* The toolstack's own node, never the frontend's (the guest writes that). */
	if (!xb_be_read(b, d, false, "mac", &s)) {
		unsigned int m[6], k;
		char end;

		if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5],
			   &end) == 6 && strlen(s) == 17 && !(m[0] & 1)) {
			for (k = 0; k < 6; k++)
				vf->mac[k] = (uint8_t)m[k];
			vf->has_mac = true;
		}
	}
	free(s);
	rc = tap_open(vf, NULL);
	if (rc) {
		say("d%u/%u: tap %s on bridge %s: %s", d->fe_id, d->devid, vf->ifname, vf->bridge,
		    strerror(-rc));
		tap_close(vf);
		free(vf);
		return rc;
	}
	d->priv = vf;
	xb_be_write(b, d, "feature-rx-copy", "1");
	xb_be_write(b, d, "feature-rx-flip", "0");
	xb_be_write(b, d, "feature-sg", "1");
	xb_be_write(b, d, "feature-gso-tcpv4", "%d", vf->gso_ok);
	xb_be_write(b, d, "feature-gso-tcpv6", "%d", vf->gso_ok);
	xb_be_write(b, d, "feature-ipv6-csum-offload", "1");
	xb_be_write(b, d, "feature-split-event-channels", "0");
	xb_be_write(b, d, "hotplug-status", "connected");
	say("d%u/%u: tap %s on %s%s", d->fe_id, d->devid, vf->ifname, vf->bridge,
	    vf->gso_ok ? ", GSO" : "");
	return 0;
}

/* The buffers: granted to ourselves when we can (NB_SELF_GRANTS), else plain. */
static int bufs_alloc(struct vif *vf)
{
	size_t rx = (size_t)(NB_RX_BATCH + 1) * NB_FRAME_BUF, tx = (size_t)NB_TX_BATCH * NB_TX_BUF;

	if (NB_SELF_GRANTS && dev.gntalloc_fd >= 0 && !vf->rxbuf &&
	    !be_selfbuf_alloc(&dev, &vf->rxsb, (unsigned int)(rx / 4096), NB_SELF_DOMID))
		vf->rxbuf = (void *)vf->rxsb.addr;
	if (NB_SELF_GRANTS && dev.gntalloc_fd >= 0 && !vf->txbuf &&
	    !be_selfbuf_alloc(&dev, &vf->txsb, (unsigned int)(tx / 4096), NB_SELF_DOMID))
		vf->txbuf = vf->txsb.addr;
	if (!vf->rxbuf)
		vf->rxbuf = aligned_alloc(4096, rx);
	if (!vf->txbuf)
		vf->txbuf = aligned_alloc(4096, tx);
	return vf->rxbuf && vf->txbuf ? 0 : -ENOMEM;
}

static void bufs_free(struct vif *vf)
{
	if (vf->rxsb.addr)
		be_selfbuf_free(&dev, &vf->rxsb);
	else
		free(vf->rxbuf);
	if (vf->txsb.addr)
		be_selfbuf_free(&dev, &vf->txsb);
	else
		free(vf->txbuf);
	vf->rxbuf = NULL;
	vf->txbuf = NULL;
}

static void nb_remove(struct xb_backend *b, struct xb_dev *d)
{
	struct vif *vf = d->priv;

	(void)b;
	if (!vf)
		return;
	say("d%u/%u: device removed, tap %s gone", d->fe_id, d->devid, vf->ifname);
	tap_close(vf);
	bufs_free(vf);
	free(vf);
	d->priv = NULL;
}

static void unmap_rings(struct vif *vf)
{
	if (vf->tx_page)
		be_unmap_refs(&dev, vf->tx_page, 1, vf->tx_handle);
	if (vf->rx_page)
		be_unmap_refs(&dev, vf->rx_page, 1, vf->rx_handle);
	vf->tx_page = vf->rx_page = NULL;
}

static int nb_connect(struct xb_backend *b, struct xb_dev *d)
{
	struct vif *vf = d->priv;
	long long txref, rxref, port, copy, notify, nq;
	uint32_t r;
	int rc;

	if (!vf)
		return -ENODEV;
	nq = xb_be_read_num(b, d, true, "multi-queue-num-queues", 1);
	txref = xb_be_read_num(b, d, true, "tx-ring-ref", 0xffffffffULL);
	rxref = xb_be_read_num(b, d, true, "rx-ring-ref", 0xffffffffULL);
	port = xb_be_read_num(b, d, true, "event-channel", 0xfffffff);
	copy = xb_be_read_num(b, d, true, "request-rx-copy", 1);
	notify = xb_be_read_num(b, d, true, "feature-rx-notify", 1);
	/* As Linux's xen-netback: 0 queues is as bad as too many. */
	if ((nq < 0 && nq != -ENOENT) || nq == 0 || txref < 0 || rxref < 0 || port < 0) {
		xb_be_fatal(b, d, -EINVAL, "bad multi-queue-num-queues, or bad or missing tx-ring-ref, "
			    "rx-ring-ref or event-channel");
		return -EINVAL;
	}
	/*
	 * As Linux's xen-netback: rx-copy is required, rx-notify is not. A
	 * frontend without it (Mini-OS's netfront) may post rx requests
	 * without an event, so a frame waiting for them is retried on a timer
	 * (main loop) instead of only on the frontend's next event.
	 */
	if (copy != 1) {
		xb_be_fatal(b, d, -EOPNOTSUPP, "the frontend must request rx-copy");
		return -EOPNOTSUPP;
	}
	vf->rx_poll = notify != 1;
	r = (uint32_t)txref;
	vf->tx_page = be_map_refs(&dev, d->fe_id, &r, 1, &vf->tx_handle);
	r = (uint32_t)rxref;
	vf->rx_page = vf->tx_page ? be_map_refs(&dev, d->fe_id, &r, 1, &vf->rx_handle) : NULL;
	if (!vf->rx_page) {
		rc = -errno;
		unmap_rings(vf);
		xb_be_fatal(b, d, rc, "mapping the rings");
		return rc;
	}
	if (bufs_alloc(vf)) {
		unmap_rings(vf);
		return -ENOMEM;
	}
	nb_vif_init(&vf->nv, vf->tx_page, vf->rx_page, copy_cb, vf);
	vf->nv.tx_gso = vf->gso_ok;
	vf->nv.fatal_slots = fatal_slots;
	vf->nv.xcopy = xcopy_cb;
	vf->nv.domid = (uint16_t)d->fe_id;
	tap_offload(vf, b, d);
	vf->port = xendev_bind(&dev, d->fe_id, (unsigned int)port);
	if (vf->port < 0) {
		rc = vf->port;
		vf->port = -1;
		unmap_rings(vf);
		xb_be_fatal(b, d, rc, "binding the event channel");
		return rc;
	}
	vf->rx_wait = false;
	vf->pend_len = 0;
	vf->sw_rx_seen = vf->sw_tx_seen = 0;
	vf->kick = true;
	tap_carrier(vf, 1);
	be_stats_open(&vf->stats, "vif", d->fe_id, d->devid, vif_stat_keys, VS_NR);
	say("d%u/%u: connected: tx ref %lld, rx ref %lld, port %lld; rx%s%s%s; buffers: tx %s, rx %s",
	    d->fe_id, d->devid, txref, rxref, port,
	    vf->nv.rx_no_csum ? " full checksums" : " partial checksums",
	    vf->nv.rx_gso & NB_GSO_BIT(XEN_NETIF_GSO_TYPE_TCPV4) ? ", TCPv4 GSO" : "",
	    vf->nv.rx_gso & NB_GSO_BIT(XEN_NETIF_GSO_TYPE_TCPV6) ? ", TCPv6 GSO" : "",
	    vf->txsb.addr ? "granted to dom0" : "plain", vf->rxsb.addr ? "granted to dom0" : "plain");
	return 0;
}

static void nb_disconnect(struct xb_backend *b, struct xb_dev *d)
{
	struct vif *vf = d->priv;

	(void)b;
	if (!vf)
		return;
	tap_carrier(vf, 0);
#ifdef NB_PROF
	prof_show(vf, "disconnect");
#endif
	be_stats_close(&vf->stats);
	if (vf->port >= 0)
		xendev_unbind(&dev, (unsigned int)vf->port);
	vf->port = -1;
	unmap_rings(vf);
	say("d%u/%u: disconnected (tx %lu packets, %lu switched, %lu refused%s%s; rx %lu, %lu "
	    "switched, %lu dropped)", d->fe_id, d->devid, vf->nv.tx_pkts, vf->nv.tx_switched,
	    vf->nv.tx_bad, vf->nv.last_bad ? ", last: " : "", vf->nv.last_bad ? vf->nv.last_bad : "",
	    vf->nv.rx_pkts, vf->nv.rx_switched, vf->nv.rx_drop);
}

static const struct xb_ops ops = {
	.probe = nb_probe,
	.connect = nb_connect,
	.disconnect = nb_disconnect,
	.remove = nb_remove,
	.log = xb_log,
};

/* ---- the data path ---- */

static bool connected(struct vif *vf)
{
	return vf && vf->tx_page && vf->port >= 0 && !vf->xb->broken;
}

static void break_vif(struct vif *vf)
{
	say("d%u/%u: %s", vf->xb->fe_id, vf->xb->devid, vf->nv.why ? vf->nv.why : "broken ring");
	xb_be_broken(&be, vf->xb, vf->nv.why ? vf->nv.why : "broken ring");
}

/* ---- the switch ---- */

/*
 * Another vif of ours on the same bridge whose frames may skip it: the
 * sender's and the receiver's MAC the toolstack's (backend `mac`), the
 * receiver connected.
 */
static bool sw_peer(const struct vif *from, const struct vif *to)
{
	return to != from && connected((struct vif *)to) && to->has_mac &&
	       !strcmp(to->bridge, from->bridge);
}

/*
 * nb_route_fn: the receiver of a frame from @ctx's guest, when it goes
 * from the sender's own MAC to exactly one other vif's on its bridge
 * (unicast); else NULL, the tap's way (dom0, broadcast, multicast,
 * unknown or shared MACs, a spoofed source).
 */
static struct nb_vif *sw_route(void *ctx, const uint8_t *hdr, size_t len)
{
	struct vif *from = ctx, *hit = NULL;
	unsigned int i;

	if (len < NB_ETH_HLEN || (hdr[0] & 1) || memcmp(hdr + 6, from->mac, 6))
		return NULL;
	for (i = 0; i < be.ndev; i++) {
		struct vif *to = be.dev[i]->priv;

		if (to && to->has_mac && !memcmp(hdr, to->mac, 6)) {
			if (hit || !sw_peer(from, to))
				return NULL;
			hit = to;
		}
	}
	return hit ? &hit->nv : NULL;
}

/* The switch for @vf's tx: only when it may, and a peer exists to gain from it. */
static void sw_arm(struct vif *vf)
{
	unsigned int i;

	vf->nv.route = NULL;
	vf->nv.route_ctx = vf;
	if (!sw_on || !vf->has_mac)
		return;
	for (i = 0; i < be.ndev; i++)
		if (sw_peer(vf, be.dev[i]->priv)) {
			vf->nv.route = sw_route;
			return;
		}
}

/* Events to the receivers the switch published frames to. */
static void sw_notify(void)
{
	unsigned int i;

	for (i = 0; i < be.ndev; i++) {
		struct vif *to = be.dev[i]->priv;

		if (to && to->nv.rx_notify) {
			to->nv.rx_notify = false;
			if (connected(to))
				xendev_notify(&dev, (unsigned int)to->port);
		}
	}
}

/* One good packet of the tx batch to the tap, answered. */
static void tx_write(struct vif *vf, struct nb_tx_pkt *p)
{
	struct iovec iov[1 + NB_MAX_SLOTS] = { { &p->vh, sizeof(p->vh) } };
	ssize_t w;
	NB_PROF_T0();

	memcpy(iov + 1, p->iov, p->niov * sizeof(iov[0]));
	w = writev(vf->tap, iov, (int)p->niov + 1);
	NB_PROF_LAP(&vf->prof, NP_TX_WRITE);
	NB_PROF_ADD(&vf->prof, NC_WRITEV, 1);
	NB_PROF_ADD(&vf->prof, NC_TX_PKT, 1);
	NB_PROF_ADD(&vf->prof, NC_TX_GSO, p->vh.gso_type != VIRTIO_NET_HDR_GSO_NONE);
	NB_PROF_ADD(&vf->prof, NC_TX_BYTES, p->len);
	NB_PROF_ADD(&vf->prof, NC_TX_SLOTS, p->nslots);
	if (w < 0 && errno == EINVAL) {
		nb_tx_answer_pkt(&vf->nv, p, NETIF_RSP_ERROR);
		vf->nv.tx_bad++;
		vf->nv.last_bad = "the tap refused the packet";
		return;
	}
	if (w < 0)
		vf->tx_lost++;
	else
		vf->tx_written++;
	vf->stats.v[VS_TX_BYTES] += w < 0 ? 0 : p->len;
	nb_tx_answer_pkt(&vf->nv, p, NETIF_RSP_OKAY);
}

/*
 * A serve's looks at a ring that said "more" and then had nothing to take
 * (the last check before sleeping saw req_prod moved; the take after it
 * found no whole packet, or no rx request for the frame waiting): an
 * honest frontend publishes whole packets and posts what it says, so
 * this is a frontend moving req_prod back and forth within the ring
 * (session 34 review). After NB_IDLE_LOOKS of them the serve ends and the
 * vif comes back after the others (kick), as when its budget is spent;
 * without the bound the serve went on for as long as the frontend kept
 * moving it, and every other vif waited.
 */
#define NB_IDLE_LOOKS	8

/*
 * guest -> tap, NB_TX_BATCH packets at a time: one grant copy ioctl for a
 * batch, a writev each; true if the frontend wants an event
 */
static bool serve_tx(struct vif *vf)
{
	unsigned long bad = vf->nv.tx_bad;
	bool notify = false;
	int rc, budget = 256;
	unsigned int idle = 0;
	NB_PROF_T0();

	do {
		bool took = false;

		while (budget > 0 && (rc = nb_tx_batch(&vf->nv, vf->txbuf, NB_TX_BATCH)) != 0) {
			unsigned int i;

			NB_PROF_LAP(&vf->prof, NP_TX_TAKE);
			if (rc < 0)
				return notify;
			budget -= rc;
			took = true;
			for (i = 0; i < vf->nv.txb_n; i++)
				if (vf->nv.txb[i].good)
					tx_write(vf, &vf->nv.txb[i]);
			NB_PROF_RESET();
		}
		NB_PROF_LAP(&vf->prof, NP_TX_TAKE);	/* the take that found nothing */
		if (nb_tx_push(&vf->nv))
			notify = true;
		NB_PROF_LAP(&vf->prof, NP_TX_PUSH);
		if (budget <= 0 || (!took && ++idle > NB_IDLE_LOOKS)) {
			vf->kick = true;	/* fair to the others: come back */
			break;
		}
	} while (nb_tx_final_check(&vf->nv));
	NB_PROF_LAP(&vf->prof, NP_TX_PUSH);
	if (verbose && vf->nv.tx_bad != bad)
		say("d%u/%u: %lu tx packet(s) refused: %s", vf->xb->fe_id, vf->xb->devid,
		    vf->nv.tx_bad - bad, vf->nv.last_bad);
	return notify;
}

/* The rx batch to the guest; true if the frontend wants an event. */
static bool rx_flush(struct vif *vf)
{
	bool notify;
	NB_PROF_T0();

	NB_PROF_ADD(&vf->prof, NC_RX_FLUSH, vf->nv.rx_nrsp != 0);
	notify = nb_rx_flush(&vf->nv);
	NB_PROF_LAP(&vf->prof, NP_RX_FLUSH);
	return notify;
}

/*
 * tap -> guest; true if the frontend wants an event. max_reads (0: no
 * limit) ends the reading after that many frames without the read that
 * finds the tap empty: poll() tells whether more came.
 */
static bool serve_rx(struct vif *vf, unsigned long max_reads)
{
	bool notify = false;
	unsigned int k = 0, rounds = 0, idle = 0;
	unsigned long reads = 0;
	NB_PROF_T0();

	for (;;) {
		uint8_t *f;
		size_t len;
		struct virtio_net_hdr vh;
		int rc;

		if (max_reads && reads == max_reads && !vf->pend_len) {
			/* not known empty: rx_backlog stays as it is */
			vf->rx_wait = false;
			notify |= rx_flush(vf);
			NB_PROF_RESET();
			return notify;
		}
		if (vf->pend_len) {
			f = vf->rxbuf[NB_RX_BATCH];
			len = vf->pend_len;
			vh = vf->pend_vh;
		} else {
			ssize_t r;
			struct iovec iov[2];

			f = vf->rxbuf[k];
			iov[0] = (struct iovec){ &vh, sizeof(vh) };
			iov[1] = (struct iovec){ f, NB_FRAME_MAX };
			r = readv(vf->tap, iov, 2);
			NB_PROF_LAP(&vf->prof, NP_RX_READ);
			NB_PROF_ADD(&vf->prof, NC_READV, 1);
			NB_PROF_ADD(&vf->prof, NC_READV_EMPTY, r <= (ssize_t)sizeof(vh));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= (ssize_t)sizeof(vh))
				break;	/* nothing more now */
			reads++;
			len = (size_t)r - sizeof(vh);
		}
		rc = nb_rx_put(&vf->nv, f, len, &vh);
		NB_PROF_LAP(&vf->prof, NP_RX_PUT);
		if (rc == 1) {
			NB_PROF_ADD(&vf->prof, NC_RX_PKT, 1);
			NB_PROF_ADD(&vf->prof, NC_RX_GSO, vh.gso_type != VIRTIO_NET_HDR_GSO_NONE);
			NB_PROF_ADD(&vf->prof, NC_RX_BYTES, len);
		}
		if (rc < 0)
			return notify;
		if (rc == 0) {
			/* Not enough posted buffers (or the batch is full). */
			if (nb_rx_batch_full(&vf->nv)) {
				if (!vf->pend_len && f != vf->rxbuf[NB_RX_BATCH]) {
					memcpy(vf->rxbuf[NB_RX_BATCH], f, len);
					vf->pend_len = len;
					vf->pend_vh = vh;
				}
				notify |= rx_flush(vf);
				NB_PROF_RESET();
				k = 0;
				if (++rounds > 8) {
					vf->kick = true;
					break;
				}
				continue;
			}
			if (!vf->pend_len) {
				memcpy(vf->rxbuf[NB_RX_BATCH], f, len);
				vf->pend_len = len;
				vf->pend_vh = vh;
			}
			notify |= rx_flush(vf);
			NB_PROF_RESET();
			k = 0;
			if (nb_rx_final_check(&vf->nv, nb_rx_slots(&vf->nv, len, &vh))) {
				if (++idle <= NB_IDLE_LOOKS)
					continue;
				/* the frame kept (pend_len): come back after the others */
				vf->kick = true;
				return notify;
			}
			NB_PROF_ADD(&vf->prof, NC_RX_WAIT, 1);
			vf->rx_wait = true;
			return notify;
		}
		/* placed (1) or dropped (2) */
		vf->stats.v[VS_RX_BYTES] += rc == 1 ? len : 0;
		if (vf->pend_len) {
			if (rc == 1) {
				/* it lives in the spare buffer until the flush */
				notify |= rx_flush(vf);
				NB_PROF_RESET();
				k = 0;
			}
			vf->pend_len = 0;
		} else if (rc == 1) {
			k++;
		}
		if (k >= NB_RX_BATCH) {
			notify |= rx_flush(vf);
			NB_PROF_RESET();
			k = 0;
		}
	}
	vf->rx_wait = false;
	vf->nv.rx_backlog = false;	/* the tap is empty: the switch may deliver again */
	notify |= rx_flush(vf);
	NB_PROF_RESET();
	return notify;
}

static void vif_stats(struct vif *vf)
{
	uint64_t *v = vf->stats.v;

	v[VS_RX_PKTS] = vf->nv.rx_pkts;
	v[VS_TX_PKTS] = vf->tx_written + vf->nv.tx_switched;
	v[VS_RX_BYTES] += vf->nv.rx_sw_bytes - vf->sw_rx_seen;
	v[VS_TX_BYTES] += vf->nv.tx_sw_bytes - vf->sw_tx_seen;
	vf->sw_rx_seen = vf->nv.rx_sw_bytes;
	vf->sw_tx_seen = vf->nv.tx_sw_bytes;
	v[VS_RX_DROPS] = vf->nv.rx_drop;
	v[VS_TX_DROPS] = vf->nv.tx_bad + vf->tx_lost;
	be_stats_changed(&vf->stats);
}

/* read_tap: poll() said the tap is readable, or a serve left work (kick). */
static void serve(struct vif *vf, bool read_tap)
{
	unsigned long wrote = vf->tx_written + vf->tx_lost;
	bool notify = false;

	vf->kick = false;
	if (!connected(vf))
		return;
	NB_PROF_ADD(&vf->prof, NC_SERVE, 1);
	NB_PROF_ADD(&vf->prof, NC_TAP_WAKE, read_tap);
	sw_arm(vf);
	notify |= serve_tx(vf);
	sw_notify();
	/*
	 * The tap is read on an event too when the tx just wrote to it: the
	 * frames written may have made answers (from dom0's stack) that then
	 * go out with the same notify (reading it only when poll() said so
	 * ran slower in wall-clock runs: docs/benchmarks.md, "Wall-clock runs
	 * after it"), and when a frame waits for rx requests. Otherwise an
	 * event (frames switched to another guest, rx requests posted, tx
	 * answers) leaves the tap to poll(): a read there would only say
	 * EAGAIN, and a frame that came meanwhile makes the next poll()
	 * return at once. When only the writes send us there, at most as many
	 * frames as were written are read (a ping's answer: one), without the
	 * read that would find the tap empty; poll() says if more came.
	 */
	wrote = vf->tx_written + vf->tx_lost - wrote;
	if (!vf->nv.broken && (read_tap || wrote || vf->pend_len || vf->rx_wait ||
			       vf->nv.rx_backlog))
		notify |= serve_rx(vf, read_tap || vf->pend_len || vf->rx_wait ||
					   vf->nv.rx_backlog ? 0 : wrote);
	if (notify) {
		NB_PROF_T0();

		xendev_notify(&dev, (unsigned int)vf->port);
		NB_PROF_LAP(&vf->prof, NP_NOTIFY);
		NB_PROF_ADD(&vf->prof, NC_NOTIFY, 1);
	}
	vif_stats(vf);
	if (vf->nv.broken)
		break_vif(vf);
}

static struct vif *vif_of_port(int port)
{
	unsigned int i;

	for (i = 0; i < be.ndev; i++) {
		struct vif *vf = be.dev[i]->priv;

		if (connected(vf) && vf->port == port)
			return vf;
	}
	return NULL;
}

#ifdef NB_PROF
static uint64_t loop_t;
#define LOOP_LAP(f)	do { uint64_t t_ = __builtin_ia32_rdtsc(); loop_prof.f += t_ - loop_t; \
			     loop_t = t_; } while (0)
#define LOOP_ADD(f)	(loop_prof.f++)
#else
#define LOOP_LAP(f)	do { } while (0)
#define LOOP_ADD(f)	do { } while (0)
#endif

static const char usage[] =
	"usage: netback [--type TYPE] [--socket PATH] [--switch on|off] [--fatal-skb-slots N]\n"
	"               [--copies hypercall|gntdev] [--verbose]\n"
	"Serves the network devices the toolstack puts under /local/domain/0/backend/TYPE\n"
	"(default vif): a tap vif<domid>.<devid> (or `vifname`) on `bridge` (default xenbr0)\n"
	"per device. xenstored is reached at PATH, else $XENSTORED_PATH or\n"
	"/run/xenstored/socket. Runs in the foreground; messages go to stderr. One\n"
	"netback per TYPE: it holds /run/lamina/netback-TYPE.lock (vmctl create starts\n"
	"one when none does).\n"
	"--switch on (the default): a unicast frame from one guest's MAC to another's\n"
	"(both the backends' `mac`) on the same bridge is copied guest to guest, not\n"
	"through the taps: the bridge, its filters and tcpdump on it do not see it.\n"
	"--switch off: every frame through the bridge.\n"
	"--fatal-skb-slots N (default 20, at least 18), as Linux's xen-netback's module\n"
	"parameter: a tx packet of 20 or more slots is answered an error and dropped; one\n"
	"whose slots after the first are more than N closes its vif.\n"
	"--copies: a batch of grant copies naming both sides by ref as one GNTTABOP_copy\n"
	"through privcmd (hypercall, where /dev/xen/hypercall exists) or through gntdev's\n"
	"copy ioctl (gntdev, the default).\n";

/*
 * Takes --switch on|off and --fatal-skb-slots N (or --opt=VAL) out of
 * argv; -1 when one is bad. A fatal-skb-slots under NB_LEGACY_SLOTS is
 * raised to it, as Linux raises its module parameter.
 */
static int own_opts(int *argc, char **argv)
{
	static const char *const names[] = { "--switch", "--fatal-skb-slots", "--copies" };
	int i, o = 1;

	for (i = 1; i < *argc; i++) {
		const char *val = NULL;
		unsigned int k;
		size_t l = 0;

		if (!strcmp(argv[i], "--"))
			break;
		for (k = 0; k < 3; k++) {
			l = strlen(names[k]);
			if (!strncmp(argv[i], names[k], l) && (!argv[i][l] || argv[i][l] == '='))
				break;
		}
		if (k == 3) {
			argv[o++] = argv[i];
			continue;
		}
		if (argv[i][l])
			val = argv[i] + l + 1;
		else if (i + 1 < *argc)
			val = argv[++i];
		else
			return -1;
		if (k == 1) {
			char *end;
			unsigned long n = strtoul(val, &end, 10);

			if (!*val || *end || *val == '-' || n > 0xffff)
				return -1;
			fatal_slots = n < NB_LEGACY_SLOTS ? NB_LEGACY_SLOTS : (unsigned int)n;
		} else if (k == 2) {
			if (strcmp(val, "hypercall") && strcmp(val, "gntdev"))
				return -1;
			copy_hcall = *val == 'h';
		} else if (!strcmp(val, "on")) {
			sw_on = true;
		} else if (!strcmp(val, "off")) {
			sw_on = false;
		} else {
			return -1;
		}
	}
	for (; i < *argc; i++)
		argv[o++] = argv[i];
	argv[o] = NULL;
	*argc = o;
	return 0;
}

/*
 * An event on a port: the vif behind it, if any, has work. Its port stays
 * masked until this returns (eoi_late), so a request the frontend sent
 * while the notify ran (a guest woken by it runs at once on one CPU and
 * may send the next before we run again) made no event yet: it is served
 * here, without the poll(), the evtchn read and the unmask write an event
 * would cost; NB_SERVE_AGAIN rounds at most, then the event way. A serve
 * that used up its budget (kick) goes back to the main loop as before,
 * the other vifs and the store first.
 */
#define NB_SERVE_AGAIN	64
/* How often a frame waiting for a frontend without rx-notify is retried. */
#define NB_RX_POLL_MS	10
static void port_fired(int port)
{
	struct vif *vf = vif_of_port(port);
	unsigned int again = 0;

	if (vf) {
		NB_PROF_ADD(&vf->prof, NC_EVENT, 1);
		LOOP_LAP(tsc_ports);
		do
			serve(vf, false);
		while (connected(vf) && !vf->kick && nb_tx_more(&vf->nv) &&
		       ++again < NB_SERVE_AGAIN);
		LOOP_LAP(tsc_serve);
	}
}

/* vf's tap in the epoll set while it is connected and not waiting for rx requests. */
static void tap_watch(struct vif *vf)
{
	bool want = connected(vf) && !vf->rx_wait && vf->tap >= 0;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = vf };

	if (want == vf->in_ep)
		return;
	if (!epoll_ctl(nb_ep, want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, vf->tap, &ev))
		vf->in_ep = want;
	else
		say("d%u/%u: epoll_ctl of tap %s: %s", vf->xb->fe_id, vf->xb->devid, vf->ifname,
		    strerror(errno));
}

static int ep_add(int fd, void *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(nb_ep, EPOLL_CTL_ADD, fd, &ev);
}

int main(int argc, char **argv)
{
	bool xs_ready;
	int rc, xs_fd;

	if (own_opts(&argc, argv)) {
		fprintf(stderr, "netback: --switch takes on or off, --fatal-skb-slots a count, "
			"--copies hypercall or gntdev\n%s",
			usage);
		return 2;
	}
	rc = be_daemon_start(&bd, argc, argv, "vif", usage, &ops);
	if (rc >= 0)
		return rc;
	say("the switch (guest to guest past the bridge) is %s; fatal_skb_slots %u", sw_on ? "on" : "off",
	    fatal_slots);
	if (NB_SELF_GRANTS && (rc = xendev_open(&dev, XENDEV_GNTALLOC)))
		say("%s/gntalloc: %s: tx and rx buffers not granted to dom0 (gntdev pins them at "
		    "every copy)", XENDEV_DIR, strerror(-rc));
	if (copy_hcall && (rc = be_copy_hcall_init(&dev))) {
		say("grant copies by gntdev: privcmd's hypercall buffer: %s", strerror(-rc));
		copy_hcall = false;
	} else
		say("grant copies by ref on both sides: %s", copy_hcall ? "GNTTABOP_copy through privcmd" :
		    "gntdev (--copies gntdev)");
	if (be_daemon_lock(&bd)) {
		be_daemon_end(&bd);
		return 1;
	}
	nb_ep = epoll_create1(EPOLL_CLOEXEC);
	xs_fd = xs_fileno(xs);
	if (nb_ep < 0 || ep_add(xs_fd, &ep_store) || ep_add(dev.evtchn_fd, &ep_ports)) {
		say("epoll: %s", strerror(errno));
		be_daemon_end(&bd);
		return 1;
	}
	nb_tick = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (nb_tick >= 0 && ep_add(nb_tick, &ep_tick)) {
		close(nb_tick);
		nb_tick = -1;
	}
	if (nb_tick < 0)
		say("timerfd: %s: stats files written from wait timeouts", strerror(errno));
	xs_ready = true;
	while (!be_daemon_stopping) {
		struct epoll_event ev[2 + XB_MAX_DEVS];
		bool kick = false, ports = false, rx_poll = false, any = false;
		int i, n, wait_ms;

		/*
		 * The store only when it has something for us: its socket was
		 * readable, events were queued while a reply was awaited, or the
		 * last scan left some. A packet's wake then costs no poll()s of
		 * the socket (xb_be_poll() makes two).
		 */
		if ((xs_ready || xs_events_queued(xs) || xb_be_again(&be)) && xb_be_poll(&be)) {
			say("xenstored went away");
			break;
		}
		LOOP_LAP(tsc_xb);
		for (i = 0; i < (int)be.ndev; i++) {
			struct vif *vf = be.dev[i]->priv;

			if (connected(vf) && vf->kick) {
				serve(vf, true);
				kick |= vf->kick;
			}
		}
		LOOP_LAP(tsc_serve);
		for (i = 0; i < (int)be.ndev; i++) {
			struct vif *vf = be.dev[i]->priv;

			if (vf)
				tap_watch(vf);
			any |= connected(vf);
			rx_poll |= connected(vf) && vf->rx_poll && (vf->rx_wait || vf->nv.rx_backlog);
		}
		tick_watch(any);
		LOOP_LAP(tsc_rest);
		LOOP_ADD(polls);
		wait_ms = kick || xb_be_again(&be) ? 0 :
			  stats_late || !tick_on ? be_stats_poll_ms() : -1;
		if (rx_poll && (wait_ms < 0 || wait_ms > NB_RX_POLL_MS))
			wait_ms = NB_RX_POLL_MS;
		n = epoll_wait(nb_ep, ev, (int)(sizeof(ev) / sizeof(ev[0])), wait_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		LOOP_LAP(tsc_poll);
		LOOP_ADD(iters);
		xs_ready = false;
		for (i = 0; i < n; i++) {
			xs_ready |= ev[i].data.ptr == &ep_store;
			ports |= ev[i].data.ptr == &ep_ports;
			if (ev[i].data.ptr == &ep_tick)
				tick_fired();
		}
		if (ports)
			be_daemon_ports(&bd, port_fired, true);
		LOOP_LAP(tsc_ports);
		for (i = 0; i < n; i++) {
			struct vif *vf = ev[i].data.ptr;

			if (vf != (void *)&ep_store && vf != (void *)&ep_ports &&
			    vf != (void *)&ep_tick && vf->in_ep && connected(vf))
				serve(vf, true);
		}
		LOOP_LAP(tsc_serve);
		/* Frames waiting for a frontend that posts rx requests silently. */
		for (i = 0; rx_poll && i < (int)be.ndev; i++) {
			struct vif *vf = be.dev[i]->priv;

			if (connected(vf) && vf->rx_poll && (vf->rx_wait || vf->nv.rx_backlog))
				vf->kick = true;
		}
		if (stats_late || !tick_on) {
			int due_ms;

			be_stats_flush_due();
			/* still late: a change of before the tick waits for its quiet */
			due_ms = be_stats_poll_ms();
			stats_late = due_ms >= 0 && due_ms < (int)(BE_STATS_EVERY_NS / 2000000ULL);
		}
#ifdef NB_PROF
		prof_tick();
#endif
		LOOP_LAP(tsc_rest);
	}
	return be_daemon_end(&bd);
}
