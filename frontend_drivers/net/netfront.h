/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netfront for the project's small PV test kernels (docs/abi-devices.md
 * §4.6, §5.3): the xenbus handshake for device/vif/<devid> (backend in
 * InitWait with feature-rx-copy = 1, our tx-ring-ref, rx-ring-ref, one
 * event-channel, request-rx-copy = 1, feature-rx-notify = 1, no
 * scatter-gather, GSO or checksum offload; then Connected, as Linux's
 * netfront does, and the backend's Connected awaited), the MAC from the
 * frontend's `mac` node, the address from the backend's `ip` node (what
 * xl's ip= writes) when there is one; and frames in and out over the
 * rings of nf_ring.h. Polled: the caller sleeps in netfront_wait.
 */
#ifndef FE_NETFRONT_H
#define FE_NETFRONT_H

#include <stdbool.h>
#include <stdint.h>
#include <lamina/event_channel.h>
#include "nf_ring.h"

struct netfront {
	char fe[64];		/* device/vif/<devid>, relative to our home */
	char be[128];		/* the backend's directory */
	domid_t be_id;
	unsigned int devid;
	uint8_t mac[6];
	char ip[64];		/* the backend's `ip` node, "" when it has none */
	evtchn_port_t port;
	grant_ref_t tx_ring_ref, rx_ring_ref;
	struct nf_ring ring;
};

/* The whole handshake; 0 once both sides are Connected, else -errno. */
int netfront_connect(struct netfront *nf, unsigned int devid, unsigned int timeout_ms);
/* Sends one frame: 0, -EAGAIN (no room now), -EINVAL, or -EIO once broken. */
int netfront_send(struct netfront *nf, const void *frame, size_t len);
/*
 * Takes the tx answers and the next received frame into @buf (refilling
 * the rx ring): its length, 0 when there is none, -EIO once broken.
 */
int netfront_recv(struct netfront *nf, void *buf, size_t size);
/* Sleeps until the backend answers or the next 10 ms tick. */
void netfront_wait(struct netfront *nf);
/* The backend's state now (XenbusState), or -errno. */
int netfront_backend_state(struct netfront *nf);
/* Closing then Closed, waiting for the backend to follow. */
int netfront_close(struct netfront *nf);

#endif
