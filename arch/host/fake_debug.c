/* The fake CPU's debug registers (arch/fake_debug.h): plain memory, TDA a flag. */
#include <string.h>
#include <arch/fake_debug.h>

struct fake_debug fake_dbg = { .trap = true };

void fake_debug_reset(void)
{
	memset(&fake_dbg, 0, sizeof(fake_dbg));
	fake_dbg.trap = true;
}

u64 dbg_hw_read(enum dbg_reg r)
{
	return r < DBG_NR_REGS ? fake_dbg.reg[r] : 0;
}

void dbg_hw_write(enum dbg_reg r, u64 val)
{
	if (r < DBG_NR_REGS)
		fake_dbg.reg[r] = val;
	fake_dbg.writes++;
}

u64 dbg_hw_mdscr(void)
{
	return fake_dbg.mdscr;
}

void dbg_hw_set_mdscr(u64 val)
{
	fake_dbg.mdscr = val;
}

void dbg_hw_trap(bool trap)
{
	fake_dbg.trap = trap;
}

void dbg_hw_cpu_init(void)
{
	fake_debug_reset();
}
