/* vCPU power state (PSCI CPU_ON/CPU_OFF). */
#include <arch/vcpu_arch.h>
#include <hyparm/pcpu.h>
#include <hyparm/psci.h>

#include <hyparm/sched.h>
#include <hyparm/vm.h>
#include <hyparm/vmm.h>

void vcpu_power_on(struct vcpu *target, u64 entry, u64 context_id)
{
	/* Its registers are written by its own CPU when it first enters it (sched.c), never from here. */
	sched_power_on(target, entry, context_id);
}

void vcpu_power_off(struct vcpu *v)
{
	v->state = VCPU_OFF;
}
