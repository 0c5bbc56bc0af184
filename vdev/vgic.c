/* The virtual GIC's interrupt model (see vdev/vgic.h). */
#include <hyparm/vm.h>
#include <vdev/vgic.h>
#include "vgic_regs.h"

void vgic_init(struct vm *vm, unsigned nr_lrs)
{
	struct vgic_dist *d = &vm->vgic;

	d->ctlr = GICD_CTLR_ARE | GICD_CTLR_DS;
	d->nr_lrs = nr_lrs > VGIC_MAX_LRS ? VGIC_MAX_LRS : nr_lrs;
	d->spi_maybe_pending = 0;
	for (unsigned i = 0; i < VGIC_NR_SPIS; i++) {
		d->spi[i] = (struct virq){ .lr = -1 };
	}
}

void vgic_vcpu_init(struct vcpu *v)
{
	struct vgic_cpu *c = &v->vgic;

	for (unsigned i = 0; i < VGIC_NR_PRIVATE; i++) {
		/* SGIs are always edge; PPIs are level at reset in this model (the timer's are). */
		c->priv[i] = (struct virq){ .lr = -1, .level = i >= 16 };
	}
	c->waker = 2; /* ProcessorSleep */
	c->lr_used = 0;
	c->lr_dirty = 0;
	c->maybe_pending = 0;
	c->underflow = false;
	c->vmcr = 0;
	for (unsigned i = 0; i < 4; i++)
		c->ap0r[i] = c->ap1r[i] = 0;
}

struct virq *vgic_irq(struct vm *vm, struct vcpu *v, unsigned intid)
{
	if (intid < VGIC_NR_PRIVATE)
		return v ? &v->vgic.priv[intid] : NULL;
	if (intid < VGIC_NR_IRQS)
		return &vm->vgic.spi[intid - VGIC_NR_PRIVATE];
	return NULL;
}

bool vgic_irq_deliverable(const struct vgic_dist *d, const struct virq *irq)
{
	u32 group_en = irq->group ? GICD_CTLR_EN_G1 : GICD_CTLR_EN_G0;
	return vgic_irq_pending(irq) && irq->enabled && (d->ctlr & group_en);
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

void vgic_hint(struct vm *vm, struct vcpu *v, unsigned intid, const struct virq *irq)
{
	if (!irq->enabled || !vgic_irq_pending(irq))
		return;
	if (intid < VGIC_NR_PRIVATE) {
		if (v)
			v->vgic.maybe_pending |= 1u << intid;
	} else {
		vm->vgic.spi_maybe_pending |= 1ULL << (intid - VGIC_NR_PRIVATE);
	}
}

/* Lock held. The interrupt may have become deliverable: tell its vCPU. */
void vgic_irq_touched(struct vm *vm, struct vcpu *v, unsigned intid, struct virq *irq)
{
	vgic_hint(vm, v, intid, irq);
	if (!vgic_irq_deliverable(&vm->vgic, irq) && irq->lr < 0)
		return;
	if (intid >= VGIC_NR_PRIVATE)
		v = vm->vcpus[irq->target];
	if (v)
		vgic_kick(v);
}

void vgic_set_line(struct vm *vm, struct vcpu *v, unsigned intid, bool level)
{
	struct virq *irq;

	spin_lock(&vm->vgic.lock);
	irq = vgic_irq(vm, v, intid);
	if (irq && irq->line != level) {
		/* An edge-triggered input latches on the rising edge only. */
		if (!irq->level && level)
			irq->latch = true;
		irq->line = level;
		vgic_irq_touched(vm, v, intid, irq);
	}
	spin_unlock(&vm->vgic.lock);
}

void vgic_inject_edge(struct vm *vm, struct vcpu *v, unsigned intid)
{
	struct virq *irq;

	spin_lock(&vm->vgic.lock);
	irq = vgic_irq(vm, v, intid);
	if (irq) {
		irq->latch = true;
		vgic_irq_touched(vm, v, intid, irq);
	}
	spin_unlock(&vm->vgic.lock);
}

void vgic_send_sgi(struct vcpu *src, u64 sgi1r)
{
	struct vm *vm = src->vm;
	unsigned intid = (sgi1r >> 24) & 0xF;
	bool broadcast = sgi1r & BIT(40);       /* IRM: all but self */
	u64 aff1 = (sgi1r >> 16) & 0xFF, aff2 = (sgi1r >> 32) & 0xFF, aff3 = (sgi1r >> 48) & 0xFF;
	unsigned rs = (sgi1r >> 44) & 0xF;      /* range selector: Aff0 = rs * 16 + bit */
	u16 targets = sgi1r & 0xFFFF;

	spin_lock(&vm->vgic.lock);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *t = vm->vcpus[i];
		u64 m = t->mpidr;
		bool hit;

		if (broadcast)
			hit = t != src;
		else
			hit = ((m >> 8) & 0xFF) == aff1 && ((m >> 16) & 0xFF) == aff2 &&
			      ((m >> 32) & 0xFF) == aff3 && (m & 0xFF) / 16 == rs &&
			      (targets & BIT((m & 0xFF) % 16));
		if (hit) {
			t->vgic.priv[intid].latch = true;
			vgic_irq_touched(vm, t, intid, &t->vgic.priv[intid]);
		}
	}
	spin_unlock(&vm->vgic.lock);
}

/* Keep the max most urgent (lowest priority value) in cand[], sorted. Returns the new count. */
static unsigned cand_insert(struct vgic_cand *cand, unsigned n, unsigned max, struct virq *irq, unsigned intid)
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

static bool group_enabled(const struct vgic_dist *d, const struct virq *irq)
{
	return d->ctlr & (irq->group ? GICD_CTLR_EN_G1 : GICD_CTLR_EN_G0);
}

unsigned vgic_collect(struct vcpu *v, struct vgic_cand *cand, unsigned max)
{
	struct vm *vm = v->vm;
	const struct vgic_dist *d = &vm->vgic;
	unsigned n = 0;

	for (u32 m = v->vgic.maybe_pending; m; m &= m - 1) {
		unsigned i = __builtin_ctz(m);
		struct virq *irq = &v->vgic.priv[i];
		if (hint_stale(irq))
			v->vgic.maybe_pending &= ~(1u << i);
		else if (group_enabled(d, irq))
			n = cand_insert(cand, n, max, irq, i);
	}
	for (u64 m = vm->vgic.spi_maybe_pending; m; m &= m - 1) {
		unsigned i = __builtin_ctzll(m);
		struct virq *irq = &vm->vgic.spi[i];
		if (hint_stale(irq))
			vm->vgic.spi_maybe_pending &= ~(1ULL << i);
		/* irq->target caches the IROUTER decision (vgic_spi_target). */
		else if (irq->target == v->id && group_enabled(d, irq))
			n = cand_insert(cand, n, max, irq, VGIC_NR_PRIVATE + i);
	}
	return n;
}

bool vgic_vcpu_pending(struct vcpu *v)
{
	struct vm *vm = v->vm;
	bool pending;

	spin_lock(&vm->vgic.lock);
	pending = vgic_collect(v, NULL, 0) != 0;
	/* Anything pending in a list register also wakes WFI. */
	for (unsigned i = 0; i < vm->vgic.nr_lrs && !pending; i++)
		pending = (v->vgic.lr_used & BIT(i)) && (v->vgic.lr[i] & VGIC_LR_PENDING);
	spin_unlock(&vm->vgic.lock);
	return pending;
}
