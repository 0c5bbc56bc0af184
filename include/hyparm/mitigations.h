/*
 * Spectre-v2 and Spectre-v4 (speculative store bypass) on the exit path,
 * as the firmware says this CPU needs (SMCCC_ARCH_FEATURES; see
 * docs/security.md). Decided per physical CPU at boot: big.LITTLE parts can
 * answer differently per core.
 */
#ifndef HYPARM_MITIGATIONS_H
#define HYPARM_MITIGATIONS_H

#include <hyparm/types.h>

struct mitigation_plan {
	/* Exits call SMCCC_ARCH_WORKAROUND_1 before any hyparm code runs (entry.S, el2_vectors_bp). */
	bool bp_harden;
	/* SMCCC_ARCH_WORKAROUND_2(1) once at boot: the store-bypass mitigation on for this CPU. */
	bool ssbd_enable;
};

/* From the firmware's ARCH_FEATURES answers (host-testable). */
struct mitigation_plan mitigation_decide(int wa1_answer, int wa2_answer);
/* Ask the firmware, apply the plan, report it; returns the EL2 vector table this CPU must use. */
const void *mitigations_cpu_init(unsigned cpu);

#endif
