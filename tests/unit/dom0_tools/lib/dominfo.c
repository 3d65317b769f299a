// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of dom0_tools/lib/dominfo.c: getdomaininfo's shutdown reason. */
#include <string.h>
#include "../../unit.h"
#include "../../../../dom0_tools/lib/dominfo.h"

#define SHUT(r)	(DOMINF_shutdown | ((uint32_t)(r) << DOMINF_SHUTDOWN_SHIFT))

static void reasons(void)
{
	/* not shut down: no reason, whatever the field holds (0xffff before) */
	EXPECT_EQ(dominfo_shutdown_reason(0), -1);
	EXPECT_EQ(dominfo_shutdown_reason(DOMINF_running | (0xffffU << DOMINF_SHUTDOWN_SHIFT)), -1);
	EXPECT_EQ(dominfo_shutdown_reason(DOMINF_dying | (2U << DOMINF_SHUTDOWN_SHIFT)), -1);
	EXPECT_EQ(dominfo_shutdown_reason(SHUT(SHUTDOWN_poweroff)), SHUTDOWN_poweroff);
	EXPECT_EQ(dominfo_shutdown_reason(SHUT(SHUTDOWN_suspend) | DOMINF_paused), SHUTDOWN_suspend);
	EXPECT_EQ(dominfo_shutdown_reason(SHUT(SHUTDOWN_soft_reset) | DOMINF_dying), SHUTDOWN_soft_reset);
	/* only the low 8 bits of the field (DOMINF_SHUTDOWN_MASK) */
	EXPECT_EQ(dominfo_shutdown_reason(SHUT(0x1ff)), 0xff);
	EXPECT_EQ(dominfo_shutdown_reason(SHUT(0x103)), SHUTDOWN_crash);
}

static void names(void)
{
	static const char *const want[] = { "poweroff", "reboot", "suspend", "crash",
					    "watchdog", "soft_reset" };
	int r;

	for (r = 0; r <= SHUTDOWN_MAX; r++)
		EXPECT(dominfo_reason_name(r) && !strcmp(dominfo_reason_name(r), want[r]));
	EXPECT(!dominfo_reason_name(-1));
	EXPECT(!dominfo_reason_name(SHUTDOWN_MAX + 1));
	EXPECT(!dominfo_reason_name(255));
}

UNIT_MAIN("dom0_tools/lib/dominfo", UNIT_TEST(reasons), UNIT_TEST(names))
