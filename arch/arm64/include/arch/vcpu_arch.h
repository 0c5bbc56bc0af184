/* The arch side of a vCPU's life: reset state, loading it on a CPU, traps configuration. */
#ifndef ARCH_VCPU_ARCH_H
#define ARCH_VCPU_ARCH_H

#include <hyparm/types.h>

struct vcpu;
struct pcpu;

/* Architectural reset state: EL1h, interrupts masked, MMU off, PC = entry, x0 = arg. */
void arch_vcpu_reset(struct vcpu *v, u64 entry, u64 x0);
/* Make v the vCPU whose state is in this CPU's registers (no-op when it already is). */
void arch_vcpu_load(struct pcpu *p, struct vcpu *v);
void arch_vcpu_unload(struct pcpu *p, struct vcpu *v);
/* Once per physical CPU: EL2 controls that are the same for every guest. */
void arch_cpu_init_traps(unsigned parange);


void fpsimd_save(void *state);
void fpsimd_restore(const void *state);
void guest_enter(struct vcpu *v) __attribute__((noreturn));

#endif
