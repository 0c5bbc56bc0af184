/* ESR_EL2 decoding (see arch/esr.h). Field layouts: ARM ARM D17.2.37. */
#include <arch/esr.h>

/* Inline (as decode_abort): an out-of-line call with its frame cost about 6 instructions per exit. */
static inline __attribute__((always_inline)) void decode_sysreg(u32 iss, struct exit_info *e)
{
	e->u.sysreg.op0 = (iss >> 20) & 0x3;
	e->u.sysreg.op2 = (iss >> 17) & 0x7;
	e->u.sysreg.op1 = (iss >> 14) & 0x7;
	e->u.sysreg.crn = (iss >> 10) & 0xF;
	e->u.sysreg.rt = sysreg_iss_rt(iss);
	e->u.sysreg.crm = (iss >> 1) & 0xF;
	e->u.sysreg.read = iss & SYSREG_ISS_READ;
	e->u.sysreg.enc = sysreg_iss_enc(iss);
}

static inline __attribute__((always_inline)) void decode_abort(u32 iss, u64 far, u64 hpfar,
							       struct exit_info *e)
{
	/*
	 * HPFAR_EL2.FIPA holds IPA[51:12] in bits [43:4]; the page offset comes
	 * from FAR. Bits 63:44 (NS, RES0) are not part of the address.
	 */
	e->u.abort.ipa = (((hpfar >> 4) & (BIT(40) - 1)) << 12) | (far & 0xFFF);
	e->u.abort.far = far;
	e->u.abort.isv = (iss >> 24) & 1;
	e->u.abort.size = 1u << ((iss >> 22) & 0x3);
	e->u.abort.sign_extend = (iss >> 21) & 1;
	e->u.abort.rt = (iss >> 16) & 0x1F;
	e->u.abort.sf = (iss >> 15) & 1;
	e->u.abort.cm = (iss >> 8) & 1;
	e->u.abort.s1ptw = (iss >> 7) & 1;
	e->u.abort.write = (iss >> 6) & 1;
	e->u.abort.fsc = iss & 0x3F;
}

enum exit_kind esr_decode(u64 esr, u64 far, u64 hpfar, struct exit_info *e)
{
	e->esr = esr;
	e->ec = esr_ec(esr);
	e->iss = esr_iss(esr);
	e->il32 = esr & ESR_IL;

	/*
	 * The most frequent exit that takes the full decode, an MMIO access,
	 * before the switch: compiled as a comparison tree, it tested about a
	 * dozen classes first (14 instructions per MMIO exit).
	 */
	if (e->ec == EC_DABT_LOW) {
		e->kind = EXIT_DABT;
		decode_abort(e->iss, far, hpfar, e);
		return e->kind;
	}
	switch (e->ec) {
	case EC_WFX:
		e->kind = EXIT_WFX;
		e->u.wfx.is_wfe = e->iss & 1;
		break;
	case EC_HVC64:
		e->kind = EXIT_HVC;
		e->u.call.imm = e->iss & 0xFFFF;
		break;
	case EC_SMC64:
		e->kind = EXIT_SMC;
		e->u.call.imm = e->iss & 0xFFFF;
		break;
	case EC_SYS64:
		e->kind = EXIT_SYSREG;
		decode_sysreg(e->iss, e);
		break;
	case EC_IABT_LOW:
		e->kind = EXIT_IABT;
		decode_abort(e->iss, far, hpfar, e);
		/* Instruction aborts carry no access syndrome. */
		e->u.abort.isv = false;
		e->u.abort.write = false;
		break;
	case EC_FP_ASIMD:
	case EC_SVE:
	case EC_PAC:
		e->kind = EXIT_FP;
		break;
	case EC_PC_ALIGN:
	case EC_SP_ALIGN:
	case EC_BREAKPT_LOW:
	case EC_SOFTSTP_LOW:
	case EC_WATCHPT_LOW:
	case EC_BRK64:
	case EC_SERROR:
		e->kind = EXIT_OTHER;
		break;
	default:
		/* EC_UNKNOWN, EC_ILL and every AArch32 trap: hyparm runs AArch64 guest kernels only. */
		e->kind = EXIT_UNKNOWN;
		break;
	}
	return e->kind;
}

const char *esr_ec_name(unsigned ec)
{
	switch (ec) {
	case EC_UNKNOWN:
		return "UNKNOWN";
	case EC_WFX:
		return "WFx";
	case EC_FP_ASIMD:
		return "FP_ASIMD";
	case EC_ILL:
		return "ILLEGAL_STATE";
	case EC_SVC64:
		return "SVC64";
	case EC_HVC64:
		return "HVC64";
	case EC_SMC64:
		return "SMC64";
	case EC_SYS64:
		return "SYS64";
	case EC_SVE:
		return "SVE";
	case EC_PAC:
		return "PAC";
	case EC_IABT_LOW:
		return "IABT_LOW";
	case EC_IABT_CUR:
		return "IABT_CUR";
	case EC_PC_ALIGN:
		return "PC_ALIGN";
	case EC_DABT_LOW:
		return "DABT_LOW";
	case EC_DABT_CUR:
		return "DABT_CUR";
	case EC_SP_ALIGN:
		return "SP_ALIGN";
	case EC_SERROR:
		return "SERROR";
	case EC_BRK64:
		return "BRK64";
	default:
		return "other";
	}
}
