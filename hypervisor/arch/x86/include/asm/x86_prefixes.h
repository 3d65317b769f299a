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
	unsigned int i;

	*p = (struct x86_prefixes){ .seg = SEG_DS };
	for (i = 0; i < avail; i++) {
		switch (b[i]) {
		case 0x26: p->seg = SEG_ES; break;
		case 0x2E: p->seg = SEG_CS; break;
		case 0x36: p->seg = SEG_SS; break;
		case 0x3E: p->seg = SEG_DS; break;
		case 0x64: p->seg = SEG_FS; break;
		case 0x65: p->seg = SEG_GS; break;
		case 0x66: p->opsize = true; break;
		case 0x67: p->addrsize = true; break;
		case 0xF0: p->lock = true; break;
		case 0xF2:
		case 0xF3: p->rep = true; break;
		default:
			if (!is64 || (b[i] & 0xF0) != 0x40)
				goto out;
			p->rex = b[i];	/* counts only right before the opcode */
			continue;
		}
		p->rex = 0;
	}
out:
	p->len = i;
}

#endif
