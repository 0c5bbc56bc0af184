/* Reading the CPU's ID registers into cpu_feat (see arch/cpu_features.h): the hardware half of cpu_features.c. */
#include <arch/cpu_features.h>
#include <arch/sysreg.h>

void cpu_features_init(void)
{
	cpu_features_decode(&cpu_feat, read_sysreg(id_aa64pfr0_el1), read_sysreg(id_aa64pfr1_el1),
			    read_sysreg(id_aa64dfr0_el1), read_sysreg(id_aa64isar1_el1),
			    read_sysreg(S3_0_C0_C6_2) /* ID_AA64ISAR2_EL1 */, read_sysreg(id_aa64mmfr1_el1));
}
