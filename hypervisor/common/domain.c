// SPDX-License-Identifier: GPL-2.0-only
/*
 * Domain lifetime. The end of dom0 is the end of the machine: poweroff
 * powers it off, reboot reboots it (halts with `noreboot`), a crash
 * reboots or halts the same way (pv-abi-core.md §0 item 17). Any other
 * domain that shuts down or crashes is paused, reported, and dom0 hears of
 * it through VIRQ_DOM_EXC; the toolstack may resume it (resumedomain,
 * domain_resume) or destroy it. A domain built at boot has no toolstack to
 * destroy it: when it powers off, reboots or crashes the hypervisor does
 * (domain_reap). One made by domctl createdomain waits, shut down, for
 * the toolstack's destroydomain (domain_kill). Either way its event
 * channels close, its grant mappings of others' pages go, its memory goes
 * back, except frames others still map, which go when they are unmapped;
 * once none is left its record, slot and id go too (domain_gone). A
 * suspended (or soft-reset) domain stays, paused, even one built at boot.
 */
#include <stdarg.h>
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/memop_toolstack.h>
#include <hv/hypervisor.h>
#include <hv/mm.h>
#include <hv/time.h>
#include <hv/preempt.h>
#include <lamina/sched.h>
#include <hv/sched.h>
#include <hv/event.h>
#include <hv/grant_table.h>
#include <hv/page_alloc.h>
#include <asm/page.h>
#include <asm/percpu.h>

struct domain *dom0;
/*
 * The domains, live or still referenced, in no particular order: a
 * domain's record comes from the frame allocator and goes back, with its
 * slot and its id, once nothing holds any of its frames (domain_gone).
 */
static struct domain *domains[CONFIG_MAX_DOMAINS];
static unsigned int nr_domains;
/* Guards domains[] and nr_domains, and a record's last reference against its removal. */
static spinlock_t domlist_lock = SPINLOCK_INIT_LEVEL(LOCK_LEVEL_DOMLIST);
/*
 * One CPU at a time reaps or destroys: the reaper and domain_kill take it
 * around their steps and domains_gone, which have no lock of their own
 * (a domain's destroy phase and cursor, nr_lingering, domains[]).
 */
static bool reaper_busy;
static bool reap_pending;
static unsigned int nr_lingering;	/* destroyed, record not yet freed */

#define DOMAIN_FRAMES	DIV_ROUND_UP(sizeof(struct domain), PAGE_SIZE)

struct vcpu *current_vcpu(void)
{
	return this_cpu()->current;
}

static struct domain *find(domid_t id)
{
	unsigned int i;

	ASSERT_LOCKED(&domlist_lock);
	for (i = 0; i < nr_domains; i++)
		if (domains[i]->domid == id)
			return domains[i];
	return NULL;
}

struct domain *domain_by_id(domid_t id)
{
	struct domain *d;

	spin_lock(&domlist_lock);
	d = find(id);
	spin_unlock(&domlist_lock);
	return d;
}

struct domain *get_domain_by_id(domid_t id)
{
	struct domain *d;

	spin_lock(&domlist_lock);
	d = find(id);
	if (d)
		__atomic_add_fetch(&d->refcnt, 1, __ATOMIC_ACQUIRE);
	spin_unlock(&domlist_lock);
	return d;
}

/*
 * The domain, live or still referenced, with the lowest id >= id,
 * referenced (put_domain), or NULL. A walk that reads the records looks
 * them up here, not by index: the reaper may free one on another CPU.
 */
struct domain *get_domain_at_or_after(domid_t id)
{
	struct domain *best = NULL;
	unsigned int i;

	spin_lock(&domlist_lock);
	for (i = 0; i < nr_domains; i++)
		if (domains[i]->domid >= id && (!best || domains[i]->domid < best->domid))
			best = domains[i];
	if (best)
		__atomic_add_fetch(&best->refcnt, 1, __ATOMIC_ACQUIRE);
	spin_unlock(&domlist_lock);
	return best;
}

void get_domain(struct domain *d)
{
	uint32_t old = __atomic_fetch_add(&d->refcnt, 1, __ATOMIC_ACQUIRE);

	BUG_ON(old == UINT32_MAX);
}

void put_domain(struct domain *d)
{
	uint32_t old = __atomic_fetch_sub(&d->refcnt, 1, __ATOMIC_RELEASE);

	BUG_ON(!old);
	if (old == 1 && d->destroyed)
		pending_work_set(PW_REAP);	/* domain_gone waited for this */
}

bool domain_id_is_free(domid_t id)
{
	return !domain_by_id(id);
}

unsigned int domain_count(void)
{
	return nr_domains;
}

static bool shared_info_own(const struct domain *d)
{
	ASSERT_LOCKED(&domlist_lock);
	return d->shared_info && !d->shared_info_released;
}

void domain_each_shared_info(void (*fn)(struct domain *d))
{
	unsigned int i;

	spin_lock(&domlist_lock);
	for (i = 0; i < nr_domains; i++)
		if (shared_info_own(domains[i]))
			fn(domains[i]);
	spin_unlock(&domlist_lock);
}

/*
 * A reference keeps d's record, not its shared_info page: domain_gone
 * lets the page go, under the list lock, before it looks at the
 * references. fn(d) under that lock, if the page is still d's.
 */
void domain_with_shared_info(struct domain *d, void (*fn)(struct domain *d))
{
	spin_lock(&domlist_lock);
	if (shared_info_own(d))
		fn(d);
	spin_unlock(&domlist_lock);
}

struct domain *domain_by_index(unsigned int i)
{
	return i < nr_domains ? domains[i] : NULL;
}

/*
 * A new domain's record, not on the list: no lookup finds it, so nothing
 * acts on it half made (createdomain builds it first, as Xen 4.17's
 * domain_create puts a domain on its list last). Its id is not taken
 * until domain_publish.
 */
struct domain *domain_new(domid_t domid, const char *name, bool privileged)
{
	struct domain *d;
	mfn_t mfn;

	mfn = alloc_frames_contig(DOMAIN_FRAMES);	/* zeroed */
	if (mfn == INVALID_MFN)
		return NULL;
	d = mfn_to_virt(mfn);
	d->domid = domid;
	strlcpy(d->name, name, sizeof(d->name));
	d->is_privileged = privileged;
	d->state = DOMAIN_RUNNING;
	/* As built at boot; createdomain changes what differs. No vCPU yet. */
	d->creation_finished = true;
	d->reap_on_shutdown = !privileged;
	d->max_evtchn_port = ~0U;
	d->max_grant_frames = hv_opts.gnttab_max_frames;
	d->max_maptrack_frames = hv_opts.gnttab_max_maptrack;
	d->max_grant_version = hv_opts.gnttab_max_version;
	spin_lock_init(&d->evtchn_lock, LOCK_LEVEL_EVTCHN);
	spin_lock_init(&d->vcpu_ctx_lock, LOCK_LEVEL_VCPUCTX);
	spin_lock_init(&d->grant_lock, LOCK_LEVEL_GRANT);
	spin_lock_init(&d->watchdog_lock, LOCK_LEVEL_WATCHDOG);
	spin_lock_init(&d->pause_lock, LOCK_LEVEL_PAUSE);
	spin_lock_init(&d->ioport_lock, LOCK_LEVEL_IOPORT);
	spin_lock_init(&d->e820_lock, LOCK_LEVEL_E820);
	if (privileged)
		mm_dom0_iomem_init(d);
	rspin_lock_init(&d->arch.pt.lock, LOCK_LEVEL_PT);
	if (evtchn_domain_init(d) || grant_table_init(d)) {
		domain_free_unlisted(d);
		return NULL;
	}
	return d;
}

int domain_publish(struct domain *d)
{
	int rc = 0;

	spin_lock(&domlist_lock);
	if (find(d->domid))
		rc = -EEXIST;
	else if (nr_domains >= ARRAY_SIZE(domains))
		rc = -ENOMEM;
	else
		domains[nr_domains++] = d;	/* the lock's release: seen whole */
	spin_unlock(&domlist_lock);
	return rc;
}

struct domain *domain_alloc(domid_t domid, const char *name, bool privileged)
{
	struct domain *d;

	if (nr_domains >= ARRAY_SIZE(domains) || domain_by_id(domid))
		return NULL;	/* a quick answer; checked again under the lock */
	d = domain_new(domid, name, privileged);
	if (d && domain_publish(d)) {
		domain_free_unlisted(d);
		return NULL;
	}
	return d;
}

/* The I/O lists (hv/ioport_ranges.h), ports and MMIO frames, under d's ioport_lock. */
static int io_list_change(struct domain *d, struct io_range *r, unsigned int *n,
			  unsigned int max, bool add, uint64_t first, uint64_t last)
{
	int rc;

	spin_lock(&d->ioport_lock);
	rc = add ? io_ranges_add(r, n, max, first, last) : io_ranges_remove(r, n, max, first, last);
	spin_unlock(&d->ioport_lock);
	return rc;
}

/*
 * An empty list is answered without the lock: most domains hold nothing,
 * and DOMID_IO's and DOMID_XEN's stand-ins (mm_hypercalls.c) have no lock
 * set up.
 */
static bool io_list_covers(struct domain *d, const struct io_range *r, const unsigned int *n,
			   uint64_t first, uint64_t last)
{
	bool ok;

	if (!__atomic_load_n(n, __ATOMIC_RELAXED))
		return false;
	spin_lock(&d->ioport_lock);
	ok = io_ranges_cover(r, *n, first, last);
	spin_unlock(&d->ioport_lock);
	return ok;
}

int io_caps_change(struct domain *d, enum io_caps k, bool allow, uint64_t first, uint64_t last)
{
	if (k == IO_PORTS)
		return io_list_change(d, d->ioports.r, &d->ioports.n, IOPORT_RANGES, allow, first, last);
	return io_list_change(d, d->iomem.r, &d->iomem.n, IOMEM_RANGES, allow, first, last);
}

bool io_caps_cover(struct domain *d, enum io_caps k, uint64_t first, uint64_t last)
{
	if (k == IO_PORTS)
		return io_list_covers(d, d->ioports.r, &d->ioports.n, first, last);
	return io_list_covers(d, d->iomem.r, &d->iomem.n, first, last);
}

bool domain_has_io_caps(const struct domain *d)
{
	return __atomic_load_n(&d->iomem.n, __ATOMIC_RELAXED) ||
	       __atomic_load_n(&d->ioports.n, __ATOMIC_RELAXED);
}

/* Its vCPUs and d->vcpu[]; vCPU 0 last: its end takes the watchdogs. */
static void domain_vcpus_free(struct domain *d)
{
	unsigned int id = d->max_vcpus;

	if (!d->vcpu)
		return;
	while (id--) {
		if (d->vcpu[id]) {
			sched_remove_vcpu(d->vcpu[id]);
			vcpu_free(d->vcpu[id]);
		}
	}
	free_frame(virt_to_maddr(d->vcpu) >> PAGE_SHIFT);
	d->vcpu = NULL;
}

/*
 * A domain never published (domain_new), which never ran and which
 * nothing else ever saw: its shared_info page, vCPUs, ports and record.
 */
void domain_free_unlisted(struct domain *d)
{
	if (d->shared_info_mfn && !put_alloc_ref(d->shared_info_mfn))
		BUG();		/* nobody could map it */
	domain_vcpus_free(d);
	evtchn_domain_free(d);
	grant_table_destroy(d);		/* nobody could pin an entry: freed now */
	free_frames(virt_to_maddr(d) >> PAGE_SHIFT, DOMAIN_FRAMES);
}

/*
 * A destroyed domain whose frames nobody holds any more goes: its
 * shared_info page (which others may still map: then it waits for that),
 * its ports' pages, its p2m, its record, its slot and its id. Never the
 * vCPU this CPU still calls current (the one that ran last before an
 * idle spell): that waits for the next switch. True when it went.
 */
static bool domain_gone(unsigned int i)
{
	struct domain *d = domains[i];
	const struct vcpu *cur = this_cpu()->current;	/* NULL while booting */

	if (!d->destroyed || d->grant || (cur && cur->domain == d))
		return false;
	if (!d->shared_info_released && d->shared_info_mfn) {
		spin_lock(&domlist_lock);	/* domain_each_shared_info writes no more */
		d->shared_info_released = true;
		spin_unlock(&domlist_lock);
		if (!put_alloc_ref(d->shared_info_mfn))
			return false;		/* mapped: freed by the last put_page */
	}
	if (d->nr_held)
		return false;
	/* Out of the list only while nobody holds a reference; none can be taken after. */
	spin_lock(&domlist_lock);
	if (__atomic_load_n(&d->refcnt, __ATOMIC_ACQUIRE)) {
		spin_unlock(&domlist_lock);
		return false;
	}
	BUG_ON(domains[i] != d);
	domains[i] = domains[--nr_domains];
	spin_unlock(&domlist_lock);
	domain_vcpus_free(d);
	evtchn_domain_free(d);
	if (d->p2m_frames)
		free_frames(virt_to_maddr(d->p2m) >> PAGE_SHIFT, d->p2m_frames);
	pr_info("d%u: gone, its id is free\n", d->domid);
	nr_lingering--;
	free_frames(virt_to_maddr(d) >> PAGE_SHIFT, DOMAIN_FRAMES);
	return true;
}

/* Every destroyed domain that can go now. */
static void domains_gone(void)
{
	unsigned int i = 0;

	while (i < nr_domains)
		if (!domain_gone(i))
			i++;
}

/*
 * Pausing a domain (Xen's domain_pause): d->pause_count and a hold on
 * each vCPU change together under d->pause_lock, and vcpu_create takes
 * the lock to start a new vCPU with d->pause_count holds, so every vCPU
 * carries exactly the domain's pauses besides its own. Waiting for the
 * vCPUs to stop happens after the lock is dropped: a vCPU of d that
 * shuts d down meanwhile (domain_shutdown takes the lock) must be able
 * to finish its hypercall.
 */
static void pause_locked(struct domain *d)
{
	struct vcpu *v;

	ASSERT_LOCKED(&d->pause_lock);
	d->pause_count++;
	for_each_vcpu(d, v)
		vcpu_pause_nosync(v);
}

static void unpause_locked(struct domain *d)
{
	struct vcpu *v;

	ASSERT_LOCKED(&d->pause_lock);
	BUG_ON(!d->pause_count);	/* an unpause without its pause */
	d->pause_count--;
	for_each_vcpu(d, v)
		vcpu_unpause(v);
}

/* Until no CPU holds a vCPU of d (not the caller's domain). */
static void domain_sleep_sync(struct domain *d)
{
	struct vcpu *v;

	for_each_vcpu(d, v)
		vcpu_sleep_sync(v);
}

void domain_pause_nosync(struct domain *d)
{
	spin_lock(&d->pause_lock);
	pause_locked(d);
	spin_unlock(&d->pause_lock);
}

void domain_pause(struct domain *d)
{
	domain_pause_nosync(d);
	domain_sleep_sync(d);
}

void domain_unpause(struct domain *d)
{
	spin_lock(&d->pause_lock);
	unpause_locked(d);
	spin_unlock(&d->pause_lock);
}

/*
 * The toolstack's count (Xen's domain_pause_by_systemcontroller), at
 * most 255, changed with the domain pause it stands for in one step, so
 * two of dom0's vCPUs pausing and unpausing at once never unpause a
 * pause the other has counted but not yet made.
 */
int domain_pause_by_controller(struct domain *d)
{
	spin_lock(&d->pause_lock);
	if (d->controller_pause_count >= 255) {
		spin_unlock(&d->pause_lock);
		return trace_err(-EOVERFLOW);
	}
	d->controller_pause_count++;
	pause_locked(d);
	spin_unlock(&d->pause_lock);
	domain_sleep_sync(d);	/* the caller is another domain */
	return 0;
}

int domain_unpause_by_controller(struct domain *d)
{
	spin_lock(&d->pause_lock);
	if (!d->controller_pause_count) {
		spin_unlock(&d->pause_lock);
		return trace_err(-EINVAL);
	}
	if (!--d->controller_pause_count)
		d->creation_finished = true;
	unpause_locked(d);
	spin_unlock(&d->pause_lock);
	return 0;
}

bool domain_others_down(const struct domain *d, const struct vcpu *v)
{
	const struct vcpu *o;

	for_each_vcpu(d, o)
		if (o != v && o->state != VCPU_DOWN)
			return false;
	return true;
}

/*
 * Every vCPU of d stops for good, its timers too (destruction): a pause
 * of the domain never undone, which a resume of its shutdown leaves
 * standing.
 */
static void domain_stop_vcpus(struct domain *d)
{
	struct vcpu *v;

	domain_pause_nosync(d);
	for_each_vcpu(d, v) {
		stop_timer(&v->singleshot);
		stop_timer(&v->periodic);
	}
}

static const char *const reason_names[] = {
	[SHUTDOWN_poweroff]	= "powered off",
	[SHUTDOWN_reboot]	= "rebooted",
	[SHUTDOWN_suspend]	= "suspended",
	[SHUTDOWN_crash]	= "crashed",
	[SHUTDOWN_watchdog]	= "stopped by its watchdog",
	[SHUTDOWN_soft_reset]	= "asked for a soft reset",
};

/* Xen takes any 8-bit reason; the toolstack destroys a domain for one it does not know. */
static const char *reason_name(unsigned int reason)
{
	return reason < ARRAY_SIZE(reason_names) ? reason_names[reason] :
	       "shut down for a reason unknown";
}

static void __noreturn hardware_domain_down(struct domain *d, unsigned int reason)
{
	switch (reason) {
	case SHUTDOWN_poweroff:
		pr_info("dom0 powered off: powering off the machine\n");
		machine_test_exit(TEST_EXIT_POWEROFF);
		machine_power_off();
	case SHUTDOWN_crash:
		pr_err("dom0 crashed: %s the machine\n", hv_opts.noreboot ? "halting" : "rebooting");
		machine_test_exit(TEST_EXIT_CRASH);
		break;
	default:
		pr_info("dom0 %s: %s the machine\n", reason_name(reason),
			hv_opts.noreboot ? "halting" : "rebooting");
		machine_test_exit(TEST_EXIT_REBOOT);
		break;
	}
	(void)d;
	if (hv_opts.noreboot)
		machine_halt();
	machine_reboot();
}

/*
 * Xen 4.17's rules: the first shutdown stands (a later one, suspend or
 * any other, changes nothing until a resume), and it holds every vCPU of
 * d paused once, with the state, under pause_lock (domain_resume lets go
 * of that hold). The vCPUs' timers run on, as on Xen: a singleshot that
 * falls due meanwhile is pending when the domain runs again; the periodic
 * one ticks only while its vCPU runs anyway (vcpu.c).
 */
void domain_shutdown(struct domain *d, unsigned int reason)
{
	ASSERT(reason <= 0xff);		/* Xen's u8 */
	/* Once: two vCPUs (or a vCPU and its watchdog) may shut d down at once. */
	spin_lock(&d->pause_lock);
	if (d->state != DOMAIN_RUNNING) {
		spin_unlock(&d->pause_lock);
		return;
	}
	d->state = reason == SHUTDOWN_crash ? DOMAIN_CRASHED : DOMAIN_SHUTDOWN;
	d->shutdown_reason = reason;
	if (d != dom0)
		pause_locked(d);	/* nosync: the caller may be one of d's vCPUs */
	spin_unlock(&d->pause_lock);
#ifdef CONFIG_DEBUG
	/*
	 * Debug builds (the tests') only, as at a destroy's end: the audit
	 * walks the whole frame table once for every domain, and every
	 * domain's validated tables, with interrupts off and every other
	 * CPU held still (25 ms on a 2 GiB machine under
	 * -icount, and it grows with the host's memory times its domains),
	 * and any domU reaches it with its own SCHEDOP_shutdown. Until 5
	 * Dec it ran in every build. Debug key 'm' runs it on demand.
	 */
	mm_audit(d);
#endif
	if (d == dom0)
		hardware_domain_down(d, reason);
	pr_info("d%u %s (%u)\n", d->domid, reason_name(reason), reason);
	if (d->reap_on_shutdown && reason != SHUTDOWN_suspend && reason != SHUTDOWN_soft_reset) {
		d->dying = true;
		domain_stop_vcpus(d);	/* the destruction's own hold */
		reap_pending = true;	/* not here: we may be deep in d's hypercall */
		pending_work_set(PW_REAP);
	}
	send_global_virq(VIRQ_DOM_EXC);
}

/*
 * XEN_DOMCTL_resumedomain, Xen 4.17's domain_resume, for any domain but
 * the caller's: d held paused meanwhile, its shutdown code forgotten (a
 * later shutdown reports its own reason), and if it was shut down, for
 * whatever reason, its state running again and the shutdown's hold let
 * go of; its vCPUs go on from the registers they had, or were given by
 * setvcpucontext meanwhile. A running domain only loses its shutdown
 * code; a dying one stays held by its destruction (domain_stop_vcpus).
 */
long domain_resume(struct domain *d)
{
	bool was_down;

	domain_pause(d);
	spin_lock(&d->pause_lock);
	d->shutdown_code = 0;
	was_down = d->state != DOMAIN_RUNNING;
	if (was_down) {
		d->state = DOMAIN_RUNNING;
		unpause_locked(d);
	}
	spin_unlock(&d->pause_lock);
	domain_unpause(d);
	if (was_down)
		pr_info("d%u resumed\n", d->domid);
	return 0;
}

/* One step (about 1 ms) of a dying domain's end; true when it is over. */
static bool domain_destroy_step(struct domain *d)
{
	uint64_t until = hypercall_preempt_until();
	bool done = false;

	if (!domain_vcpus_stopped(d))
		return false;	/* paused, not yet off their CPUs: next step */
	d->destroy_steps++;
	while (!done) {
		d->phase_steps[d->destroy_phase]++;
		switch (d->destroy_phase) {
		case DESTROY_PORTS:
			if (!evtchn_domain_destroy(d, &d->destroy_cursor, until))
				return false;
			break;
		case DESTROY_GRANTS:
			if (!grant_release_mappings(d, &d->destroy_cursor, until))
				return false;
			/*
			 * d is dying. A setvcpucontext that saw it alive holds
			 * its vcpu_ctx_lock while it takes references: once we
			 * have had the lock, every such call has ended and the
			 * later ones refuse, and the vCPUs below let go of all.
			 */
			spin_lock(&d->vcpu_ctx_lock);
			spin_unlock(&d->vcpu_ctx_lock);
			arch_domain_destroy_begin(d);
			break;
		case DESTROY_TABLES:
			if (!arch_domain_destroy_step(d))
				return false;
			break;
		case DESTROY_FRAMES:
			if (!arch_domain_destroy_end(d, until))
				return false;
			done = true;
			break;
		}
		d->destroy_phase++;
	}
	grant_table_destroy(d);
	memop_toolstack_release(d);
	d->destroyed = true;
	nr_lingering++;
	pending_work_set(PW_REAP);
	pr_info("d%u destroyed: %llu frames freed, %llu still mapped by other domains "
		"(%u step%s: ports %u, grant mappings %u, page tables %u, frames %u; "
		"%llu zeroed)\n", d->domid,
		(unsigned long long)d->destroy_freed, (unsigned long long)d->nr_held,
		d->destroy_steps, d->destroy_steps == 1 ? "" : "s", d->phase_steps[DESTROY_PORTS],
		d->phase_steps[DESTROY_GRANTS], d->phase_steps[DESTROY_TABLES],
		d->phase_steps[DESTROY_FRAMES], (unsigned long long)d->destroy_zeroed);
#ifdef CONFIG_DEBUG
	/*
	 * Debug builds (the tests') only: the audit walks every domain's
	 * tables and the whole frame table in this one step, the longest of
	 * a destroy (25 ms of instructions on a 2 GiB machine under -icount,
	 * against about 1 ms for the others), with dom0's task held
	 * throughout (docs/benchmarks.md, "The destroy's hold on dom0").
	 * Debug key 'm' runs it on demand in any build.
	 */
	mm_audit(d);
#endif
	return true;
}

static bool __attribute__((noinline)) domain_reap_work(void)
{
	unsigned int i;

	if (nr_lingering)
		domains_gone();
	if (!reap_pending)
		return false;
	reap_pending = false;
	for (i = 0; i < nr_domains; i++)
		if (domains[i]->dying && !domains[i]->destroyed && !domains[i]->killed &&
		    !domain_destroy_step(domains[i]))
			reap_pending = true;
	return reap_pending;
}

/*
 * schedule() calls this when PW_REAP is pending (set with reap_pending and
 * nr_lingering, cleared once both are 0); the idle loop calls it anyway.
 */
bool domain_reap(void)
{
	bool more;

	if (likely(!pending_work(PW_REAP)))
		return false;
	if (__atomic_exchange_n(&reaper_busy, true, __ATOMIC_ACQUIRE))
		return true;		/* another CPU reaps: ours stays pending */
	more = domain_reap_work();
	__atomic_store_n(&reaper_busy, false, __ATOMIC_RELEASE);
	if (!nr_lingering && !reap_pending)
		pending_work_clear(PW_REAP);
	return more;
}

/*
 * The caller's continuation drives the destruction from here on: were the
 * reaper to finish it between two of its calls, the next would find no
 * domain and answer -ESRCH.
 */
static int domain_kill_step(struct domain *d)
{
	if (!d->dying) {
		d->dying = true;
		domain_stop_vcpus(d);
	}
	d->killed = true;
	if (!d->destroyed) {
		if (!domain_destroy_step(d))
			return -ERESTART;
		send_global_virq(VIRQ_DOM_EXC);
	}
	domains_gone();
	return 0;
}

/*
 * Two destroys at once (dom0's vCPUs destroying one domain twice, or two
 * domains), or one beside the reaper, would run one domain's steps on two
 * CPUs or free a record twice: while another CPU holds the reaper's flag
 * the call is continued, as Xen 4.17's domctl is while another CPU holds
 * its domctl lock.
 */
int domain_kill(struct domain *d)
{
	int rc;

	if (__atomic_exchange_n(&reaper_busy, true, __ATOMIC_ACQUIRE))
		return -ERESTART;
	rc = domain_kill_step(d);
	__atomic_store_n(&reaper_busy, false, __ATOMIC_RELEASE);
	return rc;
}

/*
 * The whole end at once, for a domain that never ran (a creation or a
 * build that failed): the steps one after the other, and while another
 * CPU holds the reaper's flag, the calls that CPU may be waiting on
 * answered here (interrupts are off: a remote flush, say).
 */
void domain_kill_all(struct domain *d)
{
	while (domain_kill(d) == -ERESTART)
		spin_relax();
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pr_err("d%u crashed: %s\n", d->domid, buf);
	domain_shutdown(d, SHUTDOWN_crash);
}
