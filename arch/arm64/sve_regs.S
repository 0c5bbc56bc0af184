/*
 * Save and restore a guest's SVE registers (arch/sve.h): with fpsimd.S the
 * only code in hyparm that touches vector registers. Runs at EL2 with
 * CPTR_EL2.TZ clear, at ZCR_EL2's vector length (VL): every offset is in
 * VL units ("MUL VL"), so one layout serves any VL.
 * Save area (x0): Z0-Z31 at x0 + n * VL, then P0-P15 at P = x0 + 32 * VL,
 * Pn at P + n * VL/8, FFR at P + 16 * VL/8.
 * Built with -march=armv8.2-a+sve (this file only, see the Makefile).
 */
	.text

/* x1 = P, the predicates' base: ADDVL adds at most 31 VLs, so 32 takes two. */
.macro pred_base
	addvl	x1, x0, #16
	addvl	x1, x1, #16
.endm

	.globl sve_save
sve_save:
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	str	z\n, [x0, #\n, mul vl]
	.endr
	pred_base
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	str	p\n, [x1, #\n, mul vl]
	.endr
	rdffr	p0.b				// FFR has no store: through p0, saved above
	str	p0, [x1, #16, mul vl]
	ldr	p0, [x1, #0, mul vl]		// p0 back: the guest's registers stay as they were
	ret

	.globl sve_restore
sve_restore:
	pred_base
	ldr	p0, [x1, #16, mul vl]		// FFR first, through p0 (loaded last below)
	wrffr	p0.b
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	ldr	p\n, [x1, #\n, mul vl]
	.endr
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ldr	z\n, [x0, #\n, mul vl]
	.endr
	ret

	.globl sve_rdvl
sve_rdvl:
	rdvl	x0, #1				// x0 = VL in bytes
	ret
