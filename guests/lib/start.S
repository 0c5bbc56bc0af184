/*
 * Entry of hyparm's bare-metal test guests. Loaded as a raw binary 512 KiB
 * into guest RAM (GUEST_RAM_IPA + GUEST_RAW_IMAGE_OFFSET, hyparm/guest_layout.h) and entered at its first byte at EL1h with
 * the MMU off, interrupts masked, x0 = the device tree's address.
 * Secondary vCPUs enter at secondary_start (PSCI CPU_ON) with x0 = their
 * stack top (context id).
 */
	.section .text.start, "ax"
	.globl _start
_start:
	/*
	 * Record the registers exactly as hyparm handed them over (guests/tests/
	 * regleak.c checks a new VM starts clean). x1 is the first scratch
	 * register: whether it was zero is recorded before it is reused.
	 */
	cbz	x1, 1f
	adr	x1, entry_x1_nonzero
	str	x1, [x1]			// any non-zero value says "x1 was not zero"
1:	adr	x1, entry_state
	str	x0, [x1, #0]
	stp	x2, x3, [x1, #16]
	stp	x4, x5, [x1, #32]
	stp	x6, x7, [x1, #48]
	stp	x8, x9, [x1, #64]
	stp	x10, x11, [x1, #80]
	stp	x12, x13, [x1, #96]
	stp	x14, x15, [x1, #112]
	stp	x16, x17, [x1, #128]
	stp	x18, x19, [x1, #144]
	stp	x20, x21, [x1, #160]
	stp	x22, x23, [x1, #176]
	stp	x24, x25, [x1, #192]
	stp	x26, x27, [x1, #208]
	stp	x28, x29, [x1, #224]
	str	x30, [x1, #240]
	mov	x2, sp
	mrs	x3, vbar_el1
	mrs	x4, cpacr_el1
	stp	x2, x3, [x1, #248]		// SP_EL1, VBAR_EL1
	str	x4, [x1, #264]			// CPACR_EL1
	mrs	x2, cntvct_el0			// when the VM started running (benchmarks: tools/bench.py)
	adr	x3, entry_cntvct
	str	x2, [x3]
	mov	x2, #(3 << 20)
	msr	cpacr_el1, x2			// FP/SIMD on, to read its registers
	isb
	add	x2, x1, #272
	stp	q0, q1, [x2, #32 * 0]
	stp	q2, q3, [x2, #32 * 1]
	stp	q4, q5, [x2, #32 * 2]
	stp	q6, q7, [x2, #32 * 3]
	stp	q8, q9, [x2, #32 * 4]
	stp	q10, q11, [x2, #32 * 5]
	stp	q12, q13, [x2, #32 * 6]
	stp	q14, q15, [x2, #32 * 7]
	stp	q16, q17, [x2, #32 * 8]
	stp	q18, q19, [x2, #32 * 9]
	stp	q20, q21, [x2, #32 * 10]
	stp	q22, q23, [x2, #32 * 11]
	stp	q24, q25, [x2, #32 * 12]
	stp	q26, q27, [x2, #32 * 13]
	stp	q28, q29, [x2, #32 * 14]
	stp	q30, q31, [x2, #32 * 15]
	mrs	x3, fpsr
	mrs	x4, fpcr
	str	x3, [x2, #512]
	str	x4, [x2, #520]
	ldr	x0, [x1, #0]			// x0 = DTB again
	mov	x19, x0				// x19 = DTB address, kept for main()
	adrp	x1, __stack_top
	add	x1, x1, :lo12:__stack_top
	mov	sp, x1				// boot stack, top of .stack
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start	// x1 = bss cursor
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end		// x2 = bss end
1:	cmp	x1, x2
	b.hs	2f
	str	xzr, [x1], #8
	b	1b
2:	adrp	x1, guest_vectors
	add	x1, x1, :lo12:guest_vectors
	msr	vbar_el1, x1			// our own exception vectors
	mov	x1, #(3 << 20)
	msr	cpacr_el1, x1			// FP/SIMD usable at EL1 (the compiler may use it)
	isb
	mov	x0, x19
	bl	guest_main
	b	.

	.globl secondary_start
secondary_start:
	mov	sp, x0				// x0 = context id = stack top for this vCPU
	adrp	x1, guest_vectors
	add	x1, x1, :lo12:guest_vectors
	msr	vbar_el1, x1
	mov	x1, #(3 << 20)
	msr	cpacr_el1, x1
	isb
	bl	secondary_main
	b	.

/* See _start and guest.h (struct entry_state). In .data: the bss is cleared after they are written. */
	.data
	.balign	16
	.globl entry_state
entry_state:
	.space	800
	.globl entry_x1_nonzero
entry_x1_nonzero:
	.quad	0
	.globl entry_cntvct
entry_cntvct:
	.quad	0
