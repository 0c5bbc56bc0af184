/* The fake CPU's PMU behind arch/pmu.h's hardware accessors (arch/host/fake_pmu.c). */
#ifndef ARCH_FAKE_PMU_H
#define ARCH_FAKE_PMU_H

#include <arch/pmu.h>

struct fake_pmu {
	u64 reg[PMU_NR_REGS]; /* as the CPU holds them (PMCR_EL0 without N) */
	unsigned version, n; /* PMUVer, PMCR_EL0.N */
	u64 ceid[2];
	unsigned writes; /* pmu_hw_write calls, to see what a switch costs */
};

extern struct fake_pmu fake_pmu;
/* A PMUv3 with 6 counters, as QEMU's cortex-a57 has, fresh from pmu_hw_cpu_init(). */
void fake_pmu_reset(void);

#endif
