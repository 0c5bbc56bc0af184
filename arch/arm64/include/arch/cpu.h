/* Physical CPU limits and per-CPU stack geometry shared by boot.S and C. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#define MAX_PCPUS        8
#define PCPU_STACK_SIZE  16384

#endif
