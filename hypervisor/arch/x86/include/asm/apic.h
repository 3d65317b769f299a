/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The local APIC in xAPIC mode, its registers mapped at APIC_VA (the page
 * after the GDT pages of the per-CPU GDT area, mapped by time_init). The
 * mapping is in the hypervisor's L4 slots, so every CPU reaches its own
 * local APIC at the same address. Vectors the hypervisor owns are here.
 */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <hv/types.h>
#include <asm/layout.h>

#define APIC_VA			(HV_GDT_AREA + 16 * 4096)
#define APIC_ID			0x020
#define APIC_EOI		0x0B0
#define APIC_SVR		0x0F0
#define APIC_ICR_LO		0x300
#define APIC_ICR_HI		0x310
#define APIC_LVT_TIMER		0x320
#define APIC_TIMER_INIT		0x380
#define APIC_TIMER_CUR		0x390
#define APIC_TIMER_DIV		0x3E0

#define APIC_ICR_BUSY		(1U << 12)	/* delivery status: send pending */
#define APIC_ICR_INIT		0x00004500U	/* INIT, level assert */
#define APIC_ICR_SIPI		0x00004600U	/* start-up; the low byte is the page */

/* The hypervisor's own vectors (device vectors: asm/irq.h). */
#define TIMER_VECTOR		0xF0
#define IPI_CALL_VECTOR		0xF1		/* smp_call_function */
#define IPI_STOP_VECTOR		0xF2		/* smp_stop_others: cli; hlt */
#define IPI_EVENT_VECTOR	0xF3		/* smp_send_event_check: reschedule, look for events */
#define IPI_TIMER_VECTOR	0xF4		/* smp_send_timer_program: this CPU's timer queue head changed */
#define IPI_HOLD_VECTOR		0xF5		/* smp_hold_others: wait here until released */
#define SPURIOUS_VECTOR		0xFF

static inline uint32_t apic_read(unsigned int reg)
{
	return *(volatile uint32_t *)(APIC_VA + reg);
}

static inline void apic_write(unsigned int reg, uint32_t v)
{
	*(volatile uint32_t *)(APIC_VA + reg) = v;
}

void apic_eoi(void);
/* This CPU's local APIC on: spurious vector, timer masked (each CPU). */
void apic_cpu_enable(void);

#endif
