/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A test-and-set spinlock. One CPU runs today, with interrupts off in the
 * hypervisor, so these never spin; they mark what each lock guards so SMP
 * is an extension (docs/style.md §8). Order: hv/lock_order.h.
 */
#ifndef HV_SPINLOCK_H
#define HV_SPINLOCK_H

#include <hv/types.h>

typedef struct {
	volatile uint32_t locked;
} spinlock_t;

#define SPINLOCK_INIT	{ 0 }

static inline void spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (l->locked)
			asm volatile("pause");
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(const spinlock_t *l)
{
	return l->locked != 0;
}

#endif
