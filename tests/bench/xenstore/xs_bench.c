/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xs_bench SOCKET OP CLIENTS SECONDS   ops/s of OP with CLIENTS connections
 * xs_bench SOCKET populate N           write N nodes (for the memory figure)
 *
 * OP is read, write, directory or txn10 (start, 5 reads, 5 writes, commit;
 * one op = one committed transaction, EAGAIN retries counted apart). Each
 * client is a process with its own connection, working on its own subtree
 * so the transactions do not conflict by design.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "xs.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int one_op(struct xs_handle *h, const char *op, int id, long n, long *retries)
{
	char path[64], *v;
	unsigned int len;
	uint32_t tx;
	int i, rc;

	snprintf(path, sizeof(path), "/bench/c%d/k%ld", id, n % 16);
	if (!strcmp(op, "read")) {
		rc = xs_read(h, 0, path, &v, &len);
		if (!rc)
			free(v);
		return rc;
	}
	if (!strcmp(op, "write"))
		return xs_write(h, 0, path, "0123456789abcdef", 16);
	if (!strcmp(op, "directory")) {
		rc = xs_directory(h, 0, "/bench/dir", &v, &len);
		if (rc >= 0)
			free(v);
		return rc < 0 ? rc : 0;
	}
	for (;;) {
		rc = xs_transaction_start(h, &tx);
		for (i = 0; !rc && i < 5; i++) {
			snprintf(path, sizeof(path), "/bench/c%d/k%d", id, i);
			rc = xs_read(h, tx, path, &v, &len);
			if (!rc)
				free(v);
		}
		for (i = 0; !rc && i < 5; i++) {
			snprintf(path, sizeof(path), "/bench/c%d/t%d", id, i);
			rc = xs_write(h, tx, path, "v", 1);
		}
		if (rc)
			return rc;
		rc = xs_transaction_end(h, tx, true);
		if (rc != -EAGAIN)
			return rc;
		(*retries)++;
	}
}

static int prepare(const char *sock, int clients)
{
	struct xs_handle *h;
	char path[64];
	int c, k, rc;

	rc = xs_open(sock, &h);
	for (c = 0; !rc && c < clients; c++)
		for (k = 0; !rc && k < 16; k++) {
			snprintf(path, sizeof(path), "/bench/c%d/k%d", c, k);
			rc = xs_write(h, 0, path, "0123456789abcdef", 16);
		}
	for (k = 0; !rc && k < 50; k++) {
		snprintf(path, sizeof(path), "/bench/dir/entry-%d", k);
		rc = xs_write(h, 0, path, "", 0);
	}
	if (!rc)
		xs_close(h);
	return rc;
}

static int run(const char *sock, const char *op, int clients, double secs)
{
	int fds[2], c, status, failed = 0;
	long total = 0, retries = 0;
	double start;

	if (prepare(sock, clients) || pipe(fds))
		return 1;
	start = now();
	for (c = 0; c < clients; c++) {
		if (fork() == 0) {
			struct xs_handle *h;
			long n = 0, r = 0, res[2];

			if (xs_open(sock, &h))
				_exit(1);
			while (now() - start < secs) {
				if (one_op(h, op, c, n, &r))
					_exit(1);
				n++;
			}
			res[0] = n;
			res[1] = r;
			if (write(fds[1], res, sizeof(res)) != sizeof(res))
				_exit(1);
			_exit(0);
		}
	}
	close(fds[1]);
	for (c = 0; c < clients; c++) {
		long res[2];

		if (read(fds[0], res, sizeof(res)) == sizeof(res)) {
			total += res[0];
			retries += res[1];
		}
	}
	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	if (failed)
		return 1;
	printf("%-10s clients=%d  %9.0f ops/s", op, clients, total / (now() - start));
	if (retries)
		printf("  (%ld EAGAIN retries)", retries);
	printf("\n");
	return 0;
}

static int populate(const char *sock, long n)
{
	struct xs_handle *h;
	char path[64];
	long i;
	int rc = xs_open(sock, &h);

	for (i = 0; !rc && i < n; i++) {
		snprintf(path, sizeof(path), "/pop/d%ld/n%ld", i / 1000, i % 1000);
		rc = xs_write(h, 0, path, "value-0123456789", 16);
	}
	if (rc)
		fprintf(stderr, "populate: %s\n", strerror(-rc));
	else
		xs_close(h);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[2], "populate"))
		return populate(argv[1], atol(argv[3]));
	if (argc != 5) {
		fprintf(stderr, "usage: xs_bench SOCKET read|write|directory|txn10 CLIENTS SECONDS\n"
				"       xs_bench SOCKET populate N\n");
		return 2;
	}
	return run(argv[1], argv[2], atoi(argv[3]), atof(argv[4]));
}
