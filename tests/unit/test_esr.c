/* ESR_EL2 decoding: ESR values are built by hand from the ARM ARM field layout. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <arch/esr.h>

/* EC bits [31:26], IL bit [25], ISS bits [24:0]. */
static u64 mk_esr(unsigned ec, bool il, u32 iss)
{
	return ((u64)ec << 26) | ((u64)il << 25) | (iss & 0x1FFFFFF);
}

/* ISS of a trapped MSR/MRS (EC 0x18): Op0[21:20] Op2[19:17] Op1[16:14] CRn[13:10] Rt[9:5] CRm[4:1] Dir[0]. */
static u32 sys_iss(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2, unsigned rt,
		   bool read)
{
	return (op0 << 20) | (op2 << 17) | (op1 << 14) | (crn << 10) | (rt << 5) | (crm << 1) | read;
}

/* ISS of a data abort: ISV[24] SAS[23:22] SSE[21] SRT[20:16] SF[15] CM[8] S1PTW[7] WnR[6] DFSC[5:0]. */
static u32 dabt_iss(bool isv, unsigned sas, bool sse, unsigned srt, bool sf, bool wnr, unsigned dfsc)
{
	return ((u32)isv << 24) | (sas << 22) | ((u32)sse << 21) | (srt << 16) | ((u32)sf << 15) |
		((u32)wnr << 6) | dfsc;
}

/* HPFAR_EL2.FIPA[43:4] = IPA[51:12]. */
static u64 hpfar_of(u64 ipa)
{
	return (ipa >> 12) << 4;
}

static struct exit_info e;

static int setup(void **state)
{
	memset(&e, 0xA5, sizeof(e));
	return 0;
}

static void wfi_and_wfe(void **state)
{
	u64 wfi = mk_esr(EC_WFX, true, 0);
	u64 wfe = mk_esr(EC_WFX, true, 1);

	assert_int_equal(wfi, 0x06000000);
	assert_int_equal(esr_decode(wfi, 0, 0, &e), EXIT_WFX);
	assert_int_equal(e.kind, EXIT_WFX);
	assert_int_equal(e.ec, EC_WFX);
	assert_int_equal(e.iss, 0);
	assert_int_equal(e.esr, wfi);
	assert_true(e.il32);
	assert_false(e.u.wfx.is_wfe);

	assert_int_equal(esr_decode(wfe, 0, 0, &e), EXIT_WFX);
	assert_true(e.u.wfx.is_wfe);
	assert_int_equal(e.iss, 1);
}

static void hvc64_and_smc64_carry_the_immediate(void **state)
{
	assert_int_equal(esr_decode(mk_esr(EC_HVC64, true, 0x1234), 0, 0, &e), EXIT_HVC);
	assert_int_equal(e.ec, 0x16);
	assert_int_equal(e.u.call.imm, 0x1234);

	assert_int_equal(esr_decode(mk_esr(EC_HVC64, true, 0xFFFF), 0, 0, &e), EXIT_HVC);
	assert_int_equal(e.u.call.imm, 0xFFFF);

	assert_int_equal(esr_decode(mk_esr(EC_SMC64, true, 0), 0, 0, &e), EXIT_SMC);
	assert_int_equal(e.ec, 0x17);
	assert_int_equal(e.u.call.imm, 0);
	assert_int_equal(esr_decode(mk_esr(EC_SMC64, true, 0x00AB), 0, 0, &e), EXIT_SMC);
	assert_int_equal(e.u.call.imm, 0xAB);
}

static void mrs_trap_decodes_all_fields(void **state)
{
	/* MRS x5, ID_AA64PFR0_EL1 (3, 0, c0, c4, 0) */
	u64 esr = mk_esr(EC_SYS64, true, sys_iss(3, 0, 0, 4, 0, 5, true));

	assert_int_equal(esr, 0x623000A9ULL);
	assert_int_equal(esr_decode(esr, 0, 0, &e), EXIT_SYSREG);
	assert_int_equal(e.u.sysreg.op0, 3);
	assert_int_equal(e.u.sysreg.op1, 0);
	assert_int_equal(e.u.sysreg.crn, 0);
	assert_int_equal(e.u.sysreg.crm, 4);
	assert_int_equal(e.u.sysreg.op2, 0);
	assert_int_equal(e.u.sysreg.rt, 5);
	assert_true(e.u.sysreg.read);
	assert_int_equal(e.u.sysreg.enc, SYSREG_ENC(3, 0, 0, 4, 0));
}

static void msr_trap_decodes_all_fields(void **state)
{
	/* MSR with every field distinct and non-zero: op0 2, op1 3, CRn 14, CRm 9, op2 6, x17. */
	u64 esr = mk_esr(EC_SYS64, true, sys_iss(2, 3, 14, 9, 6, 17, false));

	assert_int_equal(esr_decode(esr, 0, 0, &e), EXIT_SYSREG);
	assert_int_equal(e.u.sysreg.op0, 2);
	assert_int_equal(e.u.sysreg.op1, 3);
	assert_int_equal(e.u.sysreg.crn, 14);
	assert_int_equal(e.u.sysreg.crm, 9);
	assert_int_equal(e.u.sysreg.op2, 6);
	assert_int_equal(e.u.sysreg.rt, 17);
	assert_false(e.u.sysreg.read);
	assert_int_equal(e.u.sysreg.enc, (2u << 19) | (3u << 16) | (14u << 12) | (9u << 8) | (6u << 5));

	/* MSR SCTLR_EL1, xzr (3, 0, c1, c0, 0) */
	esr = mk_esr(EC_SYS64, true, sys_iss(3, 0, 1, 0, 0, 31, false));
	assert_int_equal(esr_decode(esr, 0, 0, &e), EXIT_SYSREG);
	assert_int_equal(e.u.sysreg.rt, 31);
	assert_int_equal(e.u.sysreg.crn, 1);
	assert_int_equal(e.u.sysreg.enc, SYSREG_ENC(3, 0, 1, 0, 0));
}

static void dabt_with_isv_decodes_every_access_size(void **state)
{
	static const unsigned sizes[4] = { 1, 2, 4, 8 };
	const u64 ipa = 0x09000000, far = 0xFFFF800012345ABCULL;

	for (unsigned sas = 0; sas < 4; sas++) {
		u64 esr = mk_esr(EC_DABT_LOW, true, dabt_iss(true, sas, false, 3, sas == 3, true, 0x07));
		assert_int_equal(esr_decode(esr, far, hpfar_of(ipa), &e), EXIT_DABT);
		assert_int_equal(e.ec, 0x24);
		assert_true(e.u.abort.isv);
		assert_int_equal(e.u.abort.size, sizes[sas]);
		assert_int_equal(e.u.abort.rt, 3);
		assert_int_equal(e.u.abort.sf, sas == 3);
		assert_true(e.u.abort.write);
		assert_false(e.u.abort.sign_extend);
		assert_int_equal(e.u.abort.fsc, 0x07);
		assert_int_equal(e.u.abort.ipa, 0x09000ABCULL);
		assert_int_equal(e.u.abort.far, far);
	}
}

static void dabt_sign_extending_load_into_a_w_register(void **state)
{
	/* LDRSH w30, [x0] on IPA 0xFF_FFFF_F000 + 0x7FE (40-bit IPA), read. */
	u64 esr = mk_esr(EC_DABT_LOW, true, dabt_iss(true, 1, true, 30, false, false, 0x06));
	u64 ipa = 0xFFFFFFF000ULL;

	assert_int_equal(esr_decode(esr, 0x400007FE, hpfar_of(ipa), &e), EXIT_DABT);
	assert_int_equal(e.u.abort.size, 2);
	assert_true(e.u.abort.sign_extend);
	assert_int_equal(e.u.abort.rt, 30);
	assert_false(e.u.abort.sf);
	assert_false(e.u.abort.write);
	assert_false(e.u.abort.s1ptw);
	assert_false(e.u.abort.cm);
	assert_int_equal(e.u.abort.fsc, 0x06);
	assert_int_equal(e.u.abort.ipa, 0xFFFFFFF7FEULL);

	/* SRT 31: WZR/XZR. */
	esr = mk_esr(EC_DABT_LOW, true, dabt_iss(true, 2, false, 31, false, true, 0x07));
	assert_int_equal(esr_decode(esr, 0, hpfar_of(0x1000), &e), EXIT_DABT);
	assert_int_equal(e.u.abort.rt, 31);
	assert_int_equal(e.u.abort.ipa, 0x1000);
}

static void dabt_ipa_uses_hpfar_page_and_far_offset_only(void **state)
{
	/* HPFAR bits [3:0] are RES0 and the FAR page number is a VA: neither leaks into the IPA. */
	u64 esr = mk_esr(EC_DABT_LOW, true, dabt_iss(true, 2, false, 0, false, false, 0x05));

	assert_int_equal(esr_decode(esr, 0xDEAD1FFF, hpfar_of(0x8010000) | 0xF, &e), EXIT_DABT);
	assert_int_equal(e.u.abort.ipa, 0x8010FFFULL);
	/* A 48-bit IPA. */
	assert_int_equal(esr_decode(esr, 0x10, hpfar_of(0xFFFFFFFFF000ULL), &e), EXIT_DABT);
	assert_int_equal(e.u.abort.ipa, 0xFFFFFFFFF010ULL);
	/*
	 * Found by fuzz_esr: HPFAR_EL2 bits above FIPA (NS at 63, RES0 at 62:44)
	 * went into the IPA above bit 51. No CPU sets the RES0 ones today, but
	 * an IPA is never wider than 52 bits, whatever a later CPU puts there.
	 */
	assert_int_equal(esr_decode(esr, 0x10, hpfar_of(0x8010000) | BIT(63) | BIT(44) | BIT(50), &e),
			 EXIT_DABT);
	assert_int_equal(e.u.abort.ipa, 0x8010010ULL);
}

static void dabt_without_isv(void **state)
{
	/* e.g. an LDP: ISV=0, only WnR and the fault status are meaningful. */
	u64 esr = mk_esr(EC_DABT_LOW, true, dabt_iss(false, 0, false, 0, false, true, 0x0F));

	assert_int_equal(esr_decode(esr, 0x1238, hpfar_of(0x08000000), &e), EXIT_DABT);
	assert_false(e.u.abort.isv);
	assert_true(e.u.abort.write);
	assert_int_equal(e.u.abort.fsc, 0x0F);
	assert_int_equal(e.u.abort.fsc & FSC_TYPE_MASK, FSC_PERM);
	assert_int_equal(e.u.abort.ipa, 0x08000238ULL);

	/* Stage-1 walk fault and cache maintenance flags. */
	esr = mk_esr(EC_DABT_LOW, true, (1u << 8) | (1u << 7) | 0x04);
	assert_int_equal(esr_decode(esr, 0, 0, &e), EXIT_DABT);
	assert_true(e.u.abort.cm);
	assert_true(e.u.abort.s1ptw);
	assert_false(e.u.abort.write);
	assert_int_equal(e.u.abort.fsc & FSC_TYPE_MASK, FSC_TRANS);
}

static void instruction_abort_has_no_access_syndrome(void **state)
{
	/* IFSC translation fault level 3 (0x07), with bits 24 and 6 set (RES0 for IABT). */
	u64 esr = mk_esr(EC_IABT_LOW, true, (1u << 24) | (1u << 7) | (1u << 6) | 0x07);

	assert_int_equal(esr_decode(esr, 0xFFFF000000400ABCULL, hpfar_of(0x50000000), &e), EXIT_IABT);
	assert_int_equal(e.ec, 0x20);
	assert_false(e.u.abort.isv);
	assert_false(e.u.abort.write);
	assert_true(e.u.abort.s1ptw);
	assert_int_equal(e.u.abort.fsc, 0x07);
	assert_int_equal(e.u.abort.ipa, 0x50000ABCULL);
	assert_int_equal(e.u.abort.far, 0xFFFF000000400ABCULL);
}

static void fp_simd_and_sve_traps(void **state)
{
	assert_int_equal(esr_decode(mk_esr(EC_FP_ASIMD, true, 0x1E00000), 0, 0, &e), EXIT_FP);
	assert_int_equal(e.ec, 0x07);
	assert_int_equal(esr_decode(mk_esr(EC_SVE, true, 0), 0, 0, &e), EXIT_FP);
	assert_int_equal(e.ec, 0x19);
	/* A PAC instruction trapped by HCR_EL2.API: a first use too, for the arch to make the keys live. */
	assert_int_equal(esr_decode(mk_esr(EC_PAC, true, 0), 0, 0, &e), EXIT_FP);
	assert_int_equal(e.ec, 0x09);
}

static void debug_and_alignment_classes_are_other(void **state)
{
	static const unsigned ecs[] = { EC_PC_ALIGN,	EC_SP_ALIGN, EC_BREAKPT_LOW, EC_SOFTSTP_LOW,
					EC_WATCHPT_LOW, EC_BRK64,    EC_SERROR };
	for (unsigned i = 0; i < ARRAY_SIZE(ecs); i++) {
		assert_int_equal(esr_decode(mk_esr(ecs[i], true, 0), 0, 0, &e), EXIT_OTHER);
		assert_int_equal(e.kind, EXIT_OTHER);
		assert_int_equal(e.ec, ecs[i]);
	}
}

static void unknown_and_aarch32_classes_are_unknown(void **state)
{
	/* EC 0 (unknown reason), illegal state, SVC64 (never trapped to EL2), AArch32 traps,
	 * aborts taken from EL2 itself, and unallocated ECs. */
	static const unsigned ecs[] = { EC_UNKNOWN,  EC_ILL,   EC_SVC64, EC_CP15_32, EC_CP15_64,
					EC_CP14_MR,  EC_HVC32, EC_SMC32, EC_SVC32,   EC_IABT_CUR,
					EC_DABT_CUR, EC_FP32,  EC_FP64,	 0x3F,	     0x2A };
	for (unsigned i = 0; i < ARRAY_SIZE(ecs); i++) {
		assert_int_equal(esr_decode(mk_esr(ecs[i], true, 0x1FFFFFF), 0, 0, &e), EXIT_UNKNOWN);
		assert_int_equal(e.kind, EXIT_UNKNOWN);
		assert_int_equal(e.ec, ecs[i]);
		assert_int_equal(e.iss, 0x1FFFFFF);
	}
}

static void il_bit_and_upper_bits(void **state)
{
	/* IL = 0 (16-bit instruction); bits above 31 (ISS2) do not disturb EC/ISS. */
	u64 esr = mk_esr(EC_WFX, false, 1) | (0x1FULL << 32);

	assert_int_equal(esr_decode(esr, 0, 0, &e), EXIT_WFX);
	assert_false(e.il32);
	assert_int_equal(e.ec, EC_WFX);
	assert_int_equal(e.iss, 1);
	assert_int_equal(e.esr, esr);
}

static void ec_names(void **state)
{
	assert_string_equal(esr_ec_name(EC_DABT_LOW), "DABT_LOW");
	assert_string_equal(esr_ec_name(EC_HVC64), "HVC64");
	assert_string_equal(esr_ec_name(EC_SYS64), "SYS64");
	assert_string_equal(esr_ec_name(EC_UNKNOWN), "UNKNOWN");
	assert_string_equal(esr_ec_name(0x3A), "other");
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(wfi_and_wfe),
		T(hvc64_and_smc64_carry_the_immediate),
		T(mrs_trap_decodes_all_fields),
		T(msr_trap_decodes_all_fields),
		T(dabt_with_isv_decodes_every_access_size),
		T(dabt_sign_extending_load_into_a_w_register),
		T(dabt_ipa_uses_hpfar_page_and_far_offset_only),
		T(dabt_without_isv),
		T(instruction_abort_has_no_access_syndrome),
		T(fp_simd_and_sve_traps),
		T(debug_and_alignment_classes_are_other),
		T(unknown_and_aarch32_classes_are_unknown),
		T(il_bit_and_upper_bits),
		T(ec_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
