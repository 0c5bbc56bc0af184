/*
 * GICv3 redistributors (GICR_*): one 128 KiB region per vCPU, RD_base
 * frame then SGI_base frame, in vCPU order. The device pointer is the VM;
 * the vCPU is found from the offset.
 */
#include <hyparm/errno.h>
#include <hyparm/mmio.h>
#include <hyparm/vm.h>
#include <vdev/vgic.h>
#include "vgic_regs.h"


static u64 redist_typer(struct vm *vm, struct vcpu *t)
{
	u64 m = t->mpidr;
	u64 aff = (m & 0xFFFFFF) | ((m >> 32 & 0xFF) << 24);

	/* PLPIS with an ITS; CommonLPIAff = 0: all redistributors share one LPI configuration table. */
	return aff << GICR_TYPER_AFF_SHIFT | (u64)t->id << GICR_TYPER_PROCNUM_SHIFT |
		(t->id == vm->nr_vcpus - 1 ? GICR_TYPER_LAST : 0) |
		(vgic_of(vm)->lpis ? GICR_TYPER_PLPIS : 0);
}

/* The LPI registers, when the VM has LPIs (else GICR_CTLR reads as zero and they are reserved). */
static bool lpi_reg(const struct vgic *g, u64 off)
{
	return g->lpis &&
		(off == GICR_CTLR || (off & ~4ULL) == GICR_PROPBASER || (off & ~4ULL) == GICR_PENDBASER);
}

/* 32-bit for every register, 64-bit for GICR_TYPER, bytes for the SGI frame's IPRIORITYR (GICv3 spec 12.1.3). */
static bool size_ok(u64 off, unsigned size)
{
	if (size == 4 && !(off & 3))
		return true;
	if (size == 8)
		return off == GICR_TYPER || off == GICR_PROPBASER || off == GICR_PENDBASER;
	if (size == 1)
		return off >= GICR_SGI_BASE + GICR_IPRIORITYR &&
			off < GICR_SGI_BASE + GICR_IPRIORITYR + VGIC_NR_PRIVATE;
	return false;
}

static int redist_read(void *dev, struct vcpu *v, u64 off, unsigned size, u64 *val)
{
	struct vgic *g = dev;
	struct vm *vm = g->vm;
	unsigned idx = off / GUEST_GICR_STRIDE;
	struct vcpu *t;

	if (idx >= vm->nr_vcpus) {
		*val = 0;
		return HV_OK;
	}
	t = vm->vcpus[idx];
	off %= GUEST_GICR_STRIDE;
	if (!size_ok(off, size)) {
		*val = 0;
		return HV_OK;
	}
	spin_lock(&g->lock);
	if (off == GICR_TYPER || off == GICR_TYPER + 4) {
		u64 r = redist_typer(vm, t);
		*val = off == GICR_TYPER + 4 ? r >> 32 : (size == 8 ? r : (u32)r);
	} else if (lpi_reg(g, off)) {
		u64 r = vgic_lpi_reg_read(g, t, off & ~4ULL);
		*val = (off & 4) ? r >> 32 : (size == 8 ? r : (u32)r);
	} else if (off == GICR_IIDR) {
		*val = VGIC_IIDR;
	} else if (off == GICR_WAKER) {
		*val = g->cpu[t->id].waker & GICR_WAKER_PROCESSOR_SLEEP
			? (GICR_WAKER_PROCESSOR_SLEEP | GICR_WAKER_CHILDREN_ASLEEP)
			: 0;
	} else if (off == GICR_PIDR2 || off == GICR_SGI_BASE + GICR_PIDR2) {
		*val = GIC_PIDR2_V3;
	} else if (off >= GICR_SGI_BASE && off < GICR_SGI_BASE + 0x1000 &&
		   vgic_array_access(g, t, off - GICR_SGI_BASE, size, false, val)) {
		/* done; arrays beyond register 0 read as zero (no SPIs here) */
		if (off - GICR_SGI_BASE >= GICR_IGROUPR0 && off - GICR_SGI_BASE < GICR_IPRIORITYR &&
		    ((off - GICR_SGI_BASE) & 0x7F) >= 4)
			*val = 0;
	} else {
		*val = 0; /* GICR_CTLR (no LPIs) and reserved registers */
	}
	spin_unlock(&g->lock);
	return HV_OK;
}

static int redist_write(void *dev, struct vcpu *v, u64 off, unsigned size, u64 val)
{
	struct vgic *g = dev;
	struct vm *vm = g->vm;
	unsigned idx = off / GUEST_GICR_STRIDE;
	struct vcpu *t;
	u64 sgi_off;

	if (idx >= vm->nr_vcpus)
		return HV_OK;
	t = vm->vcpus[idx];
	off %= GUEST_GICR_STRIDE;
	if (!size_ok(off, size))
		return HV_OK;
	sgi_off = off - GICR_SGI_BASE;
	spin_lock(&g->lock);
	if (off == GICR_WAKER) {
		g->cpu[t->id].waker = val & GICR_WAKER_PROCESSOR_SLEEP;
	} else if (lpi_reg(g, off)) {
		vgic_lpi_reg_write(g, t, off, size, val);
	} else if (off >= GICR_SGI_BASE && sgi_off < 0x1000) {
		/* Only register 0 of each bit array, ICFGR0/1 and the first 32 priority bytes exist here. */
		bool other_regs = sgi_off >= GICR_IGROUPR0 && sgi_off < GICR_IPRIORITYR &&
			(sgi_off & 0x7F) >= 4;
		bool icfgr_spi = sgi_off >= GICR_ICFGR1 + 4 && sgi_off < GICR_IGRPMODR0;
		bool prio_spi = sgi_off >= GICR_IPRIORITYR + VGIC_NR_PRIVATE &&
			sgi_off < GICD_ITARGETSR /* same layout */;
		if (!other_regs && !icfgr_spi && !prio_spi)
			vgic_array_access(g, t, sgi_off, size, true, &val);
	}
	spin_unlock(&g->lock);
	return HV_OK;
}

const struct mmio_ops vgic_redist_mmio_ops = {
	.read = redist_read,
	.write = redist_write,
};
