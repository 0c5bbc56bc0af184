/*
 * The core's exit entry: the arch's vectors (arch/arm64/exit.c) decode an
 * exit and call one of these with the running vCPU; each returns the vCPU
 * to enter next (the same one on the fast path).
 */
#ifndef HYPARM_EXIT_H
#define HYPARM_EXIT_H

#include <hyparm/types.h>

struct vcpu;
struct exit_info;

/* A synchronous exception from the guest, decoded. */
struct vcpu *vcpu_exit_sync(struct vcpu *v, const struct exit_info *e);
/* A physical interrupt arrived while the guest ran. */
struct vcpu *vcpu_exit_irq(struct vcpu *v);
/* An SError from the guest (ESR_EL2 as read). */
struct vcpu *vcpu_exit_serror(struct vcpu *v, u64 esr);

#endif
