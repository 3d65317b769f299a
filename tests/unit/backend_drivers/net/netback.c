// SPDX-License-Identifier: GPL-2.0-only
/*
 * netback's limits per vif (issue 19's "a broken frontend loses only its
 * own vif", for a flooding one): a vif whose frontend floods tx must not
 * keep netback from serving another domain's vif.
 *
 * The real backend_drivers/net/netback.c, main loop and all, runs on the
 * host against a fake dom0 (../fake_dom0.h); its taps are socketpairs
 * (open() and ioctl() renamed to this test's), the other end the test's
 * "bridge". d1's frontend floods tx in two ways:
 *   - one_cpu: at every event netback sends it, it takes the answers and
 *     sends 16 more packets, as a guest the event runs at once on one CPU
 *     (netback serves a vif again while requests came during its notify,
 *     NB_SERVE_AGAIN times at most);
 *   - other_cpu: at every grant copy netback makes and every time it
 *     looks at the ring again (nb_tx_final_check, nb_tx_more) it takes the
 *     answers published and refills its whole ring, as a guest on another
 *     CPU that is always just in time (serve_tx()'s budget of 256 packets
 *     ends a serve that never finds the ring empty).
 * Meanwhile d2's frontend sends one packet at a time. Checked: each of
 * d2's packets reaches d2's tap and is answered within two of d1's turns;
 * d1 is still served after d2's last packet; every packet answered OKAY;
 * netback never sleeps or spins with packets on a ring. Deterministic:
 * one thread, no timing.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include "../../unit.h"
#include "../fake_dom0.h"
#include "../../../../backend_drivers/net/net_ring.h"

/* The taps: one end of a SOCK_SEQPACKET pair each (a frame a message), in the order opened. */
static int bridge_end[4], ntaps;

static int tap_open_fake(const char *path, int flags, ...)
{
	int sv[2];

	(void)flags;
	if (strcmp(path, "/dev/net/tun") || ntaps == 4) {
		errno = ENOENT;
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv))
		return -1;
	bridge_end[ntaps++] = sv[1];
	return sv[0];
}

/* TUNSETIFF, TUNSETOFFLOAD, TUNSETCARRIER and the interface ioctls: all taken. */
static int ioctl_fake(int fd, unsigned long req, ...)
{
	(void)fd, (void)req;
	return 0;
}

/*
 * Where netback looks at a tx ring again (the serve's last check before it
 * stops, and whether to serve again): a frontend on another CPU may have
 * refilled it just before.
 */
static void (*ring_look)(void);

static bool tx_final_check_seen(struct nb_vif *v)
{
	if (ring_look)
		ring_look();
	return nb_tx_final_check(v);
}

static bool tx_more_seen(const struct nb_vif *v)
{
	if (ring_look)
		ring_look();
	return nb_tx_more(v);
}

/*
 * Where netback reads an rx ring's req_prod: before it takes rx requests
 * for a frame (nb_rx_put) and in its last check before it waits for them
 * (nb_rx_final_check, @final true).
 */
static void (*rx_look)(bool final);

static int rx_put_seen(struct nb_vif *v, const uint8_t *frame, size_t len,
		       const struct virtio_net_hdr *vh)
{
	if (rx_look)
		rx_look(false);
	return nb_rx_put(v, frame, len, vh);
}

static bool rx_final_check_seen(struct nb_vif *v, unsigned int need)
{
	if (rx_look)
		rx_look(true);
	return nb_rx_final_check(v, need);
}

#define main netback_main
#define epoll_wait fd_epoll_wait
#define nb_tx_final_check tx_final_check_seen
#define nb_tx_more tx_more_seen
#define nb_rx_put rx_put_seen
#define nb_rx_final_check rx_final_check_seen
#define open tap_open_fake
#define ioctl ioctl_fake
#include "../../../../backend_drivers/net/netback.c"
#undef nb_rx_final_check
#undef nb_rx_put
#undef nb_tx_more
#undef nb_tx_final_check
#undef ioctl
#undef open
#undef epoll_wait
#undef main

#define PORT		5
#define FRAME		60
#define VICTIM_PKTS	6
#define VICTIM_EVERY	1000	/* d1's packets between two of d2's */
#define ONE_CPU_REFILL	16	/* packets the one_cpu flooder sends per event */
#define TX_BUDGET	256	/* serve_tx()'s budget: packets per serve */
_Static_assert(NB_SERVE_AGAIN >= 1 && NB_SERVE_AGAIN <= 256,
	       "serving a vif again more than 256 times keeps the other vifs waiting too long");

struct nfe {
	unsigned int domid;
	struct fd_guest *g;		/* page 0: tx ring, 1: rx ring, 2: the packet */
	volatile struct sring_hdr *tx;
	uint32_t req_prod_pvt, rsp_cons;
	unsigned long sent, answered, bad;
};

static struct nfe flood, victim;
static bool flooding, other_cpu, victim_out, victim_frame_bad;
static unsigned long posted_at, max_wait, flood_after, max_allowed;
static unsigned int victim_done;

static const char *const fe_nodes[] = { "tx-ring-ref", "0", "rx-ring-ref", "1",
					"event-channel", "5", "request-rx-copy", "1",
					"feature-rx-notify", "1", NULL };
static const char *const be_nodes[] = { "bridge", "xenbr0", NULL };
static struct fd_device dev_flood = { 1, 0, be_nodes, fe_nodes, NULL };
static struct fd_device dev_victim = { 2, 0, be_nodes, fe_nodes, NULL };

static void nfe_init(struct nfe *f, unsigned int domid)
{
	uint8_t *p;

	memset(f, 0, sizeof(*f));
	f->domid = domid;
	f->g = fd_guest_new(domid, 4);
	f->tx = fd_page(f->g, 0);
	f->tx->req_event = 1;
	f->tx->rsp_event = 1;
	((volatile struct sring_hdr *)fd_page(f->g, 1))->req_event = 1;
	((volatile struct sring_hdr *)fd_page(f->g, 1))->rsp_event = 1;
	p = fd_page(f->g, 2);
	memset(p, 0x20 + domid, FRAME);
	memcpy(p, "\x02\x00\x00\x00\x00\xaa", 6);		/* to a unicast MAC no vif has */
	memcpy(p + 6, "\x02\x00\x00\x00\x00\x00", 6);
	p[11] = (uint8_t)domid;
	p[12] = 0x88, p[13] = 0xb5;				/* local experimental ethertype */
}

static volatile struct netif_tx_request *tx_slot(struct nfe *f, uint32_t i)
{
	return (volatile void *)((volatile char *)f->tx + SRING_HDR_SIZE +
				 (size_t)(i % NETIF_TX_RING_SIZE) * NETIF_TX_SLOT);
}

static void nfe_put(struct nfe *f)
{
	volatile struct netif_tx_request *r = tx_slot(f, f->req_prod_pvt++);

	r->gref = 2;
	r->offset = 0;
	r->flags = 0;
	r->id = (uint16_t)(f->sent++ % NETIF_TX_RING_SIZE);
	r->size = FRAME;
}

static void nfe_push(struct nfe *f)
{
	uint32_t old = f->tx->req_prod, new = f->req_prod_pvt;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	f->tx->req_prod = new;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if ((uint32_t)(new - f->tx->req_event) < (uint32_t)(new - old))
		fd_raise(f->domid, PORT);
}

static void nfe_reap(struct nfe *f)
{
	while (f->rsp_cons != f->tx->rsp_prod) {
		volatile struct netif_tx_response *r = (volatile void *)tx_slot(f, f->rsp_cons++);

		f->answered++;
		if (r->status != NETIF_RSP_OKAY)
			f->bad++;
	}
	f->tx->rsp_event = f->rsp_cons + 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* d2's frame on d2's tap: its virtio-net header, then what d2 sent. */
static bool victim_frame_arrived(void)
{
	uint8_t buf[256];
	ssize_t n = recv(bridge_end[1], buf, sizeof(buf), MSG_DONTWAIT);

	return n == (ssize_t)(sizeof(struct virtio_net_hdr) + FRAME) &&
	       !memcmp(buf + sizeof(struct virtio_net_hdr), fd_page(victim.g, 2), FRAME);
}

static void flood_more(void)
{
	unsigned int n = 0;

	nfe_reap(&flood);
	if (victim_out && flood.answered - posted_at > max_allowed && flooding) {
		snprintf(fd_error, sizeof(fd_error), "d2's packet waited for more than %lu of d1's "
			 "(two turns): starved", max_allowed);
		flooding = false;	/* let netback's serve end, so the test does */
		be_daemon_stopping = 1;
	}
	if (!victim_out && victim_done < VICTIM_PKTS &&
	    flood.answered >= (victim_done + 1) * VICTIM_EVERY + 13 * victim_done) {
		nfe_put(&victim);
		posted_at = flood.answered;
		victim_out = true;
		nfe_push(&victim);
	}
	if (victim_done == VICTIM_PKTS && !flood_after)
		flood_after = flood.answered;
	if (flood_after && flood.answered > flood_after + 4 * max_allowed)
		flooding = false;	/* d1 was served well past d2's last packet: done */
	if (!flooding)
		return;
	while (flood.req_prod_pvt - flood.rsp_cons < NETIF_TX_RING_SIZE &&
	       (other_cpu || n < ONE_CPU_REFILL))
		nfe_put(&flood), n++;
	nfe_push(&flood);
}

static void on_notify(unsigned int domid, unsigned int remote)
{
	char sink[256];

	(void)remote;
	if (domid == 2) {
		nfe_reap(&victim);
		if (!victim_out || victim.answered != victim.sent)
			return;
		if (!victim_frame_arrived())
			victim_frame_bad = true;
		if (flood.answered - posted_at > max_wait)
			max_wait = flood.answered - posted_at;
		victim_out = false;
		victim_done++;
		return;
	}
	while (recv(bridge_end[0], sink, sizeof(sink), MSG_DONTWAIT) > 0)
		;	/* the bridge takes d1's frames */
	flood_more();
}

/* A frontend on another CPU: it sees the answers published so far at any time. */
static void other_cpu_acts(void)
{
	if (other_cpu && flooding)
		flood_more();
}

static void on_connected(void)
{
	flooding = true;
	flood_more();
}

static bool on_sleep(void)
{
	return flood.answered == flood.sent && victim.answered == victim.sent && !flooding;
}

static void run_flood(bool on_other_cpu)
{
	char *argv[] = { "netback", NULL };
	int rc, i;

	fd_reset();
	other_cpu = on_other_cpu;
	victim_out = victim_frame_bad = false;
	posted_at = max_wait = flood_after = 0;
	victim_done = 0;
	ntaps = 0;
	/* d2 waits at most the turn its event came in and one more. */
	max_allowed = on_other_cpu ? 2 * 2 * TX_BUDGET : 2 * NB_SERVE_AGAIN * ONE_CPU_REFILL;
	max_allowed += on_other_cpu ? TX_BUDGET : ONE_CPU_REFILL;
	nfe_init(&flood, 1);
	nfe_init(&victim, 2);
	fd_add_device(&dev_flood);
	fd_add_device(&dev_victim);
	fd_on_notify = on_notify;
	fd_on_copy = other_cpu_acts;
	ring_look = other_cpu_acts;
	fd_on_connected = on_connected;
	fd_on_sleep = on_sleep;
	rc = netback_main(1, argv);
	for (i = 0; i < ntaps; i++)
		close(bridge_end[i]);
	printf("netback flood (%s): d1 %lu packets answered, d2 %u, the longest after %lu of d1's "
	       "(at most %lu), d1 %lu more after d2's last\n", on_other_cpu ? "other_cpu" : "one_cpu",
	       flood.answered, victim_done, max_wait, max_allowed,
	       flood_after ? flood.answered - flood_after : 0);
	if (fd_error[0])
		UNIT_FAIL(fd_error);
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(ntaps, 2);
	EXPECT_EQ(victim_done, VICTIM_PKTS);
	EXPECT(max_wait <= max_allowed);
	EXPECT(!victim_frame_bad);
	EXPECT(flood_after && flood.answered > flood_after + 4 * max_allowed);
	EXPECT_EQ(flood.bad + victim.bad, 0);
	EXPECT_EQ(flood.answered, flood.sent);
	EXPECT_EQ(fd_broken, 0);
	EXPECT(fd_self_copies > 0);	/* the buffers granted to dom0 were copied with */
}

static void flood_one_cpu_leaves_others_served(void)
{
	run_flood(false);
}

static void flood_other_cpu_leaves_others_served(void)
{
	run_flood(true);
}

/* ---- a frontend's garbage nodes; connections that come and go ---- */

/*
 * Handshakes honest but for one node; Linux's xen-netback refuses each (0
 * queues or more than it offers, no rx-copy, a ring ref or port that is
 * no number, one not granted).
 */
#define NFE_RX	"rx-ring-ref", "1", "event-channel", "5", "request-rx-copy", "1"
static const char *const garbage[][11] = {
	{ "tx-ring-ref", "0", NFE_RX, "multi-queue-num-queues", "0", NULL },
	{ "tx-ring-ref", "0", NFE_RX, "multi-queue-num-queues", "2", NULL },
	{ "tx-ring-ref", "0", NFE_RX, "multi-queue-num-queues", "one", NULL },
	{ "tx-ring-ref", "0", NFE_RX, "multi-queue-num-queues", "18446744073709551617", NULL },
	{ "tx-ring-ref", "0x0", NFE_RX, NULL },
	{ "tx-ring-ref", "-0", NFE_RX, NULL },
	{ "tx-ring-ref", "77", NFE_RX, NULL },		/* not granted */
	{ "tx-ring-ref", "0", "rx-ring-ref", "1", "event-channel", "5 ", "request-rx-copy", "1", NULL },
	{ "tx-ring-ref", "0", "rx-ring-ref", "1", "event-channel", "5", "request-rx-copy", "0", NULL },
	{ "tx-ring-ref", "0", "event-channel", "5", "request-rx-copy", "1", NULL },
};

/* Vif d3/0 with frontend nodes @fe, probed (its tap the test's socketpair). */
static void g_probe(struct xb_dev *d, struct fd_device *fdev, const char *const *fe)
{
	fd_reset();
	ntaps = 0;
	nfe_init(&flood, 3);
	*fdev = (struct fd_device){ 3, 0, be_nodes, fe, d };
	fd_add_device(fdev);
	memset(d, 0, sizeof(*d));
	d->fe_id = 3;
	snprintf(d->be, sizeof(d->be), "/local/domain/0/backend/vif/3/0");
	EXPECT_EQ(nb_probe(&be, d), 0);
}

static void g_remove(struct xb_dev *d)
{
	nb_remove(&be, d);
	if (ntaps)
		close(bridge_end[0]);
	ntaps = 0;
}

/* Each garbage handshake: one fatal error, no ring mapped, no port bound, no fd left. */
static void garbage_nodes_refused(void)
{
	struct fd_device fdev;
	struct xb_dev d;
	unsigned int k, fds;

	for (k = 0; k < sizeof(garbage) / sizeof(garbage[0]); k++) {
		int rc;

		g_probe(&d, &fdev, garbage[k]);
		fd_fatal_ok = true;
		fds = fd_open_fds();
		rc = nb_connect(&be, &d);
		if (rc == 0 || fd_fatals != 1)
			printf("    garbage %u: connect %d, %lu fatal errors\n", k, rc, fd_fatals);
		EXPECT(rc != 0);
		EXPECT_EQ(fd_fatals, 1);
		EXPECT(!fd_left_behind(fds));
		if (!rc)
			nb_disconnect(&be, &d);
		g_remove(&d);
	}
}

/* d3's tx served: @answered slots answered OKAY, one frame on its tap (into @buf, 256 bytes). */
static void tx_served(struct vif *vf, unsigned long answered, uint8_t *buf)
{
	serve_tx(vf);
	nfe_reap(&flood);
	EXPECT_EQ(flood.answered, answered);
	EXPECT_EQ(flood.bad, 0);
	EXPECT_EQ(recv(bridge_end[0], buf, 256, MSG_DONTWAIT),
		  (ssize_t)(sizeof(struct virtio_net_hdr) + FRAME));
}

/*
 * A frontend that connects, sends a packet and goes back to Initialising,
 * 200 times: each connection served (the packet on the tap, answered
 * OKAY), each disconnection lets go of both rings and the port, and no fd
 * is left behind (the same mappings, ports and fds after as before).
 */
static void reconnect_leaks_nothing(void)
{
	struct fd_device fdev;
	struct xb_dev d;
	struct vif *vf;
	unsigned int i, fds = 0;
	uint8_t buf[256];

	g_probe(&d, &fdev, fe_nodes);
	vf = d.priv;
	for (i = 0; i < 200; i++) {
		/* fresh rings, as a frontend starting again */
		memset(fd_page(flood.g, 0), 0, 8192);
		flood.tx->req_event = flood.tx->rsp_event = 1;
		((volatile struct sring_hdr *)fd_page(flood.g, 1))->req_event = 1;
		flood.req_prod_pvt = flood.rsp_cons = 0;
		flood.sent = flood.answered = flood.bad = 0;
		if (i == 1)
			fds = fd_open_fds();
		if (nb_connect(&be, &d)) {
			printf("    connection %u refused\n", i);
			UNIT_FAIL("a connection refused");
			break;
		}
		nfe_put(&flood);
		nfe_push(&flood);
		tx_served(vf, 1, buf);
		EXPECT_EQ(fd_maps_live, 2);
		EXPECT_EQ(fd_ports_bound(), 1);
		nb_disconnect(&be, &d);
		if (i >= 1)
			EXPECT(!fd_left_behind(fds));
	}
	g_remove(&d);
}

/* ---- a frontend that moves req_prod back and forth (session 34 review) ---- */

/*
 * Looks at a ring a jittering frontend gets before it is taken as spinning
 * netback: far more than a bounded serve makes, far fewer than a spin.
 */
#define JITTER_GIVE_UP	100000
static unsigned long jitter_looks;
static bool jitter_on;
static uint32_t jitter_a, jitter_b;

static void jitter_flip(volatile uint32_t *req_prod)
{
	if (!jitter_on)
		return;
	if (++jitter_looks >= JITTER_GIVE_UP) {
		jitter_on = false;	/* netback spun: let it out, the test fails */
		return;
	}
	*req_prod = *req_prod == jitter_a ? jitter_b : jitter_a;
}

/* Vif d3/0 probed and connected for a jitter test; NULL (and the test failed) if refused. */
static struct vif *jitter_connect(struct xb_dev *d, struct fd_device *fdev)
{
	g_probe(d, fdev, fe_nodes);
	if (!nb_connect(&be, d))
		return d->priv;
	UNIT_FAIL("connect refused");
	g_remove(d);
	return NULL;
}

/* After one serve under the jitter: it ended by itself, soon, kicked, the vif whole. */
static void jitter_served(const char *what, const struct vif *vf, uint32_t rsp_prod)
{
	printf("%s req_prod jitter: %lu looks in one serve (gave up at %u), kick %d\n", what,
	       jitter_looks, JITTER_GIVE_UP, vf->kick);
	EXPECT(jitter_on);	/* the serve ended before the frontend stopped */
	EXPECT(jitter_looks <= 64);
	EXPECT(vf->kick);	/* come back after the others */
	EXPECT(!vf->nv.broken);
	EXPECT_EQ(rsp_prod, 0);	/* nothing answered */
	jitter_on = false;
}

static void tx_jitter(void)
{
	jitter_flip(&flood.tx->req_prod);
}

/*
 * A frontend on another CPU that publishes half a packet and then moves
 * tx req_prod between two values (both within the ring, both short of the
 * packet's end) each time netback reads it, so that its last check before
 * sleeping always sees it moved and the take after it finds nothing
 * complete: serve_tx() used to go round for as long as the frontend
 * pleased, the other vifs waiting. Now a serve looks a bounded number of
 * times and comes back later (kick); the vif is not broken, and once the
 * frontend ends its packet it goes to the tap whole.
 */
static void tx_req_prod_jitter_bounded(void)
{
	struct fd_device fdev;
	struct xb_dev d;
	struct vif *vf;
	uint8_t buf[256];
	unsigned int i;

	vf = jitter_connect(&d, &fdev);
	if (!vf)
		return;
	/* A 60-byte packet in three slots of 20 bytes; the first two say more_data. */
	for (i = 0; i < 3; i++) {
		volatile struct netif_tx_request *r = tx_slot(&flood, i);

		r->gref = 2;
		r->offset = (uint16_t)(i * 20);
		r->flags = i < 2 ? NETTXF_more_data : 0;
		r->id = (uint16_t)i;
		r->size = i ? 20 : FRAME;
	}
	jitter_a = 1, jitter_b = 2;
	flood.tx->req_prod = jitter_a;
	jitter_looks = 0;
	jitter_on = true;
	ring_look = tx_jitter;
	vf->kick = false;
	serve_tx(vf);
	ring_look = NULL;
	jitter_served("tx", vf, flood.tx->rsp_prod);
	/* The packet ended: served whole. */
	flood.tx->req_prod = 3;
	vf->kick = false;
	tx_served(vf, 3, buf);
	EXPECT(!memcmp(buf + sizeof(struct virtio_net_hdr), fd_page(flood.g, 2), FRAME));
	nb_disconnect(&be, &d);
	g_remove(&d);
}

static void rx_jitter(bool final)
{
	volatile struct sring_hdr *rx = fd_page(flood.g, 1);

	/* the final check sees a request posted, the take after it none */
	if (jitter_on && (rx->req_prod == jitter_b) != final)
		jitter_flip(&rx->req_prod);
}

/*
 * The rx side of it: a frame waits on the tap for an rx request; the
 * frontend posts one (req_prod 1) each time netback makes its last check
 * before waiting and takes it back (req_prod 0) each time netback goes to
 * take it. serve_rx() used to go round for as long as the frontend
 * pleased; now it comes back later (kick) after a bounded number of looks,
 * the frame kept, and places it once the request stays posted.
 */
static void rx_req_prod_jitter_bounded(void)
{
	struct fd_device fdev;
	struct xb_dev d;
	struct vif *vf;
	struct virtio_net_hdr vh = { 0 };
	uint8_t msg[sizeof(vh) + FRAME];
	volatile struct sring_hdr *rx;
	volatile struct netif_rx_request *req;
	const volatile struct netif_rx_response *rsp;

	vf = jitter_connect(&d, &fdev);
	if (!vf)
		return;
	rx = fd_page(flood.g, 1);
	req = (volatile void *)((volatile char *)rx + SRING_HDR_SIZE);
	rsp = (const volatile void *)req;
	req->id = 7;
	req->gref = 3;
	memcpy(msg, &vh, sizeof(vh));
	memset(msg + sizeof(vh), 0x5a, FRAME);
	EXPECT_EQ(send(bridge_end[0], msg, sizeof(msg), 0), (ssize_t)sizeof(msg));
	jitter_a = 0, jitter_b = 1;
	rx->req_prod = 0;
	jitter_looks = 0;
	jitter_on = true;
	rx_look = rx_jitter;
	vf->kick = false;
	serve_rx(vf, 0);
	rx_look = NULL;
	jitter_served("rx", vf, rx->rsp_prod);
	/* The request stays posted: the frame kept goes into it. */
	rx->req_prod = 1;
	vf->kick = false;
	serve_rx(vf, 0);
	EXPECT_EQ(rx->rsp_prod, 1);
	EXPECT_EQ(rsp->id, 7);
	EXPECT_EQ(rsp->status, FRAME);
	EXPECT(!memcmp(fd_page(flood.g, 3), msg + sizeof(vh), FRAME));
	nb_disconnect(&be, &d);
	g_remove(&d);
}

UNIT_MAIN("netback", UNIT_TEST(flood_one_cpu_leaves_others_served),
	  UNIT_TEST(flood_other_cpu_leaves_others_served), UNIT_TEST(garbage_nodes_refused),
	  UNIT_TEST(reconnect_leaks_nothing),
	  UNIT_TEST(tx_req_prod_jitter_bounded), UNIT_TEST(rx_req_prod_jitter_bounded))
