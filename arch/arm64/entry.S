/*
 * The EL2 vector table and the world switch of the general registers.
 *
 * While a guest runs, SP_EL2 points just past its vCPU's struct gp_regs
 * (the first member of struct vcpu), so an exit saves the guest's
 * registers straight into the vCPU with no copy; then SP moves to this
 * CPU's own stack (struct pcpu, found through TPIDR_EL2) and C decides
 * which vCPU runs next. guest_enter() is the only way back to a guest.
 */
#include <generated/asm-offsets.h>

/* Save x0-x30, ELR_EL2, SPSR_EL2 into a gp_regs frame pushed below SP. */
.macro save_frame
	sub	sp, sp, #GP_REGS_SIZE
	stp	x0, x1, [sp, #16 * 0]
	stp	x2, x3, [sp, #16 * 1]
	stp	x4, x5, [sp, #16 * 2]
	stp	x6, x7, [sp, #16 * 3]
	stp	x8, x9, [sp, #16 * 4]
	stp	x10, x11, [sp, #16 * 5]
	stp	x12, x13, [sp, #16 * 6]
	stp	x14, x15, [sp, #16 * 7]
	stp	x16, x17, [sp, #16 * 8]
	stp	x18, x19, [sp, #16 * 9]
	stp	x20, x21, [sp, #16 * 10]
	stp	x22, x23, [sp, #16 * 11]
	stp	x24, x25, [sp, #16 * 12]
	stp	x26, x27, [sp, #16 * 13]
	stp	x28, x29, [sp, #16 * 14]
	mrs	x0, elr_el2			// x0 = where the exception came from
	stp	x30, x0, [sp, #GP_REGS_ELR - 8]	// x30 and ELR side by side
	mrs	x1, spsr_el2			// x1 = PSTATE at the exception
	str	x1, [sp, #GP_REGS_SPSR]
.endm

/*
 * A guest exit: save the guest's registers into its vCPU, switch to this
 * CPU's stack, call handler(vcpu) which returns the vCPU to run next.
 */
.macro guest_exit handler
	save_frame
	mov	x0, sp				// x0 = struct vcpu * (gp_regs is its first member)
	mrs	x1, tpidr_el2			// x1 = struct pcpu *
	ldr	x2, [x1, #PCPU_STACK_TOP]	// x2 = top of this CPU's stack
	mov	sp, x2
	mov	x29, xzr			// backtraces stop at the exit
	bl	\handler
	b	guest_enter			// x0 = next vCPU
.endm

/*
 * An exception taken while hyparm itself ran: dump and stop this CPU.
 * SP cannot be trusted (a stack overflow faults on the guard page below
 * the stack, and pushing the frame there would fault again), so the dump
 * runs on this CPU's emergency stack. With no free register, x0 and SP
 * trade places by arithmetic (sp += x0; x0 = sp - x0; sp -= x0) and the
 * old SP waits in SP_EL0, which hyparm never uses otherwise.
 */
.macro hyp_exception kind
	add	sp, sp, x0
	sub	x0, sp, x0			// x0 = SP at the exception
	sub	sp, sp, x0			// SP = the old x0
	msr	sp_el0, x0
	mrs	x0, tpidr_el2			// struct pcpu (0 before cpu_init_common)
	cbz	x0, 1f
	ldr	x0, [x0, #PCPU_EMERGENCY_TOP]
	cbnz	x0, 2f
1:	mrs	x0, sp_el0			// no emergency stack yet: keep the old SP
2:	add	sp, sp, x0
	sub	x0, sp, x0			// x0 = the old x0 again
	sub	sp, sp, x0			// SP = the emergency stack
	save_frame
	mov	x0, sp				// x0 = saved frame
	mov	x1, #\kind			// x1 = which vector
	mrs	x2, sp_el0			// x2 = SP at the exception
	bl	hyp_fault			// never returns
	b	.
.endm

.macro vector label
	.balign	128
	b	\label
.endm

/*
 * A guest exit on a CPU whose firmware says it needs SMCCC_ARCH_WORKAROUND_1
 * (core/mitigations.c): the call invalidates the branch predictor before
 * hyparm runs a single indirect branch the guest could have trained. The
 * call may change x0-x3 only (SMCCC 1.1): they wait in their own slots of
 * the frame that save_frame writes next.
 */
.macro vector_bp label
	.balign	128
	stp	x0, x1, [sp, #-GP_REGS_SIZE]
	stp	x2, x3, [sp, #-(GP_REGS_SIZE - 16)]
	mov	w0, #0x8000
	movk	w0, #0x8000, lsl #16		// SMCCC_ARCH_WORKAROUND_1
	smc	#0
	ldp	x0, x1, [sp, #-GP_REGS_SIZE]
	ldp	x2, x3, [sp, #-(GP_REGS_SIZE - 16)]
	b	\label
.endm

	.text
	.balign	2048
	.globl el2_vectors
el2_vectors:
	vector	cur_sp0_sync			// EL2 with SP_EL0: hyparm never uses SP_EL0
	vector	cur_sp0_irq
	vector	cur_sp0_fiq
	vector	cur_sp0_serror
	vector	cur_spx_sync			// EL2 with SP_EL2: a bug in hyparm
	vector	cur_spx_irq
	vector	cur_spx_fiq
	vector	cur_spx_serror
	vector	low64_sync			// guest (AArch64 EL1/EL0): the exits
	vector	low64_irq
	vector	low64_fiq
	vector	low64_serror
	vector	low32_sync			// guest EL0 in AArch32: same exits
	vector	low32_irq
	vector	low32_fiq
	vector	low32_serror

/* The same table with the firmware's branch-predictor workaround on every guest exit. */
	.balign	2048
	.globl el2_vectors_bp
el2_vectors_bp:
	vector	cur_sp0_sync
	vector	cur_sp0_irq
	vector	cur_sp0_fiq
	vector	cur_sp0_serror
	vector	cur_spx_sync
	vector	cur_spx_irq
	vector	cur_spx_fiq
	vector	cur_spx_serror
	vector_bp low64_sync
	vector_bp low64_irq
	vector_bp low64_fiq
	vector_bp low64_serror
	vector_bp low32_sync
	vector_bp low32_irq
	vector_bp low32_fiq
	vector_bp low32_serror

cur_sp0_sync:	hyp_exception 0
cur_sp0_irq:	hyp_exception 1
cur_sp0_fiq:	hyp_exception 2
cur_sp0_serror:	hyp_exception 3
cur_spx_sync:	hyp_exception 4
cur_spx_irq:	hyp_exception 5
cur_spx_fiq:	b	hyp_fiq			// the watchdog's tick (arch/watchdog.h)
cur_spx_serror:	hyp_exception 7

low64_sync:	guest_exit handle_guest_sync
low64_irq:	guest_exit handle_guest_irq
low64_fiq:	b	watchdog_guest_fiq		// the watchdog's tick: back to the guest at once
low64_serror:	guest_exit handle_guest_serror
low32_sync:	guest_exit handle_guest_sync
low32_irq:	guest_exit handle_guest_irq
low32_fiq:	b	watchdog_guest_fiq
low32_serror:	guest_exit handle_guest_serror

/*
 * A watchdog tick that interrupted hyparm (EL2 runs with FIQs unmasked
 * between an exit's syndrome reads and guest_enter). The frame is the
 * interrupted context: watchdog_el2_fiq dumps it if this CPU is stuck
 * (and never returns then), else it comes back and the context resumes.
 */
hyp_fiq:
	save_frame
	mov	x0, sp				// x0 = the interrupted context
	bl	watchdog_el2_fiq
	ldp	x30, x0, [sp, #GP_REGS_ELR - 8]
	msr	elr_el2, x0
	ldr	x0, [sp, #GP_REGS_SPSR]
	msr	spsr_el2, x0
	ldp	x0, x1, [sp, #16 * 0]
	ldp	x2, x3, [sp, #16 * 1]
	ldp	x4, x5, [sp, #16 * 2]
	ldp	x6, x7, [sp, #16 * 3]
	ldp	x8, x9, [sp, #16 * 4]
	ldp	x10, x11, [sp, #16 * 5]
	ldp	x12, x13, [sp, #16 * 6]
	ldp	x14, x15, [sp, #16 * 7]
	ldp	x16, x17, [sp, #16 * 8]
	ldp	x18, x19, [sp, #16 * 9]
	ldp	x20, x21, [sp, #16 * 10]
	ldp	x22, x23, [sp, #16 * 11]
	ldp	x24, x25, [sp, #16 * 12]
	ldp	x26, x27, [sp, #16 * 13]
	ldp	x28, x29, [sp, #16 * 14]
	add	sp, sp, #GP_REGS_SIZE
	eret
	dsb	nsh
	isb

/*
 * void guest_enter(struct vcpu *vcpu) -- never returns.
 * Restores the vCPU's general registers, ELR_EL2 and SPSR_EL2 and ERETs.
 * Leaves SP_EL2 just past the frame for the next exit. The caller has
 * already loaded the vCPU's system registers and stage 2.
 */
	.globl guest_enter
guest_enter:
	msr	daifset, #1			// no tick from here: ELR/SPSR_EL2 and SP hold the guest's
	ldr	x1, [x0, #GP_REGS_ELR]
	msr	elr_el2, x1			// guest PC
	ldr	x1, [x0, #GP_REGS_SPSR]
	msr	spsr_el2, x1			// guest PSTATE
	add	x1, x0, #GP_REGS_SIZE
	mov	sp, x1				// next exit pushes the frame back here
	ldp	x2, x3, [x0, #16 * 1]
	ldp	x4, x5, [x0, #16 * 2]
	ldp	x6, x7, [x0, #16 * 3]
	ldp	x8, x9, [x0, #16 * 4]
	ldp	x10, x11, [x0, #16 * 5]
	ldp	x12, x13, [x0, #16 * 6]
	ldp	x14, x15, [x0, #16 * 7]
	ldp	x16, x17, [x0, #16 * 8]
	ldp	x18, x19, [x0, #16 * 9]
	ldp	x20, x21, [x0, #16 * 10]
	ldp	x22, x23, [x0, #16 * 11]
	ldp	x24, x25, [x0, #16 * 12]
	ldp	x26, x27, [x0, #16 * 13]
	ldp	x28, x29, [x0, #16 * 14]
	ldr	x30, [x0, #16 * 15]
	ldp	x0, x1, [x0, #16 * 0]		// x0 last: it held the frame pointer
	eret
	dsb	nsh				// no speculation past the ERET
	isb
