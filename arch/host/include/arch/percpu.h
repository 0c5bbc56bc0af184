/* Host fake of arch/percpu.h: the test says which CPU "this" one is (arch_fake.cpu). */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

extern void *arch_fake_pcpu;

static inline void *arch_pcpu_ptr(void)
{
	return arch_fake_pcpu;
}

static inline void arch_smp_mb(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

#endif
