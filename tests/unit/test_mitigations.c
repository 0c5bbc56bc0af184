/* What the firmware's SMCCC_ARCH_FEATURES answers make hyparm do on the exit path (core/mitigations.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <hyparm/mitigations.h>
#include <hyparm/smccc.h>

static void only_a_zero_answer_turns_a_workaround_on(void **state)
{
	/* QEMU's built-in PSCI (no SMCCC 1.1): nothing on the exit path. */
	struct mitigation_plan p = mitigation_decide(SMCCC_RET_NOT_SUPPORTED, SMCCC_RET_NOT_SUPPORTED);
	assert_false(p.bp_harden);
	assert_false(p.ssbd_enable);
	/* An affected Cortex-A57/A72 with TF-A: predictor invalidated on exits; dynamic SSBD switched on. */
	p = mitigation_decide(SMCCC_RET_SUCCESS, SMCCC_RET_SUCCESS);
	assert_true(p.bp_harden);
	assert_true(p.ssbd_enable);
	/* Not affected, or mitigated without help (WORKAROUND_2 answers 1: always on). */
	p = mitigation_decide(SMCCC_RET_NOT_REQUIRED, 1);
	assert_false(p.bp_harden);
	assert_false(p.ssbd_enable);
	p = mitigation_decide(SMCCC_RET_NOT_REQUIRED, SMCCC_RET_NOT_REQUIRED);
	assert_false(p.bp_harden || p.ssbd_enable);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(only_a_zero_answer_turns_a_workaround_on),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
