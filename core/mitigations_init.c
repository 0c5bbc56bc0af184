/* Each CPU asks the firmware which Spectre workarounds it needs and takes the matching exit vectors (see hyparm/mitigations.h); the decision itself is mitigations.c's. */
#include <hyparm/mitigations.h>
#include <hyparm/smccc.h>
#include <hyparm/print.h>

extern char el2_vectors[], el2_vectors_bp[];

static const char *answer_name(int a)
{
	switch (a) {
	case SMCCC_RET_SUCCESS:
		return "needed";
	case SMCCC_RET_NOT_SUPPORTED:
		return "not supported by the firmware";
	case SMCCC_RET_NOT_REQUIRED:
		return "not required";
	case 1:
		return "not needed dynamically";
	}
	return "unknown answer";
}

const void *mitigations_cpu_init(unsigned cpu)
{
	static int boot_wa1, boot_wa2;
	int wa1 = firmware_arch_features(SMCCC_ARCH_WORKAROUND_1_FID);
	int wa2 = firmware_arch_features(SMCCC_ARCH_WORKAROUND_2_FID);
	struct mitigation_plan p = mitigation_decide(wa1, wa2);

#ifdef HYPARM_TEST_FORCE_BP_HARDEN
	/*
	 * Test build only (tests/integration/run.py): take the hardened exit path
	 * even though QEMU's PSCI answers the call NOT_SUPPORTED (harmlessly), to
	 * check it preserves the guest's registers and to measure what it costs.
	 */
	p.bp_harden = true;
	hv_printf("hyparm: test build: WORKAROUND_1 on every exit forced\n");
#endif
	if (p.ssbd_enable)
		firmware_call(SMCCC_ARCH_WORKAROUND_2_FID, 1);
	/* The boot CPU says what it found; a secondary only when it differs. */
	if (cpu == 0 || wa1 != boot_wa1 || wa2 != boot_wa2)
		hv_printf("hyparm: CPU %u: Spectre-v2 WORKAROUND_1 %s: %s; Spectre-v4 WORKAROUND_2 %s: %s\n",
			  cpu, answer_name(wa1), p.bp_harden ? "called on every exit" : "skipped",
			  answer_name(wa2), p.ssbd_enable ? "enabled" : "skipped");
	if (cpu == 0) {
		boot_wa1 = wa1;
		boot_wa2 = wa2;
	}
	return p.bp_harden ? el2_vectors_bp : el2_vectors;
}
