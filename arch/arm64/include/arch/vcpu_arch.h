/* The arch side of a vCPU's life: reset state, switching it on and off a CPU, traps configuration. */
#ifndef ARCH_VCPU_ARCH_H
#define ARCH_VCPU_ARCH_H

#include <hyparm/types.h>

struct vcpu;
struct vm;
struct exit_info;

/* Architectural reset state, in memory (v is not loaded): EL1h, interrupts masked, MMU off, PC = entry, x0 = arg. */
void arch_vcpu_reset(struct vcpu *v, u64 entry, u64 x0);
/* v's registers from the CPU to memory; its virtual timer is silenced in the CPU. */
void arch_vcpu_put(struct vcpu *v);
/* v's EL1 registers from the CPU to memory, v staying loaded (a crash report reads them). v must be loaded here. */
void arch_vcpu_sync_sysregs(struct vcpu *v);
/* v's registers into the CPU; prev_vm: the VM of the vCPU loaded before (NULL if none), to skip a stage-2 switch within a VM. */
void arch_vcpu_load(struct vcpu *v, const struct vm *prev_vm);
/*
 * The running vCPU v trapped on first use of a register file the arch
 * switches only once used (an EXIT_FP exit: SVE through CPTR_EL2.TZ, a PAC
 * instruction through HCR_EL2.API): true if that state is now live and the
 * instruction is to run again, false if the guest is to take UNDEFINED
 * (the CPU has no such feature).
 */
bool arch_vcpu_first_use(struct vcpu *v, const struct exit_info *e);
/*
 * Bytes of per-vCPU state kept outside struct vcpu (the SVE save area, sized
 * for the vector length hyparm chose; 0 on a CPU without SVE): the core
 * allocates it with the vCPU and hands it over with arch_vcpu_set_state_area.
 */
u64 arch_vcpu_state_bytes(void);
void arch_vcpu_set_state_area(struct vcpu *v, void *area);
/* Once per physical CPU: EL2 controls that are the same for every guest. */
void arch_cpu_init_traps(unsigned parange);
/* Sleep until an interrupt is pending (EL2, interrupts masked: it is taken by hand afterwards). */
void arch_wait_for_interrupt(void);

void fpsimd_save(void *state);
void fpsimd_restore(const void *state);
void guest_enter(struct vcpu *v) __attribute__((noreturn));

#endif
