/* The CPU's debug registers (see arch/debug.h): the only part of the debug code that touches hardware. */
#include <arch/debug.h>
#include <arch/sysreg.h>

#define MDCR_TDA BIT(9)

/* mrs/msr need the register number at assembly time: one case per breakpoint slot. */
#define DBG_CASES(n) \
	case DBG_BVR0 + (n): \
		OP(dbgbvr##n##_el1); \
	case DBG_BCR0 + (n): \
		OP(dbgbcr##n##_el1); \
	case DBG_WVR0 + (n): \
		OP(dbgwvr##n##_el1); \
	case DBG_WCR0 + (n): \
		OP(dbgwcr##n##_el1);
#define DBG_ALL_CASES \
	DBG_CASES(0) \
	DBG_CASES(1) \
	DBG_CASES(2) \
	DBG_CASES(3) \
	DBG_CASES(4) \
	DBG_CASES(5) \
	DBG_CASES(6) \
	DBG_CASES(7) \
	DBG_CASES(8) \
	DBG_CASES(9) \
	DBG_CASES(10) \
	DBG_CASES(11) \
	DBG_CASES(12) DBG_CASES(13) DBG_CASES(14) DBG_CASES(15)

u64 dbg_hw_read(enum dbg_reg r)
{
#define OP(reg) return read_sysreg(reg)
	switch ((unsigned)r) {
		DBG_ALL_CASES
	case DBG_MDCCINT:
		OP(mdccint_el1);
	case DBG_NR_REGS:
		break;
	}
#undef OP
	return 0;
}

void dbg_hw_write(enum dbg_reg r, u64 val)
{
#define OP(reg) \
	write_sysreg(reg, val); \
	return
	switch ((unsigned)r) {
		DBG_ALL_CASES
	case DBG_MDCCINT:
		OP(mdccint_el1);
	case DBG_NR_REGS:
		break;
	}
#undef OP
}

u64 dbg_hw_mdscr(void)
{
	return read_sysreg(mdscr_el1);
}

void dbg_hw_set_mdscr(u64 val)
{
	write_sysreg(mdscr_el1, val);
}

void dbg_hw_trap(bool trap)
{
	u64 mdcr = read_sysreg(mdcr_el2);
	u64 want = trap ? mdcr | MDCR_TDA : mdcr & ~MDCR_TDA;

	if (want != mdcr) {
		write_sysreg(mdcr_el2, want);
		isb();
	}
}

void dbg_hw_cpu_init(void)
{
	u64 dfr0 = read_sysreg(id_aa64dfr0_el1);
	unsigned brps = ((dfr0 >> 12) & 0xF) + 1, wrps = ((dfr0 >> 20) & 0xF) + 1;

	/*
	 * The OS lock is set at cold reset: unlocked, guests' debug events can
	 * happen at all (each guest has its own lock, emulated). No double
	 * lock, nothing enabled, no DCC interrupts.
	 */
	write_sysreg(oslar_el1, 0);
	write_sysreg(osdlr_el1, 0);
	write_sysreg(mdscr_el1, 0);
	for (unsigned i = 0; i < brps; i++) {
		dbg_hw_write(DBG_BCR0 + i, 0);
		dbg_hw_write(DBG_BVR0 + i, 0);
	}
	for (unsigned i = 0; i < wrps; i++) {
		dbg_hw_write(DBG_WCR0 + i, 0);
		dbg_hw_write(DBG_WVR0 + i, 0);
	}
	dbg_hw_write(DBG_MDCCINT, 0);
	isb();
}
