/*
 * The C functions the EL2 vectors (arch/arm64/entry.S) call. Guest exits
 * (arch/arm64/exit.c) get the vCPU whose registers were just saved and
 * return the vCPU to enter next; an exception taken in hyparm itself goes
 * to hyp_fault() (arch/arm64/fault.c), which does not return.
 */
#ifndef ARCH_EXIT_H
#define ARCH_EXIT_H

#include <arch/context.h>

struct vcpu;

struct vcpu *handle_guest_sync(struct vcpu *v);
struct vcpu *handle_guest_irq(struct vcpu *v);      /* IRQ and FIQ */
struct vcpu *handle_guest_serror(struct vcpu *v);

/* frame: the registers at the exception; kind: which vector (0-7, see el2_vectors). Never returns. */
void hyp_fault(struct gp_regs *frame, unsigned kind);

#endif
