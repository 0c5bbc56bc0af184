/*
 * Which optional registers hyparm switches or traps, decided from the ID
 * registers (arch/arm64/cpu_features.c), and what the guest is told about
 * them (arch/arm64/id_regs.c). The ID values are QEMU 7.2's, read at EL2.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arch/cpu_features.h>
#include <arch/mte.h>
#include <arch/sysreg_emul.h>

/* QEMU 7.2 -cpu max: RAS 2, SME 1, CSV2 2, LORegions, HCX; no SPE, TRF, AMU, LS64. */
#define MAX_PFR0 0x1201001121110222ULL
#define MAX_PFR1 0x1000021ULL
#define MAX_DFR0 0x10305609ULL
#define MAX_ISAR1 0x11111110211102ULL
#define MAX_MMFR1 0x11010211122ULL
/* QEMU 7.2 -cpu cortex-a57: ARMv8.0, none of them. */
#define A57_PFR0 0x1000222ULL
#define A57_DFR0 0x10305106ULL

/* id_regs.c's hardware half, absent on the host: zero, as a CPU with nothing would read, but for the PFR1 a test sets. */
static u64 fake_pfr1;
u64 arch_id_reg_read(unsigned crm, unsigned op2)
{
	return crm == 4 && op2 == 1 ? fake_pfr1 : 0;
}

static void cpu_max_switches_tpidr2_and_vdisr_and_traps_lor_and_ras(void **state)
{
	struct cpu_features f;

	cpu_features_decode(&f, MAX_PFR0, MAX_PFR1, MAX_DFR0, MAX_ISAR1, 0, MAX_MMFR1);
	assert_true(f.tpidr2);
	assert_true(f.vdisr);
	assert_false(f.accdata);
	assert_true(f.el1_extra);
	assert_true(f.hcx);
	assert_int_equal(f.hcr_traps, HCR_TLOR | HCR_TERR_F);
	assert_int_equal(f.mdcr_traps, 0);
	assert_int_equal(f.cptr_traps, 0);
	/* SVE 1 and the IMPLEMENTATION DEFINED algorithm (pauth-impdef=on): both switched once used. */
	assert_true(f.sve);
	assert_true(f.pauth);
}

static void cortex_a57_adds_nothing_to_the_switch(void **state)
{
	struct cpu_features f;

	cpu_features_decode(&f, A57_PFR0, 0, A57_DFR0, 0, 0, 0);
	assert_false(f.el1_extra);
	assert_false(f.tpidr2 || f.vdisr || f.accdata || f.hcx);
	assert_false(f.sve || f.pauth);
	assert_int_equal(f.hcr_traps | f.mdcr_traps | f.cptr_traps, 0);
}

static void each_optional_feature_sets_its_own_control(void **state)
{
	struct cpu_features f;

	cpu_features_decode(&f, 0, 0, 0, 3ULL << 60, 0, 0); /* LS64_ACCDATA */
	assert_true(f.accdata && f.el1_extra);
	cpu_features_decode(&f, 0, 0, 0, 2ULL << 60, 0, 0); /* LS64_V: no ACCDATA_EL1 */
	assert_false(f.accdata || f.el1_extra);
	cpu_features_decode(&f, 0, 0, 1ULL << 32, 0, 0, 0); /* SPE */
	assert_int_equal(f.mdcr_traps, MDCR_TPMS);
	cpu_features_decode(&f, 0, 0, 1ULL << 40, 0, 0, 0); /* TraceFilt */
	assert_int_equal(f.mdcr_traps, MDCR_TTRF);
	cpu_features_decode(&f, 1ULL << 44, 0, 0, 0, 0, 0); /* AMU */
	assert_int_equal(f.cptr_traps, CPTR_TAM);
	cpu_features_decode(&f, 1ULL << 32, 0, 0, 0, 0, 0); /* SVE */
	assert_true(f.sve && !f.pauth);
	/* Pointer authentication by any of its six fields: APA, API, GPA, GPI (ISAR1), APA3, GPA3 (ISAR2). */
	static const struct {
		u64 isar1, isar2;
	} pauth_fields[] = { { 5ULL << 4, 0 },	{ 1ULL << 8, 0 },  { 1ULL << 24, 0 },
			     { 1ULL << 28, 0 }, { 0, 3ULL << 12 }, { 0, 1ULL << 8 } };
	for (unsigned i = 0; i < sizeof(pauth_fields) / sizeof(pauth_fields[0]); i++) {
		cpu_features_decode(&f, 0, 0, 0, pauth_fields[i].isar1, pauth_fields[i].isar2, 0);
		assert_true(f.pauth && !f.sve);
	}
	/* ISAR2's other fields (WFxT, RPRES, MOPS...) are not pointer authentication. */
	cpu_features_decode(&f, 0, 0, 0, 0, 0xFF00FFULL, 0);
	assert_false(f.pauth);
}

/* SVE and pointer authentication are switched with the vCPU: advertised exactly as the CPU has them. */
static void sve_and_pauth_advertised_as_the_cpu_has_them(void **state)
{
	/* -cpu max: SVE 1 kept; cortex-a57: none to show. */
	assert_int_equal((id_reg_sanitize(SYS_ID_AA64PFR0_EL1, MAX_PFR0) >> 32) & 0xF, 1);
	assert_int_equal((id_reg_sanitize(SYS_ID_AA64PFR0_EL1, A57_PFR0) >> 32) & 0xF, 0);
	/* ZFR0 (SVE2, AES, BitPerm, BF16, SHA3, SM4, I8MM, F32MM, F64MM) as it is; zero without SVE. */
	assert_int_equal(id_reg_sanitize(SYS_ID_AA64ZFR0_EL1, 0x0110110000110011ULL), 0x0110110000110011ULL);
	assert_int_equal(id_reg_sanitize(SYS_ID_AA64ZFR0_EL1, 0), 0);
	/* ISAR1: API 1 and GPI 1 (impdef), or APA 5 and GPA 1 (QARMA5 with FPACCombined): kept. */
	u64 isar1 = id_reg_sanitize(SYS_ID_AA64ISAR1_EL1, MAX_ISAR1);
	assert_int_equal((isar1 >> 8) & 0xF, 1);
	assert_int_equal((isar1 >> 28) & 0xF, 1);
	u64 qarma5 = (5ULL << 4) | (1ULL << 24);
	assert_int_equal(id_reg_sanitize(SYS_ID_AA64ISAR1_EL1, qarma5 | (3ULL << 60)),
			 qarma5); /* LS64 still hidden */
	/* ISAR2: APA3 and GPA3 (QARMA3) kept. */
	assert_int_equal(id_reg_sanitize(SYS_ID_AA64ISAR2_EL1, (3ULL << 12) | (1ULL << 8)),
			 (3ULL << 12) | (1ULL << 8));
	/* A CPU without them: nothing to advertise. */
	assert_int_equal(id_reg_sanitize(SYS_ID_AA64ISAR1_EL1, 0), 0);
	/* SME stays hidden (its streaming mode is not switched). */
	assert_int_equal((id_reg_sanitize(SYS_ID_AA64PFR1_EL1, MAX_PFR1) >> 24) & 0xF, 0);
	assert_int_equal(id_reg_sanitize(SYS_ID_AA64SMFR0_EL1, ~0ULL), 0);
}

static void guest_is_not_promised_what_traps(void **state)
{
	/* CSV2 2 promises SCXTNUM_ELx (trapped): the guest sees CSV2 1; CSV2_frac hidden. */
	u64 pfr0 = id_reg_sanitize(SYS_ID_AA64PFR0_EL1, MAX_PFR0);
	assert_int_equal((pfr0 >> 56) & 0xF, 1);
	assert_int_equal((pfr0 >> 28) & 0xF, 0); /* RAS */
	assert_int_equal((pfr0 >> 60) & 0xF, 1); /* CSV3 kept */
	assert_int_equal(id_reg_sanitize(SYS_ID_AA64PFR0_EL1, A57_PFR0),
			 A57_PFR0 & ~0xF00ULL); /* only EL2 hidden */
	u64 pfr1 = id_reg_sanitize(SYS_ID_AA64PFR1_EL1, MAX_PFR1 | (2ULL << 32));
	assert_int_equal((pfr1 >> 24) & 0xF, 0); /* SME */
	assert_int_equal((pfr1 >> 32) & 0xF, 0); /* CSV2_frac */
	/* LORegions trap (HCR_EL2.TLOR): LO hidden. VH and HCX hidden as before; PAN kept. */
	u64 mmfr1 = id_reg_sanitize(SYSREG_ENC(3, 0, 0, 7, 1), MAX_MMFR1);
	assert_int_equal((mmfr1 >> 16) & 0xF, 0);
	assert_int_equal((mmfr1 >> 8) & 0xF, 0);
	assert_int_equal((mmfr1 >> 40) & 0xF, 0);
	assert_int_equal((mmfr1 >> 20) & 0xF, 2);
	/* LS64 hidden: ACCDATA_EL1 is switched, not offered. */
	assert_int_equal(id_reg_sanitize(SYS_ID_AA64ISAR1_EL1, 3ULL << 60), 0);
}

/* QEMU 7.2 -cpu max on virt,mte=on: MTE 3 (MTE3, asymmetric checks), MTE_frac 0. */
#define MAX_MTE_PFR1 (MAX_PFR1 | (3ULL << 8))

static void mte_counts_only_with_tag_storage(void **state)
{
	struct cpu_features f;

	cpu_features_decode(&f, MAX_PFR0, MAX_MTE_PFR1, MAX_DFR0, MAX_ISAR1, 0, MAX_MMFR1);
	assert_true(f.mte);
	cpu_features_decode(&f, 0, 2ULL << 8, 0, 0, 0, 0); /* MTE2 */
	assert_true(f.mte);
	cpu_features_decode(&f, 0, 1ULL << 8, 0, 0, 0, 0); /* MTE 1: the instructions, no tags */
	assert_false(f.mte);
	cpu_features_decode(&f, MAX_PFR0, MAX_PFR1, MAX_DFR0, MAX_ISAR1, 0,
			    MAX_MMFR1); /* max without mte=on */
	assert_false(f.mte);
	cpu_features_decode(&f, A57_PFR0, 0, A57_DFR0, 0, 0, 0);
	assert_false(f.mte);
}

static void mte_advertised_as_the_cpu_has_it_per_vm(void **state)
{
	/* The CPU's MTE level and MTE_frac where it has tags; MTEX (canonical tags) never. */
	u64 hw = MAX_MTE_PFR1 | (0xFULL << 40) | (1ULL << 52);
	u64 pfr1 = id_reg_sanitize(SYS_ID_AA64PFR1_EL1, hw);
	assert_int_equal((pfr1 >> 8) & 0xF, 3);
	assert_int_equal((pfr1 >> 40) & 0xF, 0xF);
	assert_int_equal((pfr1 >> 52) & 0xF, 0);
	assert_int_equal(pfr1 & 0xFF, MAX_PFR1 & 0xFF); /* BT and SSBS as they were */
	/* A VM without MTE: MTE and MTE_frac gone, the rest unchanged; other registers untouched. */
	u64 off = id_reg_vm_view(SYS_ID_AA64PFR1_EL1, pfr1, false);
	assert_int_equal(off, pfr1 & ~((0xFULL << 8) | (0xFULL << 40)));
	assert_int_equal(id_reg_vm_view(SYS_ID_AA64PFR1_EL1, pfr1, true), pfr1);
	assert_int_equal(id_reg_vm_view(SYS_ID_AA64PFR0_EL1, MAX_PFR0, false), MAX_PFR0);
	/* MTE 1 (no tag storage) is not offered at all. */
	pfr1 = id_reg_sanitize(SYS_ID_AA64PFR1_EL1, (1ULL << 8) | (0xFULL << 40));
	assert_int_equal(pfr1, 0);
	/* cortex-a57: nothing to show. */
	assert_int_equal(id_reg_vm_view(SYS_ID_AA64PFR1_EL1, id_reg_sanitize(SYS_ID_AA64PFR1_EL1, 0), true),
			 0);
}

/* What a trapped MRS of ID_AA64PFR1_EL1 gives a vCPU, by the exit's fast path and the table walk. */
static void a_vcpu_reads_its_vms_view(void **state)
{
	/* MRS x3, ID_AA64PFR1_EL1: op0 3, op2 1, CRm 4, Rt 3, read. */
	u32 iss = (3u << 20) | (1u << 17) | (3u << 5) | (4u << 1) | 1u;
	static struct vcpu v;

	assert_true(sysreg_iss_is_id_read(iss));
	fake_pfr1 = MAX_MTE_PFR1;
	id_regs_init();
	v.arch.hcr_el2 = HCR_ATA;
	sysreg_fast_id_read(&v, iss);
	assert_int_equal((v.arch.regs.x[3] >> 8) & 0xF, 3);
	assert_int_equal(id_reg_vcpu_value(&v, SYS_ID_AA64PFR1_EL1), v.arch.regs.x[3]);
	v.arch.hcr_el2 = 0; /* a VM without MTE on the same CPU */
	sysreg_fast_id_read(&v, iss);
	assert_int_equal((v.arch.regs.x[3] >> 8) & 0xF, 0);
	assert_int_equal(v.arch.regs.x[3], MAX_PFR1 & ~(0xFULL << 24)); /* SME hidden as ever */
	assert_int_equal(id_reg_vcpu_value(&v, SYS_ID_AA64PFR1_EL1), v.arch.regs.x[3]);
	fake_pfr1 = 0;
	id_regs_init();
}

static void ata_only_where_the_cpu_has_tags_and_the_vm_may(void **state)
{
	assert_int_equal(mte_hcr_bits(true, true), HCR_ATA);
	assert_int_equal(mte_hcr_bits(true, false), 0); /* manifest no-mte */
	assert_int_equal(mte_hcr_bits(false, true), 0); /* no tag storage */
	assert_int_equal(mte_hcr_bits(false, false), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cpu_max_switches_tpidr2_and_vdisr_and_traps_lor_and_ras),
		cmocka_unit_test(cortex_a57_adds_nothing_to_the_switch),
		cmocka_unit_test(each_optional_feature_sets_its_own_control),
		cmocka_unit_test(guest_is_not_promised_what_traps),
		cmocka_unit_test(mte_counts_only_with_tag_storage),
		cmocka_unit_test(mte_advertised_as_the_cpu_has_it_per_vm),
		cmocka_unit_test(ata_only_where_the_cpu_has_tags_and_the_vm_may),
		cmocka_unit_test(a_vcpu_reads_its_vms_view),
		cmocka_unit_test(sve_and_pauth_advertised_as_the_cpu_has_them),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
