/*
 * The SMCCC dispatcher (see hyparm/smccc.h): hyparm implements SMCCC 1.1,
 * as KVM does. Spectre workaround queries are answered from what the
 * firmware said at boot, so a guest is never told a mitigation is in place
 * when it is not:
 *   WORKAROUND_1, _3 (branch predictor): 0 when the firmware has it (the
 *     guest's call is passed on, without the guest's arguments), 1 (not
 *     needed on this CPU) when the firmware says it is not needed, else
 *     NOT_SUPPORTED.
 *   WORKAROUND_2 (speculative store bypass): NOT_REQUIRED whenever the
 *     firmware has it or says it is not needed. Where it is needed hyparm
 *     switched it on for every physical CPU at boot and keeps it on, as
 *     KVM does: the guest's call is never passed on, so a guest cannot
 *     switch the mitigation off (x1 = 0) for the CPU hyparm and other VMs
 *     share. Else NOT_SUPPORTED.
 * A workaround call that is not passed on returns SUCCESS when there is
 * nothing to do, or the (negative) answer ARCH_FEATURES gives for it.
 */
#include <hyparm/errno.h>
#include <hyparm/smccc.h>
#include <string.h>
#include <hyparm/test_hooks.h>

/* ARCH_FEATURES for a workaround: implemented, but this CPU does not need it. */
#define WA_NOT_NEEDED_HERE 1

static void ret(u64 regs[18], s64 v)
{
	regs[0] = (u64)v;
}

/* Weak: a program with no service registered (a host test) has no section. */
extern const struct smccc_service *const __start_smccc_services[] __attribute__((weak));
extern const struct smccc_service *const __stop_smccc_services[] __attribute__((weak));

/*
 * The services by SMCCC owner (function ID bits [29:24]), so that a call
 * looks at the one or two services of its owner instead of all of them;
 * filled once at boot by smccc_services_init(). A service whose ranges
 * span several owners is listed under each.
 */
#define SMCCC_OWNERS 64
#define SERVICES_PER_OWNER 4
static const struct smccc_service *by_owner[SMCCC_OWNERS][SERVICES_PER_OWNER];

static unsigned owner_of(u32 fid)
{
	return (fid >> 24) & 0x3F;
}

static bool owns(const struct smccc_service *s, u32 fid)
{
	for (unsigned i = 0; i < 2; i++)
		if (s->range[i].last && fid >= s->range[i].first && fid <= s->range[i].last)
			return true;
	return false;
}

int smccc_services_init(void)
{
	memset(by_owner, 0, sizeof(by_owner));
	for (const struct smccc_service *const *s = __start_smccc_services; s < __stop_smccc_services; s++)
		for (unsigned i = 0; i < 2; i++) {
			if (!(*s)->range[i].last)
				continue;
			for (unsigned o = owner_of((*s)->range[i].first); o <= owner_of((*s)->range[i].last);
			     o++) {
				unsigned k = 0;

				while (k < SERVICES_PER_OWNER && by_owner[o][k] && by_owner[o][k] != *s)
					k++;
				if (k == SERVICES_PER_OWNER)
					return -HV_ENOMEM;
				by_owner[o][k] = *s;
			}
		}
	return HV_OK;
}

const struct smccc_service *smccc_service_find(u32 fid)
{
	const struct smccc_service *const *list = by_owner[owner_of(fid)];

	for (unsigned k = 0; k < SERVICES_PER_OWNER && list[k]; k++)
		if (owns(list[k], fid))
			return list[k];
	return NULL;
}

static s64 arch_features(u32 fid)
{
	const struct smccc_service *s;

	switch (fid) {
	case SMCCC_VERSION_FID:
	case SMCCC_ARCH_FEATURES_FID:
		return SMCCC_RET_SUCCESS;
	case SMCCC_ARCH_WORKAROUND_1_FID:
	case SMCCC_ARCH_WORKAROUND_3_FID:
		switch (firmware_arch_features(fid)) {
		case SMCCC_RET_SUCCESS:
			return SMCCC_RET_SUCCESS;
		case WA_NOT_NEEDED_HERE:
		case SMCCC_RET_NOT_REQUIRED:
			return WA_NOT_NEEDED_HERE;
		default:
			return SMCCC_RET_NOT_SUPPORTED;
		}
	case SMCCC_ARCH_WORKAROUND_2_FID:
		switch (firmware_arch_features(fid)) {
		case SMCCC_RET_SUCCESS: /* on for good since boot */
		case WA_NOT_NEEDED_HERE:
		case SMCCC_RET_NOT_REQUIRED:
			return SMCCC_RET_NOT_REQUIRED;
		default:
			return SMCCC_RET_NOT_SUPPORTED;
		}
	default:
		s = smccc_service_find(fid);
		return s && s->arch_features ? s->arch_features(fid) : SMCCC_RET_NOT_SUPPORTED;
	}
}

static s64 workaround(u32 fid)
{
	s64 f = arch_features(fid);

	/* Only WORKAROUND_1 and _3, and only when the firmware has them; they take no arguments. */
	if (fid != SMCCC_ARCH_WORKAROUND_2_FID && f == SMCCC_RET_SUCCESS) {
		firmware_call(fid, 0);
		return SMCCC_RET_SUCCESS;
	}
	return f < 0 ? f : SMCCC_RET_SUCCESS;
}

enum smccc_action smccc_dispatch(struct vcpu *v, u64 regs[18])
{
	u32 fid = (u32)regs[0];
	const struct smccc_service *s;

#ifdef HYPARM_TEST_HOOKS
	if (test_hook_call(v, regs))
		return SMCCC_RESUME;
#endif
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
		ret(regs, workaround(fid));
		break;
	default:
		s = smccc_service_find(fid);
		if (s)
			return s->call(v, regs);
		ret(regs, SMCCC_RET_NOT_SUPPORTED);
		break;
	}
	return SMCCC_RESUME;
}
