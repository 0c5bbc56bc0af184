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

static inline void arch_exit_decode(struct exit_info *e)
{
	esr_decode(read_sysreg(esr_el2), read_sysreg(far_el2), read_sysreg(hpfar_el2), e);
}

static inline u64 arch_exit_esr(void)
{
	return read_sysreg(esr_el2);
}

#endif
