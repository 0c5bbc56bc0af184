/* Where this CPU's struct pcpu is: TPIDR_EL2 holds the pointer (set at CPU bring-up). */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

static inline void *arch_pcpu_ptr(void)
{
	void *p;
	__asm__ volatile("mrs %0, tpidr_el2" : "=r"(p));
	return p;
}

/* Full barrier between a store and a later load on another CPU's behalf (Dekker-style handshakes). */
static inline void arch_smp_mb(void)
{
	__asm__ volatile("dmb ish" ::: "memory");
}

#endif
