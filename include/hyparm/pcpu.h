/*
 * Per-physical-CPU state, reached through this_pcpu() (TPIDR_EL2 holds the
 * pointer; entry.S reads the first two fields by offset, see arch/context.h).
 */
#ifndef HYPARM_PCPU_H
#define HYPARM_PCPU_H

#include <hyparm/types.h>
#include <arch/context.h>
#include <arch/cpu.h>

struct vcpu;

struct pcpu {
	struct vcpu *current;      /* PCPU_CURRENT: the vCPU this CPU runs or last ran */
	u64 stack_top;             /* PCPU_STACK_TOP */
	u64 emergency_top;         /* PCPU_EMERGENCY_TOP */
	unsigned id;               /* index, 0 = boot CPU */
	u64 mpidr;                 /* physical MPIDR affinity */
	struct vcpu *run_list;     /* vCPUs placed on this CPU */
	struct vcpu *loaded;       /* vCPU whose EL1 state is in the CPU registers */
	volatile bool online;
	bool hyp_timer_armed;      /* CNTHP programmed (slice end or a blocked vCPU's deadline) */
	bool need_resched;         /* the slice ended: switch at the next exit */
	volatile bool need_rearm;  /* a vCPU here became runnable: its slice timer must be armed */
	u64 idle_entries;          /* statistics */
};

extern struct pcpu pcpus[MAX_PCPUS];
extern unsigned nr_pcpus;

static inline struct pcpu *this_pcpu(void)
{
	struct pcpu *p;
	__asm__ volatile("mrs %0, tpidr_el2" : "=r"(p));
	return p;
}

#endif
