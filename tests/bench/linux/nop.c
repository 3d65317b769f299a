// SPDX-License-Identifier: GPL-2.0-only
/*
 * The program fork + exec of tests/bench/linux/syscalls.c runs: static,
 * no C library, it only exits, so the figure is the kernel's (and the
 * hypervisor's) cost of the exec, not a C library's start-up.
 */
void _start(void)
{
	asm volatile("syscall" :: "a"(60L), "D"(0L) : "rcx", "r11", "memory");
	for (;;)
		;
}
