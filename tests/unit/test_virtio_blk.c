/*
 * The guest virtio-blk device's request check (vdev/virtio_blk_check.c):
 * sectors inside the disk with arithmetic that cannot wrap, buffer
 * directions, lengths a multiple of 512, read-only disks, unknown types.
 * Catches: a sector near 2^64 whose sector + count wraps below the
 * capacity and reaches another VM's data; a write to a read-only disk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <drivers/virtio_blk.h>
#include <vdev/virtio_blk.h>

#define CAP 2048 /* sectors: 1 MiB */

static u8 check(u32 type, u64 sector, u32 len, bool write, bool ro, u32 *bytes)
{
	struct virtq_buf b = { .ipa = 0x1000, .len = len, .write = write };
	return virtio_blk_check(type, sector, &b, 1, CAP, ro, bytes);
}

static void good_requests(void **state)
{
	u32 bytes;

	assert_int_equal(check(VIRTIO_BLK_T_IN, 0, 4096, true, false, &bytes), VIRTIO_BLK_S_OK);
	assert_int_equal(bytes, 4096);
	/* The disk's last sector, exactly. */
	assert_int_equal(check(VIRTIO_BLK_T_OUT, CAP - 1, 512, false, false, &bytes), VIRTIO_BLK_S_OK);
	assert_int_equal(check(VIRTIO_BLK_T_IN, 0, CAP * 512, true, true, &bytes), VIRTIO_BLK_S_OK);
	{
		struct virtq_buf b[3] = { { .len = 512, .write = true },
					  { .len = 1024, .write = true },
					  { .len = 512, .write = true } };
		assert_int_equal(virtio_blk_check(VIRTIO_BLK_T_IN, 10, b, 3, CAP, false, &bytes),
				 VIRTIO_BLK_S_OK);
		assert_int_equal(bytes, 2048);
	}
}

static void outside_the_disk(void **state)
{
	u32 bytes = 1;

	assert_int_equal(check(VIRTIO_BLK_T_IN, CAP, 512, true, false, &bytes), VIRTIO_BLK_S_IOERR);
	assert_int_equal(bytes, 0);
	assert_int_equal(check(VIRTIO_BLK_T_IN, CAP - 1, 1024, true, false, &bytes), VIRTIO_BLK_S_IOERR);
	/* sector * 512 and sector + count wrap: still outside. */
	assert_int_equal(check(VIRTIO_BLK_T_IN, UINT64_MAX, 512, true, false, &bytes), VIRTIO_BLK_S_IOERR);
	assert_int_equal(check(VIRTIO_BLK_T_OUT, UINT64_MAX - 1, 4096, false, false, &bytes),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(check(VIRTIO_BLK_T_IN, 1ULL << 55, 512, true, false, &bytes), VIRTIO_BLK_S_IOERR);
	/* Many buffers whose total exceeds 32 bits. */
	{
		struct virtq_buf b[3] = { { .len = 0x80000000u, .write = true },
					  { .len = 0x80000000u, .write = true },
					  { .len = 512, .write = true } };
		assert_int_equal(virtio_blk_check(VIRTIO_BLK_T_IN, 0, b, 3, UINT64_MAX, false, &bytes),
				 VIRTIO_BLK_S_IOERR);
	}
}

static void malformed(void **state)
{
	u32 bytes;

	assert_int_equal(check(VIRTIO_BLK_T_IN, 0, 511, true, false, &bytes), VIRTIO_BLK_S_IOERR);
	assert_int_equal(check(VIRTIO_BLK_T_IN, 0, 0, true, false, &bytes), VIRTIO_BLK_S_IOERR);
	/* IN wants writable buffers, OUT readable ones. */
	assert_int_equal(check(VIRTIO_BLK_T_IN, 0, 512, false, false, &bytes), VIRTIO_BLK_S_IOERR);
	assert_int_equal(check(VIRTIO_BLK_T_OUT, 0, 512, true, false, &bytes), VIRTIO_BLK_S_IOERR);
	assert_int_equal(virtio_blk_check(VIRTIO_BLK_T_IN, 0, NULL, 0, CAP, false, &bytes),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(check(77, 0, 512, true, false, &bytes), VIRTIO_BLK_S_UNSUPP);
}

static void read_only(void **state)
{
	u32 bytes;

	assert_int_equal(check(VIRTIO_BLK_T_OUT, 0, 512, false, true, &bytes), VIRTIO_BLK_S_IOERR);
	assert_int_equal(check(VIRTIO_BLK_T_IN, 0, 512, true, true, &bytes), VIRTIO_BLK_S_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_requests),
		cmocka_unit_test(outside_the_disk),
		cmocka_unit_test(malformed),
		cmocka_unit_test(read_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
