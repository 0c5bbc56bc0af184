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
