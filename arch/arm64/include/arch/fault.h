/*
 * What hyparm prints when it fails at EL2 (arch/arm64/fault.c): shared by
 * the fault vectors (hyp_fault) and the watchdog.
 */
#ifndef ARCH_FAULT_H
#define ARCH_FAULT_H

#include <arch/context.h>

/* ELR/SPSR, the registers (sp: the interrupted SP), the vCPU this CPU was serving and a frame-pointer backtrace of frame. */
void fault_dump(const struct gp_regs *frame, u64 sp);
/* Stop this CPU for good (the other CPUs and their VMs go on). */
void fault_stop_cpu(void) __attribute__((noreturn));

#endif
