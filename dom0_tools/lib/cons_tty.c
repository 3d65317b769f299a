// SPDX-License-Identifier: GPL-2.0-only
/* Opening consoled's terminal safely (cons_tty.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "cons_tty.h"

#define PTS_DIR			"/dev/pts/"
#define PTY_SLAVE_MAJOR_FIRST	136	/* Unix98 pty slaves: majors 136-143 */
#define PTY_SLAVE_MAJOR_LAST	143

bool cons_tty_name_ok(const char *path)
{
	const char *p;
	size_t digits = 0;

	if (strncmp(path, PTS_DIR, strlen(PTS_DIR)))
		return false;
	p = path + strlen(PTS_DIR);
	while (p[digits] >= '0' && p[digits] <= '9')
		digits++;
	return digits > 0 && digits <= 9 && !p[digits];
}

int cons_tty_open(const char *path)
{
	struct stat st;
	int fd;

	if (!cons_tty_name_ok(path))
		return -EPERM;
	fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISCHR(st.st_mode) ||
	    major(st.st_rdev) < PTY_SLAVE_MAJOR_FIRST || major(st.st_rdev) > PTY_SLAVE_MAJOR_LAST) {
		close(fd);
		return -ENOTTY;
	}
	return fd;
}
