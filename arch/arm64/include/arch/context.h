/*
 * The guest's register state as the world switch sees it. The layout of
 * struct gp_regs and struct fpsimd_state is shared with arch/arm64/entry.S
 * and fpsimd.S: the offsets they use are generated from these structs at
 * build time (arch/arm64/asm-offsets.c, <generated/asm-offsets.h>).
 */
#ifndef ARCH_CONTEXT_H
#define ARCH_CONTEXT_H

#ifndef __ASSEMBLER__
#include <hyparm/types.h>
#include <arch/debug.h>
#include <arch/pauth.h>
#include <arch/pmu.h>
#include <arch/sve.h>

struct gp_regs {
	u64 x[31];
	u64 elr; /* guest PC, restored into ELR_EL2 */
	u64 spsr; /* guest PSTATE, restored into SPSR_EL2 */
	u64 pad; /* keeps the frame a multiple of 16 bytes: SP stays aligned */
};

/*
 * EL1/EL0 system registers a guest owns. They are switched only when a
 * physical CPU changes vCPU, never on an ordinary exit: with one vCPU per
 * physical CPU an exit touches none of them.
 */
struct el1_sysregs {
	u64 sctlr_el1, ttbr0_el1, ttbr1_el1, tcr_el1, mair_el1, amair_el1;
	u64 vbar_el1, contextidr_el1, tpidr_el0, tpidrro_el0, tpidr_el1;
	u64 sp_el0, sp_el1, elr_el1, spsr_el1, esr_el1, far_el1;
	u64 afsr0_el1, afsr1_el1, par_el1, cpacr_el1, cntkctl_el1, csselr_el1;
	u64 cntv_ctl_el0, cntv_cval_el0;
	u64 vmpidr_el2, vpidr_el2; /* the shadow MPIDR/MIDR this vCPU reads */
	/* Switched only where the CPU has them (arch/cpu_features.h). */
	u64 tpidr2_el0; /* FEAT_SME */
	u64 vdisr_el2; /* FEAT_RAS: what the guest reads as DISR_EL1 */
	u64 accdata_el1; /* FEAT_LS64_ACCDATA */
	/* Switched only for vCPUs of VMs with MTE (arch/mte.h). */
	u64 tfsr_el1, tfsre0_el1; /* tag-check faults recorded (asynchronous mode) */
	u64 rgsr_el1, gcr_el1; /* IRG's seed and excluded tags */
};

/* FP/SIMD registers, saved by fpsimd.S (the only code in hyparm that touches them). */
struct fpsimd_state {
	u64 q[32][2];
	u64 fpsr, fpcr;
};

struct arch_vcpu {
	struct gp_regs regs; /* must stay first: the vectors save into it */
	struct el1_sysregs sys;
	struct fpsimd_state fp;
	struct vcpu_debug debug; /* MDSCR_EL1, breakpoints, watchpoints, OS lock (arch/debug.h) */
	struct vcpu_pmu pmu; /* PMU counters and controls, switched once used (arch/pmu.h) */
	struct vcpu_sve sve; /* SVE registers and ZCR_EL1, switched once used (arch/sve.h) */
	struct vcpu_pauth pauth; /* pointer-authentication keys, switched once used (arch/pauth.h) */
	u64 hcr_el2; /* per vCPU: API/APK once it uses pointer authentication (arch/pauth.h) */
};

/* SPSR_EL2 mode field values for an AArch64 guest. */
#define SPSR_MODE_EL1H 0x5
#define SPSR_MODE_EL1T 0x4
#define SPSR_MODE_EL0T 0x0
#define SPSR_SS (1u << 21) /* software step: the instruction returned to is stepped */
#define SPSR_D (1u << 9)
#define SPSR_A (1u << 8)
#define SPSR_I (1u << 7)
#define SPSR_F (1u << 6)
#define SPSR_DAIF (SPSR_D | SPSR_A | SPSR_I | SPSR_F)

#endif
#endif
