// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the parts of fuzz-state share (tests/guest/fuzz-state.c has the
 * essay, the loop and the setup): the limits, the mailbox and pool
 * layouts, the state every part reads, and each part's entry points.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include "../lib/guest.h"
#include "../lib/events.h"
#include "../lib/mm.h"
#include "../lib/peer.h"
#include "../lib/traps.h"
#include <lamina/grant_table.h>
#include <lamina/memory.h>

#define NPOOL		24	/* frames for tables and reservations */
#define NSHARE		6	/* frames granted to the other side */
#define NWIN		10	/* VAs whose PTEs the fuzzer rewrites */
#define NGNT		16	/* grant-table frames we map */
#define NPUB		200	/* frames a side may grant or let dom0 map */
#define NHANDLES	32
#define REF_MAILBOX	7
#define REF_SHARE	16	/* refs 16.. grant the shared pool */
#define MARK		0x6d61726b65645f00ULL	/* "marked_" ^ frame */
#define NO_MFN		(~0ULL)
#define PEER_WAIT_NS	60000000000ULL

/*
 * The peer's page: dom0 maps it through ref 7. It stays below SCRIBBLE,
 * where a side writes forged PTEs into the pages it maps of the other.
 */
#define SCRIBBLE	3584
struct mailbox {
	volatile uint32_t go, done;		/* done: 1 ok, 2 failed */
	volatile uint32_t dom0_done;		/* dom0 checks no more: the peer may end */
	volatile uint64_t seed, calls;
	volatile uint32_t peer_id;		/* the peer's domain id, from dom0 */
	volatile uint64_t progress[2];		/* hypercalls so far, per side */
	/*
	 * Every frame a side ever let the other reach (pool, shared pool,
	 * shared_info, grant frames, mailbox, console): [0] dom0's, [1] the
	 * peer's. A ring: npub counts every frame ever written; the live pool
	 * is written again every so often. What the other side got while a
	 * frame was published it remembers itself (reached_add()).
	 */
	volatile uint64_t pub[2][NPUB];
	volatile uint32_t npub[2];
	volatile uint32_t port[2];		/* an unbound port for the other */
	char off[64];				/* actions left out, as dom0's off= */
	volatile uint32_t trace;
	/*
	 * The peer asks dom0 whether a frame a map of dom0's grant gave is
	 * dom0's (ask_seq, then ask_mfn), dom0 answers after its next step or
	 * while it waits (answer, then answer_seq = ask_seq). The peer's
	 * mapping holds the frame, so the answer stays true.
	 */
	volatile uint64_t ask_mfn;
	volatile uint32_t ask_seq, answer_seq, answer;
	char why[216];				/* the peer's failure, cut to fit */
};
_Static_assert(sizeof(struct mailbox) <= SCRIBBLE, "the mailbox stays below SCRIBBLE");

struct pool_page {
	uint64_t va, pfn, mfn;		/* mfn NO_MFN while given back */
	uint64_t old_mfn;		/* the frame last given back */
	int pinned;			/* level we believe it is pinned at, or 0 */
};

struct win {
	uint64_t va;
	uint64_t last_mfn;		/* the frame it last mapped */
};

struct handle {
	uint64_t addr, bus;
	grant_handle_t h;
	bool used;
};

/* The v2 grant entry layout (docs/abi-devices.md §1), for when v2 is on. */
struct fz_grant_v2 {
	uint16_t flags;
	domid_t domid;
	uint32_t pad0;
	uint64_t frame;
};

/* The state (model.c defines it). */
extern struct start_info *si;
extern uint64_t *p2m;
extern int me;	/* 0 dom0, 1 the peer */
extern domid_t other, self_id;	/* the other side's domain id, and ours */
extern struct mailbox *box;
extern struct pool_page pool[NPOOL + NSHARE];	/* the last NSHARE: shared pool */
extern struct win win[NWIN];
extern struct handle handles[NHANDLES];
extern uint64_t gnt_va[NGNT], gnt_mfn[NGNT];
extern uint64_t status_mfn[NGNT];	/* v2's status frames */
extern unsigned int status_frames;
extern unsigned int gnt_frames, gnt_version;
extern uint64_t shinfo_mfn, l4_mfn, peek_va;
extern uint64_t state, calls, max_calls, step;
extern const char *action;
extern char why[200];
extern long last_rc;
extern bool on_lamina_cached;
extern bool trace;	/* trace=1: every fuzzing hypercall on the console */
extern const char *off_list;	/* off=: actions and mutations left out */

/* model.c */
uint64_t rnd(void);
uint64_t pick(uint64_t n);
bool chance(unsigned int percent);
bool mutation(const char *name, unsigned int percent);
long hc(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4);
long gnttab(unsigned int cmd, void *arg, unsigned int count);
bool probe_read(uint64_t addr, uint64_t *val);
void find_region_l1s(void);
uint64_t pte_maddr(uint64_t va);
uint64_t pte_of(uint64_t va);
bool is_own(uint64_t mfn);
bool published_by_other(uint64_t mfn);
bool offered_by_other(uint64_t mfn);
void answer_peer(void);
void reached_add(uint64_t mfn);
bool was_reached(uint64_t mfn);
bool is_special(uint64_t mfn);
void read_machine_memory_map(void);
bool hypervisor_driven(uint64_t mfn);
bool dom0_io_frame(uint64_t mfn);
int freed_index(uint64_t mfn);
void freed_add(uint64_t mfn, bool marked);
void freed_forget(uint64_t mfn);
void freed_written(uint64_t mfn);
bool freed_marked(uint64_t mfn);
bool hypervisor_says_owner(uint64_t mfn, domid_t dom);
bool hypervisor_says_ours(uint64_t mfn);
bool still_ours(uint64_t mfn);

/* checks.c */
int violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int check_all(void);

/* pick.c */
struct pool_page *any_pool(void);
struct pool_page *live_pool(void);
uint64_t other_frame(void);
uint64_t foreign_frame(void);
uint64_t pick_frame(void);
uint64_t pick_flags(void);
unsigned int gnt_capacity(void);
grant_ref_t pick_ref(void);
domid_t pick_dom(void);
uint64_t pick_flush(void);

/* act_mm.c */
void note_mmuext(const struct mmuext_op *op);
void act_pin(void);
void act_unpin(void);
void act_pt_entry(void);
void act_machphys(void);
void act_map_window(void);
void act_foreign(void);
void act_decrease(void);
void act_increase(void);
void act_reuse(void);
void act_exchange(void);

/* act_grant.c */
void publish_frame(uint64_t mfn);
void publish(void);
long grant_frames(unsigned int want);
void grant_write(grant_ref_t ref, domid_t dom, uint64_t frame, uint16_t flags);
bool named_in_grant(uint64_t mfn);
void act_grant_entry(void);
void act_setup_table(void);
void act_set_version(void);
void act_map_grant(void);
void act_unmap_grant(void);
void act_copy(void);
void act_swap(void);

/* act_misc.c */
void act_event(void);
void act_mmuext_misc(void);
void act_multicall(void);

/* fuzz-state.c */
bool in_list(const char *list, const char *name);

#endif
