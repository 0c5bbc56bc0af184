/* The firmware's PSCI, used to start secondary CPUs and to power the machine off. */
#include <drivers/psci_fw.h>
#include <hyparm/drbg.h>
#include <hyparm/smccc.h>
#include <hyparm/trng.h>

static enum psci_conduit conduit;
static bool smccc_1_1; /* the firmware implements SMCCC 1.1 or later */

/* What the firmware answered to SMCCC_ARCH_FEATURES for WORKAROUND_1, _2, _3 at boot. */
static int fw_wa[3] = { SMCCC_RET_NOT_SUPPORTED, SMCCC_RET_NOT_SUPPORTED, SMCCC_RET_NOT_SUPPORTED };
static const u32 wa_fid[3] = {
	SMCCC_ARCH_WORKAROUND_1_FID,
	SMCCC_ARCH_WORKAROUND_2_FID,
	SMCCC_ARCH_WORKAROUND_3_FID,
};

/*
 * Ask the firmware once which Spectre workarounds it has. SMCCC_VERSION
 * itself may only be called once PSCI_FEATURES says it exists (a PSCI
 * before 1.0 has no PSCI_FEATURES and answers NOT_SUPPORTED), and
 * ARCH_FEATURES only from SMCCC 1.1 on.
 */
static void probe_workarounds(void)
{
	if (psci_fw_call(PSCI_1_0_FN_PSCI_FEATURES, SMCCC_VERSION_FID, 0, 0) != PSCI_RET_SUCCESS)
		return;
	if (psci_fw_call(SMCCC_VERSION_FID, 0, 0, 0) < SMCCC_VERSION_1_1)
		return;
	smccc_1_1 = true;
	for (unsigned i = 0; i < 3; i++)
		fw_wa[i] = (int)psci_fw_call(SMCCC_ARCH_FEATURES_FID, wa_fid[i], 0, 0);
}

void psci_fw_init(enum psci_conduit c)
{
	conduit = c;
	probe_workarounds();
}

enum psci_conduit psci_fw_conduit(void)
{
	return conduit;
}

/* x0..x3 in, x0..x3 out (res), through the firmware's conduit. */
static s64 fw_call(u64 fid, u64 a1, u64 a2, u64 a3, u64 res[4])
{
	register u64 x0 __asm__("x0") = fid;
	register u64 x1 __asm__("x1") = a1;
	register u64 x2 __asm__("x2") = a2;
	register u64 x3 __asm__("x3") = a3;

	if (conduit == PSCI_CONDUIT_SMC)
		__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	else if (conduit == PSCI_CONDUIT_HVC)
		__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	else
		x0 = (u64)PSCI_RET_NOT_SUPPORTED;
	res[0] = x0;
	res[1] = x1;
	res[2] = x2;
	res[3] = x3;
	return (s64)x0;
}

s64 psci_fw_call(u64 fid, u64 a1, u64 a2, u64 a3)
{
	u64 res[4];

	return fw_call(fid, a1, a2, a3, res);
}

bool psci_fw_trng(u64 out[3])
{
	u64 res[4];

	/* As Linux probes it: SMCCC 1.1 (so unknown calls answer NOT_SUPPORTED), then TRNG_VERSION >= 1.0. */
	if (!smccc_1_1 || (s32)psci_fw_call(TRNG_VERSION_FID, 0, 0, 0) < TRNG_VERSION_1_0)
		return false;
	if (fw_call(TRNG_RND64_FID, TRNG_RND64_MAX_BITS, 0, 0, res) != TRNG_SUCCESS)
		return false;
	for (unsigned i = 0; i < 3; i++)
		out[i] = res[1 + i];
	memzero_explicit(res, sizeof(res));
	return true;
}

s64 psci_fw_cpu_on(u64 mpidr, paddr_t entry, u64 context)
{
	/* Only the affinity fields: QEMU's PSCI rejects an MPIDR with bit 31 set. */
	return psci_fw_call(PSCI_0_2_FN64_CPU_ON, mpidr & 0xFF00FFFFFFULL, entry, context);
}

void psci_fw_system_off(void)
{
	psci_fw_call(PSCI_0_2_FN_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}

int firmware_arch_features(u32 fid)
{
	for (unsigned i = 0; i < 3; i++)
		if (wa_fid[i] == fid)
			return fw_wa[i];
	return SMCCC_RET_NOT_SUPPORTED;
}

s64 firmware_call(u32 fid, u64 arg)
{
	return psci_fw_call(fid, arg, 0, 0);
}
