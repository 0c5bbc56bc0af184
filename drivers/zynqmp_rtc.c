/*
 * The ZynqMP's real-time clock (xlnx,zynqmp-rtc; Zynq UltraScale+ TRM
 * UG1085, "Real Time Clock"): CURRENT_TIME counts seconds (QEMU's model
 * starts it at the host's time; on a board, the battery-backed counter
 * that firmware or Linux set). Read once at boot, as the PL031 is.
 */
#include <arch/hyp_timer.h>
#include <drivers/rtc.h>
#include <hyparm/wallclock.h>

#define ZYNQMP_RTC_CURRENT_TIME 0x10

bool zynqmp_rtc_init(paddr_t base)
{
	u32 seconds = *(volatile u32 *)(uintptr_t)(base + ZYNQMP_RTC_CURRENT_TIME);

	/* No identification register: a counter still at 0 was never set (or nothing is there). */
	if (!seconds)
		return false;
	wallclock_set(seconds, arch_counter_now());
	return true;
}
