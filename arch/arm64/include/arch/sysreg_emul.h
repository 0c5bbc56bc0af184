/*
 * Trapped system-register accesses, emulated from an explicit table. An
 * access hyparm does not emulate makes the guest take UNDEFINED, as a CPU
 * without that register would. Pure logic: unit-tested on the host.
 */
#ifndef ARCH_SYSREG_EMUL_H
#define ARCH_SYSREG_EMUL_H

#include <hyparm/types.h>
#include <arch/esr.h>

struct vcpu;

enum sysreg_result {
	SYSREG_DONE, /* emulated: advance past the instruction */
	SYSREG_UNDEF, /* inject UNDEFINED */
	SYSREG_AGAIN, /* part done: resume the guest at the same instruction, which traps again */
};

enum sysreg_result sysreg_emulate(struct vcpu *v, const struct exit_info *e);
/*
 * The exit's fast path (core/exit.c): whether iss (ESR_EL2's, EC_SYS64)
 * is a read of an ID register (op0=3, op1=0, CRn=0, CRm=1..7). ISS: op0
 * [21:20], op2 [19:17], op1 [16:14], CRn [13:10], Rt [9:5], CRm [4:1],
 * direction [0] (1 = read).
 */
static inline bool sysreg_iss_is_id_read(u32 iss)
{
	unsigned crm = (iss >> 1) & 0xF;

	return (iss & ((3u << 20) | (7u << 14) | (0xFu << 10) | 1u)) == ((3u << 20) | 1u) && crm >= 1 &&
		crm <= 7;
}
/*
 * Such a read: its value written to the guest's register, as
 * sysreg_emulate() would; the caller steps over the MRS and has checked
 * that no hook lives at (3, 0).
 */
void sysreg_fast_id_read(struct vcpu *v, u32 iss);

/* The ID register value guests read for this encoding (op0=3, op1=0, CRn=0, CRm=1..7). */
u64 id_reg_guest_value(u32 enc);
/*
 * What one VM reads: val (id_reg_guest_value's) without MTE unless the VM
 * has it (mte: HCR_EL2.ATA is set for its vCPUs, see vcpu_has_mte()).
 */
u64 id_reg_vm_view(u32 enc, u64 val, bool mte);
/* The ID register value vCPU v reads (its VM's view). */
u64 id_reg_vcpu_value(const struct vcpu *v, u32 enc);
/* Hide features hyparm does not virtualise from an ID register's hardware value. */
u64 id_reg_sanitize(u32 enc, u64 hw);
/* The CPU's own ID register op0=3 op1=0 CRn=0 CRm=crm op2 (arch/arm64/id_regs_hw.c; a fake in host tests). */
u64 arch_id_reg_read(unsigned crm, unsigned op2);
/* Snapshot and sanitise every ID register of the boot CPU. */
void id_regs_init(void);
/* PARange value matching the guests' IPA size (caps ID_AA64MMFR0_EL1.PARange). */
void id_regs_set_ipa_parange(unsigned parange);

/* Encodings used in the table and tests. */
#define SYS_ID_AA64PFR0_EL1 SYSREG_ENC(3, 0, 0, 4, 0)
#define SYS_ID_AA64PFR1_EL1 SYSREG_ENC(3, 0, 0, 4, 1)
#define SYS_ID_AA64ZFR0_EL1 SYSREG_ENC(3, 0, 0, 4, 4)
#define SYS_ID_AA64SMFR0_EL1 SYSREG_ENC(3, 0, 0, 4, 5)
#define SYS_ID_AA64DFR0_EL1 SYSREG_ENC(3, 0, 0, 5, 0)
#define SYS_ID_AA64DFR1_EL1 SYSREG_ENC(3, 0, 0, 5, 1)
#define SYS_ID_AA64ISAR1_EL1 SYSREG_ENC(3, 0, 0, 6, 1)
#define SYS_ID_AA64ISAR2_EL1 SYSREG_ENC(3, 0, 0, 6, 2)
#define SYS_ID_AA64MMFR0_EL1 SYSREG_ENC(3, 0, 0, 7, 0)
#define SYS_ID_DFR0_EL1 SYSREG_ENC(3, 0, 0, 1, 2)
#define SYS_ACTLR_EL1 SYSREG_ENC(3, 0, 1, 0, 1)
#define SYS_AIDR_EL1 SYSREG_ENC(3, 1, 0, 0, 7)
#define SYS_REVIDR_EL1 SYSREG_ENC(3, 0, 0, 0, 6)
#define SYS_MDSCR_EL1 SYSREG_ENC(2, 0, 0, 2, 2)
#define SYS_OSDTRRX_EL1 SYSREG_ENC(2, 0, 0, 0, 2)
#define SYS_OSDTRTX_EL1 SYSREG_ENC(2, 0, 0, 3, 2)
#define SYS_OSECCR_EL1 SYSREG_ENC(2, 0, 0, 6, 2)
#define SYS_MDCCINT_EL1 SYSREG_ENC(2, 0, 0, 2, 0)
#define SYS_MDRAR_EL1 SYSREG_ENC(2, 0, 1, 0, 0)
#define SYS_OSLAR_EL1 SYSREG_ENC(2, 0, 1, 0, 4)
#define SYS_OSLSR_EL1 SYSREG_ENC(2, 0, 1, 1, 4)
#define SYS_OSDLR_EL1 SYSREG_ENC(2, 0, 1, 3, 4)
#define SYS_DBGPRCR_EL1 SYSREG_ENC(2, 0, 1, 4, 4)
#define SYS_DBGCLAIMSET_EL1 SYSREG_ENC(2, 0, 7, 8, 6)
#define SYS_DBGCLAIMCLR_EL1 SYSREG_ENC(2, 0, 7, 9, 6)
#define SYS_DBGAUTHSTATUS_EL1 SYSREG_ENC(2, 0, 7, 14, 6)
#define SYS_MDCCSR_EL0 SYSREG_ENC(2, 3, 0, 1, 0)
#define SYS_DC_ISW SYSREG_ENC(1, 0, 7, 6, 2)
#define SYS_DC_CSW SYSREG_ENC(1, 0, 7, 10, 2)
#define SYS_DC_CISW SYSREG_ENC(1, 0, 7, 14, 2)
#define SYS_CNTP_TVAL_EL0 SYSREG_ENC(3, 3, 14, 2, 0)
#define SYS_CNTP_CTL_EL0 SYSREG_ENC(3, 3, 14, 2, 1)
#define SYS_CNTP_CVAL_EL0 SYSREG_ENC(3, 3, 14, 2, 2)
#define SYS_ICC_SGI1R_EL1 SYSREG_ENC(3, 0, 12, 11, 5)
#define SYS_ICC_ASGI1R_EL1 SYSREG_ENC(3, 0, 12, 11, 6)
#define SYS_ICC_SGI0R_EL1 SYSREG_ENC(3, 0, 12, 11, 7)
/* The group-1 registers ICH_HCR_EL2.TALL1 traps. */
#define SYS_ICC_AP1R0_EL1 SYSREG_ENC(3, 0, 12, 9, 0)
#define SYS_ICC_AP1R1_EL1 SYSREG_ENC(3, 0, 12, 9, 1)
#define SYS_ICC_AP1R2_EL1 SYSREG_ENC(3, 0, 12, 9, 2)
#define SYS_ICC_AP1R3_EL1 SYSREG_ENC(3, 0, 12, 9, 3)
#define SYS_ICC_IAR1_EL1 SYSREG_ENC(3, 0, 12, 12, 0)
#define SYS_ICC_EOIR1_EL1 SYSREG_ENC(3, 0, 12, 12, 1)
#define SYS_ICC_HPPIR1_EL1 SYSREG_ENC(3, 0, 12, 12, 2)
#define SYS_ICC_BPR1_EL1 SYSREG_ENC(3, 0, 12, 12, 3)
#define SYS_ICC_IGRPEN1_EL1 SYSREG_ENC(3, 0, 12, 12, 7)

#endif
