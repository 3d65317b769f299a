// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of hypervisor/arch/x86/ptwr.c on the fake machine: a guest
 * kernel's write to one of its L1 tables through a read-only mapping,
 * decoded and completed after validation; a refused write leaves the
 * entry and every guest register as they were, for the page fault.
 */
#include "../../../unit.h"
#include "../../fake_machine.h"
#include <hv/lib.h>
#include <asm/page.h>
#include <asm/pv.h>
#include <pthread.h>
#include <sys/mman.h>

#define P		_PAGE_PRESENT
#define RW		(_PAGE_PRESENT | _PAGE_RW)
#define ZF		0x40ULL
#define CF		0x01ULL
#define TABLE_VA	0x400000ULL	/* where the guest maps the L1 it edits */

static struct domain *d, *e;
static mfn_t l4, pt, data, theirs;
static struct cpu_regs r;

/*
 * d's tree maps its L1 table `pt` read-only at TABLE_VA; pt maps `data`
 * read-only in entry 0. e's frame `theirs` is what a refused write maps.
 */
static void fresh(void)
{
	mfn_t l3, l2, l1;
	pte_t *t;

	fake_machine_reset();
	d = fake_domain(1, false);
	e = fake_domain(2, false);
	l4 = fake_give_frame(d);
	l3 = fake_give_frame(d);
	l2 = fake_give_frame(d);
	l1 = fake_give_frame(d);
	pt = fake_give_frame(d);
	data = fake_give_frame(d);
	theirs = fake_give_frame(e);
	((pte_t *)frame_va(l4))[L4_INDEX(TABLE_VA)] = mk_pte(l3, RW);
	((pte_t *)frame_va(l3))[L3_INDEX(TABLE_VA)] = mk_pte(l2, RW);
	((pte_t *)frame_va(l2))[L2_INDEX(TABLE_VA)] = mk_pte(l1, RW);
	((pte_t *)frame_va(l1))[L1_INDEX(TABLE_VA)] = mk_pte(pt, P);
	t = frame_va(pt);
	t[0] = mk_pte(data, P);
	EXPECT_EQ(pt_pin(d, pt, 1), 0);
	EXPECT_EQ(pt_pin(d, l4, 4), 0);
	EXPECT_EQ(get_page_and_type(l4, PGT_l4, d), 0);	/* the base pointer's */
	d->vcpu[0]->arch.guest_cr3 = l4 << PAGE_SHIFT;
	d->vcpu[0]->arch.kernel_mode = true;
	memset(&r, 0, sizeof(r));
	r.error_code = 3;				/* a write to a present page */
}

static pte_t entry0(void)
{
	return ((pte_t *)frame_va(pt))[0];
}

/*
 * The guest's instruction stream: the instruction under test, then NOPs
 * (ptwr.c reads up to 16 bytes from rip).
 */
static uint8_t text[16];

/* Runs instruction `code` of n bytes against byte off of entry 0; rip is the fetch address. */
static bool run_insn(const uint8_t *code, size_t n, unsigned int off)
{
	memset(text, 0x90, sizeof(text));
	memcpy(text, code, n);
	r.rip = fake_va(text);
	return ptwr_emulate(d->vcpu[0], &r, TABLE_VA + off);
}
#define emulate(code)		run_insn(code, sizeof(code), 0)
#define emulate_at(code, off)	run_insn(code, sizeof(code), off)

static void xchg_writes_then_swaps(void)
{
	static const uint8_t xchg[] = { 0x48, 0x87, 0x07 };	/* xchg [rdi], rax */
	pte_t before;

	fresh();
	before = entry0();
	r.rax = mk_pte(theirs, P);				/* not d's frame */
	EXPECT(!emulate(xchg));
	EXPECT_EQ(r.rax, mk_pte(theirs, P));			/* untouched for the #PF */
	EXPECT_EQ(r.rip, fake_va(text));
	EXPECT_EQ(entry0(), before);
	r.rax = mk_pte(data, RW);
	EXPECT(emulate(xchg));
	EXPECT_EQ(r.rax, before);				/* the old entry */
	EXPECT_EQ(r.rip, fake_va(text) + sizeof(xchg));
	EXPECT_EQ(pte_mfn(entry0()), data);
	EXPECT(entry0() & _PAGE_RW);
	EXPECT_EQ(frame_table[data].type, PGT_writable);
	EXPECT_EQ(fake_invlpgs, 1);
	EXPECT(mm_audit(d));
}

static void cmpxchg_sets_zf_only_when_done(void)
{
	static const uint8_t cmpxchg[] = { 0xF0, 0x48, 0x0F, 0xB1, 0x17 };	/* lock cmpxchg [rdi], rdx */

	fresh();
	r.rax = entry0();
	r.rdx = mk_pte(pt, RW);					/* its own table, writable */
	EXPECT(!emulate(cmpxchg));
	EXPECT_EQ(r.rflags & ZF, 0);
	EXPECT_EQ(r.rax, entry0());
	r.rdx = mk_pte(data, RW);
	EXPECT(emulate(cmpxchg));
	EXPECT_EQ(r.rflags & ZF, ZF);
	EXPECT_EQ(pte_mfn(entry0()), data);
	EXPECT(entry0() & _PAGE_RW);

	/* A compare that fails: nothing written, rax takes the entry, ZF clear. */
	r.rax = 0;
	r.rdx = 0;
	EXPECT(emulate(cmpxchg));
	EXPECT_EQ(r.rflags & ZF, 0);
	EXPECT_EQ(r.rax, entry0());
	EXPECT(mm_audit(d));
}

static void bts_sets_cf_only_when_done(void)
{
	static const uint8_t bts[] = { 0x48, 0x0F, 0xBA, 0x2F, 0x01 };	/* bts qword [rdi], 1 */
	pte_t before;

	fresh();
	EXPECT_EQ(pt_update_entry(d, pt << PAGE_SHIFT, mk_pte(l4, P), false), 0);
	before = entry0();
	r.rflags = CF;
	EXPECT(!emulate(bts));					/* an L4 made writable */
	EXPECT_EQ(r.rflags & CF, CF);
	EXPECT_EQ(entry0(), before);
	EXPECT_EQ(pt_update_entry(d, pt << PAGE_SHIFT, mk_pte(data, P), false), 0);
	EXPECT(emulate(bts));
	EXPECT_EQ(r.rflags & CF, 0);				/* the bit was clear */
	EXPECT(entry0() & _PAGE_RW);
	EXPECT(mm_audit(d));
}

/*
 * A 2-byte write keeps the rest of the entry; a misaligned one is the
 * #PF; rep stos writes once a fault and stays on the instruction until
 * rcx runs out; inc keeps CF.
 */
static void subword_writes_and_rep_stos(void)
{
	static const uint8_t movw[] = { 0x66, 0x89, 0x07 };	/* mov [rdi], ax */
	static const uint8_t rep_stosb[] = { 0xF3, 0xAA };	/* rep stosb */
	static const uint8_t incb[] = { 0xF0, 0xFE, 0x07 };	/* lock inc byte [rdi] */
	pte_t before;

	fresh();
	before = entry0();
	r.rax = 0xdead0000ULL | ((before | _PAGE_RW) & 0xFFFF);
	EXPECT(!emulate_at(movw, 1));
	EXPECT_EQ(entry0(), before);
	EXPECT_EQ(r.rip, fake_va(text));
	EXPECT(emulate(movw));
	EXPECT_EQ(entry0(), before | _PAGE_RW);
	EXPECT_EQ(r.rip, fake_va(text) + sizeof(movw));
	EXPECT_EQ(r.rax, 0xdead0000ULL | ((before | _PAGE_RW) & 0xFFFF));

	r.rax = before & 0xFF;					/* back to read-only */
	r.rcx = 2;
	r.rdi = TABLE_VA;
	EXPECT(emulate(rep_stosb));
	EXPECT_EQ(entry0(), before);
	EXPECT_EQ(r.rcx, 1);
	EXPECT_EQ(r.rdi, TABLE_VA + 1);
	EXPECT_EQ(r.rip, fake_va(text));			/* the next iteration faults again */
	r.rax = (before >> 8) & 0xFF;				/* byte 1 as it is */
	EXPECT(emulate_at(rep_stosb, 1));
	EXPECT_EQ(r.rcx, 0);
	EXPECT_EQ(r.rdi, TABLE_VA + 2);
	EXPECT_EQ(r.rip, fake_va(text) + sizeof(rep_stosb));
	EXPECT_EQ(entry0(), before);

	fresh();
	before = entry0();
	r.rflags = CF;
	EXPECT(emulate(incb));					/* P off: any entry */
	EXPECT_EQ(entry0(), before + 1);
	EXPECT_EQ(r.rflags & CF, CF);
	EXPECT(mm_audit(d));
}

/*
 * The stack on the table: push writes at rsp - 8 and moves rsp only when
 * the entry is taken; a push whose rsp does not match the fault is left
 * to the #PF. pop to the entry reads the ordinary stack.
 */
static void push_and_pop(void)
{
	static const uint8_t push_rax[] = { 0x50 };
	static const uint8_t pop_rdi[] = { 0x8F, 0x07 };		/* pop qword [rdi] */
	uint64_t stack[2];

	fresh();
	r.rax = mk_pte(theirs, P);
	r.rsp = TABLE_VA + 8;
	EXPECT(!emulate(push_rax));				/* not d's frame */
	EXPECT_EQ(r.rsp, TABLE_VA + 8);
	r.rax = mk_pte(data, RW);
	r.rsp = TABLE_VA + 16;
	EXPECT(!emulate(push_rax));				/* rsp elsewhere */
	r.rsp = TABLE_VA + 8;
	EXPECT(emulate(push_rax));
	EXPECT_EQ(r.rsp, TABLE_VA);
	EXPECT_EQ(r.rip, fake_va(text) + 1);
	EXPECT_EQ(pte_mfn(entry0()), data);
	EXPECT(entry0() & _PAGE_RW);

	stack[0] = mk_pte(data, P);
	r.rsp = fake_va(stack);
	EXPECT(emulate(pop_rdi));
	EXPECT_EQ(r.rsp, fake_va(stack) + 8);
	EXPECT_EQ(pte_mfn(entry0()), data);
	EXPECT(!(entry0() & _PAGE_RW));
	EXPECT(mm_audit(d));
}

/* The vCPU that faulted: d's, the one every test here runs. */
struct vcpu *current_vcpu(void)
{
	return d->vcpu[0];
}

/* The fault ptwr.c injects itself (pv_traps.c's, not linked here). */
static unsigned int injected, injected_vector;
static uint64_t injected_error;

void pv_inject_trap(struct vcpu *v, struct cpu_regs *regs, unsigned int vector, uint64_t error)
{
	injected++;
	injected_vector = vector;
	injected_error = error;
}

/*
 * enter $0, $2 with the stack on the table and an old rbp whose frame
 * pointer cannot be read: the first push written, then the read's #PF
 * (error code 0, CR2 the frame pointer's address) with rsp, rbp and rip
 * as they were, as Xen 4.17.
 */
static void enter_frame_pointer_unreadable(void)
{
	static const uint8_t enter_0_2[] = { 0xC8, 0x00, 0x00, 0x02 };
	const uint64_t bp = 0x1008;		/* 0x1000 is no guest address; even: not present */

	fresh();
	injected = 0;
	r.rsp = TABLE_VA + 8;
	r.rbp = bp;
	EXPECT(emulate(enter_0_2));				/* handled: the #PF injected */
	EXPECT_EQ(injected, 1);
	EXPECT_EQ(injected_vector, 14);
	EXPECT_EQ(injected_error, 0);
	EXPECT_EQ(d->vcpu[0]->vcpu_info->arch.cr2, bp - 8);
	EXPECT_EQ(entry0(), bp);				/* the first push */
	EXPECT_EQ(r.rsp, TABLE_VA + 8);
	EXPECT_EQ(r.rbp, bp);
	EXPECT_EQ(r.rip, fake_va(text));
	EXPECT(mm_audit(d));
}

/*
 * 66 enter $16, $0: bp's 2 bytes into the entry's top 16 bits, bp (only
 * rbp's low 16 bits) their address, rsp 2 + 16 lower, as Xen 4.17.
 */
static void enter_16_bit(void)
{
	static const uint8_t enter16[] = { 0x66, 0xC8, 0x10, 0x00, 0x00 };
	pte_t before;

	fresh();
	before = entry0();
	r.rsp = TABLE_VA + 8;
	r.rbp = 0x1111222233330000ULL | (before >> 48);	/* the entry's own top bits */
	EXPECT(emulate_at(enter16, 6));			/* CR2 rsp - 2 */
	EXPECT_EQ(entry0(), before);				/* bp: the top bits they were */
	EXPECT_EQ(r.rsp, TABLE_VA + 6 - 16);
	EXPECT_EQ(r.rbp, 0x1111222233330000ULL | ((TABLE_VA + 6) & 0xffff));
	EXPECT_EQ(r.rip, fake_va(text) + sizeof(enter16));
	EXPECT(mm_audit(d));
}

/* Entry 0 made 0 (not present: any bits may follow) by a mov through the mapping. */
static void clear_entry0(void)
{
	static const uint8_t mov[] = { 0x48, 0x89, 0x07 };	/* mov [rdi], rax */

	r.rax = 0;
	r.rdi = TABLE_VA;
	EXPECT(emulate(mov));
	EXPECT_EQ(entry0(), 0);
}

/*
 * 66 enter $16, $2 (measured on Xen 4.17): bp, the 2-byte frame pointer
 * at rbp - 2 and the new frame's pointer pushed 2 bytes each, rsp 6 + 16
 * lower, rbp's low 16 bits the frame's.
 */
static void enter_16_bit_nested(void)
{
	static const uint8_t enter16_2[] = { 0x66, 0xC8, 0x10, 0x00, 0x02 };
	static const uint16_t fp[2] = { 0x1111, 0x7777 };
	uint64_t bp, frame = TABLE_VA + 6;

	fresh();
	clear_entry0();
	r.rsp = TABLE_VA + 8;
	r.rbp = bp = fake_va(fp) + 4;
	EXPECT(emulate_at(enter16_2, 6));
	EXPECT_EQ(entry0(), ((bp & 0xffff) << 48) | (0x7777ULL << 32) | ((frame & 0xffff) << 16));
	EXPECT_EQ(r.rsp, TABLE_VA + 8 - 6 - 16);
	EXPECT_EQ(r.rbp, (bp & ~0xffffULL) | (frame & 0xffff));
	EXPECT_EQ(r.rip, fake_va(text) + sizeof(enter16_2));
	EXPECT(mm_audit(d));
}

/*
 * A 16-bit call (66 E8 rel16, 66 FF /2) on an AMD-like host, as Xen 4.17's
 * emulator (measured under QEMU's AMD vendor): the return address's low
 * 16 bits pushed, rip the target cut to 16 bits. On another vendor 66 is
 * ignored: a 64-bit call, whose push is not where CR2 = rsp - 2 says.
 */
static void call_16_bit(void)
{
	static const uint8_t call16[] = { 0x66, 0xE8, 0x10, 0x00 };	/* call rel16 0x10 */
	static const uint8_t call16_ax[] = { 0x66, 0xFF, 0xD0 };	/* call *%ax */
	uint64_t ret = fake_va(text) + sizeof(call16);

	fresh();
	clear_entry0();
	cpu_amd_like = false;
	r.rsp = TABLE_VA + 8;
	EXPECT(!emulate_at(call16, 6));
	EXPECT_EQ(r.rsp, TABLE_VA + 8);
	cpu_amd_like = true;
	EXPECT(emulate_at(call16, 6));
	EXPECT_EQ(entry0(), (ret & 0xffff) << 48);
	EXPECT_EQ(r.rsp, TABLE_VA + 6);
	EXPECT_EQ(r.rip, (ret + 0x10) & 0xffff);
	r.rax = 0x123456789ULL;
	EXPECT(emulate_at(call16_ax, 4));
	EXPECT_EQ(entry0(), ((ret & 0xffff) << 48) |
			    (((fake_va(text) + sizeof(call16_ax)) & 0xffff) << 32));
	EXPECT_EQ(r.rsp, TABLE_VA + 4);
	EXPECT_EQ(r.rip, 0x6789);
	cpu_amd_like = false;
	EXPECT(mm_audit(d));
}

/* movs under rep: one element a fault, rsi, rdi and rcx stepped, rip kept until rcx is 0. */
static void rep_movs_one_at_a_time(void)
{
	static const uint8_t rep_movsd[] = { 0xF3, 0xA5 };
	uint64_t src;
	pte_t before;

	fresh();
	before = entry0();
	src = before | _PAGE_RW;
	r.rsi = fake_va(&src);
	r.rdi = TABLE_VA;
	r.rcx = 2;
	EXPECT(emulate(rep_movsd));
	EXPECT_EQ(entry0(), before | _PAGE_RW);
	EXPECT_EQ(r.rcx, 1);
	EXPECT_EQ(r.rsi, fake_va(&src) + 4);
	EXPECT_EQ(r.rdi, TABLE_VA + 4);
	EXPECT_EQ(r.rip, fake_va(text));
	EXPECT(emulate_at(rep_movsd, 4));
	EXPECT_EQ(r.rcx, 0);
	EXPECT_EQ(r.rip, fake_va(text) + sizeof(rep_movsd));
	EXPECT_EQ(entry0(), before | _PAGE_RW);
	r.rdi = TABLE_VA + 8;					/* not where the fault was */
	r.rsi = fake_va(&src);		/* read first (a source past it: the read's #PF) */
	r.rcx = 1;
	EXPECT(!emulate(rep_movsd));
	EXPECT(mm_audit(d));
}

/*
 * rcl keeps ZF, SF, PF and AF, the CPU's own flags; setcc writes 0 or 1;
 * 67 mov writes at the fault like any other.
 */
static void shifts_setcc_and_67(void)
{
	static const uint8_t rcl1[] = { 0xD0, 0x17 };		/* rcl byte [rdi], 1 */
	static const uint8_t setc[] = { 0x0F, 0x92, 0x07 };	/* setc byte [rdi] */
	static const uint8_t mov67[] = { 0x67, 0x48, 0x89, 0x07 };	/* mov [edi], rax */
	pte_t before;

	fresh();
	before = entry0();
	r.rflags = ZF | 0x80;					/* ZF SF, CF clear */
	EXPECT(emulate(rcl1));					/* P shifted out: not present */
	EXPECT_EQ(entry0() & 0xFF, (before << 1) & 0xFF);
	EXPECT_EQ(r.rflags & (ZF | 0x80 | CF), ZF | 0x80);	/* bit 7 was clear: CF clear */
	fresh();
	r.rflags = CF;
	EXPECT(emulate(setc));
	EXPECT_EQ(entry0() & 0xFF, 1 | _PAGE_USER);		/* present: US added, as by Xen */
	r.rflags = 0;
	EXPECT(emulate(setc));
	EXPECT_EQ(entry0() & 0xFF, 0);
	r.rax = mk_pte(data, RW);
	EXPECT(emulate(mov67));
	EXPECT_EQ(pte_mfn(entry0()), data);
	EXPECT(entry0() & _PAGE_RW);
	EXPECT_EQ(r.rip, fake_va(text) + sizeof(mov67));
	EXPECT(mm_audit(d));
}

/* Not a validated L1 of the domain, or not a write from its kernel: not ours. */
static void only_kernel_writes_to_tables(void)
{
	static const uint8_t mov[] = { 0x48, 0x89, 0x07 };	/* mov [rdi], rax */

	fresh();
	r.rax = mk_pte(data, RW);
	d->vcpu[0]->arch.kernel_mode = false;
	d->vcpu[0]->arch.user_cr3 = l4 << PAGE_SHIFT;
	EXPECT(!emulate(mov));
	d->vcpu[0]->arch.kernel_mode = true;
	r.error_code = 2;					/* not present */
	EXPECT(!emulate(mov));
	r.error_code = 3;
	EXPECT(emulate(mov));
	EXPECT_EQ(pte_mfn(entry0()), data);
	d->vcpu[0]->arch.user_cr3 = 0;
	EXPECT(mm_audit(d));
}

/*
 * Two CPUs counting in one entry with lock cmpxchg, as a guest's atomic
 * update of a PTE does: each reads the entry, emulates cmpxchg(old, old +
 * one page) and retries when ZF says the entry changed. Every increment
 * must land: the compare and the write are one step under the
 * page-table lock (without it 8 to 43 % of them were lost in 3 runs).
 */
#define CMPXCHG_ROUNDS	100000
extern __thread unsigned int unit_cpu;
static int cx_errors, cx_ready;

static void *cmpxchg_counter(void *arg)
{
	volatile pte_t *e1 = (pte_t *)frame_va(pt) + 1;
	struct cpu_regs my;
	unsigned int i;

	unit_cpu = (unsigned int)(uintptr_t)arg;
	__atomic_add_fetch(&cx_ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&cx_ready, __ATOMIC_SEQ_CST) < 2)
		;	/* both start together */
	for (i = 0; i < CMPXCHG_ROUNDS; i++) {
		do {
			memset(&my, 0, sizeof(my));
			my.error_code = 3;
			my.rip = fake_va(text);
			my.rax = *e1;
			my.rdx = my.rax + PAGE_SIZE;	/* not present: any frame number */
			if (!ptwr_emulate(d->vcpu[0], &my, TABLE_VA + 8)) {
				__atomic_add_fetch(&cx_errors, 1, __ATOMIC_RELAXED);
				return NULL;
			}
		} while (!(my.rflags & ZF));
	}
	return NULL;
}

static void cmpxchg_is_atomic_across_cpus(void)
{
	static const uint8_t cmpxchg[] = { 0xF0, 0x48, 0x0F, 0xB1, 0x17 };
	pthread_t t[2];

	fresh();
	memset(text, 0x90, sizeof(text));
	memcpy(text, cmpxchg, sizeof(cmpxchg));
	d->max_vcpus = 2;
	cx_errors = cx_ready = 0;
	EXPECT_EQ(pthread_create(&t[0], NULL, cmpxchg_counter, (void *)1), 0);
	EXPECT_EQ(pthread_create(&t[1], NULL, cmpxchg_counter, (void *)2), 0);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	unit_cpu = 0;
	EXPECT_EQ(cx_errors, 0);
	EXPECT_EQ(((pte_t *)frame_va(pt))[1], 2ULL * CMPXCHG_ROUNDS * PAGE_SIZE);
	EXPECT(mm_audit(d));
}

/*
 * An instruction whose bytes run onto a page the guest can no longer read
 * (another vCPU unmapped it after the CPU's fault; here the fake direct
 * map, which guest_range_ok refuses, right after a page of our own): when
 * the decoder needs such a byte, the fetch's #PF, error code 0x10, cr2
 * that byte, as Xen 4.17's ptwr fetch callback; the entry and registers
 * untouched. An opcode refused before the missing bytes keeps the write's
 * #PF (not handled), a whole instruction readable is done.
 */
static void fetch_fault_past_readable_bytes(void)
{
	static const struct {
		uint8_t code[4];
		unsigned int readable;	/* bytes before the unreadable page */
		bool handled;		/* false: the write's #PF (not injected) */
	} cases[] = {
		{ { 0x48, 0x89, 0x07 }, 0, true },	/* mov [rdi], rax: nothing readable */
		{ { 0x48, 0x89, 0x07 }, 1, true },	/* REX read, the opcode not */
		{ { 0x48, 0x89, 0x07 }, 2, true },	/* the ModRM not */
		{ { 0x48, 0x89, 0x04, 0x24 }, 3, true },	/* the SIB not */
		{ { 0x66, 0xC7, 0x07, 0x01 }, 3, true },	/* the immediate not */
		{ { 0x0F, 0x01 }, 1, true },	/* the second opcode byte not */
		{ { 0xD9, 0x1F }, 1, false },	/* fstp: refused on its opcode */
	};
	uint8_t *page = mmap((void *)(FAKE_DIRECTMAP - PAGE_SIZE), PAGE_SIZE,
			     PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			     -1, 0);
	uint8_t *end = (uint8_t *)FAKE_DIRECTMAP;
	unsigned int k;
	pte_t before;

	EXPECT(page == end - PAGE_SIZE);
	if (page != end - PAGE_SIZE)
		return;
	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		fresh();
		before = entry0();
		injected = 0;
		memcpy(end - cases[k].readable, cases[k].code, cases[k].readable);
		r.rip = fake_va(end - cases[k].readable);
		r.rax = mk_pte(data, RW);
		EXPECT_EQ(ptwr_emulate(d->vcpu[0], &r, TABLE_VA), cases[k].handled);
		EXPECT_EQ(injected, cases[k].handled ? 1 : 0);
		if (cases[k].handled) {
			EXPECT_EQ(injected_vector, 14);
			EXPECT_EQ(injected_error, 0x10);
			EXPECT_EQ(d->vcpu[0]->vcpu_info->arch.cr2, FAKE_DIRECTMAP);
		}
		EXPECT_EQ(entry0(), before);
		EXPECT_EQ(r.rip, fake_va(end - cases[k].readable));
		EXPECT_EQ(r.rax, mk_pte(data, RW));
		EXPECT(mm_audit(d));
	}
	/* The whole of it readable, the last byte the page's: done. */
	fresh();
	injected = 0;
	memcpy(end - 3, cases[0].code, 3);
	r.rip = fake_va(end - 3);
	r.rax = mk_pte(data, RW);
	EXPECT(ptwr_emulate(d->vcpu[0], &r, TABLE_VA));
	EXPECT_EQ(injected, 0);
	EXPECT_EQ(r.rip, fake_va(end));
	EXPECT_EQ(pte_mfn(entry0()), data);
	EXPECT(mm_audit(d));
	munmap(page, PAGE_SIZE);
}

/* The n-th injection so far, the last, was a read's #PF (error code 0) at cr2 `at`. */
static void expect_read_pf(unsigned int n, uint64_t at)
{
	EXPECT_EQ(injected, n);
	EXPECT_EQ(injected_vector, 14);
	EXPECT_EQ(injected_error, 0);
	EXPECT_EQ(d->vcpu[0]->vcpu_info->arch.cr2, at);
}

/*
 * A memory source the guest can no longer read (another vCPU unmapped it
 * after the CPU's read): movs's and pop's get that read's #PF, error code
 * 0, cr2 the source, as Xen 4.17's ptwr read callback; the entry and the
 * registers untouched.
 */
static void source_read_fault(void)
{
	static const uint8_t movsq[] = { 0x48, 0xA5 };
	static const uint8_t pop_rdi[] = { 0x8F, 0x07 };	/* pop qword [rdi] */
	const uint64_t gone = 0x1000;				/* no guest address */
	pte_t before;

	fresh();
	before = entry0();
	injected = 0;
	r.rsi = gone;
	r.rdi = TABLE_VA;
	EXPECT(emulate(movsq));
	expect_read_pf(1, gone);
	EXPECT_EQ(entry0(), before);
	EXPECT_EQ(r.rsi, gone);
	EXPECT_EQ(r.rdi, TABLE_VA);
	EXPECT_EQ(r.rip, fake_va(text));

	injected = 0;
	r.rsp = gone;
	EXPECT(emulate(pop_rdi));
	expect_read_pf(1, gone);
	EXPECT_EQ(r.rsp, gone);
	EXPECT_EQ(entry0(), before);
	EXPECT(mm_audit(d));
}

/*
 * The source of a movs or push through memory is read before the write's
 * address is looked at, as Xen 4.17's emulator: with rdi or rsp not
 * naming the faulting entry (the instruction rewritten by another vCPU
 * after the CPU's fault) and the source unreadable, the read's #PF (error
 * code 0, cr2 the source), where Lamina gave the write's before 5 Dec.
 * The same for a misaligned write onto the entry (the CPU's own fault,
 * no race), which Xen's write callback refuses only after that read.
 * With the source readable such writes are still refused (the write's
 * #PF: nothing injected here, the entry and registers untouched).
 */
static void source_read_before_destination(void)
{
	static const uint8_t movsq[] = { 0x48, 0xA5 };
	static const uint8_t push_rsi[] = { 0xFF, 0x36 };	/* push qword [rsi] */
	const uint64_t gone = 0x1000, elsewhere = TABLE_VA + 0x800;
	uint64_t src = mk_pte(data, P);
	pte_t before;

	fresh();
	before = entry0();
	injected = 0;
	r.rsi = gone;
	r.rdi = elsewhere;
	EXPECT(emulate(movsq));
	expect_read_pf(1, gone);
	EXPECT_EQ(r.rsi, gone);
	EXPECT_EQ(r.rdi, elsewhere);

	injected = 0;
	r.rsp = elsewhere + 8;
	EXPECT(emulate(push_rsi));
	expect_read_pf(1, gone);
	EXPECT_EQ(r.rsp, elsewhere + 8);
	EXPECT_EQ(r.rip, fake_va(text));

	/* Misaligned onto the entry, where the CPU faulted: the source first too. */
	injected = 0;
	r.rdi = TABLE_VA + 4;
	EXPECT(emulate_at(movsq, 4));
	expect_read_pf(1, gone);
	EXPECT_EQ(r.rdi, TABLE_VA + 4);
	r.rsp = TABLE_VA + 4 + 8;
	EXPECT(emulate_at(push_rsi, 4));
	expect_read_pf(2, gone);
	EXPECT_EQ(r.rsp, TABLE_VA + 4 + 8);

	injected = 0;
	r.rsi = fake_va(&src);
	EXPECT(!emulate_at(movsq, 4));
	EXPECT(!emulate_at(push_rsi, 4));
	r.rdi = elsewhere;
	r.rsp = elsewhere + 8;
	EXPECT(!emulate(movsq));
	EXPECT(!emulate(push_rsi));
	EXPECT_EQ(injected, 0);
	EXPECT_EQ(r.rsi, fake_va(&src));
	EXPECT_EQ(r.rdi, elsewhere);
	EXPECT_EQ(r.rsp, elsewhere + 8);
	EXPECT_EQ(entry0(), before);
	EXPECT(mm_audit(d));
}

UNIT_MAIN("ptwr", UNIT_TEST(xchg_writes_then_swaps), UNIT_TEST(cmpxchg_sets_zf_only_when_done),
	  UNIT_TEST(bts_sets_cf_only_when_done), UNIT_TEST(only_kernel_writes_to_tables),
	  UNIT_TEST(cmpxchg_is_atomic_across_cpus), UNIT_TEST(subword_writes_and_rep_stos),
	  UNIT_TEST(push_and_pop), UNIT_TEST(rep_movs_one_at_a_time), UNIT_TEST(shifts_setcc_and_67),
	  UNIT_TEST(enter_frame_pointer_unreadable), UNIT_TEST(enter_16_bit),
	  UNIT_TEST(enter_16_bit_nested), UNIT_TEST(call_16_bit),
	  UNIT_TEST(fetch_fault_past_readable_bytes), UNIT_TEST(source_read_fault),
	  UNIT_TEST(source_read_before_destination))
