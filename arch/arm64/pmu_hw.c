/* The CPU's PMU registers (see arch/pmu.h): the only part of the PMU code that touches hardware. */
#include <arch/pmu.h>
#include <arch/sysreg.h>

#define PMU_ALL 0xFFFFFFFFUL /* every counter bit of the set/clear registers */

/* PMEVCNTR<n>/PMEVTYPER<n> through PMSELR_EL0 (one access each, not 62 encodings), which is kept. */
static u64 indexed_read(unsigned n, bool typer)
{
	u64 sel = read_sysreg(pmselr_el0), val;

	write_sysreg(pmselr_el0, n);
	isb();
	val = typer ? read_sysreg(pmxevtyper_el0) : read_sysreg(pmxevcntr_el0);
	write_sysreg(pmselr_el0, sel);
	return val;
}

static void indexed_write(unsigned n, bool typer, u64 val)
{
	u64 sel = read_sysreg(pmselr_el0);

	write_sysreg(pmselr_el0, n);
	isb();
	if (typer)
		write_sysreg(pmxevtyper_el0, val);
	else
		write_sysreg(pmxevcntr_el0, val);
	write_sysreg(pmselr_el0, sel);
}

u64 pmu_hw_read(enum pmu_reg r)
{
	switch (r) {
	case PMU_CR:
		return read_sysreg(pmcr_el0);
	case PMU_CNTEN:
		return read_sysreg(pmcntenset_el0);
	case PMU_INTEN:
		return read_sysreg(pmintenset_el1);
	case PMU_OVS:
		return read_sysreg(pmovsset_el0);
	case PMU_SELR:
		return read_sysreg(pmselr_el0);
	case PMU_USERENR:
		return read_sysreg(pmuserenr_el0);
	case PMU_CCFILTR:
		return read_sysreg(pmccfiltr_el0);
	case PMU_CCNTR:
		return read_sysreg(pmccntr_el0);
	default:
		if (r >= PMU_EVTYPER0 && r < PMU_NR_REGS)
			return indexed_read(r - PMU_EVTYPER0, true);
		if (r >= PMU_EVCNTR0)
			return indexed_read(r - PMU_EVCNTR0, false);
	}
	return 0;
}

void pmu_hw_write(enum pmu_reg r, u64 val)
{
	switch (r) {
	case PMU_CR:
		write_sysreg(pmcr_el0, val);
		break;
	case PMU_CNTEN:
		write_sysreg(pmcntenclr_el0, PMU_ALL & ~val);
		write_sysreg(pmcntenset_el0, val);
		break;
	case PMU_INTEN:
		write_sysreg(pmintenclr_el1, PMU_ALL & ~val);
		write_sysreg(pmintenset_el1, val);
		break;
	case PMU_OVS:
		write_sysreg(pmovsclr_el0, PMU_ALL & ~val);
		write_sysreg(pmovsset_el0, val);
		break;
	case PMU_SELR:
		write_sysreg(pmselr_el0, val);
		break;
	case PMU_USERENR:
		write_sysreg(pmuserenr_el0, val);
		break;
	case PMU_CCFILTR:
		write_sysreg(pmccfiltr_el0, val);
		break;
	case PMU_CCNTR:
		write_sysreg(pmccntr_el0, val);
		break;
	default:
		if (r >= PMU_EVTYPER0 && r < PMU_NR_REGS)
			indexed_write(r - PMU_EVTYPER0, true, val);
		else if (r >= PMU_EVCNTR0)
			indexed_write(r - PMU_EVCNTR0, false, val);
	}
	isb();
}

u64 pmu_hw_ceid(unsigned i)
{
	return i ? read_sysreg(pmceid1_el0) : read_sysreg(pmceid0_el0);
}

unsigned pmu_hw_version(void)
{
	return (read_sysreg(id_aa64dfr0_el1) >> 8) & 0xF;
}

unsigned pmu_hw_nr_counters(void)
{
	return (read_sysreg(pmcr_el0) >> PMCR_N_SHIFT) & 0x1F;
}

void pmu_hw_cpu_init(void)
{
	unsigned ver = pmu_hw_version();

	if (ver == 0 || ver == 0xF)
		return;
	write_sysreg(pmcr_el0, 0);
	pmu_hw_write(PMU_CNTEN, 0);
	pmu_hw_write(PMU_INTEN, 0);
	pmu_hw_write(PMU_OVS, 0);
	write_sysreg(pmuserenr_el0, 0);
	write_sysreg(pmccfiltr_el0, 0);
	isb();
}
