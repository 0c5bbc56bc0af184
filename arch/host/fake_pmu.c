/* The fake CPU's PMU (arch/fake_pmu.h): plain memory. */
#include <string.h>
#include <arch/fake_pmu.h>

struct fake_pmu fake_pmu = { .version = 1, .n = 6 };

void fake_pmu_reset(void)
{
	memset(&fake_pmu, 0, sizeof(fake_pmu));
	fake_pmu.version = 1;
	fake_pmu.n = 6;
	fake_pmu.ceid[0] = 0x6FFF0FFF;
}

u64 pmu_hw_read(enum pmu_reg r)
{
	if (r == PMU_CR)
		return fake_pmu.reg[r] | ((u64)fake_pmu.n << PMCR_N_SHIFT);
	return r < PMU_NR_REGS ? fake_pmu.reg[r] : 0;
}

void pmu_hw_write(enum pmu_reg r, u64 val)
{
	if (r == PMU_CR)
		val &= ~(PMCR_P | PMCR_C | (0x1FUL << PMCR_N_SHIFT));
	if (r < PMU_NR_REGS)
		fake_pmu.reg[r] = val;
	fake_pmu.writes++;
}

u64 pmu_hw_ceid(unsigned i)
{
	return fake_pmu.ceid[i & 1];
}

unsigned pmu_hw_version(void)
{
	return fake_pmu.version;
}

unsigned pmu_hw_nr_counters(void)
{
	return fake_pmu.n;
}

void pmu_hw_cpu_init(void)
{
	unsigned v = fake_pmu.version, n = fake_pmu.n;

	memset(fake_pmu.reg, 0, sizeof(fake_pmu.reg));
	fake_pmu.version = v;
	fake_pmu.n = n;
}
