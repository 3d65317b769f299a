// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of dom0_tools/lib/cons_tty.c: only a pty slave opens. */
#define _GNU_SOURCE		/* posix_openpt, ptsname */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "../../unit.h"
#include "../../../../dom0_tools/lib/cons_tty.h"

static void names(void)
{
	EXPECT(cons_tty_name_ok("/dev/pts/0"));
	EXPECT(cons_tty_name_ok("/dev/pts/42"));
	EXPECT(!cons_tty_name_ok("/dev/pts/"));
	EXPECT(!cons_tty_name_ok("/dev/pts/ptmx"));
	EXPECT(!cons_tty_name_ok("/dev/pts/1/../../../etc/shadow"));
	EXPECT(!cons_tty_name_ok("/dev/pts/../sda"));
	EXPECT(!cons_tty_name_ok("/dev/sda"));
	EXPECT(!cons_tty_name_ok("/etc/shadow"));
	EXPECT(!cons_tty_name_ok("dev/pts/1"));
	EXPECT(!cons_tty_name_ok("/dev/pts/1 "));
	EXPECT(!cons_tty_name_ok("/dev/pts/1234567890"));
	EXPECT(!cons_tty_name_ok(""));
}

/* A guest-chosen path is refused before anything is opened. */
static void refused_unopened(void)
{
	EXPECT_EQ(cons_tty_open("/etc/passwd"), -EPERM);
	EXPECT_EQ(cons_tty_open("/dev/null"), -EPERM);
	EXPECT_EQ(cons_tty_open("/dev/pts/ptmx"), -EPERM);
	EXPECT_EQ(cons_tty_open("/dev/pts/999999999"), -ENOENT);
}

/* What consoled makes (posix_openpt's slave) opens. */
static void pty_slave_opens(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY), fd;
	const char *name;

	if (m < 0 || grantpt(m) || unlockpt(m) || !(name = ptsname(m))) {
		printf("note: no pseudo-terminals here; pty_slave_opens checks names only\n");
		EXPECT(cons_tty_name_ok("/dev/pts/3"));
		if (m >= 0)
			close(m);
		return;
	}
	EXPECT(cons_tty_name_ok(name));
	fd = cons_tty_open(name);
	EXPECT(fd >= 0);
	if (fd >= 0) {
		EXPECT(isatty(fd));
		close(fd);
	}
	close(m);
}

UNIT_MAIN("dom0_tools/lib/cons_tty", UNIT_TEST(names), UNIT_TEST(refused_unopened),
	  UNIT_TEST(pty_slave_opens))
