/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domains and vCPUs. A domain has max_vcpus vCPU slots (d->vcpu[], sized
 * when the domain is made); a vCPU exists once created (the builder, or
 * domctl max_vcpus as Xen does) and is down until it has a context and is
 * brought up (the builder for vCPU 0, setvcpucontext with VGCF_online,
 * VCPUOP_initialise + VCPUOP_up). Fields are grouped so a per-vCPU lock
 * can guard the vCPU part when several CPUs run them.
 */
#ifndef HV_DOMAIN_H
#define HV_DOMAIN_H

#include <hv/types.h>
#include <asm/regs.h>
#include <asm/domain.h>
#include <lamina/shared_info.h>
#include <hv/spinlock.h>
#include <hv/time.h>
#include <hv/nospec.h>
#include <hv/ioport_ranges.h>

struct domain;
struct evtchn_bucket;
struct evtchn_fifo;

enum vcpu_state { VCPU_RUNNABLE, VCPU_BLOCKED, VCPU_DOWN };

#define NR_DOMAIN_WATCHDOGS	2	/* as Xen's NR_DOMAIN_WATCHDOG_TIMERS */

#define NR_VIRQS		24
#define MAX_POLL_PORTS		128

struct vcpu {
	struct domain *domain;
	unsigned int vcpu_id;
	struct vcpu_info *vcpu_info;	/* shared_info slot, a registered page, or dummy_info */
	bool vcpu_info_registered;
	mfn_t vcpu_info_mfn;		/* holds a writable-type reference */

	/* Scheduling; guarded by the run queue lock of the vCPU's CPU. */
	enum vcpu_state state;
	/*
	 * Holds on it: its domain's pauses (d->pause_count, counted into
	 * each vCPU) and its own (vcpu_pause); it runs only at 0.
	 */
	unsigned int pause_count;
	struct vcpu *runq_next;
	bool on_runq;
	/*
	 * Down while blocked (Xen's _VPF_blocked kept under _VPF_down): up
	 * again it is blocked until an event; an event while it is down
	 * clears this, and up again it runs.
	 */
	bool blocked_down;
	unsigned int weight;		/* time slice = weight/256 of 10 ms */
	uint64_t runstate_time[4];	/* ns in running, runnable, blocked, offline */
	uint64_t runstate_entry;	/* when the current state began */
	unsigned int runstate;
	/*
	 * Odd while the three above change (sched.c): a reader on another
	 * CPU copies them again until it sees the same even count around.
	 */
	unsigned int runstate_seq;
	uint64_t runstate_area;		/* guest VA, 0 = none */
	uint64_t time_area;		/* a vcpu_time_info copy: guest VA, 0 = none */

	/* Guest timers: one-shot and periodic, both raise VIRQ_TIMER. */
	struct timer singleshot, periodic;
	uint64_t period_ns;		/* 0 = off; 10 ms at creation, as Xen's PV vCPUs */

	/* SCHEDOP_poll: ports to wake on (even when masked). */
	uint32_t poll_ports[MAX_POLL_PORTS];
	unsigned int nr_poll_ports;
	/*
	 * Set by a poll that sleeps, cleared by the event on one of its ports
	 * or by its timeout, whichever comes first (Xen's poll_mask bit): a
	 * timeout that finds it clear wakes nothing.
	 */
	bool polling;
	struct timer poll_timeout;
	bool pin_override;		/* under SCHEDOP_pin_override (dom0): hard_saved below */
	uint64_t hard_affinity, soft_affinity;	/* pCPUs it may / would rather run on */

	uint32_t virq_port[NR_VIRQS];	/* 0 = not bound */
	struct arch_vcpu arch;
	/* After arch: entry.S reads vcpu_info and arch at fixed offsets. */
	uint64_t period_last;		/* when the periodic timer last raised VIRQ_TIMER */
	struct vcpu *next_in_list;	/* the domain's next vCPU by id (for_each_vcpu) */
	bool initialised;		/* has a context (builder, setvcpucontext, VCPUOP_initialise) */
	bool hc_continued;		/* its hypercall built a continuation (hypercall_continue) */
	/* Scheduling, as runq_next above (common/sched.c). */
	bool boosted;			/* queued ahead by vcpu_wake (common/sched.c) */
	uint64_t slice_left;		/* ns of its slice not yet run */
	uint64_t slice_from;		/* when it began running on it; 0 = not running */
	struct vcpu_info dummy_info;	/* ids >= 32 until they register one: masked */
	/*
	 * The CPU whose run queue it is on or would be (changed only with
	 * that queue's lock held), and whether a CPU holds its state now:
	 * set when a CPU picks it, cleared once its state is all saved
	 * (common/sched.c). Here rather than with the scheduling fields
	 * above, so that arch keeps its offset.
	 */
	unsigned int processor;
	bool is_running;
	/*
	 * A pause, unpause, up or down came while a CPU held it: that CPU
	 * writes its runstate again once it is saved (common/sched.c,
	 * runstate_follow). Under the queue lock; read without by that CPU.
	 */
	bool runstate_recheck;
	uint64_t hard_saved;		/* the hard map before SCHEDOP_pin_override */
	uint64_t time_written;		/* system time of the last pvclock_update (here: arch's offset) */
};

struct evtchn {
	uint8_t state;			/* ECS_* */
	uint8_t notify_vcpu;
	uint16_t virq;			/* ECS_VIRQ: the VIRQ; ECS_PIRQ: the PIRQ */
	domid_t remote_dom;		/* unbound: who may bind; interdomain: peer */
	uint16_t pad;
	uint32_t remote_port;
};

enum domain_state { DOMAIN_RUNNING, DOMAIN_SHUTDOWN, DOMAIN_CRASHED };

struct domain {
	domid_t domid;
	char name[16];
	bool is_privileged;		/* dom0: may use privileged operations */
	enum domain_state state;
	bool dying;			/* shut down for good: its memory goes back */
	uint8_t destroy_phase;		/* ... and is going back: DESTROY_* */
	uint64_t destroy_cursor;	/* where the phase goes on */
	uint64_t destroy_freed;		/* frames freed so far */
	unsigned int destroy_steps;
	uint16_t phase_steps[4];	/* steps each phase ran in */
	bool destroyed;			/* ... and has gone back (domain_reap) */
	unsigned int shutdown_reason;	/* SHUTDOWN_* while state != RUNNING (held paused) */
	uint16_t shutdown_code;		/* SCHEDOP_shutdown_code + 1, 0 = none */
	uint8_t watchdog_inuse;		/* SCHEDOP_watchdog: bit i = timer i armed */
	struct timer watchdog[NR_DOMAIN_WATCHDOGS];
	uint64_t nr_pages;		/* frames given to it, still allocated (atomic) */
	uint64_t max_pages;		/* the most it may have */
	uint64_t nr_held;		/* frames given back or left, still held (PGC_unallocated) */
	uint32_t refcnt;		/* get_domain references: its record stays while > 0 */
	uint64_t dirty_cpumask;		/* CPUs its vCPUs were loaded on (hv/flushtlb.h) */
	uint64_t *p2m;			/* hypervisor view of the p2m (direct map) */
	uint64_t vm_assist;		/* VMASST_TYPE_* bits enabled */
	struct shared_info *shared_info;
	mfn_t shared_info_mfn;
	spinlock_t evtchn_lock;		/* guards the ports and the ABI switch */
	spinlock_t vcpu_ctx_lock;	/* a vCPU's context, or its vcpu_info, set one at a time */
	struct evtchn_bucket **evtchn_bucket;	/* pages of ports, allocated up to a limit */
	unsigned int evtchn_nr_buckets;	/* evtchn_bucket[0 .. n-1] exist */
	unsigned int evtchn_valid;	/* a guest may name ports below it (Xen's valid_evtchns) */
	struct evtchn_fifo *evtchn_fifo;	/* FIFO ABI state; NULL = 2-level */
	uint32_t evtchn_fifo_users;	/* CPUs using it without evtchn_lock (evtchn_fifo.c) */
	unsigned int evtchn_active;	/* ports in use (not free, not port 0); under evtchn_lock */
	unsigned int evtchn_free_from;	/* ports 1 up to it are all in use; under evtchn_lock */
	unsigned int evtchn_reset_next;	/* EVTCHNOP_reset under way: its next port; 0 = none */
	bool virq_handler_closed;	/* ports closed by its destroy: no global VIRQ for it */
	struct grant_table *grant;	/* NULL until it has a table or maps one */
	spinlock_t grant_lock;		/* guards *grant and grant (common/grant_internal.h) */
	/* A boot-time domU's rings for dom0 (hvm_op.h); 0 = none. */
	mfn_t store_mfn, console_mfn;
	evtchn_port_t store_port, console_port;
	/* console_io output budget of a domU (console.c); stamp 0 = unused. */
	uint64_t console_tokens, console_stamp, console_dropped;
	bool console_mid_line;	/* its last console_io byte did not end a line */
	/*
	 * The toolstack's view (common/domctl.c). A domain built at boot has
	 * its vCPU created and initialised and is destroyed by the hypervisor
	 * when it shuts down (reap_on_shutdown); one made by createdomain is
	 * born with no vCPU, paused once by the controller, and waits for the
	 * toolstack's destroydomain.
	 */
	uint8_t handle[16];
	uint32_t ssidref;
	uint32_t cdf_flags, emulation_flags, misc_flags;
	unsigned int max_vcpus;		/* vcpu[]'s size: createdomain's, dom0_max_vcpus=, 1 */
	struct vcpu **vcpu;		/* [max_vcpus], NULL = not created (one frame) */
	bool creation_finished;		/* the controller's pause count first reached 0 */
	bool reap_on_shutdown;
	bool killed;			/* destroydomain's continuation destroys it, not the reaper */
	bool shared_info_released;	/* gone: its allocation reference dropped */
	/*
	 * Xen's two counts: pause_count, the domain's pauses (the
	 * controller's, setvcpucontext's, shutdown, destruction; common/
	 * domain.c, domain_pause), each also a hold on every
	 * vCPU, which a vCPU made later starts with; controller_pause_count,
	 * the toolstack's pausedomain (at most 255; 1 from createdomain),
	 * which getdomaininfo reports. Both under pause_lock, with the
	 * vCPUs' holds they make and d->vcpu[]'s growth.
	 */
	unsigned int pause_count;
	unsigned int controller_pause_count;
	spinlock_t pause_lock;
	uint32_t max_evtchn_port;	/* createdomain's: the highest port it may have */
	/* createdomain's, else gnttab_max_frames= and gnttab_max_maptrack_frames=. */
	uint32_t max_grant_frames, max_maptrack_frames;
	/* createdomain's grant_opts (its highest grant version), else gnttab_max_version=. */
	uint32_t max_grant_version;
	int64_t time_offset;		/* settimeoffset: seconds added to the wall clock */
	uint64_t node_affinity;		/* setnodeaffinity's nodes, 0 = automatic (node 0) */
	/*
	 * domctl set_cpu_policy's accepted policy (cpu_policy.c), applied
	 * over the PV view when set: the featureset words (ANDed), the basic
	 * and extended leaf limits, the Xen leaves' limits as serialised.
	 */
	struct domain_cpu_policy {
		bool set;
		uint32_t max_basic, max_extd, hv_limit, hv2_limit;
		uint32_t fs[19];	/* FEATURESET_NR */
	} cpu_policy;
	/*
	 * The I/O ports dom0 gave this domain (domctl ioport_permission,
	 * hv/ioport_ranges.h), under ioport_lock. dom0 has no list: it
	 * reaches every port but the hypervisor's (emul_priv.c).
	 */
	spinlock_t ioport_lock;
	struct ioport_ranges ioports;
	/*
	 * The MMIO frames this domain may map (domctl iomem_permission, Xen's
	 * iomem_caps), also under ioport_lock: a domU's what dom0 gave it,
	 * dom0's every frame below the physical address width but those Xen
	 * 4.17 keeps from its dom0 (mm_dom0_iomem_init). Checked where an L1
	 * entry maps a frame that is not RAM (page_type.c).
	 */
	struct iomem_ranges iomem;
	/*
	 * DOMID_IO's stand-ins (mm_hypercalls.c): an MMIO frame named under
	 * them is judged by the rights of the domain whose table it enters,
	 * as Xen's dom_io "reverts to caller for privilege checks".
	 */
	bool io_via_caller;
	uint64_t p2m_frames;		/* boot-time domains: d->p2m's contiguous frames */
	/*
	 * The toolstack's (arch/x86/memory_op_toolstack.c): set_memory_map's
	 * entries (0 = none), swapped and read under e820_lock.
	 */
	spinlock_t e820_lock;
	mfn_t e820_mfn;
	uint32_t nr_e820;
	uint64_t outstanding_pages;	/* claim_pages: claimed, not yet given */
	uint64_t destroy_zeroed;	/* of destroy_freed, zeroed by the destroy (arch end) */
	uint64_t destroy_zero_ns;	/* the time that zeroing took, over all its steps */
	spinlock_t watchdog_lock;	/* watchdog_inuse, and each watchdog timer's setup */
	struct arch_domain arch;
};

/*
 * Xen's tot_pages: every frame the domain owns, those it gave back but
 * something still holds included (they leave it when freed).
 */
static inline uint64_t domain_tot_pages(const struct domain *d)
{
	return __atomic_load_n(&d->nr_pages, __ATOMIC_RELAXED) +
	       __atomic_load_n(&d->nr_held, __ATOMIC_RELAXED);
}

/* Every vCPU of d that exists, in id order. */
#define for_each_vcpu(d, v) \
	for ((v) = (d)->vcpu ? (d)->vcpu[0] : NULL; (v); (v) = (v)->next_in_list)

extern struct domain *dom0;

/* vCPU id of d, or NULL when it does not exist (id checked, nospec). */
static inline struct vcpu *domain_vcpu(const struct domain *d, unsigned int id)
{
	if (id >= d->max_vcpus || !d->vcpu)
		return NULL;
	return d->vcpu[array_index_nospec(id, d->max_vcpus)];
}
/* d->vcpu[] for max vCPUs (at most CONFIG_MAX_VCPUS): 0 or -EINVAL, -ENOMEM. */
int domain_vcpus_alloc(struct domain *d, unsigned int max);
/* vCPU id of d (d->vcpu[] and shared_info exist), down and uninitialised. */
struct vcpu *vcpu_create(struct domain *d, unsigned int id);
void vcpu_free(struct vcpu *v);

struct vcpu *current_vcpu(void);
/*
 * A domain by id, unreferenced: for the domain's own hypercalls and for
 * owners of frames someone holds (nr_held keeps those). A hypercall that
 * acts on another domain takes a reference: get_domain_by_id ... put_domain;
 * the record, its vCPUs and its event-channel pages are freed only after
 * the last put (domain_reap).
 */
struct domain *domain_by_id(domid_t id);
struct domain *get_domain_by_id(domid_t id);
struct domain *get_domain_at_or_after(domid_t id);
void get_domain(struct domain *d);	/* another reference to one already held */
void put_domain(struct domain *d);
unsigned int domain_count(void);
struct domain *domain_by_index(unsigned int i);
/* fn(d), under the domain list's lock, for each domain whose shared_info page is still its own. */
void domain_each_shared_info(void (*fn)(struct domain *d));
/* fn(d), under that lock, if d's shared_info page is still its own (d referenced). */
void domain_with_shared_info(struct domain *d, void (*fn)(struct domain *d));

void domain_shutdown(struct domain *d, unsigned int reason);
long domain_shutdown_self(struct domain *d, unsigned int reason);	/* sched.c */
long domain_resume(struct domain *d);	/* domctl resumedomain: 0 */
void domain_crash(struct domain *d, const char *fmt, ...) __printf(2, 3);
/*
 * d's I/O lists: its ports (IO_PORTS, first <= last <= 0xffff) or MMIO
 * frames (IO_MEM, first <= last < 2^52): first..last added (allow) or
 * taken away, 0 or -ENOMEM (IOPORT_RANGES or IOMEM_RANGES reached, as
 * Xen's rangeset can fail to grow); and whether all of first..last are
 * in the list.
 */
enum io_caps { IO_PORTS, IO_MEM };
int io_caps_change(struct domain *d, enum io_caps k, bool allow, uint64_t first, uint64_t last);
bool io_caps_cover(struct domain *d, enum io_caps k, uint64_t first, uint64_t last);
/* Whether d holds any port or frame (Xen's cache_flush_permitted: its L1 entries may carry cache attributes). */
bool domain_has_io_caps(const struct domain *d);
/* A new domain on the list (domain_new, then domain_publish), or NULL. */
struct domain *domain_alloc(domid_t domid, const char *name, bool privileged);
/* A new domain's record, not on the list yet (no lookup finds it), or NULL. */
struct domain *domain_new(domid_t domid, const char *name, bool privileged);
/* d on the list: 0, -EEXIST (its id taken) or -ENOMEM (the list full; d stays off). */
int domain_publish(struct domain *d);
/* The end of a domain never published (nothing else saw it): all of it freed. */
void domain_free_unlisted(struct domain *d);
/* Whether no domain, live or still referenced, has this id. */
bool domain_id_is_free(domid_t id);
/*
 * A pause of the whole domain (d->pause_count): every vCPU held, those
 * made later too; domain_pause also waits until no CPU holds one (d is
 * not the caller's domain). Each is undone by one domain_unpause.
 */
void domain_pause_nosync(struct domain *d);
void domain_pause(struct domain *d);
void domain_unpause(struct domain *d);
/* The controller's pause count (domctl pause/unpausedomain): 0, -EOVERFLOW, -EINVAL. */
int domain_pause_by_controller(struct domain *d);
int domain_unpause_by_controller(struct domain *d);
/* A vCPU up (runs once nothing holds it paused) or down. */
void vcpu_set_online(struct vcpu *v, bool online);
void vcpu_reset_blocked(struct vcpu *v);	/* down and not blocked: setvcpucontext's reset */
/* Whether no vCPU of d but v (may be NULL) is up. */
bool domain_others_down(const struct domain *d, const struct vcpu *v);
/*
 * destroydomain: pauses d, then destroys it a step (about 1 ms) per call:
 * -ERESTART until it is over, then 0; its record goes once nothing holds
 * any of its frames (until then getdomaininfo shows it dying).
 */
int domain_kill(struct domain *d);
void domain_kill_all(struct domain *d);
/* The shared_info page of a new domain (arch/x86/domain_build.c). */
int domain_shared_info_init(struct domain *d);
/* The legacy hypercall page's stubs (arch/x86/domain_build.c). */
void pv_fill_hypercall_page(uint8_t *page);
long pv_init_hypercall_page(struct domain *d, uint64_t mfn);
/*
 * Frees what dying domains held, about 1 ms at a time; the scheduler calls
 * it between guests, and while idle as long as it has work (true).
 */
bool domain_reap(void);
/*
 * A dying domain's end, in phases, each worked off about 1 ms at a time:
 * its ports close, its grant mappings of others' pages go, its page
 * tables are released (arch begin, then steps), and its frames lose their
 * allocation references (arch end, from frame d->destroy_cursor on).
 */
enum { DESTROY_PORTS, DESTROY_GRANTS, DESTROY_TABLES, DESTROY_FRAMES };
void arch_domain_destroy_begin(struct domain *d);
bool arch_domain_destroy_step(struct domain *d);
bool arch_domain_destroy_end(struct domain *d, uint64_t until);

/* Machine-level consequences of dom0's end (arch/x86/power.c). */
void __noreturn machine_power_off(void);
void __noreturn machine_reboot(void);
void __noreturn machine_halt(void);
void machine_test_exit(unsigned int code);	/* returns if not in test mode */

/*
 * isa-debug-exit codes in test mode (`testexit`); QEMU exits with
 * (code << 1) | 1. tests/run/boot decodes them.
 */
#define TEST_EXIT_POWEROFF	0x10
#define TEST_EXIT_REBOOT	0x11
#define TEST_EXIT_CRASH		0x12
#define TEST_EXIT_BUILD_FAILED	0x13
#define TEST_EXIT_PANIC		0x1f

/*
 * Every domain in id order, each referenced while the walk is at it:
 * for (d = NULL; (d = domain_next_get(d));) ...; a walk that stops early
 * puts the one it stopped at.
 */
static inline struct domain *domain_next_get(struct domain *prev)
{
	struct domain *d;

	if (!prev)
		return get_domain_at_or_after(0);
	d = prev->domid < 0xFFFF ? get_domain_at_or_after(prev->domid + 1) : NULL;
	put_domain(prev);
	return d;
}

#endif
