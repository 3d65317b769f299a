// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CPU policies a toolstack reads (sysctl get_cpu_featureset and
 * get_cpu_policy, domctl get_cpu_policy), in Xen 4.17's layouts and
 * order (hypercall_abi sysctl.h). Their content is Lamina's own:
 *  - raw: the boot CPU's CPUID as it answers, leaves past its highest
 *    basic or extended leaf (and leaf 7's past its highest subleaf) zero;
 *    ARCH_CAPABILITIES the host's where CPUID 7.EDX[29] lists it.
 *  - host: the raw one: Lamina hides nothing from itself.
 *  - pv (default and max alike: Lamina offers one set): CPUID as a domU's
 *    kernel sees it (emul_priv.c's pv_cpuid, the forced-CPUID answer) and
 *    the MSRs as it reads them (msr.c); the featureset leaves out
 *    OSXSAVE, which is CR4's state, not a feature (Xen's never hold it).
 *  - hvm: none, -EOPNOTSUPP: Xen's answer built without HVM.
 *  - a domain's (domctl): CPUID as its kernel sees it, dom0's with what
 *    dom0's kernel gets more (EIST, MTRR), and what domctl set_cpu_policy
 *    accepted for it applied over that (cpu_policy_apply): its feature
 *    flags (ANDed, so never more than Lamina offers), its basic and
 *    extended leaf limits, the Xen leaves' limits it gave. The domain's
 *    forced-emulation CPUID answers the same (emul_priv.c); a plain
 *    CPUID instruction still runs on the CPU (no CPUID faulting).
 * PLATFORM_INFO is 0 everywhere: Lamina offers no CPUID faulting and does
 * not probe the host's. The Xen leaves' limits (0x40000000, 0x40000100)
 * are serialised as 0, Xen's "the default", as in every policy Xen builds.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/domctl.h>
#include <hv/guest_access.h>
#include <asm/pv.h>
#include <asm/x86.h>
#include <lamina/domctl.h>
#include <lamina/sysctl.h>

_Static_assert(sizeof(((struct domain *)0)->cpu_policy.fs) == FEATURESET_NR * 4,
	       "struct domain_cpu_policy's featureset");

#define MSR_PLATFORM_INFO	0xCE
#define MSR_ARCH_CAPS		0x10A
#define CPUID_7D_ARCH_CAPS	(1U << 29)
#define CPUID_1C_OSXSAVE	(1U << 27)

/* Where a policy's leaves come from: the CPU itself, or a PV view of it. */
struct policy_src {
	bool raw;
	unsigned int view;	/* PV_CPUID_*, when not raw */
	const struct domain *d;	/* whose set_cpu_policy applies, or NULL */
};

static const struct policy_src src_raw = { .raw = true };
static const struct policy_src src_pv = { .raw = false, .view = 0 };

static void leaf_of(const struct policy_src *s, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	uint32_t max, x;

	if (!s->raw) {
		pv_cpuid(s->view, leaf, sub, r);
		if (s->d)
			cpu_policy_apply(s->d, leaf, sub, r);
		return;
	}
	r[0] = r[1] = r[2] = r[3] = 0;
	cpuid(leaf & 0x80000000, 0, &max, &x, &x, &x);
	if (leaf > max || (leaf & 0xFFFF0000) == 0x40000000)
		return;
	if (leaf == 7 && sub) {
		cpuid(7, 0, &max, &x, &x, &x);
		if (sub > max)
			return;
	}
	cpuid(leaf, sub, &r[0], &r[1], &r[2], &r[3]);
}

static uint64_t arch_caps_of(const struct policy_src *s)
{
	uint32_t r[4];

	if (!s->raw && s->d && s->d->cpu_policy.set)
		return pv_arch_caps() & (s->d->cpu_policy.fs[16] |
					 (uint64_t)s->d->cpu_policy.fs[17] << 32);
	if (!s->raw)
		return pv_arch_caps();
	leaf_of(s, 7, 0, r);
	return r[3] & CPUID_7D_ARCH_CAPS ? rdmsr(MSR_ARCH_CAPS) : 0;
}

/* Xen 4.17.7's featureset words (FEATURESET_*): a CPUID register or an MSR half. */
enum { EAX, EBX, ECX, EDX, CAPS_LO, CAPS_HI };
static const struct {
	uint32_t leaf;
	uint8_t sub, reg;
} fs_words[FEATURESET_NR] = {
	{ 1, 0, EDX }, { 1, 0, ECX }, { 0x80000001, 0, EDX }, { 0x80000001, 0, ECX },
	{ 0xD, 1, EAX }, { 7, 0, EBX }, { 7, 0, ECX }, { 0x80000007, 0, EDX },
	{ 0x80000008, 0, EBX }, { 7, 0, EDX }, { 7, 1, EAX }, { 0x80000021, 0, EAX },
	{ 7, 1, EBX }, { 7, 2, EDX }, { 7, 1, ECX }, { 7, 1, EDX },
	{ 0, 0, CAPS_LO }, { 0, 0, CAPS_HI }, { 0x80000021, 0, ECX },
};

static void featureset(const struct policy_src *s, uint32_t fs[FEATURESET_NR])
{
	uint32_t r[4], i;
	uint64_t caps = arch_caps_of(s);

	for (i = 0; i < FEATURESET_NR; i++) {
		if (fs_words[i].reg == CAPS_LO || fs_words[i].reg == CAPS_HI) {
			fs[i] = (uint32_t)(caps >> (fs_words[i].reg == CAPS_HI ? 32 : 0));
			continue;
		}
		leaf_of(s, fs_words[i].leaf, fs_words[i].sub, r);
		fs[i] = r[fs_words[i].reg];
	}
	if (!s->raw)
		fs[1] &= ~CPUID_1C_OSXSAVE;
}

/*
 * physinfo's hw_cap: the host featureset's first words, as Xen 4.17 copies
 * its boot CPU's capability words, in which 0x80000001.EDX (word 2) holds
 * none of the bits AMD repeats from leaf 1's EDX (Xen's
 * CPUID_COMMON_1D_FEATURES: FPU-PGE, MCA, CMOV, PAT, PSE36, MMX, FXSR;
 * its host policy puts them back). Measured under QEMU: word 2 0xec500800
 * on Xen 4.17 where the host featureset gives 0xedd3fbfd.
 */
#define COMMON_1D_FEATURES	0x0183f3ffU

void cpu_policy_hw_cap(uint32_t *caps, unsigned int nr)
{
	uint32_t fs[FEATURESET_NR];

	featureset(&src_raw, fs);
	fs[2] &= ~COMMON_1D_FEATURES;
	memcpy(caps, fs, MIN(nr, (unsigned int)FEATURESET_NR) * sizeof(fs[0]));
}

static bool is_hvm_featureset(uint32_t index)
{
	return index == CPU_FEATURESET_hvm || index == CPU_FEATURESET_hvm_max;
}

/*
 * sysctl get_cpu_featureset, Xen 4.17's order: a NULL buffer gets the
 * count; else the index (-EINVAL past the table, -EOPNOTSUPP for HVM's),
 * the words, nr_features written back (alone, as Xen's field copy), then
 * -ENOBUFS if the buffer held fewer than all. uop is the guest's sysctl.
 */
long sysctl_cpu_featureset(uint64_t uop, struct sysctl_cpu_featureset *f)
{
	uint64_t field = uop + offsetof(struct sysctl, u.cpu_featureset.nr_features);
	uint32_t fs[FEATURESET_NR], nr;
	long rc = 0;

	if (!f->features) {
		f->nr_features = FEATURESET_NR;
		return copy_to_guest(field, &f->nr_features, sizeof(f->nr_features)) ? -EFAULT : 0;
	}
	nr = MIN(f->nr_features, FEATURESET_NR);
	if (f->index > CPU_FEATURESET_hvm_max)
		rc = trace_err(-EINVAL);
	else if (is_hvm_featureset(f->index))
		rc = trace_err(-EOPNOTSUPP);
	if (!rc) {
		featureset(f->index == CPU_FEATURESET_raw || f->index == CPU_FEATURESET_host ?
			   &src_raw : &src_pv, fs);
		if (copy_to_guest_bytes(f->features, fs, nr * sizeof(fs[0])))
			rc = -EFAULT;
	}
	f->nr_features = nr;
	if (!rc && copy_to_guest(field, &f->nr_features, sizeof(f->nr_features)))
		rc = -EFAULT;
	if (!rc && nr < FEATURESET_NR)
		rc = trace_err(-ENOBUFS);
	return rc;
}

/* Entries into a guest array of max of them (Xen's copy_*_to_buffer). */
struct entries_out {
	uint64_t buf;
	uint32_t n, max;
};

static int put_leaf(struct entries_out *w, uint32_t leaf, uint32_t sub, const uint32_t r[4])
{
	struct cpuid_leaf_entry e = { leaf, sub, r[0], r[1], r[2], r[3] };

	if (w->n == w->max)
		return trace_err(-ENOBUFS);
	if (copy_to_guest_bytes(w->buf + (uint64_t)w->n * sizeof(e), &e, sizeof(e)))
		return -EFAULT;
	w->n++;
	return 0;
}

#define PUT(l, s)							\
	do {								\
		leaf_of(src, (l), (s) == CPUID_NO_SUBLEAF ? 0 : (s), r);	\
		if ((rc = put_leaf(&w, (l), (s), r)))			\
			return rc;					\
	} while (0)

/*
 * The policy's leaves in Xen 4.17's order (x86_cpuid_copy_to_buffer):
 * basic leaves to min(its highest, 0xD), leaf 4's subleaves to the first
 * of type 0 (at most 6), 7's to min(its highest subleaf, 2), 0xB's to the
 * first of type 0 (at most 2), 0xD's 0, 1 and one for each state
 * component from 2 up to the highest XCR0/XSS bit; the Xen leaves' limits;
 * the extended leaves to min(the highest, 0x80000021).
 */
static int policy_leaves(const struct policy_src *src, uint64_t buf, uint32_t *nr)
{
	struct entries_out w = { buf, 0, *nr };
	uint32_t hv[4] = { src->d ? src->d->cpu_policy.hv_limit : 0 };
	uint32_t hv2[4] = { src->d ? src->d->cpu_policy.hv2_limit : 0 };
	uint32_t r[4], leaf, sub, top;
	uint64_t xs;
	int rc;

	leaf_of(src, 0, 0, r);
	top = MIN(r[0], 0xDU);
	for (leaf = 0; leaf <= top; leaf++) {
		switch (leaf) {
		case 4:
			for (sub = 0; sub < 6; sub++) {
				PUT(4, sub);
				if (!(r[0] & 0x1F))
					break;
			}
			break;
		case 7:
			leaf_of(src, 7, 0, r);
			for (sub = 0; sub <= MIN(r[0], 2U); sub++)
				PUT(7, sub);
			break;
		case 0xB:
			for (sub = 0; sub < 2; sub++) {
				PUT(0xB, sub);
				if (!((r[2] >> 8) & 0xFF))
					break;
			}
			break;
		case 0xD:
			PUT(0xD, 0);
			xs = r[0] | (uint64_t)r[3] << 32;
			PUT(0xD, 1);
			xs |= r[2] | (uint64_t)r[3] << 32;
			for (xs >>= 2, sub = 2; xs && sub < 63; xs >>= 1, sub++)
				PUT(0xD, sub);
			break;
		default:
			PUT(leaf, CPUID_NO_SUBLEAF);
			break;
		}
	}
	if ((rc = put_leaf(&w, 0x40000000, CPUID_NO_SUBLEAF, hv)) ||
	    (rc = put_leaf(&w, 0x40000100, CPUID_NO_SUBLEAF, hv2)))
		return rc;
	leaf_of(src, 0x80000000, 0, r);
	top = MIN(r[0] & 0xFFFF, 0x21U);
	for (leaf = 0; leaf <= top; leaf++)
		PUT(0x80000000 | leaf, CPUID_NO_SUBLEAF);
	*nr = w.n;
	return 0;
}
#undef PUT

/* PLATFORM_INFO then ARCH_CAPABILITIES (x86_msr_copy_to_buffer). */
static int policy_msrs(const struct policy_src *src, uint64_t buf, uint32_t *nr)
{
	struct msr_entry e[MSR_MAX_SERIALISED] = {
		{ .idx = MSR_PLATFORM_INFO, .val = 0 },
		{ .idx = MSR_ARCH_CAPS, .val = arch_caps_of(src) },
	};
	uint32_t i;

	for (i = 0; i < MSR_MAX_SERIALISED; i++) {
		if (i == *nr)
			return trace_err(-ENOBUFS);
		if (copy_to_guest_bytes(buf + (uint64_t)i * sizeof(e[0]), &e[i], sizeof(e[0])))
			return -EFAULT;
	}
	*nr = i;
	return 0;
}

/*
 * One half of a policy, its leaves or its MSRs: a NULL buffer gets the
 * most there can be; then, when field is not 0, the count is written to
 * the guest's field alone (Xen's __copy_field_to_guest). An error from
 * the copy returns at once, the count not written back.
 */
static int policy_part(const struct policy_src *src, bool msrs, uint64_t buf, uint32_t *nr,
		       uint64_t field)
{
	int rc;

	if (!buf)
		*nr = msrs ? MSR_MAX_SERIALISED : CPUID_MAX_SERIALISED_LEAVES;
	else if ((rc = msrs ? policy_msrs(src, buf, nr) : policy_leaves(src, buf, nr)))
		return rc;
	return field && copy_to_guest(field, nr, sizeof(*nr)) ? -EFAULT : 0;
}

/*
 * sysctl get_cpu_policy, Xen 4.17's order: _rsvd or the index (-EINVAL),
 * HVM's (-EOPNOTSUPP), the leaves, nr_leaves written back alone, then
 * the MSRs and nr_msrs likewise.
 */
long sysctl_cpu_policy(uint64_t uop, struct sysctl_cpu_policy *p)
{
	const struct policy_src *src;
	int rc;

	if (p->_rsvd || p->index > CPU_POLICY_hvm_default)
		return trace_err(-EINVAL);
	if (p->index == CPU_POLICY_hvm_max || p->index == CPU_POLICY_hvm_default)
		return trace_err(-EOPNOTSUPP);
	src = p->index == CPU_POLICY_raw || p->index == CPU_POLICY_host ? &src_raw : &src_pv;
	rc = policy_part(src, false, p->leaves, &p->nr_leaves,
			 uop + offsetof(struct sysctl, u.cpu_policy.nr_leaves));
	return rc ? rc : policy_part(src, true, p->msrs, &p->nr_msrs,
				     uop + offsetof(struct sysctl, u.cpu_policy.nr_msrs));
}

/*
 * domctl get_cpu_policy of d: its kernel's CPUID and MSRs, the leaves
 * then the MSRs as the sysctl's; the caller writes the whole struct back
 * on success only, as Xen.
 */
long domctl_cpu_policy(const struct domain *d, struct domctl_cpu_policy *p)
{
	struct policy_src src = { .raw = false,
				  .view = d->is_privileged ? PV_CPUID_DOM0_KERNEL : 0, .d = d };
	int rc = policy_part(&src, false, p->leaves, &p->nr_leaves, 0);

	return rc ? rc : policy_part(&src, true, p->msrs, &p->nr_msrs, 0);
}

/* A featureset word or limit the policy holds at leaf.sub (the subleaf
 * counts for 7 and 0xD only: the others have none). */
static bool word_at(uint32_t wleaf, uint32_t wsub, uint32_t leaf, uint32_t sub)
{
	return wleaf == leaf && (leaf == 7 || leaf == 0xD ? wsub == sub : true);
}

/*
 * d's accepted policy over a PV view r of leaf.sub: leaves past its
 * limits zero, the limits themselves no higher, feature flags ANDed with
 * its featureset (OSXSAVE, CR4's state, left as the view has it).
 */
void cpu_policy_apply(const struct domain *d, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	uint32_t i;

	if (!d->cpu_policy.set || (leaf & 0xFFFF0000) == 0x40000000)
		return;
	if (leaf & 0x80000000 ? (leaf & 0xFFFF) > (d->cpu_policy.max_extd & 0xFFFF)
			      : leaf > d->cpu_policy.max_basic) {
		r[0] = r[1] = r[2] = r[3] = 0;
		return;
	}
	if (leaf == 0)
		r[0] = MIN(r[0], d->cpu_policy.max_basic);
	else if (leaf == 0x80000000)
		r[0] = MIN(r[0], d->cpu_policy.max_extd);
	for (i = 0; i < FEATURESET_NR; i++)
		if (fs_words[i].reg <= EDX && word_at(fs_words[i].leaf, fs_words[i].sub, leaf, sub))
			r[fs_words[i].reg] &= d->cpu_policy.fs[i] | (i == 1 ? CPUID_1C_OSXSAVE : 0);
}

/* The limits set_cpu_policy checks and the XSAVE words that decide 0xD's. */
enum { L_BASIC, L_SUB7, L_EXTD, L_X0A, L_X0D, L_X1C, L_X1D, L_NR };
static const struct {
	uint32_t leaf;
	uint8_t sub, reg;
} lim_words[L_NR] = {
	{ 0, 0, EAX }, { 7, 0, EAX }, { 0x80000000, 0, EAX },
	{ 0xD, 0, EAX }, { 0xD, 0, EDX }, { 0xD, 1, ECX }, { 0xD, 1, EDX },
};

/* What set_cpu_policy merges: the parts of a policy Lamina keeps or checks. */
struct merged {
	uint32_t fs[FEATURESET_NR], lim[L_NR], hv, hv2;
	uint64_t platform_info;
};

/* Room in Xen 4.17's policy for leaf.sub (x86_cpuid_copy_from_buffer's). */
static bool leaf_has_room(uint32_t leaf, uint32_t sub)
{
	switch (leaf) {
	case 4:
		return sub < 6;
	case 7:
		return sub < 3;
	case 0xB:
		return sub < 2;
	case 0xD:
		return sub < 63;
	case 0 ... 3:
	case 5 ... 6:
	case 8 ... 0xA:
	case 0xC:
	case 0x40000000:
	case 0x40000100:
	case 0x80000000 ... 0x80000021:
		return sub == CPUID_NO_SUBLEAF;
	default:
		return false;
	}
}

static void merge_leaf(struct merged *m, const struct cpuid_leaf_entry *e)
{
	const uint32_t r[4] = { e->a, e->b, e->c, e->d };
	uint32_t i;

	if (e->leaf == 0x40000000)
		m->hv = e->a;
	else if (e->leaf == 0x40000100)
		m->hv2 = e->a;
	for (i = 0; i < FEATURESET_NR; i++)
		if (fs_words[i].reg <= EDX &&
		    word_at(fs_words[i].leaf, fs_words[i].sub, e->leaf, e->subleaf))
			m->fs[i] = r[fs_words[i].reg];
	for (i = 0; i < L_NR; i++)
		if (word_at(lim_words[i].leaf, lim_words[i].sub, e->leaf, e->subleaf))
			m->lim[i] = r[lim_words[i].reg];
}

/* A word of leaf.sub left past the merged limits (Xen's clear_out_of_range_leaves). */
static bool out_of_range(const struct merged *m, uint64_t xstates, uint32_t leaf, uint32_t sub)
{
	if (leaf & 0x80000000)
		return (leaf & 0xFFFF) > (m->lim[L_EXTD] & 0xFFFF);
	if (leaf > m->lim[L_BASIC])
		return true;
	if (leaf == 7)
		return sub > m->lim[L_SUB7];
	return leaf == 0xD && !xstates;
}

static long set_policy(const struct domain *d, struct domctl_cpu_policy *p,
		       struct domain_cpu_policy *np)
{
	const struct policy_src cur = {
		.raw = false, .view = d->is_privileged ? PV_CPUID_DOM0_KERNEL : 0, .d = d
	};
	struct merged m = { .platform_info = 0 };
	struct cpuid_leaf_entry e;
	struct msr_entry me;
	uint32_t i, r[4], max[4];
	uint64_t xstates, caps = arch_caps_of(&cur);

	/* Start from the domain's policy as it is now. */
	for (i = 0; i < FEATURESET_NR; i++) {
		if (fs_words[i].reg > EDX)
			continue;
		leaf_of(&cur, fs_words[i].leaf, fs_words[i].sub, r);
		m.fs[i] = r[fs_words[i].reg];
	}
	for (i = 0; i < L_NR; i++) {
		leaf_of(&cur, lim_words[i].leaf, lim_words[i].sub, r);
		m.lim[i] = r[lim_words[i].reg];
	}
	m.hv = d->cpu_policy.hv_limit;
	m.hv2 = d->cpu_policy.hv2_limit;

	if (p->nr_leaves > CPUID_MAX_SERIALISED_LEAVES)
		return trace_err(-E2BIG);
	for (i = 0; i < p->nr_leaves; i++) {
		if (copy_from_guest(&e, p->leaves + (uint64_t)i * sizeof(e), sizeof(e)))
			return -EFAULT;
		if (!leaf_has_room(e.leaf, e.subleaf)) {
			p->err_leaf = e.leaf;
			p->err_subleaf = e.subleaf;
			return trace_err(-ERANGE);
		}
		merge_leaf(&m, &e);
	}
	if (p->nr_msrs > MSR_MAX_SERIALISED)
		return trace_err(-E2BIG);
	for (i = 0; i < p->nr_msrs; i++) {
		if (copy_from_guest(&me, p->msrs + (uint64_t)i * sizeof(me), sizeof(me)))
			return -EFAULT;
		p->err_msr = me.idx;
		if (me.flags)
			return trace_err(-EINVAL);
		if (me.idx == MSR_PLATFORM_INFO && me.val > 0xFFFFFFFFULL)
			return trace_err(-EOVERFLOW);
		if (me.idx == MSR_PLATFORM_INFO)
			m.platform_info = me.val;
		else if (me.idx == MSR_ARCH_CAPS)
			caps = me.val;
		else
			return trace_err(-ERANGE);
		p->err_msr = ~0U;
	}
	m.fs[16] = (uint32_t)caps;
	m.fs[17] = (uint32_t)(caps >> 32);

	/* Leaves past the new limits go (their words zero). */
	xstates = m.lim[L_X0A] | (uint64_t)m.lim[L_X0D] << 32 | m.lim[L_X1C] |
		  (uint64_t)m.lim[L_X1D] << 32;
	for (i = 0; i < FEATURESET_NR; i++)
		if (fs_words[i].reg <= EDX &&
		    out_of_range(&m, xstates, fs_words[i].leaf, fs_words[i].sub))
			m.fs[i] = 0;
	if (out_of_range(&m, xstates, 7, 0))
		m.lim[L_SUB7] = 0;

	/* Against the PV maximum (x86_cpu_policies_are_compatible's checks). */
	leaf_of(&src_pv, 0, 0, max);
	if (m.lim[L_BASIC] > max[0]) {
		p->err_leaf = 0;
		p->err_subleaf = CPUID_NO_SUBLEAF;
		return trace_err(-EINVAL);
	}
	leaf_of(&src_pv, 7, 0, max);
	if (m.lim[L_SUB7] > max[0]) {
		p->err_leaf = 7;
		p->err_subleaf = 0;
		return trace_err(-EINVAL);
	}
	leaf_of(&src_pv, 0x80000000, 0, max);
	if (m.lim[L_EXTD] > max[0]) {
		p->err_leaf = 0x80000000;
		p->err_subleaf = CPUID_NO_SUBLEAF;
		return trace_err(-EINVAL);
	}
	if (m.platform_info) {	/* Lamina's PV maximum: 0, no CPUID faulting */
		p->err_msr = MSR_PLATFORM_INFO;
		return trace_err(-EINVAL);
	}

	/* To apply: the flags ANDed with what is offered when read (cpu_policy_apply). */
	memcpy(np->fs, m.fs, sizeof(m.fs));
	np->max_basic = m.lim[L_BASIC];
	np->max_extd = 0x80000000 | MIN(m.lim[L_EXTD] & 0xFFFF, 0x21U);	/* as Xen's */
	np->hv_limit = m.hv;
	np->hv2_limit = m.hv2;
	np->set = true;
	return 0;
}

/*
 * domctl set_cpu_policy on d, neither the caller nor a domain that has
 * run (domctl.c checks both), in Xen 4.17's order (hypercall_abi
 * domctl.h); err_* ~0 but the one at fault, the caller writing the
 * struct back on an error only. Xen pauses the domain across it; here
 * the merge reads guest memory unlocked and the result is installed
 * under pause_lock, where the first unpause sets creation_finished, so
 * a domain never runs with half a policy (an unpause in between:
 * -EEXIST, as Xen's check after it).
 */
long domctl_set_cpu_policy(struct domain *d, struct domctl_cpu_policy *p)
{
	struct domain_cpu_policy np;
	long rc;

	p->err_leaf = p->err_subleaf = p->err_msr = ~0U;
	if ((rc = set_policy(d, p, &np)))
		return rc;
	spin_lock(&d->pause_lock);
	if (d->creation_finished)
		rc = trace_err(-EEXIST);
	else
		d->cpu_policy = np;
	spin_unlock(&d->pause_lock);
	return rc;
}
