/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copies into and zeroing of a domain's pages as vmctl writes them
 * (foreign mappings, libvmctl/builder.c), with SSE2's 16-byte stores
 * that bypass the cache: dom0 does not read those pages again. glibc
 * does a copy or fill of this size (from a few KiB up to its non-temporal
 * threshold, several MiB) with `rep movsb` / `rep stosb`, which QEMU's
 * TCG runs one byte an iteration and -icount counts as one instruction
 * each; these loops take about 0.2 instructions a byte. The ends that
 * are not 16-byte aligned or a whole 64 bytes go through memcpy/memset.
 */
#ifndef VMCTL_GUEST_MEM_H
#define VMCTL_GUEST_MEM_H

#include <emmintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void guest_copy(void *dst, const void *src, size_t len)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	size_t head = (16 - ((uintptr_t)d & 15)) & 15;

	if (len < 256) {
		memcpy(d, s, len);
		return;
	}
	memcpy(d, s, head);
	d += head;
	s += head;
	len -= head;
	for (; len >= 64; len -= 64, d += 64, s += 64) {
		__m128i a = _mm_loadu_si128((const __m128i *)s);
		__m128i b = _mm_loadu_si128((const __m128i *)(s + 16));
		__m128i c = _mm_loadu_si128((const __m128i *)(s + 32));
		__m128i e = _mm_loadu_si128((const __m128i *)(s + 48));

		_mm_stream_si128((__m128i *)d, a);
		_mm_stream_si128((__m128i *)(d + 16), b);
		_mm_stream_si128((__m128i *)(d + 32), c);
		_mm_stream_si128((__m128i *)(d + 48), e);
	}
	_mm_sfence();
	memcpy(d, s, len);
}

static inline void guest_zero(void *dst, size_t len)
{
	uint8_t *d = dst;
	size_t head = (16 - ((uintptr_t)d & 15)) & 15;
	__m128i z = _mm_setzero_si128();

	if (len < 256) {
		memset(d, 0, len);
		return;
	}
	memset(d, 0, head);
	d += head;
	len -= head;
	for (; len >= 64; len -= 64, d += 64) {
		_mm_stream_si128((__m128i *)d, z);
		_mm_stream_si128((__m128i *)(d + 16), z);
		_mm_stream_si128((__m128i *)(d + 32), z);
		_mm_stream_si128((__m128i *)(d + 48), z);
	}
	_mm_sfence();
	memset(d, 0, len);
}

#endif
