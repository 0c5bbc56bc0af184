/*
 * The hardware half of the Spectre answers (hyparm/spectre.h): what the
 * CPU says about itself, and clearing the branch history when a guest
 * calls WORKAROUND_3 on a CPU that needs hyparm to do it.
 */
#include <arch/sysreg.h>
#include <hyparm/spectre.h>

void spectre_cpu_read(struct spectre_cpu *c)
{
	u64 pfr0 = read_sysreg(id_aa64pfr0_el1), pfr1 = read_sysreg(id_aa64pfr1_el1);
	u64 mmfr1 = read_sysreg(id_aa64mmfr1_el1);
	u64 isar2 = read_sysreg(S3_0_C0_C6_2); /* ID_AA64ISAR2_EL1, by encoding for older assemblers */

	c->midr = (u32)read_sysreg(midr_el1);
	c->csv2 = (pfr0 >> 56) & 0xF;
	c->ssbs = (pfr1 >> 4) & 0xF;
	c->ecbhb = (mmfr1 >> 60) & 0xF;
	c->clrbhb = (isar2 >> 28) & 0xF;
}

void spectre_bhb_clear(unsigned loop, bool clrbhb)
{
	u64 n = loop;

	if (clrbhb) {
		__asm__ volatile("hint #22\n\t" /* CLRBHB */
				 "isb" ::
					 : "memory");
		return;
	}
	if (!n)
		return;
	/*
	 * n taken branches push the guest's history out of the branch history
	 * buffer (Arm's Spectre-BHB guidance gives n per core); the barriers
	 * keep later branches from being predicted from it meanwhile.
	 */
	__asm__ volatile("1:	b	2f\n"
			 "2:	subs	%0, %0, #1\n"
			 "	b.ne	1b\n"
			 "	dsb	nsh\n"
			 "	isb"
			 : "+r"(n)
			 :
			 : "cc", "memory");
}
