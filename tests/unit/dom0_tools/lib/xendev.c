// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of dom0_tools/lib/xendev.c without Xen: every argument out of
 * the ABI's range is refused before a device is asked, a device not open
 * is -EBADF, and with a fake device directory (plain files in place of
 * /dev/xen's) each ioctl's failure comes back as -errno, never a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <lamina/event_channel.h>
#include "../../unit.h"
#include "../../../../dom0_tools/lib/xendev.h"

static char dir[64];

/* A directory with plain files named as the devices in @which. */
static void fake_dir(unsigned int which)
{
	static const char *const names[] = { "evtchn", "gntdev", "privcmd" };
	char path[96];
	unsigned int i;

	snprintf(dir, sizeof(dir), "/tmp/xendev-test.XXXXXX");
	if (!mkdtemp(dir))
		return;
	for (i = 0; i < 3; i++) {
		if (!(which & (1U << i)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		close(open(path, O_CREAT | O_RDWR, 0600));
	}
}

static void remove_fake_dir(void)
{
	static const char *const names[] = { "evtchn", "gntdev", "privcmd" };
	char path[96];
	unsigned int i;

	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void closed_devices_are_ebadf(void)
{
	struct xendev x = XENDEV_INIT;
	struct domctl_getdomaininfo info;
	uint64_t handle, mfn = 1;

	EXPECT_EQ(xendev_bind(&x, 1, 2), -EBADF);
	EXPECT_EQ(xendev_bind_virq(&x, VIRQ_DOM_EXC), -EBADF);
	EXPECT_EQ(xendev_unbind(&x, 3), -EBADF);
	EXPECT_EQ(xendev_notify(&x, 3), -EBADF);
	EXPECT_EQ(xendev_unmask(&x, 3), -EBADF);
	EXPECT_EQ(xendev_pending(&x), -EBADF);
	errno = 0;
	EXPECT(xendev_map(&x, 1, 1, &handle) == NULL && errno == EBADF);
	EXPECT_EQ(xendev_unmap(&x, (void *)0x10000, 0), -EBADF);
	EXPECT_EQ(xendev_hypercall(&x, 36, 0, 0, 0), -EBADF);
	EXPECT_EQ(xendev_domain_info(&x, 0, &info), -EBADF);
	errno = 0;
	EXPECT(xendev_map_foreign(&x, 1, &mfn, 1, NULL) == NULL && errno == EBADF);
	errno = 0;
	EXPECT(xendev_map_resource(&x, 1, 1, 0, 0, 1) == NULL && errno == EBADF);
	xendev_close(&x);
	EXPECT_EQ(x.evtchn_fd, -1);
}

/* Checked before the device: a closed one would answer -EBADF. */
static void arguments_out_of_range(void)
{
	struct xendev x = XENDEV_INIT;
	struct domctl_getdomaininfo info;
	uint64_t handle, args[6] = { 0 }, mfn = 1;
	int err;

	EXPECT_EQ(xendev_open_dir(&x, 1U << 3, "/tmp"), -EINVAL);
	EXPECT_EQ(xendev_open_dir(&x, XENDEV_EVTCHN, NULL), -EINVAL);
	EXPECT_EQ(xendev_bind(&x, DOMID_FIRST_RESERVED, 2), -EINVAL);
	EXPECT_EQ(xendev_bind(&x, DOMID_SELF, 2), -EINVAL);
	EXPECT_EQ(xendev_bind(&x, 1, EVTCHN_FIFO_NR_CHANNELS), -EINVAL);
	EXPECT_EQ(xendev_bind_virq(&x, 24), -EINVAL);
	EXPECT_EQ(xendev_unbind(&x, EVTCHN_FIFO_NR_CHANNELS), -EINVAL);
	EXPECT_EQ(xendev_notify(&x, ~0U), -EINVAL);
	EXPECT_EQ(xendev_unmask(&x, EVTCHN_FIFO_NR_CHANNELS), -EINVAL);
	errno = 0;
	EXPECT(xendev_map(&x, 1, 1, NULL) == NULL && errno == EINVAL);
	errno = 0;
	EXPECT(xendev_map(&x, DOMID_FIRST_RESERVED, 1, &handle) == NULL && errno == EINVAL);
	EXPECT_EQ(xendev_unmap(&x, NULL, 0), -EINVAL);
	EXPECT_EQ(xendev_unmap(&x, (void *)0x10001, 0), -EINVAL);
	EXPECT_EQ(xendev_hypercall_v(&x, 36, args, 6), -EINVAL);
	EXPECT_EQ(xendev_hypercall_v(&x, 36, NULL, 1), -EINVAL);
	EXPECT_EQ(xendev_hypercall_v(&x, 36, NULL, 0), -EBADF);	/* no arguments is fine */
	EXPECT_EQ(xendev_domain_info(&x, 0, NULL), -EINVAL);
	EXPECT_EQ(xendev_domain_info(&x, DOMID_FIRST_RESERVED, &info), -ESRCH);
	errno = 0;
	EXPECT(xendev_map_foreign(&x, 1, NULL, 1, NULL) == NULL && errno == EINVAL);
	errno = 0;
	EXPECT(xendev_map_foreign(&x, 1, &mfn, 0, &err) == NULL && errno == EINVAL);
	errno = 0;
	EXPECT(xendev_map_foreign(&x, 1, &mfn, 1U << 21, &err) == NULL && errno == EINVAL);
	errno = 0;
	EXPECT(xendev_map_foreign(&x, DOMID_SELF, &mfn, 1, &err) == NULL && errno == EINVAL);
	errno = 0;
	EXPECT(xendev_map_resource(&x, 1, 1, 0, 0, 0) == NULL && errno == EINVAL);
	EXPECT_EQ(xendev_unmap_foreign(&x, NULL, 1), -EINVAL);
	EXPECT_EQ(xendev_unmap_foreign(&x, (void *)0x10000, 0), -EINVAL);
}

/* Plain files open but answer no ioctl: each call says -ENOTTY. */
static void fake_devices_fail_cleanly(void)
{
	struct xendev x = XENDEV_INIT;
	struct domctl_getdomaininfo info;
	uint64_t handle, mfns[2] = { 1, 2 };
	int errs[2] = { 7, 7 };

	fake_dir(XENDEV_EVTCHN | XENDEV_GNTDEV | XENDEV_PRIVCMD);
	EXPECT_EQ(xendev_open_dir(&x, XENDEV_EVTCHN | XENDEV_GNTDEV | XENDEV_PRIVCMD, dir), 0);
	EXPECT(x.evtchn_fd >= 0 && x.gntdev_fd >= 0 && x.privcmd_fd >= 0);
	EXPECT_EQ(xendev_bind(&x, 1, 2), -ENOTTY);
	EXPECT_EQ(xendev_bind_virq(&x, VIRQ_DOM_EXC), -ENOTTY);
	EXPECT_EQ(xendev_unbind(&x, 3), -ENOTTY);
	EXPECT_EQ(xendev_notify(&x, 3), -ENOTTY);
	EXPECT_EQ(xendev_pending(&x), -EIO);		/* an empty file: no port */
	errno = 0;
	EXPECT(xendev_map(&x, 1, 1, &handle) == NULL && errno == ENOTTY);
	EXPECT_EQ(xendev_hypercall(&x, 36, 0, 0, 0), -ENOTTY);
	EXPECT_EQ(xendev_domain_info(&x, 0, &info), -ENOTTY);
	errno = 0;
	EXPECT(xendev_map_foreign(&x, 1, mfns, 2, errs) == NULL && errno == ENOTTY);
	errno = 0;
	EXPECT(xendev_map_resource(&x, 1, 1, 0, 0, 1) == NULL && errno == ENOTTY);
	xendev_close(&x);
	EXPECT(x.evtchn_fd == -1 && x.gntdev_fd == -1 && x.privcmd_fd == -1);
	remove_fake_dir();
}

/* The first missing device's error; those before it stay open, and are kept. */
static void missing_device(void)
{
	struct xendev x = XENDEV_INIT;
	char longdir[5000];
	int fd;

	fake_dir(XENDEV_EVTCHN);
	EXPECT_EQ(xendev_open_dir(&x, XENDEV_EVTCHN | XENDEV_GNTDEV, dir), -ENOENT);
	EXPECT(x.evtchn_fd >= 0);
	EXPECT_EQ(x.gntdev_fd, -1);
	fd = x.evtchn_fd;
	EXPECT_EQ(xendev_open_dir(&x, XENDEV_EVTCHN, dir), 0);
	EXPECT_EQ(x.evtchn_fd, fd);
	EXPECT_EQ(xendev_open_dir(&x, XENDEV_PRIVCMD, dir), -ENOENT);
	xendev_close(&x);
	remove_fake_dir();

	EXPECT_EQ(xendev_open_dir(&x, XENDEV_EVTCHN, "/nonexistent-xendev-dir"), -ENOENT);
	memset(longdir, 'a', sizeof(longdir) - 1);
	longdir[sizeof(longdir) - 1] = '\0';
	EXPECT_EQ(xendev_open_dir(&x, XENDEV_EVTCHN, longdir), -ENAMETOOLONG);
	EXPECT_EQ(x.evtchn_fd, -1);
}

UNIT_MAIN("dom0_tools/lib/xendev", UNIT_TEST(closed_devices_are_ebadf),
	  UNIT_TEST(arguments_out_of_range), UNIT_TEST(fake_devices_fail_cleanly),
	  UNIT_TEST(missing_device))
