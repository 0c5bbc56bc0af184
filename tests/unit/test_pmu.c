/*
 * The guest's PMU (arch/arm64/pmu.c) on the fake CPU's PMU: the lazy
 * switch (only a vCPU that used the PMU pays), what each vCPU sees of the
 * others' counters (nothing), event filters that never count EL2, the
 * counters and PMUVer advertised, and the overflow line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <arch/cache.h>
#include <arch/fake_pmu.h>
#include <arch/pmu.h>
#include <arch/sysreg_emul.h>
#include <hyparm/vm.h>

bool vm_dcache_clean_inval_step(struct vm *vm, u64 *off)
{
	return true;
}

/* cortex-a57 as QEMU models it: PMUVer 1 (PMUv3), DebugVer 6. */
static u64 dfr0 = 0x10305106ULL;
u64 arch_id_reg_read(unsigned crm, unsigned op2)
{
	return crm == 5 && op2 == 0 ? dfr0 : 0;
}

static struct vm vm;
static struct vcpu a, b;

static int setup(void **state)
{
	memset(&vm, 0, sizeof(vm));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.vm = b.vm = &vm;
	b.id = 1;
	dfr0 = 0x10305106ULL;
	fake_pmu_reset();
	pmu_vcpu_reset(&a);
	pmu_vcpu_reset(&b);
	pmu_vcpu_wire_irq(&a);
	pmu_vcpu_wire_irq(&b);
	id_regs_init();
	pmu_hw_cpu_init();
	return 0;
}

static struct exit_info sysreg(u32 enc, unsigned rt, bool read)
{
	struct exit_info e = { .kind = EXIT_SYSREG };
	e.u.sysreg.op0 = (enc >> 19) & 3;
	e.u.sysreg.op1 = (enc >> 16) & 7;
	e.u.sysreg.crn = (enc >> 12) & 0xF;
	e.u.sysreg.crm = (enc >> 8) & 0xF;
	e.u.sysreg.op2 = (enc >> 5) & 7;
	e.u.sysreg.rt = rt;
	e.u.sysreg.read = read;
	e.u.sysreg.enc = enc;
	return e;
}

#define PMCR SYSREG_ENC(3, 3, 9, 12, 0)
#define PMCNTENSET SYSREG_ENC(3, 3, 9, 12, 1)
#define PMCNTENCLR SYSREG_ENC(3, 3, 9, 12, 2)
#define PMOVSCLR SYSREG_ENC(3, 3, 9, 12, 3)
#define PMSWINC SYSREG_ENC(3, 3, 9, 12, 4)
#define PMSELR SYSREG_ENC(3, 3, 9, 12, 5)
#define PMCEID0 SYSREG_ENC(3, 3, 9, 12, 6)
#define PMCCNTR SYSREG_ENC(3, 3, 9, 13, 0)
#define PMXEVTYPER SYSREG_ENC(3, 3, 9, 13, 1)
#define PMXEVCNTR SYSREG_ENC(3, 3, 9, 13, 2)
#define PMUSERENR SYSREG_ENC(3, 3, 9, 14, 0)
#define PMINTENSET SYSREG_ENC(3, 0, 9, 14, 1)
#define PMOVSSET SYSREG_ENC(3, 3, 9, 14, 3)
#define PMMIR SYSREG_ENC(3, 0, 9, 14, 6)
#define PMEVCNTR(n) SYSREG_ENC(3, 3, 14, 8 + ((n) >> 3), (n)&7)
#define PMEVTYPER(n) SYSREG_ENC(3, 3, 14, 12 + ((n) >> 3), (n)&7)
#define PMCCFILTR PMEVTYPER(31)

static enum sysreg_result msr(struct vcpu *v, u32 enc, u64 val)
{
	struct exit_info e = sysreg(enc, 3, false);
	v->arch.regs.x[3] = val;
	return sysreg_emulate(v, &e);
}

static enum sysreg_result mrs_r(struct vcpu *v, u32 enc)
{
	struct exit_info e = sysreg(enc, 4, true);
	return sysreg_emulate(v, &e);
}

static u64 mrs(struct vcpu *v, u32 enc)
{
	v->arch.regs.x[4] = 0xBAD;
	assert_int_equal(mrs_r(v, enc), SYSREG_DONE);
	return v->arch.regs.x[4];
}

static void switch_vcpu(struct vcpu *from, struct vcpu *to)
{
	pmu_vcpu_put(from);
	pmu_vcpu_load(to);
}

static void advertised_pmu_is_the_cpus_capped_at_pmuv3p1(void **state)
{
	assert_true(pmu_present());
	assert_int_equal(pmu_nr_counters(), 6);
	assert_int_equal((id_reg_guest_value(SYS_ID_AA64DFR0_EL1) >> 8) & 0xF, 1);
	assert_int_equal((id_reg_sanitize(SYS_ID_AA64DFR0_EL1, 0x706) >> 8) & 0xF, 4); /* PMUv3p7 as p1 */
	assert_int_equal((id_reg_sanitize(SYS_ID_AA64DFR0_EL1, 0xF06) >> 8) & 0xF, 0); /* IMPDEF PMU: none */
	assert_int_equal((mrs(&a, PMCR) >> PMCR_N_SHIFT) & 0x1F, 6);
	assert_int_equal(mrs(&a, PMCEID0), 0x6FFF0FFF);
	/* Counters the CPU lacks do not exist, nor does PMMIR_EL1 (PMUv3p4). */
	assert_int_equal(mrs_r(&a, PMEVCNTR(6)), SYSREG_UNDEF);
	assert_int_equal(msr(&a, PMEVTYPER(30), 0x11), SYSREG_UNDEF);
	assert_int_equal(mrs_r(&a, PMMIR), SYSREG_UNDEF);
	assert_int_equal(msr(&a, PMCEID0, 0), SYSREG_UNDEF);
	assert_int_equal(mrs_r(&a, PMSWINC), SYSREG_UNDEF);
	msr(&a, PMSELR, 6);
	assert_int_equal(mrs_r(&a, PMXEVCNTR), SYSREG_UNDEF);
}

static void without_a_pmu_every_access_is_undefined(void **state)
{
	dfr0 = 0x10305006ULL; /* PMUVer 0 */
	id_regs_init();
	assert_false(pmu_present());
	assert_int_equal(mrs_r(&a, PMCR), SYSREG_UNDEF);
	assert_int_equal(msr(&a, PMCCNTR, 1), SYSREG_UNDEF);
	assert_false(a.arch.pmu.active);
}

static void a_vcpu_that_never_used_the_pmu_pays_nothing(void **state)
{
	fake_pmu.writes = 0;
	for (int i = 0; i < 3; i++) {
		switch_vcpu(&a, &b);
		switch_vcpu(&b, &a);
	}
	assert_int_equal(fake_pmu.writes, 0);
	assert_false(a.arch.pmu.active);
}

static void event_filters_never_count_el2(void **state)
{
	/* P U NSK NSU NSH M MT SH, event 0x11: everything but the EL1/EL0 filters and the event dropped. */
	msr(&a, PMEVTYPER(2), 0xFF000011);
	assert_int_equal(fake_pmu.reg[PMU_EVTYPER0 + 2], 0xF0000011);
	msr(&a, PMCCFILTR, 0x08000000); /* NSH: count EL2 */
	assert_int_equal(fake_pmu.reg[PMU_CCFILTR], 0);
	msr(&a, PMSELR, 31);
	msr(&a, PMXEVTYPER, 0xC8000000);
	assert_int_equal(fake_pmu.reg[PMU_CCFILTR], 0xC0000000);
	msr(&a, PMSELR, 3);
	msr(&a, PMXEVTYPER, 0x0800ABCD);
	assert_int_equal(fake_pmu.reg[PMU_EVTYPER0 + 3], 0xABCD);
	assert_int_equal(mrs(&a, PMEVTYPER(3)), 0xABCD);
	/* A switch loads the sanitised value back, never the guest's NSH. */
	msr(&a, PMCR, PMCR_E);
	msr(&a, PMCNTENSET, 1);
	switch_vcpu(&a, &b);
	switch_vcpu(&b, &a);
	assert_int_equal(fake_pmu.reg[PMU_CCFILTR], 0xC0000000);
}

static void vcpus_do_not_see_each_others_counters(void **state)
{
	msr(&a, PMCCNTR, 0x123456789ULL);
	msr(&a, PMEVCNTR(1), 0x1FFFFFFFFULL); /* 32-bit counter */
	msr(&a, PMCR, PMCR_E | PMCR_LC | BIT(4) /* X: not for guests */);
	msr(&a, PMCNTENSET, BIT(31) | BIT(1) | BIT(7) /* no counter 7 */);
	assert_int_equal(mrs(&a, PMEVCNTR(1)), 0xFFFFFFFF);
	assert_int_equal(mrs(&a, PMCNTENSET), BIT(31) | BIT(1));
	assert_int_equal(mrs(&a, PMCR) & 0xFF, PMCR_E | PMCR_LC);
	switch_vcpu(&a, &b);
	/* Switched out, nothing of a counts or interrupts. */
	assert_int_equal(fake_pmu.reg[PMU_CR] & PMCR_E, 0);
	assert_int_equal(fake_pmu.reg[PMU_CNTEN], 0);
	/* b's first access loads b's own (reset) values. */
	assert_int_equal(mrs(&b, PMCCNTR), 0);
	assert_int_equal(mrs(&b, PMEVCNTR(1)), 0);
	assert_int_equal(mrs(&b, PMCNTENSET), 0);
	msr(&b, PMCCNTR, 42);
	switch_vcpu(&b, &a);
	assert_int_equal(mrs(&a, PMCCNTR), 0x123456789ULL);
	assert_int_equal(mrs(&a, PMEVCNTR(1)), 0xFFFFFFFF);
	assert_int_equal(mrs(&a, PMCR) & PMCR_E, PMCR_E);
	/* b stopped counting: back in memory, with its value. */
	assert_false(b.arch.pmu.active);
	assert_int_equal(b.arch.pmu.reg[PMU_CCNTR], 42);
	assert_true(a.arch.pmu.active);
}

static void set_clear_registers_and_swinc(void **state)
{
	msr(&a, PMCNTENSET, 0x7);
	msr(&a, PMCNTENCLR, 0x2);
	assert_int_equal(mrs(&a, PMCNTENSET), 0x5);
	msr(&a, PMOVSSET, BIT(31) | 1);
	msr(&a, PMOVSCLR, 1);
	assert_int_equal(mrs(&a, PMOVSSET), BIT(31));
	/* PMSWINC: enabled SW_INCR counters named count one; a wrap sets the overflow flag. */
	msr(&a, PMOVSCLR, ~0u);
	msr(&a, PMCNTENCLR, ~0u);
	msr(&a, PMCNTENSET, 0x3);
	msr(&a, PMEVTYPER(1), 0x11); /* not SW_INCR */
	msr(&a, PMEVCNTR(0), 0xFFFFFFFF);
	msr(&a, PMSWINC, 0xFF);
	assert_int_equal(mrs(&a, PMEVCNTR(0)), 0xFFFFFFFF); /* PMCR_EL0.E clear: nothing counts */
	msr(&a, PMCR, PMCR_E);
	msr(&a, PMSWINC, 0xFF);
	assert_int_equal(mrs(&a, PMEVCNTR(0)), 0);
	assert_int_equal(mrs(&a, PMEVCNTR(1)), 0);
	assert_int_equal(mrs(&a, PMEVCNTR(2)), 0); /* counter 2 not enabled */
	assert_int_equal(mrs(&a, PMOVSSET), 1);
	msr(&a, PMSWINC, 1);
	assert_int_equal(mrs(&a, PMEVCNTR(0)), 1);
	msr(&a, PMUSERENR, 0xFF);
	assert_int_equal(mrs(&a, PMUSERENR), 0xF);
}

static void overflow_line_follows_enable_flag_and_interrupt_enable(void **state)
{
	assert_false(pmu_overflow_line(&a, true));
	msr(&a, PMOVSSET, BIT(31));
	assert_false(pmu_overflow_line(&a, true)); /* interrupt not enabled */
	msr(&a, PMINTENSET, BIT(31));
	assert_false(pmu_overflow_line(&a, true)); /* PMCR_EL0.E clear */
	msr(&a, PMCR, PMCR_E);
	msr(&a, PMCNTENSET, BIT(31));
	assert_true(pmu_overflow_line(&a, true));
	/* Switched out, its saved registers say the same, and the CPU has nothing pending. */
	switch_vcpu(&a, &b);
	assert_true(pmu_overflow_line(&a, false));
	assert_int_equal(fake_pmu.reg[PMU_OVS], 0);
	assert_int_equal(fake_pmu.reg[PMU_INTEN], 0);
	assert_false(pmu_overflow_line(&b, true));
	switch_vcpu(&b, &a);
	msr(&a, PMOVSCLR, BIT(31));
	assert_false(pmu_overflow_line(&a, true));
}

static void without_an_interrupt_line_inten_is_raz_wi(void **state)
{
	struct vcpu c = { .vm = &vm, .id = 2 };

	pmu_vcpu_reset(&c); /* a VM without the arm-pmu device */
	msr(&c, PMCR, PMCR_E);
	msr(&c, PMINTENSET, BIT(31) | 1);
	assert_int_equal(mrs(&c, PMINTENSET), 0);
	msr(&c, PMOVSSET, 1);
	assert_false(pmu_overflow_line(&c, true));
	/* A reset keeps the wiring of a VM that has the device. */
	pmu_vcpu_reset(&a);
	msr(&a, PMINTENSET, 1);
	assert_int_equal(mrs(&a, PMINTENSET), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(advertised_pmu_is_the_cpus_capped_at_pmuv3p1, setup),
		cmocka_unit_test_setup(without_a_pmu_every_access_is_undefined, setup),
		cmocka_unit_test_setup(a_vcpu_that_never_used_the_pmu_pays_nothing, setup),
		cmocka_unit_test_setup(event_filters_never_count_el2, setup),
		cmocka_unit_test_setup(vcpus_do_not_see_each_others_counters, setup),
		cmocka_unit_test_setup(set_clear_registers_and_swinc, setup),
		cmocka_unit_test_setup(overflow_line_follows_enable_flag_and_interrupt_enable, setup),
		cmocka_unit_test_setup(without_an_interrupt_line_inten_is_raz_wi, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
