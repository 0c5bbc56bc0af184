/* a. The simplest guest: prints through the virtual PL011 and powers off. */
#include "guest.h"

int main(void)
{
	gprintf("hello from guest (bootargs: '%s')\n", bootargs());
	check(read_sysreg(CurrentEL) >> 2 == 1, "runs at EL1");
	check((read_sysreg(sctlr_el1) & 1) == 0, "entered with the MMU off");
	check(ticks_per_sec() > 0, "counter frequency %llu Hz", (unsigned long long)ticks_per_sec());
	u64 base, size;
	check(dtb_memory(&base, &size) && base == RAM_BASE, "device tree memory at 0x%llx, %llu MiB",
	      (unsigned long long)base, (unsigned long long)(size >> 20));
	return 0;
}
