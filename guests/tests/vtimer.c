/*
 * The virtual timer (CNTV_*, owned by the guest) and the emulated EL1
 * physical timer (CNTP_*): an interrupt never comes before the programmed
 * count, comes within a bound after it (spinning, and asleep in WFI, when
 * hyparm must wake the vCPU itself), and never while the timer is masked
 * (IMASK) or disabled.
 */
#include "gic.h"
#include "timer.h"

/* Generous: QEMU's timers follow the host clock, and CI machines are busy. */
#define BOUND_MS 50


static void one_shot(const char *what, unsigned ppi, u64 delay_ms, bool sleep)
{
	u32 before = timer_fired_count;
	u64 cval = now_ticks() + timer_ms(delay_ms);

	if (ppi == VTIMER_PPI) {
		write_sysreg(cntv_cval_el0, cval);
		write_sysreg(cntv_ctl_el0, CTL_ENABLE);
	} else {
		/* The physical counter differs from the virtual one by CNTVOFF: program it in its own time. */
		u64 pdelta = read_sysreg(cntpct_el0) - now_ticks();
		cval += pdelta;
		write_sysreg(cntp_cval_el0, cval);
		write_sysreg(cntp_ctl_el0, CTL_ENABLE);
		cval -= pdelta;
	}
	isb();
	bool ok = timer_wait_fired(before + 1, delay_ms + 1000, sleep);
	u64 at = timer_fired_at;
	check(ok && timer_fired_intid == ppi, "%s, %llu ms%s: fired (PPI %u)", what,
	      (unsigned long long)delay_ms, sleep ? ", asleep in WFI" : "", timer_fired_intid);
	if (!ok)
		return;
	check(at >= cval, "%s, %llu ms: not before the programmed count (%lld ticks after)", what,
	      (unsigned long long)delay_ms, (long long)(at - cval));
	check(at - cval < timer_ms(BOUND_MS), "%s, %llu ms: within %u ms of it (%llu us late)", what,
	      (unsigned long long)delay_ms, BOUND_MS,
	      (unsigned long long)((at - cval) * 1000000 / ticks_per_sec()));
}

static void masked_and_disabled(void)
{
	u32 before = timer_fired_count;

	/* Expired but masked: the status says so, the interrupt stays away. */
	write_sysreg(cntv_cval_el0, now_ticks());
	write_sysreg(cntv_ctl_el0, CTL_ENABLE | CTL_IMASK);
	isb();
	delay_ms(30);
	check(read_sysreg(cntv_ctl_el0) & CTL_ISTATUS, "masked timer: ISTATUS shows it expired");
	check(timer_fired_count == before, "masked timer: no interrupt in 30 ms");
	/* Expired but disabled. */
	write_sysreg(cntv_ctl_el0, 0);
	isb();
	delay_ms(30);
	check(timer_fired_count == before, "disabled timer: no interrupt in 30 ms");
	/* Unmasking an expired timer delivers at once. */
	u64 t0 = now_ticks();
	write_sysreg(cntv_ctl_el0, CTL_ENABLE);
	isb();
	bool ok = timer_wait_fired(before + 1, 1000, false);
	check(ok && timer_fired_at - t0 < timer_ms(BOUND_MS),
	      "unmasked expired timer: delivered within %u ms", BOUND_MS);

	/* TVAL counts down from what was written. */
	before = timer_fired_count;
	t0 = now_ticks();
	write_sysreg(cntv_tval_el0, timer_ms(5));
	write_sysreg(cntv_ctl_el0, CTL_ENABLE);
	isb();
	ok = timer_wait_fired(before + 1, 1000, false);
	check(ok && timer_fired_at - t0 >= timer_ms(5), "TVAL 5 ms: fired, not early");
}

int main(void)
{
	gic_dist_init();
	gic_cpu_init();
	gic_set_priority(VTIMER_PPI, 0xA0);
	gic_set_priority(PTIMER_PPI, 0xA0);
	gic_enable(VTIMER_PPI, true);
	gic_enable(PTIMER_PPI, true);
	set_irq_handler(timer_irq);
	irqs_on();

	check(ticks_per_sec() > 0, "CNTFRQ_EL0 = %llu Hz", (unsigned long long)ticks_per_sec());
	u64 a = now_ticks();
	delay_ms(1);
	check(now_ticks() > a, "the virtual counter counts");

	one_shot("virtual timer", VTIMER_PPI, 1, false);
	one_shot("virtual timer", VTIMER_PPI, 20, false);
	one_shot("virtual timer", VTIMER_PPI, 20, true);
	one_shot("virtual timer", VTIMER_PPI, 100, true);
	masked_and_disabled();
	one_shot("physical timer", PTIMER_PPI, 5, false);
	one_shot("physical timer", PTIMER_PPI, 20, true);
	irqs_off();
	return 0;
}
