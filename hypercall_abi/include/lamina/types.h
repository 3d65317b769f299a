/* SPDX-License-Identifier: MIT */
/*
 * Basic types of the PV ABI. Freestanding: the hypervisor and test guests
 * get these from the compiler's <stdint.h>, dom0 userspace from libc's.
 */
#ifndef LAMINA_TYPES_H
#define LAMINA_TYPES_H

#include <stdint.h>

typedef uint16_t domid_t;
typedef uint32_t evtchn_port_t;
typedef uint64_t xen_pfn_t;
typedef uint64_t xen_ulong_t;

#define DOMID_FIRST_RESERVED	0x7FF0U
#define DOMID_SELF		0x7FF0U
#define DOMID_IO		0x7FF1U
#define DOMID_XEN		0x7FF2U
#define DOMID_COW		0x7FF3U
#define DOMID_INVALID		0x7FF4U
#define DOMID_IDLE		0x7FFFU

#define XEN_PAGE_SHIFT		12
#define XEN_PAGE_SIZE		4096UL

#endif
