/*
 * What guests are told about the Spectre workarounds (SMCCC_ARCH_FEATURES
 * for ARCH_WORKAROUND_1, _2, _3) and what hyparm does when a guest calls
 * one: decided once at boot from what the physical CPU says about itself
 * and what its firmware answered, with the logic of Linux 6.1's
 * arch/arm64/kernel/proton-pack.c as KVM 6.1 reports it to its guests
 * (core/spectre.c; pure logic, unit-tested).
 */
#ifndef HYPARM_SPECTRE_H
#define HYPARM_SPECTRE_H

#include <hyparm/types.h>

/* The boot CPU's own word on it. */
struct spectre_cpu {
	u32 midr;
	u8 csv2; /* ID_AA64PFR0_EL1.CSV2 (the hardware's, not the guests' capped copy) */
	bool ssbs; /* ID_AA64PFR1_EL1.SSBS != 0 (hyparm shows it to guests) */
	bool ecbhb; /* ID_AA64MMFR1_EL1.ECBHB: exceptions clear the branch history */
	bool clrbhb; /* ID_AA64ISAR2_EL1.CLRBHB: the CLRBHB instruction */
	int fw[3]; /* the firmware's ARCH_FEATURES answers for WORKAROUND_1, _2, _3 */
};

enum { SPECTRE_WA1, SPECTRE_WA2, SPECTRE_WA3 };

/* ARCH_FEATURES(WORKAROUND_n) = 1: implemented, not needed on this CPU (SMCCC's "unaffected"). */
#define SPECTRE_RET_UNAFFECTED 1

struct spectre_guest {
	s64 features[3]; /* SMCCC_ARCH_FEATURES answer for WORKAROUND_1, _2, _3 */
	bool wa1_fw; /* a WORKAROUND_1 call goes on to the firmware */
	/* A WORKAROUND_3 call: the firmware's, CLRBHB, or a loop of this many taken branches. */
	bool wa3_fw, wa3_clrbhb;
	u8 wa3_loop;
};

/* The answers and actions for a CPU (host-testable). */
void spectre_guest_decide(const struct spectre_cpu *c, struct spectre_guest *g);

/* The CPU's ID fields and MIDR into c (fw[] untouched) (arch/arm64/spectre_hw.c). */
void spectre_cpu_read(struct spectre_cpu *c);
/* Clear the branch history: CLRBHB, or a loop of loop taken branches (arch/arm64/spectre_hw.c). */
void spectre_bhb_clear(unsigned loop, bool clrbhb);

#endif
