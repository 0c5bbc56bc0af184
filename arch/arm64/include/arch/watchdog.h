/*
 * hyparm's own watchdog: a CPU that stays in EL2 for more than
 * WATCHDOG_BOUND_MS without going back to a guest or to its idle WFI
 * prints a dump (hyparm: WATCHDOG: ...) and stops, instead of hanging
 * silently.
 *
 * The tick is the EL1 physical timer (CNTP, PPI 30), which no guest owns:
 * guests' CNTP accesses trap and are emulated (vdev/ptimer.c). PPI 30 is
 * a Group 0 interrupt at the physical GIC, signalled as FIQ (acknowledged
 * through ICC_IAR0_EL1 on a GICv3, through GICC_IAR on a GICv2), and EL2 runs
 * with FIQs unmasked (IRQs stay masked) from the moment an exit has read
 * its syndrome until guest_enter; so the tick reaches a CPU looping in
 * EL2 with IRQs masked. A tick taken while a guest runs costs a few
 * instructions (watchdog_fiq.S); the idle WFI has no tick at all.
 */
#ifndef ARCH_WATCHDOG_H
#define ARCH_WATCHDOG_H

/* WATCHDOG_* are plain numbers: watchdog_fiq.S includes this too. */
#ifndef __ASSEMBLER__
#include <hyparm/types.h>
#endif

/*
 * How long a CPU may stay in EL2 at one go. Generous: the longest
 * legitimate stretches (a VM reset step, a set/way step, a console line)
 * take milliseconds, but QEMU's TCG on a loaded host may stall a CPU
 * thread for a while.
 */
#define WATCHDOG_BOUND_MS 1000
/* Ticks per bound: the tick comes every bound / WATCHDOG_TICKS ms. */
#define WATCHDOG_TICKS 2
#define WATCHDOG_INTID 30 /* the EL1 physical timer's PPI */
/* Its priority: above the 0x80 of every other interrupt, so a tick preempts an IRQ hyparm is handling. */
#define WATCHDOG_PRIO 0x40

#ifndef __ASSEMBLER__
/*
 * On every CPU, at bring-up, once its GIC CPU interface is on and
 * WATCHDOG_INTID is a Group 0 interrupt there (gic_ppi_make_fiq): start
 * this CPU's tick.
 */
void watchdog_cpu_init(void);
/* Once, before: the GICv2 CPU interface frame the FIQ is acknowledged through (0: GICv3 system registers). */
void watchdog_set_cpuif(paddr_t gicc);
/* Around the idle WFI: no tick while asleep; the clock starts again at the wake-up. */
void watchdog_sleep(void);
void watchdog_wake(void);
/* From here on a tick may interrupt EL2 (an exit has read every syndrome register it needs). */
static inline void watchdog_unmask(void)
{
	__asm__ volatile("msr daifclr, #1" ::: "memory");
}

#endif /* __ASSEMBLER__ */

#endif
