/* Test-only hooks (see hyparm/test_hooks.h): compiled to nothing in a normal build. */
#include <hyparm/test_hooks.h>

#ifdef HYPARM_TEST_HOOKS
#include <hyparm/print.h>
#include <hyparm/smccc.h>

/* Named so that a test can find the PC of the watchdog's dump in it (addr2line). */
void test_hook_spin_el2(void) __attribute__((noinline, noreturn));
void test_hook_spin_el2(void)
{
	for (;;)
		__asm__ volatile("" ::: "memory");
}

bool test_hook_call(struct vcpu *v, u64 regs[18])
{
	switch ((u32)regs[0]) {
	case HYPARM_TEST_HANG_EL2_FID:
		hv_printf("hyparm: test hook: spinning in EL2 with IRQs masked\n");
		test_hook_spin_el2();
	default:
		return false;
	}
}
#endif
