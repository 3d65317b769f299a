// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for frontend_drivers/net/nf_stack.c: ARP answered and asked,
 * pings and UDP echo answered with valid checksums, and every malformed
 * frame (short, lying lengths, bad checksums, fragments, other hosts')
 * ignored; random frames under ASan/UBSan never read past what came in
 * nor produce more than a frame.
 */
#include <stdint.h>
#include <stdlib.h>
#include <lamina/errno.h>
#include "../../unit.h"
#include "../../../../frontend_drivers/net/nf_stack.h"

#define OUR_IP	0x0a000015u	/* 10.0.0.21 */
#define PEER_IP	0x0a000001u

static struct nf_stack st;
static uint8_t f[2048], out[1514];
static const uint8_t our_mac[6] = { 0x00, 0x16, 0x3e, 0x4e, 0x46, 0x01 };
static const uint8_t peer_mac[6] = { 0x3a, 0xc7, 0x74, 0xfc, 0x34, 0x56 };

static uint16_t csum(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static void setup(void)
{
	memset(&st, 0, sizeof(st));
	memcpy(st.mac, our_mac, 6);
	st.ip = OUR_IP;
	memset(f, 0, sizeof(f));
}

/* An IPv4 frame from the peer to us; its length. */
static size_t ip_frame(uint8_t proto, const uint8_t *payload, size_t plen)
{
	uint8_t *ip = f + 14;

	memcpy(f, our_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, (unsigned int)(20 + plen));
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, PEER_IP);
	put32(ip + 16, OUR_IP);
	put16(ip + 10, csum(ip, 20, 0));
	memcpy(ip + 20, payload, plen);
	return 14 + 20 + plen;
}

static size_t ping_frame(size_t data)
{
	uint8_t icmp[1480];
	size_t i;

	memset(icmp, 0, 8);
	icmp[0] = 8;
	put16(icmp + 4, 0x1234);
	put16(icmp + 6, 7);
	for (i = 0; i < data; i++)
		icmp[8 + i] = (uint8_t)i;
	put16(icmp + 2, csum(icmp, 8 + data, 0));
	return ip_frame(1, icmp, 8 + data);
}

static size_t udp_frame(unsigned int port, size_t data)
{
	uint8_t u[1480];
	size_t i;

	put16(u, 40000);
	put16(u + 2, port);
	put16(u + 4, (unsigned int)(8 + data));
	put16(u + 6, 0);
	for (i = 0; i < data; i++)
		u[8 + i] = (uint8_t)(i * 3);
	return ip_frame(17, u, 8 + data);
}

static size_t arp_frame(unsigned int op, uint32_t spa, uint32_t tpa, const uint8_t *dst)
{
	uint8_t *a = f + 14;

	memcpy(f, dst, 6);
	memcpy(f + 6, peer_mac, 6);
	put16(f + 12, 0x0806);
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, peer_mac, 6);
	put32(a + 14, spa);
	put32(a + 24, tpa);
	return 60;
}

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void arp_answered(void)
{
	size_t n = nfs_input(&st, f, arp_frame(1, PEER_IP, OUR_IP, bcast), out, sizeof(out));

	EXPECT_EQ(n, 60);
	EXPECT(!memcmp(out, peer_mac, 6) && !memcmp(out + 6, our_mac, 6));
	EXPECT_EQ(out[12] << 8 | out[13], 0x0806);
	EXPECT_EQ(out[14 + 7], 2);				/* a reply */
	EXPECT(!memcmp(out + 14 + 8, our_mac, 6));		/* our MAC */
	EXPECT(!memcmp(out + 14 + 18, peer_mac, 6));
	EXPECT_EQ(st.arp_answered, 1);
	/* For someone else: silence. */
	EXPECT_EQ(nfs_input(&st, f, arp_frame(1, PEER_IP, OUR_IP + 1, bcast), out, sizeof(out)), 0);
}

static void arp_asked(void)
{
	EXPECT_EQ(nfs_arp_ask(&st, PEER_IP, out), 60);
	EXPECT(!memcmp(out, bcast, 6));
	EXPECT_EQ(out[14 + 7], 1);
	EXPECT(!st.ask_known);
	/* A reply from another address teaches nothing. */
	nfs_input(&st, f, arp_frame(2, PEER_IP + 5, OUR_IP, our_mac), out, sizeof(out));
	EXPECT(!st.ask_known);
	EXPECT_EQ(nfs_input(&st, f, arp_frame(2, PEER_IP, OUR_IP, our_mac), out, sizeof(out)), 0);
	EXPECT(st.ask_known);
	EXPECT(!memcmp(st.ask_mac, peer_mac, 6));
}

static void ping_answered(void)
{
	size_t len = ping_frame(1400), n = nfs_input(&st, f, len, out, sizeof(out));
	uint8_t *ip = out + 14;

	EXPECT_EQ(n, len);
	EXPECT(!memcmp(out, peer_mac, 6));
	EXPECT_EQ(csum(ip, 20, 0), 0);
	EXPECT_EQ(ip[12] << 24 | ip[13] << 16 | ip[14] << 8 | ip[15], OUR_IP);
	EXPECT_EQ(ip[16] << 24 | ip[17] << 16 | ip[18] << 8 | ip[19], PEER_IP);
	EXPECT_EQ(ip[20], 0);					/* echo reply */
	EXPECT_EQ(csum(ip + 20, 1408, 0), 0);
	EXPECT(!memcmp(ip + 24, f + 14 + 24, 1404));		/* id, seq, data */
	EXPECT_EQ(st.pings, 1);
}

static void udp_echoed(void)
{
	size_t len = udp_frame(7, 100), n = nfs_input(&st, f, len, out, sizeof(out));
	uint8_t *ip = out + 14, *u = ip + 20;
	uint32_t pseudo = (OUR_IP >> 16) + (OUR_IP & 0xffff) + (PEER_IP >> 16) + (PEER_IP & 0xffff) +
		17 + 108;

	EXPECT_EQ(n, len);
	EXPECT_EQ(u[0] << 8 | u[1], 7);
	EXPECT_EQ(u[2] << 8 | u[3], 40000);
	EXPECT_EQ(csum(u, 108, pseudo), 0);
	EXPECT(!memcmp(u + 8, f + 14 + 28, 100));
	EXPECT_EQ(st.udp_echoed, 1);
	EXPECT_EQ(nfs_input(&st, f, udp_frame(9, 10), out, sizeof(out)), 0);	/* not the echo port */
}

/* Each frame is broken in one way; none is answered, none read past its end. */
static void malformed_ignored(void)
{
	size_t len;

	len = ping_frame(56);
	EXPECT_EQ(nfs_input(&st, f, len - 1, out, sizeof(out)), 0);	/* shorter than total length */
	f[14 + 10] ^= 1;						/* header checksum */
	EXPECT_EQ(nfs_input(&st, f, len, out, sizeof(out)), 0);
	len = ping_frame(56);
	f[14 + 30] ^= 1;						/* ICMP checksum */
	EXPECT_EQ(nfs_input(&st, f, len, out, sizeof(out)), 0);
	len = ping_frame(56);
	f[14] = 0x4f;							/* 60-byte header claimed */
	put16(f + 14 + 10, 0);
	put16(f + 14 + 10, csum(f + 14, 60, 0));
	EXPECT_EQ(nfs_input(&st, f, 14 + 40, out, sizeof(out)), 0);
	len = ping_frame(56);
	f[14 + 6] = 0x20;						/* more fragments */
	put16(f + 14 + 10, 0);
	put16(f + 14 + 10, csum(f + 14, 20, 0));
	EXPECT_EQ(nfs_input(&st, f, len, out, sizeof(out)), 0);
	len = udp_frame(7, 20);
	put16(f + 14 + 20 + 4, 200);					/* UDP length past the packet */
	EXPECT_EQ(nfs_input(&st, f, len, out, sizeof(out)), 0);
	put16(f + 14 + 20 + 4, 7);					/* shorter than its header */
	EXPECT_EQ(nfs_input(&st, f, len, out, sizeof(out)), 0);
	len = ping_frame(56);
	f[0] ^= 1;							/* another host's MAC */
	EXPECT_EQ(nfs_input(&st, f, len, out, sizeof(out)), 0);
	EXPECT_EQ(nfs_input(&st, f, 13, out, sizeof(out)), 0);
	len = arp_frame(1, PEER_IP, OUR_IP, bcast);
	EXPECT_EQ(nfs_input(&st, f, 14 + 27, out, sizeof(out)), 0);	/* short ARP */
	EXPECT_EQ(st.pings + st.udp_echoed + st.arp_answered, 0);
	EXPECT(st.ignored >= 8);
}

/* Random bytes after valid headers: bounded answers, no reads past the frame (ASan). */
static void fuzz_input(void)
{
	unsigned int round;

	srand(21);
	for (round = 0; round < 20000; round++) {
		size_t len = (size_t)(rand() % 3 ? ping_frame((size_t)(rand() % 200)) :
				      udp_frame(7, (size_t)(rand() % 200)));
		unsigned int k, flips = (unsigned int)(rand() % 4);
		uint8_t *copy;
		size_t n;

		for (k = 0; k < flips; k++)
			f[14 + rand() % (int)(len - 14)] = (uint8_t)rand();
		len = 14 + (size_t)rand() % (len - 13);
		copy = malloc(len);		/* exact size: ASan sees any overread */
		memcpy(copy, f, len);
		n = nfs_input(&st, copy, len, out, sizeof(out));
		EXPECT(n == 0 || (n >= 42 && n <= sizeof(out)));
		free(copy);
	}
}

static void parse_addresses(void)
{
	uint32_t ip = 0;
	uint8_t mac[6];

	EXPECT_EQ(nfs_parse_ip("10.0.0.21", &ip), 0);
	EXPECT_EQ(ip, OUR_IP);
	EXPECT_EQ(nfs_parse_ip("10.0.0.22 10.0.0.23", &ip), 0);	/* xl's ip= may list several */
	EXPECT_EQ(nfs_parse_ip("192.168.1.2/24", &ip), 0);
	EXPECT_EQ(ip, 0xc0a80102u);
	EXPECT_EQ(nfs_parse_ip("256.0.0.1", &ip), -EINVAL);
	EXPECT_EQ(nfs_parse_ip("1.2.3", &ip), -EINVAL);
	EXPECT_EQ(nfs_parse_ip("1.2.3.4x", &ip), -EINVAL);
	EXPECT_EQ(nfs_parse_ip("1..2.3", &ip), -EINVAL);
	EXPECT_EQ(nfs_parse_ip("", &ip), -EINVAL);
	EXPECT_EQ(nfs_parse_ip("1111.2.3.4", &ip), -EINVAL);
	EXPECT_EQ(nfs_parse_mac("00:16:3e:4E:46:01", mac), 0);
	EXPECT(!memcmp(mac, our_mac, 6));
	EXPECT_EQ(nfs_parse_mac("00:16:3e:4e:46", mac), -EINVAL);
	EXPECT_EQ(nfs_parse_mac("00:16:3e:4e:46:01:", mac), -EINVAL);
	EXPECT_EQ(nfs_parse_mac("00-16-3e-4e-46-01", mac), -EINVAL);
	EXPECT_EQ(nfs_parse_mac("0:16:3e:4e:46:01", mac), -EINVAL);
	EXPECT_EQ(nfs_parse_mac("", mac), -EINVAL);
}

int main(void)
{
	unit_suite = "frontend_drivers/net/nf_stack";
	unit_setup = setup;
	RUN(arp_answered);
	RUN(arp_asked);
	RUN(ping_answered);
	RUN(udp_echoed);
	RUN(malformed_ignored);
	RUN(fuzz_input);
	RUN(parse_addresses);
	return 0;
}
