// SPDX-License-Identifier: GPL-2.0-only
/*
 * Part of fuzz-state: the generators. Frames, PTE flags, grant refs,
 * domains and flushes, drawn mostly valid and sometimes mutated.
 */
#include "fuzz.h"

struct pool_page *any_pool(void)
{
	return &pool[pick(NPOOL)];
}

struct pool_page *live_pool(void)
{
	unsigned int i, start = pick(NPOOL);

	for (i = 0; i < NPOOL; i++)
		if (pool[(start + i) % NPOOL].mfn != NO_MFN)
			return &pool[(start + i) % NPOOL];
	return NULL;
}

uint64_t other_frame(void)
{
	unsigned int n = box->npub[!me];

	return n ? box->pub[!me][pick(n < NPUB ? n : NPUB)] : 0x200;
}

/* Low frames that are not ours: the hypervisor's, free ones, or none. */
uint64_t foreign_frame(void)
{
	uint64_t f = chance(50) ? 0x200 : pick(0x10000);

	return is_own(f) || is_special(f) ? 1ULL << 30 : f;
}

/* A frame number: mostly one we may use, sometimes one we may not. */
uint64_t pick_frame(void)
{
	struct pool_page *p = any_pool();
	unsigned int r = pick(100);

	if (r < 30)
		return p->mfn != NO_MFN ? p->mfn : p->old_mfn;
	if (r < 42)
		return pool[NPOOL + pick(NSHARE)].mfn;
	if (r < 50)
		return p->old_mfn != NO_MFN ? p->old_mfn : p->mfn;	/* given back */
	if (r < 65)
		return other_frame();
	if (r < 70)
		return shinfo_mfn;
	if (r < 75)
		return gnt_frames ? gnt_mfn[pick(gnt_frames)] : l4_mfn;
	if (r < 80)
		return va_to_mfn(si->pt_base + pick(si->nr_pt_frames) * 4096);	/* boot tables */
	if (r < 85)
		return (p->mfn != NO_MFN ? p->mfn : 0x1000) + (chance(50) ? 1 : -1);
	if (r < 90)
		return p2m[pick(si->nr_pages)];		/* any of ours, even the kernel */
	switch (pick(5)) {
	case 0: return 0x200;			/* the hypervisor image */
	case 1: return 0;
	case 2: return pick(0x10000);
	case 3:					/* LAPIC, IOAPIC */
		if (chance(50) ? mutation("lapic", 100) : false)
			return 0xFEE00;
		return mutation("ioapic", 100) ? 0xFEC00 : 0x200;
	default: return rnd() & 0xFFFFFFFFFULL;
	}
}

uint64_t pick_flags(void)
{
	static const uint64_t f[] = {
		PTE_P | PTE_US | PTE_A, PTE_DATA, PTE_P | PTE_RW, 0, PTE_DATA | PTE_PSE,
		PTE_P | PTE_US | (1ULL << 63), PTE_DATA | (1ULL << 52),
	};

	return f[chance(70) ? pick(3) : pick(ARRAY_SIZE(f))];
}

unsigned int gnt_capacity(void)
{
	return gnt_frames * (gnt_version == 2 ? 256 : 512);
}

grant_ref_t pick_ref(void)
{
	static const grant_ref_t edge[] = { 0, REF_MAILBOX, 255, 256, 511, 512, 513, 1023, 1024 };
	unsigned int r = pick(100);

	if (r < 60)
		return REF_SHARE + pick(NSHARE + 2);
	if (r < 85)
		return edge[pick(ARRAY_SIZE(edge))];
	if (r < 95)
		return pick(2048);
	return (grant_ref_t)rnd();
}

domid_t pick_dom(void)
{
	switch (chance(75) ? 0 : pick(5)) {
	case 0: return other;
	case 1: return DOMID_SELF;
	case 2: return me ? 0 : 1;
	case 3: return (domid_t)pick(8);
	default: return (domid_t)rnd();
	}
}

/* No flush leaves a stale translation behind (mutation "noflush"). */
uint64_t pick_flush(void)
{
	static const uint64_t f[] = { UVMF_INVLPG, UVMF_TLB_FLUSH, UVMF_INVLPG | UVMF_ALL };

	if (mutation("noflush", 25))
		return UVMF_NONE;
	return f[pick(ARRAY_SIZE(f))];
}
