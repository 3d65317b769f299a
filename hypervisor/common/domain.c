// SPDX-License-Identifier: GPL-2.0-only
/*
 * Domain lifetime. The end of dom0 is the end of the machine: poweroff
 * powers it off, reboot reboots it (halts with `noreboot`), a crash
 * reboots or halts the same way (pv-abi-core.md §0 item 17). Any other
 * domain that shuts down or crashes is paused, reported, and dom0 hears of
 * it through VIRQ_DOM_EXC. Without a toolstack to destroy it, a domain
 * that powered off, rebooted or crashed is destroyed by the hypervisor
 * (domain_reap): its event channels close, its grant mappings of others'
 * pages go, its memory goes back, except frames others still map, which
 * go when they are unmapped. A suspended domain stays, paused.
 */
#include <stdarg.h>
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/hypervisor.h>
#include <hv/mm.h>
#include <hv/time.h>
#include <lamina/sched.h>
#include <hv/sched.h>
#include <hv/event.h>
#include <hv/grant_table.h>
#include <asm/percpu.h>

struct domain *dom0;
static struct domain domain_slots[CONFIG_MAX_DOMAINS];
static unsigned int nr_domains;
static bool reap_pending;

struct vcpu *current_vcpu(void)
{
	return this_cpu()->current;
}

struct domain *domain_by_id(domid_t id)
{
	unsigned int i;

	for (i = 0; i < nr_domains; i++)
		if (domain_slots[i].domid == id)
			return &domain_slots[i];
	return NULL;
}

unsigned int domain_count(void)
{
	return nr_domains;
}

struct domain *domain_by_index(unsigned int i)
{
	return i < nr_domains ? &domain_slots[i] : NULL;
}

struct domain *domain_alloc(domid_t domid, const char *name, bool privileged)
{
	struct domain *d;

	if (nr_domains >= ARRAY_SIZE(domain_slots) || domain_by_id(domid))
		return NULL;
	d = &domain_slots[nr_domains++];
	memset(d, 0, sizeof(*d));
	d->domid = domid;
	strlcpy(d->name, name, sizeof(d->name));
	d->is_privileged = privileged;
	d->state = DOMAIN_RUNNING;
	d->vcpu0.domain = d;
	d->vcpu0.arch.kernel_mode = true;
	if (evtchn_domain_init(d)) {
		nr_domains--;
		return NULL;
	}
	vcpu_init(&d->vcpu0);
	return d;
}

static const char *const reason_names[] = {
	[SHUTDOWN_poweroff]	= "powered off",
	[SHUTDOWN_reboot]	= "rebooted",
	[SHUTDOWN_suspend]	= "suspended",
	[SHUTDOWN_crash]	= "crashed",
	[SHUTDOWN_watchdog]	= "stopped by its watchdog",
	[SHUTDOWN_soft_reset]	= "asked for a soft reset",
};

static void __noreturn hardware_domain_down(struct domain *d, unsigned int reason)
{
	switch (reason) {
	case SHUTDOWN_poweroff:
		pr_info("dom0 powered off: powering off the machine\n");
		machine_test_exit(TEST_EXIT_POWEROFF);
		machine_power_off();
	case SHUTDOWN_crash:
		pr_err("dom0 crashed: %s the machine\n", hv_opts.noreboot ? "halting" : "rebooting");
		machine_test_exit(TEST_EXIT_CRASH);
		break;
	default:
		pr_info("dom0 %s: %s the machine\n", reason_names[reason],
			hv_opts.noreboot ? "halting" : "rebooting");
		machine_test_exit(TEST_EXIT_REBOOT);
		break;
	}
	(void)d;
	if (hv_opts.noreboot)
		machine_halt();
	machine_reboot();
}

void domain_shutdown(struct domain *d, unsigned int reason)
{
	ASSERT(reason <= SHUTDOWN_MAX);
	if (d->state != DOMAIN_RUNNING)
		return;
	d->state = reason == SHUTDOWN_crash ? DOMAIN_CRASHED : DOMAIN_SHUTDOWN;
	d->shutdown_reason = reason;
	mm_audit(d);
	if (d == dom0)
		hardware_domain_down(d, reason);
	pr_info("d%u %s\n", d->domid, reason_names[reason]);
	vcpu_pause(&d->vcpu0);
	if (reason != SHUTDOWN_suspend && reason != SHUTDOWN_soft_reset) {
		d->dying = true;
		reap_pending = true;	/* not here: we may be deep in d's hypercall */
	}
	if (dom0)
		send_global_virq(dom0, VIRQ_DOM_EXC);
}

/* One step (about 1 ms) of a dying domain's end; true when it is over. */
static bool domain_destroy_step(struct domain *d)
{
	uint64_t start = now_ns();
	bool done = false;

	d->destroy_steps++;
	while (!done) {
		d->phase_steps[d->destroy_phase]++;
		switch (d->destroy_phase) {
		case DESTROY_PORTS:
			if (!evtchn_domain_destroy(d, &d->destroy_cursor, start))
				return false;
			break;
		case DESTROY_GRANTS:
			if (!grant_release_mappings(d, &d->destroy_cursor, start))
				return false;
			arch_domain_destroy_begin(d);
			break;
		case DESTROY_TABLES:
			if (!arch_domain_destroy_step(d))
				return false;
			break;
		case DESTROY_FRAMES:
			if (!arch_domain_destroy_end(d, start))
				return false;
			done = true;
			break;
		}
		d->destroy_phase++;
	}
	grant_table_destroy(d);
	d->destroyed = true;
	pr_info("d%u destroyed: %llu frames freed, %llu still mapped by other domains "
		"(%u step%s: ports %u, grant mappings %u, page tables %u, frames %u)\n", d->domid,
		(unsigned long long)d->destroy_freed, (unsigned long long)d->nr_held,
		d->destroy_steps, d->destroy_steps == 1 ? "" : "s", d->phase_steps[DESTROY_PORTS],
		d->phase_steps[DESTROY_GRANTS], d->phase_steps[DESTROY_TABLES],
		d->phase_steps[DESTROY_FRAMES]);
	mm_audit(d);
	return true;
}

bool domain_reap(void)
{
	unsigned int i;

	if (!reap_pending)
		return false;
	reap_pending = false;
	for (i = 0; i < nr_domains; i++)
		if (domain_slots[i].dying && !domain_slots[i].destroyed &&
		    !domain_destroy_step(&domain_slots[i]))
			reap_pending = true;
	return reap_pending;
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pr_err("d%u crashed: %s\n", d->domid, buf);
	domain_shutdown(d, SHUTDOWN_crash);
}
