/*
 * The list-register backend: the hardware half of the virtual GIC, and
 * the only part of it that knows the register encodings. The vGIC model
 * and its flush/sync policy (vdev/vgic/) describe an entry as struct
 * vgic_lr; a backend encodes it into its list-register format and moves
 * raw values in and out of the CPU interface: GICv3 (ICH_*_EL2 system
 * registers, arch/arm64/vgic_v3.c) and GICv2 (the GICH MMIO frame,
 * arch/arm64/vgic_v2.c) behind the same operations.
 */
#ifndef ARCH_VGIC_LR_H
#define ARCH_VGIC_LR_H

#include <hyparm/types.h>

#define VGIC_MAX_LRS 16

enum vgic_lr_state {
	LR_INVALID = 0,
	LR_PENDING = 1,
	LR_ACTIVE = 2,
	LR_PENDING_ACTIVE = 3,
};

/* One list-register entry, decoded. */
struct vgic_lr {
	u32 vintid;
	u32 pintid; /* hw: the physical INTID the guest's deactivation deactivates */
	u8 priority;
	u8 group; /* 0 or 1 */
	u8 state; /* enum vgic_lr_state */
	bool hw;
	bool eoi_maint; /* ask for a maintenance interrupt when the guest EOIs it (not with hw) */
	u8 source; /* GICv2 SGIs: the sending vCPU, which the guest reads in GICC_IAR.CPUID */
};

/* The guest's CPU-interface state outside the list registers, switched with the vCPU. */
struct vgic_cpuif {
	u64 vmcr;
	u32 ap0r[4], ap1r[4];
	u32 hcr; /* VGIC_HCR_* as the vCPU last ran with */
};

/* Control bits a backend understands (ICH_HCR_EL2 / GICH_HCR have them at the same place). */
#define VGIC_HCR_EN BIT(0) /* virtual CPU interface on */
#define VGIC_HCR_UIE BIT(1) /* maintenance interrupt when at most one list register is valid */
/*
 * Trap the guest's group-1 CPU-interface registers (ICC_IAR1_EL1, EOIR1,
 * HPPIR1, BPR1, AP1Rn, IGRPEN1) to EL2: ICH_HCR_EL2.TALL1, GICv3 only (a
 * GICv2 backend must leave it out: GICH_HCR has nothing there).
 */
#define VGIC_HCR_TALL1 BIT(12)

struct vgic_lr_backend {
	const char *name;
	unsigned version; /* the GIC architecture it drives: 2 or 3 */
	unsigned maint_intid; /* the maintenance interrupt (PPI), from the device tree */
	/* GICv2: the physical GICV frame a guest's GICC maps onto (stage 2), 0 for GICv3. */
	paddr_t gicv_base;
	u64 gicv_size;
	unsigned (*count)(void); /* list registers the CPU has */
	void (*write)(unsigned i, const struct vgic_lr *lr); /* encode and write; NULL lr: empty */
	unsigned (*read_state)(unsigned i); /* the entry's enum vgic_lr_state as the guest left it */
	u32 (*empty)(void); /* bitmap of list registers with nothing in them (ICH_ELRSR_EL2 / GICH_ELRSR) */
	void (*set_hcr)(u32 hcr); /* VGIC_HCR_* */
	void (*save)(struct vgic_cpuif *s); /* VMCR, active priorities */
	void (*restore)(const struct vgic_cpuif *s);
	void (*cpu_init)(void); /* once per CPU: empty list registers, interface on */
};

/* The backend for this machine's GIC (chosen at boot), or NULL before. */
const struct vgic_lr_backend *arch_vgic_backend(void);
/* What a backend needs from the device tree's GIC node. */
struct vgic_hw {
	unsigned version; /* 2 or 3 */
	unsigned maint_intid;
	paddr_t gich_base, gicv_base; /* GICv2 only, mapped for EL2 by the caller */
	u64 gicv_size;
};
/* Choose the backend for this GIC; -HV_ENOTSUP if none (no GICH/GICV frames on a GICv2). */
int arch_vgic_backend_select(const struct vgic_hw *hw);
/* The backends (arch/arm64/vgic_v3.c, vgic_v2.c): set up for hw, or NULL if it lacks what they need. */
const struct vgic_lr_backend *vgic_v3_probe(const struct vgic_hw *hw);
const struct vgic_lr_backend *vgic_v2_probe(const struct vgic_hw *hw);

#endif
