/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A backend device's I/O counters as a stats file (docs/io-stats.md):
 * DIR/<domid>/<type>-<devid>, "key value" lines, for vmtop and scripts.
 * DIR is $LAMINA_STATS_DIR, else /run/lamina/stats. The backend bumps
 * its counters in v[] as it answers requests and calls be_stats_changed();
 * the file is rewritten (whole, to a .tmp then renamed over) at most once
 * a second, and never from be_stats_changed() itself: a change is written
 * when it is due (a second after the last write, once the device has been
 * quiet for BE_STATS_QUIET_NS, at the latest BE_STATS_LATE_NS after the
 * second), so the backend's poll waits at most be_stats_poll_ms() and
 * then calls be_stats_flush_due(). Writing is best effort: a full /run
 * costs the statistics, never the device.
 */
#ifndef BE_STATS_H
#define BE_STATS_H

#include <stdbool.h>
#include <stdint.h>

#define BE_STATS_MAX	12		/* keys per file (what vmtop reads) */
#define BE_STATS_DIR	"/run/lamina/stats"
#define BE_STATS_EVERY_NS	1000000000ULL
#define BE_STATS_QUIET_NS	1000000ULL	/* no change for this long before a write */
#define BE_STATS_LATE_NS	100000000ULL	/* ... unless the second is this much past */

struct be_stats {
	uint64_t v[BE_STATS_MAX];	/* the backend's counters, by its key order */
	/* be_stats' own */
	const char *const *keys;	/* nkeys names of [a-z0-9_], at most 15 characters */
	unsigned int nkeys;
	char dir[200], path[240];
	uint64_t written_ns;		/* when the file was last written */
	uint64_t changed_ns;		/* the last be_stats_changed() */
	bool open, dirty;
	struct be_stats *next;		/* the open ones, for be_stats_flush_due */
};

/*
 * Counters from 0, the directory made, the first file written. @keys
 * must outlive @s. 0, or -errno (the file could not be made: @s is still
 * usable, and kept trying).
 */
int be_stats_open(struct be_stats *s, const char *type, unsigned int domid, unsigned int devid,
		  const char *const *keys, unsigned int nkeys);
/* v[] changed: the file is rewritten when due (be_stats_flush_due), never here. */
void be_stats_changed(struct be_stats *s);
/* Milliseconds until a pending write is due, -1 when none is (poll's timeout). */
int be_stats_poll_ms(void);
/* Writes every pending file that is due. */
void be_stats_flush_due(void);
/* The file removed, and its domain's directory when that is empty. */
void be_stats_close(struct be_stats *s);

#endif
