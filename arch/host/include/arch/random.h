/*
 * Host fake of arch/random.h: RNDR exists when the test sets
 * ID_AA64ISAR0_EL1.RNDR in the fake register file, and reads the fake
 * register "rndr", which counts up by one per read.
 */
#ifndef ARCH_RANDOM_H
#define ARCH_RANDOM_H

#include <arch/sysreg.h>
#include <hyparm/types.h>

static inline bool arch_random_u64(u64 *v)
{
	if (!((read_sysreg(id_aa64isar0_el1) >> 60) & 0xF))
		return false;
	*v = read_sysreg(rndr);
	write_sysreg(rndr, *v + 1);
	return true;
}

#endif
