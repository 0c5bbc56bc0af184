/*
 * Virtual GICv3. The distributor and one redistributor per vCPU are
 * emulated in hyparm (vdev/vgic_dist.c, vdev/vgic_redist.c); the guest's
 * CPU interface is the hardware's virtual CPU interface, fed through the
 * list registers (arch/arm64/vgic_lr.c). This file's model is pure logic:
 * which interrupts are pending, enabled, active, their priority and target.
 *
 * One lock per VM guards the whole model: the VMs are small, and it makes
 * cross-vCPU injection (SGIs, SPIs routed elsewhere) obviously right.
 */
#ifndef VDEV_VGIC_H
#define VDEV_VGIC_H

#include <hyparm/types.h>
#include <arch/spinlock.h>

#define VGIC_NR_PRIVATE  32        /* SGIs 0-15, PPIs 16-31 */
#define VGIC_NR_SPIS     64        /* INTIDs 32..95 */
#define VGIC_NR_IRQS     (VGIC_NR_PRIVATE + VGIC_NR_SPIS)
#define VGIC_MAX_LRS     16

#define VGIC_DIST_SIZE   0x10000
#define VGIC_REDIST_SIZE 0x20000   /* RD_base + SGI_base frames per vCPU */

#define VGIC_MAINT_INTID 25
#define VTIMER_INTID     27
#define PTIMER_INTID     30

struct vcpu;
struct vm;

struct virq {
	u8 priority;
	u8 group;            /* 0 or 1 */
	bool enabled;
	bool level;          /* level-sensitive (else edge) */
	bool line;           /* level input as the device drives it */
	bool latch;          /* edge seen, or pending set by a write to ISPENDR */
	bool active;
	s8 lr;               /* list register holding it, -1 = none */
	u8 lr_vcpu;          /* SPIs: the vCPU whose list register holds it (its target back then) */
	u16 target;          /* SPIs: vCPU index from IROUTER */
	u64 irouter;
};

struct vgic_cpu {
	struct virq priv[VGIC_NR_PRIVATE];
	u32 waker;           /* GICR_WAKER.ProcessorSleep */
	u32 lr_used;         /* bitmap of list registers in use */
	u32 lr_dirty;        /* list registers whose copy in lr[] the emulation changed */
	u32 maybe_pending;   /* SGIs/PPIs that may be deliverable (a hint, see vgic_hint()) */
	u64 lr[VGIC_MAX_LRS];/* what hyparm last wrote / read back */
	u16 lr_intid[VGIC_MAX_LRS];
	bool underflow;      /* more pending than list registers: ask for a maintenance IRQ */
	/* Guest CPU-interface state, switched with the vCPU. */
	u64 vmcr;
	u64 ap0r[4], ap1r[4];
};

struct vgic_dist {
	spinlock_t lock;
	u32 ctlr;
	struct virq spi[VGIC_NR_SPIS];
	u64 spi_maybe_pending; /* SPIs that may be deliverable (a hint, see vgic_hint()) */
	unsigned nr_lrs;     /* list registers the CPU has */
};
_Static_assert(VGIC_NR_SPIS <= 64, "spi_maybe_pending is one word");

/* GICD_CTLR bits (security disabled, DS=1). */
#define GICD_CTLR_EN_G0   BIT(0)
#define GICD_CTLR_EN_G1   BIT(1)
#define GICD_CTLR_ARE     BIT(4)
#define GICD_CTLR_DS      BIT(6)

void vgic_init(struct vm *vm, unsigned nr_lrs);
void vgic_vcpu_init(struct vcpu *v);

/* The interrupt INTID as seen by vCPU v (private ones are per vCPU). NULL if out of range. */
struct virq *vgic_irq(struct vm *vm, struct vcpu *v, unsigned intid);
/* Drive a level-sensitive line (devices, the timer). v: the vCPU for private INTIDs, else NULL. */
void vgic_set_line(struct vm *vm, struct vcpu *v, unsigned intid, bool level);
/* An edge: pending once. */
void vgic_inject_edge(struct vm *vm, struct vcpu *v, unsigned intid);
/* A write of ICC_SGI1R_EL1 by vCPU src: make the SGI pending on every target. */
void vgic_send_sgi(struct vcpu *src, u64 sgi1r);
/* True if v has an interrupt that would wake it from WFI. */
bool vgic_vcpu_pending(struct vcpu *v);

/* The vCPU an SPI is routed to (IROUTER affinity), or vCPU 0 if none matches. */
struct vcpu *vgic_spi_target(struct vm *vm, const struct virq *irq);
/* Called (lock held) when an interrupt became pending for vCPU v: kick v's CPU. Provided by the core. */
void vgic_kick(struct vcpu *v);

/* Is it deliverable now: pending, enabled, its group enabled in the distributor. */
bool vgic_irq_deliverable(const struct vgic_dist *d, const struct virq *irq);
static inline bool vgic_irq_pending(const struct virq *irq)
{
	return irq->latch || (irq->level && irq->line);
}

/*
 * The "maybe pending" hint: a superset of the interrupts that are pending,
 * enabled and not in a list register, so that filling list registers looks
 * at a few bits instead of every interrupt. Set wherever an interrupt may
 * have become deliverable (vgic_irq_touched(), a list register retired);
 * cleared lazily by the scan that finds the bit stale. Lock held.
 */
void vgic_hint(struct vm *vm, struct vcpu *v, unsigned intid, const struct virq *irq);

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

/* List-register state field (ICH_LR<n>_EL2 bits 63:62), kept in vgic_cpu.lr[] too. */
#define VGIC_LR_PENDING (1ULL << 62)
#define VGIC_LR_ACTIVE  (2ULL << 62)

extern const struct mmio_ops vgic_dist_mmio_ops;
extern const struct mmio_ops vgic_redist_mmio_ops;

#endif
