/*
 * Per-physical-CPU state, reached through this_pcpu() (TPIDR_EL2 holds the
 * pointer; entry.S reads the first two fields by offset, see arch/context.h).
 */
#ifndef HYPARM_PCPU_H
#define HYPARM_PCPU_H

#include <hyparm/types.h>
#include <arch/context.h>
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/spinlock.h>

struct vcpu;
struct deadline;

struct pcpu {
	struct vcpu *current; /* the vCPU this CPU runs or last ran */
	u64 stack_top; /* top of this CPU's EL2 stack: the vectors load it (PCPU_STACK_TOP) */
	u64 emergency_top; /* top of this CPU's emergency stack, for hyparm's own faults (PCPU_EMERGENCY_TOP) */
	unsigned id; /* index, 0 = boot CPU */
	u64 mpidr; /* physical MPIDR affinity */
	struct vcpu *run_list; /* vCPUs placed on this CPU */
	struct vcpu *loaded; /* vCPU whose EL1 state is in the CPU registers */
	volatile bool online;
	/* Scheduling. */
	u64 slice_end; /* physical count at which the running vCPU's slice ends, 0 = no slice */
	u64 timer_at; /* what hyparm's timer (CNTHP) is set to, DEADLINE_NONE = off */
	u64 vclock; /* the largest virtual run time charged here: where sleepers catch up to (core/sched.c) */
	/* What the exit fast path must look at; read as one halfword there (sched_after_exit()). */
	union {
		struct {
			volatile bool need_resched; /* the slice ended: switch at the next exit */
			volatile bool
				need_rearm; /* a vCPU here became runnable, or the earliest deadline moved */
		};
		volatile u16 attention;
	};
	/* The deadline service's queue for this CPU (core/deadline.c). */
	spinlock_t deadline_lock;
	struct deadline *deadlines;
};

extern struct pcpu pcpus[MAX_PCPUS];
extern unsigned nr_pcpus;

static inline struct pcpu *this_pcpu(void)
{
	return arch_pcpu_ptr();
}

#endif
