/*
 * a. The simplest guest: prints through the virtual PL011 and powers off.
 * Its timing line gives tools/bench.py's scale rows the VM's own virtual
 * counter (0 at the VM's creation) at its first instructions and at its
 * first output, so that they never depend on when the host saw the line.
 */
#include "guest.h"

int main(void)
{
	u64 greet = read_sysreg(cntvct_el0);

	gprintf("hello from guest (bootargs: '%s')\n", bootargs());
	gprintf("hello: timing: entry cntvct %llu, greeting cntvct %llu\n", (unsigned long long)entry_cntvct,
		(unsigned long long)greet);
	check(read_sysreg(CurrentEL) >> 2 == 1, "runs at EL1");
	check((read_sysreg(sctlr_el1) & 1) == 0, "entered with the MMU off");
	check(ticks_per_sec() > 0, "counter frequency %llu Hz", (unsigned long long)ticks_per_sec());
	u64 base, size;
	check(dtb_memory(&base, &size) && base == RAM_BASE, "device tree memory at 0x%llx, %llu MiB",
	      (unsigned long long)base, (unsigned long long)(size >> 20));
	return 0;
}
