/*
 * List-register policy: which of the model's interrupts the hardware's
 * virtual CPU interface holds, and folding back what the guest did with
 * them. The registers themselves are the backend's (arch/vgic_lr.h).
 *
 * An interrupt placed in a list register stays there until the guest has
 * completed it (the register reads back invalid), unless its line drops
 * before the guest took it: hyparm never pulls out one the guest has
 * seen, so the list register is the truth for it meanwhile.
 * Level-sensitive interrupts ask for an EOI maintenance interrupt so that
 * hyparm resamples the line when the guest is done; a hardware-mapped one
 * (the virtual timer) needs none: the guest's deactivation deactivates the
 * physical interrupt, which fires again if the timer's output is still
 * high. When more interrupts are pending than list registers, the
 * underflow maintenance interrupt (UIE) says when to refill; UIE is only
 * ever set while this vCPU runs: sync clears it at every exit, so the
 * level-sensitive maintenance interrupt can neither keep a CPU in EL2 nor
 * reach another vCPU.
 *
 * The virtual timer's registers do not trap, so its line can drop while
 * its interrupt waits in a list register with no exit to notice: a guest
 * that masked interrupts (PSTATE.I), saw its timer expire, then disabled
 * it or moved CVAL and unmasked, would take the stale interrupt. While
 * such an entry waits and the guest runs masked, its group-1 CPU-interface
 * accesses trap (ICH_HCR_EL2.TALL1): the first, in practice the
 * acknowledge, exits before it executes, the flush resamples the line and
 * withdraws the entry if the timer no longer fires, and the access runs
 * again untrapped. The guest may then have taken an IRQ exception for it,
 * but acknowledges no stale INTID (IAR reads 1023, as on a GIC whose
 * interrupt stopped pending before it was acknowledged).
 */
#include <drivers/gic.h>
#include <hyparm/irqchip.h>
#include <hyparm/vm.h>
#include <vdev/vgic.h>

/* Set ICH_HCR (or GICH_HCR) for v, writing the hardware only on a change. */
static void set_hcr(struct vgic *g, struct vgic_cpu *c, u32 hcr)
{
	if (c->cpuif.hcr != hcr) {
		c->cpuif.hcr = hcr;
		g->be->set_hcr(hcr);
	}
}

/*
 * The guest completed the interrupt in list register i, or hyparm withdrew
 * it. hw_clear: the hardware entry is empty already (ICH_ELRSR_EL2 said
 * so), so it need not be written. Lock held. Inline: the exit after every
 * interrupt the guest completed retires one (from vgic_sync), and the
 * call with its frame was a quarter of that.
 */
static inline __attribute__((always_inline)) void lr_retire(struct vgic *g, struct vcpu *v, unsigned i,
							    bool hw_clear)
{
	struct vgic_cpu *c = vgic_cpu_of(v);
	unsigned intid = c->lr[i].vintid;
	struct virq *irq = vgic_irq(g, v, intid);

	c->lr_used &= ~BIT(i);
	c->lr_dirty &= ~BIT(i);
	if (!hw_clear)
		g->be->write(i, NULL); /* also clears its EOI maintenance condition */
	c->lr[i] = (struct vgic_lr){ 0 };
	if (!c->lr_used)
		v->irqchip_busy = false;
	if (!irq)
		return;
	irq->lr = -1;
	irq->active = false;
	vgic_resample(v, irq); /* a sampled line: what is its output now? */
	vgic_hint(g, v, intid, irq); /* still pending? the next scan must see it */
	/* A register is free: look again if this one is still pending (a level line still high, a new edge) or others wait. */
	if (vgic_irq_pending(irq) || c->underflow)
		v->kicked = true;
}

/* hyparm takes an interrupt out of list register i before the guest completed it. Lock held. */
static void lr_withdraw(struct vgic *g, struct vcpu *v, unsigned i)
{
	struct vgic_lr lr = vgic_cpu_of(v)->lr[i];

	lr_retire(g, v, i, false);
	/* Its physical twin was left active for the guest to deactivate; the guest never will. */
	if (lr.hw)
		gic_set_active(lr.pintid, false);
}

/*
 * The emulation changed list register i's copy (a guest write to
 * I[SC]PENDR/I[SC]ACTIVER): put it in the hardware, or retire it if
 * nothing is left of it. Returns whether it is still in use. Lock held.
 */
static bool lr_write_back(struct vgic *g, struct vcpu *v, unsigned i)
{
	struct vgic_cpu *c = vgic_cpu_of(v);

	c->lr_dirty &= ~BIT(i);
	if (c->lr[i].state == LR_INVALID) {
		lr_withdraw(g, v, i);
		return false;
	}
	g->be->write(i, &c->lr[i]);
	return true;
}

void vgic_sync(struct vcpu *v)
{
	struct vgic_cpu *c = vgic_cpu_of(v);
	struct vgic *g = c->g;

	spin_lock(&g->lock);
	/* The guest is out: no underflow interrupt until it runs again (flush sets it back if needed). */
	set_hcr(g, c, VGIC_HCR_EN);
	/* One read says which entries the guest completed; only the others need their state read. */
	u32 empty = g->be->empty();
	for (u32 m = c->lr_used; m; m &= m - 1) {
		unsigned i = __builtin_ctz(m);
		/*
		 * The copy is newer than the hardware: the guest has not run since
		 * the change, so the copy is the truth (and the ELRSR read above
		 * predates it).
		 */
		if (c->lr_dirty & BIT(i)) {
			lr_write_back(g, v, i);
			continue;
		}
		/*
		 * ELRSR calls an entry empty only if nothing is left of it: one the
		 * guest completed that still holds its EOI maintenance condition
		 * (a level interrupt) is not empty, and reads back invalid.
		 */
		c->lr[i].state = (empty & BIT(i)) ? LR_INVALID : g->be->read_state(i);
		if (c->lr[i].state == LR_INVALID)
			lr_retire(g, v, i, empty & BIT(i));
	}
	spin_unlock(&g->lock);
}

/*
 * Whether the guest's group-1 CPU-interface accesses must trap on this
 * entry (see the top): a hardware-mapped entry is pending and the guest
 * runs with interrupts masked, so it cannot take it at once. Not right
 * after such a trap: that access runs untrapped (it would trap forever).
 */
static inline __attribute__((always_inline)) bool watch_hw_pending(struct vcpu *v, struct vgic_cpu *c)
{
	bool retry = c->grp1_retry;

	c->grp1_retry = false;
	if (retry || !(v->arch.regs.spsr & SPSR_I))
		return false;
	for (u32 m = c->lr_used; m; m &= m - 1) {
		unsigned i = __builtin_ctz(m);
		if (c->lr[i].hw && c->lr[i].state == LR_PENDING)
			return true;
	}
	return false;
}

void vgic_grp1_trapped(struct vcpu *v)
{
	vgic_cpu_of(v)->grp1_retry = true;
}

/* A new list-register entry for irq. */
static struct vgic_lr lr_for(const struct virq *irq, unsigned intid)
{
	struct vgic_lr lr = {
		.vintid = intid,
		.priority = irq->priority,
		.group = irq->group,
		/* An interrupt the guest made active by ISACTIVER goes in active and pending. */
		.state = LR_PENDING | (irq->active ? LR_ACTIVE : 0),
	};

	if (irq->src && irq->src->phys_intid) {
		lr.hw = true;
		lr.pintid = irq->src->phys_intid;
	} else {
		lr.eoi_maint = irq->level;
	}
	return lr;
}

/*
 * GICv2: an SGI from another source waits for the one in list register i
 * (each source needs its own entry, with its CPUID): ask to be told when
 * the guest completes that one. Lock held.
 */
static void v2_sgis_waiting(struct vgic *g, struct vgic_cpu *c)
{
	for (u32 m = c->lr_used; m; m &= m - 1) {
		unsigned i = __builtin_ctz(m);
		struct vgic_lr *lr = &c->lr[i];

		if (lr->vintid < GIC_NR_SGIS && c->priv[lr->vintid].sources && !lr->eoi_maint) {
			lr->eoi_maint = true;
			g->be->write(i, lr);
		}
	}
}

/*
 * GICv2 SGIs: one list register carries one source (the lowest first);
 * the others stay pending, and the EOI maintenance interrupt says when
 * the next may go in.
 */
static void v2_take_source(struct virq *irq, struct vgic_lr *lr)
{
	unsigned src = __builtin_ctz(irq->sources);

	irq->sources &= ~BIT(src);
	irq->latch = irq->sources != 0;
	lr->source = src;
	lr->eoi_maint = irq->latch;
}

/*
 * The flush, for both versions: v2 is a constant in each caller, so the
 * GICv3 one (vgic_flush) has no GICv2 code in it and costs what it did
 * before GICv2 support.
 */
static inline __attribute__((always_inline)) void flush(struct vcpu *v, bool v2)
{
	struct vgic_cpu *c = vgic_cpu_of(v);
	struct vgic *g = c->g;

	spin_lock(&g->lock);
	/* Update what is already in the list registers. */
	for (u32 m = c->lr_used; m; m &= m - 1) {
		unsigned i = __builtin_ctz(m);
		struct virq *irq = vgic_irq(g, v, c->lr[i].vintid);
		unsigned state = c->lr[i].state;
		if ((c->lr_dirty & BIT(i)) && !lr_write_back(g, v, i))
			continue;
		if (state == LR_PENDING && irq->level && !vgic_irq_forwarded(irq)) {
			vgic_resample(v, irq);
			if (!irq->line && !irq->latch)
				lr_withdraw(g, v, i); /* the line dropped before the guest took it */
		} else if (state == LR_ACTIVE && irq->latch && !irq->level && !(v2 && irq->sources) &&
			   c->lr[i].vintid < GIC_LPI_BASE) {
			/*
			 * A new edge while the guest handles the previous one (a GICv2 SGI
			 * waits for its own entry; an LPI, which has no active-and-pending
			 * state, for the guest's EOI: lr_retire() then sees it pending).
			 */
			irq->latch = false;
			c->lr[i].state |= LR_PENDING;
			g->be->write(i, &c->lr[i]);
		}
	}
	/*
	 * Scan for new interrupts only when something may have become pending
	 * (a kick) or a list register freed up while others waited (lr_retire()
	 * kicks then, the loop above included).
	 */
	if (v->kicked && __atomic_exchange_n(&v->kicked, false, __ATOMIC_ACQ_REL)) {
		struct vgic_cand cand[VGIC_MAX_LRS];
		unsigned nfree = g->nr_lrs;
		if (v2)
			v2_sgis_waiting(g, c); /* a sender's kick: its SGI may wait for a list register */
		for (u32 m = c->lr_used; m; m &= m - 1)
			nfree--; /* no popcount: it needs SIMD registers, which are the guest's */
		unsigned n = vgic_collect(v, cand, nfree), k = 0;

		/* Fill free list registers, most urgent first. */
		for (unsigned i = 0; i < g->nr_lrs && k < n && k < nfree; i++) {
			if (c->lr_used & BIT(i))
				continue;
			struct virq *irq = cand[k].irq;
			unsigned intid = cand[k++].intid;
			c->lr[i] = lr_for(irq, intid);
			c->lr_used |= BIT(i);
			irq->lr = i;
			irq->lr_vcpu = v->id;
			irq->latch = false;
			if (v2 && irq->sources)
				v2_take_source(irq, &c->lr[i]);
			irq->active = false; /* the list register holds it now */
			g->be->write(i, &c->lr[i]);
			c->delivered++;
		}
		/* More pending than fits: ask to be told when the list registers drain. */
		c->underflow = n > nfree;
	}
	v->irqchip_busy = c->lr_used != 0;
	set_hcr(g, c,
		VGIC_HCR_EN | (c->underflow && c->lr_used ? VGIC_HCR_UIE : 0) |
			(watch_hw_pending(v, c) ? VGIC_HCR_TALL1 : 0));
	spin_unlock(&g->lock);
}

void vgic_flush(struct vcpu *v)
{
	flush(v, false);
}

void vgic_v2_flush(struct vcpu *v)
{
	flush(v, true);
}

void vgic_vcpu_put(struct vcpu *v)
{
	struct vgic_cpu *c = vgic_cpu_of(v);
	struct vgic *g = c->g;

	vgic_sync(v);
	g->be->save(&c->cpuif);
	/* The next vCPU here starts from an empty interface: nothing of this one's may signal for it. */
	for (u32 m = c->lr_used; m; m &= m - 1)
		g->be->write(__builtin_ctz(m), NULL);
}

void vgic_vcpu_load(struct vcpu *v)
{
	struct vgic_cpu *c = vgic_cpu_of(v);
	struct vgic *g = c->g;

	g->be->restore(&c->cpuif);
	g->be->set_hcr(c->cpuif.hcr = VGIC_HCR_EN);
	/* Locked: other vCPUs change this one's copies (its redistributor) while it is off its CPU. */
	spin_lock(&g->lock);
	for (u32 m = c->lr_used; m; m &= m - 1) {
		unsigned i = __builtin_ctz(m);
		/* A copy changed while v was out: written back as sync would, retired if nothing is left. */
		if (c->lr_dirty & BIT(i))
			lr_write_back(g, v, i);
		else
			g->be->write(i, &c->lr[i]);
	}
	v->irqchip_busy = c->lr_used != 0;
	spin_unlock(&g->lock);
}

unsigned vgic_lr_state_of(struct vgic *g, struct vcpu *v, unsigned intid, const struct virq *irq)
{
	struct vcpu *holder = intid < VGIC_NR_PRIVATE ? v : g->vm->vcpus[irq->lr_vcpu];

	if (irq->lr < 0 || !holder)
		return LR_INVALID;
	return g->cpu[holder->id].lr[irq->lr].state;
}

/*
 * In another vCPU's list register the change waits for that vCPU to finish
 * with the interrupt, as the list register is that CPU's.
 */
void vgic_lr_change(struct vgic *g, struct vcpu *v, unsigned intid, struct virq *irq, unsigned state,
		    bool set)
{
	struct vcpu *holder = intid < VGIC_NR_PRIVATE ? v : g->vm->vcpus[irq->lr_vcpu];
	struct vgic_cpu *c;

	if (irq->lr < 0 || holder != v)
		return;
	c = vgic_cpu_of(v);
	if (set)
		c->lr[irq->lr].state |= state;
	else
		c->lr[irq->lr].state &= ~state;
	c->lr_dirty |= BIT(irq->lr);
}
