/*
 * Which vCPU a physical CPU runs. Each vCPU is placed on one physical CPU
 * (its VM's config says which) and stays there; a CPU runs its runnable
 * vCPUs round robin in time slices (hyparm's timer ends a slice only when
 * another vCPU there is runnable), and sleeps in WFI when none can run.
 * A vCPU's registers are only ever written by its own CPU: a CPU_ON or a
 * VM reset records what to do and the vCPU's CPU does it before entry.
 */
#ifndef HYPARM_SCHED_H
#define HYPARM_SCHED_H

#include <hyparm/types.h>
#include <hyparm/irqchip.h>
#include <hyparm/pcpu.h>
#include <hyparm/vm.h>


/* What an exit handler asks for. */
enum exit_action {
	ACT_RESUME, /* continue this vCPU */
	ACT_YIELD, /* let another runnable vCPU of this CPU go first */
	ACT_BLOCK, /* WFI: sleep until something is pending for it */
	ACT_STOP, /* it no longer runs (CPU_OFF, its VM stopped or resets) */
};

/* Put v on physical CPU pcpu's run list. */
void sched_place(struct vcpu *v, unsigned pcpu);
/* The slow half of sched_after_exit(): v leaves (or may leave) its CPU. May idle. */
struct vcpu *sched_switch(struct vcpu *v, enum exit_action a);
/*
 * A vCPU here became runnable or a deadline moved: look at the slice and
 * hyparm's timer. True: a woken vCPU is owed the CPU, v must leave now.
 */
bool sched_rearm(struct pcpu *p, struct vcpu *v);

/*
 * After an exit of v: the vCPU to enter next (loaded on this CPU). The fast
 * path, inline in the exit entry because every exit takes it: the same vCPU
 * goes on and nothing is switched. Whoever stops a vCPU from elsewhere (a
 * VM reset or power-off) also sets its CPU's need_resched (core/vm.c), so
 * its state need not be read here.
 */
static inline struct vcpu *sched_after_exit(struct vcpu *v, enum exit_action a)
{
	struct pcpu *p = this_pcpu();

	if (a != ACT_RESUME || v->vm->state != VM_RUNNING)
		return sched_switch(v, a);
	if (p->attention) { /* need_resched or need_rearm, one load for both */
		if (p->need_resched || sched_rearm(p, v))
			return sched_switch(v, a);
	}
	if (v->irqchip_busy || v->kicked)
		v->vm->irqchip->flush(v);
	return v;
}
/*
 * v has new work (an interrupt became pending for it, it was powered on):
 * wake it if it sleeps in WFI, or interrupt its CPU if it is in the guest
 * there, so that it looks before running on. Nothing for a vCPU that
 * cannot run (off, stopped): no interrupt reaches a CPU on its account.
 */
void vcpu_kick(struct vcpu *v);
/* Power v on at entry with x0 = ctx (PSCI CPU_ON, VM start). Its state must be VCPU_ON_PENDING, claimed by the caller. */
void sched_power_on(struct vcpu *v, u64 entry, u64 ctx);
/*
 * Physical counts v has waited, runnable, while its CPU ran another vCPU:
 * the time stolen from it, which paravirtual guests read (vdev/pvtime.c).
 * Read on v's own CPU; it grows only when that CPU switches to v.
 */
static inline u64 vcpu_stolen_counts(const struct vcpu *v)
{
	return v->stolen;
}
/* Once, on the boot CPU: claim the scheduler's physical interrupts (wake-up SGI, hyparm's timer). */
void sched_init(void);
/* Enter the scheduler on this CPU for the first time. */
void sched_start(void) __attribute__((noreturn));
/* Called when a VM stops; the last one powers the machine off. */
void sched_vm_stopped(void);
/* A stopped VM starts again (the monitor, a restart policy). */
void sched_vm_started(void);
/* Physical-counter ticks v has spent on a CPU (running or in hyparm for it, never in WFI). */
u64 sched_vcpu_run_ticks(const struct vcpu *v);
void sched_set_vm_count(unsigned n);

#endif
