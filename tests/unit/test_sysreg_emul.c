/* The trapped system-register table and the ID register sanitiser. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <arch/cache.h>
#include <arch/fake_debug.h>
#include <arch/sysreg_emul.h>
#include <hyparm/vm.h>

/* The whole-VM clean set/way triggers: three pieces per walk here. */
static int flushes, pieces;
bool vm_dcache_clean_inval_step(struct vm *vm, u64 *off)
{
	pieces++;
	if (++*off < 3)
		return false;
	*off = 0;
	flushes++;
	return true;
}
u64 arch_id_reg_read(unsigned crm, unsigned op2)
{
	return 0;
}

static struct vm vm;
static struct vcpu vcpu;

static int setup(void **state)
{
	memset(&vm, 0, sizeof(vm));
	memset(&vcpu, 0, sizeof(vcpu));
	vcpu.vm = &vm;
	flushes = pieces = 0;
	fake_debug_reset();
	return 0;
}

static struct exit_info access(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2,
			       unsigned rt, bool read)
{
	struct exit_info e = { .kind = EXIT_SYSREG };
	e.u.sysreg.op0 = op0;
	e.u.sysreg.op1 = op1;
	e.u.sysreg.crn = crn;
	e.u.sysreg.crm = crm;
	e.u.sysreg.op2 = op2;
	e.u.sysreg.rt = rt;
	e.u.sysreg.read = read;
	e.u.sysreg.enc = SYSREG_ENC(op0, op1, crn, crm, op2);
	return e;
}

static void unknown_registers_are_undefined(void **state)
{
	/* An implementation-defined register (TIDCP) and a PMU register (hidden PMU). */
	struct exit_info impdef = access(3, 1, 15, 2, 0, 0, true);
	struct exit_info pmcr = access(3, 3, 9, 12, 0, 0, false);

	assert_int_equal(sysreg_emulate(&vcpu, &impdef), SYSREG_UNDEF);
	assert_int_equal(sysreg_emulate(&vcpu, &pmcr), SYSREG_UNDEF);
}

static void id_registers_read_the_sanitised_value_and_refuse_writes(void **state)
{
	struct exit_info rd = access(3, 0, 0, 4, 0, 5, true); /* ID_AA64PFR0_EL1 into x5 */
	struct exit_info wr = access(3, 0, 0, 4, 0, 5, false);

	vcpu.arch.regs.x[5] = 0xdead;
	assert_int_equal(sysreg_emulate(&vcpu, &rd), SYSREG_DONE);
	assert_int_equal(vcpu.arch.regs.x[5], id_reg_guest_value(SYS_ID_AA64PFR0_EL1));
	assert_int_equal(sysreg_emulate(&vcpu, &wr), SYSREG_UNDEF);
}

/*
 * The exit's fast path (sysreg_iss_is_id_read, sysreg_fast_id_read) takes
 * exactly the ID-register reads and gives what sysreg_emulate gives, for
 * every encoding: a fast path that took a debug or set/way register, or an
 * ID write, would skip their emulation (or their UNDEF).
 */
static void fast_id_reads_match_the_table(void **state)
{
	unsigned taken = 0;

	for (u32 iss = 0; iss < (1u << 22); iss += 1u << 10) /* every op0, op2, op1, CRn; Rt = 7 below */
		for (unsigned low = 0; low < 32; low++) {
			u32 i = iss | low; /* low: CRm [4:1] and direction [0] */
			unsigned op0 = (i >> 20) & 3, op2 = (i >> 17) & 7, op1 = (i >> 14) & 7,
				 crn = (i >> 10) & 0xF;
			unsigned crm = (i >> 1) & 0xF;
			bool read = i & 1, id = op0 == 3 && op1 == 0 && crn == 0 && crm >= 1 && crm <= 7;

			assert_int_equal(sysreg_iss_is_id_read(i | 7u << 5), id && read);
			if (!(id && read))
				continue;
			taken++;
			struct exit_info e = access(op0, op1, crn, crm, op2, 7, true);
			vcpu.arch.regs.x[7] = 0xdead;
			assert_int_equal(sysreg_emulate(&vcpu, &e), SYSREG_DONE);
			u64 want = vcpu.arch.regs.x[7];
			vcpu.arch.regs.x[7] = 0xdead;
			sysreg_fast_id_read(&vcpu, i | 7u << 5);
			assert_int_equal(vcpu.arch.regs.x[7], want);
		}
	assert_int_equal(taken, 7 * 8);
}

static void mdscr_is_kept_per_vcpu(void **state)
{
	struct exit_info wr = access(2, 0, 0, 2, 2, 3, false);
	struct exit_info rd = access(2, 0, 0, 2, 2, 4, true);

	vcpu.arch.regs.x[3] = 0x8000;
	assert_int_equal(sysreg_emulate(&vcpu, &wr), SYSREG_DONE);
	assert_int_equal(sysreg_emulate(&vcpu, &rd), SYSREG_DONE);
	assert_int_equal(vcpu.arch.regs.x[4], 0x8000);
}

/* The bug: every bit written was kept, RES0 ones included. */
static void mdscr_keeps_only_writable_bits(void **state)
{
	struct exit_info wr = access(2, 0, 0, 2, 2, 3, false);
	struct exit_info rd = access(2, 0, 0, 2, 2, 4, true);

	vcpu.arch.regs.x[3] = ~0ULL;
	assert_int_equal(sysreg_emulate(&vcpu, &wr), SYSREG_DONE);
	assert_int_equal(sysreg_emulate(&vcpu, &rd), SYSREG_DONE);
	assert_int_equal(vcpu.arch.regs.x[4], 0xB001); /* MDE, KDE, TDCC, SS */
	vcpu.arch.regs.x[3] = 0xFFFFFFFF00004FFEULL; /* everything but those four */
	sysreg_emulate(&vcpu, &wr);
	sysreg_emulate(&vcpu, &rd);
	assert_int_equal(vcpu.arch.regs.x[4], 0);
}

static void os_lock_is_modelled(void **state)
{
	struct exit_info lock = access(2, 0, 1, 0, 4, 1, false);
	struct exit_info status = access(2, 0, 1, 1, 4, 2, true);

	vcpu.arch.regs.x[1] = 1;
	assert_int_equal(sysreg_emulate(&vcpu, &lock), SYSREG_DONE);
	assert_int_equal(sysreg_emulate(&vcpu, &status), SYSREG_DONE);
	assert_int_equal(vcpu.arch.regs.x[2], 0xA); /* OSLM=0b10, OSLK=1 */
	vcpu.arch.regs.x[1] = 0;
	sysreg_emulate(&vcpu, &lock);
	sysreg_emulate(&vcpu, &status);
	assert_int_equal(vcpu.arch.regs.x[2], 0x8);
}

/* The bug: breakpoint writes were discarded while ID_AA64DFR0_EL1 advertised them. */
static void breakpoint_registers_keep_what_is_written(void **state)
{
	struct exit_info wr = access(2, 0, 0, 0, 4, 6, false); /* DBGBVR0_EL1 */
	struct exit_info rd = access(2, 0, 0, 0, 4, 7, true);

	vcpu.arch.regs.x[6] = 0x40001000;
	assert_int_equal(sysreg_emulate(&vcpu, &wr), SYSREG_DONE);
	assert_int_equal(sysreg_emulate(&vcpu, &rd), SYSREG_DONE);
	assert_int_equal(vcpu.arch.regs.x[7], 0x40001000);
}

static void xzr_target_discards_the_value(void **state)
{
	struct exit_info rd = access(3, 0, 1, 0, 1, 31, true); /* ACTLR_EL1 into xzr */

	assert_int_equal(sysreg_emulate(&vcpu, &rd), SYSREG_DONE);
}

/* Operand 0 starts a whole-VM clean, done in pieces: the instruction is re-executed until the last one. */
static void set_way_cleans_in_pieces_once_per_walk(void **state)
{
	struct exit_info cisw = access(1, 0, 7, 14, 2, 0, false);

	vcpu.arch.regs.x[0] = 0;
	assert_int_equal(sysreg_emulate(&vcpu, &cisw), SYSREG_AGAIN);
	assert_int_equal(sysreg_emulate(&vcpu, &cisw), SYSREG_AGAIN);
	assert_int_equal(sysreg_emulate(&vcpu, &cisw), SYSREG_DONE);
	for (u64 setway = 1; setway < 64; setway++) {
		vcpu.arch.regs.x[0] = setway << 6;
		assert_int_equal(sysreg_emulate(&vcpu, &cisw), SYSREG_DONE);
	}
	assert_int_equal(flushes, 1);
	assert_int_equal(pieces, 3);
}

/* Registers that belong to devices are not in the architectural table: the timer's and the SGI registers UNDEF here. */
static void device_registers_are_not_in_the_table(void **state)
{
	struct exit_info sgi = access(3, 0, 12, 11, 5, 9, false); /* ICC_SGI1R_EL1 */
	struct exit_info cntp = access(3, 3, 14, 2, 1, 1, true); /* CNTP_CTL_EL0 */

	assert_int_equal(sysreg_emulate(&vcpu, &sgi), SYSREG_UNDEF);
	assert_int_equal(sysreg_emulate(&vcpu, &cntp), SYSREG_UNDEF);
}

/*
 * Found by fuzz_sysreg: CVAL = 0 is in the past for any counter value, but
 * 0 also meant "no deadline", so an enabled timer with CVAL 0 (or a TVAL
 * write that lands CVAL on 0) never raised its interrupt.
 */
static void sanitiser_hides_what_is_not_virtualised(void **state)
{
	/* EL2 (11:8) and AMU (47:44) hidden; FP (19:16), GIC (27:24) and SVE (35:32, switched once used) kept. */
	u64 pfr0 = 0x0000100101111111ULL | (1ULL << 32) | (1ULL << 44);
	u64 s = id_reg_sanitize(SYS_ID_AA64PFR0_EL1, pfr0);

	assert_int_equal((s >> 32) & 0xF, 1);
	assert_int_equal((s >> 8) & 0xF, 0);
	assert_int_equal((s >> 44) & 0xF, 0);
	assert_int_equal((s >> 16) & 0xF, (pfr0 >> 16) & 0xF);
	assert_int_equal((s >> 24) & 0xF, (pfr0 >> 24) & 0xF);
	/* ISAR1's low half as it is: pointer authentication (APA, API, GPA, GPI) is switched once used. */
	s = id_reg_sanitize(SYS_ID_AA64ISAR1_EL1, 0xFFFFFFFFULL);
	assert_int_equal(s, 0xFFFFFFFFULL);
	/* PMU hidden from the debug features. */
	s = id_reg_sanitize(SYS_ID_AA64DFR0_EL1, 0x0000000000000F16ULL);
	assert_int_equal((s >> 8) & 0xF, 0);
	assert_int_equal(s & 0xF, 6);
	/* PA range capped to the IPA size. */
	id_regs_set_ipa_parange(2);
	assert_int_equal(id_reg_sanitize(SYS_ID_AA64MMFR0_EL1, 0x5) & 0xF, 2);
	assert_int_equal(id_reg_sanitize(SYS_ID_AA64MMFR0_EL1, 0x1) & 0xF, 1);
	/* ZFR0 as the CPU has it (zero without SVE); SME's SMFR0 hidden. */
	assert_int_equal(id_reg_sanitize(SYS_ID_AA64ZFR0_EL1, 0x1234), 0x1234);
	assert_int_equal(id_reg_sanitize(SYS_ID_AA64SMFR0_EL1, 0x1234), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(unknown_registers_are_undefined, setup),
		cmocka_unit_test_setup(id_registers_read_the_sanitised_value_and_refuse_writes, setup),
		cmocka_unit_test_setup(fast_id_reads_match_the_table, setup),
		cmocka_unit_test_setup(mdscr_is_kept_per_vcpu, setup),
		cmocka_unit_test_setup(mdscr_keeps_only_writable_bits, setup),
		cmocka_unit_test_setup(os_lock_is_modelled, setup),
		cmocka_unit_test_setup(breakpoint_registers_keep_what_is_written, setup),
		cmocka_unit_test_setup(xzr_target_discards_the_value, setup),
		cmocka_unit_test_setup(set_way_cleans_in_pieces_once_per_walk, setup),
		cmocka_unit_test_setup(device_registers_are_not_in_the_table, setup),
		cmocka_unit_test_setup(sanitiser_hides_what_is_not_virtualised, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
