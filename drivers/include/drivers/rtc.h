/*
 * The board's real-time clock, read once at boot to set hyparm's wall
 * clock (core/wallclock.c): one driver per kind, chosen by the device
 * tree's compatible (drivers/fdt_platform.c). hyparm never writes an RTC.
 */
#ifndef DRIVERS_RTC_H
#define DRIVERS_RTC_H

#include <hyparm/types.h>

enum rtc_type {
	RTC_NONE,
	RTC_PL031, /* arm,pl031: QEMU virt */
	RTC_ZYNQMP, /* xlnx,zynqmp-rtc: ZynqMP (ZCU102) */
};

/*
 * Read the RTC at base (mapped for EL2) and hand its time to
 * wallclock_set(). False (and the wall clock left unset) when what is
 * there does not identify as that RTC, or holds no time.
 */
bool pl031_init(paddr_t base);
bool zynqmp_rtc_init(paddr_t base);

/* The driver for type; false for RTC_NONE. */
static inline bool rtc_init(enum rtc_type type, paddr_t base)
{
	return type == RTC_PL031 ? pl031_init(base) : type == RTC_ZYNQMP ? zynqmp_rtc_init(base) : false;
}

/* "PL031", "ZynqMP RTC": for the banner. */
static inline const char *rtc_name(enum rtc_type type)
{
	return type == RTC_PL031 ? "PL031" : type == RTC_ZYNQMP ? "ZynqMP RTC" : "none";
}

#endif
