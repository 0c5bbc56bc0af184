/*
 * Host fake of arch/sysreg.h: system registers are a register file in the
 * arch fake keyed by name (read_sysreg(sctlr_el1) reads "sctlr_el1"), so
 * arch code such as inject.c runs in host tests; barriers do nothing.
 * The constants (HCR_* ...) come from the real header.
 */
#ifndef ARCH_HOST_SYSREG_H
#define ARCH_HOST_SYSREG_H

#include_next <arch/sysreg.h>

u64 arch_fake_sysreg_read(const char *name);
void arch_fake_sysreg_write(const char *name, u64 val);

#undef read_sysreg
#undef write_sysreg
#undef isb
#undef dsb
#undef dmb
#undef wfi
#undef wfe
#undef sev
#define read_sysreg(r) arch_fake_sysreg_read(#r)
#define write_sysreg(r, v) arch_fake_sysreg_write(#r, (u64)(v))
#define isb() ((void)0)
#define dsb(opt) ((void)0)
#define dmb(opt) ((void)0)
#define wfi() ((void)0)
#define wfe() ((void)0)
#define sev() ((void)0)

#endif
