/* EL2 physical timer and counter access (see arch/hyp_timer.h). */
#include <arch/hyp_timer.h>
#include <arch/sysreg.h>

#define CNT_ENABLE BIT(0)

void hyp_timer_set(u64 cval)
{
	if (!cval) {
		write_sysreg(cnthp_ctl_el2, 0);
		return;
	}
	write_sysreg(cnthp_cval_el2, cval);
	write_sysreg(cnthp_ctl_el2, CNT_ENABLE);
	isb();
}

u64 hyp_timer_now(void)
{
	isb();
	return read_sysreg(cntpct_el0);
}

u64 hyp_timer_freq(void)
{
	return read_sysreg(cntfrq_el0);
}

u64 arch_counter_now(void)
{
	return hyp_timer_now();
}

u64 arch_vtimer_ctl(void)
{
	isb(); /* ISTATUS as of now, not as of some earlier, speculated read */
	return read_sysreg(cntv_ctl_el0);
}
