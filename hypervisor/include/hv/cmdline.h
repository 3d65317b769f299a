/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypervisor command line. Options (README lists them for users):
 *   loglvl=err|warning|info|debug|all   console verbosity
 *   dom0_mem=<size>[K|M|G][,max:<size>]  dom0 memory (no unit = KiB, as Xen)
 *                                       and the most it may grow to (none)
 *   dom0_max_vcpus=<n>|<min>-<max>      dom0's vCPUs (Xen's rule: the pCPUs,
 *                                       raised to min, lowered to max)
 *   com1=<baud>[,8n1][,<io-base>]       serial port settings
 *   console=com1|none[,...]             where console output goes
 *   noreboot                            halt instead of rebooting
 *   testexit[=<port>]                   end QEMU via isa-debug-exit (tests)
 *   gnttab_max_frames=<n>               grant-table frames per domain (1-64)
 *   gnttab_max_maptrack_frames=<n>      maptrack frames per domain (1-1024)
 *   gnttab_max_version=<n>              highest grant-table version offered (1-2)
 *   evtchn_fifo_max_ports=<n>           event channels of a FIFO domain (1-131072)
 *   pv-linear-pt=<bool>                 linear page tables for PV guests (default on)
 *   nr_cpus=<n>                         CPUs the machine is taken to have (hv/smp.h)
 *   maxcpus=<n>                         CPUs started at boot
 *   sched_spread=<bool>                 place vCPUs on every CPU and let idle
 *                                       CPUs steal (default on; off: CPU 0
 *                                       unless pinned elsewhere; common/sched.c)
 * Unknown options and bad values are reported, never fatal.
 */
#ifndef HV_CMDLINE_H
#define HV_CMDLINE_H

#include <hv/types.h>

#define GNTTAB_FRAMES_LIMIT	64	/* the most gnttab_max_frames= may give */
#define MAPTRACK_FRAMES_LIMIT	1024
#define EVTCHN_FIFO_PORTS_LIMIT	131072	/* 2^EVTCHN_FIFO_LINK_BITS */

struct hv_options {
	int loglvl;			/* enum log_level, or -1 = config default */
	uint64_t dom0_mem;		/* bytes; 0 = default */
	uint64_t dom0_mem_max;		/* bytes; 0 = no limit (UINT_MAX pages, as Xen) */
	uint32_t dom0_vcpus_min, dom0_vcpus_max;	/* dom0_max_vcpus= (1, ~0 = none) */
	uint32_t com1_baud;
	uint16_t com1_port;
	bool console_serial;
	bool noreboot;
	uint16_t testexit_port;		/* 0 = not in test mode */
	uint32_t gnttab_max_frames;	/* grant-table frames a domain may have */
	uint32_t gnttab_max_maptrack;	/* maptrack frames (256 handles each) */
	uint32_t gnttab_max_version;	/* 2 (Xen's default), or 1 */
	uint32_t evtchn_fifo_max_ports;	/* ports (and event words) of a FIFO domain */
	uint32_t nr_cpus;		/* 0 = as the MADT says */
	uint32_t maxcpus;		/* 0 = all of nr_cpus */
	bool sched_spread;		/* place() balances, idle CPUs steal */
	bool pv_linear_pt;		/* L2-L4 entries may map same-level tables (Xen's default) */
	uint32_t destroy_zero_ms;	/* a destroy zeroes the frames it frees for this long at most */
	char warnings[512];		/* problems found, printed once the console is up */
};

void cmdline_defaults(struct hv_options *o);
void cmdline_parse(const char *cmdline, struct hv_options *o);
const char *cmdline_skip_image_name(const char *cmdline);
int parse_size(const char *s, const char **end, uint64_t *bytes);

#endif
