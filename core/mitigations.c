/*
 * Firmware workarounds for Spectre-v2 and v4 (include/hyparm/mitigations.h).
 *
 * SMCCC_ARCH_FEATURES(WORKAROUND_1) = 0: this CPU's branch predictor can be
 * trained by a guest and the firmware can invalidate it; exits then go
 * through the vectors that call it first. Any other answer (NOT_SUPPORTED,
 * NOT_REQUIRED, or no SMCCC 1.1 at all, as with QEMU's built-in PSCI) keeps
 * the ordinary vectors: the exit path costs nothing more.
 * SMCCC_ARCH_FEATURES(WORKAROUND_2) = 0: the mitigation is dynamic and off
 * until asked for; it is switched on once per CPU, for hyparm and guests.
 * 1 or NOT_REQUIRED: always on or not needed. NOT_SUPPORTED: nothing to call.
 */
#include <hyparm/mitigations.h>
#include <hyparm/smccc.h>

struct mitigation_plan mitigation_decide(int wa1_answer, int wa2_answer)
{
	struct mitigation_plan p = { wa1_answer == SMCCC_RET_SUCCESS, wa2_answer == SMCCC_RET_SUCCESS };
	return p;
}
