/* SPDX-License-Identifier: MIT */
/*
 * The PV block ring (blkif) and the generic shared-ring header it sits on.
 * docs/abi-devices.md §4.4, §5.1 and §5.2: the x86_64-abi layout.
 *
 * Permission is hereby granted, free of charge, to any person obtaining a
 * copy of this file, to deal in it without restriction, including the
 * rights to use, copy, modify, merge, publish, distribute, sublicense and/or
 * sell copies, subject to this notice being included in all copies. THE FILE
 * IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.
 *
 * A ring is 2^order pages: a 64-byte header (four free-running u32
 * indices and padding), then slots of max(request, response) bytes, as
 * many as the largest power of two that fits. Slot of index i = i masked
 * by the slot count. Everything in it is written by the other side too and
 * is untrusted: a consumer copies a request out before looking at it.
 */
#ifndef LAMINA_IO_BLKIF_H
#define LAMINA_IO_BLKIF_H

#include <lamina/types.h>

/* The generic ring header (io/ring.h's struct <name>_sring). */
struct sring_hdr {
	uint32_t req_prod;	/* frontend */
	uint32_t req_event;	/* backend: notify me when req_prod passes this */
	uint32_t rsp_prod;	/* backend */
	uint32_t rsp_event;	/* frontend */
	uint8_t pad[48];
};
#define SRING_HDR_SIZE		64

#define BLKIF_OP_READ			0
#define BLKIF_OP_WRITE			1
#define BLKIF_OP_WRITE_BARRIER		2
#define BLKIF_OP_FLUSH_DISKCACHE	3
#define BLKIF_OP_RESERVED_1		4
#define BLKIF_OP_DISCARD		5
#define BLKIF_OP_INDIRECT		6

#define BLKIF_MAX_SEGMENTS_PER_REQUEST	11
#define BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST 8
#define BLKIF_SEGS_PER_INDIRECT_FRAME	512	/* 4096 / 8 */
#define BLKIF_DISCARD_SECURE		1

#define BLKIF_RSP_EOPNOTSUPP		(-2)
#define BLKIF_RSP_ERROR			(-1)
#define BLKIF_RSP_OKAY			0

#define VDISK_CDROM		1
#define VDISK_REMOVABLE		2
#define VDISK_READONLY		4

#define XEN_IO_PROTO_ABI_X86_64	"x86_64-abi"

/* The largest ring the backends offer: 2^4 pages (512 slots). */
#define BLKIF_MAX_RING_PAGE_ORDER	4

struct blkif_request_segment {
	uint32_t gref;
	uint8_t first_sect, last_sect;	/* 512-byte sectors within the page, inclusive */
	uint16_t _pad;
};

struct blkif_request {
	uint8_t operation;
	uint8_t nr_segments;
	uint16_t handle;
	uint32_t _pad;
	uint64_t id;
	uint64_t sector_number;
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

struct blkif_request_discard {
	uint8_t operation;	/* BLKIF_OP_DISCARD */
	uint8_t flag;		/* BLKIF_DISCARD_SECURE */
	uint16_t handle;
	uint32_t _pad;
	uint64_t id;
	uint64_t sector_number;
	uint64_t nr_sectors;
	uint8_t _pad2[80];
};

struct blkif_request_indirect {
	uint8_t operation;	/* BLKIF_OP_INDIRECT */
	uint8_t indirect_op;	/* READ or WRITE */
	uint16_t nr_segments;
	uint32_t _pad;
	uint64_t id;
	uint64_t sector_number;
	uint16_t handle;
	uint16_t _pad2;
	uint32_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	uint8_t _pad3[52];
};

struct blkif_response {
	uint64_t id;
	uint8_t operation;
	uint8_t _pad;
	int16_t status;
	uint32_t _pad2;
};

#define BLKIF_SLOT_SIZE		112

union blkif_slot {
	struct blkif_request req;
	struct blkif_request_discard discard;
	struct blkif_request_indirect indirect;
	struct blkif_response rsp;
};

/* Slots in a ring of @pages pages: the largest power of two that fits. */
static inline uint32_t blkif_ring_size(uint32_t pages)
{
	uint32_t fit = (uint32_t)((pages * XEN_PAGE_SIZE - SRING_HDR_SIZE) / BLKIF_SLOT_SIZE);
	uint32_t n = 1;

	while (n * 2 <= fit)
		n *= 2;
	return n;
}

static inline union blkif_slot *blkif_slot(void *ring, uint32_t size, uint32_t idx)
{
	return (union blkif_slot *)((char *)ring + SRING_HDR_SIZE) + (idx & (size - 1));
}

_Static_assert(sizeof(struct blkif_request) == 112, "blkif request");
_Static_assert(sizeof(struct blkif_request_discard) == 112, "blkif discard");
_Static_assert(sizeof(struct blkif_request_indirect) == 112, "blkif indirect");
_Static_assert(sizeof(struct blkif_response) == 16, "blkif response");
_Static_assert(sizeof(union blkif_slot) == BLKIF_SLOT_SIZE, "blkif slot");
_Static_assert(sizeof(struct sring_hdr) == SRING_HDR_SIZE, "ring header");

#endif
