// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of backend_drivers/common/be_stats.c (the backends' stats
 * files, docs/io-stats.md) read back with vmtop's own reader
 * (dom0_tools/vmtop/statsfile.c, included here), and of blkback's
 * counting of answered requests (blk_req_account in block/blk_req.c,
 * included too): the file appears at connection with zero counters, a
 * change inside a second waits for its time (be_stats_poll_ms says how
 * long) and is then written whole, closing removes the file and the
 * domain's directory once empty, and no .tmp is left behind.
 */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "../../unit.h"
#include "../../../../backend_drivers/common/be_stats.h"
#include "../../../../backend_drivers/block/blk_req.c"
#include "../../../../dom0_tools/vmtop/statsfile.c"

static char root[] = "/tmp/be-stats-unit-XXXXXX";
static const char *const keys[] = { "rd_req", "wr_bytes", "inflight" };

/*
 * The monotonic clock is the test's own: be_stats.c reads it through
 * clock_gettime(), which this definition takes the place of, and a nap
 * moves it on. Timing bounds are then exact however loaded the host is
 * (a real clock made them fail when the test was descheduled).
 */
static uint64_t fake_mono_ns = 1000ULL * 1000000000ULL;

int clock_gettime(clockid_t clock, struct timespec *ts)
{
	if (clock != CLOCK_MONOTONIC)
		return (int)syscall(SYS_clock_gettime, clock, ts);
	ts->tv_sec = (time_t)(fake_mono_ns / 1000000000ULL);
	ts->tv_nsec = (long)(fake_mono_ns % 1000000000ULL);
	return 0;
}

static void nap_ns(uint64_t ns)
{
	fake_mono_ns += ns;
}

static void nap_ms(long ms)
{
	nap_ns((uint64_t)ms * 1000000ULL);
}

/* Domain @domid's devices as vmtop reads them. */
static struct vt_dom read_back(unsigned int domid)
{
	struct vt_dom d;

	memset(&d, 0, sizeof(d));
	EXPECT_EQ(vt_read_stats_dir(root, domid, &d), 0);
	return d;
}

static uint64_t value(const struct vt_dev *d, const char *key)
{
	unsigned int k;

	for (k = 0; k < d->nkeys; k++)
		if (!strcmp(d->key[k], key))
			return d->val[k];
	return ~0ULL;
}

static unsigned int entries(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	unsigned int n = 0;

	if (!dp)
		return 0;
	while ((e = readdir(dp)))
		n += e->d_name[0] != '.';
	closedir(dp);
	return n;
}

static void lifecycle(void)
{
	struct be_stats a, b;
	struct vt_dom d;
	char dir[300];

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.v[0] = 99;				/* counters start from 0 */
	EXPECT_EQ(be_stats_open(&a, "vbd", 7, 51712, keys, 3), 0);
	EXPECT_EQ(be_stats_open(&b, "vif", 7, 0, keys, 2), 0);
	d = read_back(7);
	EXPECT_EQ(d.ndev, 2);
	EXPECT_EQ(strcmp(d.dev[0].type, "vbd"), 0);
	EXPECT_EQ(d.dev[0].devid, 51712);
	EXPECT_EQ(d.dev[0].nkeys, 3);
	EXPECT_EQ(value(&d.dev[0], "rd_req"), 0);
	EXPECT_EQ(strcmp(d.dev[1].type, "vif"), 0);
	EXPECT_EQ(d.dev[1].nkeys, 2);
	EXPECT_EQ(be_stats_poll_ms(), -1);	/* nothing pending */

	/* Within the second: not yet written, due in at most a second. */
	a.v[0] = 5;
	a.v[1] = 1ULL << 40;
	be_stats_changed(&a);
	d = read_back(7);
	EXPECT_EQ(value(&d.dev[0], "rd_req"), 0);
	EXPECT(be_stats_poll_ms() > 0 && be_stats_poll_ms() <= 1000);
	be_stats_flush_due();			/* not due yet */
	d = read_back(7);
	EXPECT_EQ(value(&d.dev[0], "rd_req"), 0);
	nap_ms(be_stats_poll_ms() + 5);
	EXPECT_EQ(be_stats_poll_ms(), 0);
	be_stats_flush_due();
	d = read_back(7);
	EXPECT_EQ(value(&d.dev[0], "rd_req"), 5);
	EXPECT_EQ(value(&d.dev[0], "wr_bytes"), 1ULL << 40);
	EXPECT_EQ(be_stats_poll_ms(), -1);

	/*
	 * A second after the last write: a change is not written by
	 * be_stats_changed() itself (that is the request's path), but once
	 * the device has been quiet for BE_STATS_QUIET_NS.
	 */
	nap_ms(1010);
	a.v[2] = 3;
	be_stats_changed(&a);
	d = read_back(7);
	EXPECT_EQ(value(&d.dev[0], "inflight"), 0);
	EXPECT(be_stats_poll_ms() >= 0 && be_stats_poll_ms() <= (int)(BE_STATS_QUIET_NS / 1000000));
	nap_ms(be_stats_poll_ms() + 2);
	be_stats_flush_due();
	d = read_back(7);
	EXPECT_EQ(value(&d.dev[0], "inflight"), 3);

	/* Changes that never pause are written BE_STATS_LATE_NS after the second at the latest. */
	{
		struct timespec t0, t;
		long ms = 0;

		a.v[2] = 4;
		be_stats_changed(&a);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (value(&read_back(7).dev[0], "inflight") != 4 && ms < 3000) {
			nap_ns(BE_STATS_QUIET_NS / 2);	/* half the quiet time */
			be_stats_changed(&a);
			be_stats_flush_due();
			clock_gettime(CLOCK_MONOTONIC, &t);
			ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		}
		EXPECT_EQ(value(&read_back(7).dev[0], "inflight"), 4);
		EXPECT(ms >= 900 && ms <= (long)((BE_STATS_EVERY_NS + BE_STATS_LATE_NS) / 1000000) + 200);
	}

	snprintf(dir, sizeof(dir), "%s/7", root);
	EXPECT_EQ(entries(dir), 2);		/* no .tmp left */
	be_stats_close(&a);
	EXPECT_EQ(read_back(7).ndev, 1);
	be_stats_changed(&a);			/* closed: nothing happens */
	EXPECT_EQ(entries(dir), 1);
	be_stats_close(&b);
	EXPECT(access(dir, F_OK) != 0);		/* the empty directory goes */
	be_stats_close(&b);			/* twice: harmless */
}

/* The directory tree made when missing, even if removed while open. */
static void directories(void)
{
	struct be_stats a;
	char dir[300];

	memset(&a, 0, sizeof(a));
	EXPECT_EQ(be_stats_open(&a, "vbd", 3, 768, keys, 1), 0);
	snprintf(dir, sizeof(dir), "%s/3/vbd-768", root);
	EXPECT_EQ(unlink(dir), 0);
	snprintf(dir, sizeof(dir), "%s/3", root);
	EXPECT_EQ(rmdir(dir), 0);
	nap_ms(1010);
	a.v[0] = 1;
	be_stats_changed(&a);
	nap_ms(be_stats_poll_ms() + 2);
	be_stats_flush_due();
	EXPECT_EQ(value(&read_back(3).dev[0], "rd_req"), 1);
	be_stats_close(&a);
}

static void blk_accounting(void)
{
	static const struct { enum blk_kind kind; uint64_t sectors; int status; } answered[] = {
		{ BLK_READ, 8, BLKIF_RSP_OKAY }, { BLK_WRITE, 128, BLKIF_RSP_OKAY },
		{ BLK_FLUSH, 0, BLKIF_RSP_OKAY }, { BLK_DISCARD, 1000, BLKIF_RSP_OKAY },
		{ BLK_READ, 1000, BLKIF_RSP_ERROR },
	};
	const unsigned int n = sizeof(answered) / sizeof(answered[0]);
	uint64_t v[BLK_ST_NR] = { 0 };
	struct blk_io io;
	unsigned int i;

	memset(&io, 0, sizeof(io));
	for (i = 0; i < n; i++) {
		io.kind = answered[i].kind;
		io.nr_sectors = answered[i].sectors;
		blk_req_account(v, &io, answered[i].status, n - 1 - i);	/* the last: 0 left */
	}
	EXPECT_EQ(v[BLK_ST_RD_REQ], 1);
	EXPECT_EQ(v[BLK_ST_RD_BYTES], 4096);
	EXPECT_EQ(v[BLK_ST_WR_REQ], 1);
	EXPECT_EQ(v[BLK_ST_WR_BYTES], 65536);
	EXPECT_EQ(v[BLK_ST_FLUSH], 1);
	EXPECT_EQ(v[BLK_ST_DISCARD], 1);
	EXPECT_EQ(v[BLK_ST_ERRORS], 1);
	EXPECT_EQ(v[BLK_ST_INFLIGHT], 0);
	EXPECT_EQ(strcmp(blk_stat_keys[BLK_ST_INFLIGHT], "inflight"), 0);
}

int main(void)
{
	if (!mkdtemp(root))
		return 1;
	setenv("LAMINA_STATS_DIR", root, 1);
	unit_suite = "backend_drivers/common/be_stats";
	RUN(lifecycle);
	RUN(directories);
	RUN(blk_accounting);
	rmdir(root);
	return 0;
}
