/*
 * What the core's exit entry reads of an exit from the CPU: the syndrome
 * registers, decoded once (esr_decode). Inline, so that the vectors'
 * one C call lands directly in the core's entry (core/exit.c) with no
 * arch trampoline in between; the host fake has its own version.
 */
#ifndef ARCH_EXIT_REGS_H
#define ARCH_EXIT_REGS_H

#include <arch/esr.h>
#include <arch/sysreg.h>
#include <arch/watchdog.h>

/*
 * Each of these starts the exit proper: once the syndrome registers are
 * read, the watchdog's tick (an FIQ) may interrupt EL2 (its return leaves
 * ESR/FAR_EL2 UNKNOWN, so not before).
 */
static inline void arch_exit_decode(u64 esr, struct exit_info *e)
{
	esr_decode(esr, read_sysreg(far_el2), read_sysreg(hpfar_el2), e);
	watchdog_unmask();
}

/* The physical count, for the exit statistics (no ISB: an instruction or two early or late is fine there). */
static inline u64 arch_exit_timestamp(void)
{
	return read_sysreg(cntpct_el0);
}

static inline u64 arch_exit_esr(void)
{
	u64 esr = read_sysreg(esr_el2);

	watchdog_unmask();
	return esr;
}

/* An interrupt exit reads no syndrome. */
static inline void arch_exit_irq_begin(void)
{
	watchdog_unmask();
}

/*
 * ESR_EL2 alone, the watchdog's tick still masked: the exit's fast path
 * tests it before any full decode; arch_exit_fast_begin() (nothing else
 * read) or arch_exit_decode(esr, ...) follows.
 */
static inline u64 arch_exit_peek_esr(void)
{
	return read_sysreg(esr_el2);
}

/* A fast-path exit starts: it reads no other syndrome register. */
static inline void arch_exit_fast_begin(void)
{
	watchdog_unmask();
}

#endif
