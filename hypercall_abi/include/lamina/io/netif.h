/* SPDX-License-Identifier: MIT */
/*
 * The PV network rings (netif), docs/abi-devices.md §5.3: the layouts and
 * numbers of Xen's io/netif.h, written from the ABI's description. Two
 * one-page rings, tx (guest -> backend) and rx (backend -> guest), each
 * with the generic 64-byte header (struct sring_hdr, <lamina/io/blkif.h>).
 *
 * Permission is hereby granted, free of charge, to any person obtaining a
 * copy of this file, to deal in it without restriction, including the
 * rights to use, copy, modify, merge, publish, distribute, sublicense and/or
 * sell copies, subject to this notice being included in all copies. THE FILE
 * IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.
 *
 * Everything in a ring is written by the other side too and is untrusted.
 */
#ifndef LAMINA_IO_NETIF_H
#define LAMINA_IO_NETIF_H

#include <lamina/types.h>

#define NETIF_PAGE		4096U

/* tx request flags */
#define NETTXF_csum_blank	(1U << 0)
#define NETTXF_data_validated	(1U << 1)
#define NETTXF_more_data	(1U << 2)
#define NETTXF_extra_info	(1U << 3)

/* rx response flags */
#define NETRXF_data_validated	(1U << 0)
#define NETRXF_csum_blank	(1U << 1)
#define NETRXF_more_data	(1U << 2)
#define NETRXF_extra_info	(1U << 3)

#define NETIF_RSP_DROPPED	-2
#define NETIF_RSP_ERROR		-1
#define NETIF_RSP_OKAY		0
#define NETIF_RSP_NULL		1

#define XEN_NETIF_EXTRA_TYPE_NONE	0
#define XEN_NETIF_EXTRA_TYPE_GSO	1
#define XEN_NETIF_EXTRA_TYPE_MCAST_ADD	2
#define XEN_NETIF_EXTRA_TYPE_MCAST_DEL	3
#define XEN_NETIF_EXTRA_TYPE_HASH	4
#define XEN_NETIF_EXTRA_TYPE_XDP	5
#define XEN_NETIF_EXTRA_TYPE_MAX	6
#define XEN_NETIF_EXTRA_FLAG_MORE	(1U << 0)

#define XEN_NETIF_GSO_TYPE_NONE		0
#define XEN_NETIF_GSO_TYPE_TCPV4	1
#define XEN_NETIF_GSO_TYPE_TCPV6	2

#define XEN_NETIF_MAX_TX_SIZE	0xFFFFU
#define XEN_NETIF_NR_SLOTS_MIN	18

struct netif_tx_request {
	uint32_t gref;
	uint16_t offset;
	uint16_t flags;
	uint16_t id;
	uint16_t size;
};

struct netif_tx_response {
	uint16_t id;
	int16_t status;
};

struct netif_rx_request {
	uint16_t id;
	uint16_t pad;
	uint32_t gref;
};

struct netif_rx_response {
	uint16_t id;
	uint16_t offset;
	uint16_t flags;
	int16_t status;
};

struct netif_extra_info {
	uint8_t type;
	uint8_t flags;
	union {
		struct {
			uint16_t size;
			uint8_t type;
			uint8_t pad;
			uint16_t features;
		} gso;
		uint16_t pad[3];
	} u;
};

/* Slot sizes: max(request, response). */
#define NETIF_TX_SLOT	12U
#define NETIF_RX_SLOT	8U
/* One page: (4096 - 64) / slot, rounded down to a power of two. */
#define NETIF_TX_RING_SIZE	256U
#define NETIF_RX_RING_SIZE	256U

#endif
