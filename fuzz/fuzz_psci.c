/*
 * PSCI and SMCCC calls with random function IDs and arguments, issued by
 * any vCPU of a fake VM of 1..8 vCPUs in random power states. Between
 * calls the input may also let the fake scheduler start a pending vCPU or
 * stop one. Checks what a guest relies on: only x0 changes, CPU_ON starts
 * exactly the named vCPU when it is off and the entry point is in RAM (and
 * nothing otherwise), SMC32/HVC32 arguments are 32 bits, AFFINITY_INFO
 * tells the state as it is, only the workaround calls reach the firmware.
 * The fakes are those of tests/unit/test_psci.c.
 */
#include <string.h>
#include <hyparm/errno.h>
#include <hyparm/psci.h>
#include <hyparm/smccc.h>
#include <hyparm/spectre.h>
#include <hyparm/vm.h>
#include "input.h"

#define MPIDR_AFF_MASK 0xFF00FFFFFFULL

static struct vm vm;
static struct vcpu cpus[VM_MAX_VCPUS];

static struct vcpu *on_target;
static u64 on_entry, on_ctx;
static unsigned on_calls;

void vcpu_power_on(struct vcpu *target, u64 entry, u64 context_id)
{
	on_target = target;
	on_entry = entry;
	on_ctx = context_id;
	on_calls++;
	FUZZ_CHECK(target->state == VCPU_STARTING); /* claimed, not yet runnable */
	target->state = VCPU_ON_PENDING; /* what sched_power_on() publishes */
}

static int fw_features_ret;
static unsigned fw_calls;
static u32 fw_call_fid;

int firmware_arch_features(u32 fid)
{
	FUZZ_CHECK(fid == SMCCC_ARCH_WORKAROUND_1_FID || fid == SMCCC_ARCH_WORKAROUND_2_FID ||
		   fid == SMCCC_ARCH_WORKAROUND_3_FID);
	return fw_features_ret;
}

s64 firmware_call(u32 fid, u64 arg)
{
	fw_call_fid = fid;
	fw_calls++;
	return 0;
}

void spectre_bhb_clear(unsigned loop, bool clrbhb)
{
	FUZZ_CHECK(0); /* a CPU model of no list (MIDR 0): WORKAROUND_3 is the firmware's or nothing */
}

static const u32 known_fids[] = {
	PSCI_0_2_FN_PSCI_VERSION,    PSCI_0_2_FN_CPU_SUSPEND,	  PSCI_0_2_FN64_CPU_SUSPEND,
	PSCI_0_2_FN_CPU_OFF,	     PSCI_0_2_FN_CPU_ON,	  PSCI_0_2_FN64_CPU_ON,
	PSCI_0_2_FN_AFFINITY_INFO,   PSCI_0_2_FN64_AFFINITY_INFO, PSCI_0_2_FN_MIGRATE_INFO_TYPE,
	PSCI_0_2_FN_SYSTEM_OFF,	     PSCI_0_2_FN_SYSTEM_RESET,	  PSCI_1_0_FN_PSCI_FEATURES,
	SMCCC_VERSION_FID,	     SMCCC_ARCH_FEATURES_FID,	  SMCCC_ARCH_SOC_ID_FID,
	SMCCC_ARCH_WORKAROUND_1_FID, SMCCC_ARCH_WORKAROUND_2_FID, SMCCC_ARCH_WORKAROUND_3_FID,
	PSCI_1_1_FN_SYSTEM_RESET2,   PSCI_1_1_FN64_SYSTEM_RESET2,
};

/* As KVM: an MPIDR with bits outside the affinity fields names no vCPU. */
static struct vcpu *by_mpidr(u64 mpidr)
{
	if (mpidr & ~MPIDR_AFF_MASK)
		return NULL;
	for (unsigned i = 0; i < vm.nr_vcpus; i++)
		if ((cpus[i].mpidr & MPIDR_AFF_MASK) == (mpidr & MPIDR_AFF_MASK))
			return &cpus[i];
	return NULL;
}

/* PSCI's function IDs: 0x84000000-0x8400001F and 0xC4000000-0xC400001F (core/psci.c's service). */
static bool psci_is_psci_fid(u32 fid)
{
	return (fid & ~0x4000001Fu) == 0x84000000u;
}

static u32 pick_fid(struct fuzz_input *in)
{
	uint8_t how = fuzz_u8(in);

	switch (how & 3) {
	case 0:
	case 1:
		return known_fids[(how >> 2) % (sizeof(known_fids) / sizeof(known_fids[0]))];
	case 2:
		return ((how & 4) ? 0xC4000000u : 0x84000000u) | (how >> 3); /* anywhere in the PSCI range */
	default:
		return fuzz_u32(in);
	}
}

/* An argument: an MPIDR of the VM (with noise in the ignored bits), an address in or near RAM, or anything. */
static u64 pick_arg(struct fuzz_input *in)
{
	uint8_t how = fuzz_u8(in);

	switch (how & 3) {
	case 0:
		return cpus[(how >> 2) % vm.nr_vcpus].mpidr | ((u64)fuzz_u8(in) << 24) |
			((u64)fuzz_u8(in) << 40);
	case 1:
		return vm.ram_ipa + (s64)(s32)fuzz_u32(in);
	case 2:
		return vm.ram_ipa + vm.ram_size - (fuzz_u8(in) & 0xF);
	default:
		return fuzz_u64(in) | (how & 4 ? 0xFFFFFFFF00000000ULL : 0);
	}
}

static void call(struct vcpu *caller, struct fuzz_input *in)
{
	u64 regs[18], before[18];
	enum vcpu_state states[VM_MAX_VCPUS];
	u32 fid = pick_fid(in);
	bool is64 = fid & 0x40000000u;
	unsigned calls = on_calls, fw = fw_calls;
	enum smccc_action act;
	s64 r;

	regs[0] = ((u64)fuzz_u32(in) << 32) | fid; /* the upper half of x0 is not the FID */
	for (unsigned i = 1; i < 18; i++)
		regs[i] = i <= 3 ? pick_arg(in) : fuzz_u8(in);
	memcpy(before, regs, sizeof(regs));
	for (unsigned i = 0; i < vm.nr_vcpus; i++)
		states[i] = cpus[i].state;

	act = smccc_dispatch(caller, regs);
	r = (s64)regs[0];
	FUZZ_CHECK(act <= SMCCC_VCPU_SUSPEND);
	FUZZ_CHECK(memcmp(regs + 1, before + 1, sizeof(regs) - sizeof(regs[0])) == 0);
	/* Only WORKAROUND_1/_3 reach the firmware, and only where it has them; WORKAROUND_2 never does. */
	FUZZ_CHECK(fw_calls ==
		   fw +
			   ((fid == SMCCC_ARCH_WORKAROUND_1_FID || fid == SMCCC_ARCH_WORKAROUND_3_FID) &&
			    fw_features_ret == SMCCC_RET_SUCCESS));
	FUZZ_CHECK(fw_calls == fw || fw_call_fid != SMCCC_ARCH_WORKAROUND_2_FID);
	if (act != SMCCC_RESUME)
		FUZZ_CHECK(r == PSCI_RET_SUCCESS);

	if (fid == PSCI_0_2_FN_CPU_ON || fid == PSCI_0_2_FN64_CPU_ON) {
		u64 mpidr = before[1], entry = before[2], ctx = before[3];
		struct vcpu *t;

		if (!is64) {
			mpidr = (u32)mpidr;
			entry = (u32)entry;
			ctx = (u32)ctx;
		}
		t = by_mpidr(mpidr);
		if (!t)
			FUZZ_CHECK(r == PSCI_RET_INVALID_PARAMS);
		else if (entry < vm.ram_ipa || entry >= vm.ram_ipa + vm.ram_size || (entry & 3))
			FUZZ_CHECK(r == PSCI_RET_INVALID_ADDRESS);
		else if (states[t->id] == VCPU_ON_PENDING || states[t->id] == VCPU_STARTING)
			FUZZ_CHECK(r == PSCI_RET_ON_PENDING);
		else if (states[t->id] != VCPU_OFF)
			FUZZ_CHECK(r == PSCI_RET_ALREADY_ON);
		else
			FUZZ_CHECK(r == PSCI_RET_SUCCESS);
		if (r == PSCI_RET_SUCCESS) {
			FUZZ_CHECK(on_calls == calls + 1 && on_target == t && on_entry == entry &&
				   on_ctx == ctx);
			FUZZ_CHECK(t->state == VCPU_ON_PENDING);
		}
	}
	if (r != PSCI_RET_SUCCESS || (fid != PSCI_0_2_FN_CPU_ON && fid != PSCI_0_2_FN64_CPU_ON)) {
		/* Nothing else starts a vCPU or changes one's state. */
		FUZZ_CHECK(on_calls == calls);
		for (unsigned i = 0; i < vm.nr_vcpus; i++)
			FUZZ_CHECK(cpus[i].state == states[i]);
	}
	if (fid == PSCI_0_2_FN_AFFINITY_INFO || fid == PSCI_0_2_FN64_AFFINITY_INFO) {
		u64 mpidr = is64 ? before[1] : (u32)before[1];
		u64 level = is64 ? before[2] : (u32)before[2];
		/* Every vCPU matching at that level: any on, else any starting, else off; none: invalid. */
		s64 want = PSCI_RET_INVALID_PARAMS;

		if (level <= 3 && !(mpidr & ~MPIDR_AFF_MASK)) {
			u64 mask = MPIDR_AFF_MASK & ~((1ULL << (8 * level)) - 1);
			for (unsigned i = 0; i < vm.nr_vcpus; i++) {
				s64 s = states[i] == VCPU_OFF || states[i] == VCPU_STOPPED	     ? 1
					: states[i] == VCPU_ON_PENDING || states[i] == VCPU_STARTING ? 2
												     : 0;
				if ((cpus[i].mpidr & mask) != (mpidr & mask))
					continue;
				if (want == PSCI_RET_INVALID_PARAMS || s == 0 || (s == 2 && want == 1))
					want = s;
			}
		}
		FUZZ_CHECK(r == want);
	}
	if (fid == PSCI_0_2_FN_CPU_OFF)
		FUZZ_CHECK(act == SMCCC_VCPU_OFF);
	if (fid == PSCI_0_2_FN_SYSTEM_OFF)
		FUZZ_CHECK(act == SMCCC_VM_OFF);
	if (fid == PSCI_0_2_FN_SYSTEM_RESET)
		FUZZ_CHECK(act == SMCCC_VM_RESET);
	if (fid == PSCI_1_1_FN_SYSTEM_RESET2 || fid == PSCI_1_1_FN64_SYSTEM_RESET2) {
		/* Only SYSTEM_WARM_RESET (type 0, 32 bits) resets: as a crash where the VM keeps it for a panic. */
		if ((u32)before[1] == PSCI_1_1_RESET_TYPE_SYSTEM_WARM_RESET)
			FUZZ_CHECK(act == (vm.warm_reset_is_panic ? SMCCC_VM_PANICKED : SMCCC_VM_RESET));
		else
			FUZZ_CHECK(act == SMCCC_RESUME &&
				   r ==
					   ((u32)before[1] & PSCI_1_1_RESET_TYPE_VENDOR
						    ? PSCI_RET_NOT_SUPPORTED
						    : PSCI_RET_INVALID_PARAMS));
	}
	if (fid == PSCI_0_2_FN_PSCI_VERSION || fid == SMCCC_VERSION_FID)
		FUZZ_CHECK(r == 0x10001);
	if ((fid & ~0x1Fu) == 0x84000000u || (fid & ~0x1Fu) == 0xC4000000u) { /* PSCI's function IDs */
		bool known = false;
		for (unsigned i = 0; i < sizeof(known_fids) / sizeof(known_fids[0]); i++)
			known |= psci_is_psci_fid(known_fids[i]) && fid == known_fids[i];
		if (!known)
			FUZZ_CHECK(r == PSCI_RET_NOT_SUPPORTED && act == SMCCC_RESUME);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool indexed;
	if (!indexed)
		indexed = smccc_services_init() == 0; /* what boot does */
	struct fuzz_input in = fuzz_input(data, size);
	uint8_t layout = fuzz_u8(&in);

	memset(&vm, 0, sizeof(vm));
	memset(cpus, 0, sizeof(cpus));
	vm.nr_vcpus = 1 + (layout & 7);
	vm.warm_reset_is_panic = layout & 8;
	vm.ram_ipa = GUEST_RAM_IPA;
	vm.ram_size = MiB(2) * (1 + fuzz_u8(&in));
	fw_features_ret = (s8)fuzz_u8(&in);
	on_calls = fw_calls = 0;
	struct spectre_cpu cpu = { 0 }; /* no CPU model of Linux's lists: the firmware decides */
	smccc_arch_init(&cpu);
	static bool services_indexed;
	if (!services_indexed) /* what boot does: index the SMCCC services by owner */
		services_indexed = smccc_services_init() == HV_OK;
	for (unsigned i = 0; i < vm.nr_vcpus; i++) {
		cpus[i].vm = &vm;
		cpus[i].id = i;
		/* Flat (Aff0 = i) or clusters of four (Aff1.Aff0), bit 31 RES1 as in MPIDR_EL1. */
		cpus[i].mpidr = BIT(31) | ((layout & 8) ? ((i >> 2) << 8 | (i & 3)) : i);
		cpus[i].state = i == 0 ? VCPU_RUNNABLE : (enum vcpu_state)(fuzz_u8(&in) % (VCPU_STOPPED + 1));
		vm.vcpus[i] = &cpus[i];
	}

	while (in.left) {
		uint8_t op = fuzz_u8(&in);
		struct vcpu *v = &cpus[(op >> 2) % vm.nr_vcpus];

		if ((op & 3) == 3) {
			/* The scheduler: a pending vCPU starts, or a vCPU goes off. */
			if (v->state == VCPU_ON_PENDING)
				v->state = VCPU_RUNNABLE;
			else if (op & 0x80)
				v->state = VCPU_OFF;
		} else {
			call(v, &in);
		}
	}
	return 0;
}
