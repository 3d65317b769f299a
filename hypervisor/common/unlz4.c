// SPDX-License-Identifier: GPL-2.0-only
/*
 * lz4's legacy frame for kernel modules (hv/decompress.h), from lz4's
 * published block and frame descriptions.
 *
 * A block is a run of sequences: a token (literal count in its high
 * nibble, match length less 4 in its low one; 15 in either continues in
 * following bytes while they are 255), the literals, then a 16-bit
 * little-endian back-distance and the match. The block's last sequence
 * has literals only. Every read is checked against the block's end and
 * every write against out_size; a distance may reach back into earlier
 * blocks' output but never before the start of the output.
 */
#include <hv/decompress.h>
#include <hv/string.h>
#include <lamina/errno.h>

#define LZ4_LEGACY_MAGIC	0x184c2102u

struct lz4_out {
	uint8_t *p;		/* NULL: count only */
	size_t size, pos;
};

/* A 4-bit count continued in 255-bytes; false if the block ends inside it. */
static bool lz4_len(const uint8_t **ip, const uint8_t *end, size_t *len)
{
	if (*len != 15)
		return true;
	for (;;) {
		uint8_t b;

		if (*ip >= end)
			return false;
		b = *(*ip)++;
		*len += b;
		if (*len > KIMAGE_MAX_OUT)	/* no real block says more */
			return false;
		if (b != 255)
			return true;
	}
}

static int lz4_block(const uint8_t *ip, size_t n, struct lz4_out *o)
{
	const uint8_t *end = ip + n;

	while (ip < end) {
		uint8_t token = *ip++;
		size_t lit = token >> 4, mlen = token & 15, dist;

		if (!lz4_len(&ip, end, &lit) || lit > (size_t)(end - ip))
			return -EINVAL;
		if (lit > o->size - o->pos) {
			if (o->p)
				memcpy(o->p + o->pos, ip, o->size - o->pos);
			o->pos = o->size;
			return -ENOSPC;
		}
		if (o->p)
			memcpy(o->p + o->pos, ip, lit);
		o->pos += lit;
		ip += lit;
		if (ip == end)		/* the last sequence */
			return 0;
		if (end - ip < 2)
			return -EINVAL;
		dist = ip[0] | ip[1] << 8;
		ip += 2;
		if (!dist || dist > o->pos || !lz4_len(&ip, end, &mlen))
			return -EINVAL;
		mlen += 4;
		if (!o->p) {
			if (mlen > o->size - o->pos)
				return -ENOSPC;
			o->pos += mlen;
			continue;
		}
		if (!decomp_copy_back(o->p, &o->pos, o->size, dist, mlen))
			return -ENOSPC;
	}
	return -EINVAL;		/* an empty block or one ending on a match */
}

long unlz4_legacy(const void *in, size_t in_len, void *out, size_t out_size)
{
	const uint8_t *p = in;
	struct lz4_out o = { .p = out, .size = out_size };
	size_t pos = 4;

	if (in_len < 4 || dec_le32(p) != LZ4_LEGACY_MAGIC)
		return -EINVAL;
	while (pos < in_len) {
		uint32_t n;
		int rc;

		if (in_len - pos < 4)
			return -EINVAL;
		n = dec_le32(p + pos);
		if (in_len - pos == 4)		/* the kernel's appended size */
			break;
		pos += 4;
		if (n == LZ4_LEGACY_MAGIC)	/* another frame */
			continue;
		if (!n || n > in_len - pos)
			return -EINVAL;
		rc = lz4_block(p + pos, n, &o);
		if (rc)
			return rc;
		pos += n;
	}
	return (long)o.pos;
}
