// SPDX-License-Identifier: GPL-2.0-only
/*
 * consoled against a hostile guest, on the host: the daemon's own source
 * (its main renamed), its clock and the /dev/xen and xenstore calls it
 * makes answered here. A fake guest owns one console page and can refill
 * it the moment the daemon gives room back (a second vCPU writing as fast
 * as it can), send events without end, or write garbage indices.
 */

#define main consoled_main
#define clock_gettime fake_clock_gettime
#define write fake_write
#include "../../../../backend_drivers/console/consoled.c"
#undef main
#undef clock_gettime
#undef write

#include "../../unit.h"

#define PORT	5

static long long fake_now;		/* us */
static struct xencons_interface *page;
static bool refill;			/* the guest refills its ring as soon as there is room */
static unsigned int notifies, unmasks, unbinds;
static unsigned long long produced;

int fake_clock_gettime(clockid_t clk, struct timespec *ts)
{
	(void)clk;
	ts->tv_sec = fake_now / 1000000;
	ts->tv_nsec = (fake_now % 1000000) * 1000;
	return 0;
}

/* The guest's side: @len bytes of a line, as hvc_xen's write puts them. */
static void guest_write(unsigned int len)
{
	while (len--) {
		page->out[MASK_XENCONS_OUT(page->out_prod++)] = 'l';
		produced++;
	}
}

/* The guest's side: fill the ring up, as hvc_xen's write does. */
static void guest_fill(void)
{
	while (page->out_prod - page->out_cons < XENCONS_OUT_SIZE) {
		page->out[MASK_XENCONS_OUT(page->out_prod++)] = 'x';
		produced++;
	}
}

/*
 * The terminal (fd -1): while the daemon writes a chunk out, the guest's
 * other vCPU has filled the room it just got back.
 */
ssize_t fake_write(int fd, const void *buf, size_t len)
{
	if (fd != -1)
		return -1;
	if (refill)
		guest_fill();
	return (ssize_t)len;
}

/* ---- the calls consoled makes, answered here ---- */
int xendev_open(struct xendev *x, unsigned int want) { return -ENOSYS; }
void *xendev_map(struct xendev *x, unsigned int domid, uint32_t ref, uint64_t *handle)
{
	return page;
}
int xendev_unmap(struct xendev *x, void *p, uint64_t handle) { return 0; }
int xendev_bind(struct xendev *x, unsigned int domid, unsigned int remote_port) { return PORT; }
int xendev_unbind(struct xendev *x, unsigned int local_port)
{
	unbinds++;
	return 0;
}
int xendev_notify(struct xendev *x, unsigned int local_port)
{
	notifies++;
	return 0;
}
int xendev_pending(struct xendev *x) { return PORT; }	/* a storm: always one more */
int xendev_unmask(struct xendev *x, unsigned int local_port)
{
	unmasks++;
	return 0;
}
const char *xs_default_socket(void) { return "-"; }
int xs_open(const char *p, struct xs_handle **out) { return -ENOSYS; }
int xs_fileno(const struct xs_handle *h) { return -1; }
int xs_read(struct xs_handle *h, uint32_t tx, const char *path, char **val, unsigned int *len)
{
	return -ENOSYS;
}
int xs_write(struct xs_handle *h, uint32_t tx, const char *path, const void *val,
	     unsigned int len)
{
	return -ENOSYS;
}
int xs_directory(struct xs_handle *h, uint32_t tx, const char *path, char **names,
		 unsigned int *len)
{
	return -ENOSYS;
}
int xs_set_perms(struct xs_handle *h, uint32_t tx, const char *path, const char *const *perms,
		 unsigned int n)
{
	return -ENOSYS;
}
int xs_watch(struct xs_handle *h, const char *path, const char *token) { return -ENOSYS; }
int xs_read_watch(struct xs_handle *h, int timeout_ms, char **path, char **token)
{
	return -ETIMEDOUT;
}
int xs_transaction_start(struct xs_handle *h, uint32_t *tx) { return -ENOSYS; }
int xs_transaction_end(struct xs_handle *h, uint32_t tx, bool commit) { return -ENOSYS; }
int xs_is_domain_introduced(struct xs_handle *h, unsigned int domid) { return 1; }

/* One guest being served, its ring empty, no terminal, no log. */
static void one_guest(void)
{
	static struct xencons_interface ring;

	memset(&ring, 0, sizeof(ring));
	page = &ring;
	refill = false;
	notifies = unmasks = unbinds = 0;
	produced = 0;
	fake_now = 100000 * 1000LL;
	nr_guests = 1;
	guests[0] = (struct guest){ .domid = 3, .intf = page, .local_port = PORT, .pty = -1,
				    .pty_slave = -1, .log.fd = -1 };
	cons_rate_init(&guests[0].rate, fake_now / 1000);
}

/*
 * A guest refilling its ring as fast as the daemon empties it kept
 * take_output() in its loop for as long as the guest liked (no other
 * console, no xenstore event served meanwhile). Now a pass takes at most
 * DRAIN_MAX bytes, and the passes after it spend the guest's event budget.
 */
static void writer_as_fast_as_it_can(void)
{
	unsigned int passes = 0;
	long long timeout;

	one_guest();
	refill = true;
	guest_fill();
	on_event();
	EXPECT_EQ(nr_guests, 1);
	EXPECT(guests[0].more);
	EXPECT_EQ(page->out_prod - page->out_cons, XENCONS_OUT_SIZE);	/* left for later */
	EXPECT_EQ(produced - (page->out_prod - page->out_cons), DRAIN_MAX);
	/* the daemon's loop at the same instant: one pass each, then it sleeps */
	while ((timeout = serve_deferred()) == 0 && passes < 1000)
		passes++;
	EXPECT_EQ(passes, CONS_RATE_ALLOWANCE - 2);	/* the last pass comes back with the wait */
	EXPECT_EQ(timeout, CONS_RATE_PERIOD_MS * 1000);
	EXPECT_EQ(produced - (page->out_prod - page->out_cons),
		  (unsigned long long)CONS_RATE_ALLOWANCE * DRAIN_MAX);
	/* the next period, the next budget */
	fake_now += CONS_RATE_PERIOD_MS * 1000;
	EXPECT_EQ(serve_deferred(), 0);
	EXPECT_EQ(unmasks, 1);		/* the first event's: no deferred pass masked the port */
	EXPECT_EQ(produced - (page->out_prod - page->out_cons),
		  (unsigned long long)(CONS_RATE_ALLOWANCE + 1) * DRAIN_MAX);
	/* the guest stops: what it left is taken, then nothing more is asked */
	refill = false;
	while (serve_deferred() == 0 && passes++ < 2000)
		;
	EXPECT_EQ(page->out_prod, page->out_cons);
	EXPECT(!guests[0].more);
}

/*
 * An event storm: the first event masks the port until the pass BATCH_US
 * later; events that come anyway (as if the mask were ignored) spend the
 * budget of CONS_RATE_ALLOWANCE, past which the pass leaves the port
 * masked until the period ends. 10 000 events: one pass, one unmask a
 * period (answered at once as before the batching: CONS_RATE_ALLOWANCE - 1
 * unmasks, each a pass).
 */
static void event_storm(void)
{
	long long start;
	unsigned int i;

	one_guest();
	start = fake_now;
	for (i = 0; i < 10000; i++)
		on_event();
	EXPECT_EQ(unmasks, 0);
	EXPECT_EQ(serve_deferred(), BATCH_US);
	fake_now += BATCH_US;
	EXPECT_EQ(serve_deferred(), CONS_RATE_PERIOD_MS * 1000);	/* ms-grained budget */
	EXPECT_EQ(unmasks, 0);
	fake_now = start + (CONS_RATE_PERIOD_MS - 1) * 1000;
	EXPECT_EQ(serve_deferred(), 1000);
	EXPECT_EQ(unmasks, 0);
	fake_now = start + CONS_RATE_PERIOD_MS * 1000;
	EXPECT_EQ(serve_deferred(), -1);		/* unmasked, nothing left to wait for */
	EXPECT_EQ(unmasks, 1);
	EXPECT_EQ(notifies, 0);				/* nothing written, nothing to say */
}

/*
 * A booting guest's lines: the event of the first leaves the port masked
 * and nothing taken; the lines written in the next BATCH_US are taken in
 * one pass, one notify and one unmask. A ring half full at the event is
 * taken at once.
 */
static void lines_batched(void)
{
	unsigned int i;

	one_guest();
	guest_write(80);
	on_event();
	EXPECT_EQ(page->out_cons, 0);
	EXPECT_EQ(unmasks, 0);
	for (i = 0; i < 10; i++)
		guest_write(80);		/* no event: the port is masked */
	fake_now += 100;
	EXPECT_EQ(serve_deferred(), BATCH_US - 100);
	EXPECT_EQ(page->out_cons, 0);
	fake_now += BATCH_US - 100;
	EXPECT_EQ(serve_deferred(), -1);
	EXPECT_EQ(page->out_cons, 11 * 80);
	EXPECT_EQ(unmasks, 1);
	EXPECT_EQ(notifies, 1);
	guest_write(XENCONS_OUT_SIZE / 2);
	on_event();
	EXPECT_EQ(page->out_cons, page->out_prod);
	EXPECT_EQ(unmasks, 2);
	EXPECT_EQ(notifies, 2);
	EXPECT_EQ(guests[0].take_at, 0);
}

/* Garbage indices: the console is let go, the daemon goes on. */
static void garbage_indices(void)
{
	static const uint32_t prods[] = { XENCONS_OUT_SIZE + 1, 0x80000000u, UINT32_MAX };
	unsigned int k;

	for (k = 0; k < sizeof(prods) / sizeof(prods[0]); k++) {
		one_guest();
		page->out_cons = 7;
		page->out_prod = 7 + prods[k];
		on_event();
		EXPECT_EQ(nr_guests, 0);
		EXPECT_EQ(unbinds, 1);
		EXPECT_EQ(page->out_cons, 7);
	}
	/* found broken on a deferred pass */
	one_guest();
	refill = true;
	guest_fill();
	on_event();
	EXPECT(guests[0].more);
	page->out_cons = page->out_prod + 1;
	EXPECT_EQ(serve_deferred(), -1);
	EXPECT_EQ(nr_guests, 0);
	EXPECT_EQ(unbinds, 1);
}

int main(void)
{
	unit_suite = "backend_drivers/console/consoled";
	RUN(writer_as_fast_as_it_can);
	RUN(event_storm);
	RUN(lines_batched);
	RUN(garbage_indices);
	return 0;
}
