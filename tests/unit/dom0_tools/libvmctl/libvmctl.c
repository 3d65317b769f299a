// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of dom0_tools/libvmctl/libvmctl.c on a host without Xen: no
 * privcmd and no xenstored are errors returned to the caller (the process
 * goes on), said once through the caller's log hook and never printed by
 * the library itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "../../unit.h"
#include "../../../../dom0_tools/libvmctl/libvmctl.h"

static unsigned int logged;
static char last[512];

static void hook(const char *msg)
{
	logged++;
	snprintf(last, sizeof(last), "%s", msg);
}

static void state_names(void)
{
	EXPECT(!strcmp(vmctl_state_of(DOMINF_dying | DOMINF_shutdown), "dying"));
	EXPECT(!strcmp(vmctl_state_of(DOMINF_shutdown), "powered off"));
	/* A suspended domain's flags as both hypervisors give them (guest/suspend-resume). */
	EXPECT(!strcmp(vmctl_state_of(DOMINF_shutdown | (2U << DOMINF_SHUTDOWN_SHIFT)), "suspended"));
	EXPECT(!strcmp(vmctl_state_of(DOMINF_shutdown | (3U << DOMINF_SHUTDOWN_SHIFT)), "crashed"));
	EXPECT(!strcmp(vmctl_state_of(DOMINF_shutdown | (7U << DOMINF_SHUTDOWN_SHIFT)), "shut down"));
	EXPECT(!strcmp(vmctl_state_of(DOMINF_running), "running"));
	EXPECT(!strcmp(vmctl_state_of(DOMINF_blocked), "blocked"));
	EXPECT(!strcmp(vmctl_state_of(0), "runnable"));
}

/* Without privcmd every call fails with -ENODEV, said once; none exits. */
static void no_privcmd(void)
{
	struct domctl_getdomaininfo info;
	struct vmctl_rings r;
	struct xendev *dev;

	if (!access("/dev/xen/privcmd", F_OK) || !access("/proc/xen/privcmd", F_OK))
		return;		/* a dom0: nothing to check here */
	logged = 0;
	vmctl_set_log(hook);
	EXPECT_EQ(vmctl_hypercall(17, 0, 0), -ENODEV);
	EXPECT_EQ(logged, 1);
	EXPECT(strstr(last, "/dev/xen/privcmd") != NULL);
	EXPECT_EQ(vmctl_domain_info(0, &info), -ENODEV);
	EXPECT_EQ(vmctl_get_rings(1, &r), -ENODEV);	/* not -ENOENT: that is "no rings" */
	EXPECT_EQ(vmctl_privcmd(&dev), -ENODEV);
	EXPECT_EQ(logged, 1);
	vmctl_set_log(NULL);
}

static void no_store(void)
{
	logged = 0;
	setenv("XENSTORED_PATH", "/nonexistent-vmctl-test/socket", 1);
	vmctl_set_log(hook);
	EXPECT(vmctl_store(true) == NULL);
	EXPECT_EQ(logged, 0);
	EXPECT(vmctl_store(false) == NULL);
	EXPECT_EQ(logged, 1);
	EXPECT(strstr(last, "cannot reach xenstored at /nonexistent-vmctl-test/socket") != NULL);
	vmctl_set_log(NULL);
	EXPECT(vmctl_store(false) == NULL);		/* no hook: silent */
	EXPECT_EQ(logged, 1);
	unsetenv("XENSTORED_PATH");
}

UNIT_MAIN("dom0_tools/libvmctl/libvmctl", UNIT_TEST(state_names), UNIT_TEST(no_privcmd),
	  UNIT_TEST(no_store))
