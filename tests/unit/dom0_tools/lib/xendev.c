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
	static const char *const names[] = { "evtchn", "gntdev", "privcmd", "gntalloc" };
	char path[96];
	unsigned int i;

	snprintf(dir, sizeof(dir), "/tmp/xendev-test.XXXXXX");
	if (!mkdtemp(dir))
		return;
	for (i = 0; i < 4; i++) {
		if (!(which & (1U << i)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		close(open(path, O_CREAT | O_RDWR, 0600));
	}
}

static void remove_fake_dir(void)
{
	static const char *const names[] = { "evtchn", "gntdev", "privcmd", "gntalloc" };
	char path[96];
	unsigned int i;

	for (i = 0; i < 4; i++) {
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
	uint32_t refs[2];

	EXPECT_EQ(xendev_bind(&x, 1, 2), -EBADF);
	EXPECT_EQ(xendev_bind_virq(&x, VIRQ_DOM_EXC), -EBADF);
	EXPECT_EQ(xendev_unbind(&x, 3), -EBADF);
	EXPECT_EQ(xendev_notify(&x, 3), -EBADF);
	EXPECT_EQ(xendev_unmask(&x, 3), -EBADF);
	EXPECT_EQ(xendev_pending(&x), -EBADF);
	errno = 0;
	EXPECT(xendev_map(&x, 1, 1, &handle) == NULL && errno == EBADF);
	EXPECT_EQ(xendev_unmap(&x, (void *)0x10000, 0), -EBADF);
	EXPECT_EQ(xendev_gntdev_prefill(&x), -EBADF);
	EXPECT_EQ(xendev_hypercall(&x, 36, 0, 0, 0), -EBADF);
	EXPECT_EQ(xendev_domain_info(&x, 0, &info), -EBADF);
	errno = 0;
	EXPECT(xendev_map_foreign(&x, 1, &mfn, 1, NULL) == NULL && errno == EBADF);
	errno = 0;
	EXPECT(xendev_map_resource(&x, 1, 1, 0, 0, 1) == NULL && errno == EBADF);
	errno = 0;
	EXPECT(xendev_grant(&x, 0, 1, refs, &handle) == NULL && errno == EBADF);
	EXPECT_EQ(xendev_ungrant(&x, (void *)0x10000, 1, 0), -EBADF);
	xendev_close(&x);
	EXPECT_EQ(x.evtchn_fd, -1);
}

/* Checked before the device: a closed one would answer -EBADF. */
static void arguments_out_of_range(void)
{
	struct xendev x = XENDEV_INIT;
	struct domctl_getdomaininfo info;
	uint64_t handle, args[6] = { 0 }, mfn = 1;
	uint32_t refs[2];
	int err;

	EXPECT_EQ(xendev_open_dir(&x, 1U << 4, "/tmp"), -EINVAL);
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
	errno = 0;
	EXPECT(xendev_grant(&x, 0, 0, refs, &handle) == NULL && errno == EINVAL);
	errno = 0;
	EXPECT(xendev_grant(&x, 0, XENDEV_GRANT_MAX + 1, refs, &handle) == NULL && errno == EINVAL);
	errno = 0;
	EXPECT(xendev_grant(&x, DOMID_FIRST_RESERVED, 1, refs, &handle) == NULL && errno == EINVAL);
	errno = 0;
	EXPECT(xendev_grant(&x, 0, 1, NULL, &handle) == NULL && errno == EINVAL);
	errno = 0;
	EXPECT(xendev_grant(&x, 0, 1, refs, NULL) == NULL && errno == EINVAL);
	EXPECT_EQ(xendev_ungrant(&x, NULL, 1, 0), -EINVAL);
	EXPECT_EQ(xendev_ungrant(&x, (void *)0x10001, 1, 0), -EINVAL);
	EXPECT_EQ(xendev_ungrant(&x, (void *)0x10000, 0, 0), -EINVAL);
	errno = 0;
	EXPECT(xendev_hcall_alloc(&x, 0) == NULL && errno == EINVAL);
	errno = 0;
	EXPECT(xendev_hcall_alloc(&x, XENDEV_HCALL_MAX + 1) == NULL && errno == EINVAL);
	x.hcall_buf = &x;	/* one area a struct xendev */
	errno = 0;
	EXPECT(xendev_hcall_alloc(&x, 1) == NULL && errno == EEXIST);
	x.hcall_buf = NULL;
	/* No /dev/xen/hypercall on a host that is not dom0: the open's error, nothing kept. */
	if (access(XENDEV_DIR "/hypercall", F_OK)) {
		errno = 0;
		EXPECT(xendev_hcall_alloc(&x, 1) == NULL && errno == ENOENT);
		EXPECT(!x.hcall_buf && !x.hcall_pages);
	}
	xendev_hcall_free(&x);	/* none: nothing to do */
	EXPECT(!x.hcall_buf);
}

/* Plain files open but answer no ioctl: each call says -ENOTTY. */
static void fake_devices_fail_cleanly(void)
{
	struct xendev x = XENDEV_INIT;
	struct domctl_getdomaininfo info;
	uint64_t handle, mfns[2] = { 1, 2 };
	uint32_t refs[2];
	int errs[2] = { 7, 7 };

	fake_dir(XENDEV_EVTCHN | XENDEV_GNTDEV | XENDEV_PRIVCMD | XENDEV_GNTALLOC);
	EXPECT_EQ(xendev_open_dir(&x, XENDEV_EVTCHN | XENDEV_GNTDEV | XENDEV_PRIVCMD |
				  XENDEV_GNTALLOC, dir), 0);
	EXPECT(x.evtchn_fd >= 0 && x.gntdev_fd >= 0 && x.privcmd_fd >= 0 && x.gntalloc_fd >= 0);
	errno = 0;
	EXPECT(xendev_grant(&x, 0, 2, refs, &handle) == NULL && errno == ENOTTY);
	EXPECT_EQ(xendev_bind(&x, 1, 2), -ENOTTY);
	EXPECT_EQ(xendev_bind_virq(&x, VIRQ_DOM_EXC), -ENOTTY);
	EXPECT_EQ(xendev_unbind(&x, 3), -ENOTTY);
	EXPECT_EQ(xendev_notify(&x, 3), -ENOTTY);
	EXPECT_EQ(xendev_pending(&x), -EIO);		/* an empty file: no port */
	errno = 0;
	EXPECT(xendev_map(&x, 1, 1, &handle) == NULL && errno == ENOTTY);
	EXPECT_EQ(xendev_gntdev_prefill(&x), -ENOTTY);
	EXPECT_EQ(xendev_hypercall(&x, 36, 0, 0, 0), -ENOTTY);
	EXPECT_EQ(xendev_domain_info(&x, 0, &info), -ENOTTY);
	errno = 0;
	EXPECT(xendev_map_foreign(&x, 1, mfns, 2, errs) == NULL && errno == ENOTTY);
	errno = 0;
	EXPECT(xendev_map_resource(&x, 1, 1, 0, 0, 1) == NULL && errno == ENOTTY);
	xendev_close(&x);
	EXPECT(x.evtchn_fd == -1 && x.gntdev_fd == -1 && x.privcmd_fd == -1 && x.gntalloc_fd == -1);
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

/*
 * Several ports in one read and one write (a non-blocking pipe stands for
 * the evtchn device, which hands out and takes arrays of 32-bit ports).
 */
static void ports_in_batches(void)
{
	struct xendev x = XENDEV_INIT;
	uint32_t in[4] = { 5, EVTCHN_FIFO_NR_CHANNELS, 7, ~0U }, out[8], back[3];
	int p[2];

	EXPECT_EQ(xendev_pending_n(&x, out, 8), -EBADF);
	EXPECT_EQ(xendev_unmask_n(&x, in, 1), -EBADF);
	EXPECT_EQ(pipe(p), 0);
	EXPECT_EQ(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	x.evtchn_fd = p[0];
	EXPECT_EQ(xendev_pending_n(&x, out, 8), 0);		/* none pending */
	EXPECT_EQ(xendev_pending_n(&x, out, 0), -EINVAL);
	EXPECT_EQ(xendev_pending_n(&x, NULL, 8), -EINVAL);
	EXPECT_EQ(xendev_pending_n(&x, out, XENDEV_PORTS_MAX + 1), -EINVAL);
	EXPECT_EQ(write(p[1], in, sizeof(in)), (ssize_t)sizeof(in));
	EXPECT_EQ(xendev_pending_n(&x, out, 8), 2);		/* out-of-range ports dropped */
	EXPECT(out[0] == 5 && out[1] == 7);
	EXPECT_EQ(write(p[1], in, 3), 3);			/* a torn port */
	EXPECT_EQ(xendev_pending_n(&x, out, 8), -EIO);
	EXPECT_EQ(write(p[1], in, sizeof(in)), (ssize_t)sizeof(in));
	EXPECT_EQ(xendev_pending_n(&x, out, 1), 1);		/* at most max */
	EXPECT_EQ(out[0], 5U);
	EXPECT_EQ(xendev_pending_n(&x, out, 8), 1);		/* the rest: 2 out of range */
	EXPECT_EQ(out[0], 7U);
	x.evtchn_fd = p[1];
	EXPECT_EQ(xendev_unmask_n(&x, in, 0), 0);
	EXPECT_EQ(xendev_unmask_n(&x, NULL, 1), -EINVAL);
	EXPECT_EQ(xendev_unmask_n(&x, in, XENDEV_PORTS_MAX + 1), -EINVAL);
	EXPECT_EQ(xendev_unmask_n(&x, in, 3), 0);
	EXPECT_EQ(read(p[0], back, sizeof(back)), (ssize_t)sizeof(back));
	EXPECT(back[0] == 5 && back[1] == EVTCHN_FIFO_NR_CHANNELS && back[2] == 7);
	close(p[0]);
	close(p[1]);
}

UNIT_MAIN("dom0_tools/lib/xendev", UNIT_TEST(closed_devices_are_ebadf),
	  UNIT_TEST(arguments_out_of_range), UNIT_TEST(fake_devices_fail_cleanly),
	  UNIT_TEST(missing_device), UNIT_TEST(ports_in_batches))
