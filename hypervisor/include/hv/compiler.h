/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Included first in every hypervisor C file (build.mk). The image is built
 * position-independent so that all code references are RIP-relative: the
 * hypervisor lives at 0xFFFF82..., outside the range the kernel code
 * model can address. Hidden visibility for everything, declarations
 * included, lets the linker turn GOT loads into direct lea/mov.
 */
#pragma GCC visibility push(hidden)
