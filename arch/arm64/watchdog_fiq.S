/*
 * The watchdog's tick taken while a guest runs (the lower-EL FIQ vectors
 * of entry.S branch here): the CPU is plainly not stuck in EL2, so only
 * acknowledge the tick, set the next one and go straight back to the
 * guest. Scratch registers are kept just below SP_EL2, in the slots of
 * the vCPU's register frame (pad, SPSR, ELR, x30) that only the next exit
 * writes.
 */
#include <arch/watchdog.h>
#include <hyparm/gic_regs.h>

	.text
	.globl watchdog_guest_fiq
watchdog_guest_fiq:
	stp	x0, x1, [sp, #-16]
	adrp	x1, watchdog_gicc
	ldr	x1, [x1, :lo12:watchdog_gicc]	// x1 = the GICv2 CPU interface, 0 on a GICv3
	cbnz	x1, gicv2_fiq
	mrs	x0, S3_0_C12_C8_0		// ICC_IAR0_EL1: acknowledge
	and	x0, x0, #0xFFFFFF
	cmp	x0, #1020
	b.hs	1f				// spurious: nothing to acknowledge
	mrs	x1, cntpct_el0
	str	x2, [sp, #-24]
	adrp	x2, watchdog_period
	ldr	x2, [x2, :lo12:watchdog_period]
	add	x1, x1, x2
	ldr	x2, [sp, #-24]
	msr	cntp_cval_el0, x1		// the next tick (this one's line goes down)
	isb
	msr	S3_0_C12_C8_1, x0		// ICC_EOIR0_EL1: priority drop
	msr	S3_0_C12_C11_1, x0		// ICC_DIR_EL1: deactivate (EOImode = 1)
1:	ldp	x0, x1, [sp, #-16]
	eret
	dsb	nsh				// no speculation past the ERET
	isb

/*
 * GICv2: the same through the GICC frame (x1 = its base). Its GICC_IAR
 * acknowledges Group 1 too (AckCtl): only if the tick is the highest
 * pending interrupt (GICC_HPPIR) is it acknowledged.
 */
gicv2_fiq:
	ldr	w0, [x1, #GICC_IAR]		// acknowledge
	and	x0, x0, #GICC_IAR_INTID_MASK
	cmp	x0, #1020
	b.hs	1b				// spurious: nothing to acknowledge
	stp	x2, x3, [sp, #-32]
	mrs	x2, cntpct_el0
	adrp	x3, watchdog_period
	ldr	x3, [x3, :lo12:watchdog_period]
	add	x2, x2, x3
	msr	cntp_cval_el0, x2		// the next tick (this one's line goes down)
	isb
	str	w0, [x1, #GICC_EOIR]		// priority drop
	add	x1, x1, #GICC_DIR
	str	w0, [x1]			// deactivate (EOImode = 1)
	ldp	x2, x3, [sp, #-32]
	b	1b
