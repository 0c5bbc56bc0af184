/*
 * GICv2 distributor (GICD_*) as a guest sees it (GICv2 spec, chapter 4):
 * no Security Extensions, VGIC_NR_SPIS SPIs, one CPU interface per vCPU
 * (interface n = vCPU n). What differs from the GICv3 distributor
 * (vgic_dist.c):
 * - register 0 of each per-interrupt array, IPRIORITYR0-7 and ICFGR0/1
 *   are banked: they are the accessing vCPU's SGIs and PPIs (a GICv3 has
 *   them in the redistributors);
 * - SPIs are routed by GICD_ITARGETSR (a CPU mask; the lowest vCPU in it
 *   takes the interrupt, as KVM does), not IROUTER;
 * - SGIs are sent through GICD_SGIR and are pending once per source vCPU
 *   (GICD_SPENDSGIR / GICD_CPENDSGIR show and change that); the source
 *   reaches the guest in the list register's CPUID field. ISPENDR and
 *   ICPENDR do not change SGIs (GICv2 spec 4.3.7, 4.3.8).
 * Access sizes: 32-bit everywhere; bytes too for IPRIORITYR, ITARGETSR,
 * CPENDSGIR and SPENDSGIR (GICv2 spec 4.1.4). Anything else reads as zero
 * and is ignored, as on the GICv3 distributor.
 */
#include <hyparm/errno.h>
#include <hyparm/mmio.h>
#include <hyparm/sched.h>
#include <hyparm/vm.h>
#include <vdev/vgic.h>
#include "vgic_regs.h"

#define GIC_PIDR2_V2 0x2B /* ArchRev 2 in bits 7:4 */

static bool in(u64 off, u64 base, u64 len)
{
	return off >= base && off < base + len;
}

static bool size_ok(u64 off, unsigned size)
{
	if (size == 4 && !(off & 3))
		return true;
	if (size == 1)
		return in(off, GICD_IPRIORITYR, VGIC_NR_IRQS) || in(off, GICD_ITARGETSR, VGIC_NR_IRQS) ||
			in(off, GICD_CPENDSGIR, 0x20);
	return false;
}

static u32 typer(const struct vm *vm)
{
	/* ITLinesNumber: 32 * (N + 1) INTIDs; CPUNumber: interfaces - 1; no Security Extensions. */
	return (VGIC_NR_IRQS / 32 - 1) | (vm->nr_vcpus - 1) << GICD_TYPER_CPUS_SHIFT;
}

/* The SPI's target vCPU: the lowest in its ITARGETSR mask, vCPU 0 for none. */
static void set_targets(struct vgic *g, unsigned intid, struct virq *irq, u8 targets)
{
	irq->targets = targets & (u8)((1u << g->vm->nr_vcpus) - 1);
	irq->target = irq->targets ? __builtin_ctz(irq->targets) : 0;
	/* Pending already? Its new target must hear of it. */
	vgic_irq_touched(g, NULL, intid, irq);
}

/* ITARGETSR, bytes first..first+bytes-1. SGIs and PPIs read as the reading vCPU's own bit. */
static u32 targets_read(struct vgic *g, struct vcpu *v, unsigned first, unsigned bytes)
{
	u32 val = 0;

	for (unsigned i = 0; i < bytes; i++) {
		struct virq *irq = vgic_irq(g, v, first + i);
		u8 t = first + i < VGIC_NR_PRIVATE ? (u8)BIT(v->id) : irq ? irq->targets : 0;
		val |= (u32)t << (8 * i);
	}
	return val;
}

static void targets_write(struct vgic *g, unsigned first, unsigned bytes, u32 val)
{
	for (unsigned i = 0; i < bytes; i++) {
		struct virq *irq = first + i >= VGIC_NR_PRIVATE ? vgic_irq(g, NULL, first + i) : NULL;
		if (irq)
			set_targets(g, first + i, irq, (u8)(val >> (8 * i)));
	}
}

/* SPENDSGIR/CPENDSGIR byte n of SGI intid: the sources pending, the one in a list register too. */
static u8 sgi_sources(struct vgic *g, struct vcpu *v, unsigned intid)
{
	struct vgic_cpu *c = vgic_cpu_of(v);
	struct virq *irq = &c->priv[intid];
	u8 s = irq->sources;

	if (vgic_lr_state_of(g, v, intid, irq) & LR_PENDING)
		s |= (u8)BIT(c->lr[irq->lr].source);
	return s;
}

static u32 sgi_pend_read(struct vgic *g, struct vcpu *v, unsigned first, unsigned bytes)
{
	u32 val = 0;

	for (unsigned i = 0; i < bytes; i++)
		val |= (u32)sgi_sources(g, v, first + i) << (8 * i);
	return val;
}

static void sgi_pend_write(struct vgic *g, struct vcpu *v, unsigned first, unsigned bytes, bool set, u32 val)
{
	u8 valid = (u8)((1u << g->vm->nr_vcpus) - 1);

	for (unsigned i = 0; i < bytes; i++) {
		unsigned intid = first + i;
		struct vgic_cpu *c = vgic_cpu_of(v);
		struct virq *irq = &c->priv[intid];
		u8 bits = (u8)(val >> (8 * i)) & valid;

		if (!bits)
			continue;
		if (set) {
			irq->sources |= bits;
		} else {
			irq->sources &= ~bits;
			/* The source in the list register, not yet taken by the guest: withdrawn there too. */
			if ((vgic_lr_state_of(g, v, intid, irq) & LR_PENDING) &&
			    (bits & BIT(c->lr[irq->lr].source)))
				vgic_lr_change(g, v, intid, irq, LR_PENDING, false);
		}
		irq->latch = irq->sources != 0;
		vgic_irq_touched(g, v, intid, irq);
	}
}

/* GICD_SGIR: TargetListFilter picks the list, everyone else, or the writer itself. */
static void sgir_write(struct vgic *g, struct vcpu *v, u32 val)
{
	unsigned intid = val & GICD_SGIR_INTID_MASK;
	u8 all = (u8)((1u << g->vm->nr_vcpus) - 1), targets;

	switch ((val >> GICD_SGIR_FILTER_SHIFT) & GICD_SGIR_FILTER_MASK) {
	case GICD_SGIR_FILTER_LIST:
		targets = (val >> GICD_SGIR_TARGETS_SHIFT) & GICD_SGIR_TARGETS_MASK;
		break;
	case GICD_SGIR_FILTER_OTHERS:
		targets = all & ~(u8)BIT(v->id);
		break;
	case GICD_SGIR_FILTER_SELF:
		targets = (u8)BIT(v->id);
		break;
	default:
		return; /* reserved */
	}
	vgic_v2_pend_sgi(g, v, intid, targets & all);
}

/* The bit arrays (IGROUPR .. ICACTIVER): ISPENDR/ICPENDR leave SGIs alone on a GICv2. */
static bool bits_access(struct vgic *g, struct vcpu *v, u64 off, bool write, u64 *val)
{
	if (write && (off == GICD_ISPENDR || off == GICD_ICPENDR))
		*val &= ~0xFFFFull; /* register 0's SGI bits */
	return vgic_array_access(g, v, off, 4, write, val);
}

static int dist_read(void *dev, struct vcpu *v, u64 off, unsigned size, u64 *val)
{
	struct vgic *g = dev;

	*val = 0;
	if (!size_ok(off, size))
		return HV_OK;
	spin_lock(&g->lock);
	if (off == GICD_CTLR)
		*val = g->ctlr;
	else if (off == GICD_TYPER)
		*val = typer(g->vm);
	else if (off == GICD_IIDR)
		*val = VGIC_IIDR;
	else if (off == GICD_V2_PIDR2)
		*val = GIC_PIDR2_V2;
	else if (in(off, GICD_IPRIORITYR, VGIC_NR_IRQS))
		*val = vgic_prio_read(g, v, off - GICD_IPRIORITYR, size);
	else if (in(off, GICD_ITARGETSR, VGIC_NR_IRQS))
		*val = targets_read(g, v, off - GICD_ITARGETSR, size);
	else if (in(off, GICD_ICFGR, VGIC_NR_IRQS / 4))
		*val = vgic_cfg_read(g, v, (off - GICD_ICFGR) / 4 * 16);
	else if (in(off, GICD_CPENDSGIR, 0x10))
		*val = sgi_pend_read(g, v, off - GICD_CPENDSGIR, size);
	else if (in(off, GICD_SPENDSGIR, 0x10))
		*val = sgi_pend_read(g, v, off - GICD_SPENDSGIR, size);
	else if (in(off, GICD_IGROUPR, GICD_IPRIORITYR - GICD_IGROUPR) && (off & 0x7F) < VGIC_NR_IRQS / 8)
		bits_access(g, v, off, false, val);
	/* GICD_SGIR is write-only; everything else is reserved: zero. */
	spin_unlock(&g->lock);
	return HV_OK;
}

static int dist_write(void *dev, struct vcpu *v, u64 off, unsigned size, u64 val)
{
	struct vgic *g = dev;
	struct vm *vm = g->vm;

	if (!size_ok(off, size))
		return HV_OK;
	spin_lock(&g->lock);
	if (off == GICD_CTLR) {
		g->ctlr = val & (GICD_CTLR_ENABLE_GRP0 | GICD_CTLR_ENABLE_GRP1);
		/* Enabling a group may make pending interrupts deliverable: kick only the vCPUs that now have one. */
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			if (vgic_collect(vm->vcpus[i], NULL, 0))
				vcpu_kick(vm->vcpus[i]);
	} else if (off == GICD_SGIR) {
		sgir_write(g, v, (u32)val);
	} else if (in(off, GICD_IPRIORITYR, VGIC_NR_IRQS)) {
		vgic_prio_write(g, v, off - GICD_IPRIORITYR, size, (u32)val);
	} else if (in(off, GICD_ITARGETSR, VGIC_NR_IRQS)) {
		targets_write(g, off - GICD_ITARGETSR, size, (u32)val);
	} else if (in(off, GICD_ICFGR, VGIC_NR_IRQS / 4)) {
		vgic_cfg_write(g, v, (off - GICD_ICFGR) / 4 * 16, (u32)val);
	} else if (in(off, GICD_CPENDSGIR, 0x10)) {
		sgi_pend_write(g, v, off - GICD_CPENDSGIR, size, false, (u32)val);
	} else if (in(off, GICD_SPENDSGIR, 0x10)) {
		sgi_pend_write(g, v, off - GICD_SPENDSGIR, size, true, (u32)val);
	} else if (in(off, GICD_IGROUPR, GICD_IPRIORITYR - GICD_IGROUPR) && (off & 0x7F) < VGIC_NR_IRQS / 8) {
		bits_access(g, v, off, true, &val);
	}
	/* TYPER, IIDR, PIDR2 are read-only; everything else is reserved: writes ignored. */
	spin_unlock(&g->lock);
	return HV_OK;
}

const struct mmio_ops vgic_dist_v2_mmio_ops = {
	.read = dist_read,
	.write = dist_write,
};
