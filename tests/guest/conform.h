/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The conformance tests' table of rows (tests/guest/conform-*.c): each row
 * makes one hypercall and compares its result with the value Xen 4.17
 * gives a 64-bit PV dom0 (learnt by running the test on Xen 4.17), or,
 * for a row Lamina answers differently on purpose (docs/conformance.md),
 * with Lamina's documented value when the guest runs on Lamina (told at
 * run time by the version string, see on_lamina()).
 *
 *	ROW(name, call, xen_rc)			the same on both
 *	ROWL(name, call, xen_rc, lamina_rc)	a difference on purpose,
 *						documented there
 *	ROWK(name, call, xen_rc, lamina_rc)	an open difference (a bug),
 *						listed there until fixed
 *
 * A ROWK row whose call starts answering as Xen does on Lamina fails:
 * the fix then turns it into a ROW (and docs/conformance.md is updated).
 *
 * Every row prints "row <name> = <rc>"; a row that differs prints
 * "DIFF <name> = <rc>, expected <rc>", and the test fails at the end if
 * any did.
 */
#ifndef GUEST_CONFORM_H
#define GUEST_CONFORM_H

#include "lib/guest.h"

/* An address in the hypervisor's range: any copy through it must fail. */
#define BADPTR		((void *)0xffff800000001000ULL)
/* A non-canonical one. */
#define NCPTR		((void *)0x8000000000000000ULL)

struct conform {
	unsigned int rows, bad;
	bool lamina;
	bool quiet;		/* print only the rows that differ */
	const char *first_bad;
};

static struct conform conform_state;

static inline void conform_begin(void)
{
	conform_state.lamina = on_lamina();
}

static inline void conform_row(const char *name, long got, long xen, long lamina)
{
	long want = conform_state.lamina ? lamina : xen;

	conform_state.rows++;
	if (got != want) {
		if (!conform_state.bad++)
			conform_state.first_bad = name;
		printf("DIFF %s = %ld, expected %ld\n", name, got, want);
	} else if (!conform_state.quiet) {
		printf("row %s = %ld\n", name, got);
	}
}

#define ROW(name, call, xen)		conform_row(name, (long)(call), (xen), (xen))
#define ROWL(name, call, xen, lamina)	conform_row(name, (long)(call), (xen), (lamina))
#define ROWK(name, call, xen, lamina)	conform_row(name, (long)(call), (xen), (lamina))

static inline int conform_end(const char *area)
{
	if (conform_state.bad)
		return fail("%u of %u %s rows differ from the expected results",
			    conform_state.bad, conform_state.rows, area);
	printf("%u %s rows as expected\n", conform_state.rows, area);
	return TEST_PASS;
}

#endif
