/*
 * The restart policy (core/restart.c): which stops each policy restarts,
 * and the loop guard that keeps a VM that crashes at boot from being
 * restarted for ever. Each test names the bug it catches.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <hyparm/restart.h>

#define FREQ 1000 /* counts per second: times below read as milliseconds */

/* never: nothing comes back (a policy that restarts anyway would hide crashes). */
static void never_restarts_nothing(void **state)
{
	struct restart_history h = { 0 };

	assert_int_equal(restart_decide(&h, VM_RESTART_NEVER, true, 0, FREQ), RESTART_STAY_DOWN);
	assert_int_equal(restart_decide(&h, VM_RESTART_NEVER, false, 1, FREQ), RESTART_STAY_DOWN);
	assert_int_equal(h.restarts, 0);
	assert_int_equal(h.crashes, 1);
}

/* on-crash: a crash comes back, a power-off is the guest's wish and ends it. */
static void on_crash_restarts_crashes_only(void **state)
{
	struct restart_history h = { 0 };

	assert_int_equal(restart_decide(&h, VM_RESTART_ON_CRASH, true, 0, FREQ), RESTART_AGAIN);
	assert_int_equal(restart_decide(&h, VM_RESTART_ON_CRASH, false, 100000, FREQ), RESTART_STAY_DOWN);
	assert_int_equal(h.restarts, 1);
}

/* always: a power-off comes back too. */
static void always_restarts_power_off(void **state)
{
	struct restart_history h = { 0 };

	assert_int_equal(restart_decide(&h, VM_RESTART_ALWAYS, false, 0, FREQ), RESTART_AGAIN);
	assert_int_equal(restart_decide(&h, VM_RESTART_ALWAYS, true, 20000, FREQ), RESTART_AGAIN);
	assert_int_equal(h.restarts, 2);
	assert_int_equal(h.crashes, 1);
}

/* The fifth stop within 10 s is a loop: four restarts, then it stays down. */
static void loop_stops_restarting(void **state)
{
	struct restart_history h = { 0 };

	for (unsigned i = 0; i < RESTART_LOOP_STOPS - 1; i++)
		assert_int_equal(restart_decide(&h, VM_RESTART_ON_CRASH, true, 1000 + i * 100, FREQ),
				 RESTART_AGAIN);
	assert_int_equal(restart_decide(&h, VM_RESTART_ON_CRASH, true, 9000, FREQ), RESTART_LOOP);
	assert_int_equal(h.restarts, RESTART_LOOP_STOPS - 1);
}

/* Stops spread out are no loop, however many (a guard that counts all stops ever would end a long-lived VM). */
static void spread_out_stops_are_no_loop(void **state)
{
	struct restart_history h = { 0 };

	for (unsigned i = 0; i < 50; i++)
		assert_int_equal(restart_decide(&h, VM_RESTART_ALWAYS, i & 1, 5000000ULL + i * 2600, FREQ),
				 RESTART_AGAIN);
	/* ...but five quick ones after them are: the window slides. */
	u64 t = 5000000ULL + 50 * 2600 + 20000;
	for (unsigned i = 0; i < RESTART_LOOP_STOPS - 1; i++)
		assert_int_equal(restart_decide(&h, VM_RESTART_ALWAYS, true, t + 10 * i, FREQ),
				 RESTART_AGAIN);
	assert_int_equal(restart_decide(&h, VM_RESTART_ALWAYS, true, t + 100, FREQ), RESTART_LOOP);
}

/* Power-offs a policy does not restart do not count towards a loop. */
static void stays_down_stops_do_not_count(void **state)
{
	struct restart_history h = { 0 };

	for (unsigned i = 0; i < 10; i++)
		restart_decide(&h, VM_RESTART_ON_CRASH, false, i, FREQ);
	assert_int_equal(restart_decide(&h, VM_RESTART_ON_CRASH, true, 20, FREQ), RESTART_AGAIN);
}

static void policy_names(void **state)
{
	assert_string_equal(restart_policy_name(VM_RESTART_NEVER), "never");
	assert_string_equal(restart_policy_name(VM_RESTART_ON_CRASH), "on-crash");
	assert_string_equal(restart_policy_name(VM_RESTART_ALWAYS), "always");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(never_restarts_nothing),
		cmocka_unit_test(on_crash_restarts_crashes_only),
		cmocka_unit_test(always_restarts_power_off),
		cmocka_unit_test(loop_stops_restarting),
		cmocka_unit_test(spread_out_stops_are_no_loop),
		cmocka_unit_test(stays_down_stops_do_not_count),
		cmocka_unit_test(policy_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
