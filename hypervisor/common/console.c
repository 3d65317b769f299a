// SPDX-License-Identifier: GPL-2.0-only
/*
 * console_io (18). Writes go to the hypervisor console in chunks copied
 * from the guest first, so a bad pointer prints nothing of that chunk and
 * returns -EFAULT. dom0's output is printed as it is; other domains'
 * lines get a "(dN) " prefix.
 *
 * A write is bounded: after about 1 ms of printing (the serial port is
 * polled, about 11 bytes a millisecond on real hardware), or once its
 * CPU's timer is due or the caller has an event (hypercall_preempt_now,
 * before each chunk but the first), the call
 * becomes a continuation for the rest, so a long write cannot hold the
 * CPU. A domU's output is also rate-limited, by a budget of DOMU_BURST
 * bytes refilled at DOMU_RATE bytes a second: what goes past it is
 * dropped unread (the call still returns 0), and a note says how much.
 * Xen 4.17 lets a domU write only in debug builds (-EPERM otherwise);
 * Lamina behaves as a debug build, with this limit. dom0 is not limited.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/preempt.h>
#include <hv/guest_access.h>
#include <hv/console.h>
#include <hv/time.h>
#include <hv/spinlock.h>
#include <lamina/console.h>

#define CHUNK		128		/* bytes copied and printed at a time */
#define DOMU_BURST	(32U << 10)	/* a domU may print this much at once, */
#define DOMU_RATE	(8U << 10)	/* ... then this much a second */
#define NS_PER_SEC	1000000000ULL

/*
 * The console's line state, for the prefixes: line_start, the last guest
 * to write (print_guest) and each domain's console_mid_line. Any vCPU of
 * any guest on any CPU writes it, so print_lock holds it and the bytes it
 * describes together: the prefix decided, the bytes printed and the state
 * left for the next writer are one step. Never held with budget_lock.
 */
static spinlock_t print_lock = SPINLOCK_INIT;
static bool line_start = true;		/* the console's last byte ended a line */
static const struct domain *last_writer;	/* the guest that wrote last */
/*
 * A domU's budget (and its count of bytes dropped) is read, refilled and
 * spent by whichever of its vCPUs writes: one at a time, each chunk's
 * bytes taken before they are printed. Without it two vCPUs could both be granted the last bytes and
 * both spend them, and the count wrapped below 0 came back as a full
 * burst (found by reading, 4 Dec review).
 */
static spinlock_t budget_lock = SPINLOCK_INIT;

/* Refills d's budget for the time passed since it was last topped up. */
static uint64_t domu_budget(struct domain *d)
{
	uint64_t now = now_ns(), gained;

	if (!d->console_stamp) {
		d->console_tokens = DOMU_BURST;
		d->console_stamp = now;
	}
	/* Beyond a few seconds the budget is full anyway; avoid overflow. */
	gained = MIN(now - d->console_stamp, 10 * NS_PER_SEC) * DOMU_RATE / NS_PER_SEC;
	if (d->console_tokens + gained >= DOMU_BURST) {
		d->console_tokens = DOMU_BURST;
		d->console_stamp = now;
	} else if (gained) {
		/* Only the time that bought whole bytes is used up. */
		d->console_tokens += gained;
		d->console_stamp += gained * NS_PER_SEC / DOMU_RATE;
	}
	return d->console_tokens;
}

/* A note of our own on the console, on a line of its own (print_lock held). */
static void console_note(struct domain *d, const char *what, uint64_t bytes)
{
	char msg[96];
	int n = snprintf(msg, sizeof(msg), "%s(d%u) [%llu bytes of console output %s]\n",
			 line_start ? "" : "\n", d->domid, (unsigned long long)bytes, what);

	console_write(msg, MIN((size_t)n, sizeof(msg) - 1));
	line_start = true;
}

/*
 * Prints n bytes a guest wrote, each of a domU's lines with its prefix. A
 * domU's line starts where its own last one ended, whatever another
 * writer left on the console: after dom0 printed half a line (its shell
 * echoing a command being typed), the domU's next line still comes out as
 * "(dN) ...\n", which a reader of the console can take out of dom0's line.
 * The rest of a domU's line that another guest interrupted gets the
 * prefix again.
 */
static void print_guest(struct domain *d, const char *s, size_t n)
{
	bool again;
	size_t i, start = 0;

	spin_lock(&print_lock);
	again = last_writer != d;
	for (i = 0; i < n; i++) {
		if ((!d->console_mid_line || again) && d != dom0) {
			char prefix[12];

			console_write(s + start, i - start);
			start = i;
			console_write(prefix, snprintf(prefix, sizeof(prefix), "(d%u) ", d->domid));
			again = false;
		}
		d->console_mid_line = s[i] != '\n';
	}
	if (n) {
		line_start = s[n - 1] == '\n';
		last_writer = d;
	}
	console_write(s + start, n - start);
	spin_unlock(&print_lock);
}

/*
 * The end of a write of which `count` bytes went over d's budget: a note
 * the first time (then only when the budget is full again, at the next
 * write), else the cut line ended, so that others print on a line of
 * their own; d's next byte starts a line.
 */
static void drop_rest(struct domain *d, long count)
{
	bool first;

	spin_lock(&budget_lock);
	first = !d->console_dropped;
	d->console_dropped += count;
	spin_unlock(&budget_lock);
	spin_lock(&print_lock);
	if (first) {
		console_note(d, "over the rate limit: dropping", count);
	} else if (!line_start) {
		console_write("\n", 1);
		line_start = true;
	}
	d->console_mid_line = false;
	spin_unlock(&print_lock);
}

/* CONSOLEIO_write of a->arg[1] bytes at a->arg[2]; continues as above. */
static long console_write_guest(struct domain *d, struct hc_args *a)
{
	uint64_t buf = a->arg[2], until = hypercall_preempt_until();
	long count = (uint32_t)a->arg[1];	/* Xen's `unsigned int count` */
	char tmp[CHUNK];
	bool first = true;

	/*
	 * The start alone, as Xen's first copy: a buffer running into the
	 * non-canonical hole has its chunks below the hole printed, then
	 * -EFAULT (no budget spent on a start Xen refuses at once).
	 */
	if (count && !guest_start_ok(buf))
		return trace_err(-EFAULT);
	if (d != dom0 && __atomic_load_n(&d->console_dropped, __ATOMIC_RELAXED)) {
		uint64_t dropped = 0;

		spin_lock(&budget_lock);
		if (domu_budget(d) == DOMU_BURST) {
			dropped = d->console_dropped;
			d->console_dropped = 0;
		}
		spin_unlock(&budget_lock);
		if (dropped) {
			spin_lock(&print_lock);
			console_note(d, "dropped (rate limit)", dropped);
			spin_unlock(&print_lock);
		}
	}
	while (count > 0) {
		size_t n = MIN((size_t)count, sizeof(tmp));

		if (!first && hypercall_preempt_now(current_vcpu(), until)) {
			a->arg[1] = count;
			a->arg[2] = buf;
			return hypercall_continue();
		}
		if (d != dom0) {
			spin_lock(&budget_lock);
			n = MIN(n, domu_budget(d));
			d->console_tokens -= n;		/* spent even if the copy faults */
			spin_unlock(&budget_lock);
		}
		if (!n)
			break;
		if (copy_from_guest(tmp, buf, n))
			return trace_err(-EFAULT);
		print_guest(d, tmp, n);
		buf += n;
		count -= n;
		first = false;
	}
	if (count > 0)
		drop_rest(d, count);
	return 0;
}

/* count is unsigned, as Xen's: above INT_MAX it could not be told from an error. */
static long console_read_guest(struct domain *d, uint64_t buf, uint32_t count)
{
	char tmp[CHUNK];
	size_t n;

	if (!d->is_privileged)
		return trace_err(-EPERM);
	if (count > INT32_MAX)
		return trace_err(-E2BIG);
	n = console_read(tmp, MIN((size_t)count, sizeof(tmp)));
	if (n && copy_to_guest(buf, tmp, n))
		return -EFAULT;	/* those bytes are lost, as on a bad pointer */
	return (long)n;
}

long hc_console_io(struct vcpu *v, struct hc_args *a)
{
	/*
	 * Xen 4.17's XSM hook comes first: a domU may write (Lamina's choice,
	 * as a Xen built with VERBOSE_DEBUG), anything else is -EPERM before
	 * the command is looked at (an unknown one too, not -ENOSYS).
	 */
	if ((uint32_t)a->arg[0] != CONSOLEIO_write && !v->domain->is_privileged)
		return trace_err(-EPERM);
	switch ((uint32_t)a->arg[0]) {	/* Xen's `unsigned int cmd`: the upper half ignored */
	case CONSOLEIO_write:
		return console_write_guest(v->domain, a);
	case CONSOLEIO_read:
		return console_read_guest(v->domain, a->arg[2], (uint32_t)a->arg[1]);
	default:
		return trace_err(-ENOSYS);
	}
}
