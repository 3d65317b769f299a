/* SPDX-License-Identifier: GPL-2.0-only */
/* vmctl's commands: one file each (cmd_<verb>.c), listed in main.c. */
#ifndef VMCTL_H
#define VMCTL_H

#include <stdio.h>
#include "libvmctl.h"

/* argv[0] is the verb; the exit status: 0, 1 failed, 2 bad usage. */
int cmd_list(int argc, char **argv);
int cmd_introduce(int argc, char **argv);
int cmd_params(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_shutdown(int argc, char **argv);

void vmctl_usage(FILE *f);

#endif
