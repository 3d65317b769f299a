/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libFuzzer target for xenstored's parser and state machine: the core is
 * linked unmodified and driven through conn_feed(), as the socket and ring
 * transports drive it. The input is a script of actions on four
 * connections (two privileged, two guests):
 *
 *   byte A: bits 0-1 connection, bits 2-3 action, bit 4 (action 1) skew
 *     0     raw bytes:   u16 length, then that many bytes fed as is
 *     1     ring bytes:  u16 length, bytes written into a store page the
 *                        way a guest would (skew: then corrupt req_prod
 *                        by the next byte), passed through ring_io_read()
 *                        and ring_io_write(), replies drained and re-framed
 *     2     a message:   u8 type, u8 tx selector, u16 length, payload;
 *                        the header is built so the payload is reached
 *     3     hang up and reconnect
 *
 * Checked after every action: every queued reply or event fits the
 * protocol (payload <= 4096, a real reply type); at the end the tree is
 * consistent (store_check) and nothing leaked (ASan/LSan).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xenstored.h"

#define NCONN 4

static struct conn *conns[NCONN];
static struct xenstore_domain_interface page;

/* Re-frame what the server wrote to the response ring. */
static struct {
	size_t used;
	struct xsd_sockmsg h;
} reader;

static void check_header(const struct xsd_sockmsg *h)
{
	if (h->len > XENSTORE_PAYLOAD_MAX || h->type >= XS_TYPE_COUNT || h->type == 20)
		abort();
}

static void read_rsp(void)
{
	while (page.rsp_cons != page.rsp_prod) {
		char ch = page.rsp[MASK_XENSTORE_IDX(page.rsp_cons++)];

		if (reader.used < sizeof(reader.h))
			((char *)&reader.h)[reader.used] = ch;
		if (++reader.used == sizeof(reader.h))
			check_header(&reader.h);
		if (reader.used >= sizeof(reader.h) &&
		    reader.used == sizeof(reader.h) + reader.h.len)
			reader.used = 0;
	}
}

static struct conn *open_conn(unsigned int i)
{
	static const unsigned int domid[NCONN] = { 0, 1, 2, 0 };
	char name[16];

	snprintf(name, sizeof(name), "fuzz%u", i);
	return conn_new(domid[i], domid[i] == 0, name);
}

static void check_output(struct conn *c)
{
	while (c->out_head) {
		struct outmsg *m = c->out_head;
		struct xsd_sockmsg h;

		if (m->len < sizeof(h))
			abort();
		memcpy(&h, m->buf, sizeof(h));
		if (m->len != sizeof(h) + h.len)
			abort();
		check_header(&h);
		if (h.type == XS_ERROR && (!h.len || m->buf[m->len - 1] != '\0'))
			abort();
		conn_unqueue(c, &c->out_head);
	}
	if (c->out_bytes || c->out_tail != &c->out_head)
		abort();
}

static void reconnect(unsigned int i)
{
	conn_free(conns[i]);
	conns[i] = open_conn(i);
}

/* tx selector: 0 none, 1..3 the connection's open transactions, else raw */
static uint32_t pick_tx(struct conn *c, uint8_t sel)
{
	struct txn *t = c->txns;

	if (sel == 0 || sel > 3)
		return sel;
	while (t && --sel)
		t = t->next;
	return t ? t->id : 0;
}

static void feed_message(unsigned int i, const uint8_t *p, size_t n)
{
	char buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
	struct xsd_sockmsg h;
	size_t len = n < XENSTORE_PAYLOAD_MAX ? n : XENSTORE_PAYLOAD_MAX;

	h.type = p[-4] % (XS_TYPE_COUNT + 1);
	h.req_id = 1;
	h.tx_id = pick_tx(conns[i], p[-3]);
	h.len = len;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), p, len);
	if (conn_feed(conns[i], buf, sizeof(h) + len) < 0)
		reconnect(i);
}

/* A guest writes @len bytes into its request ring, the server serves. */
static void feed_ring(unsigned int i, const uint8_t *p, size_t len, int skew)
{
	struct conn *c = conns[i];
	size_t k, n;
	int rc = 0;

	memset(&page, 0, sizeof(page));
	reader.used = 0;
	for (k = 0; k < len && !rc; k += n) {
		n = len - k < XENSTORE_RING_SIZE ? len - k : XENSTORE_RING_SIZE;
		for (size_t j = 0; j < n; j++)
			page.req[MASK_XENSTORE_IDX(page.req_prod + j)] = p[k + j];
		page.req_prod += n;
		if (skew >= 0)
			page.req_prod += skew;
		/* served until the ring is empty: a throttled read leaves some */
		do {
			rc = ring_io_read(c, &page);
			do {
				ring_io_write(c, &page);
				read_rsp();
			} while (c->out_head);
		} while (rc > 0 && page.req_cons != page.req_prod);
	}
	if (reader.used)
		abort();	/* the stream ended inside a message */
	if (rc < 0)
		reconnect(i);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_verbose = -1;
	store_hash_size = 31;	/* a fresh store per input must be cheap */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	unsigned int i;
	int skew;

	quota = (struct quota){ .nodes = 20, .entry_size = 512, .watches = 4,
				.transactions = 3, .perms = 5, .path = 128,
				.txn_nodes = 10, .outq = 65536, .memory = 8192,
				.outstanding = 4 };
	if (store_open(NULL))
		abort();
	for (i = 0; i < NCONN; i++)
		conns[i] = open_conn(i);
	while (off < size) {
		uint8_t a = data[off++];
		size_t len;

		i = a & 3;
		switch ((a >> 2) & 3) {
		case 0:
		case 1:
			if (size - off < 3)
				goto done;
			len = data[off] | data[off + 1] << 8;
			skew = (a & 0x10) ? data[off + 2] * 9 : -1;
			off += 3;
			if (len > size - off)
				len = size - off;
			if ((a >> 2) & 1)
				feed_ring(i, data + off, len, skew);
			else if (conn_feed(conns[i], data + off, len) < 0)
				reconnect(i);
			off += len;
			break;
		case 2:
			if (size - off < 4)
				goto done;
			len = data[off + 2] | data[off + 3] << 8;
			off += 4;
			if (len > size - off)
				len = size - off;
			feed_message(i, data + off, len);
			off += len;
			break;
		default:
			reconnect(i);
			break;
		}
		for (i = 0; i < NCONN; i++)
			check_output(conns[i]);
	}
done:
	if (store_check() < 0)
		abort();
	for (i = 0; i < NCONN; i++)
		conn_free(conns[i]);
	store_close();
	domain_reset_all();
	return 0;
}
