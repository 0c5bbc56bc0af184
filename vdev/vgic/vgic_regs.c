/*
 * Register encodings shared by the distributor and the redistributors'
 * SGI frame: the per-interrupt bit and byte arrays (group, enable,
 * pending, active, priority, configuration), at the same offsets in both.
 */
#include <hyparm/errno.h>
#include <hyparm/pcpu.h>
#include <hyparm/vm.h>
#include <hyparm/gic_regs.h>
#include <vdev/vgic.h>
#include "vgic_regs.h"

static bool bit_of(struct vgic *g, struct vcpu *v, unsigned kind, unsigned intid, const struct virq *irq)
{
	switch (kind) {
	case VGIC_REG_GROUP:
		return irq->group;
	case VGIC_REG_ENABLE:
		return irq->enabled;
	case VGIC_REG_PENDING:
		return vgic_irq_pending(irq) || (vgic_lr_state_of(g, v, intid, irq) & LR_PENDING);
	case VGIC_REG_ACTIVE:
		return irq->active || (vgic_lr_state_of(g, v, intid, irq) & LR_ACTIVE);
	}
	return false;
}

/*
 * Whether v's sampled lines may be read again here. Not for a vCPU loaded
 * on another CPU: its timer is live in that CPU (memory holds an old
 * snapshot) and its list registers are that CPU's to change; its pending
 * bits read as last sampled, a snapshot as for any register of a running
 * vCPU.
 */
static bool may_sample(const struct vcpu *v)
{
	return !v->loaded || v->pcpu == this_pcpu()->id;
}

u32 vgic_bits_read(struct vgic *g, struct vcpu *v, unsigned kind, unsigned first)
{
	u32 val = 0;

	for (unsigned i = 0; i < 32; i++) {
		struct virq *irq = vgic_irq(g, v, first + i);
		if (irq && kind == VGIC_REG_PENDING && irq->src && v && may_sample(v)) {
			/* A sampled line reads as its source's output now, in the list register too. */
			vgic_resample(v, irq);
			if (!irq->line && irq->level)
				vgic_lr_change(g, v, first + i, irq, LR_PENDING, false);
		}
		if (irq && bit_of(g, v, kind, first + i, irq))
			val |= 1u << i;
	}
	return val;
}

void vgic_bits_write(struct vgic *g, struct vcpu *v, unsigned kind, bool set, unsigned first, u32 val)
{
	for (unsigned i = 0; i < 32; i++) {
		struct virq *irq;

		if (!(val & (1u << i)) && kind != VGIC_REG_GROUP)
			continue;
		irq = vgic_irq(g, v, first + i);
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
				vgic_lr_change(g, v, first + i, irq, LR_PENDING, false);
			break;
		case VGIC_REG_ACTIVE:
			irq->active = set;
			vgic_lr_change(g, v, first + i, irq, LR_ACTIVE, set);
			break;
		}
		vgic_irq_touched(g, v, first + i, irq);
	}
}

u32 vgic_prio_read(struct vgic *g, struct vcpu *v, unsigned first, unsigned bytes)
{
	u32 val = 0;

	for (unsigned i = 0; i < bytes; i++) {
		struct virq *irq = vgic_irq(g, v, first + i);
		if (irq)
			val |= (u32)irq->priority << (8 * i);
	}
	return val;
}

void vgic_prio_write(struct vgic *g, struct vcpu *v, unsigned first, unsigned bytes, u32 val)
{
	for (unsigned i = 0; i < bytes; i++) {
		struct virq *irq = vgic_irq(g, v, first + i);
		/* Five bits of priority, as on GIC-600 and KVM: the low three read as zero. */
		if (irq)
			irq->priority = (val >> (8 * i)) & 0xF8;
	}
}

u32 vgic_cfg_read(struct vgic *g, struct vcpu *v, unsigned first)
{
	u32 val = 0;

	for (unsigned i = 0; i < 16; i++) {
		struct virq *irq = vgic_irq(g, v, first + i);
		if (irq && (first + i < 16 || !irq->level))
			val |= 2u << (2 * i); /* edge-triggered (SGIs always) */
	}
	return val;
}

void vgic_cfg_write(struct vgic *g, struct vcpu *v, unsigned first, u32 val)
{
	for (unsigned i = 0; i < 16; i++) {
		struct virq *irq = vgic_irq(g, v, first + i);
		/* SGIs are always edge; PPIs and SPIs take what the guest writes. */
		if (irq && first + i >= 16)
			irq->level = !((val >> (2 * i + 1)) & 1);
	}
}

/*
 * The per-interrupt arrays at their common offsets (named GICD_*; the SGI
 * frame's GICR_*0 are the same numbers). first_reg_intid is the
 * INTID covered by register 0 of each array (0 for both frames: the
 * distributor's private slots are reserved when affinity routing is on and
 * the caller handles that). Returns false if off is not in these arrays.
 */
bool vgic_array_access(struct vgic *g, struct vcpu *v, u64 off, unsigned size, bool write, u64 *val)
{
	unsigned kind;
	bool set = true;

	if (off >= GICD_IPRIORITYR && off < GICD_ITARGETSR) { /* byte per INTID */
		/* Byte and word accesses only (GICv3 spec 12.9.18); any other size reads as zero and is ignored. */
		if (size != 1 && size != 4) {
			if (!write)
				*val = 0;
			return true;
		}
		if (write)
			vgic_prio_write(g, v, off - GICD_IPRIORITYR, size, (u32)*val);
		else
			*val = vgic_prio_read(g, v, off - GICD_IPRIORITYR, size);
		return true;
	}
	if (size != 4)
		return false;
	if (off >= GICD_ICFGR && off < GICD_IGRPMODR) { /* two bits per INTID */
		if (write)
			vgic_cfg_write(g, v, (off - GICD_ICFGR) / 4 * 16, (u32)*val);
		else
			*val = vgic_cfg_read(g, v, (off - GICD_ICFGR) / 4 * 16);
		return true;
	}
	if (off >= GICD_IGROUPR && off < GICD_ISENABLER) {
		kind = VGIC_REG_GROUP;
	} else if (off >= GICD_ISENABLER && off < GICD_ICENABLER) {
		kind = VGIC_REG_ENABLE;
	} else if (off >= GICD_ICENABLER && off < GICD_ISPENDR) {
		kind = VGIC_REG_ENABLE;
		set = false;
	} else if (off >= GICD_ISPENDR && off < GICD_ICPENDR) {
		kind = VGIC_REG_PENDING;
	} else if (off >= GICD_ICPENDR && off < GICD_ISACTIVER) {
		kind = VGIC_REG_PENDING;
		set = false;
	} else if (off >= GICD_ISACTIVER && off < GICD_ICACTIVER) {
		kind = VGIC_REG_ACTIVE;
	} else if (off >= GICD_ICACTIVER && off < GICD_IPRIORITYR) {
		kind = VGIC_REG_ACTIVE;
		set = false;
	} else
		return false;
	unsigned first = (off & 0x7F) / 4 * 32;
	if (write)
		vgic_bits_write(g, v, kind, set, first, (u32)*val);
	else
		*val = vgic_bits_read(g, v, kind, first);
	return true;
}
