/*
 * Offsets of C structures that the assembly code (entry.S, fpsimd.S)
 * reaches into. Never linked: the Makefile compiles this file to assembly
 * and turns each "->NAME value" marker into a #define in
 * $(B)/include/generated/asm-offsets.h, so the numbers always follow the
 * structs and nobody keeps them by hand.
 */
#include <stddef.h>
#include <arch/context.h>
#include <hyparm/pcpu.h>
#include <hyparm/vm.h>

#define DEFINE(sym, val) __asm__ volatile(".ascii \"->" #sym " %0\\n\"" : : "i"(val))

/*
 * What the assembly assumes about layout beyond the numbers below: the
 * exit path treats SP as both the frame and the struct vcpu *, and stores
 * x0-x30 as consecutive pairs from offset 0 with ELR right after x30
 * (stp x30, x0); the frame keeps SP 16-byte aligned; fpcr follows fpsr
 * (one stp) and the q registers start at offset 0.
 */
_Static_assert(offsetof(struct vcpu, arch.regs) == 0, "entry.S: the frame is the start of struct vcpu");
_Static_assert(offsetof(struct gp_regs, x) == 0, "entry.S: x0 at offset 0");
_Static_assert(offsetof(struct gp_regs, elr) == offsetof(struct gp_regs, x[30]) + 8, "entry.S: stp x30, elr");
_Static_assert(sizeof(struct gp_regs) % 16 == 0, "entry.S: the frame keeps SP 16-byte aligned");
_Static_assert(offsetof(struct fpsimd_state, q) == 0, "fpsimd.S: q0 at offset 0");
_Static_assert(offsetof(struct fpsimd_state, fpcr) == offsetof(struct fpsimd_state, fpsr) + 8,
	       "fpsimd.S: stp fpsr, fpcr");

void asm_offsets(void);
void asm_offsets(void)
{
	DEFINE(GP_REGS_ELR, offsetof(struct gp_regs, elr));
	DEFINE(GP_REGS_SPSR, offsetof(struct gp_regs, spsr));
	DEFINE(GP_REGS_SIZE, sizeof(struct gp_regs));
	DEFINE(PCPU_STACK_TOP, offsetof(struct pcpu, stack_top));
	DEFINE(PCPU_EMERGENCY_TOP, offsetof(struct pcpu, emergency_top));
	DEFINE(FPSIMD_FPSR, offsetof(struct fpsimd_state, fpsr));
}
