/* The CPU's random-number register (FEAT_RNG), where it has one. */
#ifndef ARCH_RANDOM_H
#define ARCH_RANDOM_H

#include <arch/sysreg.h>
#include <hyparm/types.h>

/*
 * 64 bits from RNDR (a DRBG reseeded by the CPU's TRNG). false when the
 * CPU has no FEAT_RNG (ID_AA64ISAR0_EL1.RNDR == 0, e.g. Cortex-A57) or
 * could not return a number this time (RNDR sets PSTATE.Z then).
 */
static inline bool arch_random_u64(u64 *v)
{
	u64 r, ok;

	if (!((read_sysreg(id_aa64isar0_el1) >> 60) & 0xF))
		return false;
	/* RNDR is s3_3_c2_c4_0; the assembler may not know its name. */
	__asm__ volatile("mrs %0, s3_3_c2_c4_0\n\tcset %1, ne" : "=r"(r), "=r"(ok) : : "cc");
	*v = r;
	return ok;
}

#endif
