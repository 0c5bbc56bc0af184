/* The test guests' timer helpers (see timer.h). */
#include "gic.h"
#include "timer.h"

volatile u64 timer_fired_at;
volatile u32 timer_fired_intid, timer_fired_count;
volatile u32 timer_spurious_count;

void timer_irq(void)
{
	u32 i = gic_ack();
	if (i == GIC_INTID_SPURIOUS) {
		timer_spurious_count++;
		return;
	}
	timer_fired_at = now_ticks();
	timer_fired_intid = i;
	timer_fired_count++;
	/* Quiet the source before EOI: it is level-sensitive. */
	if (i == VTIMER_PPI)
		write_sysreg(cntv_ctl_el0, 0);
	else if (i == PTIMER_PPI)
		write_sysreg(cntp_ctl_el0, 0);
	isb();
	gic_eoi(i);
}

u64 timer_ms(u64 ms)
{
	return ticks_per_sec() / 1000 * ms;
}

bool timer_wait_fired(u32 count, u64 ms, bool sleep)
{
	u64 end = now_ticks() + timer_ms(ms);
	while (timer_fired_count < count && now_ticks() < end) {
		if (sleep)
			__asm__ volatile("wfi");
	}
	return timer_fired_count >= count;
}
