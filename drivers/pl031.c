/*
 * The board's PL031 (ARM DDI 0224): hyparm only reads it, once, at boot.
 * Its data register counts seconds (QEMU starts it at the host's time);
 * together with the counter value read right after it, that is all the
 * wall clock needs (core/wallclock.c). hyparm never writes the RTC.
 */
#include <arch/hyp_timer.h>
#include <drivers/rtc.h>
#include <hyparm/wallclock.h>

#define RTCDR 0x000
#define PERIPHID0 0xFE0
#define PERIPHID1 0xFE4
#define PERIPHID2 0xFE8

static u32 rd(paddr_t base, unsigned off)
{
	return *(volatile u32 *)(uintptr_t)(base + off);
}

bool pl031_init(paddr_t base)
{
	/* Part number 0x031, designer ARM (0x41): the low ID registers say what it is. */
	u32 part = (rd(base, PERIPHID0) & 0xFF) | (rd(base, PERIPHID1) & 0xF) << 8;
	u32 designer = (rd(base, PERIPHID1) >> 4 & 0xF) | (rd(base, PERIPHID2) & 0xF) << 4;

	if (part != 0x031 || designer != 0x41)
		return false;
	u32 seconds = rd(base, RTCDR);
	wallclock_set(seconds, arch_counter_now());
	return true;
}
