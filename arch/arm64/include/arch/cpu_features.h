/*
 * Optional CPU features that change what the world switch or the trap
 * configuration must do. Read once from the boot CPU's ID registers;
 * on a CPU without a feature its cost is one predicted branch at most.
 * The reasons for each choice are in docs/security.md ("Register isolation").
 */
#ifndef ARCH_CPU_FEATURES_H
#define ARCH_CPU_FEATURES_H

#include <hyparm/types.h>

struct cpu_features {
	/* EL0/EL1 state no EL2 control traps on the CPUs we run on: switched per vCPU. */
	bool tpidr2; /* FEAT_SME: TPIDR2_EL0 (only fine-grained traps catch it) */
	bool vdisr; /* FEAT_RAS: the guest's DISR_EL1 is VDISR_EL2 (HCR_EL2.AMO) */
	bool accdata; /* FEAT_LS64_ACCDATA: ACCDATA_EL1 */
	bool el1_extra; /* any of the three: the switch tests this one flag */
	bool hcx; /* FEAT_HCX: HCRX_EL2 exists and must be given a known value */
	/*
	 * FEAT_MTE2: allocation tags in memory (ID_AA64PFR1_EL1.MTE >= 2, i.e. the
	 * machine has tag storage). hyparm clears the tags with the data when it
	 * scrubs RAM, and a VM that may use MTE gets HCR_EL2.ATA and its tag
	 * registers switched. MTE 1 (instructions only, no tags) counts as none.
	 */
	bool mte;
	/* Register files guests get, switched from a vCPU's first use on (arch/sve.h, arch/pauth.h). */
	bool sve; /* FEAT_SVE: Z0-Z31, P0-P15, FFR, ZCR_EL1 (CPTR_EL2.TZ traps until first use) */
	bool pauth; /* FEAT_PAuth (any algorithm): the five key pairs (HCR_EL2.API/APK trap until first use) */
	/* Trap bits that are RES0 without their feature, so set only where it exists. */
	u64 hcr_traps; /* HCR_EL2.TERR (RAS error records), TLOR (LORegions) */
	u64 mdcr_traps; /* MDCR_EL2.TPMS (SPE), TTRF (trace filter) */
	u64 cptr_traps; /* CPTR_EL2.TAM (activity monitors) */
};

extern struct cpu_features cpu_feat;

#define HCR_TLOR BIT(35)
#define HCR_TERR_F BIT(36)
#define MDCR_TPMS BIT(14)
#define MDCR_TTRF BIT(19)
#define CPTR_TAM BIT(30)

#define PFR1_MTE_SHIFT 8 /* ID_AA64PFR1_EL1.MTE */
#define PFR1_MTE_FRAC_SHIFT 40 /* ID_AA64PFR1_EL1.MTE_frac: asynchronous tag-check faults */

/* ID_AA64PFR1_EL1 says the CPU has FEAT_MTE2 (tags in memory, not just the instructions). */
static inline bool pfr1_has_mte2(u64 pfr1)
{
	return ((pfr1 >> PFR1_MTE_SHIFT) & 0xF) >= 2;
}

/* Pure decoding of the ID register values (host-testable). */
void cpu_features_decode(struct cpu_features *f, u64 pfr0, u64 pfr1, u64 dfr0, u64 isar1, u64 isar2,
			 u64 mmfr1);
/* Boot CPU, before any guest exists: fills cpu_feat. */
void cpu_features_init(void);

#endif
