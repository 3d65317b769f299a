// SPDX-License-Identifier: GPL-2.0-only
/* User page tables and the syscall callback set-up for test guests. */
#include "guest.h"
#include "mm.h"
#include "user.h"
#include <lamina/callback.h>

void syscall_entry(void);

static uint8_t kernel_stack[8192] __attribute__((aligned(16)));
uint64_t user_data_kva;

/* L4 -> L3 -> L2 -> L1 for USER_BASE, all user pages, pinned. */
static long build_tables(const uint8_t *code, unsigned long len, unsigned int data_pages,
			 uint64_t *l4_mfn)
{
	uint64_t l4 = scratch_page(), l3 = scratch_page(), l2 = scratch_page(), l1 = scratch_page();
	uint64_t tables[4] = { l4, l3, l2, l1 };
	unsigned int i;

	if (len > 4096 || data_pages > 500)
		return -EINVAL;
	((uint64_t *)l4)[0] = (va_to_mfn(l3) << 12) | PTE_DATA;
	((uint64_t *)l3)[0] = (va_to_mfn(l2) << 12) | PTE_DATA;
	((uint64_t *)l2)[USER_BASE >> 21] = (va_to_mfn(l1) << 12) | PTE_DATA;
	for (i = 0; i <= data_pages; i++) {
		uint64_t p = scratch_page();

		if (i == 0)
			memcpy((void *)p, code, len);
		if (i == 1)
			user_data_kva = p;	/* scratch pages are consecutive */
		((uint64_t *)l1)[i] = (va_to_mfn(p) << 12) | (i ? PTE_DATA : PTE_P | PTE_US | PTE_A);
	}
	for (i = 0; i < 4; i++) {
		long rc = update_va_mapping(tables[i], (va_to_mfn(tables[i]) << 12) | PTE_P |
					    PTE_US | PTE_A, UVMF_INVLPG);
		if (rc)
			return rc;
	}
	*l4_mfn = va_to_mfn(l4);
	return mmuext1(MMUEXT_PIN_L4_TABLE, *l4_mfn);
}

long user_setup(const uint8_t *code, unsigned long code_len, unsigned int data_pages)
{
	struct callback_register cb = { CALLBACKTYPE_syscall, CALLBACKF_mask_events, 0,
					(uint64_t)syscall_entry };
	uint64_t l4;
	long rc;

	rc = hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, &cb);
	if (!rc)
		rc = hypercall2(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS,
				(uint64_t)kernel_stack + sizeof(kernel_stack));
	if (!rc)
		rc = build_tables(code, code_len, data_pages, &l4);
	if (!rc)
		rc = mmuext1(MMUEXT_NEW_USER_BASEPTR, l4);
	return rc;
}

/* A user program that spins for ever (user.h). */
asm(".pushsection .rodata\n"
    ".globl user_spin_prog, user_spin_prog_end\n"
    "user_spin_prog:\n"
    "1:	jmp 1b\n"
    "user_spin_prog_end:\n"
    ".popsection");
