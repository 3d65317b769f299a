// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-console: console_io writes and reads with huge, wrapping and
 * page-crossing lengths, from dom0, against Xen 4.17's answers
 * (conform.h). Xen's count is an `unsigned int`: a write of 2^31 bytes
 * or more is no error in itself, it prints until a byte cannot be read
 * (-EFAULT); text running into an unmapped page, past the lower half's
 * end or around the top of the address space ends the same way; a read
 * above INT_MAX is -E2BIG, any other with no input 0. (A domU's writes
 * are printed by Lamina and refused by Xen: console-prefix, conform-domu.)
 */
#include "conform.h"
#include "lib/mm.h"

#define CIO(cmd, n, buf)	hypercall3(__HYPERVISOR_console_io, cmd, (uint64_t)(n), (uint64_t)(buf))
#define LINE			127

int test_main(struct start_info *si)
{
	uint64_t gap;
	char *text;
	unsigned int i;

	mm_init(si);
	conform_begin();
	scratch_page();
	gap = scratch_page();
	CHECK(!update_va_mapping(gap, 0, UVMF_INVLPG), "unmapping the gap page failed");
	text = (char *)gap - LINE;		/* one line, the next page unmapped */
	for (i = 0; i < LINE; i++)
		text[i] = i == LINE - 1 ? '\n' : "console-edge "[i % 13];

	ROW("console_io write a line ending at an unmapped page", CIO(CONSOLEIO_write, LINE, text),
	    0);
	ROW("console_io write one byte more", CIO(CONSOLEIO_write, LINE + 1, text), -EFAULT);
	ROW("console_io write 2^31 bytes", CIO(CONSOLEIO_write, 0x80000000u, text), -EFAULT);
	ROW("console_io write 2^32 - 1 bytes", CIO(CONSOLEIO_write, 0xffffffffu, text), -EFAULT);
	ROW("console_io write 0 bytes at an unmapped page", CIO(CONSOLEIO_write, 0, gap), 0);
	ROW("console_io write around the top of the address space",
	    CIO(CONSOLEIO_write, 16, 0xfffffffffffffff8ULL), -EFAULT);
	ROW("console_io write past the lower half's end",
	    CIO(CONSOLEIO_write, 16, 0x00007ffffffffff8ULL), -EFAULT);
	ROW("console_io read 2^31 - 1 bytes into an unmapped page, no input",
	    CIO(CONSOLEIO_read, 0x7fffffffu, gap), 0);
	ROW("console_io read 2^32 - 1 bytes", CIO(CONSOLEIO_read, 0xffffffffu, text), -E2BIG);
	return conform_end("console");
}
