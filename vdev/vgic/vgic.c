/* The virtual GIC's interrupt model (see vdev/vgic.h). */
#include <hyparm/irqchip.h>
#include <hyparm/sched.h>
#include <hyparm/vm.h>
#include <vdev/vgic.h>

struct vgic vgics[VM_MAX];

void vgic_reset(struct vgic *g, struct vm *vm, const struct vgic_lr_backend *be)
{
	g->vm = vm;
	g->be = be;
	g->version = be && be->version == 2 ? 2 : 3;
	/* GICv3: affinity routing and one security state, always; a GICv2 has neither bit. */
	g->ctlr = g->version == 3 ? GICD_CTLR_ARE | GICD_CTLR_DS : 0;
	g->nr_lrs = be ? MIN(be->count(), VGIC_MAX_LRS) : 0;
	g->spi_maybe_pending = 0;
	/* Sources stay attached (a passed-through device's SPI stays hardware-mapped). */
	for (unsigned i = 0; i < VGIC_NR_SPIS; i++)
		g->spi[i] = (struct virq){ .lr = -1, .src = g->spi[i].src };
	/* LPIs: Group 1, edge, unmapped; the registers that find their tables back to 0 (g->lpis stays). */
	for (unsigned i = 0; i < VGIC_NR_LPIS; i++)
		g->lpi[i] = (struct virq){ .lr = -1, .group = 1 };
	g->lpi_maybe_pending = 0;
	g->lpi_mapped = 0;
	g->propbaser = 0;
	g->enable_lpis = 0;
	g->pend_zero = 0;
	for (unsigned n = 0; n < VGIC_MAX_VCPUS; n++)
		g->pendbaser[n] = 0;
	for (unsigned n = 0; n < VGIC_MAX_VCPUS; n++) {
		struct vgic_cpu *c = &g->cpu[n];
		for (unsigned i = 0; i < VGIC_NR_PRIVATE; i++) {
			/* SGIs are always edge; PPIs are level at reset in this model (the timers' are). Sources stay attached. */
			const struct irq_source *src = c->priv[i].src;
			c->priv[i] = (struct virq){ .lr = -1, .level = i >= 16, .src = src };
		}
		c->waker = 2; /* ProcessorSleep */
		c->lr_used = 0;
		c->lr_dirty = 0;
		c->maybe_pending = 0;
		c->underflow = false;
		c->cpuif = (struct vgic_cpuif){ .hcr = VGIC_HCR_EN };
		for (unsigned i = 0; i < VGIC_MAX_LRS; i++)
			c->lr[i] = (struct vgic_lr){ 0 };
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		g->cpu[i].g = g;
		vm->vcpus[i]->irqchip_cpu = &g->cpu[i];
		vm->vcpus[i]->irqchip_busy = false;
	}
}


bool vgic_irq_deliverable(const struct vgic *g, const struct virq *irq)
{
	u32 group_en = irq->group ? GICD_CTLR_ENABLE_GRP1 : GICD_CTLR_ENABLE_GRP0;
	return vgic_irq_pending(irq) && irq->enabled && (g->ctlr & group_en);
}

struct vcpu *vgic_spi_target(struct vm *vm, const struct virq *irq)
{
	/* IROUTER Aff3.Aff2.Aff1.Aff0 -> the vCPU with that MPIDR (IRM=1 "any": vCPU 0). */
	u64 aff = (irq->irouter & 0xFFFFFF) | ((irq->irouter >> 32 & 0xFF) << 24);

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		u64 m = vm->vcpus[i]->mpidr;
		if (((m & 0xFFFFFF) | ((m >> 32 & 0xFF) << 24)) == aff)
			return vm->vcpus[i];
	}
	return vm->vcpus[0];
}

void vgic_irq_touched(struct vgic *g, struct vcpu *v, unsigned intid, struct virq *irq)
{
	vgic_hint(g, v, intid, irq);
	if (!vgic_irq_deliverable(g, irq) && irq->lr < 0)
		return;
	if (intid >= VGIC_NR_PRIVATE)
		v = g->vm->vcpus[irq->target];
	if (v)
		vcpu_kick(v);
}

void vgic_set_line(struct vm *vm, struct vcpu *v, u32 intid, bool level)
{
	struct vgic *g = vgic_of(vm);
	struct virq *irq;

	spin_lock(&g->lock);
	irq = vgic_irq(g, v, intid);
	if (irq && irq->line != level) {
		/* An edge-triggered input latches on the rising edge only. */
		if (!irq->level && level)
			irq->latch = true;
		irq->line = level;
		vgic_irq_touched(g, v, intid, irq);
	}
	spin_unlock(&g->lock);
}

void vgic_inject_edge(struct vm *vm, struct vcpu *v, u32 intid)
{
	struct vgic *g = vgic_of(vm);
	struct virq *irq;

	spin_lock(&g->lock);
	irq = vgic_irq(g, v, intid);
	if (irq) {
		irq->latch = true;
		vgic_irq_touched(g, v, intid, irq);
	}
	spin_unlock(&g->lock);
}

/* SGI intid becomes pending for t (a GICv3 SGI has no source to record). Lock held. */
static void sgi_pend(struct vgic *g, struct vcpu *t, unsigned intid)
{
	struct virq *irq = &vgic_cpu_of(t)->priv[intid];

	irq->latch = true;
	vgic_irq_touched(g, t, intid, irq);
}

void vgic_send_sgi(struct vcpu *src, u64 sgi1r)
{
	struct vm *vm = src->vm;
	struct vgic *g = vgic_of(vm);
	unsigned intid = (sgi1r >> ICC_SGI1R_INTID_SHIFT) & ICC_SGI1R_INTID_MASK;
	bool broadcast = sgi1r & BIT(ICC_SGI1R_IRM_SHIFT); /* all but self */
	u64 aff1 = (sgi1r >> ICC_SGI1R_AFF1_SHIFT) & ICC_SGI1R_AFF_MASK;
	u64 aff2 = (sgi1r >> ICC_SGI1R_AFF2_SHIFT) & ICC_SGI1R_AFF_MASK;
	u64 aff3 = (sgi1r >> ICC_SGI1R_AFF3_SHIFT) & ICC_SGI1R_AFF_MASK;
	unsigned rs = (sgi1r >> ICC_SGI1R_RS_SHIFT) &
		ICC_SGI1R_RS_MASK; /* range selector: Aff0 = rs * 16 + bit */
	u32 targets = sgi1r & ICC_SGI1R_TARGETS_MASK;

	spin_lock(&g->lock);
	if (broadcast) {
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			if (vm->vcpus[i] != src)
				sgi_pend(g, vm->vcpus[i], intid);
	} else {
		/* Each bit of the list names one Aff0; no vCPU there: ignored, as on a GIC. */
		for (u32 m = targets; m; m &= m - 1) {
			struct vcpu *t = vm_vcpu_at_affinity(vm, aff3, aff2, aff1,
							     rs * 16 + __builtin_ctz(m));
			if (t)
				sgi_pend(g, t, intid);
		}
	}
	spin_unlock(&g->lock);
}

void vgic_v2_pend_sgi(struct vgic *g, struct vcpu *src, unsigned intid, u8 targets)
{
	struct vm *vm = g->vm;

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *t = vm->vcpus[i];
		struct virq *irq = &vgic_cpu_of(t)->priv[intid & 0xF];

		if (!(targets & BIT(i)))
			continue;
		/* One pending state per source (GICv2 spec 3.2.4): the list register names the sender. */
		irq->sources |= BIT(src->id);
		irq->latch = true;
		vgic_irq_touched(g, t, intid & 0xF, irq);
	}
}

/*
 * Keep the max most urgent (lowest priority value) in cand[], sorted.
 * Returns the new count. Inline: every kick's flush collects at least one
 * candidate, and the call's frame cost as much as the insertion.
 */
static inline __attribute__((always_inline)) unsigned cand_insert(struct vgic_cand *cand, unsigned n,
								  unsigned max, struct virq *irq,
								  unsigned intid)
{
	unsigned i = n < max ? n : max;

	if (n >= max && (!max || irq->priority >= cand[max - 1].irq->priority))
		return n + 1;
	while (i > 0 && cand[i - 1].irq->priority > irq->priority) {
		if (i < max)
			cand[i] = cand[i - 1];
		i--;
	}
	cand[i] = (struct vgic_cand){ irq, intid };
	return n + 1;
}

/* A hinted interrupt that is no longer pending and enabled, or sits in a list register, loses its bit. */
static bool hint_stale(const struct virq *irq)
{
	return irq->lr >= 0 || !irq->enabled || !vgic_irq_pending(irq);
}

static bool group_enabled(const struct vgic *g, const struct virq *irq)
{
	return g->ctlr & (irq->group ? GICD_CTLR_ENABLE_GRP1 : GICD_CTLR_ENABLE_GRP0);
}

unsigned vgic_collect(struct vcpu *v, struct vgic_cand *cand, unsigned max)
{
	struct vgic_cpu *c = vgic_cpu_of(v);
	struct vgic *g = c->g;
	unsigned n = 0;

	for (u32 m = c->maybe_pending; m; m &= m - 1) {
		unsigned i = __builtin_ctz(m);
		struct virq *irq = &c->priv[i];
		if (hint_stale(irq))
			c->maybe_pending &= ~(1u << i);
		else if (group_enabled(g, irq))
			n = cand_insert(cand, n, max, irq, i);
	}
	for (u64 m = g->spi_maybe_pending; m; m &= m - 1) {
		unsigned i = __builtin_ctzll(m);
		struct virq *irq = &g->spi[i];
		if (hint_stale(irq))
			g->spi_maybe_pending &= ~(1ULL << i);
		/* irq->target caches the IROUTER decision (vgic_spi_target). */
		else if (irq->target == v->id && group_enabled(g, irq))
			n = cand_insert(cand, n, max, irq, VGIC_NR_PRIVATE + i);
	}
	/* LPIs: zero unless the VM has an ITS that made one pending; target from its collection. */
	for (u64 m = g->lpi_maybe_pending; m; m &= m - 1) {
		unsigned i = __builtin_ctzll(m);
		struct virq *irq = &g->lpi[i];
		if (hint_stale(irq))
			g->lpi_maybe_pending &= ~(1ULL << i);
		else if (irq->target == v->id && group_enabled(g, irq))
			n = cand_insert(cand, n, max, irq, GIC_LPI_BASE + i);
	}
	return n;
}

bool vgic_vcpu_pending(struct vcpu *v)
{
	struct vgic_cpu *c = vgic_cpu_of(v);
	struct vgic *g = c->g;
	bool pending;

	spin_lock(&g->lock);
	pending = vgic_collect(v, NULL, 0) != 0;
	/* Anything pending in a list register also wakes WFI. */
	for (unsigned i = 0; i < g->nr_lrs && !pending; i++)
		pending = (c->lr_used & BIT(i)) && (c->lr[i].state & LR_PENDING);
	spin_unlock(&g->lock);
	return pending;
}
