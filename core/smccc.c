/*
 * The SMCCC dispatcher (see hyparm/smccc.h): hyparm implements SMCCC 1.1,
 * as KVM does, and answers the Spectre workaround queries as KVM 6.1 does
 * (hyparm/spectre.h, core/spectre.c: decided once at boot, smccc_arch_init,
 * from the CPU's ID registers and model and the firmware's answers):
 *   WORKAROUND_1 (Spectre-v2): 0 where the firmware mitigates it (the
 *     guest's call is passed on, without the guest's arguments), 1 where
 *     the CPU is not affected (CSV2, or a model known to be safe, or the
 *     firmware says so), else NOT_SUPPORTED.
 *   WORKAROUND_2 (speculative store bypass): NOT_REQUIRED where the CPU is
 *     not affected or the firmware's mitigation is on (hyparm switched it
 *     on for every CPU at boot and keeps it on: the guest's call is never
 *     passed on, so no guest can switch it off for the CPU hyparm and other
 *     VMs share); NOT_SUPPORTED where SSBS mitigates it (guests see SSBS and
 *     use it) or nothing does.
 *   WORKAROUND_3 (Spectre-BHB): 1 where the CPU is not affected; 0 where it
 *     is and hyparm can clear the history when the guest calls (the
 *     exception itself on ECBHB, CLRBHB, the branch loop for the CPU model,
 *     or the firmware's call); NOT_SUPPORTED where it cannot (or Spectre-v2
 *     is left open, where Linux does not bother).
 * Every workaround call returns SUCCESS, as KVM's fast path does.
 */
#include <hyparm/errno.h>
#include <hyparm/smccc.h>
#include <hyparm/spectre.h>
#include <string.h>
#include <hyparm/test_hooks.h>

/* Until smccc_arch_init: no workaround answers anything but NOT_SUPPORTED. */
static struct spectre_guest wa = { .features = { SMCCC_RET_NOT_SUPPORTED, SMCCC_RET_NOT_SUPPORTED,
						 SMCCC_RET_NOT_SUPPORTED } };

void smccc_arch_init(const struct spectre_cpu *cpu)
{
	struct spectre_cpu c = *cpu;

	c.fw[SPECTRE_WA1] = firmware_arch_features(SMCCC_ARCH_WORKAROUND_1_FID);
	c.fw[SPECTRE_WA2] = firmware_arch_features(SMCCC_ARCH_WORKAROUND_2_FID);
	c.fw[SPECTRE_WA3] = firmware_arch_features(SMCCC_ARCH_WORKAROUND_3_FID);
	spectre_guest_decide(&c, &wa);
}

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
		return wa.features[SPECTRE_WA1];
	case SMCCC_ARCH_WORKAROUND_2_FID:
		return wa.features[SPECTRE_WA2];
	case SMCCC_ARCH_WORKAROUND_3_FID:
		return wa.features[SPECTRE_WA3];
	default:
		s = smccc_service_find(fid);
		return s && s->arch_features ? s->arch_features(fid) : SMCCC_RET_NOT_SUPPORTED;
	}
}

/* A workaround call: do what it asks where hyparm decided to; the guest's arguments go nowhere. */
static s64 workaround(u32 fid)
{
	if (fid == SMCCC_ARCH_WORKAROUND_1_FID && wa.wa1_fw)
		firmware_call(fid, 0);
	if (fid == SMCCC_ARCH_WORKAROUND_3_FID) {
		if (wa.wa3_fw)
			firmware_call(fid, 0);
		else if (wa.wa3_clrbhb || wa.wa3_loop)
			spectre_bhb_clear(wa.wa3_loop, wa.wa3_clrbhb);
	}
	return SMCCC_RET_SUCCESS;
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

/* Out of line, so that smccc_fast() itself needs no stack frame. */
static bool __attribute__((noinline)) fast_workaround(u64 regs[18], u32 fid)
{
	ret(regs, workaround(fid));
	return true;
}

bool smccc_fast(u64 regs[18])
{
	u32 fid = (u32)regs[0];
	unsigned o = owner_of(fid);

#ifdef HYPARM_TEST_HOOKS
	return false; /* the test hooks see every call first (smccc_dispatch) */
#endif
	/* Owner 0 (Arm architecture calls) has answers of its own in smccc_dispatch's switch. */
	if (o && !by_owner[o][0]) {
		ret(regs, SMCCC_RET_NOT_SUPPORTED);
		return true;
	}
	if (fid == SMCCC_ARCH_WORKAROUND_1_FID || fid == SMCCC_ARCH_WORKAROUND_3_FID)
		return fast_workaround(regs, fid);
	return false;
}
