/*
 * The vendor-specific hypervisor service (SMCCC owner 6) as KVM defines
 * it, so that guests' KVM drivers work unchanged on hyparm. A guest that
 * reads KVM's UID here trusts the feature bitmap that follows, so it says
 * exactly what this file implements, nothing more:
 *
 *   VENDOR_HYP_CALL_UID (0x8600FF01): KVM's UID
 *     28b46fb6-2ec5-11e9-a9ca-4b564d003a74, in w0..w3 as KVM encodes it
 *     (each register holds four bytes of the UUID, little-endian).
 *   VENDOR_HYP_KVM_FEATURES (0x86000000): w0 = bit 0 (this call) | bit 1
 *     (PTP); w1..w3 = 0. KVM 6.1 offers these two and no others.
 *   VENDOR_HYP_KVM_PTP (0x86000001, w1 = 0 virtual / 1 physical counter):
 *     wall-clock nanoseconds (w0 high half, w1 low half) and the counter
 *     (w2 high, w3 low) read at one instant, so a guest's ptp_kvm clock
 *     (/dev/ptpN, "KVM virtual PTP") pairs its counter with hyparm's time.
 *     Any other w1: NOT_SUPPORTED.
 * Every other ID of the range (call count, revision, the SMC64 forms)
 * answers NOT_SUPPORTED, as KVM does. All calls are SMC32/HVC32: only the
 * low 32 bits of the argument count; x1..x3 are zero unless they carry an
 * answer. Wall-clock time is core/wallclock.c's (the epoch until an RTC
 * driver sets it).
 */
#include <arch/hyp_timer.h>
#include <hyparm/smccc.h>
#include <hyparm/vm.h>
#include <hyparm/wallclock.h>

#define KVM_FEATURES_FID 0x86000000u
#define KVM_PTP_FID 0x86000001u
#define VENDOR_HYP_CALL_UID_FID 0x8600FF01u

/* KVM's UID 28b46fb6-2ec5-11e9-a9ca-4b564d003a74, register by register (Linux's ARM_SMCCC_VENDOR_HYP_UID_KVM_REG_*). */
#define KVM_UID_W0 0xb66fb428u
#define KVM_UID_W1 0xe911c52eu
#define KVM_UID_W2 0x564bcaa9u
#define KVM_UID_W3 0x743a004du

/* Feature bits: KVM's ARM_SMCCC_KVM_FUNC_FEATURES and ARM_SMCCC_KVM_FUNC_PTP. */
#define KVM_FUNC_FEATURES_BIT (1u << 0)
#define KVM_FUNC_PTP_BIT (1u << 1)

#define KVM_PTP_VIRT_COUNTER 0
#define KVM_PTP_PHYS_COUNTER 1

static void ptp(const struct vcpu *v, u32 which, u64 out[4])
{
	/* One counter reading gives both: the time of day at that count, and the count. */
	u64 count = arch_counter_now(), ns = wallclock_ns_at(count);

	switch (which) {
	case KVM_PTP_VIRT_COUNTER:
		count -= v->vm->cntvoff; /* what the guest's CNTVCT_EL0 read at that instant */
		break;
	case KVM_PTP_PHYS_COUNTER:
		break;
	default:
		return; /* out[0] stays NOT_SUPPORTED */
	}
	out[0] = ns >> 32;
	out[1] = (u32)ns;
	out[2] = count >> 32;
	out[3] = (u32)count;
}

static enum smccc_action kvm_vendor_call(struct vcpu *v, u64 regs[18])
{
	u64 out[4] = { (u64)SMCCC_RET_NOT_SUPPORTED, 0, 0, 0 };

	switch ((u32)regs[0]) {
	case VENDOR_HYP_CALL_UID_FID:
		out[0] = KVM_UID_W0;
		out[1] = KVM_UID_W1;
		out[2] = KVM_UID_W2;
		out[3] = KVM_UID_W3;
		break;
	case KVM_FEATURES_FID:
		out[0] = KVM_FUNC_FEATURES_BIT | KVM_FUNC_PTP_BIT;
		break;
	case KVM_PTP_FID:
		ptp(v, (u32)regs[1], out);
		break;
	}
	for (unsigned i = 0; i < 4; i++)
		regs[i] = out[i];
	return SMCCC_RESUME;
}

/* The whole vendor-hyp range, both conventions: what is not implemented answers NOT_SUPPORTED here. */
static const struct smccc_service kvm_vendor_service = {
	.name = "kvm-vendor-hyp",
	.range = { { 0x86000000u, 0x8600FFFFu }, { 0xC6000000u, 0xC600FFFFu } },
	.call = kvm_vendor_call,
};
SMCCC_SERVICE(kvm_vendor_service);
