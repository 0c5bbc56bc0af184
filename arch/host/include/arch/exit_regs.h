/* Host fake of arch/exit_regs.h: the syndrome registers as the test set them (arch_fake.esr/far/hpfar). */
#ifndef ARCH_EXIT_REGS_H
#define ARCH_EXIT_REGS_H

#include <arch/esr.h>
#include <arch/fake.h>

static inline void arch_exit_decode(u64 esr, struct exit_info *e)
{
	if (arch_fake.next_exit) {
		*e = *arch_fake.next_exit;
		arch_fake.next_exit = 0;
		return;
	}
	esr_decode(esr, arch_fake.far, arch_fake.hpfar, e);
}

static inline u64 arch_exit_timestamp(void)
{
	return arch_fake.now;
}

static inline u64 arch_exit_esr(void)
{
	return arch_fake.esr;
}

static inline void arch_exit_irq_begin(void)
{
}

static inline u64 arch_exit_peek_esr(void)
{
	return arch_fake.next_exit ? arch_fake.next_exit->esr : arch_fake.esr;
}

static inline void arch_exit_fast_begin(void)
{
	arch_fake.next_exit = 0;
}

#endif
