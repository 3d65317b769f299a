/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The peer of a two-domain test guest: the same guest again, running as an
 * unprivileged domain beside dom0 (it knows it is the peer because its
 * start_info lacks SIF_INITDOMAIN).
 *
 * On Lamina the runner boots it as a boot-time domain (the module after
 * dom0's, see "@domus"), and peer_start() only names it. Xen 4.17 builds
 * no domains from boot modules on x86; there the same module reaches dom0
 * as its initrd, and peer_start() builds the domain from it through raw
 * hypercalls (domctl createdomain / max_mem / setvcpucontext /
 * unpausedomain, memory_op populate_physmap for it, mmu_update and
 * mmuext_op with it as foreigndom) with the start-of-day layout of
 * docs/abi-core.md §1.5, and unpauses it.
 *
 * A domU's console_io output is dropped by a release build of Xen, so the
 * peer Xen gets a console page (start_info console.domU.mfn, the layout of
 * the PV console ring) which its printf writes to and dom0 copies to its
 * own console, each line prefixed "(d<N>) " as Lamina prints them.
 */
#ifndef GUEST_PEER_H
#define GUEST_PEER_H

#include "guest.h"
#include "events.h"

/*
 * Starts the peer (on Xen, built with mem_mib MiB and this command line;
 * on Lamina the runner's module string gave both). Call after mm_init()
 * or events_init(). Returns its domain id, or a negative errno after
 * printing why.
 */
int peer_start(struct start_info *si, const char *cmdline, unsigned int mem_mib);

/*
 * Builds and starts the peer at run time on either hypervisor, as
 * peer_start does on Xen, from dom0's initrd past its first `skip` bytes
 * (a runner "@initrd: self" pads the ELF so Lamina does not boot it).
 * Returns its domain id, or a negative errno after printing why.
 */
int peer_build(struct start_info *si, uint64_t skip, const char *cmdline, unsigned int mem_mib);
/* The vCPUs peer_build gives the domain (1 unless set); vCPU 0 is started. */
extern unsigned int peer_max_vcpus;
/* The highest grant-table version it may switch to (createdomain grant_opts; 1 unless set). */
extern unsigned int peer_grant_version;

/*
 * When set, peer_build calls it on vCPU 0's context just before
 * setvcpucontext (a test's own FPU state, say).
 */
struct vcpu_guest_context;
extern void (*peer_context_hook)(struct vcpu_guest_context *c);
/* The domain peer_build is building (for its hook), or last built. */
domid_t peer_building(void);

/*
 * The test_main of a two-domain test: events_init, then the peer's part
 * (a start_info without SIF_INITDOMAIN) or dom0's.
 */
static inline int peer_or_dom0(struct start_info *si, int (*peer)(void),
			       int (*dom0)(struct start_info *si))
{
	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		return peer();
	return dom0(si);
}

/*
 * dom0 binds the peer's port remote (offered to it with alloc_unbound),
 * yielding while the peer has not made it yet, and clears the event the
 * bind raises (§7.1). 0 with the local port in *local, or the error.
 */
static inline long peer_bind(domid_t peer, evtchn_port_t remote, evtchn_port_t *local)
{
	struct evtchn_bind_interdomain bi = { .remote_dom = peer, .remote_port = remote };
	unsigned int tries = 0;
	long rc;

	while ((rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi)) == -EINVAL &&
	       peer_wait_more(&tries, 1000))
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	if (rc == 0)
		port_test_and_clear(bi.local_port);
	*local = bi.local_port;
	return rc;
}

/* dom0 gives back its mapping of a built peer's console page (flushed first). */
void peer_unmap_console(void);

/* Copies what the peer wrote to its console page to ours (Xen; no-op otherwise). */
void peer_console_flush(void);

/* The console page: the PV console ring's layout (in, out, indexes). */
struct peer_console {
	char in[1024];
	char out[2048];
	uint32_t in_cons, in_prod;
	uint32_t out_cons, out_prod;
};

/* Set by peer_start on Xen; printf and the result line call it first. */
extern void (*console_flush_hook)(void);
/* Set for a peer that was given a console page (peer side). */
extern struct peer_console *console_page;
/*
 * How many yields a write to a full console page waits for room before it
 * drops the rest (1000 unless set; ~0U: waits for as long as it takes).
 */
extern unsigned int console_page_waits;
/*
 * Called after each write to console_page when set: a domU whose console
 * backend waits for events (Xen's xenconsoled; our consoled polls) sets
 * it to notify its console port.
 */
extern void (*console_page_notify)(void);
/*
 * A domU printing on its console page whose lines must all arrive: writes
 * wait for room for as long as it takes, and the console port @port (if
 * not 0) is notified after each.
 */
void console_page_domu(uint32_t port);
/* Waits (bounded: 100000 yields) until the backend has taken every byte. */
void console_page_drain(void);

#endif
