// SPDX-License-Identifier: GPL-2.0-only
/* netfront for the small PV test kernels: see netfront.h. */
#include "guest.h"
#include "events.h"
#include "mm.h"
#include "../common/gnttab_fe.h"
#include "../common/xenbus_fe.h"
#include "nf_stack.h"
#include "netfront.h"

#define WAIT_MS		20000

/* The packet pages (start-of-day memory: va_to_mfn works for them). */
static _Alignas(4096) uint8_t tx_pages[NF_TX_BUFS][4096], rx_pages[NF_RX_BUFS][4096];

static int grant(void *ctx, void *page, bool ro)
{
	return gntf_grant(((struct netfront *)ctx)->be_id, (uint64_t)page, ro);
}

static bool end(void *ctx, grant_ref_t ref)
{
	return gntf_end(ref);
}

static int rd(struct netfront *nf, bool be, const char *key, char *val, unsigned int size)
{
	char path[200];

	snprintf(path, sizeof(path), "%s/%s", be ? nf->be : nf->fe, key);
	return xbf_read(path, val, size);
}

static long long rdnum(struct netfront *nf, const char *key, long long dflt)
{
	char path[200];
	long long v;

	snprintf(path, sizeof(path), "%s/%s", nf->be, key);
	v = xbf_read_num(path);
	return v == -ENOENT ? dflt : v;
}

static int wr(struct netfront *nf, const char *key, unsigned long long v)
{
	char path[200], val[24];

	snprintf(path, sizeof(path), "%s/%s", nf->fe, key);
	snprintf(val, sizeof(val), "%llu", v);
	return xbf_write(path, val);
}

/* What the toolstack wrote for us: backend, its id, our MAC; the backend's ip. */
static int read_config(struct netfront *nf)
{
	char mac[32];
	long long id;
	char path[200];

	snprintf(path, sizeof(path), "%s/backend-id", nf->fe);
	id = xbf_read_num(path);
	if (id < 0 || id >= DOMID_FIRST_RESERVED || rd(nf, false, "backend", nf->be, sizeof(nf->be)))
		return -EINVAL;
	nf->be_id = (domid_t)id;
	if (rd(nf, false, "mac", mac, sizeof(mac)) || nfs_parse_mac(mac, nf->mac))
		return -EINVAL;
	if (rd(nf, true, "ip", nf->ip, sizeof(nf->ip)))
		nf->ip[0] = '\0';
	return 0;
}

/* Both rings granted, an unbound port for the backend, the rx pages posted. */
static int make_rings(struct netfront *nf)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, nf->be_id, 0 };
	void *tx = (void *)scratch_page(), *rx = (void *)scratch_page();
	unsigned int i;
	int t, r;

	for (i = 0; i < NF_TX_BUFS; i++)
		nf->ring.tx_page[i] = tx_pages[i];
	for (i = 0; i < NF_RX_BUFS; i++)
		nf->ring.rx_page[i] = rx_pages[i];
	nf->ring.grant = grant;
	nf->ring.end = end;
	nf->ring.ctx = nf;
	nf_ring_init(&nf->ring, tx, rx);
	if (gntf_init())
		return -EIO;
	t = gntf_grant(nf->be_id, (uint64_t)tx, false);
	r = gntf_grant(nf->be_id, (uint64_t)rx, false);
	if (t < 0 || r < 0 || evtchn_op(EVTCHNOP_alloc_unbound, &au))
		return -EIO;
	nf->tx_ring_ref = (grant_ref_t)t;
	nf->rx_ring_ref = (grant_ref_t)r;
	nf->port = au.port;
	nf_rx_refill(&nf->ring);
	return nf->ring.rx_prod == NF_RX_BUFS ? 0 : -ENOSPC;
}

int netfront_connect(struct netfront *nf, unsigned int devid, unsigned int timeout_ms)
{
	char path[200];
	int rc, s;

	memset(nf, 0, sizeof(*nf));
	nf->devid = devid;
	snprintf(nf->fe, sizeof(nf->fe), "device/vif/%u", devid);
	snprintf(path, sizeof(path), "%s/state", nf->fe);
	rc = xbf_wait_state(path, 1U << 1, timeout_ms);	/* the toolstack writes state last */
	if (rc < 0)
		return rc;
	rc = read_config(nf);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s/state", nf->be);
	s = xbf_wait_state(path, 1U << 2, timeout_ms);
	if (s < 0)
		return s;
	if (rdnum(nf, "feature-rx-copy", 0) != 1)
		return -ENODEV;		/* page flipping is gone: copy or nothing */
	rc = make_rings(nf);
	if (rc)
		return rc;
	if (wr(nf, "tx-ring-ref", nf->tx_ring_ref) || wr(nf, "rx-ring-ref", nf->rx_ring_ref) ||
	    wr(nf, "event-channel", nf->port) || wr(nf, "request-rx-copy", 1) ||
	    wr(nf, "feature-rx-notify", 1) || wr(nf, "feature-sg", 0) ||
	    wr(nf, "feature-gso-tcpv4", 0) || wr(nf, "feature-gso-tcpv6", 0) ||
	    wr(nf, "feature-no-csum-offload", 1) || wr(nf, "feature-ipv6-csum-offload", 0))
		return -EIO;
	/* Connected straight away, as Linux's netfront (backends watch for 4). */
	if (xbf_switch(nf->fe, 4))
		return -EIO;
	evtchn_send(nf->port);
	s = xbf_wait_state(path, (1U << 4) | (1U << 5) | (1U << 6), timeout_ms);
	if (s != 4)
		return s < 0 ? s : -ECONNREFUSED;
	evtchn_send(nf->port);	/* the rx pages are posted */
	return 0;
}

int netfront_send(struct netfront *nf, const void *frame, size_t len)
{
	int rc = nf_tx_send(&nf->ring, frame, len);

	if (rc == -EAGAIN && nf_tx_reap(&nf->ring) > 0)
		rc = nf_tx_send(&nf->ring, frame, len);
	if (rc > 0)
		evtchn_send(nf->port);
	return rc < 0 ? rc : 0;
}

int netfront_recv(struct netfront *nf, void *buf, size_t size)
{
	int n;

	if (nf_tx_reap(&nf->ring) < 0)
		return -EIO;
	do
		n = nf_rx_next(&nf->ring, buf, size);
	while (n == -EAGAIN);
	if (n < 0)
		return n;
	if (nf_rx_refill(&nf->ring) > 0)
		evtchn_send(nf->port);
	return n;
}

/*
 * Events are masked from clearing our port's bit to the block (xbf_nap
 * masks too, and SCHEDOP_block unmasks): an answer that comes after the
 * rings were looked at leaves upcall_pending set and the block returns at
 * once; one taken as an upcall in between would leave our bit set and no
 * later event of the backend's would raise an upcall.
 */
void netfront_wait(struct netfront *nf)
{
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	port_test_and_clear(nf->port);
	if (!nf->ring.broken && nf_arm(&nf->ring)) {
		shared->vcpu_info[0].evtchn_upcall_mask = 0;	/* work now: no nap */
		return;
	}
	xbf_nap();
}

int netfront_backend_state(struct netfront *nf)
{
	char path[200];

	snprintf(path, sizeof(path), "%s/state", nf->be);
	return (int)xbf_read_num(path);
}

int netfront_close(struct netfront *nf)
{
	return xbf_close(nf->fe, nf->be, WAIT_MS);
}
