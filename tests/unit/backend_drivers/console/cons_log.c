// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of backend_drivers/console/cons_log.c: the capped, rotated log. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../unit.h"
#include "../../../../backend_drivers/console/cons_log.h"

static char dir[] = "/tmp/cons_log.XXXXXX";
static char path[300], rotated[310];

static off_t size_of(const char *p)
{
	struct stat st;

	return stat(p, &st) ? -1 : st.st_size;
}

static void fresh(void)
{
	unlink(path);
	unlink(rotated);
}

/* Byte i of the guest's whole output, so any piece shows where it came from. */
static char byte_at(size_t i)
{
	return (char)('a' + (i / 7) % 26);
}

/* 40 times the cap in 2 KiB pieces: two files, each within the cap, and
 * together they end with the last bytes the guest wrote. */
static void capped_and_rotated(void)
{
	const off_t cap = 8192;
	static char piece[2048], tail[2 * 8192];
	struct cons_log l;
	size_t total = 0, k, old, cur;
	FILE *f;

	fresh();
	EXPECT_EQ(cons_log_open(&l, path, cap), 0);
	while (total < 40 * (size_t)cap) {
		for (k = 0; k < sizeof(piece); k++)
			piece[k] = byte_at(total + k);
		EXPECT_EQ(cons_log_write(&l, piece, 1500), 0);	/* not a divisor of the cap */
		total += 1500;
		EXPECT(size_of(path) <= cap && size_of(rotated) <= cap);
	}
	cons_log_close(&l);
	old = (size_t)size_of(rotated);
	cur = (size_t)size_of(path);
	EXPECT_EQ(old, cap);
	EXPECT(cur > 0 && cur <= (size_t)cap);
	f = fopen(rotated, "r");
	EXPECT(f && fread(tail, 1, old, f) == old);
	if (f)
		fclose(f);
	f = fopen(path, "r");
	EXPECT(f && fread(tail + old, 1, cur, f) == cur);
	if (f)
		fclose(f);
	for (k = 0; k < old + cur; k++)
		if (tail[k] != byte_at(total - (old + cur) + k)) {
			EXPECT(!"the two files are the end of the output, in order");
			break;
		}
}

/* A log left at its cap by an earlier run rotates at the first write. */
static void reopened_full(void)
{
	struct cons_log l;
	static char junk[4096];

	fresh();
	EXPECT_EQ(cons_log_open(&l, path, 4096), 0);
	EXPECT_EQ(cons_log_write(&l, junk, sizeof(junk)), 0);
	cons_log_close(&l);
	EXPECT_EQ(cons_log_open(&l, path, 4096), 0);
	EXPECT_EQ(l.size, 4096);
	EXPECT_EQ(cons_log_write(&l, "x", 1), 0);
	cons_log_close(&l);
	EXPECT_EQ(size_of(path), 1);
	EXPECT_EQ(size_of(rotated), 4096);
}

/* The log is a plain file: a symlink or a directory there is refused. */
static void only_plain_files(void)
{
	struct cons_log l;

	fresh();
	EXPECT(!symlink("/dev/null", path));
	EXPECT(cons_log_open(&l, path, 4096) < 0 && l.fd == -1);
	unlink(path);
	EXPECT(!mkdir(path, 0700));
	EXPECT(cons_log_open(&l, path, 4096) < 0 && l.fd == -1);
	rmdir(path);
}

static void sizes(void)
{
	EXPECT_EQ(cons_log_parse_size("1048576"), 1048576);
	EXPECT_EQ(cons_log_parse_size("512K"), 512 * 1024);
	EXPECT_EQ(cons_log_parse_size("4M"), 4 << 20);
	EXPECT_EQ(cons_log_parse_size("4095"), -1);		/* below the minimum */
	EXPECT_EQ(cons_log_parse_size("-1M"), -1);
	EXPECT_EQ(cons_log_parse_size("1G"), -1);
	EXPECT_EQ(cons_log_parse_size(""), -1);
	EXPECT_EQ(cons_log_parse_size("4M "), -1);
}

int main(void)
{
	unit_suite = "backend_drivers/console/cons_log";
	if (!mkdtemp(dir)) {
		printf("FAIL unit/%s: mkdtemp: %s\n", unit_suite, strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/d1.log", dir);
	snprintf(rotated, sizeof(rotated), "%s.1", path);
	RUN(capped_and_rotated);
	RUN(reopened_full);
	RUN(only_plain_files);
	RUN(sizes);
	fresh();
	rmdir(dir);
	return 0;
}
