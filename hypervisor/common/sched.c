// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scheduler and sched_op (29).
 *
 * Each CPU has a run queue of runnable vCPUs, FIFO; the running vCPU is
 * not on it. A vCPU runs for a slice of weight/256 x 10 ms (the weight is
 * its share, as in a credit scheduler), then goes to the back with a new
 * slice; one that yields gives up the rest. A vCPU woken from blocked
 * with at least MIN_SLICE_NS of its slice left is BOOSTED, as Xen's credit
 * scheduler boosts a waking vCPU: it goes ahead of the queue (behind vCPUs
 * woken before it) and preempts the current one, which goes right behind
 * the boosted ones with the rest of its slice. An I/O round trip (a
 * frontend's request, dom0's backend, the answer) then runs at once
 * instead of waiting a slice for each CPU-bound vCPU queued. Boosting
 * spends the slice, it does not renew it: a vCPU gets the CPU ahead of the
 * others for one slice per trip through the back of the queue, so a guest
 * blocking and waking in a loop cannot starve the others. schedule() runs
 * on every return to a guest, and switches when the current vCPU cannot
 * run, its slice is over or a boosted vCPU is queued; with nothing
 * runnable the CPU saves its vCPU, switches to its idle vCPU and halts
 * with interrupts on until an interrupt makes something runnable. A guest
 * spinning forever is preempted by the slice timer, so it cannot starve
 * the others.
 *
 * Across CPUs (docs/architecture.md, Scheduling): place() puts a vCPU on
 * the least-loaded CPU of its hard affinity; wakes for another CPU queue
 * there and kick it by IPI; a CPU about to idle steals a waiting vCPU
 * from another queue; a vCPU whose affinity leaves its CPU moves, at once
 * or when its CPU next schedules.
 *
 * Locks: the run queue lock guards runq, the vCPUs' state, on_runq,
 * boosted, processor, nr_up and the slice fields; two queues' locks are
 * taken lower CPU first.
 */
#include <hv/lib.h>
#include <hv/cmdline.h>
#include <hv/hypervisor.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <hv/sched.h>
#include <hv/smp.h>
#include <hv/page_alloc.h>
#include <hv/time.h>
#include <lamina/sched.h>
#include <lamina/event_channel.h>
#include <lamina/vcpu.h>
#include <asm/percpu.h>

#define SLICE_NS	10000000ULL
#define MIN_SLICE_NS	100000ULL	/* less left than this: the slice is over */
#define DEFAULT_WEIGHT	256

struct runqueue {
	spinlock_t lock;
	struct vcpu *head, *tail;
	struct timer slice;
	/*
	 * Time the CPU spent in schedule()'s idle loop (halted, or freeing a
	 * dead domain's memory a piece at a time: nobody could run), summed
	 * when the loop is left; idle_from is when the current idle period
	 * began, 0 while not idling. Written under lock, read without.
	 */
	uint64_t idle_ns, idle_from;
	/* vCPUs placed here and not down (place() counts them); under lock. */
	unsigned int nr_up;
	/*
	 * The CPU left its idle loop with a busy CPU's kick taken and not
	 * answered (idle_end): passed on once the lock is dropped. Under lock.
	 */
	bool kick_taken;
} __attribute__((aligned(64)));	/* CPUs' queues on separate cache lines; 128 bytes, a shift to index */

/* One a CPU, by CPU number (hv/smp.h). */
static struct runqueue runqueues[MAX_CPUS] = {
	[0 ... MAX_CPUS - 1] = { .lock = SPINLOCK_INIT_LEVEL(LOCK_LEVEL_RQ) },
};

/*
 * Each CPU's idle vCPU, this_cpu()->current while no guest's vCPU is
 * loaded there (Xen's idle vCPUs): never runnable, never queued, nothing
 * of it saved or loaded; its domain is DOMID_IDLE's, which owns nothing.
 */
static struct domain idle_domain = { .domid = DOMID_IDLE, .name = "idle", .state = DOMAIN_RUNNING };
static struct vcpu idle_vcpus[MAX_CPUS];

/*
 * CPUs in the idle loop with nothing queued: a busy CPU with vCPUs
 * waiting kicks one, taking its bit (idle_cpu_in, idle_end).
 */
static cpumask_t idle_cpus;

/*
 * The vCPU each CPU is switching out, from clearing its is_running to
 * the last look at it (requeue_saved): sched_remove_vcpu waits until no
 * CPU names the vCPU it frees.
 */
static struct vcpu *saving[MAX_CPUS];

static inline bool is_idle_vcpu(const struct vcpu *v)
{
	return v->domain == &idle_domain;
}

static inline unsigned int this_cpu_id(void)
{
	return this_cpu()->cpu_id;
}

/* Make `cpu` look at its queue: at once here, by IPI elsewhere. */
static void kick_cpu(unsigned int cpu)
{
	if (cpu == this_cpu_id())
		pending_work_set(PW_SCHED);
	else
		smp_send_event_check(cpu);
}

/* This CPU's idle vCPU, set up: before its first schedule(). */
static struct vcpu *idle_vcpu_init(unsigned int cpu)
{
	struct vcpu *v = &idle_vcpus[cpu];

	v->domain = &idle_domain;
	v->vcpu_id = cpu;
	v->processor = cpu;
	v->state = VCPU_DOWN;
	v->pause_count = 1;		/* never runnable */
	v->runstate = RUNSTATE_running;
	v->dummy_info.evtchn_upcall_mask = 1;
	v->vcpu_info = &v->dummy_info;
	v->hard_affinity = 1ULL << cpu;
	v->is_running = true;
	this_cpu()->idle = v;
	return v;
}

/*
 * This CPU's queue: one GS-relative load and an index. The empty asm
 * makes the compiler keep the pointer rather than redo the index
 * arithmetic at each use (schedule() is on the bench-check paths).
 */
static inline struct runqueue *this_rq(void)
{
	struct runqueue *rq = &runqueues[this_cpu()->cpu_id];

	asm("" : "+r"(rq));
	return rq;
}

/* The queue of the CPU a vCPU is on (v->processor). */
static inline struct runqueue *vcpu_rq(const struct vcpu *v)
{
	return &runqueues[v->processor];
}

static uint64_t full_slice(const struct vcpu *v)
{
	return SLICE_NS * v->weight / DEFAULT_WEIGHT;
}

/* At the back, with a new slice. */
static void enqueue(struct runqueue *rq, struct vcpu *v)
{
	ASSERT_LOCKED(&rq->lock);
	if (v->on_runq)
		return;
	v->slice_left = full_slice(v);
	v->boosted = false;
	v->runq_next = NULL;
	if (rq->tail)
		rq->tail->runq_next = v;
	else
		rq->head = v;
	rq->tail = v;
	v->on_runq = true;
}

/*
 * With the rest of its slice: ahead of the queue behind the boosted vCPUs
 * (which are all at its front), or at the back with a new slice if too
 * little is left. boost: it was woken (vCPUs queued ahead later go behind it).
 */
static inline __attribute__((always_inline)) void
enqueue_ahead(struct runqueue *rq, struct vcpu *v, bool boost)
{
	struct vcpu **p = &rq->head;

	ASSERT_LOCKED(&rq->lock);
	if (v->on_runq)
		return;
	if (v->slice_left < MIN_SLICE_NS) {
		enqueue(rq, v);
		return;
	}
	while (*p && (*p)->boosted)
		p = &(*p)->runq_next;
	v->runq_next = *p;
	if (!*p)
		rq->tail = v;
	*p = v;
	v->boosted = boost;
	v->on_runq = true;
}

/* The vCPU that ran on this CPU (still current, it may have blocked): its slice shrinks. */
static void charge(struct vcpu *v, uint64_t now)
{
	uint64_t ran = now > v->slice_from ? now - v->slice_from : 0;

	if (!v->slice_from)
		return;
	v->slice_left = ran < v->slice_left ? v->slice_left - ran : 0;
	v->slice_from = 0;
}

static struct vcpu *dequeue(struct runqueue *rq)
{
	struct vcpu *v = rq->head;

	ASSERT_LOCKED(&rq->lock);
	if (!v)
		return NULL;
	rq->head = v->runq_next;
	if (!rq->head)
		rq->tail = NULL;
	v->on_runq = false;
	v->boosted = false;
	return v;
}

static bool can_run(const struct vcpu *v)
{
	return v->state == VCPU_RUNNABLE && !v->pause_count;
}

static void slice_end(void *data)
{
	(void)data;
	pending_work_set(PW_SCHED);
}

/*
 * The runstate's writers are one at a time (v's queue lock, or the CPU
 * switching v in or out). The switching CPU writes with no lock: v's
 * running state in, and out the state it reads then (runnable, offline)
 * unless v blocked. So a queue-lock holder writes the runstate of a
 * vCPU no CPU holds (is_running read clear after a fence, the switch's
 * writes all done before that clear), or of a blocked one, whose CPU
 * writes nothing out; what changes while a CPU holds v is put right by
 * that CPU under the lock once v is saved (runstate_saved, requeue_saved).
 * VCPUOP_get_runstate_info and getvcpuinfo read
 * another vCPU's from any CPU. Xen 4.17 reads it under the vCPU's
 * scheduler lock; here the writer makes runstate_seq odd around its
 * stores (x86 keeps stores in order, and loads: compiler barriers are
 * enough) and the reader copies until the count is even and unchanged,
 * so the switch path takes no lock for it: two increments a change.
 */
static inline void runstate_write(struct vcpu *v, unsigned int state, uint64_t now)
{
	int64_t delta = (int64_t)(now - v->runstate_entry);

	/*
	 * As Xen 4.17's vcpu_runstate_change: a clock behind the entry (a
	 * vCPU moved to a CPU whose clock is slightly behind) counts nothing
	 * and keeps the entry time; until 5 Dec the negative delta was added
	 * unsigned, time[] wrapped by ~2^64.
	 */
	if (likely(delta > 0)) {
		v->runstate_time[v->runstate] += (uint64_t)delta;
		v->runstate_entry = now;
	}
	v->runstate = state;
	asm volatile("" ::: "memory");
	v->runstate_seq++;
}

static void runstate_change_at(struct vcpu *v, unsigned int state, uint64_t now)
{
	v->runstate_seq++;
	asm volatile("" ::: "memory");
	runstate_write(v, state, now);
}

/*
 * The current state's time so far counted in, as Xen's vcpu_runstate_get:
 * its now is read inside the copy's window, so that a change after it
 * makes the copy again (else a reader held up between the two would count
 * a state that had ended as lasting on).
 */
void vcpu_runstate_get(const struct vcpu *v, struct vcpu_runstate_info *info)
{
	const volatile struct vcpu *vv = v;
	unsigned int seq, i;
	uint64_t now;

	for (;;) {
		seq = vv->runstate_seq;
		asm volatile("" ::: "memory");
		if (seq & 1) {
			asm volatile("pause");
			continue;
		}
		info->state = vv->runstate;
		info->state_entry_time = vv->runstate_entry;
		for (i = 0; i < 4; i++)
			info->time[i] = vv->runstate_time[i];
		now = now_ns();
		asm volatile("" ::: "memory");
		if (vv->runstate_seq == seq)
			break;
	}
	info->pad0 = 0;
	if (now > info->state_entry_time)
		info->time[info->state & 3] += now - info->state_entry_time;
}

/* Stamped inside the odd window: a reader's now is then never before it. */
static void runstate_change(struct vcpu *v, unsigned int state)
{
	v->runstate_seq++;
	asm volatile("" ::: "memory");
	runstate_write(v, state, now_ns());
}

/*
 * Does the runstate of v (no CPU holds it) disagree with what v may do:
 * runnable while it may not run (paused, down), or offline while it may?
 * Blocked and running are written by v's own CPU (vcpu_block, schedule).
 */
static bool runstate_stale(const struct vcpu *v)
{
	if (v->runstate == RUNSTATE_runnable)
		return !can_run(v);
	return v->runstate == RUNSTATE_offline && can_run(v);
}

/* v's runstate, no CPU holding it, as what v may do says (queue lock held). */
static void runstate_fix(struct vcpu *v)
{
	if (runstate_stale(v))
		runstate_change(v, v->runstate == RUNSTATE_runnable ? RUNSTATE_offline :
				RUNSTATE_runnable);
}

/*
 * What v may do changed (a pause or an unpause, an up or a down), under
 * v's queue lock: its runstate follows, as Xen 4.17's vcpu_sleep_nosync
 * and vcpu_wake write it (a runnable vCPU that may not run is offline,
 * an offline one that may is runnable). No CPU holding v, it is written
 * here. A CPU holding v is switching it in (it writes running) or out
 * (it writes the state it read after the lock was dropped, which this
 * change may have made wrong): that CPU writes it again once v is saved,
 * under the lock (runstate_saved), as runstate_recheck asks. The fence
 * pairs with switched_out's: either it sees the flag, or is_running is
 * read clear here. Returns whether a CPU holds v.
 */
static bool runstate_follow(struct vcpu *v)
{
	v->runstate_recheck = true;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&v->is_running, __ATOMIC_RELAXED))
		return true;
	v->runstate_recheck = false;	/* put right here, whatever a CPU left */
	runstate_fix(v);
	return false;
}

/*
 * Locks the queue of v's CPU: v->processor changes only with that queue's
 * lock held, so once it is held and v->processor still names it, it stays.
 * Inline and by index: vcpu_wake's common case (nothing to wake) is on
 * the event paths bench-check counts.
 */
static inline __attribute__((always_inline)) struct runqueue *vcpu_rq_lock(const struct vcpu *v)
{
	for (;;) {
		unsigned int cpu = __atomic_load_n(&v->processor, __ATOMIC_RELAXED);

		spin_lock(&runqueues[cpu].lock);
		if (likely(cpu == v->processor))
			return &runqueues[cpu];
		spin_unlock(&runqueues[cpu].lock);
	}
}

/*
 * A vCPU's CPU: the online CPU of its hard affinity with the fewest vCPUs
 * placed (up) on it, the lowest such; CPU 0 when its affinity names no
 * online CPU. The counts are read without the locks: a hint.
 */
static unsigned int place(const struct vcpu *v)
{
	cpumask_t ok = v->hard_affinity & smp_online_mask();
	unsigned int cpu, best = 0, load = ~0U;

	if (!hv_opts.sched_spread)	/* sched_spread=0: CPU 0, or the first CPU it is pinned to */
		return ok & 1 || !ok ? 0 : __builtin_ctzll(ok);

	for (cpu = 0; ok >> cpu; cpu++) {
		unsigned int n;

		if (!(ok & (1ULL << cpu)))
			continue;
		n = __atomic_load_n(&runqueues[cpu].nr_up, __ATOMIC_RELAXED);
		if (n < load) {
			load = n;
			best = cpu;
		}
	}
	return best;
}

/* Two CPUs' queues, lower CPU first (one when a == b). */
static void rq_lock_pair(unsigned int a, unsigned int b)
{
	if (a == b) {
		spin_lock(&runqueues[a].lock);
		return;
	}
	spin_lock(&runqueues[MIN(a, b)].lock);
	spin_lock_nested(&runqueues[MAX(a, b)].lock);
}

static void rq_unlock_pair(unsigned int a, unsigned int b)
{
	if (a != b)
		spin_unlock(&runqueues[MAX(a, b)].lock);
	spin_unlock(&runqueues[MIN(a, b)].lock);
}

/*
 * Off rq wherever it is there (both locks held, or the one). Marked off
 * the queue only when it was found: on_runq set while v sits on no
 * queue of rq would otherwise be lost, and a later enqueue would link
 * it twice. v queued means queued on its own CPU's queue, so a queued v
 * that is not found is a bug.
 */
static void unqueue(struct runqueue *rq, struct vcpu *v)
{
	struct vcpu **p;
	bool found = false;

	ASSERT_LOCKED(&rq->lock);
	rq->tail = NULL;
	for (p = &rq->head; *p; ) {
		if (*p == v) {
			*p = v->runq_next;
			found = true;
		} else {
			rq->tail = *p;
			p = &(*p)->runq_next;
		}
	}
	ASSERT(found == v->on_runq);
	if (found) {
		v->on_runq = false;
		v->boosted = false;
	}
}

/*
 * v, not running anywhere, to `cpu`'s queue from its own (both locked):
 * its processor changes, and so do the counts; queued there if it was
 * here. Its timers follow when it next runs (schedule()).
 */
static void move_locked(struct vcpu *v, unsigned int cpu)
{
	struct runqueue *from = vcpu_rq(v), *to = &runqueues[cpu];
	bool queued = v->on_runq;

	if (queued)
		unqueue(from, v);
	if (v->state != VCPU_DOWN) {
		from->nr_up--;
		to->nr_up++;
	}
	__atomic_store_n(&v->processor, cpu, __ATOMIC_RELAXED);
	if (queued)
		enqueue(to, v);
}

/*
 * Locks v's queue and, when v is not running and `cpu` differs, moves it
 * there first (both queues locked in order for the move). Returns v's
 * queue, locked.
 */
static struct runqueue *vcpu_rq_lock_move(struct vcpu *v, unsigned int cpu)
{
	for (;;) {
		unsigned int old = __atomic_load_n(&v->processor, __ATOMIC_RELAXED);

		rq_lock_pair(old, cpu);
		if (v->processor != old) {
			rq_unlock_pair(old, cpu);
			continue;
		}
		if (old != cpu && !v->is_running)
			move_locked(v, cpu);
		if (v->processor != old)
			spin_unlock(&runqueues[old].lock);
		else if (old != cpu)
			spin_unlock(&runqueues[cpu].lock);
		return vcpu_rq(v);
	}
}

void sched_add_vcpu(struct vcpu *v)
{
	struct runqueue *rq;

	v->processor = place(v);
	rq = vcpu_rq_lock(v);
	if (!rq->slice.fn)
		timer_init(&rq->slice, slice_end, NULL);
	rq->nr_up++;
	v->weight = DEFAULT_WEIGHT;
	v->slice_left = full_slice(v);
	v->state = VCPU_RUNNABLE;
	v->runstate = RUNSTATE_runnable;	/* since boot, until it first runs */
	if (!v->is_running && !v->pause_count)
		enqueue(rq, v);
	spin_unlock(&rq->lock);
}

/*
 * Waking and blocking race when the waker runs on another CPU (or in an
 * interrupt): the rule is Xen's. A waker first makes its reason visible
 * (a pending bit, by a locked instruction), then looks at v->state; a
 * vCPU blocking first sets VCPU_BLOCKED, then (after a full fence) looks
 * for a reason to wake (vcpu_block's `woken`) and stays runnable if it
 * finds one. One of the two sees the other's write, so a wake is never
 * lost, and vcpu_wake can skip the lock when v is not blocked: the
 * common case on the event paths (an event for a running vCPU). A vCPU
 * running on another CPU is kicked (IPI) so that it sees the event on
 * its way back to the guest.
 *
 * Made runnable while another CPU still holds its state (is_running), a
 * vCPU is not queued here: that CPU queues it once the state is saved
 * (requeue_saved), the two sides ordered by a full fence each.
 */
/*
 * vcpu_wake's slow half, out of line so that its fast path (v not
 * blocked, the event paths' common case) saves no registers.
 */
static void __attribute__((noinline)) wake_blocked(struct vcpu *v)
{
	struct runqueue *rq = vcpu_rq_lock(v);
	unsigned int kick = MAX_CPUS;

	asm("" : "+r"(rq));	/* kept, not rederived from v->processor: fewer registers saved */
	if (v->state == VCPU_BLOCKED) {
		v->state = VCPU_RUNNABLE;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* against requeue_saved */
		if (unlikely(v->pause_count)) {
			/* Held, it may not run: offline until its last unpause (Xen's vcpu_wake). */
			runstate_change(v, RUNSTATE_offline);
		} else {
			runstate_change(v, RUNSTATE_runnable);
			if (!v->is_running)
				enqueue_ahead(rq, v, true);	/* boosted if its slice lasts */
		}
		kick = v->processor;
	} else if (v->blocked_down) {
		/* Down: no longer blocked, still down (Xen's vcpu_unblock, vcpu_wake). */
		v->blocked_down = false;
		if (v->runstate == RUNSTATE_blocked)
			runstate_change(v, RUNSTATE_offline);
	}
	spin_unlock(&rq->lock);
	if (kick < MAX_CPUS)
		kick_cpu(kick);		/* not under the lock: an IPI is a device write */
}

/* v, not blocked nor down, may run on another CPU: kicked there if it does. */
static void __attribute__((noinline, cold)) wake_remote(struct vcpu *v, unsigned int cpu)
{
	if (__atomic_load_n(&v->is_running, __ATOMIC_RELAXED))
		smp_send_event_check(cpu);
}

void vcpu_wake(struct vcpu *v)
{
	unsigned int cpu;

	if (unlikely(__atomic_load_n(&v->state, __ATOMIC_ACQUIRE) != VCPU_RUNNABLE)) {
		wake_blocked(v);
		return;
	}
	cpu = __atomic_load_n(&v->processor, __ATOMIC_RELAXED);
	if (unlikely(cpu != this_cpu_id()))
		wake_remote(v, cpu);
}

/* v (the running vCPU) blocks, unless woken() finds a reason to wake; true if it did. */
static inline __attribute__((always_inline)) bool
vcpu_block(struct vcpu *v, bool (*woken)(const struct vcpu *v))
{
	struct runqueue *rq = vcpu_rq_lock(v);
	bool blocked;

	__atomic_store_n(&v->state, VCPU_BLOCKED, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	blocked = !woken(v);
	if (!blocked)
		v->state = VCPU_RUNNABLE;
	else {
		runstate_change(v, RUNSTATE_blocked);	/* charged in schedule(), soon */
		pending_work_set(PW_SCHED);
	}
	spin_unlock(&rq->lock);
	return blocked;
}

/*
 * Pausing (Xen's vcpu_pause): v->pause_count counts every hold on v, the
 * domain's pauses (the controller's pausedomain, shutdown, destruction:
 * common/domain.c adds one to each vCPU for each) and the vCPU's own
 * (get/setvcpucontext of another domain's vCPU). v runs only while it is
 * 0, so no owner's unpause can undo another's pause. VCPUOP_down/up are
 * v->state, apart from the count. The count changes under v's queue lock
 * (can_run reads it there); unpausing at 0 makes v runnable again as a
 * wake does. The runstate follows each change (runstate_follow): Linux
 * counts runnable and offline alike as steal time, but a guest reading
 * get_runstate_info sees which.
 */

/*
 * One more hold on v: it stops running (kicked off its CPU if it runs
 * elsewhere), not waited for. Its runstate as Xen 4.17's
 * vcpu_sleep_nosync_locked: runnable (queued, or waiting to be) becomes
 * offline at once; a running one becomes offline when its CPU switches
 * it out, a blocked one stays blocked (runstate_follow). Until 7 Dec
 * the runstate was left alone: a queued vCPU read runnable all through
 * a pause (guest/runstate-pause).
 */
void vcpu_pause_nosync(struct vcpu *v)
{
	struct runqueue *rq = vcpu_rq_lock(v);
	unsigned int cpu = v->processor;
	bool running;

	BUG_ON(v->pause_count == ~0U);	/* holds are bounded: 255 by the controller, few others */
	v->pause_count++;
	running = runstate_follow(v);
	spin_unlock(&rq->lock);
	if (running && cpu != this_cpu_id())
		smp_send_event_check(cpu);
	pending_work_set(PW_SCHED);
}

/*
 * Until no CPU holds v's state (Xen's vcpu_sleep_sync): for a vCPU
 * paused, down or blocked, before its saved state is read or changed or
 * its domain destroyed. Not for the caller's own vCPU. Answers other
 * CPUs' calls while it waits (interrupts are off). Its callers hold no
 * lock and have changed nothing yet, so another CPU may hold this one
 * here (smp_hold_point): v may be that CPU's current vCPU, which holds
 * the others for the frame audit at its domain's shutdown.
 */
void vcpu_sleep_sync(struct vcpu *v)
{
	ASSERT(v != this_cpu()->current);
	while (__atomic_load_n(&v->is_running, __ATOMIC_ACQUIRE)) {
		asm volatile("pause");
		smp_poll_calls();
		smp_hold_point();
	}
}

void vcpu_pause(struct vcpu *v)
{
	vcpu_pause_nosync(v);
	vcpu_sleep_sync(v);
}

/*
 * Up: runnable (queued unless something holds it paused: pause_count),
 * on the CPU place() picks for it. Down: off until brought up; a queued
 * one is dropped when dequeued, the running one is switched away from on
 * the way out of its hypercall (kicked, on another CPU). As Xen 4.17
 * (whose _VPF_down and _VPF_blocked are two flags), a vCPU blocked in
 * SCHEDOP_block or _poll and taken down stays blocked, its runstate
 * blocked: up again it sleeps on until an event, or runs if one came
 * while it was down. Until 5 Dec it came back runnable and its block or
 * poll returned with no event (guest/vcpu-block-down).
 */
void vcpu_set_online(struct vcpu *v, bool online)
{
	struct runqueue *rq = online && v->state == VCPU_DOWN ? vcpu_rq_lock_move(v, place(v))
							       : vcpu_rq_lock(v);
	unsigned int kick = MAX_CPUS;

	if (!online && v->state != VCPU_DOWN) {
		v->blocked_down = v->state == VCPU_BLOCKED;
		v->state = VCPU_DOWN;
		rq->nr_up--;
		runstate_follow(v);	/* offline; blocked stays blocked */
		kick = v->processor;
	} else if (online && v->state == VCPU_DOWN && v->blocked_down) {
		/* Up again, still blocked: an event wakes it (vcpu_wake's slow path). */
		v->blocked_down = false;
		v->state = VCPU_BLOCKED;
		rq->nr_up++;
	} else if (online && v->state == VCPU_DOWN) {
		if (!v->weight)
			v->weight = DEFAULT_WEIGHT;
		v->state = VCPU_RUNNABLE;
		rq->nr_up++;
		/*
		 * The fence in runstate_follow is against requeue_saved too.
		 * Still held by the CPU switching it out after its down (a
		 * VCPUOP_down of itself): that CPU writes its runstate, with
		 * no lock, and runstate_saved makes it runnable. Until 7 Dec
		 * this wrote it too, so two plain runstate_seq increments
		 * could cross (a build flagging a second writer caught this
		 * pair, up to 61 times a vcpus run at --smp 3), and a count
		 * left odd makes every later reader (vcpu_runstate_get)
		 * spin forever with interrupts off: vcpus hung so in about a
		 * run in ten at --smp 3 under load, in none of 110 since.
		 */
		if (!runstate_follow(v) && !v->pause_count)
			enqueue(rq, v);
		kick = v->processor;
	}
	spin_unlock(&rq->lock);
	if (kick < MAX_CPUS)
		kick_cpu(kick);
}

/* v, down, is blocked no more (Xen's vcpu_reset clears _VPF_blocked). */
void vcpu_reset_blocked(struct vcpu *v)
{
	struct runqueue *rq = vcpu_rq_lock(v);

	v->blocked_down = false;
	spin_unlock(&rq->lock);
}

/*
 * Does no CPU but this one hold a vCPU of d? Destruction waits for that
 * (domain_destroy_step) after pausing them all.
 */
bool domain_vcpus_stopped(const struct domain *d)
{
	const struct vcpu *v;

	for_each_vcpu(d, v)
		if (v != this_cpu()->current && __atomic_load_n(&v->is_running, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

/* A vCPU about to be freed leaves its run queue (it is not running). */
void sched_remove_vcpu(struct vcpu *v)
{
	struct runqueue *rq;
	unsigned int cpu;

	for (cpu = 0; cpu < MAX_CPUS; cpu++)
		while (__atomic_load_n(&saving[cpu], __ATOMIC_ACQUIRE) == v)
			asm volatile("pause");
	rq = vcpu_rq_lock(v);

	unqueue(rq, v);
	if (v->state != VCPU_DOWN) {
		rq->nr_up--;
		v->state = VCPU_DOWN;
	}
	spin_unlock(&rq->lock);
	/* The domain's vCPUs go (0 last): so do its watchdogs (SCHEDOP_watchdog). */
	if (v->vcpu_id == 0) {
		unsigned int i;

		for (i = 0; i < NR_DOMAIN_WATCHDOGS; i++)
			if (v->domain->watchdog[i].fn)
				kill_timer(&v->domain->watchdog[i]);
		v->domain->watchdog_inuse = 0;
	}
}

/*
 * One hold on v fewer; the last one gone, v runs again if it can, and
 * an offline runstate is runnable again, as Xen 4.17's vcpu_wake (until
 * 7 Dec it stayed offline until v ran). A CPU still holding v (paused
 * while it ran) leaves both to its switched_out (requeue_saved,
 * runstate_saved).
 */
void vcpu_unpause(struct vcpu *v)
{
	struct runqueue *rq = vcpu_rq_lock(v);
	unsigned int kick = MAX_CPUS;

	BUG_ON(!v->pause_count);	/* an unpause without its pause */
	v->pause_count--;
	/* Its fence, against requeue_saved too: either queues a held v made runnable. */
	if (!runstate_follow(v) && can_run(v)) {
		enqueue(rq, v);
		kick = v->processor;
	}
	spin_unlock(&rq->lock);
	if (kick < MAX_CPUS)
		kick_cpu(kick);
}

/*
 * setvcpuaffinity's hard map changed: a vCPU now on a CPU outside it
 * moves, at once when no CPU holds it, else at its next schedule() (its
 * CPU is kicked; schedule() does not keep it there).
 *
 * The map is written under v's queue lock, as Xen 4.17 writes it under
 * the vCPU's scheduler lock: steal() checks it under that lock before it
 * moves v, so a steal either sees the new map or has moved v already,
 * and then v's new CPU is the one looked at here. Until 5 Dec the map
 * was written and v->processor read with no lock: a steal between the
 * two moved v onto a CPU the new map left out, where it ran on, unkicked,
 * until it next scheduled.
 */
void sched_set_affinity(struct vcpu *v, uint64_t hard)
{
	struct runqueue *rq = vcpu_rq_lock(v);
	unsigned int cpu;

	v->hard_affinity = hard;
	cpu = v->processor;
	spin_unlock(&rq->lock);
	if (hard & (1ULL << cpu))
		return;
	rq = vcpu_rq_lock_move(v, place(v));
	cpu = v->processor;
	spin_unlock(&rq->lock);
	kick_cpu(cpu);
}

/* Set once CPU 0 starts dom0: until then the APs take nothing from the queues. */
static bool sched_started;

/*
 * Idle CPUs steal (sched_spread=1) and there is another CPU to steal
 * from: set with sched_started, the APs up. With one CPU the idle path
 * keeps no idle_cpus mask and looks at no other queue.
 */
static bool spreading;

/* The first vCPU to run on this CPU starts running (no switch from anyone). */
void sched_start(struct vcpu *v)
{
	struct runqueue *rq;

	idle_vcpu_init(this_cpu_id());
	rq = vcpu_rq_lock(v);
	unqueue(rq, v);
	v->is_running = true;
	runstate_change(v, RUNSTATE_running);
	v->slice_from = v->runstate_entry;
	spin_unlock(&rq->lock);
	/* Its slice timer, as schedule() sets it: also its time record's rewrite. */
	set_timer(&rq->slice, v->slice_from + (v->slice_left < PVCLOCK_REWRITE_NS ?
					       v->slice_left : PVCLOCK_REWRITE_NS));
	spreading = hv_opts.sched_spread && (smp_online_mask() & (smp_online_mask() - 1));
	__atomic_store_n(&sched_started, true, __ATOMIC_RELEASE);
	vcpu_periodic_work(v);
}

uint64_t sched_idle_ns(unsigned int cpu)
{
	const struct runqueue *rq;
	uint64_t from, sum;

	if (cpu >= MAX_CPUS || !(smp_online_mask() & (1ULL << cpu)))
		return 0;
	rq = &runqueues[cpu];
	from = __atomic_load_n(&rq->idle_from, __ATOMIC_RELAXED);
	sum = __atomic_load_n(&rq->idle_ns, __ATOMIC_RELAXED);
	return from ? sum + (now_ns() - from) : sum;	/* asked while idling */
}

/*
 * SCHEDOP_yield: the current vCPU goes to the back of the queue. Its
 * slice is its own CPU's business while it runs (no lock).
 */
void sched_yield(void)
{
	this_cpu()->current->slice_left = 0;
	pending_work_set(PW_SCHED);
}

/*
 * Idle time: an idle period begins (under the queue lock)... The CPU is
 * marked in idle_cpus before it looks at the other queues (steal), by a
 * locked instruction (a full fence): a vCPU queued on another CPU either
 * is seen by that look, or its CPU sees this one idle and kicks it (its
 * fence before reading idle_cpus: schedule(), switched_out). Until 6 Dec
 * the look came first: a vCPU queued between the two waited, unkicked,
 * until its own CPU next scheduled (a slice). A kick that comes while
 * this CPU is already taking other work is passed on (pass_kick_on).
 */
static void idle_begin(struct runqueue *rq)
{
	if (!rq->idle_from)
		rq->idle_from = now_ns();
	if (spreading)		/* only stealing CPUs want kicks */
		__atomic_or_fetch(&idle_cpus, 1ULL << this_cpu_id(), __ATOMIC_SEQ_CST);
}

/*
 * ... and ends, its length added to the CPU's sum; returns the time.
 * A busy CPU that took this one's bit first (idle_cpu_in) sent its one
 * kick, for a vCPU waiting on its queue, here; this CPU leaves with other
 * work instead of answering it with a look at the queues (kick_taken,
 * pass_kick_on).
 */
static uint64_t idle_end(struct runqueue *rq)
{
	uint64_t now = now_ns(), me = 1ULL << this_cpu_id();

	if (spreading)
		rq->kick_taken = !(__atomic_fetch_and(&idle_cpus, ~me, __ATOMIC_SEQ_CST) & me);
	rq->idle_ns += now - rq->idle_from;
	rq->idle_from = 0;
	return now;
}

/* May v run on this CPU (its hard affinity)? */
static inline bool allowed_here(const struct vcpu *v)
{
	return v->hard_affinity & this_cpu()->cpu_bit;
}

/*
 * Work stealing, kept simple: a CPU about to idle looks at the other
 * online CPUs' queues, lowest first, and takes the first vCPU that can
 * run, that no CPU holds and whose hard affinity allows this CPU. A
 * queued vCPU waits behind the one its CPU runs, so any queue with one is
 * busier than this idle CPU. Called with this CPU's queue locked; drops
 * and retakes it to lock both in order. The stolen vCPU is dequeued and
 * marked running (this CPU's to load), or NULL.
 */
static struct vcpu *steal(struct runqueue *rq)
{
	unsigned int me = this_cpu_id(), cpu;
	cpumask_t others = spreading ? smp_online_mask() & ~(1ULL << me) : 0;

	for (cpu = 0; others >> cpu; cpu++) {
		struct runqueue *vq = &runqueues[cpu];
		struct vcpu *v;

		if (!(others & (1ULL << cpu)) || !__atomic_load_n(&vq->head, __ATOMIC_RELAXED))
			continue;
		spin_unlock(&rq->lock);
		rq_lock_pair(me, cpu);
		for (v = vq->head; v; v = v->runq_next)
			if (can_run(v) && !__atomic_load_n(&v->is_running, __ATOMIC_ACQUIRE) &&
			    allowed_here(v))
				break;
		if (v) {
			move_locked(v, me);
			unqueue(rq, v);
			v->is_running = true;
		}
		spin_unlock(&vq->lock);
		if (v)
			return v;
	}
	return NULL;
}

/*
 * prev's state is all in memory now (is_running cleared) and it was made
 * runnable meanwhile (vcpu_wake, vcpu_unpause, vcpu_set_online left it
 * for this) or is not allowed here any more (switched_out looked): it is
 * queued, and that CPU kicked; not allowed here, it moves to a CPU it may
 * run on first (runnable or not, so a later wake queues it there); then
 * this CPU is done with it (*mine). Out of line, so that switched_out's
 * common case saves no registers.
 */
static void __attribute__((noinline)) requeue_saved(struct vcpu *prev, struct vcpu **mine)
{
	struct runqueue *rq;
	unsigned int cpu;

	/* prev ran here, so its processor is this CPU: a move if it may not stay. */
	cpu = allowed_here(prev) ? prev->processor : place(prev);
	rq = vcpu_rq_lock_move(prev, cpu);
	if (can_run(prev) && !prev->is_running) {
		if (!prev->on_runq)
			enqueue_ahead(rq, prev, true);	/* woken: as vcpu_wake would */
		if (prev->runstate == RUNSTATE_offline)	/* up again after this CPU wrote it */
			runstate_change(prev, RUNSTATE_runnable);
		cpu = prev->processor;
	} else
		cpu = MAX_CPUS;
	spin_unlock(&rq->lock);
	if (cpu < MAX_CPUS)
		kick_cpu(cpu);
	__atomic_store_n(mine, NULL, __ATOMIC_RELEASE);
}

/*
 * A vCPU that may run on `allowed` waits on this CPU's queue: the first
 * other idle CPU among them, to kick (it steals the vCPU), or MAX_CPUS.
 * The caller made the waiting vCPU visible and then fenced (idle_begin).
 * A CPU's bit is cleared once, by whoever clears it first: this kicker
 * (the kick is then that CPU's to answer: idle_end) or the CPU itself
 * leaving its idle loop (then another is tried). Until 6 Dec the bit was
 * read, then cleared: a CPU that left between the two could be kicked
 * with nobody then looking for the waiting vCPU (found reading the code,
 * not seen in a test).
 */
static unsigned int idle_cpu_in(cpumask_t allowed)
{
	cpumask_t idle = __atomic_load_n(&idle_cpus, __ATOMIC_RELAXED) & ~(1ULL << this_cpu_id());

	while ((idle &= allowed)) {
		unsigned int cpu = __builtin_ctzll(idle);

		idle = __atomic_fetch_and(&idle_cpus, ~(1ULL << cpu), __ATOMIC_SEQ_CST);
		if (idle & (1ULL << cpu))
			return cpu;		/* one kick */
		idle &= ~(1ULL << this_cpu_id());
	}
	return MAX_CPUS;
}

/* A vCPU's timers fire on the CPU it runs on (Xen's migrate_timer on migration). */
static void timers_follow(struct vcpu *v, unsigned int cpu)
{
	migrate_timer(&v->singleshot, cpu);
	migrate_timer(&v->periodic, cpu);
	if (v->poll_timeout.fn)
		migrate_timer(&v->poll_timeout, cpu);
}

/*
 * The CPUs any vCPU queued here may run on (the queue locked): an idle
 * one among them is kicked to steal. Until 6 Dec only the first queued
 * vCPU's were looked at: one pinned here at the head kept an idle CPU
 * asleep while a vCPU behind it, free to move, waited a slice or more.
 */
static cpumask_t __attribute__((noinline, cold)) queued_affinity(const struct runqueue *rq)
{
	const struct vcpu *w;
	cpumask_t allowed = 0;

	for (w = rq->head; w; w = w->runq_next)
		allowed |= w->hard_affinity;
	return allowed;
}

#define KICK_PASS	0x80000000U	/* in schedule()'s idle_kick: pass_kick_on too */

/*
 * The kick idle_end found taken passes on. With three CPUs or more, a
 * busy CPU's one kick for a vCPU queued there can go to an idle CPU that
 * then takes other work: one inside steal() that finds another queue's
 * vCPU first, or one woken for a vCPU of its own queue. The vCPU the kick
 * was for then waited for its CPU's next schedule() (up to a slice) while
 * another CPU that may run it halted. Found with smp-kick-taken at --smp 3
 * and 4 (until 6 Dec: waits up to the next scrubber tick of an idle CPU,
 * 1 ms, or the slice). This CPU does not know which vCPU it was for: it
 * kicks one idle CPU allowed for any vCPU queued elsewhere (one kick for
 * the one taken; one that finds nothing halts again). The kicker queued
 * its vCPU before taking the bit, and idle_end's locked clear came after,
 * so the queues are seen with it. No lock held; each queue's taken alone.
 */
static void __attribute__((noinline, cold)) pass_kick_on(void)
{
	unsigned int me = this_cpu_id(), cpu;
	cpumask_t others = smp_online_mask() & ~(1ULL << me), allowed = 0;

	for (cpu = 0; others >> cpu; cpu++) {
		struct runqueue *vq = &runqueues[cpu];

		if (!(others & (1ULL << cpu)) || !__atomic_load_n(&vq->head, __ATOMIC_RELAXED))
			continue;
		spin_lock(&vq->lock);
		allowed |= queued_affinity(vq);
		spin_unlock(&vq->lock);
	}
	cpu = idle_cpu_in(allowed);
	if (cpu < MAX_CPUS)
		smp_send_event_check(cpu);
}

/* schedule()'s kicks, its lock dropped: an idle CPU's (or none), then KICK_PASS's. */
static void __attribute__((noinline, cold)) send_kicks(unsigned int kick)
{
	if ((kick & ~KICK_PASS) < MAX_CPUS)
		smp_send_event_check(kick & ~KICK_PASS);
	if (kick & KICK_PASS)
		pass_kick_on();
}

/*
 * prev, queued here by schedule() while this CPU still held it, is saved
 * now: an idle CPU that looked at it meanwhile skipped it (steal() takes
 * no vCPU a CPU holds) and halted, and schedule()'s kick, before the
 * switch, was spent on that look. One is kicked again (the fence in
 * switched_out pairs with idle_begin's), so prev does not wait for this
 * CPU's next schedule(). Until 6 Dec it did: a slice, or longer.
 */
static void __attribute__((noinline, cold)) kick_idle_for_saved(struct vcpu *prev, struct vcpu **mine)
{
	unsigned int cpu = idle_cpu_in(__atomic_load_n(&prev->hard_affinity, __ATOMIC_RELAXED));

	__atomic_store_n(mine, NULL, __ATOMIC_RELEASE);	/* prev not read after this */
	if (cpu < MAX_CPUS)
		smp_send_event_check(cpu);
}

/*
 * prev's runstate was written by schedule() from its pause count and
 * state as read after the queue lock was dropped; a pause, an unpause,
 * an up or a down by another CPU while this one held prev left the
 * runstate to this CPU (runstate_follow): written again now, under the
 * queue lock as those write it, and only while no CPU holds prev (one
 * that took it since writes it running, with no lock). Until 7 Dec this
 * was the down's case alone (offline_saved: vcpus at --smp 2 read a
 * downed vCPU runnable about a run in three), and a pause left a
 * runnable runstate as it was.
 */
static void __attribute__((noinline, cold)) runstate_saved(struct vcpu *prev)
{
	struct runqueue *rq = vcpu_rq_lock(prev);

	prev->runstate_recheck = false;
	/*
	 * Not if a CPU holds it again (is_running is set under the lock of
	 * the queue it is taken from): made runnable and stolen since
	 * switched_out looked, it is that CPU's to write, with no lock, and
	 * a write here could cross it (an odd runstate_seq: readers spin for
	 * ever; found by reading, 7 Dec).
	 */
	if (!prev->is_running)
		runstate_fix(prev);
	spin_unlock(&rq->lock);
}

/*
 * prev, out after its state is all in memory: another CPU may load it
 * now. The fence pairs with the wakers' (see vcpu_wake): either a waker
 * sees is_running cleared and queues prev itself, or this sees it
 * runnable and not queued (requeue_saved); and with runstate_follow's:
 * either the pause, unpause, up or down sees is_running cleared and
 * writes prev's runstate itself, or this sees its runstate_recheck
 * (runstate_saved). A flag rather than a look at the runstate against
 * pause_count and state: one test on this path, which bench-check counts.
 */
static void switched_out(struct vcpu *prev)
{
	struct vcpu **mine = &saving[this_cpu_id()];

	*mine = prev;
	__atomic_store_n(&prev->is_running, false, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (unlikely(prev->runstate_recheck))
		runstate_saved(prev);
	if (unlikely(!allowed_here(prev) || (can_run(prev) && !prev->on_runq)))
		requeue_saved(prev, mine);
	else if (unlikely(spreading) && prev->on_runq)
		kick_idle_for_saved(prev, mine);
	else
		__atomic_store_n(mine, NULL, __ATOMIC_RELEASE);
}

/*
 * Nobody to run (queue unlocked): prev's state to memory, this CPU to its
 * idle vCPU (the hypervisor's page tables). Returns the idle vCPU.
 */
static struct vcpu * __attribute__((noinline))
switch_to_idle(struct vcpu *prev, struct cpu_regs *r, uint64_t now)
{
	struct vcpu *idle = this_cpu()->idle;

	if (prev->runstate == RUNSTATE_running)
		runstate_change_at(prev, prev->pause_count || prev->state == VCPU_DOWN ?
				   RUNSTATE_offline : can_run(prev) ?
				   RUNSTATE_runnable : RUNSTATE_blocked, now);
	arch_switch_to_idle(prev, r);
	switched_out(prev);
	return idle;
}

/*
 * Called with interrupts off on the way back to a guest when work is
 * pending (PW_SCHED, PW_REAP; the return path tests the word), and by an
 * AP's idle loop with its idle vCPU current. Picks who runs next; with
 * nobody to run, saves the current vCPU (its CPU is then free for it),
 * loads the idle vCPU and halts (interrupts on) until someone can run.
 */
void schedule(struct cpu_regs *r)
{
	struct vcpu *prev = this_cpu()->current, *next;
	struct runqueue *rq = this_rq();
	uint64_t now, slice_end_at;
	bool blocked;
	unsigned int idle_kick;

	domain_reap();
	if (can_run(prev) && !pending_work(PW_SCHED))
		return;
	spin_lock(&rq->lock);
	pending_work_clear(PW_SCHED);
	now = now_ns();
	charge(prev, now);
	if (can_run(prev) && allowed_here(prev))
		enqueue_ahead(rq, prev, false);	/* first again unless one is boosted */
	for (;;) {
		next = dequeue(rq);
		if (next && can_run(next))
			break;
		if (next)
			continue;		/* blocked or paused since queued */
		if (can_run(prev) && allowed_here(prev)) {	/* woken while we idled */
			next = prev;
			break;
		}
		if (is_idle_vcpu(prev))
			idle_begin(rq);		/* marked idle, then looks: no wake missed */
		if ((next = steal(rq)))
			break;
		if (!is_idle_vcpu(prev)) {
			spin_unlock(&rq->lock);
			prev = switch_to_idle(prev, r, now);	/* never runnable */
			spin_lock(&rq->lock);
			continue;
		}
		spin_unlock(&rq->lock);
		if (pending_work(PW_NMI))
			arch_nmi_kick();	/* a host NMI while we idled: dom0's vCPU 0 */
		/*
		 * A wake made on this CPU from here on (by the reaper, say)
		 * only sets PW_SCHED, no IPI: the queue is looked at again
		 * rather than halting until the next interrupt.
		 */
		if (domain_reap() ||	/* a dead domain's memory, a piece at a time */
		    scrub_free_frames() ||	/* freed frames zeroed ahead (mm.c) */
		    pending_work(PW_SCHED | PW_NMI)) {
			asm volatile("sti; nop; cli" ::: "memory");	/* interrupts */
		} else {
			/*
			 * A destroyed domain that could not go yet (a reference
			 * another CPU held a moment): look again in 1 ms rather
			 * than leave it to this CPU's next interrupt.
			 */
			if (unlikely(pending_work(PW_REAP)))
				set_timer(&rq->slice, now_ns() + 1000000);
			arch_idle_halt(PW_SCHED | PW_NMI);	/* looks again, NMI-proof */
		}
		spin_lock(&rq->lock);
		pending_work_clear(PW_SCHED);	/* a kick: we look at the queue now */
	}
	next->is_running = true;	/* off every queue: no other CPU takes it now */
	if (rq->idle_from)
		now = idle_end(rq);
	/*
	 * prev may have been woken while the CPU idled (vcpu_wake does not
	 * queue the running vCPU); if someone else runs now, prev waits its
	 * turn on the queue rather than being lost.
	 */
	if (next != prev && can_run(prev) && allowed_here(prev))
		enqueue_ahead(rq, prev, true);	/* woken: as vcpu_wake would */
	if (next->slice_left < MIN_SLICE_NS)
		next->slice_left = full_slice(next);	/* prev, woken with nobody queued */
	idle_kick = MAX_CPUS;
	if (unlikely(spreading) && (rq->head || rq->kick_taken)) {
		/* The queued vCPU visible before idle_cpus is read: see idle_begin. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (rq->head && __atomic_load_n(&idle_cpus, __ATOMIC_RELAXED))
			idle_kick = idle_cpu_in(queued_affinity(rq));
		if (rq->kick_taken) {
			rq->kick_taken = false;
			idle_kick |= KICK_PASS;
		}
	}
	spin_unlock(&rq->lock);
	if (unlikely(idle_kick != MAX_CPUS))
		send_kicks(idle_kick);
	/* (The idle vCPU's runstate is kept too: nobody reads it.) */
	blocked = prev->runstate != RUNSTATE_running;	/* and woken: next == prev */
	if (!blocked)
		runstate_change_at(prev, can_run(prev) ? RUNSTATE_runnable :
					 prev->pause_count || prev->state == VCPU_DOWN ?
					 RUNSTATE_offline : RUNSTATE_blocked, now);
	runstate_change_at(next, RUNSTATE_running, now);
	next->slice_from = now;
	/*
	 * The slice timer must fire by next's slice end. One set to fire
	 * earlier is left alone (writing the timer costs): when it fires,
	 * the slice is found not over and the timer is set again from here.
	 * The timer is this CPU's, and interrupts are off.
	 */
	slice_end_at = now + (next->slice_left < PVCLOCK_REWRITE_NS ? next->slice_left :
			      PVCLOCK_REWRITE_NS);
	if (!rq->slice.active || rq->slice.deadline > slice_end_at)
		set_timer(&rq->slice, slice_end_at);
	/*
	 * A periodic timer that fell due while its vCPU was out (or blocked)
	 * did nothing and stopped (common/vcpu.c): the tick comes now.
	 */
	if (next != prev) {
		if (unlikely(next->periodic.cpu != this_cpu_id()))
			timers_follow(next, this_cpu_id());
		vcpu_periodic_work(next);
		if (is_idle_vcpu(prev))
			arch_switch_from_idle(next, r);
		else {
			arch_context_switch(prev, next, r);
			switched_out(prev);
		}
	} else {
		if (blocked)
			vcpu_periodic_work(next);
		/*
		 * The vCPU runs on, with no switch-in (load_vcpu) to write
		 * its time record: written again once it is a second old
		 * (PVCLOCK_REWRITE_NS; the slice timer fires by then), as
		 * Xen's calibration does, in case the guest overwrote it.
		 */
		if (unlikely(now - next->time_written >= PVCLOCK_REWRITE_NS))
			pvclock_update(next);
		vcpu_update_runstate_area(next);	/* back from blocked or a yield */
	}
}

/*
 * An AP's life: with its idle vCPU current it schedules (halting until a
 * vCPU is placed on its queue, woken there or stolen), loads that vCPU
 * into its start frame and enters it; from then on it schedules on the
 * way back to its guests, as CPU 0 does.
 */
void __noreturn sched_idle_loop(void)
{
	struct runqueue *rq = this_rq();
	struct cpu_regs *frame = &this_cpu_ptr()->start_frame;

	spin_lock(&rq->lock);
	if (!rq->slice.fn)
		timer_init(&rq->slice, slice_end, NULL);
	spin_unlock(&rq->lock);
	this_cpu()->current = idle_vcpu_init(this_cpu_id());
	while (!__atomic_load_n(&sched_started, __ATOMIC_ACQUIRE)) {
		asm volatile("pause");
		smp_poll_calls();
	}
	pending_work_set(PW_SCHED);
	schedule(frame);
	vcpu_enter_frame(frame);
}

static bool upcall_pending(const struct vcpu *v)
{
	return v->vcpu_info->evtchn_upcall_pending;
}

/*
 * A vCPU making a hypercall is in no poll: one that ended by an upcall
 * (neither its port nor its timeout) ends now, so its timeout, still
 * armed, wakes nothing (poll_timeout).
 */
static inline void poll_over(struct vcpu *v)
{
	if (unlikely(__atomic_load_n(&v->polling, __ATOMIC_RELAXED)))
		__atomic_store_n(&v->polling, false, __ATOMIC_SEQ_CST);
}

/*
 * SCHEDOP_block's wake: an event to deliver, or a virtual NMI. One sent
 * from another CPU while this vCPU was on its way into the block found it
 * not blocked yet, so its vcpu_wake only kicked (arch_vcpu_send_nmi sets
 * the NMI pending by a locked exchange before it looks at the state;
 * vcpu_block sets the state, fences, then looks here): without this the
 * vCPU slept with the NMI pending until some other wake.
 */
static bool block_woken(const struct vcpu *v)
{
	return upcall_pending(v) || arch_vcpu_nmi_waiting(v);
}

/* SCHEDOP_block: unmask events, then sleep unless one is deliverable. */
static long sched_block(struct vcpu *v)
{
	poll_over(v);
	v->vcpu_info->evtchn_upcall_mask = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!v->vcpu_info->evtchn_upcall_pending)
		vcpu_block(v, block_woken);
	return 0;
}

/*
 * A poll's timeout wakes its vCPU only while that poll lasts, as Xen's
 * poll_timer_fn tests its poll_mask bit: after an event on one of its
 * ports ended it, the armed timer must not end a later block or poll.
 */
static void poll_timeout(void *data)
{
	struct vcpu *v = data;

	if (!__atomic_exchange_n(&v->polling, false, __ATOMIC_SEQ_CST))
		return;
	vcpu_wake(v);
}

/*
 * A reason for SCHEDOP_poll not to sleep: the poll already ended, one of
 * its ports (checked as valid before), an upcall. Its timeout is set once
 * it sleeps: a deadline passed meanwhile fires at once.
 *
 * The poll ended: an event on one of its ports, sent from another CPU
 * between sched_poll publishing the ports and vcpu_block marking v
 * blocked, cleared polling (evtchn_poll_wake) and found v not blocked, so
 * its vcpu_wake did nothing. The timeout, armed after this, wakes only a
 * poll still on: the cleared flag is then the one trace of that event.
 * A sender that looked before polling was set did nothing, and its
 * pending bit is seen here (sched_poll's store of polling and
 * vcpu_block's fence come before this look).
 */
static bool poll_woken(const struct vcpu *v)
{
	unsigned int i;

	if (!__atomic_load_n(&v->polling, __ATOMIC_RELAXED))
		return true;
	for (i = 0; i < v->nr_poll_ports; i++)
		if (evtchn_port_is_pending(v->domain, v->poll_ports[i]))
			return true;
	return vcpu_events_deliverable(v);
}

static long sched_poll(struct vcpu *v, uint64_t arg)
{
	struct sched_poll p;
	unsigned int i;

	poll_over(v);
	if (v->poll_timeout.fn)
		stop_timer(&v->poll_timeout);	/* an earlier poll's: not this one's */
	if (copy_from_guest(&p, arg, sizeof(p)))
		return -EFAULT;
	if (p.nr_ports > MAX_POLL_PORTS)
		return trace_err(-EINVAL);
	/* As Xen 4.17: the list's start checked (even for none), then an upcall. */
	if (!guest_start_ok(p.ports))
		return trace_err(-EFAULT);
	if (vcpu_events_deliverable(v))
		return 0;
	/*
	 * Xen's answers: 0 once a pending port comes in the list before an
	 * unreadable one (-EFAULT: the ports are read one by one) or an
	 * invalid one (-EINVAL: a port free or reserved, port 0 too, or
	 * beyond those allocated, as Xen 4.17 measured; XSA-221), or for an
	 * upcall or a timeout passed. The
	 * pending ports and the upcall are looked at once, by poll_woken
	 * after the vCPU is marked blocked (vcpu_block).
	 */
	for (i = 0; i < p.nr_ports; i++) {
		const struct evtchn *chn = NULL;
		long bad = -EFAULT;

		if (!copy_from_guest(&v->poll_ports[i], p.ports + i * sizeof(uint32_t),
				     sizeof(uint32_t))) {
			chn = evtchn_from_port(v->domain, v->poll_ports[i]);
			bad = -EINVAL;
		}
		if (!chn || __atomic_load_n(&chn->state, __ATOMIC_RELAXED) <= ECS_RESERVED) {
			while (i--)
				if (evtchn_port_is_pending(v->domain, v->poll_ports[i]))
					return 0;
			return trace_err(bad);
		}
	}
	/* Xen's deadlines are signed: one from 2^63 up is already past. */
	if (p.timeout && (int64_t)p.timeout <= (int64_t)now_ns())
		return 0;
	v->nr_poll_ports = p.nr_ports;
	__atomic_store_n(&v->polling, true, __ATOMIC_SEQ_CST);
	if (!vcpu_block(v, poll_woken)) {
		v->nr_poll_ports = 0;
		__atomic_store_n(&v->polling, false, __ATOMIC_SEQ_CST);
		return 0;
	}
	if (p.timeout) {
		if (!v->poll_timeout.fn)
			timer_init(&v->poll_timeout, poll_timeout, v);
		set_timer(&v->poll_timeout, p.timeout);
	}
	return 0;
}

/* The reason a shutdown reports: SCHEDOP_shutdown_code's, once set. */
static unsigned int shutdown_reason(struct domain *d, unsigned int reason)
{
	return d->shutdown_code ? d->shutdown_code - 1U : reason;
}

/*
 * The caller's own shutdown (SCHEDOP_shutdown, and sched_op_compat's):
 * any reason, as Xen 4.17's u8 (a number no shutdown has is reported as
 * it is, the toolstack destroying the domain). Always 0, which the
 * caller's rax holds when its vCPU stops: a suspended domain that the
 * toolstack resumes sees that, or what setvcpucontext put there meanwhile
 * (libxc's xc_domain_resume sets 1: the suspend was cancelled).
 */
long domain_shutdown_self(struct domain *d, unsigned int reason)
{
	domain_shutdown(d, shutdown_reason(d, (uint8_t)reason));
	return 0;
}

static long sched_shutdown(struct vcpu *v, uint64_t arg, bool remote)
{
	struct sched_remote_shutdown s;
	struct domain *d = v->domain;

	if (remote) {
		if (copy_from_guest(&s, arg, sizeof(s)))
			return -EFAULT;
		d = get_domain_by_id(s.domain_id);
		if (!d)
			return trace_err(-ESRCH);	/* before privilege, as Xen */
		if (!v->domain->is_privileged) {
			put_domain(d);
			return trace_err(-EPERM);
		}
		/* Any reason, as Xen's u8; 0 even when d was already shut down. */
		domain_shutdown(d, (uint8_t)s.reason);
		put_domain(d);
		return 0;
	} else {
		struct sched_shutdown own;

		if (copy_from_guest(&own, arg, sizeof(own)))
			return -EFAULT;
		return domain_shutdown_self(d, own.reason);
	}
}

/*
 * SCHEDOP_shutdown_code: the reason the domain's next shutdown reports,
 * whatever it asks then; the first one set stays (Xen 4.17). Lamina
 * applies it to the shutdowns sched_op makes: SCHEDOP_shutdown and the
 * watchdog.
 */
static long shutdown_code(struct vcpu *v, uint64_t arg)
{
	struct sched_shutdown s;

	if (copy_from_guest(&s, arg, sizeof(s)))
		return -EFAULT;
	if (!v->domain->shutdown_code)
		v->domain->shutdown_code = (uint8_t)s.reason + 1;
	return 0;
}

static void watchdog_fired(void *data)
{
	struct domain *d = data;

	pr_info("d%u: watchdog timeout\n", d->domid);
	domain_shutdown(d, shutdown_reason(d, SHUTDOWN_watchdog));
}

struct watchdog_arg {
	uint32_t id;
	uint32_t timeout;
};

/*
 * SCHEDOP_watchdog, Xen 4.17's rules: id 0 arms a free one of the
 * domain's NR_DOMAIN_WATCHDOGS timers (timeout in seconds) and returns
 * its id (1-based; when none is free -ENOSPC as an unsigned int, Xen's
 * 0xffffffe4: its id and error share one, so the error comes back
 * positive; a caller reading an int, as Linux does, sees -ENOSPC); a
 * known id re-arms it, or
 * with timeout 0 frees it; any other id is -EINVAL. One that expires
 * shuts the domain down (SHUTDOWN_watchdog). Under d->watchdog_lock: two
 * vCPUs asking at once get two timers, and a timer is initialised once,
 * never under a set_timer of another CPU (which would cut its queue).
 */
static long watchdog_locked(struct domain *d, const struct watchdog_arg w)
{
	unsigned int i;

	if (w.id == 0) {
		for (i = 0; i < NR_DOMAIN_WATCHDOGS; i++)
			if (!(d->watchdog_inuse & (1U << i)))
				break;
		if (i == NR_DOMAIN_WATCHDOGS)
			return (uint32_t)trace_err(-ENOSPC);
		if (!d->watchdog[i].fn)
			timer_init(&d->watchdog[i], watchdog_fired, d);
		d->watchdog_inuse |= 1U << i;
		set_timer(&d->watchdog[i], now_ns() + w.timeout * 1000000000ULL);
		return i + 1;
	}
	i = array_index_nospec(w.id - 1, NR_DOMAIN_WATCHDOGS);
	if (!(d->watchdog_inuse & (1U << i)))
		return trace_err(-EINVAL);
	if (w.timeout == 0) {
		stop_timer(&d->watchdog[i]);
		d->watchdog_inuse &= ~(1U << i);
	} else {
		set_timer(&d->watchdog[i], now_ns() + w.timeout * 1000000000ULL);
	}
	return 0;
}

/* Out of line: kept out of hc_sched_op's common paths (yield, block). */
static long __attribute__((noinline)) watchdog(struct vcpu *v, uint64_t arg)
{
	struct domain *d = v->domain;
	struct watchdog_arg w;
	long rc;

	if (copy_from_guest(&w, arg, sizeof(w)))
		return -EFAULT;
	if (w.id > NR_DOMAIN_WATCHDOGS)
		return trace_err(-EINVAL);
	spin_lock(&d->watchdog_lock);
	rc = watchdog_locked(d, w);
	spin_unlock(&d->watchdog_lock);
	return rc;
}

bool sched_pin_override_end(struct vcpu *v)
{
	if (!v->pin_override)
		return false;
	v->pin_override = false;
	sched_set_affinity(v, v->hard_saved);
	return true;
}

/*
 * The pin, checked and made under the domain's vcpu_ctx_lock: dom0's
 * setvcpuaffinity of this vCPU from another (domctl.c) takes it too.
 */
static long pin_override_start(struct vcpu *v, int32_t pcpu)
{
	long rc = 0;

	spin_lock(&v->domain->vcpu_ctx_lock);
	if (v->pin_override)
		rc = trace_err(-EBUSY);
	else if (!(smp_online_mask() & (1ULL << pcpu)))
		rc = trace_err(-EINVAL);
	if (!rc) {
		v->hard_saved = v->hard_affinity;
		v->pin_override = true;
		sched_set_affinity(v, 1ULL << pcpu);
	}
	spin_unlock(&v->domain->vcpu_ctx_lock);
	return rc;
}

/*
 * SCHEDOP_pin_override (dom0 only), Xen 4.17's vcpu_temporary_affinity:
 * the calling vCPU's hard map becomes that one online pCPU (the old map
 * saved) and the vCPU moves there on its way out of the call; pcpu < 0
 * ends it, the saved map back. -EINVAL for a pCPU past the machine's,
 * an offline one, or an end without a pin; -EBUSY for a second pin
 * (checked before whether the pCPU is online, as Xen does). While it
 * lasts, setvcpuaffinity is -EBUSY (domctl.c); VCPUAFFINITY_FORCE and a
 * vCPU reset end it.
 */
static long pin_override(struct vcpu *v, uint64_t arg)
{
	int32_t pcpu;
	long rc;

	if (!v->domain->is_privileged)
		return trace_err(-EPERM);
	if (copy_from_guest(&pcpu, arg, sizeof(pcpu)))
		return -EFAULT;
	if (pcpu < 0) {
		spin_lock(&v->domain->vcpu_ctx_lock);
		rc = sched_pin_override_end(v) ? 0 : trace_err(-EINVAL);
		spin_unlock(&v->domain->vcpu_ctx_lock);
		return rc;
	}
	if ((unsigned int)pcpu >= smp_nr_possible())
		return trace_err(-EINVAL);
	return pin_override_start(v, pcpu);
}

long hc_sched_op(struct vcpu *v, struct hc_args *a)
{
	switch ((uint32_t)a->arg[0]) {	/* Xen's `int cmd`: the upper half ignored */
	case SCHEDOP_yield:
		sched_yield();
		return 0;
	case SCHEDOP_block:
		return sched_block(v);
	case SCHEDOP_poll:
		return sched_poll(v, a->arg[1]);
	case SCHEDOP_shutdown:
		return sched_shutdown(v, a->arg[1], false);
	case SCHEDOP_remote_shutdown:
		return sched_shutdown(v, a->arg[1], true);
	case SCHEDOP_shutdown_code:
		return shutdown_code(v, a->arg[1]);
	case SCHEDOP_watchdog:
		return watchdog(v, a->arg[1]);
	case SCHEDOP_pin_override:
		return pin_override(v, a->arg[1]);
	default:
		return trace_err(-ENOSYS);
	}
}

/* Debug key 'q': who runs and who waits. */
void sched_dump(void)
{
	unsigned int cpu;
	struct vcpu *v;

	for (cpu = 0; cpu < MAX_CPUS; cpu++) {
		struct runqueue *rq = &runqueues[cpu];

		if (!(smp_online_mask() & (1ULL << cpu)))
			continue;
		/* Unlocked, as a debug key may come while this CPU holds it. */
		if (cpu == this_cpu()->cpu_id)
			printk(LOG_ERR, "CPU%u runs d%uv%u; run queue:", cpu,
			       this_cpu()->current->domain->domid, this_cpu()->current->vcpu_id);
		else
			printk(LOG_ERR, "CPU%u%s; run queue:", cpu, rq->idle_from ? " idle" : "");
		for (v = rq->head; v; v = v->runq_next)
			printk(LOG_ERR, " d%uv%u%s", v->domain->domid, v->vcpu_id,
			       v->boosted ? "+" : "");
		printk(LOG_ERR, "%s\n", rq->head ? "" : " (empty)");
	}
}
