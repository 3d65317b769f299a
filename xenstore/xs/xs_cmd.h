/* SPDX-License-Identifier: MIT */
/* The xs tool: one table of verbs (main.c), the verbs in cmd_*.c. */
#ifndef XS_CMD_H
#define XS_CMD_H

#include "xs.h"

/* Exit codes: what a shell user expects. */
#define XS_EXIT_OK	0
#define XS_EXIT_FAIL	1	/* the store said no, or the daemon is gone */
#define XS_EXIT_USAGE	2

/* argv[0] is the verb; returns an exit code. */
typedef int (*xs_cmd_fn)(struct xs_handle *h, int argc, char **argv);

int cmd_read(struct xs_handle *h, int argc, char **argv);
int cmd_write(struct xs_handle *h, int argc, char **argv);
int cmd_rm_mkdir(struct xs_handle *h, int argc, char **argv);
int cmd_chmod(struct xs_handle *h, int argc, char **argv);
int cmd_perms(struct xs_handle *h, int argc, char **argv);
int cmd_ls(struct xs_handle *h, int argc, char **argv);
int cmd_watch(struct xs_handle *h, int argc, char **argv);
int cmd_domain(struct xs_handle *h, int argc, char **argv);
int cmd_control(struct xs_handle *h, int argc, char **argv);

/* "xs: <verb> <what>: <strerror>" on stderr; returns XS_EXIT_FAIL. */
int xs_fail(const char *verb, const char *what, int rc);
int xs_usage_error(const char *verb);

#endif
