/* Physical CPU limits and per-CPU stack geometry shared by boot.S and C. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#define MAX_PCPUS 8
#define PCPU_STACK_SIZE 16384
/*
 * boot_stacks (boot.S) holds one slot per CPU: an unmapped guard page,
 * then the stack, growing down towards the guard. An overflow faults on
 * the guard instead of running into the CPU below's stack.
 */
#define PCPU_GUARD_SIZE 4096
#define PCPU_STACK_SLOT (PCPU_GUARD_SIZE + PCPU_STACK_SIZE)
/* hyparm's own exceptions run on a separate small stack per CPU (entry.S): SP may be what failed. */
#define PCPU_EMERGENCY_STACK_SIZE 8192

#ifndef __ASSEMBLER__
/* The guard page of CPU i's stack slot, and which slot's guard an address is in (-1: none). */
#define pcpu_guard_page(stacks, i) ((stacks) + (unsigned long long)(i)*PCPU_STACK_SLOT)
static inline int pcpu_guard_index(unsigned long long stacks, unsigned long long a)
{
	if (a < stacks || a >= stacks + (unsigned long long)MAX_PCPUS * PCPU_STACK_SLOT)
		return -1;
	return (a - stacks) % PCPU_STACK_SLOT < PCPU_GUARD_SIZE ? (int)((a - stacks) / PCPU_STACK_SLOT) : -1;
}
#endif

#endif
