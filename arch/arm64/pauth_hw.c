/* The pointer-authentication key registers (see arch/pauth.h): the only part of pauth.c that touches hardware. */
#include <arch/pauth.h>
#include <arch/sysreg.h>

/* By encoding: assemblers without +pauth do not name them. */
#define APIAKEYLO_EL1 S3_0_C2_C1_0
#define APIAKEYHI_EL1 S3_0_C2_C1_1
#define APIBKEYLO_EL1 S3_0_C2_C1_2
#define APIBKEYHI_EL1 S3_0_C2_C1_3
#define APDAKEYLO_EL1 S3_0_C2_C2_0
#define APDAKEYHI_EL1 S3_0_C2_C2_1
#define APDBKEYLO_EL1 S3_0_C2_C2_2
#define APDBKEYHI_EL1 S3_0_C2_C2_3
#define APGAKEYLO_EL1 S3_0_C2_C3_0
#define APGAKEYHI_EL1 S3_0_C2_C3_1

void pauth_hw_read_keys(u64 key[PAUTH_NR_KEY_REGS])
{
	key[0] = read_sysreg(APIAKEYLO_EL1);
	key[1] = read_sysreg(APIAKEYHI_EL1);
	key[2] = read_sysreg(APIBKEYLO_EL1);
	key[3] = read_sysreg(APIBKEYHI_EL1);
	key[4] = read_sysreg(APDAKEYLO_EL1);
	key[5] = read_sysreg(APDAKEYHI_EL1);
	key[6] = read_sysreg(APDBKEYLO_EL1);
	key[7] = read_sysreg(APDBKEYHI_EL1);
	key[8] = read_sysreg(APGAKEYLO_EL1);
	key[9] = read_sysreg(APGAKEYHI_EL1);
}

void pauth_hw_write_keys(const u64 key[PAUTH_NR_KEY_REGS])
{
	write_sysreg(APIAKEYLO_EL1, key[0]);
	write_sysreg(APIAKEYHI_EL1, key[1]);
	write_sysreg(APIBKEYLO_EL1, key[2]);
	write_sysreg(APIBKEYHI_EL1, key[3]);
	write_sysreg(APDAKEYLO_EL1, key[4]);
	write_sysreg(APDAKEYHI_EL1, key[5]);
	write_sysreg(APDBKEYLO_EL1, key[6]);
	write_sysreg(APDBKEYHI_EL1, key[7]);
	write_sysreg(APGAKEYLO_EL1, key[8]);
	write_sysreg(APGAKEYHI_EL1, key[9]);
	/* No ISB needed before ERET (a context synchronisation event); the HCR_EL2 write that may follow has its own. */
}

void pauth_hw_write_hcr(u64 hcr)
{
	write_sysreg(hcr_el2, hcr);
	isb();
}
