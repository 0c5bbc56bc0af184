/* PSCI for guests (core/psci.c): an SMCCC service (hyparm/smccc.h). */
#ifndef HYPARM_PSCI_H
#define HYPARM_PSCI_H

#include <hyparm/smccc.h>

struct vcpu;

/*
 * Start target, which the caller moved OFF -> STARTING, at entry with
 * context_id in x0: write its registers, then publish it ON_PENDING
 * (runnable) and wake its CPU (core/vcpu.c).
 */
void vcpu_power_on(struct vcpu *target, u64 entry, u64 context_id);

#endif
