/*
 * SMCCC dispatcher: every HVC and SMC a guest issues lands here, whatever
 * the conduit. core/smccc.c implements the Arm architecture service of
 * SMCCC 1.1 (VERSION, ARCH_FEATURES, ARCH_WORKAROUND_*); every other
 * service (PSCI, ...) registers itself with SMCCC_SERVICE() in its own
 * file, naming the function-ID ranges it owns. A function ID no service
 * owns returns NOT_SUPPORTED (-1).
 */
#ifndef HYPARM_SMCCC_H
#define HYPARM_SMCCC_H

#include <hyparm/types.h>

struct vcpu;

/* Function ID bit 30: the SMC64/HVC64 calling convention (64-bit arguments). */
#define SMCCC_64BIT 0x40000000u

#define SMCCC_VERSION_FID 0x80000000u
#define SMCCC_ARCH_FEATURES_FID 0x80000001u
#define SMCCC_ARCH_SOC_ID_FID 0x80000002u
#define SMCCC_ARCH_WORKAROUND_1_FID 0x80008000u
#define SMCCC_ARCH_WORKAROUND_2_FID 0x80007FFFu
#define SMCCC_ARCH_WORKAROUND_3_FID 0x80003FFFu

#define SMCCC_VERSION_1_1 0x10001

#define SMCCC_RET_SUCCESS 0
#define SMCCC_RET_NOT_SUPPORTED (-1)
#define SMCCC_RET_NOT_REQUIRED (-2)

#define PSCI_0_2_FN_PSCI_VERSION 0x84000000u
#define PSCI_0_2_FN_CPU_SUSPEND 0x84000001u
#define PSCI_0_2_FN64_CPU_SUSPEND 0xC4000001u
#define PSCI_0_2_FN_CPU_OFF 0x84000002u
#define PSCI_0_2_FN_CPU_ON 0x84000003u
#define PSCI_0_2_FN64_CPU_ON 0xC4000003u
#define PSCI_0_2_FN_AFFINITY_INFO 0x84000004u
#define PSCI_0_2_FN64_AFFINITY_INFO 0xC4000004u
#define PSCI_0_2_FN_MIGRATE_INFO_TYPE 0x84000006u
#define PSCI_0_2_FN_SYSTEM_OFF 0x84000008u
#define PSCI_0_2_FN_SYSTEM_RESET 0x84000009u
#define PSCI_1_0_FN_PSCI_FEATURES 0x8400000Au
#define PSCI_1_1_FN_SYSTEM_RESET2 0x84000012u
#define PSCI_1_1_FN64_SYSTEM_RESET2 0xC4000012u
/* SYSTEM_RESET2 reset_type: bit 31 set = vendor-specific; 0 = the one architectural reset. */
#define PSCI_1_1_RESET_TYPE_SYSTEM_WARM_RESET 0u
#define PSCI_1_1_RESET_TYPE_VENDOR (1u << 31)

#define PSCI_RET_SUCCESS 0
#define PSCI_RET_NOT_SUPPORTED (-1)
#define PSCI_RET_INVALID_PARAMS (-2)
#define PSCI_RET_DENIED (-3)
#define PSCI_RET_ALREADY_ON (-4)
#define PSCI_RET_ON_PENDING (-5)
#define PSCI_RET_INTERNAL_FAILURE (-6)
#define PSCI_RET_NOT_PRESENT (-7)
#define PSCI_RET_DISABLED (-8)
#define PSCI_RET_INVALID_ADDRESS (-9)

/* PSCI version hyparm implements: 1.1 (as KVM does since Linux 5.x). */
#define PSCI_VERSION_IMPL 0x00010001u

/* What the call asks the run loop to do next. */
enum smccc_action {
	SMCCC_RESUME = 0, /* results are in regs; continue the vCPU */
	SMCCC_VM_OFF, /* SYSTEM_OFF: the VM powered off */
	SMCCC_VM_RESET, /* SYSTEM_RESET: restart the VM from its images */
	SMCCC_VM_PANICKED, /* the reset a guest asks for after its kernel panicked (include/hyparm/guest_cmdline.h) */
	SMCCC_VCPU_OFF, /* CPU_OFF: stop this vCPU */
	SMCCC_VCPU_SUSPEND, /* CPU_SUSPEND standby: behave as WFI */
};

/* A service: the function IDs it owns (inclusive ranges; last == 0: unused) and its handlers. */
struct smccc_service {
	const char *name;
	struct {
		u32 first, last;
	} range[2]; /* typically the SMC32/HVC32 and SMC64/HVC64 ranges */
	/* Handle the call regs[0] (a function ID in range): as smccc_dispatch(). */
	enum smccc_action (*call)(struct vcpu *v, u64 regs[18]);
	/* Optional: the answer to SMCCC_ARCH_FEATURES(fid) for a fid in range; NULL: NOT_SUPPORTED. */
	s64 (*arch_features)(u32 fid);
};

#define SMCCC_SERVICE(s) \
	static const struct smccc_service *const smccc_reg_##s \
		__attribute__((used, section("smccc_services"), aligned(8))) = &s

/* Index the registered services by owner (at boot, before any guest runs); -HV_ENOMEM if an owner has too many. */
int smccc_services_init(void);
/* The registered service owning fid, or NULL. */
const struct smccc_service *smccc_service_find(u32 fid);

/*
 * Handle one call. regs holds x0..x17 of the caller (x0 = function ID);
 * results are written to regs[0..3] as SMCCC says. The caller advances
 * the PC (HVC already has; SMC needs ELR += 4).
 */
enum smccc_action smccc_dispatch(struct vcpu *vcpu, u64 regs[18]);
/*
 * The exit's fast path (core/exit.c): answer regs[0]'s call here and return
 * true if it is one of the hot calls whose answer needs no service and no
 * vCPU state (the Spectre workarounds, which Linux calls on every context
 * switch, and any ID of an owner with no service: NOT_SUPPORTED); the result
 * is exactly smccc_dispatch()'s. False: nothing was done, use smccc_dispatch().
 */
bool smccc_fast(u64 regs[18]);

struct spectre_cpu;
/* Once at boot, after the firmware was probed: decide the Spectre workaround answers (core/spectre.c). */
void smccc_arch_init(const struct spectre_cpu *cpu);

/*
 * What the platform firmware answered at boot to SMCCC_ARCH_FEATURES(fid)
 * for a workaround fid; NOT_SUPPORTED for anything else (drivers/psci_fw.c).
 */
int firmware_arch_features(u32 fid);
/* Forward a call with one argument to the firmware (drivers/psci_fw.c). */
s64 firmware_call(u32 fid, u64 arg);

#endif
