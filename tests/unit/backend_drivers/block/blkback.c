// SPDX-License-Identifier: GPL-2.0-only
/*
 * blkback's turn limit (CONSUME_ROUNDS, issue 18): a frontend that keeps
 * its ring full must not keep blkback from serving another domain's disk.
 *
 * The real backend_drivers/block/blkback.c, main loop and all, runs on the
 * host against a fake dom0 (../fake_dom0.h) with two disks: d1's frontend
 * floods (every answer it is notified of, it puts as many new requests on
 * its ring as fit, as a guest that the event runs at once on a one-CPU
 * machine does: blkback's turn then never finds the ring empty), while
 * d2's frontend, from time to time in the middle of the flood, reads one
 * sector of its own disk. Checked:
 *   - d2 is answered, with its own disk's data, within two of d1's turns
 *     (CONSUME_ROUNDS rounds of at most a ring's worth each) of its event;
 *   - d1 is still served after d2's last answer (a turn that ended at the
 *     limit is owed another: d1 sends no event for requests already on
 *     its ring), and every request of both is answered OKAY;
 *   - blkback never sleeps with requests left on a ring.
 * The images are in /dev/shm (tmpfs): blkback offers them no persistent
 * grants and grant-copies between the guest's pages and the image's
 * mapping, so nothing waits for I/O (blkback.c's mem_batch).
 *
 * round_batch_bad_ref_fails_alone: one round of reads and writes of such
 * an image, gathered into grant copies (one per change of direction): a
 * read after a write of the same sectors sees the write, a bad ref fails
 * its own request only (a write with one writes nothing), a good request
 * after it is served; every copy by ref on both sides, through blkback's
 * pool of pages granted to dom0 (mb_pool).
 * round_without_pool_answers_alike: the same with gntalloc refusing the
 * pool: the copies name the image's pages (gntdev pins them), no copy
 * goes by ref on our side, the answers and data are the same.
 * yield_gathers_a_queue: blkback as started (the yield is its default) with a frontend that refills a queue of
 * 32 whenever it gets the CPU (as fio at depth 32 on one CPU): after the
 * first, every round takes 32 requests, with one grant copy and one event.
 * Deterministic: one thread, no timing.
 */
#include <poll.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include "../../unit.h"
#include "../fake_dom0.h"

#define main blkback_main
#define poll fd_poll
#include "../../../../backend_drivers/block/blkback.c"
#undef poll
#undef main

#define IMG_SECTORS	2048		/* 1 MiB images */
#define RING_SLOTS	32		/* blkif_ring_size(1) */
#define PORT		5		/* the frontends' event channel */
#define VICTIM_READS	6
#define VICTIM_EVERY	1000		/* d1's answers between two of d2's reads */
/* d2 waits at most the turn its event came in and one more. */
#define MAX_WAIT	(2UL * CONSUME_ROUNDS * RING_SLOTS + RING_SLOTS)
_Static_assert(CONSUME_ROUNDS >= 1 && CONSUME_ROUNDS <= 256,
	       "a turn of more than 256 rounds (8192 requests) keeps the other disks waiting too long");

struct fe {
	unsigned int domid;
	struct fd_guest *g;
	volatile struct sring_hdr *s;
	uint32_t req_prod_pvt, rsp_cons;
	unsigned long sent, answered, bad;
	uint64_t last_sector;		/* d2: the sector of its read */
};

static struct fe flood, victim;
static char img_flood[64], img_victim[64];
static bool flooding;
static unsigned long posted_at, max_wait, waits[VICTIM_READS], flood_after;
static unsigned int victim_done;
static bool victim_out, victim_data_bad;

static const char *const fe_nodes[] = { "ring-ref", "0", "event-channel", "5",
					"feature-persistent", "1", NULL };
static const char *const be_flood[] = { "params", img_flood, "mode", "w", NULL };
static const char *const be_victim[] = { "params", img_victim, "mode", "w", NULL };
static struct fd_device dev_flood = { 1, 51712, be_flood, fe_nodes, NULL };
static struct fd_device dev_victim = { 2, 51712, be_victim, fe_nodes, NULL };

/* A frontend with @pages pages: page 0 the ring, the others its data. */
static void fe_init_pages(struct fe *f, unsigned int domid, unsigned int pages)
{
	memset(f, 0, sizeof(*f));
	f->domid = domid;
	f->g = fd_guest_new(domid, pages);
	f->s = fd_page(f->g, 0);
	f->s->req_event = 1;
	f->s->rsp_event = 1;
}

static void fe_init(struct fe *f, unsigned int domid)
{
	fe_init_pages(f, domid, 8);	/* page 1: the data */
}

/* One READ of a sector into page 1. */
static void fe_put(struct fe *f, uint64_t sector)
{
	union blkif_slot *sl = blkif_slot((void *)f->s, RING_SLOTS, f->req_prod_pvt++);

	memset(sl, 0, sizeof(*sl));
	sl->req.operation = BLKIF_OP_READ;
	sl->req.nr_segments = 1;
	sl->req.id = f->sent++;
	sl->req.sector_number = sector;
	sl->req.seg[0] = (struct blkif_request_segment){ .gref = 1, .first_sect = 0, .last_sect = 0 };
}

/* Publishes, and notifies if the backend asked (RING_PUSH_REQUESTS_AND_CHECK_NOTIFY): true if so. */
static bool fe_push(struct fe *f)
{
	uint32_t old = f->s->req_prod, new = f->req_prod_pvt;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	f->s->req_prod = new;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if ((uint32_t)(new - f->s->req_event) >= (uint32_t)(new - old))
		return false;
	fd_raise(f->domid, PORT);
	return true;
}

/* Takes the answers, and asks for an event at the next one. */
static void fe_reap(struct fe *f)
{
	while (f->rsp_cons != f->s->rsp_prod) {
		union blkif_slot *sl = blkif_slot((void *)f->s, RING_SLOTS, f->rsp_cons++);

		f->answered++;
		if (sl->rsp.status != BLKIF_RSP_OKAY || sl->rsp.operation != BLKIF_OP_READ)
			f->bad++;
	}
	f->s->rsp_event = f->rsp_cons + 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void victim_read(void)
{
	victim.last_sector = 7 * victim_done + 3;
	fe_put(&victim, victim.last_sector);
	posted_at = flood.answered;
	victim_out = true;
	fe_push(&victim);
}

static void on_notify(unsigned int domid, unsigned int remote)
{
	(void)remote;
	if (domid == 2) {
		const uint8_t *p = fd_page(victim.g, 1);
		uint64_t tag;

		fe_reap(&victim);
		if (!victim_out || victim.answered != victim.sent)
			return;
		memcpy(&tag, p, sizeof(tag));
		if (tag != victim.last_sector || p[511] != 0xd2)
			victim_data_bad = true;
		waits[victim_done] = flood.answered - posted_at;
		if (waits[victim_done] > max_wait)
			max_wait = waits[victim_done];
		victim_out = false;
		victim_done++;
		return;
	}
	fe_reap(&flood);
	if (victim_out && flood.answered - posted_at > MAX_WAIT && flooding) {
		snprintf(fd_error, sizeof(fd_error), "d2's read waited for more than %lu of d1's "
			 "requests (two turns): starved", MAX_WAIT);
		flooding = false;	/* let blkback's turn end, so the test does */
		be_daemon_stopping = 1;
	}
	if (!victim_out && victim_done < VICTIM_READS &&
	    flood.answered >= (victim_done + 1) * VICTIM_EVERY + 13 * victim_done)
		victim_read();
	if (victim_done == VICTIM_READS && !flood_after)
		flood_after = flood.answered;
	if (flood_after && flood.answered > flood_after + 4 * CONSUME_ROUNDS * RING_SLOTS)
		flooding = false;	/* d1 was served well past d2's last read: done */
	if (!flooding)
		return;
	while (flood.req_prod_pvt - flood.rsp_cons < RING_SLOTS)
		fe_put(&flood, flood.sent % IMG_SECTORS);
	fe_push(&flood);
}

static void on_connected(void)
{
	flooding = true;
	while (flood.req_prod_pvt - flood.rsp_cons < RING_SLOTS)
		fe_put(&flood, flood.sent % IMG_SECTORS);
	fe_push(&flood);	/* req_event is 1: an event */
}

/* Asleep only with every request answered. */
static bool on_sleep(void)
{
	return flood.answered == flood.sent && victim.answered == victim.sent && !flooding;
}

static int make_image(char *path, size_t len, const char *name, uint8_t fill)
{
	uint8_t sec[512];
	uint64_t s;
	FILE *f;

	snprintf(path, len, "/dev/shm/%s-%d", name, (int)getpid());
	f = fopen(path, "w");
	if (!f)
		return -1;
	for (s = 0; s < IMG_SECTORS; s++) {
		memset(sec, fill, sizeof(sec));
		memcpy(sec, &s, sizeof(s));
		if (fwrite(sec, sizeof(sec), 1, f) != 1)
			break;
	}
	return fclose(f) || s != IMG_SECTORS ? -1 : 0;
}

static void flood_leaves_others_served(void)
{
	char *argv[] = { "blkback", NULL };
	struct statfs sf;
	int rc;

	if (statfs("/dev/shm", &sf) || sf.f_type != TMPFS_MAGIC) {
		printf("SKIP unit/blkback/flood_leaves_others_served: /dev/shm is not tmpfs (the flood "
		       "needs blkback's in-memory path, which never waits for I/O)\n");
		return;
	}
	EXPECT(!make_image(img_flood, sizeof(img_flood), "blkback-flood", 0xd1));
	EXPECT(!make_image(img_victim, sizeof(img_victim), "blkback-victim", 0xd2));
	fe_init(&flood, 1);
	fe_init(&victim, 2);
	fd_add_device(&dev_flood);
	fd_add_device(&dev_victim);
	fd_on_notify = on_notify;
	fd_on_connected = on_connected;
	fd_on_sleep = on_sleep;
	rc = blkback_main(1, argv);
	unlink(img_flood);
	unlink(img_victim);
	printf("blkback flood: d1 %lu requests answered, d2 %u reads, the longest after %lu of "
	       "d1's (at most %lu), d1 %lu more after d2's last\n", flood.answered, victim_done,
	       max_wait, MAX_WAIT, flood_after ? flood.answered - flood_after : 0);
	if (fd_error[0])
		UNIT_FAIL(fd_error);
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(victim_done, VICTIM_READS);
	EXPECT(max_wait <= MAX_WAIT);
	EXPECT(!victim_data_bad);
	EXPECT(flood_after && flood.answered > flood_after + 4 * CONSUME_ROUNDS * RING_SLOTS);
	EXPECT_EQ(flood.bad + victim.bad, 0);
	EXPECT_EQ(flood.answered, flood.sent);
	EXPECT_EQ(fd_broken, 0);
	/*
	 * One queue offered, as Linux's xen-blkback offers its count:
	 * Unikraft's blkfront reads the node before anything else.
	 */
	EXPECT(fd_be_node(1, 51712, "multi-queue-max-queues") &&
	       !strcmp(fd_be_node(1, 51712, "multi-queue-max-queues"), "1"));
	EXPECT(fd_be_node(2, 51712, "max-ring-page-order") != NULL);
	/* In memory (tmpfs): no persistent grants offered (--persistent=auto). */
	EXPECT(fd_be_node(1, 51712, "feature-persistent") &&
	       !strcmp(fd_be_node(1, 51712, "feature-persistent"), "0"));
}

/* ---- one round, gathered ---- */

#define RB_REQS		5
static struct fe rb;
static char img_rb[64];
static int rb_status[RB_REQS];
static unsigned long rb_copies;
static const char *const be_rb[] = { "params", img_rb, "mode", "w", NULL };
static struct fd_device dev_rb = { 3, 51712, be_rb, fe_nodes, NULL };

/* A request of @nseg whole pages at @sector, page i's ref refs[i]. */
static void rb_put(uint8_t op, uint64_t sector, unsigned int nseg, const uint32_t *refs)
{
	union blkif_slot *sl = blkif_slot((void *)rb.s, RING_SLOTS, rb.req_prod_pvt++);
	unsigned int i;

	memset(sl, 0, sizeof(*sl));
	sl->req.operation = op;
	sl->req.nr_segments = (uint8_t)nseg;
	sl->req.id = rb.sent++;
	sl->req.sector_number = sector;
	for (i = 0; i < nseg; i++)
		sl->req.seg[i] = (struct blkif_request_segment){ .gref = refs[i], .first_sect = 0,
								 .last_sect = 7 };
}

static void rb_connected(void)
{
	static const uint32_t w1[] = { 1 }, r2[] = { 2 }, bad[] = { 100 }, r34[] = { 3, 4 },
		w5bad[] = { 5, 200 };

	memset(fd_page(rb.g, 1), 0xa1, 4096);
	rb_put(BLKIF_OP_WRITE, 16, 1, w1);	/* 0: ok */
	rb_put(BLKIF_OP_READ, 16, 1, r2);	/* 1: ok, sees 0's data */
	rb_put(BLKIF_OP_READ, 0, 1, bad);	/* 2: a ref never granted: error */
	rb_put(BLKIF_OP_READ, 24, 2, r34);	/* 3: ok, the image's sectors 24..39 */
	rb_put(BLKIF_OP_WRITE, 40, 2, w5bad);	/* 4: one bad ref of two: error */
	fe_push(&rb);
}

static void rb_notify(unsigned int domid, unsigned int remote)
{
	(void)domid, (void)remote;
	while (rb.rsp_cons != rb.s->rsp_prod) {
		union blkif_slot *sl = blkif_slot((void *)rb.s, RING_SLOTS, rb.rsp_cons++);

		rb.answered++;
		if (sl->rsp.id < RB_REQS)
			rb_status[sl->rsp.id] = sl->rsp.status;
	}
	rb.s->rsp_event = rb.rsp_cons + 1;
}

static void rb_copy(void)
{
	rb_copies++;
}

static bool rb_sleep(void)
{
	return rb.answered == rb.sent;
}

/*
 * The round above, on the pool granted to dom0 (@refuse 0: both sides of
 * every copy by ref) or without it (@refuse: gntalloc's answer; gntdev
 * then pins the image's pages): the same answers and data either way.
 */
static bool rb_pool_seen;

static bool rb_sleep_pool(void)
{
	rb_pool_seen |= mb_pool.addr != NULL;
	return rb_sleep();
}

static void run_round(const char *name, int refuse)
{
	char *argv[] = { "blkback", NULL };
	uint64_t tag;
	uint8_t sec[512], sec40[512];
	struct statfs sf;
	FILE *f;
	int rc, i;

	if (statfs("/dev/shm", &sf) || sf.f_type != TMPFS_MAGIC) {
		printf("SKIP unit/blkback/%s: /dev/shm is not tmpfs\n", name);
		return;
	}
	fd_reset();
	fd_selfbuf_refuse = refuse;
	rb_copies = 0;
	rb_pool_seen = false;
	memset(&rb, 0, sizeof(rb));
	memset(rb_status, 0x7f, sizeof(rb_status));
	EXPECT(!make_image(img_rb, sizeof(img_rb), "blkback-round", 0xd3));
	fe_init(&rb, 3);
	fd_add_device(&dev_rb);
	fd_on_notify = rb_notify;
	fd_on_connected = rb_connected;
	fd_on_copy = rb_copy;
	fd_on_sleep = rb_sleep_pool;
	rc = blkback_main(1, argv);
	f = fopen(img_rb, "r");
	EXPECT(f && !fseek(f, 16 * 512, SEEK_SET) && fread(sec, sizeof(sec), 1, f) == 1);
	EXPECT(f && !fseek(f, 40 * 512, SEEK_SET) && fread(sec40, sizeof(sec40), 1, f) == 1);
	EXPECT(sec[0] == 0xa1 && sec[511] == 0xa1);
	if (f)
		fclose(f);
	unlink(img_rb);
	if (fd_error[0])
		UNIT_FAIL(fd_error);
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(rb.answered, RB_REQS);
	EXPECT_EQ(rb_status[0], BLKIF_RSP_OKAY);
	EXPECT_EQ(rb_status[1], BLKIF_RSP_OKAY);
	EXPECT_EQ(rb_status[2], BLKIF_RSP_ERROR);
	EXPECT_EQ(rb_status[3], BLKIF_RSP_OKAY);
	EXPECT_EQ(rb_status[4], BLKIF_RSP_ERROR);
	for (i = 0; i < 4096; i += 1024)
		EXPECT_EQ(((uint8_t *)fd_page(rb.g, 2))[i], 0xa1);
	memcpy(&tag, fd_page(rb.g, 3), sizeof(tag));
	EXPECT_EQ(tag, 24);
	memcpy(&tag, fd_page(rb.g, 4), sizeof(tag));
	EXPECT_EQ(tag, 32);
	EXPECT_EQ(((uint8_t *)fd_page(rb.g, 4))[511], 0xd3);
	/* Gathered: the write, the three reads, the last write: three copies. */
	EXPECT_EQ(rb_copies, 3);
	EXPECT_EQ(fd_broken, 0);
	/* On the pool, every copy by ref on both sides; without it, none. */
	EXPECT_EQ(fd_self_copies, refuse ? 0 : 3);
	EXPECT_EQ(rb_pool_seen, !refuse);
	EXPECT_EQ(fd_selfbufs_live, 0);		/* the pool is given back at the end */
	if (!refuse) {
		/* Request 4's good segment came in, but a failed write writes nothing. */
		memcpy(&tag, sec40, sizeof(tag));
		EXPECT_EQ(tag, 40);
		EXPECT_EQ(sec40[511], 0xd3);
	}
	/* Without the pool request 4's good segment may have been copied; not checked. */
}

static void round_batch_bad_ref_fails_alone(void)
{
	run_round("round_batch_bad_ref_fails_alone", 0);
}

/* gntalloc full (or missing): the same round on the fallback, gntdev given the image's pages. */
static void round_without_pool_answers_alike(void)
{
	run_round("round_without_pool_answers_alike", -ENOSPC);
}

/* ---- the yield (the default): a queue of 32 on one CPU, gathered ---- */

#define DQ_DEPTH	32
#define DQ_BATCHES	8
#define DQ_TOTAL	(1 + DQ_DEPTH * DQ_BATCHES)
static struct fe dq;
static char img_dq[64];
static unsigned long dq_copies, dq_events, dq_notifies, dq_stale;
static const char *const be_dq[] = { "params", img_dq, "mode", "w", NULL };
static struct fd_device dev_dq = { 4, 51712, be_dq, fe_nodes, NULL };

/* Read i: 4 KiB at sector 8 * (i % 256) into page 1 + i % 32 (no two outstanding share one). */
static void dq_put(void)
{
	union blkif_slot *sl = blkif_slot((void *)dq.s, RING_SLOTS, dq.req_prod_pvt++);
	uint64_t i = dq.sent++;

	memset(sl, 0, sizeof(*sl));
	sl->req.operation = BLKIF_OP_READ;
	sl->req.nr_segments = 1;
	sl->req.id = i;
	sl->req.sector_number = 8 * (i % 256);
	sl->req.seg[0] = (struct blkif_request_segment){ .gref = (uint32_t)(1 + i % DQ_DEPTH),
							 .first_sect = 0, .last_sect = 7 };
	/* As blkfront's queue_rq: each request published, an event if the backend asked. */
	if (fe_push(&dq))
		dq_events++;
}

/* The frontend runs (dom0 yielded or slept): it fills its queue again, as fio at depth 32. */
static void dq_run(void)
{
	while (dq.sent - dq.answered < DQ_DEPTH && dq.sent < DQ_TOTAL)
		dq_put();
}

static void dq_connected(void)
{
	dq_put();	/* req_event is 1: an event */
}

/* Our event: the answers are taken (the frontend does not get the CPU to publish more). */
static void dq_notify(unsigned int domid, unsigned int remote)
{
	(void)domid, (void)remote;
	dq_notifies++;
	while (dq.rsp_cons != dq.s->rsp_prod) {
		union blkif_slot *sl = blkif_slot((void *)dq.s, RING_SLOTS, dq.rsp_cons++);
		uint64_t id = sl->rsp.id, tag;

		dq.answered++;
		if (sl->rsp.status != BLKIF_RSP_OKAY || sl->rsp.operation != BLKIF_OP_READ)
			dq.bad++;
		memcpy(&tag, fd_page(dq.g, (uint32_t)(1 + id % DQ_DEPTH)), sizeof(tag));
		if (tag != 8 * (id % 256))
			dq_stale++;
	}
	dq.s->rsp_event = dq.rsp_cons + 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void dq_copy(void)
{
	dq_copies++;
}

static bool dq_sleep(void)
{
	return dq.answered == dq.sent && dq.sent == DQ_TOTAL;
}

/*
 * blkback with no option (it yields by default): one read at first (its event wakes blkback), then, each time
 * blkback yields, the frontend refills its queue of 32 with no event
 * (blkback has not asked for one). Every round after the first takes 32:
 * one grant copy and one event each, and the frontend sends one event in
 * all; every read answered with its sectors.
 */
static void yield_gathers_a_queue(void)
{
	char *argv[] = { "blkback", NULL };
	struct statfs sf;
	int rc;

	if (statfs("/dev/shm", &sf) || sf.f_type != TMPFS_MAGIC) {
		printf("SKIP unit/blkback/yield_gathers_a_queue: /dev/shm is not tmpfs\n");
		return;
	}
	fd_reset();
	EXPECT(!make_image(img_dq, sizeof(img_dq), "blkback-yield", 0xd4));
	fe_init_pages(&dq, 4, 1 + DQ_DEPTH);	/* pages 1..32: the queue's */
	fd_add_device(&dev_dq);
	fd_on_notify = dq_notify;
	fd_on_connected = dq_connected;
	fd_on_copy = dq_copy;
	fd_on_sleep = dq_sleep;
	fd_on_yield = dq_run;
	rc = blkback_main(1, argv);
	unlink(img_dq);
	printf("blkback (yielding): %lu reads, %lu grant copies, %lu events to blkback, %lu back, "
	       "%lu yields\n", dq.answered, dq_copies, dq_events, dq_notifies, fd_yields);
	if (fd_error[0])
		UNIT_FAIL(fd_error);
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(dq.answered, DQ_TOTAL);
	EXPECT_EQ(dq.bad, 0);
	EXPECT_EQ(dq_stale, 0);
	EXPECT_EQ(dq_events, 1);
	EXPECT_EQ(dq_copies, 1 + DQ_BATCHES);
	EXPECT_EQ(dq_notifies, 1 + DQ_BATCHES);
	EXPECT_EQ(fd_yields, 1 + DQ_BATCHES);	/* after each round: the ring was empty */
	EXPECT_EQ(fd_broken, 0);
}

/* ---- a flooding frontend's own reads (linux/blk-evil's flood, one CPU) ---- */

#define FO_READS	100	/* d2's, one at a time: more than CONSUME_ROUNDS */
#define FO_MAX_RUNS	1	/* the guest's runs in a row either disk may go unanswered */
static struct fe fo_flood, fo_reader;
static char img_fo1[64], img_fo2[64];
static bool fo_on;
static unsigned long fo_runs, fo_during, fo_wait[2], fo_max[2];
static const char *const be_fo1[] = { "params", img_fo1, "mode", "w", NULL };
static const char *const be_fo2[] = { "params", img_fo2, "mode", "w", NULL };
static struct fd_device dev_fo1 = { 1, 51712, be_fo1, fe_nodes, NULL };
static struct fd_device dev_fo2 = { 2, 51712, be_fo2, fe_nodes, NULL };

/* Publishes what is put and sends the port whatever req_event says (blk-evil does). */
static void fo_send(struct fe *f)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	f->s->req_prod = f->req_prod_pvt;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	fd_raise(f->domid, PORT);
}

/* Counts a run in which @f had reads out and none answered (i: which disk). */
static void fo_account(struct fe *f, unsigned int i, unsigned long before)
{
	if (f->answered != before || f->answered == f->sent) {
		fo_wait[i] = 0;
		return;
	}
	if (++fo_wait[i] > fo_max[i])
		fo_max[i] = fo_wait[i];
}

/*
 * The guest gets the CPU (blkback yielded; the hypervisor's event to a
 * runnable vCPU does not hand it over): as blk-evil's loop on its one
 * vCPU, d1's ring kept full and its port sent on every pass, d2's next
 * read posted once its last is answered.
 */
static void fo_run(void)
{
	unsigned long a1 = fo_flood.answered, a2 = fo_reader.answered;

	fo_runs++;
	fe_reap(&fo_flood);
	fe_reap(&fo_reader);
	if (fo_on) {
		fo_during += fo_flood.answered - a1;
		fo_account(&fo_flood, 0, a1);
		fo_account(&fo_reader, 1, a2);
	}
	if (fo_reader.answered == fo_reader.sent) {
		if (fo_reader.sent == FO_READS) {
			fo_on = false;		/* the flood stops with d2's last read */
		} else {
			fe_put(&fo_reader, fo_reader.sent % IMG_SECTORS);
			fo_send(&fo_reader);
		}
	}
	if (!fo_on)
		return;
	while (fo_flood.req_prod_pvt - fo_flood.rsp_cons < RING_SLOTS)
		fe_put(&fo_flood, fo_flood.sent % IMG_SECTORS);
	fo_send(&fo_flood);
}

static void fo_connected(void)
{
	fo_on = true;
	fo_run();
}

static bool fo_sleep(void)
{
	return !fo_on && fo_flood.answered == fo_flood.sent && fo_reader.answered == fo_reader.sent;
}

/*
 * linux/blk-evil's flood: d1 keeps its ring full and sends its port on
 * every run, d2 reads one sector at a time, both on the guest's one vCPU,
 * which runs when blkback yields. Each disk must be answered within
 * FO_MAX_RUNS of the guest's runs while the flood is on: a flooding
 * device's own reads too (its first answer, on Lamina, came only once
 * the flood stopped, docs/security.md).
 */
static void flood_own_reads_answered(void)
{
	char *argv[] = { "blkback", NULL };
	struct statfs sf;
	int rc;

	if (statfs("/dev/shm", &sf) || sf.f_type != TMPFS_MAGIC) {
		printf("SKIP unit/blkback/flood_own_reads_answered: /dev/shm is not tmpfs\n");
		return;
	}
	fd_reset();
	EXPECT(!make_image(img_fo1, sizeof(img_fo1), "blkback-fo1", 0xf1));
	EXPECT(!make_image(img_fo2, sizeof(img_fo2), "blkback-fo2", 0xf2));
	fe_init(&fo_flood, 1);
	fe_init(&fo_reader, 2);
	fd_add_device(&dev_fo1);
	fd_add_device(&dev_fo2);
	fd_on_connected = fo_connected;
	fd_on_sleep = fo_sleep;
	fd_on_yield = fo_run;
	rc = blkback_main(1, argv);
	unlink(img_fo1);
	unlink(img_fo2);
	printf("blkback flooded: %lu guest runs, d1 %lu reads answered (%lu during the flood), "
	       "d2 %lu; the most runs unanswered: d1 %lu, d2 %lu (at most %u)\n", fo_runs,
	       fo_flood.answered, fo_during, fo_reader.answered, fo_max[0], fo_max[1], FO_MAX_RUNS);
	if (fd_error[0])
		UNIT_FAIL(fd_error);
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(fo_reader.answered, FO_READS);
	EXPECT(fo_max[0] <= FO_MAX_RUNS);
	EXPECT(fo_max[1] <= FO_MAX_RUNS);
	EXPECT(fo_during >= FO_READS * RING_SLOTS / 2);
	EXPECT_EQ(fo_flood.bad + fo_reader.bad, 0);
	EXPECT_EQ(fo_flood.answered, fo_flood.sent);
	EXPECT_EQ(fd_broken, 0);
}

/* ---- a frontend's garbage nodes; connections that come and go ---- */

static char img_g[64];
static const char *const be_g[] = { "params", img_g, "mode", "w", NULL };
/*
 * Handshakes honest but for one node; Linux's xen-blkback refuses each
 * (ring-page-order above its max, 0 queues or more than offered, an
 * event channel or ring ref that is no number, an unknown protocol).
 */
#define FE_OK	"ring-ref", "0", "event-channel", "5"
static const char *const garbage[][9] = {
	{ FE_OK, "ring-page-order", "31", NULL },
	{ FE_OK, "ring-page-order", "5", NULL },
	{ FE_OK, "ring-page-order", "-1", NULL },
	{ FE_OK, "ring-page-order", "1x", NULL },
	{ FE_OK, "ring-page-order", "", NULL },
	{ FE_OK, "multi-queue-num-queues", "0", NULL },
	{ FE_OK, "multi-queue-num-queues", "2", NULL },
	{ FE_OK, "multi-queue-num-queues", "4294967297", NULL },
	{ FE_OK, "multi-queue-num-queues", "+1", NULL },
	{ "ring-ref", "0", "event-channel", "99999999999999999999", NULL },
	{ "ring-ref", "0x1", "event-channel", "5", NULL },
	{ "ring-ref", "9999", "event-channel", "5", NULL },	/* not granted */
	{ FE_OK, "protocol", "sparc-abi", NULL },
	{ FE_OK, "ring-page-order", "1", "ring-ref0", "1", NULL },	/* ring-ref1 missing */
};

static struct fd_guest *g_guest;

/* Device d7/51712 on img_g with frontend nodes @fe, probed: its xb_dev. */
static struct xb_dev *g_probe(struct xb_dev *d, struct fd_device *fdev, const char *const *fe)
{
	fd_reset();
	g_guest = fd_guest_new(7, 8);
	*fdev = (struct fd_device){ 7, 51712, be_g, fe, d };
	fd_add_device(fdev);
	memset(d, 0, sizeof(*d));
	d->fe_id = 7;
	d->devid = 51712;
	snprintf(d->be, sizeof(d->be), "/local/domain/0/backend/qdisk/7/51712");
	EXPECT_EQ(bd_probe(&be, d), 0);
	return d;
}

/* A frontend of d7 with a fresh ring in g_guest's page 0, as one starting again. */
static void g_frontend(struct fe *f)
{
	memset(f, 0, sizeof(*f));
	f->domid = 7;
	f->g = g_guest;
	f->s = fd_page(g_guest, 0);
	memset(fd_page(g_guest, 0), 0, 4096);
	f->s->req_event = f->s->rsp_event = 1;
}

/*
 * Each garbage handshake: connect fails with one fatal error, and leaves
 * no ring mapped, no port bound, no fd open (io_uring, eventfd).
 */
static void garbage_nodes_refused(void)
{
	struct fd_device fdev;
	struct xb_dev d;
	unsigned int k, fds;

	EXPECT(!make_image(img_g, sizeof(img_g), "blkback-garbage", 0x11));
	for (k = 0; k < sizeof(garbage) / sizeof(garbage[0]); k++) {
		int rc;

		g_probe(&d, &fdev, garbage[k]);
		fd_fatal_ok = true;
		fds = fd_open_fds();
		rc = bd_connect(&be, &d);
		if (rc == 0 || fd_fatals != 1)
			printf("    %s=%s: connect %d, %lu fatal errors\n", garbage[k][4] ? garbage[k][4] :
			       garbage[k][0], garbage[k][4] ? garbage[k][5] : garbage[k][1], rc, fd_fatals);
		EXPECT(rc != 0);
		EXPECT_EQ(fd_fatals, 1);
		EXPECT(!fd_left_behind(fds));
		if (!rc)
			bd_disconnect(&be, &d);
		bd_remove(&be, &d);
	}
	unlink(img_g);
}

/*
 * A frontend that connects, reads, and goes back to Initialising, 200
 * times, persistent grants on: each connection served, and each
 * disconnection lets go of the ring, the data page kept mapped, the port,
 * the io_uring and its eventfd (the same mappings, ports and fds after as
 * before).
 */
static void reconnect_leaks_nothing(void)
{
	static const char *const fe_pg[] = { FE_OK, "feature-persistent", "1", NULL };
	struct fd_device fdev;
	struct xb_dev d;
	struct disk *dk;
	unsigned int i, fds = 0;
	struct fe f;

	EXPECT(!make_image(img_g, sizeof(img_g), "blkback-reconnect", 0x22));
	pg_mode = PG_ON;
	g_probe(&d, &fdev, fe_pg);
	dk = d.priv;
	for (i = 0; i < 200; i++) {
		g_frontend(&f);
		if (i == 1)
			fds = fd_open_fds();
		if (bd_connect(&be, &d)) {
			printf("    connection %u refused\n", i);
			UNIT_FAIL("a connection refused");
			break;
		}
		EXPECT(dk->pg != NULL);
		fe_put(&f, i % IMG_SECTORS);
		fe_push(&f);
		consume(dk);
		while (dk->inflight)
			reap(dk);
		fe_reap(&f);
		EXPECT_EQ(f.answered, 1);
		EXPECT_EQ(f.bad, 0);
		EXPECT_EQ(fd_maps_live, 2);	/* the ring, the data page (persistent) */
		EXPECT_EQ(fd_ports_bound(), 1);
		bd_disconnect(&be, &d);
		if (i >= 1)
			EXPECT(!fd_left_behind(fds));
	}
	pg_mode = PG_AUTO;
	bd_remove(&be, &d);
	unlink(img_g);
}

/*
 * Requests a frontend published before it let its ring go, blkback not
 * having looked at the ring since (no event taken yet): the disconnect
 * answers every one, OKAY, before it unmaps the ring and unbinds the port.
 * Linux's blkfront waits at its removal for each request it sent; one
 * never answered held the domU's xenwatch for ever (tests/linux/blk/detach-loop).
 */
static const char *const fe_ok[] = { FE_OK, NULL };

static void disconnect_answers_the_ring(void)
{
	struct fd_device fdev;
	struct xb_dev d;
	unsigned int i;
	struct fe f;

	EXPECT(!make_image(img_g, sizeof(img_g), "blkback-disconnect", 0x33));
	g_probe(&d, &fdev, fe_ok);
	g_frontend(&f);
	EXPECT_EQ(bd_connect(&be, &d), 0);
	for (i = 0; i < 3; i++)
		fe_put(&f, 8 * i);
	fe_push(&f);
	bd_disconnect(&be, &d);
	fe_reap(&f);
	EXPECT_EQ(f.answered, 3);
	EXPECT_EQ(f.bad, 0);
	EXPECT_EQ(fd_maps_live, 0);
	EXPECT_EQ(fd_ports_bound(), 0);
	bd_remove(&be, &d);
	unlink(img_g);
}

/*
 * The same disconnect against a frontend that lies: a req_prod a ring
 * and more ahead is taken for no request (nothing answered, nothing
 * read); one that publishes a new request at every grant copy blkback
 * makes (another vCPU refilling the ring through the drain) is served
 * for a bounded turn, CONSUME_ROUNDS rounds at most. Either way the ring is
 * unmapped and the port unbound.
 */
static unsigned long lie_refills;
static struct fe lie;

static void lie_refill(void)
{
	lie_refills++;
	fe_reap(&lie);		/* the slots its answers took, free again */
	fe_put(&lie, 0);
	fe_push(&lie);
}

static void disconnect_from_a_lying_ring(void)
{
	struct fd_device fdev;
	struct xb_dev d;
	unsigned int round;

	EXPECT(!make_image(img_g, sizeof(img_g), "blkback-disconnect-lie", 0x44));
	for (round = 0; round < 2; round++) {
		g_probe(&d, &fdev, fe_ok);
		g_frontend(&lie);
		EXPECT_EQ(bd_connect(&be, &d), 0);
		if (round == 0) {
			lie.s->req_prod = RING_SLOTS + 1000;	/* a ring and more ahead */
		} else {
			lie_refills = 0;
			fd_on_copy = lie_refill;
			fe_put(&lie, 0);
			fe_push(&lie);
		}
		bd_disconnect(&be, &d);
		fd_on_copy = NULL;
		fe_reap(&lie);
		if (round == 0) {
			EXPECT_EQ(lie.answered, 0);
		} else {
			printf("blkback's drain against a refilling frontend: %lu answered, "
			       "%lu refills\n", lie.answered, lie_refills);
			/* every answer OKAY, at most a turn's worth of rounds */
			EXPECT(lie.answered >= 1 && lie.answered <= CONSUME_ROUNDS * RING_SLOTS);
			EXPECT(lie_refills <= CONSUME_ROUNDS);
			EXPECT_EQ(lie.bad, 0);
		}
		EXPECT_EQ(fd_maps_live, 0);
		EXPECT_EQ(fd_ports_bound(), 0);
		bd_remove(&be, &d);
	}
	unlink(img_g);
}

/* ---- the image's mapping filled ahead, its holes left alone ---- */

#define WM_MIB		4		/* data, a hole of 2 MiB, data */
static char img_wm[64];
static const char *const be_wm[] = { "params", img_wm, "mode", "w", NULL };
static struct fd_device dev_wm = { 4, 51712, be_wm, fe_nodes, NULL };
static unsigned long wm_present[WM_MIB], wm_sleeps;
static long long wm_blocks = -1;

/* Pages of blkback's mapping with a page-table entry, per MiB (/proc/self/pagemap bit 63). */
static bool wm_sleep(void)
{
	struct disk *dk = be.ndev ? be.dev[0]->priv : NULL;
	uint64_t e;
	struct stat st;
	unsigned int p;
	int fd;

	if (wm_sleeps++ || !dk || !dk->mem)
		return true;
	fd = open("/proc/self/pagemap", O_RDONLY);
	for (p = 0; fd >= 0 && p < WM_MIB * 256; p++)
		if (pread(fd, &e, sizeof(e), (off_t)(((uintptr_t)dk->mem >> 12) + p) * 8) == 8 &&
		    e >> 63)
			wm_present[p / 256]++;
	if (fd >= 0)
		close(fd);
	if (!stat(img_wm, &st))
		wm_blocks = (long long)st.st_blocks;
	return true;
}

static void warm_fills_data_not_holes(void)
{
	char *argv[] = { "blkback", NULL };
	static char mib[1 << 20];
	struct statfs sf;
	struct stat st;
	int fd, rc;

	if (statfs("/dev/shm", &sf) || sf.f_type != TMPFS_MAGIC) {
		printf("SKIP unit/blkback/warm_fills_data_not_holes: /dev/shm is not tmpfs\n");
		return;
	}
	fd_reset();
	snprintf(img_wm, sizeof(img_wm), "/dev/shm/blkback-warm-%d", (int)getpid());
	memset(mib, 0x5a, sizeof(mib));
	fd = open(img_wm, O_RDWR | O_CREAT | O_TRUNC, 0600);
	EXPECT(fd >= 0 && pwrite(fd, mib, sizeof(mib), 0) == (ssize_t)sizeof(mib) &&
	       pwrite(fd, mib, sizeof(mib), (WM_MIB - 1) << 20) == (ssize_t)sizeof(mib));
	EXPECT(fd >= 0 && !fstat(fd, &st));
	if (fd >= 0)
		close(fd);
	fe_init(&dq, 4);
	fd_add_device(&dev_wm);
	fd_on_sleep = wm_sleep;
	rc = blkback_main(1, argv);
	unlink(img_wm);
	if (fd_error[0])
		UNIT_FAIL(fd_error);
	EXPECT_EQ(rc, 0);
	printf("blkback's mapping before its first sleep: %lu %lu %lu %lu pages of 256 a MiB "
	       "mapped; the file %lld blocks (%lld before)\n", wm_present[0], wm_present[1],
	       wm_present[2], wm_present[3], wm_blocks, (long long)st.st_blocks);
	EXPECT_EQ(wm_present[0], 256);
	EXPECT_EQ(wm_present[1], 0);
	EXPECT_EQ(wm_present[2], 0);
	EXPECT_EQ(wm_present[3], 256);
	EXPECT_EQ(wm_blocks, (long long)st.st_blocks);	/* nothing allocated in the hole */
}

/*
 * The image copy loops: every length blkback hands them (whole 64-byte
 * pieces, 64 up to a page and past it), from and to addresses off a
 * 32-byte boundary: the bytes copied, nothing past the end touched.
 * copy32 where this host has AVX (the start's pick agrees with cpuid).
 */
static void copy_loops_copy_exactly(void)
{
	static uint8_t src[3 * 4096], dst[3 * 4096];
	void (*const loop[2])(char *, const char *, size_t) = { copy16, copy32 };
	bool avx;
	unsigned int l, k;
	size_t n;

	__builtin_cpu_init();
	avx = __builtin_cpu_supports("avx");
	copy_img_pick();
	EXPECT(copy_img == (avx ? copy32 : copy16));
	if (!avx)
		printf("copy_loops_copy_exactly: no AVX on this host, copy32 not run\n");
	for (k = 0; k < sizeof(src); k++)
		src[k] = (uint8_t)(k * 131 + 7);
	for (l = 0; l < (avx ? 2U : 1U); l++) {
		for (n = 64; n <= 4096 + 256 + 64; n += 64) {
			const size_t soff = 3 + n % 29, doff = 5 + n % 31;

			memset(dst, 0xee, sizeof(dst));
			loop[l]((char *)dst + doff, (const char *)src + soff, n);
			EXPECT(!memcmp(dst + doff, src + soff, n));
			for (k = 0; k < doff; k++)
				EXPECT_EQ(dst[k], 0xee);
			for (k = (unsigned int)(doff + n); k < doff + n + 64; k++)
				EXPECT_EQ(dst[k], 0xee);
		}
	}
}

UNIT_MAIN("blkback", UNIT_TEST(flood_leaves_others_served),
	  UNIT_TEST(round_batch_bad_ref_fails_alone), UNIT_TEST(round_without_pool_answers_alike),
	  UNIT_TEST(yield_gathers_a_queue),
	  UNIT_TEST(flood_own_reads_answered),
	  UNIT_TEST(garbage_nodes_refused), UNIT_TEST(reconnect_leaks_nothing),
	  UNIT_TEST(disconnect_answers_the_ring), UNIT_TEST(disconnect_from_a_lying_ring),
	  UNIT_TEST(warm_fills_data_not_holes), UNIT_TEST(copy_loops_copy_exactly))
