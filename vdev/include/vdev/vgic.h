/*
 * Virtual GICv3 and GICv2, the model (vdev/vgic/). GICv3: the distributor
 * and one redistributor per vCPU are emulated (vgic_dist.c,
 * vgic_redist.c); GICv2: the distributor alone, with the SGI/PPI bank of
 * the accessing vCPU, ITARGETSR and GICD_SGIR (vgic_dist_v2.c); the
 * per-interrupt register arrays they share are in vgic_regs.c. The
 * guest's CPU interface is the hardware's virtual one (ICV_* system
 * registers, or the GICV frame mapped at the guest's GICC), fed through
 * list registers by the flush/sync policy (vgic_lr.c) over the backend
 * interface (arch/vgic_lr.h). The model (vgic.c) is pure logic: which
 * interrupts are pending, enabled, active, their priority and target; it
 * is the same for both versions but for the few fields marked GICv2.
 *
 * One lock per VM guards the whole model: the VMs are small, and it makes
 * cross-vCPU injection (SGIs, SPIs routed elsewhere) obviously right.
 * The core reaches all this only through the irqchip operations
 * (hyparm/irqchip.h) the vGIC installs in the VM.
 */
#ifndef VDEV_VGIC_H
#define VDEV_VGIC_H

#include <hyparm/types.h>
#include <hyparm/gic_regs.h>
#include <arch/spinlock.h>
#include <arch/vgic_lr.h>
#include <hyparm/irqchip.h>
#include <hyparm/virtqueue.h>

#define VGIC_NR_PRIVATE 32 /* SGIs 0-15, PPIs 16-31 */
/*
 * LPIs, with an ITS (vdev/vgic/vits.c): INTIDs GIC_LPI_BASE .. + VGIC_NR_LPIS - 1,
 * the bound GICD_TYPER.num_LPIs advertises (Linux then allocates only from
 * this range), so the model keeps them in a flat array like SPIs.
 */
#define VGIC_NR_LPIS 64
#define VGIC_LPI_NUM_FIELD 5 /* GICD_TYPER.num_LPIs: 2^(5 + 1) = 64 LPIs */
#define VGIC_LPI_IDBITS 13 /* GICD_TYPER.IDbits with LPIs: 14-bit INTIDs, the architecture's minimum */
#define VGIC_NR_SPIS 64 /* INTIDs 32..95 */
#define VGIC_NR_IRQS (VGIC_NR_PRIVATE + VGIC_NR_SPIS)
#define VGIC_MAX_VCPUS 8

struct vcpu;
struct vm;
struct irq_source;

struct virq {
	u8 priority;
	u8 group; /* 0 or 1 */
	bool enabled;
	bool level; /* level-sensitive (else edge) */
	bool line; /* level input as the device drives it */
	bool latch; /* edge seen, or pending set by a write to ISPENDR */
	bool active;
	s8 lr; /* list register holding it, -1 = none */
	u8 lr_vcpu; /* SPIs: the vCPU whose list register holds it (its target back then) */
	/* GICv2 only; in what was padding, so that the struct stays 32 bytes (one shift to index). */
	u8 targets; /* SPIs: GICD_ITARGETSR, bit n = vCPU n */
	u8 sources; /* SGIs: the vCPUs whose SGI is pending (latch is set while any is) */
	u16 target; /* SPIs: vCPU index from IROUTER (GICv3) or ITARGETSR (GICv2) */
	u64 irouter;
	const struct irq_source *
		src; /* a device that owns the line and is sampled (the virtual timer), or a hardware-mapped SPI */
};

struct vgic_cpu {
	struct vgic *g; /* the VM's vGIC this belongs to */
	struct virq priv[VGIC_NR_PRIVATE];
	u32 waker; /* GICR_WAKER.ProcessorSleep */
	u32 lr_used; /* bitmap of list registers in use */
	u32 lr_dirty; /* list registers whose copy in lr[] the emulation changed */
	u32 maybe_pending; /* SGIs/PPIs that may be deliverable (a hint, see vgic_hint()) */
	struct vgic_lr lr[VGIC_MAX_LRS]; /* what hyparm last wrote / read back */
	bool underflow; /* more pending than list registers: ask for a maintenance IRQ */
	u64 delivered; /* interrupts put into a list register (statistics) */
	bool grp1_retry; /* a group-1 CPU-interface access trapped (TALL1): the next entry runs it untrapped */
	struct vgic_cpuif cpuif; /* guest CPU-interface state, switched with the vCPU */
};

struct vgic {
	spinlock_t lock;
	struct vm *vm;
	const struct vgic_lr_backend *be;
	unsigned version; /* 2 or 3: the register map the guest sees (the backend's) */
	u32 ctlr;
	struct virq spi[VGIC_NR_SPIS];
	u64 spi_maybe_pending; /* SPIs that may be deliverable (a hint, see vgic_hint()) */
	unsigned nr_lrs; /* list registers the CPU has */
	struct vgic_cpu cpu[VGIC_MAX_VCPUS];
	/*
	 * LPIs (only when the VM has an ITS: lpis). Their virq: level false,
	 * group 1, priority and enable from the configuration table in guest
	 * memory (read at map, INV, INVALL, EnableLPIs), target the vCPU of
	 * the collection the ITS mapped it to, and no active state in the
	 * model. Pending state lives here, not in the guest's pending table.
	 */
	bool lpis;
	struct virq lpi[VGIC_NR_LPIS];
	u64 lpi_maybe_pending; /* like spi_maybe_pending */
	u64 lpi_mapped; /* bit n: an ITS translation leads to LPI n (else it can never be pending) */
	u64 propbaser; /* GICR_PROPBASER, one for all redistributors (GICR_TYPER.CommonLPIAff = 0) */
	u64 pendbaser[VGIC_MAX_VCPUS]; /* GICR_PENDBASER: read once, when LPIs are enabled */
	u8 pend_zero; /* bit n: vCPU n's last PENDBASER write had PTZ (its table is zero: not read) */
	u8 enable_lpis; /* GICR_CTLR.EnableLPIs, bit n = vCPU n; once set it stays until reset */
	struct vq_mem mem; /* the VM's RAM, for the configuration table (bounds-checked) */
};
_Static_assert(VGIC_NR_SPIS <= 64, "spi_maybe_pending is one word");
_Static_assert(VGIC_NR_LPIS <= 64 && VGIC_NR_LPIS == 2 << VGIC_LPI_NUM_FIELD,
	       "lpi_maybe_pending is one word; num_LPIs says how many there are");
_Static_assert(VGIC_MAX_VCPUS <= 8, "enable_lpis is one byte");
_Static_assert(sizeof(struct virq) == 32, "a power of two: the model indexes arrays of it everywhere");

/* The vGIC of vm / vCPU v's part of it (one per VM, by VM index). */
extern struct vgic vgics[];
#define vgic_of(vm) (&vgics[(vm)->id])
/* The vCPU's part, through the pointer the vGIC left in the vCPU (no index arithmetic on the exit path). */
#define vgic_cpu_of(v) ((struct vgic_cpu *)(v)->irqchip_cpu)

/* Power-on state of the model, for all of the VM's vCPUs. */
void vgic_reset(struct vgic *g, struct vm *vm, const struct vgic_lr_backend *be);

/*
 * The interrupt INTID as seen by vCPU v (private ones are per vCPU). NULL
 * if out of range. Inline: the list-register code looks one up per entry
 * it flushes or retires, and the call was a third of the lookup.
 */
/* An INTID in the LPI range this vGIC has (GICD_TYPER.num_LPIs). */
static inline bool vgic_lpi_valid(u32 intid)
{
	return intid >= GIC_LPI_BASE && intid - GIC_LPI_BASE < VGIC_NR_LPIS;
}
static inline struct virq *vgic_irq(struct vgic *g, struct vcpu *v, unsigned intid)
{
	if (intid < VGIC_NR_PRIVATE)
		return v ? &vgic_cpu_of(v)->priv[intid] : NULL;
	if (intid < VGIC_NR_IRQS)
		return &g->spi[intid - VGIC_NR_PRIVATE];
	if (vgic_lpi_valid(intid))
		return &g->lpi[intid - GIC_LPI_BASE];
	return NULL;
}
/* Drive a level-sensitive line (devices, the timer). v: the vCPU for private INTIDs, else NULL. */
void vgic_set_line(struct vm *vm, struct vcpu *v, u32 intid, bool level);
/* An edge: pending once. */
void vgic_inject_edge(struct vm *vm, struct vcpu *v, u32 intid);
/* A write of ICC_SGI1R_EL1 by vCPU src: make the SGI pending on every target. */
void vgic_send_sgi(struct vcpu *src, u64 sgi1r);
/* GICv2: SGI intid from vCPU src pending on the vCPUs in targets (bit n = vCPU n). Lock held. */
void vgic_v2_pend_sgi(struct vgic *g, struct vcpu *src, unsigned intid, u8 targets);
/* True if v has an interrupt that would wake it from WFI. */
bool vgic_vcpu_pending(struct vcpu *v);

/* The vCPU an SPI is routed to (IROUTER affinity), or vCPU 0 if none matches. */
struct vcpu *vgic_spi_target(struct vm *vm, const struct virq *irq);

/*
 * LPIs (vgic_lpi.c), lock held. vgic_lpis_init: the VM has an ITS
 * (GICD_TYPER.LPIS, GICR_TYPER.PLPIS, the LPI registers), ram is its RAM
 * for reading the configuration table. vgic_lpi_map:
 * an ITS translation now leads to LPI intid, whose target is vCPU vcpu
 * (-1: its collection is unmapped, it can be made pending but not
 * delivered); configuration re-read. vgic_lpi_unmap: no translation leads
 * there any more: pending state dropped. vgic_lpi_config: re-read
 * priority and enable (INV, INVALL). vgic_lpi_set_pending: INT, CLEAR, an
 * MSI. vgic_lpi_move: every LPI targeting vCPU from now targets to (MOVALL).
 */
void vgic_lpis_init(struct vgic *g, const struct vq_mem *ram);
void vgic_lpi_map(struct vgic *g, u32 intid, int vcpu);
void vgic_lpi_unmap(struct vgic *g, u32 intid);
void vgic_lpi_config(struct vgic *g, u32 intid);
void vgic_lpi_set_pending(struct vgic *g, u32 intid, bool pending);
void vgic_lpi_move(struct vgic *g, unsigned from, unsigned to);
/* The redistributor's LPI registers (vgic_redist.c calls these). */
u64 vgic_lpi_reg_read(struct vgic *g, struct vcpu *t, u64 off);
void vgic_lpi_reg_write(struct vgic *g, struct vcpu *t, u64 off, unsigned size, u64 val);

/* Is it deliverable now: pending, enabled, its group enabled in the distributor. */
bool vgic_irq_deliverable(const struct vgic *g, const struct virq *irq);
/* Pending: an edge or ISPENDR latch, or a level line that is high. */
static inline bool vgic_irq_pending(const struct virq *irq)
{
	return irq->latch || (irq->level && irq->line);
}
/*
 * A passed-through device's SPI (hyparm/irqchip.h): pending from its
 * physical edge until the guest deactivates it, whatever its configured
 * trigger; its line is the physical one, which no sample can read.
 */
static inline bool vgic_irq_forwarded(const struct virq *irq)
{
	return irq->src && !irq->src->get_line;
}
/* A line owned by a sampled source (the virtual timer): read it again. Lock held. */
static inline void vgic_resample(struct vcpu *v, struct virq *irq)
{
	if (irq->src && irq->src->get_line && v)
		irq->line = irq->src->get_line(v, irq->src->ctx);
}

/*
 * The "maybe pending" hint: a superset of the interrupts that are pending,
 * enabled and not in a list register, so that filling list registers looks
 * at a few bits instead of every interrupt. Set wherever an interrupt may
 * have become deliverable (vgic_irq_touched(), a list register retired);
 * cleared lazily by the scan that finds the bit stale. Lock held.
 */
static inline void vgic_hint(struct vgic *g, struct vcpu *v, unsigned intid, const struct virq *irq)
{
	if (!irq->enabled || !vgic_irq_pending(irq))
		return;
	if (intid < VGIC_NR_PRIVATE) {
		if (v)
			vgic_cpu_of(v)->maybe_pending |= 1u << intid;
	} else if (intid < VGIC_NR_IRQS) {
		g->spi_maybe_pending |= 1ULL << (intid - VGIC_NR_PRIVATE);
	} else {
		g->lpi_maybe_pending |= 1ULL << (intid - GIC_LPI_BASE);
	}
}
/* An interrupt's state changed: hint it and kick whoever may now have to take it. Lock held. */
void vgic_irq_touched(struct vgic *g, struct vcpu *v, unsigned intid, struct virq *irq);

/* An interrupt ready for a list register, and its INTID. */
struct vgic_cand {
	struct virq *irq;
	unsigned intid;
};
/*
 * One pass over v's hinted interrupts: the up to max most urgent that are
 * deliverable and not yet in a list register, sorted, in cand[] (may be
 * NULL when max is 0). Returns how many there are in all, so more than max
 * means some must wait. Drops stale hint bits. Lock held.
 */
unsigned vgic_collect(struct vcpu *v, struct vgic_cand *cand, unsigned max);

/* List-register policy (vgic_lr.c): before entry, after exit, on a vCPU switch. Lock taken inside. */
void vgic_flush(struct vcpu *v);
void vgic_v2_flush(struct vcpu *v); /* the same, with GICv2's SGI sources */
void vgic_sync(struct vcpu *v);
void vgic_vcpu_put(struct vcpu *v);
void vgic_vcpu_load(struct vcpu *v);
/*
 * The guest's access to a group-1 CPU-interface register trapped
 * (VGIC_HCR_TALL1, see vgic_lr.c): the exit has synced and the flush will
 * look at the list registers again; the access then runs in the guest.
 */
void vgic_grp1_trapped(struct vcpu *v);
/* The list-register state of an interrupt held in one (LR_*), 0 if none. Lock held. */
unsigned vgic_lr_state_of(struct vgic *g, struct vcpu *v, unsigned intid, const struct virq *irq);
/* A guest write to I[SC]PENDR/I[SC]ACTIVER for an interrupt in v's own list register. Lock held. */
void vgic_lr_change(struct vgic *g, struct vcpu *v, unsigned intid, struct virq *irq, unsigned state,
		    bool set);

extern const struct mmio_ops vgic_dist_mmio_ops;
extern const struct mmio_ops vgic_redist_mmio_ops;
extern const struct mmio_ops vgic_dist_v2_mmio_ops;

#endif
