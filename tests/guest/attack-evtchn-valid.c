// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-evtchn-valid: event-channel ports a domain never allocated, in
 * the 2-level ABI, against Xen 4.17's answers (conform.h). Xen holds a
 * domain's channels in buckets it allocates as ports are taken, lowest
 * first, and a port past the buckets allocated so far is not valid:
 * status and unmask of it are -EINVAL, where a free port inside them is
 * closed (status 0) and unmasks (0). Rows: status and unmask of ports
 * around the bucket boundaries before and after the domain's ports reach
 * past the first bucket; send, close and bind_vcpu of such ports.
 */
#include "conform.h"
#include "lib/events.h"

#define PORTS	200

static evtchn_port_t taken[PORTS];

static long status_of(evtchn_port_t p)
{
	struct evtchn_status st = { DOMID_SELF, 0, p, 0, 0, { { 0 } } };
	long rc = evtchn_op(EVTCHNOP_status, &st);

	return rc ? rc : (long)st.status;
}

static long unmask(evtchn_port_t p)
{
	struct evtchn_unmask u = { p };

	return evtchn_op(EVTCHNOP_unmask, &u);
}

static void probe(const char *when, const evtchn_port_t *ports, unsigned int n, const long *st,
		  const long *um)
{
	char name[96];
	unsigned int i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s: status of port %u", when, ports[i]);
		ROW(name, status_of(ports[i]), st[i]);
		snprintf(name, sizeof(name), "%s: unmask of port %u", when, ports[i]);
		ROW(name, unmask(ports[i]), um[i]);
	}
}

int test_main(struct start_info *si)
{
	static const evtchn_port_t ports[] = { 63, 64, 127, 128, 255, 256, 4095 };
	static const long st0[] = { EVTCHNSTAT_closed, -EINVAL, -EINVAL, -EINVAL, -EINVAL, -EINVAL,
				    -EINVAL };
	static const long um0[] = { 0, -EINVAL, -EINVAL, -EINVAL, -EINVAL, -EINVAL, -EINVAL };
	static const long st1[] = { EVTCHNSTAT_unbound, EVTCHNSTAT_unbound, EVTCHNSTAT_closed,
				    -EINVAL, -EINVAL, -EINVAL, -EINVAL };
	static const long um1[] = { 0, 0, 0, -EINVAL, -EINVAL, -EINVAL, -EINVAL };
	struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };
	struct evtchn_bind_vcpu bv = { 100, 0 };
	unsigned int n = 0, i;

	CHECK(events_init(si) == 0, "events_init failed");
	conform_begin();
	probe("before", ports, sizeof(ports) / sizeof(ports[0]), st0, um0);
	ROW("send on port 100, never allocated", evtchn_send(100), -EINVAL);
	ROW("close port 100, never allocated", evtchn_op(EVTCHNOP_close, &(struct evtchn_close){ 100 }),
	    -EINVAL);
	ROW("bind_vcpu of port 100, never allocated", evtchn_op(EVTCHNOP_bind_vcpu, &bv), -EINVAL);
	/* Take ports until port 64 is ours. */
	while (n < PORTS && !evtchn_op(EVTCHNOP_alloc_unbound, &au)) {
		taken[n++] = au.port;
		if (au.port >= 64)
			break;
	}
	ROW("ports taken up to 64", taken[n - 1], 64);
	probe("after", ports, sizeof(ports) / sizeof(ports[0]), st1, um1);
	for (i = 0; i < n; i++)
		evtchn_op(EVTCHNOP_close, &(struct evtchn_close){ taken[i] });
	ROW("status of port 64 once closed", status_of(64), EVTCHNSTAT_closed);
	ROW("status of port 128 once closed", status_of(128), -EINVAL);
	return conform_end("never-allocated port");
}
