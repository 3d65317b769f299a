// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-xsa-sched: the attacks of the Xen advisories on vCPU ids,
 * timers and PIRQs, tried by dom0 and then by an unprivileged peer (this
 * guest again), each row against Xen 4.17's answer (conform.h):
 *   - XSA-296 and XSA-475's class (a vCPU id reaching past the domain's
 *     vCPU array, or one a signed/unsigned mix-up turns negative): every
 *     vcpu_op sub-op, EVTCHNOP_bind_virq, bind_ipi, bind_vcpu and
 *     init_control with the ids 4096, 0x7fffffff, 0x80000000 and
 *     0xffffffff (-ENOENT);
 *   - XSA-20 (a periodic timer whose next deadline overflows, so the
 *     timer softirq never ends): set_periodic_timer at 1 ms - 1 and
 *     past Xen's STIME_DELTA_MAX (-EINVAL), at that maximum and at 1 ms
 *     (accepted), then a one-shot timer with deadlines 2^63 and 2^64 - 1
 *     (read by Xen as a signed time: in the past, so it fires at once)
 *     and whether VIRQ_TIMER came within 20 ms, SCHEDOP_poll with those
 *     timeouts (back at once), set_timer_op at 2^64 - 1 and 2^51 ns
 *     ahead (Xen's 100 ms instead) and 2^49 ns ahead (as asked);
 *   - XSA-21, XSA-16, XSA-13 (PIRQ numbers used before their range
 *     check, get_free_pirq run dry): PHYSDEVOP_eoi and irq_status_query
 *     of PIRQs 0x80000000 and 0xffffffff, map_pirq of GSI -1 and
 *     0x7fffffff and of PIRQ -1 / 0x7fffffff, unmap_pirq of PIRQ -1 and
 *     0x7fffffff; the peer then takes MSI PIRQs with get_free_pirq until
 *     it is refused (the count and the refusal are rows), and once more;
 *   - XSA-307 (bit searches past a map's end; dom0 only): setvcpuaffinity
 *     with maps of 1, 63, 64 and 65 bits and of 0xffffffff bits (only
 *     the bytes the machine's CPUs need are read), getvcpuaffinity into
 *     maps of 1, 63, 64 and 65 bits (the bytes past them untouched);
 *     getvcpuinfo, getvcpucontext and setvcpuaffinity of vCPU 0xffffffff;
 *   - set_iobitmap with 65536, 65537 and 0xffffffff ports and a bitmap in
 *     the lower half's last page; dom0's getdomaininfolist for 0xffffffff
 *     records and from DOMID_FIRST_RESERVED and 0xffff, readconsole from
 *     index 0xffffffff and of 0 bytes, getcpuinfo for 0xffffffff CPUs.
 * The peer reports through lib/peer_verdict.h; dom0's result line counts.
 * @domus: self:peer:role=peer
 */
#include "conform_peer.h"
#include "lib/domctl.h"
#include "lib/physinfo.h"
#include <lamina/physdev.h>
#include <lamina/event_channel.h>
#include <lamina/vcpu.h>

#define VCPU(cmd, id, arg)	hypercall3(__HYPERVISOR_vcpu_op, (cmd), (uint64_t)(id), (uint64_t)(arg))
#define PHYS(cmd, arg)		hypercall2(__HYPERVISOR_physdev_op, (cmd), (uint64_t)(arg))

static const uint32_t bad_ids[] = { 4096, 0x7fffffff, 0x80000000, 0xffffffff };
#define NR_BAD	(sizeof(bad_ids) / sizeof(bad_ids[0]))
#define NR_SUBOPS	14	/* VCPUOP_initialise .. register_vcpu_time_memory_area */

static char names[NR_BAD][NR_SUBOPS + 4][64];

/* A page of zeros every sub-op may read as its argument. */
static uint8_t zeros[4096] __attribute__((aligned(4096)));

static void vcpu_ids(void)
{
	unsigned int i, op;

	for (i = 0; i < NR_BAD; i++) {
		uint32_t id = bad_ids[i];
		struct evtchn_bind_virq bv = { VIRQ_TIMER, id, 0 };
		struct evtchn_bind_ipi bi = { id, 0 };
		struct evtchn_init_control ic;
		struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };
		struct evtchn_bind_vcpu bvc;

		for (op = 0; op < NR_SUBOPS; op++) {
			snprintf(names[i][op], sizeof(names[i][op]), "XSA-296 vcpu_op %u vcpu %#x", op, id);
			ROW(names[i][op], VCPU(op, id, zeros), -ENOENT);
		}
		snprintf(names[i][op], 64, "XSA-475 bind_virq TIMER vcpu %#x", id);
		ROW(names[i][op], evtchn_op(EVTCHNOP_bind_virq, &bv), -ENOENT);
		snprintf(names[i][op + 1], 64, "XSA-475 bind_ipi vcpu %#x", id);
		ROW(names[i][op + 1], evtchn_op(EVTCHNOP_bind_ipi, &bi), -ENOENT);
		memset(&ic, 0, sizeof(ic));
		ic.control_gfn = va_to_mfn((uint64_t)zeros);
		ic.vcpu = id;
		snprintf(names[i][op + 2], 64, "XSA-475 init_control vcpu %#x", id);
		ROW(names[i][op + 2], evtchn_op(EVTCHNOP_init_control, &ic), -ENOENT);
		if (evtchn_op(EVTCHNOP_alloc_unbound, &au) == 0) {
			struct evtchn_close cl = { au.port };

			bvc.port = au.port;
			bvc.vcpu = id;
			snprintf(names[i][op + 3], 64, "XSA-475 bind_vcpu vcpu %#x", id);
			ROW(names[i][op + 3], evtchn_op(EVTCHNOP_bind_vcpu, &bvc), -ENOENT);
			evtchn_op(EVTCHNOP_close, &cl);
		} else {
			ROW("XSA-475 alloc_unbound for bind_vcpu", -1, 0);
		}
	}
}

/* 1 when port p went pending within ms milliseconds (it is cleared), else 0. */
static int fired_within(evtchn_port_t p, unsigned int ms)
{
	uint64_t end = pvclock_ns() + ms * 1000000ULL;

	while (pvclock_ns() < end)
		if (port_test_and_clear(p))
			return 1;
	return port_test_and_clear(p);
}

/* SCHEDOP_poll on port p (masked, not pending) until timeout: the ms it took. */
static uint64_t poll_ms(evtchn_port_t p, uint64_t timeout)
{
	struct sched_poll sp;
	uint64_t t0 = pvclock_ns();

	memset(&sp, 0, sizeof(sp));
	sp.ports = (uint64_t)&p;
	sp.nr_ports = 1;
	sp.timeout = timeout;
	if (hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, (uint64_t)&sp))
		return ~0ULL;
	return (pvclock_ns() - t0) / 1000000;
}

static void timers(void)
{
	struct vcpu_set_periodic_timer pt;
	struct vcpu_set_singleshot_timer ss;
	evtchn_port_t p = oneshot_timer_port();

	memset(&ss, 0, sizeof(ss));

	ROW("XSA-20 VIRQ_TIMER bound", p != 0, 1);
	port_mask(p, true);
	pt.period_ns = 999999;
	ROW("XSA-20 set_periodic_timer 1 ms - 1", VCPU(VCPUOP_set_periodic_timer, 0, &pt), -EINVAL);
	pt.period_ns = (~0ULL >> 2) + 1;
	ROW("XSA-20 set_periodic_timer STIME_DELTA_MAX + 1",
	    VCPU(VCPUOP_set_periodic_timer, 0, &pt), -EINVAL);
	pt.period_ns = ~0ULL;
	ROW("XSA-20 set_periodic_timer 2^64 - 1", VCPU(VCPUOP_set_periodic_timer, 0, &pt), -EINVAL);
	pt.period_ns = 1ULL << 63;
	ROW("XSA-20 set_periodic_timer 2^63", VCPU(VCPUOP_set_periodic_timer, 0, &pt), -EINVAL);
	pt.period_ns = ~0ULL >> 2;
	ROW("XSA-20 set_periodic_timer STIME_DELTA_MAX", VCPU(VCPUOP_set_periodic_timer, 0, &pt), 0);
	fired_within(p, 20);	/* a first tick may come at once */
	ROW("XSA-20 STIME_DELTA_MAX period: no tick in 20 ms", fired_within(p, 20), 0);
	pt.period_ns = 1000000;
	ROW("XSA-20 set_periodic_timer 1 ms", VCPU(VCPUOP_set_periodic_timer, 0, &pt), 0);
	ROW("XSA-20 1 ms period: a tick in 20 ms", fired_within(p, 20), 1);
	ROW("XSA-20 stop_periodic_timer", VCPU(VCPUOP_stop_periodic_timer, 0, 0), 0);
	fired_within(p, 20);
	ss.timeout_abs_ns = 1ULL << 63;
	ROW("XSA-20 set_singleshot_timer 2^63", VCPU(VCPUOP_set_singleshot_timer, 0, &ss), 0);
	ROW("XSA-20 singleshot 2^63: fired in 20 ms", fired_within(p, 20), 1);
	ss.timeout_abs_ns = ~0ULL;
	ROW("XSA-20 set_singleshot_timer 2^64 - 1", VCPU(VCPUOP_set_singleshot_timer, 0, &ss), 0);
	ROW("XSA-20 singleshot 2^64 - 1: fired in 20 ms", fired_within(p, 20), 1);
	ss.timeout_abs_ns = (~0ULL >> 1);
	ROW("XSA-20 set_singleshot_timer 2^63 - 1", VCPU(VCPUOP_set_singleshot_timer, 0, &ss), 0);
	ROW("XSA-20 singleshot 2^63 - 1: fired in 20 ms", fired_within(p, 20), 0);
	ROW("XSA-20 stop_singleshot_timer", VCPU(VCPUOP_stop_singleshot_timer, 0, 0), 0);
	ROW("XSA-20 poll timeout 2^63: back in 20 ms", poll_ms(p, 1ULL << 63) < 20, 1);
	ROW("XSA-20 poll timeout 2^64 - 1: back in 20 ms", poll_ms(p, ~0ULL) < 20, 1);
	/* Xen takes a deadline below 0 or 2^50 ns ahead as 100 ms from now. */
	ROW("XSA-20 set_timer_op 2^64 - 1", hypercall1(__HYPERVISOR_set_timer_op, ~0ULL), 0);
	ROW("XSA-20 set_timer_op 2^64 - 1: fired in 20 ms", fired_within(p, 20), 0);
	ROW("XSA-20 set_timer_op 2^64 - 1: fired in 300 ms more", fired_within(p, 300), 1);
	ROW("XSA-20 set_timer_op now + 2^51", hypercall1(__HYPERVISOR_set_timer_op,
							    pvclock_ns() + (1ULL << 51)), 0);
	ROW("XSA-20 set_timer_op now + 2^51: fired in 20 ms", fired_within(p, 20), 0);
	ROW("XSA-20 set_timer_op now + 2^51: fired in 300 ms more", fired_within(p, 300), 1);
	ROW("XSA-20 set_timer_op now + 2^49", hypercall1(__HYPERVISOR_set_timer_op,
							    pvclock_ns() + (1ULL << 49)), 0);
	ROW("XSA-20 set_timer_op now + 2^49: fired in 300 ms", fired_within(p, 300), 0);
	ROW("XSA-20 set_timer_op 0 (stop)", hypercall1(__HYPERVISOR_set_timer_op, 0), 0);
	port_mask(p, false);
}

static void pirqs(bool dom0)
{
	struct physdev_eoi eoi;
	struct physdev_irq_status_query q;
	struct physdev_map_pirq map;
	struct physdev_unmap_pirq unmap;
	struct physdev_get_free_pirq fp;
	int n;
	long rc;

	eoi.irq = 0x80000000;
	ROW("XSA-21 eoi PIRQ 0x80000000", PHYS(PHYSDEVOP_eoi, &eoi), -EINVAL);
	eoi.irq = 0xffffffff;
	ROW("XSA-21 eoi PIRQ 0xffffffff", PHYS(PHYSDEVOP_eoi, &eoi), -EINVAL);
	q.irq = 0x80000000;
	ROW("XSA-21 irq_status_query 0x80000000", PHYS(PHYSDEVOP_irq_status_query, &q), -EINVAL);
	q.irq = 0xffffffff;
	ROW("XSA-21 irq_status_query 0xffffffff", PHYS(PHYSDEVOP_irq_status_query, &q), -EINVAL);

	memset(&map, 0, sizeof(map));
	map.domid = DOMID_SELF;
	map.type = MAP_PIRQ_TYPE_GSI;
	map.index = -1;
	map.pirq = -1;
	ROW("XSA-16 map_pirq GSI -1", PHYS(PHYSDEVOP_map_pirq, &map), dom0 ? -EINVAL : -EPERM);
	map.index = 0x7fffffff;
	map.pirq = -1;
	ROW("XSA-16 map_pirq GSI 0x7fffffff", PHYS(PHYSDEVOP_map_pirq, &map), dom0 ? -EINVAL : -EPERM);
	map.index = 5;
	map.pirq = 0x7fffffff;
	ROW("XSA-16 map_pirq GSI 5 to PIRQ 0x7fffffff", PHYS(PHYSDEVOP_map_pirq, &map),
	    dom0 ? -EINVAL : -EPERM);
	map.pirq = (int32_t)0x80000000;
	ROW("XSA-16 map_pirq GSI 5 to PIRQ -2^31", PHYS(PHYSDEVOP_map_pirq, &map),
	    dom0 ? 0 : -EPERM);
	if (dom0 && map.pirq >= 0) {
		unmap.domid = DOMID_SELF;
		unmap.pirq = map.pirq;
		ROW("XSA-16 unmap_pirq of that", PHYS(PHYSDEVOP_unmap_pirq, &unmap), 0);
	}
	unmap.domid = DOMID_SELF;
	unmap.pirq = -1;
	ROW("XSA-16 unmap_pirq -1", PHYS(PHYSDEVOP_unmap_pirq, &unmap), dom0 ? -EINVAL : -EPERM);
	unmap.pirq = 0x7fffffff;
	ROW("XSA-16 unmap_pirq 0x7fffffff", PHYS(PHYSDEVOP_unmap_pirq, &unmap),
	    dom0 ? -EINVAL : -EPERM);
	if (dom0)
		return;
	/* XSA-13: the peer's own PIRQs, taken until none is left. */
	for (n = 0; n < 4096; n++) {
		fp.type = MAP_PIRQ_TYPE_MSI;
		fp.pirq = 0xdead;
		if ((rc = PHYS(PHYSDEVOP_get_free_pirq, &fp)))
			break;
	}
	ROW("XSA-13 get_free_pirq MSI until refused: the refusal", rc, -ENOSPC);
	ROW("XSA-13 get_free_pirq MSI: PIRQs taken", n, 32);
	fp.type = MAP_PIRQ_TYPE_GSI;
	ROW("XSA-13 get_free_pirq GSI after", PHYS(PHYSDEVOP_get_free_pirq, &fp), 0);
	fp.type = MAP_PIRQ_TYPE_MSI;
	ROW("XSA-13 get_free_pirq MSI again", PHYS(PHYSDEVOP_get_free_pirq, &fp), -ENOSPC);
}

/* dom0's own hard map. */
static long affinity(uint32_t cmd, uint32_t vcpu, uint8_t *map, uint32_t bits)
{
	return domctl_hard_affinity(cmd, 0, vcpu, map, bits);
}

/* XSA-307: maps of odd widths for dom0's vCPU 0. */
static void maps(void)
{
	static const uint32_t widths[] = { 1, 63, 64, 65 };
	static char nm[4][3][64];
	uint8_t map[32];
	struct domctl op;
	unsigned int i, keep;

	memset(map, 0xee, sizeof(map));
	ROW("XSA-307 getvcpuaffinity 64 bits", affinity(DOMCTL_getvcpuaffinity, 0, map, 64), 0);
	keep = map[0];
	for (i = 0; i < 4; i++) {
		uint32_t w = widths[i];

		memset(map, 0xee, sizeof(map));
		map[0] = 1;
		snprintf(nm[i][0], 64, "XSA-307 setvcpuaffinity %u bits", w);
		ROW(nm[i][0], affinity(DOMCTL_setvcpuaffinity, 0, map, w), 0);
		memset(map, 0xee, sizeof(map));
		snprintf(nm[i][1], 64, "XSA-307 getvcpuaffinity %u bits", w);
		ROW(nm[i][1], affinity(DOMCTL_getvcpuaffinity, 0, map, w), 0);
		snprintf(nm[i][2], 64, "XSA-307 getvcpuaffinity %u bits: bytes 0, %u, %u",
			 w, (w + 7) / 8 - 1, (w + 7) / 8);
		/* The map: CPU 0 alone; the last byte's unused bits as they come; nothing past. */
		ROW(nm[i][2], (map[0] & 1) | (w > 8 ? map[(w + 7) / 8 - 1] << 8 : 0) |
			      (map[(w + 7) / 8] << 16), 1 | (0xee << 16));
	}
	memset(map, 0, sizeof(map));
	map[0] = 1;
	/* Xen rounds nr_bits up to bytes in 32 bits: 0xfffffff9 on read no byte. */
	ROW("XSA-307 setvcpuaffinity 0xffffffff bits",
	    affinity(DOMCTL_setvcpuaffinity, 0, map, 0xffffffff), -EINVAL);
	ROW("XSA-307 setvcpuaffinity 0xfffffff9 bits",
	    affinity(DOMCTL_setvcpuaffinity, 0, map, 0xfffffff9), -EINVAL);
	ROW("XSA-307 getvcpuaffinity 0xffffffff bits",
	    affinity(DOMCTL_getvcpuaffinity, 0, map, 0xffffffff), 0);
	ROW("XSA-307 getvcpuaffinity 0xffffffff bits: nothing written", map[0], 1);
	map[0] = (uint8_t)keep;
	ROW("XSA-307 setvcpuaffinity back", affinity(DOMCTL_setvcpuaffinity, 0, map, 64), 0);
	ROW("XSA-307 setvcpuaffinity vcpu 0xffffffff",
	    affinity(DOMCTL_setvcpuaffinity, 0xffffffff, map, 64), -EINVAL);
	ROW("XSA-307 getvcpuaffinity vcpu 0xffffffff",
	    affinity(DOMCTL_getvcpuaffinity, 0xffffffff, map, 64), -EINVAL);
	memset(&op, 0, sizeof(op));
	op.u.getvcpuinfo.vcpu = 0xffffffff;
	ROW("XSA-475 getvcpuinfo vcpu 0xffffffff", domctl_call(&op, DOMCTL_getvcpuinfo, 0),
	    -EINVAL);
	memset(&op, 0, sizeof(op));
	op.u.vcpucontext.vcpu = 0xffffffff;
	op.u.vcpucontext.ctxt = (uint64_t)zeros;
	ROW("XSA-475 getvcpucontext vcpu 0xffffffff",
	    domctl_call(&op, DOMCTL_getvcpucontext, 0), -EINVAL);
}

/* PHYSDEVOP_set_iobitmap at its edges; none at the end. */
static void iobitmap(void)
{
	struct physdev_set_iobitmap bm;

	memset(&bm, 0, sizeof(bm));
	bm.bitmap = (uint64_t)zeros;
	bm.nr_ports = 65536;
	ROW("set_iobitmap 65536 ports", PHYS(PHYSDEVOP_set_iobitmap, &bm), 0);
	bm.nr_ports = 65537;
	ROW("set_iobitmap 65537 ports", PHYS(PHYSDEVOP_set_iobitmap, &bm), -EINVAL);
	bm.nr_ports = 0xffffffff;
	ROW("set_iobitmap 0xffffffff ports", PHYS(PHYSDEVOP_set_iobitmap, &bm), -EINVAL);
	bm.bitmap = 0x00007ffffffff000ULL;	/* the last guest page: 8 KiB would cross */
	bm.nr_ports = 65536;
	ROW("set_iobitmap at the lower half's last page", PHYS(PHYSDEVOP_set_iobitmap, &bm), 0);
	bm.bitmap = 0;
	bm.nr_ports = 0;
	ROW("set_iobitmap none", PHYS(PHYSDEVOP_set_iobitmap, &bm), 0);
}

/* dom0's getdomaininfolist from first, at most max records: the answer, *num the count. */
static long info_list(domid_t first, uint32_t max, uint32_t *num)
{
	struct sysctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	op.u.getdomaininfolist.first_domain = first;
	op.u.getdomaininfolist.max_domains = max;
	op.u.getdomaininfolist.buffer = (uint64_t)zeros;	/* room for 4 records */
	rc = sysctl_call(&op, SYSCTL_getdomaininfolist);
	*num = op.u.getdomaininfolist.num_domains;
	return rc;
}

/* dom0: list, console and CPU-info counts and indices at their edges. */
static void sysctl_counts(void)
{
	static uint8_t buf[4096];
	struct sysctl op;
	uint32_t n;

	ROW("getdomaininfolist max 0xffffffff", info_list(0, 0xffffffff, &n), 0);
	/* dom0, and on Lamina the peer if it was built at boot (not started yet). */
	ROW("getdomaininfolist max 0xffffffff: dom0 (and the peer)", n >= 1 && n <= 2, 1);
	ROW("getdomaininfolist from DOMID_FIRST_RESERVED", info_list(DOMID_FIRST_RESERVED, 4, &n),
	    0);
	ROW("getdomaininfolist from DOMID_FIRST_RESERVED: none", n, 0);
	ROW("getdomaininfolist from 0xffff", info_list(0xffff, 4, &n), 0);
	ROW("getdomaininfolist from 0xffff: none", n, 0);
	memset(&op, 0, sizeof(op));
	op.u.readconsole.incremental = 1;
	op.u.readconsole.index = 0xffffffff;
	op.u.readconsole.buffer = (uint64_t)buf;
	op.u.readconsole.count = 16;
	ROW("readconsole incremental from 0xffffffff", sysctl_call(&op, SYSCTL_readconsole), 0);
	ROW("readconsole incremental from 0xffffffff: 16 bytes", op.u.readconsole.count, 16);
	memset(&op, 0, sizeof(op));
	op.u.readconsole.buffer = (uint64_t)buf;
	op.u.readconsole.count = 0;
	ROW("readconsole count 0", sysctl_call(&op, SYSCTL_readconsole), 0);
	ROW("readconsole count 0: nothing", op.u.readconsole.count, 0);
	memset(&op, 0, sizeof(op));
	op.u.getcpuinfo.max_cpus = 0xffffffff;
	op.u.getcpuinfo.info = (uint64_t)buf;
	ROW("getcpuinfo max_cpus 0xffffffff", sysctl_call(&op, SYSCTL_getcpuinfo), 0);
	ROW("getcpuinfo max_cpus 0xffffffff: the CPUs there are, at most 64",
	    op.u.getcpuinfo.nr_cpus >= 1 && op.u.getcpuinfo.nr_cpus <= 64, 1);
}

static void rows(void *arg)
{
	const struct start_info *si = arg;
	bool dom0 = si->flags & SIF_INITDOMAIN;

	vcpu_ids();
	timers();
	pirqs(dom0);
	iobitmap();
	if (dom0) {
		maps();
		sysctl_counts();
	}
}

int test_main(struct start_info *si)
{
	return conform_dom0_and_peer(si, rows, si, "attack-xsa-sched");
}
