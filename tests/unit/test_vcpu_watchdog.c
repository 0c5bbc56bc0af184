/*
 * The vCPU progress watchdog's look (core/vcpu_watchdog.c): what counts as
 * no progress, and when it gives up on a vCPU. Each test names the bug it
 * catches.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <arch/context.h>
#include <hyparm/irqchip.h>
#include <hyparm/vcpu_watchdog.h>
#include <hyparm/vm.h>
#include <hyparm/vmm.h>

#define FREQ 100 /* counts per second */

void vm_crash(struct vm *vm, const char *fmt, ...)
{
	fail();
}

static bool pending;
static bool chip_pending(struct vcpu *v)
{
	return pending;
}
static const struct irqchip_ops chip = { .vcpu_pending = chip_pending };

static struct vm vm;
static struct vcpu v;

static int setup(void **state)
{
	memset(&vm, 0, sizeof(vm));
	memset(&v, 0, sizeof(v));
	vm.irqchip = &chip;
	v.vm = &vm;
	v.arch.regs.spsr = SPSR_MODE_EL1H | SPSR_DAIF;
	pending = true;
	return 0;
}

/* Looks once a second from t = 1 s up to `seconds`; true if one of them found v stuck. */
static bool looks(unsigned from, unsigned seconds)
{
	bool stuck = false;

	for (unsigned s = from; s <= seconds; s++)
		stuck |= vcpu_watchdog_check(&v, (u64)s * FREQ, FREQ);
	return stuck;
}

/* Masked, pending, no requests: stuck after the threshold, not before (a hair trigger would kill slow guests). */
static void masked_spin_with_pending_is_stuck_after_the_threshold(void **state)
{
	assert_false(looks(1, VCPU_WATCHDOG_SECONDS));
	assert_true(vcpu_watchdog_check(&v, (u64)(VCPU_WATCHDOG_SECONDS + 1) * FREQ, FREQ));
}

/* Interrupt exits (the watchdog's own tick among them) are no progress. */
static void interrupt_exits_are_no_progress(void **state)
{
	for (unsigned s = 1; s <= VCPU_WATCHDOG_SECONDS; s++) {
		v.exits[EXIT_IRQ] += 3;
		assert_false(vcpu_watchdog_check(&v, (u64)s * FREQ, FREQ));
	}
	v.exits[EXIT_IRQ]++;
	assert_true(vcpu_watchdog_check(&v, (u64)(VCPU_WATCHDOG_SECONDS + 1) * FREQ, FREQ));
}

/* Any request of hyparm (an MMIO access: a console poll) is progress: the clock starts again. */
static void a_request_is_progress(void **state)
{
	assert_false(looks(1, VCPU_WATCHDOG_SECONDS - 1));
	v.exits[EXIT_DABT]++;
	assert_false(looks(VCPU_WATCHDOG_SECONDS, 2 * VCPU_WATCHDOG_SECONDS - 1));
	assert_true(looks(2 * VCPU_WATCHDOG_SECONDS, 2 * VCPU_WATCHDOG_SECONDS));
}

/* Nothing pending: a long computation with interrupts masked (a bare-metal job) is left alone. */
static void nothing_pending_is_never_stuck(void **state)
{
	pending = false;
	assert_false(looks(1, 10 * VCPU_WATCHDOG_SECONDS));
}

/* Interrupts unmasked at a look (EL0, or the kernel with them on): never stuck, the clock starts again. */
static void unmasked_is_never_stuck(void **state)
{
	v.arch.regs.spsr = SPSR_MODE_EL0T;
	assert_false(looks(1, 10 * VCPU_WATCHDOG_SECONDS));
	v.arch.regs.spsr = SPSR_MODE_EL1H | SPSR_I;
	/* Masked from here: stuck only a whole threshold after the last unmasked look. */
	assert_false(looks(10 * VCPU_WATCHDOG_SECONDS + 1, 11 * VCPU_WATCHDOG_SECONDS - 1));
	assert_true(looks(11 * VCPU_WATCHDOG_SECONDS, 11 * VCPU_WATCHDOG_SECONDS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(masked_spin_with_pending_is_stuck_after_the_threshold, setup),
		cmocka_unit_test_setup(interrupt_exits_are_no_progress, setup),
		cmocka_unit_test_setup(a_request_is_progress, setup),
		cmocka_unit_test_setup(nothing_pending_is_never_stuck, setup),
		cmocka_unit_test_setup(unmasked_is_never_stuck, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
