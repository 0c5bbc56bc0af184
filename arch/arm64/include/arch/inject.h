/*
 * Exceptions hyparm makes a guest take, exactly as the hardware would
 * deliver them to EL1: ESR_EL1/FAR_EL1/ELR_EL1/SPSR_EL1 written, PSTATE set
 * to EL1h with DAIF masked, PC at the right VBAR_EL1 slot.
 * The vCPU must be the one loaded on this CPU (exits always are).
 * Returns false when the exception would be taken at the very vector the
 * previous injection sent the guest to: an exception loop, the VM is lost.
 */
#ifndef ARCH_INJECT_H
#define ARCH_INJECT_H

#include <hyparm/types.h>

struct vcpu;

bool inject_undef(struct vcpu *v);
/* Synchronous external abort on a data access at guest VA far. */
bool inject_dabt_sea(struct vcpu *v, u64 far);
/* Synchronous external abort on an instruction fetch at guest VA far. */
bool inject_iabt_sea(struct vcpu *v, u64 far);

#endif
