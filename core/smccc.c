/*
 * The SMCCC dispatcher (see hyparm/smccc.h): hyparm implements SMCCC 1.1,
 * as KVM does. Spectre workaround queries are answered from what the
 * firmware says for this CPU, so a guest is never told a mitigation is in
 * place when it is not.
 */
#include <hyparm/psci.h>
#include <hyparm/smccc.h>

#define SMCCC_OWNER_MASK 0x3F000000u
#define SMCCC_FAST_CALL  0x80000000u
#define SMCCC_64BIT      0x40000000u

static void ret(u64 regs[18], s64 v)
{
	regs[0] = (u64)v;
}

static s64 arch_features(u32 fid)
{
	switch (fid) {
	case SMCCC_VERSION_FID:
	case SMCCC_ARCH_FEATURES_FID:
		return SMCCC_RET_SUCCESS;
	case SMCCC_ARCH_WORKAROUND_1_FID:
	case SMCCC_ARCH_WORKAROUND_2_FID:
	case SMCCC_ARCH_WORKAROUND_3_FID:
		/* As the firmware answers: 0 (needed and implemented), 1 or -2 (not needed), -1 (unknown). */
		return firmware_arch_features(fid);
	default:
		return SMCCC_RET_NOT_SUPPORTED;
	}
}

enum smccc_action smccc_dispatch(struct vcpu *v, u64 regs[18])
{
	u32 fid = (u32)regs[0];

	if (psci_is_psci_fid(fid))
		return psci_dispatch(v, regs);
	switch (fid) {
	case SMCCC_VERSION_FID:
		ret(regs, SMCCC_VERSION_1_1);
		break;
	case SMCCC_ARCH_FEATURES_FID:
		ret(regs, arch_features((u32)regs[1]));
		break;
	case SMCCC_ARCH_WORKAROUND_1_FID:
	case SMCCC_ARCH_WORKAROUND_2_FID:
	case SMCCC_ARCH_WORKAROUND_3_FID:
		/* The mitigation itself is the firmware's: pass the call on (only offered when the firmware has it). */
		ret(regs, firmware_call(fid, regs[1]));
		break;
	default:
		ret(regs, SMCCC_RET_NOT_SUPPORTED);
		break;
	}
	return SMCCC_RESUME;
}
