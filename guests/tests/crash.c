/*
 * g. A guest that destroys itself: its exception vectors point at nothing,
 * then it touches nothing. Every exception it would take faults again: an
 * exception loop that hyparm must stop without harming anyone else.
 * With "mode=off" it simply powers off at once instead; with "mode=spin" it
 * loops for ever, a run that only ends from outside (the launcher's tests).
 */
#include "guest.h"

int main(void)
{
	char mode[16] = "";

	bootarg_str("mode", mode, sizeof(mode));
	if (mode[0] == 'o') {
		gprintf("powering off early\n");
		psci_system_off();
	}
	if (mode[0] == 's') {
		gprintf("spinning\n");
		for (;;)
			cpu_relax();
	}
	gprintf("crashing now\n");
	write_sysreg(vbar_el1, 0x20000000UL);
	isb();
	(void)*(volatile u64 *)0x20000000UL;
	gprintf("FAIL: still alive after the crash\n");
	for (;;)
		;
}
