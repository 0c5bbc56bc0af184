/* EL2 physical timer access (see arch/hyp_timer.h). */
#include <arch/context.h>
#include <arch/hyp_timer.h>
#include <arch/sysreg.h>

#define CNT_ENABLE BIT(0)
#define CNT_IMASK  BIT(1)

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

u64 vtimer_deadline(const struct el1_sysregs *s, u64 cntvoff)
{
	if ((s->cntv_ctl_el0 & (CNT_ENABLE | CNT_IMASK)) != CNT_ENABLE)
		return 0;
	return s->cntv_cval_el0 + cntvoff;
}

u64 arch_counter_now(void)
{
	return hyp_timer_now();
}
