// SPDX-License-Identifier: GPL-2.0-only
/*
 * net-evil: a malicious network frontend, a domU of `vmctl create` for the
 * net-evil check of tests/linux/net/run. It connects to its vif 0 by hand
 * (raw netif rings, docs/abi-devices.md §4.6, §5.3; no netfront) and sends
 * what no honest frontend sends: grant refs it never granted or past the
 * table, zero-length, runt and oversized packets, a first slot crossing
 * its page, 20 and 21 slots (Linux's xen-netback drops a packet of more
 * than 19), slots larger than their packet, unknown extra-info slots, a
 * GSO extra or a partial checksum that fits no packet, a ring of garbage
 * at once, and an rx buffer with a bad grant. Each must be refused
 * (NETIF_RSP_ERROR, or an rx response with an error status) while an
 * honest packet still goes through (an ARP request to dom0, whose reply
 * comes back on rx), and a 19-slot packet is taken. Then what Linux's
 * netback takes for a malicious frontend (22 slots, a slot after the
 * first crossing its page) must close the vif, after which it closes,
 * starts again and connects, and an honest packet goes; handshakes with a
 * garbage node must be refused; an event flood with a tx ring kept full
 * of runt packets must not starve the other vifs (the test sends net1 a
 * file by TCP meanwhile, flood()); last, it breaks its tx ring's indices and checks
 * that netback closes this vif. Meanwhile the
 * test checks that the other domUs' vifs keep working. The result goes
 * to data/net-result.
 *
 * Netback's switch (guest to guest past the bridge) gets its own: frames
 * to net2's MAC (tests/linux/net/run's second guest, on the same bridge)
 * with a bad grant in their second slot, a partial checksum or a GSO extra
 * that fits no packet (each refused), UDP frames with net1's MAC as their
 * source (answered, never switched: the run counts netback's switched
 * packets of this vif, at most SW_GOOD) and SW_GOOD honest ones.
 *
 * With the command line "quiet" (the net-quiet check) it is instead an
 * honest frontend without feature-rx-notify, as Mini-OS's netfront: such a
 * frontend may post rx requests without an event, and Linux's xen-netback
 * connects it and looks at the ring again on a timer. It sends an ARP
 * request to dom0 with no rx request posted, so the reply has to wait in
 * netback; then posts rx requests without an event, whatever req_event
 * says, and wants the reply delivered into them.
 */
#include "guest.h"
#include "events.h"
#include "mm.h"
#include "peer.h"
#include "common/gnttab_fe.h"
#include "common/xenbus_fe.h"
#include "be_released.h"
#include <lamina/io/blkif.h>	/* struct sring_hdr */
#include <lamina/io/netif.h>

#define WAIT_MS		20000
#define SRING_HDR	64
#define MY_IP		0x0a00000dU	/* 10.0.0.13 */
#define DOM0_IP		0x0a000001U	/* 10.0.0.1 */
#define PEER_IP		0x0a00000cU	/* 10.0.0.12: net2 */
#define SW_GOOD		4		/* honest frames to net2 (the switch may take them) */
#define SW_SPOOF	4		/* frames to net2 from net1's MAC (it must not) */

/* tests/linux/net/run's guests: net1 and net2, on xenbr0 with us */
static const uint8_t net1_mac[6] = { 0x00, 0x16, 0x3e, 0, 0, 1 };
static const uint8_t net2_mac[6] = { 0x00, 0x16, 0x3e, 0, 0, 2 };

static char fe[64] = "device/vif/0", be[128];
static uint8_t *txr, *rxr, *frame, *rxbuf;
static grant_ref_t frame_ref, rxbuf_ref, ring_refs[2];	/* tx, rx */
static evtchn_port_t port;
static uint32_t tx_prod, tx_cons, rx_prod, rx_cons;
static uint16_t next_id;
static uint8_t mac[6];
static unsigned int refused, sent;
static bool quiet;		/* no feature-rx-notify (the command line "quiet") */

#define report(...)	(xbf_verdict("data/net-result", __VA_ARGS__), 0)

static volatile struct sring_hdr *hdr(uint8_t *ring)
{
	return (volatile struct sring_hdr *)ring;
}

static struct netif_tx_request *txq(uint32_t i)
{
	return (struct netif_tx_request *)(txr + SRING_HDR + (i % NETIF_TX_RING_SIZE) * NETIF_TX_SLOT);
}

static struct netif_tx_response *txs(uint32_t i)
{
	return (struct netif_tx_response *)(txr + SRING_HDR + (i % NETIF_TX_RING_SIZE) * NETIF_TX_SLOT);
}

static void *rxslot(uint32_t i)
{
	return rxr + SRING_HDR + (i % NETIF_RX_RING_SIZE) * NETIF_RX_SLOT;
}

/* Publishes requests up to @prod and kicks netback if it asked. */
static void push(uint8_t *ring, uint32_t prod)
{
	volatile struct sring_hdr *h = hdr(ring);
	uint32_t old = h->req_prod;

	__atomic_thread_fence(__ATOMIC_RELEASE);
	h->req_prod = prod;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if ((uint32_t)(prod - h->req_event) < (uint32_t)(prod - old))
		evtchn_send(port);
}

static void put_tx(uint32_t gref, uint16_t offset, uint16_t flags, uint16_t size)
{
	struct netif_tx_request *r = txq(tx_prod++);

	r->gref = gref;
	r->offset = offset;
	r->flags = flags;
	r->id = next_id++ % NETIF_TX_RING_SIZE;
	r->size = size;
}

static void put_extra(uint8_t type, uint8_t flags, uint16_t gso_size, uint8_t gso_type)
{
	struct netif_extra_info *x = (struct netif_extra_info *)txq(tx_prod++);

	memset(x, 0, NETIF_TX_SLOT);
	x->type = type;
	x->flags = flags;
	x->u.gso.size = gso_size;
	x->u.gso.type = gso_type;
}

/*
 * Waits for the responses to every request up to tx_prod; the status of
 * the first non-NULL one (the packet's), or -ETIMEDOUT.
 */
static int tx_wait(void)
{
	uint64_t end = xbf_ms() + WAIT_MS;
	int st = NETIF_RSP_NULL;

	while (tx_cons != tx_prod) {
		if (hdr(txr)->rsp_prod == tx_cons) {
			if (xbf_ms() > end)
				return -ETIMEDOUT;
			xbf_nap();
			continue;
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (st == NETIF_RSP_NULL)
			st = txs(tx_cons)->status;
		tx_cons++;
	}
	hdr(txr)->rsp_event = tx_cons + 1;
	return st;
}

/* An ARP request for dom0 from 10.0.0.13, in frame[]: 60 bytes. */
static unsigned int arp_request(void)
{
	static const uint8_t head[] = { 0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 1 };
	uint8_t *f = frame;

	memset(f, 0, 60);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	memcpy(f + 12, head, sizeof(head));
	memcpy(f + 22, mac, 6);
	f[28] = MY_IP >> 24, f[29] = (MY_IP >> 16) & 255, f[30] = (MY_IP >> 8) & 255, f[31] = MY_IP & 255;
	f[38] = DOM0_IP >> 24, f[39] = (DOM0_IP >> 16) & 255, f[40] = (DOM0_IP >> 8) & 255;
	f[41] = DOM0_IP & 255;
	return 60;
}

/* A UDP/IPv4 frame to net2 from @src (our MAC or another's), in frame[]: 60 bytes. */
static unsigned int udp_to_peer(const uint8_t *src)
{
	uint8_t *f = frame;

	memset(f, 0, 60);
	memcpy(f, net2_mac, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[17] = 46;	/* total length */
	f[22] = 64;	/* ttl */
	f[23] = 17;
	f[26] = MY_IP >> 24, f[27] = (MY_IP >> 16) & 255, f[28] = (MY_IP >> 8) & 255, f[29] = MY_IP & 255;
	f[30] = PEER_IP >> 24, f[31] = (PEER_IP >> 16) & 255, f[32] = (PEER_IP >> 8) & 255;
	f[33] = PEER_IP & 255;
	f[34] = 0x30, f[35] = 0x39;	/* ports 12345 -> 9 (discard) */
	f[37] = 9;
	f[39] = 26;	/* UDP length */
	return 60;
}

/* @n frames of frame[] (60 bytes) sent one by one; NULL when each was answered OKAY. */
static const char *send_okay(unsigned int n, const char *what)
{
	static char why[160];
	int st;

	while (n--) {
		put_tx(frame_ref, 0, 0, 60);
		push(txr, tx_prod);
		st = tx_wait();
		if (st != NETIF_RSP_OKAY) {
			snprintf(why, sizeof(why), "%s: answered %d", what, st);
			return why;
		}
	}
	return NULL;
}

static const char *expect_refused(const char *what)
{
	static char why[160];
	int st;

	push(txr, tx_prod);
	st = tx_wait();
	sent++;
	if (st == -ETIMEDOUT)
		snprintf(why, sizeof(why), "%s: no answer", what);
	else if (st != NETIF_RSP_ERROR)
		snprintf(why, sizeof(why), "%s: answered %d", what, st);
	else
		return refused++, NULL;
	return why;
}

/*
 * A packet of @n slots of frame[] (60 bytes in the first slot, 10 in each
 * other), slot @cross (0: none) at offset 4090.
 */
static void put_slots(unsigned int n, unsigned int cross)
{
	unsigned int i;

	put_tx(frame_ref, 0, n > 1 ? NETTXF_more_data : 0, (uint16_t)(60 + 10 * (n - 1)));
	for (i = 1; i < n; i++)
		put_tx(frame_ref, i == cross ? 4090 : 0, i + 1 < n ? NETTXF_more_data : 0, 10);
}

/* An ARP request to dom0 in @n slots must be answered OKAY; NULL when it was. */
static const char *honest_slots(unsigned int n, const char *after)
{
	static char why[160];
	int st;

	arp_request();
	put_slots(n, 0);
	push(txr, tx_prod);
	st = tx_wait();
	if (st == NETIF_RSP_OKAY)
		return NULL;
	snprintf(why, sizeof(why), "an honest %u-slot packet after %s: answered %d", n, after, st);
	return why;
}

static const char *honest(const char *after)
{
	return honest_slots(1, after);
}

static void rx_post(grant_ref_t ref)
{
	struct netif_rx_request *r = rxslot(rx_prod);

	r->id = (uint16_t)(rx_prod % NETIF_RX_RING_SIZE);
	r->gref = ref;
	rx_prod++;
}

/* The next rx response's status (bytes, or an error), or -ETIMEDOUT. */
static int rx_next(unsigned int ms)
{
	uint64_t end = xbf_ms() + ms;
	struct netif_rx_response r;

	hdr(rxr)->rsp_event = rx_cons + 1;
	while (hdr(rxr)->rsp_prod == rx_cons) {
		if (xbf_ms() > end)
			return -ETIMEDOUT;
		xbf_nap();
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(&r, rxslot(rx_cons++), sizeof(r));
	return r.status;
}

/* Nodes netback must refuse (garbage_nodes()); connect_vif() writes garbage[bad_node - 1] last. */
static const struct { const char *key, *val; } garbage[] = {
	{ "multi-queue-num-queues", "0" }, { "multi-queue-num-queues", "2" },
	{ "request-rx-copy", "0" },
};
static unsigned int bad_node;

static int connect_vif(void)
{
	struct evtchn_alloc_unbound au;
	char path[200], val[40];
	grant_ref_t txref, rxref;
	long long id;
	int rc, i;

	snprintf(path, sizeof(path), "%s/state", fe);
	rc = xbf_wait_state(path, 1U << 1, 600000);
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/backend-id", fe);
	id = xbf_read_num(path);
	snprintf(path, sizeof(path), "%s/backend", fe);
	if (id != 0 || xbf_read(path, be, sizeof(be)))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/mac", fe);
	if (xbf_read(path, val, sizeof(val)))
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		unsigned int hi = (unsigned int)val[3 * i], lo = (unsigned int)val[3 * i + 1];

		hi = hi <= '9' ? hi - '0' : (hi | 32) - 'a' + 10;
		lo = lo <= '9' ? lo - '0' : (lo | 32) - 'a' + 10;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	snprintf(path, sizeof(path), "%s/state", be);
	rc = xbf_wait_state(path, 1U << 2, WAIT_MS);
	if (rc < 0)
		return rc;
	rc = gntf_init();
	if (rc)
		return rc;
	txr = (uint8_t *)scratch_page();
	rxr = (uint8_t *)scratch_page();
	frame = (uint8_t *)scratch_page();
	rxbuf = (uint8_t *)scratch_page();
	/* as SHARED_RING_INIT: without req_event 1 the first push sends no event */
	hdr(txr)->req_event = hdr(txr)->rsp_event = 1;
	hdr(rxr)->req_event = hdr(rxr)->rsp_event = 1;
	rc = gntf_grant(0, (uint64_t)txr, false);
	if (rc < 0)
		return rc;
	txref = ring_refs[0] = (grant_ref_t)rc;
	rc = gntf_grant(0, (uint64_t)rxr, false);
	if (rc < 0)
		return rc;
	rxref = ring_refs[1] = (grant_ref_t)rc;
	rc = gntf_grant(0, (uint64_t)frame, true);
	if (rc < 0)
		return rc;
	frame_ref = (grant_ref_t)rc;
	rc = gntf_grant(0, (uint64_t)rxbuf, false);
	if (rc < 0)
		return rc;
	rxbuf_ref = (grant_ref_t)rc;
	au = (struct evtchn_alloc_unbound){ DOMID_SELF, 0, 0 };
	if (evtchn_op(EVTCHNOP_alloc_unbound, &au))
		return -EIO;
	port = au.port;
#define W(key, fmt, v) (snprintf(path, sizeof(path), "%s/" key, fe), \
			snprintf(val, sizeof(val), fmt, v), xbf_write(path, val))
	if (W("tx-ring-ref", "%u", txref) || W("rx-ring-ref", "%u", rxref) ||
	    W("event-channel", "%u", port) || W("request-rx-copy", "%d", 1) ||
	    (!quiet && W("feature-rx-notify", "%d", 1)))
		return -EIO;
	if (bad_node) {
		snprintf(path, sizeof(path), "%s/%s", fe, garbage[bad_node - 1].key);
		if (xbf_write(path, garbage[bad_node - 1].val))
			return -EIO;
	}
	if (xbf_switch(fe, 4))
		return -EIO;
#undef W
	snprintf(path, sizeof(path), "%s/state", be);
	rc = xbf_wait_state(path, (1U << 4) | (1U << 5) | (1U << 6), WAIT_MS);
	return rc == 4 ? 0 : rc < 0 ? rc : -ECONNREFUSED;
}

/*
 * dom0's own grants, netback's tx and rx buffers among them (pages dom0
 * grants to itself, backend_drivers/README.md): none may be copied or
 * mapped by us. Refs 0..DOM0_REFS-1 cover the ones in use (2 vifs' buffers
 * are under 1000 refs); refs past dom0's table fail too.
 */
#define DOM0_REFS	4096
static const char *dom0_grants_out_of_reach(void)
{
	static struct gnttab_copy c[64];
	static struct gnttab_map_grant_ref m[64];
	static char msg[96];
	uint64_t dst = scratch_page(), at = scratch_page();
	unsigned int base, i;

	for (base = 0; base < DOM0_REFS; base += 64) {
		for (i = 0; i < 64; i++) {
			memset(&c[i], 0, sizeof(c[i]));
			c[i].source.u.ref = base + i;
			c[i].source.domid = 0;
			c[i].dest.u.gmfn = va_to_mfn(dst);
			c[i].dest.domid = DOMID_SELF;
			c[i].len = 64;
			c[i].flags = GNTCOPY_source_gref;
			c[i].status = GNTST_okay;
			m[i] = (struct gnttab_map_grant_ref){ .host_addr = at, .flags = GNTMAP_host_map,
							      .ref = base + i, .dom = 0,
							      .status = GNTST_okay };
		}
		if (hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_copy, c, 64) ||
		    hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, m, 64))
			return "a grant_table_op batch on dom0's refs failed as a call";
		for (i = 0; i < 64; i++) {
			if (c[i].status == GNTST_okay || m[i].status == GNTST_okay) {
				snprintf(msg, sizeof(msg), "dom0's grant ref %u was %s", base + i,
					 c[i].status == GNTST_okay ? "copied from" : "mapped");
				return msg;
			}
		}
	}
	return NULL;
}

/* The command line "quiet": a frame waiting for rx requests posted silently. */
static int quiet_test(void)
{
	const char *why = honest("connecting without feature-rx-notify");
	uint64_t until = xbf_ms() + 500;
	int i, st;

	if (why)
		return report("FAIL %s", why);
	while (xbf_ms() < until)	/* dom0's reply reaches netback meanwhile */
		xbf_nap();
	if (hdr(rxr)->rsp_prod != rx_cons)
		return report("FAIL an rx response with no rx request posted");
	for (i = 0; i < 8; i++)
		rx_post(rxbuf_ref);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	hdr(rxr)->req_prod = rx_prod;	/* no event */
	st = rx_next(WAIT_MS);
	if (st <= 0)
		return report("FAIL the frame that waited for rx requests posted without an event: "
			      "%d", st);
	return report("ok: connected without feature-rx-notify; a %d-byte frame that waited was "
		      "delivered into rx requests posted without an event", st);
}

static unsigned int fatal_closed;

/*
 * put_slots(@n, @cross) of a frame to net2 (@to_peer: the switch's way)
 * or to dom0 must close the vif (backend Closing or Closed) and netback
 * let go of our rings and port (be_released()); then this frontend
 * closes, starts again and connects, and an honest packet must go. NULL
 * when all did.
 */
static const char *fatal_row(const char *what, bool to_peer, unsigned int n, unsigned int cross)
{
	static char why[200];
	const char *released;
	char path[200];
	int rc;

	if (to_peer)
		udp_to_peer(mac);
	else
		arp_request();
	put_slots(n, cross);
	push(txr, tx_prod);
	snprintf(path, sizeof(path), "%s/state", be);
	rc = xbf_wait_state(path, (1U << 5) | (1U << 6), WAIT_MS);
	if (rc < 0) {
		snprintf(why, sizeof(why), "%s: the vif was not closed (state %lld, answered %d)",
			 what, xbf_read_num(path), tx_wait());
		return why;
	}
	xbf_switch(fe, 6);
	rc = xbf_wait_state(path, 1U << 6, WAIT_MS);
	if (rc >= 0 && (released = be_released(ring_refs, 2, port))) {
		snprintf(why, sizeof(why), "%s: %s", what, released);
		return why;
	}
	if (rc >= 0) {
		xbf_switch(fe, 1);
		tx_prod = tx_cons = rx_prod = rx_cons = 0;
		rc = connect_vif();
	}
	if (rc) {
		snprintf(why, sizeof(why), "%s: connecting again after it: %d", what, rc);
		return why;
	}
	fatal_closed++;
	return honest(what);
}

/*
 * Handshakes honest but for one node (garbage[]: 0 queues or more than
 * netback offers, no rx-copy; Linux's xen-netback refuses each): netback
 * must not connect and must hold nothing of ours (be_released()); then
 * the node goes and we connect honestly again. From Connected, and back
 * there; NULL when all went so.
 */
static const char *garbage_nodes(void)
{
	static char why[200];
	const char *released;
	char path[200];
	unsigned int i;
	int rc;

	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		snprintf(path, sizeof(path), "%s/state", be);
		xbf_switch(fe, 6);
		rc = xbf_wait_state(path, 1U << 6, WAIT_MS);
		if (rc >= 0) {
			xbf_switch(fe, 1);
			bad_node = i + 1;
			rc = connect_vif();
			bad_node = 0;
		}
		if (rc != -ECONNREFUSED) {
			snprintf(why, sizeof(why), "%s %s: %s (%d)", garbage[i].key, garbage[i].val,
				 rc ? "no answer" : "netback connected", rc);
			return why;
		}
		released = be_released(ring_refs, 2, port);
		if (released) {
			snprintf(why, sizeof(why), "%s %s: %s", garbage[i].key, garbage[i].val, released);
			return why;
		}
		xbf_switch(fe, 6);
		rc = xbf_wait_state(path, 1U << 6, WAIT_MS);
		snprintf(path, sizeof(path), "%s/%s", fe, garbage[i].key);
		xbf_rm(path);
		xbf_switch(fe, 1);
		tx_prod = tx_cons = rx_prod = rx_cons = 0;
		if (rc >= 0)
			rc = connect_vif();
		if (rc) {
			snprintf(why, sizeof(why), "connecting after %s %s: %d", garbage[i].key,
				 garbage[i].val, rc);
			return why;
		}
		released = honest(garbage[i].key);
		if (released)
			return released;
	}
	return NULL;
}

/*
 * An event flood: its port sent in a loop, the tx ring kept full of runt
 * packets (each must be answered ERROR), from data/net-flood "on" until
 * the test writes "done" there (it sends net1 a file by TCP from dom0
 * meanwhile: the other vifs must not starve) or FLOOD_MS pass (a bound
 * for a test that died, not a speed: the transfer under TCG may take
 * minutes). Then an honest packet must go. NULL when all did.
 */
#define FLOOD_MS	900000
static unsigned long flood_events, flood_refused;

static const char *flood(void)
{
	uint64_t end = xbf_ms() + FLOOD_MS;
	char val[16] = "";
	unsigned int k;

	if (xbf_write("data/net-flood", "on"))
		return "writing data/net-flood";
	while (xbf_ms() < end && strcmp(val, "done")) {
		for (k = 0; k < 2000; k++) {
			while (tx_prod - tx_cons < 200)
				put_tx(frame_ref, 0, 0, 10);	/* a runt: refused */
			__atomic_thread_fence(__ATOMIC_RELEASE);
			hdr(txr)->req_prod = tx_prod;
			evtchn_send(port);
			flood_events++;
			while (tx_cons != hdr(txr)->rsp_prod) {
				__atomic_thread_fence(__ATOMIC_ACQUIRE);
				if (txs(tx_cons)->status != NETIF_RSP_ERROR)
					return "a runt packet of the flood was not refused";
				flood_refused++;
				tx_cons++;
			}
		}
		if (xbf_read("data/net-flood", val, sizeof(val)))
			val[0] = 0;
	}
	if (strcmp(val, "done"))
		return "the test never ended the flood";
	if (tx_wait() != NETIF_RSP_ERROR)
		return "the flood's last runt packets were not refused";
	return honest("an event flood");
}

int test_main(struct start_info *si)
{
	const char *why = NULL;
	char path[200];
	int rc, i, st;

	mm_init(si);
	console_page = NULL;
	quiet = !strcmp((const char *)si->cmd_line, "quiet");
	if (xbf_init(si))
		return fail("no events or store ring");
	rc = connect_vif();
	if (rc)
		return report("FAIL vif 0 did not connect: %d", rc);
	if (quiet)
		return quiet_test();
	/* rx: the first buffer with a grant we never made, then good ones */
	rx_post(333);
	for (i = 0; i < 200; i++)
		rx_post(rxbuf_ref);
	push(rxr, rx_prod);
	why = honest("nothing");
	if (why)
		return report("FAIL %s", why);
	st = rx_next(WAIT_MS);
	if (st != NETIF_RSP_ERROR)
		return report("FAIL an rx buffer with a bad grant was answered %d", st);

#define TRY(what, slots) do { if (!why) { slots; why = expect_refused(what); } \
			      if (!why) why = honest(what); } while (0)
	TRY("a never-granted ref", put_tx(300, 0, 0, 60));
	TRY("a ref past the table", put_tx(100000, 0, 0, 60));
	TRY("a zero-length packet", put_tx(frame_ref, 0, 0, 0));
	TRY("a runt packet", put_tx(frame_ref, 0, 0, 10));
	TRY("a 65535-byte packet in one slot", put_tx(frame_ref, 0, 0, 65535));
	TRY("a slot crossing its page", put_tx(frame_ref, 4000, 0, 200));
	/* Linux 6.1 netback's limits: 19 slots taken, 20 and 21 dropped (22: fatal_row()) */
	if (!why)
		why = honest_slots(19, "nothing");
	TRY("20 slots", arp_request(); put_slots(20, 0));
	TRY("21 slots", arp_request(); put_slots(21, 0));
	TRY("slots larger than the packet", put_tx(frame_ref, 0, NETTXF_more_data, 100);
	    put_tx(frame_ref, 0, 0, 200));
	TRY("an unknown extra-info type", put_tx(frame_ref, 0, NETTXF_extra_info, 60);
	    put_extra(9, 0, 0, 0));
	TRY("5 extra-info slots", put_tx(frame_ref, 0, NETTXF_extra_info, 60);
	    for (i = 0; i < 5; i++) put_extra(XEN_NETIF_EXTRA_TYPE_MCAST_ADD,
					      i < 4 ? XEN_NETIF_EXTRA_FLAG_MORE : 0, 0, 0));
	TRY("a GSO extra with GSO size 0", put_tx(frame_ref, 0, NETTXF_extra_info | NETTXF_csum_blank, 60);
	    put_extra(XEN_NETIF_EXTRA_TYPE_GSO, 0, 0, XEN_NETIF_GSO_TYPE_TCPV4));
	TRY("a GSO extra on an ARP packet", put_tx(frame_ref, 0, NETTXF_extra_info, 60);
	    put_extra(XEN_NETIF_EXTRA_TYPE_GSO, 0, 1448, XEN_NETIF_GSO_TYPE_TCPV4));
	TRY("a partial checksum on an ARP packet", put_tx(frame_ref, 0, NETTXF_csum_blank, 60));
	/* the switch: frames to net2 that must be refused on its way too */
	TRY("a frame to net2 with a never-granted second slot",
	    udp_to_peer(mac); put_tx(frame_ref, 0, NETTXF_more_data, 160); put_tx(301, 0, 0, 100));
	TRY("a frame to net2 with a partial checksum and no TCP/UDP header",
	    udp_to_peer(mac); frame[23] = 1; put_tx(frame_ref, 0, NETTXF_csum_blank, 60));
	TRY("a frame to net2 with a GSO extra on a UDP packet",
	    udp_to_peer(mac); put_tx(frame_ref, 0, NETTXF_extra_info | NETTXF_csum_blank, 60);
	    put_extra(XEN_NETIF_EXTRA_TYPE_GSO, 0, 1448, XEN_NETIF_GSO_TYPE_TCPV4));
	if (!why) {
		udp_to_peer(net1_mac);
		why = send_okay(SW_SPOOF, "a frame to net2 from net1's MAC");
	}
	if (!why) {
		udp_to_peer(mac);
		why = send_okay(SW_GOOD, "an honest frame to net2");
	}
#undef TRY
	if (why)
		return report("FAIL %s (%u refused before)", why, refused);
	/* 64 slots of garbage at once; every slot is answered. */
	for (i = 0; i < 64; i++) {
		uint32_t *w = (uint32_t *)txq(tx_prod);

		w[0] = 0x9e3779b9U * (uint32_t)(i + 1);
		w[1] = 0x85ebca6bU * (uint32_t)(i + 7);
		w[2] = 0xc2b2ae35U * (uint32_t)(i + 3);
		/*
		 * No extras (their chains could run past the end); the last ends
		 * the chain, and so does every 16th (a longer one, or a slot
		 * after the first crossing its page, closes the vif: fatal_row()).
		 */
		txq(tx_prod)->flags &= (uint16_t)~NETTXF_extra_info;
		txq(tx_prod)->offset &= 2047;
		txq(tx_prod)->size &= 2047;
		if (i % 16 == 15)
			txq(tx_prod)->flags &= (uint16_t)~NETTXF_more_data;
		tx_prod++;
	}
	push(txr, tx_prod);
	st = tx_wait();
	if (st == -ETIMEDOUT)
		return report("FAIL 64 slots of garbage: not all answered (%u of 64)",
			      64 - (tx_prod - tx_cons));
	why = honest("a ring of garbage");
	if (!why && rx_next(WAIT_MS) < 0)
		why = "no ARP reply from dom0 on rx after the attacks";
	if (!why)
		why = dom0_grants_out_of_reach();
	if (why)
		return report("FAIL %s", why);
	/*
	 * What Linux's xen-netback takes for a malicious frontend closes the
	 * vif; each time we connect again and an honest packet goes.
	 */
	why = fatal_row("22 slots", false, 22, 0);
	if (!why)
		why = fatal_row("a frame to net2 whose second slot crosses its page", true, 2, 1);
	if (!why)
		why = fatal_row("a 21-slot packet whose last slot crosses its page", false, 21, 20);
	if (!why)
		why = garbage_nodes();
	if (!why)
		why = flood();
	if (why)
		return report("FAIL %s", why);
	/* Last: impossible ring indices. netback must close this vif. */
	hdr(txr)->req_prod = tx_prod + 1000;
	evtchn_send(port);
	snprintf(path, sizeof(path), "%s/state", be);
	rc = xbf_wait_state(path, (1U << 5) | (1U << 6), 30000);
	if (rc < 0)
		return report("FAIL netback kept serving a broken ring (state %lld)",
			      xbf_read_num(path));
	return report("ok: %u of %u bad packets refused, 19 slots taken, a bad rx grant refused, "
		      "64 garbage slots answered, honest packets served between, %d spoofed and %d "
		      "honest frames to net2, dom0's grant refs 0-%d neither copied nor mapped, %u "
		      "fatal packets closed the vif (rings and port released) and it connected "
		      "again, %u handshakes with a garbage node refused, a flood of %lu events and "
		      "%lu runt packets refused, the broken ring closed the vif (state %d)", refused,
		      sent, SW_SPOOF, SW_GOOD, DOM0_REFS - 1, fatal_closed,
		      (unsigned int)(sizeof(garbage) / sizeof(garbage[0])), flood_events,
		      flood_refused, rc);
}
