/*
 * A firmware image for the flash test (guests/tests/flash.c): what a boot
 * loader in flash does, in a few instructions. hyparm enters it at IPA 0
 * (flash bank 0) with the MMU off and x0 = 0, as QEMU enters -bios. It
 * copies the test guest that follows it in the image to where a raw
 * kernel goes in RAM and enters that with x0 = the device tree, which a
 * firmware VM finds at the start of RAM. PAYLOAD (the guest's .bin) is
 * given by guests/guests.mk.
 *
 * The guest gets, for its checks (guests/lib/start.S records them):
 *   x2 = x0 as hyparm entered the firmware (want 0)
 *   x3 = the address the firmware ran at (want GUEST_FLASH0_IPA)
 *   x4 = where the guest's copy sits in the flash
 */
#include <hyparm/guest_layout.h>

	.text
	.globl	_start
_start:
	mov	x2, x0				// x2 = entry x0, kept for the guest
	adr	x3, _start			// x3 = where we run
	adr	x4, payload			// x4 = source (flash), kept for the guest
	adr	x5, payload_end			// x5 = end of the source
	mov	x6, x4				// x6 = copy cursor
	ldr	x7, =GUEST_RAM_IPA + GUEST_RAW_IMAGE_OFFSET	// x7 = destination, kept as the entry
	mov	x8, x7				// x8 = write cursor
1:	cmp	x6, x5
	b.hs	2f
	ldr	x9, [x6], #8			// 8-byte aligned: fine as Device memory (MMU off)
	str	x9, [x8], #8
	b	1b
2:	dsb	sy
	ic	iallu				// no stale instructions at the destination
	dsb	sy
	isb
	ldr	x0, =GUEST_RAM_IPA		// x0 = the device tree, at the start of RAM
	mov	x1, #0
	br	x7

	.ltorg
	.balign	8
payload:
	.incbin	PAYLOAD
	.balign	8
payload_end:
