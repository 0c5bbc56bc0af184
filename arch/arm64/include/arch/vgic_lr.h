/*
 * The hardware half of the virtual GIC: moving interrupts between the
 * vgic model and the CPU's list registers (ICH_LR<n>_EL2), and switching
 * the guest's virtual CPU-interface state with the vCPU.
 */
#ifndef ARCH_VGIC_LR_H
#define ARCH_VGIC_LR_H

#include <hyparm/types.h>

struct vcpu;
struct pcpu;

/* Number of list registers (ICH_VTR_EL2.ListRegs + 1). */
unsigned vgic_lr_count(void);
/* Once per CPU: enable the virtual CPU interface. */
void vgic_lr_cpu_init(void);
/* After an exit: read back what the guest did with its list registers. */
void vgic_lr_sync(struct vcpu *v);
/* Before entry: put the highest-priority pending interrupts in list registers. */
void vgic_lr_flush(struct vcpu *v);
/* vCPU switch: save the outgoing CPU-interface state, load the incoming one. */
void vgic_lr_save(struct vcpu *v);
void vgic_lr_restore(struct vcpu *v);

#endif
