// SPDX-License-Identifier: GPL-2.0-only
/* Host tests of hypervisor/common/cmdline.c. */
#include "../../unit.h"
#include <hv/cmdline.h>
#include <hv/printk.h>

static struct hv_options parse(const char *s)
{
	struct hv_options o;

	cmdline_defaults(&o);
	cmdline_parse(s, &o);
	return o;
}

static void defaults(void)
{
	struct hv_options o = parse("");

	EXPECT_EQ(o.loglvl, -1);
	EXPECT_EQ(o.dom0_mem, 0);
	EXPECT_EQ(o.com1_port, CONFIG_SERIAL_PORT);
	EXPECT_EQ(o.com1_baud, CONFIG_SERIAL_BAUD);
	EXPECT(o.console_serial);
	EXPECT(!o.noreboot);
	EXPECT_EQ(o.testexit_port, 0);
	EXPECT_EQ(o.warnings[0], 0);
}

static void all_options(void)
{
	struct hv_options o = parse("  loglvl=debug dom0_mem=512M com1=9600,8n1,0x2f8 "
				    "console=com1 noreboot testexit=0x501  ");

	EXPECT_EQ(o.loglvl, LOG_DEBUG);
	EXPECT_EQ(o.dom0_mem, 512ULL << 20);
	EXPECT_EQ(o.com1_baud, 9600);
	EXPECT_EQ(o.com1_port, 0x2f8);
	EXPECT(o.console_serial);
	EXPECT(o.noreboot);
	EXPECT_EQ(o.testexit_port, 0x501);
	EXPECT_EQ(o.warnings[0], 0);
}

static void sizes_and_levels(void)
{
	EXPECT_EQ(parse("dom0_mem=2G").dom0_mem, 2ULL << 30);
	EXPECT_EQ(parse("dom0_mem=65536").dom0_mem, 64ULL << 20);	/* KiB, as Xen */
	EXPECT_EQ(parse("dom0_mem=1048576K").dom0_mem, 1ULL << 30);
	EXPECT_EQ(parse("dom0_mem=1G").dom0_mem_max, 0);
	EXPECT_EQ(parse("dom0_mem=512M,max:512M").dom0_mem, 512ULL << 20);
	EXPECT_EQ(parse("dom0_mem=512M,max:512M").dom0_mem_max, 512ULL << 20);
	EXPECT_EQ(parse("dom0_mem=max:2G,64M").dom0_mem, 64ULL << 20);
	EXPECT_EQ(parse("dom0_mem=max:2G,64M").dom0_mem_max, 2ULL << 30);
	EXPECT_EQ(parse("dom0_mem=max:2G").dom0_mem, 0);
	EXPECT_EQ(parse("dom0_mem=max:2G").dom0_mem_max, 2ULL << 30);
	EXPECT_EQ(parse("loglvl=err").loglvl, LOG_ERR);
	EXPECT_EQ(parse("loglvl=warning").loglvl, LOG_WARN);
	EXPECT_EQ(parse("loglvl=all").loglvl, LOG_DEBUG);
	EXPECT_EQ(parse("loglvl=2").loglvl, LOG_INFO);
	EXPECT_EQ(parse("testexit").testexit_port, 0xf4);
	EXPECT(!parse("console=none").console_serial);
	EXPECT_EQ(parse("com1=115200").com1_port, CONFIG_SERIAL_PORT);
}

/* Bad input is reported and leaves the default in place; never fatal. */
static void bad_values(void)
{
	struct hv_options o = parse("dom0_mem=lots loglvl=loud com1=0 console=vga "
				    "noreboot=yes frobnicate dom0_mem= testexit=0 "
				    "dom0_mem=99999999999999999999999G com1=115200,8n1,0x "
				    "dom0_mem=64M,min:32M dom0_mem=64M, dom0_mem=max: "
				    "dom0_mem=max:512K dom0_mem=64M,,max:1G");

	EXPECT_EQ(o.dom0_mem, 0);
	EXPECT_EQ(o.dom0_mem_max, 0);
	EXPECT(strstr(o.warnings, "bad value ignored: 'dom0_mem=64M,min:32M'"));
	EXPECT_EQ(o.loglvl, -1);
	EXPECT_EQ(o.com1_baud, CONFIG_SERIAL_BAUD);
	EXPECT(o.console_serial);
	EXPECT(!o.noreboot);
	EXPECT_EQ(o.testexit_port, 0);
	EXPECT(strstr(o.warnings, "unknown option ignored: 'frobnicate'"));
	EXPECT(strstr(o.warnings, "bad value ignored: 'dom0_mem=lots'"));
	EXPECT(strstr(o.warnings, "option needs a value: 'dom0_mem='"));
	EXPECT(strstr(o.warnings, "bad value ignored: 'console=vga'"));
}

static void grant_limits(void)
{
	struct hv_options o = parse("gnttab_max_frames=4 gnttab_max_maptrack_frames=1");

	EXPECT_EQ(parse("").gnttab_max_frames, CONFIG_GNTTAB_MAX_FRAMES);
	EXPECT_EQ(parse("").gnttab_max_maptrack, CONFIG_GNTTAB_MAX_MAPTRACK);
	EXPECT_EQ(o.gnttab_max_frames, 4);
	EXPECT_EQ(o.gnttab_max_maptrack, 1);
	EXPECT_EQ(o.warnings[0], 0);
	o = parse("gnttab_max_frames=0 gnttab_max_frames=65 gnttab_max_maptrack_frames=1025 "
		  "gnttab_max_frames=3x");
	EXPECT_EQ(o.gnttab_max_frames, CONFIG_GNTTAB_MAX_FRAMES);
	EXPECT_EQ(o.gnttab_max_maptrack, CONFIG_GNTTAB_MAX_MAPTRACK);
	EXPECT(strstr(o.warnings, "bad value ignored: 'gnttab_max_frames=65'"));
	EXPECT(strstr(o.warnings, "bad value ignored: 'gnttab_max_maptrack_frames=1025'"));
	EXPECT_EQ(parse("").gnttab_max_version, 2);
	EXPECT_EQ(parse("gnttab_max_version=1").gnttab_max_version, 1);
	o = parse("gnttab_max_version=3 gnttab_max_version=0");
	EXPECT_EQ(o.gnttab_max_version, 2);
	EXPECT(strstr(o.warnings, "bad value ignored: 'gnttab_max_version=3'"));
}

static void evtchn_limits(void)
{
	struct hv_options o = parse("evtchn_fifo_max_ports=5000");

	EXPECT_EQ(parse("").evtchn_fifo_max_ports, 131072);
	EXPECT_EQ(o.evtchn_fifo_max_ports, 5000);
	o = parse("evtchn_fifo_max_ports=0 evtchn_fifo_max_ports=131073");
	EXPECT_EQ(o.evtchn_fifo_max_ports, 131072);
	EXPECT(strstr(o.warnings, "bad value ignored: 'evtchn_fifo_max_ports=131073'"));
}

/* pv-linear-pt: a Xen boolean, on by default. */
static void linear_pt(void)
{
	struct hv_options o = parse("pv-linear-pt=0");

	EXPECT(parse("").pv_linear_pt);
	EXPECT(!o.pv_linear_pt);
	EXPECT_EQ(o.warnings[0], 0);
	EXPECT(!parse("pv-linear-pt=off").pv_linear_pt);
	EXPECT(parse("pv-linear-pt=0 pv-linear-pt").pv_linear_pt);
	EXPECT(parse("pv-linear-pt=no pv-linear-pt=yes").pv_linear_pt);
	o = parse("pv-linear-pt=0 pv-linear-pt=maybe");
	EXPECT(!o.pv_linear_pt);
	EXPECT(strstr(o.warnings, "bad value ignored: 'pv-linear-pt=maybe'"));
}

/* sched_spread: a boolean, on by default (docs/architecture.md, Scheduling). */
static void sched_spread(void)
{
	EXPECT(parse("").sched_spread);
	EXPECT(!parse("sched_spread=0").sched_spread);
	EXPECT(parse("sched_spread=0 sched_spread").sched_spread);
	EXPECT(!parse("sched_spread=1 sched_spread=off").sched_spread);
	EXPECT_EQ(parse("sched_spread=yes").warnings[0], 0);
}

/* nr_cpus= and maxcpus=: counts, 0 (unset) by default; smp.c bounds them. */
static void cpu_counts(void)
{
	struct hv_options o = parse("nr_cpus=2 maxcpus=1");

	EXPECT_EQ(parse("").nr_cpus, 0);
	EXPECT_EQ(parse("").maxcpus, 0);
	EXPECT_EQ(o.nr_cpus, 2);
	EXPECT_EQ(o.maxcpus, 1);
	EXPECT_EQ(o.warnings[0], 0);
	o = parse("nr_cpus=0 maxcpus=two");
	EXPECT_EQ(o.nr_cpus, 0);
	EXPECT_EQ(o.maxcpus, 0);
	EXPECT(strstr(o.warnings, "bad value ignored: 'nr_cpus=0'"));
	EXPECT(strstr(o.warnings, "bad value ignored: 'maxcpus=two'"));
}

/* destroy_zero_ms=: 1000 by default, 0 to 60000 (arch/x86/domain_destroy.c). */
static void destroy_zero(void)
{
	struct hv_options o;

	EXPECT_EQ(parse("").destroy_zero_ms, 1000);
	EXPECT_EQ(parse("destroy_zero_ms=0").destroy_zero_ms, 0);
	EXPECT_EQ(parse("destroy_zero_ms=60000").destroy_zero_ms, 60000);
	o = parse("destroy_zero_ms=2 destroy_zero_ms=60001");
	EXPECT_EQ(o.destroy_zero_ms, 2);
	EXPECT(strstr(o.warnings, "bad value ignored: 'destroy_zero_ms=60001'"));
	o = parse("destroy_zero_ms");
	EXPECT_EQ(o.destroy_zero_ms, 1000);
	EXPECT(strstr(o.warnings, "option needs a value: 'destroy_zero_ms'"));
}

/* Many warnings never overflow the buffer. */
static void warning_overflow(void)
{
	char line[4096];
	struct hv_options o;
	int i, n = 0;

	for (i = 0; i < 200; i++)
		n += snprintf(line + n, sizeof(line) - n, "bogus%d ", i);
	o = parse(line);
	EXPECT(strlen(o.warnings) < sizeof(o.warnings));
	EXPECT(strstr(o.warnings, "bogus0"));
}

static void image_name(void)
{
	EXPECT(!strcmp(cmdline_skip_image_name("build/lamina.elf loglvl=all"), "loglvl=all"));
	EXPECT(!strcmp(cmdline_skip_image_name("/boot/lamina.elf"), ""));
	EXPECT(!strcmp(cmdline_skip_image_name("lamina.elf  a b"), "a b"));
	EXPECT(!strcmp(cmdline_skip_image_name("loglvl=all noreboot"), "loglvl=all noreboot"));
	EXPECT(!strcmp(cmdline_skip_image_name("noreboot"), "noreboot"));
	EXPECT(!strcmp(cmdline_skip_image_name("root=/dev/xvda"), "root=/dev/xvda"));
	EXPECT(!strcmp(cmdline_skip_image_name(""), ""));
}

int main(void)
{
	unit_suite = "cmdline";
	RUN(defaults);
	RUN(all_options);
	RUN(sizes_and_levels);
	RUN(bad_values);
	RUN(grant_limits);
	RUN(evtchn_limits);
	RUN(linear_pt);
	RUN(sched_spread);
	RUN(cpu_counts);
	RUN(destroy_zero);
	RUN(warning_overflow);
	RUN(image_name);
	return 0;
}
