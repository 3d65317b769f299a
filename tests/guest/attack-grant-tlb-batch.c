// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-grant-tlb-batch: within one unmap batch, no grant may be let go
 * (its entry idle to the granter) while another CPU can still reach it
 * through a stale TLB entry; Xen 4.17 clears a batch's mappings, flushes
 * every CPU the mapper ran on once, and only then lets the grants go.
 *
 * dom0 with two vCPUs (vCPU 1 pinned to the second CPU) grants itself N
 * pages P[k] (refs REF0 + k) and maps them writable at X[k] in one map
 * batch; vCPU 1 reads every X[k] (its CPU caches the translations), then
 * watches the entries while vCPU 0 unmaps all N in one batch. As soon as
 * entry k is idle, vCPU 1 acts as the granter: it ends the access
 * (flags 0), reuses the page (writes SECRET + k into P[k] through its own
 * mapping) and reads X[k] again. It must fault (unmap) or read R's tag
 * (unmap_and_replace with a new address mapping page R); SECRET + k
 * means its CPU still reached P[k] after the grant was let go. Ways:
 * unmap by address, by PTE address, unmap_and_replace, by address with
 * a bad handle at element BAD (its mapping stays; the others go), and
 * by address with the array running into a read-only page at element
 * EFAULT_AT (-EFAULT: the elements before it done; Xen does that element
 * too, then fails its copy-out). With one CPU the two vCPUs take turns
 * and vCPU 1 looks only once the batch is over.
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/traps.h"
#include "lib/physinfo.h"
#include <lamina/grant_table.h>

#define STACK_SIZE	8192
#define ROUNDS		100
#define N		8
#define REF0		10
#define BAD		3
#define EFAULT_AT	5
#define TAG_P		0x5050505050505050ULL
#define TAG_R		0x5252525252525252ULL
#define SECRET		0x5353535353530000ULL
#define NO_READ		0x4e4f4e4f4e4f4e4fULL	/* the read faulted */

enum { BY_VA, BY_PTE, BY_REPLACE, BAD_HANDLE, BY_VA_EFAULT, NR_WAYS };
static const char *const way_name[NR_WAYS] = {
	"by address", "by PTE", "unmap_and_replace", "with a bad handle", "with -EFAULT",
};

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
/* The unmap array: the second page is made read-only for BY_VA_EFAULT. */
static uint8_t ubuf[2][4096] __attribute__((aligned(4096)));
static struct grant_entry_v1 *table;
static volatile uint64_t *x[N];		/* the mappings' addresses */
static volatile uint64_t *p[N];		/* the granted pages, as the granter sees them */
static volatile unsigned int phase;	/* 1: mapped, 2: vCPU 1 read, 3: batch over, 0: checked */
static volatile unsigned long stale, faulted, other;	/* vCPU 1's reads */
static volatile bool started;
static bool one_cpu;

static long gnttab(unsigned int cmd, void *arg, unsigned int count)
{
	return hypercall3(__HYPERVISOR_grant_table_op, cmd, arg, count);
}

static void wait_phase(unsigned int want)
{
	while (phase != want) {
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		asm volatile("pause");
	}
}

/* *va, or NO_READ when the read faults. */
static uint64_t read_or_fault(volatile uint64_t *va)
{
	uint64_t v = NO_READ;

	asm volatile("1: mov (%1), %0\n2:\n"
		     ".pushsection .fixup, \"a\"\n.balign 8\n.quad 1b, 2b\n.popsection"
		     : "+r"(v) : "r"(va) : "memory");
	return v;
}

/* Entry k idle, or the batch over with it still in use (false). */
static bool wait_idle(unsigned int k)
{
	for (;;) {
		if (!(__atomic_load_n(&table[REF0 + k].flags, __ATOMIC_ACQUIRE) & GTF_reading))
			return true;
		if (phase == 3)
			return false;
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		asm volatile("pause");
	}
}

static void vcpu1(unsigned long id)
{
	(void)id;
	if (traps_install(true))
		for (;;)
			;
	started = true;
	for (;;) {
		unsigned int k;

		wait_phase(1);
		for (k = 0; k < N; k++)
			asm volatile("" : : "r"(*x[k]));	/* caches X[k] on this CPU */
		phase = 2;
		for (k = 0; k < N; k++) {
			uint64_t v;

			if (!wait_idle(k))
				continue;
			/* The granter ends the access and reuses the page. */
			__atomic_store_n(&table[REF0 + k].flags, 0, __ATOMIC_RELEASE);
			*p[k] = SECRET + k;
			v = read_or_fault(x[k]);
			if (v == SECRET + k)
				stale++;
			else if (v == NO_READ)
				faulted++;
			else if (v != TAG_R)
				other++;
		}
		wait_phase(3);
		phase = 0;
	}
}

static void grant_all(void)
{
	unsigned int k;

	for (k = 0; k < N; k++) {
		table[REF0 + k].flags = 0;
		asm volatile("" ::: "memory");
		*p[k] = TAG_P;
		table[REF0 + k].domid = 0;
		table[REF0 + k].frame = (uint32_t)va_to_mfn((uint64_t)p[k]);
		asm volatile("" ::: "memory");
		table[REF0 + k].flags = GTF_permit_access;
	}
}

/* The unmap batch of this way; its result, the statuses in st. */
static long unmap_batch(unsigned int way, const struct gnttab_map_grant_ref *m,
			const uint64_t *spare, int16_t *st)
{
	struct gnttab_unmap_and_replace r[N];
	struct gnttab_unmap_grant_ref *u;
	unsigned int k;
	long rc;

	if (way == BY_REPLACE) {
		for (k = 0; k < N; k++)
			r[k] = (struct gnttab_unmap_and_replace){ (uint64_t)x[k], spare[k],
								  m[k].handle, 99, 0 };
		rc = gnttab(GNTTABOP_unmap_and_replace, r, N);
		for (k = 0; k < N; k++)
			st[k] = r[k].status;
		return rc;
	}
	/* With -EFAULT, element EFAULT_AT is the read-only page's first. */
	u = (struct gnttab_unmap_grant_ref *)(way == BY_VA_EFAULT ? ubuf[1] : ubuf[0]) -
	    (way == BY_VA_EFAULT ? EFAULT_AT : 0);
	for (k = 0; k < N && (uint8_t *)&u[k] < ubuf[1]; k++)
		u[k] = (struct gnttab_unmap_grant_ref){ m[k].host_addr, 0,
							way == BAD_HANDLE && k == BAD ? 0xffffU :
							m[k].handle, 99, 0 };
	rc = gnttab(GNTTABOP_unmap_grant_ref, u, N);
	for (k = 0; k < N; k++)
		st[k] = (uint8_t *)&u[k] < ubuf[1] ? u[k].status : 99;
	return rc;
}

/* One round of a way: the count of failed checks (0: passed). */
static int round(unsigned int way, uint64_t r_mfn, const uint64_t *spare)
{
	struct gnttab_map_grant_ref m[N];
	int16_t st[N];
	unsigned int k;
	long rc, want = way == BY_VA_EFAULT ? -14 : 0;

	for (k = 0; k < N; k++) {
		uint64_t pte = l1e_maddr((uint64_t)x[k]);

		m[k] = (struct gnttab_map_grant_ref){
			way == BY_PTE ? pte : (uint64_t)x[k],
			GNTMAP_host_map | (way == BY_PTE ? GNTMAP_contains_pte : 0),
			REF0 + k, 0, 99, ~0U, 0 };
		if (way == BY_REPLACE)
			CHECK(update_va_mapping(spare[k], (r_mfn << 12) | PTE_DATA, UVMF_INVLPG) == 0,
			      "mapping R at the spare address failed");
	}
	CHECK(gnttab(GNTTABOP_map_grant_ref, m, N) == 0, "map batch failed");
	for (k = 0; k < N; k++)
		CHECK(m[k].status == GNTST_okay, "%s: map %u gave status %d", way_name[way], k,
		      m[k].status);
	phase = 1;
	wait_phase(2);
	rc = unmap_batch(way, m, spare, st);
	phase = 3;
	CHECK(rc == want, "%s: the batch gave %ld, not %ld", way_name[way], rc, want);
	for (k = 0; k < N; k++) {
		if (way == BAD_HANDLE && k == BAD)
			CHECK(st[k] == GNTST_bad_handle, "%s: element %u: status %d", way_name[way],
			      k, st[k]);
		else if (way != BY_VA_EFAULT || k < EFAULT_AT)
			CHECK(st[k] == GNTST_okay, "%s: element %u: status %d", way_name[way], k,
			      st[k]);
	}
	wait_phase(0);
	/* What the batch left mapped (the bad handle's, those after -EFAULT) goes now. */
	for (k = 0; k < N; k++) {
		struct gnttab_unmap_grant_ref u = { m[k].host_addr, 0, m[k].handle, 99, 0 };

		if (table[REF0 + k].flags & GTF_reading) {
			CHECK((way == BAD_HANDLE && k == BAD) || (way == BY_VA_EFAULT && k >= EFAULT_AT),
			      "%s: entry %u still in use after the batch", way_name[way], k);
			CHECK(gnttab(GNTTABOP_unmap_grant_ref, &u, 1) == 0 && u.status == GNTST_okay,
			      "%s: unmapping %u after the batch failed", way_name[way], k);
		}
		CHECK(update_va_mapping((uint64_t)x[k], 0, UVMF_INVLPG | UVMF_ALL) == 0,
		      "clearing X failed");
	}
	grant_all();
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	uint64_t frames[1] = { 0 }, tva, r, spare[N];
	struct gnttab_setup_table sup = { DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)frames };
	unsigned long was_stale = 0, was_faulted = 0;
	unsigned int way, i, k;
	struct sysctl pi;
	long rc;

	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	one_cpu = pi.u.physinfo.nr_cpus < 2;
	tva = scratch_page();
	r = scratch_page();
	for (k = 0; k < N; k++) {
		p[k] = (volatile uint64_t *)scratch_page();
		x[k] = (volatile uint64_t *)scratch_page();
		spare[k] = scratch_page();
		CHECK(update_va_mapping((uint64_t)x[k], 0, UVMF_INVLPG) == 0, "cannot clear X");
	}
	CHECK(gnttab(GNTTABOP_setup_table, &sup, 1) == 0 && sup.status == 0, "setup_table");
	CHECK(update_va_mapping(tva, (frames[0] << 12) | PTE_DATA, UVMF_INVLPG) == 0,
	      "cannot map our grant table writable");
	table = (struct grant_entry_v1 *)tva;
	*(uint64_t *)r = TAG_R;
	r = va_to_mfn(r);
	CHECK(update_va_mapping((uint64_t)ubuf[1], (va_to_mfn((uint64_t)ubuf[1]) << 12) |
				PTE_P | PTE_US | PTE_A, UVMF_INVLPG | UVMF_ALL) == 0,
	      "cannot make the array's second page read-only");
	grant_all();
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started, one_cpu);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	for (way = 0; way < NR_WAYS; way++) {
		for (i = 0; i < ROUNDS; i++)
			if (round(way, r, spare) != TEST_PASS)
				return TEST_FAIL;
		printf("attack-grant-tlb-batch: unmap %s: %lu reads after an entry went idle "
		       "reached the granted page, %lu faulted\n", way_name[way],
		       stale - was_stale, faulted - was_faulted);
		was_stale = stale;
		was_faulted = faulted;
	}
	CHECK(!other, "%lu reads saw neither the page nor a fault", other);
	CHECK(!stale, "an unmap batch let a grant go while another CPU could still reach "
	      "it (%lu reads)", stale);
	return TEST_PASS;
}
