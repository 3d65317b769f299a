/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The terminal consoled names in console/tty, as its readers open it.
 * `vmctl console` runs as root, so it opens only what consoled can have
 * made: a Unix98 pseudo-terminal's slave, /dev/pts/<n>, checked by name
 * before the open and as a device after it.
 */
#ifndef CONS_TTY_H
#define CONS_TTY_H

#include <stdbool.h>

/* "/dev/pts/" and a number, nothing else. */
bool cons_tty_name_ok(const char *path);
/* Opens @path read-write if it is a pty slave; the fd, or -errno (-EPERM: bad name). */
int cons_tty_open(const char *path);

#endif
