/* SPDX-License-Identifier: GPL-2.0-only */
/* Instruction prefixes, for the emulators (emul_priv.c, ptwr.c). */
#ifndef ASM_X86_PREFIXES_H
#define ASM_X86_PREFIXES_H

#include <hv/lib.h>

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };

/*
 * The prefixes before an opcode, read as the CPU reads them: any number
 * of legacy prefixes in any order (the last segment override counts),
 * and in 64-bit code REX bytes, of which only one right before the
 * opcode counts (a legacy prefix after a REX cancels it). The 15-byte
 * limit is the caller's: it never has more bytes than that.
 */
struct x86_prefixes {
	unsigned int len;	/* bytes of prefixes */
	unsigned int seg;	/* segment override, SEG_DS without one */
	uint8_t rex;
	bool opsize, addrsize, rep, lock;
};

static inline void x86_scan_prefixes(const uint8_t *b, unsigned int avail, bool is64,
			  struct x86_prefixes *p)
{
	static const uint8_t segs[] = { 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65 };
	unsigned int i, s;

	*p = (struct x86_prefixes){ .seg = SEG_DS };
	for (i = 0; i < avail; i++) {
		if (is64 && (b[i] & 0xF0) == 0x40) {
			p->rex = b[i];
			continue;
		}
		for (s = 0; s < ARRAY_SIZE(segs) && segs[s] != b[i]; s++)
			;
		if (s < ARRAY_SIZE(segs))
			p->seg = s;
		else if (b[i] == 0x66)
			p->opsize = true;
		else if (b[i] == 0x67)
			p->addrsize = true;
		else if (b[i] == 0xF2 || b[i] == 0xF3)
			p->rep = true;
		else if (b[i] == 0xF0)
			p->lock = true;
		else
			break;
		p->rex = 0;
	}
	p->len = i;
}

#endif
