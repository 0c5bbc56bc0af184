/* vCPU power state (PSCI CPU_ON/CPU_OFF) and layout checks shared with entry.S. */
#include <arch/vcpu_arch.h>
#include <hyparm/pcpu.h>
#include <hyparm/psci.h>

#include <hyparm/sched.h>
#include <hyparm/vm.h>
#include <hyparm/vmm.h>

_Static_assert(offsetof(struct vcpu, arch) == 0, "entry.S saves registers at the start of struct vcpu");
_Static_assert(offsetof(struct arch_vcpu, regs) == 0, "gp_regs first in arch_vcpu");
_Static_assert(offsetof(struct gp_regs, elr) == GP_REGS_ELR, "GP_REGS_ELR");
_Static_assert(offsetof(struct gp_regs, spsr) == GP_REGS_SPSR, "GP_REGS_SPSR");
_Static_assert(sizeof(struct gp_regs) == GP_REGS_SIZE, "GP_REGS_SIZE");
_Static_assert(offsetof(struct pcpu, current) == PCPU_CURRENT, "PCPU_CURRENT");
_Static_assert(offsetof(struct pcpu, stack_top) == PCPU_STACK_TOP, "PCPU_STACK_TOP");
_Static_assert(offsetof(struct pcpu, emergency_top) == PCPU_EMERGENCY_TOP, "PCPU_EMERGENCY_TOP");
_Static_assert(offsetof(struct fpsimd_state, fpsr) == 512, "fpsimd.S layout");

void vcpu_power_on(struct vcpu *target, u64 entry, u64 context_id)
{
	arch_vcpu_reset(target, entry, context_id);
	sched_start_pending(target);
}

void vcpu_power_off(struct vcpu *v)
{
	v->state = VCPU_OFF;
}
