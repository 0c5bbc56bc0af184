/*
 * hyparm's own timer: the EL2 physical timer (CNTHP, PPI 26). It ends a
 * time slice when a CPU has more runnable vCPUs than one, and wakes a CPU
 * whose blocked vCPU's virtual timer is due while another vCPU is loaded
 * (the loaded one's virtual timer raises its own interrupt).
 */
#ifndef ARCH_HYP_TIMER_H
#define ARCH_HYP_TIMER_H

#include <hyparm/types.h>

struct el1_sysregs;

#define HYP_TIMER_INTID 26

/* Fire at physical count cval (0 = off). */
void hyp_timer_set(u64 cval);
u64 hyp_timer_now(void);
u64 hyp_timer_freq(void);
/* A vCPU's virtual timer deadline in physical counts, or 0 if it cannot fire. */
u64 vtimer_deadline(const struct el1_sysregs *s, u64 cntvoff);

#endif
