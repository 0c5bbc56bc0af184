/*
 * The guest's generic timers.
 * - The virtual timer (CNTV_*) is the guest's own hardware: it is switched
 *   with the vCPU and its interrupt (physical PPI 27) is forwarded as
 *   virtual INTID 27 (core/irq.c). Each VM has its own CNTVOFF_EL2, taken
 *   at VM creation, so its virtual counter starts near zero, as under KVM.
 * - The EL1 physical timer (CNTP_*) traps (CNTHCTL_EL2.EL1PCEN = 0) and is
 *   emulated here against the physical counter, which guests may read
 *   directly (EL1PCTEN = 1), as KVM does; it raises virtual INTID 30.
 */
#ifndef VDEV_VTIMER_H
#define VDEV_VTIMER_H

#include <hyparm/types.h>

struct vcpu;

#define CNT_CTL_ENABLE  1u
#define CNT_CTL_IMASK   2u
#define CNT_CTL_ISTATUS 4u

struct ptimer {
	u32 ctl;   /* ENABLE and IMASK as written */
	u64 cval;
};

/* Physical count now (arch side; a fake in unit tests). */
u64 arch_counter_now(void);

u64 ptimer_read_ctl(struct vcpu *v);
void ptimer_write_ctl(struct vcpu *v, u64 val);
u64 ptimer_read_tval(struct vcpu *v);
void ptimer_write_tval(struct vcpu *v, u64 val);
u64 ptimer_read_cval(struct vcpu *v);
void ptimer_write_cval(struct vcpu *v, u64 val);
/* Re-evaluate the interrupt line (after a write, or when the deadline passed). */
void ptimer_update(struct vcpu *v);
/* Physical count at which the emulated timer fires, 0 if it cannot. */
u64 ptimer_deadline(const struct vcpu *v);

#endif
