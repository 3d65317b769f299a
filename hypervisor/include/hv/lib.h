/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Error handling policy (docs/style.md §5): guest errors get error codes or
 * domain_crash(); BUG_ON() for our own inconsistent state, always built;
 * ASSERT() for cheap invariants, debug builds only.
 */
#ifndef HV_LIB_H
#define HV_LIB_H

#include <generated/config.h>
#include <hv/types.h>
#include <hv/string.h>
#include <hv/printk.h>
#include <hv/nospec.h>
#include <lamina/errno.h>

void panic(const char *fmt, ...) __printf(1, 2) __noreturn;

#define BUG()		panic("BUG at %s:%d", __FILE__, __LINE__)
#define BUG_ON(c)	do { if (unlikely(c)) panic("BUG_ON(%s) at %s:%d", #c, __FILE__, __LINE__); } while (0)

#ifdef CONFIG_DEBUG
#define ASSERT(c)	do { if (unlikely(!(c))) panic("ASSERT(%s) failed at %s:%d", #c, __FILE__, __LINE__); } while (0)
#else
#define ASSERT(c)	do { (void)sizeof(c); } while (0)
#endif

#ifdef CONFIG_TRACE_ERR
#define trace_err(e)	({ pr_debug("%s:%d: error %d\n", __FILE__, __LINE__, (int)(e)); (e); })
#else
#define trace_err(e)	(e)
#endif

#endif
