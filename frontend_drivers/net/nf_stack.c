// SPDX-License-Identifier: GPL-2.0-only
/* The tiny network stack of our netfront's test guests: see nf_stack.h. */
#include <lamina/errno.h>
#include <hv/string.h>
#include "nf_stack.h"

#define ETH_HLEN	14
#define ETH_P_IP	0x0800
#define ETH_P_ARP	0x0806
#define ARP_LEN		28
#define IP_HLEN		20
#define IPPROTO_ICMP	1
#define IPPROTO_UDP	17
#define UDP_HLEN	8

static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* The Internet checksum's running sum of @len bytes (RFC 1071). */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t eth_header(const struct nf_stack *s, uint8_t *out, const uint8_t *dst, uint16_t type)
{
	memcpy(out, dst, 6);
	memcpy(out + 6, s->mac, 6);
	put16(out + 12, type);
	return ETH_HLEN;
}

static size_t arp(const struct nf_stack *s, uint8_t *out, uint16_t op, const uint8_t *tha,
		  uint32_t tpa, const uint8_t *eth_dst)
{
	uint8_t *a = out + eth_header(s, out, eth_dst, ETH_P_ARP);

	put16(a, 1);			/* Ethernet */
	put16(a + 2, ETH_P_IP);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, s->mac, 6);
	put32(a + 14, s->ip);
	memcpy(a + 18, tha, 6);
	put32(a + 24, tpa);
	memset(a + ARP_LEN, 0, 60 - ETH_HLEN - ARP_LEN);
	return 60;
}

size_t nfs_arp_ask(struct nf_stack *s, uint32_t ip, uint8_t *out)
{
	static const uint8_t unknown[6];

	s->ask_ip = ip;
	return arp(s, out, 1, unknown, ip, broadcast);
}

static size_t arp_input(struct nf_stack *s, const uint8_t *a, size_t len, uint8_t *out)
{
	uint16_t op;

	if (len < ARP_LEN || get16(a) != 1 || get16(a + 2) != ETH_P_IP || a[4] != 6 || a[5] != 4)
		return s->ignored++, 0;
	op = get16(a + 6);
	if (op == 1 && get32(a + 24) == s->ip) {
		s->arp_answered++;
		return arp(s, out, 2, a + 8, get32(a + 14), a + 8);
	}
	if (op == 2 && s->ask_ip && get32(a + 14) == s->ask_ip) {
		memcpy(s->ask_mac, a + 8, 6);
		s->ask_known = true;
	}
	return 0;
}

/* An IPv4 header of 20 bytes answering @in's (addresses swapped) for @plen bytes of payload. */
static size_t ip_reply(struct nf_stack *s, const uint8_t *in, uint8_t *ip, size_t plen, uint8_t proto)
{
	memset(ip, 0, IP_HLEN);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(IP_HLEN + plen));
	put16(ip + 4, s->ip_id++);
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, s->ip);
	memcpy(ip + 16, in + 12, 4);
	put16(ip + 10, fold(sum16(0, ip, IP_HLEN)));
	return IP_HLEN + plen;
}

static size_t icmp_input(struct nf_stack *s, const uint8_t *ip, const uint8_t *p, size_t plen,
			 uint8_t *out, size_t room)
{
	uint8_t *r = out + ETH_HLEN + IP_HLEN;

	if (plen < 8 || plen > room || fold(sum16(0, p, plen)))
		return s->ignored++, 0;
	if (p[0] != 8 || p[1] != 0)	/* only echo requests */
		return 0;
	memcpy(r, p, plen);
	r[0] = 0;
	put16(r + 2, 0);
	put16(r + 2, fold(sum16(0, r, plen)));
	s->pings++;
	return ip_reply(s, ip, out + ETH_HLEN, plen, IPPROTO_ICMP);
}

static size_t udp_input(struct nf_stack *s, const uint8_t *ip, const uint8_t *u, size_t plen,
			uint8_t *out, size_t room)
{
	uint8_t *r = out + ETH_HLEN + IP_HLEN;
	size_t ulen;
	uint32_t sum;

	if (plen < UDP_HLEN)
		return s->ignored++, 0;
	ulen = get16(u + 4);
	if (ulen < UDP_HLEN || ulen > plen || ulen > room)
		return s->ignored++, 0;
	if (get16(u + 2) != NFS_UDP_ECHO_PORT)
		return 0;
	memcpy(r, u + 2, 2);		/* ports swapped */
	memcpy(r + 2, u, 2);
	put16(r + 4, (uint16_t)ulen);
	put16(r + 6, 0);
	memcpy(r + UDP_HLEN, u + UDP_HLEN, ulen - UDP_HLEN);
	/* Pseudo-header: source (ours), destination (theirs), protocol, length. */
	sum = (s->ip >> 16) + (s->ip & 0xffff) + get16(ip + 12) + get16(ip + 14) + IPPROTO_UDP + ulen;
	sum = fold(sum16(sum, r, ulen));
	put16(r + 6, sum ? (uint16_t)sum : 0xffff);
	s->udp_echoed++;
	return ip_reply(s, ip, out + ETH_HLEN, ulen, IPPROTO_UDP);
}

static size_t ip_input(struct nf_stack *s, const uint8_t *ip, size_t len, uint8_t *out, size_t size)
{
	size_t hlen, tot, room = size - ETH_HLEN - IP_HLEN;

	if (len < IP_HLEN || ip[0] >> 4 != 4)
		return s->ignored++, 0;
	hlen = (size_t)(ip[0] & 15) * 4;
	tot = get16(ip + 2);
	if (hlen < IP_HLEN || tot < hlen || tot > len || fold(sum16(0, ip, hlen)))
		return s->ignored++, 0;
	if (get32(ip + 16) != s->ip)
		return 0;
	if (get16(ip + 6) & 0x3fff)	/* a fragment (MF or an offset) */
		return s->ignored++, 0;
	if (ip[9] == IPPROTO_ICMP)
		return icmp_input(s, ip, ip + hlen, tot - hlen, out, room);
	if (ip[9] == IPPROTO_UDP)
		return udp_input(s, ip, ip + hlen, tot - hlen, out, room);
	return 0;
}

size_t nfs_input(struct nf_stack *s, const uint8_t *f, size_t len, uint8_t *out, size_t size)
{
	size_t n = 0;

	if (len < ETH_HLEN || size < 1514)
		return s->ignored++, 0;
	if (memcmp(f, s->mac, 6) && memcmp(f, broadcast, 6))
		return 0;
	if (get16(f + 12) == ETH_P_ARP)
		return arp_input(s, f + ETH_HLEN, len - ETH_HLEN, out);
	if (get16(f + 12) == ETH_P_IP)
		n = ip_input(s, f + ETH_HLEN, len - ETH_HLEN, out, size);
	if (!n)
		return 0;
	/* Answer the sender's MAC: no ARP round trip needed. */
	eth_header(s, out, f + 6, ETH_P_IP);
	return ETH_HLEN + n;
}

int nfs_parse_ip(const char *t, uint32_t *ip)
{
	uint32_t v = 0;
	unsigned int part, digits;

	for (part = 0; part < 4; part++) {
		uint32_t b = 0;

		for (digits = 0; *t >= '0' && *t <= '9' && digits < 3; digits++)
			b = b * 10 + (uint32_t)(*t++ - '0');
		if (!digits || b > 255 || (part < 3 && *t++ != '.'))
			return -EINVAL;
		v = v << 8 | b;
	}
	if (*t && *t != ' ' && *t != '/' && *t != ',')
		return -EINVAL;
	*ip = v;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int nfs_parse_mac(const char *t, uint8_t mac[6])
{
	unsigned int i;

	for (i = 0; i < 6; i++, t += 3) {
		int hi = hexval(t[0]), lo = hi < 0 ? -1 : hexval(t[1]);

		if (lo < 0 || t[2] != (i == 5 ? '\0' : ':'))
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
