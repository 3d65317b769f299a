// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of hypervisor/arch/x86/time.c's scale and time records: the
 * source is included (choose_scale, scale and the lattice are static),
 * with the TSC a variable the test sets. For each TSC frequency of a
 * spread covering every scale_shift choose_scale can pick:
 *
 *   - scale() of one period (2^period_shift ticks) is period_ns, and
 *     scale(k * period + r) = k * period_ns + scale(r) (additive);
 *   - two records pvclock_update writes at different lattice points,
 *     read with the pvclock formula a guest uses (written here on its
 *     own, not time.c's scale), give the same time for the same TSC,
 *     and that time is now_ns(): no vCPU reads behind another;
 *   - the multiplier's rounding keeps the clock within its bound of the
 *     exact 10^6 / kHz ns per tick: never slow by more than the floors
 *     lose (2^-30) nor fast by more than 2^-23, plus one ns.
 */
#include "../../../unit.h"
#include <stdarg.h>
#include <stdlib.h>
#include <asm/x86.h>

static uint64_t fake_tsc;
#define rdtsc()	(fake_tsc)

#include "../../../../../hypervisor/arch/x86/time.c"

/* Called only by the boot-time code the tests do not run. */
void printk(enum log_level level, const char *fmt, ...)
{
}

void domain_each_shared_info(void (*fn)(struct domain *d))
{
}

unsigned int domain_count(void)
{
	return 0;
}

struct domain *domain_by_index(unsigned int i)
{
	return NULL;
}

pte_t *gdt_area_l1(void)
{
	return NULL;
}

/* A guest's reading of a record: Xen's pvclock formula (abi-core.md §6.1). */
static uint64_t guest_read(const struct vcpu_time_info *t, uint64_t tsc)
{
	uint64_t d = tsc - t->tsc_timestamp;

	if (t->tsc_shift < 0)
		d >>= -t->tsc_shift;
	else
		d <<= t->tsc_shift;
	return t->system_time + (uint64_t)(((unsigned __int128)d * t->tsc_to_system_mul) >> 32);
}

#define rnd()	((uint64_t)unit_rnd())

/*
 * The frequencies tried: a geometric spread from 31 kHz (the slowest
 * choose_scale takes) to 2^40 kHz, some real ones, and the edges where
 * choose_scale's shift changes or its rounding carries.
 */
#define NR_KHZ_MAX	4096
static uint64_t khzs[NR_KHZ_MAX];
static unsigned int nr_khz;

static void add_khz(uint64_t k)
{
	if (k >= 31 && k <= (1ULL << 41) && nr_khz < NR_KHZ_MAX)
		khzs[nr_khz++] = k;
}

static void build_spread(void)
{
	uint64_t k;
	int s;

	for (k = 31; k < (1ULL << 40); k += k / 7 + 1)
		add_khz(k);
	/* Common real ones (kHz). */
	add_khz(1000000);
	add_khz(2000000);
	add_khz(2095074);
	add_khz(2400000);
	add_khz(3600000);
	/* mul = 10^6 * 2^32 / khz is a power of two at khz = 10^6 * 2^s. */
	for (s = -14; s <= 20; s++) {
		uint64_t edge = s < 0 ? 1000000ULL >> -s : 1000000ULL << s;
		uint64_t d;

		for (d = 0; d < 3; d++) {
			add_khz(edge - d);
			add_khz(edge + d);
		}
	}
}

/* Sets the scale for a frequency, as time_init does after calibrating. */
static void use_khz(uint64_t k)
{
	khz = k;
	choose_scale();
	tsc0 = 1000 + (rnd() & 0xffff);
}

/* Deltas that scale() may take without overflowing its shift: about
 * 140 years at 31 kHz, far more at the rest. */
static uint64_t delta_max(void)
{
	return scale_shift > 0 ? 1ULL << (62 - scale_shift) : 1ULL << 62;
}

/* Every shift from the slowest TSC choose_scale takes to 2^40 kHz is met. */
static void test_shifts_covered(void)
{
	bool seen[64] = { false };
	unsigned int i;
	int s, lo = 64, hi = -64;

	build_spread();
	for (i = 0; i < nr_khz; i++) {
		use_khz(khzs[i]);
		EXPECT(scale_shift >= -31 && scale_shift <= 15);
		EXPECT(scale_mul >= 1U << 31);
		EXPECT_EQ(scale_mul & 0xff, 0);
		EXPECT_EQ(period_shift, 24 - scale_shift);
		seen[scale_shift + 32] = true;
		lo = scale_shift < lo ? scale_shift : lo;
		hi = scale_shift > hi ? scale_shift : hi;
	}
	EXPECT_EQ(hi, 15);		/* the slowest TSC taken */
	EXPECT(lo <= -10);
	if (getenv("UNIT_VERBOSE"))
		printf("  %u rates, shifts %d..%d\n", nr_khz, lo, hi);
	for (s = lo; s <= hi; s++)
		EXPECT(seen[s + 32]);
}

/* One period scales to exactly period_ns, and scale() is additive over it. */
static void test_additive(void)
{
	unsigned int i, j;

	for (i = 0; i < nr_khz; i++) {
		uint64_t p, pmax;

		use_khz(khzs[i]);
		p = 1ULL << period_shift;
		EXPECT_EQ(scale(p), period_ns);
		EXPECT_EQ(scale(0), 0);
		pmax = delta_max() / p / 2;
		for (j = 0; j < 64; j++) {
			uint64_t k = pmax ? rnd() % pmax : 0;
			uint64_t r = rnd() % (2 * p);	/* past one period too */

			if (scale(k * p + r) != k * period_ns + scale(r)) {
				EXPECT_EQ(scale(k * p + r), k * period_ns + scale(r));
				printf("  khz %llu shift %d k %llu r %llu\n",
				       (unsigned long long)khz, scale_shift,
				       (unsigned long long)k, (unsigned long long)r);
				return;
			}
		}
	}
}

/* Two records written at different lattice points agree at every later TSC. */
static void test_records_agree(void)
{
	static struct vcpu va, vb;
	static struct vcpu_info ia, ib;
	unsigned int i, j;

	va.vcpu_info = &ia;
	vb.vcpu_info = &ib;
	for (i = 0; i < nr_khz; i++) {
		uint64_t p, span, t1, t2;

		use_khz(khzs[i]);
		p = 1ULL << period_shift;
		span = delta_max() / 4;
		for (j = 0; j < 32; j++) {
			uint64_t t, prev_b = 0;
			unsigned int n;

			/* A at t1; B some periods later at t2, each off its lattice point. */
			t1 = tsc0 + rnd() % span;
			t2 = t1 + (1 + rnd() % 1000) * p + rnd() % p;
			if (t2 - tsc0 >= delta_max())
				continue;
			fake_tsc = t1;
			pvclock_update(&va);
			fake_tsc = t2;
			pvclock_update(&vb);
			EXPECT(ia.time.tsc_timestamp != ib.time.tsc_timestamp);
			EXPECT(!(ia.time.version & 1) && !(ib.time.version & 1));
			EXPECT_EQ((ib.time.tsc_timestamp - tsc0) & (p - 1), 0);
			EXPECT(ib.time.tsc_timestamp <= t2 && t2 - ib.time.tsc_timestamp < p);
			EXPECT_EQ(vb.time_written, ib.time.system_time);
			for (n = 0; n < 16; n++) {
				uint64_t a, b;

				t = t2 + (n < 8 ? n : rnd() % (64 * p));
				if (t - tsc0 >= delta_max())
					break;
				a = guest_read(&ia.time, t);
				b = guest_read(&ib.time, t);
				fake_tsc = t;
				if (a != b || b != now_ns()) {
					EXPECT_EQ(a, b);
					EXPECT_EQ(b, now_ns());
					printf("  khz %llu shift %d t1 %llu t2 %llu t %llu\n",
					       (unsigned long long)khz, scale_shift,
					       (unsigned long long)t1, (unsigned long long)t2,
					       (unsigned long long)t);
					return;
				}
				/* Between A and B's write the older record never runs ahead. */
				if (n < 8) {
					EXPECT(b >= prev_b);
					prev_b = b;
				}
			}
			/* Across the rewrite: A just before t2 is not past B at t2. */
			EXPECT(guest_read(&ia.time, t2 - 1) <= guest_read(&ib.time, t2));
		}
	}
}

/*
 * The rounding bound: for delta ticks the exact time is delta * 10^6 / khz
 * ns. scale() is fast by at most the rounding up of the multiplier's low
 * 8 bits (< 2^8 / 2^31 = 2^-23, time.c's 0.12 ppm) and the final floor's
 * ns. It may be slow by the floors in the multiplier: the division's
 * (under one in mul0 = 10^6 * 2^32 / khz, the quotient before it is
 * normalised: 2^-30 at 3.6 GHz, 2^-27 at 36 GHz) and the bits the
 * normalising right shifts drop (< 2^-31), and by the ticks a negative
 * shift drops (under 2^-shift) and the final floor (under 1 ns).
 */
static void test_rounding_bound(void)
{
	unsigned int i, j;

	for (i = 0; i < nr_khz; i++) {
		use_khz(khzs[i]);
		for (j = 0; j < 64; j++) {
			uint64_t delta = j < 8 ? (1ULL << (j * 5)) : rnd() % delta_max();
			unsigned __int128 exact_num = (unsigned __int128)delta * 1000000;	/* / khz */
			unsigned __int128 got = scale(delta);
			/*
			 * In units of 1/khz ns: got >= exact * (1 - 2^-31 - 1 / mul0) - the
			 * dropped ticks (2^-shift of 10^6 each) - 1 ns, and
			 * got <= exact * (1 + 2^-23) + 1 ns.
			 */
			unsigned __int128 dropped = scale_shift < 0 ? (1000000ULL << -scale_shift) : 0;
			uint64_t mul0 = (1000000ULL << 32) / khz;
			unsigned __int128 lo_num = exact_num - (exact_num >> 31) - exact_num / mul0;
			unsigned __int128 hi_num = exact_num + (exact_num >> 23) + khz;

			if (got * khz + dropped + khz < lo_num || got * khz > hi_num) {
				UNIT_FAIL("scale() outside its rounding bound");
				printf("  khz %llu shift %d mul %u delta %llu got %llu exact %llu\n",
				       (unsigned long long)khz, scale_shift, scale_mul,
				       (unsigned long long)delta, (unsigned long long)got,
				       (unsigned long long)(exact_num / khz));
				return;
			}
		}
	}
}

UNIT_MAIN("time", UNIT_TEST(test_shifts_covered), UNIT_TEST(test_additive),
	  UNIT_TEST(test_records_agree), UNIT_TEST(test_rounding_bound))
