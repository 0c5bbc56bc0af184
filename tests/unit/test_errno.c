/* lib/errno.c: hv_strerror names every code, whichever sign the caller passes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <limits.h>

#include <hyparm/errno.h>

static void negative_and_positive_codes_give_the_same_name(void **state)
{
	for (int code = HV_OK; code <= HV_ENODEV; code++)
		assert_string_equal(hv_strerror(-code), hv_strerror(code));
}

static void every_code_has_its_own_name(void **state)
{
	assert_string_equal(hv_strerror(HV_OK), "ok");
	assert_string_equal(hv_strerror(-HV_EINVAL), "invalid argument");
	assert_string_equal(hv_strerror(-HV_ENOMEM), "out of memory");
	assert_string_equal(hv_strerror(-HV_EEXIST), "already exists");
	assert_string_equal(hv_strerror(-HV_ENOENT), "not found");
	assert_string_equal(hv_strerror(-HV_ERANGE), "out of range");
	assert_string_equal(hv_strerror(-HV_EFAULT), "bad address");
	assert_string_equal(hv_strerror(-HV_ENOTSUP), "not supported");
	assert_string_equal(hv_strerror(-HV_EBUSY), "busy");
	assert_string_equal(hv_strerror(-HV_EIO), "input/output error");
	assert_string_equal(hv_strerror(-HV_ENODEV), "no device");
}

static void unknown_codes_are_named_unknown(void **state)
{
	assert_string_equal(hv_strerror(-99), "unknown error");
	assert_string_equal(hv_strerror(12345), "unknown error");
	assert_string_equal(hv_strerror(INT_MIN), "unknown error");
	assert_string_equal(hv_strerror(INT_MAX), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(negative_and_positive_codes_give_the_same_name),
		cmocka_unit_test(every_code_has_its_own_name),
		cmocka_unit_test(unknown_codes_are_named_unknown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
