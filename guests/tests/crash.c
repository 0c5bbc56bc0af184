/*
 * g. A guest that destroys itself: its exception vectors point at nothing,
 * then it touches nothing. Every exception it would take faults again: an
 * exception loop that hyparm must stop without harming anyone else.
 * With "mode=off" it simply powers off at once instead; with "mode=spin" it
 * loops for ever, a run that only ends from outside (the launcher's tests).
 * With "mode=masked" it hangs as a broken kernel does: its virtual timer
 * fires (an interrupt pending for it) while it spins with interrupts masked,
 * asking nothing of hyparm: the vCPU progress watchdog must stop it
 * (include/hyparm/vcpu_watchdog.h). With "mode=ask" it prints
 * "crash: ready" and waits for a key on its console: 'c' crashes, 'm'
 * hangs masked, 'o' powers off (the restart-policy tests drive it).
 */
#include "gic.h"
#include "guest.h"
#include "timer.h"

#define UART_FR_RXFE (1u << 4)

static int key(void)
{
	volatile u32 *uart = (volatile u32 *)UART_BASE;

	while (uart[0x18 / 4] & UART_FR_RXFE)
		__asm__ volatile("yield");
	return uart[0] & 0xFF;
}

static void __attribute__((noreturn)) crash_now(void)
{
	gprintf("crashing now\n");
	write_sysreg(vbar_el1, 0x20000000UL);
	isb();
	(void)*(volatile u64 *)0x20000000UL;
	gprintf("FAIL: still alive after the crash\n");
	for (;;)
		;
}

static void __attribute__((noreturn)) masked_spin(void)
{
	gic_dist_init();
	gic_cpu_init();
	gic_enable(VTIMER_PPI, true);
	__asm__ volatile("msr daifset, #0xf" ::: "memory");
	write_sysreg(cntv_cval_el0, now_ticks());
	write_sysreg(cntv_ctl_el0, CTL_ENABLE);
	isb();
	gprintf("spinning with interrupts masked\n");
	for (;;)
		cpu_relax();
}

int main(void)
{
	char mode[16] = "";

	bootarg_str("mode", mode, sizeof(mode));
	if (mode[0] == 'a') {
		for (;;) {
			gprintf("crash: ready\n");
			switch (key()) {
			case 'c':
				crash_now();
			case 'm':
				masked_spin();
			case 'o':
				gprintf("powering off\n");
				psci_system_off();
			}
		}
	}
	if (mode[0] == 'o') {
		gprintf("powering off early\n");
		psci_system_off();
	}
	if (mode[0] == 's') {
		gprintf("spinning\n");
		for (;;)
			cpu_relax();
	}
	if (mode[0] == 'm')
		masked_spin();
	crash_now();
}
