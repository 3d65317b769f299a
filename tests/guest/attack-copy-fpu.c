// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-copy-fpu: GNTTABOP_copy leaves the calling vCPU's FPU state as
 * it was, bit for bit, and shows nothing of it or of the copied bytes to
 * another vCPU. Lamina copies a page's bytes through ymm registers
 * (asm/copy_wide.h) while the caller's own values are live in them.
 *
 * vCPU 0 fills ymm0-15 (xmm0-15 where AVX is off), the eight x87
 * registers, FCW and MXCSR with a pattern of its own, takes an XSAVE
 * (FXSAVE without XSAVE) image, makes a copy batch and takes the image
 * again: the x87/SSE area (bytes 0-415), XSTATE_BV and the upper halves
 * of ymm0-15 must be unchanged, every status the element's own and every
 * destination byte what a forward copy gives (move(), below). The batches: grant ref to grant
 * ref whole pages; frames (DOMID_SELF) on either side; odd offsets and
 * lengths (tails, unaligned, one under the wide threshold); a page
 * copied onto itself, dst below src and above it; bad refs and lengths between
 * good copies; copies of length 0 (at offset 0 and 4096); a batch the
 * hypercall cannot read (-EFAULT); a batch whose statuses it cannot
 * write (read-only: -EFAULT; Xen copies the first element first, Lamina
 * nothing); a long batch (BIG elements) that is preempted and
 * continued. Each batch runs four ways: as it is; with CR0.TS set by
 * fpu_taskswitch (no #NM reaches us, TS is still set after: read back
 * from CR0); with XCR0 lowered to x87|SSE by xsetbv (the copy must
 * not need AVX then); and with SSE and AVX put back in their initial
 * state by XRSTOR (XSTATE_BV must not gain bits 1 or 2: on hardware,
 * not under QEMU's TCG, which always sets them).
 * vCPU 1 meanwhile holds a pattern of its own and compares its image
 * with the one it took first, again and again until vCPU 0 is done:
 * nothing of vCPU 0's registers, or of the pages copied, may show there.
 * With one CPU the two vCPUs take turns.
 * @hvargs: dom0_max_vcpus=2
 * @timeout: 240
 * @timeout-smp: 240
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/physinfo.h"
#include "lib/events.h"
#include "lib/gnt_self.h"
#include "lib/xsave.h"

#define NPAGES		2
#define SRC_REF		10	/* + i: src[i], read-only */
#define DST_REF		20	/* + i: dst[i], writable */
#define BAD_REF		600	/* past our one frame of 512 entries */
#define BIG		2048
#define MAXOPS		16
#define STACK_SIZE	8192
#define IMG		1024

enum { PLAIN, TS_SET, XCR0_SSE, SSE_INIT, MODES };
static const char *const mode_name[MODES] = { "plain", "CR0.TS set", "XCR0 x87|SSE",
					      "SSE and AVX initial" };

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static struct gnttab_copy big[BIG];
static uint64_t src_va[NPAGES], dst_va[NPAGES], ro_va;
static uint8_t shadow[NPAGES][4096];
static bool xsave_on, avx;
static volatile bool started, one_cpu, stop;
static volatile unsigned long v1_checks;
static volatile int v1_bad = -1;

/* The x87/SSE area, XSTATE_BV, the upper halves of ymm0-15. */
static bool same_image(const uint8_t *a, const uint8_t *b, bool upper, int *at)
{
	unsigned int i;

	for (i = 0; i < IMG; i++) {
		bool look = i < 416 || (upper && ((i >= 512 && i < 520) || (i >= 576 && i < 832)));

		if (look && a[i] != b[i]) {
			*at = (int)i;
			return false;
		}
	}
	return true;
}

/*
 * The vCPU's FPU image. The fnop first: with CR0.TS set (a lazy switch,
 * Xen 4.17's on AMD) it raises #NM and the hypervisor loads our state;
 * QEMU's XSAVE does not raise it, and would save what the last vCPU
 * left. An x87 instruction, not an SSE one: that could take SSE out of
 * its initial state (XINUSE[1]) in the SSE_INIT mode.
 */
static void snap(uint8_t *img)
{
	memset(img, 0, IMG);
	asm volatile("fnop" ::: "memory");
	if (xsave_on)
		asm volatile("xsave64 %0" : "+m"(*(uint8_t (*)[IMG])img) : "a"(-1), "d"(-1));
	else
		asm volatile("fxsave64 %0" : "=m"(*(uint8_t (*)[512])img));
}

#define YMM_LD(n)	"vmovdqu " #n "*32(%0), %%ymm" #n "\n\t"
#define XMM_LD(n)	"movdqu " #n "*32(%0), %%xmm" #n "\n\t"
#define FILD(n)		"fildll " #n "*8(%1)\n\t"

/*
 * Every register a pattern from seed: 16 x 32 bytes for ymm0-15 (xmm0-15
 * when wide is false), 8 integers for the x87 stack, FCW and MXCSR.
 */
static void fill(uint64_t seed, bool wide)
{
	static uint64_t v[16 * 4] __attribute__((aligned(32)));
	static int64_t x87[8];
	static uint16_t fcw;
	static uint32_t mxcsr;
	unsigned int i;

	for (i = 0; i < 16 * 4; i++)
		v[i] = seed * 0x9E3779B97F4A7C15ULL + i * 0x0101010101010101ULL;
	for (i = 0; i < 8; i++)
		x87[i] = (int64_t)(seed * 1000 + i * 7 + 1);
	fcw = 0x0F7F;			/* round towards zero, 64-bit precision */
	mxcsr = 0x1F80 | (3 << 13);	/* round towards zero */
	asm volatile("fninit; fldcw %2\n\t"
		     FILD(0) FILD(1) FILD(2) FILD(3) FILD(4) FILD(5) FILD(6) FILD(7)
		     "ldmxcsr %3"
		     : : "r"(v), "r"(x87), "m"(fcw), "m"(mxcsr) : "memory");
	if (wide)
		asm volatile(YMM_LD(0) YMM_LD(1) YMM_LD(2) YMM_LD(3) YMM_LD(4) YMM_LD(5)
			     YMM_LD(6) YMM_LD(7) YMM_LD(8) YMM_LD(9) YMM_LD(10) YMM_LD(11)
			     YMM_LD(12) YMM_LD(13) YMM_LD(14) YMM_LD(15) : : "r"(v) : "memory");
	else
		asm volatile(XMM_LD(0) XMM_LD(1) XMM_LD(2) XMM_LD(3) XMM_LD(4) XMM_LD(5)
			     XMM_LD(6) XMM_LD(7) XMM_LD(8) XMM_LD(9) XMM_LD(10) XMM_LD(11)
			     XMM_LD(12) XMM_LD(13) XMM_LD(14) XMM_LD(15) : : "r"(v) : "memory");
}

/*
 * SSE and AVX in their initial state (xmm/ymm all zero; MXCSR kept): an
 * XRSTOR of our own image with XSTATE_BV bits 1 and 2 clear. On
 * hardware XSAVE then writes XSTATE_BV without them until an SSE or AVX
 * instruction of ours (QEMU's TCG does not track this: it always
 * writes them set, so only a run on hardware tells).
 */
static void sse_avx_initial(void)
{
	static uint8_t img[IMG] __attribute__((aligned(64)));
	uint64_t bv;

	memset(img, 0, IMG);
	asm volatile("xsave64 %0" : "+m"(*(uint8_t (*)[IMG])img) : "a"(-1), "d"(-1));
	memcpy(&bv, img + 512, sizeof(bv));
	bv &= ~6ULL;
	memcpy(img + 512, &bv, sizeof(bv));
	asm volatile("xrstor64 %0" : : "m"(*(uint8_t (*)[IMG])img), "a"(6), "d"(0) : "memory");
}

static void set_xcr0(uint64_t v)
{
	asm volatile("xsetbv" : : "c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* XSAVE on, AVX in XCR0 where offered (lib/xsave.h). */
static void fpu_on(void)
{
	unsigned int on = fpu_xsave_avx_on();

	xsave_on = on & FPU_XSAVE;
	avx = on & FPU_AVX;
}

static uint64_t guest_cr0(void)
{
	uint64_t v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

/* vCPU 1: its own pattern, compared until vCPU 0 says stop. */
static void holder(unsigned long id)
{
	static uint8_t first[IMG] __attribute__((aligned(64)));
	static uint8_t now[IMG] __attribute__((aligned(64)));
	int at;

	(void)id;
	shared->vcpu_info[1].evtchn_upcall_mask = 1;
	fpu_xsave_avx_on();	/* CR4.OSXSAVE and XCR0 are per vCPU */
	fill(0xB0B0B0B0ULL, avx);
	snap(first);
	started = true;
	while (!stop) {
		snap(now);
		if (!same_image(first, now, avx, &at) && v1_bad < 0)
			v1_bad = at;
		v1_checks++;
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

static void op_ref(struct gnttab_copy *c, bool sref, unsigned int s, uint16_t soff, bool dref,
		   unsigned int d, uint16_t doff, uint16_t len)
{
	memset(c, 0, sizeof(*c));
	if (sref) {
		c->source.domid = gnt_self_dom;
		c->source.u.ref = SRC_REF + s;
		c->flags |= GNTCOPY_source_gref;
	} else {
		c->source.domid = DOMID_SELF;
		c->source.u.gmfn = va_to_mfn(s >= NPAGES ? dst_va[s - NPAGES] : src_va[s]);
	}
	if (dref) {
		c->dest.domid = gnt_self_dom;
		c->dest.u.ref = DST_REF + d;
		c->flags |= GNTCOPY_dest_gref;
	} else {
		c->dest.domid = DOMID_SELF;
		c->dest.u.gmfn = va_to_mfn(dst_va[d]);
	}
	c->source.offset = soff;
	c->dest.offset = doff;
	c->len = len;
	c->status = 99;
}

/*
 * What the copy must match: forward, 8 bytes read then written at a
 * time, then the last bytes one by one. With dst above src and
 * overlapping, bytes copied early are read again further on, as Xen
 * 4.17's memcpy (rep movsq, rep movsb) gives; elsewhere a memmove's
 * result.
 */
static void move(uint8_t *d, const uint8_t *s, unsigned int n)
{
	unsigned int i;

	for (i = 0; i + 8 <= n; i += 8) {
		uint64_t w;

		__builtin_memcpy(&w, s + i, 8);
		__builtin_memcpy(d + i, &w, 8);
	}
	for (; i < n; i++)
		d[i] = s[i];
}

/* What an element does to the shadow of dst, and its status. */
static int16_t model(const struct gnttab_copy *c, unsigned int s, unsigned int d)
{
	const uint8_t *from;

	if ((c->flags & GNTCOPY_source_gref && c->source.u.ref == BAD_REF) ||
	    (c->flags & GNTCOPY_dest_gref && c->dest.u.ref == BAD_REF))
		return GNTST_bad_gntref;
	if (c->source.offset + c->len > 4096 || c->dest.offset + c->len > 4096)
		return GNTST_bad_copy_arg;
	from = s >= NPAGES ? shadow[s - NPAGES] : (const uint8_t *)src_va[s];
	move(shadow[d] + c->dest.offset, from + c->source.offset, c->len);
	return GNTST_okay;
}

static void reset_pages(unsigned int round)
{
	unsigned int p, i;

	for (p = 0; p < NPAGES; p++)
		for (i = 0; i < 4096; i++) {
			((uint8_t *)src_va[p])[i] = (uint8_t)(i * 31 + p * 7 + round);
			shadow[p][i] = ((uint8_t *)dst_va[p])[i] = (uint8_t)(i ^ (p + 0x5A));
		}
}

/*
 * The copy batch of n elements at ops made in mode m, around registers
 * filled from seed; its result in *rc. Checked: CR0.TS still set (mode
 * TS_SET), the FPU image unchanged.
 */
static int around(const char *what, int m, uint64_t seed, void *ops, unsigned int n, long *rc)
{
	static uint8_t before[IMG] __attribute__((aligned(64)));
	static uint8_t after[IMG] __attribute__((aligned(64)));
	bool wide = avx && m != XCR0_SSE;
	int at;

	if (m == XCR0_SSE)
		set_xcr0(3);
	fill(seed, wide);
	if (m == SSE_INIT)
		sse_avx_initial();
	snap(before);
	if (m == TS_SET)
		hypercall1(__HYPERVISOR_fpu_taskswitch, 1);
	*rc = gnttab(GNTTABOP_copy, ops, n);
	if (m == TS_SET) {
		CHECK(guest_cr0() & 8, "%s (%s): CR0.TS clear after the copy", what, mode_name[m]);
		hypercall1(__HYPERVISOR_fpu_taskswitch, 0);
	}
	snap(after);
	if (m == XCR0_SSE && avx)
		set_xcr0(7);
	CHECK(same_image(before, after, wide, &at),
	      "%s (%s): FPU image byte %d changed by the copy (%#x, was %#x)", what, mode_name[m],
	      at, after[at], before[at]);
	return TEST_PASS;
}

/*
 * The batch ops[0..n) (page numbers s[], d[] for the model) in mode m:
 * registers filled, the batch made, registers, statuses, bytes checked.
 */
static int run(const char *what, int m, struct gnttab_copy *ops, const unsigned int *s,
		const unsigned int *d, unsigned int n, unsigned int round)
{
	unsigned int i, p;
	long rc;
	int r;

	for (i = 0; i < n; i++)
		ops[i].status = 99;
	r = around(what, m, round * 131 + (uint64_t)m, ops, n, &rc);
	if (r != TEST_PASS)
		return r;
	CHECK(rc == 0, "%s (%s): the batch gave %ld", what, mode_name[m], rc);
	for (i = 0; i < n; i++) {
		int16_t want = model(&ops[i], s[i], d[i]);

		CHECK(ops[i].status == want, "%s (%s): element %u status %d, want %d", what,
		      mode_name[m], i, ops[i].status, want);
	}
	for (p = 0; p < NPAGES; p++)
		CHECK(!memcmp(shadow[p], (void *)dst_va[p], 4096), "%s (%s): dst %u not as a forward copy",
		      what, mode_name[m], p);
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	static unsigned int bs[BIG], bd[BIG];
	struct grant_entry_v1 *t;
	struct gnttab_copy ops[MAXOPS];
	unsigned int s[MAXOPS], d[MAXOPS];
	struct sysctl pi;
	unsigned int i, round = 0, n;
	long rc;
	int m, r;

	CHECK(events_init(si) == 0, "mapping shared_info failed");
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	one_cpu = pi.u.physinfo.nr_cpus < 2;
	CHECK(gnt_self_dom_init(si) == 0, "no domid of our own");
	t = gnt_self_table();
	CHECK(t, "setting up our grant table failed");
	for (i = 0; i < NPAGES; i++) {
		src_va[i] = scratch_page();
		dst_va[i] = scratch_page();
		gnt_self_grant(t, SRC_REF + i, src_va[i], true);
		gnt_self_grant(t, DST_REF + i, dst_va[i], false);
	}
	ro_va = scratch_page();
	fpu_on();
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	rc = smp_start_pinned(si, holder, stack1, sizeof(stack1), &started, one_cpu);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);

	for (m = 0; m < MODES; m++) {
		if ((m == XCR0_SSE || m == SSE_INIT) && !xsave_on)
			continue;
		/* Whole pages, ref to ref, ref to frame, frame to ref, frame to frame. */
		reset_pages(++round);
		n = 0;
		op_ref(&ops[n], true, 0, 0, true, 0, 0, 4096), s[n] = 0, d[n++] = 0;
		op_ref(&ops[n], true, 1, 0, false, 1, 0, 4096), s[n] = 1, d[n++] = 1;
		op_ref(&ops[n], false, 1, 0, true, 0, 0, 4096), s[n] = 1, d[n++] = 0;
		op_ref(&ops[n], false, 0, 0, false, 1, 0, 4096), s[n] = 0, d[n++] = 1;
		rc = run("whole pages", m, ops, s, d, n, round);
		if (rc != TEST_PASS)
			return (int)rc;

		/* Odd offsets and lengths. */
		reset_pages(++round);
		n = 0;
		op_ref(&ops[n], true, 0, 0, true, 0, 0, 512), s[n] = 0, d[n++] = 0;
		op_ref(&ops[n], true, 1, 1, true, 1, 3, 4000), s[n] = 1, d[n++] = 1;
		op_ref(&ops[n], true, 0, 7, true, 0, 0, 4089), s[n] = 0, d[n++] = 0;
		op_ref(&ops[n], true, 1, 64, true, 1, 32, 640), s[n] = 1, d[n++] = 1;
		op_ref(&ops[n], false, 0, 100, true, 0, 2000, 1000), s[n] = 0, d[n++] = 0;
		op_ref(&ops[n], true, 1, 0, false, 1, 9, 511), s[n] = 1, d[n++] = 1;
		op_ref(&ops[n], true, 0, 5, true, 1, 5, 129), s[n] = 0, d[n++] = 1;
		op_ref(&ops[n], true, 1, 4095, true, 0, 0, 1), s[n] = 1, d[n++] = 0;
		op_ref(&ops[n], true, 0, 1, true, 1, 0, 4095), s[n] = 0, d[n++] = 1;
		op_ref(&ops[n], true, 0, 0, true, 1, 0, 0), s[n] = 0, d[n++] = 1;
		op_ref(&ops[n], false, 1, 4096, true, 0, 4096, 0), s[n] = 1, d[n++] = 0;
		rc = run("odd offsets and lengths", m, ops, s, d, n, round);
		if (rc != TEST_PASS)
			return (int)rc;

		/*
		 * A page copied onto itself, dst below src, then above it by
		 * 1 to 9 and 100 bytes (as Xen 4.17's forward memcpy; Lamina
		 * copied as memmove until 7 Dec).
		 */
		reset_pages(++round);
		n = 0;
		op_ref(&ops[n], false, NPAGES + 0, 128, true, 0, 0, 3968), s[n] = NPAGES, d[n++] = 0;
		op_ref(&ops[n], false, NPAGES + 1, 1000, true, 1, 3, 3000), s[n] = NPAGES + 1, d[n++] = 1;
		op_ref(&ops[n], false, NPAGES + 0, 1, false, 0, 0, 4095), s[n] = NPAGES, d[n++] = 0;
		op_ref(&ops[n], false, NPAGES + 0, 0, false, 0, 1, 4095), s[n] = NPAGES, d[n++] = 0;
		op_ref(&ops[n], false, NPAGES + 1, 10, true, 1, 13, 2001), s[n] = NPAGES + 1, d[n++] = 1;
		op_ref(&ops[n], false, NPAGES + 0, 500, false, 0, 507, 99), s[n] = NPAGES, d[n++] = 0;
		op_ref(&ops[n], false, NPAGES + 1, 3000, true, 1, 3008, 1000), s[n] = NPAGES + 1, d[n++] = 1;
		op_ref(&ops[n], false, NPAGES + 0, 64, false, 0, 73, 3000), s[n] = NPAGES, d[n++] = 0;
		op_ref(&ops[n], false, NPAGES + 1, 0, true, 1, 100, 3996), s[n] = NPAGES + 1, d[n++] = 1;
		rc = run("overlapping", m, ops, s, d, n, round);
		if (rc != TEST_PASS)
			return (int)rc;

		/* Refused elements between good ones. */
		reset_pages(++round);
		n = 0;
		op_ref(&ops[n], true, 0, 0, true, 0, 0, 4096), s[n] = 0, d[n++] = 0;
		op_ref(&ops[n], true, 1, 0, true, 1, 0, 4096), s[n] = 1, d[n++] = 1;
		ops[n - 1].source.u.ref = BAD_REF;
		op_ref(&ops[n], true, 1, 0, true, 1, 0, 4096), s[n] = 1, d[n++] = 1;
		op_ref(&ops[n], true, 0, 0, true, 0, 0, 4096), s[n] = 0, d[n++] = 0;
		ops[n - 1].dest.u.ref = BAD_REF;
		op_ref(&ops[n], true, 0, 1, true, 1, 0, 4096), s[n] = 0, d[n++] = 1;
		op_ref(&ops[n], true, 1, 0, true, 0, 512, 4096), s[n] = 1, d[n++] = 0;
		op_ref(&ops[n], true, 0, 0, true, 0, 0, 4096), s[n] = 0, d[n++] = 0;
		rc = run("refused between good", m, ops, s, d, n, round);
		if (rc != TEST_PASS)
			return (int)rc;

		/* A batch the hypercall cannot read: refused, our registers kept. */
		r = around("unreadable batch", m, round * 977 + (uint64_t)m, (void *)0x1000, 4, &rc);
		if (r != TEST_PASS)
			return r;
		CHECK(rc == -EFAULT, "unreadable batch (%s) gave %ld", mode_name[m], rc);

		/*
		 * A batch whose statuses cannot be written (on a page mapped
		 * read-only): -EFAULT, our registers kept. Xen 4.17 copies the
		 * first element and then fails its status; Lamina tries the
		 * status write first and fails with nothing done (grant_table.c
		 * batch(), on purpose).
		 */
		{
			struct gnttab_copy *ro = (struct gnttab_copy *)ro_va;

			reset_pages(++round);
			CHECK(!update_va_mapping(ro_va, pte_rw(va_to_mfn(ro_va)), UVMF_INVLPG),
			      "mapping the batch page writable failed");
			op_ref(&ro[0], true, 0, 0, true, 1, 0, 4096);
			op_ref(&ro[1], true, 1, 0, true, 0, 0, 4096);
			if (!on_lamina())
				model(&ro[0], 0, 1);
			CHECK(!update_va_mapping(ro_va, pte_ro(va_to_mfn(ro_va)), UVMF_INVLPG),
			      "mapping the batch page read-only failed");
			r = around("read-only statuses", m, round * 577 + (uint64_t)m, ro, 2, &rc);
			if (r != TEST_PASS)
				return r;
			CHECK(rc == -EFAULT, "read-only statuses (%s) gave %ld", mode_name[m], rc);
			for (i = 0; i < NPAGES; i++)
				CHECK(!memcmp(shadow[i], (void *)dst_va[i], 4096),
				      "read-only statuses (%s): dst %u not as it should be",
				      mode_name[m], i);
		}

		/* A long batch, preempted and continued. */
		reset_pages(++round);
		for (i = 0; i < BIG; i++) {
			bool r = i % 3 != 2;

			op_ref(&big[i], r, i % NPAGES, 0, r, (i / 2) % NPAGES, 0, 4096);
			bs[i] = i % NPAGES;
			bd[i] = (i / 2) % NPAGES;
		}
		rc = run("long batch", m, big, bs, bd, BIG, round);
		if (rc != TEST_PASS)
			return (int)rc;
		printf("%s: every batch kept our registers\n", mode_name[m]);
	}
	stop = true;
	while (!one_cpu && v1_checks == 0)
		asm volatile("pause");
	CHECK(v1_bad < 0, "vCPU 1's FPU image changed at byte %d", v1_bad);
	printf("vCPU 1 compared its registers %lu times, unchanged; AVX %s, XSAVE %s\n",
	       (unsigned long)v1_checks, avx ? "on" : "off", xsave_on ? "on" : "off");
	return TEST_PASS;
}
