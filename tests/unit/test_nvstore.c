/* The board's variables store goes to one VM, the first to claim it, for good. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <hyparm/nvstore.h>

struct vm {
	int id;
};

/* Catches: two VMs writing their variables over each other in one flash. */
static void first_claim_keeps_it(void **state)
{
	static const struct nvstore_ops ops = { .size = 1 };
	struct vm a = { 1 }, b = { 2 };
	(void)state;

	assert_null(nvstore_claim(&a)); /* no store registered: nothing to claim */
	nvstore_register(&ops);
	assert_ptr_equal(nvstore_claim(&a), &ops);
	assert_ptr_equal(nvstore_claim(&a), &ops); /* its own again (a VM created anew keeps it) */
	assert_null(nvstore_claim(&b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_claim_keeps_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
