/*
 * The ticket lock's trylock (arch/arm64/include/arch/spinlock.h), which
 * the uplink driver uses never to wait behind a holder blocked in the
 * machine: it takes a free lock, never one that is held or has waiters,
 * and leaves the tickets as they were when it fails. Catches: a trylock
 * that takes a ticket it then abandons (the next spin_lock would wait for
 * ever), one that succeeds on a held lock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arch/spinlock.h>

static void trylock_takes_only_a_free_lock(void **state)
{
	spinlock_t l = SPINLOCK_INIT;

	(void)state;
	assert_false(spin_is_locked(&l));
	assert_true(spin_trylock(&l));
	assert_true(spin_is_locked(&l));
	assert_false(spin_trylock(&l)); /* held */
	assert_int_equal(l.next, 1); /* the failed try took no ticket */
	spin_unlock(&l);
	assert_false(spin_is_locked(&l));
	spin_lock(&l); /* a plain lock after it does not wait */
	spin_unlock(&l);
	assert_true(spin_trylock(&l));
	spin_unlock(&l);
	/* A waiter queued behind the holder (a ticket handed out): still not free. */
	l.next = l.owner + 2;
	assert_false(spin_trylock(&l));
	assert_int_equal(l.next, l.owner + 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trylock_takes_only_a_free_lock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
