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
 *    dom0's kernel gets more (EIST, MTRR).
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

#define MSR_PLATFORM_INFO	0xCE
#define MSR_ARCH_CAPS		0x10A
#define CPUID_7D_ARCH_CAPS	(1U << 29)
#define CPUID_1C_OSXSAVE	(1U << 27)

/* Where a policy's leaves come from: the CPU itself, or a PV view of it. */
struct policy_src {
	bool raw;
	unsigned int view;	/* PV_CPUID_*, when not raw */
};

static const struct policy_src src_raw = { .raw = true };
static const struct policy_src src_pv = { .raw = false, .view = 0 };

static void leaf_of(const struct policy_src *s, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	uint32_t max, x;

	if (!s->raw) {
		pv_cpuid(s->view, leaf, sub, r);
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
	static const uint32_t zero[4];
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
	if ((rc = put_leaf(&w, 0x40000000, CPUID_NO_SUBLEAF, zero)) ||
	    (rc = put_leaf(&w, 0x40000100, CPUID_NO_SUBLEAF, zero)))
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
				  .view = d->is_privileged ? PV_CPUID_DOM0_KERNEL : 0 };
	int rc = policy_part(&src, false, p->leaves, &p->nr_leaves, 0);

	return rc ? rc : policy_part(&src, true, p->msrs, &p->nr_msrs, 0);
}
