/*
 * The vCPU progress watchdog: notices a guest vCPU that spins with its
 * interrupts masked for good (a hang no exit would ever show), and stops
 * its VM as a crash (its restart policy then applies). The EL2 watchdog
 * (arch/arm64/watchdog.c) is the other one: it catches a CPU stuck in
 * hyparm itself.
 *
 * "No progress", concretely and cheaply: every 2 s each CPU's own
 * timer interrupts the vCPU it runs (a deadline, core/deadline.c), and the
 * vCPU is stuck while, at every such look, it is in its guest with
 * PSTATE.I set, an interrupt is pending for it that it therefore cannot
 * take, and it has made no exit but interrupt exits since the previous
 * look (no MMIO, no HVC, no WFI, no trapped register: nothing it asks of
 * the machine). After VCPU_WATCHDOG_SECONDS of that, as Linux's own hard
 * lockup detector (watchdog_thresh = 10), its VM is stopped. A guest that
 * computes with interrupts masked but nothing pending (a bare-metal job
 * that never armed a timer) is left alone: nothing waits on it.
 */
#ifndef HYPARM_VCPU_WATCHDOG_H
#define HYPARM_VCPU_WATCHDOG_H

#include <hyparm/types.h>

#define VCPU_WATCHDOG_SECONDS 10

struct vcpu;

/* Start looking at the vCPUs this CPU runs (once per CPU, on it, before it first enters a guest). */
void vcpu_watchdog_start(void);
/* The look itself at count now, at v which this CPU's timer interrupted in its guest; true if v is stuck. Pure but for v's irqchip. */
bool vcpu_watchdog_check(struct vcpu *v, u64 now, u64 freq);

#endif
