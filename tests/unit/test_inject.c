/*
 * Exception injection (arch/arm64/inject.c) on the host: its system
 * registers are the arch fake's register file (arch/host/include/arch/
 * sysreg.h), which plays the CPU with the guest's EL1 state loaded. This
 * binary links the fake without its own inject_* (ARCH_FAKE_NOINJECT_SRCS).
 * Each test names the bug it catches.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <arch/esr.h>
#include <arch/fake.h>
#include <arch/inject.h>
#include <hyparm/vm.h>

#define VBAR 0xFFFF800010000000ULL
#define PC 0xFFFF800012345678ULL
#define PSR_PAN BIT(22)
#define SCTLR_SPAN BIT(23)
#define MODE_EL0T 0x0
#define MODE_EL1T 0x4
#define MODE_EL1H 0x5
#define MODE_A32_USR 0x10
#define SENTINEL 0x5A5A5A5A5A5A5A5AULL

static struct vcpu vcpu;

static int setup(void **state)
{
	arch_fake_reset(1, 4);
	memset(&vcpu, 0, sizeof(vcpu));
	arch_fake_sysreg_write("vbar_el1", VBAR);
	arch_fake_sysreg_write("id_aa64mmfr1_el1", 1ULL << 20); /* PAN implemented */
	arch_fake_sysreg_write("sctlr_el1", SCTLR_SPAN); /* PAN left alone unless a test says */
	arch_fake_sysreg_write("far_el1", SENTINEL);
	vcpu.arch.regs.elr = PC;
	return 0;
}

static u64 reg(const char *name)
{
	return arch_fake_sysreg_read(name);
}

static void from(u64 spsr)
{
	vcpu.arch.regs.spsr = spsr;
	vcpu.arch.regs.elr = PC;
}

/*
 * The VBAR_EL1 slot by where the exception came from (ARM ARM D1.10.2).
 * Catches: EL1t and EL1h swapped, AArch32 EL0 sent to the AArch64 slot.
 */
static void vector_by_source_el_sp_and_width(void **state)
{
	static const struct {
		u64 spsr;
		u64 off;
	} cases[] = {
		{ MODE_EL1T, 0x000 },
		{ MODE_EL1H, 0x200 },
		{ MODE_EL0T, 0x400 },
		{ MODE_A32_USR, 0x600 },
		{ MODE_EL1H | SPSR_DAIF, 0x200 },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		from(cases[i].spsr);
		assert_true(inject_undef(&vcpu));
		assert_int_equal(vcpu.arch.regs.elr, VBAR + cases[i].off);
		assert_int_equal(vcpu.injected_elr, VBAR + cases[i].off);
	}
}

/*
 * ESR_EL1 has the class for the EL it came from, IL, the ISS; FAR_EL1
 * only for aborts; ELR_EL1/SPSR_EL1 the interrupted context. Catches:
 * the lower-EL class from EL1 (the guest's handler takes it for a user
 * fault), FAR clobbered by an UNDEF, the return address lost.
 */
static void syndrome_and_return_state(void **state)
{
	from(MODE_EL1H | PSR_PAN);
	assert_true(inject_undef(&vcpu));
	assert_int_equal(reg("esr_el1"), ((u64)EC_UNKNOWN << ESR_EC_SHIFT) | ESR_IL);
	assert_int_equal(reg("far_el1"), SENTINEL);
	assert_int_equal(reg("elr_el1"), PC);
	assert_int_equal(reg("spsr_el1"), MODE_EL1H | PSR_PAN);

	from(MODE_EL1H);
	assert_true(inject_dabt_sea(&vcpu, 0x1234000));
	assert_int_equal(reg("esr_el1"), ((u64)EC_DABT_CUR << ESR_EC_SHIFT) | ESR_IL | FSC_SEA);
	assert_int_equal(reg("far_el1"), 0x1234000);
	from(MODE_EL0T);
	assert_true(inject_dabt_sea(&vcpu, 0x4000));
	assert_int_equal(reg("esr_el1"), ((u64)EC_DABT_LOW << ESR_EC_SHIFT) | ESR_IL | FSC_SEA);
	assert_int_equal(reg("spsr_el1"), MODE_EL0T);
	from(MODE_EL0T);
	assert_true(inject_iabt_sea(&vcpu, 0x8000));
	assert_int_equal(reg("esr_el1"), ((u64)EC_IABT_LOW << ESR_EC_SHIFT) | ESR_IL | FSC_SEA);
	assert_int_equal(reg("far_el1"), 0x8000);
	from(MODE_EL1T);
	assert_true(inject_iabt_sea(&vcpu, 0x9000));
	assert_int_equal(reg("esr_el1"), ((u64)EC_IABT_CUR << ESR_EC_SHIFT) | ESR_IL | FSC_SEA);
	assert_int_equal(reg("elr_el1"), PC);
}

/*
 * The guest resumes in EL1h with D, A, I, F masked; PAN set on entry when
 * SCTLR_EL1.SPAN = 0 and the CPU has PAN; with SPAN = 1 PAN keeps its
 * value (ARM ARM: "left unchanged"). Catches: interrupts unmasked in
 * the guest's vector, a user-access hole (PAN cleared for a kernel that
 * relies on SPAN = 1 keeping it), PAN set on a CPU without it (RES0).
 */
static void pstate_masked_el1h_and_pan(void **state)
{
	from(MODE_EL0T);
	arch_fake_sysreg_write("sctlr_el1", 0);
	assert_true(inject_undef(&vcpu));
	assert_int_equal(vcpu.arch.regs.spsr, SPSR_DAIF | SPSR_MODE_EL1H | PSR_PAN);

	arch_fake_sysreg_write("sctlr_el1", SCTLR_SPAN);
	from(MODE_EL1H);
	assert_true(inject_undef(&vcpu));
	assert_int_equal(vcpu.arch.regs.spsr, SPSR_DAIF | SPSR_MODE_EL1H);
	from(MODE_EL1H | PSR_PAN);
	assert_true(inject_undef(&vcpu));
	assert_int_equal(vcpu.arch.regs.spsr, SPSR_DAIF | SPSR_MODE_EL1H | PSR_PAN);

	arch_fake_sysreg_write("id_aa64mmfr1_el1", 0); /* no PAN */
	arch_fake_sysreg_write("sctlr_el1", 0);
	from(MODE_EL1H);
	assert_true(inject_undef(&vcpu));
	assert_int_equal(vcpu.arch.regs.spsr, SPSR_DAIF | SPSR_MODE_EL1H);
}

/*
 * Faulting at the vector the previous injection sent the guest to is a
 * loop: refused, and nothing of the guest's EL1 state is overwritten (the
 * crash report shows the first fault). Elsewhere, or with no previous
 * injection, it goes ahead. Catches: a VM spinning between its vector
 * and EL2, the first fault's ESR/ELR lost.
 */
static void exception_loop_is_refused(void **state)
{
	from(MODE_EL1H);
	arch_fake_sysreg_write("esr_el2", 0x92000010);
	arch_fake_sysreg_write("far_el2", 0x1234);
	u64 pc = vcpu.arch.regs.elr;
	assert_true(inject_undef(&vcpu));
	u64 vector = vcpu.arch.regs.elr;
	/* What caused the injection is kept for a loop's report. */
	assert_int_equal(vcpu.injected_for_esr, 0x92000010);
	assert_int_equal(vcpu.injected_for_far, 0x1234);
	assert_int_equal(vcpu.injected_for_pc, pc);
	/* The next exit (core/exit.c does this). */
	vcpu.prev_injected_elr = vcpu.injected_elr;
	vcpu.injected_elr = 0;
	arch_fake_sysreg_write("esr_el1", SENTINEL);
	arch_fake_sysreg_write("elr_el1", SENTINEL);
	assert_false(inject_dabt_sea(&vcpu, 0x10));
	assert_int_equal(vcpu.arch.regs.elr, vector);
	assert_int_equal(reg("esr_el1"), SENTINEL);
	assert_int_equal(reg("elr_el1"), SENTINEL);
	assert_int_equal(reg("far_el1"), SENTINEL);
	assert_int_equal(vcpu.injected_for_pc, pc); /* the refused one does not overwrite the first fault */

	vcpu.arch.regs.elr = vector + 4; /* the vector ran an instruction, then faulted */
	assert_true(inject_undef(&vcpu));
	vcpu.prev_injected_elr = 0; /* an exit in between without injection */
	vcpu.injected_elr = 0;
	assert_true(inject_undef(&vcpu));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(vector_by_source_el_sp_and_width, setup),
		cmocka_unit_test_setup(syndrome_and_return_state, setup),
		cmocka_unit_test_setup(pstate_masked_el1h_and_pan, setup),
		cmocka_unit_test_setup(exception_loop_is_refused, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
