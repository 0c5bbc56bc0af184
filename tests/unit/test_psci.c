/* PSCI 1.1 and SMCCC 1.1 as a guest sees them through smccc_dispatch. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <hyparm/psci.h>
#include <hyparm/smccc.h>
#include <hyparm/spectre.h>
#include <hyparm/vm.h>

/* ---- fakes ---- */
static struct vcpu *on_target;
static u64 on_entry, on_ctx;
static int on_calls;

/* As core/vcpu.c: called with the target claimed (STARTING), publishes it ON_PENDING. */
void vcpu_power_on(struct vcpu *target, u64 entry, u64 context_id)
{
	assert_int_equal(target->state, VCPU_STARTING);
	target->state = VCPU_ON_PENDING;
	on_target = target;
	on_entry = entry;
	on_ctx = context_id;
	on_calls++;
}

static int fw_features_ret;
static u32 fw_features_fid;
static s64 fw_call_ret;
static u32 fw_call_fid;
static u64 fw_call_arg;
static int fw_calls;

static int fw_wa3_ret = 99; /* 99: answer fw_features_ret for WORKAROUND_3 too */

int firmware_arch_features(u32 fid)
{
	fw_features_fid = fid;
	return fid == SMCCC_ARCH_WORKAROUND_3_FID && fw_wa3_ret != 99 ? fw_wa3_ret : fw_features_ret;
}

static unsigned bhb_loop, bhb_clears;
static bool bhb_clrbhb;

void spectre_bhb_clear(unsigned loop, bool clrbhb)
{
	bhb_loop = loop;
	bhb_clrbhb = clrbhb;
	bhb_clears++;
}

s64 firmware_call(u32 fid, u64 arg)
{
	fw_call_fid = fid;
	fw_call_arg = arg;
	fw_calls++;
	return fw_call_ret;
}

/* ---- a VM with two vCPUs: MPIDR 0x0 (running) and 0x1 (off) ---- */
#define RAM_IPA 0x40000000ULL
#define RAM_SIZE 0x08000000ULL

static struct vm vm;
static struct vcpu cpu0, cpu1;
static u64 regs[18];

static int setup(void **state)
{
	assert_int_equal(smccc_services_init(), 0); /* what boot does */
	memset(&vm, 0, sizeof(vm));
	memset(&cpu0, 0, sizeof(cpu0));
	memset(&cpu1, 0, sizeof(cpu1));
	vm.ram_ipa = RAM_IPA;
	vm.ram_size = RAM_SIZE;
	vm.nr_vcpus = 2;
	vm.vcpus[0] = &cpu0;
	vm.vcpus[1] = &cpu1;
	cpu0.vm = cpu1.vm = &vm;
	cpu0.id = 0;
	cpu1.id = 1;
	cpu0.mpidr = 0x80000000ULL; /* bit 31 RES1 in MPIDR_EL1: ignored by the affinity match */
	cpu1.mpidr = 0x80000001ULL;
	cpu0.state = VCPU_RUNNABLE;
	cpu1.state = VCPU_OFF;
	on_target = NULL;
	on_entry = on_ctx = 0;
	on_calls = 0;
	fw_features_ret = -1;
	fw_features_fid = 0;
	fw_call_ret = 0;
	fw_call_fid = 0;
	fw_call_arg = 0;
	fw_calls = 0;
	return 0;
}

/* Issue a call from cpu0; returns x0 as a signed value. */
static s64 call4(u64 fid, u64 a1, u64 a2, u64 a3, enum smccc_action *act)
{
	enum smccc_action a;

	memset(regs, 0, sizeof(regs));
	regs[0] = fid;
	regs[1] = a1;
	regs[2] = a2;
	regs[3] = a3;
	a = smccc_dispatch(&cpu0, regs);
	if (act)
		*act = a;
	return (s64)regs[0];
}

static s64 call(u64 fid, u64 a1)
{
	enum smccc_action a;
	s64 r = call4(fid, a1, 0, 0, &a);

	assert_int_equal(a, SMCCC_RESUME);
	return r;
}

/* ---- versions and discovery ---- */

static void psci_version_is_1_1(void **state)
{
	assert_int_equal(call(PSCI_0_2_FN_PSCI_VERSION, 0), 0x10001);
}

static void smccc_version_is_1_1(void **state)
{
	assert_int_equal(call(SMCCC_VERSION_FID, 0), 0x10001);
}

static void psci_features_lists_every_implemented_function(void **state)
{
	static const u32 implemented[] = {
		PSCI_0_2_FN_PSCI_VERSION,  PSCI_0_2_FN_CPU_SUSPEND,	PSCI_0_2_FN64_CPU_SUSPEND,
		PSCI_0_2_FN_CPU_OFF,	   PSCI_0_2_FN_CPU_ON,		PSCI_0_2_FN64_CPU_ON,
		PSCI_0_2_FN_AFFINITY_INFO, PSCI_0_2_FN64_AFFINITY_INFO, PSCI_0_2_FN_MIGRATE_INFO_TYPE,
		PSCI_0_2_FN_SYSTEM_OFF,	   PSCI_0_2_FN_SYSTEM_RESET,	PSCI_1_0_FN_PSCI_FEATURES,
		SMCCC_VERSION_FID,	   PSCI_1_1_FN_SYSTEM_RESET2,	PSCI_1_1_FN64_SYSTEM_RESET2,
	};
	/* Every other PSCI 1.1 function, as KVM 6.1 answers without the VMM's SYSTEM_SUSPEND opt-in. */
	static const u32 unknown[] = {
		0x84000005u /* MIGRATE */,
		0xC4000005u /* MIGRATE64 */,
		0x84000007u /* MIGRATE_INFO_UP_CPU */,
		0xC4000007u,
		0x8400000Bu /* CPU_FREEZE */,
		0x8400000Cu /* CPU_DEFAULT_SUSPEND */,
		0xC400000Cu,
		0x8400000Du /* NODE_HW_STATE */,
		0xC400000Du,
		0x8400000Eu /* SYSTEM_SUSPEND */,
		0xC400000Eu,
		0x8400000Fu /* PSCI_SET_SUSPEND_MODE */,
		0x84000010u /* PSCI_STAT_RESIDENCY */,
		0xC4000010u,
		0x84000011u /* PSCI_STAT_COUNT */,
		0xC4000011u,
		0x84000013u /* MEM_PROTECT */,
		0x84000014u /* MEM_PROTECT_CHECK_RANGE */,
		0xC4000014u,
		0x80000001u /* SMCCC_ARCH_FEATURES: not PSCI_FEATURES' to answer */,
		0x8400001Fu,
		0x12345678u,
	};

	for (unsigned i = 0; i < ARRAY_SIZE(implemented); i++)
		assert_int_equal(call(PSCI_1_0_FN_PSCI_FEATURES, implemented[i]), 0);
	for (unsigned i = 0; i < ARRAY_SIZE(unknown); i++)
		assert_int_equal(call(PSCI_1_0_FN_PSCI_FEATURES, unknown[i]), -1);
}

static void migrate_info_type_is_2(void **state)
{
	assert_int_equal(call(PSCI_0_2_FN_MIGRATE_INFO_TYPE, 0), 2);
}

static void unknown_function_ids_are_not_supported(void **state)
{
	static const u64 fids[] = {
		0x8400001Fu, /* last of the PSCI range, unimplemented */
		0xC400001Fu, 0x84000005u, /* MIGRATE */
		0xC2001234u, /* SiP service, 64-bit */
		0x86000000u, /* OEM service */
		0x80000002u, /* SMCCC_ARCH_SOC_ID: not implemented */
		0xBF00FF01u, /* standard hypervisor service */
		0x01000000u, /* yielding call */
	};

	for (unsigned i = 0; i < ARRAY_SIZE(fids); i++)
		assert_int_equal(call(fids[i], 0), -1);
	assert_int_equal(fw_calls, 0);
	assert_int_equal(on_calls, 0);
}

static void function_id_upper_bits_are_ignored(void **state)
{
	/* SMCCC: the function ID is W0; bits [63:32] of x0 are not part of it. */
	assert_int_equal(call(0xFFFFFFFF00000000ULL | PSCI_0_2_FN_PSCI_VERSION, 0), 0x10001);
}

static void psci_fid_range(void **state)
{
	/* The SMCCC registry routes exactly PSCI's two ranges to it. */
	const struct smccc_service *psci = smccc_service_find(0x84000000u);

	assert_non_null(psci);
	assert_string_equal(psci->name, "psci");
	assert_ptr_equal(smccc_service_find(0x8400001Fu), psci);
	assert_ptr_equal(smccc_service_find(0xC4000003u), psci);
	assert_null(smccc_service_find(0x84000020u));
	assert_null(smccc_service_find(0x83FFFFFFu));
	assert_null(smccc_service_find(0xC4000020u));
	assert_null(smccc_service_find(0x80000000u));
}

/* ---- CPU_ON ---- */

static void cpu_on_starts_an_off_vcpu(void **state)
{
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_ON, 1, RAM_IPA + 0x80000, 0xC0FFEE00DEADULL, NULL), 0);
	assert_int_equal(cpu1.state, VCPU_ON_PENDING);
	assert_int_equal(on_calls, 1);
	assert_ptr_equal(on_target, &cpu1);
	assert_int_equal(on_entry, RAM_IPA + 0x80000);
	assert_int_equal(on_ctx, 0xC0FFEE00DEADULL);
}

static void cpu_on_while_pending_then_running(void **state)
{
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_ON, 1, RAM_IPA, 0, NULL), 0);
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_ON, 1, RAM_IPA, 0, NULL), PSCI_RET_ON_PENDING);
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_ON, 1, RAM_IPA, 0, NULL), -5);
	/* Another CPU_ON is still writing its registers. */
	cpu1.state = VCPU_STARTING;
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_ON, 1, RAM_IPA, 0, NULL), PSCI_RET_ON_PENDING);
	assert_int_equal(cpu1.state, VCPU_STARTING);
	cpu1.state = VCPU_RUNNABLE;
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_ON, 1, RAM_IPA, 0, NULL), -4);
	cpu1.state = VCPU_BLOCKED;
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_ON, 1, RAM_IPA, 0, NULL), PSCI_RET_ALREADY_ON);
	/* The caller itself is on. */
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_ON, 0, RAM_IPA, 0, NULL), -4);
	assert_int_equal(on_calls, 1);
}

static void cpu_on_unknown_mpidr_is_invalid_parameters(void **state)
{
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_ON, 2, RAM_IPA, 0, NULL), -2);
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_ON, 0x100, RAM_IPA, 0, NULL), -2); /* Aff1 = 1 */
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_ON, 0x100000001ULL, RAM_IPA, 0, NULL), -2); /* Aff3 = 1 */
	assert_int_equal(on_calls, 0);
	assert_int_equal(cpu1.state, VCPU_OFF);
}

static void cpu_on_entry_outside_ram_or_unaligned_is_invalid_address(void **state)
{
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_ON, 1, RAM_IPA - 4, 0, NULL), -9);
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_ON, 1, RAM_IPA + RAM_SIZE, 0, NULL), -9);
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_ON, 1, 0, 0, NULL), -9);
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_ON, 1, RAM_IPA + 2, 0, NULL), -9);
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_ON, 1, RAM_IPA + 1, 0, NULL), PSCI_RET_INVALID_ADDRESS);
	assert_int_equal(on_calls, 0);
	assert_int_equal(cpu1.state, VCPU_OFF);
	/* Last word of RAM is fine. */
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_ON, 1, RAM_IPA + RAM_SIZE - 4, 0, NULL), 0);
	assert_int_equal(on_entry, RAM_IPA + RAM_SIZE - 4);
}

static void cpu_on_smc32_truncates_arguments(void **state)
{
	/* Garbage in the upper halves of x1..x3 must be ignored by the 32-bit call. */
	assert_int_equal(call4(PSCI_0_2_FN_CPU_ON, 0xABCD000000000001ULL,
			       0x1234567800000000ULL | (RAM_IPA + 0x1000), 0xFFFFFFFF87654321ULL, NULL),
			 0);
	assert_int_equal(on_calls, 1);
	assert_ptr_equal(on_target, &cpu1);
	assert_int_equal(on_entry, RAM_IPA + 0x1000);
	assert_int_equal(on_ctx, 0x87654321ULL);
	assert_int_equal(cpu1.state, VCPU_ON_PENDING);
}

static void cpu_on_smc64_uses_full_registers(void **state)
{
	/* The 64-bit call does not truncate: an entry above 4 GiB is outside this VM's RAM. */
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_ON, 1, 0x100000000ULL | RAM_IPA, 0, NULL), -9);
	assert_int_equal(on_calls, 0);
}

/* ---- AFFINITY_INFO ---- */

static void affinity_info_reports_on_off_pending(void **state)
{
	assert_int_equal(call4(PSCI_0_2_FN64_AFFINITY_INFO, 0, 0, 0, NULL), 0); /* cpu0 runnable */
	assert_int_equal(call4(PSCI_0_2_FN64_AFFINITY_INFO, 1, 0, 0, NULL), 1); /* cpu1 off */
	assert_int_equal(call4(PSCI_0_2_FN_AFFINITY_INFO, 1, 0, 0, NULL), 1);
	cpu1.state = VCPU_ON_PENDING;
	assert_int_equal(call4(PSCI_0_2_FN64_AFFINITY_INFO, 1, 0, 0, NULL), 2);
	cpu1.state = VCPU_STARTING;
	assert_int_equal(call4(PSCI_0_2_FN64_AFFINITY_INFO, 1, 0, 0, NULL), 2);
	cpu1.state = VCPU_BLOCKED;
	assert_int_equal(call4(PSCI_0_2_FN64_AFFINITY_INFO, 1, 0, 0, NULL), 0);
	cpu1.state = VCPU_STOPPED;
	assert_int_equal(call4(PSCI_0_2_FN64_AFFINITY_INFO, 1, 0, 0, NULL), 1);
}

static void affinity_info_bad_level_or_mpidr(void **state)
{
	assert_int_equal(call4(PSCI_0_2_FN64_AFFINITY_INFO, 0, 4, 0, NULL), -2);
	assert_int_equal(call4(PSCI_0_2_FN64_AFFINITY_INFO, 7, 0, 0, NULL), -2);
	assert_int_equal(call4(PSCI_0_2_FN_AFFINITY_INFO, 0x10000, 0, 0, NULL), -2);
	/* Bits outside the affinity fields (bit 31 included): no such CPU, as KVM says. */
	assert_int_equal(call4(PSCI_0_2_FN64_AFFINITY_INFO, 0x80000001ULL, 0, 0, NULL), -2);
	assert_int_equal(call4(PSCI_0_2_FN64_AFFINITY_INFO, 1ULL << 40, 0, 0, NULL), -2);
}

/* Levels 1-3, as KVM: the vCPUs that share the target's higher affinity fields; any on means ON. */
static void affinity_info_higher_levels_cover_the_cluster(void **state)
{
	assert_int_equal(call4(PSCI_0_2_FN64_AFFINITY_INFO, 1, 1, 0, NULL), 0); /* Aff1 0: cpu0 runs */
	assert_int_equal(call4(PSCI_0_2_FN64_AFFINITY_INFO, 0x7, 1, 0, NULL), 0); /* Aff0 ignored */
	assert_int_equal(call4(PSCI_0_2_FN64_AFFINITY_INFO, 0, 3, 0, NULL), 0);
	assert_int_equal(call4(PSCI_0_2_FN64_AFFINITY_INFO, 0x100, 1, 0, NULL), -2); /* no cluster 1 */
	cpu0.state = VCPU_OFF;
	cpu1.state = VCPU_ON_PENDING;
	assert_int_equal(call4(PSCI_0_2_FN64_AFFINITY_INFO, 0, 1, 0, NULL), 2);
	cpu1.state = VCPU_OFF;
	assert_int_equal(call4(PSCI_0_2_FN64_AFFINITY_INFO, 0, 2, 0, NULL), 1);
}

static void cpu_on_mpidr_with_bits_outside_the_affinity_is_invalid(void **state)
{
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_ON, 0x80000001ULL, RAM_IPA, 0, NULL), -2);
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_ON, (1ULL << 40) | 1, RAM_IPA, 0, NULL), -2);
	assert_int_equal(on_calls, 0);
}

/*
 * PSCI 1.1 SYSTEM_RESET2: reset type 0 (warm) resets the VM; the reserved
 * architectural types are INVALID_PARAMETERS; vendor types (bit 31) are
 * NOT_SUPPORTED, PSCI's answer for a vendor reset the platform lacks (KVM
 * would pass them to its VMM; hyparm has none). reset_type is 32 bits in
 * both conventions; the cookie is ignored.
 */
static void system_reset2_warm_reset_resets_the_vm(void **state)
{
	static const u64 reserved[] = { 1, 0x7FFFFFFF, 0xFFFFFFFF00000001ULL };
	static const u64 vendor[] = { 0x80000000u, 0x80000001u, 0xFFFFFFFFu };
	enum smccc_action a;

	assert_int_equal(call4(PSCI_1_1_FN_SYSTEM_RESET2, 0, 0x1234, 0, &a), 0);
	assert_int_equal(a, SMCCC_VM_RESET);
	assert_int_equal(call4(PSCI_1_1_FN64_SYSTEM_RESET2, 0xFFFFFFFF00000000ULL, ~0ULL, 0, &a), 0);
	assert_int_equal(a, SMCCC_VM_RESET);
	for (unsigned i = 0; i < ARRAY_SIZE(reserved); i++) {
		assert_int_equal(call4(PSCI_1_1_FN_SYSTEM_RESET2, reserved[i], 0, 0, &a),
				 PSCI_RET_INVALID_PARAMS);
		assert_int_equal(a, SMCCC_RESUME);
		assert_int_equal(call4(PSCI_1_1_FN64_SYSTEM_RESET2, reserved[i], 0, 0, &a),
				 PSCI_RET_INVALID_PARAMS);
		assert_int_equal(a, SMCCC_RESUME);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(vendor); i++) {
		assert_int_equal(call4(PSCI_1_1_FN_SYSTEM_RESET2, vendor[i], 0, 0, &a),
				 PSCI_RET_NOT_SUPPORTED);
		assert_int_equal(a, SMCCC_RESUME);
	}
}

/* The bug: the 32-bit AFFINITY_INFO read the upper halves of x1/x2 and answered INVALID_PARAMETERS. */
static void affinity_info_smc32_ignores_upper_halves(void **state)
{
	assert_int_equal(call4(PSCI_0_2_FN_AFFINITY_INFO, 0xFFFFFFFF00000001ULL, 0xABCD00000000ULL, 0, NULL),
			 1);
	assert_int_equal(call4(PSCI_0_2_FN_AFFINITY_INFO, 0x1200000000ULL, 0, 0, NULL), 0);
}

/* ---- power state calls and their run-loop actions ---- */

static void power_calls_return_the_right_action(void **state)
{
	enum smccc_action a;

	assert_int_equal(call4(PSCI_0_2_FN_CPU_OFF, 0, 0, 0, &a), 0);
	assert_int_equal(a, SMCCC_VCPU_OFF);
	assert_int_equal(call4(PSCI_0_2_FN_CPU_SUSPEND, 0, RAM_IPA, 0, &a), 0);
	assert_int_equal(a, SMCCC_VCPU_SUSPEND);
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_SUSPEND, 0, RAM_IPA, 0, &a), 0);
	assert_int_equal(a, SMCCC_VCPU_SUSPEND);
	assert_int_equal(call4(PSCI_0_2_FN_SYSTEM_OFF, 0, 0, 0, &a), 0);
	assert_int_equal(a, SMCCC_VM_OFF);
	assert_int_equal(call4(PSCI_0_2_FN_SYSTEM_RESET, 0, 0, 0, &a), 0);
	assert_int_equal(a, SMCCC_VM_RESET);
	/* Every other call resumes. */
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_ON, 1, RAM_IPA, 0, &a), 0);
	assert_int_equal(a, SMCCC_RESUME);
	assert_int_equal(call4(0x8400001Fu, 0, 0, 0, &a), -1);
	assert_int_equal(a, SMCCC_RESUME);
}

/* SYSTEM_RESET2: a warm reset is a reset, or a crash where the guest keeps warm resets for a panic. */
static void system_reset2_warm_resets_or_reports_a_panic(void **state)
{
	enum smccc_action a;

	assert_int_equal(call4(PSCI_1_1_FN64_SYSTEM_RESET2, 0, 0, 0, &a), 0);
	assert_int_equal(a, SMCCC_VM_RESET);
	assert_int_equal(call4(PSCI_1_1_FN_SYSTEM_RESET2, 0xFFFFFFFF00000000ULL, 0, 0, &a), 0);
	assert_int_equal(a, SMCCC_VM_RESET); /* reset_type is 32 bits */
	vm.warm_reset_is_panic = true;
	assert_int_equal(call4(PSCI_1_1_FN64_SYSTEM_RESET2, 0, 0, 0, &a), 0);
	assert_int_equal(a, SMCCC_VM_PANICKED);
	/* Other types change nothing: vendor ones are not supported, architectural ones invalid. */
	assert_int_equal(call(PSCI_1_1_FN64_SYSTEM_RESET2, 0x80000001u), PSCI_RET_NOT_SUPPORTED);
	assert_int_equal(call(PSCI_1_1_FN64_SYSTEM_RESET2, 1), PSCI_RET_INVALID_PARAMS);
}

/* ---- CPU_SUSPEND's power_state (original format) ---- */

/* The bug: every power_state, reserved bits and all, returned SUCCESS. */
static void cpu_suspend_invalid_power_state_is_invalid_parameters(void **state)
{
	static const u64 bad[] = {
		1u << 17,    1u << 23, /* reserved [23:17] */
		1u << 26,    1u << 31, /* reserved [31:26] */
		1u << 24,    2u << 24, 3u << 24, /* power levels above the core's */
		0x01010000u, /* cluster powerdown */
	};
	enum smccc_action a;

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(call4(PSCI_0_2_FN64_CPU_SUSPEND, bad[i], RAM_IPA, 0, &a),
				 PSCI_RET_INVALID_PARAMS);
		assert_int_equal(a, SMCCC_RESUME); /* the caller goes on, it does not wait */
		assert_int_equal(call4(PSCI_0_2_FN_CPU_SUSPEND, bad[i], RAM_IPA, 0, &a), -2);
		assert_int_equal(a, SMCCC_RESUME);
	}
}

static void cpu_suspend_standby_waits_with_any_state_id(void **state)
{
	enum smccc_action a;

	assert_int_equal(call4(PSCI_0_2_FN_CPU_SUSPEND, 0, 0, 0, &a), 0); /* no entry point needed */
	assert_int_equal(a, SMCCC_VCPU_SUSPEND);
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_SUSPEND, 0xFFFF, 0, 0, &a), 0);
	assert_int_equal(a, SMCCC_VCPU_SUSPEND);
	/* power_state is 32 bits wide for the 64-bit call too. */
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_SUSPEND, 0xFFFFFFFF00000001ULL, 0, 0, &a), 0);
	assert_int_equal(a, SMCCC_VCPU_SUSPEND);
}

/* A powerdown request is served as a standby (PSCI allows it), but only with an entry point it could have used. */
static void cpu_suspend_powerdown_needs_a_valid_entry_point(void **state)
{
	enum smccc_action a;

	assert_int_equal(call4(PSCI_0_2_FN64_CPU_SUSPEND, 0x10000, 0, 0, &a), PSCI_RET_INVALID_ADDRESS);
	assert_int_equal(a, SMCCC_RESUME);
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_SUSPEND, 0x10000, RAM_IPA + RAM_SIZE, 0, &a), -9);
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_SUSPEND, 0x10000, RAM_IPA + 2, 0, &a), -9);
	assert_int_equal(a, SMCCC_RESUME);
	assert_int_equal(call4(PSCI_0_2_FN64_CPU_SUSPEND, 0x10000, RAM_IPA + 0x1000, 0, &a), 0);
	assert_int_equal(a, SMCCC_VCPU_SUSPEND);
	assert_int_equal(call4(PSCI_0_2_FN_CPU_SUSPEND, 0x10003, 0xFFFFFFFF00000000ULL | RAM_IPA, 0, &a), 0);
	assert_int_equal(a, SMCCC_VCPU_SUSPEND);
}

/* ---- SMCCC_ARCH_FEATURES and workarounds ---- */

static void arch_features_for_smccc_functions(void **state)
{
	assert_int_equal(call(SMCCC_ARCH_FEATURES_FID, SMCCC_VERSION_FID), 0);
	assert_int_equal(call(SMCCC_ARCH_FEATURES_FID, SMCCC_ARCH_FEATURES_FID), 0);
	assert_int_equal(call(SMCCC_ARCH_FEATURES_FID, SMCCC_ARCH_SOC_ID_FID), -1);
	assert_int_equal(call(SMCCC_ARCH_FEATURES_FID, 0xC2000001u), -1);
	assert_int_equal(call(SMCCC_ARCH_FEATURES_FID, PSCI_0_2_FN_PSCI_VERSION), -1);
}

/* The boot-time decision for a CPU (MIDR and ID fields) and the firmware's current fake answers. */
static void boot_on(u32 midr, u8 csv2, bool ssbs, bool ecbhb, bool clrbhb)
{
	struct spectre_cpu c = { .midr = midr, .csv2 = csv2, .ssbs = ssbs, .ecbhb = ecbhb, .clrbhb = clrbhb };

	smccc_arch_init(&c);
}

static s64 features(u32 wa_fid)
{
	return call(SMCCC_ARCH_FEATURES_FID, wa_fid);
}

/*
 * A CPU of no model Linux lists, by the firmware's answer: KVM 6.1's
 * values. The bug: WORKAROUND_1's NOT_REQUIRED (an answer only
 * WORKAROUND_2 has) was passed on as "not affected", which Linux calls
 * vulnerable; WORKAROUND_3 was NOT_SUPPORTED on a CPU not affected at all.
 */
static void arch_features_for_workarounds_follow_the_firmware(void **state)
{
	static const struct {
		int fw, wa1, wa2, wa3;
	} cases[] = {
		{ 0, 0, -2, 0 }, /* mitigated by the firmware; WA_2 is kept on by hyparm */
		{ 1, 1, -2, 1 }, /* not needed on this CPU */
		{ -2, -1, -2, 1 }, /* not needed (WA_2's answer): WA_1 vulnerable, as Linux reads it */
		{ -1, -1, -1, 1 }, /* unknown: WA_3 is "not affected" for a model of no list */
		{ 7, -1, -1, 1 }, /* nonsense from the firmware */
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		fw_features_ret = cases[i].fw;
		boot_on(0, 0, false, false, false);
		fw_features_ret = 5; /* answered from the boot-time decision, not asked again */
		assert_int_equal(features(SMCCC_ARCH_WORKAROUND_1_FID), cases[i].wa1);
		assert_int_equal(features(SMCCC_ARCH_WORKAROUND_2_FID), cases[i].wa2);
		assert_int_equal(features(SMCCC_ARCH_WORKAROUND_3_FID), cases[i].wa3);
	}
	assert_int_equal(fw_calls, 0);
}

/* The CPU's own word comes first, as in Linux: its ID registers and its model. */
static void arch_features_for_workarounds_follow_the_cpu(void **state)
{
	static const struct {
		const char *what;
		u32 midr;
		u8 csv2;
		bool ssbs, ecbhb, clrbhb;
		int fw;
		int wa1, wa2, wa3;
	} cases[] = {
		/* QEMU's cortex-a57: no SMCCC 1.1 firmware; BHB-affected but v2 open: Linux leaves it. */
		{ "A57, no firmware", 0x411FD070, 0, false, false, false, -1, -1, -1, -1 },
		{ "A57, TF-A", 0x411FD070, 0, false, false, false, 0, 0, -2, 0 },
		{ "A53: safe from v2 and v4", 0x410FD034, 0, false, false, false, -1, 1, -2, 1 },
		{ "CSV2", 0x000F0510, 1, false, false, false, -1, 1, -1, 1 },
		{ "SSBS: the guest uses it", 0x000F0510, 1, true, false, false, 0, 1, -1, 0 },
		{ "A76, CSV2_3", 0x414FD0B0, 3, false, false, false, -1, 1, -1, 1 },
		{ "A76, CSV2: loop", 0x414FD0B0, 1, false, false, false, -1, 1, -1, 0 },
		{ "A76, ECBHB", 0x414FD0B0, 1, false, true, false, -1, 1, -1, 0 },
		{ "A73, no WA_3 firmware", 0x410FD090, 0, false, false, false, 0, 0, -2, 0 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		fw_features_ret = cases[i].fw;
		if (i == ARRAY_SIZE(cases) - 1)
			fw_wa3_ret =
				-1; /* A73: affected, but only the firmware mitigates it, and it cannot */
		boot_on(cases[i].midr, cases[i].csv2, cases[i].ssbs, cases[i].ecbhb, cases[i].clrbhb);
		print_message("%s\n", cases[i].what);
		assert_int_equal(features(SMCCC_ARCH_WORKAROUND_1_FID), cases[i].wa1);
		assert_int_equal(features(SMCCC_ARCH_WORKAROUND_2_FID), cases[i].wa2);
		assert_int_equal(features(SMCCC_ARCH_WORKAROUND_3_FID),
				 i == ARRAY_SIZE(cases) - 1 ? -1 : cases[i].wa3);
	}
	fw_wa3_ret = 99;
}

/* The bug: every workaround call went to the firmware with the guest's x1, advertised or not. */
static void workaround_1_and_3_reach_the_firmware_only_when_it_has_them(void **state)
{
	static const int not_there[] = { 1, -2, -1 };

	fw_features_ret = 0;
	boot_on(0, 0, false, false, false);
	fw_call_ret = -5; /* whatever the firmware says, the guest gets SUCCESS */
	assert_int_equal(call(SMCCC_ARCH_WORKAROUND_1_FID, 0xBAD), 0);
	assert_int_equal(fw_calls, 1);
	assert_int_equal(fw_call_fid, SMCCC_ARCH_WORKAROUND_1_FID);
	assert_int_equal(fw_call_arg, 0); /* no guest argument reaches the firmware */
	assert_int_equal(call(SMCCC_ARCH_WORKAROUND_3_FID, 0xBAD), 0);
	assert_int_equal(fw_calls, 2);
	assert_int_equal(fw_call_fid, SMCCC_ARCH_WORKAROUND_3_FID);
	assert_int_equal(fw_call_arg, 0);
	/* Not there: the call returns SUCCESS anyway, as KVM's fast path does, and does nothing. */
	for (unsigned i = 0; i < ARRAY_SIZE(not_there); i++) {
		fw_features_ret = not_there[i];
		boot_on(0, 0, false, false, false);
		assert_int_equal(call(SMCCC_ARCH_WORKAROUND_1_FID, 0), 0);
		assert_int_equal(call(SMCCC_ARCH_WORKAROUND_3_FID, 0), 0);
	}
	assert_int_equal(fw_calls, 2);
	assert_int_equal(bhb_clears, 0);
}

/* Where the CPU model needs the branch loop (or has CLRBHB), a WORKAROUND_3 call runs it in hyparm. */
static void workaround_3_clears_the_branch_history_itself(void **state)
{
	fw_features_ret = 0; /* even with a firmware WORKAROUND_3: Linux prefers the loop */
	boot_on(0x411FD070, 0, false, false, false); /* Cortex-A57: 8 branches */
	assert_int_equal(call(SMCCC_ARCH_WORKAROUND_3_FID, 0), 0);
	assert_int_equal(bhb_clears, 1);
	assert_int_equal(bhb_loop, 8);
	assert_false(bhb_clrbhb);
	assert_int_equal(fw_calls, 0);
	boot_on(0x414FD0B0, 1, false, false, true); /* A76 with CLRBHB */
	call(SMCCC_ARCH_WORKAROUND_3_FID, 0);
	assert_int_equal(bhb_clears, 2);
	assert_true(bhb_clrbhb);
	boot_on(0x414FD0B0, 1, false, true, false); /* ECBHB: the exception did it */
	call(SMCCC_ARCH_WORKAROUND_3_FID, 0);
	assert_int_equal(bhb_clears, 2);
	assert_int_equal(fw_calls, 0);
}

/* The bug: WORKAROUND_2 with x1 = 0 switched the mitigation off for the physical CPU. */
static void workaround_2_never_reaches_the_firmware(void **state)
{
	static const int answers[] = { 0, 1, -2, -1 };

	for (unsigned i = 0; i < ARRAY_SIZE(answers); i++) {
		fw_features_ret = answers[i];
		boot_on(0, 0, false, false, false);
		assert_int_equal(call(SMCCC_ARCH_WORKAROUND_2_FID, 0), 0);
		assert_int_equal(call(SMCCC_ARCH_WORKAROUND_2_FID, 1), 0);
	}
	assert_int_equal(fw_calls, 0);
}

/*
 * The exit's fast path (smccc_fast) answers exactly what the dispatcher
 * would, and only calls nobody implements or the workarounds: a fast path
 * that shadowed a service (PSCI, TRNG, KVM's vendor calls) or an
 * architecture call would break it for every guest.
 */
static void fast_path_answers_as_the_dispatcher(void **state)
{
	static const u32 conv[] = { 0x80000000u, 0xC0000000u, 0x00000000u, 0x40000000u };
	static const u32 fn[] = { 0, 1, 2, 3, 0x3fff, 0x7fff, 0x8000, 0xffff, 0x00ff0000 };
	unsigned fast = 0;

	for (unsigned o = 0; o < 64; o++)
		for (unsigned c = 0; c < ARRAY_SIZE(conv); c++)
			for (unsigned f = 0; f < ARRAY_SIZE(fn); f++) {
				u32 fid = conv[c] | o << 24 | fn[f];
				u64 r[18] = { fid, 0 };

				if (!smccc_fast(r)) {
					assert_int_equal(r[0], fid); /* nothing done */
					continue;
				}
				fast++;
				assert_true(!smccc_service_find(fid) || fid == SMCCC_ARCH_WORKAROUND_1_FID ||
					    fid == SMCCC_ARCH_WORKAROUND_3_FID);
				assert_int_equal((s64)r[0], call(fid, 0));
			}
	assert_true(fast > 0);
	/* The bench's call and the one Linux makes on every context switch. */
	u64 r[18] = { 0x87000000u };
	assert_true(smccc_fast(r));
	assert_int_equal((s64)r[0], SMCCC_RET_NOT_SUPPORTED);
	r[0] = SMCCC_ARCH_WORKAROUND_1_FID;
	assert_true(smccc_fast(r));
	assert_int_equal(r[0], SMCCC_RET_SUCCESS);
	/* Never the architecture calls with answers of their own, nor a service's. */
	r[0] = SMCCC_VERSION_FID;
	assert_false(smccc_fast(r));
	r[0] = SMCCC_ARCH_FEATURES_FID;
	assert_false(smccc_fast(r));
	r[0] = SMCCC_ARCH_WORKAROUND_2_FID;
	assert_false(smccc_fast(r));
	r[0] = 0x84000000u; /* PSCI_VERSION */
	assert_false(smccc_fast(r));
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(psci_version_is_1_1),
		T(fast_path_answers_as_the_dispatcher),
		T(smccc_version_is_1_1),
		T(psci_features_lists_every_implemented_function),
		T(migrate_info_type_is_2),
		T(unknown_function_ids_are_not_supported),
		T(function_id_upper_bits_are_ignored),
		T(psci_fid_range),
		T(cpu_on_starts_an_off_vcpu),
		T(cpu_on_while_pending_then_running),
		T(cpu_on_unknown_mpidr_is_invalid_parameters),
		T(cpu_on_entry_outside_ram_or_unaligned_is_invalid_address),
		T(cpu_on_smc32_truncates_arguments),
		T(affinity_info_smc32_ignores_upper_halves),
		T(cpu_on_smc64_uses_full_registers),
		T(affinity_info_reports_on_off_pending),
		T(affinity_info_bad_level_or_mpidr),
		T(affinity_info_higher_levels_cover_the_cluster),
		T(cpu_on_mpidr_with_bits_outside_the_affinity_is_invalid),
		T(system_reset2_warm_reset_resets_the_vm),
		T(power_calls_return_the_right_action),
		T(system_reset2_warm_resets_or_reports_a_panic),
		T(cpu_suspend_invalid_power_state_is_invalid_parameters),
		T(cpu_suspend_standby_waits_with_any_state_id),
		T(cpu_suspend_powerdown_needs_a_valid_entry_point),
		T(arch_features_for_smccc_functions),
		T(arch_features_for_workarounds_follow_the_firmware),
		T(arch_features_for_workarounds_follow_the_cpu),
		T(workaround_1_and_3_reach_the_firmware_only_when_it_has_them),
		T(workaround_3_clears_the_branch_history_itself),
		T(workaround_2_never_reaches_the_firmware),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
