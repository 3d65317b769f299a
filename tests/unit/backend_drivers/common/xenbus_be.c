// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the backends' xenbus state machine
 * (backend_drivers/common/xenbus_be.c, included here) on a store kept by
 * the test: the dom0 library's xs_* calls are answered from a table of
 * paths and values, and each change the test makes is followed by the
 * watch event the backend would read. The backend's operations count
 * their calls.
 *
 * teardown_serves_until_frontend_closed: a Closing, the toolstack's or
 * the frontend's, leaves the device connected (its ring still served)
 * and moves it to Closing; it disconnects, once, only when the frontend
 * is Closed, and then writes Closed. A Linux blkfront sends requests
 * until it has read the Closing itself, and waits at its removal for an
 * answer to each (backend_drivers/block/README.md, "Detach under I/O").
 * frontend_that_never_closes: one that stays Connected or Closing is
 * served until the toolstack removes the device, then let go once.
 * broken_ring_disconnects_at_once: xb_be_broken lets the ring go at once.
 * restart_after_initialising: a frontend going back to Initialising from
 * Connected is disconnected and offered the device again (InitWait).
 */
#include <stdlib.h>
#include "../../unit.h"
#include "../../../../backend_drivers/common/xenbus_be.c"

/* ---- the store ---- */

#define NODES	32
static struct { char path[XB_PATH + 64]; char val[64]; } node[NODES];

static int find_node(const char *path)
{
	int i;

	for (i = 0; i < NODES; i++)
		if (node[i].path[0] && !strcmp(node[i].path, path))
			return i;
	return -1;
}

static void put(const char *path, const char *val)
{
	int i = find_node(path);

	for (int k = 0; i < 0 && k < NODES; k++)
		if (!node[k].path[0])
			i = k;
	if (i < 0) {
		UNIT_FAIL("the test's store is full");
		return;
	}
	snprintf(node[i].path, sizeof(node[i].path), "%s", path);
	snprintf(node[i].val, sizeof(node[i].val), "%s", val);
}

int xs_read(struct xs_handle *h, uint32_t tx, const char *path, char **val, unsigned int *len)
{
	int i = find_node(path);

	if (i < 0)
		return -ENOENT;
	*val = strdup(node[i].val);
	*len = (unsigned int)strlen(node[i].val);
	return *val ? 0 : -ENOMEM;
}

int xs_write(struct xs_handle *h, uint32_t tx, const char *path, const void *val,
	     unsigned int len)
{
	char v[64];

	snprintf(v, sizeof(v), "%.*s", (int)len, (const char *)val);
	put(path, v);
	return 0;
}

int xs_rm(struct xs_handle *h, uint32_t tx, const char *path)
{
	size_t n = strlen(path);
	int i;

	for (i = 0; i < NODES; i++)
		if (!strncmp(node[i].path, path, n) && (!node[i].path[n] || node[i].path[n] == '/'))
			node[i].path[0] = 0;
	return 0;
}

/* The names one level below @path, each once. */
int xs_directory(struct xs_handle *h, uint32_t tx, const char *path, char **names,
		 unsigned int *len)
{
	static char buf[NODES * 16];
	size_t n = strlen(path), used = 0;
	int i, count = 0;

	for (i = 0; i < NODES; i++) {
		const char *p = node[i].path, *end;
		char name[16];
		size_t k;
		bool dup = false;

		if (!p[0] || strncmp(p, path, n) || p[n] != '/')
			continue;
		end = strchr(p + n + 1, '/');
		k = end ? (size_t)(end - (p + n + 1)) : strlen(p + n + 1);
		snprintf(name, sizeof(name), "%.*s", (int)k, p + n + 1);
		for (size_t o = 0; o < used; o += strlen(buf + o) + 1)
			dup |= !strcmp(buf + o, name);
		if (dup)
			continue;
		memcpy(buf + used, name, strlen(name) + 1);
		used += strlen(name) + 1;
		count++;
	}
	if (!count)
		return -ENOENT;
	*names = malloc(used);
	if (!*names)
		return -ENOMEM;
	memcpy(*names, buf, used);
	*len = (unsigned int)used;
	return count;
}

int xs_watch(struct xs_handle *h, const char *path, const char *token)
{
	return 0;
}

int xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
	return 0;
}

int xs_read_watch(struct xs_handle *h, int timeout_ms, char **path, char **token)
{
	return -ETIMEDOUT;
}

int xs_transaction_start(struct xs_handle *h, uint32_t *tx)
{
	*tx = 1;
	return 0;
}

int xs_transaction_end(struct xs_handle *h, uint32_t tx, bool commit)
{
	return 0;
}

int xs_is_domain_introduced(struct xs_handle *h, unsigned int domid)
{
	return 1;
}

/* ---- the backend ---- */

static unsigned int probes, connects, disconnects, removes;

static int op_probe(struct xb_backend *b, struct xb_dev *d)
{
	probes++;
	return 0;
}

static int op_connect(struct xb_backend *b, struct xb_dev *d)
{
	connects++;
	return 0;
}

static void op_disconnect(struct xb_backend *b, struct xb_dev *d)
{
	disconnects++;
}

static void op_remove(struct xb_backend *b, struct xb_dev *d)
{
	removes++;
}

static const struct xb_ops ops = { op_probe, op_connect, op_disconnect, op_remove, NULL };

#define BE	"/local/domain/0/backend/vbd/5/51712"
#define FE	"/local/domain/5/device/vbd/51712"

static struct xb_backend be;
static char store_handle;	/* the handle the calls are given: never looked into */

/*
 * A store change seen: the watch event it fires, then the one the
 * backend's own state write fires (a second scan, as in dom0).
 */
static void seen(void)
{
	xb_be_event(&be, BE, TOKEN);
	xb_be_event(&be, BE, TOKEN);
}

static const char *be_state(void)
{
	int i = find_node(BE "/state");

	return i < 0 ? "(none)" : node[i].val;
}

/* The toolstack's directories, then the backend started: a device Connected. */
static void connected_device(void)
{
	memset(node, 0, sizeof(node));
	probes = connects = disconnects = removes = 0;
	put(BE "/frontend", FE);
	put(BE "/frontend-id", "5");
	put(BE "/online", "1");
	put(BE "/state", "1");
	put(FE "/backend", BE);
	put(FE "/backend-id", "0");
	put(FE "/state", "1");
	EXPECT_EQ(xb_be_start(&be, (struct xs_handle *)&store_handle, "vbd", &ops, NULL), 0);
	seen();
	EXPECT_EQ(probes, 1);
	EXPECT(!strcmp(be_state(), "2"));
	put(FE "/state", "3");
	seen();
	EXPECT_EQ(connects, 1);
	EXPECT(!strcmp(be_state(), "4"));
	EXPECT_EQ(be.ndev, 1);
}

static void teardown_serves_until_frontend_closed(void)
{
	unsigned int who;

	for (who = 0; who < 2; who++) {
		connected_device();
		if (who == 0)
			put(BE "/state", "5");		/* the toolstack: block-detach */
		else
			put(FE "/state", "5");		/* the frontend closes */
		seen();
		EXPECT(!strcmp(be_state(), "5"));
		EXPECT_EQ(disconnects, 0);		/* still serving its ring */
		EXPECT(be.ndev == 1 && be.dev[0]->connected);
		put(FE "/state", "4");			/* a frontend still Connected */
		seen();
		EXPECT_EQ(disconnects, 0);
		put(FE "/state", "6");			/* it let its ring go */
		seen();
		EXPECT_EQ(disconnects, 1);
		EXPECT(!strcmp(be_state(), "6"));
		xb_be_stop(&be);
		EXPECT_EQ(removes, 1);
	}
}

/*
 * A frontend that never lets its ring go after the toolstack's Closing
 * (it stays Connected, or says Closing and stops there): served, as
 * before, until the toolstack removes the directories when its wait ends
 * (vmctl's 10 s, as libxl's); then disconnected and removed, once.
 */
static void frontend_that_never_closes(void)
{
	unsigned int stuck;

	for (stuck = 4; stuck <= 5; stuck++) {
		char v[2] = { (char)('0' + stuck), 0 };

		connected_device();
		put(BE "/state", "5");
		put(FE "/state", v);
		seen();
		seen();
		EXPECT_EQ(disconnects, 0);
		EXPECT(!strcmp(be_state(), "5"));
		xs_rm(NULL, 0, BE);			/* the toolstack gives up waiting */
		seen();
		EXPECT_EQ(disconnects, 1);
		EXPECT_EQ(removes, 1);
		EXPECT_EQ(be.ndev, 0);
	}
}

static void broken_ring_disconnects_at_once(void)
{
	connected_device();
	xb_be_broken(&be, be.dev[0], "a broken ring");
	EXPECT_EQ(disconnects, 1);
	EXPECT(!strcmp(be_state(), "5"));
	put(FE "/state", "6");
	seen();
	EXPECT_EQ(disconnects, 1);
	EXPECT(!strcmp(be_state(), "6"));
	xb_be_stop(&be);
}

static void restart_after_initialising(void)
{
	connected_device();
	put(FE "/state", "1");
	seen();
	EXPECT_EQ(disconnects, 1);
	EXPECT(!strcmp(be_state(), "2"));		/* offered again */
	put(FE "/state", "3");
	seen();
	EXPECT_EQ(connects, 2);
	EXPECT(!strcmp(be_state(), "4"));
	xb_be_stop(&be);
	EXPECT_EQ(disconnects, 2);
}

UNIT_MAIN("xenbus_be", UNIT_TEST(teardown_serves_until_frontend_closed),
	  UNIT_TEST(frontend_that_never_closes),
	  UNIT_TEST(broken_ring_disconnects_at_once), UNIT_TEST(restart_after_initialising))
