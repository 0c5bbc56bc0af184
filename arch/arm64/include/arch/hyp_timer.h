/*
 * Timers as the arch gives them: hyparm's own timer, the EL2 physical
 * timer (CNTHP, PPI 26), which the scheduler programs for the earlier of a
 * time slice's end and the next deadline of the CPU's deadline service;
 * the physical counter; and the loaded vCPU's live virtual-timer control.
 */
#ifndef ARCH_HYP_TIMER_H
#define ARCH_HYP_TIMER_H

#include <hyparm/types.h>

#define HYP_TIMER_INTID 26

/* Fire at physical count cval (0 = off). */
void hyp_timer_set(u64 cval);
u64 hyp_timer_now(void);
u64 hyp_timer_freq(void);
/* Physical count now (CNTPCT_EL0). */
u64 arch_counter_now(void);
/* CNTV_CTL_EL0 as the CPU has it now (the loaded vCPU's virtual timer). */
u64 arch_vtimer_ctl(void);

#endif
