/*
 * PSCI CPU_ON's state sequence, through the real core/vcpu.c: the target
 * must not be runnable (ON_PENDING or RUNNABLE, what the scheduler picks)
 * until its registers and HCR_EL2 are written, or its CPU could enter it
 * with whatever HCR_EL2 it had (no stage 2).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <arch/vcpu_arch.h>
#include <hyparm/psci.h>
#include <hyparm/sched.h>
#include <hyparm/smccc.h>
#include <hyparm/vm.h>

static int resets, starts;
static u64 reset_entry, reset_x0;

/* The scheduler's test, as core/sched.c runnable() has it. */
static bool visible_as_runnable(const struct vcpu *v)
{
	return v->state == VCPU_RUNNABLE || v->state == VCPU_ON_PENDING;
}

void arch_vcpu_reset(struct vcpu *v, u64 entry, u64 x0)
{
	/* The bug: CPU_ON made the target ON_PENDING before this ran. */
	assert_false(visible_as_runnable(v));
	assert_int_equal(v->state, VCPU_STARTING);
	assert_int_equal(starts, 0);
	resets++;
	reset_entry = entry;
	reset_x0 = x0;
	v->arch.regs.elr = entry;
}

void sched_start_pending(struct vcpu *v)
{
	/* Published only after the registers were written. */
	assert_int_equal(resets, 1);
	assert_int_equal(v->state, VCPU_ON_PENDING);
	assert_int_equal(v->arch.regs.elr, reset_entry);
	starts++;
}

int firmware_arch_features(u32 fid) { return SMCCC_RET_NOT_SUPPORTED; }
s64 firmware_call(u32 fid, u64 arg) { fail(); return 0; }

static struct vm vm;
static struct vcpu cpu0, cpu1;

static int setup(void **state)
{
	memset(&vm, 0, sizeof(vm));
	memset(&cpu0, 0, sizeof(cpu0));
	memset(&cpu1, 0, sizeof(cpu1));
	vm.ram_ipa = 0x40000000ULL;
	vm.ram_size = 0x08000000ULL;
	vm.nr_vcpus = 2;
	vm.vcpus[0] = &cpu0;
	vm.vcpus[1] = &cpu1;
	cpu0.vm = cpu1.vm = &vm;
	cpu1.id = 1;
	cpu1.mpidr = 1;
	cpu0.state = VCPU_RUNNABLE;
	cpu1.state = VCPU_OFF;
	resets = starts = 0;
	return 0;
}

static s64 cpu_on(u64 mpidr, u64 entry, u64 ctx)
{
	u64 regs[18] = { PSCI_0_2_FN64_CPU_ON, mpidr, entry, ctx };

	assert_int_equal(smccc_dispatch(&cpu0, regs), SMCCC_RESUME);
	return (s64)regs[0];
}

static void cpu_on_writes_registers_before_the_target_is_runnable(void **state)
{
	assert_int_equal(cpu_on(1, 0x40080000ULL, 0x1234), PSCI_RET_SUCCESS);
	assert_int_equal(resets, 1);
	assert_int_equal(starts, 1);
	assert_int_equal(reset_entry, 0x40080000ULL);
	assert_int_equal(reset_x0, 0x1234);
	assert_int_equal(cpu1.state, VCPU_ON_PENDING);
	/* A second CPU_ON before the target ran changes nothing. */
	assert_int_equal(cpu_on(1, 0x40000000ULL, 0), PSCI_RET_ON_PENDING);
	assert_int_equal(resets, 1);
	assert_int_equal(starts, 1);
}

static void cpu_on_refused_leaves_the_target_off(void **state)
{
	assert_int_equal(cpu_on(1, 0x1000, 0), PSCI_RET_INVALID_ADDRESS);
	assert_int_equal(cpu1.state, VCPU_OFF);
	assert_int_equal(resets, 0);
	assert_int_equal(starts, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(cpu_on_writes_registers_before_the_target_is_runnable, setup),
		cmocka_unit_test_setup(cpu_on_refused_leaves_the_target_off, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
