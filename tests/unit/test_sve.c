/*
 * The guests' SVE state (arch/arm64/sve.c) on a fake CPU: sve_regs.S and
 * fpsimd.S replaced by copies between memory and a fake register file,
 * ZCR_ELx and CPTR_EL2 in the arch fake's system registers. The vector
 * length hyparm chooses, the first use (the live Q registers become the
 * low 128 bits of the Z registers, everything else zero), and switching
 * only for a vCPU that has used SVE.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <arch/cpu_features.h>
#include <arch/fake.h>
#include <arch/sve.h>
#include <arch/sysreg.h>
#include <arch/vcpu_arch.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>

#define CPTR_TZ BIT(8)
#define HW_VL 256 /* QEMU -cpu max: 2048 bits */
#define AREA_MAX (32 * HW_VL + 17 * HW_VL / 8)

void hv_printf(const char *fmt, ...)
{
	(void)fmt;
}

/* The fake CPU's SVE registers (in sve_regs.S's layout at the current VL) and Q registers. */
static u8 cpu_regs[AREA_MAX];
static u64 cpu_q[32][2];
static unsigned saves, restores;

void sve_save(void *area)
{
	memcpy(area, cpu_regs, sve_area_bytes());
	saves++;
}

void sve_restore(const void *area)
{
	memcpy(cpu_regs, area, sve_area_bytes());
	restores++;
}

u64 sve_rdvl(void)
{
	u64 asked = ((read_sysreg(ZCR_EL2) & 0xF) + 1) * 16;
	return asked < HW_VL ? asked : HW_VL;
}

void fpsimd_save(void *state)
{
	memcpy(((struct fpsimd_state *)state)->q, cpu_q, sizeof(cpu_q));
}

static struct vm vm;
static struct vcpu a, b;
static u8 area_a[AREA_MAX], area_b[AREA_MAX];

static int setup(void **state)
{
	arch_fake_reset(1, 4);
	arch_fake_sysregs_clear();
	write_sysreg(cptr_el2, CPTR_TZ); /* as arch_cpu_init_traps leaves it */
	cpu_feat = (struct cpu_features){ .sve = true };
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.vm = b.vm = &vm;
	saves = restores = 0;
	return 0;
}

/* Runs first: before any CPU chose a VL. */
static void without_sve_nothing_is_sized_or_live(void **state)
{
	cpu_feat = (struct cpu_features){ 0 };
	sve_cpu_init();
	assert_int_equal(sve_vl_bytes(), 0);
	assert_int_equal(sve_area_bytes(), 0);
	assert_false(sve_first_use(&a));
	assert_int_equal(read_sysreg(cptr_el2), CPTR_TZ);
}

static void the_vl_is_the_cpus_longest_capped_at_512_bits(void **state)
{
	sve_cpu_init();
	assert_int_equal(sve_vl_bytes(), SVE_VL_MAX_BYTES);
	assert_int_equal(read_sysreg(ZCR_EL2), SVE_VL_MAX_BYTES / 16 - 1);
	/* 32 Z of 64 bytes, 16 P and FFR of 8: one page. */
	assert_int_equal(sve_area_bytes(), 32 * 64 + 17 * 8);
	assert_int_equal(read_sysreg(cptr_el2), CPTR_TZ); /* trapped again for the guests */
}

static void first_use_keeps_the_q_registers_and_clears_the_rest(void **state)
{
	unsigned vl = sve_vl_bytes();

	a.arch.sve.regs = area_a; /* what core/vm.c allocates */
	memset(area_a, 0xEE, sizeof(area_a)); /* a previous life's */
	memset(cpu_regs, 0xBB, sizeof(cpu_regs)); /* another vCPU's */
	for (unsigned i = 0; i < 32; i++) {
		cpu_q[i][0] = 0x1111111111111111ULL * (i + 1);
		cpu_q[i][1] = ~cpu_q[i][0];
	}
	sve_vcpu_reset(&a);
	assert_true(sve_first_use(&a));
	assert_true(a.arch.sve.active);
	assert_int_equal(read_sysreg(cptr_el2) & CPTR_TZ, 0);
	assert_int_equal(read_sysreg(ZCR_EL1), 0); /* as KVM resets it */
	for (unsigned i = 0; i < 32; i++) {
		assert_memory_equal(cpu_regs + i * vl, cpu_q[i], 16);
		for (unsigned j = 16; j < vl; j++)
			assert_int_equal(cpu_regs[i * vl + j], 0);
	}
	for (unsigned j = 32 * vl; j < sve_area_bytes(); j++)
		assert_int_equal(cpu_regs[j], 0); /* P0-P15, FFR */
	assert_false(sve_first_use(&a)); /* active: an SVE trap now is not a first use */
}

static void only_a_vcpu_that_used_sve_is_switched(void **state)
{
	a.arch.sve.regs = area_a; /* what core/vm.c allocates */
	b.arch.sve.regs = area_b;
	sve_vcpu_reset(&a);
	sve_vcpu_reset(&b);
	assert_true(sve_first_use(&a));
	memset(cpu_regs, 0xA5, sve_area_bytes()); /* a's guest fills its registers */
	write_sysreg(ZCR_EL1, 1);
	sve_vcpu_put(&a);
	assert_int_equal(saves, 1);
	assert_int_equal(a.arch.sve.zcr_el1, 1);
	assert_int_equal(read_sysreg(cptr_el2), CPTR_TZ);
	/* b never used SVE: no copy either way, and it runs trapped. */
	unsigned r = restores;
	sve_vcpu_load(&b);
	sve_vcpu_put(&b);
	assert_int_equal(restores, r);
	assert_int_equal(saves, 1);
	assert_int_equal(read_sysreg(cptr_el2), CPTR_TZ);
	/* a back: its registers and ZCR_EL1, untrapped. */
	memset(cpu_regs, 0, sizeof(cpu_regs));
	write_sysreg(ZCR_EL1, 0);
	sve_vcpu_load(&a);
	assert_int_equal(read_sysreg(cptr_el2) & CPTR_TZ, 0);
	assert_int_equal(read_sysreg(ZCR_EL1), 1);
	for (unsigned j = 0; j < sve_area_bytes(); j++)
		assert_int_equal(cpu_regs[j], 0xA5);
	/* A reset vCPU is inactive again (its next SVE instruction traps). */
	sve_vcpu_put(&a);
	sve_vcpu_reset(&a);
	assert_false(a.arch.sve.active);
	assert_int_equal(a.arch.sve.zcr_el1, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(without_sve_nothing_is_sized_or_live, setup),
		cmocka_unit_test_setup(the_vl_is_the_cpus_longest_capped_at_512_bits, setup),
		cmocka_unit_test_setup(first_use_keeps_the_q_registers_and_clears_the_rest, setup),
		cmocka_unit_test_setup(only_a_vcpu_that_used_sve_is_switched, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
