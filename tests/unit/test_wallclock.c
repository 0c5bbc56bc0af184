/* Wall-clock time: the RTC's boot reading carried forward by the counter, exactly and without overflow. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arch/fake.h>
#include <hyparm/wallclock.h>

static void unset_clock_starts_at_the_epoch(void **state)
{
	(void)state;
	assert_false(wallclock_valid());
	assert_int_equal(wallclock_ns_at(0), 0);
}

static void counter_carries_the_reading_forward(void **state)
{
	(void)state;
	arch_fake_reset(1, 4);
	arch_fake.freq = 62500000; /* 16 ns per tick */
	wallclock_set(1800000000, 1000);
	assert_true(wallclock_valid());
	assert_int_equal(wallclock_ns_at(1000), 1800000000ULL * 1000000000ULL);
	assert_int_equal(wallclock_ns_at(1001), 1800000000ULL * 1000000000ULL + 16);
	/* A year of ticks later: no overflow in ticks * 10^9. */
	u64 year = 365ULL * 86400 * 62500000;
	assert_int_equal(wallclock_ns_at(1000 + year), (1800000000ULL + 365ULL * 86400) * 1000000000ULL);
	/* A count before the reading gives the reading, not a time in the far future. */
	assert_int_equal(wallclock_ns_at(10), 1800000000ULL * 1000000000ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unset_clock_starts_at_the_epoch),
		cmocka_unit_test(counter_carries_the_reading_forward),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
