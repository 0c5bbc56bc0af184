/* The fake CPU's debug registers behind arch/debug.h's hardware accessors (arch/host/fake_debug.c). */
#ifndef ARCH_FAKE_DEBUG_H
#define ARCH_FAKE_DEBUG_H

#include <arch/debug.h>

struct fake_debug {
	u64 reg[DBG_NR_REGS]; /* as the CPU holds them */
	u64 mdscr;
	bool trap; /* MDCR_EL2.TDA */
	unsigned writes; /* debug register writes (dbg_hw_write), to see what a switch costs */
};

extern struct fake_debug fake_dbg;
/* A CPU fresh from dbg_hw_cpu_init(), debug accesses trapping. */
void fake_debug_reset(void);

#endif
