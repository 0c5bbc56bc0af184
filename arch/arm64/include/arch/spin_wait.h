/* Waiting and signalling between CPUs: what a spinlock waits with, and the store barrier page tables need. */
#ifndef ARCH_SPIN_WAIT_H
#define ARCH_SPIN_WAIT_H

#define spin_wait_event() __asm__ volatile("wfe")
#define spin_signal() __asm__ volatile("dsb ishst\n sev" ::: "memory")

/* Stores (a page-table entry) visible to the table walkers of every CPU before what follows. */
static inline void arch_dsb_ishst(void)
{
	__asm__ volatile("dsb ishst" ::: "memory");
}

#endif
