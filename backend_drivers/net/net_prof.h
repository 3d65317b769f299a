/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netback's profile (built only with -DNB_PROF: `make -C backend_drivers
 * netback-prof`, used by `tests/bench/net-bench --prof`): per vif, the TSC
 * spent in each phase of the data path and counts of what the phases did
 * (packets, grant copy ioctls and the GNTTABOP_copy hypercalls they make,
 * tap reads and writes, events in and out). Under QEMU's
 * `-icount shift=0,sleep=off` the TSC counts guest instructions, so the
 * figures repeat from run to run. netback -v prints a vif's line to its
 * log every 2 s while it moves packets, and at disconnect.
 * Without NB_PROF every macro here is empty.
 */
#ifndef NB_NET_PROF_H
#define NB_NET_PROF_H

#include <stdint.h>

enum nb_phase {
	NP_TX_TAKE,	/* nb_tx_take: ring slots checked, the packet grant-copied in */
	NP_TX_WRITE,	/* writev to the tap */
	NP_TX_PUSH,	/* responses published, final check */
	NP_RX_READ,	/* readv from the tap (the empty read that ends a batch included) */
	NP_RX_PUT,	/* nb_rx_put: rx requests taken, copies listed */
	NP_RX_FLUSH,	/* nb_rx_flush: the batch's grant copy, responses published */
	NP_NOTIFY,	/* the event to the frontend */
	NP_NR
};

enum nb_count {
	NC_SERVE,	/* serve() calls */
	NC_EVENT,	/* events from the frontend */
	NC_TAP_WAKE,	/* serve() because the tap was readable */
	NC_TX_PKT, NC_TX_GSO, NC_TX_BYTES, NC_TX_SLOTS,
	NC_TX_IOCTL,	/* grant copy ioctls for tx */
	NC_TX_OPS,	/* the GNTTABOP_copy ops they make (a piece per local page) */
	NC_TX_HCALL,	/* the hypercalls those take (gntdev: 16 ops a call) */
	NC_WRITEV,
	NC_RX_PKT, NC_RX_GSO, NC_RX_BYTES,
	NC_READV,	/* readv calls, the empty ones included */
	NC_READV_EMPTY,
	NC_RX_FLUSH,	/* batches (one grant copy ioctl each) */
	NC_RX_OPS, NC_RX_HCALL,
	NC_RX_WAIT,	/* a frame waited for rx requests */
	NC_NOTIFY,	/* events sent */
	NC_NR
};

struct nb_prof {
	uint64_t tsc[NP_NR];
	uint64_t n[NC_NR];
	uint64_t shown_pkts;	/* tx + rx packets when last printed */
};

#ifdef NB_PROF
#define NB_PROF_T0()		uint64_t nb_prof_t0 = __builtin_ia32_rdtsc()
#define NB_PROF_LAP(p, ph)	do { uint64_t nb_t = __builtin_ia32_rdtsc(); \
				     (p)->tsc[ph] += nb_t - nb_prof_t0; nb_prof_t0 = nb_t; } while (0)
#define NB_PROF_RESET()		(nb_prof_t0 = __builtin_ia32_rdtsc())
#define NB_PROF_ADD(p, c, v)	((p)->n[c] += (v))
#define NB_PROF_ON		1
#else
#define NB_PROF_T0()		do { } while (0)
#define NB_PROF_LAP(p, ph)	do { } while (0)
#define NB_PROF_RESET()		do { } while (0)
#define NB_PROF_ADD(p, c, v)	do { } while (0)
#define NB_PROF_ON		0
#endif

#endif
