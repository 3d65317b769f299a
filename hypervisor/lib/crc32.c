// SPDX-License-Identifier: GPL-2.0-only
/*
 * CRC-32 as gzip, xz and lzop check their data (hv/decompress.h,
 * crc32_update): one implementation for the kernel-module decoders.
 */
#include <hv/decompress.h>

/*
 * CRC-32 (the reflected polynomial 0xedb88320), eight bytes a step:
 * crc_table[k][v] is the CRC of byte v followed by k zero bytes, so the
 * eight bytes' contributions are looked up independently and combined.
 */
static uint32_t crc_table[8][256];

static void crc_init(void)
{
	uint32_t i, j, k;

	for (i = 0; i < 256; i++) {
		uint32_t c = i;

		for (j = 0; j < 8; j++)
			c = (c >> 1) ^ (c & 1 ? 0xedb88320u : 0);
		crc_table[0][i] = c;
	}
	for (k = 1; k < 8; k++)
		for (i = 0; i < 256; i++)
			crc_table[k][i] = crc_table[0][crc_table[k - 1][i] & 0xff] ^
					  (crc_table[k - 1][i] >> 8);
}

uint32_t crc32_update(uint32_t crc, const void *p, size_t len)
{
	const uint8_t *b = p;

	if (!crc_table[0][1])
		crc_init();
	crc = ~crc;
	for (; len >= 8; len -= 8, b += 8) {
		uint32_t lo = crc ^ (b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24);
		uint32_t hi = b[4] | b[5] << 8 | b[6] << 16 | (uint32_t)b[7] << 24;

		crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
		      crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
		      crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
		      crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
	}
	while (len--)
		crc = crc_table[0][(crc ^ *b++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
