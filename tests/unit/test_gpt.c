/*
 * GPT parsing (core/gpt.c): a table as sgdisk writes it is read; a bad
 * signature, header CRC, entries CRC, an entry array too large, bounds
 * outside the disk, an unused or out-of-range partition are refused with
 * a message. Catches: a partition believed without its CRCs (a guest
 * given sectors of another VM's partition by a corrupt table), bounds
 * arithmetic that wraps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <hyparm/errno.h>
#include <hyparm/gpt.h>

#define CAP 4096 /* sectors: 2 MiB */

static u8 lba1[512], entries[128 * 128];
static char err[200];

static void put32(u8 *p, u32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (u8)(v >> 8 * i);
}

static void put64(u8 *p, u64 v)
{
	put32(p, (u32)v);
	put32(p + 4, (u32)(v >> 32));
}

static void seal(void)
{
	put32(lba1 + 88, gpt_crc32(entries, sizeof(entries)));
	put32(lba1 + 16, 0);
	put32(lba1 + 16, gpt_crc32(lba1, 92));
}

/* Two partitions: 1 = sectors 34..2047, 2 = 2048..4062. */
static void make(void)
{
	memset(lba1, 0, sizeof(lba1));
	memset(entries, 0, sizeof(entries));
	memcpy(lba1, "EFI PART", 8);
	put32(lba1 + 8, 0x10000);
	put32(lba1 + 12, 92);
	put64(lba1 + 24, 1);
	put64(lba1 + 32, CAP - 1);
	put64(lba1 + 40, 34);
	put64(lba1 + 48, CAP - 34);
	put64(lba1 + 72, 2);
	put32(lba1 + 80, 128);
	put32(lba1 + 84, 128);
	for (int i = 0; i < 2; i++) {
		u8 *e = entries + 128 * i;
		memset(e, 0xA0 + i, 16);
		put64(e + 32, i ? 2048 : 34);
		put64(e + 40, i ? CAP - 34 : 2047);
	}
	seal();
}

static void reads_partitions(void **state)
{
	struct gpt_header_info h;
	u64 start, count;

	make();
	assert_int_equal(gpt_crc32("123456789", 9), 0xCBF43926u); /* the CRC32 check value */
	assert_int_equal(gpt_header(lba1, CAP, &h, err, sizeof(err)), HV_OK);
	assert_int_equal(h.entries_lba, 2);
	assert_int_equal(h.entries_bytes, 128 * 128);
	assert_int_equal(gpt_partition(&h, entries, 1, &start, &count, err, sizeof(err)), HV_OK);
	assert_int_equal(start, 34);
	assert_int_equal(count, 2014);
	assert_int_equal(gpt_partition(&h, entries, 2, &start, &count, err, sizeof(err)), HV_OK);
	assert_int_equal(start, 2048);
	assert_int_equal(count, CAP - 34 - 2048 + 1);
}

static void bad_headers(void **state)
{
	struct gpt_header_info h;

	make();
	lba1[0] = 'X';
	assert_int_equal(gpt_header(lba1, CAP, &h, err, sizeof(err)), -HV_EINVAL);
	assert_non_null(strstr(err, "EFI PART"));
	make();
	lba1[40] ^= 1; /* contents changed, CRC not */
	assert_int_equal(gpt_header(lba1, CAP, &h, err, sizeof(err)), -HV_EINVAL);
	assert_non_null(strstr(err, "header CRC32"));
	make();
	put32(lba1 + 80, 0x10000000); /* a huge entry array */
	seal();
	assert_int_equal(gpt_header(lba1, CAP, &h, err, sizeof(err)), -HV_EINVAL);
	assert_non_null(strstr(err, "entry array"));
	make();
	put64(lba1 + 72, ~0ULL - 1); /* entries past the disk, wrapping */
	seal();
	assert_int_equal(gpt_header(lba1, CAP, &h, err, sizeof(err)), -HV_EINVAL);
	assert_non_null(strstr(err, "bounds"));
	make();
	put64(lba1 + 48, CAP); /* usable past the end */
	seal();
	assert_int_equal(gpt_header(lba1, CAP, &h, err, sizeof(err)), -HV_EINVAL);
	make();
	put32(lba1 + 12, 600);
	seal();
	assert_int_equal(gpt_header(lba1, CAP, &h, err, sizeof(err)), -HV_EINVAL);
}

static void bad_entries(void **state)
{
	struct gpt_header_info h;
	u64 start, count;

	make();
	assert_int_equal(gpt_header(lba1, CAP, &h, err, sizeof(err)), HV_OK);
	entries[32] ^= 1; /* entry changed, entries CRC not */
	assert_int_equal(gpt_partition(&h, entries, 1, &start, &count, err, sizeof(err)), -HV_EINVAL);
	assert_non_null(strstr(err, "entry array CRC32"));
	make();
	assert_int_equal(gpt_header(lba1, CAP, &h, err, sizeof(err)), HV_OK);
	assert_int_equal(gpt_partition(&h, entries, 3, &start, &count, err, sizeof(err)), -HV_EINVAL);
	assert_non_null(strstr(err, "unused"));
	assert_int_equal(gpt_partition(&h, entries, 129, &start, &count, err, sizeof(err)), -HV_EINVAL);
	assert_int_equal(gpt_partition(&h, entries, 0, &start, &count, err, sizeof(err)), -HV_EINVAL);
	/* A partition reaching past the usable area (sealed: only the bounds are wrong). */
	make();
	put64(entries + 128 + 40, CAP + 100);
	seal();
	assert_int_equal(gpt_header(lba1, CAP, &h, err, sizeof(err)), HV_OK);
	assert_int_equal(gpt_partition(&h, entries, 2, &start, &count, err, sizeof(err)), -HV_EINVAL);
	assert_non_null(strstr(err, "outside the usable"));
	make();
	put64(entries + 32, 3000); /* first > last */
	seal();
	assert_int_equal(gpt_header(lba1, CAP, &h, err, sizeof(err)), HV_OK);
	assert_int_equal(gpt_partition(&h, entries, 1, &start, &count, err, sizeof(err)), -HV_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_partitions),
		cmocka_unit_test(bad_headers),
		cmocka_unit_test(bad_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
