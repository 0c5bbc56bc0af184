/*
 * The per-CPU deadline service (core/deadline.c) on the arch fake's
 * pcpus[]: ordering, moves, cancellation, fire() re-arming itself, and
 * that deadline_run() runs only what is due. Each test names the bug it
 * catches.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <arch/fake.h>
#include <hyparm/deadline.h>
#include <hyparm/pcpu.h>

/* The deadline service's signal to the scheduler: the CPU's need_rearm, taken. */
static bool took_rearm(unsigned cpu)
{
	bool r = pcpus[cpu].need_rearm;
	pcpus[cpu].need_rearm = false;
	return r;
}

static struct deadline a, b, c;
static struct deadline *fired[16];
static unsigned nfired;

static void record(struct deadline *d)
{
	if (nfired < 16)
		fired[nfired++] = d;
}

static int setup(void **state)
{
	arch_fake_reset(2, 4);
	deadline_init(&a, record);
	deadline_init(&b, record);
	deadline_init(&c, record);
	nfired = 0;
	return 0;
}

/*
 * Earliest first, equal times in arming order, and only what is due
 * (when <= now). Catches: an unsorted insert (a later deadline fires
 * first, an earlier one late), an off-by-one that fires a deadline one
 * tick early or leaves a due one for the next timer interrupt.
 */
static void fires_in_order_only_when_due(void **state)
{
	deadline_arm(&a, 0, 300);
	deadline_arm(&b, 0, 100);
	deadline_arm(&c, 0, 300);
	assert_int_equal(deadline_next(&pcpus[0]), 100);
	assert_int_equal(deadline_next(&pcpus[1]), DEADLINE_NONE);
	deadline_run(0, 99);
	assert_int_equal(nfired, 0);
	deadline_run(0, 100);
	assert_int_equal(nfired, 1);
	assert_ptr_equal(fired[0], &b);
	assert_false(deadline_armed(&b));
	assert_int_equal(deadline_next(&pcpus[0]), 300);
	deadline_run(0, 1000);
	assert_int_equal(nfired, 3);
	assert_ptr_equal(fired[1], &a);
	assert_ptr_equal(fired[2], &c);
	assert_int_equal(deadline_next(&pcpus[0]), DEADLINE_NONE);
	deadline_run(0, ~0ULL);
	assert_int_equal(nfired, 3); /* each fires once */
}

/*
 * Arming an armed deadline moves it (it is never in a list twice), also
 * to another CPU. Catches: a stale entry firing at the old time, a list
 * cycle, a deadline left on the CPU its vCPU moved away from.
 */
static void re_arming_moves_it(void **state)
{
	deadline_arm(&a, 0, 100);
	deadline_arm(&b, 0, 200);
	deadline_arm(&a, 0, 500);
	assert_int_equal(deadline_next(&pcpus[0]), 200);
	deadline_run(0, 300);
	assert_int_equal(nfired, 1);
	assert_ptr_equal(fired[0], &b);

	deadline_arm(&a, 1, 50);
	assert_int_equal(a.cpu, 1);
	assert_int_equal(deadline_next(&pcpus[0]), DEADLINE_NONE);
	assert_int_equal(deadline_next(&pcpus[1]), 50);
	deadline_run(0, 1000);
	assert_int_equal(nfired, 1);
	deadline_run(1, 1000);
	assert_int_equal(nfired, 2);
	assert_ptr_equal(fired[1], &a);
}

/*
 * The scheduler reprograms its timer only when told the earliest
 * deadline moved: arming a new head or cancelling the head must say so;
 * changes behind the head need not. Catches: hyparm's timer left at a
 * cancelled deadline (a spurious wake) or later than a new earliest one
 * (a timer interrupt missed).
 */
static void head_changes_set_deadline_moved(void **state)
{
	assert_false(took_rearm(0));
	deadline_arm(&a, 0, 100);
	assert_true(took_rearm(0));
	assert_false(took_rearm(0)); /* cleared by the read */
	deadline_arm(&b, 0, 200);
	assert_false(took_rearm(0)); /* behind the head */
	deadline_cancel(&b);
	assert_false(took_rearm(0));
	deadline_arm(&c, 0, 50);
	assert_true(took_rearm(0));
	deadline_cancel(&c);
	assert_true(took_rearm(0)); /* the head went */
	assert_int_equal(deadline_next(&pcpus[0]), 100);
	assert_false(deadline_armed(&c));
	deadline_cancel(&c); /* not armed: nothing */
	assert_false(took_rearm(0));
	deadline_run(0, 100);
	assert_ptr_equal(fired[0], &a);
}

/* fire() that re-arms its own deadline: it runs again later, not in a loop now. */
static int rearms;
static void rearm_self(struct deadline *d)
{
	record(d);
	if (++rearms < 3)
		deadline_arm(d, 0, d->when + 100);
}

/*
 * Catches: fire() called with the lock held (re-arming deadlocks), the
 * entry unlinked after fire() (the new arming lost), a re-armed deadline
 * that is not due run again in the same pass.
 */
static void fire_may_re_arm_itself(void **state)
{
	deadline_init(&a, rearm_self);
	deadline_arm(&a, 0, 100);
	deadline_arm(&b, 0, 150);
	deadline_run(0, 120);
	assert_int_equal(nfired, 1);
	assert_true(deadline_armed(&a));
	assert_int_equal(deadline_next(&pcpus[0]), 150);
	deadline_run(0, 1000); /* b at 150, a at 200 (re-arms to 300), a at 300 */
	assert_int_equal(nfired, 4);
	assert_ptr_equal(fired[1], &b);
	assert_ptr_equal(fired[2], &a);
	assert_ptr_equal(fired[3], &a);
	assert_false(deadline_armed(&a));
	assert_int_equal(deadline_next(&pcpus[0]), DEADLINE_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(fires_in_order_only_when_due, setup),
		cmocka_unit_test_setup(re_arming_moves_it, setup),
		cmocka_unit_test_setup(head_changes_set_deadline_moved, setup),
		cmocka_unit_test_setup(fire_may_re_arm_itself, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
