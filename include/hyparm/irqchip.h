/*
 * A VM's interrupt controller, as the core and the other devices see it.
 * The virtual GIC (vdev/vgic/) installs itself as the VM's irqchip when it
 * is created; the core drives it only through these operations (before
 * entry: flush; after exit: sync), and devices raise their lines through
 * vm_irq_line() / vm_irq_edge(), never through the vGIC's fields.
 */
#ifndef HYPARM_IRQCHIP_H
#define HYPARM_IRQCHIP_H

#include <hyparm/types.h>

struct vm;
struct vcpu;

/*
 * An interrupt whose line a device owns. A private one sampled on demand
 * (the virtual timer's output): the irqchip asks get_line() rather than
 * trusting a latch. An SPI of a passed-through device: get_line NULL, the
 * device raises it with vm_irq_edge() each time its physical twin fires
 * (which stays active meanwhile, so no second edge comes before the
 * guest is done). phys_intid makes the list register carry the physical
 * INTID so that the guest's deactivation deactivates it.
 */
struct irq_source {
	bool (*get_line)(struct vcpu *v, void *ctx);
	void *ctx;
	u32 phys_intid; /* 0: not hardware-mapped */
};

struct irqchip_ops {
	/* Before entering v: put its most urgent deliverable interrupts in the list registers. */
	void (*flush)(struct vcpu *v);
	/* After v exited: fold what the guest did with its list registers back into the model. */
	void (*sync)(struct vcpu *v);
	/* v leaves / enters this physical CPU: switch its CPU-interface state. */
	void (*vcpu_put)(struct vcpu *v);
	void (*vcpu_load)(struct vcpu *v);
	/* Would anything wake v from WFI? */
	bool (*vcpu_pending)(struct vcpu *v);
	/* Drive a level line / raise an edge. v: the vCPU for private INTIDs, NULL for SPIs. */
	void (*set_line)(struct vm *vm, struct vcpu *v, u32 intid, bool level);
	void (*inject_edge)(struct vm *vm, struct vcpu *v, u32 intid);
	/* Attach a source to v's private intid, or to an SPI (v NULL). */
	void (*map_source)(struct vm *vm, struct vcpu *v, u32 intid, const struct irq_source *src);
	/* Optional: interrupts delivered to v so far (statistics). */
	u64 (*delivered)(struct vcpu *v);
};

#include <hyparm/vm.h>

/* Devices raise their interrupts through these, whatever the VM's interrupt controller is. */
static inline void vm_irq_line(struct vm *vm, struct vcpu *v, u32 intid, bool level)
{
	vm->irqchip->set_line(vm, v, intid, level);
}

static inline void vm_irq_edge(struct vm *vm, struct vcpu *v, u32 intid)
{
	vm->irqchip->inject_edge(vm, v, intid);
}

#endif
