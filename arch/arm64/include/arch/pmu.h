/*
 * The guest's PMU (PMUv3; arch/arm64/pmu.c; docs/design.md, "PMU").
 *
 * Every PMU access traps (MDCR_EL2.TPM, TPMCR) and is emulated on the
 * physical PMU: that is how hyparm keeps a guest's event filters from ever
 * counting EL2 (a guest that wrote PMEVTYPER<n>_EL0 directly could set NSH
 * and count hyparm's own work). A vCPU's PMU registers live in memory
 * until it first touches one; that access makes it "active": its
 * registers go into the CPU and are switched with it on put/load from then
 * on. A vCPU that never touches the PMU costs nothing on an exit or a
 * switch but one flag test; one whose counting stopped (PMCR_EL0.E or
 * PMCNTENSET_EL0 clear, PMUSERENR_EL0 zero) goes back to memory when it is
 * switched out.
 *
 * What the guest sees: the physical PMUv3's counters (PMCR_EL0.N = HPMN =
 * the CPU's N), the events PMCEID0/1_EL0 say the CPU counts, PMUVer capped
 * at PMUv3p1, and the overflow interrupt on PPI 7 (INTID 23), driven by the
 * arm-pmu device (vdev/vpmu.c) from pmu_overflow_line().
 */
#ifndef ARCH_PMU_H
#define ARCH_PMU_H

#include <hyparm/types.h>
#include <arch/sysreg_emul.h>

struct vcpu;

#define PMU_MAX_COUNTERS 31

/* The registers switched with an active vCPU, as an index for the hardware accessors. */
enum pmu_reg {
	PMU_CR, /* PMCR_EL0 (as the guest wrote it: the read-only fields come from the CPU) */
	PMU_CNTEN, /* PMCNTENSET_EL0 */
	PMU_INTEN, /* PMINTENSET_EL1 */
	PMU_OVS, /* PMOVSSET_EL0 */
	PMU_SELR, /* PMSELR_EL0 */
	PMU_USERENR, /* PMUSERENR_EL0 */
	PMU_CCFILTR, /* PMCCFILTR_EL0 */
	PMU_CCNTR, /* PMCCNTR_EL0 */
	PMU_EVCNTR0, /* PMEVCNTR<n>_EL0 is PMU_EVCNTR0 + n */
	PMU_EVTYPER0 = PMU_EVCNTR0 + PMU_MAX_COUNTERS, /* PMEVTYPER<n>_EL0 */
	PMU_NR_REGS = PMU_EVTYPER0 + PMU_MAX_COUNTERS,
};

/* PMCR_EL0 bits. */
#define PMCR_E BIT(0)
#define PMCR_P BIT(1)
#define PMCR_C BIT(2)
#define PMCR_D BIT(3)
#define PMCR_DP BIT(5)
#define PMCR_LC BIT(6)
#define PMCR_N_SHIFT 11

/* One vCPU's PMU state (in struct arch_vcpu). */
struct vcpu_pmu {
	u64 reg[PMU_NR_REGS]; /* the guest's values while it is not active, or not on its CPU */
	bool active; /* its registers are in the CPU whenever it runs */
	/*
	 * Its overflow interrupt reaches the guest (the VM has the arm-pmu
	 * device, which sets this). Without it PMINTENSET_EL1 is RAZ/WI: an
	 * overflow nobody forwards would keep the physical PPI asserted.
	 */
	bool irq_wired;
};

/* Whether guests have a PMU: the guest's ID_AA64DFR0_EL1.PMUVer is not 0. */
bool pmu_present(void);
/* Event counters the guest has (PMCR_EL0.N), 0 without a PMU. */
unsigned pmu_nr_counters(void);
/* ID_AA64DFR0_EL1.PMUVer for guests, from the CPU's (arch/arm64/id_regs.c). */
unsigned pmu_guest_version(unsigned hw);
/* The value a guest's PMEVTYPER<n>/PMCCFILTR gets in the hardware: it never counts at EL2 or EL3. */
u64 pmu_filter_sanitize(u64 typer, bool cycle_counter);

/* Back to reset (in memory; v is not loaded); irq_wired is kept. */
void pmu_vcpu_reset(struct vcpu *v);
/* The arm-pmu device (vdev/vpmu.c) forwards v's overflow interrupt. */
void pmu_vcpu_wire_irq(struct vcpu *v);
/* Switching (arch/arm64/vcpu_switch.c): v's PMU into the CPU, and out of it (counting stops). */
void pmu_vcpu_load(struct vcpu *v);
void pmu_vcpu_put(struct vcpu *v);
/* A trapped PMU register access of the running vCPU v: SYSREG_DONE or SYSREG_UNDEF. */
enum sysreg_result pmu_sysreg(struct vcpu *v, const struct exit_info *e);
/*
 * Is e a PMU register (op0=3 op1=3 CRn=9 CRm=12..14, CRn=14 CRm=8..15;
 * PMINTENSET/CLR_EL1, PMMIR_EL1)? Inline: a call here would cost every
 * trapped system register access a register save (the ID register path).
 */
static inline bool pmu_is_pmu_reg(const struct exit_info *e)
{
	const u8 op1 = e->u.sysreg.op1, crn = e->u.sysreg.crn, crm = e->u.sysreg.crm, op2 = e->u.sysreg.op2;

	if (e->u.sysreg.op0 != 3)
		return false;
	if (op1 == 3)
		return (crn == 9 && crm >= 12 && crm <= 14) || (crn == 14 && crm >= 8);
	return op1 == 0 && crn == 9 && crm == 14 && (op2 == 1 || op2 == 2 || op2 == 6);
}
/*
 * v's overflow interrupt request: PMCR_EL0.E and an overflowed counter
 * whose interrupt is enabled. live: v is loaded on this CPU (the hardware
 * says); otherwise its saved registers do.
 */
bool pmu_overflow_line(const struct vcpu *v, bool live);

/*
 * The hardware side (arch/arm64/pmu_hw.c; arch/host/fake_pmu.c in host
 * tests). pmu_hw_write() of the set/clear pairs (CNTEN, INTEN, OVS) sets
 * the register to exactly val. Event counter accessors are called only for
 * n < pmu_nr_counters(); they leave PMSELR_EL0 as it was.
 */
u64 pmu_hw_read(enum pmu_reg r);
void pmu_hw_write(enum pmu_reg r, u64 val);
u64 pmu_hw_ceid(unsigned i); /* PMCEID0/1_EL0 */
/* The CPU's PMUVer (0 or 0xF: no PMUv3) and PMCR_EL0.N. */
unsigned pmu_hw_version(void);
unsigned pmu_hw_nr_counters(void);
/* Once per physical CPU: nothing counts, no interrupt, EL0 access off. */
void pmu_hw_cpu_init(void);

#endif
