/* PSCI for guests (core/psci.c), reached through the SMCCC dispatcher. */
#ifndef HYPARM_PSCI_H
#define HYPARM_PSCI_H

#include <hyparm/smccc.h>

struct vcpu;

/* True if fid is in the PSCI range (0x84000000-0x8400001F, 0xC4000000-0xC400001F). */
bool psci_is_psci_fid(u32 fid);
enum smccc_action psci_dispatch(struct vcpu *v, u64 regs[18]);
/*
 * Start target, which the caller moved OFF -> STARTING, at entry with
 * context_id in x0: write its registers, then publish it ON_PENDING
 * (runnable) and wake its CPU (core/vcpu.c).
 */
void vcpu_power_on(struct vcpu *target, u64 entry, u64 context_id);

#endif
