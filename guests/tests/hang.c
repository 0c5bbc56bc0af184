/*
 * g. Asks hyparm to hang in EL2 (the test hook HYPARM_TEST_HANG_EL2_FID,
 * include/hyparm/test_hooks.h). In a build with HYPARM_TEST_HOOKS=1 the
 * call never returns and hyparm's watchdog must report the stuck CPU; in a
 * normal build the hook does not exist and the call returns NOT_SUPPORTED.
 */
#include <hyparm/test_hooks.h>
#include "guest.h"

#define NOT_SUPPORTED ((u64)-1)

int main(void)
{
	u64 v;

	gprintf("calling the EL2 hang hook\n");
	v = hvc_call(HYPARM_TEST_HANG_EL2_FID, 0, 0, 0);
	check(v == NOT_SUPPORTED, "the hang hook is absent: HVC 0x%x = %lld", HYPARM_TEST_HANG_EL2_FID,
	      (long long)v);
	return 0;
}
