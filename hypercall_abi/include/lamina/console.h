/* SPDX-License-Identifier: MIT */
/*
 * console_io (hypercall 18): long console_io(int cmd, int count, char *buf).
 * docs/abi-core.md §2.24.
 *  1. CONSOLEIO_write prints count bytes of buf on the hypervisor console
 *     and returns 0. A bad pointer gives -EFAULT; nothing is printed.
 *  2. CONSOLEIO_read copies up to count bytes of console input into buf and
 *     returns how many (possibly 0); dom0 only.
 */
#ifndef LAMINA_CONSOLE_H
#define LAMINA_CONSOLE_H

#define CONSOLEIO_write		0
#define CONSOLEIO_read		1

#endif
