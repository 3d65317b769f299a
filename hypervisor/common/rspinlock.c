// SPDX-License-Identifier: GPL-2.0-only
/*
 * Recursive locks (hv/spinlock.h, rspinlock_t), in every build: the
 * holder's CPU is kept in the lock word's holder half, so a nested take
 * is a compare and a count; a contended take is spinlock.c's. Only
 * another CPU's read of the holder races, and it can never see its own
 * number there. Debug builds check order, owner and interrupts on the
 * lock's `dbg` spinlock around the outermost take.
 */
#include <hv/lib.h>
#include <hv/spinlock.h>

#ifdef UNIT_HOST_CPU
extern __thread unsigned int unit_cpu;
#define rspin_cpu()	(unit_cpu + 1)
#else
#include <asm/percpu.h>
#define rspin_cpu()	(this_cpu()->cpu_id + 1)
#endif

void rspin_lock(rspinlock_t *l)
{
	rspin_lock_as(l, rspin_cpu());
}

void rspin_unlock(rspinlock_t *l)
{
	rspin_unlock_as(l, rspin_cpu());
}

bool rspin_is_mine(const rspinlock_t *l)
{
	return __atomic_load_n(&l->cpu.holder, __ATOMIC_RELAXED) == rspin_cpu();
}
