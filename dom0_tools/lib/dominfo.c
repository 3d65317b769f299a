// SPDX-License-Identifier: GPL-2.0-only
/* The shutdown reason in getdomaininfo's flags (dominfo.h). */
#include <stddef.h>
#include "dominfo.h"

int dominfo_shutdown_reason(uint32_t flags)
{
	if (!(flags & DOMINF_shutdown))
		return -1;
	return (int)((flags >> DOMINF_SHUTDOWN_SHIFT) & DOMINF_SHUTDOWN_MASK);
}

const char *dominfo_reason_name(int reason)
{
	static const char *const names[SHUTDOWN_MAX + 1] = {
		[SHUTDOWN_poweroff] = "poweroff", [SHUTDOWN_reboot] = "reboot",
		[SHUTDOWN_suspend] = "suspend", [SHUTDOWN_crash] = "crash",
		[SHUTDOWN_watchdog] = "watchdog", [SHUTDOWN_soft_reset] = "soft_reset",
	};

	return reason >= 0 && reason <= SHUTDOWN_MAX ? names[reason] : NULL;
}
