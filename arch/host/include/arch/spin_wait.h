/* Host fake of arch/spin_wait.h: unit tests are single-threaded, a lock only has to count. */
#ifndef ARCH_SPIN_WAIT_H
#define ARCH_SPIN_WAIT_H

#define spin_wait_event() ((void)0)
#define spin_signal() ((void)0)

static inline void arch_dsb_ishst(void)
{
	__asm__ volatile("" ::: "memory");
}

#endif
