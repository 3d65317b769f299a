// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hypervisor's debug keys (CONFIG_DEBUG_KEYS; without it this file is
 * not built). Three Ctrl-A in a row on the serial console switch input
 * from dom0 to these keys and back (console_input.c hands each character
 * to keyhandler_take() first):
 *   h help, d domains and vCPUs, q run queue, e event channels,
 *   m memory accounting and the frame audit of every domain (mm_audit.c),
 *   i interrupts, t time and timers, c CPUs (each other one answering an IPI).
 * dom0 runs the same handlers with sysctl debug_keys (vmctl debug-keys).
 */
#include <hv/lib.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/grant_table.h>
#include <hv/event.h>
#include <hv/mm.h>
#include <hv/page_alloc.h>
#include <hv/time.h>
#include <hv/sched.h>
#include <hv/smp.h>
#include <lamina/event_channel.h>
#include <asm/irq.h>

static const char *const state_names[] = { "runnable", "blocked", "down" };

static void dump_domains(void)
{
	struct domain *d;

	for (d = NULL; (d = domain_next_get(d));) {
		struct vcpu *v;

		printk(LOG_ERR, "d%u %-10s %s%s pages %llu/%llu\n", d->domid, d->name,
		       d->is_privileged ? "privileged " : "",
		       d->destroyed ? "destroyed" : d->state == DOMAIN_RUNNING ? "running" : "shut down",
		       (unsigned long long)d->nr_pages, (unsigned long long)d->max_pages);
		for_each_vcpu(d, v) {
			printk(LOG_ERR, "  v%u: %s, %u pauses, %s mode, rip %#llx, upcall pending %u mask %u "
			       "sel %#llx\n",
			       v->vcpu_id, state_names[v->state], v->pause_count,
			       v->arch.kernel_mode ? "kernel" : "user",
			       (unsigned long long)v->arch.regs.rip,
			       v->vcpu_info->evtchn_upcall_pending, v->vcpu_info->evtchn_upcall_mask,
			       (unsigned long long)v->vcpu_info->evtchn_pending_sel);
			if (v->polling)		/* SCHEDOP_poll: its list (a list of 0 wakes on no port) */
				printk(LOG_ERR, "      polling %u port%s, first %u\n", v->nr_poll_ports,
				       v->nr_poll_ports == 1 ? "" : "s", v->poll_ports[0]);
		}
		grant_dump(d);
	}
}

static void dump_events(void)
{
	struct domain *d;
	unsigned int p;

	for (d = NULL; (d = domain_next_get(d));) {
		const struct evtchn *c;

		for (p = 1; (c = evtchn_from_port(d, p)); p++) {
			bool pend = evtchn_port_is_pending(d, p);
			bool mask = d->evtchn_fifo ?
				    (evtchn_fifo_word(d, p) >> EVTCHN_FIFO_MASKED) & 1 :
				    (d->shared_info->evtchn_mask[p / 64] >> (p % 64)) & 1;

			if (c->state == ECS_FREE)
				continue;
			printk(LOG_ERR, "d%u port %u: state %u virq %u remote d%u:%u%s%s\n", d->domid,
			       p, c->state, c->virq, c->remote_dom, c->remote_port,
			       pend ? " pending" : "", mask ? " masked" : "");
		}
	}
}

static void dump_memory(void)
{
	unsigned int n = 0, bad = 0;
	struct domain *d;

	printk(LOG_ERR, "free frames: %llu (%llu MiB)\n",
	       (unsigned long long)frame_pool_nr_free(&machine_frames),
	       (unsigned long long)(frame_pool_nr_free(&machine_frames) >> 8));
	for (d = NULL; (d = domain_next_get(d));)
		printk(LOG_ERR, "d%u: %llu frames in use\n", d->domid,
		       (unsigned long long)domain_frame_count(d));
	for (d = NULL; (d = domain_next_get(d)); n++)
		bad += !mm_audit(d);
	printk(LOG_ERR, "mm audit: %u domain%s, %s\n", n, n == 1 ? "" : "s",
	       bad ? "FAILED" : "all ok");
}

static const char keys[] = "dqemitch";

static void debug_key(char c)
{
	switch (c) {
	case 'd':
		dump_domains();
		break;
	case 'q':
		sched_dump();
		break;
	case 'e':
		dump_events();
		break;
	case 'm':
		dump_memory();
		break;
	case 'i':
		arch_irq_dump();
		break;
	case 't':
		printk(LOG_ERR, "system time %llu ns, TSC %llu kHz\n",
		       (unsigned long long)now_ns(), (unsigned long long)tsc_khz());
		timer_dump();
		break;
	case 'c':
		smp_dump();
		break;
	default:
		printk(LOG_ERR, "debug keys: d domains/vCPUs, q run queue, e event channels, "
		       "m memory, i interrupts, t time, c CPUs, h help; Ctrl-A x3 returns input to dom0\n");
	}
}

#define CTRL_A		0x01

static bool debug_mode;
static unsigned int ctrl_a_run;

bool keyhandler_take(char c)
{
	if (c == CTRL_A) {
		if (++ctrl_a_run == 3) {
			ctrl_a_run = 0;
			debug_mode = !debug_mode;
			printk(LOG_ERR, "*** input to %s (Ctrl-A x3 switches)\n",
			       debug_mode ? "the hypervisor's debug keys" : "dom0");
		}
		return true;
	}
	ctrl_a_run = 0;
	if (!debug_mode)
		return false;
	debug_key(c);
	return true;
}

void keyhandler_run(char c)
{
	if (c && strchr(keys, c))
		debug_key(c);
}
