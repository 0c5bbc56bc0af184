/*
 * GICv3 distributor (GICD_*) as a guest sees it: affinity routing always
 * on, one security state (DS=1), VGIC_NR_SPIS SPIs, LPIs when the VM has
 * an ITS.
 */
#include <hyparm/errno.h>
#include <hyparm/mmio.h>
#include <hyparm/vm.h>
#include <hyparm/sched.h>
#include <vdev/vgic.h>
#include "vgic_regs.h"

static u32 typer(const struct vgic *g)
{
	/* ITLinesNumber: 32 * (N + 1) INTIDs; IDbits: 10-bit INTIDs without LPIs. */
	if (!g->lpis)
		return (VGIC_NR_IRQS / 32 - 1) | (9u << GICD_TYPER_IDBITS_SHIFT);
	/* With an ITS: LPIs, 14-bit INTIDs, and num_LPIs bounding them to the model's VGIC_NR_LPIS. */
	return (VGIC_NR_IRQS / 32 - 1) | GICD_TYPER_LPIS | (VGIC_LPI_IDBITS << GICD_TYPER_IDBITS_SHIFT) |
		(VGIC_LPI_NUM_FIELD << GICD_TYPER_NUM_LPIS_SHIFT);
}

/*
 * Access sizes the architecture defines (GICv3 spec 12.1.3): 32-bit for
 * every register, 64-bit for IROUTER, bytes for IPRIORITYR. Others read as
 * zero and are ignored, as KVM does; never half a register or two.
 */
static bool size_ok(u64 off, unsigned size)
{
	if (size == 4 && !(off & 3))
		return true;
	if (size == 8 && !(off & 7))
		return off >= GICD_IROUTER && off < GICD_IROUTER + 8 * VGIC_NR_IRQS;
	if (size == 1)
		return off >= GICD_IPRIORITYR && off < GICD_ITARGETSR;
	return false;
}

/* The part of a per-interrupt array at off that covers SGIs and PPIs (the redistributors have them). */
static bool private_slot(u64 off)
{
	if (off >= GICD_IPRIORITYR && off < GICD_ITARGETSR)
		return off - GICD_IPRIORITYR < VGIC_NR_PRIVATE;
	if (off >= GICD_ICFGR && off < GICD_IGRPMODR)
		return off - GICD_ICFGR < VGIC_NR_PRIVATE / 16 * 4;
	return (off & 0x7F) < VGIC_NR_PRIVATE / 32 * 4;
}

static int dist_read(void *dev, struct vcpu *v, u64 off, unsigned size, u64 *val)
{
	struct vgic *g = dev;
	int rc = HV_OK;

	if (!size_ok(off, size)) {
		*val = 0;
		return HV_OK;
	}
	spin_lock(&g->lock);
	if (off >= GICD_IROUTER && off < GICD_IROUTER + 8 * VGIC_NR_IRQS) {
		unsigned intid = (off - GICD_IROUTER) / 8;
		struct virq *irq = intid >= VGIC_NR_PRIVATE ? vgic_irq(g, NULL, intid) : NULL;
		u64 r = irq ? irq->irouter : 0;
		*val = (off & 4) ? r >> 32 : (size == 8 ? r : (u32)r);
	} else if (off < GICD_IGROUPR) {
		switch (off) {
		case GICD_CTLR:
			*val = g->ctlr;
			break;
		case GICD_TYPER:
			*val = typer(g);
			break;
		case GICD_IIDR:
			*val = VGIC_IIDR;
			break;
		default:
			*val = 0;
			break;
		}
	} else if (off == GICD_PIDR2) {
		*val = GIC_PIDR2_V3;
	} else if (off < 0x1000 && off >= GICD_IGROUPR) {
		/* Register 0 of each array covers SGIs/PPIs: reserved (RAZ) with affinity routing. */
		bool priv = private_slot(off);
		if (priv)
			*val = 0;
		else if (!vgic_array_access(g, v, off, size, false, val))
			*val = 0;
	} else {
		*val = 0;
	}
	spin_unlock(&g->lock);
	return rc;
}

static int dist_write(void *dev, struct vcpu *v, u64 off, unsigned size, u64 val)
{
	struct vgic *g = dev;
	struct vm *vm = g->vm;

	if (!size_ok(off, size))
		return HV_OK;
	spin_lock(&g->lock);
	if (off >= GICD_IROUTER + 8 * VGIC_NR_PRIVATE && off < GICD_IROUTER + 8 * VGIC_NR_IRQS) {
		struct virq *irq = vgic_irq(g, NULL, (off - GICD_IROUTER) / 8);
		u64 mask = 0xFF00FFFFFFULL | BIT(31); /* Aff3..Aff0 and IRM */
		if (size == 8)
			irq->irouter = val & mask;
		else if (off & 4)
			irq->irouter = ((irq->irouter & 0xFFFFFFFF) | (val << 32)) & mask;
		else
			irq->irouter = ((irq->irouter & ~0xFFFFFFFFULL) | (u32)val) & mask;
		irq->target = vgic_spi_target(vm, irq)->id;
		/* Pending already? Its new target must hear of it. */
		vgic_irq_touched(g, NULL, (off - GICD_IROUTER) / 8, irq);
	} else if (off == GICD_CTLR) {
		g->ctlr = (val & (GICD_CTLR_ENABLE_GRP0 | GICD_CTLR_ENABLE_GRP1)) | GICD_CTLR_ARE |
			GICD_CTLR_DS;
		/* Enabling a group may make pending interrupts deliverable: kick only the vCPUs that now have one. */
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			if (vgic_collect(vm->vcpus[i], NULL, 0))
				vcpu_kick(vm->vcpus[i]);
	} else if (off >= GICD_IGROUPR && off < 0x1000) {
		bool priv = private_slot(off);
		/* v: the writer, so that a change to an interrupt in its own list register takes effect. */
		if (!priv)
			vgic_array_access(g, v, off, size, true, &val);
	}
	/* Everything else is read-only or reserved: writes ignored, as on hardware. */
	spin_unlock(&g->lock);
	return HV_OK;
}

const struct mmio_ops vgic_dist_mmio_ops = {
	.read = dist_read,
	.write = dist_write,
};
