/*
 * Self-hosted debug for guests (arch/arm64/debug.c) on the fake CPU's
 * debug registers: the lazy switch (only a vCPU that used debug pays), what
 * each vCPU sees of the others (nothing), the OS lock and double lock, the
 * register counts ID_AA64DFR0_EL1 advertises, and the control values that
 * must never match at EL2.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <arch/cache.h>
#include <arch/debug.h>
#include <arch/fake_debug.h>
#include <arch/sysreg_emul.h>
#include <hyparm/vm.h>

bool vm_dcache_clean_inval_step(struct vm *vm, u64 *off)
{
	return true;
}

/* cortex-a57 as QEMU models it: DebugVer 6, 6 breakpoints (2 context-aware), 4 watchpoints, PMUv3. */
#define A57_DFR0 0x10305106ULL
u64 arch_id_reg_read(unsigned crm, unsigned op2)
{
	return crm == 5 && op2 == 0 ? A57_DFR0 : 0;
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
	debug_vcpu_reset(&a);
	debug_vcpu_reset(&b);
	id_regs_init();
	dbg_hw_cpu_init();
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

#define BVR(n) SYSREG_ENC(2, 0, 0, n, 4)
#define BCR(n) SYSREG_ENC(2, 0, 0, n, 5)
#define WVR(n) SYSREG_ENC(2, 0, 0, n, 6)
#define WCR(n) SYSREG_ENC(2, 0, 0, n, 7)

/* A trapped MSR of val on v, through the architectural table as core/exit.c does. */
static enum sysreg_result msr(struct vcpu *v, u32 enc, u64 val)
{
	struct exit_info e = sysreg(enc, 3, false);
	v->arch.regs.x[3] = val;
	return sysreg_emulate(v, &e);
}

/* A trapped MRS on v: the value read (the test fails if it was not DONE). */
static u64 mrs(struct vcpu *v, u32 enc)
{
	struct exit_info e = sysreg(enc, 4, true);
	v->arch.regs.x[4] = 0xBAD;
	assert_int_equal(sysreg_emulate(v, &e), SYSREG_DONE);
	return v->arch.regs.x[4];
}

/* What the scheduler does when this CPU changes vCPU. */
static void switch_vcpu(struct vcpu *from, struct vcpu *to)
{
	debug_vcpu_put(from);
	debug_vcpu_load(to);
}

static void counts_follow_the_advertised_id_register(void **state)
{
	assert_int_equal(debug_nr_brps(), 6);
	assert_int_equal(debug_nr_wrps(), 4);
	/* What DFR0 advertises: the CPU's counts, Armv8.0 debug, its PMUv3 (arch/arm64/pmu.c). */
	u64 dfr0 = id_reg_guest_value(SYS_ID_AA64DFR0_EL1);
	assert_int_equal((dfr0 >> 12) & 0xF, 5);
	assert_int_equal((dfr0 >> 20) & 0xF, 3);
	assert_int_equal((dfr0 >> 28) & 0xF, 1);
	assert_int_equal(dfr0 & 0xF, 6);
	assert_int_equal((dfr0 >> 8) & 0xF, 1);
	assert_int_equal(id_reg_sanitize(SYS_ID_AA64DFR0_EL1, 0x9) & 0xF, 6); /* Debugv8p4 shown as v8.0 */
	assert_int_equal(id_reg_sanitize(SYS_ID_AA64DFR1_EL1, 0xFFFF), 0);
	/* Registers past them do not exist: UNDEFINED, as on the CPU. */
	debug_vcpu_load(&a);
	assert_int_equal(msr(&a, BVR(5), 1), SYSREG_DONE);
	assert_int_equal(msr(&a, BVR(6), 1), SYSREG_UNDEF);
	assert_int_equal(msr(&a, BCR(15), 1), SYSREG_UNDEF);
	assert_int_equal(msr(&a, WVR(3), 1), SYSREG_DONE);
	assert_int_equal(msr(&a, WCR(4), 1), SYSREG_UNDEF);
}

/* Lazily: a vCPU that never touches debug costs no debug register access when switched, and traps. */
static void a_vcpu_that_never_used_debug_pays_nothing(void **state)
{
	for (int i = 0; i < 3; i++) {
		switch_vcpu(&a, &b);
		switch_vcpu(&b, &a);
	}
	assert_int_equal(fake_dbg.writes, 0);
	assert_true(fake_dbg.trap);
	assert_false(a.arch.debug.active);
}

/* Its first access loads its registers and stops the trapping; the guest then programs the CPU itself. */
static void first_access_makes_it_active_and_untrapped(void **state)
{
	debug_vcpu_load(&a);
	assert_int_equal(msr(&a, BVR(0), 0x40080000), SYSREG_DONE);
	assert_true(a.arch.debug.active);
	assert_false(fake_dbg.trap);
	assert_int_equal(fake_dbg.reg[DBG_BVR0], 0x40080000);
	/* Untrapped from here: the guest writes the CPU directly. */
	fake_dbg.reg[DBG_BCR0] = 0x1E7; /* E, PMC=EL1+EL0, BAS=0xF */
	fake_dbg.mdscr = MDSCR_MDE | MDSCR_KDE;
	debug_vcpu_put(&a);
	assert_int_equal(a.arch.debug.reg[DBG_BCR0], 0x1E7);
	assert_int_equal(a.arch.debug.reg[DBG_BVR0], 0x40080000);
	assert_int_equal(a.arch.debug.mdscr, MDSCR_MDE | MDSCR_KDE);
	assert_true(a.arch.debug.active); /* breakpoints enabled: it keeps its registers switched */
	debug_vcpu_load(&a);
	assert_int_equal(fake_dbg.reg[DBG_BCR0], 0x1E7);
	assert_int_equal(fake_dbg.mdscr, MDSCR_MDE | MDSCR_KDE);
	assert_false(fake_dbg.trap);
}

/* Switched out with nothing enabled in MDSCR_EL1, it stops paying; its values wait in memory. */
static void an_idle_vcpu_becomes_inactive_and_keeps_its_values(void **state)
{
	debug_vcpu_load(&a);
	msr(&a, WVR(1), 0x1234);
	fake_dbg.mdscr = MDSCR_TDCC; /* enables no debug event */
	switch_vcpu(&a, &b);
	assert_false(a.arch.debug.active);
	assert_true(fake_dbg.trap);
	assert_int_equal(fake_dbg.mdscr, 0); /* b's */
	unsigned w = fake_dbg.writes;
	switch_vcpu(&b, &a);
	assert_int_equal(fake_dbg.writes, w); /* inactive: nothing loaded but MDSCR_EL1 */
	assert_int_equal(fake_dbg.mdscr, MDSCR_TDCC);
	assert_int_equal(mrs(&a, WVR(1)), 0x1234);
	assert_true(a.arch.debug.active);
}

/* Two vCPUs on one CPU: each reads its own registers, never the other's. */
static void vcpus_do_not_see_each_others_registers(void **state)
{
	debug_vcpu_load(&a);
	msr(&a, BVR(2), 0xA5A5A5A5000);
	msr(&a, WCR(0), 0x1FF5);
	msr(&a, SYS_MDSCR_EL1, MDSCR_MDE);
	switch_vcpu(&a, &b);
	/* b is inactive: the CPU still holds a's breakpoints, but b's reads trap and load b's own. */
	assert_true(fake_dbg.trap);
	assert_int_equal(fake_dbg.mdscr, 0);
	assert_int_equal(mrs(&b, BVR(2)), 0);
	assert_int_equal(mrs(&b, WCR(0)), 0);
	msr(&b, BVR(2), 0xB0B0);
	switch_vcpu(&b, &a);
	assert_int_equal(fake_dbg.reg[DBG_BVR0 + 2], 0xA5A5A5A5000);
	assert_int_equal(fake_dbg.reg[DBG_WCR0], 0x1FF5);
	assert_int_equal(fake_dbg.mdscr, MDSCR_MDE);
	switch_vcpu(&a, &b);
	assert_int_equal(mrs(&b, BVR(2)), 0xB0B0);
	/* After a reset the vCPU has nothing: no breakpoint survives into the next boot. */
	debug_vcpu_put(&b);
	debug_vcpu_reset(&a);
	debug_vcpu_load(&a);
	assert_int_equal(mrs(&a, BVR(2)), 0);
	assert_int_equal(mrs(&a, SYS_MDSCR_EL1), 0);
}

static void mdscr_keeps_only_writable_bits_and_reads_back(void **state)
{
	debug_vcpu_load(&a);
	assert_int_equal(msr(&a, SYS_MDSCR_EL1, ~0ULL), SYSREG_DONE);
	assert_int_equal(mrs(&a, SYS_MDSCR_EL1), 0xB001); /* MDE, KDE, TDCC, SS */
	assert_int_equal(fake_dbg.mdscr, 0xB001); /* the guest's own, live in the CPU */
}

/* KVM 6.1's OS lock: OSLAR_EL1.OSLK to OSLSR_EL1, 0 at reset; while locked no debug event fires. */
static void os_lock_blocks_debug_events(void **state)
{
	debug_vcpu_load(&a);
	assert_int_equal(mrs(&a, SYS_OSLSR_EL1), 0x8); /* OSLM = 0b10, unlocked */
	msr(&a, SYS_MDSCR_EL1, MDSCR_MDE | MDSCR_KDE | MDSCR_SS);
	msr(&a, BCR(0), 0x1E7);
	assert_false(fake_dbg.trap);
	assert_int_equal(msr(&a, SYS_OSLAR_EL1, 1), SYSREG_DONE);
	assert_int_equal(mrs(&a, SYS_OSLSR_EL1), 0xA);
	/* The CPU has no MDE or SS meanwhile; the guest reads its own value, through the trap. */
	assert_true(fake_dbg.trap);
	assert_int_equal(fake_dbg.mdscr, MDSCR_KDE);
	assert_int_equal(mrs(&a, SYS_MDSCR_EL1), MDSCR_MDE | MDSCR_KDE | MDSCR_SS);
	/* Breakpoints can be programmed under the lock (how an OS restores them). */
	msr(&a, BVR(1), 0x5000);
	switch_vcpu(&a, &b);
	switch_vcpu(&b, &a);
	assert_true(fake_dbg.trap);
	assert_int_equal(fake_dbg.mdscr, MDSCR_KDE);
	msr(&a, SYS_OSLAR_EL1, 0);
	assert_false(fake_dbg.trap);
	assert_int_equal(fake_dbg.mdscr, MDSCR_MDE | MDSCR_KDE | MDSCR_SS);
	assert_int_equal(fake_dbg.reg[DBG_BVR0 + 1], 0x5000);
	assert_int_equal(fake_dbg.reg[DBG_BCR0], 0x1E7);
	/* Read-only and write-only halves. */
	assert_int_equal(msr(&a, SYS_OSLSR_EL1, 0), SYSREG_UNDEF);
	struct exit_info rd = sysreg(SYS_OSLAR_EL1, 1, true);
	assert_int_equal(sysreg_emulate(&a, &rd), SYSREG_UNDEF);
}

/* The double lock counts while DBGPRCR_EL1.CORENPDRQ is clear (DoubleLockStatus()). */
static void double_lock_blocks_unless_powerdown_is_held_off(void **state)
{
	debug_vcpu_load(&a);
	msr(&a, SYS_MDSCR_EL1, MDSCR_MDE);
	msr(&a, SYS_OSDLR_EL1, 1);
	assert_int_equal(mrs(&a, SYS_OSDLR_EL1), 1);
	assert_int_equal(fake_dbg.mdscr, 0);
	msr(&a, SYS_DBGPRCR_EL1, 1);
	assert_int_equal(mrs(&a, SYS_DBGPRCR_EL1), 1);
	assert_int_equal(fake_dbg.mdscr, MDSCR_MDE);
	msr(&a, SYS_DBGPRCR_EL1, 0);
	msr(&a, SYS_OSDLR_EL1, 0);
	assert_int_equal(fake_dbg.mdscr, MDSCR_MDE);
	assert_false(fake_dbg.trap);
}

/* What hyparm loads never matches at EL2 or EL3; EL1 and EL0 matches are kept. */
static void controls_never_match_at_el2(void **state)
{
	/* HMC=1, SSC=0b11, PMC=0b11, E: "all ELs" becomes Non-secure EL1 and EL0. */
	assert_int_equal(debug_ctrl_sanitize(0xE1E7, true), 0x41E7);
	/* HMC=1, SSC=0b01: EL2 dropped, Non-secure kept. */
	assert_int_equal(debug_ctrl_sanitize(0x61E7, false), 0x41E7);
	/* A plain EL1/EL0 breakpoint is unchanged. */
	assert_int_equal(debug_ctrl_sanitize(0x1E7, true), 0x1E7);
	/* VMID match (BT = 0b1000) is about EL2 state: disabled. */
	assert_int_equal(debug_ctrl_sanitize(0x8001E7, true) & 1, 0);
	/* Bit 23 of a watchpoint control is not a type: untouched. */
	assert_int_equal(debug_ctrl_sanitize(0x801FF5, false), 0x801FF5);
	/* Through the trap and through a switch. */
	debug_vcpu_load(&a);
	msr(&a, BCR(3), 0xE1E7);
	assert_int_equal(fake_dbg.reg[DBG_BCR0 + 3], 0x41E7);
	msr(&a, SYS_MDSCR_EL1, MDSCR_MDE);
	fake_dbg.reg[DBG_WCR0 + 2] = 0x3FF5; /* the guest wrote HMC directly */
	switch_vcpu(&a, &b);
	switch_vcpu(&b, &a);
	assert_int_equal(fake_dbg.reg[DBG_WCR0 + 2], 0x1FF5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(counts_follow_the_advertised_id_register, setup),
		cmocka_unit_test_setup(a_vcpu_that_never_used_debug_pays_nothing, setup),
		cmocka_unit_test_setup(first_access_makes_it_active_and_untrapped, setup),
		cmocka_unit_test_setup(an_idle_vcpu_becomes_inactive_and_keeps_its_values, setup),
		cmocka_unit_test_setup(vcpus_do_not_see_each_others_registers, setup),
		cmocka_unit_test_setup(mdscr_keeps_only_writable_bits_and_reads_back, setup),
		cmocka_unit_test_setup(os_lock_blocks_debug_events, setup),
		cmocka_unit_test_setup(double_lock_blocks_unless_powerdown_is_held_off, setup),
		cmocka_unit_test_setup(controls_never_match_at_el2, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
