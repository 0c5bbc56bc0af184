/*
 * Which optional EL0/EL1 registers this CPU has (see arch/cpu_features.h).
 * The physical ID registers are read, not the guest's sanitised view: a
 * feature hidden from guests still has its registers, and a guest that
 * ignores the ID registers can still reach them unless something traps.
 */
#include <arch/cpu_features.h>

struct cpu_features cpu_feat;

static unsigned field(u64 v, unsigned shift)
{
	return (v >> shift) & 0xF;
}

void cpu_features_decode(struct cpu_features *f, u64 pfr0, u64 pfr1, u64 dfr0, u64 isar1, u64 isar2,
			 u64 mmfr1)
{
	*f = (struct cpu_features){ 0 };
	f->tpidr2 = field(pfr1, 24) != 0; /* ID_AA64PFR1_EL1.SME */
	f->vdisr = field(pfr0, 28) != 0; /* ID_AA64PFR0_EL1.RAS */
	f->accdata = field(isar1, 60) >= 3; /* ID_AA64ISAR1_EL1.LS64 = LS64_ACCDATA */
	f->el1_extra = f->tpidr2 || f->vdisr || f->accdata;
	f->hcx = field(mmfr1, 40) != 0; /* ID_AA64MMFR1_EL1.HCX */
	f->mte = pfr1_has_mte2(pfr1);
	f->sve = field(pfr0, 32) != 0; /* ID_AA64PFR0_EL1.SVE */
	/* Address keys: APA (QARMA5), API (IMPLEMENTATION DEFINED), APA3 (QARMA3); generic: GPA, GPI, GPA3. */
	f->pauth = field(isar1, 4) || field(isar1, 8) || field(isar2, 12) || field(isar1, 24) ||
		field(isar1, 28) || field(isar2, 8);
	if (f->vdisr)
		f->hcr_traps |= HCR_TERR_F;
	if (field(mmfr1, 16)) /* ID_AA64MMFR1_EL1.LO */
		f->hcr_traps |= HCR_TLOR;
	if (field(dfr0, 32)) /* ID_AA64DFR0_EL1.PMSVer */
		f->mdcr_traps |= MDCR_TPMS;
	if (field(dfr0, 40)) /* ID_AA64DFR0_EL1.TraceFilt */
		f->mdcr_traps |= MDCR_TTRF;
	if (field(pfr0, 44)) /* ID_AA64PFR0_EL1.AMU */
		f->cptr_traps |= CPTR_TAM;
}
