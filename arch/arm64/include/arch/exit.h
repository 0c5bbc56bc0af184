/*
 * The C functions the EL2 vectors (arch/arm64/entry.S) call. Guest exits go
 * to the core's exit entry (hyparm/exit.h: handle_guest_*, which get the
 * vCPU whose registers were just saved and return the vCPU to enter next);
 * an exception taken in hyparm itself goes to hyp_fault()
 * (arch/arm64/fault.c), which does not return.
 */
#ifndef ARCH_EXIT_H
#define ARCH_EXIT_H

#include <arch/context.h>

#include <hyparm/exit.h>

/* frame: the registers at the exception; kind: which vector (0-7, see el2_vectors); sp: the SP it interrupted. Never returns. */
void hyp_fault(struct gp_regs *frame, unsigned kind, u64 sp);

#endif
