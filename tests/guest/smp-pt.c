// SPDX-License-Identifier: GPL-2.0-only
/*
 * smp-pt: two vCPUs of one domain work on the same page-table tree at once
 * (issue 21), on Lamina and on Xen 4.17 with the same answers.
 *
 * Frames from the domain's last pfns, which nothing maps: NT L1 tables
 * T[], an L2 X whose first NT entries point at them, and ND data frames
 * D[]. The T tables start with read-only mappings of D[].
 *   vCPU 0 pins and unpins X (validating every T below it) and each T as
 *   an L1, writes entries of the T tables, and maps a T writable at its
 *   own address (update_va_mapping) while vCPU 1 may have it in use as a
 *   page table;
 *   vCPU 1 writes entries of the same T tables by mmu_update (a D frame
 *   writable or read-only, a T read-only or writable, or nothing), and
 *   maps D and T frames read-only and writable at its own address.
 * Each loop runs until both have done ROUNDS rounds. A request whose
 * answer depends on the other vCPU (a pin, a writable mapping of a T)
 * must give 0 or the error the same request gives when the answer is
 * known (measured first, one vCPU: a T in use as a table refused
 * writable, a pin refused because a T is mapped writable); every other
 * request must give 0. At the end vCPU 0 clears every entry and unpins
 * what it pinned; then every T pins as an empty L1 and unpins, every T
 * and D maps writable, and the frame audit at exit must be clean.
 * With one pCPU the two vCPUs interleave by preemption, with two they
 * also run at once. Xen 4.17 on two pCPUs also refuses, with -EINVAL, an
 * entry write into a T that vCPU 0 is validating or devalidating at that
 * moment (its page lock is not taken then); Lamina's per-domain lock
 * makes such a write wait, so there every such write gives 0.
 * With two pCPUs each pin, unpin and retyping of a T flushes the other
 * CPU's TLB by IPI and waits for it (about 14,700 of them a run): on a
 * host with more busy threads than cores QEMU's other vCPU thread may
 * take milliseconds to answer each (9 ms on average, 132 s in all, in a
 * run at load 9.5 on 2 cores), so its bound is longer there.
 * @hvargs: dom0_max_vcpus=2
 * @timeout-smp: 300
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/smp.h"
#include "lib/pt_tree.h"
#include "lib/wait.h"

#define NT		4
#define ND		4
#define ROUNDS		1500
#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static uint64_t T[NT], D[ND], X;	/* machine frames */
static uint64_t va[2];			/* each vCPU's own mapping address */
static uint64_t va_orig[2];		/* ... and what it mapped before */
static long err_rw_table, err_rw_table_uvm, err_pin, err_pin_maps_table;
static volatile unsigned long rounds[2];
static volatile bool stop;
static volatile long bad_rc[2];
static volatile unsigned int bad_what[2];
static volatile unsigned long ok_rw_table[2], refused_rw_table[2], pins_ok, pins_refused;

static uint64_t ro(uint64_t mfn)
{
	return (mfn << 12) | PTE_P | PTE_US | PTE_A;
}

static uint64_t rw(uint64_t mfn)
{
	return (mfn << 12) | PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D;
}

static long entry_write(uint64_t table, unsigned int i, uint64_t val)
{
	return mmu_update1((table << 12) + i * 8, val);
}

static long map_at(unsigned int me, uint64_t val)
{
	return update_va_mapping(va[me], val, UVMF_INVLPG);
}

/* A cheap generator, one per vCPU. */
static unsigned int next_rand(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned int)(*s >> 33);
}

static bool lamina;
static volatile unsigned long xen_busy_refusals;

/* vCPU 1's entry write answered rc, where 0 was due: acceptable on Xen? */
static bool xen_mid_validation(long rc)
{
	if (lamina || rc != -EINVAL)
		return false;
	xen_busy_refusals++;
	return true;
}

static void note_bad(unsigned int me, unsigned int what, long rc)
{
	if (!bad_rc[me]) {
		bad_what[me] = what;
		bad_rc[me] = rc;
	}
}

/* vCPU 1: entries of the T tables, and its own mapping of D and T frames. */
static void __attribute__((noreturn, used)) writer(unsigned long id)
{
	uint64_t s = 12345;
	long rc;

	(void)id;
	while (!stop) {
		unsigned int r = next_rand(&s), t = r % NT, e = 8 + (r >> 4) % 64;
		unsigned int x = (r >> 12) % ND, y = (r >> 16) % NT;

		switch ((r >> 20) % 6) {
		case 0:
			rc = entry_write(T[t], e, rw(D[x]));
			if (rc && !xen_mid_validation(rc))
				note_bad(1, 1, rc);
			break;
		case 1:
			rc = entry_write(T[t], e, ro(D[x]));
			if (rc && !xen_mid_validation(rc))
				note_bad(1, 2, rc);
			break;
		case 2:
			rc = entry_write(T[t], e, ro(T[y]));
			if (rc && !xen_mid_validation(rc))
				note_bad(1, 3, rc);
			break;
		case 3:	/* writable: refused while T[y] is a table, T[t] unused meanwhile */
			rc = entry_write(T[t], e, rw(T[y]));
			if (rc && rc != err_rw_table && !xen_mid_validation(rc))
				note_bad(1, 4, rc);
			rc ? refused_rw_table[1]++ : ok_rw_table[1]++;
			rc = entry_write(T[t], e, 0);
			if (rc && !xen_mid_validation(rc))
				note_bad(1, 5, rc);
			break;
		case 4:
			rc = map_at(1, (r & 1) ? rw(D[x]) : ro(D[x]));
			if (rc)
				note_bad(1, 6, rc);
			break;
		default:
			rc = map_at(1, ro(T[y]));
			if (rc)
				note_bad(1, 7, rc);
			break;
		}
		rounds[1]++;
	}
	map_at(1, va_orig[1]);
	rounds[1] = ~0UL;	/* done */
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

/* One round of vCPU 0: pins, a writable mapping of a T, an entry write. */
static bool pin_refusal(long rc)
{
	return rc == err_pin || rc == err_pin_maps_table;
}

static void pinner_round(uint64_t *s)
{
	unsigned int r = next_rand(s), t = r % NT, x = (r >> 8) % ND, e = 8 + (r >> 12) % 64;
	long rc;

	rc = mmuext1(MMUEXT_PIN_L2_TABLE, X);
	if (!rc) {
		pins_ok++;
		rc = mmuext1(MMUEXT_UNPIN_TABLE, X);
		if (rc)
			note_bad(0, 1, rc);
	} else if (!pin_refusal(rc)) {
		note_bad(0, 2, rc);
	} else {
		pins_refused++;
	}
	rc = mmuext1(MMUEXT_PIN_L1_TABLE, T[t]);
	if (!rc) {
		pins_ok++;
		/* Pinned by us: a table now, so writable is refused for certain. */
		rc = map_at(0, rw(T[t]));
		if (rc != err_rw_table_uvm)
			note_bad(0, 3, rc ? rc : 1);
		rc = entry_write(T[t], e, ro(D[x]));
		if (rc)
			note_bad(0, 4, rc);
		rc = mmuext1(MMUEXT_UNPIN_TABLE, T[t]);
		if (rc)
			note_bad(0, 5, rc);
	} else if (!pin_refusal(rc)) {
		note_bad(0, 6, rc);
	} else {
		pins_refused++;
	}
	/* Not pinned by us: vCPU 1 may be mapping it writable, or not. */
	rc = map_at(0, rw(T[(t + 1) % NT]));
	if (rc && rc != err_rw_table_uvm)
		note_bad(0, 7, rc);
	rc ? refused_rw_table[0]++ : ok_rw_table[0]++;
	rc = map_at(0, rw(D[x]));
	if (rc)
		note_bad(0, 8, rc);
}

/* The errors when the answer is known, with one vCPU running. */
static int measure_errors(void)
{
	long rc;

	CHECK(mmuext1(MMUEXT_PIN_L1_TABLE, T[0]) == 0, "pin of T0 alone failed");
	CHECK(mmuext1(MMUEXT_PIN_L1_TABLE, T[1]) == 0, "pin of T1 alone failed");
	err_rw_table = entry_write(T[1], 8, rw(T[0]));
	CHECK(err_rw_table < 0, "a pinned L1 mapped writable by an entry: %ld", err_rw_table);
	CHECK(mmuext1(MMUEXT_UNPIN_TABLE, T[1]) == 0, "unpin of T1 failed");
	err_rw_table_uvm = map_at(0, rw(T[0]));
	CHECK(err_rw_table_uvm < 0, "a pinned L1 mapped writable at an address: %ld",
	      err_rw_table_uvm);
	CHECK(mmuext1(MMUEXT_UNPIN_TABLE, T[0]) == 0, "unpin of T0 failed");
	/* T0 maps T1 writable: pinning T0 makes T1 writable, so T1 cannot pin. */
	CHECK(entry_write(T[0], 8, rw(T[1])) == 0, "plain write into unpinned T0 failed");
	CHECK(mmuext1(MMUEXT_PIN_L1_TABLE, T[0]) == 0, "pin of T0 mapping T1 failed");
	err_pin = mmuext1(MMUEXT_PIN_L1_TABLE, T[1]);
	CHECK(err_pin < 0, "T1 pinned while mapped writable: %ld", err_pin);
	rc = mmuext1(MMUEXT_PIN_L2_TABLE, X);
	CHECK(rc == err_pin, "X pinned with T1 mapped writable by T0: %ld (a T pin gave %ld)",
	      rc, err_pin);
	CHECK(mmuext1(MMUEXT_UNPIN_TABLE, T[0]) == 0, "unpin of T0 failed");
	/* The other way round: T1 a table first, then T0 mapping it writable. */
	CHECK(mmuext1(MMUEXT_PIN_L1_TABLE, T[1]) == 0, "pin of T1 alone failed");
	err_pin_maps_table = mmuext1(MMUEXT_PIN_L1_TABLE, T[0]);
	CHECK(err_pin_maps_table < 0, "T0 pinned mapping the L1 T1 writable: %ld",
	      err_pin_maps_table);
	CHECK(mmuext1(MMUEXT_UNPIN_TABLE, T[1]) == 0, "unpin of T1 failed");
	CHECK(entry_write(T[0], 8, 0) == 0, "clearing T0's entry failed");
	printf("known answers: writable table %ld (entry) %ld (address), pin %ld %ld\n",
	       err_rw_table, err_rw_table_uvm, err_pin, err_pin_maps_table);
	return TEST_PASS;
}

static int final_state(void)
{
	unsigned int t, i;
	long rc;

	for (t = 0; t < NT; t++)
		for (i = 0; i < 512; i++) {
			rc = entry_write(T[t], i, 0);
			CHECK(rc == 0, "clearing T%u entry %u: %ld", t, i, rc);
		}
	for (t = 0; t < NT; t++) {
		rc = mmuext1(MMUEXT_PIN_L1_TABLE, T[t]);
		CHECK(rc == 0, "T%u does not pin as an empty L1 at the end: %ld", t, rc);
	}
	rc = mmuext1(MMUEXT_PIN_L2_TABLE, X);
	CHECK(rc == 0, "X does not pin at the end: %ld", rc);
	CHECK(mmuext1(MMUEXT_UNPIN_TABLE, X) == 0, "unpin of X at the end failed");
	for (t = 0; t < NT; t++) {
		rc = mmuext1(MMUEXT_UNPIN_TABLE, T[t]);
		CHECK(rc == 0, "unpin of T%u at the end: %ld", t, rc);
	}
	for (t = 0; t < NT; t++) {
		rc = map_at(0, rw(T[t]));
		CHECK(rc == 0, "T%u not writable again at the end: %ld", t, rc);
	}
	for (i = 0; i < ND; i++) {
		rc = map_at(0, rw(D[i]));
		CHECK(rc == 0, "D%u not writable at the end: %ld", i, rc);
	}
	CHECK(map_at(0, va_orig[0]) == 0, "restoring vCPU 0's mapping failed");
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	uint64_t s = 777;
	unsigned int i;
	long rc;

	if (events_init(si))
		return fail("events_init failed");
	lamina = on_lamina();
	rc = vcpu_op(VCPUOP_is_up, 1, NULL);
	if (rc == -ENOENT)
		return skip("one vCPU only (dom0_max_vcpus=2 not honoured)");
	for (i = 0; i < NT; i++)
		T[i] = pt_tree_frame(si, i);
	for (i = 0; i < ND; i++)
		D[i] = pt_tree_frame(si, NT + i);
	X = pt_tree_frame(si, NT + ND);
	for (i = 0; i < 2; i++) {
		va[i] = scratch_page();
		va_orig[i] = rw(va_to_mfn(va[i]));
	}
	for (i = 0; i < 512; i++) {
		unsigned int t;

		CHECK(entry_write(X, i, i < NT ? (T[i] << 12) | PT_TREE_UPPER : 0) == 0,
		      "writing X failed");
		for (t = 0; t < NT; t++)
			CHECK(entry_write(T[t], i, i < ND ? ro(D[i]) : 0) == 0,
			      "writing T%u failed", t);
	}
	CHECK(measure_errors() == TEST_PASS, "the known answers");

	rc = smp_start_vcpu(si, 1, writer, stack1, sizeof(stack1));
	CHECK(rc == 0, "starting vCPU 1: %ld", rc);
	while ((rounds[0] < ROUNDS || rounds[1] < ROUNDS) && !bad_rc[0] && !bad_rc[1]) {
		pinner_round(&s);
		rounds[0]++;
	}
	stop = true;
	CHECK(WAIT_UNTIL(rounds[1] == ~0UL), "vCPU 1 did not stop");
	CHECK(!bad_rc[0], "vCPU 0: request %u gave %ld", bad_what[0], bad_rc[0]);
	CHECK(!bad_rc[1], "vCPU 1: request %u gave %ld", bad_what[1], bad_rc[1]);
	CHECK(vcpu_op(VCPUOP_down, 1, NULL) == 0, "down of vCPU 1 failed");
	CHECK(final_state() == TEST_PASS, "the final state");
	printf("%lu rounds on vCPU 0; pins %lu done, %lu refused; a T writable %lu+%lu times, "
	       "refused %lu+%lu; writes refused mid-validation (Xen) %lu\n", rounds[0], pins_ok,
	       pins_refused, ok_rw_table[0], ok_rw_table[1], refused_rw_table[0],
	       refused_rw_table[1], xen_busy_refusals);
	return TEST_PASS;
}
