/* Generic-timer control bits (CNTV_CTL_EL0 / CNTP_CTL_EL0), shared by the two timer devices. */
#ifndef VDEV_TIMER_H
#define VDEV_TIMER_H

#define CNT_CTL_ENABLE 1u
#define CNT_CTL_IMASK 2u
#define CNT_CTL_ISTATUS 4u

/* The timer's output: enabled, condition met, not masked. */
#define CNT_CTL_FIRES(ctl) \
	(((ctl) & (CNT_CTL_ENABLE | CNT_CTL_IMASK | CNT_CTL_ISTATUS)) == (CNT_CTL_ENABLE | CNT_CTL_ISTATUS))

#endif
