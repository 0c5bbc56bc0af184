/*
 * The CPU a guest sees: the boot CPU's ID registers with every feature
 * hyparm does not virtualise removed. SVE (ID_AA64PFR0_EL1.SVE and all of
 * ID_AA64ZFR0_EL1) and pointer authentication (ID_AA64ISAR1_EL1.APA/API/
 * GPA/GPI, ID_AA64ISAR2_EL1.APA3/GPA3) are shown as the CPU has them:
 * arch/arm64/sve.c and pauth.c switch that state with the vCPU, so on a
 * CPU without them the fields are zero and the instructions UNDEFINED. Read once at boot; every ID trap is
 * then a table lookup. The guest's MIDR/MPIDR come from VPIDR_EL2 and
 * VMPIDR_EL2 instead (no trap needed), see arch_vcpu_reset().
 */
#include <arch/cpu_features.h>
#include <arch/mte.h>
#include <arch/pmu.h>
#include <arch/stage2.h>
#include <arch/sysreg_emul.h>

/*
 * 56 encodings: CRm 1..7, op2 0..7 of op0=3 op1=0 CRn=0, in two views:
 * [1] what a VM with MTE reads (the CPU-wide view), [0] a VM without, so
 * that a trapped read is one table lookup either way.
 */
static u64 guest_id[2][7][8];
static unsigned guest_ipa_parange = 2; /* 40-bit IPA unless the CPU has less */

static u64 clear_field(u64 v, unsigned shift)
{
	return v & ~(0xFULL << shift);
}

static u64 cap_field(u64 v, unsigned shift, u64 max)
{
	u64 f = (v >> shift) & 0xF;
	return f > max ? clear_field(v, shift) | (max << shift) : v;
}

u64 id_reg_sanitize(u32 enc, u64 hw)
{
	static const unsigned pfr0_hidden[] = { 8 /* EL2: no nested virt */,
						28 /* RAS */,
						36 /* SEL2 */,
						40 /* MPAM */,
						44 /* AMU */,
						52 /* RME */ };
	static const unsigned pfr1_hidden[] = { 12 /* RAS_frac */, 16 /* MPAM_frac */, 24 /* SME */,
						32 /* CSV2_frac: SCXTNUM, see PFR0 */,
						52 /* MTEX: canonical tag checking needs TCR2 */ };
	static const unsigned dfr0_hidden[] = { 4 /* TraceVer */,     32 /* PMSVer */, 40 /* TraceFilt */,
						44 /* TraceBuffer */, 48 /* MTPMU */,  52 /* BRBE */ };
	static const unsigned isar1_hidden[] = { 60 /* LS64 */ };
	const unsigned *hide = NULL;
	size_t n = 0;

	switch (enc) {
	case SYS_ID_AA64PFR0_EL1:
		/* CSV2 >= 2 promises SCXTNUM_EL0/EL1, which trap (HCR_EL2.EnSCXT clear): keep CSV2 1. */
		hw = cap_field(hw, 56, 1);
		hide = pfr0_hidden;
		n = ARRAY_SIZE(pfr0_hidden);
		break;
	case SYS_ID_AA64PFR1_EL1:
		/*
		 * MTE as the CPU has it where it has tag storage (MTE2, MTE3 and
		 * MTE_frac, what arch/arm64/vcpu_switch.c switches); MTE 1, the
		 * instructions without tags, is not offered. Whether a VM sees it
		 * is decided per VM: id_reg_vm_view().
		 */
		if (!pfr1_has_mte2(hw))
			hw = clear_field(clear_field(hw, PFR1_MTE_SHIFT), PFR1_MTE_FRAC_SHIFT);
		hide = pfr1_hidden;
		n = ARRAY_SIZE(pfr1_hidden);
		break;
	case SYS_ID_AA64DFR0_EL1:
		/*
		 * Self-hosted debug as arch/arm64/debug.c emulates it: Armv8.0
		 * (DebugVer 6, as KVM shows); BRPs, WRPs and CTX_CMPs are the
		 * CPU's, which is what debug.c switches.
		 */
		hw = cap_field(hw, 0, 6);
		/* The PMU as arch/arm64/pmu.c emulates it. */
		hw = clear_field(hw, 8) | ((u64)pmu_guest_version((hw >> 8) & 0xF) << 8);
		hide = dfr0_hidden;
		n = ARRAY_SIZE(dfr0_hidden);
		break;
	case SYS_ID_AA64ISAR1_EL1:
		hide = isar1_hidden;
		n = ARRAY_SIZE(isar1_hidden);
		break;
	case SYS_ID_AA64ZFR0_EL1: /* RAZ without SVE; with it, the SVE2 and other extensions the CPU has */
		return hw;
	case SYS_ID_AA64SMFR0_EL1:
	case SYS_ID_AA64DFR1_EL1: /* more breakpoints and watchpoints than DFR0 counts (Debugv8p9): none */
		return 0;
	case SYS_ID_AA64MMFR0_EL1:
		/* The guest's physical address space is its IPA space. */
		return cap_field(hw, 0, guest_ipa_parange);
	case SYSREG_ENC(3, 0, 0, 7,
			1): /* ID_AA64MMFR1_EL1: VH (no nested VHE), LO (HCR_EL2.TLOR traps), HCX */
		return clear_field(clear_field(clear_field(hw, 8), 16), 40);
	case SYS_ID_DFR0_EL1:
		return clear_field(hw, 24); /* AArch32 PerfMon */
	default:
		return hw;
	}
	for (size_t i = 0; i < n; i++)
		hw = clear_field(hw, hide[i]);
	return hw;
}

u64 id_reg_guest_value(u32 enc)
{
	unsigned crm = (enc >> 8) & 0xF, op2 = (enc >> 5) & 0x7;
	if (crm < 1 || crm > 7)
		return 0;
	return guest_id[1][crm - 1][op2];
}

u64 id_reg_vm_view(u32 enc, u64 val, bool mte)
{
	if (enc == SYS_ID_AA64PFR1_EL1 && !mte)
		return clear_field(clear_field(val, PFR1_MTE_SHIFT), PFR1_MTE_FRAC_SHIFT);
	return val;
}

u64 id_reg_vcpu_value(const struct vcpu *v, u32 enc)
{
	unsigned crm = (enc >> 8) & 0xF, op2 = (enc >> 5) & 0x7;
	if (crm < 1 || crm > 7)
		return 0;
	return guest_id[vcpu_has_mte(v)][crm - 1][op2];
}

void sysreg_fast_id_read(struct vcpu *v, u32 iss)
{
	/* iss is an ID register read (sysreg_iss_is_id_read): CRm 1..7, the index is in range. */
	vcpu_set_reg(v, (iss >> 5) & 0x1F,
		     guest_id[vcpu_has_mte(v)][((iss >> 1) & 0xF) - 1][(iss >> 17) & 7]);
}

void id_regs_set_ipa_parange(unsigned parange)
{
	guest_ipa_parange = parange;
}

void id_regs_init(void)
{
	for (unsigned crm = 1; crm <= 7; crm++)
		for (unsigned op2 = 0; op2 < 8; op2++) {
			u32 enc = SYSREG_ENC(3, 0, 0, crm, op2);
			u64 v = id_reg_sanitize(enc, arch_id_reg_read(crm, op2));
			guest_id[1][crm - 1][op2] = v;
			guest_id[0][crm - 1][op2] = id_reg_vm_view(enc, v, false);
		}
}
