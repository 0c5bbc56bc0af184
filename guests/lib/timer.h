/*
 * The generic timers as the test guests use them: control bits, an
 * interrupt handler that records what fired and quiets the source, and a
 * bounded wait for it (guests/lib/timer.c).
 */
#ifndef GUEST_TIMER_H
#define GUEST_TIMER_H

#include "guest.h"
#include <hyparm/guest_layout.h>

#define VTIMER_PPI GUEST_VTIMER_INTID
#define PTIMER_PPI GUEST_PTIMER_INTID
#define CTL_ENABLE 1u
#define CTL_IMASK 2u
#define CTL_ISTATUS 4u

/* What timer_irq() saw last: the virtual count when it ran, the INTID, how many so far. */
extern volatile u64 timer_fired_at;
extern volatile u32 timer_fired_intid, timer_fired_count;
/* IRQ exceptions whose acknowledge found nothing (INTID 1023). */
extern volatile u32 timer_spurious_count;

/* An IRQ handler (set_irq_handler): acknowledge, record, disable the timer that fired (it is level), EOI. */
void timer_irq(void);
/* ms milliseconds in virtual-counter ticks. */
u64 timer_ms(u64 ms);
/* Wait up to ms for timer_fired_count to reach count, spinning or asleep in WFI. */
bool timer_wait_fired(u32 count, u64 ms, bool sleep);

#endif
