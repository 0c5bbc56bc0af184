/*
 * PSCI for guests, over HVC (the conduit the generated device tree names)
 * or a trapped SMC. hyparm implements PSCI 1.1 and SMCCC 1.1: the versions
 * a KVM guest sees. Calls and what they do:
 *   PSCI_VERSION        1.1
 *   PSCI_FEATURES       0 for every function below and SMCCC_VERSION, else
 *                       NOT_SUPPORTED (CPU_FREEZE, CPU_DEFAULT_SUSPEND,
 *                       SYSTEM_SUSPEND, the statistics, MEM_PROTECT, ...), as KVM
 *                       6.1 answers (its SYSTEM_SUSPEND needs a VMM opt-in)
 *   CPU_ON              start an off vCPU at entry with context_id in x0
 *                       (OFF -> STARTING -> ON_PENDING, see cpu_on)
 *                       (INVALID_PARAMS: no such vCPU, or bits set outside
 *                        MPIDR's affinity fields; ALREADY_ON: it runs;
 *                        ON_PENDING: a CPU_ON for it is in flight;
 *                        INVALID_ADDRESS: entry outside the VM's RAM)
 *   CPU_OFF             the calling vCPU stops (never returns on success)
 *   AFFINITY_INFO       0 ON, 1 OFF, 2 ON_PENDING, for the vCPUs matching the
 *                       target at lowest_affinity_level 0..3 (any on: ON), as
 *                       KVM; INVALID_PARAMS for a higher level or no match
 *   CPU_SUSPEND         power_state in the original format (what PSCI_FEATURES
 *                       says): reserved bits set or a power level above 0
 *                       (a vCPU has no cluster or system power domain of its
 *                       own) is INVALID_PARAMS; a powerdown state needs a
 *                       valid entry point (else INVALID_ADDRESS). Standby and
 *                       powerdown both behave as WFI and return SUCCESS with
 *                       the registers kept, which PSCI allows for a
 *                       powerdown request (as KVM does)
 *   MIGRATE_INFO_TYPE   2: no trusted OS, nothing to migrate
 *   SYSTEM_OFF          the VM powers off
 *   SYSTEM_RESET        the VM restarts from its images
 *   SYSTEM_RESET2       reset_type 0 (SYSTEM_WARM_RESET): as SYSTEM_RESET (a VM
 *                       has no warmer reset than a restart from its images),
 *                       or a crash after a guest panic (see system_reset2);
 *                       vendor types NOT_SUPPORTED (KVM hands them to its VMM;
 *                       hyparm, the VMM here, has none); other types
 *                       INVALID_PARAMS
 * Anything else in the PSCI range returns NOT_SUPPORTED (-1).
 */
#include <hyparm/psci.h>
#include <hyparm/vm.h>

#define MPIDR_AFF_MASK 0xFF00FFFFFFULL

/* The vCPU with this affinity, or NULL: also for an MPIDR with bits outside the affinity fields (as KVM). */
static struct vcpu *vcpu_by_mpidr(struct vm *vm, u64 mpidr)
{
	if (mpidr & ~MPIDR_AFF_MASK)
		return NULL;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if ((vm->vcpus[i]->mpidr & MPIDR_AFF_MASK) == mpidr)
			return vm->vcpus[i];
	return NULL;
}

static bool entry_in_ram(const struct vm *vm, u64 entry)
{
	return entry >= vm->ram_ipa && entry < vm->ram_ipa + vm->ram_size && !(entry & 3);
}

static s64 cpu_on(struct vcpu *v, u64 target_mpidr, u64 entry, u64 ctx)
{
	struct vm *vm = v->vm;
	struct vcpu *t = vcpu_by_mpidr(vm, target_mpidr);
	enum vcpu_state off = VCPU_OFF;

	if (!t)
		return PSCI_RET_INVALID_PARAMS;
	if (!entry_in_ram(vm, entry))
		return PSCI_RET_INVALID_ADDRESS;
	/*
	 * Claim the vCPU: OFF -> STARTING. Only one CPU_ON wins when two vCPUs
	 * race to start the same one, and STARTING is not runnable, so its CPU
	 * cannot enter it before vcpu_power_on has recorded where it starts and
	 * published ON_PENDING; its own CPU then writes its registers.
	 */
	if (!__atomic_compare_exchange_n(&t->state, &off, VCPU_STARTING, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_ACQUIRE))
		return off == VCPU_STARTING || off == VCPU_ON_PENDING ? PSCI_RET_ON_PENDING
								      : PSCI_RET_ALREADY_ON;
	vcpu_power_on(t, entry, ctx);
	return PSCI_RET_SUCCESS;
}

/* power_state, original format: StateID [15:0], StateType [16], PowerLevel [25:24]; the rest reserved. */
#define PSTATE_TYPE_POWERDOWN (1u << 16)
#define PSTATE_LEVEL(ps) (((ps) >> 24) & 3u)
#define PSTATE_RESERVED 0xFCFE0000u

static s64 cpu_suspend(struct vcpu *v, u64 power_state, u64 entry)
{
	u32 ps = (u32)power_state; /* a 32-bit parameter in both calling conventions */

	if ((ps & PSTATE_RESERVED) || PSTATE_LEVEL(ps) != 0)
		return PSCI_RET_INVALID_PARAMS;
	if ((ps & PSTATE_TYPE_POWERDOWN) && !entry_in_ram(v->vm, entry))
		return PSCI_RET_INVALID_ADDRESS;
	return PSCI_RET_SUCCESS;
}

/* AFFINITY_INFO's answers. */
#define AFF_ON 0
#define AFF_OFF 1
#define AFF_ON_PENDING 2

static s64 vcpu_affinity_state(const struct vcpu *t)
{
	switch (t->state) {
	case VCPU_OFF:
	case VCPU_STOPPED:
		return AFF_OFF;
	case VCPU_STARTING:
	case VCPU_ON_PENDING:
		return AFF_ON_PENDING;
	default:
		return AFF_ON;
	}
}

/*
 * Every vCPU whose affinity matches the target's above lowest_affinity_level
 * (Aff0..Aff3 are 8 bits each, Aff3 at bit 32): ON if any is on, else
 * ON_PENDING if any is starting, else OFF; INVALID_PARAMS if none matches.
 */
static s64 affinity_info(struct vcpu *v, u64 target_mpidr, u64 level)
{
	struct vm *vm = v->vm;
	u64 mask;
	s64 r = PSCI_RET_INVALID_PARAMS;

	if (level > 3 || (target_mpidr & ~MPIDR_AFF_MASK))
		return PSCI_RET_INVALID_PARAMS;
	mask = MPIDR_AFF_MASK & ~((1ULL << (level * 8)) - 1); /* level 3: Aff3 only (Aff2 ends at bit 23) */
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		if ((vm->vcpus[i]->mpidr & mask) != (target_mpidr & mask))
			continue;
		s64 s = vcpu_affinity_state(vm->vcpus[i]);
		if (s == AFF_ON)
			return AFF_ON;
		if (r != AFF_ON_PENDING)
			r = s;
	}
	return r;
}

/*
 * SYSTEM_RESET2: the one architectural type, SYSTEM_WARM_RESET, restarts the
 * VM as SYSTEM_RESET does (a VM keeps nothing across either), unless its
 * command line keeps warm resets for a panic (reboot=panic_warm, which hyparm
 * adds: include/hyparm/guest_cmdline.h): then the guest's kernel panicked.
 * reset_type is 32 bits in both conventions. Vendor types: NOT_SUPPORTED;
 * other architectural ones: INVALID_PARAMETERS (PSCI 1.1, 5.18).
 */
static enum smccc_action system_reset2(struct vcpu *v, u32 type, s64 *r)
{
	if (type != PSCI_1_1_RESET_TYPE_SYSTEM_WARM_RESET) {
		*r = type & PSCI_1_1_RESET_TYPE_VENDOR ? PSCI_RET_NOT_SUPPORTED : PSCI_RET_INVALID_PARAMS;
		return SMCCC_RESUME;
	}
	*r = PSCI_RET_SUCCESS;
	return v->vm->warm_reset_is_panic ? SMCCC_VM_PANICKED : SMCCC_VM_RESET;
}

static s64 features(u32 fid)
{
	switch (fid) {
	case PSCI_0_2_FN_PSCI_VERSION:
	case PSCI_0_2_FN_CPU_SUSPEND:
	case PSCI_0_2_FN64_CPU_SUSPEND:
	case PSCI_0_2_FN_CPU_OFF:
	case PSCI_0_2_FN_CPU_ON:
	case PSCI_0_2_FN64_CPU_ON:
	case PSCI_0_2_FN_AFFINITY_INFO:
	case PSCI_0_2_FN64_AFFINITY_INFO:
	case PSCI_0_2_FN_MIGRATE_INFO_TYPE:
	case PSCI_0_2_FN_SYSTEM_OFF:
	case PSCI_0_2_FN_SYSTEM_RESET:
	case PSCI_1_0_FN_PSCI_FEATURES:
	case PSCI_1_1_FN_SYSTEM_RESET2:
	case PSCI_1_1_FN64_SYSTEM_RESET2:
	case SMCCC_VERSION_FID:
		return PSCI_RET_SUCCESS; /* for CPU_SUSPEND: original power_state format, no OS-initiated mode */
	default:
		return PSCI_RET_NOT_SUPPORTED;
	}
}

static enum smccc_action psci_call(struct vcpu *v, u64 regs[18])
{
	u32 fid = (u32)regs[0];
	s64 r = PSCI_RET_NOT_SUPPORTED;
	enum smccc_action action = SMCCC_RESUME;
	u64 a[4] = { 0, regs[1], regs[2], regs[3] };

	/* SMC32/HVC32 calls take W1..W3: whatever is in the upper halves is not an argument. */
	if (!(fid & SMCCC_64BIT))
		for (unsigned i = 1; i <= 3; i++)
			a[i] = (u32)a[i];

	switch (fid) {
	case PSCI_0_2_FN_PSCI_VERSION:
		r = PSCI_VERSION_IMPL;
		break;
	case PSCI_1_0_FN_PSCI_FEATURES:
		r = features((u32)a[1]);
		break;
	case PSCI_0_2_FN_CPU_ON:
	case PSCI_0_2_FN64_CPU_ON:
		r = cpu_on(v, a[1], a[2], a[3]);
		break;
	case PSCI_0_2_FN_AFFINITY_INFO:
	case PSCI_0_2_FN64_AFFINITY_INFO:
		r = affinity_info(v, a[1], a[2]);
		break;
	case PSCI_0_2_FN_CPU_OFF:
		r = PSCI_RET_SUCCESS;
		action = SMCCC_VCPU_OFF;
		break;
	case PSCI_0_2_FN_CPU_SUSPEND:
	case PSCI_0_2_FN64_CPU_SUSPEND:
		r = cpu_suspend(v, a[1], a[2]);
		if (r == PSCI_RET_SUCCESS)
			action = SMCCC_VCPU_SUSPEND;
		break;
	case PSCI_0_2_FN_MIGRATE_INFO_TYPE:
		r = 2;
		break;
	case PSCI_0_2_FN_SYSTEM_OFF:
		r = PSCI_RET_SUCCESS;
		action = SMCCC_VM_OFF;
		break;
	case PSCI_0_2_FN_SYSTEM_RESET:
		r = PSCI_RET_SUCCESS;
		action = SMCCC_VM_RESET;
		break;
	case PSCI_1_1_FN_SYSTEM_RESET2:
	case PSCI_1_1_FN64_SYSTEM_RESET2:
		action = system_reset2(v, (u32)a[1], &r);
		break;
	}
	regs[0] = (u64)r;
	return action;
}

/* PSCI owns 0x84000000-0x8400001F (32-bit) and 0xC4000000-0xC400001F (64-bit). */
static const struct smccc_service psci_service = {
	.name = "psci",
	.range = { { 0x84000000u, 0x8400001Fu }, { 0xC4000000u, 0xC400001Fu } },
	.call = psci_call,
};
SMCCC_SERVICE(psci_service);
