// SPDX-License-Identifier: GPL-2.0-only
/*
 * netfront-client: a boot-time domU on the project's own netfront
 * (frontend_drivers/net) for tests/linux/net/ourfront. It connects
 * device/vif/0, takes its address from the backend's `ip` node or else
 * from its command line (ip=A.B.C.D), asks ARP for the gateway (gw=A.B.C.D,
 * default A.B.C.1) until it answers, and serves for ever: ARP requests for
 * its address, pings, and UDP echo on port 7. Its state goes to
 * data/net-result, which dom0 reads:
 *   "ok ip ADDR (node|cmdline) mac MAC gw GWMAC|? arp N ping N udp N
 *    ignored N dropped N txerr N"
 * or "FAIL <why>" (the handshake failed, or the backend broke the rings),
 * rewritten when a count changes. It prints nothing (its console is the
 * hypervisor's serial line).
 */
#include "guest.h"
#include "mm.h"
#include "peer.h"
#include "common/xenbus_fe.h"
#include "net/netfront.h"
#include "net/nf_stack.h"

static struct netfront nf;	/* static: the boot stack is one page */
static struct nf_stack st;
static uint8_t in[NF_FRAME_MAX], out[NF_FRAME_MAX];

static int report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int report(const char *fmt, ...)
{
	static char last[300];
	char now[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(now, sizeof(now), fmt, ap);
	va_end(ap);
	if (strcmp(now, last)) {
		xbf_write("data/net-result", now);
		memcpy(last, now, sizeof(last));
	}
	return 0;
}

/* The value of "key=" on the command line, or NULL. */
static const char *cmdline_arg(const char *cmd, const char *key)
{
	size_t n = strlen(key);
	const char *p;

	for (p = cmd; *p; p++)
		if ((p == cmd || p[-1] == ' ') && !strncmp(p, key, n) && p[n] == '=')
			return p + n + 1;
	return NULL;
}

static void state_line(const char *from)
{
	char ip[16], gw[24] = "?";
	const uint8_t *m = st.mac, *g = st.ask_mac;

	snprintf(ip, sizeof(ip), "%u.%u.%u.%u", st.ip >> 24, (st.ip >> 16) & 255,
		 (st.ip >> 8) & 255, st.ip & 255);
	if (st.ask_known)
		snprintf(gw, sizeof(gw), "%02x:%02x:%02x:%02x:%02x:%02x", g[0], g[1], g[2], g[3],
			 g[4], g[5]);
	report("ok ip %s (%s) mac %02x:%02x:%02x:%02x:%02x:%02x gw %s arp %lu ping %lu udp %lu "
	       "ignored %lu dropped %lu txerr %lu", ip, from, m[0], m[1], m[2], m[3], m[4], m[5],
	       gw, st.arp_answered, st.pings, st.udp_echoed, st.ignored, nf.ring.rx_dropped,
	       nf.ring.tx_errors);
}

static void serve(uint32_t gw, const char *from)
{
	uint64_t next_ask = 0, next_look = 0;
	size_t n;
	int len;

	for (;;) {
		if (!st.ask_known && xbf_ms() >= next_ask) {
			n = nfs_arp_ask(&st, gw, out);
			netfront_send(&nf, out, n);
			next_ask = xbf_ms() + 500;
		}
		while ((len = netfront_recv(&nf, in, sizeof(in))) > 0) {
			n = nfs_input(&st, in, (size_t)len, out, sizeof(out));
			if (n)
				netfront_send(&nf, out, n);
		}
		if (nf.ring.broken) {
			report("FAIL the backend broke the rings: %s", nf.ring.broken);
			return;
		}
		if (xbf_ms() >= next_look) {
			/* The store is slow: the line and the backend's state once a second. */
			state_line(from);
			if (netfront_backend_state(&nf) != 4) {
				netfront_close(&nf);
				report("closed: the backend left Connected");
				return;
			}
			next_look = xbf_ms() + 1000;
		}
		netfront_wait(&nf);
	}
}

int test_main(struct start_info *si)
{
	const char *from = "node", *arg;
	uint32_t gw;
	int rc;

	mm_init(si);
	console_page = NULL;
	if (xbf_init(si))
		return fail("no events or store ring");
	rc = netfront_connect(&nf, 0, 600000);
	if (rc) {
		report("FAIL vif 0 did not connect: %d", rc);
		goto idle;
	}
	memcpy(st.mac, nf.mac, 6);
	if (!nf.ip[0] || nfs_parse_ip(nf.ip, &st.ip)) {
		from = "cmdline";
		arg = cmdline_arg((const char *)si->cmd_line, "ip");
		if (!arg || nfs_parse_ip(arg, &st.ip)) {
			report("FAIL no address: no ip node (%s) and no ip= on the command line", nf.ip);
			goto idle;
		}
	}
	arg = cmdline_arg((const char *)si->cmd_line, "gw");
	if (!arg || nfs_parse_ip(arg, &gw))
		gw = (st.ip & ~0xffU) | 1;
	serve(gw, from);
idle:
	for (;;)
		xbf_nap();
	return 0;
}
