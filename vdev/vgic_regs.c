/*
 * Register encodings shared by the distributor and the redistributors'
 * SGI frame: the per-interrupt bit and byte arrays (group, enable,
 * pending, active, priority, configuration), at the same offsets in both.
 */
#include <hyparm/errno.h>
#include <hyparm/vm.h>
#include <vdev/vgic.h>
#include "vgic_regs.h"

/* List-register state of an interrupt held in one (bits 63:62). */
static unsigned lr_state(struct vm *vm, struct vcpu *v, unsigned intid, const struct virq *irq)
{
	struct vcpu *holder = intid < VGIC_NR_PRIVATE ? v : vm->vcpus[irq->lr_vcpu];

	if (irq->lr < 0 || !holder)
		return 0;
	return holder->vgic.lr[irq->lr] >> 62;
}

/*
 * A write to I[SC]PENDR/I[SC]ACTIVER for an interrupt that sits in a list
 * register of the vCPU doing the write: change the list register's copy
 * and have vgic_lr_flush() write it back before the vCPU runs again. (In
 * another vCPU's list register the change waits for that vCPU to finish
 * with the interrupt, as the list register is that CPU's.)
 */
static void lr_change(struct vm *vm, struct vcpu *v, unsigned intid, struct virq *irq, u64 state, bool set)
{
	struct vcpu *holder = intid < VGIC_NR_PRIVATE ? v : vm->vcpus[irq->lr_vcpu];

	if (irq->lr < 0 || holder != v)
		return;
	if (set)
		v->vgic.lr[irq->lr] |= state;
	else
		v->vgic.lr[irq->lr] &= ~state;
	v->vgic.lr_dirty |= BIT(irq->lr);
}

static bool bit_of(struct vm *vm, struct vcpu *v, unsigned kind, unsigned intid, const struct virq *irq)
{
	switch (kind) {
	case VGIC_REG_GROUP: return irq->group;
	case VGIC_REG_ENABLE: return irq->enabled;
	case VGIC_REG_PENDING: return vgic_irq_pending(irq) || (lr_state(vm, v, intid, irq) & 1);
	case VGIC_REG_ACTIVE: return irq->active || (lr_state(vm, v, intid, irq) & 2);
	}
	return false;
}

u32 vgic_bits_read(struct vm *vm, struct vcpu *v, unsigned kind, unsigned first)
{
	u32 val = 0;

	for (unsigned i = 0; i < 32; i++) {
		struct virq *irq = vgic_irq(vm, v, first + i);
		if (irq && bit_of(vm, v, kind, first + i, irq))
			val |= 1u << i;
	}
	return val;
}

void vgic_bits_write(struct vm *vm, struct vcpu *v, unsigned kind, bool set, unsigned first, u32 val)
{
	for (unsigned i = 0; i < 32; i++) {
		struct virq *irq;

		if (!(val & (1u << i)) && kind != VGIC_REG_GROUP)
			continue;
		irq = vgic_irq(vm, v, first + i);
		if (!irq)
			continue;
		switch (kind) {
		case VGIC_REG_GROUP:
			irq->group = (val >> i) & 1;
			break;
		case VGIC_REG_ENABLE:
			irq->enabled = set;
			break;
		case VGIC_REG_PENDING:
			/* Clearing pending leaves a level line asserted: it stays pending. */
			irq->latch = set;
			if (!set)
				lr_change(vm, v, first + i, irq, VGIC_LR_PENDING, false);
			break;
		case VGIC_REG_ACTIVE:
			irq->active = set;
			lr_change(vm, v, first + i, irq, VGIC_LR_ACTIVE, set);
			break;
		}
		vgic_irq_touched(vm, v, first + i, irq);
	}
}

u32 vgic_prio_read(struct vm *vm, struct vcpu *v, unsigned first, unsigned bytes)
{
	u32 val = 0;

	for (unsigned i = 0; i < bytes; i++) {
		struct virq *irq = vgic_irq(vm, v, first + i);
		if (irq)
			val |= (u32)irq->priority << (8 * i);
	}
	return val;
}

void vgic_prio_write(struct vm *vm, struct vcpu *v, unsigned first, unsigned bytes, u32 val)
{
	for (unsigned i = 0; i < bytes; i++) {
		struct virq *irq = vgic_irq(vm, v, first + i);
		/* Five bits of priority, as on GIC-600 and KVM: the low three read as zero. */
		if (irq)
			irq->priority = (val >> (8 * i)) & 0xF8;
	}
}

u32 vgic_cfg_read(struct vm *vm, struct vcpu *v, unsigned first)
{
	u32 val = 0;

	for (unsigned i = 0; i < 16; i++) {
		struct virq *irq = vgic_irq(vm, v, first + i);
		if (irq && (first + i < 16 || !irq->level))
			val |= 2u << (2 * i);  /* edge-triggered (SGIs always) */
	}
	return val;
}

void vgic_cfg_write(struct vm *vm, struct vcpu *v, unsigned first, u32 val)
{
	for (unsigned i = 0; i < 16; i++) {
		struct virq *irq = vgic_irq(vm, v, first + i);
		/* SGIs are always edge; PPIs and SPIs take what the guest writes. */
		if (irq && first + i >= 16)
			irq->level = !((val >> (2 * i + 1)) & 1);
	}
}

/*
 * The per-interrupt arrays at their common offsets. first_reg_intid is the
 * INTID covered by register 0 of each array (0 for both frames: the
 * distributor's private slots are reserved when affinity routing is on and
 * the caller handles that). Returns false if off is not in these arrays.
 */
bool vgic_array_access(struct vm *vm, struct vcpu *v, u64 off, unsigned size, bool write, u64 *val)
{
	unsigned kind;
	bool set = true;

	if (off >= 0x400 && off < 0x800) {          /* IPRIORITYR: byte per INTID */
		if (size > 4)                        /* byte or word accessible only */
			return false;
		if (write)
			vgic_prio_write(vm, v, off - 0x400, size, (u32)*val);
		else
			*val = vgic_prio_read(vm, v, off - 0x400, size);
		return true;
	}
	if (size != 4)
		return false;
	if (off >= 0xC00 && off < 0xD00) {          /* ICFGR: two bits per INTID */
		if (write)
			vgic_cfg_write(vm, v, (off - 0xC00) / 4 * 16, (u32)*val);
		else
			*val = vgic_cfg_read(vm, v, (off - 0xC00) / 4 * 16);
		return true;
	}
	if (off >= 0x080 && off < 0x100) { kind = VGIC_REG_GROUP; }
	else if (off >= 0x100 && off < 0x180) { kind = VGIC_REG_ENABLE; }
	else if (off >= 0x180 && off < 0x200) { kind = VGIC_REG_ENABLE; set = false; }
	else if (off >= 0x200 && off < 0x280) { kind = VGIC_REG_PENDING; }
	else if (off >= 0x280 && off < 0x300) { kind = VGIC_REG_PENDING; set = false; }
	else if (off >= 0x300 && off < 0x380) { kind = VGIC_REG_ACTIVE; }
	else if (off >= 0x380 && off < 0x400) { kind = VGIC_REG_ACTIVE; set = false; }
	else
		return false;
	unsigned first = (off & 0x7F) / 4 * 32;
	if (write)
		vgic_bits_write(vm, v, kind, set, first, (u32)*val);
	else
		*val = vgic_bits_read(vm, v, kind, first);
	return true;
}
