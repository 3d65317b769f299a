// SPDX-License-Identifier: GPL-2.0-only
/* panic() for the host tests of sources outside the fake machine: FAIL and exit. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <hv/lib.h>

void panic(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL unit/panic: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}
