/* The guest's kernel command line: what hyparm adds so that a Linux guest's panic is seen (core/guest_cmdline.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <hyparm/guest_cmdline.h>

static char out[64];

static void linux_without_panic_or_reboot_gets_both(void **state)
{
	assert_true(guest_cmdline_build(out, sizeof(out), "console=ttyAMA0 quiet", true));
	assert_string_equal(out, "console=ttyAMA0 quiet panic=1 reboot=panic_warm");
	assert_true(guest_cmdline_build(out, sizeof(out), "", true));
	assert_string_equal(out, " panic=1 reboot=panic_warm");
}

static void the_users_panic_is_kept_and_still_reported(void **state)
{
	assert_true(guest_cmdline_build(out, sizeof(out), "panic=0 quiet", true));
	assert_string_equal(out, "panic=0 quiet reboot=panic_warm");
	assert_true(guest_cmdline_build(out, sizeof(out), "quiet panic=10", true));
	assert_string_equal(out, "quiet panic=10 reboot=panic_warm");
}

static void the_users_reboot_mode_means_no_warm_reset_is_a_panic(void **state)
{
	assert_false(guest_cmdline_build(out, sizeof(out), "reboot=warm", true));
	assert_string_equal(out, "reboot=warm panic=1");
	assert_false(guest_cmdline_build(out, sizeof(out), "panic=-1 reboot=c", true));
	assert_string_equal(out, "panic=-1 reboot=c");
}

static void only_whole_parameters_count(void **state)
{
	/* "xpanic=" or a value that contains "panic=" is not the panic parameter. */
	assert_true(guest_cmdline_build(out, sizeof(out), "xpanic=3 a=panic=2", true));
	assert_string_equal(out, "xpanic=3 a=panic=2 panic=1 reboot=panic_warm");
}

static void a_raw_image_is_left_alone(void **state)
{
	assert_false(guest_cmdline_build(out, sizeof(out), "mode=spin", false));
	assert_string_equal(out, "mode=spin");
}

static void a_line_with_no_room_is_passed_on_unchanged(void **state)
{
	char line[sizeof(out)];

	memset(line, 'a', sizeof(line) - 10);
	line[sizeof(line) - 10] = 0;
	assert_false(guest_cmdline_build(out, sizeof(out), line, true));
	assert_string_equal(out, line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(linux_without_panic_or_reboot_gets_both),
		cmocka_unit_test(the_users_panic_is_kept_and_still_reported),
		cmocka_unit_test(the_users_reboot_mode_means_no_warm_reset_is_a_panic),
		cmocka_unit_test(only_whole_parameters_count),
		cmocka_unit_test(a_raw_image_is_left_alone),
		cmocka_unit_test(a_line_with_no_room_is_passed_on_unchanged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
