/* SPDX-License-Identifier: MIT */
/* xs read, write, rm, mkdir, chmod, perms, control. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xs_cmd.h"

int cmd_read(struct xs_handle *h, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		unsigned int len;
		char *val;
		int rc = xs_read(h, 0, argv[i], &val, &len);

		if (rc)
			return xs_fail("read", argv[i], rc);
		fwrite(val, 1, len, stdout);
		putchar('\n');
		free(val);
	}
	return XS_EXIT_OK;
}

int cmd_write(struct xs_handle *h, int argc, char **argv)
{
	int i;

	if ((argc - 1) % 2)
		return xs_usage_error("write");
	for (i = 1; i < argc; i += 2) {
		int rc = xs_write(h, 0, argv[i], argv[i + 1], strlen(argv[i + 1]));

		if (rc)
			return xs_fail("write", argv[i], rc);
	}
	return XS_EXIT_OK;
}

/* rm and mkdir: one call per path argument, stopping at the first error. */
int cmd_rm_mkdir(struct xs_handle *h, int argc, char **argv)
{
	int (*fn)(struct xs_handle *, uint32_t, const char *) =
		strcmp(argv[0], "rm") ? xs_mkdir : xs_rm;
	int i;

	for (i = 1; i < argc; i++) {
		int rc = fn(h, 0, argv[i]);

		if (rc)
			return xs_fail(argv[0], argv[i], rc);
	}
	return XS_EXIT_OK;
}

int cmd_chmod(struct xs_handle *h, int argc, char **argv)
{
	int rc = xs_set_perms(h, 0, argv[1], (const char *const *)argv + 2, argc - 2);

	return rc ? xs_fail("chmod", argv[1], rc) : XS_EXIT_OK;
}

int cmd_perms(struct xs_handle *h, int argc, char **argv)
{
	unsigned int len, off;
	char *perms;
	int rc = xs_get_perms(h, 0, argv[1], &perms, &len);

	if (rc < 0)
		return xs_fail("perms", argv[1], rc);
	for (off = 0; off < len; off += strlen(perms + off) + 1)
		printf("%s\n", perms + off);
	free(perms);
	return XS_EXIT_OK;
}

int cmd_control(struct xs_handle *h, int argc, char **argv)
{
	unsigned int len;
	char *reply;
	int rc = xs_control(h, (const char *const *)argv + 1, argc - 1, &reply, &len);

	if (rc)
		return xs_fail("control", argv[1], rc);
	if (len && reply[len - 1] == '\0')
		len--;
	fwrite(reply, 1, len, stdout);
	putchar('\n');
	free(reply);
	return XS_EXIT_OK;
}
