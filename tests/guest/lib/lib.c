// SPDX-License-Identifier: GPL-2.0-only
/* The test-guest runtime: console output, the result line, shutdown. */
#include "guest.h"
#include "bench.h"
#include "peer.h"
#include "mm.h"

static char fail_reason[160];

bool strstr_simple(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; *s; s++)
		if (!strncmp(s, w, n))
			return true;
	return false;
}

unsigned long cmdline_number(const char *cmdline, const char *key, unsigned long dflt)
{
	size_t n = strlen(key);
	unsigned long x = 0;

	while (*cmdline && strncmp(cmdline, key, n))
		cmdline++;
	if (!*cmdline)
		return dflt;
	for (cmdline += n; *cmdline >= '0' && *cmdline <= '9'; cmdline++)
		x = x * 10 + (unsigned long)(*cmdline - '0');
	return x;
}

static bool failed;

void (*console_flush_hook)(void);
void (*console_page_notify)(void);
struct peer_console *console_page;
unsigned int console_page_waits = 1000;

/*
 * A peer writes to its console page; a full ring waits a little
 * (console_page_waits yields), then drops.
 */
static void console_page_put(const char *s, size_t n)
{
	struct peer_console *c = console_page;
	uint32_t prod = c->out_prod;
	unsigned int waits = 0;

	while (n) {
		if (prod - __atomic_load_n(&c->out_cons, __ATOMIC_ACQUIRE) >= sizeof(c->out)) {
			if (waits++ == console_page_waits)
				break;
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
			continue;
		}
		c->out[prod++ % sizeof(c->out)] = *s++;
		n--;
		__atomic_store_n(&c->out_prod, prod, __ATOMIC_RELEASE);
	}
}

static uint32_t console_domu_port;

static void console_domu_notify(void)
{
	struct evtchn_send send = { console_domu_port };

	hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_send, &send);
}

void console_page_domu(uint32_t port)
{
	console_page_waits = ~0U;
	if (port) {
		console_domu_port = port;
		console_page_notify = console_domu_notify;
	}
}

void console_page_drain(void)
{
	unsigned int i;

	for (i = 0; console_page && i < 100000; i++) {
		if (__atomic_load_n(&console_page->out_cons, __ATOMIC_ACQUIRE) ==
		    console_page->out_prod)
			break;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
}

static void console_puts(const char *s, size_t n)
{
	if (console_page) {
		console_page_put(s, n);
		if (console_page_notify)
			console_page_notify();
		return;
	}
	if (console_flush_hook)
		console_flush_hook();
	HYPERVISOR_console_io(CONSOLEIO_write, (int)n, s);
}

void printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_puts(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

int fail(const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("%s\n", buf);
	if (!failed)
		memcpy(fail_reason, buf, sizeof(buf));
	failed = true;
	return TEST_FAIL;
}

int skip(const char *why)
{
	strlcpy(fail_reason, why, sizeof(fail_reason));
	return TEST_SKIP;
}

bool on_lamina(void)
{
	char extra[16] = "";

	HYPERVISOR_xen_version(XENVER_extraversion, extra);
	return strstr_simple(extra, "lamina");
}

void shutdown(unsigned int reason)
{
	struct sched_shutdown s = { reason };

	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
}

void guest_start(struct start_info *si)
{
	int r;

	if (!(si->flags & SIF_INITDOMAIN) && si->console.domU.mfn)
		console_page = (struct peer_console *)mfn_to_va(si->console.domU.mfn);
	r = test_main(si);

	switch (r) {
	case TEST_PASS:
		printf(failed ? "FAIL %s\n" : "PASS\n", fail_reason);
		break;
	case TEST_FAIL:
		printf("FAIL %s\n", failed ? fail_reason : "(no reason given)");
		break;
	case TEST_SKIP:
		printf("SKIP %s\n", fail_reason);
		break;
	default:
		printf("ERROR %s\n", fail_reason);
		break;
	}
	shutdown(SHUTDOWN_poweroff);
}

void sort_u64(uint64_t *a, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++) {
		uint64_t v = a[i];

		for (j = i; j > 0 && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

void bench_report(const char *name, uint64_t *blocks, unsigned int nblocks,
		  unsigned int per_block)
{
	sort_u64(blocks, nblocks);
	printf("BENCH %s %lu %lu %lu %u\n", name,
	       (unsigned long)(blocks[nblocks / 2] / per_block),
	       (unsigned long)(blocks[0] / per_block),
	       (unsigned long)(blocks[nblocks - 1] / per_block), nblocks * per_block);
}
