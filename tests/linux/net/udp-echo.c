// SPDX-License-Identifier: GPL-2.0-only
/*
 * udp-echo ADDR PORT COUNT [SIZE]: a UDP echo client for dom0's tests
 * (busybox's nc has no -u). Sends COUNT datagrams of SIZE bytes (default
 * 64, at most 1472), each with its own contents, to ADDR:PORT, and waits
 * up to 2 s for each to come back byte for byte from that address and
 * port. Prints "udp-echo: N of COUNT echoed by ADDR:PORT" and exits 0 only
 * if all were.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_SIZE	1472	/* one 1500-byte IPv4 packet */

/* One datagram out and its echo back: 1 if it came back intact. */
static int one(int fd, const struct sockaddr_in *to, unsigned int seq, size_t size)
{
	unsigned char out[MAX_SIZE], in[MAX_SIZE + 1];
	struct pollfd p = { fd, POLLIN, 0 };
	struct sockaddr_in from;
	socklen_t fl;
	size_t i;
	ssize_t n;

	for (i = 0; i < size; i++)
		out[i] = (unsigned char)(seq * 131 + i * 7);
	if (sendto(fd, out, size, 0, (const struct sockaddr *)to, sizeof(*to)) != (ssize_t)size)
		return 0;
	while (poll(&p, 1, 2000) == 1) {
		fl = sizeof(from);
		n = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&from, &fl);
		if (n == (ssize_t)size && from.sin_addr.s_addr == to->sin_addr.s_addr &&
		    from.sin_port == to->sin_port && !memcmp(in, out, size))
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	unsigned int count, seq, ok = 0;
	size_t size = 64;
	int fd;

	if (argc < 4 || argc > 5 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: udp-echo ADDR PORT COUNT [SIZE]\n");
		return 2;
	}
	to.sin_port = htons((unsigned short)atoi(argv[2]));
	count = (unsigned int)atoi(argv[3]);
	if (argc == 5)
		size = (size_t)atoi(argv[4]);
	if (!size || size > MAX_SIZE) {
		fprintf(stderr, "udp-echo: SIZE must be 1..%d\n", MAX_SIZE);
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udp-echo: socket");
		return 1;
	}
	for (seq = 0; seq < count; seq++)
		ok += (unsigned int)one(fd, &to, seq, size);
	printf("udp-echo: %u of %u echoed by %s:%s\n", ok, count, argv[1], argv[2]);
	return ok == count && count ? 0 : 1;
}
