/* c. MIDR_EL1 and MPIDR_EL1 read hyparm's shadow values (VPIDR_EL2, VMPIDR_EL2). */
#include "guest.h"

int main(void)
{
	u64 midr = read_sysreg(midr_el1), mpidr = read_sysreg(mpidr_el1), expect;

	gprintf("MIDR_EL1 0x%llx MPIDR_EL1 0x%llx\n", (unsigned long long)midr, (unsigned long long)mpidr);
	if (check(bootarg_u64("expect_midr", &expect), "expect_midr given on the command line"))
		check(midr == expect, "MIDR_EL1 = 0x%llx, expected 0x%llx", (unsigned long long)midr,
		      (unsigned long long)expect);
	/* vCPU 0: RES1 bit 31 set, Aff0 = 0, whatever physical CPU it runs on. */
	check(mpidr == 0x80000000, "MPIDR_EL1 = 0x%llx is vCPU 0's (0x80000000)", (unsigned long long)mpidr);
	/* Features hyparm does not virtualise are hidden. */
	u64 pfr0 = read_sysreg(id_aa64pfr0_el1), dfr0 = read_sysreg(id_aa64dfr0_el1);
	check(((pfr0 >> 32) & 0xF) == 0, "SVE hidden (ID_AA64PFR0_EL1 0x%llx)", (unsigned long long)pfr0);
	check(((pfr0 >> 8) & 0xF) == 0, "EL2 hidden");
	check(((dfr0 >> 8) & 0xF) <= 4, "PMU at most PMUv3p1 (ID_AA64DFR0_EL1 0x%llx)",
	      (unsigned long long)dfr0);
	check(read_sysreg(revidr_el1) == 0, "REVIDR_EL1 reads 0");
	return 0;
}
