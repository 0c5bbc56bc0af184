/* The PL031 register model: the counter, RTCLR, the match, the IDs, and which accesses it refuses. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <hyparm/errno.h>
#include <vdev/vpl031.h>

#define NOW 1800000000ULL /* 2027: any wall-clock second */

static u32 rd(struct vpl031 *r, u64 off, u64 now)
{
	u32 v = 0xDEADBEEF;
	assert_int_equal(vpl031_read(r, off, 4, now, &v), HV_OK);
	return v;
}

static void wr(struct vpl031 *r, u64 off, u64 now, u32 val)
{
	assert_int_equal(vpl031_write(r, off, 4, now, val), HV_OK);
}

/* Catches: a clock that starts at 0 (1970 in the guest), or one that stops after RTCLR. */
static void counter_is_wall_clock_plus_offset(void **state)
{
	struct vpl031 r;
	(void)state;

	vpl031_reset(&r);
	assert_int_equal(rd(&r, RTC_DR, NOW), (u32)NOW);
	assert_int_equal(rd(&r, RTC_DR, NOW + 5), (u32)NOW + 5);
	wr(&r, RTC_LR, NOW + 10, 1000);
	assert_int_equal(rd(&r, RTC_DR, NOW + 10), 1000);
	assert_int_equal(rd(&r, RTC_DR, NOW + 12), 1002);
	assert_int_equal(rd(&r, RTC_LR, NOW + 12), 1000);
	/* The 32-bit counter wraps like the hardware's. */
	wr(&r, RTC_LR, NOW, 0xFFFFFFFF);
	assert_int_equal(rd(&r, RTC_DR, NOW + 2), 1);
	/* Writes to the data register change nothing; the start bit cannot be cleared. */
	wr(&r, RTC_DR, NOW, 5);
	wr(&r, RTC_CR, NOW, 0);
	assert_int_equal(rd(&r, RTC_DR, NOW + 2), 1);
	assert_int_equal(rd(&r, RTC_CR, NOW), 1);
	/* Reset: back to the wall clock. */
	vpl031_reset(&r);
	assert_int_equal(rd(&r, RTC_DR, NOW), (u32)NOW);
}

/* Catches: a match that fires at the wrong second, an interrupt that ignores the mask or survives RTCICR. */
static void match_latches_and_masks(void **state)
{
	struct vpl031 r;
	(void)state;

	vpl031_reset(&r);
	assert_false(r.mr_set);
	wr(&r, RTC_MR, NOW, (u32)NOW + 3);
	assert_true(r.mr_set);
	assert_int_equal(vpl031_secs_to_match(&r, NOW), 3);
	assert_int_equal(vpl031_secs_to_match(&r, NOW + 3), 0);
	/* Behind the counter: it matches only after the counter wraps. */
	assert_int_equal(vpl031_secs_to_match(&r, NOW + 4), 0xFFFFFFFF);
	assert_int_equal(rd(&r, RTC_RIS, NOW), 0);
	vpl031_match(&r);
	assert_int_equal(rd(&r, RTC_RIS, NOW), 1);
	assert_int_equal(rd(&r, RTC_MIS, NOW), 0);
	assert_false(vpl031_line(&r));
	wr(&r, RTC_IMSC, NOW, 0xFF); /* only bit 0 exists */
	assert_int_equal(rd(&r, RTC_IMSC, NOW), 1);
	assert_int_equal(rd(&r, RTC_MIS, NOW), 1);
	assert_true(vpl031_line(&r));
	wr(&r, RTC_RIS, NOW, 0); /* read-only */
	assert_true(vpl031_line(&r));
	wr(&r, RTC_ICR, NOW, 1);
	assert_int_equal(rd(&r, RTC_RIS, NOW), 0);
	assert_false(vpl031_line(&r));
	/* The match follows the loaded counter, not the wall clock. */
	wr(&r, RTC_LR, NOW, 100);
	wr(&r, RTC_MR, NOW, 160);
	assert_int_equal(vpl031_secs_to_match(&r, NOW), 60);
}

/* Catches: IDs that Linux's AMBA bus would not match; byte reads of them refused (EDK2); partial writes. */
static void ids_and_access_sizes(void **state)
{
	static const u8 ids[8] = { 0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
	struct vpl031 r;
	u32 v;
	(void)state;

	vpl031_reset(&r);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(rd(&r, RTC_PERIPHID0 + 4 * i, NOW), ids[i]);
	assert_int_equal(rd(&r, 0x020, NOW), 0); /* reserved: reads as zero */
	assert_int_equal(rd(&r, RTC_ICR, NOW), 0); /* write-only */
	/* Narrower reads see their bytes of the register (EDK2 reads the IDs bytewise). */
	assert_int_equal(vpl031_read(&r, RTC_PERIPHID0 + 0x10, 1, NOW, &v), HV_OK);
	assert_int_equal(v, 0x0d);
	assert_int_equal(vpl031_read(&r, RTC_DR + 1, 1, NOW, &v), HV_OK);
	assert_int_equal(v, ((u32)NOW >> 8) & 0xFF);
	assert_int_equal(vpl031_read(&r, RTC_DR + 2, 2, NOW, &v), HV_OK);
	assert_int_equal(v, (u32)NOW >> 16);
	assert_int_equal(vpl031_read(&r, RTC_DR + 1, 2, NOW, &v), -HV_EINVAL);
	assert_int_equal(vpl031_read(&r, RTC_DR, 8, NOW, &v), -HV_EINVAL);
	assert_int_equal(vpl031_write(&r, RTC_LR, 1, NOW, 1), -HV_EINVAL);
	assert_int_equal(vpl031_read(&r, RTC_DR + 2, 4, NOW, &v), -HV_EINVAL);
	assert_int_equal(vpl031_write(&r, RTC_LR, 2, NOW, 1), -HV_EINVAL);
	assert_int_equal(rd(&r, RTC_DR, NOW), (u32)NOW); /* the refused write changed nothing */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counter_is_wall_clock_plus_offset),
		cmocka_unit_test(match_latches_and_masks),
		cmocka_unit_test(ids_and_access_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
