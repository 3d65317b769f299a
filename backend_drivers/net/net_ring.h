/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The netif data path of one vif, without the tap or the devices: packets
 * taken from the guest's tx ring into a local buffer, frames placed into
 * the guest's rx buffers, all data moved by a copy callback (grant copy in
 * netback, a fake in the host fuzzer). docs/abi-devices.md §5.3, §6.3.
 *
 * Every slot the frontend writes is untrusted. A malformed packet (bad
 * offsets or sizes, too many slots or extras, an unknown extra, a copy the
 * hypervisor refused, a partial checksum that names no TCP/UDP header) is
 * answered NETIF_RSP_ERROR on every slot and dropped; the vif goes on.
 * Impossible ring indices, a packet longer than the whole ring, and what
 * Linux's xen-netback takes for a malicious frontend (more slots than
 * fatal_slots, a slot after the first crossing its page: NB_FATAL_SLOTS)
 * make the vif broken: its owner then closes it, and nothing else.
 * Nothing here prints, exits or blocks.
 */
#ifndef NB_NET_RING_H
#define NB_NET_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/virtio_net.h>
#include "gnt_be.h"
#include "ring_be.h"
#include <lamina/io/netif.h>

/*
 * Tx slot limits, as Linux 6.1's xen-netback (xenvif_count_requests): a
 * packet of up to NB_MAX_SLOTS data slots is taken; one of more is
 * answered ERROR and dropped, the vif going on, as long as its slots after
 * the first number at most the vif's fatal_slots (Linux's fatal_skb_slots
 * module parameter, default 20); past that the frontend is malicious and
 * the vif is broken. So by default 19 slots go, 20 and 21 are dropped, 22
 * or more close the vif. A slot after the first that crosses its page
 * closes it too, even in a packet being dropped.
 */
#define NB_LEGACY_SLOTS	18	/* XEN_NETBK_LEGACY_SLOTS_MAX: slots after the first */
#define NB_MAX_SLOTS	(NB_LEGACY_SLOTS + 1)	/* data slots in one tx packet taken */
#define NB_FATAL_SLOTS	20	/* fatal_slots' default (Linux's FATAL_SKB_SLOTS_DEFAULT) */
#define NB_MAX_EXTRAS	4	/* extra-info slots in one tx packet */
#define NB_ETH_HLEN	14
#define NB_FRAME_MAX	(XEN_NETIF_MAX_TX_SIZE + 32)	/* a tx packet or an rx frame */
/* An rx frame's buffer: whole pages, so a page-aligned frame's 4 KiB pieces are one copy op each */
#define NB_FRAME_BUF	((NB_FRAME_MAX + 4095) & ~4095)
/* A tx packet's buffer: a page per data slot (see nb_tx_take()) */
#define NB_TX_BUF	(NB_MAX_SLOTS * NETIF_PAGE)
#define NB_TX_BATCH	8	/* tx packets whose data moves in one copy call (nb_tx_batch) */
#define NB_RX_BATCH	16	/* rx frames copied by one batch */
#define NB_RX_SLOTS_MAX	XEN_NETIF_NR_SLOTS_MIN	/* slots netfront takes per rx packet */

#define NB_GSO_BIT(xen_type)	(1U << (xen_type))	/* XEN_NETIF_GSO_TYPE_TCPV4/6 */
#define NB_PEEK		128	/* a tx packet's first bytes read to switch it (nb_tx_batch) */
#define NB_SW_MTU	1500	/* the switch's MTU: the tap's, which the bridge keeps to */
#define NB_XCOPY_MAX	(NB_TX_BATCH * (NB_MAX_SLOTS + NB_RX_SLOTS_MAX + 1))

struct nb_vif;
typedef int (*nb_copy_fn)(void *ctx, struct be_copy *c, unsigned int n, int to_guest);
/* Copies into other guests' grants (be_grant_xcopy()). */
typedef int (*nb_xcopy_fn)(void *ctx, struct be_xcopy *c, unsigned int n);
/*
 * The switch: the vif a tx packet whose first @len (>= NB_ETH_HLEN) bytes
 * are @hdr goes to straight, or NULL for the tap. The owner's rules.
 */
typedef struct nb_vif *(*nb_route_fn)(void *ctx, const uint8_t *hdr, size_t len);

struct nb_rx_rsp {
	uint16_t id;
	uint16_t flags;
	int16_t status;		/* bytes, or NETIF_RSP_ERROR */
	bool extra;		/* a GSO extra-info slot */
	uint16_t gso_size;
	uint8_t gso_type;
	int piece;		/* index in rx_copy, -1 for none */
};

/* One packet of a tx batch (nb_tx_batch()). */
struct nb_tx_pkt {
	bool good;		/* false: refused after its copy, already answered */
	size_t len;
	struct virtio_net_hdr vh;
	struct iovec iov[NB_MAX_SLOTS];	/* where it lies in its buffer, in order */
	unsigned int niov;
	/* private to net_ring.c */
	uint8_t *buf;
	unsigned int slot0, nslots;	/* its slots: tx_id[slot0 ..], tx_extra[slot0 ..] */
	unsigned int copy0, ncopy;	/* its pieces: tx_copy[copy0 ..] */
	uint16_t flags;
	uint8_t gso_type;
	uint16_t gso_size;
	struct nb_vif *to;	/* switched to this vif's rx ring (already answered) */
	unsigned int rsp0, nrsp;	/* its responses there: to->rx_rsp[rsp0 ..] */
	unsigned int x0, nx;	/* its pieces: tx_xcopy[x0 ..] */
	size_t hlen;		/* bytes of it at iov[0] read by the switch */
};

struct nb_vif {
	struct be_ring tx, rx;
	nb_copy_fn copy;
	void *copy_ctx;
	bool tx_gso;		/* we offered feature-gso-tcpv4/6: tx GSO extras allowed */
	uint8_t rx_gso;		/* NB_GSO_BIT()s of the GSO types the frontend takes on rx */
	bool rx_no_csum;	/* the frontend takes no partial checksums on rx */
	bool broken;
	const char *why;	/* when broken */
	unsigned int fatal_slots;	/* see NB_FATAL_SLOTS; >= NB_LEGACY_SLOTS (nb_vif_init: the default) */
	uint32_t tx_seen;	/* req_prod last looked at (an incomplete packet waits) */
	/*
	 * The tx batch: its packets' slot ids (every packet of a batch is
	 * unanswered until it is written, so they fit one ring's worth) and
	 * the pieces of their one copy call.
	 */
	uint16_t tx_id[NETIF_TX_RING_SIZE];
	bool tx_extra[NETIF_TX_RING_SIZE];
	struct nb_tx_pkt txb[NB_TX_BATCH];
	unsigned int txb_n;
	struct be_copy tx_copy[NB_TX_BATCH * NB_MAX_SLOTS];
	/* where the packet nb_tx_take() returned 1 for lies in its buffer, in order */
	struct iovec tx_iov[NB_MAX_SLOTS];
	unsigned int tx_niov;
	/* the rx batch: copies and responses owed, in ring order */
	struct be_copy rx_copy[NB_RX_BATCH * NB_RX_SLOTS_MAX];
	struct nb_rx_rsp rx_rsp[NB_RX_BATCH * NB_RX_SLOTS_MAX];
	unsigned int rx_ncopy, rx_nrsp, rx_npkt;
	/*
	 * The switch, set by the owner: when route is set, nb_tx_batch() reads
	 * each packet's first bytes and may copy it straight into another
	 * vif's rx ring (xcopy), no tap between.
	 */
	nb_route_fn route;
	void *route_ctx;
	nb_xcopy_fn xcopy;
	uint16_t domid;		/* the frontend's: the granter of this vif's refs */
	bool rx_backlog;	/* a frame for us went to the tap for want of rx slots: the tap
				 * way until the owner finds the tap empty (keeps the order) */
	bool rx_notify;		/* switched frames published: the frontend wants an event */
	struct be_xcopy tx_xcopy[NB_XCOPY_MAX];
	uint16_t tx_xrsp[NB_XCOPY_MAX];		/* the piece's response at its receiver */
	/* counters */
	unsigned long tx_pkts, tx_bad, rx_pkts, rx_drop;
	unsigned long tx_switched, rx_switched;	/* packets that took the switch */
	unsigned long long tx_sw_bytes, rx_sw_bytes;
	const char *last_bad;	/* why the last tx packet was refused */
};

/* Rings are the mapped pages (tx, rx); sizes are the one-page ones. */
void nb_vif_init(struct nb_vif *v, void *tx_page, void *rx_page, nb_copy_fn copy, void *ctx);

/*
 * Takes the next tx packet into @buf (NB_TX_BUF bytes, page-aligned): 1 a
 * good packet, *len bytes in the pieces v->tx_iov[0 .. tx_niov), in order,
 * *vh its virtio-net header, answer it with nb_tx_answer(); 2 a bad one,
 * already answered ERROR; 0 nothing complete to take; -1 the ring is
 * broken (v->why). Data slot i lands in page i of @buf at its offset in
 * the guest's page, so each slot's copy is one op on one local page; the
 * pieces are contiguous when the slots are (and whenever the first piece
 * does not hold a partial checksum's headers).
 */
int nb_tx_take(struct nb_vif *v, uint8_t *buf, size_t *len, struct virtio_net_hdr *vh);
/* Writes the responses of the packet nb_tx_take() returned 1 for. */
void nb_tx_answer(struct nb_vif *v, int16_t status);
/*
 * Takes up to @max (<= NB_TX_BATCH) complete tx packets off the ring, packet k into
 * @bufs + k * NB_TX_BUF (page-aligned), the data of them all by one call
 * of the copy callback. Returns how many packets it took off the ring (0
 * none complete), or -1 when the ring is broken. Packets refused while
 * their slots were read are answered ERROR at once and are not in the
 * batch; the batch's packets are v->txb[0 .. v->txb_n): each one good
 * (answer it with nb_tx_answer_pkt() once written) or refused after its
 * copy (already answered). Checks and layout are nb_tx_take()'s.
 */
int nb_tx_batch(struct nb_vif *v, uint8_t *bufs, unsigned int max);
/*
 * With v->route set, the batch's packets are switched first: a packet
 * route() names a receiver for (every check of the tap's way passed on
 * its first NB_PEEK bytes, no more than NB_SW_MTU a frame or segment, a
 * checksum and GSO type the receiver takes, rx requests posted and no
 * frame of the receiver's waiting at its tap) is copied into the
 * receiver's rx buffers, its first bytes from what was read and checked,
 * the rest grant to grant, one xcopy call for the batch; the receiver's
 * responses are published (its rx_notify set when it wants an event) and
 * the packet answered; in v->txb it has `to` set and good false. A
 * receiver without the rx requests gets rx_backlog set. The rest go to
 * the tap as before.
 */
/* Writes the responses of a good packet of the batch. */
void nb_tx_answer_pkt(struct nb_vif *v, struct nb_tx_pkt *p, int16_t status);
/* Publishes tx responses; true if the frontend wants an event. */
bool nb_tx_push(struct nb_vif *v);
/* Before sleeping: true if more tx requests came (keep going). */
bool nb_tx_final_check(struct nb_vif *v);
/*
 * Requests the frontend published that tx has not seen (req_prod moved;
 * no event asked for): a hint only, the frontend may lie, nb_tx_batch
 * checks what it takes. False once broken.
 */
bool nb_tx_more(const struct nb_vif *v);

/*
 * Places one frame (with its virtio-net header from the tap) into the
 * guest's rx buffers; the data moves at nb_rx_flush(), so @frame must stay
 * valid until then. 1 placed; 0 not enough rx requests posted (keep it,
 * nb_rx_final_check() asks for an event); 2 dropped (too big, a GSO type
 * or a partial checksum the frontend did not say it takes); -1 the ring is
 * broken. At most NB_RX_BATCH frames per flush.
 */
int nb_rx_put(struct nb_vif *v, const uint8_t *frame, size_t len, const struct virtio_net_hdr *vh);
/* Copies the batch, writes its responses, publishes; true if the frontend wants an event. */
bool nb_rx_flush(struct nb_vif *v);
bool nb_rx_batch_full(const struct nb_vif *v);
/* Asks for an event once @need requests are posted; true if they already are. */
bool nb_rx_final_check(struct nb_vif *v, unsigned int need);
/* Slots a frame of @len bytes takes (0 if it can never fit). */
unsigned int nb_rx_slots(const struct nb_vif *v, size_t len, const struct virtio_net_hdr *vh);

/*
 * The partial checksum of a frame (TCP or UDP over IPv4 or IPv6, with an
 * optional VLAN tag) described for the tap: csum_start/csum_offset. -1
 * when the frame has no such header within @len.
 */
int nb_csum_hdr(const uint8_t *f, size_t len, struct virtio_net_hdr *vh, int *ipver, int *l4proto,
		unsigned int *l4hlen);

#endif
