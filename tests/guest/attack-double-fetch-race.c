// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-double-fetch-race: hypercall arguments in guest memory changed
 * by another vCPU while the call reads them (session 34's review of
 * double fetches). A handler that checks a value on one read and uses
 * another read of it would see the check pass and act on the other
 * value; each row flips one field between a value the call takes and one
 * it refuses, and accepts only the answers one read of either value can
 * give (Xen 4.17 reads each of these once).
 *   vCPU 1 (pinned to CPU 1 at --smp 2) flips the row's field as fast as
 *   it can while vCPU 0 makes the row's call ROUNDS times:
 *   - setup_table: frame_list a buffer or a non-canonical address. One
 *     read: 0 with the status okay and the frame written, or -EFAULT;
 *     never 0 with GNTST_bad_virt_addr (until session 34 the list's
 *     start was checked on a read of its own: that answer came up).
 *   - set_memory_map: nr_entries 1 or E820MAX (1024): the frames the
 *     hypervisor allocates for the map are sized from the read it copies
 *     with; every map read back is one of the two, whole.
 *   - grant copy of our own frames: len 8 or 4096 at destination offset
 *     4088: okay (the 8 bytes copied) or bad_copy_arg; the frame after
 *     the destination (the next MFN, when it is ours) is never written.
 *   - SCHEDOP_poll: nr_ports 1 or 65536 (over 128): 0 or -EINVAL.
 *   - register_runstate_memory_area: addr a buffer or one in the
 *     hypervisor's range: 0 or -EFAULT, and the hypervisor goes on.
 *   - multicall: an entry's op xen_version or multicall: the version or
 *     -EINVAL (a nested multicall).
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/events.h"
#include "lib/physinfo.h"
#include <lamina/grant_table.h>
#include <lamina/memory.h>
#include <lamina/vcpu.h>
#include <lamina/version.h>

#define ROUNDS		2000
#define STACK_SIZE	16384
#define BAD_PTR		0x8000000000000000ULL		/* non-canonical */
#define HV_PTR		0xffff800000001000ULL		/* the hypervisor's */

enum row { R_NONE, R_SETUP, R_MAP, R_COPY, R_POLL, R_RUNSTATE, R_MULTI, R_END };
static const char *const names[R_END] = {
	"", "setup_table", "set_memory_map", "grant copy", "poll", "runstate area", "multicall",
};

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static uint8_t frames[3][4096] __attribute__((aligned(4096)));	/* source, dest, after */
static struct e820_entry map_in[E820MAX], map_out[E820MAX];
static uint64_t list[4];
static uint32_t ports[1];
static struct vcpu_runstate_info rs_buf;

static struct gnttab_setup_table st;
static struct xen_foreign_memory_map fm;
static struct gnttab_copy cp;
static struct sched_poll sp;
static struct vcpu_register_runstate_memory_area rsa;
static struct multicall_entry mc;

/* What vCPU 1 flips: a field of `width` bytes between a and b. */
static volatile void *flip_at;
static volatile unsigned int flip_width;
static volatile uint64_t flip_a, flip_b;
static volatile int phase;		/* the row running, R_END: stop */
static volatile bool started, flipping;
static volatile unsigned long flips;

static void store(uint64_t v)
{
	switch (flip_width) {
	case 2:
		*(volatile uint16_t *)flip_at = (uint16_t)v;
		break;
	case 4:
		*(volatile uint32_t *)flip_at = (uint32_t)v;
		break;
	default:
		*(volatile uint64_t *)flip_at = v;
	}
}

static void vcpu1(unsigned long arg)
{
	(void)arg;
	shared->vcpu_info[1].evtchn_upcall_mask = 1;
	started = true;
	for (;;) {
		int p = phase;

		if (p == R_END)
			break;
		if (p == R_NONE) {
			flipping = false;
			asm volatile("pause");
			continue;
		}
		flipping = true;
		store(flip_a);
		asm volatile("" ::: "memory");
		store(flip_b);
		flips++;
	}
	flipping = false;
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

/*
 * Row r from now on, vCPU 1 flipping at (width bytes) between a and b;
 * back once it has begun (on Xen 4.17 a row's calls took a few ms, over
 * before vCPU 1, just pinned, ran).
 */
static void row_begin(int r, volatile void *at, unsigned int width, uint64_t a, uint64_t b)
{
	unsigned long from = flips;

	flip_at = at;
	flip_width = width;
	flip_a = a;
	flip_b = b;
	__atomic_store_n(&phase, r, __ATOMIC_SEQ_CST);
	while (flips - from < 16)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

/* vCPU 1 stopped flipping (so the row's structs are ours to reset). */
static void row_end(void)
{
	__atomic_store_n(&phase, R_NONE, __ATOMIC_SEQ_CST);
	while (flipping)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

static long gnttab(unsigned int cmd, void *arg, unsigned int count)
{
	return hypercall3(__HYPERVISOR_grant_table_op, cmd, arg, count);
}

static long bad_round, bad_rc, bad_val;
static unsigned int seen[R_END][2];	/* answers of the two kinds each row accepts */

static bool bad(long round, long rc, long val)
{
	bad_round = round;
	bad_rc = rc;
	bad_val = val;
	return false;
}

static bool row_setup(void)
{
	unsigned int t;
	long rc;

	memset(&st, 0, sizeof(st));
	st.dom = DOMID_SELF;
	st.nr_frames = 1;
	st.frame_list = (uint64_t)list;
	row_begin(R_SETUP, &st.frame_list, 8, (uint64_t)list, BAD_PTR);
	for (t = 0; t < ROUNDS; t++) {
		st.status = 99;
		list[0] = 0;
		rc = gnttab(GNTTABOP_setup_table, &st, 1);
		if (rc == -EFAULT) {
			seen[R_SETUP][1]++;
		} else if (rc == 0 && st.status == GNTST_okay && list[0]) {
			seen[R_SETUP][0]++;
		} else {
			row_end();
			return bad(t, rc, st.status);
		}
	}
	row_end();
	return true;
}

static bool row_map(void)
{
	struct xen_memory_map m;
	unsigned int t, i;
	long rc;

	for (i = 0; i < E820MAX; i++)
		map_in[i] = (struct e820_entry){ (uint64_t)i << 20, (uint64_t)(i + 1) << 12, 1 };
	memset(&fm, 0, sizeof(fm));
	fm.domid = DOMID_SELF;
	fm.map.nr_entries = 1;
	fm.map.buffer = (uint64_t)map_in;
	row_begin(R_MAP, &fm.map.nr_entries, 4, 1, E820MAX);
	for (t = 0; t < ROUNDS / 2; t++) {
		rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_set_memory_map, &fm);
		if (rc) {
			row_end();
			return bad(t, rc, 0);
		}
		m = (struct xen_memory_map){ E820MAX, 0, (uint64_t)map_out };
		rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_memory_map, &m);
		if (rc || (m.nr_entries != 1 && m.nr_entries != E820MAX)) {
			row_end();
			return bad(t, rc ? rc : 1, m.nr_entries);
		}
		for (i = 0; i < m.nr_entries; i++)
			if (memcmp(&map_out[i], &map_in[i], sizeof(map_in[i]))) {
				row_end();
				return bad(t, 2, i);
			}
		seen[R_MAP][m.nr_entries == E820MAX]++;
	}
	row_end();
	return true;
}

static bool row_copy(bool after_ours)
{
	uint64_t src = va_to_mfn((uint64_t)frames[0]), dst = va_to_mfn((uint64_t)frames[1]);
	unsigned int t, i;
	long rc;

	for (i = 0; i < 4096; i++) {
		frames[0][i] = (uint8_t)(i * 7 + 1);
		frames[2][i] = 0xa5;
	}
	memset(&cp, 0, sizeof(cp));
	cp.source.domid = DOMID_SELF;
	cp.source.u.gmfn = src;
	cp.dest.domid = DOMID_SELF;
	cp.dest.u.gmfn = dst;
	cp.dest.offset = 4088;
	cp.len = 8;
	row_begin(R_COPY, &cp.len, 2, 8, 4096);
	for (t = 0; t < ROUNDS; t++) {
		cp.status = 99;
		memset(frames[1] + 4088, 0, 8);
		rc = gnttab(GNTTABOP_copy, &cp, 1);
		if (rc) {
			row_end();
			return bad(t, rc, cp.status);
		}
		if (cp.status == GNTST_okay && !memcmp(frames[1] + 4088, frames[0], 8)) {
			seen[R_COPY][0]++;
		} else if (cp.status == GNTST_bad_copy_arg) {
			seen[R_COPY][1]++;
		} else {
			row_end();
			return bad(t, 1, cp.status);
		}
		if (after_ours)
			for (i = 0; i < 4096; i++)
				if (frames[2][i] != 0xa5) {
					row_end();
					return bad(t, 2, i);
				}
	}
	row_end();
	return true;
}

static bool row_poll(void)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };
	struct evtchn_close cl;
	unsigned int t;
	long rc;

	rc = evtchn_op(EVTCHNOP_alloc_unbound, &au);
	if (rc)
		return bad(0, rc, -1);
	ports[0] = au.port;
	memset(&sp, 0, sizeof(sp));
	sp.ports = (uint64_t)ports;
	sp.nr_ports = 1;
	sp.timeout = 1;			/* long past: back at once */
	row_begin(R_POLL, &sp.nr_ports, 4, 1, 65536);
	for (t = 0; t < ROUNDS; t++) {
		rc = hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, &sp);
		if (rc != 0 && rc != -EINVAL)
			break;
		seen[R_POLL][rc != 0]++;
	}
	row_end();
	cl.port = au.port;
	evtchn_op(EVTCHNOP_close, &cl);
	return t == ROUNDS ? true : bad(t, rc, 0);
}

static bool row_runstate(void)
{
	unsigned int t;
	long rc;

	rsa.addr = (uint64_t)&rs_buf;
	row_begin(R_RUNSTATE, &rsa.addr, 8, (uint64_t)&rs_buf, HV_PTR);
	for (t = 0; t < ROUNDS; t++) {
		rc = vcpu_op(VCPUOP_register_runstate_memory_area, 0, &rsa);
		if (rc != 0 && rc != -EFAULT)
			break;
		seen[R_RUNSTATE][rc != 0]++;
		if (t % 64 == 0)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);	/* a switch writes it */
	}
	row_end();
	rsa.addr = 0;
	vcpu_op(VCPUOP_register_runstate_memory_area, 0, &rsa);
	return t == ROUNDS ? true : bad(t, rc, 0);
}

static bool row_multicall(void)
{
	long version = hypercall2(__HYPERVISOR_xen_version, XENVER_version, 0);
	unsigned int t;
	long rc;

	memset(&mc, 0, sizeof(mc));
	mc.op = __HYPERVISOR_xen_version;
	mc.args[0] = XENVER_version;
	row_begin(R_MULTI, &mc.op, 8, __HYPERVISOR_xen_version, __HYPERVISOR_multicall);
	for (t = 0; t < ROUNDS; t++) {
		mc.result = 99;
		rc = hypercall2(__HYPERVISOR_multicall, &mc, 1);
		if (rc || (mc.result != version && mc.result != -EINVAL))
			break;
		seen[R_MULTI][mc.result != version]++;
	}
	row_end();
	return t == ROUNDS ? true : bad(t, rc, mc.result);
}

int test_main(struct start_info *si)
{
	struct sysctl pi;
	bool after_ours;
	int r;
	long rc;

	mm_init(si);
	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started,
			      pi.u.physinfo.nr_cpus < 2);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	after_ours = va_to_mfn((uint64_t)frames[2]) == va_to_mfn((uint64_t)frames[1]) + 1;
	for (r = R_SETUP; r < R_END; r++) {
		bool ok = r == R_SETUP ? row_setup() : r == R_MAP ? row_map() :
			  r == R_COPY ? row_copy(after_ours) : r == R_POLL ? row_poll() :
			  r == R_RUNSTATE ? row_runstate() : row_multicall();

		CHECK(ok, "%s: round %ld answered %ld (value %ld)", names[r], bad_round, bad_rc,
		      bad_val);
		printf("attack-double-fetch-race: %s: %u and %u of the two answers\n", names[r],
		       seen[r][0], seen[r][1]);
	}
	__atomic_store_n(&phase, R_END, __ATOMIC_SEQ_CST);
	printf("attack-double-fetch-race: %u rows, %lu flips by vCPU 1%s\n", R_END - 1, flips,
	       after_ours ? "" : " (the frame after the copy's is not ours: not watched)");
	return TEST_PASS;
}
