/*
 * LPIs in the vGIC model: the redistributors' LPI registers
 * (GICR_PROPBASER, GICR_PENDBASER, GICR_CTLR.EnableLPIs) and the state
 * the ITS (vits.c) drives. An LPI is deliverable when an ITS translation
 * maps it to a collection with a target vCPU, that vCPU's redistributor
 * has LPIs enabled, and its byte in the configuration table (guest
 * memory, at PROPBASER) has Enable set; its priority is from the same
 * byte. The byte is read only at the moments the architecture allows a
 * redistributor to cache it (a map, INV, INVALL, EnableLPIs), never on the
 * delivery path, and always through the VM's RAM bounds check: a table
 * outside RAM, or one too small for the LPI (PROPBASER.IDbits), leaves it
 * disabled.
 *
 * Pending state is the model's, as for SPIs. The pending table (PENDBASER)
 * is read once, when the guest enables LPIs (unless its PENDBASER write
 * said the table is zero, PTZ): the bits of the model's LPIs become
 * pending there. It is never written back: LPIs cannot be disabled again,
 * and the architecture lets a redistributor keep pending LPIs internally
 * while they are enabled.
 */
#include <hyparm/vm.h>
#include <vdev/vgic.h>

void vgic_lpis_init(struct vgic *g, const struct vq_mem *ram)
{
	g->lpis = true;
	g->mem = *ram;
}

static unsigned lpi_index(u32 intid)
{
	return intid - GIC_LPI_BASE;
}

/* Read the LPI's configuration byte again and work out whether it can be delivered. Lock held. */
static void lpi_refresh(struct vgic *g, u32 intid)
{
	unsigned n = lpi_index(intid);
	struct virq *irq = &g->lpi[n];
	bool mapped = g->lpi_mapped & BIT(n);
	unsigned idbits = (g->propbaser & GICR_PROPBASER_IDBITS_MASK) + 1;
	const u8 *cfg = NULL;
	u8 byte = 0;

	/* The table covers INTIDs below 2^IDbits; its byte n is LPI GIC_LPI_BASE + n. */
	if (idbits > VGIC_LPI_IDBITS && idbits <= 32 && intid < (1ULL << idbits))
		cfg = vq_mem_ptr(&g->mem, (g->propbaser & GICR_BASER_PA_MASK) + n, 1);
	if (cfg)
		byte = __atomic_load_n(cfg, __ATOMIC_RELAXED);
	irq->priority = byte & GIC_LPI_CFG_PRIO_MASK;
	irq->group = 1;
	irq->enabled = mapped && (byte & GIC_LPI_CFG_ENABLE) && (g->enable_lpis & BIT(irq->target));
	vgic_irq_touched(g, NULL, intid, irq);
}

void vgic_lpi_map(struct vgic *g, u32 intid, int vcpu)
{
	struct virq *irq = &g->lpi[lpi_index(intid)];

	if (vcpu < 0) {
		/* Its collection is unmapped: nowhere to deliver it; a pending state waits for a MAPC. */
		g->lpi_mapped &= ~BIT(lpi_index(intid));
		irq->enabled = false;
		return;
	}
	g->lpi_mapped |= BIT(lpi_index(intid));
	irq->target = (u16)vcpu;
	lpi_refresh(g, intid);
}

void vgic_lpi_unmap(struct vgic *g, u32 intid)
{
	struct virq *irq = &g->lpi[lpi_index(intid)];

	vgic_lpi_map(g, intid, -1);
	irq->latch = false;
	/* One already in a list register stays there until the guest completes it (as an SPI would). */
}

void vgic_lpi_config(struct vgic *g, u32 intid)
{
	if (g->lpi_mapped & BIT(lpi_index(intid)))
		lpi_refresh(g, intid);
}

void vgic_lpi_set_pending(struct vgic *g, u32 intid, bool pending)
{
	struct virq *irq = &g->lpi[lpi_index(intid)];

	irq->latch = pending;
	if (pending)
		vgic_irq_touched(g, NULL, intid, irq);
}

void vgic_lpi_move(struct vgic *g, unsigned from, unsigned to)
{
	for (u64 m = g->lpi_mapped; m; m &= m - 1) {
		unsigned n = __builtin_ctzll(m);
		if (g->lpi[n].target == from) {
			g->lpi[n].target = to;
			lpi_refresh(g, GIC_LPI_BASE + n);
		}
	}
}

u64 vgic_lpi_reg_read(struct vgic *g, struct vcpu *t, u64 off)
{
	switch (off) {
	case GICR_CTLR:
		return (g->enable_lpis & BIT(t->id)) ? GICR_CTLR_ENABLE_LPIS : 0;
	case GICR_PROPBASER:
		return g->propbaser;
	case GICR_PENDBASER:
		return g->pendbaser[t->id];
	}
	return 0;
}

/*
 * vCPU t enables LPIs: what its pending table says is pending (one bit per
 * INTID; the model's LPIs are bits GIC_LPI_BASE..+VGIC_NR_LPIS-1), through
 * the RAM bounds check (a table outside RAM holds nothing). An LPI pending
 * there but not mapped yet is delivered to t once an ITS maps it nowhere
 * else. Lock held.
 */
static void load_pending(struct vgic *g, struct vcpu *t)
{
	u64 pa = (g->pendbaser[t->id] & GICR_PENDBASER_PA_MASK) + GIC_LPI_BASE / 8;
	const u8 *bits = vq_mem_ptr(&g->mem, pa, VGIC_NR_LPIS / 8);

	if (!bits)
		return;
	for (unsigned n = 0; n < VGIC_NR_LPIS; n++) {
		if (!(__atomic_load_n(&bits[n / 8], __ATOMIC_RELAXED) & BIT(n % 8)))
			continue;
		if (!(g->lpi_mapped & BIT(n)))
			g->lpi[n].target = t->id;
		vgic_lpi_set_pending(g, GIC_LPI_BASE + n, true);
	}
}

/* A 32-bit access to one half of a 64-bit register: the new 64-bit value. */
static u64 merge(u64 old, u64 off, unsigned size, u64 val)
{
	if (size == 8)
		return val;
	if (off & 4)
		return (old & 0xFFFFFFFFULL) | (val << 32);
	return (old & ~0xFFFFFFFFULL) | (u32)val;
}

void vgic_lpi_reg_write(struct vgic *g, struct vcpu *t, u64 off, unsigned size, u64 val)
{
	bool enabled = g->enable_lpis & BIT(t->id);

	if (off == GICR_CTLR) {
		/* EnableLPIs cannot be cleared once set (allowed by the spec, as for KVM's first GICv3 ITS). */
		if ((val & GICR_CTLR_ENABLE_LPIS) && !enabled) {
			g->enable_lpis |= BIT(t->id);
			if (!(g->pend_zero & BIT(t->id)))
				load_pending(g, t);
			for (u64 m = g->lpi_mapped; m; m &= m - 1) {
				unsigned n = __builtin_ctzll(m);
				if (g->lpi[n].target == t->id)
					lpi_refresh(g, GIC_LPI_BASE + n);
			}
		}
		return;
	}
	/* The table registers are fixed while LPIs are on: a redistributor may be using them. */
	if (enabled)
		return;
	if ((off & ~4ULL) == GICR_PROPBASER) {
		val = merge(g->propbaser, off, size, val);
		g->propbaser = val & (GICR_BASER_PA_MASK | GICR_BASER_ATTR_MASK | GICR_PROPBASER_IDBITS_MASK);
	} else if ((off & ~4ULL) == GICR_PENDBASER) {
		val = merge(g->pendbaser[t->id], off, size, val);
		g->pendbaser[t->id] = val & (GICR_PENDBASER_PA_MASK | GICR_BASER_ATTR_MASK);
		if (val & GICR_PENDBASER_PTZ)
			g->pend_zero |= BIT(t->id);
		else
			g->pend_zero &= ~BIT(t->id);
	}
}
