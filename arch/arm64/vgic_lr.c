/*
 * List-register management (see arch/vgic_lr.h).
 *
 * An interrupt placed in a list register stays there until the guest has
 * completed it (the register reads back invalid): hyparm never pulls one
 * out, so the list register is the truth for it meanwhile. Level-sensitive
 * interrupts ask for an EOI maintenance interrupt so that hyparm resamples
 * the line when the guest is done; when more interrupts are pending than
 * list registers, the underflow maintenance interrupt says when to refill.
 */
#include <arch/sysreg.h>
#include <arch/vgic_lr.h>
#include <drivers/gic.h>
#include <hyparm/pcpu.h>
#include <hyparm/vm.h>
#include <vdev/vgic.h>

#define ICH_HCR_EN    BIT(0)
#define ICH_HCR_UIE   BIT(1)
#define LR_GROUP1     BIT(60)
#define LR_EOI        BIT(41)
#define LR_PRIO_SHIFT 48

static u64 read_lr(unsigned i)
{
	switch (i) {
	case 0: return read_sysreg(S3_4_C12_C12_0);
	case 1: return read_sysreg(S3_4_C12_C12_1);
	case 2: return read_sysreg(S3_4_C12_C12_2);
	case 3: return read_sysreg(S3_4_C12_C12_3);
	case 4: return read_sysreg(S3_4_C12_C12_4);
	case 5: return read_sysreg(S3_4_C12_C12_5);
	case 6: return read_sysreg(S3_4_C12_C12_6);
	case 7: return read_sysreg(S3_4_C12_C12_7);
	case 8: return read_sysreg(S3_4_C12_C13_0);
	case 9: return read_sysreg(S3_4_C12_C13_1);
	case 10: return read_sysreg(S3_4_C12_C13_2);
	case 11: return read_sysreg(S3_4_C12_C13_3);
	case 12: return read_sysreg(S3_4_C12_C13_4);
	case 13: return read_sysreg(S3_4_C12_C13_5);
	case 14: return read_sysreg(S3_4_C12_C13_6);
	default: return read_sysreg(S3_4_C12_C13_7);
	}
}

static void write_lr(unsigned i, u64 v)
{
	switch (i) {
	case 0: write_sysreg(S3_4_C12_C12_0, v); break;
	case 1: write_sysreg(S3_4_C12_C12_1, v); break;
	case 2: write_sysreg(S3_4_C12_C12_2, v); break;
	case 3: write_sysreg(S3_4_C12_C12_3, v); break;
	case 4: write_sysreg(S3_4_C12_C12_4, v); break;
	case 5: write_sysreg(S3_4_C12_C12_5, v); break;
	case 6: write_sysreg(S3_4_C12_C12_6, v); break;
	case 7: write_sysreg(S3_4_C12_C12_7, v); break;
	case 8: write_sysreg(S3_4_C12_C13_0, v); break;
	case 9: write_sysreg(S3_4_C12_C13_1, v); break;
	case 10: write_sysreg(S3_4_C12_C13_2, v); break;
	case 11: write_sysreg(S3_4_C12_C13_3, v); break;
	case 12: write_sysreg(S3_4_C12_C13_4, v); break;
	case 13: write_sysreg(S3_4_C12_C13_5, v); break;
	case 14: write_sysreg(S3_4_C12_C13_6, v); break;
	default: write_sysreg(S3_4_C12_C13_7, v); break;
	}
}

unsigned vgic_lr_count(void)
{
	return (read_sysreg(S3_4_C12_C11_1) & 0x1F) + 1; /* ICH_VTR_EL2.ListRegs */
}

void vgic_lr_cpu_init(void)
{
	for (unsigned i = 0; i < vgic_lr_count(); i++)
		write_lr(i, 0);
	write_sysreg(S3_4_C12_C11_0, ICH_HCR_EN);   /* ICH_HCR_EL2 */
	isb();
}

/* The guest completed the interrupt in list register i. Lock held. */
static void lr_retire(struct vcpu *v, unsigned i, struct virq *irq)
{
	unsigned intid = v->vgic.lr_intid[i];

	v->vgic.lr_used &= ~BIT(i);
	v->vgic.lr_dirty &= ~BIT(i);
	v->vgic.lr[i] = 0;
	if (irq) {
		irq->lr = -1;
		irq->active = false;
		vgic_hint(v->vm, v, intid, irq);   /* still pending? the next scan must see it */
	}
	if (intid == VTIMER_INTID && v->vtimer_masked) {
		/* The guest handled its timer: let the physical one fire again if still due. */
		if (irq)
			irq->line = false;
		v->vtimer_masked = false;
		gic_ppi_enable(VTIMER_INTID, true);
	}
	/* A register is free: look again if this one is still pending (a level line still high, a new edge) or others wait. */
	if ((irq && vgic_irq_pending(irq)) || v->vgic.underflow)
		v->vgic_kicked = true;
}

/*
 * The emulation changed list register i's copy (a guest write to
 * I[SC]PENDR/I[SC]ACTIVER): put it in the hardware, or retire it if
 * nothing is left of it. Returns whether it is still in use. Lock held.
 */
static bool lr_write_back(struct vcpu *v, unsigned i)
{
	v->vgic.lr_dirty &= ~BIT(i);
	if (!(v->vgic.lr[i] >> 62)) {
		lr_retire(v, i, vgic_irq(v->vm, v, v->vgic.lr_intid[i]));
		write_lr(i, 0);
		return false;
	}
	write_lr(i, v->vgic.lr[i]);
	return true;
}

void vgic_lr_sync(struct vcpu *v)
{
	struct vm *vm = v->vm;

	spin_lock(&vm->vgic.lock);
	for (unsigned i = 0; i < vm->vgic.nr_lrs; i++) {
		if (!(v->vgic.lr_used & BIT(i)))
			continue;
		/* The copy is newer than the hardware: the guest has not run since the change. */
		if ((v->vgic.lr_dirty & BIT(i)) && !lr_write_back(v, i))
			continue;
		u64 val = read_lr(i);
		if (!(val >> 62)) {
			lr_retire(v, i, vgic_irq(vm, v, v->vgic.lr_intid[i]));
			write_lr(i, 0); /* clears the EOI maintenance condition */
		} else {
			v->vgic.lr[i] = val;
		}
	}
	spin_unlock(&vm->vgic.lock);
}

void vgic_lr_flush(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct vgic_cpu *c = &v->vgic;
	bool scan;

	spin_lock(&vm->vgic.lock);
	/* Update what is already in the list registers. */
	for (unsigned i = 0; i < vm->vgic.nr_lrs; i++) {
		if (!(c->lr_used & BIT(i)))
			continue;
		struct virq *irq = vgic_irq(vm, v, c->lr_intid[i]);
		u64 state = c->lr[i] >> 62;
		if ((c->lr_dirty & BIT(i)) && !lr_write_back(v, i))
			continue;
		if (state == 1 && irq->level && !irq->line && !irq->latch) {
			/* The line dropped before the guest took it: withdraw it. */
			lr_retire(v, i, irq);
			write_lr(i, 0);
		} else if (state == 2 && irq->latch && !irq->level) {
			/* A new edge while the guest handles the previous one. */
			irq->latch = false;
			c->lr[i] |= VGIC_LR_PENDING;
			write_lr(i, c->lr[i]);
		}
	}
	/*
	 * Scan for new interrupts only when something may have become pending
	 * (a kick) or a list register freed up while others waited (lr_retire()
	 * kicks then, the loop above included).
	 */
	scan = __atomic_exchange_n(&v->vgic_kicked, false, __ATOMIC_ACQ_REL);
	if (scan) {
		struct vgic_cand cand[VGIC_MAX_LRS];
		unsigned nfree = 0;
		for (unsigned i = 0; i < vm->vgic.nr_lrs; i++)
			nfree += !(c->lr_used & BIT(i));
		unsigned n = vgic_collect(v, cand, nfree), k = 0;

		/* Fill free list registers, most urgent first. */
		for (unsigned i = 0; i < vm->vgic.nr_lrs && k < n && k < nfree; i++) {
			if (c->lr_used & BIT(i))
				continue;
			struct virq *irq = cand[k].irq;
			unsigned intid = cand[k++].intid;
			/* An interrupt the guest made active by ISACTIVER goes in active and pending. */
			c->lr[i] = VGIC_LR_PENDING | (irq->active ? VGIC_LR_ACTIVE : 0) |
				   ((u64)irq->priority << LR_PRIO_SHIFT) | intid |
				   (irq->group ? LR_GROUP1 : 0) | (irq->level ? LR_EOI : 0);
			c->lr_intid[i] = intid;
			c->lr_used |= BIT(i);
			irq->lr = i;
			irq->lr_vcpu = v->id;
			irq->latch = false;
			irq->active = false;    /* the list register holds it now */
			write_lr(i, c->lr[i]);
		}
		/* More pending than fits: ask to be told when the list registers drain. */
		c->underflow = n > nfree;
	}
	spin_unlock(&vm->vgic.lock);
	write_sysreg(S3_4_C12_C11_0, ICH_HCR_EN | (c->underflow ? ICH_HCR_UIE : 0));
}

void vgic_lr_save(struct vcpu *v)
{
	vgic_lr_sync(v);
	v->vgic.vmcr = read_sysreg(S3_4_C12_C11_7);      /* ICH_VMCR_EL2 */
	v->vgic.ap0r[0] = read_sysreg(S3_4_C12_C8_0);    /* ICH_AP0R0_EL2 */
	v->vgic.ap1r[0] = read_sysreg(S3_4_C12_C9_0);    /* ICH_AP1R0_EL2 */
}

void vgic_lr_restore(struct vcpu *v)
{
	unsigned n = v->vm->vgic.nr_lrs;

	write_sysreg(S3_4_C12_C11_7, v->vgic.vmcr);
	write_sysreg(S3_4_C12_C8_0, v->vgic.ap0r[0]);
	write_sysreg(S3_4_C12_C9_0, v->vgic.ap1r[0]);
	for (unsigned i = 0; i < n; i++)
		write_lr(i, (v->vgic.lr_used & BIT(i)) ? v->vgic.lr[i] : 0);
	gic_ppi_enable(VTIMER_INTID, !v->vtimer_masked);
}
