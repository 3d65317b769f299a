// SPDX-License-Identifier: GPL-2.0-only
/*
 * Time on x86: the TSC is the clock, calibrated once against the PIT;
 * the local APIC timer, in TSC-deadline mode where the CPU has it and
 * one-shot mode otherwise, is the CPU's timer; the CMOS
 * RTC gives the wall clock at boot.
 *
 * System time is ns = ((tsc - tsc0) << shift) * mul >> 32, exactly the
 * pvclock formula guests use (docs/abi-core.md §6.1), with mul/shift chosen
 * once, so the hypervisor's now_ns() and every guest's clock agree.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/time.h>
#include <asm/page.h>
#include <asm/x86.h>
#include <asm/layout.h>
#include <asm/apic.h>

#define PIT_HZ			1193182
#define CALIBRATE_MS		10

static uint64_t tsc0, khz;
static bool tsc_deadline;		/* LAPIC timer in TSC-deadline mode */
static uint32_t scale_mul;
static int8_t scale_shift;
static uint64_t apic_ticks_per_ms;
/* Wall-clock ns at system time 0: the RTC's at boot, then what dom0's settime says. */
static uint64_t wc_base_ns;
static spinlock_t wc_lock = SPINLOCK_INIT_LEVEL(LOCK_LEVEL_WALLCLOCK);

#define NS_PER_SEC	1000000000ULL

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void apic_cpu_enable(void)
{
	apic_write(APIC_SVR, 0x100 | SPURIOUS_VECTOR);	/* enabled */
	apic_write(APIC_LVT_TIMER, (1 << 16) | TIMER_VECTOR);	/* masked */
}

uint64_t tsc_khz(void)
{
	return khz;
}

#define SCALE_LOW_BITS	8

/*
 * Time records are based on multiples of 2^period_shift TSC ticks since
 * tsc0, a span scale() turns into exactly period_ns with no remainder:
 * 2^(32 - SCALE_LOW_BITS - scale_shift) ticks are 2^24 once shifted,
 * times a multiplier whose low 8 bits are 0, a whole number of 2^32. So
 * scale(k * period + r) is k * period_ns + scale(r), whatever k and r
 * (a period is about 8 ms at 2 GHz). Set by choose_scale.
 */
static unsigned int period_shift;
static uint64_t period_ns;

static uint64_t scale(uint64_t delta)
{
	delta = scale_shift >= 0 ? delta << scale_shift : delta >> -scale_shift;
	return (uint64_t)(((unsigned __int128)delta * scale_mul) >> 32);
}

uint64_t now_ns(void)
{
	return scale(rdtsc() - tsc0);
}

/*
 * One reading of PIT channel 2's counter, with the TSC just before and
 * just after it and the APIC timer's count in between. On a loaded host
 * (QEMU under TCG) the CPU can be stopped for milliseconds anywhere; the
 * two TSC values bound when the counter was latched, so a reading that
 * took long is known to be vague rather than silently wrong.
 */
struct cal_sample {
	uint64_t tsc;		/* the middle of [before, after] */
	uint64_t width;		/* after - before */
	uint16_t pit;
	uint32_t apic;
};

static struct cal_sample cal_read(void)
{
	struct cal_sample s;
	uint64_t before, after;
	uint8_t lo, hi;

	before = rdtsc();
	outb(0x43, 0x80);			/* latch channel 2 */
	s.apic = apic_read(APIC_TIMER_CUR);
	lo = inb(0x42);
	hi = inb(0x42);
	after = rdtsc();
	s.pit = (uint16_t)(lo | hi << 8);
	s.tsc = before + (after - before) / 2;
	s.width = after - before;
	return s;
}

/* The narrowest of a few readings. */
static struct cal_sample cal_read_best(void)
{
	struct cal_sample best = cal_read(), s;
	unsigned int i;

	for (i = 0; i < 8; i++) {
		s = cal_read();
		if (s.width < best.width)
			best = s;
	}
	return best;
}

/*
 * PIT channel 2 counts down from 0xFFFF (55 ms) in mode 0; TSC and APIC
 * ticks are measured against CALIBRATE_MS of it, between two readings of
 * the counter itself (not the end-of-count bit, whose late sight would
 * lengthen the interval). Each try's error is bounded by its readings'
 * widths; the try with the smallest bound wins, and one within 0.1 % ends
 * the search. A try during which the count passed 0 is dropped.
 */
static void calibrate(void)
{
	uint64_t best_ppm = ~0ULL, best_tsc = 0;
	uint32_t best_apic = 0;
	unsigned int best_pit = 1, try;

	apic_write(APIC_TIMER_DIV, 0x3);		/* divide by 16 */
	apic_write(APIC_LVT_TIMER, (1 << 16) | TIMER_VECTOR);	/* masked */
	for (try = 0; try < 8 && best_ppm > 1000; try++) {
		struct cal_sample a, b;
		unsigned int pit;
		uint64_t ppm;

		outb(0x61, (inb(0x61) & ~0x02) | 0x01);	/* gate on, speaker off */
		outb(0x43, 0xB0);			/* ch 2, lo/hi, mode 0 */
		outb(0x42, 0xFF);
		outb(0x42, 0xFF);
		apic_write(APIC_TIMER_INIT, 0xFFFFFFFF);
		a = cal_read_best();
		do
			b = cal_read_best();
		while (b.pit <= a.pit && a.pit - b.pit < PIT_HZ * CALIBRATE_MS / 1000);
		/* OUT high: the count passed 0, so it may have wrapped unseen. */
		if (b.pit > a.pit || (inb(0x61) & 0x20))
			continue;
		pit = a.pit - b.pit;
		ppm = (a.width + b.width) / 2 * 1000000 / (b.tsc - a.tsc);
		if (ppm < best_ppm) {
			best_ppm = ppm;
			best_pit = pit;
			best_tsc = b.tsc - a.tsc;
			best_apic = a.apic - b.apic;
		}
	}
	/* kHz = ticks / (pit / PIT_HZ s) / 1000 */
	khz = best_tsc * PIT_HZ / ((uint64_t)best_pit * 1000);
	apic_ticks_per_ms = (uint64_t)best_apic * PIT_HZ / ((uint64_t)best_pit * 1000);
	if (!khz || !apic_ticks_per_ms)
		panic("time: TSC or APIC timer calibration failed");
	if (best_ppm > 10000)
		pr_warn("time: TSC calibration uncertain by %llu ppm\n",
		       (unsigned long long)best_ppm);
}

static void choose_scale(void)
{
	/* ns per TSC tick, as 32.32 fixed point: 10^6 / khz. */
	uint64_t mul = (1000000ULL << 32) / khz;

	scale_shift = 0;
	while (mul >= (1ULL << 32)) {
		mul >>= 1;
		scale_shift++;
	}
	while (mul < (1ULL << 31) && scale_shift > -31) {
		mul <<= 1;
		scale_shift--;
	}
	/*
	 * The multiplier's low SCALE_LOW_BITS bits are made 0, rounding up
	 * (the clock then runs up to 2^-23, 0.12 ppm, faster than the
	 * calibration: far below its error). Then scale() is exactly additive
	 * over multiples of 2^period_shift ticks, which time records are
	 * based on (pvclock_update).
	 */
	mul = (mul + (1ULL << SCALE_LOW_BITS) - 1) & ~((1ULL << SCALE_LOW_BITS) - 1);
	if (mul >> 32) {
		mul >>= 1;
		scale_shift++;
	}
	scale_mul = (uint32_t)mul;
	if (scale_shift > 15)		/* a TSC below 31 kHz: no x86-64 CPU */
		panic("time: TSC of %llu kHz too slow", (unsigned long long)khz);
	period_shift = 32 - SCALE_LOW_BITS - scale_shift;	/* 9..55 */
	period_ns = scale_mul >> SCALE_LOW_BITS;
}

static unsigned int cmos(unsigned int reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static unsigned int bcd(unsigned int v, bool binary)
{
	return binary ? v : (v & 0xF) + (v >> 4) * 10;
}

/* Days since 1970-01-01 of a civil date. */
static uint64_t days_from_civil(unsigned int y, unsigned int m, unsigned int d)
{
	unsigned int era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (uint64_t)era * 146097 + doe - 719468;
}

static void rtc_read(void)
{
	unsigned int sec, min, hour, day, mon, year, b;
	bool binary;

	while (cmos(0x0A) & 0x80)		/* update in progress */
		;
	sec = cmos(0x00);
	min = cmos(0x02);
	hour = cmos(0x04);
	day = cmos(0x07);
	mon = cmos(0x08);
	year = cmos(0x09);
	b = cmos(0x0B);
	binary = b & 0x04;
	sec = bcd(sec, binary);
	min = bcd(min, binary);
	hour = bcd(hour & 0x7F, binary) + (!(b & 0x02) && (hour & 0x80) ? 12 : 0);
	day = bcd(day, binary);
	mon = bcd(mon, binary);
	year = bcd(year, binary) + 2000;
	/* Whole seconds, as the RTC gives them, at system time 0. */
	wc_base_ns = (days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec -
		      now_ns() / NS_PER_SEC) * NS_PER_SEC;
	pr_info("time: TSC %llu kHz, %s timer, wall clock %04u-%02u-%02u %02u:%02u:%02u UTC\n",
		(unsigned long long)khz, tsc_deadline ? "TSC-deadline" : "APIC one-shot",
		year, mon, day, hour, min, sec);
}

/*
 * The version protocol of §6.1: odd while we write, even once done. The
 * word lives in guest memory, which the guest (or a domain it granted the
 * page to) may have left odd itself: as Xen 4.17 does, the odd value is
 * forced rather than reached by adding one, so the record ends even at
 * our next update instead of staying "being written" for ever (a guest
 * waiting for an even version would spin for good). Read once.
 */
static uint32_t version_begin(volatile uint32_t *version)
{
	uint32_t ver = (__atomic_load_n(version, __ATOMIC_RELAXED) + 1) | 1;

	__atomic_store_n(version, ver, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return ver;
}

static void version_end(volatile uint32_t *version, uint32_t ver)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(version, ver + 1, __ATOMIC_RELAXED);
}

void wallclock_init(struct domain *d)
{
	struct shared_info *s = d->shared_info;
	uint64_t base, sec;
	uint32_t ver;

	spin_lock(&wc_lock);
	base = wc_base_ns;
	sec = base / NS_PER_SEC + (uint64_t)d->time_offset;	/* settimeoffset's seconds */
	ver = version_begin(&s->wc_version);
	s->wc_sec = (uint32_t)sec;
	s->wc_sec_hi = (uint32_t)(sec >> 32);
	s->wc_nsec = (uint32_t)(base % NS_PER_SEC);
	version_end(&s->wc_version, ver);
	spin_unlock(&wc_lock);
}

void wallclock_set(uint64_t secs, uint32_t nsecs, uint64_t system_time)
{
	spin_lock(&wc_lock);
	wc_base_ns = secs * NS_PER_SEC + nsecs - system_time;	/* modulo 2^64, as Xen */
	spin_unlock(&wc_lock);
	domain_each_shared_info(wallclock_init);
}

/*
 * A record is based on the last multiple of 2^period_shift ticks since
 * tsc0, not on the TSC of the moment: its system_time is then exactly
 * now_ns() at its tsc_timestamp and the guest's extrapolation from it is
 * exactly now_ns() for every later TSC (scale() is additive over the
 * period), so every vCPU's record gives the same time for the same TSC.
 * Based on the TSC of the moment, each record rounded its two parts down
 * apart, and a vCPU whose record was older read 1-2 ns behind one just
 * rewritten: time went back across vCPUs under PVCLOCK_TSC_STABLE_BIT,
 * which tells the guest (Linux) it need not clamp (conform-time, --smp 2).
 */
void pvclock_update(struct vcpu *v)
{
	struct vcpu_time_info *t = &v->vcpu_info->time;
	uint64_t periods = (rdtsc() - tsc0) >> period_shift;
	uint64_t ns = periods * period_ns;
	uint32_t ver = version_begin(&t->version);

	t->tsc_timestamp = tsc0 + (periods << period_shift);
	t->system_time = ns;
	t->tsc_to_system_mul = scale_mul;
	t->tsc_shift = scale_shift;
	t->flags = 1;			/* PVCLOCK_TSC_STABLE_BIT: one CPU */
	version_end(&t->version, ver);
	v->time_written = ns;	/* not read back: the guest may write there too */
}

/*
 * System time -> TSC value, rounded up (64-bit arithmetic only: ns / 10^6
 * and the remainder separately). A deadline reached a few ticks early is
 * not yet expired for now_ns(); the timer code then simply re-arms.
 */
static uint64_t ns_to_tsc(uint64_t ns)
{
	return tsc0 + (ns / 1000000) * khz + ((ns % 1000000) * khz + 999999) / 1000000;
}

/*
 * The farthest the CPU's timer is set ahead: a guest may ask for a
 * deadline up to 2^63 ns, whose TSC value (ns_to_tsc) or APIC count
 * overflows 64 bits and may land in the past, the timer then firing
 * again and again with nothing due (XSA-20's class). A farther deadline
 * is programmed at this bound; the early interrupt finds nothing due and
 * programs the CPU again.
 */
#define TIMER_AHEAD_MAX_NS	(1ULL << 40)	/* about 18 minutes */

void arch_timer_program(uint64_t deadline)
{
	uint64_t now = now_ns(), ticks, at;

	if (deadline && deadline > now && deadline - now > TIMER_AHEAD_MAX_NS)
		deadline = now + TIMER_AHEAD_MAX_NS;
	at = deadline ? ns_to_tsc(deadline) : 0;

	this_cpu()->timer_due_tsc = at;
	if (tsc_deadline) {
		/* 0 disarms; a deadline in the past fires at once. */
		wrmsr(MSR_TSC_DEADLINE, at);
		return;
	}
	if (!deadline) {
		apic_write(APIC_TIMER_INIT, 0);
		return;
	}
	ticks = deadline > now ? (deadline - now) * apic_ticks_per_ms / 1000000 : 1;
	if (!ticks)
		ticks = 1;
	if (ticks > 0xFFFFFFFF)
		ticks = 0xFFFFFFFF;
	apic_write(APIC_TIMER_INIT, (uint32_t)ticks);
}

void arch_timer_spent(void)
{
	this_cpu()->timer_due_tsc = 0;
}

/* This CPU's local APIC timer: TSC-deadline or one-shot mode, disarmed. */
static void timer_lvt_init(void)
{
	if (tsc_deadline) {
		apic_write(APIC_LVT_TIMER, (2 << 17) | TIMER_VECTOR);	/* TSC-deadline */
		wrmsr(MSR_TSC_DEADLINE, 0);
	} else {
		/*
		 * The divider calibrate() measured with, on every CPU: an AP's
		 * is reset to divide by 2, so its timer ran 8 times fast and
		 * fired early again and again for each deadline. (Set in
		 * session 34, taken back when Linux dom0 hung at two vCPUs;
		 * back with the scheduler's missed idle kicks fixed.)
		 */
		apic_write(APIC_TIMER_DIV, 0x3);			/* divide by 16 */
		apic_write(APIC_LVT_TIMER, TIMER_VECTOR);		/* one-shot */
		apic_write(APIC_TIMER_INIT, 0);
	}
}

/* An AP's timer, as time_init set the boot CPU's (same calibration). */
void time_init_secondary(void)
{
	timer_lvt_init();
}

void time_init(void)
{
	extern pte_t *gdt_area_l1(void);
	pte_t *l1 = gdt_area_l1();
	paddr_t base = rdmsr(MSR_APIC_BASE) & PTE_ADDR_MASK;
	unsigned int i;

	BUILD_BUG_ON(APIC_VA != HV_GDT_AREA + 16 * PAGE_SIZE);
	l1[16] = base | _PAGE_PRESENT | _PAGE_RW | _PAGE_PCD | _PAGE_PWT | _PAGE_NX;
	invlpg(APIC_VA);
	apic_cpu_enable();
	calibrate();
	choose_scale();
	/*
	 * System time starts one period in (period_ns: 2^24 shifted ticks,
	 * about 16 ms here), not at 0: a time record is based on the last
	 * whole period (pvclock_update), and in the first one its
	 * system_time would be 0, which a guest may take for a record never
	 * written (attack-runstate-area did, when dom0 started within 16 ms).
	 * Xen's system time at dom0's start is its boot's seconds.
	 */
	tsc0 = rdtsc();
	tsc0 -= tsc0 < (1ULL << period_shift) ? tsc0 : 1ULL << period_shift;
	{
		uint32_t a, b, c, d;

		cpuid(1, 0, &a, &b, &c, &d);
		tsc_deadline = c & (1U << 24);
	}
	timer_lvt_init();
	rtc_read();
	for (i = 0; i < domain_count(); i++) {
		struct domain *d = domain_by_index(i);
		struct vcpu *v;

		wallclock_init(d);
		/* A vCPU not up yet gets its record when it first runs, as Xen's. */
		for_each_vcpu(d, v)
			if (v->state != VCPU_DOWN)
				pvclock_update(v);
	}
}
