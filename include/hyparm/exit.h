/*
 * The core's exit entry: the arch's vectors (arch/arm64/entry.S) call one
 * of these with the running vCPU, the only calls from arch up into the
 * core; each returns the vCPU to enter next (the same one on the fast
 * path). The syndrome is read and decoded through arch/exit_regs.h.
 */
#ifndef HYPARM_EXIT_H
#define HYPARM_EXIT_H

#include <hyparm/types.h>

struct vcpu;

/* A synchronous exception from the guest. */
struct vcpu *handle_guest_sync(struct vcpu *v);
/* A physical interrupt (IRQ or FIQ) arrived while the guest ran. */
struct vcpu *handle_guest_irq(struct vcpu *v);
/* An SError from the guest. */
struct vcpu *handle_guest_serror(struct vcpu *v);
/* A short name for an exit kind (enum exit_kind), for statistics. */
const char *exit_kind_name(unsigned kind);

#endif
