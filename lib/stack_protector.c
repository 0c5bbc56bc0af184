/*
 * Debian's arm64 libfdt.a is built with -fstack-protector: it needs a canary
 * and a failure hook. hyparm's own code is built without the protector.
 */
#include <hyparm/print.h>

unsigned long __stack_chk_guard = 0x5a17c0de6b1d2f3eUL;

void __stack_chk_fail(void) __attribute__((noreturn));
void __stack_chk_fail(void)
{
	hv_printf("hyparm: PANIC: stack smashing detected in libfdt\n");
	for (;;)
		__asm__ volatile("wfi");
}
