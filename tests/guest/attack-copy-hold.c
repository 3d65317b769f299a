// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-copy-hold: GNTTABOP_copy batches that keep naming the same
 * granter, on one vCPU, while the domain's other vCPU copies from the
 * same grant, each copy needing the same table's lock. vCPU 1 (CPU 1)
 * makes batch after batch of BATCH elements, each naming our own grant
 * (ref SRC_REF); vCPU 0 (CPU 0) makes one-element copies from that grant
 * for PHASE_NS of guest time in each phase:
 *   - frames: vCPU 1's elements copy between two of our frames, no grant
 *     named (no table locked);
 *   - copies: every element copies 8 bytes from the grant;
 *   - refused: one element in 64 copies, the others name the same grant
 *     with an offset and length past the page (GNTST_bad_copy_arg,
 *     refused before any lock).
 * Every status must be the element's own, vCPU 0's copies all succeed,
 * the grant's flags end as the guest wrote them (no reading bit left)
 * and the audit at the end finds every pin let go. How long vCPU 0's
 * longest copy waited is printed, not asserted: under TCG it says little.
 * Lamina's batch of 8e6cd56 kept the table locked across whole batches
 * (the 16th element let the test-and-set lock go and took it back at
 * once, a refused element did not count); host-timed runs showed one of
 * vCPU 0's copies waiting 0.9 s, but also 0.47 s in the frames phase
 * (the host's load), and under -icount the vCPUs take turns in slices,
 * so a spinning vCPU loses its slice whatever the holder does (about
 * 1 ms on that branch and after the fix alike). So the hold's
 * bound is proved by unit/grant_table/copy_batch_lets_others_in, and this
 * guest checks the batches' results against a concurrent vCPU, the same
 * on Lamina and Xen 4.17. With one CPU the vCPUs take turns.
 * @hvargs: dom0_max_vcpus=2
 * @timeout-smp: 240
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/physinfo.h"
#include "lib/events.h"
#include "lib/gnt_self.h"
#include "lib/wait.h"

#define BATCH		4096
#define PHASE_NS	200000000ULL	/* vCPU 0's copies in each phase, 0.2 s */
#define SRC_REF		10
#define STACK_SIZE	8192

enum { FRAMES, COPIES, REFUSED, PHASES };
static const char *const phase_name[PHASES] = { "frames", "copies", "refused" };

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static struct gnttab_copy batch[PHASES][BATCH];
static uint64_t src_va, src_mfn, dst_mfn, own_mfn;
static volatile bool started, one_cpu, stopped;
static volatile int phase = -1;		/* vCPU 1's batches; PHASES: stop */
static volatile unsigned long batches[PHASES];
static volatile int16_t bad_status[PHASES];

static void fill(void)
{
	unsigned int p, i;

	for (p = 0; p < PHASES; p++)
		for (i = 0; i < BATCH; i++) {
			struct gnttab_copy *c = &batch[p][i];

			memset(c, 0, sizeof(*c));
			c->source.domid = gnt_self_dom;
			c->source.u.ref = SRC_REF;
			c->dest.domid = DOMID_SELF;
			c->dest.u.gmfn = dst_mfn;
			c->dest.offset = (uint16_t)((i % 64) * 8);
			c->len = 8;
			c->flags = GNTCOPY_source_gref;
			c->status = 99;
			if (p == FRAMES) {
				c->source.domid = DOMID_SELF;
				c->source.u.gmfn = own_mfn;
				c->flags = 0;
			} else if (p == REFUSED && i % 64) {
				c->dest.offset = 4092;
			}
		}
}

static void attacker(unsigned long id)
{
	(void)id;
	shared->vcpu_info[1].evtchn_upcall_mask = 1;	/* no event ends a batch early */
	started = true;
	for (;;) {
		int p = phase;
		unsigned int i;

		if (p >= PHASES)
			break;
		if (p < 0) {
			asm volatile("pause");
			continue;
		}
		if (gnttab(GNTTABOP_copy, batch[p], BATCH))
			bad_status[p] = -100;
		/* The first batch's statuses only: the next begins at once. */
		for (i = 0; i < BATCH && !batches[p] && !bad_status[p]; i++)
			if (batch[p][i].status != (p == REFUSED && i % 64 ? GNTST_bad_copy_arg : GNTST_okay))
				bad_status[p] = batch[p][i].status;
		batches[p]++;
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	stopped = true;
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

/* vCPU 0's copies for PHASE_NS of phase p: the longest one's time; their number in *calls. */
static uint64_t victim(int p, unsigned long *calls, int16_t *st)
{
	struct gnttab_copy c;
	uint64_t start, now, longest = 0;

	phase = p;
	while (!batches[p] && !one_cpu)
		asm volatile("pause");		/* vCPU 1 under way */
	*st = GNTST_okay;
	*calls = 0;
	start = now = pvclock_ns();
	while (now - start < PHASE_NS) {
		uint64_t t0 = now;

		memset(&c, 0, sizeof(c));
		c.source.domid = gnt_self_dom;
		c.source.u.ref = SRC_REF;
		c.dest.domid = DOMID_SELF;
		c.dest.u.gmfn = dst_mfn;
		c.dest.offset = 1024;
		c.len = 8;
		c.flags = GNTCOPY_source_gref;
		c.status = 99;
		if (gnttab(GNTTABOP_copy, &c, 1))
			c.status = -100;
		now = pvclock_ns();
		if (now - t0 > longest)
			longest = now - t0;
		if (c.status != GNTST_okay)
			*st = c.status;
		if (one_cpu && !(++*calls % 64))
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		else if (!one_cpu)
			++*calls;
	}
	return longest;
}

int test_main(struct start_info *si)
{
	struct grant_entry_v1 *t;
	struct sysctl pi;
	uint64_t longest[PHASES];
	unsigned long calls;
	int16_t st;
	int p;
	long rc;

	CHECK(events_init(si) == 0, "mapping shared_info failed");
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	one_cpu = pi.u.physinfo.nr_cpus < 2;
	CHECK(gnt_self_dom_init(si) == 0, "no domid of our own");
	t = gnt_self_table();
	CHECK(t, "setting up our grant table failed");
	src_va = scratch_page();
	src_mfn = va_to_mfn(src_va);
	dst_mfn = va_to_mfn(scratch_page());
	own_mfn = va_to_mfn(scratch_page());
	memcpy((void *)src_va, "granted", 8);
	gnt_self_grant(t, SRC_REF, src_va, true);
	fill();
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	rc = smp_start_pinned(si, attacker, stack1, sizeof(stack1), &started, one_cpu);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	for (p = 0; p < PHASES; p++) {
		longest[p] = victim(p, &calls, &st);
		CHECK(st == GNTST_okay, "%s: vCPU 0's copy gave %d", phase_name[p], st);
		printf("%s: vCPU 1's batches %lu; vCPU 0's copies %lu, the longest %lu us\n",
		       phase_name[p], batches[p], calls, (unsigned long)(longest[p] / 1000));
	}
	/*
	 * vCPU 1's last batch ended first: until 6 Dec the flags were read
	 * while it could still be copying from the grant (GTF_reading set;
	 * FAIL at --smp 4 once, the flags printed after it as 0x5).
	 */
	phase = PHASES;
	CHECK(WAIT_UNTIL(stopped), "vCPU 1 never ended its last batch");
	for (p = 0; p < PHASES; p++)
		CHECK(!bad_status[p], "%s: vCPU 1's batch gave %d", phase_name[p], bad_status[p]);
	CHECK(__atomic_load_n(&t[SRC_REF].flags, __ATOMIC_ACQUIRE) ==
	      (GTF_permit_access | GTF_readonly), "the grant's flags are %#x after the copies",
	      t[SRC_REF].flags);
	return TEST_PASS;
}
