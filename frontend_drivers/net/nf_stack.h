/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The smallest network stack our netfront's test guests need: Ethernet II,
 * ARP (answers requests for our address, asks for one other address and
 * remembers the answer), IPv4 without options on what we send and without
 * fragments, ICMP echo (answers pings) and a UDP echo on port 7.
 *
 * Pure functions over byte buffers (no hypercalls): a frame in, at most one
 * frame out. Every field of what comes in is checked before it is used:
 * lengths against the frame, the IPv4 header length and checksum, the
 * ICMP checksum; anything odd is ignored and counted in `ignored`. UDP
 * checksums are not verified (a backend may hand us a partial one, as
 * NETRXF_csum_blank allows); ours are computed in full.
 */
#ifndef FE_NF_STACK_H
#define FE_NF_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NFS_UDP_ECHO_PORT	7

struct nf_stack {
	uint8_t mac[6];
	uint32_t ip;		/* ours, host byte order */
	uint32_t ask_ip;	/* the address nfs_arp_ask asked for */
	uint8_t ask_mac[6];	/* its answer, once ask_known */
	bool ask_known;
	uint16_t ip_id;
	unsigned long arp_answered, pings, udp_echoed, ignored;
};

/*
 * One received frame of @len bytes. Writes the answer (if any) to @out
 * (@size bytes, at least 1514) and returns its length, else 0.
 */
size_t nfs_input(struct nf_stack *s, const uint8_t *frame, size_t len, uint8_t *out, size_t size);
/* A broadcast ARP request for @ip in @out (60 bytes); its length. */
size_t nfs_arp_ask(struct nf_stack *s, uint32_t ip, uint8_t *out);
/* "a.b.c.d", ended by NUL, space, '/' or ','; 0 or -EINVAL. */
int nfs_parse_ip(const char *text, uint32_t *ip);
/* "aa:bb:cc:dd:ee:ff" exactly (then NUL); 0 or -EINVAL. */
int nfs_parse_mac(const char *text, uint8_t mac[6]);

#endif
