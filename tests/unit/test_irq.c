/*
 * Physical interrupt dispatch (core/irq.c) on the arch fake's GIC: the
 * registration table and what irq_handle_physical() tells the GIC for
 * each interrupt. Each test names the bug it catches. The table is static
 * and lives for the whole binary: each test uses its own INTIDs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <arch/fake.h>
#include <hyparm/errno.h>
#include <hyparm/irq.h>

static u32 seen[16];
static void *seen_ctx[16];
static unsigned nseen;

static enum irq_result done(u32 intid, void *ctx)
{
	seen[nseen] = intid;
	seen_ctx[nseen++] = ctx;
	return IRQ_DONE;
}

static enum irq_result forwarded(u32 intid, void *ctx)
{
	seen[nseen] = intid;
	seen_ctx[nseen++] = ctx;
	return IRQ_FORWARDED;
}

static int setup(void **state)
{
	arch_fake_reset(1, 4);
	nseen = 0;
	return 0;
}

static void queue(u32 intid)
{
	arch_fake.pending[arch_fake.npending++] = intid;
}

/* One owner per INTID. Catches: a second owner silently replacing the first (the timer's PPI stolen). */
static void duplicates_and_bad_registrations_are_refused(void **state)
{
	static int ctx1, ctx2;

	assert_int_equal(irq_register(40, done, &ctx1), HV_OK);
	assert_int_equal(irq_register(40, forwarded, &ctx2), -HV_EEXIST);
	assert_int_equal(irq_register(IRQ_MAX, done, NULL), -HV_EINVAL);
	assert_int_equal(irq_register(1023, done, NULL), -HV_EINVAL);
	assert_int_equal(irq_register(41, NULL, NULL), -HV_EINVAL);
	assert_int_equal(irq_register(41, done, NULL), HV_OK); /* the NULL attempt left it free */
	queue(40);
	irq_handle_physical();
	assert_int_equal(nseen, 1);
	assert_ptr_equal(seen_ctx[0], &ctx1); /* still the first owner's */
	assert_int_equal(arch_fake.eoi[0], 40 | FAKE_DEACTIVATED);
}

/*
 * A forwarded interrupt gets the priority drop only: the guest's
 * deactivation (HW list register) deactivates it. Handled ones and
 * INTIDs nobody owns are dropped and deactivated. Every pending one is
 * taken, until the GIC says spurious. Catches: deactivating a forwarded
 * timer PPI (it fires again at once), an unknown INTID left active (its
 * priority blocks everything at or below it for ever), stopping after one.
 */
static void eoi_per_result_and_unknown_intids(void **state)
{
	assert_int_equal(irq_register(27, forwarded, NULL), HV_OK);
	assert_int_equal(irq_register(30, done, NULL), HV_OK);
	queue(27);
	queue(99); /* nobody's */
	queue(30);
	irq_handle_physical();
	assert_int_equal(nseen, 2);
	assert_int_equal(seen[0], 27);
	assert_int_equal(seen[1], 30);
	assert_int_equal(arch_fake.neoi, 3);
	assert_int_equal(arch_fake.eoi[0], 27);
	assert_int_equal(arch_fake.eoi[1], 99 | FAKE_DEACTIVATED);
	assert_int_equal(arch_fake.eoi[2], 30 | FAKE_DEACTIVATED);
	assert_int_equal(arch_fake.npending, 0);

	irq_handle_physical(); /* nothing pending: spurious at once, no EOI */
	assert_int_equal(arch_fake.neoi, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(duplicates_and_bad_registrations_are_refused, setup),
		cmocka_unit_test_setup(eoi_per_result_and_unknown_intids, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
