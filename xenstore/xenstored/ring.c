/* SPDX-License-Identifier: GPL-2.0 */
/* Domain rings: placeholder until the /dev/xen transport lands. */
#include <errno.h>
#include "xenstored.h"

int ring_init(void)
{
	return -ENODEV;
}

int ring_attach(struct domain *d, unsigned long mfn, unsigned int port)
{
	(void)d; (void)mfn; (void)port;
	return -ENODEV;
}

void ring_detach(struct conn *c)
{
	(void)c;
}

int ring_fd(void)
{
	return -1;
}

void ring_handle(void)
{
}

void ring_kick(struct conn *c)
{
	(void)c;
}
