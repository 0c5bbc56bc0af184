/*
 * The emulated EL1 physical timer (CNTP_*): its registers trap
 * (CNTHCTL_EL2.EL1PCEN = 0) and are emulated against the physical counter,
 * which guests may read directly (EL1PCTEN = 1), as KVM does; it raises
 * virtual INTID 30. Its deadline is kept by the core's deadline service.
 */
#ifndef VDEV_PTIMER_H
#define VDEV_PTIMER_H

#include <hyparm/types.h>
#include <hyparm/deadline.h>

struct vcpu;

struct ptimer {
	struct vcpu *vcpu;
	u32 ctl; /* ENABLE and IMASK as written */
	u64 cval;
	bool line; /* the interrupt line as last driven */
	struct deadline dl; /* armed while enabled, unmasked and not yet expired */
};

/* vCPU v's emulated physical timer. */
struct ptimer *ptimer_of(struct vcpu *v);
u64 ptimer_read_ctl(struct vcpu *v);
void ptimer_write_ctl(struct vcpu *v, u64 val);
u64 ptimer_read_tval(struct vcpu *v);
void ptimer_write_tval(struct vcpu *v, u64 val);
u64 ptimer_read_cval(struct vcpu *v);
void ptimer_write_cval(struct vcpu *v, u64 val);

#endif
