/* SPDX-License-Identifier: MIT */
/*
 * The PV console ring: one page shared by a guest and the console backend
 * in dom0. docs/abi-devices.md §4.5 and §5.4.
 *
 * Permission is hereby granted, free of charge, to any person obtaining a
 * copy of this file, to deal in it without restriction, including the
 * rights to use, copy, modify, merge, publish, distribute, sublicense and/or
 * sell copies, subject to this notice being included in all copies. THE FILE
 * IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.
 *
 * Two byte rings with free-running 32-bit indices; a byte's place is its
 * index masked by the ring's size. The guest produces `out` (its output)
 * and consumes `in` (keyboard input); the backend does the opposite. A
 * ring is sane while prod - cons <= its size. Either side notifies the
 * other over the console event channel after moving an index; there are no
 * event-index fields, so notifications are unconditional.
 *
 * A boot-time domain's primary console is this page, named by start_info
 * (console.domU.mfn/evtchn), and on Lamina also by grant entry
 * GNTTAB_RESERVED_CONSOLE (0), which lets dom0 map it with gntdev.
 */
#ifndef LAMINA_IO_CONSOLE_H
#define LAMINA_IO_CONSOLE_H

#include <lamina/types.h>

#define XENCONS_IN_SIZE		1024
#define XENCONS_OUT_SIZE	2048
#define MASK_XENCONS_IN(idx)	((idx) & (XENCONS_IN_SIZE - 1))
#define MASK_XENCONS_OUT(idx)	((idx) & (XENCONS_OUT_SIZE - 1))

struct xencons_interface {
	char in[XENCONS_IN_SIZE];	/* backend -> guest */
	char out[XENCONS_OUT_SIZE];	/* guest -> backend */
	uint32_t in_cons, in_prod;	/* 3072: guest, backend */
	uint32_t out_cons, out_prod;	/* 3080: backend, guest */
};

#endif
