/*
 * Virtual PL031 real-time clock (ARM PrimeCell RTC, DDI 0224; as on QEMU
 * virt and in Linux's rtc-pl031, U-Boot's and EDK2's PL031 drivers): a
 * 32-bit seconds counter that a VM reads as the wall clock plus its own
 * offset (set by writing RTCLR), and a match register that raises the
 * interrupt when the counter reaches it. The register model only; the
 * time comes in as an argument (seconds since the epoch), so it is
 * tested on the host (tests/unit/test_vpl031.c).
 */
#ifndef VDEV_VPL031_H
#define VDEV_VPL031_H

#include <hyparm/types.h>

#define RTC_DR 0x000 /* data: the counter (read-only) */
#define RTC_MR 0x004 /* match */
#define RTC_LR 0x008 /* load: sets the counter */
#define RTC_CR 0x00C /* control: bit 0 start (once set, stays set) */
#define RTC_IMSC 0x010 /* interrupt mask set/clear: bit 0 */
#define RTC_RIS 0x014 /* raw interrupt status (read-only) */
#define RTC_MIS 0x018 /* masked interrupt status (read-only) */
#define RTC_ICR 0x01C /* interrupt clear (write-only) */
#define RTC_PERIPHID0 0xFE0 /* 0xFE0..0xFFC: PrimeCell peripheral and cell IDs */

struct vpl031 {
	u32 offset; /* counter minus wall-clock seconds, modulo 2^32 */
	u32 mr, lr;
	bool mr_set; /* the guest wrote RTCMR: a match can happen */
	bool imsc, ris;
};

void vpl031_reset(struct vpl031 *r);
/* The counter at wall-clock time now_s. */
u32 vpl031_count(const struct vpl031 *r, u64 now_s);
/*
 * Register access at off: reads of 1, 2 or 4 bytes, naturally aligned
 * (a narrower one sees its bytes of the register), writes of 32-bit words;
 * anything else is -HV_EINVAL. now_s is the wall clock in seconds.
 */
int vpl031_read(struct vpl031 *r, u64 off, unsigned size, u64 now_s, u32 *val);
int vpl031_write(struct vpl031 *r, u64 off, unsigned size, u64 now_s, u32 val);
/* Seconds from now_s until the counter equals RTCMR (0: it does now); only meaningful when mr_set. */
u32 vpl031_secs_to_match(const struct vpl031 *r, u64 now_s);
/* The counter reached RTCMR: latch the raw interrupt. */
void vpl031_match(struct vpl031 *r);
/* The interrupt line: RIS & IMSC. */
static inline bool vpl031_line(const struct vpl031 *r)
{
	return r->ris && r->imsc;
}

#endif
