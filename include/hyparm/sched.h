/*
 * Which vCPU a physical CPU runs. Each vCPU is placed on one physical CPU
 * (its VM's config says which) and stays there; a CPU runs its vCPUs in
 * turn when one blocks or yields, and sleeps in WFI when none can run.
 */
#ifndef HYPARM_SCHED_H
#define HYPARM_SCHED_H

#include <hyparm/types.h>

struct vcpu;
struct pcpu;

/* What an exit handler asks for. */
enum exit_action {
	ACT_RESUME,   /* continue this vCPU */
	ACT_YIELD,    /* let another runnable vCPU of this CPU go first */
	ACT_BLOCK,    /* WFI: sleep until something is pending for it */
	ACT_STOP,     /* it no longer runs (CPU_OFF, its VM stopped) */
};

/* Put v on physical CPU pcpu's run list. */
void sched_place(struct vcpu *v, unsigned pcpu);
/* After an exit of v: the vCPU to enter next (loaded on this CPU). May idle. */
struct vcpu *sched_after_exit(struct vcpu *v, enum exit_action a);
/* Make v runnable and wake its CPU. */
void sched_wake(struct vcpu *v);
/* v's state is VCPU_ON_PENDING (PSCI CPU_ON): let its CPU pick it up; it becomes RUNNABLE when first entered. */
void sched_start_pending(struct vcpu *v);
/* Enter the scheduler on this CPU for the first time. */
void sched_start(void) __attribute__((noreturn));
/* hyparm's own timer (CNTHP) fired on this CPU. */
void sched_hyp_timer_fired(void);
/* Called when a VM stops; the last one powers the machine off. */
void sched_vm_stopped(void);
void sched_set_vm_count(unsigned n);

#endif
