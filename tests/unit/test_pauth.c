/*
 * Pointer-authentication keys switched from a vCPU's first use on
 * (arch/arm64/pauth.c, on the fake CPU of arch/host/fake_pauth.c): the
 * first trapped key access or PAC instruction makes the keys live and stops
 * the trapping; an active vCPU's keys follow it through put and load, an
 * inactive one costs no key access; a CPU without PAuth gives UNDEFINED.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <arch/cache.h>
#include <arch/cpu_features.h>
#include <arch/fake_pauth.h>
#include <arch/pauth.h>
#include <arch/sysreg.h>
#include <arch/sysreg_emul.h>
#include <hyparm/vm.h>

bool vm_dcache_clean_inval_step(struct vm *vm, u64 *off)
{
	return true;
}
u64 arch_id_reg_read(unsigned crm, unsigned op2)
{
	return 0;
}

#define HCR_BASE (HCR_VM | HCR_TID3)

static struct vm vm;
static struct vcpu a, b;

static int setup(void **state)
{
	memset(&vm, 0, sizeof(vm));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.vm = b.vm = &vm;
	a.arch.hcr_el2 = b.arch.hcr_el2 = HCR_BASE;
	fake_pauth_reset();
	cpu_feat = (struct cpu_features){ .pauth = true };
	return 0;
}

static struct exit_info key_access(unsigned crm, unsigned op2, bool read)
{
	struct exit_info e = { .kind = EXIT_SYSREG };
	e.u.sysreg.op0 = 3;
	e.u.sysreg.crn = 2;
	e.u.sysreg.crm = crm;
	e.u.sysreg.op2 = op2;
	e.u.sysreg.rt = 1;
	e.u.sysreg.read = read;
	e.u.sysreg.enc = SYSREG_ENC(3, 0, 2, crm, op2);
	return e;
}

static void every_key_register_is_recognised_and_nothing_else(void **state)
{
	unsigned n = 0;

	for (unsigned crm = 0; crm < 16; crm++)
		for (unsigned op2 = 0; op2 < 8; op2++) {
			struct exit_info e = key_access(crm, op2, true);
			n += pauth_is_key_reg(&e);
		}
	assert_int_equal(n, PAUTH_NR_KEY_REGS);
	struct exit_info apgahi = key_access(3, 1, false), past = key_access(3, 2, false);
	assert_true(pauth_is_key_reg(&apgahi));
	assert_false(pauth_is_key_reg(&past));
	/* Same CRn/CRm, another op1: not a key register. */
	apgahi.u.sysreg.op1 = 4;
	assert_false(pauth_is_key_reg(&apgahi));
}

static void first_key_access_makes_the_keys_live_and_runs_again(void **state)
{
	struct exit_info wr = key_access(1, 0, false); /* MSR APIAKeyLo_EL1 */

	for (unsigned i = 0; i < PAUTH_NR_KEY_REGS; i++) {
		a.arch.pauth.key[i] = 0xA000 + i;
		fake_pauth.key[i] = 0xB000 + i; /* another vCPU's, left in the CPU */
	}
	/* Executed again, untrapped: not DONE (the write itself is the guest's, to the CPU). */
	assert_int_equal(sysreg_emulate(&a, &wr), SYSREG_AGAIN);
	assert_true(a.arch.pauth.active);
	assert_int_equal(a.arch.hcr_el2, HCR_BASE | HCR_API | HCR_APK);
	assert_int_equal(fake_pauth.hcr, HCR_BASE | HCR_API | HCR_APK);
	for (unsigned i = 0; i < PAUTH_NR_KEY_REGS; i++)
		assert_int_equal(fake_pauth.key[i], 0xA000 + i);
	/* Once active nothing of PAuth traps: a trap now is not a first use. */
	assert_false(pauth_first_use(&a));
}

static void active_keys_follow_the_vcpu_and_inactive_ones_cost_nothing(void **state)
{
	assert_true(pauth_first_use(&a));
	for (unsigned i = 0; i < PAUTH_NR_KEY_REGS; i++)
		fake_pauth.key[i] = 0x1000 + i; /* the guest set its keys */
	unsigned reads = fake_pauth.key_reads, writes = fake_pauth.key_writes;

	pauth_vcpu_put(&a);
	assert_int_equal(fake_pauth.key_reads, reads + 1);
	/* b never used PAuth: its load and put touch no key (its API/APK clear keep a's unreachable). */
	pauth_vcpu_load(&b);
	pauth_vcpu_put(&b);
	assert_int_equal(fake_pauth.key_writes, writes);
	assert_int_equal(fake_pauth.key_reads, reads + 1);
	assert_int_equal(b.arch.hcr_el2, HCR_BASE);
	/* b uses it: its own (zero) keys, never a's. */
	assert_true(pauth_first_use(&b));
	for (unsigned i = 0; i < PAUTH_NR_KEY_REGS; i++)
		assert_int_equal(fake_pauth.key[i], 0);
	pauth_vcpu_put(&b);
	pauth_vcpu_load(&a);
	for (unsigned i = 0; i < PAUTH_NR_KEY_REGS; i++)
		assert_int_equal(fake_pauth.key[i], 0x1000 + i);
	/* Reset: inactive, keys gone. */
	pauth_vcpu_reset(&a);
	assert_false(a.arch.pauth.active);
	assert_int_equal(a.arch.pauth.key[0], 0);
}

static void without_pauth_the_guest_gets_undefined(void **state)
{
	struct exit_info rd = key_access(2, 3, true); /* MRS APDBKeyHi_EL1 */

	cpu_feat = (struct cpu_features){ 0 };
	assert_int_equal(sysreg_emulate(&a, &rd), SYSREG_UNDEF);
	assert_false(pauth_first_use(&a));
	assert_false(a.arch.pauth.active);
	assert_int_equal(a.arch.hcr_el2, HCR_BASE);
	assert_int_equal(fake_pauth.key_writes + fake_pauth.hcr_writes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(every_key_register_is_recognised_and_nothing_else, setup),
		cmocka_unit_test_setup(first_key_access_makes_the_keys_live_and_runs_again, setup),
		cmocka_unit_test_setup(active_keys_follow_the_vcpu_and_inactive_ones_cost_nothing, setup),
		cmocka_unit_test_setup(without_pauth_the_guest_gets_undefined, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
